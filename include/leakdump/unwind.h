/* SPDX-License-Identifier: MIT */
/*
 * Physical-frame unwinding of one goroutine, the way the runtime's own
 * unwinder (runtime/traceback.go) walks it: pcsp gives each frame's size,
 * the return address sits just below the caller's SP.  Reads go through the
 * session's memory; per-PC lookups are cached in the session.
 *
 * An unwinder is a plain value: copy it to clone the walk (the runtime's
 * traceback does that to count the frames it elides).
 */
#ifndef LD_UNWIND_H
#define LD_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

#include "leakdump/pcln.h"
#include "leakdump/session.h"

/* Hard bound on physical frames per walk (a corrupt stack cannot loop). */
#define LD_UNWIND_MAX_FRAMES 1000000

#define LD_UNWIND_TRAP 0x1	/* pc is exact, not a return address */

struct ld_unwinder {
	struct ld_session *s;
	const struct ld_goroutine *g;
	uint64_t pc, sp, fp, lr;
	uint64_t argp;
	struct ld_func fn;
	int callee_funcid;
	unsigned int flags;
	unsigned int nframes;
	/* set when the walk stopped on bad data; owned by the session */
	const char *error;
};

/* Start at (pc, sp); flags may hold LD_UNWIND_TRAP. */
void ld_unwind_init(struct ld_unwinder *u, struct ld_session *s,
		    const struct ld_goroutine *g, uint64_t pc, uint64_t sp,
		    unsigned int flags);
static inline bool ld_unwind_valid(const struct ld_unwinder *u)
{
	return u->pc != 0;
}
void ld_unwind_next(struct ld_unwinder *u);
/* The PC to symbolize: pc-1 for a return address (runtime's symPC). */
uint64_t ld_unwind_sym_pc(const struct ld_unwinder *u);

/* Per-session cache of PC lookups; created lazily by ld_unwind_init. */
struct ld_unwind_cache;
void ld_unwind_cache_destroy(struct ld_unwind_cache *c);

#endif
