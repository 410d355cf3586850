// SPDX-License-Identifier: MIT
/*
 * The optional heap globals of discovery (overview in discover_common.h):
 * runtime.mheap_, accepted when its arena index and arena list agree with
 * the heapArenas and spans they lead to, and runtime.semtable, accepted
 * when every root is empty or holds a sudog that hashes to it.  Each is
 * taken only when exactly one candidate passes; otherwise it stays 0.
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/go/heapgeom.h"
#include "go/discover_common.h"

#define ARENA_L2_LEN	(1ull << LD_HEAP_ARENA_L2_BITS)
#define ARENA_CHECK	1024	/* arena list entries checked */
#define SPAN_SAMPLE	32	/* spans checked in the first arena */
#define MAX_SPAN_PAGES	((1ull << 48) / LD_HEAP_PAGE_SIZE)
#define SEMTAB_LEN	251	/* runtime.semTabSize, 1.21-1.27 */
#define MAX_SUDOG	256

/*
 * The one address referenced by at least min of the named functions that
 * ok() accepts; 0 if there is none, or several.
 */
static uint64_t unique_ref(const struct ld_discover_ctx *c,
			   const char *const *names, unsigned int min,
			   const struct ranges *rg,
			   bool (*ok)(const struct ld_discover_ctx *,
				      const struct ranges *, uint64_t))
{
	struct refset *rs = malloc(sizeof(*rs));
	uint64_t found = 0;
	int nfound = 0;

	if (!rs)
		return 0;
	ld_disc_refset_collect(c, names, rs);
	for (size_t i = 0; i < rs->n && nfound < 2; i++) {
		if (rs->count[i] < min || !ok(c, rg, rs->addr[i]))
			continue;
		found = rs->addr[i];
		nfound++;
	}
	free(rs);
	return nfound == 1 ? found : 0;
}

/* mheap.allArenas (1.21-1.24) or heapArenas (1.25+); -1 if neither. */
static int64_t arena_list_off(const struct ld_rt_heap *l)
{
	return l->all_arenas >= 0 ? l->all_arenas : l->heap_arenas;
}

/*
 * A sample of the spans table of arena ri (heapArena ha): every entry is
 * 0 or a readable mspan with a page-aligned start and a sane page count,
 * and at least one of them covers the page it is listed for.  Pages freed
 * since keep stale entries (the mspan may now describe another range), so
 * not all of them need to.
 */
static bool spans_ok(const struct ld_discover_ctx *c, uint64_t ri, uint64_t ha)
{
	const struct ld_rt_heap *l = &c->rt->heap;
	size_t bytes = LD_HEAP_PAGES_PER_ARENA * 8;
	uint64_t *tab = malloc(bytes), base = ld_heap_arena_base(ri), prev = 0;
	unsigned int seen = 0, good = 0;
	bool ok;

	if (!tab)
		return false;
	ok = read_ok(c, ha + (uint64_t)l->ha_spans, tab, bytes);
	for (uint64_t p = 0; ok && p < LD_HEAP_PAGES_PER_ARENA &&
			     seen < SPAN_SAMPLE; p++) {
		uint64_t sp = tab[p], start, npages;
		uint64_t at = base + p * LD_HEAP_PAGE_SIZE;

		if (!sp || sp == prev)
			continue;
		prev = sp;
		seen++;
		ok = !(sp & 7) &&
		     read_ok(c, sp + (uint64_t)l->span_start_addr, &start, 8) &&
		     read_ok(c, sp + (uint64_t)l->span_npages, &npages, 8) &&
		     start && !(start % LD_HEAP_PAGE_SIZE) && npages &&
		     npages <= MAX_SPAN_PAGES;
		good += ok && start <= at &&
			at - start < npages * LD_HEAP_PAGE_SIZE;
	}
	free(tab);
	return ok && good;
}

/*
 * The n arena indexes at list are each below the index length and have a
 * heapArena in the second-level index l2; the first arena's spans are
 * checked too.
 */
static bool arenas_ok(const struct ld_discover_ctx *c, uint64_t l2,
		      uint64_t list, uint64_t n)
{
	size_t k = n < ARENA_CHECK ? n : ARENA_CHECK;
	uint64_t *idx = malloc(k * 8), ha, first = 0;
	bool ok;

	if (!idx)
		return false;
	ok = read_ok(c, list, idx, k * 8);
	for (size_t i = 0; ok && i < k; i++) {
		ok = idx[i] < ARENA_L2_LEN &&
		     read_ok(c, l2 + idx[i] * 8, &ha, 8) && ha && !(ha & 7);
		if (!i)
			first = ha;
	}
	ok = ok && spans_ok(c, idx[0], first);
	free(idx);
	return ok;
}

/*
 * Is a (in bss) mheap_.arenas?  Then mheap_.arenas[0] is the second-level
 * index, and the arena list beside it is a slice of indexes, each of which
 * has a heapArena there.
 */
static bool arenas_ref_ok(const struct ld_discover_ctx *c,
			  const struct ranges *rg, uint64_t a)
{
	const struct ld_rt_heap *l = &c->rt->heap;
	uint64_t off = (uint64_t)l->arenas, mheap = a - off, l2, hdr[3];

	if ((a & 7) || a < off || !region_has(&rg->bss, mheap, 8) ||
	    !region_u64(c, &rg->bss, a, &l2) ||
	    !region_get(c, &rg->bss, mheap + (uint64_t)arena_list_off(l),
			hdr, 24))
		return false;
	if (!l2 || (l2 & 7) || !hdr[0] || (hdr[0] & 7) || !hdr[1] ||
	    hdr[1] > hdr[2] || hdr[2] > ARENA_L2_LEN)
		return false;
	return arenas_ok(c, l2, hdr[0], hdr[1]);
}

/* Runtime functions that read mheap_.arenas, not inlined in 1.21-1.27. */
static const char *const arenas_users[] = {
	"runtime.spanOfHeap", "runtime.findObject", "runtime.greyobject",
	"runtime.markrootSpans", "runtime.(*mheap).initSpan",
	"runtime.(*mheap).freeSpanLocked", NULL,
};

void ld_disc_find_mheap(const struct ld_discover_ctx *c,
			const struct ranges *rg)
{
	const struct ld_rt_heap *l = &c->rt->heap;
	uint64_t a;

	if (l->arenas < 0 || arena_list_off(l) < 0 || l->ha_spans < 0 ||
	    l->span_start_addr < 0 || l->span_npages < 0)
		return;
	a = unique_ref(c, arenas_users, 2, rg, arenas_ref_ok);
	if (a)
		c->rt->heap.mheap = a - (uint64_t)l->arenas - c->bias;
}

/*
 * Root i of the semtable (entry e): an empty treap, or one whose root
 * sudog waits on an address that hashes to i, with a waiter count to
 * match.  The padding after the semaRoot is never written.
 */
static bool sema_root_ok(const struct ld_discover_ctx *c, const uint8_t *e,
			 uint64_t entry, size_t i)
{
	const struct ld_rt_blocking *k = &c->rt->blk;
	uint64_t at = (uint64_t)k->semaroot_treap, treap, g, elem;
	uint8_t sg[MAX_SUDOG];
	uint32_t nwait;

	for (uint64_t o = at + 16; o < entry; o++)
		if (e[o])
			return false;
	memcpy(&treap, e + at, 8);
	memcpy(&nwait, e + at + 8, 4);
	if (!treap)
		return nwait < (1u << 31);
	if ((treap & 7) || !nwait || nwait >= (1u << 31) ||
	    !read_ok(c, treap, sg, k->sudog_size))
		return false;
	memcpy(&g, sg + k->sudog_g, 8);
	memcpy(&elem, sg + (k->sudog_elem_vu >= 0 ? k->sudog_elem_vu :
						    k->sudog_elem), 8);
	return g && !(g & 7) && elem && (elem >> 3) % SEMTAB_LEN == i;
}

/* Is a (in bss) the semtable: [251]struct{root semaRoot; pad}? */
static bool semtable_ok(const struct ld_discover_ctx *c,
			const struct ranges *rg, uint64_t a)
{
	uint64_t size = c->rt->blk.semtable_size, entry = size / SEMTAB_LEN;
	uint8_t *tab;
	bool ok;

	if ((a & 7) || !region_has(&rg->bss, a, size))
		return false;
	tab = malloc(size);
	if (!tab)
		return false;
	ok = region_get(c, &rg->bss, a, tab, size);
	for (size_t i = 0; ok && i < SEMTAB_LEN; i++)
		ok = sema_root_ok(c, tab + i * entry, entry, i);
	free(tab);
	return ok;
}

/* semacquire1 and semrelease1 both index it (semTable.rootFor inlined). */
static const char *const semtable_users[] = {
	"runtime.semacquire1", "runtime.semrelease1", NULL,
};

void ld_disc_find_semtable(const struct ld_discover_ctx *c,
			   const struct ranges *rg)
{
	const struct ld_rt_blocking *k = &c->rt->blk;
	uint64_t a;

	if (k->semaroot_treap < 0 || k->semtable_size % SEMTAB_LEN ||
	    k->semtable_size / SEMTAB_LEN < (uint64_t)k->semaroot_treap + 16 ||
	    k->sudog_g < 0 || k->sudog_elem < 0 ||
	    !k->sudog_size || k->sudog_size > MAX_SUDOG ||
	    (uint64_t)k->sudog_g + 8 > k->sudog_size ||
	    (uint64_t)k->sudog_elem + 8 > k->sudog_size ||
	    (k->sudog_elem_vu >= 0 &&
	     (uint64_t)k->sudog_elem_vu + 8 > k->sudog_size))
		return;
	a = unique_ref(c, semtable_users, 2, rg, semtable_ok);
	if (a)
		c->rt->semtable = a - c->bias;
}
