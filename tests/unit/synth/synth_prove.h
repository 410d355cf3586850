/* SPDX-License-Identifier: MIT */
/*
 * A world for leak proofs: synth_blocking's world (g structs, sudogs,
 * channels, stacks) with a Go 1.26 heap (synth_heap.h) under its
 * channels, so ld_prove_run and reports with --prove can run on it.
 *
 * Header-only: every non-test_*.c file in tests/unit is linked into every
 * unit test binary.
 */
#ifndef SYNTH_PROVE_H
#define SYNTH_PROVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "leakdump/prove/prove.h"
#include "synth_blocking.h"
#include "synth_heap.h"

#define SP_ARENA	0xc000000000ull
#define SP_OBJ_SIZE	256
#define SP_SIZE_CLASS	18	/* runtime/sizeclasses.go: 256 bytes */

/*
 * One span of 256-byte objects over the channels (SB_CH(0..31)); sudogs,
 * g structs and stacks lie outside any span.  The target lists one
 * writable mapping outside the heap, the "globals" at SP_ROOTS, which are
 * a root like every such mapping.
 */
#define SP_ROOTS	0x5c0000ull
#define SP_ROOTS_LEN	0x1000

/*
 * The runtime's off-heap memory (persistentalloc'd, not listed as a
 * mapping): runtime.allfin and gcCleanups.all, a finalizer block, a
 * cleanup block and a span special.  Unused until sp_pure_go().
 */
#define SP_RT		0x5d0000ull
#define SP_RT_LEN	0x2000
#define SP_RT_ALLFIN	SP_RT			/* runtime.allfin */
#define SP_RT_CQ_ALL	(SP_RT + 8)		/* gcCleanups.all */
#define SP_RT_FINBLOCK	(SP_RT + 0x100)		/* 4064 bytes */
#define SP_RT_CBLOCK	(SP_RT + 0x1100)	/* 512 bytes */
#define SP_RT_SPECIAL	(SP_RT + 0x1400)

struct synth_prove {
	struct synth_blocking *sb;
	struct synth_heap sh;
	struct ld_prove *pv;		/* for the test; freed by sp_close */
	struct ld_prove_opts opts;	/* what ld_prove_run is asked */
	uint8_t roots[SP_ROOTS_LEN];
	uint8_t rt[SP_RT_LEN];
};

static inline bool sp_mappings(const struct ld_target *t,
			       ld_target_range_fn *fn, void *arg)
{
	return fn(arg, SP_ROOTS, SP_ROOTS + SP_ROOTS_LEN);
}

static const struct ld_target_ops sp_ops = {
	.name = "core", .mapped = false, .mappings = sp_mappings,
};
/* A target that cannot list its mappings (as the callback kind). */
static const struct ld_target_ops sp_ops_unlisted = {
	.name = "callback",
};

static inline void sp_close(struct synth_prove *w)
{
	if (!w)
		return;
	ld_prove_destroy(w->pv);
	if (w->sb) {
		/* an unmapped target batches stack reads; ss_close lacks it */
		free(w->sb->s->batch);
		w->sb->s->batch = NULL;
	}
	sb_close(w->sb);
	sh_release(&w->sh);
	free(w);
}

static inline struct synth_prove *sp_open(void)
{
	struct synth_prove *w = calloc(1, sizeof(*w));
	struct ld_session *s;
	struct ld_error *err;
	struct ld_rt lay;

	if (!w)
		return NULL;
	if (!(w->sb = sb_open()) || !sh_load_layout(&lay, 26))
		goto fail;
	s = w->sb->s;
	s->rt->heap = lay.heap;
	s->rt->heap.mheap = SH_MHEAP;
	s->rt->kind_special_finalizer = lay.kind_special_finalizer;
	s->rt->kind_special_weak_handle = lay.kind_special_weak_handle;
	s->rt->kind_special_cleanup = lay.kind_special_cleanup;
	s->rt->roots = lay.roots;
	ld_rt_resolve_caps(s->rt);
	s->target.ops = &sp_ops;
	if (!sh_init(&w->sh, s->rt, s->mem, SP_ARENA) ||
	    !sh_add_span(&w->sh, SB_CH(0), 1, SP_OBJ_SIZE, SP_SIZE_CLASS,
			 false))
		goto fail;
	err = ld_mem_add_buffer(s->mem, SP_ROOTS, w->roots, SP_ROOTS_LEN);
	if (!err)
		err = ld_mem_add_buffer(s->mem, SP_RT, w->rt, SP_RT_LEN);
	if (err) {
		ld_error_destroy(err);
		goto fail;
	}
	return w;
fail:
	sp_close(w);
	return NULL;
}

/*
 * Goroutine goid alone receives from the channel at address ch (in the
 * heap or not: a stack, see sp_next_stack) through sudog SB_SG(sg).
 */
static inline void sp_recv_at(struct synth_prove *w, uint64_t goid,
			      uint64_t ch, unsigned int sg)
{
	sb_sudog(w->sb, SB_SG(sg), &(struct sb_sudog){
		.g = sb_gaddr(goid), .c = ch });
	sb_chan(w->sb, ch, &(struct sb_chan){
		.elemsize = 8, .recvq_first = SB_SG(sg),
		.recvq_last = SB_SG(sg) });
	sb_waiting_g(w->sb, goid, "chan receive", SB_SG(sg));
}

/* Goroutine goid alone receives from SB_CH(ch) through sudog SB_SG(sg). */
static inline void sp_recv_on(struct synth_prove *w, uint64_t goid,
			      unsigned int ch, unsigned int sg)
{
	sp_recv_at(w, goid, SB_CH(ch), sg);
}

/*
 * An address off bytes into the stack of the next goroutine sb_g adds
 * (stack slots are handed out in order), far above its sp so that
 * sb_stack_word's slots stay clear of it.
 */
#define SP_STACK_OBJ	0x400ull
static inline uint64_t sp_next_stack(const struct synth_prove *w,
				     uint64_t off)
{
	return SS_STACK_LO + SB_SLOT_SIZE * w->sb->nslots + off;
}

/* An address off bytes into goroutine goid's stack. */
static inline uint64_t sp_stack_of(const struct synth_prove *w,
				   uint64_t goid, uint64_t off)
{
	return w->sb->s->gs[sb_gi(w->sb, goid)].stack_lo + off;
}

/* Word slot of the globals. */
static inline void sp_root_word(struct synth_prove *w, unsigned int slot,
				uint64_t v)
{
	sh_put(w->roots, 8 * (int64_t)slot, 8, v);
}

/* A word of the runtime's off-heap memory. */
static inline void sp_rt_word(struct synth_prove *w, uint64_t addr, uint64_t v)
{
	sh_put(w->rt, (int64_t)(addr - SP_RT), 8, v);
}

/*
 * A pure-Go build (CGO_ENABLED=0) whose runtime.allfin and gcCleanups
 * are known: off-heap memory is walked by structure, not swept.
 */
static inline void sp_pure_go(struct synth_prove *w)
{
	struct ld_rt *rt = w->sb->s->rt;

	w->sb->s->cgo_disabled = true;
	rt->roots.allfin = SP_RT_ALLFIN;
	rt->roots.gc_cleanups = SP_RT_CQ_ALL - (uint64_t)rt->roots.cq_all;
}

/* One finalizer queued to run on the object at arg (runtime.finalizer). */
static inline void sp_queue_finalizer(struct synth_prove *w, uint64_t arg)
{
	const struct ld_rt_roots *r = &w->sb->s->rt->roots;
	int64_t cnt = r->finblock_cnt >= 0 ? r->finblock_cnt : r->finblock2_cnt;
	int64_t fin = r->finblock_fin >= 0 ? r->finblock_fin : r->finblock2_fin;

	sp_rt_word(w, SP_RT_ALLFIN, SP_RT_FINBLOCK);
	sh_put(w->rt, (int64_t)(SP_RT_FINBLOCK - SP_RT) + cnt, 4, 1);
	sp_rt_word(w, SP_RT_FINBLOCK + (uint64_t)fin + 8, arg);	/* .arg */
}

/* One cleanup queued to run (Go 1.26's cleanupFn: call, fn, arg). */
static inline void sp_queue_cleanup(struct synth_prove *w, uint64_t fn)
{
	const struct ld_rt_roots *r = &w->sb->s->rt->roots;

	sp_rt_word(w, SP_RT_CQ_ALL, SP_RT_CBLOCK);
	sh_put(w->rt, (int64_t)(SP_RT_CBLOCK - SP_RT) + r->cb_n, 4, 1);
	sp_rt_word(w, SP_RT_CBLOCK + (uint64_t)r->cb_cleanups + 8, fn);
}

/*
 * The first span's one special, of kind, for its object at byte off;
 * word (after the special header) holds v.
 */
static inline void sp_special(struct synth_prove *w, int64_t kind,
			      uint64_t off, unsigned int word, uint64_t v)
{
	const struct ld_rt_heap *l = &w->sb->s->rt->heap;
	int64_t at = (int64_t)(SP_RT_SPECIAL - SP_RT);

	sh_put(w->sh.spans, l->span_specials, 8, SP_RT_SPECIAL);
	sh_put(w->rt, at + l->special_next, 8, 0);
	sh_put(w->rt, at + l->special_offset,
	       l->special_kind - l->special_offset == 2 ? 2 : 8, off);
	sh_put(w->rt, at + l->special_kind, 1, (uint64_t)kind);
	sh_put(w->rt, ((at + l->special_kind + 8) & ~7ll) + 8 * (int64_t)word,
	       8, v);
}

/* ---- the bare engine (ld_mark_*) ---- */

/*
 * One span of SP_OBJ_SIZE objects at SP_ARENA, a root area and an area of
 * goroutine stacks (none of them in the heap), in memory of their own:
 * cmocka setup and teardown for tests of the bare engine.
 */
#define SP_E_ROOTS	0x5c0000ull
#define SP_E_STACKS	0x5d0000ull

struct sp_engine {
	struct ld_rt rt;
	struct ld_mem *mem;
	struct synth_heap sh;
	struct ld_heap *h;
	struct ld_mark *m;
	uint8_t objs[LD_HEAP_PAGE_SIZE];
	uint8_t roots[0x1000];
	uint8_t stacks[0x400];
};

static inline int sp_esetup(void **state)
{
	struct sp_engine *e = calloc(1, sizeof(*e));

	if (!e || !sh_load_layout(&e->rt, 26))
		return -1;
	e->rt.heap.mheap = SH_MHEAP;
	if (ld_mem_create(&e->mem) ||
	    !sh_init(&e->sh, &e->rt, e->mem, SP_ARENA) ||
	    !sh_add_span(&e->sh, SP_ARENA, 1, SP_OBJ_SIZE, SP_SIZE_CLASS,
			 false) ||
	    ld_mem_add_buffer(e->mem, SP_ARENA, e->objs, sizeof(e->objs)) ||
	    ld_mem_add_buffer(e->mem, SP_E_ROOTS, e->roots,
			      sizeof(e->roots)) ||
	    ld_mem_add_buffer(e->mem, SP_E_STACKS, e->stacks,
			      sizeof(e->stacks)))
		return -1;
	*state = e;
	return 0;
}

static inline int sp_eteardown(void **state)
{
	struct sp_engine *e = *state;

	ld_mark_destroy(e->m);
	ld_heap_destroy(e->h);
	ld_mem_destroy(e->mem);
	sh_release(&e->sh);
	free(e);
	return 0;
}

#endif
