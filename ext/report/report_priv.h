/* SPDX-License-Identifier: MIT */
/*
 * What the report formats share inside ext/report/: the formats' entry
 * points (report.c's table picks one), the text pieces --group-by blocker
 * reuses, and small formatting helpers (counts with thousands separators,
 * byte sizes, short paths, state tallies).
 *
 * A new format is one new file: a function with the ld_report_emit
 * signature over the grouping model (leakdump/report/model.h), declared
 * here and listed in report.c's table.
 */
#ifndef LD_REPORT_PRIV_H
#define LD_REPORT_PRIV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/strbuf.h"
#include "leakdump/model/session.h"
#include "leakdump/model/traceback.h"
#include "leakdump/report/model.h"

/* The formats' options; the files that read them include report.h. */
struct ld_report_opts;

/* Formats build their output in a strbuf and write it out past this. */
#define FLUSH_AT (1u << 20)

/*
 * One format: write the report of s to out.  m is the grouping model,
 * NULL for formats that do not group (go); it stays the caller's.
 */
struct ld_error *ld_report_emit_text(struct ld_session *s,
				     const struct ld_report_opts *o,
				     const struct ld_report_model *m,
				     FILE *out);
struct ld_error *ld_report_emit_blocker(struct ld_session *s,
					const struct ld_report_opts *o,
					const struct ld_report_model *m,
					FILE *out);
struct ld_error *ld_report_emit_json(struct ld_session *s,
				     const struct ld_report_opts *o,
				     const struct ld_report_model *m,
				     FILE *out);
struct ld_error *ld_report_emit_pprof(struct ld_session *s,
				      const struct ld_report_opts *o,
				      const struct ld_report_model *m,
				      FILE *out);
struct ld_error *ld_report_emit_html(struct ld_session *s,
				     const struct ld_report_opts *o,
				     const struct ld_report_model *m,
				     FILE *out);
struct ld_error *ld_report_emit_go(struct ld_session *s,
				   const struct ld_report_opts *o,
				   const struct ld_report_model *m, FILE *out);

/* text.c's pieces, which --group-by blocker (blocker.c) reuses. */
void ld_report_text_header(struct ld_session *s,
			   const struct ld_report_opts *o,
			   const struct ld_report_model *gr,
			   struct ld_strbuf *sb);
void ld_report_text_group(struct ld_session *s,
			  const struct ld_report_model *gr,
			  const struct ld_report_group *grp,
			  struct ld_strbuf *sb);
void ld_report_text_frame(struct ld_strbuf *sb,
			  const struct ld_visible_frame *f);

/*
 * --why (path.c): a reference path as "    why: data main.x → ... \n"
 * (wrapped one hop per line when long), and as a JSON array.
 */
void ld_report_text_path(struct ld_strbuf *sb, const struct ld_path *path);
void ld_report_json_path(struct ld_strbuf *sb, const struct ld_path *path);

/* ---- formatting helpers ---- */

/* "1,234,567". */
static inline void put_count(struct ld_strbuf *sb, uint64_t n)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)n);

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			ld_strbuf_putc(sb, ',');
		ld_strbuf_putc(sb, tmp[i]);
	}
}

/* "8.2 MB": decimal units, one decimal. */
static inline void put_bytes(struct ld_strbuf *sb, uint64_t n)
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB" };
	double v = (double)n;
	int u = -1;

	if (n < 1000) {
		ld_strbuf_printf(sb, "%llu B", (unsigned long long)n);
		return;
	}
	while (v >= 1000 && u < 3) {
		v /= 1000;
		u++;
	}
	ld_strbuf_printf(sb, "%.1f %s", v, unit[u]);
}

/* A file and its directory: "runtime/proc.go" of ".../src/runtime/proc.go". */
static inline const char *short_path(const char *file)
{
	const char *last = strrchr(file, '/'), *p;

	if (!last)
		return file;
	for (p = last - 1; p > file && *p != '/'; p--)
		;
	return p > file ? p + 1 : file;
}

static inline const char *target_kind_name(const struct ld_session *s)
{
	return ld_target_name(&s->target);
}

/* A tally of goroutines by state name (or wait reason). */
struct state_count {
	const char *name;
	size_t count;
};

static inline void count_state(struct state_count *v, size_t *n, size_t max,
			       const char *name)
{
	/* The names are the session's own strings: pointers usually match. */
	for (size_t i = 0; i < *n; i++) {
		if (v[i].name == name) {
			v[i].count++;
			return;
		}
	}
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp(v[i].name, name)) {
			v[i].count++;
			return;
		}
	}
	if (*n < max) {
		v[*n].name = name;
		v[(*n)++].count = 1;
	}
}

/* qsort order of tallies: biggest first, then by name. */
static inline int cmp_state(const void *a, const void *b)
{
	const struct state_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

/*
 * A traceback callback: keeps the first frame outside the runtime, sync
 * and internal packages in *arg (a zeroed ld_visible_frame), else the top
 * frame.
 */
static inline bool first_user_frame(void *arg,
				    const struct ld_visible_frame *f)
{
	struct ld_visible_frame *ret = arg;

	if (!ret->name)
		*ret = *f;
	if (!strncmp(f->name, "runtime.", 8) || !strncmp(f->name, "sync.", 5) ||
	    !strncmp(f->name, "internal/", 9)) {
		return true;
	}
	*ret = *f;
	return false;
}

#endif
