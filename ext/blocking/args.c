// SPDX-License-Identifier: MIT
/*
 * Frame arguments: a primitive the runtime keeps no list of goroutines
 * for is found from the waiting goroutine's stack, as the first argument
 * of a known frame (the receiver of sync.(*Cond).Wait, the pollDesc of
 * runtime_pollWait), then checked against the primitive itself.
 */
#include <string.h>

#include "blocking/blocking_priv.h"
#include "leakdump/model/unwind.h"

/* First argument word of the innermost non-inlined frame named name. */
bool ld_frame_arg0(struct ld_session *s, const struct ld_goroutine *g,
		   const char *name, uint64_t *ret, uint64_t *ret2)
{
	struct ld_unwinder u;
	unsigned int n = 0;

	ld_unwind_init(&u, s, g, g->pc, g->sp,
		       (g->flags & LD_G_HAS_REGS) ? LD_UNWIND_TRAP : 0);
	for (; ld_unwind_valid(&u) && n < 64; ld_unwind_next(&u), n++) {
		const struct ld_frame_info *fi = ld_unwind_frame_info(&u);

		if (!fi->nframes ||
		    strcmp(fi->frames[fi->nframes - 1].name, name))
			continue;
		if (ld_session_read_stack(s, g, u.argp, ret))
			return false;
		if (ret2 && ld_session_read_stack(s, g, u.argp + 8, ret2))
			*ret2 = 0;
		return true;
	}
	return false;
}
