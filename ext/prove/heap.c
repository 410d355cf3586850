// SPDX-License-Identifier: MIT
/*
 * The Go heap's metadata, read from outside (see include/leakdump/heap.h):
 * the arena index in runtime.mheap_, each arena's page-to-span table and
 * the spans themselves.  Everything read is cached, including negative
 * answers, so a lookup costs a few map probes once the arena is known.
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/prove/heap.h"
#include "leakdump/model/session.h"
#include "leakdump/base/util.h"

/* Bounds on what the runtime can have on linux/amd64. */
#define ARENA_INDEX_LEN		(1ull << LD_HEAP_ARENA_L2_BITS)
#define MAX_SPAN_PAGES		((1ull << 48) / LD_HEAP_PAGE_SIZE)
#define MAX_SMALL_SIZE		32768ull	/* largest size class */
#define SPANS_BYTES		(LD_HEAP_PAGES_PER_ARENA * 8)

struct heap_arena {
	uint64_t ha;		/* the runtime.heapArena, 0 if unread */
	const uint64_t *spans;	/* heapArena.spans: peeked or owned */
	uint64_t *owned;
	enum ld_heap_where status;	/* OBJECT: usable; else why not */
};

struct heap_span {
	struct ld_heap_span sp;
	enum ld_heap_where status;	/* OBJECT: in use and sane */
	bool bits_unreadable;		/* counted in the stats already */
};

struct ld_heap {
	struct ld_mem *mem;
	struct ld_rt_heap lay;
	uint64_t mheap;			/* relocated runtime.mheap_ */
	uint64_t gcphase;		/* relocated runtime.gcphase, or 0 */
	unsigned int index_width;	/* freeindex/nelems width in bytes */
	size_t span_len;		/* bytes of an mspan we decode */

	/* mheap_.arenas[0]: 0 unread, 1 read, -1 unreadable */
	int l2_state;
	uint64_t l2;

	struct ld_u64map arena_map;	/* index + 1 -> slot + 1 in arenas */
	struct heap_arena *arenas;
	size_t narenas, arenas_cap;

	struct ld_u64map span_map;	/* mspan address -> slot + 1 */
	struct heap_span *spans;
	size_t nspans, spans_cap;

	bool list_read;
	uint64_t *list;			/* allArenas / heapArenas */
	size_t nlist;

	struct ld_heap_stats stats;
};

static uint64_t get_le(const uint8_t *p, unsigned int width)
{
	uint64_t v = 0;

	for (unsigned int i = width; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

struct ld_error *ld_heap_create(struct ld_mem *mem, const struct ld_rt *rt,
				uint64_t bias, struct ld_heap **ret)
{
	const struct ld_rt_heap *l = &rt->heap;
	const struct {
		const char *name;
		int64_t off;
		unsigned int width;
	} need[] = {
		{ "mheap.arenas", l->arenas, 0 },
		{ "heapArena.spans", l->ha_spans, 0 },
		{ "mspan.startAddr", l->span_start_addr, 8 },
		{ "mspan.npages", l->span_npages, 8 },
		{ "mspan.freeindex", l->span_freeindex, rt->span_index_width },
		{ "mspan.nelems", l->span_nelems, rt->span_index_width },
		{ "mspan.allocBits", l->span_alloc_bits, 8 },
		{ "mspan.allocCount", l->span_alloc_count, 2 },
		{ "mspan.spanclass", l->span_spanclass, 1 },
		{ "mspan.state", l->span_state, 1 },
		{ "mspan.elemsize", l->span_elemsize, 8 },
		{ "mspan.limit", l->span_limit, 8 },
	};
	struct ld_heap *h;
	size_t len = 0;

	if (!l->mheap)
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "heap: runtime.mheap_ not found");
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		/* mspan fields are read from a buffer of at most 4 KiB. */
		if (need[i].off < 0 ||
		    (need[i].width && need[i].off > 4096))
			return ld_error_create(LD_ERR_UNSUPPORTED,
					       "heap: no runtime layout for %s",
					       need[i].name);
		if (need[i].width && (size_t)need[i].off + need[i].width > len)
			len = (size_t)need[i].off + need[i].width;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return &ld_error_nomem;
	h->mem = mem;
	h->lay = *l;
	h->mheap = l->mheap + bias;
	h->gcphase = l->gcphase ? l->gcphase + bias : 0;
	/* Optional mspan fields widen what is read of each mspan. */
	{
		const int64_t opt[][2] = {
			{ l->span_gcmark_bits, 8 }, { l->span_large_type, 8 },
			{ l->span_sweepgen, 4 },
		};

		for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
			if (opt[i][0] >= 0 && opt[i][0] <= 4096 &&
			    (size_t)(opt[i][0] + opt[i][1]) > len)
				len = (size_t)(opt[i][0] + opt[i][1]);
	}
	h->index_width = rt->span_index_width;
	h->span_len = len;
	*ret = h;
	return NULL;
}

struct ld_error *ld_heap_open(struct ld_session *s, struct ld_heap **ret)
{
	if (!s->rt->heap.mheap)
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       s->rt->stripped ?
				       "heap: runtime.mheap_ not found in the stripped binary (no candidate passed the arena index checks)" :
				       "heap: runtime.mheap_ not found");
	return ld_heap_create(s->mem, s->rt, s->bias, ret);
}

void ld_heap_destroy(struct ld_heap *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->narenas; i++)
		free(h->arenas[i].owned);
	free(h->arenas);
	free(h->spans);
	free(h->list);
	ld_u64map_release(&h->arena_map);
	ld_u64map_release(&h->span_map);
	free(h);
}

void ld_heap_stats(const struct ld_heap *h, struct ld_heap_stats *ret)
{
	*ret = h->stats;
}

/* Read mheap_.arenas[0], the second-level index, once. */
static bool read_l2(struct ld_heap *h)
{
	struct ld_error *err;

	if (h->l2_state)
		return h->l2_state > 0;
	err = ld_mem_read_u64(h->mem, h->mheap + (uint64_t)h->lay.arenas,
			      &h->l2);
	if (err) {
		ld_error_destroy(err);
		h->l2_state = -1;
		h->stats.arena_index_unreadable = true;
		return false;
	}
	h->l2_state = 1;
	return true;
}

/* Fill a new arena entry for index ri. */
static void load_arena(struct ld_heap *h, uint64_t ri, struct heap_arena *a)
{
	struct ld_error *err;
	uint64_t ha, table;

	memset(a, 0, sizeof(*a));
	if (!read_l2(h)) {
		a->status = LD_HEAP_UNREADABLE;
		return;
	}
	if (!h->l2) {
		a->status = LD_HEAP_NOT_HEAP;
		return;
	}
	err = ld_mem_read_u64(h->mem, h->l2 + ri * 8, &ha);
	if (err) {
		ld_error_destroy(err);
		a->status = LD_HEAP_UNREADABLE;
		h->stats.arenas_unreadable++;
		return;
	}
	if (!ha) {
		a->status = LD_HEAP_NOT_HEAP;
		return;
	}
	h->stats.arenas++;
	a->ha = ha;
	table = ha + (uint64_t)h->lay.ha_spans;
	a->spans = ld_mem_peek(h->mem, table, SPANS_BYTES);
	if (!a->spans) {
		a->owned = malloc(SPANS_BYTES);
		if (!a->owned) {
			a->status = LD_HEAP_UNREADABLE;
			h->stats.arenas_unreadable++;
			return;
		}
		err = ld_mem_read(h->mem, table, a->owned, SPANS_BYTES);
		if (err) {
			ld_error_destroy(err);
			free(a->owned);
			a->owned = NULL;
			a->status = LD_HEAP_UNREADABLE;
			h->stats.arenas_unreadable++;
			return;
		}
		a->spans = a->owned;
	}
	a->status = LD_HEAP_OBJECT;
}

/*
 * The span table of arena ri, or NULL with *why saying why not.  Entries
 * are cached, negative ones included; on allocation failure the answer is
 * still given, just not cached.
 */
static const uint64_t *arena_spans(struct ld_heap *h, uint64_t ri,
				   enum ld_heap_where *why)
{
	uint64_t slot = ld_u64map_get(&h->arena_map, ri + 1);
	struct heap_arena a, *e;

	if (slot) {
		e = &h->arenas[slot - 1];
		*why = e->status;
		return e->spans;
	}
	load_arena(h, ri, &a);
	if (!ld_grow((void **)&h->arenas, &h->arenas_cap, h->narenas + 1,
		     sizeof(*h->arenas)) ||
	    !ld_u64map_put(&h->arena_map, ri + 1, h->narenas + 1)) {
		/* Uncached: answer once, then forget. */
		free(a.owned);
		*why = a.status == LD_HEAP_OBJECT ? LD_HEAP_UNREADABLE :
			a.status;
		return NULL;
	}
	h->arenas[h->narenas++] = a;
	*why = a.status;
	return a.spans;
}

/* Does an in-use span's content make sense? */
static bool span_sane(const struct ld_heap_span *sp)
{
	uint64_t bytes;

	if (!sp->base || sp->base % LD_HEAP_PAGE_SIZE || !sp->npages ||
	    sp->npages > MAX_SPAN_PAGES)
		return false;
	bytes = sp->npages * LD_HEAP_PAGE_SIZE;
	if (sp->base + bytes < sp->base)
		return false;
	if (!sp->elemsize || !sp->nelems || sp->elemsize > bytes ||
	    sp->nelems > bytes / sp->elemsize)
		return false;
	if (sp->freeindex > sp->nelems || sp->alloc_count > sp->nelems)
		return false;
	/*
	 * Go 1.22-1.24 set a small span's limit from npages alone, past the
	 * slots when heap bits sit at the span's end; lookups stop at nelems.
	 */
	if (sp->limit <= sp->base || sp->limit - sp->base > bytes)
		return false;
	if (ld_heap_span_sizeclass(sp) == 0 ? sp->nelems != 1 :
	    sp->elemsize > MAX_SMALL_SIZE)
		return false;
	/* Slots at and past freeindex need the allocation bitmap. */
	if (!sp->alloc_bits && sp->freeindex < sp->nelems)
		return false;
	return true;
}

static void load_span(struct ld_heap *h, uint64_t addr, struct heap_span *e)
{
	const struct ld_rt_heap *l = &h->lay;
	struct ld_heap_span *sp = &e->sp;
	uint8_t buf[4096 + 8];
	struct ld_error *err;

	memset(e, 0, sizeof(*e));
	sp->addr = addr;
	err = ld_mem_read(h->mem, addr, buf, h->span_len);
	if (err) {
		ld_error_destroy(err);
		e->status = LD_HEAP_UNREADABLE;
		h->stats.spans_unreadable++;
		return;
	}
	h->stats.spans++;
	sp->state = buf[l->span_state];
	if (sp->state != LD_SPAN_IN_USE) {
		/* Dead, free or a stack (mSpanManual): no heap objects. */
		e->status = LD_HEAP_NOT_HEAP;
		return;
	}
	sp->base = get_le(buf + l->span_start_addr, 8);
	sp->npages = get_le(buf + l->span_npages, 8);
	sp->limit = get_le(buf + l->span_limit, 8);
	sp->elemsize = get_le(buf + l->span_elemsize, 8);
	sp->alloc_bits = get_le(buf + l->span_alloc_bits, 8);
	sp->spanclass = buf[l->span_spanclass];
	sp->alloc_count = (uint32_t)get_le(buf + l->span_alloc_count, 2);
	if (l->span_gcmark_bits >= 0 && l->span_gcmark_bits <= 4096)
		sp->gcmark_bits = get_le(buf + l->span_gcmark_bits, 8);
	if (l->span_large_type >= 0 && l->span_large_type <= 4096)
		sp->large_type = get_le(buf + l->span_large_type, 8);
	if (l->span_sweepgen >= 0 && l->span_sweepgen <= 4096)
		sp->sweepgen = (uint32_t)get_le(buf + l->span_sweepgen, 4);
	{
		uint64_t fi = get_le(buf + l->span_freeindex, h->index_width);
		uint64_t ne = get_le(buf + l->span_nelems, h->index_width);

		if (fi > UINT32_MAX || ne > UINT32_MAX) {
			e->status = LD_HEAP_CORRUPT;
			h->stats.spans_corrupt++;
			return;
		}
		sp->freeindex = (uint32_t)fi;
		sp->nelems = (uint32_t)ne;
	}
	if (!span_sane(sp)) {
		e->status = LD_HEAP_CORRUPT;
		h->stats.spans_corrupt++;
		return;
	}
	e->status = LD_HEAP_OBJECT;
}

/* The decoded span at addr; NULL with *why when it is unusable. */
static const struct ld_heap_span *get_span(struct ld_heap *h, uint64_t addr,
					   enum ld_heap_where *why)
{
	uint64_t slot = ld_u64map_get(&h->span_map, addr);
	struct heap_span e;

	if (!slot) {
		load_span(h, addr, &e);
		if (!ld_grow((void **)&h->spans, &h->spans_cap,
			     h->nspans + 1, sizeof(*h->spans)) ||
		    !ld_u64map_put(&h->span_map, addr, h->nspans + 1)) {
			*why = LD_HEAP_UNREADABLE;
			return NULL;
		}
		h->spans[h->nspans++] = e;
		slot = h->nspans;
	}
	*why = h->spans[slot - 1].status;
	return *why == LD_HEAP_OBJECT ? &h->spans[slot - 1].sp : NULL;
}

enum ld_heap_where ld_heap_span_of(struct ld_heap *h, uint64_t addr,
				   struct ld_heap_span *span)
{
	uint64_t ri = ld_heap_arena_index(addr), sp_addr;
	const struct ld_heap_span *sp;
	const uint64_t *table;
	enum ld_heap_where why;

	if (ri == UINT64_MAX)
		return LD_HEAP_NOT_HEAP;
	table = arena_spans(h, ri, &why);
	if (!table)
		return why;
	sp_addr = table[(addr / LD_HEAP_PAGE_SIZE) % LD_HEAP_PAGES_PER_ARENA];
	if (!sp_addr)
		return LD_HEAP_NOT_HEAP;
	sp = get_span(h, sp_addr, &why);
	if (!sp)
		return why;
	/* A free page's entry may be stale: trust only the span's range. */
	if (addr < sp->base || addr - sp->base >= sp->npages * LD_HEAP_PAGE_SIZE)
		return LD_HEAP_NOT_HEAP;
	*span = *sp;
	return LD_HEAP_OBJECT;
}

/* 1: allocated, 0: free, -1: bitmap unreadable. */
static int slot_state(struct ld_heap *h, const struct ld_heap_span *sp,
		      uint32_t i)
{
	uint64_t at = sp->alloc_bits + i / 8;
	const uint8_t *p;
	struct ld_error *err;
	uint8_t byte;

	if (i < sp->freeindex)
		return 1;
	if (i >= sp->nelems)
		return 0;
	p = ld_mem_peek(h->mem, at, 1);
	if (p) {
		byte = *p;
	} else {
		err = ld_mem_read(h->mem, at, &byte, 1);
		if (err) {
			uint64_t slot = ld_u64map_get(&h->span_map, sp->addr);

			ld_error_destroy(err);
			/* Count each span's unreadable bitmap once. */
			if (!slot || !h->spans[slot - 1].bits_unreadable)
				h->stats.alloc_bits_unreadable++;
			if (slot)
				h->spans[slot - 1].bits_unreadable = true;
			return -1;
		}
	}
	return byte >> (i % 8) & 1;
}

bool ld_heap_slot_allocated(struct ld_heap *h, const struct ld_heap_span *span,
			    uint32_t i)
{
	return slot_state(h, span, i) == 1;
}

enum ld_heap_where ld_heap_classify(struct ld_heap *h, uint64_t addr,
				    uint64_t *base, uint64_t *size)
{
	struct ld_heap_span sp;
	enum ld_heap_where why = ld_heap_span_of(h, addr, &sp);
	uint64_t i, start;
	int st;

	if (why != LD_HEAP_OBJECT)
		return why;
	if (addr >= sp.limit)
		return LD_HEAP_NOT_HEAP;
	i = (addr - sp.base) / sp.elemsize;
	if (i >= sp.nelems)
		return LD_HEAP_NOT_HEAP;
	start = sp.base + i * sp.elemsize;
	if (base)
		*base = start;
	if (size)
		*size = sp.limit - start < sp.elemsize ? sp.limit - start :
			sp.elemsize;
	st = slot_state(h, &sp, (uint32_t)i);
	if (st < 0)
		return LD_HEAP_UNREADABLE;
	return st ? LD_HEAP_OBJECT : LD_HEAP_FREE_SLOT;
}

bool ld_heap_find_object(struct ld_heap *h, uint64_t addr, uint64_t *base,
			 uint64_t *size)
{
	uint64_t b, s;

	if (ld_heap_classify(h, addr, &b, &s) != LD_HEAP_OBJECT)
		return false;
	if (base)
		*base = b;
	if (size)
		*size = s;
	return true;
}

struct ld_error *ld_heap_arenas(struct ld_heap *h, const uint64_t **idx,
				size_t *n)
{
	int64_t off = h->lay.all_arenas >= 0 ? h->lay.all_arenas :
		      h->lay.heap_arenas;
	uint64_t hdr[2], *list;
	struct ld_error *err;
	size_t k = 0;

	if (off < 0)
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "heap: no runtime layout for mheap.allArenas/heapArenas");
	if (!h->list_read) {
		err = ld_mem_read(h->mem, h->mheap + (uint64_t)off, hdr,
				  sizeof(hdr));
		if (err) {
			h->stats.arena_list_unreadable = true;
			return ld_error_wrap(err, "heap: arena list");
		}
		if (hdr[1] > ARENA_INDEX_LEN)
			return ld_error_create(LD_ERR_CORRUPT,
					       "heap: arena list has %llu entries",
					       (unsigned long long)hdr[1]);
		list = malloc(hdr[1] ? hdr[1] * 8 : 1);
		if (!list)
			return &ld_error_nomem;
		if (hdr[1]) {
			err = ld_mem_read(h->mem, hdr[0], list, hdr[1] * 8);
			if (err) {
				free(list);
				h->stats.arena_list_unreadable = true;
				return ld_error_wrap(err, "heap: arena list");
			}
		}
		/* Drop impossible indexes (and count them as unreadable). */
		for (size_t i = 0; i < hdr[1]; i++) {
			if (list[i] < ARENA_INDEX_LEN)
				list[k++] = list[i];
			else
				h->stats.arenas_unreadable++;
		}
		h->list = list;
		h->nlist = k;
		h->list_read = true;
	}
	*idx = h->list;
	*n = h->nlist;
	return NULL;
}

struct ld_error *ld_heap_iter_init(struct ld_heap *h, struct ld_heap_iter *it)
{
	const uint64_t *idx;
	size_t n;
	struct ld_error *err = ld_heap_arenas(h, &idx, &n);

	memset(it, 0, sizeof(*it));
	it->h = h;
	return err;
}

bool ld_heap_iter_next(struct ld_heap_iter *it, struct ld_heap_span *span)
{
	struct ld_heap *h = it->h;
	enum ld_heap_where why;

	if (!h || !h->list_read)
		return false;
	for (;;) {
		if (!it->spans) {
			uint64_t ri;

			if (it->arena >= h->nlist)
				return false;
			ri = h->list[it->arena++];
			it->spans = arena_spans(h, ri, &why);
			it->arena_base = ld_heap_arena_base(ri);
			it->page = 0;
			continue;
		}
		while (it->page < LD_HEAP_PAGES_PER_ARENA) {
			uint64_t p = it->page, at, left;
			const struct ld_heap_span *sp;

			it->page++;
			if (!it->spans[p])
				continue;
			sp = get_span(h, it->spans[p], &why);
			at = it->arena_base + p * LD_HEAP_PAGE_SIZE;
			/* Report a span once, from the page it starts at. */
			if (!sp || sp->base != at)
				continue;
			left = LD_HEAP_PAGES_PER_ARENA - p;
			it->page = sp->npages < left ? p + sp->npages :
				   LD_HEAP_PAGES_PER_ARENA;
			*span = *sp;
			return true;
		}
		it->spans = NULL;
	}
}

uint64_t ld_heap_arena_struct(struct ld_heap *h, uint64_t ri)
{
	enum ld_heap_where why;
	uint64_t slot;

	if (!arena_spans(h, ri, &why))
		return 0;
	slot = ld_u64map_get(&h->arena_map, ri + 1);
	return slot ? h->arenas[slot - 1].ha : 0;
}

bool ld_heap_sweepgen(struct ld_heap *h, uint32_t *sweepgen)
{
	uint32_t phase, sg;
	struct ld_error *err;

	if (!h->gcphase || h->lay.sweepgen < 0 || h->lay.span_sweepgen < 0 ||
	    h->lay.span_gcmark_bits < 0)
		return false;
	err = ld_mem_read(h->mem, h->gcphase, &phase, 4);
	if (!err)
		err = ld_mem_read(h->mem, h->mheap + (uint64_t)h->lay.sweepgen,
				  &sg, 4);
	if (err) {
		ld_error_destroy(err);
		return false;
	}
	/* _GCoff is 0 in every release; mid-cycle marks are unfinished. */
	if (phase != 0)
		return false;
	*sweepgen = sg;
	return true;
}
