// SPDX-License-Identifier: MIT
/*
 * The "html" format: one self-contained page (inline CSS and JS, no
 * network) to look at a dump: the text report's header, the groups
 * largest first as foldable <details> (the group line as the summary, its
 * blocking object, verdict and stack inside) and a table of the blocking
 * objects with the most waiters.  It reuses text.c's pieces, escaped, so
 * the page says exactly what the text report says; counts and states also
 * go into data- attributes for scripts and tests.
 *
 * The page is sized for a browser, not for the dump: at most MAX_GROUPS
 * groups and MAX_OBJECTS objects, with a line saying how many more.
 */
#include <string.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/report/report.h"
#include "report/report_priv.h"

#define MAX_GROUPS 5000
#define MAX_OBJECTS 1000

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width\">\n"
	"<script>window.__ldErrors=[];window.onerror=function(m){"
	"window.__ldErrors.push(String(m));document.documentElement."
	"setAttribute('data-js-errors',window.__ldErrors.join(' | '));};"
	"</script>\n<style>\n"
	"body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}\n"
	"pre{font:12px/1.35 ui-monospace,monospace;margin:.3em 0 .6em 1.5em;"
	"white-space:pre-wrap}\n"
	"header pre{margin-left:0;background:#f4f4f4;padding:.6em}\n"
	"details.group{border-left:4px solid #9ab;margin:.3em 0;padding-left:.5em}\n"
	"details.leaked{border-color:#c33}details.may-wake{border-color:#e90}\n"
	"details.live{border-color:#3a3}\n"
	"summary{cursor:pointer;font:13px ui-monospace,monospace}\n"
	".count{font-weight:bold}\n"
	"table{border-collapse:collapse;font:12px ui-monospace,monospace}\n"
	"td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}\n"
	"td.n{text-align:right}\n"
	"</style>\n";

/* Text as HTML: & < > " ' escaped; any bytes pass through otherwise. */
static void put_esc_n(struct ld_strbuf *sb, const char *p, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;

		switch (p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\0': rep = "&#xfffd;"; break;
		}
		if (!rep)
			continue;
		ld_strbuf_append(sb, p + run, i - run);
		ld_strbuf_puts(sb, rep);
		run = i + 1;
	}
	ld_strbuf_append(sb, p + run, n - run);
}

static void put_esc(struct ld_strbuf *sb, const char *s)
{
	put_esc_n(sb, s, strlen(s));
}

static const char *verdict_class(const struct ld_report_model *gr,
				 const struct ld_report_group *grp)
{
	return gr->pv ? ld_verdict_name(grp->verdict) : "";
}

static void html_header(struct ld_session *s, const struct ld_report_opts *o,
			const struct ld_report_model *gr,
			struct ld_strbuf *tmp, struct ld_strbuf *sb)
{
	size_t shown = 0;

	for (size_t k = 0; k < gr->ngroups; k++)
		shown += gr->groups[k].count;
	ld_strbuf_puts(sb, "<title>leak-dump: ");
	put_esc(sb, s->bin->path);
	ld_strbuf_puts(sb, "</title></head>\n<body>\n<header><h1>leak-dump</h1>\n");
	ld_strbuf_printf(sb, "<p id=\"totals\" data-goroutines=\"%zu\" "
			 "data-groups=\"%zu\" data-hidden=\"%zu\" "
			 "data-filtered-out=\"%zu\"", shown, gr->ngroups,
			 gr->hidden, gr->filtered_out);
	if (gr->pv)
		ld_strbuf_printf(sb, " data-leaked=\"%llu\" data-may-wake=\"%llu\" "
				 "data-live=\"%llu\" data-proven=\"%s\"",
				 (unsigned long long)gr->pv->count[LD_VERDICT_LEAKED],
				 (unsigned long long)gr->pv->count[LD_VERDICT_MAY_WAKE],
				 (unsigned long long)gr->pv->count[LD_VERDICT_LIVE],
				 gr->pv->proven ? "true" : "false");
	ld_strbuf_puts(sb, ">");
	put_count(sb, shown);
	ld_strbuf_puts(sb, " goroutines in ");
	put_count(sb, gr->ngroups);
	ld_strbuf_puts(sb, " groups</p>\n<pre>");
	ld_strbuf_reset(tmp);
	ld_report_text_header(s, o, gr, tmp);
	put_esc_n(sb, tmp->data, tmp->len);
	ld_strbuf_puts(sb, "</pre>\n<p><button id=\"unfold\" type=\"button\">"
		       "unfold all</button> <button id=\"fold\" type=\"button\">"
		       "fold all</button></p></header>\n");
}

/* One group: text.c's group text, its first line as the summary. */
static void html_group(struct ld_session *s, const struct ld_report_model *gr,
		       size_t k, struct ld_strbuf *tmp, struct ld_strbuf *sb)
{
	const struct ld_report_group *grp = &gr->groups[k];
	const char *text, *nl;
	size_t len;

	ld_strbuf_reset(tmp);
	ld_report_text_group(s, gr, grp, tmp);
	text = tmp->data;
	len = tmp->len;
	/* text_group starts with a blank line: skip it. */
	while (len && *text == '\n') {
		text++;
		len--;
	}
	nl = memchr(text, '\n', len);
	if (!nl)
		nl = text + len;
	ld_strbuf_printf(sb, "<details class=\"group %s\" data-id=\"%zu\" "
			 "data-count=\"%zu\" data-state=\"",
			 verdict_class(gr, grp), k, grp->count);
	put_esc(sb, grp->status);
	ld_strbuf_puts(sb, "\"");
	if (gr->pv)
		ld_strbuf_printf(sb, " data-verdict=\"%s\"",
				 ld_verdict_name(grp->verdict));
	if (gr->label_key) {
		ld_strbuf_puts(sb, " data-label=\"");
		if (grp->label)
			put_esc(sb, gr->labels[grp->label - 1].value);
		ld_strbuf_puts(sb, "\"");
	}
	ld_strbuf_puts(sb, "><summary>");
	put_esc_n(sb, text, (size_t)(nl - text));
	ld_strbuf_puts(sb, "</summary><pre>");
	if (nl < text + len)
		put_esc_n(sb, nl + 1, (size_t)(text + len - nl - 1));
	ld_strbuf_puts(sb, "</pre></details>\n");
}

static size_t object_waiters(const struct ld_object *o)
{
	return ld_object_nwaiting(o);
}

static int cmp_objects(const void *a, const void *b)
{
	const struct ld_object *x = *(const struct ld_object *const *)a;
	const struct ld_object *y = *(const struct ld_object *const *)b;
	size_t nx = object_waiters(x), ny = object_waiters(y);

	if (nx != ny)
		return nx < ny ? 1 : -1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The objects with the most waiters, as go-chan / go-mutex describe them. */
static struct ld_error *html_objects(struct ld_session *s,
				     const struct ld_report_model *gr,
				     struct ld_strbuf *tmp, struct ld_strbuf *sb)
{
	size_t n = gr->blk->nobjs, shown;
	const struct ld_object **v;

	ld_strbuf_puts(sb, "<section id=\"objects\"><h2>Blocking objects</h2>\n");
	if (!n) {
		ld_strbuf_puts(sb, "<p>none</p></section>\n");
		return NULL;
	}
	v = malloc(n * sizeof(*v));
	if (!v)
		return &ld_error_nomem;
	for (size_t i = 0; i < n; i++)
		v[i] = &gr->blk->objs[i];
	qsort(v, n, sizeof(*v), cmp_objects);
	shown = n < MAX_OBJECTS ? n : MAX_OBJECTS;
	ld_strbuf_puts(sb, "<table><tr><th>waiters</th><th>kind</th>"
		       "<th>object</th></tr>\n");
	for (size_t i = 0; i < shown; i++) {
		ld_strbuf_printf(sb, "<tr data-waiters=\"%zu\"><td class=\"n\">",
				 object_waiters(v[i]));
		put_count(sb, object_waiters(v[i]));
		ld_strbuf_puts(sb, "</td><td>");
		put_esc(sb, ld_block_kind_name(v[i]->kind));
		ld_strbuf_puts(sb, "</td><td>");
		ld_strbuf_reset(tmp);
		ld_object_describe(s, v[i], tmp);
		put_esc_n(sb, tmp->data, tmp->len);
		ld_strbuf_puts(sb, "</td></tr>\n");
	}
	ld_strbuf_puts(sb, "</table>\n");
	if (n > shown) {
		ld_strbuf_puts(sb, "<p>");
		put_count(sb, n - shown);
		ld_strbuf_puts(sb, " more objects (--format json lists all)</p>\n");
	}
	ld_strbuf_puts(sb, "</section>\n");
	free(v);
	return NULL;
}

static const char html_tail[] =
	"<script>(function(){function all(o){var d=document.querySelectorAll("
	"'details.group');for(var i=0;i<d.length;i++)d[i].open=o;}"
	"document.getElementById('unfold').onclick=function(){all(true);};"
	"document.getElementById('fold').onclick=function(){all(false);};"
	"document.documentElement.setAttribute('data-ready','1');})();"
	"</script>\n</body></html>\n";

struct ld_error *ld_report_emit_html(struct ld_session *s,
				     const struct ld_report_opts *o,
				     const struct ld_report_model *gr,
				     FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT, tmp = LD_STRBUF_INIT;
	size_t ngroups = gr->ngroups < MAX_GROUPS ? gr->ngroups : MAX_GROUPS;
	struct ld_error *err = NULL;

	ld_strbuf_puts(&sb, html_head);
	html_header(s, o, gr, &tmp, &sb);
	ld_strbuf_puts(&sb, "<section id=\"groups\"><h2>Groups</h2>\n");
	for (size_t k = 0; k < ngroups && !err; k++) {
		html_group(s, gr, k, &tmp, &sb);
		if (sb.len > FLUSH_AT)
			err = ld_strbuf_flush(&sb, out);
	}
	if (gr->ngroups > ngroups) {
		ld_strbuf_puts(&sb, "<p id=\"more-groups\">");
		put_count(&sb, gr->ngroups - ngroups);
		ld_strbuf_puts(&sb, " smaller groups not shown (--format text "
			       "lists all)</p>\n");
	}
	ld_strbuf_puts(&sb, "</section>\n");
	if (!err && gr->blk)
		err = html_objects(s, gr, &tmp, &sb);
	ld_strbuf_puts(&sb, html_tail);
	if (!err)
		err = ld_strbuf_error(&tmp);
	if (!err)
		err = ld_strbuf_flush(&sb, out);
	ld_strbuf_release(&tmp);
	ld_strbuf_release(&sb);
	return err;
}
