// SPDX-License-Identifier: MIT
/*
 * Goroutine enumeration: allgs is read in one piece, each g decoded from one
 * buffer.  A g that does not make sense gets a note; the walk goes on.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/util.h"
#include "leakdump/model/walk.h"
#include "leakdump/model/clock.h"
#include "leakdump/model/session.h"
#include "leakdump/model/unwind.h"

#define MAX_GOROUTINES (64u << 20)
/* A million of them are held at once: keep a record at 96 bytes. */
_Static_assert(sizeof(struct ld_goroutine) <= 96, "struct ld_goroutine grew");
#define ALLGS_CHUNK 65536		/* allgs entries read at once */
#define MAX_G_SIZE 65536		/* a runtime.g is under 1 KiB */
#define MAX_NOTES 256

static uint64_t rd64(const uint8_t *buf, int64_t off)
{
	uint64_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *buf, int64_t off)
{
	uint32_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

void ld_goroutine_set_note(struct ld_session *s, struct ld_goroutine *g,
			   const char *note)
{
	char **v;
	size_t i;

	for (i = 0; i < s->nnotes; i++)
		if (!strcmp(s->notes[i], note))
			break;
	if (i == s->nnotes) {
		if (s->nnotes >= MAX_NOTES)
			return;
		v = realloc(s->notes, (s->nnotes + 1) * sizeof(*v));
		if (!v)
			return;
		s->notes = v;
		v[s->nnotes] = strdup(note);
		if (!v[s->nnotes])
			return;
		s->nnotes++;
	}
	g->error = (uint16_t)(i + 1);
}

const char *ld_goroutine_note(const struct ld_session *s,
			      const struct ld_goroutine *g)
{
	if (!g->error || g->error > s->nnotes)
		return NULL;
	return s->notes[g->error - 1];
}

static uint32_t base_status(const struct ld_session *s,
			    const struct ld_goroutine *g)
{
	return g->status & ~(uint32_t)s->rt->g_scan;
}

const char *ld_goroutine_status_text(const struct ld_session *s,
				     const struct ld_goroutine *g)
{
	uint32_t st = base_status(s, g);
	const char *text = "???";

	if (st < s->nstatus_names)
		text = s->status_names[st];
	if ((st == s->rt->g_waiting || st == s->rt->g_leaked) &&
	    g->waitreason != 0) {
		if (g->waitreason < s->nwait_reasons)
			text = s->wait_reasons[g->waitreason];
		else
			text = "unknown wait reason";
	}
	return text;
}

const char *ld_goroutine_state_name(const struct ld_session *s,
				    const struct ld_goroutine *g)
{
	uint32_t st = base_status(s, g);

	if (st < s->nstatus_names)
		return s->status_names[st];
	return "???";
}

int64_t ld_goroutine_wait_ns(const struct ld_session *s,
			     const struct ld_goroutine *g)
{
	uint32_t st = base_status(s, g);

	/* A wait that began after "now" (a live target read as it runs)
	 * has lasted no whole minute yet, as goroutineheader would say. */
	if ((st != s->rt->g_waiting && st != s->rt->g_syscall) ||
	    !g->waitsince || !s->now || g->waitsince > s->now)
		return 0;
	return s->now - g->waitsince;
}

int64_t ld_goroutine_wait_minutes(const struct ld_session *s,
				  const struct ld_goroutine *g)
{
	return ld_goroutine_wait_ns(s, g) / 60000000000ll;
}

struct ld_goroutine *ld_session_find(struct ld_session *s, uint64_t goid)
{
	for (size_t i = 0; i < s->ngs; i++)
		if (s->gs[i].goid == goid)
			return &s->gs[i];
	return NULL;
}

/* runtime.isSystemGoroutine(gp, false) */
static bool is_system(struct ld_session *s, const struct ld_goroutine *g,
		      uint64_t startpc)
{
	const struct ld_rt_funcids *fid = &s->rt->fid;
	struct ld_func f;

	if (!ld_unwind_find_func(s, startpc, &f))
		return false;
	if (f.funcid == fid->runtime_main || f.funcid == fid->corostart ||
	    f.funcid == fid->handle_async_event)
		return false;
	if (f.funcid == fid->run_finalizers)
		return !(s->fing_status & s->rt->fing_running_finalizer);
	if (fid->run_cleanups >= 0 && f.funcid == fid->run_cleanups)
		return !(g->flags & LD_G_RUNNING_CLEANUPS);
	/* The first letter settles most: this runs once per goroutine. */
	return f.name[0] == 'r' && !strncmp(f.name, "runtime.", 8);
}

static void read_bubble(struct ld_session *s, struct ld_goroutine *g,
			const uint8_t *buf)
{
	const struct ld_rt *rt = s->rt;
	struct ld_error *err = NULL;
	uint64_t p, v = 0;

	if (rt->g.bubble >= 0 && rt->bubble_id >= 0) {
		p = rd64(buf, rt->g.bubble);
		if (p)
			err = ld_mem_read_u64(s->mem, p + (uint64_t)rt->bubble_id,
					      &v);
	} else if (rt->g.sync_group >= 0 && rt->sync_group_root >= 0) {
		/* Go 1.24: the group is named by its root goroutine's id. */
		p = rd64(buf, rt->g.sync_group);
		if (p)
			err = ld_mem_read_u64(s->mem,
					      p + (uint64_t)rt->sync_group_root,
					      &p);
		if (p && !err)
			err = ld_mem_read_u64(s->mem, p + (uint64_t)rt->g.goid,
					      &v);
	}
	ld_error_destroy(err);
	if (v)
		(void)ld_goroutine_set_bubble(s, g, v);
}

uint64_t ld_goroutine_bubble(const struct ld_session *s,
			     const struct ld_goroutine *g)
{
	return s->bubbles.n ? ld_u64map_get(&s->bubbles, g->addr) : 0;
}

bool ld_goroutine_set_bubble(struct ld_session *s,
			     const struct ld_goroutine *g, uint64_t id)
{
	return ld_u64map_put(&s->bubbles, g->addr, id);
}

/*
 * A running goroutine's thread registers are a place to start unwinding
 * only when the thread is on the goroutine's stack in Go code.  A thread in
 * C code (a cgo binary: libc, a C signal handler without SA_ONSTACK, a
 * thread that is not Go's at all) or on g0/gsignal is not: the runtime
 * itself prints "stack unavailable" for every goroutine running elsewhere.
 */
static bool regs_usable(struct ld_session *s, const struct ld_goroutine *g,
			const struct ld_thread_regs *regs)
{
	uint64_t sp, pc;
	struct ld_func f;

	if (!regs)
		return false;
	sp = ld_regs_sp(s->arch, regs);
	pc = ld_regs_pc(s->arch, regs);
	if (sp < g->stack_lo || sp >= g->stack_hi)
		return false;
	return ld_pcln_find_func(s->pcln, pc, &f) && f.pcsp;
}

/* A parked goroutine locked to a thread: that thread, via g.lockedm. */
static void locked_thread(struct ld_session *s, struct ld_goroutine *g,
			  const uint8_t *buf)
{
	uint64_t lockedm = rd64(buf, s->rt->g.lockedm), procid = 0;
	struct ld_error *err;

	if (!lockedm)
		return;
	err = ld_mem_read_u64(s->mem, lockedm + (uint64_t)s->rt->m.procid,
			      &procid);
	ld_error_destroy(err);
	if (!err)
		g->tid = (int32_t)procid;
}

/* Thread, vdso and register overrides: where unwinding starts. */
static void pick_start(struct ld_session *s, struct ld_goroutine *g,
		       const uint8_t *buf)
{
	const struct ld_rt *rt = s->rt;
	uint32_t st = base_status(s, g);
	uint64_t syscallsp = rd64(buf, rt->g.syscallsp);
	uint64_t syscallpc = rd64(buf, rt->g.syscallpc);
	uint64_t m = rd64(buf, rt->g.m);
	uint64_t mbuf[2], vdso_sp = 0, vdso_pc = 0, curg = 0, procid = 0;
	const struct ld_thread_regs *regs;
	struct ld_error *err;

	if (syscallsp) {
		g->pc = syscallpc;
		g->sp = syscallsp;
		g->flags |= LD_G_FROM_SYSCALL;
	} else {
		g->pc = rd64(buf, rt->g.sched_pc);
		g->sp = rd64(buf, rt->g.sched_sp);
	}
	if (!m) {
		locked_thread(s, g, buf);
		return;
	}
	err = ld_mem_read_u64(s->mem, m + (uint64_t)rt->m.procid, &procid);
	if (!err)
		err = ld_mem_read_u64(s->mem, m + (uint64_t)rt->m.curg, &curg);
	if (!err)
		err = ld_mem_read(s->mem, m + (uint64_t)rt->m.vdso_sp, mbuf, 8);
	if (!err)
		err = ld_mem_read(s->mem, m + (uint64_t)rt->m.vdso_pc,
				  mbuf + 1, 8);
	if (err) {
		ld_error_destroy(err);
		ld_goroutine_set_note(s, g, "its m is unreadable");
		return;
	}
	vdso_sp = mbuf[0];
	vdso_pc = mbuf[1];
	g->tid = (int32_t)procid;
	if (vdso_sp) {
		/* In a vDSO call: the runtime starts from m.vdsoPC/SP too. */
		g->pc = vdso_pc;
		g->sp = vdso_sp;
		g->flags &= (uint8_t)~LD_G_FROM_SYSCALL;
		return;
	}
	if (st != s->rt->g_running || syscallsp || curg != g->addr)
		return;
	regs = ld_session_thread(s, g->tid);
	if (regs_usable(s, g, regs)) {
		g->pc = ld_regs_pc(s->arch, regs);
		g->sp = ld_regs_sp(s->arch, regs);
		g->flags |= LD_G_HAS_REGS;
	} else {
		g->flags |= LD_G_NO_STACK;
	}
}

static void decode_g(struct ld_session *s, struct ld_goroutine *g,
		     const uint8_t *buf)
{
	const struct ld_rt *rt = s->rt;

	g->goid = rd64(buf, rt->g.goid);
	g->parent_goid = rd64(buf, rt->g.parent_goid);
	g->gopc = rd64(buf, rt->g.gopc);
	g->waitsince = (int64_t)rd64(buf, rt->g.waitsince);
	g->stack_lo = rd64(buf, rt->g.stack_lo);
	g->stack_hi = rd64(buf, rt->g.stack_hi);
	g->status = rd32(buf, rt->g.atomicstatus);
	g->waitreason = buf[rt->g.waitreason];
	/* Kept so blocking objects need not touch the g's page again. */
	g->wait_word = rd64(buf, rt->g.waiting);
	if (!g->wait_word) {
		if (rt->g.sleep_when >= 0)
			g->wait_word = rd64(buf, rt->g.sleep_when);
		else if (rt->g.timer >= 0)
			g->wait_word = rd64(buf, rt->g.timer);
		if (g->wait_word)
			g->flags |= LD_G_SLEEP_WORD;
	}
	if (rd64(buf, rt->g.lockedm))
		g->flags |= LD_G_LOCKED;
	if (rt->g.running_cleanups >= 0 && buf[rt->g.running_cleanups])
		g->flags |= LD_G_RUNNING_CLEANUPS;
	read_bubble(s, g, buf);
	if (g->stack_hi <= g->stack_lo || g->stack_hi - g->stack_lo > (1ull << 40))
		ld_goroutine_set_note(s, g, "stack bounds do not make sense");
	pick_start(s, g, buf);
	/* g.startpc is read here only: the record does without it. */
	if (is_system(s, g, rd64(buf, rt->g.startpc)))
		g->flags |= LD_G_SYSTEM;
}

void ld_session_warn(struct ld_session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nwarnings >= LD_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(s->warnings[s->nwarnings++], sizeof(s->warnings[0]), fmt,
		  ap);
	va_end(ap);
}

/*
 * How many allgs entries to read.  allgadd appends to allgs, then stores
 * allglen: the two agree but for an instant.  When they do not, the
 * slice header wins if it is sound (len <= cap), else allglen if it fits
 * the slice's capacity; either way the disagreement is said.
 */
static struct ld_error *allgs_length(struct ld_session *s,
				     const uint64_t hdr[3], uint64_t allglen,
				     uint64_t *n)
{
	bool slice_ok = hdr[1] <= hdr[2] && hdr[2] <= MAX_GOROUTINES &&
			(hdr[0] || !hdr[1]);

	if (slice_ok && allglen == hdr[1]) {
		*n = allglen;
		return NULL;
	}
	if (slice_ok) {
		ld_session_warn(s, "runtime.allglen is %llu but runtime.allgs holds %llu (cap %llu): using allgs",
				(unsigned long long)allglen,
				(unsigned long long)hdr[1],
				(unsigned long long)hdr[2]);
		*n = hdr[1];
		return NULL;
	}
	if (hdr[0] && allglen <= MAX_GOROUTINES &&
	    (allglen <= hdr[2] || hdr[2] > MAX_GOROUTINES)) {
		ld_session_warn(s, "runtime.allgs' header is damaged (len %llu, cap %llu): using runtime.allglen %llu",
				(unsigned long long)hdr[1],
				(unsigned long long)hdr[2],
				(unsigned long long)allglen);
		*n = allglen;
		return NULL;
	}
	return ld_error_create(LD_ERR_CORRUPT,
			       "runtime.allglen %llu does not make sense (allgs has %llu, cap %llu)",
			       (unsigned long long)allglen,
			       (unsigned long long)hdr[1],
			       (unsigned long long)hdr[2]);
}

static struct ld_error *read_allgs(struct ld_session *s, uint64_t **ptrs,
				   uint64_t *n)
{
	uint64_t hdr[3], allglen, len = 0, *v = NULL;
	struct ld_error *err;

	err = ld_mem_read(s->mem, s->rt->allgs + s->bias, hdr, sizeof(hdr));
	allglen = hdr[1];	/* stripped, allglen not found: allgs' own */
	if (!err && s->rt->allglen)
		err = ld_mem_read_u64(s->mem, s->rt->allglen + s->bias,
				      &allglen);
	if (err)
		return ld_error_wrap(err, "reading runtime.allgs");
	err = allgs_length(s, hdr, allglen, &len);
	if (err)
		return err;
	/*
	 * A chunk at a time, growing only by what was read: a hostile
	 * allglen costs memory in proportion to the array the target holds,
	 * not to the number it claims.
	 */
	for (size_t done = 0, cap = 0, k; done < len; done += k) {
		k = len - done < ALLGS_CHUNK ? len - done : ALLGS_CHUNK;
		if (!ld_grow((void **)&v, &cap, done + k, sizeof(*v))) {
			free(v);
			return &ld_error_nomem;
		}
		err = ld_mem_read(s->mem, hdr[0] + done * sizeof(*v),
				  v + done, k * sizeof(*v));
		if (err) {
			free(v);
			return ld_error_wrap(err, "reading the allgs array");
		}
	}
	*ptrs = v;
	*n = len;
	return NULL;
}

/*
 * A Go program always has goroutine 1 until it exits: finding none is
 * damage (or a runtime not started), never a clean empty dump.
 */
static struct ld_error *check_found(const struct ld_session *s, uint64_t n)
{
	if (s->ngs)
		return NULL;
	if (!n)
		return ld_error_create(LD_ERR_CORRUPT,
				       "no goroutines: runtime.allgs is empty (the runtime's state is damaged, or it has not started)");
	return ld_error_create(LD_ERR_CORRUPT,
			       "no live goroutine among runtime.allgs' %llu entries (%zu unreadable): the runtime's state is damaged",
			       (unsigned long long)n, s->nbad_gs);
}

/* An allgs entry that cannot be read: nothing to list it by but its address. */
static void note_bad_g(struct ld_session *s, uint64_t addr)
{
	if (s->nbad_gs < LD_MAX_BAD_GS)
		s->bad_gs[s->nbad_gs] = addr;
	s->nbad_gs++;
}

static bool is_dead(const struct ld_session *s, uint32_t status)
{
	uint32_t st = status & ~(uint32_t)s->rt->g_scan;

	return st == s->rt->g_dead ||
	       (s->rt->g_deadextra >= 0 && st == s->rt->g_deadextra);
}

/*
 * The g structs of ptrs[0..n) (n <= LD_BATCH): zero-copy from a mapped
 * core, else one batched read into buf.  views[i] is NULL when unreadable.
 */
static void fetch_gs(struct ld_session *s, const uint64_t *ptrs, size_t n,
		     uint8_t *buf, const uint8_t **views)
{
	uint64_t gsize = s->rt->g.size;
	struct ld_mem_iov v[LD_BATCH];
	size_t i, nv = 0, idx[LD_BATCH];

	for (i = 0; i < n; i++) {
		views[i] = ld_mem_peek(s->mem, ptrs[i], gsize);
		if (views[i])
			continue;
		v[nv].addr = ptrs[i];
		v[nv].buf = buf + i * gsize;
		v[nv].len = gsize;
		v[nv].ok = false;
		idx[nv++] = i;
	}
	if (!nv)
		return;
	ld_mem_read_batch(s->mem, v, nv);
	for (i = 0; i < nv; i++)
		views[idx[i]] = v[i].ok ? v[i].buf : NULL;
}

static void prefetch_g(const uint8_t *p, uint64_t gsize)
{
	for (uint64_t off = 0; off < gsize; off += 64)
		__builtin_prefetch(p + off);
}

/*
 * The loader's walk over allgs: the g structs of one LD_BATCH of entries
 * at a time (views[k] is entry first + k's).
 */
struct g_load {
	const uint64_t *ptrs;
	uint64_t gsize;
	uint8_t *buf;
	size_t first, nb;
	const uint8_t *views[LD_BATCH];
};

/* What loading reads of allgs entry i: the g (for the pager). */
static void g_struct(void *arg, size_t i, uint64_t *addr, size_t *len)
{
	const struct g_load *a = arg;

	*addr = a->ptrs[i];
	*len = a->gsize;
}

static void g_batch(struct ld_session *s, void *arg, size_t first, size_t n)
{
	struct g_load *a = arg;

	a->first = first;
	a->nb = n;
	fetch_gs(s, a->ptrs + first, n, a->buf, a->views);
}

/* Only within the batch: the next one's gs are not read yet. */
static void g_ahead(struct ld_session *s, void *arg, size_t i)
{
	const struct g_load *a = arg;

	if (i - a->first < a->nb && a->views[i - a->first])
		prefetch_g(a->views[i - a->first], a->gsize);
}

static const struct ld_walk_ops load_walk = {
	.flags = LD_WALK_TRIM | LD_WALK_PAGER,
	.range = g_struct,
	.ahead = g_ahead,
	.batch = g_batch,
};

struct ld_error *ld_session_load_goroutines(struct ld_session *s)
{
	uint64_t *ptrs = NULL, n = 0, gsize = s->rt->g.size;
	struct ld_clock_top top = { .n = 0 };
	struct ld_error *err;
	struct g_load ld;
	size_t cap_gs;
	struct ld_walk w;
	size_t i;

	if (s->gs)
		return NULL;
	if (!gsize || gsize > MAX_G_SIZE)
		return ld_error_create(LD_ERR_CORRUPT,
				       "runtime.g size %llu does not make sense",
				       (unsigned long long)gsize);
	err = read_allgs(s, &ptrs, &n);
	if (err)
		return err;
	ld.buf = malloc(gsize * LD_BATCH);
	/* Grown per goroutine decoded: memory follows the g structs read. */
	cap_gs = n < LD_BATCH ? (n ? n : 1) : LD_BATCH;
	s->gs = malloc(cap_gs * sizeof(*s->gs));
	if (!ld.buf || !s->gs) {
		free(ld.buf);
		free(ptrs);
		return &ld_error_nomem;
	}
	ld.ptrs = ptrs;
	ld.gsize = gsize;
	ld.first = ld.nb = 0;
	ld_walk_begin(&w, s, n, &load_walk, &ld);
	while (ld_walk_next(&w, &i)) {
		const uint8_t *p = ld.views[i - ld.first];
		struct ld_goroutine *g;

		/* The runtime allocates gs 8-aligned: anything else is junk. */
		if (!p || (ptrs[i] & 7)) {
			note_bad_g(s, ptrs[i]);
			continue;
		}
		if (is_dead(s, rd32(p, s->rt->g.atomicstatus)))
			continue;
		/* goids start at 1 (g0s are not in allgs): an entry that
		 * points at anything else is damage, not goroutine 0. */
		if (!rd64(p, s->rt->g.goid)) {
			note_bad_g(s, ptrs[i]);
			continue;
		}
		if (!ld_grow((void **)&s->gs, &cap_gs, s->ngs + 1,
			     sizeof(*s->gs))) {
			err = &ld_error_nomem;
			break;
		}
		g = &s->gs[s->ngs];
		memset(g, 0, sizeof(*g));
		g->addr = ptrs[i];
		decode_g(s, g, p);
		ld_clock_note(&top, g->waitsince);
		s->ngs++;
	}
	ld_walk_end(&w);
	free(ld.buf);
	free(ptrs);
	if (err)
		return err;
	ld_clock_settle(s, &top);
	return check_found(s, n);
}
