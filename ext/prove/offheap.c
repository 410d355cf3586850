// SPDX-License-Identifier: MIT
/*
 * The runtime's own memory as roots, walked as the structures it is, as
 * the GC itself does (runtime/mgcmark.go, Go 1.21-1.27: markroot's
 * fixedRootFinalizers and fixedRootCleanups, markrootSpans,
 * gcMarkTinyAllocs):
 *
 *   specials   per in-use span: a finalizer keeps its object's contents
 *              and its record (fn, fint, ot); a weak handle (Go 1.23+)
 *              its handle; a cleanup (Go 1.24+) its fn (Go 1.27: fn, arg
 *              and the call adapter);
 *   finq       every block of runtime.allfin, its first cnt finalizers
 *              (fn, arg, nret, fint, ot): queued to run, their objects
 *              and functions are live; Go 1.24 queues cleanups here too;
 *   cleanups   Go 1.25+: every block of gcCleanups.all, its first n
 *              entries (Go 1.25 a *funcval, 1.26+ a cleanupFn);
 *   tiny       each P's mcache.tiny block.
 *
 * Nothing else the runtime allocates off the heap (persistentalloc,
 * fixalloc) is scanned by the GC: write-barrier and work buffers, free
 * lists, the caches of dead sudogs and g's, mcache and mcentral state,
 * poll descriptors (their rg/wg name g's, which are marked anyway) hold
 * nothing that is the only reference to a live object, and their stale
 * words are what kept dropped primitives "reachable".  So in a pure-Go
 * program these walks replace the conservative sweep of off-heap memory
 * (roots.c); in a cgo program C memory cannot be told from the runtime's
 * and the sweep stays.
 */
#include <string.h>

#include "prove/prove_priv.h"

#define MAX_BLOCKS	(1u << 20)	/* finalizer or cleanup blocks */
#define MAX_PS		(1u << 16)	/* runtime.allp entries */
#define RECORD_MAX	64		/* bytes of a special's header read */

/* A chain of blocks, each with a count of entries in use. */
struct block_list {
	int64_t link, count, entries;	/* offsets in a block */
	uint64_t block_size, entry_size;
};

/* Go 1.25 renamed runtime.finblock to finBlock (same layout). */
static bool finblock_list(const struct ld_rt *rt, struct block_list *l)
{
	const struct ld_rt_roots *r = &rt->roots;

	if (r->finblock_fin >= 0)
		*l = (struct block_list){ r->finblock_alllink, r->finblock_cnt,
					  r->finblock_fin, r->finblock_size,
					  r->finalizer_size };
	else
		*l = (struct block_list){ r->finblock2_alllink,
					  r->finblock2_cnt, r->finblock2_fin,
					  r->finblock2_size, r->finalizer_size };
	return l->link >= 0 && l->count >= 0 && l->entries >= 0 &&
	       l->entry_size >= 8 &&
	       l->block_size >= (uint64_t)l->entries + l->entry_size;
}

static bool cleanup_list(const struct ld_rt *rt, struct block_list *l)
{
	const struct ld_rt_roots *r = &rt->roots;

	/* Go 1.25 queued a bare *funcval, 1.26 a cleanupFn. */
	*l = (struct block_list){ r->cb_alllink, r->cb_n, r->cb_cleanups,
				  r->cleanupblock_size,
				  r->cleanupfn_size ? r->cleanupfn_size : 8 };
	return r->cq_all >= 0 && l->link >= 0 && l->count >= 0 &&
	       l->entries >= 0 &&
	       l->block_size >= (uint64_t)l->entries + l->entry_size;
}

/* Can the span specials the GC treats as roots be read? */
static bool specials_known(const struct ld_rt *rt)
{
	const struct ld_rt_heap *l = &rt->heap;

	if (l->span_specials < 0 || l->special_next < 0 ||
	    l->special_offset < 0 || l->special_kind < 0 ||
	    l->special_kind >= RECORD_MAX ||
	    rt->kind_special_finalizer < 0 || !l->specialfinalizer_size)
		return false;
	if (rt->special_weak && (rt->kind_special_weak_handle < 0 ||
				 !rt->roots.specialweakhandle_size))
		return false;
	return !rt->special_cleanup || (rt->kind_special_cleanup >= 0 &&
					rt->roots.specialcleanup_size);
}

const char *ld_prove_offheap_missing(struct ld_mark *p)
{
	const struct ld_rt *rt = p->rt;
	struct block_list l;

	if (!specials_known(rt))
		return "span specials' layout unknown";
	if (!rt->roots.allfin)
		return "runtime.allfin not found";
	if (!finblock_list(rt, &l))
		return "finalizer blocks' layout unknown";
	if (rt->cleanup_queue && !rt->roots.gc_cleanups)
		return "runtime.gcCleanups not found";
	if (rt->cleanup_queue && !cleanup_list(rt, &l))
		return "cleanup blocks' layout unknown";
	return NULL;
}

/* One special record [at, at + size): a root, counted. */
static void special_root(struct ld_mark *p, uint64_t at, uint64_t size)
{
	p->st->runtime_records++;
	p->st->runtime_bytes += size;
	ld_prove_root_range(p, at, at + size);
}

/* One special of span sp at sp_addr, its first bytes in rec. */
static void scan_special(struct ld_mark *p, const struct pv_span *sp,
			 uint64_t sp_addr, const uint8_t *rec)
{
	const struct ld_rt *rt = p->rt;
	const struct ld_rt_heap *l = &rt->heap;
	/* Go 1.25 widened special.offset from uint16 to uintptr. */
	unsigned int width = l->special_kind - l->special_offset == 2 ? 2 : 8;
	uint64_t off = 0, base, size;
	uint8_t kind = rec[l->special_kind];
	uint32_t sid, slot;

	memcpy(&off, rec + l->special_offset, width);
	if (kind == (uint8_t)rt->kind_special_finalizer) {
		/* The object is passed to fn: what it points to is live. */
		p->st->finalizers++;
		if (ld_prove_find_object(p, sp->base + off, &sid, &slot)) {
			ld_prove_object_range(p, sid, slot, &base, &size);
			ld_prove_root_range(p, base, base + size);
		}
		special_root(p, sp_addr, l->specialfinalizer_size);
	} else if (rt->special_weak &&
		   kind == (uint8_t)rt->kind_special_weak_handle) {
		p->st->weak_handles++;
		special_root(p, sp_addr, rt->roots.specialweakhandle_size);
	} else if (rt->special_cleanup &&
		   kind == (uint8_t)rt->kind_special_cleanup) {
		p->st->cleanups++;
		special_root(p, sp_addr, rt->roots.specialcleanup_size);
	}
}

void ld_prove_scan_specials(struct ld_mark *p)
{
	const struct ld_rt_heap *l = &p->rt->heap;

	if (!specials_known(p->rt)) {
		p->st->specials_unknown = true;	/* a gap */
		return;
	}
	ld_prove_from(p, LD_PATH_FINALIZER, 0);
	for (size_t i = 0; i < p->nspans; i++) {
		const struct pv_span *sp = &p->spans[i];
		uint64_t sp_addr = 0;
		uint64_t bound = (uint64_t)sp->nelems * 8 + 16;
		uint64_t n;

		if (!ld_prove_rd(p, sp->mspan + (uint64_t)l->span_specials,
				 &sp_addr, 8)) {
			ld_prove_unreadable(p, sp->mspan, 8);
			continue;
		}
		for (n = 0; sp_addr && n < bound; n++) {
			uint8_t rec[RECORD_MAX];
			uint64_t next;

			if (!ld_prove_rd(p, sp_addr, rec,
					 (size_t)l->special_kind + 1) ||
			    !ld_prove_rd(p, sp_addr + (uint64_t)l->special_next,
					 &next, 8)) {
				ld_prove_unreadable(p, sp_addr, 8);
				break;
			}
			scan_special(p, sp, sp_addr, rec);
			sp_addr = next;
		}
		/* More specials than words in the span: a cycle. */
		if (sp_addr && n >= bound)
			ld_prove_unreadable(p, sp_addr, 8);
	}
}

/* Entries [0, count) of every block of the chain whose head is at ref. */
static void walk_blocks(struct ld_mark *p, uint64_t ref,
			const struct block_list *l)
{
	uint64_t max = (l->block_size - (uint64_t)l->entries) / l->entry_size;
	uint64_t b;
	uint32_t i;

	if (!ld_prove_rd(p, ref, &b, 8)) {
		ld_prove_unreadable(p, ref, 8);
		return;
	}
	for (i = 0; b && i < MAX_BLOCKS; i++) {
		uint64_t next, lo;
		uint32_t n;

		if (!ld_prove_rd(p, b + (uint64_t)l->count, &n, 4) ||
		    !ld_prove_rd(p, b + (uint64_t)l->link, &next, 8)) {
			ld_prove_unreadable(p, b, l->block_size);
			return;
		}
		if (n > max) {
			/* A count no block holds: scan it whole, as a gap. */
			ld_prove_unreadable(p, b + (uint64_t)l->count, 4);
			n = (uint32_t)max;
		}
		lo = b + (uint64_t)l->entries;
		p->st->queued += n;
		p->st->runtime_records += n;
		p->st->runtime_bytes += n * l->entry_size;
		ld_prove_root_range(p, lo, lo + n * l->entry_size);
		b = next;
	}
	if (b)		/* longer than any runtime makes: a cycle */
		ld_prove_unreadable(p, b, 8);
}

/*
 * Each P's tiny block, as gcMarkTinyAllocs.  It holds only pointer-free
 * objects, so it can keep no primitive reachable: when allp (or a P)
 * cannot be read, skipping it is sound and no gap.
 */
static void mark_tiny_blocks(struct ld_mark *p)
{
	const struct ld_rt_roots *r = &p->rt->roots;
	uint64_t hdr[2], pp, mc, tiny;

	if (!r->allp || r->p_mcache < 0 || r->mcache_tiny < 0 ||
	    !ld_prove_rd(p, r->allp + p->s->bias, hdr, sizeof(hdr)) ||
	    hdr[1] > MAX_PS)
		return;
	for (uint64_t i = 0; i < hdr[1]; i++) {
		if (!ld_prove_rd(p, hdr[0] + 8 * i, &pp, 8) || !pp ||
		    !ld_prove_rd(p, pp + (uint64_t)r->p_mcache, &mc, 8) ||
		    !mc ||
		    !ld_prove_rd(p, mc + (uint64_t)r->mcache_tiny, &tiny, 8) ||
		    !tiny)
			continue;
		p->st->tiny_blocks++;
		p->st->runtime_records++;
		p->st->runtime_bytes += 8;
		p->scan_lo = mc + (uint64_t)r->mcache_tiny;
		p->scan_hi = p->scan_lo + 8;
		p->scan_at = p->scan_lo;
		ld_prove_mark_word(p, tiny);
	}
}

void ld_prove_walk_offheap(struct ld_mark *p)
{
	const struct ld_rt *rt = p->rt;
	struct block_list l;

	ld_prove_from(p, LD_PATH_RUNTIME, 0);
	if (finblock_list(rt, &l))
		walk_blocks(p, rt->roots.allfin + p->s->bias, &l);
	if (rt->cleanup_queue && cleanup_list(rt, &l))
		walk_blocks(p, rt->roots.gc_cleanups + p->s->bias +
			    (uint64_t)rt->roots.cq_all, &l);
	mark_tiny_blocks(p);
}
