// SPDX-License-Identifier: MIT
/*
 * Report formats: ld_report picks one from the table below.  "go"
 * (go.c) streams each goroutine as the runtime prints it.  The others
 * read the grouping model (model.c, leakdump/report/model.h): goroutines
 * grouped by (state, visible stack, creator) and printed as "text"
 * (text.c), "text" by blocking object (blocker.c) or "json" (json.c);
 * "pprof" (pprof.c) reads the model's blocking objects and verdicts and
 * walks every stack whole, runtime frames included.
 */
#include <stdbool.h>
#include <string.h>

#include "leakdump/base/util.h"
#include "leakdump/report/model.h"
#include "leakdump/report/report.h"
#include "report/report_priv.h"

#define ANY_GROUPING -1

struct format {
	enum ld_format format;
	int group_by;		/* an enum ld_group_by, or ANY_GROUPING */
	bool grouped;		/* reads the grouping model */
	bool reads;		/* reads the target while it writes */
	const char *no_prove;	/* why --prove is refused; NULL: accepted */
	struct ld_error *(*emit)(struct ld_session *s,
				 const struct ld_report_opts *o,
				 const struct ld_report_model *m, FILE *out);
};

/* The first entry that matches the options wins. */
static const struct format formats[] = {
	/* go unwinds every stack as it prints it; pprof every stack whole,
	 * runtime frames included, and reads labels. */
	{ LD_FORMAT_GO, ANY_GROUPING, false, true,
	  "--prove reports in text or json, not in the runtime's own format",
	  ld_report_emit_go },
	{ LD_FORMAT_JSON, ANY_GROUPING, true, false, NULL,
	  ld_report_emit_json },
	{ LD_FORMAT_PPROF, ANY_GROUPING, true, true, NULL,
	  ld_report_emit_pprof },
	/* html: counted as reading while it writes, to be safe. */
	{ LD_FORMAT_HTML, ANY_GROUPING, true, true, NULL,
	  ld_report_emit_html },
	{ LD_FORMAT_TEXT, LD_GROUP_BLOCKER, true, false, NULL,
	  ld_report_emit_blocker },
	{ LD_FORMAT_TEXT, ANY_GROUPING, true, false, NULL,
	  ld_report_emit_text },
};

/*
 * The reads are done: let the caller resume the process, seal the memory
 * (nothing may read the running process as if it were the snapshot) and
 * say what the dump cost it.  start is when this report began.
 */
static void release(struct ld_session *s, const struct ld_report_opts *o,
		    double start, struct ld_report_cost *cost)
{
	double from = s->open_counted ? start : s->opened_at;
	double stopped_at = from, paused = -1, now;

	s->open_counted = true;
	if (o->release) {
		paused = o->release(o->release_arg, &stopped_at);
		ld_mem_seal(s->mem, "the process was resumed after the dump");
	}
	now = ld_seconds();
	/* A mapped target (a core) is read from a file: no process waits. */
	cost->shown = !ld_target_mapped(&s->target);
	cost->paused = paused >= 0;
	cost->target_s = cost->paused ? paused : now - from;
	if (cost->paused && stopped_at < from)
		from = stopped_at;
	cost->total_s = now - from;
	cost->reads = ld_mem_target_reads(s->mem) - s->reads_counted;
	cost->read_bytes = ld_mem_target_bytes(s->mem) - s->bytes_counted;
	s->reads_counted += cost->reads;
	s->bytes_counted += cost->read_bytes;
}

static const struct format *pick(enum ld_format format, int group_by)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].format == format &&
		    (formats[i].group_by == ANY_GROUPING ||
		     formats[i].group_by == group_by))
			return &formats[i];
	return NULL;
}

struct ld_error *ld_report(struct ld_session *s,
			   const struct ld_report_opts *opts, FILE *out)
{
	const struct format *f = pick(opts->format, (int)opts->group_by);
	const struct ld_report_model_opts mo = {
		.all = opts->all,
		.no_blocking = opts->no_blocking,
		.prove = opts->prove,
		.why = opts->why,
		.filter = opts->filter,
	};
	struct ld_report_cost cost;
	struct ld_report_model *m;
	struct ld_error *err;
	double start = ld_seconds();
	bool late;

	/* A format ld_format does not name prints as text always did. */
	if (!f)
		f = pick(LD_FORMAT_TEXT, (int)opts->group_by);
	if (opts->totals)
		memset(opts->totals, 0, sizeof(*opts->totals));
	err = ld_session_load_goroutines(s);
	if (err)
		return err;
	if (opts->prove && f->no_prove)
		return ld_error_create(LD_ERR_INVALID, "%s", f->no_prove);
	if (!f->grouped) {
		err = f->emit(s, opts, NULL, out);
		release(s, opts, start, &cost);
		return err;
	}
	err = ld_report_model_build(s, &mo, &m);
	if (err)
		return err;
	/*
	 * The others have read everything once the model is built, but for
	 * --why's paths: each hop's type is read as it is printed.
	 */
	late = f->reads || opts->why;
	if (!late)
		release(s, opts, start, &m->cost);
	err = f->emit(s, opts, m, out);
	if (late)
		release(s, opts, start, &m->cost);
	_Static_assert(sizeof(opts->totals->verdicts) ==
		       sizeof(m->pv->count), "one count per verdict");
	if (!err && opts->totals && m->pv) {
		opts->totals->proved = true;
		opts->totals->proven = m->pv->proven;
		memcpy(opts->totals->verdicts, m->pv->count,
		       sizeof(opts->totals->verdicts));
	}
	ld_report_model_destroy(m);
	return err;
}
