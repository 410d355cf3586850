// SPDX-License-Identifier: MIT
/*
 * Building the index: the semaphore table is walked once, then every
 * goroutine is sent, by the class of its wait reason, to the file of its
 * kind of object (chan.c, sync.c, cond.c, fd.c, timer.c, syscall.c);
 * the candidate holders of mutexes (holders.c) come last.  Decoding one
 * primitive on request (go-chan, go-mutex) is here too.
 */
#include <stdlib.h>

#include "blocking/blocking_priv.h"
#include "leakdump/model/walk.h"

/* One primitive on request, waiters or not (go-chan, go-mutex). */
struct ld_error *ld_blocking_decode(struct ld_session *s, struct ld_blocking *b,
				    enum ld_block_kind kind, uint64_t addr,
				    const struct ld_object **ret)
{
	struct ld_object *o;
	uint8_t probe;
	bool fresh;

	if (!read_buf(s, addr, &probe, 1))
		return ld_error_fault(addr, "no readable memory at 0x%llx",
				      (unsigned long long)addr);
	o = get_object(b, kind, addr, &fresh);
	if (!o)
		return &ld_error_nomem;
	if (fresh && kind == LD_BK_CHAN) {
		ld_decode_chan(s, b, o, NULL);
		ld_walk_queues(s, b, o);
	}
	else if (fresh && kind == LD_BK_MUTEX)
		ld_decode_mutex(s, o);
	else if (fresh && kind == LD_BK_RWMUTEX)
		ld_decode_rwmutex(s, o);
	if (fresh && kind != LD_BK_CHAN) {
		ld_find_candidates(s, b);
	}
	*ret = o;
	return NULL;
}

/* ---- building ---- */

/* Each of the target's wait reasons, looked up once (ext/go/waitreason.c). */
static bool classify_reasons(struct ld_session *s, struct ld_blocking *b)
{
	b->reasons = calloc(s->nwait_reasons + 1, sizeof(*b->reasons));
	b->reason_class = calloc(s->nwait_reasons + 1, 1);
	if (!b->reasons || !b->reason_class)
		return false;
	for (size_t i = 0; i < s->nwait_reasons; i++) {
		b->reasons[i] = ld_wait_reason_classify(s->wait_reasons[i]);
		b->reason_class[i] = b->reasons[i]->wclass;
	}
	return true;
}

static bool blockers_of(struct ld_session *s, struct ld_blocking *b,
			size_t gi, const struct ld_ahead_item *pre)
{
	const struct ld_goroutine *g = &s->gs[gi];
	uint32_t st = g->status & ~(uint32_t)s->rt->g_scan;
	const struct ld_wait_reason *reason;
	int wclass;

	if (st == s->rt->g_syscall)
		return ld_syscall_blocker(s, b, gi);
	wclass = ld_wait_class_of(s, b, g);
	if (wclass < 0)
		return true;
	reason = b->reasons[g->waitreason];
	switch ((enum ld_wait_class)wclass) {
	case LD_WAIT_NIL_CHAN:
		return ld_nil_chan_blocker(b, gi, reason);
	case LD_WAIT_CHAN:
		return ld_chan_blockers(s, b, gi, reason, pre);
	case LD_WAIT_COND:
		return ld_cond_blocker(s, b, gi);
	case LD_WAIT_IO:
		return ld_fd_blocker(s, b, gi);
	case LD_WAIT_SLEEP:
		return ld_timer_blocker(s, b, gi);
	case LD_WAIT_SEMA:
		return ld_sema_blocker(s, b, gi, reason, pre);
	case LD_WAIT_OTHER:
	case LD_WAIT_NO_CASES:
		break;
	}
	return true;
}

void ld_blocking_destroy(struct ld_blocking *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nobjs; i++) {
		struct ld_object *o = &b->objs[i];

		idlist_free(&o->waiters);
		if (o->kind == LD_BK_FD)
			free(o->describes);
		if (o->kind == LD_BK_CHAN) {
			idlist_free(&o->senders);
			idlist_free(&o->receivers);
		}
		if (ld_block_kind_is_sync(o->kind))
			idlist_free(&o->candidates);
	}
	free(b->objs);
	free(b->bl);
	free(b->first);
	free(b->count);
	ld_u64map_release(&b->obj_index);
	ld_u64map_release(&b->g_index);
	ld_u64map_release(&b->semas);
	free(b->sema_pend);
	free(b->sema_sudogs);
	ld_u64map_release(&b->sides);
	ld_u64map_release(&b->conds);
	ld_u64map_release(&b->cond_walked);
	ld_u64map_release(&b->type_index);
	for (size_t i = 0; i < b->nnames; i++)
		free(b->names[i]);
	free(b->names);
	free(b->scan_buf);
	free(b->reasons);
	free(b->reason_class);
	free(b);
}

struct blockers_walk_arg {
	struct ld_blocking *b;
	struct ld_ahead *ahead;
};

static void blockers_ahead(struct ld_session *s, void *arg, size_t gi)
{
	const struct blockers_walk_arg *a = arg;

	/* Where the helper has read ahead, its ring slot is all we read. */
	if (!ld_ahead_prefetch(a->ahead, gi))
		ld_prefetch_blockers(s, a->b, &s->gs[gi]);
}

/*
 * Live, the stack tops of this batch's goroutines that read their frames
 * (IO wait, Cond), in one vectored read: read one by one through the
 * chunk cache, each cost a cold 64 KiB chunk (a server's idle connections
 * are thousands of them).  The other goroutines' stacks are not read.
 */
static void blockers_batch(struct ld_session *s, void *arg, size_t first,
			   size_t n)
{
	const struct blockers_walk_arg *a = arg;
	uint32_t only[LD_BATCH];
	size_t k = 0;

	if (ld_target_mapped(&s->target))
		return;
	for (size_t gi = first; gi < first + n; gi++) {
		int c = ld_wait_class_of(s, a->b, &s->gs[gi]);

		if (c == LD_WAIT_IO || c == LD_WAIT_COND)
			only[k++] = (uint32_t)gi;
	}
	if (k)
		ld_session_prefetch_stacks(s, first, n, only, k);
}

/*
 * No stack prefetch for the others: only Cond and IO-wait waiters read
 * their frames, and reading every stack top would double the grouping
 * pass's reads.  No pager either: sudogs lie scattered, and each
 * one it touched would map a whole fault-around window or folio; the
 * read-ahead (ahead.c) copies out the words the walk needs instead.
 */
static const struct ld_walk_ops blockers_walk = {
	.flags = LD_WALK_TRIM,
	.ahead = blockers_ahead,
	.batch = blockers_batch,
};

/* With the read-ahead thread (on a core it trims for the walk). */
static const struct ld_walk_ops blockers_walk_read_ahead = {
	.ahead = blockers_ahead,
	.batch = blockers_batch,
};

/* Every goroutine's blockers, in order. */
static bool walk_blockers(struct ld_session *s, struct ld_blocking *b)
{
	struct blockers_walk_arg a = { .b = b };
	struct ld_walk w;
	bool ok = true;
	size_t gi;

	a.ahead = ld_ahead_start(s, b);
	ld_walk_begin(&w, s, s->ngs, a.ahead ? &blockers_walk_read_ahead :
					       &blockers_walk, &a);
	while (ok && ld_walk_next(&w, &gi)) {
		const struct ld_ahead_item *pre = ld_ahead_get(a.ahead, gi);

		b->read_ahead += pre != NULL;
		ok = blockers_of(s, b, gi, pre);
	}
	ld_walk_end(&w);
	ld_ahead_stop(a.ahead);
	return ok;
}

static struct ld_error *build(struct ld_session *s, bool defer,
			      bool for_proof, struct ld_blocking **ret)
{
	struct ld_blocking *b;
	struct ld_error *err;
	bool ok;

	err = ld_session_load_goroutines(s);
	if (err)
		return err;
	b = calloc(1, sizeof(*b));
	if (!b)
		return &ld_error_nomem;
	b->keep_sema_sudogs = for_proof;
	b->first = calloc(s->ngs + 1, sizeof(*b->first));
	b->count = calloc(s->ngs + 1, 1);
	if (!b->first || !b->count || !classify_reasons(s, b))
		goto nomem;
	/* From Go 1.26 waiters name their semaphores; proofs want it all. */
	if (s->rt->blk.sudog_size && (!s->rt->sema_waiting_sudog || for_proof))
		ld_walk_semtable(s, b);
	ok = walk_blockers(s, b) && ld_describe_fds(s, b);
	/* Only the walk asks which semaphore a goroutine waits on. */
	ld_u64map_release(&b->semas);
	if (!ok)
		goto nomem;
	if (defer)
		b->scan_nmutex = ld_mutex_range(b, &b->scan_lo, &b->scan_hi);
	else
		ld_find_candidates(s, b);
	*ret = b;
	return NULL;
nomem:
	ld_blocking_destroy(b);
	return &ld_error_nomem;
}

struct ld_error *ld_blocking_build(struct ld_session *s,
				   struct ld_blocking **ret)
{
	return build(s, false, true, ret);
}

struct ld_error *ld_blocking_build_deferred(struct ld_session *s,
					    bool for_proof,
					    struct ld_blocking **ret)
{
	return build(s, true, for_proof, ret);
}
