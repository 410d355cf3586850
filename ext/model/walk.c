// SPDX-License-Identifier: MIT
/*
 * The goroutine walker (see include/leakdump/model/walk.h).  Every piece of
 * housekeeping is due at a known item; ld_walk_step() does what is due and
 * sets w->mark to the nearest next one, so the inline ld_walk_next() only
 * compares an index per item.
 */
#include "leakdump/model/walk.h"

/*
 * The pager learns how far the walk got every this many items: it works
 * thousands of items ahead and behind, so a coarser report changes nothing
 * but spares a call per item.
 */
#define PROGRESS_EVERY 32
#define NEVER SIZE_MAX

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static void start(struct ld_walk *w, struct ld_session *s,
		  const uint32_t *gis, size_t n,
		  const struct ld_walk_ops *ops, void *arg)
{
	*w = (struct ld_walk){ .n = n, .ahead = ops->ahead, .s = s,
			       .arg = arg, .ops = ops, .gis = gis,
			       .next_trim = NEVER, .next_progress = NEVER,
			       .next_stacks = NEVER, .next_batch = NEVER };
	if (!n)
		return;		/* s may be NULL then: nothing to read */
	if (ops->flags & LD_WALK_PAGER)
		w->pager = ld_pager_start(s, n, ops->range, arg,
					  ops->flags & LD_WALK_STACKS);
	w->trim = (ops->flags & LD_WALK_TRIM) && !w->pager;
	if (w->trim)
		w->next_trim = LD_TRIM_EVERY;
	if (w->pager)
		w->next_progress = PROGRESS_EVERY;
	/* A core's memory is mapped: there is nothing to batch. */
	if ((ops->flags & LD_WALK_STACKS) && !ld_target_mapped(&s->target))
		w->next_stacks = 0;
	if (ops->batch)
		w->next_batch = 0;
}

void ld_walk_begin(struct ld_walk *w, struct ld_session *s, size_t n,
		   const struct ld_walk_ops *ops, void *arg)
{
	start(w, s, NULL, n, ops, arg);
}

void ld_walk_begin_subset(struct ld_walk *w, struct ld_session *s,
			  const uint32_t *gis, size_t n,
			  const struct ld_walk_ops *ops, void *arg)
{
	start(w, s, gis, n, ops, arg);
}

/* Batch the stack tops from item i's goroutine on; note the next batch. */
static void stack_batch(struct ld_walk *w, size_t i)
{
	struct ld_session *s = w->s;
	size_t g = w->gis ? w->gis[i] : i;
	size_t cnt = min_size(s->ngs - g, LD_BATCH);
	size_t j = i + 1;

	w->stacks_end = g + cnt;
	if (!w->gis) {
		ld_session_prefetch_stacks(s, g, cnt, NULL, 0);
		w->next_stacks = i + LD_BATCH;
		return;
	}
	while (j < w->n && w->gis[j] < w->stacks_end)
		j++;
	/* Sparse subsets (the fixed point's waiters) read only theirs. */
	ld_session_prefetch_stacks(s, g, cnt, w->gis + i, j - i);
	w->next_stacks = j;
}

bool ld_walk_step(struct ld_walk *w)
{
	size_t i = w->i;

	if (i >= w->n)
		return false;
	if (i == w->next_trim) {
		ld_session_trim(w->s);
		w->ntrims++;
		w->next_trim += LD_TRIM_EVERY;
	}
	if (i == w->next_progress) {
		ld_pager_progress(w->pager, i);
		w->next_progress += PROGRESS_EVERY;
	}
	if (i == w->next_stacks)
		stack_batch(w, i);
	if (i == w->next_batch) {
		w->ops->batch(w->s, w->arg, i, min_size(w->n - i, LD_BATCH));
		w->next_batch += LD_BATCH;
	}
	w->mark = min_size(min_size(w->next_trim, w->next_progress),
			   min_size(w->next_stacks, w->next_batch));
	w->mark = min_size(w->mark, w->n);
	return true;
}

void ld_walk_end(struct ld_walk *w)
{
	ld_pager_stop(w->pager);
	w->pager = NULL;
}
