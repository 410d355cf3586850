// SPDX-License-Identifier: MIT
/*
 * Precise scanning: a marked object is scanned through the pointer
 * information the garbage collector itself uses (runtime/mbitmap.go,
 * mgcmark.go scanobject of each release), so that scalar words that look
 * like pointers and dead slots of an object keep nothing marked:
 *
 *   Go 1.21    heapArena.bitmap: one bit per heap word of the arena; a set
 *              bit of noMorePtrs[i] says the object has no pointers past
 *              bitmap word i (heapBitsForAddr).
 *   Go 1.22+   spans of objects up to 512 bytes (heapBitsInSpan): one bit
 *              per word of the span in the span's last npages*8192/64
 *              bytes, before greenteagc's 128 bytes of inline mark bits
 *              (Go 1.25 experiment, 1.26 default; spanHeapBitsRange).
 *              Bigger small objects: an 8-byte *_type header at the start
 *              of the slot, the data after it.  Large objects:
 *              mspan.largeType.  The type's GCData mask (one bit per word
 *              up to PtrBytes) repeats every Size_ bytes up to the end of
 *              the slot (typePointers.next).
 *
 * Types are decoded once: a Go 1.22-1.23 GC program (Kind_&KindGCProg)
 * or a Go 1.24+ on-demand mask not built yet leaves the type unusable.
 * Whatever cannot be read is scanned word by word and counted.
 */
#include <stdlib.h>

#include "prove/prove_priv.h"

#define SMALL_HEAP_BITS_MAX	512	/* minSizeForMallocHeader */
#define MALLOC_HEADER		8
#define KIND_GC_PROG		(1u << 6)	/* Go 1.22-1.23 abi.KindGCProg */
#define TFLAG_GCMASK_ON_DEMAND	(1u << 4)	/* Go 1.24+ */
#define MAX_MASK_BYTES		(64ull << 20)	/* sanity bound on a mask */
#define TYPE_READ		128	/* bytes of an abi.Type read */
#define INLINE_MARK_BITS	128	/* greenteagc spanInlineMarkBits */
/* Go 1.21 heapArena: 64 MiB / 8 bits, and one bit per bitmap word. */
#define ARENA_BITMAP_BYTES	(LD_HEAP_ARENA_BYTES / 8 / 8)
#define ARENA_NO_MORE_BYTES	(ARENA_BITMAP_BYTES / 8 / 8)

uint8_t ld_prove_span_ptrs(const struct ld_mark *p,
			   const struct ld_heap_span *hs)
{
	const struct ld_rt *rt = p->rt;

	if (ld_heap_span_noscan(hs))
		return PV_PTRS_NONE;
	if (rt->span_heap_bits) {
		if (hs->elemsize <= SMALL_HEAP_BITS_MAX)
			return PV_PTRS_SPAN_BITS;
		return ld_heap_span_sizeclass(hs) ? PV_PTRS_HEADER :
		       PV_PTRS_LARGE;
	}
	if (rt->arena_ptr_bitmap && rt->heap.ha_bitmap >= 0 &&
	    rt->heap.ha_no_more_ptrs >= 0)
		return PV_PTRS_ARENA;
	return PV_PTRS_CONSERVATIVE;
}

/* Bytes the span cache reads: the whole span when heap bits end it. */
uint64_t ld_prove_span_read_len(const struct pv_span *sp)
{
	if (sp->ptrs == PV_PTRS_SPAN_BITS)
		return (uint64_t)sp->npages * LD_HEAP_PAGE_SIZE;
	return sp->limit - sp->base;
}

/* n <= 64 bits of bm from bit pos, the first in bit 0. */
static inline uint64_t bits_at(const uint8_t *bm, uint64_t pos, unsigned int n)
{
	const uint8_t *b = bm + pos / 8;
	unsigned int sh = pos & 7, nbytes = (sh + n + 7) / 8;
	uint64_t m = 0;

	for (unsigned int k = 0; k < nbytes && k < 8; k++)
		m |= (uint64_t)b[k] << (8 * k);
	m >>= sh;
	if (nbytes > 8)
		m |= (uint64_t)b[8] << (64 - sh);
	return n < 64 ? m & ((1ull << n) - 1) : m;
}

/* The object being scanned: its bytes, or a window of them in p->buf. */
struct pv_obj {
	uint64_t base, size;
	const uint8_t *v;		/* all of it, or NULL */
	uint64_t wlo, whi;		/* window [wlo, whi) of offsets */
	bool wbad;			/* the window is unreadable */
};

static bool obj_word(struct ld_mark *p, struct pv_obj *o, uint64_t off,
		     uint64_t *w)
{
	if (o->v) {
		memcpy(w, o->v + off, 8);
		return true;
	}
	if (off < o->wlo || off >= o->whi) {
		uint64_t n = o->size - off < SCAN_CHUNK ? o->size - off :
			     SCAN_CHUNK;

		o->wlo = off;
		o->whi = off + n;
		o->wbad = !ld_prove_rd(p, o->base + off, p->buf, n);
		if (o->wbad) {
			/* Count the missing page once, go on after it. */
			uint64_t at = o->base + off;
			uint64_t k = 4096 - (at & 4095);

			o->whi = off + (k < o->size - off ? k : o->size - off);
			o->wbad = !ld_prove_rd(p, at, p->buf, o->whi - off);
			if (o->wbad)
				ld_prove_unreadable(p, at, o->whi - off);
		}
	}
	if (o->wbad)
		return false;
	memcpy(w, p->buf + (off - o->wlo), 8);
	return true;
}

static inline void ptr_at(struct ld_mark *p, struct pv_obj *o, uint64_t off)
{
	uint64_t w;

	if (off + 8 > o->size || !obj_word(p, o, off, &w))
		return;
	if (w - p->lo < p->hi - p->lo) {
		p->scan_at = o->base + off;
		ld_prove_mark_word(p, w);
	}
}

/* Every word, as before pointer bitmaps (counted). */
static void scan_all(struct ld_mark *p, struct pv_obj *o)
{
	p->st->conservative_objects++;
	p->st->conservative_bytes += o->size;
	if (o->v) {
		ld_prove_scan_words(p, o->base, o->v, o->size & ~7ull);
		return;
	}
	for (uint64_t off = 0; off + 8 <= o->size; off += 8)
		ptr_at(p, o, off);
}

/* Words off0 + 8 * i for the set bits i of bm[pos, pos + n). */
static void scan_bits(struct ld_mark *p, struct pv_obj *o, const uint8_t *bm,
		      uint64_t pos, uint64_t n, uint64_t off0)
{
	for (uint64_t i = 0; i < n; i += 64) {
		uint64_t m = bits_at(bm, pos + i, n - i < 64 ?
				     (unsigned int)(n - i) : 64);

		while (m) {
			unsigned int b = (unsigned int)__builtin_ctzll(m);

			m &= m - 1;
			ptr_at(p, o, off0 + (i + b) * 8);
		}
	}
}

/* What gctype reads of an abi.Type. */
struct type_info {
	uint64_t size, ptrbytes, gcdata;
	uint8_t kind, tflag;
	uint8_t buf[TYPE_READ];
};

static bool read_type(struct ld_mark *p, uint64_t t, struct type_info *ti)
{
	const struct ld_rt *rt = p->rt;
	const struct ld_rt_heap *l = &rt->heap;

	if (!t || (t & 7) || rt->blk.type_size < 0 || l->type_ptrbytes < 0 ||
	    l->type_gcdata < 0 || l->type_kind < 0 || rt->blk.type_tflag < 0 ||
	    rt->blk.type_size + 8 > TYPE_READ ||
	    l->type_ptrbytes + 8 > TYPE_READ ||
	    l->type_gcdata + 8 > TYPE_READ || l->type_kind >= TYPE_READ ||
	    rt->blk.type_tflag >= TYPE_READ ||
	    !ld_prove_rd(p, t, ti->buf, sizeof(ti->buf)))
		return false;
	ti->kind = ti->buf[l->type_kind];
	ti->tflag = ti->buf[rt->blk.type_tflag];
	memcpy(&ti->size, ti->buf + rt->blk.type_size, 8);
	memcpy(&ti->ptrbytes, ti->buf + l->type_ptrbytes, 8);
	memcpy(&ti->gcdata, ti->buf + l->type_gcdata, 8);
	return true;
}

/* A member of the type's own record past abi.Type (an array's Len, ...). */
static bool type_word(const struct type_info *ti, int64_t off, uint64_t *v)
{
	if (off < 0 || off + 8 > TYPE_READ)
		return false;
	memcpy(v, ti->buf + off, 8);
	return true;
}

/* Set bits [at, at + n) of dst from src's first n bits. */
static void copy_bits(uint8_t *dst, uint64_t at, const uint8_t *src,
		      uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (src[i / 8] >> (i % 8) & 1)
			dst[(at + i) / 8] |= (uint8_t)(1u << ((at + i) % 8));
}

static const struct pv_gctype *gctype(struct ld_mark *p, uint64_t t);

/*
 * Put the mask of field type t at byte off of mask (nbits long).  true
 * when it has no pointers (a scalar may sit at any offset) or was put;
 * false when it cannot be read.  The sub-type's own entry may move
 * p->gctypes: its mask is copied at once.
 */
static bool put_subtype(struct ld_mark *p, uint64_t t, uint64_t off,
			uint8_t *mask, uint64_t nbits)
{
	const struct pv_gctype *e;
	struct type_info ti;

	if (!read_type(p, t, &ti))
		return false;
	if (!ti.ptrbytes)
		return true;
	e = gctype(p, t);
	if (!e || (off & 7) || off / 8 + e->ptr_words > nbits)
		return false;
	copy_bits(mask, off / 8, e->mask, e->ptr_words);
	return true;
}

#define KIND_MASK	31	/* abi.KindMask */
#define KIND_ARRAY	17	/* abi.Array */
#define KIND_STRUCT	25	/* abi.Struct */
#define MAX_FIELDS	65536	/* sanity bound on a struct's fields */
#define MAX_NESTING	32	/* on-demand types inside on-demand types */
#define FIELDS_AT_ONCE	64

static bool build_struct_mask(struct ld_mark *p, const struct type_info *ti,
			      uint8_t *mask, uint64_t nbits)
{
	const struct ld_rt_heap *l = &p->rt->heap;
	uint64_t fields, n, fsz = l->structfield_size;
	uint8_t buf[FIELDS_AT_ONCE * 64];

	if (!type_word(ti, l->structtype_fields, &fields) ||
	    !type_word(ti, l->structtype_fields + 8, &n) || n > MAX_FIELDS ||
	    fsz < 16 || fsz > 64 || l->structfield_typ < 0 ||
	    l->structfield_offset < 0 ||
	    (uint64_t)l->structfield_typ + 8 > fsz ||
	    (uint64_t)l->structfield_offset + 8 > fsz)
		return false;
	for (uint64_t i = 0; i < n; i += FIELDS_AT_ONCE) {
		uint64_t k = n - i < FIELDS_AT_ONCE ? n - i : FIELDS_AT_ONCE;

		if (!ld_prove_rd(p, fields + i * fsz, buf, k * fsz))
			return false;
		for (uint64_t j = 0; j < k; j++) {
			uint64_t ft, off;

			memcpy(&ft, buf + j * fsz + l->structfield_typ, 8);
			memcpy(&off, buf + j * fsz + l->structfield_offset, 8);
			if (off >= ti->size ||
			    !put_subtype(p, ft, off, mask, nbits))
				return false;
		}
	}
	return true;
}

static bool build_array_mask(struct ld_mark *p, const struct type_info *ti,
			     uint8_t *mask, uint64_t nbits)
{
	const struct ld_rt_heap *l = &p->rt->heap;
	const struct pv_gctype *e;
	uint64_t elem, len;
	struct type_info et;

	if (!type_word(ti, l->arraytype_elem, &elem) ||
	    !type_word(ti, l->arraytype_len, &len) ||
	    !read_type(p, elem, &et) || !et.size || (et.size & 7) ||
	    !et.ptrbytes || len > ti->size / et.size)
		return false;
	e = gctype(p, elem);
	if (!e)
		return false;
	/* Only the elements the mask reaches: their pointers end there. */
	for (uint64_t i = 0; i < len && i * e->size_words < nbits; i++) {
		if (i * e->size_words + e->ptr_words > nbits)
			return false;
		copy_bits(mask, i * e->size_words, e->mask, e->ptr_words);
	}
	return true;
}

/*
 * Go 1.24+: a big type's mask is built by the runtime on first use
 * (runtime.buildGCMask) and a heap that never saw a GC has none yet.
 * Built here the same way: an array from its element's mask, a struct
 * from its fields'; any other kind has a mask of its own.
 */
static uint8_t *build_mask(struct ld_mark *p, const struct type_info *ti)
{
	uint64_t nbits = ti->ptrbytes / 8;
	uint8_t *mask;
	bool ok = false;

	if (p->gctype_nesting >= MAX_NESTING ||
	    !(mask = calloc(1, (size_t)((nbits + 7) / 8))))
		return NULL;
	p->gctype_nesting++;
	if ((ti->kind & KIND_MASK) == KIND_ARRAY)
		ok = build_array_mask(p, ti, mask, nbits);
	else if ((ti->kind & KIND_MASK) == KIND_STRUCT)
		ok = build_struct_mask(p, ti, mask, nbits);
	p->gctype_nesting--;
	if (!ok) {
		free(mask);
		return NULL;
	}
	p->st->built_masks++;
	return mask;
}

/* The decoded pointer mask of the type at t, or NULL. */
static const struct pv_gctype *gctype(struct ld_mark *p, uint64_t t)
{
	const struct ld_rt *rt = p->rt;
	const struct ld_rt_heap *l = &rt->heap;
	uint64_t k = ld_u64map_get(&p->gctype_map, t);
	struct pv_gctype g = { 0, 0, NULL };
	struct type_info ti;

	/* No type yet (a slot being allocated) or not a type's address. */
	if (!t || (t & 7))
		return NULL;
	if (k)
		return p->gctypes[k - 1].mask ? &p->gctypes[k - 1] : NULL;
	if (read_type(p, t, &ti)) {
		uint64_t gcdata = ti.gcdata;
		bool ok, built = true;

		ok = ti.size && !(ti.size & 7) && ti.ptrbytes &&
		     !(ti.ptrbytes & 7) && ti.ptrbytes <= ti.size && gcdata &&
		     ti.ptrbytes / 64 < MAX_MASK_BYTES;
		/* Go 1.22-1.23: GCData is a GC program, not a mask. */
		if (rt->type_gcprog_kind && (ti.kind & KIND_GC_PROG))
			ok = false;
		/*
		 * Go 1.24+: GCData points at the mask's pointer, nil until
		 * built and &runtime.inProgress while being built.  A built
		 * mask is persistentalloc'd, never in the runtime's data
		 * and bss, where inProgress (unknown without symbols) is.
		 */
		if (ok && rt->type_gcmask_on_demand &&
		    (ti.tflag & TFLAG_GCMASK_ON_DEMAND)) {
			uint64_t at = gcdata;

			built = ld_prove_rd(p, at, &gcdata, 8) && gcdata &&
				(l->in_progress ?
				 gcdata != l->in_progress + p->bias :
				 p->rtdata_hi > p->rtdata_lo &&
				 (gcdata < p->rtdata_lo ||
				  gcdata >= p->rtdata_hi));
		}
		if (ok && built) {
			size_t nb = (size_t)((ti.ptrbytes / 8 + 7) / 8);

			g.mask = malloc(nb);
			if (g.mask && !ld_prove_rd(p, gcdata, g.mask, nb)) {
				free(g.mask);
				g.mask = NULL;
			}
		} else if (ok) {
			g.mask = build_mask(p, &ti);
		}
		g.size_words = ti.size / 8;
		g.ptr_words = ti.ptrbytes / 8;
	}
	if (!ld_grow((void **)&p->gctypes, &p->cap_gctypes, p->ngctypes + 1,
		     sizeof(*p->gctypes)) ||
	    !ld_u64map_put(&p->gctype_map, t, p->ngctypes + 1)) {
		free(g.mask);
		return NULL;
	}
	p->gctypes[p->ngctypes++] = g;
	return g.mask ? &p->gctypes[p->ngctypes - 1] : NULL;
}

/* A typed object: the mask every size_words from off0 to the slot's end. */
static void scan_typed(struct ld_mark *p, struct pv_obj *o,
		       const struct pv_gctype *g, uint64_t off0)
{
	uint64_t elem = g->size_words * 8;

	for (uint64_t off = off0; off < o->size; off += elem) {
		uint64_t n = g->ptr_words;

		if (n > (o->size - off) / 8)
			n = (o->size - off) / 8;
		scan_bits(p, o, g->mask, 0, n, off);
	}
}

/* Go 1.21: arena ri's bitmap and noMorePtrs, through a cache. */
static const struct pv_arena_bits *arena_bits(struct ld_mark *p, uint64_t ri)
{
	uint64_t k = ld_u64map_get(&p->abits_map, ri + 1), ha;
	struct pv_arena_bits a = { NULL, NULL, NULL };

	if (k)
		return &p->abits[k - 1];
	ha = ld_heap_arena_struct(p->h, ri);
	if (ha) {
		uint64_t bm = ha + (uint64_t)p->rt->heap.ha_bitmap;
		uint64_t nm = ha + (uint64_t)p->rt->heap.ha_no_more_ptrs;

		a.bitmap = ld_mem_peek(p->mem, bm, ARENA_BITMAP_BYTES);
		a.no_more = ld_mem_peek(p->mem, nm, ARENA_NO_MORE_BYTES);
		if (!a.bitmap || !a.no_more) {
			a.owned = malloc(ARENA_BITMAP_BYTES +
					 ARENA_NO_MORE_BYTES);
			if (a.owned &&
			    ld_prove_rd(p, bm, a.owned, ARENA_BITMAP_BYTES) &&
			    ld_prove_rd(p, nm, a.owned + ARENA_BITMAP_BYTES,
					ARENA_NO_MORE_BYTES)) {
				a.bitmap = a.owned;
				a.no_more = a.owned + ARENA_BITMAP_BYTES;
			} else {
				free(a.owned);
				a = (struct pv_arena_bits){ NULL, NULL, NULL };
			}
		}
	}
	if (!ld_grow((void **)&p->abits, &p->cap_abits, p->nabits + 1,
		     sizeof(*p->abits)) ||
	    !ld_u64map_put(&p->abits_map, ri + 1, p->nabits + 1)) {
		free(a.owned);
		return NULL;
	}
	p->abits[p->nabits++] = a;
	return &p->abits[p->nabits - 1];
}

/*
 * Go 1.21 (heapBitsForAddr, heapBits.next): the arena bitmap, one bitmap
 * word (64 heap words) at a time; past a bitmap word whose noMorePtrs bit
 * is set the object has no pointers.  false: a bitmap was unreadable.
 */
static bool scan_arena(struct ld_mark *p, struct pv_obj *o)
{
	uint64_t off = 0;

	while (off + 8 <= o->size) {
		uint64_t a = o->base + off, ri = ld_heap_arena_index(a);
		const struct pv_arena_bits *ab = arena_bits(p, ri);
		uint64_t word, idx, valid, n;

		if (!ab || !ab->bitmap)
			return false;
		word = (a - ld_heap_arena_base(ri)) / 8;
		idx = word / 64;
		valid = 64 - word % 64;
		n = (o->size - off) / 8;
		n = n < valid ? n : valid;
		scan_bits(p, o, ab->bitmap, word, n, off);
		off += n * 8;
		if (off + 8 <= o->size && (ab->no_more[idx / 8] >> (idx % 8) & 1))
			break;
	}
	return true;
}

/*
 * Go 1.22+ heap bits of a small span: npages*8192/64 bytes at the span's
 * end, before greenteagc's inline mark bits (of 1-page spans of 16 to
 * 512-byte objects), from the span cache or mapped memory.
 */
static const uint8_t *span_heap_bits(struct ld_mark *p, uint32_t sid)
{
	const struct pv_span *sp = &p->spans[sid];
	uint64_t span = (uint64_t)sp->npages * LD_HEAP_PAGE_SIZE;
	uint64_t len = span / 64, at = span - len;
	const uint8_t *sb;

	if (p->rt->heap.inline_mark_bits_size && sp->elemsize >= 16) {
		if (p->rt->heap.inline_mark_bits_size != INLINE_MARK_BITS)
			return NULL;	/* a layout we do not know */
		at -= INLINE_MARK_BITS;
	}
	if (at < sp->nelems * sp->elemsize)
		return NULL;		/* bits over slots: not this layout */
	sb = p->mem_is_buffer ? NULL : ld_prove_span_bytes(p, sid);
	if (sb)
		return sb + at;
	return ld_mem_peek(p->mem, sp->base + at, len);
}

void ld_prove_scan_object(struct ld_mark *p, uint32_t sid, uint64_t base,
			  uint64_t size, const uint8_t *v)
{
	const struct pv_span *sp = &p->spans[sid];
	struct pv_obj o = { base, size, v, 0, 0, false };
	const struct pv_gctype *g;
	const uint8_t *hb;
	uint64_t t;

	p->scan_lo = base;
	p->scan_hi = base + size;
	switch (sp->ptrs) {
	case PV_PTRS_NONE:
		return;
	case PV_PTRS_SPAN_BITS:
		hb = span_heap_bits(p, sid);
		if (!hb)
			break;
		scan_bits(p, &o, hb, (base - sp->base) / 8, size / 8, 0);
		return;
	case PV_PTRS_HEADER:
		if (!obj_word(p, &o, 0, &t))
			return;		/* unreadable: counted already */
		g = gctype(p, t);
		/* The header's type must fit the slot after the header. */
		if (!g || g->size_words * 8 > size - MALLOC_HEADER)
			break;
		scan_typed(p, &o, g, MALLOC_HEADER);
		return;
	case PV_PTRS_LARGE:
		g = gctype(p, sp->large_type);
		if (!g || g->size_words * 8 > size)
			break;
		scan_typed(p, &o, g, 0);
		return;
	case PV_PTRS_ARENA:
		if (scan_arena(p, &o))
			return;
		break;
	default:
		break;
	}
	scan_all(p, &o);
}

void ld_prove_precise_release(struct ld_mark *p)
{
	for (size_t i = 0; i < p->ngctypes; i++)
		free(p->gctypes[i].mask);
	free(p->gctypes);
	for (size_t i = 0; i < p->nabits; i++)
		free(p->abits[i].owned);
	free(p->abits);
	ld_u64map_release(&p->gctype_map);
	ld_u64map_release(&p->abits_map);
}
