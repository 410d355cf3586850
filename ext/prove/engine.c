// SPDX-License-Identifier: MIT
/*
 * The bare marking engine (include/leakdump/prove/prove.h): create,
 * roots, drain, the fixed point over waiters, destroy.
 *
 * Primitives on goroutine stacks.  The runtime's rule (isMarkedOrNotInHeap)
 * takes every address outside the heap as reachable; we are stricter for
 * goroutine stacks.  Only goroutine X itself can refer to its stack: the
 * compiler moves to the heap anything whose address could outlive its
 * frame or reach another goroutine (no heap object points into a stack:
 * stacks move), so the pointers into X's stack are in X's own frames,
 * registers while X runs, and the runtime's records of X (g.sched, its
 * _defer and _panic records, and its sudogs, whose elem points into the
 * waiter's stack: sudogs are never scanned, and they are how X waits,
 * never how anyone wakes it).  So whoever could unlock, signal or send
 * on a primitive in X's stack is X: it is reachable only once X is a root
 * or may wake, and never when X is dead or can never run again.  Chains
 * follow: a waiter on a primitive in Y's stack wakes only after Y.
 *
 * cgo: C code may keep a pointer into a Go stack only for the length of a
 * call (the cgo pointer rules), and a goroutine inside a C call is in a
 * system call: live, its stack a root.  A uintptr kept through unsafe is
 * not a pointer (and a stack move would break it anyway).  Stacks the
 * session does not list (g0, gsignal, the stack caches) are outside every
 * stack: what lies there stays reachable, as in the runtime.
 */
#include <stdlib.h>

#include "prove/prove_priv.h"

struct ld_error *ld_mark_create(struct ld_mem *mem, const struct ld_rt *rt,
				struct ld_heap *h, struct ld_mark **ret)
{
	struct ld_mark *p = calloc(1, sizeof(*p));
	struct ld_error *err;

	*ret = NULL;
	if (!p)
		return &ld_error_nomem;
	p->mem = mem;
	p->rt = rt;
	p->h = h;
	p->st = &p->own_st;
	p->buf = malloc(SCAN_CHUNK);
	if (getenv("LEAKDUMP_PROVE_TRACE"))
		p->trace = strtoull(getenv("LEAKDUMP_PROVE_TRACE"), NULL, 0);
	err = p->buf ? ld_prove_build_index(p) : &ld_error_nomem;
	if (err) {
		ld_mark_destroy(p);
		return err;
	}
	p->mem_is_buffer = p->nspans &&
		ld_mem_peek(mem, p->spans[0].base, 8) != NULL;
	*ret = p;
	return NULL;
}

void ld_mark_root(struct ld_mark *m, uint64_t lo, uint64_t hi)
{
	ld_prove_from(m, LD_PATH_RANGE, 0);
	ld_prove_root_range(m, lo, hi);
}

void ld_mark_opaque(struct ld_mark *m, uint64_t addr)
{
	(void)ld_prove_mark_opaque(m, addr);
}

void ld_mark_drain(struct ld_mark *m)
{
	ld_prove_drain(m);
}

enum ld_mark_state ld_mark_state(const struct ld_mark *m, uint64_t addr)
{
	uint32_t sid, slot;

	if (!ld_prove_find_object(m, addr, &sid, &slot))
		return LD_MARK_NOT_HEAP;
	return ld_prove_bit_get(m->mark, m->spans[sid].bit + slot) ?
	       LD_MARK_MARKED : LD_MARK_UNMARKED;
}

const struct ld_prove_stats *ld_mark_stats(const struct ld_mark *m)
{
	return m->st;
}

/* pv_stack.owner beyond the waiter indexes */
#define PV_STACK_OUTSIDE	0xffffffffu	/* in no stack, or several */
#define PV_STACK_LIVE		0xfffffffeu
#define PV_STACK_DEAD		0xfffffffdu
#define PV_MAX_WAITERS		0xfffffff0u

void ld_mark_stack(struct ld_mark *m, uint64_t lo, uint64_t hi, bool live)
{
	if (hi <= lo)
		return;
	/*
	 * A stack left out could hide an overlap (see stacks_sorted), so
	 * losing one is a gap, not a silent omission.
	 */
	if (!ld_grow((void **)&m->stk, &m->cap_stk, m->nstk + 1,
		     sizeof(*m->stk))) {
		m->oom = true;
		return;
	}
	m->stk[m->nstk++] = (struct pv_stack){
		lo, hi, live ? PV_STACK_LIVE : PV_STACK_DEAD };
}

static int cmp_stack(const void *a, const void *b)
{
	const struct pv_stack *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * The declared stacks and the waiters' own, sorted by start, built once
 * per fixed point (then a binary search per primitive).  A stack that
 * starts inside an earlier one (bad data, a g caught mid-reuse) has
 * owner PV_STACK_OUTSIDE: then stack_owner can trust the last stack
 * starting at or below an address to be the only one that may hold it.
 * NULL when out of memory: every address outside the heap then counts as
 * reachable, the runtime's rule, still sound.
 */
static struct pv_stack *stacks_sorted(const struct ld_mark *m,
				      const struct ld_mark_waiter *w,
				      size_t n, size_t *ret)
{
	struct pv_stack *v;
	uint64_t maxhi = 0;
	size_t k = m->nstk;

	*ret = 0;
	if (n > PV_MAX_WAITERS ||
	    !(v = malloc((m->nstk + n + 1) * sizeof(*v))))
		return NULL;
	if (m->nstk)
		memcpy(v, m->stk, m->nstk * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const struct ld_goroutine *g = w[i].g;
		uint64_t lo = g ? g->stack_lo : w[i].lo[0];
		uint64_t hi = g ? g->stack_hi : w[i].hi[0];

		if (hi > lo)
			v[k++] = (struct pv_stack){ lo, hi, (uint32_t)i };
	}
	ld_sort(v, k, sizeof(*v), cmp_stack);
	for (size_t i = 0; i < k; i++) {
		if (i && v[i].lo < maxhi)
			v[i].owner = PV_STACK_OUTSIDE;
		if (v[i].hi > maxhi)
			maxhi = v[i].hi;
	}
	*ret = k;
	return v;
}

/* Who owns the stack holding addr: a waiter's index or a PV_STACK_*. */
static uint32_t stack_owner(const struct pv_stack *v, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* v[lo - 1]: the last stack starting at or below addr */
	if (!lo || addr >= v[lo - 1].hi)
		return PV_STACK_OUTSIDE;
	return v[lo - 1].owner;
}

struct pv_stacks {
	const struct pv_stack *v;
	size_t n;
	const uint8_t *woke;
};

static uint8_t waiter_wakes(const struct ld_mark *m,
			    const struct ld_mark_waiter *w,
			    const struct pv_stacks *st)
{
	for (unsigned int i = 0; i < w->nprims; i++) {
		uint32_t o;

		switch (ld_mark_state(m, w->prims[i])) {
		case LD_MARK_NOT_HEAP:
			o = st->v ? stack_owner(st->v, st->n, w->prims[i]) :
			    PV_STACK_OUTSIDE;
			if (o == PV_STACK_OUTSIDE)
				return LD_MARK_WOKE_NOT_HEAP;
			if (o == PV_STACK_LIVE ||
			    (o < PV_MAX_WAITERS && st->woke[o]))
				return LD_MARK_WOKE_STACK;
			break;	/* dead, or a waiter not (yet) woken */
		case LD_MARK_MARKED:
			return LD_MARK_WOKE_MARKED;
		case LD_MARK_UNMARKED:
			break;
		}
	}
	return 0;
}

unsigned int ld_mark_fixed_point(struct ld_mark *m,
				 const struct ld_mark_waiter *w, size_t n,
				 uint8_t *woke)
{
	size_t *pending = malloc((n + 1) * sizeof(*pending)), np = 0;
	uint32_t *gis = malloc((n + 1) * sizeof(*gis));
	struct pv_stacks st = { .woke = woke };
	struct pv_stack *stk;
	unsigned int rounds = 0;
	bool again = true;

	if (!pending || !gis) {
		free(pending);
		free(gis);
		m->oom = true;
		return 0;
	}
	st.v = stk = stacks_sorted(m, w, n, &st.n);
	for (size_t i = 0; i < n; i++) {
		woke[i] = 0;
		pending[np++] = i;
	}
	while (again) {
		size_t ngis = 0;

		again = false;
		ld_prove_drain(m);
		rounds++;
		for (size_t k = 0; k < np;) {
			const struct ld_mark_waiter *x = &w[pending[k]];

			woke[pending[k]] = waiter_wakes(m, x, &st);
			if (!woke[pending[k]]) {
				k++;
				continue;
			}
			/* It may run again: what it holds is reachable. */
			if (x->g && m->s)
				gis[ngis++] = (uint32_t)(x->g - m->s->gs);
			ld_prove_from(m, LD_PATH_WAITER, (uint32_t)pending[k]);
			for (int r = 0; r < 2 && !(x->g && m->s); r++)
				if (x->hi[r] > x->lo[r])
					ld_prove_root_range(m, x->lo[r],
							    x->hi[r]);
			pending[k] = pending[--np];
			again = true;
		}
		ld_prove_scan_goroutines(m, gis, ngis);
	}
	free(stk);
	free(pending);
	free(gis);
	return rounds;
}

void ld_mark_destroy(struct ld_mark *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->narenas; i++)
		free(p->pages[i]);
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
	free(p->pages);
	free(p->amap);
	free(p->alloc);
	free(p->mark);
	free(p->stack);
	free(p->spans);
	free(p->types);
	free(p->stk);
	free(p->buf);
	if (p->span_cache)
		for (size_t i = 0; i < SPAN_CACHE_SLOTS; i++)
			free(p->span_cache[i].data);
	free(p->span_cache);
	ld_prove_precise_release(p);
	ld_u64map_release(&p->type_map);
	ld_u64map_release(&p->chans);
	ld_prove_why_destroy(p->why);
	free(p);
}
