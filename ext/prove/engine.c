// SPDX-License-Identifier: MIT
/*
 * The bare marking engine (include/leakdump/prove/prove.h): create,
 * roots, drain, the fixed point over waiters, destroy.
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

static uint8_t waiter_wakes(const struct ld_mark *m,
			    const struct ld_mark_waiter *w)
{
	for (unsigned int i = 0; i < w->nprims; i++) {
		switch (ld_mark_state(m, w->prims[i])) {
		case LD_MARK_NOT_HEAP:
			return LD_MARK_WOKE_NOT_HEAP;
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
	unsigned int rounds = 0;
	bool again = true;

	if (!pending || !gis) {
		free(pending);
		free(gis);
		m->oom = true;
		return 0;
	}
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

			woke[pending[k]] = waiter_wakes(m, x);
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
	free(p->buf);
	if (p->span_cache)
		for (size_t i = 0; i < SPAN_CACHE_SLOTS; i++)
			free(p->span_cache[i].data);
	free(p->span_cache);
	ld_u64map_release(&p->type_map);
	ld_u64map_release(&p->chans);
	ld_prove_why_destroy(p->why);
	free(p);
}
