// SPDX-License-Identifier: MIT
/*
 * Leak proofs by conservative marking over the target's heap; the model
 * and its roots are described in include/leakdump/prove.h.
 *
 * The heap is indexed once: every in-use span (from ext/heap.c's iterator)
 * gets a compact record, a page table per arena maps addresses to spans,
 * and the allocation bits are copied into one bitmap beside the mark
 * bitmap (one bit per object slot each).  Marking is a depth-first walk
 * with an explicit stack of (span, slot) pairs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leakdump/target/core.h"
#include "leakdump/prove/heap.h"
#include "leakdump/go/pcln.h"
#include "leakdump/prove/prove.h"
#include "leakdump/model/unwind.h"
#include "leakdump/model/walk.h"
#include "leakdump/base/util.h"

#define SCAN_CHUNK	(1u << 20)	/* bytes read at a time */
#define MAX_STACK_SCAN	(1ull << 30)	/* Go's maximum stack size */
#define MAX_MODULES	64
#define MAX_SUDOGS	4096		/* per goroutine's waiting list */
#define MAX_RANGE	(1ull << 40)	/* sanity bound on one root range */
/*
 * Live targets: whole spans up to SPAN_CACHE_MAX bytes are read with one
 * system call and kept in a direct-mapped cache of SPAN_CACHE_SLOTS
 * (at most 256 MiB), so marking does not pay a read per object.
 */
#define SPAN_CACHE_SLOTS 4096
#define SPAN_CACHE_MAX	(64u << 10)

struct pv_span {
	uint64_t base, limit, elemsize;
	uint64_t bit;			/* first slot's bit in the bitmaps */
	uint64_t mspan;			/* the runtime.mspan's address */
	uint64_t alloc_bits;		/* *gcBits */
	uint32_t nelems, divmul;
	uint32_t npages, freeindex;
	uint8_t noscan;
};

#define V_DEAD 0xff			/* verdict scratch: no verdict at all */

struct pv_type {
	uint64_t key, bytes, objects;
};

struct range {
	uint64_t lo, hi;
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
	char **names;			/* type names handed out */
	size_t nnames, cap_names;
	struct ld_prove_stats *st;
	struct ld_prove_stats own_st;	/* st for the bare engine */
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
	/* LEAKDUMP_PROVE_TRACE=ADDR: say what marks the object at ADDR */
	uint64_t trace, scan_lo, scan_hi, scan_at;
};

static void trim(struct ld_mark *p)
{
	if (p->s)
		ld_session_trim(p->s);
}

/* Read target memory; false (and no error to free) when unreadable. */
static bool rd(struct ld_mark *p, uint64_t addr, void *buf, size_t len)
{
	struct ld_error *err = ld_mem_read(p->mem, addr, buf, len);

	ld_error_destroy(err);
	return !err;
}

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

static inline bool bit_get(const uint64_t *bm, uint64_t i)
{
	return bm[i >> 6] >> (i & 63) & 1;
}

static inline void bit_set(uint64_t *bm, uint64_t i)
{
	bm[i >> 6] |= 1ull << (i & 63);
}

/* ---- the heap index ---- */

/*
 * The allocated object holding addr: its span id and slot.  Objects are
 * allocated when the runtime says so (slot < freeindex or allocBits).
 */
static inline bool find_object(const struct ld_mark *p, uint64_t addr,
			       uint32_t *sid, uint32_t *slot)
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
	if (idx >= sp->nelems || !bit_get(p->alloc, sp->bit + idx))
		return false;
	*sid = id - 1;
	*slot = (uint32_t)idx;
	return true;
}

static void object_range(const struct ld_mark *p, uint32_t sid,
			 uint32_t slot, uint64_t *base, uint64_t *size)
{
	const struct pv_span *sp = &p->spans[sid];

	*base = sp->base + slot * sp->elemsize;
	*size = sp->limit - *base < sp->elemsize ? sp->limit - *base :
		sp->elemsize;
}

static bool arena_slot(struct ld_mark *p, uint64_t ai, uint32_t *slot)
{
	uint64_t k = ai - p->amin;

	if (ai < p->amin || k >= p->namap)
		return false;
	if (!p->amap[k]) {
		uint32_t *pg = calloc(LD_HEAP_PAGES_PER_ARENA, sizeof(*pg));

		if (!pg)
			return false;
		p->pages[p->narenas] = pg;
		p->amap[k] = (uint32_t)++p->narenas;
	}
	*slot = p->amap[k] - 1;
	return true;
}

/* Enter one span in the page tables of every arena it covers. */
static bool index_pages(struct ld_mark *p, const struct pv_span *sp,
			uint32_t id)
{
	for (uint64_t i = 0; i < sp->npages; i++) {
		uint64_t a = sp->base + i * LD_HEAP_PAGE_SIZE;
		uint32_t slot;

		if (!arena_slot(p, ld_heap_arena_index(a), &slot))
			return false;
		p->pages[slot][(a / LD_HEAP_PAGE_SIZE) %
			       LD_HEAP_PAGES_PER_ARENA] = id;
	}
	return true;
}

/* Copy a span's allocation bits; unreadable bits count as allocated. */
static void copy_alloc_bits(struct ld_mark *p, const struct pv_span *sp)
{
	size_t nbytes = (sp->nelems + 7) / 8;
	uint8_t local[512], *bits = nbytes <= sizeof(local) ? local :
				    malloc(nbytes);
	bool ok = bits && sp->alloc_bits && rd(p, sp->alloc_bits, bits, nbytes);

	for (uint32_t i = 0; i < sp->nelems; i++)
		if (i < sp->freeindex || !ok || bits[i / 8] >> (i % 8) & 1)
			bit_set(p->alloc, sp->bit + i);
	if (bits != local)
		free(bits);
}

static struct ld_error *collect_spans(struct ld_mark *p)
{
	struct ld_heap_iter it;
	struct ld_heap_span hs;
	struct ld_error *err = ld_heap_iter_init(p->h, &it);
	uint64_t bit = 0;

	if (err)
		return err;
	while (ld_heap_iter_next(&it, &hs)) {
		struct pv_span *sp;

		if (!hs.nelems || !hs.elemsize || hs.limit <= hs.base ||
		    hs.npages > UINT32_MAX)
			continue;
		if (!ld_grow((void **)&p->spans, &p->cap_spans, p->nspans + 1,
			     sizeof(*p->spans)))
			return &ld_error_nomem;
		sp = &p->spans[p->nspans++];
		sp->base = hs.base;
		sp->limit = hs.limit;
		sp->elemsize = hs.elemsize;
		sp->nelems = hs.nelems;
		sp->divmul = (uint32_t)(UINT32_MAX / (uint32_t)hs.elemsize + 1);
		if (hs.elemsize > UINT32_MAX)
			sp->divmul = 0;
		sp->noscan = ld_heap_span_noscan(&hs);
		sp->mspan = hs.addr;
		sp->alloc_bits = hs.alloc_bits;
		sp->npages = (uint32_t)hs.npages;
		sp->freeindex = hs.freeindex;
		sp->bit = bit;
		bit += hs.nelems;
		p->st->heap_bytes += hs.npages * LD_HEAP_PAGE_SIZE;
		if (hs.base < p->lo || !p->lo)
			p->lo = hs.base;
		if (hs.limit > p->hi)
			p->hi = hs.limit;
	}
	p->nbits = bit;
	p->st->spans = p->nspans;
	return NULL;
}

static struct ld_error *build_index(struct ld_mark *p)
{
	const uint64_t *arenas;
	uint64_t amax = 0;
	size_t narenas;
	struct ld_error *err = ld_heap_arenas(p->h, &arenas, &narenas);

	if (err)
		return err;
	err = collect_spans(p);
	if (err)
		return err;
	p->amin = UINT64_MAX;
	for (size_t i = 0; i < p->nspans; i++) {
		uint64_t a = ld_heap_arena_index(p->spans[i].base);
		uint64_t b = ld_heap_arena_index(p->spans[i].limit - 1);

		p->amin = a < p->amin ? a : p->amin;
		amax = b > amax ? b : amax;
	}
	if (!p->nspans)
		return NULL;
	p->namap = amax - p->amin + 1;
	p->amap = calloc(p->namap, sizeof(*p->amap));
	p->pages = calloc(p->namap, sizeof(*p->pages));
	p->alloc = calloc(p->nbits / 64 + 1, 8);
	p->mark = calloc(p->nbits / 64 + 1, 8);
	if (!p->amap || !p->pages || !p->alloc || !p->mark)
		return &ld_error_nomem;
	for (size_t i = 0; i < p->nspans; i++) {
		const struct pv_span *sp = &p->spans[i];

		if (!index_pages(p, sp, (uint32_t)i + 1))
			return &ld_error_nomem;
		copy_alloc_bits(p, sp);
		if (i % LD_TRIM_EVERY == LD_TRIM_EVERY - 1)
			trim(p);
	}
	for (uint64_t i = 0; i < p->nbits / 64 + 1; i++)
		p->st->objects += (uint64_t)__builtin_popcountll(p->alloc[i]);
	return NULL;
}

/* ---- marking ---- */

static void account_type(struct ld_mark *p, uint32_t sid,
			 uint64_t base, uint64_t size);

static inline void mark_word(struct ld_mark *p, uint64_t w)
{
	uint64_t bit, base, size;
	uint32_t sid, slot;

	if (!find_object(p, w, &sid, &slot))
		return;
	bit = p->spans[sid].bit + slot;
	if (bit_get(p->mark, bit))
		return;
	object_range(p, sid, slot, &base, &size);
	if (p->base_only && w != base && w != base + 8)
		return;
	bit_set(p->mark, bit);
	if (p->trace && p->trace - base < size)
		fprintf(stderr, "leakdump: prove: 0x%llx marked by the word at 0x%llx in [0x%llx, 0x%llx)\n",
			(unsigned long long)p->trace,
			(unsigned long long)p->scan_at,
			(unsigned long long)p->scan_lo,
			(unsigned long long)p->scan_hi);
	p->st->marked_objects++;
	p->st->marked_bytes += size;
	if (p->retain)
		account_type(p, sid, base, size);
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
static void scan_words(struct ld_mark *p, uint64_t at, const uint8_t *v,
		       size_t n)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, v + i, 8);
		if (w - p->lo < p->hi - p->lo) {
			p->scan_at = at + i;
			mark_word(p, w);
		}
	}
}

static void unreadable(struct ld_mark *p, uint64_t addr, uint64_t len)
{
	if (!p->st->unreadable_bytes)
		p->st->first_unreadable = addr;
	p->st->unreadable_bytes += len;
}

/* Scan [lo, hi) of target memory conservatively, page by page if needed. */
static void scan_range(struct ld_mark *p, uint64_t lo, uint64_t hi)
{
	lo = (lo + 7) & ~7ull;
	hi &= ~7ull;
	if (hi <= lo || hi - lo > MAX_RANGE)
		return;
	p->scan_lo = lo;
	p->scan_hi = hi;
	while (lo < hi) {
		size_t n = hi - lo < SCAN_CHUNK ? hi - lo : SCAN_CHUNK;
		const uint8_t *v = ld_mem_peek(p->mem, lo, n);

		if (!v && rd(p, lo, p->buf, n))
			v = p->buf;
		if (v) {
			scan_words(p, lo, v, n);
		} else {
			/* Part of it is missing: go page by page. */
			for (size_t o = 0; o < n;) {
				size_t k = 4096 - ((lo + o) & 4095);

				k = k < n - o ? k : n - o;
				if (!rd(p, lo + o, p->buf, k))
					unreadable(p, lo + o, k);
				else
					scan_words(p, lo + o, p->buf, k);
				o += k;
			}
		}
		lo += n;
	}
}

/*
 * The bytes of span sid through the span cache, or NULL (too big, no
 * cache, unreadable: then the caller reads the object itself).
 */
static const uint8_t *span_bytes(struct ld_mark *p, uint32_t sid)
{
	const struct pv_span *sp = &p->spans[sid];
	uint64_t len = sp->limit - sp->base;
	struct span_buf *b;

	if (len > SPAN_CACHE_MAX)
		return NULL;
	if (!p->span_cache) {
		/* Zero-copy memory (a core) needs no cache. */
		if (ld_mem_peek(p->mem, sp->base, len))
			return NULL;
		p->span_cache = calloc(SPAN_CACHE_SLOTS, sizeof(*p->span_cache));
		if (!p->span_cache)
			return NULL;
	}
	b = &p->span_cache[sid % SPAN_CACHE_SLOTS];
	if (b->sid1 != sid + 1) {
		if (!b->data && !(b->data = malloc(SPAN_CACHE_MAX)))
			return NULL;
		b->sid1 = sid + 1;
		b->ok = rd(p, sp->base, b->data, len);
	}
	return b->ok ? b->data : NULL;
}

static void drain(struct ld_mark *p)
{
	size_t since_trim = 0;

	while (p->nstack) {
		uint64_t e = p->stack[--p->nstack], base, size;
		uint32_t sid = (uint32_t)(e >> 32);
		const uint8_t *sb;

		object_range(p, sid, (uint32_t)e, &base, &size);
		p->st->scanned_bytes += size;
		sb = p->mem_is_buffer ? NULL : span_bytes(p, sid);
		if (sb) {
			p->scan_lo = base;
			p->scan_hi = base + size;
			scan_words(p, base, sb + (base - p->spans[sid].base),
				   size & ~7ull);
		} else {
			scan_range(p, base, base + size);
		}
		since_trim += size;
		if (since_trim > (64u << 20)) {
			trim(p);
			since_trim = 0;
		}
	}
}

/* Count [lo, hi) as root memory about to be scanned. */
static void begin_root(struct ld_mark *p, uint64_t lo, uint64_t hi)
{
	p->st->root_ranges++;
	p->st->root_bytes += hi - lo;
	p->scan_lo = lo;
	p->scan_hi = hi;
}

/* Scan a root range, counting it. */
static void root_range(struct ld_mark *p, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return;
	p->st->root_ranges++;
	p->st->root_bytes += hi - lo;
	scan_range(p, lo, hi);
	if (hi - lo > (64u << 20))
		trim(p);
}

/*
 * Mark an object without scanning it (g structs, sudogs); false when it
 * is not a heap object or was marked already.
 */
static bool mark_opaque(struct ld_mark *p, uint64_t addr)
{
	uint32_t sid, slot;

	if (!find_object(p, addr, &sid, &slot) ||
	    bit_get(p->mark, p->spans[sid].bit + slot))
		return false;
	bit_set(p->mark, p->spans[sid].bit + slot);
	return true;
}

/* ---- type accounting for retained memory ---- */

static uint64_t read_word(struct ld_mark *p, uint64_t addr)
{
	uint64_t v = 0;

	return rd(p, addr, &v, 8) ? v : 0;
}

#define KEY_UNTYPED (1ull << 63)	/* | elemsize */

static const uint8_t *span_bytes(struct ld_mark *p, uint32_t sid);

/* A word of an object of span sid: from the span cache on live targets. */
static uint64_t object_word(struct ld_mark *p, uint32_t sid, uint64_t addr)
{
	const uint8_t *sb = p->mem_is_buffer ? NULL : span_bytes(p, sid);
	uint64_t w;

	if (!sb || addr < p->spans[sid].base ||
	    addr + 8 > p->spans[sid].limit)
		return read_word(p, addr);
	memcpy(&w, sb + (addr - p->spans[sid].base), 8);
	return w;
}

static uint64_t type_key(struct ld_mark *p, uint32_t sid, uint64_t base)
{
	const struct pv_span *sp = &p->spans[sid];
	const struct ld_rt *rt = p->rt;
	uint64_t t = 0;

	if (ld_u64map_get(&p->chans, base)) {
		t = object_word(p, sid, base + (uint64_t)rt->blk.hchan_elemtype);
		if (t >= p->types_lo && t < p->types_hi)
			return t | 1;
		return KEY_UNTYPED | sp->elemsize;
	}
	/* Malloc headers: a type pointer in large and big pointerful objects. */
	if (rt->malloc_headers && !sp->noscan) {
		if (sp->nelems == 1 && rt->heap.span_large_type >= 0)
			t = read_word(p, sp->mspan +
					 (uint64_t)rt->heap.span_large_type);
		else if (sp->elemsize > 512)
			t = object_word(p, sid, base);
	}
	if (t >= p->types_lo && t < p->types_hi && !(t & 7))
		return t;
	return KEY_UNTYPED | sp->elemsize;
}

static void account_type(struct ld_mark *p, uint32_t sid,
			 uint64_t base, uint64_t size)
{
	uint64_t key = type_key(p, sid, base), k;

	p->acc->bytes += size;
	p->acc->objects++;
	k = ld_u64map_get(&p->type_map, key);
	if (!k) {
		if (!ld_grow((void **)&p->types, &p->cap_types, p->ntypes + 1,
			     sizeof(*p->types)) ||
		    !ld_u64map_put(&p->type_map, key, p->ntypes + 1))
			return;
		p->types[p->ntypes] = (struct pv_type){ key, 0, 0 };
		k = ++p->ntypes;
	}
	p->types[k - 1].bytes += size;
	p->types[k - 1].objects++;
}

static const char *keep_name(struct ld_mark *p, char *name)
{
	if (!name)
		return "?";
	if (!ld_grow((void **)&p->names, &p->cap_names, p->nnames + 1,
		     sizeof(*p->names))) {
		free(name);
		return "?";
	}
	p->names[p->nnames++] = name;
	return name;
}

static const char *type_key_name(struct ld_mark *p, uint64_t key)
{
	char *name, *s = NULL;

	if (key & KEY_UNTYPED) {
		if (asprintf(&s, "? (%llu-byte objects)",
			     (unsigned long long)(key & ~KEY_UNTYPED)) < 0)
			s = NULL;
		return keep_name(p, s);
	}
	name = ld_type_name(p->s, key & ~1ull);
	if (!(key & 1) || !name)
		return keep_name(p, name);
	if (asprintf(&s, "chan %s", name) < 0)
		s = NULL;
	free(name);
	return keep_name(p, s);
}

static int cmp_types(const void *a, const void *b)
{
	const struct pv_type *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* ---- roots ---- */

struct module_ranges {
	struct range data, bss;
	struct range all[4];		/* noptrdata, data, bss, noptrbss */
	uint64_t data_mask, bss_mask;	/* &md.gcdatamask, &md.gcbssmask */
};

static bool module_ranges(struct ld_mark *p, uint64_t md,
			  struct module_ranges *m, uint64_t *next)
{
	const struct ld_rt_moduledata *l = &p->s->rt->md;
	const int64_t offs[] = { l->noptrdata, l->enoptrdata, l->data,
				 l->edata, l->bss, l->ebss, l->noptrbss,
				 l->enoptrbss, l->next };
	uint64_t v[9];

	for (size_t i = 0; i < 9; i++)
		if (offs[i] < 0 || !rd(p, md + (uint64_t)offs[i], &v[i], 8))
			return false;
	m->data = (struct range){ v[2], v[3] };
	m->bss = (struct range){ v[4], v[5] };
	/* Exactly Go's sections: C statics of a cgo binary may lie between. */
	for (size_t i = 0; i < 4; i++)
		m->all[i] = (struct range){ v[2 * i], v[2 * i + 1] };
	*next = v[8];
	m->data_mask = l->gcdatamask >= 0 ? md + (uint64_t)l->gcdatamask : 0;
	m->bss_mask = l->gcbssmask >= 0 ? md + (uint64_t)l->gcbssmask : 0;
	return true;
}

/*
 * Scan [lo, hi) of a module's data or bss through the compiler's pointer
 * bitmap (a runtime.bitvector at mask): only words the GC itself treats
 * as pointers.  A uintptr holding an address (runtime.gcrash's stack
 * bounds, say) keeps nothing alive in Go, so skipping it is sound.
 * Without a usable bitmap, every word is scanned.
 */
static void scan_global(struct ld_mark *p, uint64_t base, uint64_t lo,
			uint64_t hi, uint64_t mask)
{
	uint64_t hdr[2], nbits;
	uint8_t *bits;

	if (!mask || !rd(p, mask, hdr, sizeof(hdr)) ||
	    (nbits = (uint32_t)hdr[0]) < (hi - base) / 8 || nbits > (1u << 28) ||
	    !(bits = malloc(nbits / 8 + 1))) {
		root_range(p, lo, hi);
		return;
	}
	if (!rd(p, hdr[1], bits, nbits / 8 + (nbits % 8 != 0))) {
		free(bits);
		root_range(p, lo, hi);
		return;
	}
	begin_root(p, lo, hi);
	for (uint64_t a = (lo + 7) & ~7ull; a + 8 <= hi; a += 8) {
		uint64_t i = (a - base) / 8, w;

		if (!(bits[i / 8] >> (i % 8) & 1))
			continue;
		if (!rd(p, a, &w, 8)) {
			unreadable(p, a, 8);
			continue;
		}
		if (w - p->lo < p->hi - p->lo) {
			p->scan_at = a;
			mark_word(p, w);
		}
	}
	free(bits);
}

/* A module's data and bss, minus runtime.semtable (waiter bookkeeping). */
static void scan_module(struct ld_mark *p, const struct module_ranges *m)
{
	const struct ld_rt *rt = p->s->rt;
	uint64_t sl = rt->semtable ? rt->semtable + p->s->bias : 0;
	uint64_t sh = sl + rt->blk.semtable_size;
	const struct range r[2] = { m->data, m->bss };
	const uint64_t mask[2] = { m->data_mask, m->bss_mask };

	for (int i = 0; i < 2; i++) {
		if (sl && sl >= r[i].lo && sh <= r[i].hi) {
			scan_global(p, r[i].lo, r[i].lo, sl, mask[i]);
			scan_global(p, r[i].lo, sh, r[i].hi, mask[i]);
		} else {
			scan_global(p, r[i].lo, r[i].lo, r[i].hi, mask[i]);
		}
	}
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

struct ranges {
	struct range *v;
	size_t n, cap;
};

static bool ranges_add(struct ranges *r, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return true;
	if (!ld_grow((void **)&r->v, &r->cap, r->n + 1, sizeof(*r->v)))
		return false;
	r->v[r->n++] = (struct range){ lo, hi };
	return true;
}

/* Sort and merge overlapping ranges. */
static void ranges_merge(struct ranges *r)
{
	size_t k = 0;

	qsort(r->v, r->n, sizeof(*r->v), cmp_range);
	for (size_t i = 0; i < r->n; i++) {
		if (k && r->v[i].lo <= r->v[k - 1].hi) {
			if (r->v[i].hi > r->v[k - 1].hi)
				r->v[k - 1].hi = r->v[i].hi;
		} else {
			r->v[k++] = r->v[i];
		}
	}
	r->n = k;
}

static bool add_range(void *arg, uint64_t lo, uint64_t hi)
{
	return ranges_add(arg, lo, hi);
}

static bool target_mappings(struct ld_mark *p, struct ranges *out)
{
	return ld_target_mappings(&p->s->target, add_range, out);
}

/*
 * Every writable mapping outside the heap arenas, the modules' data and
 * the runtime's span structures (whose startAddr names each span's first
 * object whether or not anything uses it).
 */
static bool scan_other_memory(struct ld_mark *p,
			      const struct ranges *modules)
{
	struct ranges maps = { 0 }, skip = { 0 };
	const uint64_t *arenas;
	size_t narenas, j = 0;
	bool ok = true;

	if (!target_mappings(p, &maps)) {
		free(maps.v);
		p->st->no_mappings = true;
		return true;
	}
	if (ld_heap_arenas(p->h, &arenas, &narenas))
		narenas = 0;
	for (size_t i = 0; ok && i < narenas; i++)
		ok = ranges_add(&skip, ld_heap_arena_base(arenas[i]),
				ld_heap_arena_base(arenas[i]) +
				LD_HEAP_ARENA_BYTES);
	for (size_t i = 0; ok && i < modules->n; i++)
		ok = ranges_add(&skip, modules->v[i].lo, modules->v[i].hi);
	for (size_t i = 0; ok && i < p->nspans; i++)
		ok = ranges_add(&skip, p->spans[i].mspan, p->spans[i].mspan +
				p->rt->heap.mspan_size);
	if (!ok)
		goto out;
	ranges_merge(&maps);
	ranges_merge(&skip);
	p->base_only = p->s->cgo_disabled;
	for (size_t i = 0; i < maps.n; i++) {
		uint64_t at = maps.v[i].lo, end = maps.v[i].hi;

		while (j < skip.n && skip.v[j].hi <= at)
			j++;
		for (size_t k = j; at < end; k++) {
			uint64_t stop = k < skip.n && skip.v[k].lo < end ?
					skip.v[k].lo : end;

			if (stop > at) {
				p->st->other_bytes += stop - at;
				root_range(p, at, stop);
			}
			if (k >= skip.n || skip.v[k].lo >= end)
				break;
			at = skip.v[k].hi;
		}
	}
	p->base_only = false;
out:
	free(maps.v);
	free(skip.v);
	return ok;
}

/* Objects with a finalizer keep what they point to (not themselves). */
static void scan_finalizers(struct ld_mark *p)
{
	const struct ld_rt_heap *l = &p->rt->heap;
	int64_t kind = p->rt->kind_special_finalizer;
	/* Go 1.25 widened special.offset from uint16 to uintptr. */
	unsigned int width = l->special_kind - l->special_offset == 2 ? 2 : 8;

	if (l->span_specials < 0 || l->special_next < 0 ||
	    l->special_offset < 0 || l->special_kind < 0 || kind < 0)
		return;
	for (size_t i = 0; i < p->nspans; i++) {
		const struct pv_span *sp = &p->spans[i];
		uint64_t sp_addr = read_word(p, sp->mspan +
						(uint64_t)l->span_specials);
		uint64_t bound = (uint64_t)sp->nelems * 8 + 16;

		for (uint64_t n = 0; sp_addr && n < bound; n++) {
			uint8_t rec[32];
			uint64_t next, off = 0, base, size;
			uint32_t sid, slot;

			if ((size_t)l->special_kind >= sizeof(rec) ||
			    !rd(p, sp_addr, rec, (size_t)l->special_kind + 1)) {
				unreadable(p, sp_addr, 8);
				break;
			}
			memcpy(&next, rec + l->special_next, 8);
			memcpy(&off, rec + l->special_offset, width);
			if (rec[l->special_kind] == (uint8_t)kind &&
			    find_object(p, sp->base + off, &sid, &slot)) {
				p->st->finalizers++;
				object_range(p, sid, slot, &base, &size);
				root_range(p, base, base + size);
				root_range(p, sp_addr, sp_addr +
					   l->specialfinalizer_size);
			}
			sp_addr = next;
		}
	}
}

/* ---- stacks, precisely where the compiler's stack maps allow ---- */

/* funcdata and pcdata indexes (internal/abi/symtab.go, 1.21-1.27) */
#define FUNCDATA_ARGS_POINTER_MAPS	0
#define FUNCDATA_LOCALS_POINTER_MAPS	1
#define FUNCDATA_STACK_OBJECTS		2
#define ARGS_SIZE_UNKNOWN		INT32_MIN
#define MAX_BITMAP_WORDS		(1u << 20)

/* A word of g's stack, from the prefetched window when there is one. */
static bool rd_stack(struct ld_mark *p, const struct ld_goroutine *g,
		     uint64_t addr, uint64_t *w)
{
	struct ld_error *err = ld_session_read_stack(p->s, g, addr, w);

	ld_error_destroy(err);
	return !err;
}

/* [lo, hi) of g's stack, whole. */
static void scan_stack_range(struct ld_mark *p, const struct ld_goroutine *g,
			     uint64_t lo, uint64_t hi)
{
	const uint8_t *v;

	lo = (lo + 7) & ~7ull;
	hi &= ~7ull;
	if (hi <= lo)
		return;
	v = ld_session_stack_window(p->s, g, lo, hi - lo);
	if (!v) {
		root_range(p, lo, hi);
		return;
	}
	begin_root(p, lo, hi);
	scan_words(p, lo, v, hi - lo);
}

/* The words of [base, base + 8 * nbit) whose bit is set in bits. */
static void scan_bitmap(struct ld_mark *p, const struct ld_goroutine *g,
			uint64_t base, const uint8_t *bits, int32_t nbit)
{
	p->st->root_bytes += (uint64_t)nbit * 8;
	p->scan_lo = base;
	p->scan_hi = base + (uint64_t)nbit * 8;
	for (int32_t i = 0; i < nbit; i++) {
		uint64_t w;

		if (!(bits[i / 8] >> (i % 8) & 1))
			continue;
		if (!rd_stack(p, g, base + (uint64_t)i * 8, &w)) {
			unreadable(p, base + (uint64_t)i * 8, 8);
			continue;
		}
		if (w - p->lo < p->hi - p->lo) {
			p->scan_at = base + (uint64_t)i * 8;
			mark_word(p, w);
		}
	}
}

/*
 * Bitmap idx of a runtime.stackmap in the go:func.* area: false when the
 * map is absent, cut short or has no such entry.  A map without pointers
 * (nbit 0) needs no entry: *nbit 0, as the runtime.
 */
static bool stackmap_bits(const uint8_t *sm, const uint8_t *end, int32_t idx,
			  const uint8_t **bits, int32_t *nbit)
{
	int32_t n, nb;
	size_t off, len;

	if (!sm || end - sm < 8)
		return false;
	memcpy(&n, sm, 4);
	memcpy(&nb, sm + 4, 4);
	*bits = NULL;
	*nbit = 0;
	if (!nb)
		return true;
	if (n <= 0 || nb < 0 || (uint32_t)nb > MAX_BITMAP_WORDS ||
	    idx < 0 || idx >= n)
		return false;
	len = ((size_t)nb + 7) / 8;
	off = 8 + (size_t)idx * len;
	if ((size_t)(end - sm) < off + len)
		return false;
	*bits = sm + off;
	*nbit = nb;
	return true;
}

/*
 * One frame as runtime.scanframeworker does: locals and arguments through
 * their stack maps at the frame's PC, every stack object whole.  Returns
 * false when the frame has no usable map (then it is scanned whole).
 */
static bool scan_frame_precise(struct ld_mark *p, const struct ld_unwinder *u,
			       uint64_t varp)
{
	const struct ld_goroutine *g = u->g;
	const struct ld_pcln *pcln = p->s->pcln;
	const uint8_t *end = p->s->gofunc + p->s->gofunc_size;
	const uint8_t *lm, *am, *objs, *bits;
	int32_t idx = -1, nbit;

	if (u->pc != u->fn.entry)
		idx = ld_pcln_pcdata(pcln, &u->fn, LD_PCDATA_STACK_MAP_INDEX,
				     u->pc - 1);
	if (idx == -1)
		idx = 0;	/* the prologue: as the runtime, hope for 0 */
	if (u->fn.args == ARGS_SIZE_UNKNOWN)
		return false;	/* reflect stubs */
	lm = ld_pcln_funcdata(pcln, &u->fn, FUNCDATA_LOCALS_POINTER_MAPS);
	am = ld_pcln_funcdata(pcln, &u->fn, FUNCDATA_ARGS_POINTER_MAPS);
	if (varp > u->sp) {
		if (!stackmap_bits(lm, end, idx, &bits, &nbit) ||
		    (uint64_t)nbit * 8 > varp - u->sp)
			return false;
		scan_bitmap(p, g, varp - (uint64_t)nbit * 8, bits, nbit);
	}
	if (u->fn.args > 0) {
		if (!stackmap_bits(am, end, idx, &bits, &nbit))
			return false;
		scan_bitmap(p, g, u->argp, bits, nbit);
	}
	objs = ld_pcln_funcdata(pcln, &u->fn, FUNCDATA_STACK_OBJECTS);
	if (objs && end - objs >= 8) {
		uint64_t n;

		memcpy(&n, objs, 8);
		for (uint64_t i = 0; i < n && (uint64_t)(end - objs) >= 8 + (i + 1) * 16; i++) {
			int32_t off, size;
			uint64_t ptr;

			memcpy(&off, objs + 8 + i * 16, 4);
			memcpy(&size, objs + 8 + i * 16 + 4, 4);
			ptr = (off < 0 ? varp : u->argp) + (uint64_t)(int64_t)off;
			if (ptr >= u->sp && size > 0)
				scan_stack_range(p, g, ptr, ptr + (uint64_t)size);
		}
	}
	return true;
}

/*
 * A parked goroutine's stack, frame by frame: stale words in dead slots
 * (left by an earlier, deeper call or a previous owner of the memory)
 * would otherwise keep dropped primitives "reachable".  Frames without
 * maps, async-preempted frames and their parents, and whatever the walk
 * did not reach are scanned whole.  false: not walked at all.
 */
static bool scan_stack_precise(struct ld_mark *p, const struct ld_goroutine *g)
{
	const struct ld_rt_funcids *fid = &p->rt->fid;
	uint64_t covered = g->sp, d = 0, pn = 0;
	struct ld_unwinder u;
	bool whole_next = false;

	if (!p->s || !p->s->pcln || !p->s->gofunc ||
	    (g->flags & (LD_G_NO_STACK | LD_G_HAS_REGS)) ||
	    p->rt->g.defer_ < 0 || p->rt->g.panic_ < 0 ||
	    !rd(p, g->addr + (uint64_t)p->rt->g.defer_, &d, 8) ||
	    !rd(p, g->addr + (uint64_t)p->rt->g.panic_, &pn, 8) || d || pn)
		return false;
	ld_unwind_init(&u, p->s, g, g->pc, g->sp, 0);
	for (; ld_unwind_valid(&u) && u.fp; ld_unwind_next(&u)) {
		uint64_t varp = u.fp - 8;
		bool injected = u.fn.funcid == fid->async_preempt ||
				u.fn.funcid == fid->debug_call_v2;

		if (varp > u.sp)
			varp -= 8;	/* the saved frame pointer */
		if (u.sp < covered || u.fp > g->stack_hi)
			break;
		if (whole_next || injected ||
		    !scan_frame_precise(p, &u, varp)) {
			scan_stack_range(p, g, u.sp, u.fp);
			if (u.fn.args > 0)
				scan_stack_range(p, g, u.argp, u.argp +
						 (uint64_t)u.fn.args);
		}
		whole_next = injected;
		covered = u.fp;
	}
	/* What the walk did not reach (an assembly frame, bad data). */
	if (covered < g->stack_hi)
		scan_stack_range(p, g, covered, g->stack_hi);
	p->st->precise_stacks++;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void scan_goroutine(struct ld_mark *p, const struct ld_goroutine *g);

/*
 * Goroutines gis[0..n) (indexes into s->gs), sorted here, as roots: their
 * stack tops are prefetched LD_BATCH goroutines at a time.
 */
static void scan_goroutines(struct ld_mark *p, uint32_t *gis, size_t n)
{
	static const struct ld_walk_ops walk = {
		.flags = LD_WALK_TRIM | LD_WALK_STACKS,
	};
	struct ld_session *s = p->s;
	struct ld_walk w;
	size_t i;

	qsort(gis, n, sizeof(*gis), cmp_u32);
	ld_walk_begin_subset(&w, s, gis, n, &walk, NULL);
	while (ld_walk_next(&w, &i))
		scan_goroutine(p, &s->gs[gis[i]]);
	ld_walk_end(&w);
}

/* A goroutine's stack (from where it stopped) and its g as roots. */
static void scan_goroutine(struct ld_mark *p, const struct ld_goroutine *g)
{
	uint64_t lo = g->sp;

	if (!scan_stack_precise(p, g)) {
		if ((g->flags & LD_G_NO_STACK) || lo < g->stack_lo ||
		    lo > g->stack_hi)
			lo = g->stack_lo;
		if (g->stack_hi > lo && g->stack_hi - lo <= MAX_STACK_SCAN)
			root_range(p, lo, g->stack_hi);
	}
	root_range(p, g->addr, g->addr + p->rt->g.size);
	p->st->root_goroutines++;
}

static void scan_registers(struct ld_mark *p)
{
	for (size_t i = 0; i < p->s->nthreads; i++) {
		const struct ld_thread_regs *r = &p->s->threads[i];

		scan_words(p, 0, (const uint8_t *)r->regs,
			   r->nregs * sizeof(r->regs[0]));
	}
}

/* g structs and the sudogs on waiting lists are never scanned. */
/*
 * The waitlink chains are followed a step at a time for every goroutine
 * at once, each step one batched read (one system call per IOV_MAX
 * sudogs on a live process, rather than one per sudog).
 */
static void mark_bookkeeping(struct ld_mark *p)
{
	const struct ld_rt_blocking *k = &p->s->rt->blk;
	struct ld_mem_iov *v = calloc(p->s->ngs + 1, sizeof(*v));
	uint64_t *next = calloc(p->s->ngs + 1, sizeof(*next));
	size_t n = 0;

	for (size_t i = 0; i < p->s->ngs; i++) {
		mark_opaque(p, p->s->gs[i].addr);
		if (p->s->gs[i].waiting)
			next[n++] = p->s->gs[i].waiting;
	}
	if (!v || !next || k->sudog_waitlink < 0)
		n = 0;
	for (int step = 0; n && step < MAX_SUDOGS; step++) {
		size_t m = 0;

		/*
		 * A sudog seen before ends the chain: the waiters on one
		 * semaphore share a waitlink list, so walking it from each
		 * of them would be quadratic.
		 */
		for (size_t i = 0; i < n; i++)
			if (mark_opaque(p, next[i]))
				next[m++] = next[i];
		n = m;
		m = 0;
		for (size_t i = 0; i < n; i++) {
			v[i] = (struct ld_mem_iov){
				next[i] + (uint64_t)k->sudog_waitlink,
				&next[i], 8, false };
		}
		ld_mem_read_batch(p->mem, v, n);
		for (size_t i = 0; i < n; i++)
			if (v[i].ok && next[i])
				next[m++] = next[i];
		n = m;
	}
	free(v);
	free(next);
}

/* ---- the bare engine ---- */

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
	err = p->buf ? build_index(p) : &ld_error_nomem;
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
	root_range(m, lo, hi);
}

void ld_mark_opaque(struct ld_mark *m, uint64_t addr)
{
	(void)mark_opaque(m, addr);
}

void ld_mark_drain(struct ld_mark *m)
{
	drain(m);
}

enum ld_mark_state ld_mark_state(const struct ld_mark *m, uint64_t addr)
{
	uint32_t sid, slot;

	if (!find_object(m, addr, &sid, &slot))
		return LD_MARK_NOT_HEAP;
	return bit_get(m->mark, m->spans[sid].bit + slot) ? LD_MARK_MARKED :
	       LD_MARK_UNMARKED;
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
		drain(m);
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
			for (int r = 0; r < 2 && !(x->g && m->s); r++)
				if (x->hi[r] > x->lo[r])
					root_range(m, x->lo[r], x->hi[r]);
			pending[k] = pending[--np];
			again = true;
		}
		scan_goroutines(m, gis, ngis);
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
	free(p);
}

/* ---- verdicts ---- */

static bool is_primitive(enum ld_block_kind k)
{
	return k == LD_BK_CHAN || k == LD_BK_MUTEX || k == LD_BK_RWMUTEX ||
	       k == LD_BK_WAITGROUP || k == LD_BK_COND || k == LD_BK_SEMA;
}

static uint64_t primitive_addr(const struct ld_object *o)
{
	return o->kind != LD_BK_CHAN && o->sema ? o->sema : o->addr;
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
	/* The wait reason's class, decided once per reason by blocking.c. */
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

static struct ld_error *roots(struct ld_mark *p)
{
	struct ranges modules = { 0 };
	uint64_t md = p->s->rt->firstmoduledata + p->s->bias, next;
	struct module_ranges m;
	bool ok = true;

	for (int i = 0; md && i < MAX_MODULES; i++, md = next) {
		if (!module_ranges(p, md, &m, &next)) {
			unreadable(p, md, 8);
			break;
		}
		if (i == 0 && p->s->rt->md.types >= 0 &&
		    p->s->rt->md.etypes >= 0) {
			p->types_lo = read_word(p, md + (uint64_t)p->s->rt->md.types);
			p->types_hi = read_word(p, md + (uint64_t)p->s->rt->md.etypes);
		}
		scan_module(p, &m);
		for (int k = 0; ok && k < 4; k++)
			ok = ranges_add(&modules, m.all[k].lo, m.all[k].hi);
		if (!ok)
			break;
	}
	scan_registers(p);
	scan_finalizers(p);
	if (ok)
		ok = scan_other_memory(p, &modules);
	free(modules.v);
	return ok ? NULL : &ld_error_nomem;
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
		add_gap(pv, "%llu bytes unreadable (first at 0x%llx)",
			(unsigned long long)st->unreadable_bytes,
			(unsigned long long)st->first_unreadable);
	if (st->spans_unreadable)
		add_gap(pv, "%llu heap spans or arenas unreadable",
			(unsigned long long)st->spans_unreadable);
	if (st->no_mappings)
		add_gap(pv, "memory outside the Go heap not listed for this target");
	if (p->oom)
		add_gap(pv, "out of memory while marking");
	pv->proven = !pv->gaps[0];
}

/*
 * The fixed point for ld_prove_run: goroutines with a verdict to decide
 * become waiters on their primitives; running, runnable and otherwise
 * waiting goroutines are roots from the start.
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
			continue;
		}
		if (pv->verdict[i] != LD_VERDICT_NONE)
			continue;
		bl = ld_blocking_of(p->b, i, &nb);
		w[n].prims = prims + np;
		for (unsigned int k = 0; k < nb; k++)
			if (!p->b->objs[bl[k].obj].nil)
				prims[np++] = primitive_addr(&p->b->objs[bl[k].obj]);
		w[n].nprims = (unsigned int)(prims + np - w[n].prims);
		w[n++].g = g;
	}
	scan_goroutines(p, roots_gi, nroots);
	free(roots_gi);
	pv->st.iterations = ld_mark_fixed_point(p, w, n, woke);
	for (size_t k = 0; k < n; k++) {
		size_t gi = (size_t)(w[k].g - s->gs);

		pv->verdict[gi] = woke[k] ? LD_VERDICT_MAY_WAKE :
				  LD_VERDICT_LEAKED;
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
	mark_bookkeeping(p);
	err = roots(p);
	if (!err)
		err = fixed_point(pv, p);
	if (err)
		return err;
	finish_verdicts(pv, p);
	record_gaps(pv, p);
	return NULL;
}

struct ld_error *ld_prove_run(struct ld_session *s, struct ld_blocking *b,
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
	pv->priv->b = b;
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
	scan_goroutines(p, sorted, n);
	free(sorted);
	for (size_t i = 0; i < n; i++) {
		const struct ld_goroutine *g = &p->s->gs[gis[i]];
		unsigned int nb;
		const struct ld_blocker *bl = ld_blocking_of(p->b, gis[i], &nb);

		ret->stack_bytes += g->stack_hi - g->stack_lo;
		/* What it waits on, held by its sudogs (which we never scan). */
		for (unsigned int j = 0; j < nb; j++)
			if (!p->b->objs[bl[j].obj].nil)
				mark_word(p, primitive_addr(&p->b->objs[bl[j].obj]));
	}
	drain(p);
	p->retain = false;
	p->acc = NULL;
	qsort(p->types, p->ntypes, sizeof(*p->types), cmp_types);
	for (k = 0; k < p->ntypes && k < LD_RETAINED_TOP; k++) {
		ret->top[k].name = type_key_name(p, p->types[k].key);
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
