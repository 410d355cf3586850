// SPDX-License-Identifier: MIT
/*
 * Finding the runtime's globals without symbols (ext/go/discover*.c), in a
 * synthetic target: a moduledata whose ranges cover fake data, noptrdata,
 * bss and noptrbss regions, a pclntab (synth_pcln.h) naming runtime
 * functions whose code holds real x86-64 RIP-relative instructions, and a
 * small heap of goroutines.  Every world can be shifted by a load bias, as
 * a PIE is.
 *
 *   data      waitReasonStrings (22 entries, then an unrelated [N]string
 *             of texts that only the code's bounds check tells apart),
 *             gStatusStrings (7 entries, then a stray text), dbgvars
 *   noptrdata isIdleInSynctest
 *   bss       allgs, sched, semtable (one waiter), mheap_
 *   noptrbss  allglen, a decoy with the same value, fingStatus
 *   meta      mheap_'s arena index, one heapArena, its spans
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "leakdump/arch/arch.h"
#include "leakdump/target/mem.h"
#include "leakdump/go/discover.h"
#include "leakdump/go/heapgeom.h"
#include "leakdump/go/pcln.h"
#include "leakdump/go/rt.h"
#include "synth_pcln.h"

#define TEXT		0x401000ull
#define TEXT_SIZE	0x1200u
#define RODATA		0x480000ull
#define MD		0x500000ull
#define DATA		0x600000ull
#define NOPTRDATA	0x610000ull
#define BSS		0x620000ull
#define NOPTRBSS	0x630000ull
#define REGION		0x1000u
#define BSS_SIZE	0xa000u
#define HEAP		0xc000000000ull
#define HEAP_SIZE	0x1000u

/* Addresses (unrelocated) of what the tests look for. */
#define WAIT_STRINGS	(DATA + 0x100)
#define STATUS_STRINGS	(DATA + 0x400)
#define DBGVARS		(DATA + 0x800)
#define DBGVAR_PTRS	(DATA + 0x900)
#define DBGVAR_STRUCTS	(DATA + 0xa00)
#define IDLE		(NOPTRDATA + 0x41)	/* bool arrays are unaligned */
#define ALLGS		(BSS + 0x100)
#define SCHED		(BSS + 0x200)
#define ALLGLEN		(NOPTRBSS + 0x10)
#define FING		(NOPTRBSS + 0x20)
#define DECOY		(NOPTRBSS + 0x30)
#define SEMTABLE	(BSS + 0x1000)
#define MHEAP		(BSS + 0x9000)
#define ALLFIN		(NOPTRBSS + 0x40)
#define FINC		(NOPTRBSS + 0x48)	/* read and written, not by markroot */
#define ALLFIN2		(NOPTRBSS + 0x50)	/* a second candidate, if asked */
#define GC_CLEANUPS	(BSS + 0x400)
#define CQ_ALL		128
#define ALLP		(BSS + 0x600)

/*
 * Off-heap blocks (persistentalloc'd; above even the huge bss):
 * finalizer blocks, cleanup blocks, two Ps.
 */
#define OFFHEAP		0x20000000ull
#define OFFHEAP_SIZE	0x800u
#define FINBLOCKS	OFFHEAP
#define FB_SIZE		0x100		/* alllink 0, cnt 16, fin 32 */
#define CLEANUPBLOCKS	(OFFHEAP + 0x200)	/* alllink 8, n 16, at 24 */
#define PS		(OFFHEAP + 0x400)

/* semtable: 251 roots of 64 bytes, treap at 8; one sudog waiting */
#define SEM_ENTRY	64
#define SUDOG		(HEAP + 0x400)
#define SEMA_ADDR	(HEAP + 0x800)	/* the waited-on uint32 */

/*
 * mheap_: arenas at 0x100 (its [0] points 8 * ri below META, so that
 * entry ri is META's first word), heapArenas at 0x120.
 */
#define META		0x2000000ull
#define META_SIZE	0x11000u
#define ARENAS_OFF	0x100
#define LIST_OFF	0x120
#define HA		(META + 0x100)	/* the heapArena */
#define HA_SPANS	0x40
#define ARENA_LIST	(META + 0x10200)
#define MSPANS		(META + 0x10400)
#define MSPAN_SIZE	0x40

#define NWAIT		22
#define NSTATUS		7
#define NGS		3
#define G_SIZE		0x40

/* Function entries (offsets from TEXT). */
enum { F_ALLGADD, F_RACE, F_HEADER, F_POLLWORK, F_WAKE, F_ISSYS,
       F_SEMACQ, F_SEMREL, F_SPANOF, F_FINDOBJ, F_QUEUEFIN, F_MARKROOT,
       F_FREESPECIAL, F_SWEEPEND, F_TINY, F_PROCRESIZE, F_CREATEFING,
       F_NFUNC };
static const char *const fnames[F_NFUNC] = {
	"runtime.allgadd", "runtime.forEachGRace",
	"runtime.goroutineheader", "runtime.pollWork",
	"runtime.wakeNetPoller", "runtime.isSystemGoroutine",
	"runtime.semacquire1", "runtime.semrelease1",
	"runtime.spanOfHeap", "runtime.findObject",
	"runtime.queuefinalizer", "runtime.markroot", "runtime.freeSpecial",
	"runtime.(*activeSweep).end", "runtime.gcMarkTinyAllocs",
	"runtime.procresize", "runtime.createfing",
};
#define FSIZE 0x100

static const char *const wait_texts[] = {
	"", "GC assist marking", "IO wait", "dumping heap",
	"garbage collection", "garbage collection scan", "panicwait",
	"select", "GC assist wait", "GC sweep wait", "GC scavenge wait",
	"chan receive", "chan send", "finalizer wait", "force gc (idle)",
	"semacquire", "sync.Cond.Wait", "sync.Mutex.Lock", "preempted",
	"debug call", "sleep", "synctest.Wait",
	/* syscall.signals-like neighbour: texts, but not wait reasons */
	"hangup", "interrupt",
};
static const char *const status_texts[] = {
	"idle", "runnable", "running", "syscall", "waiting", "", "dead",
	"unknown",	/* a neighbour */
};
static const char *const dbg_names[] = {
	"asyncpreemptoff", "gctrace", "invalidptr", "madvdontneed",
	"tracebacklabels",
};
#define NDBG 5

struct world {
	uint64_t bias;
	uint8_t text[TEXT_SIZE];
	uint8_t rodata[REGION];
	uint8_t md[0x100];
	uint8_t data[REGION], noptrdata[REGION], bss[BSS_SIZE];
	uint8_t noptrbss[REGION];
	uint8_t heap[HEAP_SIZE];
	uint8_t meta[META_SIZE];
	uint8_t offheap[OFFHEAP_SIZE];
	uint8_t gofunc[0x40];
	struct synth_tab tab;
	struct ld_rt rt;
	struct ld_discover_ctx ctx;
	size_t rodata_used;
	/* what to break */
	bool no_funcs, bad_goid, bad_fing, bad_gc_text, short_noptrbss;
	bool huge_bss, no_waiter, bad_sema_hash, two_semtables, bad_stack;
	bool bad_arena, stale_spans_only;
	/*
	 * The off-heap roots: allfin nil, a second candidate for it (nil,
	 * bad or a chain of its own), its block's count too big or its
	 * chain a cycle; a cleanup block's count too big.
	 */
	bool fin_nil, fin_second_nil, fin_second_bad, fin_second_valid;
	bool fin_bad_count, fin_cycle, cleanup_bad_count;
};

static void put64(uint8_t *buf, uint64_t off, uint64_t v)
{
	memcpy(buf + off, &v, 8);
}

/* A Go string in rodata; returns its (relocated) address. */
static uint64_t rostr(struct world *w, const char *t)
{
	uint64_t a = RODATA + w->rodata_used + w->bias;

	memcpy(w->rodata + w->rodata_used, t, strlen(t));
	w->rodata_used += strlen(t) + 1;
	return a;
}

static void put_string(struct world *w, uint8_t *buf, uint64_t off,
		       const char *t)
{
	put64(buf, off, *t ? rostr(w, t) : 0);
	put64(buf, off + 8, strlen(t));
}

/* --- x86-64 encodings, at text offset at; target is unrelocated --- */

static uint64_t emit(struct world *w, uint64_t at, const uint8_t *op,
		     size_t nop, uint64_t target, const uint8_t *imm,
		     size_t nimm)
{
	uint64_t next = at + nop + 4 + nimm;
	int32_t disp = (int32_t)((int64_t)target - (int64_t)(TEXT + next));

	memcpy(w->text + at, op, nop);
	memcpy(w->text + at + nop, &disp, 4);
	if (nimm)
		memcpy(w->text + at + nop + 4, imm, nimm);
	return next;
}

static uint64_t mov_load(struct world *w, uint64_t at, uint64_t target)
{
	static const uint8_t op[] = { 0x48, 0x8b, 0x05 };	/* mov rax */

	return emit(w, at, op, 3, target, NULL, 0);
}

static uint64_t lea(struct world *w, uint64_t at, uint64_t target)
{
	static const uint8_t op[] = { 0x48, 0x8d, 0x15 };	/* lea rdx */

	return emit(w, at, op, 3, target, NULL, 0);
}

static uint64_t mov_store(struct world *w, uint64_t at, uint64_t target)
{
	static const uint8_t op[] = { 0x48, 0x89, 0x15 };	/* mov m, rdx */

	return emit(w, at, op, 3, target, NULL, 0);
}

static uint64_t xchg(struct world *w, uint64_t at, uint64_t target)
{
	static const uint8_t op[] = { 0x48, 0x87, 0x0d };

	return emit(w, at, op, 3, target, NULL, 0);
}

static uint64_t lock_or(struct world *w, uint64_t at, uint64_t target)
{
	static const uint8_t op[] = { 0xf0, 0x83, 0x0d };	/* orl $2 */
	static const uint8_t imm[] = { 0x02 };

	return emit(w, at, op, 3, target, imm, 1);
}

static uint64_t cmp_imm8(struct world *w, uint64_t at, uint8_t byte_op,
			 uint8_t v)
{
	/* cmp dil, imm8 (40 80 ff ib) or cmp ecx, imm8 (83 f9 ib) */
	if (byte_op) {
		const uint8_t c[] = { 0x40, 0x80, 0xff, v, 0x72, 0x00 };

		memcpy(w->text + at, c, sizeof(c));
		return at + sizeof(c);
	} else {
		const uint8_t c[] = { 0x83, 0xf9, v, 0x73, 0x00 };

		memcpy(w->text + at, c, sizeof(c));
		return at + sizeof(c);
	}
}

static void write_code(struct world *w)
{
	uint64_t at;

	memset(w->text, 0xcc, sizeof(w->text));
	at = F_ALLGADD * FSIZE;
	at = mov_load(w, at, ALLGS + 16);
	at = mov_load(w, at, ALLGS + 8);
	at = mov_load(w, at, ALLGS);
	at = mov_load(w, at, DECOY);	/* same value as allglen */
	at = lea(w, at, ALLGLEN);
	xchg(w, at, ALLGLEN);

	at = F_RACE * FSIZE;
	at = mov_load(w, at, ALLGLEN);
	mov_load(w, at, WAIT_STRINGS);	/* noise */

	at = F_HEADER * FSIZE;
	at = cmp_imm8(w, at, 0, NSTATUS);
	at = lea(w, at, STATUS_STRINGS);
	at = cmp_imm8(w, at + 0x40, 1, NWAIT);
	at = cmp_imm8(w, at, 0, 4);
	lea(w, at, WAIT_STRINGS);

	at = F_POLLWORK * FSIZE;
	at = mov_load(w, at, SCHED + 8);
	mov_load(w, at, SCHED + 0x40);
	at = F_WAKE * FSIZE;
	at = mov_load(w, at, SCHED + 16);
	mov_load(w, at, SCHED + 8);

	at = F_ISSYS * FSIZE;
	mov_load(w, at, FING);
	/* both index the semtable; both also read a noptrbss word */
	at = F_SEMACQ * FSIZE;
	at = lea(w, at, SEMTABLE);
	at = mov_load(w, at, FING);
	if (w->two_semtables)
		lea(w, at, SEMTABLE + SEM_ENTRY * 251);
	at = F_SEMREL * FSIZE;
	at = lea(w, at, SEMTABLE);
	at = mov_load(w, at, FING);
	if (w->two_semtables)
		lea(w, at, SEMTABLE + SEM_ENTRY * 251);

	/* both read mheap_.arenas and mheap_.lock (a decoy candidate) */
	at = F_SPANOF * FSIZE;
	at = mov_load(w, at, MHEAP + ARENAS_OFF);
	mov_load(w, at, MHEAP);
	at = F_FINDOBJ * FSIZE;
	at = lea(w, at, MHEAP);
	mov_load(w, at, MHEAP + ARENAS_OFF);

	/*
	 * queuefinalizer reads and writes finc and allfin; markroot reads
	 * allfin, gcCleanups.all and a work word; the sweeper's users take
	 * &gcCleanups; gcMarkTinyAllocs reads allp, procresize writes it.
	 */
	at = F_QUEUEFIN * FSIZE;
	at = mov_load(w, at, FINC);
	at = mov_store(w, at, FINC);
	at = mov_load(w, at, ALLFIN);
	at = mov_store(w, at, ALLFIN);
	if (w->fin_second_nil || w->fin_second_bad || w->fin_second_valid) {
		at = mov_load(w, at, ALLFIN2);
		mov_store(w, at, ALLFIN2);
	}
	at = F_MARKROOT * FSIZE;
	at = mov_load(w, at, ALLFIN);
	at = mov_load(w, at, GC_CLEANUPS + CQ_ALL);
	at = mov_load(w, at, SCHED + 0x40);
	if (w->fin_second_nil || w->fin_second_bad || w->fin_second_valid)
		mov_load(w, at, ALLFIN2);
	at = F_FREESPECIAL * FSIZE;
	lea(w, at, GC_CLEANUPS);
	at = F_SWEEPEND * FSIZE;
	at = lea(w, at, GC_CLEANUPS);
	lea(w, at, SCHED);
	at = F_TINY * FSIZE;
	at = mov_load(w, at, ALLP);
	mov_load(w, at, ALLP + 8);
	at = F_PROCRESIZE * FSIZE;
	at = mov_store(w, at, ALLP);
	mov_store(w, at, ALLP + 8);

	at = F_CREATEFING * FSIZE;
	at = lock_or(w, at, FING);
	mov_load(w, at, FING + 0x100);
}

/* The semtable with one waiter (a sudog on SEMA_ADDR) in its root. */
static void write_semtable(struct world *w)
{
	uint64_t b = w->bias, elem = SEMA_ADDR + b;
	uint64_t root = (elem >> 3) % 251;
	uint64_t at = SEMTABLE - BSS + root * SEM_ENTRY;

	if (w->no_waiter)
		return;
	if (w->bad_sema_hash)
		at = SEMTABLE - BSS + ((root + 1) % 251) * SEM_ENTRY;
	put64(w->bss, at, 0);			/* lock */
	put64(w->bss, at + 8, SUDOG + b);	/* treap */
	put64(w->bss, at + 16, 1);		/* nwait */
	put64(w->heap, SUDOG - HEAP, HEAP + 0x100 + b);	/* g */
	put64(w->heap, SUDOG - HEAP + 24, elem);		/* elem */
}

/*
 * mheap_ and its arena: spans of pages 0-1 (A) and 6-7 (C), and a stale
 * entry at page 5 (B, since reused for page 100).
 */
static void write_mheap(struct world *w)
{
	uint64_t b = w->bias, ri = ld_heap_arena_index(HEAP);
	uint64_t base = ld_heap_arena_base(ri);
	uint64_t spans = HA - META + HA_SPANS;
	const struct { uint64_t page, start, npages; } sp[] = {
		{ 0, 0, 2 }, { 1, 0, 2 }, { 5, 100, 1 },
		{ 6, 6, 2 }, { 7, 6, 2 },
	};

	put64(w->bss, MHEAP - BSS + ARENAS_OFF, META + b - ri * 8);
	put64(w->bss, MHEAP - BSS + LIST_OFF, ARENA_LIST + b);
	put64(w->bss, MHEAP - BSS + LIST_OFF + 8, 1);
	put64(w->bss, MHEAP - BSS + LIST_OFF + 16, 4);
	put64(w->meta, ARENA_LIST - META, ri);
	put64(w->meta, 0, w->bad_arena ? 0 : HA + b);
	for (size_t i = 0; i < sizeof(sp) / sizeof(*sp); i++) {
		uint64_t ms = MSPANS - META + MSPAN_SIZE * i;

		if (w->stale_spans_only && sp[i].page != 5)
			continue;
		put64(w->meta, spans + 8 * sp[i].page, META + ms + b);
		put64(w->meta, ms + 24, base + sp[i].start * LD_HEAP_PAGE_SIZE);
		put64(w->meta, ms + 32, sp[i].npages);
	}
}

/*
 * allfin: two finalizer blocks (counts 2 and 5 of 5); finc: the first.
 * gcCleanups.all: one cleanup block (3 of 29).  allp: two Ps.
 */
static void write_roots(struct world *w)
{
	uint64_t b = w->bias, fb0 = FINBLOCKS - OFFHEAP, fb1 = fb0 + FB_SIZE;
	uint64_t cb = CLEANUPBLOCKS - OFFHEAP;

	put64(w->offheap, fb0, FINBLOCKS + FB_SIZE + b);	/* alllink */
	put64(w->offheap, fb0 + 16, w->fin_bad_count ? 6 : 2);
	put64(w->offheap, fb1, w->fin_cycle ? FINBLOCKS + b : 0);
	put64(w->offheap, fb1 + 16, 5);
	put64(w->noptrbss, ALLFIN - NOPTRBSS, w->fin_nil ? 0 : FINBLOCKS + b);
	put64(w->noptrbss, FINC - NOPTRBSS, w->fin_nil ? 0 : FINBLOCKS + b);
	/* a pointer into the data is no finalizer block */
	if (w->fin_second_bad)
		put64(w->noptrbss, ALLFIN2 - NOPTRBSS, DATA + b);
	if (w->fin_second_valid)
		put64(w->noptrbss, ALLFIN2 - NOPTRBSS, FINBLOCKS + FB_SIZE + b);
	put64(w->bss, GC_CLEANUPS - BSS + CQ_ALL, CLEANUPBLOCKS + b);
	put64(w->offheap, cb + 16, w->cleanup_bad_count ? 30 : 3);
	put64(w->bss, ALLP - BSS, PS + b);
	put64(w->bss, ALLP - BSS + 8, 2);
	put64(w->bss, ALLP - BSS + 16, 2);
	for (uint64_t i = 0; i < 2; i++) {
		put64(w->offheap, PS - OFFHEAP + 0x20 + 8 * i, PS + 0x100 * (i + 1) + b);
		put64(w->offheap, PS - OFFHEAP + 0x100 * (i + 1), i);	/* id */
	}
	/* allp's array is the Ps' pointers */
	put64(w->bss, ALLP - BSS, PS + 0x20 + b);
}

static void write_data(struct world *w)
{
	uint64_t b = w->bias;

	for (size_t i = 0; i < sizeof(wait_texts) / sizeof(*wait_texts); i++)
		put_string(w, w->data, WAIT_STRINGS - DATA + 16 * i,
			   wait_texts[i]);
	if (w->bad_gc_text)
		put_string(w, w->data, WAIT_STRINGS - DATA + 16,
			   "GC assist markinG");
	for (size_t i = 0; i < sizeof(status_texts) / sizeof(*status_texts);
	     i++)
		put_string(w, w->data, STATUS_STRINGS - DATA + 16 * i,
			   status_texts[i]);
	/* dbgvars: a []*dbgVar literal (len == cap) */
	put64(w->data, DBGVARS - DATA, DBGVAR_PTRS + b);
	put64(w->data, DBGVARS - DATA + 8, NDBG);
	put64(w->data, DBGVARS - DATA + 16, NDBG);
	for (size_t i = 0; i < NDBG; i++) {
		put64(w->data, DBGVAR_PTRS - DATA + 8 * i,
		      DBGVAR_STRUCTS + 32 * i + b);
		put_string(w, w->data, DBGVAR_STRUCTS - DATA + 32 * i,
			   dbg_names[i]);
	}
	/*
	 * isIdleInSynctest: sync.Cond.Wait, sleep and synctest.Wait are
	 * idle; a decoy nearby differs in one place.
	 */
	w->noptrdata[IDLE - NOPTRDATA + 16] = 1;
	w->noptrdata[IDLE - NOPTRDATA + 20] = 1;
	w->noptrdata[IDLE - NOPTRDATA + 21] = 1;
	w->noptrdata[0x200 + 20] = 1;
	w->noptrdata[0x200 + 21] = 1;

	/* allgs: three gs, goroutine 1 first */
	put64(w->bss, ALLGS - BSS, HEAP + b);
	put64(w->bss, ALLGS - BSS + 8, NGS);
	put64(w->bss, ALLGS - BSS + 16, 4);
	for (size_t i = 0; i < NGS; i++) {
		uint64_t g = 0x100 + G_SIZE * i;
		uint64_t goid = i == 0 ? (w->bad_goid ? 7 : 1) : 2 + i;

		put64(w->heap, 8 * i, HEAP + b + g);
		put64(w->heap, g, HEAP + 0x800);		/* stack.lo */
		put64(w->heap, g + 8, w->bad_stack && i == 1 ?
			HEAP + 0x400 : HEAP + 0x1000);	/* stack.hi */
		put64(w->heap, g + 16, i == 2 ? 6 : 4);	/* status */
		put64(w->heap, g + 24, goid);
	}
	/* a second slice that is not allgs */
	put64(w->bss, 0x300, HEAP + b + 0x100);
	put64(w->bss, 0x308, 1);
	put64(w->bss, 0x310, 1);
	/* sched: goidgen, lastpoll */
	put64(w->bss, SCHED - BSS, 32);
	put64(w->bss, SCHED - BSS + 8, 123456789);
	put64(w->bss, SCHED - BSS + 0x40, 5);
	put64(w->bss, SCHED - BSS + 16, 9);

	put64(w->noptrbss, ALLGLEN - NOPTRBSS, NGS);
	put64(w->noptrbss, DECOY - NOPTRBSS, NGS);
	put64(w->noptrbss, FING - NOPTRBSS, w->bad_fing ? 0x100 : 1);
	write_semtable(w);
	write_mheap(w);
	write_roots(w);
}

static void write_md(struct world *w)
{
	const uint64_t v[] = {
		RODATA, TEXT, TEXT + TEXT_SIZE - 1,
		NOPTRDATA, NOPTRDATA + REGION, DATA, DATA + REGION,
		BSS, BSS + BSS_SIZE + (w->huge_bss ? (256ull << 20) : 0),
		NOPTRBSS,
		/* past the buffer: the last page reads as zeros */
		NOPTRBSS + REGION + (w->short_noptrbss ? REGION : 0),
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		put64(w->md, 8 * i, v[i] + w->bias);
}

static void set_rt(struct world *w)
{
	struct ld_rt *rt = &w->rt;

	memset(rt, 0, sizeof(*rt));
	strcpy(rt->go_version, "go1.26.0");
	rt->go_major = 1;
	rt->go_minor = 26;
	rt->md = (struct ld_rt_moduledata){
		.pc_header = 0, .text = 8, .etext = 16, .noptrdata = 24,
		.enoptrdata = 32, .data = 40, .edata = 48, .bss = 56,
		.ebss = 64, .noptrbss = 72, .enoptrbss = 80, .ftab = -1,
		.types = -1, .etypes = -1, .gofunc = -1, .next = -1,
	};
	rt->g.size = G_SIZE;
	rt->g.stack_lo = 0;
	rt->g.stack_hi = 8;
	rt->g.atomicstatus = 16;
	rt->g.goid = 24;
	rt->g_scan = 0x1000;
	rt->sched_lastpoll = 8;
	rt->dbgvar_name = 0;
	rt->dbgvar_atomic = 24;
	rt->firstmoduledata = MD;
	rt->stripped = true;
	rt->blk.sudog_g = 0;
	rt->blk.sudog_elem = 24;
	rt->blk.sudog_elem_vu = -1;
	rt->blk.sudog_size = 88;
	rt->blk.semaroot_treap = 8;
	rt->blk.semtable_size = 251 * SEM_ENTRY;
	rt->heap.arenas = ARENAS_OFF;
	rt->heap.all_arenas = -1;
	rt->heap.heap_arenas = LIST_OFF;
	rt->heap.ha_spans = HA_SPANS;
	rt->heap.span_start_addr = 24;
	rt->heap.span_npages = 32;
	/* Go 1.26: finBlock, cleanupQueue; 5 finalizers, 29 cleanups a block */
	rt->roots.finblock_alllink = rt->roots.finblock_cnt = -1;
	rt->roots.finblock_fin = -1;
	rt->roots.finblock2_alllink = 0;
	rt->roots.finblock2_cnt = 16;
	rt->roots.finblock2_fin = 32;
	rt->roots.finblock2_size = FB_SIZE;
	rt->roots.finalizer_size = 40;
	rt->cleanup_queue = true;
	rt->roots.cq_all = CQ_ALL;
	rt->roots.cb_alllink = 8;
	rt->roots.cb_n = 16;
	rt->roots.cb_cleanups = 24;
	rt->roots.cleanupblock_size = 0x100;
	rt->roots.cleanupfn_size = 8;
}

static struct synth_func funcs[F_NFUNC];

static void open_world(struct world *w)
{
	struct synth_desc d = { 0 };
	struct ld_pcln_config cfg = { 0 };
	struct ld_discover_ctx *s = &w->ctx;
	const struct { uint64_t addr; void *buf; size_t len; } segs[] = {
		{ TEXT, w->text, sizeof(w->text) },
		{ RODATA, w->rodata, sizeof(w->rodata) },
		{ MD, w->md, sizeof(w->md) },
		{ DATA, w->data, sizeof(w->data) },
		{ NOPTRDATA, w->noptrdata, sizeof(w->noptrdata) },
		{ BSS, w->bss, sizeof(w->bss) },
		{ NOPTRBSS, w->noptrbss, sizeof(w->noptrbss) },
		{ HEAP, w->heap, sizeof(w->heap) },
		{ META, w->meta, sizeof(w->meta) },
		{ OFFHEAP, w->offheap, sizeof(w->offheap) },
	};

	write_code(w);
	write_data(w);
	write_md(w);
	set_rt(w);
	for (size_t i = 0; i < F_NFUNC; i++)
		funcs[i] = (struct synth_func){ .name = fnames[i],
						.entry = FSIZE * i };
	/* Without the functions, only the last one (no code) remains. */
	d.funcs = w->no_funcs ? &funcs[F_CREATEFING] : funcs;
	d.nfunc = w->no_funcs ? 1 : F_NFUNC;
	d.text_end = TEXT_SIZE;
	if (w->no_funcs)
		funcs[F_CREATEFING].entry = 0;
	assert_true(synth_build(&d, &w->tab));
	cfg.data = w->tab.buf;
	cfg.size = w->tab.size;
	cfg.text_start = TEXT + w->bias;
	cfg.gofunc = w->gofunc;
	cfg.gofunc_size = sizeof(w->gofunc);
	memset(s, 0, sizeof(*s));
	s->arch = &ld_arch_amd64;	/* the code above is x86-64 */
	s->rt = &w->rt;
	s->bias = w->bias;
	s->etext = TEXT + TEXT_SIZE + w->bias;
	assert_null(ld_pcln_open(&cfg, &s->pcln));
	assert_null(ld_mem_create(&s->mem));
	for (size_t i = 0; i < sizeof(segs) / sizeof(*segs); i++)
		assert_null(ld_mem_add_buffer(s->mem, segs[i].addr + w->bias,
					      segs[i].buf, segs[i].len));
}

static void close_world(struct world *w)
{
	ld_pcln_destroy(w->ctx.pcln);
	ld_mem_destroy(w->ctx.mem);
	synth_free(&w->tab);
	free(w);
}

static struct world *new_world(uint64_t bias)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->bias = bias;
	return w;
}

static void check_found(struct world *w)
{
	const struct ld_rt *rt = &w->rt;

	assert_null(ld_discover_runtime_vars(&w->ctx));
	assert_int_equal(rt->wait_reason_strings, WAIT_STRINGS);
	/* the texts run on to 24, the bounds check says 22 */
	assert_int_equal(rt->wait_reason_count, NWAIT);
	assert_int_equal(rt->g_status_strings, STATUS_STRINGS);
	assert_int_equal(rt->g_status_count, NSTATUS);
	assert_int_equal(rt->allgs, ALLGS);
	assert_int_equal(rt->allglen, ALLGLEN);
	assert_int_equal(rt->sched, SCHED);
	assert_int_equal(rt->fing_status, FING);
	assert_int_equal(rt->dbgvars, DBGVARS);
	assert_int_equal(rt->is_idle_in_synctest, IDLE);
	assert_int_equal(rt->semtable, SEMTABLE);
	assert_int_equal(rt->heap.mheap, MHEAP);
	assert_int_equal(rt->roots.allfin, w->fin_second_valid ? 0 : ALLFIN);
	assert_int_equal(rt->roots.gc_cleanups,
			 w->cleanup_bad_count ? 0 : GC_CLEANUPS);
	assert_int_equal(rt->roots.allp, ALLP);
}

static void test_finds_everything(void **state)
{
	struct world *w = new_world(0);

	open_world(w);
	check_found(w);
	close_world(w);
}

/* A PIE: everything loaded 0x7f0000000000 higher; results unrelocated. */
static void test_finds_everything_pie(void **state)
{
	struct world *w = new_world(0x7f0000000000ull);

	open_world(w);
	check_found(w);
	close_world(w);
}

/* A data range running past readable memory reads as zeros. */
static void test_partly_unreadable_range(void **state)
{
	struct world *w = new_world(0);

	w->short_noptrbss = true;
	open_world(w);
	check_found(w);
	close_world(w);
}

/*
 * A bss of 256 MiB (a program with a big global array) is not copied:
 * what code references name is read on demand.
 */
static void test_huge_bss_read_on_demand(void **state)
{
	struct world *w = new_world(0);

	w->huge_bss = true;
	open_world(w);
	check_found(w);
	close_world(w);
}

static void assert_lookup(struct ld_error *err, const char *name)
{
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_LOOKUP);
	assert_non_null(strstr(err->message, name));
	ld_error_destroy(err);
}

static void test_no_wait_reasons(void **state)
{
	struct world *w = new_world(0);

	w->bad_gc_text = true;
	open_world(w);
	assert_lookup(ld_discover_runtime_vars(&w->ctx),
		      "runtime.waitReasonStrings");
	close_world(w);
}

/* One damaged g (stack.hi < stack.lo) costs that goroutine, not allgs. */
static void test_one_damaged_g_tolerated(void **state)
{
	struct world *w = new_world(0);

	w->bad_stack = true;
	open_world(w);
	assert_null(ld_discover_runtime_vars(&w->ctx));
	assert_int_equal(w->rt.allgs, ALLGS);
	close_world(w);
}

/*
 * The data range at the very top of the address space (found by
 * fuzz_discover: "a + 48 <= hi" wrapped past 2^64 and the string-table
 * scan read beyond the range's copy).  Nothing found, nothing overrun.
 */
static void test_data_range_at_top(void **state)
{
	struct world *w = new_world(0);

	open_world(w);
	put64(w->md, 40, 0xffffffffffffffe0ull);	/* data */
	put64(w->md, 48, 0xfffffffffffffff8ull);	/* edata */
	assert_lookup(ld_discover_runtime_vars(&w->ctx),
		      "runtime.waitReasonStrings");
	close_world(w);
}

static void test_no_goroutine_one(void **state)
{
	struct world *w = new_world(0);

	w->bad_goid = true;
	open_world(w);
	assert_lookup(ld_discover_runtime_vars(&w->ctx), "runtime.allgs");
	close_world(w);
}

/*
 * Without runtime.allgadd in the pclntab, allgs is still found by
 * scanning bss, but allglen (a bare number) is not guessed: left 0, so
 * that allgs' own length serves.
 */
static void test_no_code_to_follow(void **state)
{
	struct world *w = new_world(0);

	w->no_funcs = true;
	open_world(w);
	ld_error_destroy(ld_discover_runtime_vars(&w->ctx));
	assert_int_equal(w->rt.allgs, ALLGS);
	assert_int_equal(w->rt.allglen, 0);
	close_world(w);
}

/* An optional variable that fails its check is left 0, not guessed. */
static void test_optional_left_zero(void **state)
{
	struct world *w = new_world(0);

	w->bad_fing = true;
	open_world(w);
	assert_null(ld_discover_runtime_vars(&w->ctx));
	assert_int_equal(w->rt.fing_status, 0);
	assert_int_equal(w->rt.sched, SCHED);
	close_world(w);
}

/* Corrupt moduledata ranges are an error, not a giant allocation. */
static void test_corrupt_moduledata(void **state)
{
	struct world *w = new_world(0);
	struct ld_error *err;

	open_world(w);
	put64(w->md, 48, DATA - 8);	/* edata below data */
	err = ld_discover_runtime_vars(&w->ctx);
	assert_non_null(err);
	ld_error_destroy(err);
	put64(w->md, 48, DATA + (1ull << 40));	/* 1 TiB of data */
	err = ld_discover_runtime_vars(&w->ctx);
	assert_non_null(err);
	ld_error_destroy(err);
	close_world(w);
}

/* An empty semtable is one too: the code names only one. */
static void test_semtable_empty(void **state)
{
	struct world *w = new_world(0);

	w->no_waiter = true;
	open_world(w);
	check_found(w);
	close_world(w);
}

/* Optional variables that fail their checks are left 0, not guessed. */
static void check_left_zero(struct world *w, bool semtable, bool mheap)
{
	open_world(w);
	assert_null(ld_discover_runtime_vars(&w->ctx));
	assert_int_equal(w->rt.semtable, semtable ? 0 : SEMTABLE);
	assert_int_equal(w->rt.heap.mheap, mheap ? 0 : MHEAP);
	assert_int_equal(w->rt.allgs, ALLGS);
	close_world(w);
}

/* A waiter in a root its address does not hash to: not the semtable. */
static void test_semtable_bad_hash(void **state)
{
	struct world *w = new_world(0);

	w->bad_sema_hash = true;
	check_left_zero(w, true, false);
}

/* Two empty candidates named by both functions: neither is taken. */
static void test_semtable_ambiguous(void **state)
{
	struct world *w = new_world(0x7f0000000000ull);

	w->no_waiter = true;
	w->two_semtables = true;
	check_left_zero(w, true, false);
}

/* A listed arena without a heapArena: not mheap_. */
static void test_mheap_missing_arena(void **state)
{
	struct world *w = new_world(0);

	w->bad_arena = true;
	check_left_zero(w, false, true);
}

/* No span in the sample covers its page: not mheap_. */
static void test_mheap_stale_spans_only(void **state)
{
	struct world *w = new_world(0x7f0000000000ull);

	w->stale_spans_only = true;
	check_left_zero(w, false, true);
}

/*
 * No finalizer queued: allfin and a second word both code tests name
 * hold nil.  Whichever allfin is, the queue is empty: taken.
 */
static void test_allfin_nil_tie(void **state)
{
	struct world *w = new_world(0x7f0000000000ull);

	w->fin_nil = true;
	w->fin_second_nil = true;
	open_world(w);
	assert_null(ld_discover_runtime_vars(&w->ctx));
	assert_true(w->rt.roots.allfin == ALLFIN ||
		    w->rt.roots.allfin == ALLFIN2);
	assert_int_equal(w->rt.roots.allp, ALLP);
	close_world(w);
}

/* allfin's chain is valid, the other candidate's is not: allfin. */
static void test_allfin_valid_chain_chosen(void **state)
{
	struct world *w = new_world(0);

	w->fin_second_bad = true;
	open_world(w);
	check_found(w);
	close_world(w);
}

/*
 * Two valid chains (or a valid one beside nil) cannot be told apart:
 * walking the wrong one could hide queued finalizers, so neither is
 * taken (--prove then sweeps).
 */
static void test_allfin_two_chains_refused(void **state)
{
	struct world *w = new_world(0);

	w->fin_second_valid = true;
	open_world(w);
	check_found(w);
	close_world(w);
}

/* A block count past the block's capacity, or a cycle: not allfin. */
static void test_allfin_invalid_rejected(void **state)
{
	for (int i = 0; i < 2; i++) {
		struct world *w = new_world(0);

		w->fin_bad_count = !i;
		w->fin_cycle = i;
		open_world(w);
		assert_null(ld_discover_runtime_vars(&w->ctx));
		assert_int_equal(w->rt.roots.allfin, 0);
		assert_int_equal(w->rt.roots.gc_cleanups, GC_CLEANUPS);
		close_world(w);
	}
}

/* gcCleanups: found through markroot's load of .all; a bad block: not. */
static void test_gc_cleanups(void **state)
{
	struct world *w = new_world(0x7f0000000000ull);

	open_world(w);
	check_found(w);
	close_world(w);
	w = new_world(0);
	w->cleanup_bad_count = true;
	open_world(w);
	check_found(w);
	close_world(w);
	/* before Go 1.25 there is no cleanup queue to find */
	w = new_world(0);
	open_world(w);
	w->rt.cleanup_queue = false;
	assert_null(ld_discover_runtime_vars(&w->ctx));
	assert_int_equal(w->rt.roots.gc_cleanups, 0);
	assert_int_equal(w->rt.roots.allfin, ALLFIN);
	close_world(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_everything),
		cmocka_unit_test(test_finds_everything_pie),
		cmocka_unit_test(test_partly_unreadable_range),
		cmocka_unit_test(test_huge_bss_read_on_demand),
		cmocka_unit_test(test_no_wait_reasons),
		cmocka_unit_test(test_data_range_at_top),
		cmocka_unit_test(test_no_goroutine_one),
		cmocka_unit_test(test_one_damaged_g_tolerated),
		cmocka_unit_test(test_no_code_to_follow),
		cmocka_unit_test(test_optional_left_zero),
		cmocka_unit_test(test_corrupt_moduledata),
		cmocka_unit_test(test_semtable_empty),
		cmocka_unit_test(test_semtable_bad_hash),
		cmocka_unit_test(test_semtable_ambiguous),
		cmocka_unit_test(test_mheap_missing_arena),
		cmocka_unit_test(test_mheap_stale_spans_only),
		cmocka_unit_test(test_allfin_nil_tie),
		cmocka_unit_test(test_allfin_valid_chain_chosen),
		cmocka_unit_test(test_allfin_two_chains_refused),
		cmocka_unit_test(test_allfin_invalid_rejected),
		cmocka_unit_test(test_gc_cleanups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
