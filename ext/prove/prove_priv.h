/* SPDX-License-Identifier: MIT */
/*
 * What the files of the leak-proof engine share (ext/prove/; not a public
 * header).  Leak proofs by conservative marking over the target's heap;
 * the model and its roots are described in include/leakdump/prove/prove.h.
 *
 * The heap is indexed once: every in-use span (from ext/prove/heap.c's
 * iterator) gets a compact record, a page table per arena maps addresses
 * to spans, and the allocation bits are copied into one bitmap beside the
 * mark bitmap (one bit per object slot each).  Marking is a depth-first
 * walk with an explicit stack of (span, slot) pairs.
 *
 *   index.c     the heap index, dead slots left out
 *   mark.c      marking: the mark stack, root ranges, the span cache
 *   precise.c   scanning an object through the runtime's pointer bitmaps
 *   retained.c  type accounting for retained memory
 *   roots.c     module data and bss, other memory
 *   offheap.c   the runtime's off-heap roots by structure: specials,
 *               finalizer and cleanup queues, tiny blocks
 *   stacks.c    goroutine stacks (through the compiler's stack maps),
 *               registers, g structs and sudogs
 *   engine.c    the bare engine (ld_mark_*), primitives on stacks
 *   verdicts.c  ld_prove_run, ld_prove_retained
 *   why.c       --why: what marked each object, and the paths back
 *
 * The per-word path of marking (object lookup, mark bit, mark stack) is
 * inline here rather than in mark.c: every file that scans memory runs
 * it, and it must not cost a call per word.
 *
 * Ownership: struct ld_mark owns everything it points to but mem, rt, s,
 * b and h (borrowed), st (its own_st, or the ld_prove's) and acc (the
 * caller's, during ld_prove_retained); ld_mark_destroy() frees it.
 */
#ifndef LD_PROVE_PRIV_H
#define LD_PROVE_PRIV_H

#include <stdio.h>
#include <string.h>

#include "leakdump/target/core.h"
#include "leakdump/prove/heap.h"
#include "leakdump/prove/prove.h"
#include "leakdump/base/util.h"

#define SCAN_CHUNK	(1u << 20)	/* bytes read at a time */
/*
 * Live targets: whole spans up to SPAN_CACHE_MAX bytes are read with one
 * system call and kept in a direct-mapped cache of SPAN_CACHE_SLOTS
 * (at most 256 MiB), so marking does not pay a read per object.
 */
#define SPAN_CACHE_SLOTS 4096
#define SPAN_CACHE_MAX	(64u << 10)

/* Where the pointers of a span's objects are described (precise.c). */
enum pv_ptrs {
	PV_PTRS_NONE,		/* noscan: no pointers */
	PV_PTRS_CONSERVATIVE,	/* no usable description: every word */
	PV_PTRS_SPAN_BITS,	/* Go 1.22+: heap bits at the span's end */
	PV_PTRS_HEADER,		/* Go 1.22+: *_type in the object's word 0 */
	PV_PTRS_LARGE,		/* Go 1.22+: mspan.largeType */
	PV_PTRS_ARENA,		/* Go 1.21: heapArena.bitmap, noMorePtrs */
};

struct pv_span {
	uint64_t base, limit, elemsize;
	uint64_t bit;			/* first slot's bit in the bitmaps */
	uint64_t mspan;			/* the runtime.mspan's address */
	uint64_t alloc_bits;		/* *gcBits */
	uint64_t gcmark_bits;		/* *gcBits of the last cycle */
	uint64_t large_type;		/* mspan.largeType (Go 1.22+) */
	uint32_t nelems, divmul;
	uint32_t npages, freeindex;
	uint32_t sweepgen;
	uint8_t noscan;
	uint8_t ptrs;			/* enum pv_ptrs */
};

/* A type's pointer mask, decoded once (precise.c). */
struct pv_gctype {
	uint64_t size_words, ptr_words;
	uint8_t *mask;			/* ptr_words bits; NULL: unusable */
};

/* Go 1.21: one arena's pointer bitmap and noMorePtrs (precise.c). */
struct pv_arena_bits {
	const uint8_t *bitmap, *no_more;	/* NULL: unreadable */
	uint8_t *owned;
};

struct pv_type {
	uint64_t key, bytes, objects;
};

/* A goroutine stack: who owns it, for primitives inside (engine.c). */
struct pv_stack {
	uint64_t lo, hi;
	uint32_t owner;			/* waiter index, or PV_STACK_* */
};

struct ld_mark {
	struct ld_mem *mem;
	const struct ld_rt *rt;
	struct ld_session *s;		/* NULL for the bare engine */
	struct ld_blocking *b;
	struct ld_heap *h;
	struct pv_span *spans;
	size_t nspans, cap_spans;
	/* arena index - amin -> arena slot + 1; slot -> page table */
	uint64_t amin, namap;
	uint32_t *amap;
	uint32_t **pages;		/* span id + 1 per page */
	size_t narenas;
	uint64_t lo, hi;		/* heap address bounds */
	uint64_t *alloc, *mark;		/* one bit per slot */
	uint64_t nbits;
	uint64_t *stack;		/* span << 32 | slot */
	size_t nstack, cap_stack;
	uint8_t *buf;			/* SCAN_CHUNK bytes */
	/* retained accounting (ld_prove_retained) */
	bool retain;
	struct ld_retained *acc;
	struct pv_type *types;
	size_t ntypes, cap_types;
	struct ld_u64map type_map;	/* key -> index + 1 */
	struct ld_u64map chans;		/* hchan address -> 1 */
	uint64_t types_lo, types_hi;	/* moduledata.types .. etypes */
	/* the first module's data through noptrbss (runtime.inProgress) */
	uint64_t rtdata_lo, rtdata_hi;
	char **names;			/* type names handed out */
	size_t nnames, cap_names;
	struct ld_prove_stats *st;
	struct ld_prove_stats own_st;	/* st for the bare engine */
	struct pv_stack *stk;		/* ld_mark_stack's, unsorted */
	size_t nstk, cap_stk;
	bool oom;			/* the mark stack could not grow */
	bool mem_is_buffer;		/* the heap is mapped (a core) */
	/*
	 * Only words pointing at an object's start (or just past a malloc
	 * header) count: the runtime's off-heap memory in a pure-Go program,
	 * whose references are always to whole objects (finalizer queue,
	 * specials) and whose tagged words and stale metadata are not.
	 */
	bool base_only;
	/* span contents for targets without zero-copy memory */
	struct span_buf {
		uint32_t sid1;		/* span id + 1, 0: empty */
		bool ok;
		uint8_t *data;
	} *span_cache;
	/* precise scanning (precise.c) */
	struct pv_gctype *gctypes;
	size_t ngctypes, cap_gctypes;
	struct ld_u64map gctype_map;	/* type address -> index + 1 */
	unsigned int gctype_nesting;	/* masks being built, nested */
	struct pv_arena_bits *abits;
	size_t nabits, cap_abits;
	struct ld_u64map abits_map;	/* arena index + 1 -> index + 1 */
	uint64_t bias;			/* load bias of runtime globals */
	/* LEAKDUMP_PROVE_TRACE=ADDR: say what marks the object at ADDR */
	uint64_t trace, scan_lo, scan_hi, scan_at;
	/*
	 * --why (why.c): what marked each object, NULL when not asked; and
	 * what is being scanned (an enum ld_path_kind and its goroutine,
	 * thread or waiter index), set by every root scanner and by drain.
	 */
	struct ld_why *why;
	uint8_t from_kind;
	uint32_t from_who;
	/* the stack objects of the stack being scanned (stacks.c), or NULL */
	struct pv_stack_objs *sobjs;
};

/*
 * Calls between the files of one engine.  The library is built with
 * hidden visibility (Makefile), so these are direct calls in the shared
 * object, not calls through the PLT (drain calls ld_prove_span_bytes
 * once per object).
 */
/* index.c */
struct ld_error *ld_prove_build_index(struct ld_mark *p);

/* mark.c */
void ld_prove_unreadable(struct ld_mark *p, uint64_t addr, uint64_t len);
const uint8_t *ld_prove_span_bytes(struct ld_mark *p, uint32_t sid);
const uint8_t *ld_prove_object_bytes(struct ld_mark *p, uint32_t sid,
				     uint64_t base, uint64_t size);
void ld_prove_drain(struct ld_mark *p);
void ld_prove_begin_root(struct ld_mark *p, uint64_t lo, uint64_t hi);
void ld_prove_root_range(struct ld_mark *p, uint64_t lo, uint64_t hi);
bool ld_prove_mark_opaque(struct ld_mark *p, uint64_t addr);

/* precise.c */
uint8_t ld_prove_span_ptrs(const struct ld_mark *p,
			   const struct ld_heap_span *hs);
uint64_t ld_prove_span_read_len(const struct pv_span *sp);
void ld_prove_scan_object(struct ld_mark *p, uint32_t sid, uint64_t base,
			  uint64_t size, const uint8_t *v);
void ld_prove_precise_release(struct ld_mark *p);

/* why.c */
void ld_prove_why_note(struct ld_mark *p, uint64_t base);
void ld_prove_why_destroy(struct ld_why *w);

/* What the scans from now on are (see struct ld_mark's from_kind). */
static inline void ld_prove_from(struct ld_mark *p, uint8_t kind,
				 uint32_t who)
{
	p->from_kind = kind;
	p->from_who = who;
}

/* retained.c */
uint64_t ld_prove_read_word(struct ld_mark *p, uint64_t addr);
void ld_prove_account_type(struct ld_mark *p, uint32_t sid,
			   uint64_t base, uint64_t size);
/* The name of a type key, owned by p (freed by ld_mark_destroy). */
const char *ld_prove_type_key_name(struct ld_mark *p, uint64_t key);
int ld_prove_cmp_types(const void *a, const void *b);
/*
 * The type key of an object: a type's address (| 1 for a channel's
 * element type), or LD_PROVE_KEY_UNTYPED | its size when unknown.
 */
#define LD_PROVE_KEY_UNTYPED (1ull << 63)
uint64_t ld_prove_type_key(struct ld_mark *p, uint32_t sid, uint64_t base);

/* roots.c */
struct ld_error *ld_prove_roots(struct ld_mark *p);

/* offheap.c */
void ld_prove_scan_specials(struct ld_mark *p);
/* Why the off-heap roots cannot be walked (a static string), or NULL. */
const char *ld_prove_offheap_missing(struct ld_mark *p);
void ld_prove_walk_offheap(struct ld_mark *p);

/* stacks.c */
void ld_prove_scan_goroutines(struct ld_mark *p, uint32_t *gis, size_t n);
void ld_prove_scan_registers(struct ld_mark *p);
void ld_prove_mark_bookkeeping(struct ld_mark *p);

static inline void ld_prove_trim(struct ld_mark *p)
{
	if (p->s)
		ld_session_trim(p->s);
}

/* Read target memory; false (and no error to free) when unreadable. */
static inline bool ld_prove_rd(struct ld_mark *p, uint64_t addr, void *buf,
			       size_t len)
{
	struct ld_error *err = ld_mem_read(p->mem, addr, buf, len);

	ld_error_destroy(err);
	return !err;
}

static inline bool ld_prove_bit_get(const uint64_t *bm, uint64_t i)
{
	return bm[i >> 6] >> (i & 63) & 1;
}

static inline void ld_prove_bit_set(uint64_t *bm, uint64_t i)
{
	bm[i >> 6] |= 1ull << (i & 63);
}

/*
 * The allocated object holding addr: its span id and slot.  Objects are
 * allocated when the runtime says so (slot < freeindex or allocBits).
 */
static inline bool ld_prove_find_object(const struct ld_mark *p,
					uint64_t addr, uint32_t *sid,
					uint32_t *slot)
{
	const struct pv_span *sp;
	uint64_t ai, off, idx;
	uint32_t a, id;

	if (addr < p->lo || addr >= p->hi)
		return false;
	ai = ld_heap_arena_index(addr) - p->amin;
	if (ai >= p->namap || !(a = p->amap[ai]))
		return false;
	id = p->pages[a - 1][(addr / LD_HEAP_PAGE_SIZE) %
			      LD_HEAP_PAGES_PER_ARENA];
	if (!id)
		return false;
	sp = &p->spans[id - 1];
	if (addr < sp->base || addr >= sp->limit)
		return false;
	off = addr - sp->base;
	idx = sp->nelems == 1 ? 0 : (off * sp->divmul) >> 32;
	/* The runtime's reciprocal is exact for its size classes only. */
	if (idx * sp->elemsize > off || off - idx * sp->elemsize >= sp->elemsize)
		idx = off / sp->elemsize;
	if (idx >= sp->nelems || !ld_prove_bit_get(p->alloc, sp->bit + idx))
		return false;
	*sid = id - 1;
	*slot = (uint32_t)idx;
	return true;
}

static inline void ld_prove_object_range(const struct ld_mark *p,
					 uint32_t sid, uint32_t slot,
					 uint64_t *base, uint64_t *size)
{
	const struct pv_span *sp = &p->spans[sid];

	*base = sp->base + slot * sp->elemsize;
	*size = sp->limit - *base < sp->elemsize ? sp->limit - *base :
		sp->elemsize;
}

static inline void ld_prove_mark_word(struct ld_mark *p, uint64_t w)
{
	uint64_t bit, base, size;
	uint32_t sid, slot;

	if (!ld_prove_find_object(p, w, &sid, &slot))
		return;
	bit = p->spans[sid].bit + slot;
	if (ld_prove_bit_get(p->mark, bit))
		return;
	ld_prove_object_range(p, sid, slot, &base, &size);
	if (p->base_only && w != base && w != base + 8)
		return;
	ld_prove_bit_set(p->mark, bit);
	if (p->why)		/* --why only: NULL otherwise */
		ld_prove_why_note(p, base);
	if (p->trace && p->trace - base < size)
		fprintf(stderr, "leakdump: prove: 0x%llx marked by the word at 0x%llx in [0x%llx, 0x%llx)\n",
			(unsigned long long)p->trace,
			(unsigned long long)p->scan_at,
			(unsigned long long)p->scan_lo,
			(unsigned long long)p->scan_hi);
	p->st->marked_objects++;
	p->st->marked_bytes += size;
	if (p->retain)
		ld_prove_account_type(p, sid, base, size);
	if (p->spans[sid].noscan)
		return;
	if (!ld_grow((void **)&p->stack, &p->cap_stack, p->nstack + 1,
		     sizeof(*p->stack))) {
		p->oom = true;		/* reported as a gap */
		return;
	}
	p->stack[p->nstack++] = (uint64_t)sid << 32 | slot;
}

/* Words v[0..n) read from target address at (0: registers). */
static inline void ld_prove_scan_words(struct ld_mark *p, uint64_t at,
				       const uint8_t *v, size_t n)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, v + i, 8);
		if (w - p->lo < p->hi - p->lo) {
			p->scan_at = at + i;
			ld_prove_mark_word(p, w);
		}
	}
}

#endif
