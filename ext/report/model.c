// SPDX-License-Identifier: MIT
/*
 * The grouping model (report/model.h): goroutines grouped by (state,
 * visible stack, creator).  Stacks are interned once, so a million
 * goroutines on a handful of stacks cost a handful of stack records plus
 * one small record per goroutine.
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/util.h"
#include "leakdump/blocking/blocking.h"
#include "leakdump/prove/prove.h"
#include "leakdump/model/labels.h"
#include "leakdump/model/walk.h"
#include "leakdump/model/shapes.h"
#include "leakdump/model/traceback.h"
#include "leakdump/report/model.h"

/*
 * Goroutines of a few kinds interleave in allgs, so one remembered status
 * text missed on most of them.  The wait reasons and status names are
 * about 60 texts in all: an open-addressed table twice that size holds
 * them all, and a text beyond it is hashed each time.
 */
#define STATUS_MEMO 128

/*
 * What building needs and the model does not keep: the hash tables that
 * intern stacks and groups, array capacities, the shape memo and the
 * scratch of one walk.  Freed when the model is built.
 */
struct builder {
	size_t cap_frames, cap_stacks, cap_groups;
	uint32_t *stack_table;		/* open addressing: stack id + 1 */
	size_t stack_table_size;
	uint32_t *group_table;
	size_t group_table_size;
	/* status_hash() memo, by the text's address */
	const char *status_text[STATUS_MEMO];
	uint64_t status_text_hash[STATUS_MEMO];
	uint32_t nstatus_texts;
	struct ld_shapes *shapes;	/* stacks already walked, by shape */
	uint32_t *shape_stack;		/* per shape: its stack id */
	size_t cap_shape_stack;
	/* filters: the compiled regexes and, per stack id, whether the
	 * stack passes --function (0 unknown, 1 yes, 2 no) */
	struct ld_report_match *match;
	uint8_t *stack_ok;
	size_t cap_stack_ok, nstack_ok;
	const char *label_key;		/* --group-by label:KEY */
	size_t label_key_len;
	uint32_t *label_table;		/* label id + 1 by value hash */
	size_t label_table_size;
	size_t cap_labels;
	/* scratch for one walk */
	struct ld_visible_frame *scratch;
	uint32_t nscratch;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

struct frame_sink {
	struct ld_visible_frame *v;
	uint32_t n;
};

static bool collect_frame(void *arg, const struct ld_visible_frame *f)
{
	struct frame_sink *k = arg;

	if (k->n >= LD_REPORT_MAX_FRAMES)
		return false;
	k->v[k->n++] = *f;
	return true;
}

uint32_t ld_report_goroutine_frames(struct ld_session *s,
				    struct ld_goroutine *g,
				    struct ld_visible_frame *frames,
				    const char **error)
{
	struct frame_sink k = { frames, 0 };

	*error = NULL;
	if (!(g->flags & LD_G_NO_STACK))
		ld_traceback_walk(s, g, collect_frame, &k, error);
	if (*error)
		ld_goroutine_set_note(s, g, *error);
	return k.n;
}

static uint64_t hash_frames(const struct ld_visible_frame *f, uint32_t n)
{
	uint64_t h = n;

	for (uint32_t i = 0; i < n; i++) {
		h = mix(h, f[i].pc);
		h = mix(h, (uint64_t)(uintptr_t)f[i].name);
		h = mix(h, (uint64_t)f[i].line);
	}
	return h;
}

static bool same_frames(const struct ld_visible_frame *a,
			const struct ld_visible_frame *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].pc != b[i].pc || a[i].name != b[i].name ||
		    a[i].line != b[i].line || a[i].inlined != b[i].inlined)
			return false;
	return true;
}

static bool rehash_u32(uint32_t **table, size_t *size, size_t count,
		       uint64_t (*key)(void *, uint32_t), void *ctx)
{
	size_t nsize = *size ? *size * 2 : 1024;
	uint32_t *nt;

	if (count * 2 < *size)
		return true;
	nt = calloc(nsize, sizeof(*nt));
	if (!nt)
		return false;
	for (size_t i = 0; i < *size; i++) {
		uint32_t id = (*table)[i];
		size_t j;

		if (!id)
			continue;
		j = key(ctx, id - 1) & (nsize - 1);
		while (nt[j])
			j = (j + 1) & (nsize - 1);
		nt[j] = id;
	}
	free(*table);
	*table = nt;
	*size = nsize;
	return true;
}

static uint64_t stack_key(void *ctx, uint32_t id)
{
	return ((struct ld_report_model *)ctx)->stacks[id].hash;
}

static struct ld_error *intern_stack(struct ld_report_model *gr,
				     struct builder *bd, const char *error,
				     uint32_t *ret)
{
	uint64_t h = hash_frames(bd->scratch, bd->nscratch);
	struct ld_report_stack *st;
	size_t j;

	if (!rehash_u32(&bd->stack_table, &bd->stack_table_size, gr->nstacks,
			stack_key, gr))
		return &ld_error_nomem;
	j = h & (bd->stack_table_size - 1);
	for (; bd->stack_table[j]; j = (j + 1) & (bd->stack_table_size - 1)) {
		st = &gr->stacks[bd->stack_table[j] - 1];
		if (st->hash == h && st->nframes == bd->nscratch &&
		    st->error == error &&
		    (!bd->nscratch ||
		     same_frames(&gr->frames[st->first], bd->scratch,
				 bd->nscratch))) {
			*ret = bd->stack_table[j] - 1;
			return NULL;
		}
	}
	if (!ld_grow((void **)&gr->stacks, &bd->cap_stacks, gr->nstacks + 1,
		  sizeof(*gr->stacks)) ||
	    !ld_grow((void **)&gr->frames, &bd->cap_frames,
		  gr->nframes + bd->nscratch, sizeof(*gr->frames)))
		return &ld_error_nomem;
	st = &gr->stacks[gr->nstacks];
	st->hash = h;
	st->first = gr->nframes;
	st->nframes = bd->nscratch;
	st->error = error;
	/* Stacks of no frames (an unknown pc) may come before any frame. */
	if (bd->nscratch)
		memcpy(&gr->frames[st->first], bd->scratch,
		       bd->nscratch * sizeof(*bd->scratch));
	gr->nframes += bd->nscratch;
	bd->stack_table[j] = (uint32_t)++gr->nstacks;
	*ret = (uint32_t)gr->nstacks - 1;
	return NULL;
}

/* Status texts come from a few tables: hash each pointer's text once. */
static uint64_t status_hash(struct builder *bd, const char *status)
{
	size_t j = ld_hash64((uintptr_t)status) & (STATUS_MEMO - 1);
	uint64_t h = 0;

	for (; bd->status_text[j]; j = (j + 1) & (STATUS_MEMO - 1))
		if (bd->status_text[j] == status)
			return bd->status_text_hash[j];
	for (const char *p = status; *p; p++)
		h = mix(h, (uint8_t)*p);
	if (bd->nstatus_texts < STATUS_MEMO / 2) {
		bd->nstatus_texts++;
		bd->status_text[j] = status;
		bd->status_text_hash[j] = h;
	}
	return h;
}

static uint64_t group_hash(const struct ld_report_group *g)
{
	return mix(mix(mix(mix(g->stack_id, g->gopc), g->verdict),
		       g->status_hash), g->label);
}

static uint64_t group_key(void *ctx, uint32_t id)
{
	return group_hash(&((struct ld_report_model *)ctx)->groups[id]);
}

static struct ld_error *add_to_group(struct ld_report_model *gr,
				     struct builder *bd,
				     const struct ld_report_group *key,
				     uint32_t gi, int64_t wait)
{
	uint64_t h = group_hash(key);
	struct ld_report_group *g;
	size_t j;

	if (!rehash_u32(&bd->group_table, &bd->group_table_size, gr->ngroups,
			group_key, gr))
		return &ld_error_nomem;
	j = h & (bd->group_table_size - 1);
	for (; bd->group_table[j]; j = (j + 1) & (bd->group_table_size - 1)) {
		g = &gr->groups[bd->group_table[j] - 1];
		if (g->stack_id == key->stack_id && g->gopc == key->gopc &&
		    g->verdict == key->verdict && g->label == key->label &&
		    (g->status == key->status ||
		     !strcmp(g->status, key->status)))
			goto found;
	}
	if (!ld_grow((void **)&gr->groups, &bd->cap_groups, gr->ngroups + 1,
		  sizeof(*gr->groups)))
		return &ld_error_nomem;
	g = &gr->groups[gr->ngroups];
	*g = *key;
	g->count = 0;
	g->min_wait = wait;
	g->max_wait = wait;
	g->first_g = gi;
	bd->group_table[j] = (uint32_t)++gr->ngroups;
found:
	if (g->count)
		gr->next_g[g->last_g] = gi;
	g->last_g = gi;
	gr->next_g[gi] = UINT32_MAX;
	gr->g_group[gi] = (uint32_t)(g - gr->groups);
	g->count++;
	if (wait < g->min_wait)
		g->min_wait = wait;
	if (wait > g->max_wait)
		g->max_wait = wait;
	return NULL;
}

/* --prove: leaked groups first, then those that may wake, then the rest. */
static int verdict_rank(uint8_t v)
{
	switch (v) {
	case LD_VERDICT_LEAKED: return 0;
	case LD_VERDICT_MAY_WAKE: return 1;
	case LD_VERDICT_LIVE: return 2;
	}
	return 3;
}

struct sort_ctx {
	const struct ld_session *s;
	const struct ld_report_model *m;
};

/* --group-by label: the biggest label value's groups first, together. */
static size_t label_count(const struct ld_report_model *m, uint32_t label)
{
	return label ? m->labels[label - 1].count : 0;
}

static int cmp_groups(const void *a, const void *b, void *arg)
{
	const struct ld_report_group *x = a, *y = b;
	const struct sort_ctx *ctx = arg;
	const struct ld_session *s = ctx->s;

	if (x->verdict != y->verdict)
		return verdict_rank(x->verdict) - verdict_rank(y->verdict);
	if (x->label != y->label) {
		size_t cx = label_count(ctx->m, x->label);
		size_t cy = label_count(ctx->m, y->label);

		if (cx != cy)
			return cx < cy ? 1 : -1;
		if (!x->label || !y->label)	/* "(no KEY label)" last */
			return x->label ? -1 : 1;
		return strcmp(ctx->m->labels[x->label - 1].value,
			      ctx->m->labels[y->label - 1].value);
	}
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return s->gs[x->first_g].goid < s->gs[y->first_g].goid ? -1 : 1;
}

/* What grouping reads of goroutine i: its stack top (for the pager). */
static void stack_top(void *arg, size_t i, uint64_t *addr, size_t *len)
{
	const struct ld_goroutine *g = &((struct ld_session *)arg)->gs[i];

	*addr = g->sp;
	*len = 0;
	if (!(g->flags & LD_G_NO_STACK) && g->sp >= g->stack_lo &&
	    g->sp < g->stack_hi)
		*len = g->stack_hi - g->sp < LD_STACK_TOP ?
		       g->stack_hi - g->sp : LD_STACK_TOP;
}

/*
 * The used top of the stack, where the shape memo and the holder scan
 * read: a few hundred bytes on a parked goroutine.  Only 256 bytes of
 * it ahead cost a core 0.1 s at a million goroutines.
 */
#define STACK_AHEAD_MAX 768

static void stack_ahead(struct ld_session *s, void *arg, size_t i)
{
	const struct ld_goroutine *g = &s->gs[i];
	uint64_t len = g->stack_hi > g->sp ? g->stack_hi - g->sp : 0;

	ld_mem_prefetch(s->mem, g->sp, len < STACK_AHEAD_MAX ? len :
				       STACK_AHEAD_MAX);
}

static const struct ld_walk_ops group_walk = {
	.flags = LD_WALK_TRIM | LD_WALK_PAGER | LD_WALK_STACKS,
	.range = stack_top,
	.ahead = stack_ahead,
};

/*
 * g's stack id: from the shape memo, else by a walk (then memoized under
 * a new shape, which pprof reuses for the whole stack).
 */
static struct ld_error *stack_of(struct ld_session *s,
				 struct ld_report_model *gr, struct builder *bd,
				 size_t gi, uint32_t *id)
{
	struct ld_goroutine *g = &s->gs[gi];
	const char *werr = NULL;
	struct ld_error *err;
	uint32_t sh;

	if (ld_shapes_find(bd->shapes, s, g, &sh)) {
		gr->g_shape[gi] = sh;
		*id = bd->shape_stack[sh];
		return NULL;
	}
	bd->nscratch = ld_report_goroutine_frames(s, g, bd->scratch, &werr);
	err = intern_stack(gr, bd, werr, id);
	if (err || werr)
		return err;
	if (!ld_grow((void **)&bd->shape_stack, &bd->cap_shape_stack,
		     gr->nshapes + 1, sizeof(*bd->shape_stack)))
		return &ld_error_nomem;
	bd->shape_stack[gr->nshapes] = *id;
	ld_shapes_learn(bd->shapes, s, g, gr->nshapes);
	gr->g_shape[gi] = gr->nshapes++;
	return NULL;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = n;

	for (size_t i = 0; i < n; i++)
		h = mix(h, (uint8_t)p[i]);
	return h;
}

static uint64_t label_key_hash(void *ctx, uint32_t id)
{
	const struct ld_report_label *l = &((struct ld_report_model *)ctx)->labels[id];

	return hash_bytes(l->value, l->len);
}

/* The id + 1 of value among the model's labels, added if new. */
static struct ld_error *intern_label(struct ld_report_model *gr,
				     struct builder *bd, const char *value,
				     size_t len, uint32_t *ret)
{
	uint64_t h = hash_bytes(value, len);
	struct ld_report_label *l;
	size_t j;

	if (!rehash_u32(&bd->label_table, &bd->label_table_size, gr->nlabels,
			label_key_hash, gr))
		return &ld_error_nomem;
	j = h & (bd->label_table_size - 1);
	for (; bd->label_table[j]; j = (j + 1) & (bd->label_table_size - 1)) {
		l = &gr->labels[bd->label_table[j] - 1];
		if (l->len == len && !memcmp(l->value, value, len))
			goto found;
	}
	if (!ld_grow((void **)&gr->labels, &bd->cap_labels, gr->nlabels + 1,
		     sizeof(*gr->labels)))
		return &ld_error_nomem;
	l = &gr->labels[gr->nlabels];
	l->value = malloc(len + 1);
	if (!l->value)
		return &ld_error_nomem;
	memcpy(l->value, value, len);
	l->value[len] = 0;
	l->len = len;
	l->count = 0;
	bd->label_table[j] = (uint32_t)++gr->nlabels;
found:
	l->count++;
	*ret = bd->label_table[j];
	return NULL;
}

/* g's value of the --group-by label (0: none, or unreadable: noted). */
static struct ld_error *label_of(struct ld_session *s,
				 struct ld_report_model *gr, struct builder *bd,
				 struct ld_goroutine *g, uint32_t *ret)
{
	struct ld_label *ul = NULL;
	struct ld_error *err;
	size_t n = 0;

	*ret = 0;
	err = ld_goroutine_labels(s, g, &ul, &n);
	if (err) {
		ld_goroutine_set_note(s, g, err->message);
		ld_error_destroy(err);
		return NULL;
	}
	for (size_t i = 0; i < n && !err; i++)
		if (ul[i].key_len == bd->label_key_len &&
		    !memcmp(ul[i].key, bd->label_key, bd->label_key_len)) {
			err = intern_label(gr, bd, ul[i].value,
					   ul[i].value_len, ret);
			break;
		}
	ld_labels_free(ul, n);
	return err;
}

/* Whether the stack passes --function, memoized per stack id. */
static bool stack_passes(struct ld_report_model *gr, struct builder *bd,
			 uint32_t id, bool *ok)
{
	const struct ld_report_stack *st = &gr->stacks[id];

	if (!ld_grow((void **)&bd->stack_ok, &bd->cap_stack_ok, id + 1,
		     sizeof(*bd->stack_ok)))
		return false;
	/* ld_grow leaves new slots as they were: zero them here. */
	while (id >= bd->nstack_ok)
		bd->stack_ok[bd->nstack_ok++] = 0;
	if (!bd->stack_ok[id])
		bd->stack_ok[id] = ld_report_match_frames(bd->match,
				st->nframes ? &gr->frames[st->first] : NULL,
				st->nframes) ? 1 : 2;
	*ok = bd->stack_ok[id] == 1;
	return true;
}

static struct ld_error *build_groups(struct ld_session *s, bool all,
				     struct ld_report_model *gr,
				     struct builder *bd)
{
	struct ld_error *err = NULL;
	struct sort_ctx sc;
	struct ld_walk w;
	size_t i;

	gr->next_g = malloc((s->ngs + 1) * sizeof(uint32_t));
	gr->g_group = malloc((s->ngs + 1) * sizeof(uint32_t));
	gr->g_shape = malloc((s->ngs + 1) * sizeof(uint32_t));
	bd->scratch = malloc(LD_REPORT_MAX_FRAMES * sizeof(*bd->scratch));
	if (!gr->next_g || !gr->g_group || !gr->g_shape || !bd->scratch)
		return &ld_error_nomem;
	bd->shapes = ld_shapes_create();	/* NULL: every stack is walked */
	ld_walk_begin(&w, s, s->ngs, &group_walk, s);
	while (!err && ld_walk_next(&w, &i)) {
		struct ld_goroutine *g = &s->gs[i];
		struct ld_report_group key = { 0 };

		bool ok = true;

		gr->g_group[i] = UINT32_MAX;
		gr->g_shape[i] = UINT32_MAX;
		if (!ld_report_shown(g, all)) {
			gr->hidden++;
			continue;
		}
		/* Filtered-out goroutines may still hold a mutex: scan all. */
		if (!ld_report_match_goroutine(bd->match, s, g)) {
			if (gr->blk)
				ld_blocking_scan_stack(s, gr->blk, i);
			gr->filtered_out++;
			continue;
		}
		err = stack_of(s, gr, bd, i, &key.stack_id);
		if (err)
			break;
		/* The stack's pages are hot: look for mutex holders now. */
		if (gr->blk)
			ld_blocking_scan_stack(s, gr->blk, i);
		g->stack_id = key.stack_id;
		if (!stack_passes(gr, bd, key.stack_id, &ok)) {
			err = &ld_error_nomem;
			break;
		}
		if (!ok) {
			gr->filtered_out++;
			continue;
		}
		if (bd->label_key) {
			err = label_of(s, gr, bd, g, &key.label);
			if (err)
				break;
		}
		key.status = ld_goroutine_status_text(s, g);
		key.status_hash = status_hash(bd, key.status);
		key.gopc = g->gopc;
		key.verdict = gr->pv ? gr->pv->verdict[i] : 0;
		err = add_to_group(gr, bd, &key, (uint32_t)i,
				   ld_goroutine_wait_minutes(s, g));
	}
	ld_walk_end(&w);
	if (gr->blk)
		ld_blocking_scan_done(gr->blk);
	if (err)
		return err;
	/* Sorting moves groups; goroutine->group links are rebuilt by users. */
	sc.s = s;
	sc.m = gr;
	ld_sort_r(gr->groups, gr->ngroups, sizeof(*gr->groups), cmp_groups,
		  &sc);
	for (size_t k = 0; k < gr->ngroups; k++)
		for (uint32_t gi = gr->groups[k].first_g; gi != UINT32_MAX;
		     gi = gr->next_g[gi])
			gr->g_group[gi] = (uint32_t)k;
	return NULL;
}

/*
 * How many different objects each group's goroutines wait on first (the
 * "N different chans" of the text), stamping objects with the group.
 */
static struct ld_error *count_group_objects(struct ld_report_model *gr)
{
	uint32_t *stamp = calloc(gr->blk->nobjs + 1, sizeof(*stamp));

	if (!stamp)
		return &ld_error_nomem;
	for (size_t k = 0; k < gr->ngroups; k++) {
		struct ld_report_group *grp = &gr->groups[k];

		for (uint32_t gi = grp->first_g; gi != UINT32_MAX;
		     gi = gr->next_g[gi]) {
			unsigned int n;
			const struct ld_blocker *bl = ld_blocking_of(gr->blk,
								     gi, &n);

			if (n && stamp[bl[0].obj] != k + 1) {
				stamp[bl[0].obj] = (uint32_t)k + 1;
				grp->nobjects++;
			}
		}
	}
	free(stamp);
	return NULL;
}

/* What each leaked group pins, biggest group first. */
static struct ld_error *compute_retained(struct ld_session *s,
					 struct ld_report_model *gr)
{
	uint32_t *gis = malloc((s->ngs + 1) * sizeof(*gis));
	struct ld_error *err = NULL;
	size_t n = 0;

	gr->retained = calloc(gr->ngroups + 1, sizeof(*gr->retained));
	if (!gis || !gr->retained) {
		free(gis);
		return &ld_error_nomem;
	}
	for (size_t k = 0; k < gr->ngroups && !err; k++) {
		struct ld_report_group *grp = &gr->groups[k];

		if (grp->verdict != LD_VERDICT_LEAKED)
			continue;
		n = 0;
		for (uint32_t gi = grp->first_g; gi != UINT32_MAX;
		     gi = gr->next_g[gi])
			gis[n++] = gi;
		err = ld_prove_retained(gr->pv, gis, n,
					&gr->retained[gr->nretained]);
		grp->retained = (uint32_t)++gr->nretained;
	}
	free(gis);
	return err;
}

/* The phrases text and json share for a verdict's reason. */
const char *ld_report_why_text(uint8_t why)
{
	switch (why) {
	case LD_WHY_UNREACHABLE: return "unreachable";
	case LD_WHY_NIL_CHAN: return "can never proceed";
	case LD_WHY_RUNTIME_LEAKED: return "marked leaked by the runtime";
	case LD_WHY_REACHABLE: return "what it waits on is reachable";
	case LD_WHY_NOT_IN_HEAP: return "what it waits on is outside the heap";
	case LD_WHY_UNKNOWN_OBJECT: return "what it waits on is unknown";
	case LD_WHY_MAIN_SELECT: return "main parked in select{} by design";
	}
	return NULL;
}

/* Building's tables go as soon as the groups stand; formats never read them. */
static void builder_release(struct builder *bd)
{
	free(bd->stack_table);
	free(bd->group_table);
	free(bd->scratch);
	free(bd->stack_ok);
	free(bd->shape_stack);
	free(bd->label_table);
	ld_report_match_free(bd->match);
	ld_shapes_destroy(bd->shapes);
}

void ld_report_model_destroy(struct ld_report_model *m)
{
	if (!m)
		return;
	free(m->frames);
	free(m->stacks);
	free(m->groups);
	free(m->next_g);
	free(m->g_group);
	free(m->g_shape);
	free(m->retained);
	for (size_t i = 0; i < m->nlabels; i++)
		free(m->labels[i].value);
	free(m->labels);
	free(m->label_key);
	free(m->filter_desc);
	ld_prove_destroy(m->pv);
	ld_blocking_destroy(m->blk);
	free(m);
}

struct ld_error *ld_report_model_build(struct ld_session *s,
				       const struct ld_report_model_opts *opts,
				       struct ld_report_model **ret)
{
	struct builder bd = { 0 };
	struct ld_report_model *m;
	struct ld_error *err;

	*ret = NULL;
	err = ld_session_load_goroutines(s);
	if (err)
		return err;
	if (opts->prove && opts->no_blocking)
		return ld_error_create(LD_ERR_INVALID,
				       "--prove needs blocking objects (drop --no-blocking)");
	if (opts->why && !opts->prove)
		return ld_error_create(LD_ERR_INVALID,
				       "--why explains --prove's verdicts (add --prove)");
	err = ld_report_match_new(&opts->filter, &bd.match);
	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (!m) {
		builder_release(&bd);
		return &ld_error_nomem;
	}
	m->filter_desc = ld_report_filter_desc(&opts->filter);
	if (opts->filter.label) {
		bd.label_key = opts->filter.label;
		bd.label_key_len = strlen(bd.label_key);
		m->label_key = strdup(bd.label_key);
		if (!m->label_key)
			err = &ld_error_nomem;
	}
	/* Blocking first: grouping's stack walk also finds mutex holders. */
	if (!err && !opts->no_blocking)
		err = ld_blocking_build_deferred(s, opts->prove, &m->blk);
	if (!err && opts->prove) {
		const struct ld_prove_opts po = { .why = opts->why };

		m->why = opts->why;
		err = ld_prove_run(s, m->blk, &po, &m->pv);
	}
	if (!err)
		err = build_groups(s, opts->all, m, &bd);
	builder_release(&bd);
	if (!err && m->blk)
		err = count_group_objects(m);
	if (!err && m->pv)
		err = compute_retained(s, m);
	if (err) {
		ld_report_model_destroy(m);
		return err;
	}
	*ret = m;
	return NULL;
}
