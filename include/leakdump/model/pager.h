/* SPDX-License-Identifier: MIT */
/*
 * The pager: a helper thread for long walks over a mapped core file.
 *
 * A walk over a million goroutines reads each g, sudog and stack top once,
 * scattered over gigabytes of the core.  Read through the mapping, every
 * first touch is a page fault, and keeping RSS flat means unmapping what
 * was read; both are kernel work that used to stall the walk.  The pager
 * does it on the other CPU: it touches the pages of the next items before
 * the walker needs them, and drops (MADV_DONTNEED) the pages of items the
 * walker has finished with.  It only reads the target, through the
 * read-only mapping.
 *
 * The walker numbers its items 0..n-1, says where item i lies with the
 * range callback (called from the helper thread: it must only read data
 * that does not change during the walk), and reports progress.
 *
 * Ownership: ld_pager_start() returns a pager the caller ends with
 * ld_pager_stop(), which joins the thread and frees it.  NULL means "no
 * pager" (not a mapped core, or the thread could not start): the walker
 * then trims by itself (ld_session_trim), as before.
 */
#ifndef LD_PAGER_H
#define LD_PAGER_H

#include <stddef.h>
#include <stdint.h>

#include "leakdump/model/session.h"

/* Where item i lies; *len 0: nothing to read for it. */
typedef void ld_pager_range_fn(void *arg, size_t i, uint64_t *addr,
			       size_t *len);

struct ld_pager;

/* stacks: the items are stacks (bigger, kept mapped in fewer items). */
struct ld_pager *ld_pager_start(struct ld_session *s, size_t n,
				ld_pager_range_fn *range, void *arg,
				bool stacks);
/* The walker has finished items [0, done). */
void ld_pager_progress(struct ld_pager *p, size_t done);
/* Join the thread, drop what it mapped, free p (accepts NULL). */
void ld_pager_stop(struct ld_pager *p);

#endif
