// SPDX-License-Identifier: MIT
/*
 * The "text" format grouped by blocking object (--group-by blocker):
 * regroups the grouping model's goroutines by the first object each waits
 * on, reusing text.c's header and group paragraphs.
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/prove/prove.h"
#include "leakdump/report/model.h"
#include "report/report_priv.h"

struct bgroup {
	uint32_t obj;		/* UINT32_MAX: not blocked on an object */
	uint32_t group;		/* the stack group, for the unblocked */
	size_t count;
	uint32_t first_g, last_g;	/* chain through next[] */
};

static int cmp_bgroup(const void *a, const void *b)
{
	const struct bgroup *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->first_g < y->first_g ? -1 : x->first_g > y->first_g;
}

/* One object's goroutines, by stack group, in first-seen order. */
static void text_object_groups(const struct ld_report_model *gr,
			       const struct bgroup *b, const uint32_t *next,
			       uint32_t *count_of_group, struct ld_strbuf *sb)
{
	for (uint32_t gi = b->first_g; gi != UINT32_MAX; gi = next[gi])
		count_of_group[gr->g_group[gi]]++;
	for (uint32_t gi = b->first_g; gi != UINT32_MAX; gi = next[gi]) {
		uint32_t k = gr->g_group[gi];
		const struct ld_report_group *grp = &gr->groups[k];
		const struct ld_report_stack *st = &gr->stacks[grp->stack_id];

		if (!count_of_group[k])
			continue;
		ld_strbuf_puts(sb, "  ");
		put_count(sb, count_of_group[k]);
		ld_strbuf_printf(sb, " × [%s]\n", grp->status);
		for (uint32_t f = 0; f < st->nframes; f++)
			ld_report_text_frame(sb, &gr->frames[st->first + f]);
		count_of_group[k] = 0;
	}
}

/* --prove: "LEAKED " when every goroutine stuck on the object leaked. */
static void text_object_verdict(const struct ld_report_model *gr,
				const struct bgroup *b, const uint32_t *next,
				struct ld_strbuf *sb)
{
	size_t leaked = 0;

	for (uint32_t gi = b->first_g; gi != UINT32_MAX; gi = next[gi])
		leaked += gr->pv->verdict[gi] == LD_VERDICT_LEAKED;
	if (leaked == b->count)
		ld_strbuf_puts(sb, gr->pv->proven ? "LEAKED " : "LEAKED? ");
}

/* --why: the object's path, when a goroutine stuck on it may wake. */
static void text_object_why(const struct ld_report_model *gr,
			    const struct bgroup *b, const uint32_t *next,
			    struct ld_strbuf *sb)
{
	struct ld_path path;

	for (uint32_t gi = b->first_g; gi != UINT32_MAX; gi = next[gi]) {
		if (gr->pv->verdict[gi] != LD_VERDICT_MAY_WAKE)
			continue;
		if (ld_prove_why_object(gr->pv, &gr->blk->objs[b->obj], &path))
			ld_report_text_path(sb, &path);
		return;
	}
}

/*
 * Goroutines stuck on one object show together whatever their stacks:
 * one line for the object, then its goroutines' stack groups.  Goroutines
 * not blocked on an object keep their stack groups.
 */
struct ld_error *ld_report_emit_blocker(struct ld_session *s,
					const struct ld_report_opts *o,
					const struct ld_report_model *gr,
					FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	uint32_t *slot_of_obj, *slot_of_group, *next, *counts;
	struct ld_error *err = NULL;
	struct bgroup *bg;
	size_t nbg = 0, nobj = gr->blk ? gr->blk->nobjs : 0;

	bg = calloc(nobj + gr->ngroups + 1, sizeof(*bg));
	slot_of_obj = malloc((nobj + 1) * sizeof(uint32_t));
	slot_of_group = malloc((gr->ngroups + 1) * sizeof(uint32_t));
	counts = calloc(gr->ngroups + 1, sizeof(uint32_t));
	next = malloc((s->ngs + 1) * sizeof(uint32_t));
	if (!bg || !slot_of_obj || !slot_of_group || !counts || !next) {
		err = &ld_error_nomem;
		goto out;
	}
	memset(slot_of_obj, 0xff, (nobj + 1) * sizeof(uint32_t));
	memset(slot_of_group, 0xff, (gr->ngroups + 1) * sizeof(uint32_t));
	for (size_t gi = 0; gi < s->ngs; gi++) {
		const struct ld_blocker *bl;
		struct bgroup *b;
		uint32_t *slot;
		unsigned int n = 0;

		if (gr->g_group[gi] == UINT32_MAX)
			continue;
		bl = gr->blk ? ld_blocking_of(gr->blk, gi, &n) : NULL;
		slot = n ? &slot_of_obj[bl[0].obj] :
			   &slot_of_group[gr->g_group[gi]];
		if (*slot == UINT32_MAX) {
			*slot = (uint32_t)nbg;
			b = &bg[nbg++];
			b->obj = n ? bl[0].obj : UINT32_MAX;
			b->group = gr->g_group[gi];
			b->first_g = (uint32_t)gi;
		} else {
			b = &bg[*slot];
			next[b->last_g] = (uint32_t)gi;
		}
		b->last_g = (uint32_t)gi;
		next[gi] = UINT32_MAX;
		b->count++;
	}
	ld_sort(bg, nbg, sizeof(*bg), cmp_bgroup);
	ld_report_text_header(s, o, gr, &sb);
	for (size_t k = 0; k < nbg && !err; k++) {
		if (bg[k].obj == UINT32_MAX) {
			ld_report_text_group(s, gr, &gr->groups[bg[k].group], &sb);
		} else {
			ld_strbuf_putc(&sb, '\n');
			if (gr->pv)
				text_object_verdict(gr, &bg[k], next, &sb);
			put_count(&sb, bg[k].count);
			ld_strbuf_puts(&sb, " × blocked on ");
			ld_object_describe(s, &gr->blk->objs[bg[k].obj], &sb);
			ld_strbuf_putc(&sb, '\n');
			if (gr->why)
				text_object_why(gr, &bg[k], next, &sb);
			text_object_groups(gr, &bg[k], next, counts, &sb);
		}
		if (sb.len > FLUSH_AT)
			err = ld_strbuf_flush(&sb, out);
	}
	if (!err)
		err = ld_strbuf_flush(&sb, out);
out:
	ld_strbuf_release(&sb);
	free(bg);
	free(slot_of_obj);
	free(slot_of_group);
	free(counts);
	free(next);
	return err;
}

