// SPDX-License-Identifier: MIT
/*
 * Sleep: the deadline in g.sleepWhen (Go 1.23+) or in the g's cached
 * timer.  A sleep's timer belongs to its goroutine alone.
 */
#include "blocking/blocking_priv.h"

bool ld_timer_blocker(struct ld_session *s, struct ld_blocking *b,
		      size_t gi)
{
	const struct ld_rt *rt = s->rt;
	struct ld_goroutine *g = &s->gs[gi];
	uint64_t when = 0, t;
	struct ld_object *o;

	/* Go 1.23 moved a sleep's deadline from its timer into the g. */
	if (rt->g.sleep_when >= 0)
		when = ld_goroutine_sleep(g);
	else if ((t = ld_goroutine_sleep(g)) && rt->blk.timer_when >= 0)
		read_u64(s, t + (uint64_t)rt->blk.timer_when, &when);
	if (!when)
		return true;
	/* One object per goroutine: a sleep's timer is its own. */
	o = ld_new_object(b, LD_BK_TIMER, g->addr);
	if (!o)
		return false;
	o->when = (int64_t)when;
	idlist_add(&o->waiters, g->goid);
	return add_blocker(b, gi, o, LD_OP_NONE);
}
