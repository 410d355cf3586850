// SPDX-License-Identifier: MIT
/*
 * The unwinder follows runtime/traceback.go (Go 1.21-1.27 agree on the
 * parts used here); where fp and the return address are is the arch's
 * frame rule (ld_frame_fp(), ld_frame_ret_addr()), and the caller's sp is fp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/go/funcname.h"
#include "leakdump/model/unwind.h"

#define CACHE_BITS 16
#define CACHE_SIZE (1u << CACHE_BITS)

struct cache_entry {
	uint64_t pc;		/* 0 = empty */
	struct ld_func fn;
	int32_t spdelta;
	bool valid;		/* pc is inside a function */
	bool sp_ok;		/* spdelta decoded */
};

#define INFO_BITS 14
#define INFO_SIZE (1u << INFO_BITS)
#define MAX_INLINE_DEPTH 64
#define CREATED_BITS 12
#define CREATED_SIZE (1u << CREATED_BITS)

struct info_entry {
	uint64_t pc;		/* symPC; 0 = empty */
	struct ld_frame_info info;
	struct ld_logical_frame *frames;	/* owned */
};

struct created_entry {
	uint64_t gopc;
	struct ld_created_at at;
};

struct ld_unwind_cache {
	struct cache_entry e[CACHE_SIZE];
	struct info_entry info[INFO_SIZE];
	struct created_entry created[CREATED_SIZE];
};

void ld_unwind_cache_destroy(struct ld_unwind_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < INFO_SIZE; i++)
		free(c->info[i].frames);
	free(c);
}

static struct ld_unwind_cache *get_cache(struct ld_session *s)
{
	if (!s->ucache) {
		s->ucache = calloc(1, sizeof(*s->ucache));
		s->ucache_destroy = ld_unwind_cache_destroy;
	}
	return s->ucache;
}

static size_t avail_in(const struct ld_session *s, const uint8_t *p)
{
	if (!p || p < s->gofunc || p >= s->gofunc + s->gofunc_size)
		return 0;
	return (size_t)(s->gofunc + s->gofunc_size - p);
}

static void fill_info(struct ld_session *s, const struct ld_func *fn,
		      uint64_t sym_pc, struct info_entry *e)
{
	struct ld_logical_frame tmp[MAX_INLINE_DEPTH];
	size_t n = ld_pcln_expand(s->pcln, fn, sym_pc, tmp, MAX_INLINE_DEPTH);
	struct ld_frame_info *fi = &e->info;

	if (n > MAX_INLINE_DEPTH)
		n = MAX_INLINE_DEPTH;
	free(e->frames);
	e->frames = malloc((n ? n : 1) * sizeof(*e->frames));
	if (!e->frames)
		n = 0;
	else
		memcpy(e->frames, tmp, n * sizeof(*tmp));
	for (size_t i = 0; i < n; i++)
		e->frames[i].name_flags = ld_funcname_flags(e->frames[i].name);
	fi->frames = e->frames;
	fi->nframes = (uint32_t)n;
	fi->arg_info = ld_pcln_funcdata(s->pcln, fn, LD_FUNCDATA_ARG_INFO);
	fi->arg_info_avail = avail_in(s, fi->arg_info);
	if (!fi->arg_info_avail)
		fi->arg_info = NULL;
	fi->arg_live = ld_pcln_funcdata(s->pcln, fn,
					LD_FUNCDATA_ARG_LIVE_INFO);
	fi->arg_live_avail = avail_in(s, fi->arg_live);
	if (!fi->arg_live_avail)
		fi->arg_live = NULL;
	fi->arg_live_idx = ld_pcln_pcdata(s->pcln, fn,
					  LD_PCDATA_ARG_LIVE_INDEX, sym_pc);
	e->pc = e->frames ? sym_pc : 0;
}

const struct ld_frame_info *ld_unwind_frame_info(struct ld_unwinder *u)
{
	static struct info_entry scratch;
	struct ld_unwind_cache *c = get_cache(u->s);
	uint64_t pc = ld_unwind_sym_pc(u);
	struct info_entry *e = &scratch;

	if (c) {
		e = &c->info[(pc * 0x9e3779b97f4a7c15ull) >> (64 - INFO_BITS)];
		if (e->pc == pc)
			return &e->info;
	}
	fill_info(u->s, &u->fn, pc, e);
	return &e->info;
}

const struct ld_created_at *ld_unwind_created_at(struct ld_session *s,
						 uint64_t gopc)
{
	static struct created_entry scratch;
	struct ld_unwind_cache *c = get_cache(s);
	struct created_entry *e = &scratch;
	struct ld_created_at *at;
	uint64_t tracepc = gopc;
	struct ld_func f;

	if (c) {
		e = &c->created[(gopc * 0x9e3779b97f4a7c15ull) >>
				(64 - CREATED_BITS)];
		if (e->gopc == gopc && gopc)
			return &e->at;
	}
	at = &e->at;
	memset(at, 0, sizeof(*at));
	e->gopc = gopc;
	if (!gopc || !ld_pcln_find_func(s->pcln, gopc, &f))
		return at;
	/* printcreatedby1 backs up to the CALL instruction. */
	if (gopc > f.entry)
		tracepc -= s->arch->pc_quantum;
	at->valid = true;
	at->name = f.name;
	at->funcid = f.funcid;
	at->entry = f.entry;
	ld_pcln_file_line(s->pcln, &f, tracepc, &at->file, &at->line);
	return at;
}

static const struct cache_entry *lookup(struct ld_session *s, uint64_t pc)
{
	static struct cache_entry scratch;
	struct ld_unwind_cache *c = get_cache(s);
	struct cache_entry *e = &scratch;	/* no cache: decode each time */
	uint64_t h;

	h = (pc * 0x9e3779b97f4a7c15ull) >> (64 - CACHE_BITS);
	if (c) {
		e = &c->e[h];
		if (e->pc == pc)
			return e;
	}
	memset(e, 0, sizeof(*e));
	e->pc = pc;
	e->valid = ld_pcln_find_func(s->pcln, pc, &e->fn);
	if (e->valid) {
		struct ld_error *err;

		err = ld_pcln_spdelta(s->pcln, &e->fn, pc, &e->spdelta);
		e->sp_ok = !err;
		ld_error_destroy(err);
	}
	return e;
}

bool ld_unwind_find_func(struct ld_session *s, uint64_t pc,
			 struct ld_func *ret)
{
	const struct cache_entry *e = lookup(s, pc);

	if (e->valid)
		*ret = e->fn;
	return e->valid;
}

static void stop(struct ld_unwinder *u, const char *why)
{
	u->pc = 0;
	u->error = why;
}

static bool read_word(struct ld_unwinder *u, uint64_t addr, uint64_t *ret)
{
	struct ld_error *err;

	if (addr < u->g->stack_lo || addr + 8 > u->g->stack_hi) {
		stop(u, "frame outside the goroutine's stack");
		return false;
	}
	err = ld_session_read_stack(u->s, u->g, addr, ret);
	if (err) {
		ld_error_destroy(err);
		stop(u, "stack memory unreadable");
		return false;
	}
	return true;
}

/*
 * Read this frame's return address.  Unlike read_word, a failure keeps the
 * current frame (its pc and arguments are known) and only records why the
 * walk cannot go further, as the runtime prints a frame before it finds its
 * caller bad.
 */
static bool read_caller(struct ld_unwinder *u, uint64_t addr)
{
	struct ld_error *err;

	if (addr < u->g->stack_lo || addr + 8 > u->g->stack_hi) {
		u->error = "frame outside the goroutine's stack";
		return false;
	}
	err = ld_session_read_stack(u->s, u->g, addr, &u->lr);
	if (err) {
		ld_error_destroy(err);
		u->error = "stack memory unreadable";
		return false;
	}
	return true;
}

/*
 * Complete the frame at u->pc/u->sp: its fp, lr and argp.
 *
 * SP-writing (assembly) functions end the walk: traceback1 always unwinds
 * with unwindPrintErrors, so resolveInternal stops at them even in the
 * innermost frame.  The flag is ignored for runtime.cgocallback (during its
 * switch both the g0 and the curg stack hold a valid frame for it: this is
 * how a callback's goroutine unwinds into the Go frames that called C, or
 * to goexit on an extra M) and for a pc/sp pair saved by entersyscall (a
 * goroutine in a syscall or a cgo call: runtime.cgocall's frame).
 */
static void resolve(struct ld_unwinder *u, bool is_syscall)
{
	const struct cache_entry *e = lookup(u->s, u->pc);
	const struct ld_rt_funcids *fid = &u->s->rt->fid;
	uint8_t flag;

	if (!e->valid) {
		stop(u, "unknown pc");
		return;
	}
	u->fn = e->fn;
	if (!u->fn.pcsp) {
		u->pc = 0;	/* no frame info: the runtime ends here too */
		return;
	}
	if (!e->sp_ok) {
		stop(u, "invalid pcsp table");
		return;
	}
	flag = u->fn.flag;
	if (u->fn.funcid == fid->cgocallback || is_syscall)
		flag &= (uint8_t)~LD_FUNCFLAG_SPWRITE;
	u->fp = ld_frame_fp(u->s->arch, u->sp, e->spdelta);
	if (flag & LD_FUNCFLAG_TOPFRAME) {
		u->lr = 0;
	} else if (flag & LD_FUNCFLAG_SPWRITE) {
		/* SP-writing (assembly) function: the runtime stops here. */
		u->lr = 0;
	} else if (!read_caller(u, ld_frame_ret_addr(u->s->arch, u->sp,
							u->fp))) {
		/* This frame still prints; the walk ends after it. */
		u->lr = 0;
	}
	u->argp = u->fp + u->s->arch->min_frame_size;
}

void ld_unwind_init(struct ld_unwinder *u, struct ld_session *s,
		    const struct ld_goroutine *g, uint64_t pc, uint64_t sp,
		    unsigned int flags)
{
	memset(u, 0, sizeof(*u));
	u->s = s;
	u->g = g;
	u->pc = pc;
	u->sp = sp;
	u->flags = flags;
	u->callee_funcid = 0;	/* abi.FuncIDNormal */
	if (pc == 0) {
		/* As the runtime: pc 0 means "pop it from the stack". */
		if (!read_word(u, sp, &u->pc))
			return;
		u->sp += s->arch->call_push;
		if (!u->pc) {
			stop(u, "zero pc");
			return;
		}
	}
	resolve(u, pc == g->pc && sp == g->sp &&
		   (g->flags & LD_G_FROM_SYSCALL));
}

static bool is_injected_call(const struct ld_rt_funcids *fid, int id)
{
	return id == fid->sigpanic || id == fid->async_preempt ||
	       id == fid->debug_call_v2;
}

void ld_unwind_next(struct ld_unwinder *u)
{
	const struct ld_rt_funcids *fid = &u->s->rt->fid;
	const struct cache_entry *e;

	if (!u->lr) {
		u->pc = 0;
		return;
	}
	if (++u->nframes >= LD_UNWIND_MAX_FRAMES) {
		stop(u, "too many frames");
		return;
	}
	e = lookup(u->s, u->lr);
	if (!e->valid) {
		stop(u, "unexpected return pc");
		return;
	}
	if (u->pc == u->lr && u->sp == u->fp) {
		stop(u, "traceback stuck");
		return;
	}
	if (is_injected_call(fid, u->fn.funcid))
		u->flags |= LD_UNWIND_TRAP;
	else
		u->flags &= ~LD_UNWIND_TRAP;
	u->callee_funcid = u->fn.funcid;
	u->pc = u->lr;
	u->lr = 0;
	if (u->fp <= u->sp) {
		stop(u, "stack pointer did not advance");
		return;
	}
	u->sp = u->fp;
	u->fp = 0;
	resolve(u, false);
}

uint64_t ld_unwind_sym_pc(const struct ld_unwinder *u)
{
	if (!(u->flags & LD_UNWIND_TRAP) && u->pc > u->fn.entry)
		return u->pc - 1;
	return u->pc;
}
