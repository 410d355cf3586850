// SPDX-License-Identifier: MIT
/*
 * Precise marking (ext/prove/precise.c) and dead slots (ext/prove/index.c)
 * on synthetic heaps (synth_heap.h) with each release's recorded layout:
 *
 *   span bits  Go 1.26: 48-byte objects, heap bits at the span's end
 *              (before greenteagc's inline mark bits when the layout has
 *              them); a scalar word that looks like a pointer marks
 *              nothing.
 *   header     Go 1.26: 1024-byte objects with a *_type header; the type
 *              (16 bytes, a pointer then a scalar) repeats to the slot's
 *              end.  A nil header is scanned conservatively (counted).
 *   large      mspan.largeType; a Go 1.22 GC program is scanned
 *              conservatively, a Go 1.24 on-demand mask precisely: the
 *              runtime's when built, else one built from the type's
 *              fields (conservatively when they cannot be read).
 *   arena      Go 1.21: heapArena.bitmap, and noMorePtrs cutting an
 *              object short.
 *   dead       with runtime.gcphase == _GCoff, an allocated slot of a span
 *              with sweepgen == mheap_.sweepgen - 2 whose gcmarkBits bit
 *              is clear is no object; not when the GC runs or the span was
 *              swept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/prove/heap.h"
#include "leakdump/prove/prove.h"
#include "leakdump/target/mem.h"
#include "synth_heap.h"

#define PAGE		LD_HEAP_PAGE_SIZE
#define ARENA		0xc000000000ull
#define NPAGES		8
#define SMALL		ARENA			/* page 0: 48-byte objects */
#define HDR		(ARENA + PAGE)		/* page 1: 1024-byte objects */
#define LARGE		(ARENA + 2 * PAGE)	/* pages 2..3: one object */
#define SLOT(i)		(SMALL + (uint64_t)(i) * 48)
#define ROOTS		0x500000ull
#define TYPES		0x400000ull		/* synthetic abi.Types */
#define MASKS		0x410000ull
#define MARKS		0x420000ull		/* gcmarkBits */
#define GCPHASE		0x430000ull
#define IN_PROGRESS	0x430100ull

struct pworld {
	struct ld_rt rt;
	struct ld_mem *mem;
	struct synth_heap sh;
	uint8_t *arena, roots[64], types[512], masks[256], marks[64];
	uint8_t gcphase[8];
	struct ld_heap *h;
	struct ld_mark *m;
	uint64_t hb;		/* offset of the small span's heap bits */
};

static void put(uint8_t *buf, int64_t off, unsigned int width, uint64_t v)
{
	assert_true(off >= 0);
	sh_put(buf, off, width, v);
}

/* Type i at TYPES + 64 * i: Size_, PtrBytes, GCData, Kind_, TFlag. */
static uint64_t put_type(struct pworld *w, unsigned int i, uint64_t size,
			 uint64_t ptrbytes, uint64_t gcdata, uint8_t kind,
			 uint8_t tflag)
{
	uint8_t *t = w->types + 64 * i;

	put(t, w->rt.blk.type_size, 8, size);
	put(t, w->rt.heap.type_ptrbytes, 8, ptrbytes);
	put(t, w->rt.heap.type_gcdata, 8, gcdata);
	put(t, w->rt.heap.type_kind, 1, kind);
	put(t, w->rt.blk.type_tflag, 1, tflag);
	return TYPES + 64 * i;
}

static void world(struct pworld *w, int minor)
{
	uint64_t nelems;

	memset(w, 0, sizeof(*w));
	assert_true(sh_load_layout(&w->rt, minor));
	w->rt.heap.mheap = SH_MHEAP;
	w->rt.heap.gcphase = GCPHASE;
	w->rt.heap.in_progress = IN_PROGRESS;
	assert_null(ld_mem_create(&w->mem));
	assert_true(sh_init(&w->sh, &w->rt, w->mem, ARENA));
	w->arena = calloc(1, NPAGES * PAGE);
	assert_non_null(w->arena);
	/* Heap bits fill the last 1/64 of the span (Go 1.22+). */
	w->hb = PAGE - PAGE / 64 - w->rt.heap.inline_mark_bits_size;
	nelems = w->rt.span_heap_bits ? w->hb / 48 : PAGE / 48;
	assert_true(sh_add_span_n(&w->sh, SMALL, 1, 48, nelems, 5, false));
	assert_true(sh_add_span(&w->sh, HDR, 1, 1024, 32, false));
	assert_true(sh_add_span(&w->sh, LARGE, 2, 2 * PAGE, 0, false));
	assert_null(ld_mem_add_buffer(w->mem, ARENA, w->arena, NPAGES * PAGE));
	assert_null(ld_mem_add_buffer(w->mem, ROOTS, w->roots, 64));
	assert_null(ld_mem_add_buffer(w->mem, TYPES, w->types, 512));
	assert_null(ld_mem_add_buffer(w->mem, MASKS, w->masks, 256));
	assert_null(ld_mem_add_buffer(w->mem, MARKS, w->marks, 64));
	assert_null(ld_mem_add_buffer(w->mem, GCPHASE, w->gcphase, 8));
}

/* Index the heap, mark from ROOTS, drain. */
static void run(struct pworld *w)
{
	assert_null(ld_heap_create(w->mem, &w->rt, 0, &w->h));
	assert_null(ld_mark_create(w->mem, &w->rt, w->h, &w->m));
	ld_mark_root(w->m, ROOTS, ROOTS + 64);
	ld_mark_drain(w->m);
}

static void done(struct pworld *w)
{
	ld_mark_destroy(w->m);
	ld_heap_destroy(w->h);
	ld_mem_destroy(w->mem);
	sh_release(&w->sh);
	free(w->arena);
}

static void expect(struct pworld *w, uint64_t addr, enum ld_mark_state want)
{
	enum ld_mark_state got = ld_mark_state(w->m, addr);

	if (got != want)
		fail_msg("%#llx: mark state %d, want %d",
			 (unsigned long long)addr, got, want);
}

static const struct ld_prove_stats *stats(struct pworld *w)
{
	return ld_mark_stats(w->m);
}

/* Go 1.22+: a small object's heap bits at the end of its span. */
static void test_span_heap_bits(void **state)
{
	struct pworld w;

	world(&w, 26);
	put(w.roots, 0, 8, SLOT(0));
	put(w.arena, 0 * 48 + 8, 8, SLOT(1));	/* word 1: a pointer */
	put(w.arena, 0 * 48 + 24, 8, SLOT(2));	/* word 3: a scalar */
	put(w.arena, 1 * 48 + 40, 8, SLOT(3));	/* slot 1, word 5 */
	sh_bit(w.arena + w.hb, 1);
	sh_bit(w.arena + w.hb, 6 + 5);
	run(&w);
	expect(&w, SLOT(0), LD_MARK_MARKED);
	expect(&w, SLOT(1), LD_MARK_MARKED);
	expect(&w, SLOT(2), LD_MARK_UNMARKED);
	expect(&w, SLOT(3), LD_MARK_MARKED);
	assert_int_equal(stats(&w)->conservative_objects, 0);
	done(&w);
}

/* Go 1.22+: the malloc header's type, repeated to the slot's end. */
static void test_malloc_header(void **state)
{
	struct pworld w;
	uint64_t t;

	world(&w, 26);
	w.masks[0] = 0x1;		/* a pointer, then a scalar */
	t = put_type(&w, 0, 16, 8, MASKS, 0, 0);
	put(w.roots, 0, 8, HDR);
	put(w.roots, 8, 8, HDR + 1024 + 4);	/* slot 1: interior */
	put(w.arena, PAGE + 0, 8, t);
	put(w.arena, PAGE + 8 + 0, 8, SLOT(1));	/* element 0: pointer */
	put(w.arena, PAGE + 8 + 8, 8, SLOT(2));	/* element 0: scalar */
	put(w.arena, PAGE + 8 + 48, 8, SLOT(4));	/* element 3: pointer */
	/* Slot 1 has no type yet: word by word. */
	put(w.arena, PAGE + 1024 + 64, 8, SLOT(5));
	run(&w);
	expect(&w, SLOT(1), LD_MARK_MARKED);
	expect(&w, SLOT(2), LD_MARK_UNMARKED);
	expect(&w, SLOT(4), LD_MARK_MARKED);
	expect(&w, SLOT(5), LD_MARK_MARKED);
	assert_int_equal(stats(&w)->conservative_objects, 1);
	assert_int_equal(stats(&w)->conservative_bytes, 1024);
	done(&w);
}

/* mspan.largeType, by release: GC programs and on-demand masks. */
static void large(int minor, uint8_t kind, uint8_t tflag, bool built,
		  bool precise)
{
	struct pworld w;
	uint64_t t;

	world(&w, minor);
	w.masks[0] = 0x2;		/* 24 bytes: scalar, pointer, scalar */
	if (tflag && w.rt.type_gcmask_on_demand) {
		/* On demand: GCData points at the mask's pointer. */
		put(w.masks, 128, 8, built ? MASKS : 0);
		t = put_type(&w, 1, 24, 16, MASKS + 128, kind, tflag);
	} else {
		t = put_type(&w, 1, 24, 16, MASKS, kind, tflag);
	}
	put(sh_span_at(&w.sh, 2), w.rt.heap.span_large_type, 8, t);
	put(w.roots, 0, 8, LARGE + 100);
	put(w.arena, 2 * PAGE + 0, 8, SLOT(1));		/* scalar */
	put(w.arena, 2 * PAGE + 8, 8, SLOT(2));		/* pointer */
	put(w.arena, 2 * PAGE + 24 + 8, 8, SLOT(3));	/* pointer */
	put(w.arena, 2 * PAGE + 24 + 16, 8, SLOT(4));	/* scalar */
	run(&w);
	expect(&w, SLOT(2), LD_MARK_MARKED);
	expect(&w, SLOT(3), LD_MARK_MARKED);
	expect(&w, SLOT(1), precise ? LD_MARK_UNMARKED : LD_MARK_MARKED);
	expect(&w, SLOT(4), precise ? LD_MARK_UNMARKED : LD_MARK_MARKED);
	assert_int_equal(stats(&w)->conservative_objects, precise ? 0 : 1);
	done(&w);
}

static void test_large_type(void **state)
{
	large(26, 0, 0, false, true);
	large(22, 0, 0, false, true);
}

static void test_large_gcprog_go122(void **state)
{
	large(22, 1u << 6, 0, false, false);	/* KindGCProg */
	large(24, 1u << 6, 0, false, true);	/* no such kind bit in 1.24 */
}

static void test_large_on_demand_go124(void **state)
{
	large(24, 0, 1u << 4, true, true);
	large(24, 0, 1u << 4, false, false);	/* mask not built yet */
	/* Go 1.22's TFlagUnrolledBitmap has the same bit: a plain mask. */
	large(22, 0, 1u << 4, false, true);
}

/*
 * Go 1.24+: a big struct whose mask the runtime has not built (no GC ran
 * yet) is built here from its fields, as runtime.buildGCMask does, down
 * through an on-demand array field.  Its scalars (a runtime.p's page-cache
 * base, which can equal the first object of that chunk) mark nothing.
 *   struct { s, t uint32; p *X; a [3]*X; s2 uint64 }: 48 bytes,
 *   pointer words 1..4 (a scalar field may sit at any offset)
 */
static void test_large_on_demand_built_here(void **state)
{
	/* type slots: 0 the struct, 2 the array, 4 *X, 5 uint64, 6 uint32 */
	static const unsigned int types[] = { 6, 6, 4, 2, 5 }, offs[] = {
		0, 4, 8, 16, 40 };
	const uint64_t fields = MASKS + 32;
	struct pworld w;
	uint64_t t[7], fsz;

	world(&w, 27);
	fsz = w.rt.heap.structfield_size;
	assert_int_equal(fsz, 24);
	w.masks[0] = 0x1;
	put(w.masks, 8, 8, 0);			/* the struct's mask: not built */
	put(w.masks, 16, 8, 0);			/* the array's */
	t[4] = put_type(&w, 4, 8, 8, MASKS, 22, 0);		/* *X */
	t[5] = put_type(&w, 5, 8, 0, 0, 11, 0);			/* uint64 */
	t[6] = put_type(&w, 6, 4, 0, 0, 10, 0);			/* uint32 */
	t[2] = put_type(&w, 2, 24, 24, MASKS + 16, 17, 1u << 4);
	put(w.types + 64 * 2, w.rt.heap.arraytype_elem, 8, t[4]);
	put(w.types + 64 * 2, w.rt.heap.arraytype_len, 8, 3);
	t[0] = put_type(&w, 0, 48, 40, MASKS + 8, 25, 1u << 4);
	put(w.types, w.rt.heap.structtype_fields, 8, fields);
	put(w.types, w.rt.heap.structtype_fields + 8, 8, 5);
	for (unsigned int i = 0; i < 5; i++) {
		uint8_t *f = w.masks + 32 + i * fsz;

		put(f, w.rt.heap.structfield_typ, 8, t[types[i]]);
		put(f, w.rt.heap.structfield_offset, 8, offs[i]);
	}
	put(sh_span_at(&w.sh, 2), w.rt.heap.span_large_type, 8, t[0]);
	put(w.roots, 0, 8, LARGE + 100);
	put(w.arena, 2 * PAGE + 0, 8, SLOT(1));		/* s */
	put(w.arena, 2 * PAGE + 8, 8, SLOT(2));		/* p */
	put(w.arena, 2 * PAGE + 24, 8, SLOT(3));	/* a[1] */
	put(w.arena, 2 * PAGE + 40, 8, SLOT(4));	/* s2 */
	put(w.arena, 2 * PAGE + 48 + 32, 8, SLOT(5));	/* next: a[2] */
	run(&w);
	expect(&w, SLOT(2), LD_MARK_MARKED);
	expect(&w, SLOT(3), LD_MARK_MARKED);
	expect(&w, SLOT(5), LD_MARK_MARKED);
	expect(&w, SLOT(1), LD_MARK_UNMARKED);
	expect(&w, SLOT(4), LD_MARK_UNMARKED);
	assert_int_equal(stats(&w)->conservative_objects, 0);
	assert_int_equal(stats(&w)->built_masks, 2);
	done(&w);
}

/* An on-demand struct whose field cannot be read: word by word, counted. */
static void test_large_on_demand_unreadable_field(void **state)
{
	struct pworld w;
	uint64_t t;

	world(&w, 27);
	put(w.masks, 128, 8, 0);
	t = put_type(&w, 0, 48, 40, MASKS + 128, 25, 1u << 4);
	put(w.types, w.rt.heap.structtype_fields, 8, MASKS + 160);
	put(w.types, w.rt.heap.structtype_fields + 8, 8, 1);
	put(w.masks + 160, w.rt.heap.structfield_typ, 8, 0x7770000);
	put(sh_span_at(&w.sh, 2), w.rt.heap.span_large_type, 8, t);
	put(w.roots, 0, 8, LARGE + 100);
	put(w.arena, 2 * PAGE + 0, 8, SLOT(1));
	run(&w);
	expect(&w, SLOT(1), LD_MARK_MARKED);
	assert_int_equal(stats(&w)->conservative_objects, 1);
	assert_int_equal(stats(&w)->built_masks, 0);
	done(&w);
}

/* Go 1.21: heapArena.bitmap and noMorePtrs. */
static void test_arena_bitmap_go121(void **state)
{
	uint8_t *bm, *nomore;
	struct pworld w;

	world(&w, 21);
	assert_true(w.rt.heap.ha_bitmap >= 0 && w.rt.heap.ha_no_more_ptrs >= 0);
	bm = w.sh.ha + w.rt.heap.ha_bitmap;
	nomore = w.sh.ha + w.rt.heap.ha_no_more_ptrs;
	put(w.roots, 0, 8, SLOT(0));
	put(w.roots, 8, 8, LARGE);
	put(w.arena, 8, 8, SLOT(1));		/* pointer */
	put(w.arena, 16, 8, SLOT(2));		/* scalar */
	sh_bit(bm, 1);
	/* The large object: pointers at words 3 and 100 (bitmap word 1). */
	put(w.arena, 2 * PAGE + 3 * 8, 8, SLOT(3));
	put(w.arena, 2 * PAGE + 100 * 8, 8, SLOT(4));
	sh_bit(bm, (2 * PAGE) / 8 + 3);
	sh_bit(bm, (2 * PAGE) / 8 + 100);
	/* No pointers past the large object's first bitmap word. */
	sh_bit(nomore, (2 * PAGE) / 8 / 64);
	run(&w);
	expect(&w, SLOT(1), LD_MARK_MARKED);
	expect(&w, SLOT(2), LD_MARK_UNMARKED);
	expect(&w, SLOT(3), LD_MARK_MARKED);
	expect(&w, SLOT(4), LD_MARK_UNMARKED);
	assert_int_equal(stats(&w)->conservative_objects, 0);
	done(&w);
}

/*
 * Dead slots: slots 0..2 allocated; the last cycle marked 0 and 1.
 * phase: runtime.gcphase; span_sg: the span's sweepgen (mheap_'s is 10).
 */
static void dead(int minor, uint32_t phase, uint32_t span_sg, bool is_dead)
{
	struct pworld w;
	uint8_t *sp;

	world(&w, minor);
	sp = sh_span_at(&w.sh, 0);
	put(w.sh.mheap, w.rt.heap.sweepgen, 4, 10);
	put(w.gcphase, 0, 4, phase);
	put(sp, w.rt.heap.span_sweepgen, 4, span_sg);
	put(sp, w.rt.heap.span_gcmark_bits, 8, MARKS);
	sh_bit(w.marks, 0);
	sh_bit(w.marks, 1);
	put(w.roots, 0, 8, SLOT(2));
	put(w.roots, 8, 8, SLOT(0));
	run(&w);
	expect(&w, SLOT(0), LD_MARK_MARKED);
	expect(&w, SLOT(2), is_dead ? LD_MARK_NOT_HEAP : LD_MARK_MARKED);
	if (is_dead) {
		uint64_t nelems = w.rt.span_heap_bits ? w.hb / 48 : PAGE / 48;

		assert_int_equal(stats(&w)->dead_objects, nelems - 2);
		assert_int_equal(stats(&w)->dead_bytes, (nelems - 2) * 48);
	} else {
		assert_int_equal(stats(&w)->dead_objects, 0);
	}
	done(&w);
}

static void test_dead_slots(void **state)
{
	dead(26, 0, 8, true);		/* not swept, GC off */
	dead(21, 0, 8, true);
	dead(26, 1, 8, false);		/* _GCmark: marks unfinished */
	dead(26, 0, 10, false);		/* swept */
	dead(26, 0, 9, false);		/* being swept */
	dead(26, 0, 11, false);		/* cached, needs sweeping */
}

/* greenteagc: marks still in the span's inline mark bits count too. */
static void test_dead_inline_marks(void **state)
{
	struct pworld w;
	uint8_t *sp;

	world(&w, 26);
	if (w.rt.heap.inline_mark_bits_size != 128) {
		done(&w);
		skip();
	}
	sp = sh_span_at(&w.sh, 0);
	put(w.sh.mheap, w.rt.heap.sweepgen, 4, 10);
	put(sp, w.rt.heap.span_sweepgen, 4, 8);
	put(sp, w.rt.heap.span_gcmark_bits, 8, MARKS);
	sh_bit(w.marks, 0);
	sh_bit(w.arena + PAGE - 128 + 64, 2);	/* spanInlineMarkBits.marks */
	put(w.roots, 0, 8, SLOT(2));
	put(w.roots, 8, 8, SLOT(1));
	run(&w);
	expect(&w, SLOT(2), LD_MARK_MARKED);
	expect(&w, SLOT(1), LD_MARK_NOT_HEAP);
	done(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_heap_bits),
		cmocka_unit_test(test_malloc_header),
		cmocka_unit_test(test_large_type),
		cmocka_unit_test(test_large_gcprog_go122),
		cmocka_unit_test(test_large_on_demand_go124),
		cmocka_unit_test(test_large_on_demand_built_here),
		cmocka_unit_test(test_large_on_demand_unreadable_field),
		cmocka_unit_test(test_arena_bitmap_go121),
		cmocka_unit_test(test_dead_slots),
		cmocka_unit_test(test_dead_inline_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
