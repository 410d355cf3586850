/* SPDX-License-Identifier: MIT */
/*
 * Synthetic Go heaps for the heap and proof tests: the recorded layouts of
 * a release (the generated tables), mspans written field by field, and a
 * one-arena heap (runtime.mheap_, its arena index, the heapArena's
 * page-to-span table, the spans and their allocation bits) added to any
 * struct ld_mem.
 *
 * What the runtime keeps (runtime/mheap.go, mbitmap.go): mheap_.arenas[0]
 * points at the second-level index, whose entry for an arena points at its
 * heapArena; heapArena.spans[page] is the mspan of each page of the arena;
 * a slot below mspan.freeindex is allocated whatever its allocBits say.
 *
 * Header-only: every non-test_*.c file in tests/unit is linked into every
 * unit test binary.
 */
#ifndef SYNTH_HEAP_H
#define SYNTH_HEAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/go/rt.h"
#include "leakdump/prove/heap.h"
#include "leakdump/target/mem.h"
#include "go/rt_fields.h"

/* Little-endian width-byte v at buf + off (off is a layout offset). */
static inline void sh_put(uint8_t *buf, int64_t off, unsigned int width,
			  uint64_t v)
{
	if (off < 0)
		abort();	/* the layout has no such field */
	for (unsigned int i = 0; i < width; i++)
		buf[off + i] = (uint8_t)(v >> (8 * i));
}

/*
 * *rt holds nothing but release minor's recorded layout (and its
 * capability flags).  Returns false if no table records that release.
 */
static inline bool sh_load_layout(struct ld_rt *rt, int minor)
{
	const struct ld_layout *l = NULL;

	for (unsigned int i = 0; i < ld_nlayouts; i++)
		if (ld_layouts[i].go_minor == minor)
			l = &ld_layouts[i];
	if (!l)
		return false;
	memset(rt, 0, sizeof(*rt));
	rt->go_major = 1;
	rt->go_minor = minor;
	ld_rt_resolve_caps(rt);
	ld_rt_apply_layout(rt, l);
	return true;
}

/*
 * An mspan at s with rt's layout.  freeindex and nelems are uintptr until
 * Go 1.21, uint16 after; allocCount is set to freeindex.
 */
static inline void sh_span(const struct ld_rt *rt, uint8_t *s, uint64_t base,
			   uint64_t npages, uint64_t elemsize, uint64_t nelems,
			   uint64_t freeindex, uint64_t alloc_bits,
			   uint8_t spanclass, uint8_t state, uint64_t limit)
{
	const struct ld_rt_heap *l = &rt->heap;
	unsigned int iw = rt->go_minor <= 21 ? 8 : 2;

	sh_put(s, l->span_start_addr, 8, base);
	sh_put(s, l->span_npages, 8, npages);
	sh_put(s, l->span_elemsize, 8, elemsize);
	sh_put(s, l->span_nelems, iw, nelems);
	sh_put(s, l->span_freeindex, iw, freeindex);
	sh_put(s, l->span_alloc_bits, 8, alloc_bits);
	sh_put(s, l->span_alloc_count, 2, freeindex);
	sh_put(s, l->span_spanclass, 1, spanclass);
	sh_put(s, l->span_state, 1, state);
	sh_put(s, l->span_limit, 8, limit);
}

/* ---- a one-arena heap ---- */

#define SH_MHEAP	0x600000ull
#define SH_MHEAP_LEN	0x20000
#define SH_L2		0x10000000ull
#define SH_HA		0x20000000ull
#define SH_SPANS	0x700000ull
#define SH_SPAN_STRIDE	0x100
#define SH_MAX_SPANS	8
#define SH_BITS		0x800000ull
#define SH_BITS_LEN	(SH_MAX_SPANS * 64)
#define SH_LIST		0x900000ull
#define SH_SPAN_IN_USE	1	/* mSpanInUse */

struct synth_heap {
	const struct ld_rt *rt;		/* the layout: rt->heap */
	uint64_t arena, ri;
	uint8_t *mheap, *l2, *ha, *spans, *bits, *list;
	size_t ha_len;
	unsigned int nspans;
};

static inline void sh_release(struct synth_heap *h)
{
	free(h->mheap);
	free(h->l2);
	free(h->ha);
	free(h->spans);
	free(h->bits);
	free(h->list);
	memset(h, 0, sizeof(*h));
}

/*
 * Lay out an empty heap of one arena (the one at arena) with rt's layout
 * and add it to mem; rt->heap.mheap must be SH_MHEAP (plus any bias the
 * caller then gives ld_heap_create).  Returns false on failure.
 */
static inline bool sh_init(struct synth_heap *h, const struct ld_rt *rt,
			   struct ld_mem *mem, uint64_t arena)
{
	const struct ld_rt_heap *l = &rt->heap;
	struct ld_error *err;
	int64_t list_off;

	memset(h, 0, sizeof(*h));
	h->rt = rt;
	h->arena = arena;
	h->ri = ld_heap_arena_index(arena);
	h->ha_len = (size_t)l->ha_spans + LD_HEAP_PAGES_PER_ARENA * 8;
	h->mheap = calloc(1, SH_MHEAP_LEN);
	h->l2 = calloc(1, 8);
	h->ha = calloc(1, h->ha_len);
	h->spans = calloc(SH_MAX_SPANS, SH_SPAN_STRIDE);
	h->bits = calloc(1, SH_BITS_LEN);
	h->list = calloc(1, 8);
	if (!h->mheap || !h->l2 || !h->ha || !h->spans || !h->bits ||
	    !h->list || rt->heap.mspan_size > SH_SPAN_STRIDE) {
		sh_release(h);
		return false;
	}
	sh_put(h->mheap, l->arenas, 8, SH_L2);
	sh_put(h->l2, 0, 8, SH_HA);
	list_off = l->all_arenas >= 0 ? l->all_arenas : l->heap_arenas;
	sh_put(h->mheap, list_off, 8, SH_LIST);
	sh_put(h->mheap, list_off + 8, 8, 1);
	sh_put(h->mheap, list_off + 16, 8, 1);
	sh_put(h->list, 0, 8, h->ri);

	err = ld_mem_add_buffer(mem, SH_MHEAP, h->mheap, SH_MHEAP_LEN);
	if (!err)
		err = ld_mem_add_buffer(mem, SH_L2 + h->ri * 8, h->l2, 8);
	if (!err)
		err = ld_mem_add_buffer(mem, SH_HA, h->ha, h->ha_len);
	if (!err)
		err = ld_mem_add_buffer(mem, SH_SPANS, h->spans,
					SH_MAX_SPANS * SH_SPAN_STRIDE);
	if (!err)
		err = ld_mem_add_buffer(mem, SH_BITS, h->bits, SH_BITS_LEN);
	if (!err)
		err = ld_mem_add_buffer(mem, SH_LIST, h->list, 8);
	if (err) {
		ld_error_destroy(err);
		sh_release(h);
		return false;
	}
	return true;
}

/*
 * An in-use span of npages from base (inside the arena) with every slot
 * allocated (freeindex == nelems), spanclass class<<1 | noscan.
 */
static inline bool sh_add_span_n(struct synth_heap *h, uint64_t base,
				 uint64_t npages, uint64_t elemsize,
				 uint64_t nelems, uint8_t size_class,
				 bool noscan)
{
	uint64_t page = (base - h->arena) / LD_HEAP_PAGE_SIZE;
	uint64_t addr = SH_SPANS + (uint64_t)h->nspans * SH_SPAN_STRIDE;

	if (h->nspans >= SH_MAX_SPANS || base < h->arena ||
	    (base - h->arena) % LD_HEAP_PAGE_SIZE ||
	    page + npages > LD_HEAP_PAGES_PER_ARENA)
		return false;
	sh_span(h->rt, h->spans + h->nspans * SH_SPAN_STRIDE, base, npages,
		elemsize, nelems, nelems, SH_BITS + 64ull * h->nspans,
		(uint8_t)(size_class << 1 | noscan), SH_SPAN_IN_USE,
		base + nelems * elemsize);
	for (uint64_t p = page; p < page + npages; p++)
		sh_put(h->ha, h->rt->heap.ha_spans + (int64_t)p * 8, 8, addr);
	h->nspans++;
	return true;
}

static inline bool sh_add_span(struct synth_heap *h, uint64_t base,
			       uint64_t npages, uint64_t elemsize,
			       uint8_t size_class, bool noscan)
{
	return sh_add_span_n(h, base, npages, elemsize,
			     npages * LD_HEAP_PAGE_SIZE / elemsize,
			     size_class, noscan);
}

/* The mspan of span i (in sh_add_span order), to set more fields. */
static inline uint8_t *sh_span_at(struct synth_heap *h, unsigned int i)
{
	return h->spans + (size_t)i * SH_SPAN_STRIDE;
}

/* Set bit i of a little-endian bitmap. */
static inline void sh_bit(uint8_t *bm, uint64_t i)
{
	bm[i / 8] |= (uint8_t)(1u << (i % 8));
}

#endif
