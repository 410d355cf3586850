// SPDX-License-Identifier: MIT
/*
 * Goroutine stacks as roots, precisely where the compiler's stack maps
 * allow, and the g structs and sudogs that are marked but never scanned.
 */
#include <stdlib.h>
#include <string.h>

#include "prove/prove_priv.h"
#include "leakdump/go/pcln.h"
#include "leakdump/model/unwind.h"
#include "leakdump/model/walk.h"

#define MAX_STACK_SCAN	(1ull << 30)	/* Go's maximum stack size */
#define MAX_SUDOGS	4096		/* per goroutine's waiting list */

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

/*
 * A stack's objects (address-taken locals), scanned as runtime.scanstack
 * does: only those a live pointer of the stack reaches.  One that nothing
 * points at is dead, or not yet initialised by its function: its words
 * are whatever earlier frames (or an earlier owner of the stack memory)
 * left there.
 */
struct pv_stack_obj {
	uint64_t ptr, size;
	const uint8_t *rec;		/* its runtime.stackObjectRecord */
	bool scanned;
};

struct pv_stack_objs {
	struct pv_stack_obj *o;
	size_t n, cap;
	uint64_t *ptrs;			/* words found pointing into the stack */
	size_t nptrs, cap_ptrs;
	uint64_t lo, hi;		/* the stack */
};

/* A root goroutine's g: its heap slot and bytes (read_g). */
struct pv_g {
	bool heap;			/* a heap object: sid, base, size */
	uint32_t sid;
	uint64_t base, size;
	const uint8_t *ov;		/* the slot's bytes, or NULL */
	const uint8_t *gv;		/* g's bytes, or NULL: unreadable */
	uint8_t buf[1024];
};

static void note_stack_ptr(struct ld_mark *p, uint64_t w)
{
	struct pv_stack_objs *so = p->sobjs;

	if (!so || w - so->lo >= so->hi - so->lo)
		return;
	if (!ld_grow((void **)&so->ptrs, &so->cap_ptrs, so->nptrs + 1,
		     sizeof(*so->ptrs))) {
		p->oom = true;		/* reported as a gap */
		return;
	}
	so->ptrs[so->nptrs++] = w;
}

static bool rd_stack(struct ld_mark *p, const struct ld_goroutine *g,
		     uint64_t addr, uint64_t *w);

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
	/* Any word of it may be a pointer to a stack object. */
	for (uint64_t a = lo; p->sobjs && a < hi; a += 8) {
		uint64_t w;

		if (v)
			memcpy(&w, v + (a - lo), 8);
		else if (!rd_stack(p, g, a, &w))
			continue;
		note_stack_ptr(p, w);
	}
	if (!v) {
		ld_prove_root_range(p, lo, hi);
		return;
	}
	ld_prove_begin_root(p, lo, hi);
	ld_prove_scan_words(p, lo, v, hi - lo);
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
			ld_prove_unreadable(p, base + (uint64_t)i * 8, 8);
			continue;
		}
		/* Stacks live in heap arenas too: test both. */
		note_stack_ptr(p, w);
		if (w - p->lo < p->hi - p->lo) {
			p->scan_at = base + (uint64_t)i * 8;
			ld_prove_mark_word(p, w);
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
 * A stack object through its pointer mask, as runtime.scanstack scans it:
 * the record (runtime.stackObjectRecord) gives the bytes that hold
 * pointers and the mask's offset from moduledata.rodata.  Scalars and
 * padding are stack memory the object never wrote: stale words of earlier
 * frames.  Whole when the mask is a GC program (Go 1.21-1.23: a negative
 * size) or cannot be read.
 */
#define MAX_STACK_MASK 512	/* bytes: objects of up to 32 kB of pointers */
static void scan_stack_object(struct ld_mark *p, const struct ld_goroutine *g,
			      uint64_t ptr, uint64_t size, const uint8_t *rec)
{
	uint8_t mask[MAX_STACK_MASK];
	int32_t ptrbytes;
	uint32_t gcoff;
	uint64_t nbit;

	memcpy(&ptrbytes, rec + 8, 4);
	memcpy(&gcoff, rec + 12, 4);
	if (!ptrbytes)
		return;			/* no pointers at all */
	nbit = ptrbytes > 0 ? (uint64_t)ptrbytes / 8 : 0;
	if (ptrbytes < 0 || !p->s->rodata || nbit * 8 > size ||
	    (nbit + 7) / 8 > sizeof(mask) ||
	    !ld_prove_rd(p, p->s->rodata + gcoff, mask, (nbit + 7) / 8)) {
		scan_stack_range(p, g, ptr, ptr + size);
		return;
	}
	scan_bitmap(p, g, ptr, mask, (int32_t)nbit);
}

/* Keep a stack object for later (scan it now if it cannot be kept). */
static void add_stack_object(struct ld_mark *p, const struct ld_goroutine *g,
			     uint64_t ptr, uint64_t size, const uint8_t *rec)
{
	struct pv_stack_objs *so = p->sobjs;

	if (!so || !ld_grow((void **)&so->o, &so->cap, so->n + 1,
			    sizeof(*so->o))) {
		scan_stack_object(p, g, ptr, size, rec);
		return;
	}
	so->o[so->n++] = (struct pv_stack_obj){ ptr, size, rec, false };
}

static int cmp_stack_obj(const void *a, const void *b)
{
	const struct pv_stack_obj *x = a, *y = b;

	return x->ptr < y->ptr ? -1 : x->ptr > y->ptr;
}

/* The stack object holding address a, or NULL. */
static struct pv_stack_obj *stack_obj_at(struct pv_stack_objs *so,
					 uint64_t a)
{
	size_t lo = 0, hi = so->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (so->o[mid].ptr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || a - so->o[lo - 1].ptr >= so->o[lo - 1].size)
		return NULL;
	return &so->o[lo - 1];
}

/*
 * Scan the stack objects the stack's pointers reach, and those their
 * pointers reach in turn; each once.  Pointers into the stack held by the
 * g itself (sched.ctxt, ...) count too: its words are taken as such
 * conservatively.
 */
static void scan_reached_objects(struct ld_mark *p,
				 const struct ld_goroutine *g,
				 const uint8_t *gv)
{
	struct pv_stack_objs *so = p->sobjs;
	size_t gsize = p->rt->g.size;

	if (gv) {
		for (size_t i = 0; i + 8 <= gsize; i += 8) {
			uint64_t w;

			memcpy(&w, gv + i, 8);
			note_stack_ptr(p, w);
		}
	} else {
		/* Unknown: every object counts as reached. */
		for (size_t i = 0; i < so->n; i++)
			note_stack_ptr(p, so->o[i].ptr);
	}
	if (!so->n)
		return;
	ld_sort(so->o, so->n, sizeof(*so->o), cmp_stack_obj);
	for (size_t i = 0; i < so->nptrs; i++) {
		struct pv_stack_obj *o = stack_obj_at(so, so->ptrs[i]);

		if (!o || o->scanned)
			continue;
		o->scanned = true;
		scan_stack_object(p, g, o->ptr, o->size, o->rec);
	}
}

/*
 * One frame as runtime.scanframeworker does: locals and arguments through
 * their stack maps at the frame's PC; its stack objects are kept for
 * scan_reached_objects.  Returns false when the frame has no usable map
 * (then it is scanned whole).
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
			const uint8_t *rec = objs + 8 + i * 16;
			int32_t off, size;
			uint64_t ptr;

			memcpy(&off, rec, 4);
			memcpy(&size, rec + 4, 4);
			ptr = (off < 0 ? varp : u->argp) + (uint64_t)(int64_t)off;
			if (ptr >= u->sp && size > 0)
				add_stack_object(p, g, ptr, (uint64_t)size,
						 rec);
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
static bool scan_stack_precise(struct ld_mark *p, const struct ld_goroutine *g,
			       const uint8_t *gv)
{
	const struct ld_rt_funcids *fid = &p->rt->fid;
	uint64_t covered = g->sp, d = 0, pn = 0;
	struct ld_unwinder u;
	struct pv_stack_objs so;
	bool whole_next = false, at_top = false;

	if (!p->s || !p->s->pcln || !p->s->gofunc || !gv ||
	    (g->flags & (LD_G_NO_STACK | LD_G_HAS_REGS)) ||
	    p->rt->g.defer_ < 0 || p->rt->g.panic_ < 0)
		return false;
	memcpy(&d, gv + p->rt->g.defer_, 8);
	memcpy(&pn, gv + p->rt->g.panic_, 8);
	if (d || pn)
		return false;
	so = (struct pv_stack_objs){ .lo = g->stack_lo, .hi = g->stack_hi };
	p->sobjs = &so;
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
		at_top = u.fn.flag & LD_FUNCFLAG_TOPFRAME;
	}
	/*
	 * What the walk did not reach (an assembly frame, bad data).  Above
	 * the outermost frame (goexit) is only what newproc1 reserved and
	 * never clears: stale words of the stack's previous owner, which
	 * the GC never scans either.
	 */
	if (covered < g->stack_hi && !(at_top && !u.error))
		scan_stack_range(p, g, covered, g->stack_hi);
	scan_reached_objects(p, g, gv);
	p->sobjs = NULL;
	free(so.o);
	free(so.ptrs);
	p->st->precise_stacks++;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void scan_goroutine(struct ld_mark *p, const struct ld_goroutine *g);

struct scan_walk {
	const struct ld_session *s;
	const uint32_t *gis;
};

/*
 * What the scan reads of item i: its goroutine's used stack (for the
 * pager, which faults it in ahead of the scan and drops it after, on the
 * other CPU; a trim of the whole core every few thousand goroutines was a
 * tenth of a proof's time on a core).
 */
static void used_stack(void *arg, size_t i, uint64_t *addr, size_t *len)
{
	const struct scan_walk *sw = arg;
	const struct ld_goroutine *g = &sw->s->gs[sw->gis[i]];

	*addr = g->sp;
	*len = 0;
	if (!(g->flags & LD_G_NO_STACK) && g->sp >= g->stack_lo &&
	    g->sp < g->stack_hi)
		*len = g->stack_hi - g->sp < LD_STACK_TOP ?
		       g->stack_hi - g->sp : LD_STACK_TOP;
}

/*
 * Goroutines gis[0..n) (indexes into s->gs), sorted here, as roots: their
 * stack tops are prefetched LD_BATCH goroutines at a time (live), or paged
 * in ahead (a core).
 */
void ld_prove_scan_goroutines(struct ld_mark *p, uint32_t *gis, size_t n)
{
	static const struct ld_walk_ops walk = {
		.flags = LD_WALK_TRIM | LD_WALK_PAGER | LD_WALK_STACKS,
		.range = used_stack,
	};
	struct ld_session *s = p->s;
	struct scan_walk sw = { s, gis };
	struct ld_walk w;
	size_t i;

	ld_sort(gis, n, sizeof(*gis), cmp_u32);
	ld_walk_begin_subset(&w, s, gis, n, &walk, &sw);
	while (ld_walk_next(&w, &i))
		scan_goroutine(p, &s->gs[gis[i]]);
	ld_walk_end(&w);
}

/*
 * A root goroutine's g, through its type's pointer bits when it is a heap
 * object (every g but g0 of the main thread is), as the GC scans it: its
 * stack bounds and saved registers are uintptrs, and g.stack.hi, one past
 * the stack, read as a pointer would mark whatever object follows it.
 * ov: the object's bytes, or NULL (then precise.c reads them).
 */
static void scan_g(struct ld_mark *p, const struct ld_goroutine *g,
		   const struct pv_g *pg)
{
	if (!pg->heap) {
		ld_prove_root_range(p, g->addr, g->addr + p->rt->g.size);
		return;
	}
	p->st->root_ranges++;
	p->st->root_bytes += pg->size;
	ld_prove_scan_object(p, pg->sid, pg->base, pg->size, pg->ov);
}

/*
 * g's bytes, read once for the three uses of a root goroutine: its heap
 * slot through the span cache (one read per span of g structs on a live
 * target, where three small reads per g went to the chunk cache before),
 * or a plain read for a g outside the heap.  pg->gv NULL: unreadable.
 */
static void read_g(struct ld_mark *p, const struct ld_goroutine *g,
		   struct pv_g *pg)
{
	size_t gsize = p->rt->g.size;
	uint32_t slot;

	pg->heap = ld_prove_find_object(p, g->addr, &pg->sid, &slot);
	pg->ov = pg->gv = NULL;
	if (pg->heap) {
		ld_prove_object_range(p, pg->sid, slot, &pg->base, &pg->size);
		if (g->addr + gsize <= pg->base + pg->size)
			pg->ov = ld_prove_object_bytes(p, pg->sid, pg->base,
						       pg->size);
		/* p->buf is reused by the stack scan: keep a copy. */
		if (pg->ov == p->buf && pg->size <= sizeof(pg->buf))
			pg->ov = memcpy(pg->buf, p->buf, pg->size);
		else if (pg->ov == p->buf)
			pg->ov = NULL;
		if (pg->ov)
			pg->gv = pg->ov + (g->addr - pg->base);
	}
	if (!pg->gv && gsize <= sizeof(pg->buf) &&
	    ld_prove_rd(p, g->addr, pg->buf, gsize))
		pg->gv = pg->buf;
}

/* A goroutine's stack (from where it stopped) and its g as roots. */
static void scan_goroutine(struct ld_mark *p, const struct ld_goroutine *g)
{
	uint64_t lo = g->sp;
	struct pv_g pg;

	read_g(p, g, &pg);
	ld_prove_from(p, LD_PATH_STACK, (uint32_t)(g - p->s->gs));
	if (!scan_stack_precise(p, g, pg.gv)) {
		if ((g->flags & LD_G_NO_STACK) || lo < g->stack_lo ||
		    lo > g->stack_hi)
			lo = g->stack_lo;
		if (g->stack_hi > lo && g->stack_hi - lo <= MAX_STACK_SCAN)
			ld_prove_root_range(p, lo, g->stack_hi);
	}
	ld_prove_from(p, LD_PATH_G, (uint32_t)(g - p->s->gs));
	scan_g(p, g, &pg);
	p->st->root_goroutines++;
}

void ld_prove_scan_registers(struct ld_mark *p)
{
	for (size_t i = 0; i < p->s->nthreads; i++) {
		const struct ld_thread_regs *r = &p->s->threads[i];

		ld_prove_from(p, LD_PATH_REGS, (uint32_t)i);
		ld_prove_scan_words(p, 0, (const uint8_t *)r->regs,
				    r->nregs * sizeof(r->regs[0]));
	}
}

/* g structs and the sudogs on waiting lists are never scanned. */
/*
 * The waitlink chains are followed a step at a time for every goroutine
 * at once, each step one batched read (one system call per IOV_MAX
 * sudogs on a live process, rather than one per sudog).
 */
void ld_prove_mark_bookkeeping(struct ld_mark *p)
{
	const struct ld_rt_blocking *k = &p->s->rt->blk;
	struct ld_mem_iov *v = calloc(p->s->ngs + 1, sizeof(*v));
	uint64_t *next = calloc(p->s->ngs + 1, sizeof(*next));
	size_t n = 0;

	for (size_t i = 0; i < p->s->ngs; i++) {
		ld_prove_mark_opaque(p, p->s->gs[i].addr);
		if (ld_goroutine_waiting(&p->s->gs[i]))
			next[n++] = ld_goroutine_waiting(&p->s->gs[i]);
	}
	/*
	 * Semaphore waiters' sudogs are not on g.waiting: they hang in the
	 * semtable's treaps, whose links (parent, prev, next) join sudogs of
	 * unrelated semaphores.  A woken waiter's stack holds its own sudog;
	 * scanned, it would reach every primitive of its treap.
	 */
	for (size_t i = 0; p->b && i < p->b->nsema_sudogs; i++)
		ld_prove_mark_opaque(p, p->b->sema_sudogs[i]);
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
			if (ld_prove_mark_opaque(p, next[i]))
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
