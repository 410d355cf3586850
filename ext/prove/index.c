// SPDX-License-Identifier: MIT
/*
 * The heap index (see prove_priv.h): every in-use span gets a compact
 * record, a page table per arena maps addresses to spans, and the
 * allocation bits are copied into one bitmap beside the mark bitmap.
 * ld_prove_find_object, the lookup marking does per word, is inline in
 * prove_priv.h.
 */
#include <stdlib.h>

#include "prove/prove_priv.h"

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

/*
 * The last completed cycle's mark bits of a span not yet swept, into
 * marks (nbytes); false when they do not apply or cannot be read (then
 * every allocated slot stays an object).
 *
 * runtime/mheap.go (Go 1.21-1.27): with the GC off, a span whose
 * sweepgen is mheap_.sweepgen - 2 needs sweeping and is in no mcache, so
 * nothing was allocated in it since the cycle's mark termination: its
 * gcmarkBits say which slots survived.  greenteagc (Go 1.25 experiment,
 * 1.26 default) keeps marks of 1-page spans of 16 to 512-byte objects in
 * spanInlineMarkBits.marks (at byte 64 of the span's last 128) until
 * sweep merges them into gcmarkBits (moveInlineMarks): both count.
 */
static bool last_marks(struct ld_mark *p, const struct pv_span *sp,
		       uint32_t sweepgen, uint8_t *marks, size_t nbytes)
{
	uint64_t imb = p->rt->heap.inline_mark_bits_size;

	if (sp->sweepgen != sweepgen - 2 || !sp->gcmark_bits ||
	    !ld_prove_rd(p, sp->gcmark_bits, marks, nbytes))
		return false;
	if (imb && sp->elemsize >= 16 && sp->elemsize <= 512) {
		uint8_t inl[63];

		if (imb != 128 || sp->npages != 1 || nbytes > sizeof(inl) ||
		    !ld_prove_rd(p, sp->base + LD_HEAP_PAGE_SIZE - 128 + 64,
				 inl, nbytes))
			return false;
		for (size_t i = 0; i < nbytes; i++)
			marks[i] |= inl[i];
	}
	return true;
}

/*
 * Copy a span's allocation bits; unreadable bits count as allocated.
 * Slots the last cycle found dead (last_marks) are left out.
 */
static void copy_alloc_bits(struct ld_mark *p, const struct pv_span *sp,
			    bool swept_known, uint32_t sweepgen)
{
	size_t nbytes = (sp->nelems + 7) / 8;
	uint8_t local[512], mlocal[512];
	uint8_t *bits = nbytes <= sizeof(local) ? local : malloc(nbytes);
	uint8_t *marks = nbytes <= sizeof(mlocal) ? mlocal : malloc(nbytes);
	bool ok = bits && sp->alloc_bits &&
		  ld_prove_rd(p, sp->alloc_bits, bits, nbytes);
	bool dead = swept_known && marks &&
		    last_marks(p, sp, sweepgen, marks, nbytes);

	for (uint32_t i = 0; i < sp->nelems; i++) {
		if (!(i < sp->freeindex || !ok || bits[i / 8] >> (i % 8) & 1))
			continue;
		if (dead && !(marks[i / 8] >> (i % 8) & 1)) {
			p->st->dead_objects++;
			p->st->dead_bytes += sp->elemsize;
			continue;
		}
		ld_prove_bit_set(p->alloc, sp->bit + i);
	}
	if (bits != local)
		free(bits);
	if (marks != mlocal)
		free(marks);
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
		sp->ptrs = ld_prove_span_ptrs(p, &hs);
		sp->gcmark_bits = hs.gcmark_bits;
		sp->large_type = hs.large_type;
		sp->sweepgen = hs.sweepgen;
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

struct ld_error *ld_prove_build_index(struct ld_mark *p)
{
	const uint64_t *arenas;
	uint64_t amax = 0;
	size_t narenas;
	uint32_t sweepgen = 0;
	bool swept_known;
	struct ld_error *err = ld_heap_arenas(p->h, &arenas, &narenas);

	/*
	 * The arena list missing from memory (a truncated core) leaves an
	 * empty index: the heap's stats name the gap and the verdicts are
	 * downgraded to suspected, rather than --prove failing.
	 */
	if (err && err->code == LD_ERR_FAULT) {
		ld_error_destroy(err);
		return NULL;
	}
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
	swept_known = ld_heap_sweepgen(p->h, &sweepgen);
	for (size_t i = 0; i < p->nspans; i++) {
		const struct pv_span *sp = &p->spans[i];

		if (!index_pages(p, sp, (uint32_t)i + 1))
			return &ld_error_nomem;
		copy_alloc_bits(p, sp, swept_known, sweepgen);
		if (i % LD_TRIM_EVERY == LD_TRIM_EVERY - 1)
			ld_prove_trim(p);
	}
	for (uint64_t i = 0; i < p->nbits / 64 + 1; i++)
		p->st->objects += (uint64_t)__builtin_popcountll(p->alloc[i]);
	return NULL;
}
