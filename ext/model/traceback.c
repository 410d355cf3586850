// SPDX-License-Identifier: MIT
/*
 * A faithful model of runtime/traceback.go's printing at traceback level 1
 * (what runtime.Stack uses): frame visibility (showfuncinfo), argument
 * printing (printArgs), the 50+50 frame elision of traceback1, and
 * printcreatedby.  Differences between releases are marked with the release.
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/go/funcname.h"
#include "leakdump/model/traceback.h"
#include "leakdump/model/unwind.h"

#define INNER_FRAMES 50		/* tracebackInnerFrames */
#define OUTER_FRAMES 50		/* tracebackOuterFrames */
#define ARGS_MAX_LEN 171	/* abi.TraceArgsMaxLen */

enum {
	ARGS_END_SEQ = 0xff,
	ARGS_START_AGG = 0xfe,
	ARGS_END_AGG = 0xfd,
	ARGS_DOTDOTDOT = 0xfc,
	ARGS_OFFSET_TOO_LARGE = 0xfb,
};

/* One UTF-8 sequence at p: its length, or 0 when it is not valid. */
static size_t utf8_decode(const uint8_t *p, size_t avail, uint32_t *r)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
	uint32_t v;

	if (!n || n > avail || p[0] >= 0xf8)
		return 0;
	v = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are errors. */
	if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) ||
	    (n == 4 && v < 0x10000) || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*r = v;
	return n;
}

void ld_print_func_name(struct ld_strbuf *sb, const char *name)
{
	const char *open, *close;

	if (!strcmp(name, "runtime.gopanic")) {
		ld_strbuf_puts(sb, "panic");
		return;
	}
	open = strchr(name, '[');
	close = strrchr(name, ']');
	if (!open || !close || close <= open) {
		ld_strbuf_puts(sb, name);
		return;
	}
	ld_strbuf_append(sb, name, (size_t)(open - name));
	ld_strbuf_puts(sb, "[...]");
	ld_strbuf_puts(sb, close + 1);
}

/* runtime.showfuncinfo at level 1; flags: ld_funcname_flags(name). */
static bool show_frame(const struct ld_session *s, uint8_t flags,
		       int funcid, bool first, int callee)
{
	const struct ld_rt_funcids *fid = &s->rt->fid;

	if (funcid == fid->wrapper && !(callee == fid->gopanic ||
					callee == fid->sigpanic ||
					callee == fid->panicwrap))
		return false;
	if (s->rt->show_finalizer_frames &&
	    (funcid == fid->run_finalizers ||
	     (fid->run_cleanups >= 0 && funcid == fid->run_cleanups)))
		return true;
	if ((flags & LD_NAME_GOPANIC) && !first)
		return true;
	return flags & LD_NAME_SHOWN;
}


static bool arg_live(const struct ld_frame_info *fi, uint8_t start,
		     uint8_t off, uint8_t slot)
{
	size_t i;

	if (!fi->arg_live || fi->arg_live_idx <= 0 || off < start)
		return true;
	i = (size_t)fi->arg_live_idx + slot / 8;
	if (i >= fi->arg_live_avail)
		return true;
	return fi->arg_live[i] & (1u << (slot % 8));
}

static void print_arg(struct ld_session *s, const struct ld_goroutine *g,
		      struct ld_strbuf *sb, uint64_t argp, uint8_t off,
		      uint8_t size, bool live)
{
	uint64_t x;
	struct ld_error *err;

	err = ld_session_read_stack(s, g, argp + off, &x);
	if (err) {
		ld_error_destroy(err);
		ld_strbuf_puts(sb, "?");	/* the runtime would fault */
		return;
	}
	if (size < 8)
		x &= (1ull << (size * 8)) - 1;
	ld_strbuf_hex(sb, x);
	if (!live)
		ld_strbuf_putc(sb, '?');
}

/* runtime.printArgs */
static void print_args(struct ld_session *s, const struct ld_goroutine *g,
		       struct ld_strbuf *sb, const struct ld_frame_info *fi,
		       uint64_t argp)
{
	const uint8_t *p = fi->arg_info;
	size_t max = fi->arg_info_avail, pi = 0;
	uint8_t start_off = 0xff, slot = 0;
	bool first = true;

	if (!p)
		return;
	if (max > ARGS_MAX_LEN)
		max = ARGS_MAX_LEN;
	if (fi->arg_live)
		start_off = fi->arg_live[0];
	while (pi < max) {
		uint8_t o = p[pi++];

		if (o == ARGS_END_SEQ)
			break;
		if (o != ARGS_END_AGG && !first)
			ld_strbuf_puts(sb, ", ");
		switch (o) {
		case ARGS_START_AGG:
			ld_strbuf_putc(sb, '{');
			first = true;
			continue;
		case ARGS_END_AGG:
			ld_strbuf_putc(sb, '}');
			break;
		case ARGS_DOTDOTDOT:
			ld_strbuf_puts(sb, "...");
			break;
		case ARGS_OFFSET_TOO_LARGE:
			ld_strbuf_putc(sb, '_');
			break;
		default:
			if (pi >= max)
				return;
			print_arg(s, g, sb, argp, o, p[pi],
				  arg_live(fi, start_off, o, slot));
			pi++;
			if (o >= start_off)
				slot++;
		}
		first = false;
	}
}

/* State of one traceback2 pass. */
struct pass {
	struct ld_session *s;
	const struct ld_goroutine *g;
	struct ld_strbuf *sb;	/* NULL: count only */
	bool show_runtime;
	int skip, max;
	int n, last_n;
};

/* commitFrame: returns 1 to print, 0 to skip, -1 to stop. */
static int commit_frame(struct pass *ps)
{
	if (ps->skip == 0 && ps->max == 0)
		return -1;
	ps->n++;
	ps->last_n++;
	if (ps->skip > 0) {
		ps->skip--;
		return 0;
	}
	ps->max--;
	return 1;
}

static void print_frame(struct pass *ps, struct ld_unwinder *u,
			const struct ld_logical_frame *lf,
			const struct ld_frame_info *fi)
{
	struct ld_strbuf *sb = ps->sb;

	ld_print_func_name(sb, lf->name);
	ld_strbuf_putc(sb, '(');
	if (lf->inlined)
		ld_strbuf_puts(sb, "...");
	else
		print_args(ps->s, ps->g, sb, fi, u->argp);
	ld_strbuf_puts(sb, ")\n\t");
	ld_strbuf_puts(sb, lf->file);
	ld_strbuf_putc(sb, ':');
	ld_strbuf_dec(sb, lf->line);
	if (!lf->inlined && u->pc > u->fn.entry) {
		ld_strbuf_puts(sb, " +");
		ld_strbuf_hex(sb, u->pc - u->fn.entry);
	}
	ld_strbuf_putc(sb, '\n');
}

/* traceback2: returns true when it stopped because max was reached. */
static bool run_pass(struct pass *ps, struct ld_unwinder *u)
{
	for (; ld_unwind_valid(u); ld_unwind_next(u)) {
		const struct ld_frame_info *fi = ld_unwind_frame_info(u);
		const struct ld_logical_frame *lfs = fi->frames;
		size_t nl = fi->nframes;

		ps->last_n = 0;
		for (size_t i = 0; i < nl; i++) {
			int callee = u->callee_funcid, c;

			u->callee_funcid = lfs[i].funcid;
			if (!ps->show_runtime &&
			    !show_frame(ps->s, lfs[i].name_flags,
					lfs[i].funcid, ps->n == 0, callee))
				continue;
			c = commit_frame(ps);
			if (c < 0)
				return true;
			if (c > 0 && ps->sb)
				print_frame(ps, u, &lfs[i], fi);
		}
	}
	ps->last_n = 0;
	return false;
}

static void start_unwind(struct ld_session *s, const struct ld_goroutine *g,
			 struct ld_unwinder *u)
{
	ld_unwind_init(u, s, g, g->pc, g->sp,
		       (g->flags & LD_G_HAS_REGS) ? LD_UNWIND_TRAP : 0);
}

/* traceback1's tracebackWithRuntime: returns frames printed (n). */
static int traceback_with_runtime(struct ld_session *s,
				  const struct ld_goroutine *g,
				  struct ld_strbuf *sb, bool show_runtime,
				  const char **error)
{
	struct pass ps = { s, g, sb, show_runtime, 0, INNER_FRAMES, 0, 0 };
	struct ld_unwinder u, u2;
	int n, remaining, elide;

	start_unwind(s, g, &u);
	run_pass(&ps, &u);
	n = ps.n;
	if (u.error)
		*error = u.error;
	if (n < INNER_FRAMES)
		return n;
	u2 = u;
	{
		struct pass cnt = { s, g, NULL, show_runtime, 0x7fffffff, 0,
				    0, 0 };

		run_pass(&cnt, &u);
		remaining = cnt.n;
	}
	elide = remaining - ps.last_n - OUTER_FRAMES;
	{
		struct pass out = { s, g, sb, show_runtime,
				    ps.last_n + (elide > 0 ? elide : 0),
				    OUTER_FRAMES, 0, 0 };

		if (elide > 0) {
			ld_strbuf_puts(sb, "...");
			ld_strbuf_dec(sb, elide);
			ld_strbuf_puts(sb, " frames elided...\n");
		}
		run_pass(&out, &u2);
		if (u2.error)
			*error = u2.error;
	}
	return n;
}

bool ld_traceback_created_by(struct ld_session *s,
			     const struct ld_goroutine *g,
			     struct ld_visible_frame *ret)
{
	const struct ld_created_at *at = ld_unwind_created_at(s, g->gopc);

	if (!at->valid || g->goid == 1 ||
	    !show_frame(s, ld_funcname_flags(at->name), at->funcid, false,
			0))
		return false;
	ret->name = at->name;
	ret->file = at->file;
	ret->line = at->line;
	ret->pc = g->gopc;
	ret->entry = at->entry;
	ret->inlined = false;
	return true;
}

static void print_created_by(struct ld_session *s,
			     const struct ld_goroutine *g,
			     struct ld_strbuf *sb)
{
	struct ld_visible_frame cf;

	if (!ld_traceback_created_by(s, g, &cf))
		return;
	ld_strbuf_puts(sb, "created by ");
	ld_print_func_name(sb, cf.name);
	if (g->parent_goid) {
		ld_strbuf_puts(sb, " in goroutine ");
		ld_strbuf_udec(sb, g->parent_goid);
	}
	ld_strbuf_puts(sb, "\n\t");
	ld_strbuf_puts(sb, cf.file);
	ld_strbuf_putc(sb, ':');
	ld_strbuf_dec(sb, cf.line);
	if (cf.pc > cf.entry) {
		ld_strbuf_puts(sb, " +");
		ld_strbuf_hex(sb, cf.pc - cf.entry);
	}
	ld_strbuf_putc(sb, '\n');
}

/* runtime.printquoted: Go-style quoting, ASCII printable passes through. */
static void print_quoted(struct ld_strbuf *sb, const char *str, size_t len)
{
	const uint8_t *p = (const uint8_t *)str, *end = p + len;

	ld_strbuf_putc(sb, '"');
	while (p < end) {
		uint32_t r = *p;
		size_t n = 1;

		if (r >= 0x80)
			n = utf8_decode(p, (size_t)(end - p), &r);
		if (!n) {
			ld_strbuf_printf(sb, "\\x%02x", *p);
			p++;
			continue;
		}
		p += n;
		if (r == '\n')
			ld_strbuf_puts(sb, "\\n");
		else if (r == '\r')
			ld_strbuf_puts(sb, "\\r");
		else if (r == '\t')
			ld_strbuf_puts(sb, "\\t");
		else if (r == '\\' || r == '"')
			ld_strbuf_printf(sb, "\\%c", (char)r);
		else if (r >= ' ' && r <= '~')
			ld_strbuf_putc(sb, (char)r);
		else if (r < 127)
			ld_strbuf_printf(sb, "\\x%02x", r);
		else if (r < 0x10000)
			ld_strbuf_printf(sb, "\\u%04x", r);
		else
			ld_strbuf_printf(sb, "\\U%08x", r);
	}
	ld_strbuf_putc(sb, '"');
}

/* Go 1.27 tracebackStringNeedsQuoting */
static bool needs_quoting(const char *str, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = str[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '/' ||
		      c == '_'))
			return true;
	}
	return false;
}

static void print_label_string(struct ld_session *s, struct ld_strbuf *sb,
			       const char *str, size_t len)
{
	if (s->rt->labels_after_bracket && !needs_quoting(str, len))
		ld_strbuf_append(sb, str, len);
	else
		print_quoted(sb, str, len);
}

#define MAX_LABELS 64
#define MAX_LABEL_LEN 4096

/* The goroutine's pprof labels, as goroutineheader prints them. */
static void print_labels(struct ld_session *s, const struct ld_goroutine *g,
			 struct ld_strbuf *sb)
{
	uint64_t set, list[2], kv[4];
	struct ld_error *err;

	err = ld_mem_read_u64(s->mem, g->addr + (uint64_t)s->rt->g.labels,
			      &set);
	if (!err && set)
		err = ld_mem_read(s->mem, set, list, sizeof(list));
	if (err || !set || !list[1] || list[1] > MAX_LABELS) {
		ld_error_destroy(err);
		return;
	}
	ld_strbuf_puts(sb, s->rt->labels_after_bracket ? " {" : " labels:{");
	for (uint64_t i = 0; i < list[1]; i++) {
		char *k = NULL, *v = NULL;

		err = ld_mem_read(s->mem, list[0] + 32 * i, kv, sizeof(kv));
		if (!err)
			err = ld_mem_read_string(s->mem, kv[0], kv[1],
						 MAX_LABEL_LEN, &k);
		if (!err)
			err = ld_mem_read_string(s->mem, kv[2], kv[3],
						 MAX_LABEL_LEN, &v);
		if (!err) {
			print_label_string(s, sb, k, kv[1]);
			ld_strbuf_puts(sb, ": ");
			print_label_string(s, sb, v, kv[3]);
			if (i + 1 < list[1])
				ld_strbuf_puts(sb, ", ");
		}
		free(k);
		free(v);
		if (err) {
			ld_error_destroy(err);
			break;
		}
	}
	ld_strbuf_putc(sb, '}');
}

/*
 * Go 1.25+ (synctest bubbles): a waiting goroutine that is durably blocked
 * in its bubble says so, unless its status text already does.
 */
static bool is_durable(const struct ld_session *s,
		       const struct ld_goroutine *g)
{
	uint32_t st = g->status & ~(uint32_t)s->rt->g_scan;
	const char *text, *suffix = "(durable)";
	size_t n, k = strlen(suffix);

	if (!ld_goroutine_bubble(s, g) || s->rt->g.bubble < 0 || st != s->rt->g_waiting ||
	    !s->idle_in_synctest || g->waitreason >= s->nwait_reasons ||
	    !s->idle_in_synctest[g->waitreason])
		return false;
	text = ld_goroutine_status_text(s, g);
	n = strlen(text);
	return n < k || strcmp(text + n - k, suffix);
}

void ld_traceback_header(struct ld_session *s, const struct ld_goroutine *g,
			 struct ld_strbuf *sb)
{
	const struct ld_rt *rt = s->rt;
	uint32_t st = g->status & ~(uint32_t)rt->g_scan;
	int64_t minutes = ld_goroutine_wait_minutes(s, g);

	ld_strbuf_puts(sb, "goroutine ");
	ld_strbuf_udec(sb, g->goid);
	ld_strbuf_puts(sb, " [");
	ld_strbuf_puts(sb, ld_goroutine_status_text(s, g));
	if (rt->g_leaked >= 0 && st == rt->g_leaked)
		ld_strbuf_puts(sb, " (leaked)");	/* Go 1.26+ */
	if (g->status & rt->g_scan)
		ld_strbuf_puts(sb, " (scan)");
	if (is_durable(s, g))
		ld_strbuf_puts(sb, " (durable)");
	if (minutes >= 1) {
		ld_strbuf_puts(sb, ", ");
		ld_strbuf_dec(sb, minutes);
		ld_strbuf_puts(sb, " minutes");
	}
	if (g->flags & LD_G_LOCKED)
		ld_strbuf_puts(sb, ", locked to thread");
	if (ld_goroutine_bubble(s, g)) {
		/* Go 1.24 named synctest groups; 1.25 renamed them bubbles. */
		ld_strbuf_puts(sb, rt->g.bubble >= 0 ? ", synctest bubble " :
						       ", synctest group ");
		ld_strbuf_udec(sb, ld_goroutine_bubble(s, g));
	}
	if (!s->traceback_labels) {
		ld_strbuf_puts(sb, "]:\n");
	} else if (rt->labels_after_bracket) {
		ld_strbuf_putc(sb, ']');
		print_labels(s, g, sb);
		ld_strbuf_puts(sb, ":\n");
	} else {
		print_labels(s, g, sb);
		ld_strbuf_puts(sb, "]:\n");
	}
}

void ld_traceback_body(struct ld_session *s, struct ld_goroutine *g,
		       struct ld_strbuf *sb)
{
	const char *error = NULL;

	if (g->flags & LD_G_NO_STACK) {
		ld_strbuf_puts(sb, "\tgoroutine running on other thread; stack unavailable\n");
		print_created_by(s, g, sb);
		return;
	}
	if (traceback_with_runtime(s, g, sb, false, &error) == 0)
		traceback_with_runtime(s, g, sb, true, &error);
	if (error) {
		ld_goroutine_set_note(s, g, error);
		ld_strbuf_puts(sb, "\t[leakdump: ");
		ld_strbuf_puts(sb, error);
		ld_strbuf_puts(sb, "]\n");
	}
	print_created_by(s, g, sb);
}

unsigned int ld_traceback_walk(struct ld_session *s,
			       const struct ld_goroutine *g, ld_frame_fn *fn,
			       void *arg, const char **error)
{
	unsigned int count = 0;
	struct ld_unwinder u;

	for (int pass = 0; pass < 2 && !count; pass++) {
		bool show_runtime = pass == 1;

		start_unwind(s, g, &u);
		for (; ld_unwind_valid(&u); ld_unwind_next(&u)) {
			const struct ld_frame_info *fi =
				ld_unwind_frame_info(&u);
			const struct ld_logical_frame *lfs = fi->frames;
			size_t nl = fi->nframes;

			for (size_t i = 0; i < nl; i++) {
				struct ld_visible_frame vf;
				int callee = u.callee_funcid;

				u.callee_funcid = lfs[i].funcid;
				if (!show_runtime &&
				    !show_frame(s, lfs[i].name_flags,
						lfs[i].funcid, count == 0,
						callee))
					continue;
				vf.name = lfs[i].name;
				vf.file = lfs[i].file;
				vf.line = lfs[i].line;
				vf.pc = u.pc;
				vf.entry = u.fn.entry;
				vf.inlined = lfs[i].inlined;
				count++;
				if (!fn(arg, &vf))
					return count;
			}
		}
		if (u.error && error)
			*error = u.error;
	}
	return count;
}
