// SPDX-License-Identifier: MIT
/*
 * Candidate holders: Go records no mutex owner, so the goroutines whose
 * live stack holds a mutex's address (and that do not wait on it) are
 * named as candidates.  The scan runs over every stack once, after the
 * blocking pass or (deferred) during the caller's own walk over them.
 */
#include <stdlib.h>

#include "blocking/blocking_priv.h"
#include "leakdump/model/walk.h"

#define MAX_STACK_SCAN (64u << 10)

/* Does goroutine gi wait on every unscanned mutex?  Then skip its stack. */
static bool waits_on_all(const struct ld_blocking *b, size_t gi,
			 size_t nmutex)
{
	const struct ld_blocker *bl;
	unsigned int n;
	size_t hits = 0;

	bl = ld_blocking_of(b, gi, &n);
	for (unsigned int i = 0; i < n; i++) {
		const struct ld_object *o = &b->objs[bl[i].obj];

		hits += (o->kind == LD_BK_MUTEX || o->kind == LD_BK_RWMUTEX) &&
			!o->scanned;
	}
	return hits == nmutex;
}

/* words: the stack's bytes, read through memcpy (no alignment assumed). */
static void candidates_in(struct ld_blocking *b, size_t gi, uint64_t goid,
			  const uint8_t *words, size_t nwords, uint64_t lo,
			  uint64_t hi)
{
	for (size_t w = 0; w < nwords; w++) {
		uint64_t word = rd64(words, (int64_t)(w * 8));
		const struct ld_blocker *bl;
		struct ld_object *o;
		unsigned int n;
		bool waits = false;

		if (word < lo || word > hi)
			continue;
		o = (struct ld_object *)ld_blocking_find(b, LD_BK_MUTEX, word);
		if (!o)
			o = (struct ld_object *)ld_blocking_find(
				b, LD_BK_RWMUTEX, word);
		if (!o || o->scanned)
			continue;
		bl = ld_blocking_of(b, gi, &n);
		for (unsigned int i = 0; i < n; i++)
			waits |= &b->objs[bl[i].obj] == o;
		if (!waits)
			idlist_add(&o->candidates, goid);
	}
}

/* The unscanned mutexes' count and address range; 0 when none. */
size_t ld_mutex_range(const struct ld_blocking *b, uint64_t *lo,
		      uint64_t *hi)
{
	size_t n = 0;

	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < b->nobjs; i++) {
		const struct ld_object *o = &b->objs[i];

		if ((o->kind != LD_BK_MUTEX && o->kind != LD_BK_RWMUTEX) ||
		    !o->addr || o->scanned)
			continue;
		n++;
		*lo = o->addr < *lo ? o->addr : *lo;
		*hi = o->addr > *hi ? o->addr : *hi;
	}
	return n;
}

static void scan_stack(struct ld_session *s, struct ld_blocking *b,
		       size_t gi, uint64_t *buf)
{
	const struct ld_goroutine *g = &s->gs[gi];
	/* Pointers sit on the 8-byte grid; a corrupt g's sp need not. */
	uint64_t sp = (g->sp + 7) & ~7ull;
	uint64_t len = g->stack_hi > sp ? (g->stack_hi - sp) & ~7ull : 0;
	const uint8_t *words;

	if (!b->scan_nmutex || (g->flags & LD_G_NO_STACK) ||
	    g->sp < g->stack_lo || sp < g->sp || !len ||
	    waits_on_all(b, gi, b->scan_nmutex))
		return;
	if (len > MAX_STACK_SCAN)
		len = MAX_STACK_SCAN;
	/* A live target's stack top is already in the prefetch batch. */
	words = ld_session_stack_window(s, g, sp, len);
	if (!words)
		words = view(s, sp, len, (uint8_t *)buf);
	if (words)
		candidates_in(b, gi, g->goid, words, len / 8, b->scan_lo,
			      b->scan_hi);
}

void ld_blocking_scan_stack(struct ld_session *s, struct ld_blocking *b,
			    size_t gi)
{
	if (!b->scan_nmutex)
		return;
	if (!b->scan_buf && !(b->scan_buf = malloc(MAX_STACK_SCAN))) {
		b->scan_nmutex = 0;
		return;
	}
	scan_stack(s, b, gi, b->scan_buf);
}

void ld_blocking_scan_done(struct ld_blocking *b)
{
	for (size_t i = 0; i < b->nobjs; i++)
		if (b->objs[i].kind == LD_BK_MUTEX ||
		    b->objs[i].kind == LD_BK_RWMUTEX)
			b->objs[i].scanned = true;
	b->scan_nmutex = 0;
	free(b->scan_buf);
	b->scan_buf = NULL;
}

/*
 * Go records no mutex owner.  Candidates: goroutines not waiting on the
 * mutex whose live stack holds its address.  One pass over all stacks,
 * words outside the mutexes' address range rejected with one compare.
 */
void ld_find_candidates(struct ld_session *s, struct ld_blocking *b)
{
	static const struct ld_walk_ops walk = { .flags = LD_WALK_TRIM };
	struct ld_walk w;
	size_t gi;

	b->scan_nmutex = ld_mutex_range(b, &b->scan_lo, &b->scan_hi);
	ld_walk_begin(&w, s, s->ngs, &walk, NULL);
	while (b->scan_nmutex && ld_walk_next(&w, &gi))
		ld_blocking_scan_stack(s, b, gi);
	ld_walk_end(&w);
	ld_blocking_scan_done(b);
}
