// SPDX-License-Identifier: MIT
/*
 * The roots marking starts from (ld_prove_roots): the modules' data and
 * bss, the runtime's off-heap roots (offheap.c), thread stacks or the
 * writable memory outside the Go heap, and every thread's registers
 * (scanned in stacks.c, as the goroutines' stacks).
 */
#include <stdlib.h>
#include <string.h>

#include "prove/prove_priv.h"

#define MAX_MODULES	64

struct range {
	uint64_t lo, hi;
};

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
		if (offs[i] < 0 ||
		    !ld_prove_rd(p, md + (uint64_t)offs[i], &v[i], 8))
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

	if (!mask || !ld_prove_rd(p, mask, hdr, sizeof(hdr)) ||
	    (nbits = (uint32_t)hdr[0]) < (hi - base) / 8 || nbits > (1u << 28) ||
	    !(bits = malloc(nbits / 8 + 1))) {
		ld_prove_root_range(p, lo, hi);
		return;
	}
	if (!ld_prove_rd(p, hdr[1], bits, nbits / 8 + (nbits % 8 != 0))) {
		free(bits);
		ld_prove_root_range(p, lo, hi);
		return;
	}
	ld_prove_begin_root(p, lo, hi);
	/* a < hi first: bounds near 2^64 must not wrap into the bitmap. */
	for (uint64_t a = (lo + 7) & ~7ull; a >= lo && a < hi && hi - a >= 8;
	     a += 8) {
		uint64_t i = (a - base) / 8, w;

		if (!(bits[i / 8] >> (i % 8) & 1))
			continue;
		if (!ld_prove_rd(p, a, &w, 8)) {
			ld_prove_unreadable(p, a, 8);
			continue;
		}
		if (w - p->lo < p->hi - p->lo) {
			p->scan_at = a;
			ld_prove_mark_word(p, w);
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

	ld_prove_from(p, LD_PATH_DATA, 0);
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

	ld_sort(r->v, r->n, sizeof(*r->v), cmp_range);
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

/* The lowest stack pointer of a thread inside [lo, hi), or hi. */
static uint64_t lowest_sp(const struct ld_mark *p, uint64_t lo, uint64_t hi)
{
	const struct ld_arch *a = p->s->arch;
	uint64_t min = hi;

	for (size_t i = 0; a && i < p->s->nthreads; i++) {
		const struct ld_thread_regs *r = &p->s->threads[i];
		uint64_t sp;

		if (r->nregs <= (uint32_t)a->reg_sp)
			continue;
		sp = ld_regs_sp(a, r);
		if (sp >= lo && sp < min)
			min = sp & ~7ull;
	}
	return min;
}

/*
 * [lo, hi): a piece of writable memory outside the heap.  Swept whole, or,
 * when the runtime's off-heap roots were walked by structure, only if it
 * is a thread's stack, from its stack pointer up.  The GC never scans the
 * system stacks (g0, gsignal): nothing the runtime leaves there outlives
 * the call that put it there.  But a snapshot stops threads anywhere,
 * mid-call (a timer's channel in sendTime on g0, an object between
 * mallocgc and its caller), so the live part of each thread's stack stays
 * a root, scanned conservatively.  In a pure-Go program only the main
 * thread's stack lies outside the heap (the other Ms' g0 and gsignal
 * stacks are stack spans in the arenas, as goroutine stacks).
 */
static void scan_piece(struct ld_mark *p, uint64_t lo, uint64_t hi,
		       bool stacks_only)
{
	if (!stacks_only) {
		p->st->other_bytes += hi - lo;
		ld_prove_root_range(p, lo, hi);
		return;
	}
	lo = lowest_sp(p, lo, hi);
	if (lo >= hi)
		return;
	p->st->thread_stack_bytes += hi - lo;
	ld_prove_root_range(p, lo, hi);
}

/*
 * Every writable mapping outside the heap arenas, the modules' data and
 * the runtime's span structures (whose startAddr names each span's first
 * object whether or not anything uses it); only thread stacks when
 * stacks_only.
 */
static bool scan_other_memory(struct ld_mark *p,
			      const struct ranges *modules, bool stacks_only)
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
	p->base_only = p->s->cgo_disabled && !stacks_only;
	ld_prove_from(p, LD_PATH_MAPPING, 0);
	for (size_t i = 0; i < maps.n; i++) {
		uint64_t at = maps.v[i].lo, end = maps.v[i].hi;

		while (j < skip.n && skip.v[j].hi <= at)
			j++;
		for (size_t k = j; at < end; k++) {
			uint64_t stop = k < skip.n && skip.v[k].lo < end ?
					skip.v[k].lo : end;

			if (stop > at)
				scan_piece(p, at, stop, stacks_only);
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

struct ld_error *ld_prove_roots(struct ld_mark *p)
{
	struct ranges modules = { 0 };
	uint64_t md = p->s->rt->firstmoduledata + p->s->bias, next;
	struct module_ranges m;
	const char *why;
	bool ok = true;

	for (int i = 0; md && i < MAX_MODULES; i++, md = next) {
		if (!module_ranges(p, md, &m, &next)) {
			ld_prove_unreadable(p, md, 8);
			break;
		}
		if (i == 0 && p->s->rt->md.types >= 0 &&
		    p->s->rt->md.etypes >= 0) {
			p->types_lo = ld_prove_read_word(p, md +
					(uint64_t)p->s->rt->md.types);
			p->types_hi = ld_prove_read_word(p, md +
					(uint64_t)p->s->rt->md.etypes);
		}
		if (i == 0) {
			p->rtdata_lo = UINT64_MAX;
			for (int k = 0; k < 4; k++) {
				if (m.all[k].lo < p->rtdata_lo)
					p->rtdata_lo = m.all[k].lo;
				if (m.all[k].hi > p->rtdata_hi)
					p->rtdata_hi = m.all[k].hi;
			}
		}
		scan_module(p, &m);
		for (int k = 0; ok && k < 4; k++)
			ok = ranges_add(&modules, m.all[k].lo, m.all[k].hi);
		if (!ok)
			break;
	}
	ld_prove_scan_registers(p);
	ld_prove_scan_specials(p);
	/*
	 * A pure-Go program's off-heap memory is the runtime's: walked as
	 * the structures the GC treats as roots (offheap.c).  C memory can
	 * hold the only pointer to a Go object: a cgo program's is swept.
	 */
	why = p->s->cgo_disabled ? ld_prove_offheap_missing(p) :
	      "not built with CGO_ENABLED=0: C memory";
	p->st->swept_why = why;
	if (!why)
		ld_prove_walk_offheap(p);
	if (ok)
		ok = scan_other_memory(p, &modules, !why);
	free(modules.v);
	return ok ? NULL : &ld_error_nomem;
}
