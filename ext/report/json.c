// SPDX-License-Identifier: MIT
/*
 * The "json" format: target, totals, --prove summary, the grouping
 * model's groups, every shown goroutine and every blocking object, in one
 * JSON object.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/prove/prove.h"
#include "leakdump/model/walk.h"
#include "leakdump/model/traceback.h"
#include "leakdump/report/json.h"
#include "leakdump/report/model.h"
#include "leakdump/report/report.h"
#include "report/report_priv.h"

/*
 * Per-goroutine id lists are cut at this length (the counts stay exact):
 * a million receivers on one channel would otherwise repeat a million ids
 * a million times.  The top-level "objects" list has every id once.
 */
#define JSON_MAX_IDS 16

/* Passes that read no stacks. */
static const struct ld_walk_ops trim_walk = {
	.flags = LD_WALK_TRIM,
};

static void json_frame(struct ld_strbuf *sb, const struct ld_visible_frame *f)
{
	ld_strbuf_puts(sb, "{\"function\":");
	ld_strbuf_json_str(sb, f->name);
	ld_strbuf_puts(sb, ",\"file\":");
	ld_strbuf_json_str(sb, f->file);
	ld_strbuf_printf(sb, ",\"line\":%d,\"pc\":\"0x%llx\",\"inlined\":%s}",
			 f->line, (unsigned long long)f->pc,
			 f->inlined ? "true" : "false");
}

/*
 * ,"taken_at":"RFC 3339 UTC","monotonic_ns":N|null: what makes a report a
 * snapshot two of which can be diffed (rates need the time between them).
 */
static void json_snapshot_time(const struct ld_session *s,
			       struct ld_strbuf *sb)
{
	time_t sec = (time_t)(s->taken_at / 1000000000);
	struct tm tm;
	char buf[40];

	if (s->taken_at > 0 && gmtime_r(&sec, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm))
		ld_strbuf_printf(sb, ",\"taken_at\":\"%s.%06dZ\"", buf,
				 (int)(s->taken_at % 1000000000 / 1000));
	else
		ld_strbuf_puts(sb, ",\"taken_at\":null");
	if (s->now > 0)
		ld_strbuf_printf(sb, ",\"monotonic_ns\":%lld", (long long)s->now);
	else
		ld_strbuf_puts(sb, ",\"monotonic_ns\":null");
}

static void json_target(struct ld_session *s, const struct ld_report_opts *o,
			struct ld_strbuf *sb)
{
	ld_strbuf_printf(sb, "{\"target\":{\"kind\":\"%s\",\"pid\":",
			 target_kind_name(s));
	if (s->pid)
		ld_strbuf_printf(sb, "%d", s->pid);
	else
		ld_strbuf_puts(sb, "null");
	ld_strbuf_puts(sb, ",\"executable\":");
	ld_strbuf_json_str(sb, s->bin->path);
	ld_strbuf_puts(sb, ",\"go_version\":");
	ld_strbuf_json_str(sb, s->rt->go_version);
	ld_strbuf_printf(sb, ",\"arch\":\"%s\",\"now_estimated\":%s",
			 s->arch->name, s->now_estimated ? "true" : "false");
	if (s->now_estimated) {
		ld_strbuf_puts(sb, ",\"now_source\":");
		if (s->clock.source)
			ld_strbuf_json_str(sb, s->clock.source);
		else
			ld_strbuf_puts(sb, "null");
		ld_strbuf_printf(sb, ",\"now_outliers\":%u", s->clock.outliers);
	}
	json_snapshot_time(s, sb);
	ld_strbuf_puts(sb, ",\"warnings\":[");
	for (unsigned int i = 0; i < s->nwarnings; i++) {
		if (i)
			ld_strbuf_putc(sb, ',');
		ld_strbuf_json_str(sb, s->warnings[i]);
	}
	ld_strbuf_puts(sb, "]},");
}

/* What the dump cost the process (see struct ld_report_cost). */
static void json_cost(const struct ld_report_cost *c, struct ld_strbuf *sb)
{
	if (!c->shown)
		return;
	ld_strbuf_printf(sb, "\"cost\":{\"%s\":%.6f,\"total_s\":%.6f,"
			 "\"reads\":%llu,\"read_bytes\":%llu},",
			 c->paused ? "pause_s" : "target_s", c->target_s,
			 c->total_s, (unsigned long long)c->reads,
			 (unsigned long long)c->read_bytes);
}

static void json_totals(struct ld_session *s, const struct ld_report_opts *o,
			const struct ld_report_model *gr, struct ld_strbuf *sb)
{
	struct state_count states[64];
	size_t nstates = 0, n = 0;

	for (size_t i = 0; i < s->ngs; i++) {
		if (!ld_report_shown(&s->gs[i], o->all))
			continue;
		n++;
		count_state(states, &nstates, 64,
			    ld_goroutine_state_name(s, &s->gs[i]));
	}
	ld_strbuf_printf(sb, "\"totals\":{\"goroutines\":%zu,\"hidden\":%zu,\"unreadable\":%zu,\"by_state\":{",
			 n, gr->hidden, s->nbad_gs);
	for (size_t i = 0; i < nstates; i++) {
		if (i)
			ld_strbuf_putc(sb, ',');
		ld_strbuf_json_str(sb, states[i].name);
		ld_strbuf_printf(sb, ":%zu", states[i].count);
	}
	ld_strbuf_puts(sb, "},\"filtered\":");
	if (gr->filter_desc) {
		size_t kept = 0;

		for (size_t k = 0; k < gr->ngroups; k++)
			kept += gr->groups[k].count;
		ld_strbuf_printf(sb, "{\"shown\":%zu,\"of\":%zu,\"filters\":",
				 kept, kept + gr->filtered_out);
		ld_strbuf_json_str(sb, gr->filter_desc);
		ld_strbuf_putc(sb, '}');
	} else {
		ld_strbuf_puts(sb, "null");
	}
	ld_strbuf_puts(sb, "},");
}

/* --why: ,"why":[steps] for may-wake goroutine gi, or null. */
static void json_why(const struct ld_report_model *gr, uint32_t gi,
		     struct ld_strbuf *sb)
{
	struct ld_path path;

	ld_strbuf_puts(sb, ",\"why\":");
	if (ld_prove_why_goroutine(gr->pv, gi, &path))
		ld_report_json_path(sb, &path);
	else
		ld_strbuf_puts(sb, "null");
}

static void json_group_verdict(const struct ld_report_model *gr,
			       const struct ld_report_group *grp,
			       struct ld_strbuf *sb)
{
	const struct ld_retained *r = grp->retained ?
				      &gr->retained[grp->retained - 1] : NULL;
	uint64_t counts[4] = { 0 };

	counts[grp->verdict] = grp->count;
	ld_strbuf_printf(sb, ",\"verdict\":\"%s\",\"proven\":%s,\"verdicts\":{\"leaked\":%llu,\"may-wake\":%llu,\"live\":%llu}",
			 ld_verdict_name(grp->verdict),
			 grp->verdict == LD_VERDICT_LEAKED && gr->pv->proven ?
			 "true" : "false",
			 (unsigned long long)counts[LD_VERDICT_LEAKED],
			 (unsigned long long)counts[LD_VERDICT_MAY_WAKE],
			 (unsigned long long)counts[LD_VERDICT_LIVE]);
	if (gr->why && grp->verdict == LD_VERDICT_MAY_WAKE)
		json_why(gr, grp->first_g, sb);
	if (!r)
		return;
	ld_strbuf_printf(sb, ",\"pins\":{\"stack_bytes\":%llu,\"heap_bytes\":%llu,\"heap_objects\":%llu,\"top_types\":[",
			 (unsigned long long)r->stack_bytes,
			 (unsigned long long)r->bytes,
			 (unsigned long long)r->objects);
	for (unsigned int i = 0; i < r->ntop; i++) {
		ld_strbuf_puts(sb, i ? ",{\"type\":" : "{\"type\":");
		ld_strbuf_json_str(sb, r->top[i].name);
		ld_strbuf_printf(sb, ",\"bytes\":%llu,\"objects\":%llu}",
				 (unsigned long long)r->top[i].bytes,
				 (unsigned long long)r->top[i].objects);
	}
	ld_strbuf_puts(sb, "]}");
}

static void json_prove(const struct ld_prove *pv, struct ld_strbuf *sb)
{
	const struct ld_prove_stats *st = &pv->st;

	ld_strbuf_printf(sb, "\"prove\":{\"proven\":%s,\"gaps\":",
			 pv->proven ? "true" : "false");
	if (pv->proven)
		ld_strbuf_puts(sb, "null");
	else
		ld_strbuf_json_str(sb, pv->gaps);
	ld_strbuf_printf(sb, ",\"verdicts\":{\"leaked\":%llu,\"may-wake\":%llu,\"live\":%llu}",
			 (unsigned long long)pv->count[LD_VERDICT_LEAKED],
			 (unsigned long long)pv->count[LD_VERDICT_MAY_WAKE],
			 (unsigned long long)pv->count[LD_VERDICT_LIVE]);
	ld_strbuf_printf(sb, ",\"heap_bytes\":%llu,\"spans\":%llu,\"objects\":%llu,\"marked_objects\":%llu,\"marked_bytes\":%llu,\"scanned_bytes\":%llu",
			 (unsigned long long)st->heap_bytes,
			 (unsigned long long)st->spans,
			 (unsigned long long)st->objects,
			 (unsigned long long)st->marked_objects,
			 (unsigned long long)st->marked_bytes,
			 (unsigned long long)st->scanned_bytes);
	ld_strbuf_printf(sb, ",\"conservative_bytes\":%llu,\"conservative_objects\":%llu,\"built_masks\":%llu,\"dead_objects\":%llu,\"dead_bytes\":%llu",
			 (unsigned long long)st->conservative_bytes,
			 (unsigned long long)st->conservative_objects,
			 (unsigned long long)st->built_masks,
			 (unsigned long long)st->dead_objects,
			 (unsigned long long)st->dead_bytes);
	ld_strbuf_printf(sb, ",\"root_bytes\":%llu,\"other_bytes\":%llu,\"root_ranges\":%llu,\"root_goroutines\":%llu,\"precise_stacks\":%llu,\"finalizers\":%llu,\"iterations\":%u",
			 (unsigned long long)st->root_bytes,
			 (unsigned long long)st->other_bytes,
			 (unsigned long long)st->root_ranges,
			 (unsigned long long)st->root_goroutines,
			 (unsigned long long)st->precise_stacks,
			 (unsigned long long)st->finalizers, st->iterations);
	/* What counted outside the heap: swept, or walked by structure. */
	ld_strbuf_puts(sb, ",\"offheap\":{\"swept\":");
	if (st->swept_why)
		ld_strbuf_json_str(sb, st->swept_why);
	else
		ld_strbuf_puts(sb, "null");
	ld_strbuf_printf(sb, ",\"thread_stack_bytes\":%llu,\"runtime_bytes\":%llu,\"runtime_records\":%llu,\"cleanups\":%llu,\"weak_handles\":%llu,\"queued\":%llu,\"tiny_blocks\":%llu}",
			 (unsigned long long)st->thread_stack_bytes,
			 (unsigned long long)st->runtime_bytes,
			 (unsigned long long)st->runtime_records,
			 (unsigned long long)st->cleanups,
			 (unsigned long long)st->weak_handles,
			 (unsigned long long)st->queued,
			 (unsigned long long)st->tiny_blocks);
	ld_strbuf_printf(sb, ",\"unreadable_bytes\":%llu,\"spans_unreadable\":%llu,\"seconds\":%.3f},",
			 (unsigned long long)st->unreadable_bytes,
			 (unsigned long long)st->spans_unreadable, st->seconds);
}

static void json_group(struct ld_session *s, const struct ld_report_model *gr,
		       size_t k, struct ld_strbuf *sb)
{
	const struct ld_report_group *grp = &gr->groups[k];
	const struct ld_report_stack *st = &gr->stacks[grp->stack_id];
	const struct ld_goroutine *g0 = &s->gs[grp->first_g];
	struct ld_visible_frame cf;
	bool first = true;

	ld_strbuf_printf(sb, "%s{\"id\":%zu,\"count\":%zu,\"state\":", k ? "," : "",
			 k, grp->count);
	ld_strbuf_json_str(sb, grp->status);
	ld_strbuf_printf(sb, ",\"wait_minutes\":[%lld,%lld],\"frames\":[",
			 (long long)grp->min_wait, (long long)grp->max_wait);
	for (uint32_t i = 0; i < st->nframes; i++) {
		if (i)
			ld_strbuf_putc(sb, ',');
		json_frame(sb, &gr->frames[st->first + i]);
	}
	ld_strbuf_puts(sb, "],\"created_by\":");
	if (ld_traceback_created_by(s, g0, &cf)) {
		ld_strbuf_puts(sb, "{\"function\":");
		ld_strbuf_json_str(sb, cf.name);
		ld_strbuf_puts(sb, ",\"file\":");
		ld_strbuf_json_str(sb, cf.file);
		ld_strbuf_printf(sb, ",\"line\":%d}", cf.line);
	} else {
		ld_strbuf_puts(sb, "null");
	}
	ld_strbuf_puts(sb, ",\"goroutines\":[");
	for (uint32_t gi = grp->first_g; gi != UINT32_MAX; gi = gr->next_g[gi]) {
		ld_strbuf_printf(sb, "%s%llu", first ? "" : ",",
				 (unsigned long long)s->gs[gi].goid);
		first = false;
	}
	ld_strbuf_putc(sb, ']');
	if (gr->label_key) {
		ld_strbuf_puts(sb, ",\"label\":{\"key\":");
		ld_strbuf_json_str(sb, gr->label_key);
		ld_strbuf_puts(sb, ",\"value\":");
		if (grp->label)
			ld_strbuf_json_str(sb, gr->labels[grp->label - 1].value);
		else
			ld_strbuf_puts(sb, "null");
		ld_strbuf_putc(sb, '}');
	}
	if (gr->pv)
		json_group_verdict(gr, grp, sb);
	ld_strbuf_putc(sb, '}');
}

void ld_report_json_blocking(const struct ld_session *s,
			     const struct ld_report_model *gr, size_t gi,
			     struct ld_strbuf *sb)
{
	const struct ld_blocker *bl;
	unsigned int n;

	bl = ld_blocking_of(gr->blk, gi, &n);
	ld_strbuf_putc(sb, '[');
	for (unsigned int k = 0; k < n; k++) {
		if (k)
			ld_strbuf_putc(sb, ',');
		ld_object_json(s, &gr->blk->objs[bl[k].obj], bl[k].op,
			       JSON_MAX_IDS, sb);
	}
	ld_strbuf_putc(sb, ']');
}

static void json_goroutine(struct ld_session *s,
			   const struct ld_report_model *gr, size_t i,
			   bool first, struct ld_strbuf *sb)
{
	const struct ld_goroutine *g = &s->gs[i];
	const char *note = ld_goroutine_note(s, g);

	ld_strbuf_printf(sb, "%s{\"id\":%llu,\"group\":%u,\"state\":",
			 first ? "" : ",", (unsigned long long)g->goid,
			 gr->g_group[i]);
	ld_strbuf_json_str(sb, ld_goroutine_status_text(s, g));
	ld_strbuf_puts(sb, ",\"status\":");
	ld_strbuf_json_str(sb, ld_goroutine_state_name(s, g));
	/* The runtime's waitsince: a diff tells a wait that went on from a new one. */
	ld_strbuf_printf(sb, ",\"wait_minutes\":%lld,\"wait_since_ns\":",
			 (long long)ld_goroutine_wait_minutes(s, g));
	if (g->waitsince > 0)
		ld_strbuf_printf(sb, "%lld", (long long)g->waitsince);
	else
		ld_strbuf_puts(sb, "null");
	ld_strbuf_puts(sb, ",\"created_by_goroutine\":");
	if (g->parent_goid)
		ld_strbuf_printf(sb, "%llu", (unsigned long long)g->parent_goid);
	else
		ld_strbuf_puts(sb, "null");
	ld_strbuf_puts(sb, ",\"thread\":");
	if (g->tid)
		ld_strbuf_printf(sb, "%d", g->tid);
	else
		ld_strbuf_puts(sb, "null");
	ld_strbuf_printf(sb, ",\"g\":\"0x%llx\",\"stack\":[\"0x%llx\",\"0x%llx\"]",
			 (unsigned long long)g->addr,
			 (unsigned long long)g->stack_lo,
			 (unsigned long long)g->stack_hi);
	ld_strbuf_printf(sb, ",\"locked_to_thread\":%s,\"stack_bytes\":%llu,\"system\":%s,\"error\":",
			 (g->flags & LD_G_LOCKED) ? "true" : "false",
			 (unsigned long long)(g->stack_hi - g->stack_lo),
			 (g->flags & LD_G_SYSTEM) ? "true" : "false");
	if (note)
		ld_strbuf_json_str(sb, note);
	else
		ld_strbuf_puts(sb, "null");
	if (gr->pv) {
		const char *why = ld_report_why_text(gr->pv->why[i]);

		ld_strbuf_printf(sb, ",\"verdict\":\"%s\",\"verdict_reason\":",
				 ld_verdict_name(gr->pv->verdict[i]));
		if (why)
			ld_strbuf_json_str(sb, why);
		else
			ld_strbuf_puts(sb, "null");
		if (gr->why && gr->pv->verdict[i] == LD_VERDICT_MAY_WAKE)
			json_why(gr, i, sb);
	}
	if (gr->blk) {
		ld_strbuf_puts(sb, ",\"blocking\":");
		ld_report_json_blocking(s, gr, i, sb);
	}
	ld_strbuf_putc(sb, '}');
}

/* "[groups...]", flushing to out as it grows. */
static struct ld_error *json_groups(struct ld_session *s,
				    const struct ld_report_model *gr,
				    struct ld_strbuf *sb, FILE *out)
{
	struct ld_error *err = NULL;

	ld_strbuf_putc(sb, '[');
	for (size_t k = 0; k < gr->ngroups && !err; k++) {
		json_group(s, gr, k, sb);
		if (sb->len > FLUSH_AT)
			err = ld_strbuf_flush(sb, out);
	}
	ld_strbuf_putc(sb, ']');
	return err;
}

/* "[objects...]" (gr->blk is set), every waiter id listed. */
static struct ld_error *json_objects(struct ld_session *s,
				     const struct ld_report_model *gr,
				     struct ld_strbuf *sb, FILE *out)
{
	struct ld_error *err = NULL;

	ld_strbuf_putc(sb, '[');
	for (size_t k = 0; k < gr->blk->nobjs && !err; k++) {
		if (k)
			ld_strbuf_putc(sb, ',');
		ld_object_json(s, &gr->blk->objs[k], LD_OP_NONE, SIZE_MAX, sb);
		if (sb->len > FLUSH_AT)
			err = ld_strbuf_flush(sb, out);
	}
	ld_strbuf_putc(sb, ']');
	return err;
}

struct ld_error *ld_report_json_part(struct ld_session *s,
				     const struct ld_report_model *gr,
				     enum ld_json_part part, FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	struct ld_error *err = NULL;

	switch (part) {
	case LD_JSON_GROUPS:
		err = json_groups(s, gr, &sb, out);
		break;
	case LD_JSON_OBJECTS:
		if (gr->blk)
			err = json_objects(s, gr, &sb, out);
		else
			ld_strbuf_puts(&sb, "null");
		break;
	}
	if (!err)
		err = ld_strbuf_flush(&sb, out);
	ld_strbuf_release(&sb);
	return err;
}

struct ld_error *ld_report_emit_json(struct ld_session *s,
				     const struct ld_report_opts *o,
				     const struct ld_report_model *gr,
				     FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	struct ld_error *err = NULL;
	bool first = true;
	struct ld_walk w;
	size_t i;

	json_target(s, o, &sb);
	json_cost(&gr->cost, &sb);
	json_totals(s, o, gr, &sb);
	if (gr->pv)
		json_prove(gr->pv, &sb);
	ld_strbuf_puts(&sb, "\"groups\":");
	err = json_groups(s, gr, &sb, out);
	ld_strbuf_puts(&sb, ",\"goroutines\":[");
	ld_walk_begin(&w, s, s->ngs, &trim_walk, NULL);
	while (!err && ld_walk_next(&w, &i)) {
		if (gr->g_group[i] == LD_REPORT_NONE)	/* hidden, filtered */
			continue;
		json_goroutine(s, gr, i, first, &sb);
		first = false;
		if (sb.len > FLUSH_AT)
			err = ld_strbuf_flush(&sb, out);
	}
	ld_walk_end(&w);
	ld_strbuf_puts(&sb, "]");
	if (gr->blk && !err) {
		ld_strbuf_puts(&sb, ",\"objects\":");
		err = json_objects(s, gr, &sb, out);
	}
	ld_strbuf_puts(&sb, "}\n");
	if (!err)
		err = ld_strbuf_flush(&sb, out);
	ld_strbuf_release(&sb);
	return err;
}

