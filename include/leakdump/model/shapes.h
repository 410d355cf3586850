/* SPDX-License-Identifier: MIT */
/*
 * Stack shapes: a memo that lets a goroutine skip its traceback when its
 * stack has the same shape as one already walked.
 *
 * The unwinder is a function of the starting pc and the words it reads:
 * each frame's size comes from the pc tables, so the return addresses sit
 * at fixed offsets from the starting sp, and the frames printed follow
 * from the pcs alone.  A shape records, for one walk that ended cleanly,
 * the starting pc and every (offset, return address) the unwinder read.
 * Another goroutine starting at that pc whose stack holds the same words
 * at the same offsets (all inside its stack bounds) unwinds to the same
 * frames, so it gets the same answer without a walk.  Goroutines whose
 * walk starts from thread registers, a syscall or nowhere are not
 * memoized.
 *
 * Ownership: ld_shapes_create() returns a memo the caller frees with
 * ld_shapes_destroy().  It borrows the session.
 */
#ifndef LD_SHAPES_H
#define LD_SHAPES_H

#include <stdbool.h>
#include <stdint.h>

#include "leakdump/model/session.h"

struct ld_shapes;

struct ld_shapes *ld_shapes_create(void);		/* NULL: no memory */
void ld_shapes_destroy(struct ld_shapes *m);		/* accepts NULL */

/* The value learnt for a walk of g's shape; false when none matches. */
bool ld_shapes_find(struct ld_shapes *m, struct ld_session *s,
		    const struct ld_goroutine *g, uint32_t *value);

/*
 * Remember value for g's shape, after a walk of g that ended without an
 * error.  Re-walks g's stack (without symbolizing) to record it.
 */
void ld_shapes_learn(struct ld_shapes *m, struct ld_session *s,
		     const struct ld_goroutine *g, uint32_t value);

#endif
