/* SPDX-License-Identifier: MIT */
/*
 * A synthetic target for the blocking-object tests (test_blocking.c): the
 * synthetic session of synth_session.h with its own small pclntab (sync
 * frames for the Cond and semacquire fallbacks), Go 1.26's wait reason
 * strings, and target memory laid out by hand: g structs, a heap for
 * sudogs, hchans and sync primitives, runtime.semtable, and a types area
 * holding abi.Types and their names.
 *
 * Layouts are Go 1.26 amd64's, written from the runtime source
 * (runtime2.go, chan.go, sema.go, sync's mutex.go, rwmutex.go,
 * waitgroup.go and cond.go, internal/abi/type.go), not copied from
 * ext/go/layouts_gen.c, so test_blocking.c can cross-check the generated
 * table against them.
 *
 * Header-only: every non-test_*.c file in tests/unit is linked into every
 * unit test binary.
 */
#ifndef SYNTH_BLOCKING_H
#define SYNTH_BLOCKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/model/session.h"
#include "leakdump/base/strbuf.h"
#include "synth_session.h"

/* ---- memory map ---- */

#define SB_G_BASE	0xc000002000ull	/* ss_add_g: g at base + 0x200*goid */
#define SB_MAX_GOID	64
#define SB_G_SIZE	(0x200 * SB_MAX_GOID)
#define SB_HEAP		0xc000200000ull
#define SB_HEAP_SIZE	0x40000
#define SB_TYPES	0x4c0000ull	/* moduledata.types */
#define SB_TYPES_SIZE	0x2000
#define SB_SEMTAB	0x5a0000ull	/* runtime.semtable (unrelocated) */
#define SB_SEMTAB_ROOTS	251		/* runtime.semTabSize */
#define SB_SEMTAB_ENTRY	64		/* semaRoot padded to a cache line */
#define SB_SEMTAB_SIZE	(SB_SEMTAB_ROOTS * SB_SEMTAB_ENTRY)
#define SB_UNMAPPED	0xdead0000ull	/* nothing is mapped here */

/* Sudogs, channels and sync primitives live in the heap. */
#define SB_SG(i)	(SB_HEAP + 0x80ull * (i))		/* i < 128 */
#define SB_CH(i)	(SB_HEAP + 0x4000ull + 0x100ull * (i))	/* i < 64 */
#define SB_SYNC(i)	(SB_HEAP + 0x8000ull + 0x2000ull * (i))	/* i < 28 */

/* Goroutine stacks: slot i of the synthetic stack, 0x800 bytes each. */
#define SB_SLOT_SIZE	0x800ull
#define SB_MAX_SLOTS	(SS_STACK_WORDS * 8 / SB_SLOT_SIZE)
#define SB_SP_OFF	0x80ull

/* ---- Go 1.26 amd64 layouts ---- */

#define G126_G_SIZE		456
#define G126_G_WAITING		320
#define G126_G_TIMER		360
#define G126_G_SLEEPWHEN	368

/* runtime.sudog: g, next, prev, elem{vp,vu}, ..., isSelect, ..., c{vp,vu} */
#define G126_SG_G		0
#define G126_SG_NEXT		8
#define G126_SG_PREV		16
#define G126_SG_ELEM		24
#define G126_SG_ELEM_VU		32
#define G126_SG_IS_SELECT	60
#define G126_SG_PARENT		64
#define G126_SG_WAITLINK	72
#define G126_SG_C		88
#define G126_SG_C_VU		96
#define G126_SG_SIZE		104

/* runtime.hchan */
#define G126_CH_QCOUNT		0
#define G126_CH_DATAQSIZ	8
#define G126_CH_BUF		16
#define G126_CH_ELEMSIZE	24
#define G126_CH_CLOSED		28
#define G126_CH_ELEMTYPE	40
#define G126_CH_SENDX		48
#define G126_CH_RECVX		56
#define G126_CH_RECVQ		64	/* waitq{first, last} */
#define G126_CH_SENDQ		80
#define G126_CH_SIZE		112

#define G126_SEMAROOT_TREAP	8	/* semaRoot{lock, treap, nwait} */
#define G126_NOTIFY_HEAD	16	/* notifyList{wait, notify, lock, head} */
#define G126_TYPE_SIZE		0	/* abi.Type.Size_ */
#define G126_TYPE_TFLAG		20
#define G126_TYPE_STR		40
#define G126_MUTEX_MU		0	/* sync.Mutex{_ noCopy; mu isync.Mutex} */
#define G126_MUTEX_SEMA_INT	4	/* internal/sync.Mutex{state, sema} */
#define G126_RW_WRITER_SEM	8
#define G126_RW_READER_SEM	12
#define G126_RW_READER_COUNT	16
#define G126_RW_READER_WAIT	20
#define G126_WG_STATE		0
#define G126_WG_SEMA		8
#define G126_COND_NOTIFY	16	/* Cond{noCopy, L Locker, notify} */
#define G126_PD_FD		8	/* runtime.pollDesc */
#define G126_PD_RG		32
#define G126_PD_WG		40
#define G126_TIMER_WHEN		24	/* runtime.timer */

#define RW_MAX_READERS		(1 << 30)	/* sync.rwmutexMaxReaders */
#define TFLAG_EXTRA_STAR	0x2

/* ---- the world's functions (pclntab) ---- */

enum {
	SBF_GOPARK,		/* runtime.gopark */
	SBF_NOTIFY_WAIT,	/* sync.runtime_notifyListWait */
	SBF_COND_WAIT,		/* sync.(*Cond).Wait */
	SBF_WG_WAIT,		/* sync.(*WaitGroup).Wait */
	SBF_MAIN,		/* main.main */
	SBF_RTMAIN,		/* runtime.main */
	SBF_GOEXIT,		/* runtime.goexit */
	SBF_WORKER,		/* main.worker */
	SBF_POLL_WAIT,		/* internal/poll.runtime_pollWait */
	SBF_MUTEX_SLOW,		/* sync.(*Mutex).lockSlow */
	SBF_RW_RLOCK,		/* sync.(*RWMutex).RLock */
	SBF_RW_LOCK,		/* sync.(*RWMutex).Lock */
	SBF_NFUNC,
};

SS_PCLN(sb_ln_notify, 600);
SS_PCLN(sb_ln_cond, 70);
SS_PCLN(sb_ln_wg, 110);
SS_PCLN(sb_ln_worker, 90);
SS_PCLN(sb_ln_poll, 340);
SS_PCLN(sb_ln_slow, 150);
SS_PCLN(sb_ln_rlock, 60);
SS_PCLN(sb_ln_lock, 120);

static const struct synth_func sb_funcs[SBF_NFUNC] = {
	SS_FUNC(SBF_GOPARK, "runtime.gopark", 0, 0, 2, ss_ln_gopark),
	SS_FUNC(SBF_NOTIFY_WAIT, "sync.runtime_notifyListWait", 0, 0, 2,
		sb_ln_notify),
	SS_FUNC(SBF_COND_WAIT, "sync.(*Cond).Wait", 0, 0, 0, sb_ln_cond),
	SS_FUNC(SBF_WG_WAIT, "sync.(*WaitGroup).Wait", 0, 0, 0, sb_ln_wg),
	SS_FUNC(SBF_MAIN, "main.main", 0, 0, 0, ss_ln_main),
	SS_FUNC(SBF_RTMAIN, "runtime.main", FID_RUNTIME_MAIN, 0, 2,
		ss_ln_rtmain),
	SS_FUNC(SBF_GOEXIT, "runtime.goexit", FID_GOEXIT,
		LD_FUNCFLAG_TOPFRAME, 3, ss_ln_goexit),
	SS_FUNC(SBF_WORKER, "main.worker", 0, 0, 0, sb_ln_worker),
	SS_FUNC(SBF_POLL_WAIT, "internal/poll.runtime_pollWait", 0, 0, 2,
		sb_ln_poll),
	SS_FUNC(SBF_MUTEX_SLOW, "sync.(*Mutex).lockSlow", 0, 0, 0,
		sb_ln_slow),
	SS_FUNC(SBF_RW_RLOCK, "sync.(*RWMutex).RLock", 0, 0, 0, sb_ln_rlock),
	SS_FUNC(SBF_RW_LOCK, "sync.(*RWMutex).Lock", 0, 0, 0, sb_ln_lock),
};

static const struct synth_desc sb_desc = {
	.funcs = sb_funcs,
	.nfunc = SBF_NFUNC,
	.text_end = 0x40 * SBF_NFUNC,
	.files = ss_files,
	.nfiles = sizeof(ss_files) / sizeof(ss_files[0]),
};

/* Go 1.26's waitReasonStrings (runtime/runtime2.go), in order. */
static const char *const sb_wait_strings[] = {
	"", "GC assist marking", "IO wait", "chan receive (nil chan)",
	"chan send (nil chan)", "dumping heap", "garbage collection",
	"garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait",
	"GC scavenge wait", "chan receive", "chan send", "finalizer wait",
	"force gc (idle)", "GOMAXPROCS updater (idle)", "semacquire", "sleep",
	"sync.Cond.Wait", "sync.Mutex.Lock", "sync.RWMutex.RLock",
	"sync.RWMutex.Lock", "sync.WaitGroup.Wait", "trace reader (blocked)",
	"wait for GC cycle", "GC worker (idle)", "GC worker (active)",
	"preempted", "debug call", "GC mark termination",
	"stopping the world", "flushing proc caches",
	"trace goroutine status", "trace proc status", "page trace flush",
	"coroutine", "GC weak to strong wait", "synctest.Run",
	"synctest.Wait", "chan receive (durable)", "chan send (durable)",
	"select (durable)", "sync.WaitGroup.Wait (durable)", "cleanup wait",
};
#define SB_NWAIT (sizeof(sb_wait_strings) / sizeof(sb_wait_strings[0]))

struct synth_blocking {
	struct synth_session *ss;
	struct ld_session *s;
	struct ld_blocking *b;		/* from sb_build; freed by sb_close */
	struct ld_strbuf out;
	unsigned int nslots;
	uint8_t gmem[SB_G_SIZE];
	uint8_t heap[SB_HEAP_SIZE];
	uint8_t semtab[SB_SEMTAB_SIZE];
	uint8_t types[SB_TYPES_SIZE];
};

/* Set every blocking layout fact to Go 1.26's. */
static inline void sb_layout_go126(struct ld_rt *rt)
{
	struct ld_rt_blocking *k = &rt->blk;

	rt->g.size = G126_G_SIZE;
	rt->g.waiting = G126_G_WAITING;
	rt->g.timer = G126_G_TIMER;
	rt->g.sleep_when = G126_G_SLEEPWHEN;
	rt->semtable = SB_SEMTAB;

	k->timer_when = G126_TIMER_WHEN;
	k->sudog_g = G126_SG_G;
	k->sudog_next = G126_SG_NEXT;
	k->sudog_prev = G126_SG_PREV;
	k->sudog_elem = G126_SG_ELEM;
	k->sudog_elem_vu = G126_SG_ELEM_VU;
	k->sudog_is_select = G126_SG_IS_SELECT;
	k->sudog_waitlink = G126_SG_WAITLINK;
	k->sudog_c = G126_SG_C;
	k->sudog_c_vu = G126_SG_C_VU;
	k->sudog_parent = G126_SG_PARENT;
	k->sudog_size = G126_SG_SIZE;
	k->hchan_size = G126_CH_SIZE;
	k->semtable_size = SB_SEMTAB_SIZE;
	k->hchan_qcount = G126_CH_QCOUNT;
	k->hchan_dataqsiz = G126_CH_DATAQSIZ;
	k->hchan_buf = G126_CH_BUF;
	k->hchan_elemsize = G126_CH_ELEMSIZE;
	k->hchan_closed = G126_CH_CLOSED;
	k->hchan_elemtype = G126_CH_ELEMTYPE;
	k->hchan_sendx = G126_CH_SENDX;
	k->hchan_recvx = G126_CH_RECVX;
	k->hchan_recvq = G126_CH_RECVQ;
	k->hchan_sendq = G126_CH_SENDQ;
	k->semaroot_treap = G126_SEMAROOT_TREAP;
	k->notify_head = G126_NOTIFY_HEAD;
	k->type_str = G126_TYPE_STR;
	k->type_tflag = G126_TYPE_TFLAG;
	k->type_size = G126_TYPE_SIZE;
	k->pd_fd = G126_PD_FD;
	k->pd_rg = G126_PD_RG;
	k->pd_wg = G126_PD_WG;
	k->mutex_sema_internal = G126_MUTEX_SEMA_INT;
	k->mutex_sema = -1;
	k->mutex_mu = G126_MUTEX_MU;
	k->rw_writer_sem = G126_RW_WRITER_SEM;
	k->rw_reader_sem = G126_RW_READER_SEM;
	k->rw_reader_count = G126_RW_READER_COUNT;
	k->rw_reader_wait = G126_RW_READER_WAIT;
	k->wg_state = G126_WG_STATE;
	k->wg_sema = G126_WG_SEMA;
	k->cond_notify = G126_COND_NOTIFY;
}

static inline void sb_close(struct synth_blocking *sb)
{
	if (!sb)
		return;
	ld_blocking_destroy(sb->b);
	ld_strbuf_release(&sb->out);
	ss_close(sb->ss);
	free(sb);
}

static inline bool sb_add_buffer(struct ld_session *s, uint64_t start,
				 const void *buf, size_t len)
{
	struct ld_error *err = ld_mem_add_buffer(s->mem, start, buf, len);

	ld_error_destroy(err);
	return !err;
}

static inline struct synth_blocking *sb_open(void)
{
	struct synth_blocking *sb = calloc(1, sizeof(*sb));
	struct ld_pcln_config cfg = { 0 };
	struct synth_session *ss;
	struct ld_error *err;
	struct ld_session *s;

	if (!sb)
		return NULL;
	ss = sb->ss = ss_open();
	if (!ss)
		goto fail;
	s = sb->s = ss->s;

	/* This world's pclntab replaces synth_session's. */
	ld_pcln_destroy(s->pcln);
	s->pcln = NULL;
	synth_free(&ss->tab);
	if (!synth_build(&sb_desc, &ss->tab))
		goto fail;
	cfg.data = ss->tab.buf;
	cfg.size = ss->tab.size;
	cfg.text_start = SS_TEXT;
	cfg.gofunc = ss->gofunc;
	cfg.gofunc_size = sizeof(ss->gofunc);
	err = ld_pcln_open(&cfg, &s->pcln);
	if (err) {
		ld_error_destroy(err);
		goto fail;
	}
	s->etext = SS_TEXT + sb_desc.text_end;

	ss_free_table(s->wait_reasons, s->nwait_reasons);
	s->nwait_reasons = SB_NWAIT;
	s->wait_reasons = ss_strdup_table(sb_wait_strings, SB_NWAIT);
	if (!s->wait_reasons)
		goto fail;

	if (!sb_add_buffer(s, SB_G_BASE, sb->gmem, sizeof(sb->gmem)) ||
	    !sb_add_buffer(s, SB_HEAP, sb->heap, sizeof(sb->heap)) ||
	    !sb_add_buffer(s, SB_SEMTAB, sb->semtab, sizeof(sb->semtab)) ||
	    !sb_add_buffer(s, SB_TYPES, sb->types, sizeof(sb->types)))
		goto fail;
	s->types = SB_TYPES;
	s->bias = 0;
	sb_layout_go126(s->rt);
	return sb;
fail:
	sb_close(sb);
	return NULL;
}

/* ---- writing target memory ---- */

static inline uint8_t *sb_ptr(struct synth_blocking *sb, uint64_t addr,
			      size_t len)
{
	static const struct { uint64_t start; size_t off, size; } map[] = {
		{ SB_G_BASE, offsetof(struct synth_blocking, gmem),
		  SB_G_SIZE },
		{ SB_HEAP, offsetof(struct synth_blocking, heap),
		  SB_HEAP_SIZE },
		{ SB_SEMTAB, offsetof(struct synth_blocking, semtab),
		  SB_SEMTAB_SIZE },
		{ SB_TYPES, offsetof(struct synth_blocking, types),
		  SB_TYPES_SIZE },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (addr >= map[i].start &&
		    addr + len <= map[i].start + map[i].size)
			return (uint8_t *)sb + map[i].off +
			       (addr - map[i].start);
	/* goroutine stacks (objects kept on a stack) */
	if (addr >= SS_STACK_LO && addr + len <= SS_STACK_HI)
		return (uint8_t *)sb->ss->stack + (addr - SS_STACK_LO);
	abort();	/* a test wrote outside its memory map */
}

static inline void sb_w64(struct synth_blocking *sb, uint64_t a, uint64_t v)
{
	memcpy(sb_ptr(sb, a, 8), &v, 8);
}

static inline void sb_w32(struct synth_blocking *sb, uint64_t a, uint32_t v)
{
	memcpy(sb_ptr(sb, a, 4), &v, 4);
}

static inline void sb_w16(struct synth_blocking *sb, uint64_t a, uint16_t v)
{
	memcpy(sb_ptr(sb, a, 2), &v, 2);
}

static inline void sb_w8(struct synth_blocking *sb, uint64_t a, uint8_t v)
{
	*sb_ptr(sb, a, 1) = v;
}

/* A runtime.sudog.  Both halves of elem and c are set unless untraced. */
struct sb_sudog {
	uint64_t g, next, prev, elem, waitlink, c;
	bool is_select;
	bool untraced;	/* setSyncObjectsUntraceable: vp = nil, vu kept */
};

static inline void sb_sudog(struct synth_blocking *sb, uint64_t a,
			    const struct sb_sudog *d)
{
	memset(sb_ptr(sb, a, G126_SG_SIZE), 0, G126_SG_SIZE);
	sb_w64(sb, a + G126_SG_G, d->g);
	sb_w64(sb, a + G126_SG_NEXT, d->next);
	sb_w64(sb, a + G126_SG_PREV, d->prev);
	sb_w64(sb, a + G126_SG_ELEM, d->untraced ? 0 : d->elem);
	sb_w64(sb, a + G126_SG_ELEM_VU, d->elem);
	sb_w8(sb, a + G126_SG_IS_SELECT, d->is_select);
	sb_w64(sb, a + G126_SG_WAITLINK, d->waitlink);
	sb_w64(sb, a + G126_SG_C, d->untraced ? 0 : d->c);
	sb_w64(sb, a + G126_SG_C_VU, d->c);
}

/* A runtime.hchan. */
struct sb_chan {
	uint64_t qcount, dataqsiz;
	uint16_t elemsize;
	uint32_t closed;
	uint64_t elemtype;
	uint64_t recvq_first, recvq_last, sendq_first, sendq_last;
};

static inline void sb_chan(struct synth_blocking *sb, uint64_t a,
			   const struct sb_chan *d)
{
	memset(sb_ptr(sb, a, G126_CH_SIZE), 0, G126_CH_SIZE);
	sb_w64(sb, a + G126_CH_QCOUNT, d->qcount);
	sb_w64(sb, a + G126_CH_DATAQSIZ, d->dataqsiz);
	sb_w64(sb, a + G126_CH_BUF, d->dataqsiz ? a + G126_CH_SIZE : 0);
	sb_w16(sb, a + G126_CH_ELEMSIZE, d->elemsize);
	sb_w32(sb, a + G126_CH_CLOSED, d->closed);
	sb_w64(sb, a + G126_CH_ELEMTYPE, d->elemtype);
	sb_w64(sb, a + G126_CH_RECVQ, d->recvq_first);
	sb_w64(sb, a + G126_CH_RECVQ + 8, d->recvq_last);
	sb_w64(sb, a + G126_CH_SENDQ, d->sendq_first);
	sb_w64(sb, a + G126_CH_SENDQ + 8, d->sendq_last);
}

/*
 * An abi.Type at type_addr (inside the types area) whose Str is name_off,
 * and its abi.Name at types + name_off: flags byte, uvarint length, bytes.
 */
static inline void sb_type(struct synth_blocking *sb, uint64_t type_addr,
			   uint32_t name_off, uint8_t tflag, uint64_t size,
			   const char *name)
{
	size_t len = strlen(name), n = 0;
	uint64_t p = SB_TYPES + name_off;
	uint8_t var[4];

	sb_w64(sb, type_addr + G126_TYPE_SIZE, size);
	sb_w8(sb, type_addr + G126_TYPE_TFLAG, tflag);
	sb_w32(sb, type_addr + G126_TYPE_STR, name_off);
	do {
		var[n] = (uint8_t)(len & 0x7f) | (len >= 0x80 ? 0x80 : 0);
		len >>= 7;
		n++;
	} while (len && n < sizeof(var));
	sb_w8(sb, p, 0x1);	/* abi.Name flags: exported */
	memcpy(sb_ptr(sb, p + 1, n), var, n);
	memcpy(sb_ptr(sb, p + 1 + n, strlen(name)), name, strlen(name));
}

/* The treap of semtable root idx. */
static inline void sb_root(struct synth_blocking *sb, unsigned int idx,
			   uint64_t treap)
{
	if (idx >= SB_SEMTAB_ROOTS)
		abort();
	sb_w64(sb, SB_SEMTAB + idx * SB_SEMTAB_ENTRY + G126_SEMAROOT_TREAP,
	       treap);
}

/* The semtable root the runtime uses for a semaphore (semTable.rootFor). */
static inline unsigned int sb_root_of(uint64_t sema)
{
	return (unsigned int)((sema >> 3) % SB_SEMTAB_ROOTS);
}

/*
 * The first 16-aligned address a >= lo whose semaphore (at a + sema_off)
 * hashes to semtable root idx: so several primitives share one treap.
 */
static inline uint64_t sb_place(uint64_t lo, uint64_t sema_off,
				unsigned int idx)
{
	for (uint64_t a = lo; a < lo + 16 * SB_SEMTAB_ROOTS; a += 16)
		if (sb_root_of(a + sema_off) == idx)
			return a;
	abort();
}

/* ---- goroutines ---- */

static inline uint8_t sb_reason(const char *reason)
{
	for (size_t i = 0; i < SB_NWAIT; i++)
		if (!strcmp(sb_wait_strings[i], reason))
			return (uint8_t)i;
	abort();	/* not a Go 1.26 wait reason */
}

/*
 * Add a goroutine with its own 0x800-byte stack slot and a g struct in
 * target memory.  The pointer is valid until the next sb_g.
 */
static inline struct ld_goroutine *sb_g(struct synth_blocking *sb,
					uint64_t goid, uint32_t status,
					const char *reason)
{
	struct ld_goroutine *g;
	uint64_t lo;

	if (goid >= SB_MAX_GOID || sb->nslots >= SB_MAX_SLOTS)
		abort();
	lo = SS_STACK_LO + SB_SLOT_SIZE * sb->nslots++;
	g = ss_add_g(sb->ss, goid, status, reason ? sb_reason(reason) : 0, 0,
		     lo + SB_SP_OFF);
	if (!g)
		abort();
	g->stack_lo = lo;
	g->stack_hi = lo + SB_SLOT_SIZE;
	return g;
}

/* A waiting goroutine whose g.waiting is sg. */
static inline void sb_waiting_g(struct synth_blocking *sb, uint64_t goid,
				const char *reason, uint64_t sg)
{
	struct ld_goroutine *g = sb_g(sb, goid, ST_WAITING, reason);

	/* In memory and decoded, as ld_session_load_goroutines does. */
	sb_w64(sb, g->addr + G126_G_WAITING, sg);
	g->wait_word = sg;
	g->flags &= (uint8_t)~LD_G_SLEEP_WORD;
}

static inline uint64_t sb_gaddr(uint64_t goid)
{
	return SB_G_BASE + 0x200 * goid;
}

/* Goroutine goid's index in s->gs (abort if absent). */
static inline size_t sb_gi(const struct synth_blocking *sb, uint64_t goid)
{
	for (size_t i = 0; i < sb->s->ngs; i++)
		if (sb->s->gs[i].goid == goid)
			return i;
	abort();
}

/* g.sleepWhen, or g.timer before Go 1.23, in memory and decoded. */
static inline void sb_sleep(struct synth_blocking *sb, uint64_t goid,
			    uint64_t field, uint64_t v)
{
	sb_w64(sb, sb_gaddr(goid) + field, v);
	struct ld_goroutine *g = &sb->s->gs[sb_gi(sb, goid)];

	if (!ld_goroutine_waiting(g)) {
		g->wait_word = v;
		g->flags |= LD_G_SLEEP_WORD;
	}
}

/* A word on goroutine goid's stack, slot words above its sp. */
static inline void sb_stack_word(struct synth_blocking *sb, uint64_t goid,
				 unsigned int slot, uint64_t v)
{
	const struct ld_goroutine *g = &sb->s->gs[sb_gi(sb, goid)];

	ss_word(sb->ss, g->sp + 8ull * slot, v);
}

/*
 * Give goroutine goid the call chain pcs (innermost first) from its sp;
 * argp[i] receives frame i's argp.
 */
static inline void sb_chain(struct synth_blocking *sb, uint64_t goid,
			    const uint64_t *pcs, size_t n, uint64_t *argp)
{
	struct ld_goroutine *g = &sb->s->gs[sb_gi(sb, goid)];

	ss_chain(sb->ss, g->sp, pcs, n, argp);
	g->pc = pcs[0];
}

/* ---- results ---- */

static inline struct ld_error *sb_build(struct synth_blocking *sb)
{
	ld_blocking_destroy(sb->b);
	sb->b = NULL;
	return ld_blocking_build(sb->s, &sb->b);
}

static inline const struct ld_blocker *sb_blockers(struct synth_blocking *sb,
						   uint64_t goid,
						   unsigned int *n)
{
	return ld_blocking_of(sb->b, sb_gi(sb, goid), n);
}

static inline const struct ld_object *sb_obj(struct synth_blocking *sb,
					     const struct ld_blocker *bl)
{
	return &sb->b->objs[bl->obj];
}

#endif
