// SPDX-License-Identifier: MIT
/*
 * ld_heap_* (ext/prove/heap.c) on a synthetic heap built in ld_mem buffers with
 * the recorded layouts of Go 1.21 (uintptr freeindex/nelems, spans after
 * the bitmap in heapArena) and Go 1.26 (uint16, spans first): a fake
 * runtime.mheap_ whose arena index covers a few entries around one
 * arena, that arena's heapArena with its page-to-span table, and spans of
 * every kind.  Expected answers follow runtime/mbitmap.go (isFree,
 * findObject) and runtime/mheap.go (spanOf).
 *
 * Arena A (index RI) pages:
 *   0      small span, elemsize 48, 170 slots, freeindex 3, bits 5 7 169
 *   1      nothing
 *   2..6   large span, 5 pages, one object of 40000 bytes
 *   7..8   dead (free) span
 *   9      mSpanManual (a stack)
 *   10     small span, elemsize 1024, all free
 *   11     in-use span with impossible fields (corrupt)
 *   12     small span whose allocBits are unreadable, freeindex 2
 *   13     pointer to an unreadable mspan
 *   14     stale entry pointing at the span of page 0
 * Index RI-1 is empty, RI+1 points at a heapArena that is not in memory,
 * RI+2 is empty, and entries beyond are not in memory at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/prove/heap.h"
#include "leakdump/target/mem.h"
#include "leakdump/prove/prove.h"
#include "leakdump/go/rt.h"
#include "go/rt_fields.h"
#include "synth_heap.h"

#define PAGE		LD_HEAP_PAGE_SIZE
#define MHEAP		0x600000ull
#define MHEAP_LEN	0x20000
#define L2		0x10000000ull
#define ARENA		0xc000000000ull
#define HA		0x20000000ull
#define HA_MISSING	0x30000000ull
#define SPANS		0x700000ull
#define SPAN_STRIDE	0x100
#define SPAN_MISSING	0x7f0000ull
#define BITS		0x800000ull
#define BITS_MISSING	0x8f0000ull
#define LIST		0x900000ull

enum { S_SMALL, S_LARGE, S_DEAD, S_MANUAL, S_FREE, S_CORRUPT, S_NOBITS,
       S_N };

struct world {
	struct ld_mem *mem;
	struct ld_rt rt;
	uint64_t ri;
	uint8_t *mheap, *l2, *ha, *spans, *bits, *list;
	size_t ha_len;
	bool callback;		/* heapArena served by a read callback */
};

static void put(uint8_t *buf, int64_t off, unsigned int width, uint64_t v)
{
	assert_true(off >= 0);
	sh_put(buf, off, width, v);
}

static struct ld_error *ha_read(void *arg, uint64_t addr, void *buf,
				size_t len)
{
	struct world *w = arg;

	if (addr < HA || addr + len > HA + w->ha_len)
		return ld_error_fault(addr, "outside the heapArena");
	memcpy(buf, w->ha + (addr - HA), len);
	return NULL;
}

static void load_layout(struct ld_rt *rt, int minor)
{
	assert_true(sh_load_layout(rt, minor));
	rt->heap.mheap = MHEAP;
}

/* Write an mspan at slot k of the span buffer. */
static void make_span(struct world *w, int k, uint64_t base, uint64_t npages,
		      uint64_t elemsize, uint64_t nelems, uint64_t freeindex,
		      uint64_t alloc_bits, uint8_t spanclass, uint8_t state,
		      uint64_t limit)
{
	assert_true(w->rt.heap.mspan_size <= SPAN_STRIDE);
	sh_span(&w->rt, w->spans + k * SPAN_STRIDE, base, npages, elemsize,
		nelems, freeindex, alloc_bits, spanclass, state, limit);
}

static uint64_t span_addr(int k)
{
	return SPANS + (uint64_t)k * SPAN_STRIDE;
}

static void set_page(struct world *w, uint64_t page, uint64_t span)
{
	put(w->ha, w->rt.heap.ha_spans + (int64_t)page * 8, 8, span);
}

static struct world *build(int minor, bool callback)
{
	struct world *w = calloc(1, sizeof(*w));
	const struct ld_rt_heap *l;
	int64_t list_off;
	uint64_t bits;

	assert_non_null(w);
	load_layout(&w->rt, minor);
	l = &w->rt.heap;
	w->callback = callback;
	w->ri = ld_heap_arena_index(ARENA);
	assert_int_equal(ld_heap_arena_base(w->ri), ARENA);

	w->mheap = calloc(1, MHEAP_LEN);
	w->l2 = calloc(5, 8);
	w->ha_len = (size_t)l->ha_spans + LD_HEAP_PAGES_PER_ARENA * 8;
	w->ha = calloc(1, w->ha_len);
	w->spans = calloc(S_N, SPAN_STRIDE);
	w->bits = calloc(4, 32);
	w->list = calloc(2, 8);
	assert_true(w->mheap && w->l2 && w->ha && w->spans && w->bits &&
		    w->list);

	/* mheap_.arenas[0] -> L2; L2 covers entries RI-2 .. RI+2. */
	put(w->mheap, l->arenas, 8, L2);
	put(w->l2, 2 * 8, 8, HA);
	put(w->l2, 3 * 8, 8, HA_MISSING);
	list_off = l->all_arenas >= 0 ? l->all_arenas : l->heap_arenas;
	put(w->mheap, list_off, 8, LIST);
	put(w->mheap, list_off + 8, 8, 2);
	put(w->mheap, list_off + 16, 8, 2);
	put(w->list, 0, 8, w->ri);
	put(w->list, 8, 8, w->ri + 1);

	/* small span: slots 5, 7 and 169 allocated since the last sweep */
	bits = BITS;
	w->bits[5 / 8] |= 1 << 5;
	w->bits[7 / 8] |= 1 << 7;
	w->bits[169 / 8] |= 1 << (169 % 8);
	make_span(w, S_SMALL, ARENA, 1, 48, 170, 3, bits, 5 << 1, 1,
		  ARENA + 170 * 48);
	set_page(w, 0, span_addr(S_SMALL));
	/* large span: 5 pages, limit at the requested 40000 bytes */
	make_span(w, S_LARGE, ARENA + 2 * PAGE, 5, 5 * PAGE, 1, 1, BITS + 32,
		  0 << 1 | 1, 1, ARENA + 2 * PAGE + 40000);
	for (int p = 2; p <= 6; p++)
		set_page(w, p, span_addr(S_LARGE));
	make_span(w, S_DEAD, ARENA + 7 * PAGE, 2, 0, 0, 0, 0, 0, 0, 0);
	set_page(w, 7, span_addr(S_DEAD));
	set_page(w, 8, span_addr(S_DEAD));
	make_span(w, S_MANUAL, ARENA + 9 * PAGE, 1, 0, 0, 0, 0, 0, 2,
		  ARENA + 10 * PAGE);
	set_page(w, 9, span_addr(S_MANUAL));
	make_span(w, S_FREE, ARENA + 10 * PAGE, 1, 1024, 8, 0, BITS + 64,
		  47 << 1, 1, ARENA + 11 * PAGE);
	set_page(w, 10, span_addr(S_FREE));
	/* 8 slots of 4096 bytes do not fit in one page */
	make_span(w, S_CORRUPT, ARENA + 11 * PAGE, 1, 4096, 8, 0, BITS + 96,
		  60 << 1, 1, ARENA + 12 * PAGE);
	set_page(w, 11, span_addr(S_CORRUPT));
	make_span(w, S_NOBITS, ARENA + 12 * PAGE, 1, 64, 128, 2, BITS_MISSING,
		  6 << 1, 1, ARENA + 13 * PAGE);
	set_page(w, 12, span_addr(S_NOBITS));
	set_page(w, 13, SPAN_MISSING);
	set_page(w, 14, span_addr(S_SMALL));

	assert_null(ld_mem_create(&w->mem));
	assert_null(ld_mem_add_buffer(w->mem, MHEAP, w->mheap, MHEAP_LEN));
	assert_null(ld_mem_add_buffer(w->mem, L2 + (w->ri - 2) * 8, w->l2,
				      5 * 8));
	if (callback)
		assert_null(ld_mem_add_callback(w->mem, HA, HA + w->ha_len,
						ha_read, w));
	else
		assert_null(ld_mem_add_buffer(w->mem, HA, w->ha, w->ha_len));
	assert_null(ld_mem_add_buffer(w->mem, SPANS, w->spans,
				      S_N * SPAN_STRIDE));
	assert_null(ld_mem_add_buffer(w->mem, BITS, w->bits, 4 * 32));
	assert_null(ld_mem_add_buffer(w->mem, LIST, w->list, 2 * 8));
	return w;
}

static void destroy(struct world *w)
{
	ld_mem_destroy(w->mem);
	free(w->mheap);
	free(w->l2);
	free(w->ha);
	free(w->spans);
	free(w->bits);
	free(w->list);
	free(w);
}

static struct ld_heap *open_heap(struct world *w)
{
	struct ld_heap *h = NULL;

	assert_null(ld_heap_create(w->mem, &w->rt, 0, &h));
	assert_non_null(h);
	return h;
}

static void expect_object(struct ld_heap *h, uint64_t addr, uint64_t base,
			  uint64_t size)
{
	uint64_t b = 0, s = 0;

	if (!ld_heap_find_object(h, addr, &b, &s))
		fail_msg("%#llx: not an object (%d)", (unsigned long long)addr,
			 ld_heap_classify(h, addr, NULL, NULL));
	assert_int_equal(b, base);
	assert_int_equal(s, size);
}

static void expect_where(struct ld_heap *h, uint64_t addr,
			 enum ld_heap_where want)
{
	enum ld_heap_where got = ld_heap_classify(h, addr, NULL, NULL);

	if (got != want)
		fail_msg("%#llx: %d, want %d", (unsigned long long)addr, got,
			 want);
	assert_false(ld_heap_find_object(h, addr, NULL, NULL));
}

/* ---- the scenario, for each layout and memory kind ---- */

static void check_small(struct ld_heap *h)
{
	uint64_t b, s;

	/* Below freeindex: allocated whatever the bitmap says. */
	expect_object(h, ARENA, ARENA, 48);
	expect_object(h, ARENA + 47, ARENA, 48);
	expect_object(h, ARENA + 48, ARENA + 48, 48);
	expect_object(h, ARENA + 2 * 48 + 47, ARENA + 96, 48);
	/* At and past freeindex: the allocation bitmap decides. */
	assert_int_equal(ld_heap_classify(h, ARENA + 3 * 48 + 1, &b, &s),
			 LD_HEAP_FREE_SLOT);
	assert_int_equal(b, ARENA + 3 * 48);
	assert_int_equal(s, 48);
	expect_where(h, ARENA + 4 * 48, LD_HEAP_FREE_SLOT);
	expect_object(h, ARENA + 5 * 48 + 20, ARENA + 5 * 48, 48);
	expect_where(h, ARENA + 6 * 48 + 47, LD_HEAP_FREE_SLOT);
	expect_object(h, ARENA + 7 * 48, ARENA + 7 * 48, 48);
	expect_where(h, ARENA + 8 * 48, LD_HEAP_FREE_SLOT);
	/* The last slot, and the tail past the limit. */
	expect_object(h, ARENA + 169 * 48, ARENA + 169 * 48, 48);
	expect_object(h, ARENA + 170 * 48 - 1, ARENA + 169 * 48, 48);
	expect_where(h, ARENA + 170 * 48, LD_HEAP_NOT_HEAP);
	expect_where(h, ARENA + PAGE - 1, LD_HEAP_NOT_HEAP);
	assert_true(ld_heap_slot_allocated(h, &(struct ld_heap_span){
		.freeindex = 0, .nelems = 170, .alloc_bits = BITS }, 169));
}

static void check_large(struct ld_heap *h)
{
	uint64_t base = ARENA + 2 * PAGE;

	expect_object(h, base, base, 40000);
	expect_object(h, base + 3 * PAGE + 5, base, 40000);
	expect_object(h, base + 39999, base, 40000);
	/* Past the requested size, in the span's last page. */
	expect_where(h, base + 40000, LD_HEAP_NOT_HEAP);
	expect_where(h, base + 5 * PAGE - 1, LD_HEAP_NOT_HEAP);
}

static void check_others(struct world *w, struct ld_heap *h)
{
	struct ld_heap_stats st;

	expect_where(h, ARENA + PAGE + 8, LD_HEAP_NOT_HEAP);	/* no span */
	expect_where(h, ARENA + 7 * PAGE, LD_HEAP_NOT_HEAP);	/* dead */
	expect_where(h, ARENA + 8 * PAGE + 100, LD_HEAP_NOT_HEAP);
	expect_where(h, ARENA + 9 * PAGE + 16, LD_HEAP_NOT_HEAP); /* stack */
	expect_where(h, ARENA + 10 * PAGE, LD_HEAP_FREE_SLOT);	/* all free */
	expect_where(h, ARENA + 10 * PAGE + 8191, LD_HEAP_FREE_SLOT);
	expect_where(h, ARENA + 11 * PAGE, LD_HEAP_CORRUPT);
	expect_where(h, ARENA + 11 * PAGE + 64, LD_HEAP_CORRUPT);
	/* Below freeindex needs no bitmap; above it, it cannot be read. */
	expect_object(h, ARENA + 12 * PAGE + 64, ARENA + 12 * PAGE + 64, 64);
	expect_where(h, ARENA + 12 * PAGE + 128, LD_HEAP_UNREADABLE);
	expect_where(h, ARENA + 13 * PAGE, LD_HEAP_UNREADABLE);
	expect_where(h, ARENA + 13 * PAGE + 9, LD_HEAP_UNREADABLE);
	expect_where(h, ARENA + 14 * PAGE, LD_HEAP_NOT_HEAP);	/* stale */
	expect_where(h, ARENA + 100 * PAGE, LD_HEAP_NOT_HEAP);	/* nil */
	/* Other arenas: empty, unmapped heapArena, index not in memory. */
	expect_where(h, ARENA - 8, LD_HEAP_NOT_HEAP);
	expect_where(h, ARENA + LD_HEAP_ARENA_BYTES, LD_HEAP_UNREADABLE);
	expect_where(h, ARENA + LD_HEAP_ARENA_BYTES + 4 * PAGE,
		     LD_HEAP_UNREADABLE);
	expect_where(h, ARENA + 2 * LD_HEAP_ARENA_BYTES, LD_HEAP_NOT_HEAP);
	expect_where(h, ARENA + 10 * LD_HEAP_ARENA_BYTES, LD_HEAP_UNREADABLE);
	/* Outside what any arena can hold: no reads at all. */
	expect_where(h, 0x00ff000000000000ull, LD_HEAP_NOT_HEAP);
	expect_where(h, 0xffff7fffffffffffull, LD_HEAP_NOT_HEAP);

	/* Every problem counted once, however often it was met. */
	ld_heap_stats(h, &st);
	assert_int_equal(st.arenas, 2);
	assert_int_equal(st.arenas_unreadable, 2);
	assert_int_equal(st.spans_unreadable, 1);
	assert_int_equal(st.spans_corrupt, 1);
	assert_int_equal(st.alloc_bits_unreadable, 1);
	assert_false(st.arena_index_unreadable);
	assert_false(st.arena_list_unreadable);
	(void)w;
}

static void check_iter(struct ld_heap *h)
{
	static const uint64_t want[] = { 0, 2, 10, 12 };	/* pages */
	struct ld_heap_iter it;
	struct ld_heap_span sp;
	unsigned int n = 0;

	assert_null(ld_heap_iter_init(h, &it));
	while (ld_heap_iter_next(&it, &sp)) {
		assert_true(n < 4);
		assert_int_equal(sp.base, ARENA + want[n] * PAGE);
		assert_int_equal(sp.state, LD_SPAN_IN_USE);
		n++;
	}
	assert_int_equal(n, 4);
	assert_false(ld_heap_iter_next(&it, &sp));	/* stays finished */
	/* Large span decoded right. */
	assert_int_equal(ld_heap_span_of(h, ARENA + 4 * PAGE, &sp),
			 LD_HEAP_OBJECT);
	assert_int_equal(sp.npages, 5);
	assert_int_equal(sp.nelems, 1);
	assert_int_equal(ld_heap_span_sizeclass(&sp), 0);
	assert_true(ld_heap_span_noscan(&sp));
	assert_int_equal(sp.addr, span_addr(S_LARGE));
}

static void run_scenario(int minor, bool callback)
{
	struct world *w = build(minor, callback);
	struct ld_heap *h = open_heap(w);

	check_small(h);
	check_large(h);
	check_others(w, h);
	check_iter(h);
	ld_heap_destroy(h);

	/* The iterator alone, on a fresh heap. */
	h = open_heap(w);
	check_iter(h);
	ld_heap_destroy(h);
	destroy(w);
}

static void test_go126_buffers(void **state)
{
	run_scenario(26, false);
}

static void test_go126_callback(void **state)
{
	run_scenario(26, true);
}

static void test_go121_buffers(void **state)
{
	run_scenario(21, false);
}

static void test_go121_callback(void **state)
{
	run_scenario(21, true);
}

static void test_go125_layout(void **state)
{
	/* Go 1.25 renamed allArenas to heapArenas: the table knows. */
	run_scenario(25, false);
}

static void test_index_unreadable(void **state)
{
	struct world *w = build(26, false);
	struct ld_heap_stats st;
	struct ld_heap *h;

	/* mheap_.arenas[0] points nowhere readable */
	put(w->mheap, w->rt.heap.arenas, 8, 0x12340000);
	h = open_heap(w);
	expect_where(h, ARENA, LD_HEAP_UNREADABLE);
	expect_where(h, ARENA + 2 * PAGE, LD_HEAP_UNREADABLE);
	ld_heap_stats(h, &st);
	assert_int_equal(st.arenas_unreadable, 1);
	ld_heap_destroy(h);

	/* mheap_ itself not in memory */
	w->rt.heap.mheap = 0x500000;
	h = open_heap(w);
	expect_where(h, ARENA, LD_HEAP_UNREADABLE);
	ld_heap_stats(h, &st);
	assert_true(st.arena_index_unreadable);
	ld_heap_destroy(h);

	/* no heap yet: arenas[0] is nil */
	w->rt.heap.mheap = MHEAP;
	put(w->mheap, w->rt.heap.arenas, 8, 0);
	h = open_heap(w);
	expect_where(h, ARENA, LD_HEAP_NOT_HEAP);
	ld_heap_destroy(h);
	destroy(w);
}

static void test_arena_list(void **state)
{
	struct world *w = build(26, false);
	int64_t off = w->rt.heap.heap_arenas;
	struct ld_heap_stats st;
	struct ld_heap_iter it;
	struct ld_heap_span sp;
	const uint64_t *idx;
	struct ld_error *err;
	struct ld_heap *h;
	size_t n;

	h = open_heap(w);
	assert_null(ld_heap_arenas(h, &idx, &n));
	assert_int_equal(n, 2);
	assert_int_equal(idx[0], w->ri);
	ld_heap_destroy(h);

	/* An impossible length is corruption, not a 4 GiB read. */
	put(w->mheap, off + 8, 8, 1ull << 40);
	h = open_heap(w);
	err = ld_heap_iter_init(h, &it);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_CORRUPT);
	ld_error_destroy(err);
	assert_false(ld_heap_iter_next(&it, &sp));
	ld_heap_destroy(h);

	/* Unreadable list. */
	put(w->mheap, off, 8, 0x44440000);
	put(w->mheap, off + 8, 8, 3);
	h = open_heap(w);
	err = ld_heap_iter_init(h, &it);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_FAULT);
	ld_error_destroy(err);
	ld_heap_stats(h, &st);
	assert_true(st.arena_list_unreadable);
	/* Lookups do not need the list. */
	expect_object(h, ARENA, ARENA, 48);
	ld_heap_destroy(h);

	/* Impossible indexes are dropped and counted; empty list is fine. */
	put(w->mheap, off, 8, LIST);
	put(w->mheap, off + 8, 8, 2);
	put(w->list, 8, 8, 1ull << 30);
	h = open_heap(w);
	assert_null(ld_heap_iter_init(h, &it));
	n = 0;
	while (ld_heap_iter_next(&it, &sp))
		n++;
	assert_int_equal(n, 4);
	ld_heap_stats(h, &st);
	assert_int_equal(st.arenas_unreadable, 1);
	ld_heap_destroy(h);
	put(w->mheap, off + 8, 8, 0);
	h = open_heap(w);
	assert_null(ld_heap_iter_init(h, &it));
	assert_false(ld_heap_iter_next(&it, &sp));
	ld_heap_destroy(h);
	destroy(w);
}

static void test_missing_layout(void **state)
{
	struct world *w = build(26, false);
	struct ld_heap *h = NULL;
	struct ld_error *err;
	struct ld_rt rt = w->rt;

	rt.heap.mheap = 0;
	err = ld_heap_create(w->mem, &rt, 0, &h);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_UNSUPPORTED);
	assert_non_null(strstr(err->message, "runtime.mheap_"));
	ld_error_destroy(err);

	rt = w->rt;
	rt.heap.span_limit = LD_RT_NO_FIELD;
	err = ld_heap_create(w->mem, &rt, 0, &h);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_UNSUPPORTED);
	assert_non_null(strstr(err->message, "mspan.limit"));
	ld_error_destroy(err);

	/* No arena list: lookups work, iteration says why not. */
	rt = w->rt;
	rt.heap.all_arenas = rt.heap.heap_arenas = LD_RT_NO_FIELD;
	assert_null(ld_heap_create(w->mem, &rt, 0, &h));
	expect_object(h, ARENA + 2 * PAGE, ARENA + 2 * PAGE, 40000);
	{
		struct ld_heap_iter it;

		err = ld_heap_iter_init(h, &it);
		assert_non_null(err);
		assert_int_equal(err->code, LD_ERR_UNSUPPORTED);
		ld_error_destroy(err);
	}
	ld_heap_destroy(h);
	ld_heap_destroy(NULL);
	destroy(w);
}

/* Span fields that must each make a span corrupt, never a crash. */
static void test_corrupt_spans(void **state)
{
	static const struct {
		uint64_t base, npages, elemsize, nelems, freeindex, bits;
		uint8_t spanclass;
		uint64_t limit;
	} bad[] = {
		/* base not page aligned */
		{ ARENA + 16, 1, 48, 170, 0, BITS, 10, ARENA + 8160 },
		/* npages 0 */
		{ ARENA, 0, 48, 170, 0, BITS, 10, ARENA + 8160 },
		/* npages absurd */
		{ ARENA, 1ull << 40, 48, 170, 0, BITS, 10, ARENA + 8160 },
		/* elemsize 0 */
		{ ARENA, 1, 0, 170, 0, BITS, 10, ARENA + 8160 },
		/* nelems 0 */
		{ ARENA, 1, 48, 0, 0, BITS, 10, ARENA + 8160 },
		/* freeindex past nelems */
		{ ARENA, 1, 48, 170, 171, BITS, 10, ARENA + 8160 },
		/* limit before base, and past the span */
		{ ARENA, 1, 48, 170, 0, BITS, 10, ARENA - 1 },
		{ ARENA, 1, 48, 170, 0, BITS, 10, ARENA + PAGE + 1 },
		/* large class with several slots */
		{ ARENA, 2, 8192, 2, 0, BITS, 0, ARENA + 16384 },
		/* small class bigger than the largest size class */
		{ ARENA, 8, 65536, 1, 0, BITS, 10, ARENA + 65536 },
		/* free slots and no bitmap */
		{ ARENA, 1, 48, 170, 5, 0, 10, ARENA + 8160 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct world *w = build(26, false);
		struct ld_heap_stats st;
		struct ld_heap *h;

		make_span(w, S_SMALL, bad[i].base, bad[i].npages,
			  bad[i].elemsize, bad[i].nelems, bad[i].freeindex,
			  bad[i].bits, bad[i].spanclass, 1, bad[i].limit);
		h = open_heap(w);
		if (ld_heap_classify(h, ARENA + 100, NULL, NULL) !=
		    LD_HEAP_CORRUPT)
			fail_msg("case %zu not corrupt", i);
		ld_heap_stats(h, &st);
		assert_int_equal(st.spans_corrupt, 1);
		ld_heap_destroy(h);
		destroy(w);
	}
}

/* Go 1.21's freeindex/nelems are uintptr: a huge value is corrupt. */
static void test_go121_wide_index(void **state)
{
	struct world *w = build(21, false);
	struct ld_heap *h;

	put(w->spans + S_SMALL * SPAN_STRIDE, w->rt.heap.span_nelems, 8,
	    1ull << 33);
	h = open_heap(w);
	expect_where(h, ARENA, LD_HEAP_CORRUPT);
	ld_heap_destroy(h);
	destroy(w);
}

/*
 * Go 1.22-1.24 (mcentral.grow) set a small span's limit to base + size * n
 * with n = span bytes / size, past nelems slots when the span keeps its
 * heap bits at its end: the tail is not an object.
 */
static void test_go124_limit_past_slots(void **state)
{
	struct world *w = build(24, false);
	struct ld_heap *h;

	/* 8192 / 48 = 170 slots of room, 168 slots after the heap bits */
	make_span(w, S_SMALL, ARENA, 1, 48, 168, 168, BITS, 5 << 1, 1,
		  ARENA + 170 * 48);
	h = open_heap(w);
	expect_object(h, ARENA + 167 * 48 + 47, ARENA + 167 * 48, 48);
	expect_where(h, ARENA + 168 * 48, LD_HEAP_NOT_HEAP);
	expect_where(h, ARENA + 169 * 48 + 47, LD_HEAP_NOT_HEAP);
	expect_where(h, ARENA + 170 * 48, LD_HEAP_NOT_HEAP);
	ld_heap_destroy(h);
	destroy(w);
}

/* With a load bias, mheap_ moves; nothing else does. */
static void test_bias(void **state)
{
	struct world *w = build(26, false);
	struct ld_heap *h = NULL;

	w->rt.heap.mheap = MHEAP - 0x1000;
	assert_null(ld_heap_create(w->mem, &w->rt, 0x1000, &h));
	expect_object(h, ARENA + 5 * 48, ARENA + 5 * 48, 48);
	ld_heap_destroy(h);
	destroy(w);
}

/*
 * The marking engine (ext/prove/) on the same heap, with object contents
 * and roots.  Small span slots (48 bytes, scan): 0 1 2 5 7 169 allocated,
 * 3 free.  The large object (pages 2..6) is noscan.
 *
 *   root ROOTS[0]   -> slot 0            (marked from the root)
 *   slot 0 +16      -> slot 1 + 8        (an interior pointer)
 *   slot 1          -> slot 3 (free), the large object + 100
 *   large object    -> slot 5            (noscan: not followed)
 *   W0 waits on slot 1 + 4 (marked): wakes; its stack -> slot 7 -> slot 5
 *   W1 waits on slot 5: wakes in the next round (slot 5 is marked only
 *      when slot 7 is drained)
 *   W2 waits on slot 169, only W3's stack points there
 *   W3 waits on slot 2, only W2's stack points there: both leaked
 *   W4 waits on a global (outside the heap): wakes at once
 */
#define ROOTS		0x500000ull
#define STACKS		0x510000ull
#define SLOT(i)		(ARENA + (uint64_t)(i) * 48)
#define LARGE		(ARENA + 2 * PAGE)

struct mark_world {
	struct world *w;
	uint8_t *arena, *roots, *stacks;
	struct ld_heap *h;
	struct ld_mark *m;
};

static void mark_world_build(struct mark_world *mw, int minor)
{
	mw->w = build(minor, false);
	mw->arena = calloc(1, 7 * PAGE);
	mw->roots = calloc(1, 64);
	mw->stacks = calloc(5, 64);
	assert_true(mw->arena && mw->roots && mw->stacks);
	put(mw->roots, 0, 8, SLOT(0));
	put(mw->arena, 0 * 48 + 16, 8, SLOT(1) + 8);
	put(mw->arena, 1 * 48 + 0, 8, SLOT(3));
	put(mw->arena, 1 * 48 + 8, 8, LARGE + 100);
	put(mw->arena, 2 * PAGE + 64, 8, SLOT(5));
	put(mw->stacks, 0 * 64 + 8, 8, SLOT(7) + 40);
	put(mw->arena, 7 * 48 + 32, 8, SLOT(5));
	put(mw->stacks, 2 * 64 + 16, 8, SLOT(2));
	put(mw->stacks, 3 * 64 + 24, 8, SLOT(169));
	/*
	 * Go 1.21: the pointer words in heapArena.bitmap (precise scanning).
	 * Go 1.26's heap bits would overlap slots 168-169 of this span: it
	 * is scanned word by word (counted).
	 */
	if (minor == 21) {
		uint8_t *bm = mw->w->ha + mw->w->rt.heap.ha_bitmap;

		sh_bit(bm, 2);			/* slot 0 + 16 */
		sh_bit(bm, 6);			/* slot 1 + 0 */
		sh_bit(bm, 7);			/* slot 1 + 8 */
		sh_bit(bm, 7 * 6 + 4);		/* slot 7 + 32 */
	}
	assert_null(ld_mem_add_buffer(mw->w->mem, ARENA, mw->arena, 7 * PAGE));
	assert_null(ld_mem_add_buffer(mw->w->mem, ROOTS, mw->roots, 64));
	assert_null(ld_mem_add_buffer(mw->w->mem, STACKS, mw->stacks, 5 * 64));
	mw->h = open_heap(mw->w);
	assert_null(ld_mark_create(mw->w->mem, &mw->w->rt, mw->h, &mw->m));
	assert_non_null(mw->m);
}

static void mark_world_destroy(struct mark_world *mw)
{
	ld_mark_destroy(mw->m);
	ld_heap_destroy(mw->h);
	destroy(mw->w);
	free(mw->arena);
	free(mw->roots);
	free(mw->stacks);
}

static void expect_mark(struct ld_mark *m, uint64_t addr,
			enum ld_mark_state want)
{
	enum ld_mark_state got = ld_mark_state(m, addr);

	if (got != want)
		fail_msg("%#llx: mark state %d, want %d",
			 (unsigned long long)addr, got, want);
}

static void fixed_point(int minor)
{
	const uint64_t prims[] = { SLOT(1) + 4, SLOT(5), SLOT(169), SLOT(2),
				   ROOTS + 8 };
	struct ld_mark_waiter w[5];
	struct mark_world mw;
	uint8_t woke[5];

	mark_world_build(&mw, minor);
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 5; i++) {
		w[i].prims = &prims[i];
		w[i].nprims = 1;
		w[i].lo[0] = STACKS + (uint64_t)i * 64;
		w[i].hi[0] = w[i].lo[0] + 64;
	}
	ld_mark_root(mw.m, ROOTS, ROOTS + 64);
	assert_int_equal(ld_mark_fixed_point(mw.m, w, 5, woke), 3);
	assert_int_equal(woke[0], LD_MARK_WOKE_MARKED);
	assert_int_equal(woke[1], LD_MARK_WOKE_MARKED);
	assert_int_equal(woke[2], 0);
	assert_int_equal(woke[3], 0);
	assert_int_equal(woke[4], LD_MARK_WOKE_NOT_HEAP);
	expect_mark(mw.m, SLOT(0), LD_MARK_MARKED);
	expect_mark(mw.m, SLOT(1) + 47, LD_MARK_MARKED);
	expect_mark(mw.m, LARGE + 39999, LD_MARK_MARKED);
	expect_mark(mw.m, SLOT(5), LD_MARK_MARKED);
	expect_mark(mw.m, SLOT(7), LD_MARK_MARKED);
	expect_mark(mw.m, SLOT(2), LD_MARK_UNMARKED);
	expect_mark(mw.m, SLOT(169), LD_MARK_UNMARKED);
	expect_mark(mw.m, SLOT(3), LD_MARK_NOT_HEAP);
	expect_mark(mw.m, LARGE + 40000, LD_MARK_NOT_HEAP);
	assert_int_equal(ld_mark_stats(mw.m)->marked_objects, 5);
	assert_int_equal(ld_mark_stats(mw.m)->unreadable_bytes, 0);
	mark_world_destroy(&mw);
}

static void test_fixed_point_go126(void **state)
{
	fixed_point(26);
}

static void test_fixed_point_go121(void **state)
{
	fixed_point(21);
}

/* An opaque object is marked but never scanned. */
static void test_mark_opaque(void **state)
{
	struct mark_world mw;

	mark_world_build(&mw, 26);
	ld_mark_opaque(mw.m, SLOT(0) + 20);
	ld_mark_root(mw.m, ROOTS, ROOTS + 64);
	ld_mark_drain(mw.m);
	expect_mark(mw.m, SLOT(0), LD_MARK_MARKED);
	expect_mark(mw.m, SLOT(1), LD_MARK_UNMARKED);
	mark_world_destroy(&mw);
}

/* Memory that cannot be read is counted, never guessed. */
static void test_mark_unreadable_root(void **state)
{
	struct mark_world mw;

	mark_world_build(&mw, 26);
	ld_mark_root(mw.m, ROOTS + 4096, ROOTS + 8192);
	ld_mark_drain(mw.m);
	assert_int_equal(ld_mark_stats(mw.m)->unreadable_bytes, 4096);
	expect_mark(mw.m, SLOT(0), LD_MARK_UNMARKED);
	mark_world_destroy(&mw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go126_buffers),
		cmocka_unit_test(test_go126_callback),
		cmocka_unit_test(test_go121_buffers),
		cmocka_unit_test(test_go121_callback),
		cmocka_unit_test(test_go125_layout),
		cmocka_unit_test(test_index_unreadable),
		cmocka_unit_test(test_arena_list),
		cmocka_unit_test(test_missing_layout),
		cmocka_unit_test(test_corrupt_spans),
		cmocka_unit_test(test_go121_wide_index),
		cmocka_unit_test(test_go124_limit_past_slots),
		cmocka_unit_test(test_bias),
		cmocka_unit_test(test_fixed_point_go126),
		cmocka_unit_test(test_fixed_point_go121),
		cmocka_unit_test(test_mark_opaque),
		cmocka_unit_test(test_mark_unreadable_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
