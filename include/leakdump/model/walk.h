/* SPDX-License-Identifier: MIT */
/*
 * The goroutine walker: the one loop every pass over a million goroutines
 * uses.  It visits items 0..n-1 in order and owns the housekeeping a long
 * walk needs, so the passes only say which of it they want:
 *
 *   - LD_WALK_TRIM: drop the mapped core's pages every LD_TRIM_EVERY items
 *     (ld_session_trim) so RSS stays flat;
 *   - LD_WALK_PAGER: run the pager (pager.h) over a mapped core instead of
 *     trimming, with the pass's range callback saying where item i lies;
 *   - LD_WALK_STACKS: on live and callback targets, read the stack tops of
 *     the next LD_BATCH goroutines in one batch (ld_session_prefetch_stacks);
 *   - an ahead hook called for item i + LD_PREFETCH_AHEAD just before item
 *     i is visited (passes prefetch different things: g structs, stack
 *     tops, sudogs);
 *   - a batch hook called with each LD_BATCH items before the first of them
 *     (the goroutine loader reads its g structs that way).
 *
 *	struct ld_walk w;
 *	size_t i;
 *
 *	ld_walk_begin(&w, s, n, &ops, arg);
 *	while (ld_walk_next(&w, &i))
 *		visit(i);
 *	ld_walk_end(&w);
 *
 * ld_walk_next() is inline and does the housekeeping only every few items
 * (the walk is the hot path): per item it costs a compare and, with an
 * ahead hook, one call.  Leaving the loop early is fine; ld_walk_end() must
 * still be called.
 *
 * Ownership: struct ld_walk is the caller's (usually on its stack); ops and
 * arg must outlive the walk; ld_walk_end() stops the pager and frees what
 * the walk started.  The session and its goroutine array are borrowed.
 */
#ifndef LD_WALK_H
#define LD_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/model/pager.h"
#include "leakdump/model/session.h"

#define LD_WALK_TRIM	0x1	/* ld_session_trim every LD_TRIM_EVERY items */
#define LD_WALK_PAGER	0x2	/* the pager over a mapped core (else trims) */
#define LD_WALK_STACKS	0x4	/* batched stack tops; items are goroutines */

/* Hooks get the walk's arg and an item index. */
typedef void ld_walk_ahead_fn(struct ld_session *s, void *arg, size_t i);
typedef void ld_walk_batch_fn(struct ld_session *s, void *arg, size_t first,
			      size_t n);

/* What a pass wants from its walk; usually a static const per pass. */
struct ld_walk_ops {
	unsigned int flags;		/* LD_WALK_* */
	ld_pager_range_fn *range;	/* LD_WALK_PAGER: where item i lies */
	ld_walk_ahead_fn *ahead;	/* or NULL */
	ld_walk_batch_fn *batch;	/* or NULL */
};

struct ld_walk {
	/* read per item by ld_walk_next() */
	size_t i;			/* the next item */
	size_t n;
	size_t mark;			/* next item with housekeeping */
	ld_walk_ahead_fn *ahead;
	struct ld_session *s;
	void *arg;
	/* housekeeping, ld_walk_step() only */
	const struct ld_walk_ops *ops;
	const uint32_t *gis;		/* item i is goroutine gis[i]; or NULL */
	struct ld_pager *pager;
	bool trim;
	size_t next_trim, next_progress, next_stacks, next_batch;
	size_t stacks_end;		/* first goroutine past the stack batch */
	size_t ntrims;			/* how often it trimmed (for tests) */
};

/*
 * Walk items 0..n-1 (goroutine i is s->gs[i] when LD_WALK_STACKS); s may
 * be NULL when n is 0.
 */
void ld_walk_begin(struct ld_walk *w, struct ld_session *s, size_t n,
		   const struct ld_walk_ops *ops, void *arg);
/*
 * Walk the goroutines s->gs[gis[0..n)]: gis ascending; items are positions
 * in gis.  Stack batches start at the first goroutine past the last batch.
 */
void ld_walk_begin_subset(struct ld_walk *w, struct ld_session *s,
			  const uint32_t *gis, size_t n,
			  const struct ld_walk_ops *ops, void *arg);
/* Housekeeping due at item w->i; false when the walk is over. */
bool ld_walk_step(struct ld_walk *w);
void ld_walk_end(struct ld_walk *w);

/* The next item in *i; false when there is none. */
static inline bool ld_walk_next(struct ld_walk *w, size_t *i)
{
	size_t k = w->i;

	if (k == w->mark && !ld_walk_step(w))
		return false;
	w->i = k + 1;
	*i = k;
	if (w->ahead && k + LD_PREFETCH_AHEAD < w->n)
		w->ahead(w->s, w->arg, k + LD_PREFETCH_AHEAD);
	return true;
}

#endif
