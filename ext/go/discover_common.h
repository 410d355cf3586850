/* SPDX-License-Identifier: MIT */
/*
 * Runtime globals in fully stripped binaries (-ldflags='-s -w').
 *
 * runtime.firstmoduledata: the moduledata's first word points at the
 * pcHeader, which starts the pclntab section (or is found by its magic).
 * Writable sections are read from the target (in a PIE the pointers are
 * relocated at load time) and every word equal to that address is a
 * candidate, accepted only when its text and data bounds are the
 * executable's section bounds.
 *
 * The other globals are found in the data and bss ranges the moduledata
 * gives, read from the target once per range:
 *
 *   - by content: waitReasonStrings and gStatusStrings are [N]string
 *     arrays with known leading texts; dbgvars is a []*dbgVar whose names
 *     are GODEBUG settings; isIdleInSynctest is a [N]bool whose pattern
 *     follows from the wait reason texts;
 *   - by code reference, then content: the runtime functions that touch
 *     allgs, allglen, sched.lastpoll and fingStatus (found by name in the
 *     pclntab) are decoded by the arch's code_refs, and each data address
 *     they name is checked against what the runtime keeps there;
 *   - mheap_ (optional): the heap code (spanOfHeap, findObject, ...) reads
 *     mheap_.arenas; a candidate is accepted when arenas[0] and the arena
 *     list beside it (allArenas, heapArenas in 1.25+) agree: every listed
 *     index has a heapArena, whose spans table holds mspans that cover
 *     their pages;
 *   - allfin, gcCleanups, allp (optional): the address the code singles
 *     out (read and written by queuefinalizer and read by markroot, for
 *     allfin), checked by what it holds (nil or a chain of blocks whose
 *     counts fit; allp: every P's id is its index); several candidates
 *     are accepted only when all hold nil (an empty queue either way);
 *   - semtable (optional): semacquire1 and semrelease1 both index it; a
 *     candidate is accepted when each of its 251 roots is empty or holds
 *     a sudog waiting on an address that hashes to that root, with the
 *     padding after each root untouched.  An empty table is accepted too:
 *     the code names only one.
 *
 * The optional ones are taken only when exactly one candidate passes;
 * otherwise they stay 0 and what needs them says it is unavailable.
 *
 * Where it lives:
 *
 *   discover_common.h this overview and what the files share
 *   discover_common.c copying the target's data ranges, and the data
 *                     addresses named by a runtime function's code
 *   discover_md.c     step 1, runtime.firstmoduledata
 *   discover_vars.c   step 2: allgs, allglen, sched, fingStatus and, by
 *                     content, the string tables, isIdleInSynctest and
 *                     dbgvars
 *   discover_heap.c   step 2, optional: mheap_ and semtable
 *   discover_roots.c  step 2, optional: allfin, gcCleanups and allp,
 *                     the off-heap roots --prove walks
 *
 * All loops are bounded and all reads are checked: corrupt data gives an
 * LD_ERR_LOOKUP naming the variable, never a wrong address.
 *
 * Below, what the parts share (private to ext/go/discover_*.c; the
 * interface is include/leakdump/go/discover.h): copies of the target's
 * data ranges, reads whose failure only means "no", and the data
 * addresses that runtime functions' code names.
 *
 * Ownership: a struct region or struct ranges owns its copy, freed by
 * region_free() / ld_disc_ranges_free(); a struct refset owns nothing and
 * is the caller's to allocate and free.
 */
#ifndef LD_DISCOVER_COMMON_H
#define LD_DISCOVER_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/error.h"
#include "leakdump/target/mem.h"
#include "leakdump/go/discover.h"
#include "leakdump/go/rt.h"

#define MAX_REGION	(1ull << 36)	/* sanity bound on one data range */
#define PAGE		4096u
#define MAX_REFS	512		/* data references per function */

/*
 * A range of target memory [lo, hi) (relocated), copied once; a range
 * larger than MAX_BULK (a program with a huge global array; the bound is
 * in discover_common.c) is not copied (buf NULL): its words are read on
 * demand and it is not scanned.
 */
struct region {
	uint64_t lo, hi;
	uint8_t *buf;
};

static inline void region_free(struct region *r)
{
	free(r->buf);
	r->buf = NULL;
	r->lo = r->hi = 0;
}

struct ld_error *ld_disc_region_read(const struct ld_discover_ctx *c,
				     uint64_t lo, uint64_t hi,
				     struct region *r);

static inline bool region_has(const struct region *r, uint64_t addr,
			      uint64_t len)
{
	return addr >= r->lo && addr <= r->hi && len <= r->hi - addr;
}

/* A read whose failure only means "no". */
static inline bool read_ok(const struct ld_discover_ctx *c, uint64_t addr,
			   void *buf, size_t len)
{
	struct ld_error *err = ld_mem_read(c->mem, addr, buf, len);

	ld_error_destroy(err);
	return !err;
}

/* Bytes [addr, addr+len) of r, from the copy or from the target. */
static inline bool region_get(const struct ld_discover_ctx *c,
			      const struct region *r, uint64_t addr, void *out,
			      size_t len)
{
	if (!region_has(r, addr, len))
		return false;
	if (!r->buf)
		return read_ok(c, addr, out, len);
	memcpy(out, r->buf + (addr - r->lo), len);
	return true;
}

static inline bool region_u64(const struct ld_discover_ctx *c,
			      const struct region *r, uint64_t addr,
			      uint64_t *v)
{
	return region_get(c, r, addr, v, 8);
}

/* The moduledata's data ranges, read from the target. */
struct ranges {
	struct region data, noptrdata, bss, noptrbss;
};

struct ld_error *ld_disc_ranges_read(const struct ld_discover_ctx *c,
				     struct ranges *r);
void ld_disc_ranges_free(struct ranges *r);
/* The range of r that holds [addr, addr+len), or NULL. */
const struct region *ld_disc_range_of(const struct ranges *r, uint64_t addr,
				      uint64_t len);

/*
 * Addresses referenced by the named functions, with how many of them
 * reference each one.
 */
struct refset {
	uint64_t addr[MAX_REFS];
	unsigned int count[MAX_REFS];
	size_t n;
	unsigned int nfuncs;	/* functions found */
};

/*
 * The data addresses the named function's code names (at most max, *k of
 * them) and, when kind is not NULL, how each is used (enum
 * ld_code_ref_kind); false if the function is not in the pclntab.
 */
bool ld_disc_func_refs(const struct ld_discover_ctx *c, const char *name,
		       uint64_t *out, uint8_t *kind, size_t max, size_t *k);
void ld_disc_refset_collect(const struct ld_discover_ctx *c,
			    const char *const *names, struct refset *rs);
size_t ld_disc_len_from_code(const struct ld_discover_ctx *c,
			     const char *const *names, uint64_t addr,
			     size_t lower, size_t upper);

/* The optional heap globals (discover_heap.c): set them or leave them 0. */
void ld_disc_find_mheap(const struct ld_discover_ctx *c,
			const struct ranges *rg);
void ld_disc_find_semtable(const struct ld_discover_ctx *c,
			   const struct ranges *rg);
/*
 * The off-heap roots (discover_roots.c): allfin, gcCleanups and allp set
 * or left 0; an error only when memory runs out.
 */
struct ld_error *ld_disc_find_roots(const struct ld_discover_ctx *c,
				    const struct ranges *rg);

#endif
