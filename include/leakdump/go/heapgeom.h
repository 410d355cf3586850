/* SPDX-License-Identifier: MIT */
/*
 * The Go heap's geometry: page and arena sizes and how an address maps to
 * its arena in runtime.mheap_.arenas.  This is the runtime's own knowledge
 * (runtime/malloc.go: pageShift, heapArenaBytes, arenaL2Bits,
 * arenaBaseOffset), so it lives in the go layer: discovery uses it to
 * validate a candidate runtime.mheap_ in a stripped binary, and the heap
 * reader (prove/heap.h, which includes this) to walk the arenas.
 *
 * The values are per GOARCH (and GOOS): these are linux/amd64's, the same
 * in Go 1.21-1.27.  Another target needs its own set here.
 *
 * Ownership: constants and pure functions only; nothing to free.
 */
#ifndef LD_HEAPGEOM_H
#define LD_HEAPGEOM_H

#include <stdint.h>

/* linux/amd64 heap geometry (runtime/malloc.go, the same in 1.21-1.27) */
#define LD_HEAP_PAGE_SIZE	8192ull
#define LD_HEAP_ARENA_BYTES	(64ull << 20)
#define LD_HEAP_PAGES_PER_ARENA	(LD_HEAP_ARENA_BYTES / LD_HEAP_PAGE_SIZE)
#define LD_HEAP_ARENA_L2_BITS	22
#define LD_HEAP_ARENA_BASE_OFFSET 0xffff800000000000ull

/* The arena index of addr, or UINT64_MAX if no arena can hold it. */
static inline uint64_t ld_heap_arena_index(uint64_t addr)
{
	uint64_t ri = (addr - LD_HEAP_ARENA_BASE_OFFSET) / LD_HEAP_ARENA_BYTES;

	return ri < (1ull << LD_HEAP_ARENA_L2_BITS) ? ri : UINT64_MAX;
}

/* The first address of arena idx (the inverse of ld_heap_arena_index). */
static inline uint64_t ld_heap_arena_base(uint64_t idx)
{
	return idx * LD_HEAP_ARENA_BYTES + LD_HEAP_ARENA_BASE_OFFSET;
}

#endif
