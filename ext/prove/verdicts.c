// SPDX-License-Identifier: MIT
/*
 * Verdicts (ld_prove_run): classify every goroutine, mark from the roots,
 * run the fixed point over the blocked ones, record what made the proof
 * a suspicion; and the heap some leaked goroutines retain.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prove/prove_priv.h"

#define V_DEAD 0xff			/* verdict scratch: no verdict at all */

const char *ld_verdict_name(enum ld_verdict v)
{
	switch (v) {
	case LD_VERDICT_LIVE: return "live";
	case LD_VERDICT_MAY_WAKE: return "may-wake";
	case LD_VERDICT_LEAKED: return "leaked";
	case LD_VERDICT_NONE: break;
	}
	return "none";
}

static bool is_primitive(enum ld_block_kind k)
{
	return k == LD_BK_CHAN || k == LD_BK_MUTEX || k == LD_BK_RWMUTEX ||
	       k == LD_BK_WAITGROUP || k == LD_BK_COND || k == LD_BK_SEMA;
}

/*
 * The verdict before marking: LD_VERDICT_NONE means "pending, decided by
 * marking", V_DEAD no verdict at all.
 */
static uint8_t first_verdict(struct ld_mark *p, size_t gi,
				     uint8_t *why)
{
	struct ld_session *s = p->s;
	const struct ld_goroutine *g = &s->gs[gi];
	uint32_t st = g->status & ~(uint32_t)s->rt->g_scan;
	const struct ld_blocker *bl;
	unsigned int n, prims = 0;

	if (st == (uint32_t)s->rt->g_dead ||
	    (s->rt->g_deadextra >= 0 && st == (uint32_t)s->rt->g_deadextra))
		return V_DEAD;
	if (s->rt->g_leaked >= 0 && st == (uint32_t)s->rt->g_leaked) {
		*why = LD_WHY_RUNTIME_LEAKED;
		return LD_VERDICT_LEAKED;
	}
	if (st != (uint32_t)s->rt->g_waiting || g->waitreason >= s->nwait_reasons)
		return LD_VERDICT_LIVE;
	/* The wait reason's class, decided once per reason (ext/go/waitreason.c). */
	switch ((enum ld_wait_class)p->b->reason_class[g->waitreason]) {
	case LD_WAIT_NIL_CHAN:
	case LD_WAIT_NO_CASES:
		*why = LD_WHY_NIL_CHAN;
		return LD_VERDICT_LEAKED;
	case LD_WAIT_CHAN:
	case LD_WAIT_COND:
	case LD_WAIT_SEMA:
		break;
	case LD_WAIT_OTHER:
	case LD_WAIT_IO:
	case LD_WAIT_SLEEP:
		return LD_VERDICT_LIVE;
	}
	bl = ld_blocking_of(p->b, gi, &n);
	for (unsigned int i = 0; i < n; i++)
		prims += is_primitive(p->b->objs[bl[i].obj].kind);
	if (!prims || prims != n) {
		*why = LD_WHY_UNKNOWN_OBJECT;
		return LD_VERDICT_MAY_WAKE;
	}
	return LD_VERDICT_NONE;
}

/* Append one gap to pv->gaps, "; "-separated (cut at its size). */
static void __attribute__((format(printf, 2, 3)))
add_gap(struct ld_prove *pv, const char *fmt, ...)
{
	size_t n = strlen(pv->gaps);
	va_list ap;

	if (n && n + 2 < sizeof(pv->gaps)) {
		memcpy(pv->gaps + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(pv->gaps + n, sizeof(pv->gaps) - n, fmt, ap);
	va_end(ap);
}

static void record_gaps(struct ld_prove *pv, struct ld_mark *p)
{
	const struct ld_prove_stats *st = &pv->st;
	struct ld_heap_stats hs;

	ld_heap_stats(p->h, &hs);
	pv->st.spans_unreadable = hs.arenas_unreadable + hs.spans_unreadable +
				  hs.spans_corrupt +
				  (hs.arena_index_unreadable ||
				   hs.arena_list_unreadable);
	if (st->unreadable_bytes)
		add_gap(pv, "%llu bytes ld_prove_unreadable (first at 0x%llx)",
			(unsigned long long)st->unreadable_bytes,
			(unsigned long long)st->first_unreadable);
	if (st->spans_unreadable)
		add_gap(pv, "%llu heap spans or arenas unreadable",
			(unsigned long long)st->spans_unreadable);
	if (st->no_mappings)
		add_gap(pv, "memory outside the Go heap not listed for this target");
	if (st->specials_unknown)
		add_gap(pv, "span specials (finalizers, cleanups) not readable with this runtime layout");
	if (p->oom)
		add_gap(pv, "out of memory while marking");
	pv->proven = !pv->gaps[0];
}

/*
 * The fixed point for ld_prove_run: goroutines with a verdict to decide
 * become waiters on their primitives; running, runnable and otherwise
 * waiting goroutines are roots from the start, and their stacks live for
 * the primitives inside (ext/prove/engine.c).  The stacks of dead
 * goroutines (free g's keep theirs) and of those that can never run
 * again (nil channels, select{}, main's too, _Gleaked) are dead: nothing
 * can ever use what lies in them.
 */
static struct ld_error *fixed_point(struct ld_prove *pv, struct ld_mark *p)
{
	struct ld_session *s = p->s;
	struct ld_mark_waiter *w = calloc(s->ngs + 1, sizeof(*w));
	uint64_t *prims = malloc((p->b->nbl + 1) * sizeof(*prims));
	uint8_t *woke = calloc(s->ngs + 1, 1);
	uint32_t *roots_gi = malloc((s->ngs + 1) * sizeof(*roots_gi));
	size_t n = 0, np = 0, nroots = 0;

	if (!w || !prims || !woke || !roots_gi) {
		free(roots_gi);
		free(w);
		free(prims);
		free(woke);
		return &ld_error_nomem;
	}
	for (size_t i = 0; i < s->ngs; i++) {
		const struct ld_goroutine *g = &s->gs[i];
		const struct ld_blocker *bl;
		unsigned int nb;

		if (pv->verdict[i] == LD_VERDICT_LIVE ||
		    pv->verdict[i] == LD_VERDICT_MAY_WAKE) {
			roots_gi[nroots++] = (uint32_t)i;
			ld_mark_stack(p, g->stack_lo, g->stack_hi, true);
			continue;
		}
		if (pv->verdict[i] != LD_VERDICT_NONE) {
			ld_mark_stack(p, g->stack_lo, g->stack_hi, false);
			continue;
		}
		bl = ld_blocking_of(p->b, i, &nb);
		w[n].prims = prims + np;
		for (unsigned int k = 0; k < nb; k++)
			if (!p->b->objs[bl[k].obj].nil)
				prims[np++] = ld_object_wait_addr(&p->b->objs[bl[k].obj]);
		w[n].nprims = (unsigned int)(prims + np - w[n].prims);
		w[n++].g = g;
	}
	ld_prove_scan_goroutines(p, roots_gi, nroots);
	free(roots_gi);
	pv->st.iterations = ld_mark_fixed_point(p, w, n, woke);
	for (size_t k = 0; k < n; k++) {
		size_t gi = (size_t)(w[k].g - s->gs);

		pv->verdict[gi] = woke[k] ? LD_VERDICT_MAY_WAKE :
				  LD_VERDICT_LEAKED;
		/* LD_MARK_WOKE_STACK: on a live stack, so reachable */
		pv->why[gi] = woke[k] == LD_MARK_WOKE_NOT_HEAP ?
			      LD_WHY_NOT_IN_HEAP : woke[k] ? LD_WHY_REACHABLE :
			      LD_WHY_UNREACHABLE;
	}
	free(w);
	free(prims);
	free(woke);
	return NULL;
}

static void classify_all(struct ld_prove *pv, struct ld_mark *p)
{
	for (size_t i = 0; i < p->s->ngs; i++) {
		pv->verdict[i] = first_verdict(p, i, &pv->why[i]);
	}
}

static void finish_verdicts(struct ld_prove *pv, struct ld_mark *p)
{
	for (size_t i = 0; i < p->s->ngs; i++) {
		const struct ld_goroutine *g = &p->s->gs[i];

		if (pv->verdict[i] == V_DEAD) {
			pv->verdict[i] = LD_VERDICT_NONE;
			continue;
		}
		/*
		 * Like the runtime's own profile: main parked in select{}
		 * keeps the program alive by design; not a leak.
		 */
		if (g->goid == 1 && pv->why[i] == LD_WHY_NIL_CHAN &&
		    p->b->reason_class[g->waitreason] == LD_WAIT_NO_CASES) {
			pv->verdict[i] = LD_VERDICT_LIVE;
			pv->why[i] = LD_WHY_MAIN_SELECT;
		}
		pv->count[pv->verdict[i]]++;
	}
}

static void index_chans(struct ld_mark *p)
{
	for (size_t i = 0; i < p->b->nobjs; i++)
		if (p->b->objs[i].kind == LD_BK_CHAN && p->b->objs[i].addr)
			ld_u64map_put(&p->chans, p->b->objs[i].addr, 1);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct ld_error *analyse(struct ld_prove *pv, struct ld_mark *p)
{
	struct ld_error *err;

	index_chans(p);
	classify_all(pv, p);
	ld_prove_mark_bookkeeping(p);
	err = ld_prove_roots(p);
	if (!err)
		err = fixed_point(pv, p);
	if (err)
		return err;
	finish_verdicts(pv, p);
	record_gaps(pv, p);
	return NULL;
}

struct ld_error *ld_prove_run(struct ld_session *s, struct ld_blocking *b,
			      const struct ld_prove_opts *opts,
			      struct ld_prove **ret)
{
	struct ld_prove *pv = calloc(1, sizeof(*pv));
	double t0 = now_seconds();
	struct ld_heap *h = NULL;
	struct ld_error *err;

	*ret = NULL;
	if (!pv)
		return &ld_error_nomem;
	pv->verdict = calloc(s->ngs + 1, 1);
	pv->why = calloc(s->ngs + 1, 1);
	if (!pv->verdict || !pv->why) {
		ld_prove_destroy(pv);
		return &ld_error_nomem;
	}
	err = ld_heap_open(s, &h);
	if (err) {
		ld_prove_destroy(pv);
		return ld_error_wrap(err, "--prove needs the heap's metadata");
	}
	err = ld_mark_create(s->mem, s->rt, h, &pv->priv);
	if (err) {
		ld_heap_destroy(h);
		ld_prove_destroy(pv);
		return ld_error_wrap(err, "--prove: indexing the heap");
	}
	pv->priv->s = s;
	pv->priv->bias = s->bias;
	pv->priv->b = b;
	if (opts && opts->why && !ld_mark_why_enable(pv->priv)) {
		ld_prove_destroy(pv);
		return &ld_error_nomem;
	}
	pv->st = pv->priv->own_st;
	pv->priv->st = &pv->st;
	err = analyse(pv, pv->priv);
	if (err) {
		ld_prove_destroy(pv);
		return err;
	}
	pv->st.seconds = now_seconds() - t0;
	*ret = pv;
	return NULL;
}

struct ld_error *ld_prove_retained(struct ld_prove *pv, const uint32_t *gis,
				   size_t n, struct ld_retained *ret)
{
	struct ld_mark *p = pv->priv;
	uint32_t *sorted;
	size_t k;

	memset(ret, 0, sizeof(*ret));
	p->ntypes = 0;
	ld_u64map_release(&p->type_map);
	p->acc = ret;
	p->retain = true;
	sorted = malloc((n + 1) * sizeof(*sorted));
	if (!sorted) {
		p->retain = false;
		return &ld_error_nomem;
	}
	memcpy(sorted, gis, n * sizeof(*gis));
	ld_prove_scan_goroutines(p, sorted, n);
	free(sorted);
	for (size_t i = 0; i < n; i++) {
		const struct ld_goroutine *g = &p->s->gs[gis[i]];
		unsigned int nb;
		const struct ld_blocker *bl = ld_blocking_of(p->b, gis[i], &nb);

		ret->stack_bytes += g->stack_hi - g->stack_lo;
		/* What it waits on, held by its sudogs (which we never scan). */
		for (unsigned int j = 0; j < nb; j++)
			if (!p->b->objs[bl[j].obj].nil)
				ld_prove_mark_word(p, ld_object_wait_addr(
						&p->b->objs[bl[j].obj]));
	}
	ld_prove_drain(p);
	p->retain = false;
	p->acc = NULL;
	ld_sort(p->types, p->ntypes, sizeof(*p->types), ld_prove_cmp_types);
	for (k = 0; k < p->ntypes && k < LD_RETAINED_TOP; k++) {
		ret->top[k].name = ld_prove_type_key_name(p, p->types[k].key);
		ret->top[k].bytes = p->types[k].bytes;
		ret->top[k].objects = p->types[k].objects;
	}
	ret->ntop = (unsigned int)k;
	return NULL;
}

void ld_prove_destroy(struct ld_prove *pv)
{
	if (!pv)
		return;
	if (pv->priv) {
		ld_heap_destroy(pv->priv->h);
		ld_mark_destroy(pv->priv);
	}
	free(pv->verdict);
	free(pv->why);
	free(pv);
}
