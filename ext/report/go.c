// SPDX-License-Identifier: MIT
/*
 * The runtime's own text, one goroutine at a time: the "go" format (as
 * runtime.Stack(buf, true) prints), one goroutine's traceback (go-bt) and
 * the one-line-per-goroutine list (go-goroutines).  None of them groups.
 */
#include <string.h>

#include "leakdump/model/walk.h"
#include "leakdump/model/traceback.h"
#include "leakdump/report/report.h"
#include "report/report_priv.h"

/* The passes over all stacks: a traceback each, in order. */
static const struct ld_walk_ops stacks_walk = {
	.flags = LD_WALK_TRIM | LD_WALK_STACKS,
};

/* Whether g passes the filters: --function needs its visible frames. */
static bool go_passes(struct ld_session *s, struct ld_report_match *m,
		      struct ld_visible_frame *frames, struct ld_goroutine *g)
{
	const char *werr;
	uint32_t n;

	if (!ld_report_match_goroutine(m, s, g))
		return false;
	if (!frames)
		return true;
	n = ld_report_goroutine_frames(s, g, frames, &werr);
	return ld_report_match_frames(m, frames, n);
}

struct ld_error *ld_report_emit_go(struct ld_session *s,
				   const struct ld_report_opts *o,
				   const struct ld_report_model *m, FILE *out)
{
	bool all = o->all;
	struct ld_strbuf sb = LD_STRBUF_INIT;
	struct ld_visible_frame *frames = NULL;
	struct ld_report_match *match = NULL;
	struct ld_error *err;
	bool first = true;
	struct ld_walk w;
	size_t i;

	err = ld_report_match_new(&o->filter, &match);
	if (err)
		return err;
	if (o->filter.function) {
		frames = malloc(LD_REPORT_MAX_FRAMES * sizeof(*frames));
		if (!frames) {
			ld_report_match_free(match);
			return &ld_error_nomem;
		}
	}
	ld_walk_begin(&w, s, s->ngs, &stacks_walk, NULL);
	while (!err && ld_walk_next(&w, &i)) {
		struct ld_goroutine *g = &s->gs[i];

		if (!ld_report_shown(g, all))
			continue;
		if (ld_report_match_active(match) &&
		    !go_passes(s, match, frames, g))
			continue;
		if (!first)
			ld_strbuf_putc(&sb, '\n');
		first = false;
		ld_traceback_header(s, g, &sb);
		ld_traceback_body(s, g, &sb);
		if (sb.len > FLUSH_AT)
			err = ld_strbuf_flush(&sb, out);
	}
	ld_walk_end(&w);
	if (!err)
		err = ld_strbuf_flush(&sb, out);
	ld_strbuf_release(&sb);
	ld_report_match_free(match);
	free(frames);
	return err;
}

struct ld_error *ld_report_goroutine(struct ld_session *s, uint64_t goid,
				     FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	struct ld_goroutine *g;
	struct ld_error *err;

	err = ld_session_load_goroutines(s);
	if (err)
		return err;
	g = ld_session_find(s, goid);
	if (!g)
		return ld_error_create(LD_ERR_NOT_FOUND,
				       "no goroutine with id %llu",
				       (unsigned long long)goid);
	ld_traceback_header(s, g, &sb);
	ld_traceback_body(s, g, &sb);
	err = ld_strbuf_flush(&sb, out);
	ld_strbuf_release(&sb);
	return err;
}

struct ld_error *ld_report_list(struct ld_session *s, bool all, FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	struct ld_error *err;
	struct ld_walk w;
	size_t i;

	err = ld_session_load_goroutines(s);
	ld_walk_begin(&w, s, s->ngs, &stacks_walk, NULL);
	while (!err && ld_walk_next(&w, &i)) {
		struct ld_goroutine *g = &s->gs[i];
		struct ld_visible_frame f = { 0 };

		if (!ld_report_shown(g, all))
			continue;
		if (!(g->flags & LD_G_NO_STACK))
			ld_traceback_walk(s, g, first_user_frame, &f, NULL);
		ld_strbuf_printf(&sb, "%8llu  %-24s ", (unsigned long long)g->goid,
				 ld_goroutine_status_text(s, g));
		if (f.name) {
			ld_print_func_name(&sb, f.name);
			ld_strbuf_printf(&sb, "  %s:%d", short_path(f.file),
					 f.line);
		} else {
			ld_strbuf_puts(&sb, "(no stack)");
		}
		ld_strbuf_putc(&sb, '\n');
		if (sb.len > FLUSH_AT)
			err = ld_strbuf_flush(&sb, out);
	}
	ld_walk_end(&w);
	if (!err)
		err = ld_strbuf_flush(&sb, out);
	ld_strbuf_release(&sb);
	return err;
}

