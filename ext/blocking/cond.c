// SPDX-License-Identifier: MIT
/*
 * sync.Cond: the receiver of sync.(*Cond).Wait (or the notify list passed
 * to runtime_notifyListWait), checked against the Cond's notify list.
 */
#include "blocking/blocking_priv.h"

static int64_t notify_head(const struct ld_rt_blocking *k)
{
	return k->notify_head >= 0 ? k->notify_head : k->sync_notify_head;
}

/*
 * Record the goroutines on Cond c's notify list (once per Cond), so each
 * waiter is checked against it with one lookup.
 */
static void cond_list(struct ld_session *s, struct ld_blocking *b, uint64_t c)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint64_t sg, gp;
	size_t n = 0;

	if (ld_u64map_get(&b->cond_walked, c) ||
	    !ld_u64map_put(&b->cond_walked, c, 1) ||
	    !read_u64(s, c + (uint64_t)(k->cond_notify + notify_head(k)), &sg))
		return;
	while (sg && n++ < MAX_LIST) {
		if (!read_u64(s, sg + (uint64_t)k->sudog_g, &gp) ||
		    !ld_u64map_put(&b->conds, gp, c) ||
		    !read_u64(s, sg + (uint64_t)k->sudog_next, &sg))
			return;
		walk_step(s, n);
	}
}

bool ld_cond_blocker(struct ld_session *s, struct ld_blocking *b,
		     size_t gi)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	struct ld_goroutine *g = &s->gs[gi];
	struct ld_object *o;
	uint64_t c;
	bool fresh;

	if (k->cond_notify < 0 || notify_head(k) < 0)
		return true;
	/*
	 * The notify list is runtime_notifyListWait's first argument, live
	 * across the park; Cond.Wait's receiver is the fallback.
	 */
	if (ld_frame_arg0(s, g, "sync.runtime_notifyListWait", &c, NULL))
		c -= (uint64_t)k->cond_notify;
	else if (!ld_frame_arg0(s, g, "sync.(*Cond).Wait", &c, NULL))
		return true;
	/* It must be a Cond whose notify list holds this g. */
	if (!c)
		return true;
	cond_list(s, b, c);
	if (ld_u64map_get(&b->conds, g->addr) != c)
		return true;
	o = get_object(b, LD_BK_COND, c, &fresh);
	if (!o)
		return false;
	idlist_add(&o->waiters, g->goid);
	return add_blocker(b, gi, o, LD_OP_NONE);
}
