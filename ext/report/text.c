// SPDX-License-Identifier: MIT
/*
 * The "text" format: a header with totals, then one paragraph per group
 * of the grouping model (state, wait range, creator, what it is blocked
 * on, the stack); with --prove, leaked groups first with what they pin.
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/prove/prove.h"
#include "leakdump/model/traceback.h"
#include "leakdump/report/model.h"
#include "leakdump/report/report.h"
#include "report/report_priv.h"

/* What --prove decided and what it cost. */
static void text_prove_summary(const struct ld_prove *pv, struct ld_strbuf *sb)
{
	const struct ld_prove_stats *st = &pv->st;

	ld_strbuf_printf(sb, "  verdicts (%s): ",
			 pv->proven ? "proven" : "suspected");
	put_count(sb, pv->count[LD_VERDICT_LEAKED]);
	ld_strbuf_puts(sb, " leaked · ");
	put_count(sb, pv->count[LD_VERDICT_MAY_WAKE]);
	ld_strbuf_puts(sb, " may wake · ");
	put_count(sb, pv->count[LD_VERDICT_LIVE]);
	ld_strbuf_puts(sb, " live\n  heap: ");
	put_bytes(sb, st->heap_bytes);
	ld_strbuf_puts(sb, " in ");
	put_count(sb, st->objects);
	ld_strbuf_puts(sb, " objects; marked ");
	put_bytes(sb, st->marked_bytes);
	ld_strbuf_puts(sb, ", scanned ");
	put_bytes(sb, st->scanned_bytes);
	/* Objects without readable pointer information, word by word. */
	ld_strbuf_puts(sb, " (");
	put_bytes(sb, st->conservative_bytes);
	ld_strbuf_puts(sb, " in ");
	put_count(sb, st->conservative_objects);
	ld_strbuf_puts(sb, " objects conservatively; ");
	put_count(sb, st->dead_objects);
	ld_strbuf_puts(sb, " dead objects left out) + roots ");
	put_bytes(sb, st->root_bytes);
	ld_strbuf_puts(sb, " (");
	put_count(sb, st->root_goroutines);
	ld_strbuf_puts(sb, " stacks (");
	put_count(sb, st->precise_stacks);
	ld_strbuf_puts(sb, " through stack maps), ");
	/* What counted outside the heap: swept, or walked by structure. */
	if (st->swept_why) {
		put_bytes(sb, st->other_bytes);
		ld_strbuf_printf(sb, " outside the heap swept conservatively (%s), ",
				 st->swept_why);
	} else {
		put_bytes(sb, st->thread_stack_bytes);
		ld_strbuf_puts(sb, " of thread stacks, ");
	}
	put_bytes(sb, st->runtime_bytes);
	ld_strbuf_puts(sb, " in ");
	put_count(sb, st->runtime_records);
	ld_strbuf_puts(sb, " runtime records (");
	put_count(sb, st->finalizers);
	ld_strbuf_puts(sb, " finalizers, ");
	put_count(sb, st->cleanups);
	ld_strbuf_puts(sb, " cleanups, ");
	put_count(sb, st->weak_handles);
	ld_strbuf_puts(sb, " weak handles, ");
	put_count(sb, st->queued);
	ld_strbuf_puts(sb, " queued to run, ");
	put_count(sb, st->tiny_blocks);
	ld_strbuf_printf(sb, " tiny blocks)); %u rounds; %.2f s\n",
			 st->iterations, st->seconds);
	if (!pv->proven)
		ld_strbuf_printf(sb, "  gaps: %s — \"leaked\" is a suspicion, not a proof\n",
				 pv->gaps);
}

/* Which of the runtime's timestamps stood in for a core's missing clock. */
static void text_clock(const struct ld_session *s, struct ld_strbuf *sb)
{
	if (!s->clock.source) {
		ld_strbuf_puts(sb, "  wait times: unknown (a core has no clock, and the runtime left no timestamp)\n");
		return;
	}
	ld_strbuf_printf(sb, "  wait times: measured against %s (a core has no clock)",
			 s->clock.source);
	if (s->clock.outliers)
		ld_strbuf_printf(sb, "; %u implausible wait timestamps ignored",
				 s->clock.outliers);
	ld_strbuf_putc(sb, '\n');
}


void ld_report_text_header(struct ld_session *s,
			   const struct ld_report_opts *o,
			   const struct ld_report_model *gr,
			   struct ld_strbuf *sb)
{
	struct state_count states[64], reasons[256];
	size_t nstates = 0, nreasons = 0, shown_n = 0;
	const char *last = NULL;
	bool waiting = false;

	for (size_t i = 0; i < s->ngs; i++) {
		const struct ld_goroutine *g = &s->gs[i];
		const char *st = ld_goroutine_state_name(s, g);

		if (!ld_report_shown(g, o->all))
			continue;
		shown_n++;
		count_state(states, &nstates, 64, st);
		/* State names are the session's strings: compare each once. */
		if (st != last) {
			last = st;
			waiting = !strcmp(st, "waiting");
		}
		if (waiting)
			count_state(reasons, &nreasons, 256,
				    ld_goroutine_status_text(s, g));
	}
	ld_sort(states, nstates, sizeof(*states), cmp_state);
	ld_sort(reasons, nreasons, sizeof(*reasons), cmp_state);
	ld_strbuf_puts(sb, "leak-dump: ");
	if (s->pid)
		ld_strbuf_printf(sb, "pid %d ", s->pid);
	ld_strbuf_printf(sb, "%s · %s linux/%s · %s · ", s->bin->path,
			 s->rt->go_version, s->arch->name,
			 target_kind_name(s));
	put_count(sb, shown_n);
	ld_strbuf_puts(sb, " goroutines on ");
	put_count(sb, s->nthreads);
	ld_strbuf_puts(sb, " threads\n ");
	for (size_t i = 0; i < nstates; i++) {
		ld_strbuf_printf(sb, "%s %s ", i ? " ·" : "", states[i].name);
		put_count(sb, states[i].count);
		if (strcmp(states[i].name, "waiting") || !nreasons)
			continue;
		ld_strbuf_puts(sb, " (");
		for (size_t k = 0; k < nreasons && k < 4; k++) {
			ld_strbuf_printf(sb, "%s%s ", k ? " · " : "",
					 reasons[k].name);
			put_count(sb, reasons[k].count);
		}
		ld_strbuf_puts(sb, nreasons > 4 ? " · …)" : ")");
	}
	ld_strbuf_putc(sb, '\n');
	if (gr->hidden) {
		ld_strbuf_puts(sb, "  ");
		put_count(sb, gr->hidden);
		ld_strbuf_puts(sb, " runtime goroutines hidden (--all shows them)\n");
	}
	if (gr->filter_desc) {
		size_t kept = 0;

		for (size_t k = 0; k < gr->ngroups; k++)
			kept += gr->groups[k].count;
		ld_strbuf_puts(sb, "  filtered: ");
		put_count(sb, kept);
		ld_strbuf_puts(sb, " of ");
		put_count(sb, kept + gr->filtered_out);
		ld_strbuf_printf(sb, " goroutines shown (%s)\n", gr->filter_desc);
	}
	if (s->nbad_gs) {
		ld_strbuf_puts(sb, "  ");
		put_count(sb, s->nbad_gs);
		ld_strbuf_printf(sb, " allgs entries unreadable (first at 0x%llx)\n",
				 (unsigned long long)s->bad_gs[0]);
	}
	if (gr->cost.shown) {
		ld_strbuf_printf(sb, gr->cost.paused ?
				 "  cost: process paused %.3f s (stop to resume) · %.3f s in all, output aside · read " :
				 "  cost: target read %.3f s (first to last read; the debugger holds the process) · %.3f s in all, output aside · read ",
				 gr->cost.target_s, gr->cost.total_s);
		put_bytes(sb, gr->cost.read_bytes);
		ld_strbuf_puts(sb, " in ");
		put_count(sb, gr->cost.reads);
		ld_strbuf_puts(sb, gr->cost.reads == 1 ? " transfer\n" :
			       " transfers\n");
	}
	for (unsigned int i = 0; i < s->nwarnings; i++)
		ld_strbuf_printf(sb, "  warning: %s\n", s->warnings[i]);
	if (s->now_estimated)
		text_clock(s, sb);
	if (gr->pv)
		text_prove_summary(gr->pv, sb);
}

void ld_report_text_frame(struct ld_strbuf *sb,
			  const struct ld_visible_frame *f)
{
	size_t start = sb->len;

	ld_strbuf_puts(sb, "    ");
	ld_print_func_name(sb, f->name);
	ld_strbuf_puts(sb, f->inlined ? "(...)" : "()");
	while (sb->len - start < 44)
		ld_strbuf_putc(sb, ' ');
	ld_strbuf_printf(sb, " %s:%d\n", short_path(f->file), f->line);
}

/* The blockers of one goroutine, comma separated. */
static void describe_blockers(struct ld_session *s,
			      const struct ld_report_model *gr, size_t gi,
			      struct ld_strbuf *sb)
{
	const struct ld_blocker *bl;
	unsigned int n;

	bl = ld_blocking_of(gr->blk, gi, &n);
	if (n > 1)
		ld_strbuf_printf(sb, "%u objects: ", n);
	for (unsigned int i = 0; i < n && i < 4; i++) {
		const char *op = ld_chan_op_name(bl[i].op);

		if (i)
			ld_strbuf_puts(sb, "; ");
		if (n > 1 && op)
			ld_strbuf_printf(sb, "%s ", op);
		ld_object_describe(s, &gr->blk->objs[bl[i].obj], sb);
	}
	if (n > 4)
		ld_strbuf_puts(sb, "; …");
}

/*
 * "blocked on: ..." for a group: the object when all its goroutines wait
 * on the same one, else how many different objects (and one example).
 */
static void text_blocked_on(struct ld_session *s,
			    const struct ld_report_model *gr,
			    const struct ld_report_group *grp,
			    struct ld_strbuf *sb)
{
	const struct ld_blocker *b0;
	unsigned int n0;

	if (!gr->blk)
		return;
	b0 = ld_blocking_of(gr->blk, grp->first_g, &n0);
	if (!n0)
		return;
	ld_strbuf_puts(sb, "    blocked on: ");
	if (grp->nobjects > 1) {
		ld_strbuf_printf(sb, "%u different %ss, e.g. ", grp->nobjects,
				 ld_block_kind_name(
					 gr->blk->objs[b0[0].obj].kind));
	}
	describe_blockers(s, gr, grp->first_g, sb);
	ld_strbuf_putc(sb, '\n');
}

/* " on chan *main.Event 0xc000123000" or " on 1,000 different chans". */
static void text_leaked_on(const struct ld_report_model *gr,
			   const struct ld_report_group *grp,
			   struct ld_strbuf *sb)
{
	const struct ld_blocker *b0;
	const struct ld_object *o;
	unsigned int n0;

	if (!gr->blk)
		return;
	b0 = ld_blocking_of(gr->blk, grp->first_g, &n0);
	if (!n0)
		return;
	o = &gr->blk->objs[b0[0].obj];
	if (grp->nobjects > 1) {
		ld_strbuf_puts(sb, " on ");
		put_count(sb, grp->nobjects);
		ld_strbuf_printf(sb, " different %ss", ld_block_kind_name(o->kind));
		return;
	}
	ld_strbuf_printf(sb, " on %s", o->nil ? "nil " : "");
	ld_strbuf_puts(sb, ld_block_kind_name(o->kind));
	if (o->kind == LD_BK_CHAN && o->elem_type)
		ld_strbuf_printf(sb, " %s", o->elem_type);
	if (!o->nil)
		ld_strbuf_printf(sb, " 0x%llx", (unsigned long long)o->addr);
}

/* The first line of a leaked group, and what its leak pins. */
static void text_leaked_header(struct ld_session *s,
			       const struct ld_report_model *gr,
			       const struct ld_report_group *grp,
			       struct ld_strbuf *sb)
{
	const struct ld_retained *r = grp->retained ?
				      &gr->retained[grp->retained - 1] : NULL;
	const char *why = ld_report_why_text(gr->pv->why[grp->first_g]);

	ld_strbuf_puts(sb, gr->pv->proven ? "LEAKED " : "LEAKED? ");
	put_count(sb, grp->count);
	ld_strbuf_printf(sb, " × [%s", grp->status);
	if (grp->max_wait >= 1) {
		if (grp->min_wait == grp->max_wait)
			ld_strbuf_printf(sb, ", %lld minutes",
					 (long long)grp->max_wait);
		else
			ld_strbuf_printf(sb, ", %lld–%lld minutes",
					 (long long)grp->min_wait,
					 (long long)grp->max_wait);
	}
	ld_strbuf_putc(sb, ']');
	text_leaked_on(gr, grp, sb);
	ld_strbuf_printf(sb, " — %s%s", why ? why : "leaked",
			 gr->pv->proven ? "" : " (suspected: see gaps above)");
	if (r) {
		ld_strbuf_puts(sb, "; pins ");
		put_bytes(sb, r->stack_bytes);
		ld_strbuf_puts(sb, " stacks + ");
		put_bytes(sb, r->bytes);
		ld_strbuf_puts(sb, " heap");
	}
	(void)s;
}

/* "    retains: 120.0 MB []uint8 ×1,000 · ..." for a leaked group. */
static void text_retains(const struct ld_report_model *gr,
			 const struct ld_report_group *grp,
			 struct ld_strbuf *sb)
{
	const struct ld_retained *r = grp->retained ?
				      &gr->retained[grp->retained - 1] : NULL;

	if (r && r->ntop) {
		ld_strbuf_puts(sb, "    retains:");
		for (unsigned int i = 0; i < r->ntop; i++) {
			ld_strbuf_puts(sb, i ? " · " : " ");
			put_bytes(sb, r->top[i].bytes);
			ld_strbuf_printf(sb, " %s ×", r->top[i].name);
			put_count(sb, r->top[i].objects);
		}
		ld_strbuf_putc(sb, '\n');
	}
}

/* --why: the path that made a may-wake group's first goroutine wake. */
static void text_why(const struct ld_report_model *gr,
		     const struct ld_report_group *grp, struct ld_strbuf *sb)
{
	struct ld_path path;

	if (ld_prove_why_goroutine(gr->pv, grp->first_g, &path))
		ld_report_text_path(sb, &path);
}

void ld_report_text_group(struct ld_session *s,
			  const struct ld_report_model *gr,
			  const struct ld_report_group *grp,
			  struct ld_strbuf *sb)
{
	const struct ld_report_stack *st = &gr->stacks[grp->stack_id];
	const struct ld_goroutine *g0 = &s->gs[grp->first_g];
	struct ld_visible_frame cf;
	const char *note = ld_goroutine_note(s, g0);
	bool leaked = gr->pv && grp->verdict == LD_VERDICT_LEAKED;

	ld_strbuf_putc(sb, '\n');
	if (leaked) {
		text_leaked_header(s, gr, grp, sb);
		goto creator;
	}
	put_count(sb, grp->count);
	ld_strbuf_printf(sb, " × [%s", grp->status);
	if (grp->max_wait >= 1) {
		if (grp->min_wait == grp->max_wait)
			ld_strbuf_printf(sb, ", %lld minutes",
					 (long long)grp->max_wait);
		else
			ld_strbuf_printf(sb, ", %lld–%lld minutes",
					 (long long)grp->min_wait,
					 (long long)grp->max_wait);
	}
	if (g0->flags & LD_G_LOCKED)
		ld_strbuf_puts(sb, ", locked to thread");
	ld_strbuf_putc(sb, ']');
	if (gr->pv && grp->verdict == LD_VERDICT_MAY_WAKE)
		ld_strbuf_printf(sb, "   may wake: %s",
				 ld_report_why_text(gr->pv->why[grp->first_g]));
creator:
	if (gr->label_key && grp->label) {
		ld_strbuf_printf(sb, "   label %s=", gr->label_key);
		ld_strbuf_puts(sb, gr->labels[grp->label - 1].value);
	} else if (gr->label_key) {
		ld_strbuf_printf(sb, "   (no %s label)", gr->label_key);
	}
	if (ld_traceback_created_by(s, g0, &cf)) {
		ld_strbuf_puts(sb, "   created by ");
		ld_print_func_name(sb, cf.name);
		ld_strbuf_printf(sb, " at %s:%d", short_path(cf.file), cf.line);
		if (grp->count == 1 && g0->parent_goid)
			ld_strbuf_printf(sb, " in goroutine %llu",
					 (unsigned long long)g0->parent_goid);
	}
	if (grp->count == 1)
		ld_strbuf_printf(sb, "   goroutine %llu",
				 (unsigned long long)g0->goid);
	ld_strbuf_putc(sb, '\n');
	if (leaked)
		text_retains(gr, grp, sb);
	if (gr->why && grp->verdict == LD_VERDICT_MAY_WAKE)
		text_why(gr, grp, sb);
	if (g0->flags & LD_G_NO_STACK)
		ld_strbuf_printf(sb, "    (running on thread %d; stack unavailable)\n",
				 g0->tid);
	text_blocked_on(s, gr, grp, sb);
	for (uint32_t i = 0; i < st->nframes; i++)
		ld_report_text_frame(sb, &gr->frames[st->first + i]);
	if (note)
		ld_strbuf_printf(sb, "    [leakdump: %s]\n", note);
}

struct ld_error *ld_report_emit_text(struct ld_session *s,
				     const struct ld_report_opts *o,
				     const struct ld_report_model *gr,
				     FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	struct ld_error *err = NULL;

	ld_report_text_header(s, o, gr, &sb);
	for (size_t k = 0; k < gr->ngroups && !err; k++) {
		ld_report_text_group(s, gr, &gr->groups[k], &sb);
		if (sb.len > FLUSH_AT)
			err = ld_strbuf_flush(&sb, out);
	}
	if (!err)
		err = ld_strbuf_flush(&sb, out);
	ld_strbuf_release(&sb);
	return err;
}

