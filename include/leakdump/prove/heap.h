/* SPDX-License-Identifier: MIT */
/*
 * The Go heap's metadata, read from outside: which addresses lie inside an
 * allocated heap object (and that object's slot), and the in-use spans.
 * This is the foundation of conservative reachability over the target's
 * heap; it does no marking itself.
 *
 * Model (Go 1.21-1.27, linux/amd64): runtime.mheap_.arenas is a one-level
 * index ([1]*[1<<22]*heapArena) over 64 MiB arenas; each heapArena has one
 * *mspan per 8 KiB page.  A span in state mSpanInUse holds nelems slots of
 * elemsize bytes from startAddr up to limit.  Slot i is allocated when
 * i < freeindex or bit i of *allocBits is set.  Large objects (> 32 KiB)
 * are one-slot spans.
 *
 * What a lookup answers is what the metadata says: a pointer into a free
 * slot, a stack span, a free span, or past a span's limit is not an object.
 * Small pointerful objects above 512 bytes (Go 1.22+) carry an 8-byte
 * malloc header at the start of their slot: the base returned is the slot's
 * start, 8 bytes below the pointer Go code holds.  Tiny-allocator blocks
 * (16 bytes holding several pointer-free objects) are one object here.
 *
 * Nothing is guessed: memory a core did not save, and runtime structures
 * that make no sense, are counted in struct ld_heap_stats and answered as
 * LD_HEAP_UNREADABLE / LD_HEAP_CORRUPT, never as an object.
 *
 * The heap is a snapshot: arena span tables and decoded spans are cached
 * for the life of the struct ld_heap.  On a live process, keep the target
 * stopped while using one (or destroy and re-open after it ran).
 *
 * Ownership: struct ld_heap is created by ld_heap_open()/ld_heap_create()
 * and freed by ld_heap_destroy(); it owns its caches but not the session,
 * memory or runtime tables it reads through, which must outlive it.
 * Returned errors are owned by the caller.  Structs filled in for the
 * caller (spans, stats) are plain copies.
 */
#ifndef LD_HEAP_H
#define LD_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/base/error.h"
#include "leakdump/target/mem.h"
#include "leakdump/go/heapgeom.h"	/* page/arena geometry, arena index */
#include "leakdump/go/rt.h"

struct ld_session;
struct ld_heap;

/* runtime.mSpanState values (stable since Go 1.14) */
#define LD_SPAN_DEAD	0
#define LD_SPAN_IN_USE	1
#define LD_SPAN_MANUAL	2

/* One span, decoded from its runtime.mspan. */
struct ld_heap_span {
	uint64_t addr;		/* the mspan structure's address */
	uint64_t base;		/* startAddr */
	uint64_t limit;		/* end of object data */
	uint64_t npages;
	uint64_t elemsize;
	uint64_t alloc_bits;	/* *gcBits */
	uint64_t gcmark_bits;	/* *gcBits, 0 when the layout lacks it */
	uint64_t large_type;	/* Go 1.22+: *_type of a large object, or 0 */
	uint32_t sweepgen;	/* valid when ld_heap_sweepgen() answers */
	uint32_t nelems;
	uint32_t freeindex;
	uint32_t alloc_count;
	uint8_t spanclass;	/* sizeclass << 1 | noscan */
	uint8_t state;		/* LD_SPAN_* */
};

static inline unsigned int ld_heap_span_sizeclass(const struct ld_heap_span *s)
{
	return s->spanclass >> 1;
}

static inline bool ld_heap_span_noscan(const struct ld_heap_span *s)
{
	return s->spanclass & 1;
}

/* What an address is, as far as the heap metadata says. */
enum ld_heap_where {
	LD_HEAP_OBJECT,		/* inside an allocated object */
	LD_HEAP_FREE_SLOT,	/* inside an in-use span, in a free slot */
	LD_HEAP_NOT_HEAP,	/* no arena, no span, a non-heap span, or
				 * outside [base, limit) */
	LD_HEAP_UNREADABLE,	/* metadata not readable (missing from core) */
	LD_HEAP_CORRUPT,	/* metadata does not make sense */
};

/* Problems met so far, each counted once per arena / span. */
struct ld_heap_stats {
	uint64_t arenas;		/* heapArenas looked at (cached) */
	uint64_t arenas_unreadable;	/* index entry or spans[] unreadable */
	uint64_t spans;			/* mspans decoded (cached) */
	uint64_t spans_unreadable;
	uint64_t spans_corrupt;		/* in-use spans with impossible fields */
	uint64_t alloc_bits_unreadable;	/* in-use spans whose allocBits were */
	bool arena_index_unreadable;	/* mheap_.arenas[0] itself */
	bool arena_list_unreadable;	/* mheap_.allArenas / heapArenas */
};

/*
 * Open the heap of the session's target: needs runtime.mheap_ (from the
 * symbol table or DWARF) and the heap layouts (DWARF or per-release tables).
 * LD_ERR_UNSUPPORTED when either is missing (e.g. a stripped binary in
 * which ext/go/discover_heap.c could not validate runtime.mheap_).  Reads
 * nothing yet: the arena index is read lazily.
 */
struct ld_error *ld_heap_open(struct ld_session *s, struct ld_heap **ret);

/*
 * The same from parts: target memory, resolved runtime knowledge and the
 * load bias added to rt->heap.mheap.  Used by ld_heap_open and the tests.
 */
struct ld_error *ld_heap_create(struct ld_mem *mem, const struct ld_rt *rt,
				uint64_t bias, struct ld_heap **ret);

void ld_heap_destroy(struct ld_heap *h);	/* accepts NULL */

/*
 * Classify addr; for LD_HEAP_OBJECT and LD_HEAP_FREE_SLOT, *base and *size
 * (either may be NULL) give the slot: its start and its size (elemsize, cut
 * at the span's limit, so a large object's size is what was asked for).
 */
enum ld_heap_where ld_heap_classify(struct ld_heap *h, uint64_t addr,
				    uint64_t *base, uint64_t *size);

/* Whether addr points into an allocated heap object; its slot if so. */
bool ld_heap_find_object(struct ld_heap *h, uint64_t addr, uint64_t *base,
			 uint64_t *size);

/*
 * The in-use (mSpanInUse) span whose pages hold addr, copied into *span;
 * LD_HEAP_OBJECT when found, else why not.
 */
enum ld_heap_where ld_heap_span_of(struct ld_heap *h, uint64_t addr,
				   struct ld_heap_span *span);

/* Is slot i of an in-use span allocated?  false also when unreadable. */
bool ld_heap_slot_allocated(struct ld_heap *h, const struct ld_heap_span *span,
			    uint32_t i);

/*
 * Iterate over the in-use spans, arena by arena (in the runtime's arena
 * list order) and by address within an arena:
 *
 *	struct ld_heap_iter it;
 *	struct ld_heap_span sp;
 *
 *	err = ld_heap_iter_init(h, &it);
 *	while (!err && ld_heap_iter_next(&it, &sp))
 *		...;
 *
 * ld_heap_iter_init fails when the arena list cannot be read.  Arenas and
 * spans that cannot be read or make no sense are skipped and counted in
 * the stats.  The iterator holds no resources; drop it at any time.
 */
struct ld_heap_iter {
	struct ld_heap *h;
	size_t arena;		/* next position in the arena list */
	uint64_t page;		/* next page in the current arena */
	const uint64_t *spans;	/* the current arena's span table or NULL */
	uint64_t arena_base;
};

struct ld_error *ld_heap_iter_init(struct ld_heap *h,
				   struct ld_heap_iter *it);
bool ld_heap_iter_next(struct ld_heap_iter *it, struct ld_heap_span *span);

/* The arena indexes of the runtime's arena list (read on first use). */
struct ld_error *ld_heap_arenas(struct ld_heap *h, const uint64_t **idx,
				size_t *n);

void ld_heap_stats(const struct ld_heap *h, struct ld_heap_stats *ret);

/*
 * The relocated address of the runtime.heapArena of arena index ri, or 0
 * (no such arena, unreadable).
 */
uint64_t ld_heap_arena_struct(struct ld_heap *h, uint64_t ri);

/*
 * mheap_.sweepgen when the garbage collector is off (runtime.gcphase ==
 * _GCoff), so that spans with sweepgen == *sweepgen - 2 hold the marks of
 * the last completed cycle in gcmarkBits (runtime/mheap.go, mgcsweep.go).
 * false when the GC is running, or either word or the layout is missing.
 */
bool ld_heap_sweepgen(struct ld_heap *h, uint32_t *sweepgen);

#endif
