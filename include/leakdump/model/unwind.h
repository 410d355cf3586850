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

#include "leakdump/go/pcln.h"
#include "leakdump/model/session.h"

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

/*
 * Symbolic facts about one physical frame at its symPC, cached per PC in
 * the session: the logical (inline-expanded) frames and the argument
 * metadata printArgs needs.  Owned by the session's cache; valid until the
 * next ld_unwind_frame_info() call on the same session (which may reuse the
 * cache slot).
 */
struct ld_frame_info {
	const struct ld_logical_frame *frames;
	uint32_t nframes;
	int32_t arg_live_idx;		/* PCDATA_ArgLiveIndex at symPC */
	const uint8_t *arg_info;	/* FUNCDATA_ArgInfo or NULL */
	size_t arg_info_avail;		/* bytes readable from arg_info */
	const uint8_t *arg_live;	/* FUNCDATA_ArgLiveInfo or NULL */
	size_t arg_live_avail;
};
const struct ld_frame_info *ld_unwind_frame_info(struct ld_unwinder *u);

/*
 * printcreatedby's function and position for a go statement's pc.  Owned
 * by the session's cache; valid until the next ld_unwind_created_at() call
 * on the same session.
 */
struct ld_created_at {
	bool valid;		/* gopc is inside a function */
	const char *name;
	int funcid;
	const char *file;
	int32_t line;
	uint64_t entry;
};
const struct ld_created_at *ld_unwind_created_at(struct ld_session *s,
						 uint64_t gopc);

/*
 * ld_pcln_find_func through the session's pc cache: a million goroutines
 * started by a handful of functions cost a handful of table searches.
 */
bool ld_unwind_find_func(struct ld_session *s, uint64_t pc,
			 struct ld_func *ret);

/* Per-session cache of PC lookups; created lazily by ld_unwind_init. */
struct ld_unwind_cache;
void ld_unwind_cache_destroy(struct ld_unwind_cache *c);

#endif
