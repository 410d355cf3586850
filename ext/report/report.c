// SPDX-License-Identifier: MIT
/*
 * Report formats.  "go" streams each goroutine as the runtime prints it.
 * "text" and "json" group goroutines by (state, visible stack, creator):
 * stacks are interned once, so a million goroutines on a handful of stacks
 * cost a handful of stack records plus one small record per goroutine.
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/util.h"
#include "leakdump/blocking/blocking.h"
#include "leakdump/prove/prove.h"
#include "leakdump/model/walk.h"
#include "leakdump/model/shapes.h"
#include "leakdump/report/report.h"
#include "leakdump/model/traceback.h"

#define MAX_KEY_FRAMES 4096
#define FLUSH_AT (1u << 20)
/*
 * Per-goroutine id lists are cut at this length (the counts stay exact):
 * a million receivers on one channel would otherwise repeat a million ids
 * a million times.  The top-level "objects" list has every id once.
 */
#define JSON_MAX_IDS 16

struct stack_rec {
	uint64_t hash;
	size_t first;		/* index into frames arena */
	uint32_t nframes;
	const char *error;	/* walk error shared by this stack */
};

struct group {
	uint32_t stack_id;
	const char *status;
	uint64_t status_hash;		/* of the text: equal texts, equal hash */
	uint64_t gopc;
	size_t count;
	int64_t min_wait, max_wait;
	uint32_t first_g, last_g;	/* goroutine index chain */
	uint8_t verdict;		/* --prove: part of the key */
	uint32_t nobjects;		/* distinct first blocking objects */
	uint32_t retained;		/* leaked groups: index + 1 into
					 * grouping.retained, else 0 */
};

struct grouping {
	struct ld_visible_frame *frames;
	size_t nframes_arena, cap_frames;
	struct stack_rec *stacks;
	size_t nstacks, cap_stacks;
	uint32_t *stack_table;		/* open addressing: stack id + 1 */
	size_t stack_table_size;
	struct group *groups;
	size_t ngroups, cap_groups;
	uint32_t *group_table;
	size_t group_table_size;
	const char *last_status;	/* status_hash() cache */
	uint64_t last_status_hash;
	uint32_t *next_g;		/* per goroutine: next in its group */
	uint32_t *g_group;		/* per goroutine: group index */
	size_t hidden;			/* system goroutines not shown */
	struct ld_blocking *blk;	/* NULL: not computed */
	struct ld_prove *pv;		/* --prove; NULL otherwise */
	struct ld_retained *retained;	/* per leaked group */
	size_t nretained;
	struct ld_shapes *shapes;	/* stacks already walked, by shape */
	/* scratch for one walk */
	struct ld_visible_frame *scratch;
	uint32_t nscratch;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static bool collect_frame(void *arg, const struct ld_visible_frame *f)
{
	struct grouping *gr = arg;

	if (gr->nscratch >= MAX_KEY_FRAMES)
		return false;
	gr->scratch[gr->nscratch++] = *f;
	return true;
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
	return ((struct grouping *)ctx)->stacks[id].hash;
}

static struct ld_error *intern_stack(struct grouping *gr, const char *error,
				     uint32_t *ret)
{
	uint64_t h = hash_frames(gr->scratch, gr->nscratch);
	struct stack_rec *st;
	size_t j;

	if (!rehash_u32(&gr->stack_table, &gr->stack_table_size, gr->nstacks,
			stack_key, gr))
		return &ld_error_nomem;
	j = h & (gr->stack_table_size - 1);
	for (; gr->stack_table[j]; j = (j + 1) & (gr->stack_table_size - 1)) {
		st = &gr->stacks[gr->stack_table[j] - 1];
		if (st->hash == h && st->nframes == gr->nscratch &&
		    st->error == error &&
		    same_frames(&gr->frames[st->first], gr->scratch,
				gr->nscratch)) {
			*ret = gr->stack_table[j] - 1;
			return NULL;
		}
	}
	if (!ld_grow((void **)&gr->stacks, &gr->cap_stacks, gr->nstacks + 1,
		  sizeof(*gr->stacks)) ||
	    !ld_grow((void **)&gr->frames, &gr->cap_frames,
		  gr->nframes_arena + gr->nscratch, sizeof(*gr->frames)))
		return &ld_error_nomem;
	st = &gr->stacks[gr->nstacks];
	st->hash = h;
	st->first = gr->nframes_arena;
	st->nframes = gr->nscratch;
	st->error = error;
	memcpy(&gr->frames[st->first], gr->scratch,
	       gr->nscratch * sizeof(*gr->scratch));
	gr->nframes_arena += gr->nscratch;
	gr->stack_table[j] = (uint32_t)++gr->nstacks;
	*ret = (uint32_t)gr->nstacks - 1;
	return NULL;
}

/* Status texts come from a few tables: hash each pointer's text once. */
static uint64_t status_hash(struct grouping *gr, const char *status)
{
	uint64_t h = 0;

	if (status == gr->last_status)
		return gr->last_status_hash;
	for (const char *p = status; *p; p++)
		h = mix(h, (uint8_t)*p);
	gr->last_status = status;
	gr->last_status_hash = h;
	return h;
}

static uint64_t group_hash(const struct group *g)
{
	return mix(mix(mix(g->stack_id, g->gopc), g->verdict), g->status_hash);
}

static uint64_t group_key(void *ctx, uint32_t id)
{
	return group_hash(&((struct grouping *)ctx)->groups[id]);
}

static struct ld_error *add_to_group(struct grouping *gr,
				     const struct group *key, uint32_t gi,
				     int64_t wait)
{
	uint64_t h = group_hash(key);
	struct group *g;
	size_t j;

	if (!rehash_u32(&gr->group_table, &gr->group_table_size, gr->ngroups,
			group_key, gr))
		return &ld_error_nomem;
	j = h & (gr->group_table_size - 1);
	for (; gr->group_table[j]; j = (j + 1) & (gr->group_table_size - 1)) {
		g = &gr->groups[gr->group_table[j] - 1];
		if (g->stack_id == key->stack_id && g->gopc == key->gopc &&
		    g->verdict == key->verdict &&
		    (g->status == key->status ||
		     !strcmp(g->status, key->status)))
			goto found;
	}
	if (!ld_grow((void **)&gr->groups, &gr->cap_groups, gr->ngroups + 1,
		  sizeof(*gr->groups)))
		return &ld_error_nomem;
	g = &gr->groups[gr->ngroups];
	*g = *key;
	g->count = 0;
	g->min_wait = wait;
	g->max_wait = wait;
	g->first_g = gi;
	gr->group_table[j] = (uint32_t)++gr->ngroups;
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

static void grouping_release(struct grouping *gr)
{
	free(gr->frames);
	free(gr->stacks);
	free(gr->stack_table);
	free(gr->groups);
	free(gr->group_table);
	free(gr->next_g);
	free(gr->g_group);
	free(gr->scratch);
	ld_shapes_destroy(gr->shapes);
	free(gr->retained);
	ld_prove_destroy(gr->pv);
	ld_blocking_destroy(gr->blk);
}

static bool shown(const struct ld_goroutine *g, bool all)
{
	return all || !(g->flags & LD_G_SYSTEM);
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

static int cmp_groups(const void *a, const void *b, void *ctx)
{
	const struct group *x = a, *y = b;
	const struct ld_session *s = ctx;

	if (x->verdict != y->verdict)
		return verdict_rank(x->verdict) - verdict_rank(y->verdict);
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

/* The first touch of each stack is the grouping loop's main stall. */
static void stack_ahead(struct ld_session *s, void *arg, size_t i)
{
	ld_mem_prefetch(s->mem, s->gs[i].sp, 256);
}

static const struct ld_walk_ops group_walk = {
	.flags = LD_WALK_TRIM | LD_WALK_PAGER | LD_WALK_STACKS,
	.range = stack_top,
	.ahead = stack_ahead,
};

/* The other passes over all stacks: a traceback each, in order. */
static const struct ld_walk_ops stacks_walk = {
	.flags = LD_WALK_TRIM | LD_WALK_STACKS,
};

/* Passes that read no stacks. */
static const struct ld_walk_ops trim_walk = {
	.flags = LD_WALK_TRIM,
};

/* g's stack id: from the shape memo, else by a walk (then memoized). */
static struct ld_error *stack_of(struct ld_session *s, struct grouping *gr,
				 struct ld_goroutine *g, uint32_t *id)
{
	const char *werr = NULL;
	struct ld_error *err;

	if (ld_shapes_find(gr->shapes, s, g, id))
		return NULL;
	gr->nscratch = 0;
	if (!(g->flags & LD_G_NO_STACK))
		ld_traceback_walk(s, g, collect_frame, gr, &werr);
	if (werr)
		ld_goroutine_set_note(s, g, werr);
	err = intern_stack(gr, werr, id);
	if (!err && !werr)
		ld_shapes_learn(gr->shapes, s, g, *id);
	return err;
}

static struct ld_error *build_groups(struct ld_session *s, bool all,
				     struct grouping *gr)
{
	struct ld_error *err = NULL;
	struct ld_walk w;
	size_t i;

	gr->next_g = malloc((s->ngs + 1) * sizeof(uint32_t));
	gr->g_group = malloc((s->ngs + 1) * sizeof(uint32_t));
	gr->scratch = malloc(MAX_KEY_FRAMES * sizeof(*gr->scratch));
	if (!gr->next_g || !gr->g_group || !gr->scratch)
		return &ld_error_nomem;
	gr->shapes = ld_shapes_create();	/* NULL: every stack is walked */
	ld_walk_begin(&w, s, s->ngs, &group_walk, s);
	while (!err && ld_walk_next(&w, &i)) {
		struct ld_goroutine *g = &s->gs[i];
		struct group key = { 0 };

		gr->g_group[i] = UINT32_MAX;
		if (!shown(g, all)) {
			gr->hidden++;
			continue;
		}
		err = stack_of(s, gr, g, &key.stack_id);
		if (err)
			break;
		/* The stack's pages are hot: look for mutex holders now. */
		if (gr->blk)
			ld_blocking_scan_stack(s, gr->blk, i);
		g->stack_id = key.stack_id;
		key.status = ld_goroutine_status_text(s, g);
		key.status_hash = status_hash(gr, key.status);
		key.gopc = g->gopc;
		key.verdict = gr->pv ? gr->pv->verdict[i] : 0;
		err = add_to_group(gr, &key, (uint32_t)i,
				   ld_goroutine_wait_minutes(s, g));
	}
	ld_walk_end(&w);
	if (gr->blk)
		ld_blocking_scan_done(gr->blk);
	if (err)
		return err;
	/* Sorting moves groups; goroutine->group links are rebuilt by users. */
	qsort_r(gr->groups, gr->ngroups, sizeof(*gr->groups), cmp_groups, s);
	for (size_t k = 0; k < gr->ngroups; k++)
		for (uint32_t gi = gr->groups[k].first_g; gi != UINT32_MAX;
		     gi = gr->next_g[gi])
			gr->g_group[gi] = (uint32_t)k;
	return NULL;
}

/* ---- text ---- */

static void put_count(struct ld_strbuf *sb, uint64_t n)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)n);

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			ld_strbuf_putc(sb, ',');
		ld_strbuf_putc(sb, tmp[i]);
	}
}

static const char *short_path(const char *file)
{
	const char *last = strrchr(file, '/'), *p;

	if (!last)
		return file;
	for (p = last - 1; p > file && *p != '/'; p--)
		;
	return p > file ? p + 1 : file;
}

struct state_count {
	const char *name;
	size_t count;
};

static void count_state(struct state_count *v, size_t *n, size_t max,
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

static int cmp_state(const void *a, const void *b)
{
	const struct state_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

static const char *target_kind_name(const struct ld_session *s)
{
	return ld_target_name(&s->target);
}

static void put_bytes(struct ld_strbuf *sb, uint64_t n);

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
	ld_strbuf_puts(sb, " + roots ");
	put_bytes(sb, st->root_bytes);
	ld_strbuf_puts(sb, " (");
	put_count(sb, st->root_goroutines);
	ld_strbuf_puts(sb, " stacks (");
	put_count(sb, st->precise_stacks);
	ld_strbuf_puts(sb, " through stack maps), ");
	put_bytes(sb, st->other_bytes);
	ld_strbuf_puts(sb, " outside the heap, ");
	put_count(sb, st->finalizers);
	ld_strbuf_printf(sb, " finalizers); %u rounds; %.2f s\n",
			 st->iterations, st->seconds);
	if (!pv->proven)
		ld_strbuf_printf(sb, "  gaps: %s — \"leaked\" is a suspicion, not a proof\n",
				 pv->gaps);
}

static void text_header(struct ld_session *s, const struct ld_report_opts *o,
			const struct grouping *gr, struct ld_strbuf *sb)
{
	struct state_count states[64], reasons[256];
	size_t nstates = 0, nreasons = 0, shown_n = 0;

	for (size_t i = 0; i < s->ngs; i++) {
		const struct ld_goroutine *g = &s->gs[i];
		const char *st = ld_goroutine_state_name(s, g);

		if (!shown(g, o->all))
			continue;
		shown_n++;
		count_state(states, &nstates, 64, st);
		if (!strcmp(st, "waiting"))
			count_state(reasons, &nreasons, 256,
				    ld_goroutine_status_text(s, g));
	}
	qsort(states, nstates, sizeof(*states), cmp_state);
	qsort(reasons, nreasons, sizeof(*reasons), cmp_state);
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
	if (s->nbad_gs) {
		ld_strbuf_puts(sb, "  ");
		put_count(sb, s->nbad_gs);
		ld_strbuf_printf(sb, " allgs entries unreadable (first at 0x%llx)\n",
				 (unsigned long long)s->bad_gs[0]);
	}
	if (s->now_estimated)
		ld_strbuf_puts(sb, "  wait times: measured against the newest runtime timestamp (no clock for this target)\n");
	if (gr->pv)
		text_prove_summary(gr->pv, sb);
}

static void text_frame(struct ld_strbuf *sb, const struct ld_visible_frame *f)
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
static void describe_blockers(struct ld_session *s, const struct grouping *gr,
			      size_t gi, struct ld_strbuf *sb)
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
static void text_blocked_on(struct ld_session *s, const struct grouping *gr,
			    const struct group *grp, struct ld_strbuf *sb)
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

/* "8.2 MB": decimal units, one decimal. */
static void put_bytes(struct ld_strbuf *sb, uint64_t n)
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

static const char *why_text(uint8_t why)
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

/* " on chan *main.Event 0xc000123000" or " on 1,000 different chans". */
static void text_leaked_on(const struct grouping *gr, const struct group *grp,
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
	if (o->elem_type)
		ld_strbuf_printf(sb, " %s", o->elem_type);
	if (!o->nil)
		ld_strbuf_printf(sb, " 0x%llx", (unsigned long long)o->addr);
}

/* The first line of a leaked group, and what its leak pins. */
static void text_leaked_header(struct ld_session *s, const struct grouping *gr,
			       const struct group *grp, struct ld_strbuf *sb)
{
	const struct ld_retained *r = grp->retained ?
				      &gr->retained[grp->retained - 1] : NULL;
	const char *why = why_text(gr->pv->why[grp->first_g]);

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
static void text_retains(const struct grouping *gr, const struct group *grp,
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

static void text_group(struct ld_session *s, const struct grouping *gr,
		       const struct group *grp, struct ld_strbuf *sb)
{
	const struct stack_rec *st = &gr->stacks[grp->stack_id];
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
				 why_text(gr->pv->why[grp->first_g]));
creator:
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
	if (g0->flags & LD_G_NO_STACK)
		ld_strbuf_printf(sb, "    (running on thread %d; stack unavailable)\n",
				 g0->tid);
	text_blocked_on(s, gr, grp, sb);
	for (uint32_t i = 0; i < st->nframes; i++)
		text_frame(sb, &gr->frames[st->first + i]);
	if (note)
		ld_strbuf_printf(sb, "    [leakdump: %s]\n", note);
}

static struct ld_error *report_text(struct ld_session *s,
				    const struct ld_report_opts *o,
				    const struct grouping *gr, FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	struct ld_error *err = NULL;

	text_header(s, o, gr, &sb);
	for (size_t k = 0; k < gr->ngroups && !err; k++) {
		text_group(s, gr, &gr->groups[k], &sb);
		if (sb.len > FLUSH_AT)
			err = ld_strbuf_flush(&sb, out);
	}
	if (!err)
		err = ld_strbuf_flush(&sb, out);
	ld_strbuf_release(&sb);
	return err;
}

/* ---- text, grouped by blocking object ---- */

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
static void text_object_groups(const struct grouping *gr,
			       const struct bgroup *b, const uint32_t *next,
			       uint32_t *count_of_group, struct ld_strbuf *sb)
{
	for (uint32_t gi = b->first_g; gi != UINT32_MAX; gi = next[gi])
		count_of_group[gr->g_group[gi]]++;
	for (uint32_t gi = b->first_g; gi != UINT32_MAX; gi = next[gi]) {
		uint32_t k = gr->g_group[gi];
		const struct group *grp = &gr->groups[k];
		const struct stack_rec *st = &gr->stacks[grp->stack_id];

		if (!count_of_group[k])
			continue;
		ld_strbuf_puts(sb, "  ");
		put_count(sb, count_of_group[k]);
		ld_strbuf_printf(sb, " × [%s]\n", grp->status);
		for (uint32_t f = 0; f < st->nframes; f++)
			text_frame(sb, &gr->frames[st->first + f]);
		count_of_group[k] = 0;
	}
}

/* --prove: "LEAKED " when every goroutine stuck on the object leaked. */
static void text_object_verdict(const struct grouping *gr,
				const struct bgroup *b, const uint32_t *next,
				struct ld_strbuf *sb)
{
	size_t leaked = 0;

	for (uint32_t gi = b->first_g; gi != UINT32_MAX; gi = next[gi])
		leaked += gr->pv->verdict[gi] == LD_VERDICT_LEAKED;
	if (leaked == b->count)
		ld_strbuf_puts(sb, gr->pv->proven ? "LEAKED " : "LEAKED? ");
}

/*
 * Goroutines stuck on one object show together whatever their stacks:
 * one line for the object, then its goroutines' stack groups.  Goroutines
 * not blocked on an object keep their stack groups.
 */
static struct ld_error *report_by_blocker(struct ld_session *s,
					  const struct ld_report_opts *o,
					  const struct grouping *gr, FILE *out)
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
	qsort(bg, nbg, sizeof(*bg), cmp_bgroup);
	text_header(s, o, gr, &sb);
	for (size_t k = 0; k < nbg && !err; k++) {
		if (bg[k].obj == UINT32_MAX) {
			text_group(s, gr, &gr->groups[bg[k].group], &sb);
		} else {
			ld_strbuf_putc(&sb, '\n');
			if (gr->pv)
				text_object_verdict(gr, &bg[k], next, &sb);
			put_count(&sb, bg[k].count);
			ld_strbuf_puts(&sb, " × blocked on ");
			ld_object_describe(s, &gr->blk->objs[bg[k].obj], &sb);
			ld_strbuf_putc(&sb, '\n');
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

/* ---- json ---- */

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
	ld_strbuf_printf(sb, ",\"arch\":\"%s\",\"now_estimated\":%s},",
			 s->arch->name, s->now_estimated ? "true" : "false");
}

static void json_totals(struct ld_session *s, const struct ld_report_opts *o,
			const struct grouping *gr, struct ld_strbuf *sb)
{
	struct state_count states[64];
	size_t nstates = 0, n = 0;

	for (size_t i = 0; i < s->ngs; i++) {
		if (!shown(&s->gs[i], o->all))
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
	ld_strbuf_puts(sb, "}},");
}

static void json_group_verdict(const struct grouping *gr,
			       const struct group *grp, struct ld_strbuf *sb)
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
	ld_strbuf_printf(sb, ",\"root_bytes\":%llu,\"other_bytes\":%llu,\"root_ranges\":%llu,\"root_goroutines\":%llu,\"precise_stacks\":%llu,\"finalizers\":%llu,\"iterations\":%u",
			 (unsigned long long)st->root_bytes,
			 (unsigned long long)st->other_bytes,
			 (unsigned long long)st->root_ranges,
			 (unsigned long long)st->root_goroutines,
			 (unsigned long long)st->precise_stacks,
			 (unsigned long long)st->finalizers, st->iterations);
	ld_strbuf_printf(sb, ",\"unreadable_bytes\":%llu,\"spans_unreadable\":%llu,\"seconds\":%.3f},",
			 (unsigned long long)st->unreadable_bytes,
			 (unsigned long long)st->spans_unreadable, st->seconds);
}

static void json_group(struct ld_session *s, const struct grouping *gr,
		       size_t k, struct ld_strbuf *sb)
{
	const struct group *grp = &gr->groups[k];
	const struct stack_rec *st = &gr->stacks[grp->stack_id];
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
	if (gr->pv)
		json_group_verdict(gr, grp, sb);
	ld_strbuf_putc(sb, '}');
}

static void json_goroutine(struct ld_session *s, const struct grouping *gr,
			   size_t i, bool first, struct ld_strbuf *sb)
{
	const struct ld_goroutine *g = &s->gs[i];
	const char *note = ld_goroutine_note(s, g);

	ld_strbuf_printf(sb, "%s{\"id\":%llu,\"group\":%u,\"state\":",
			 first ? "" : ",", (unsigned long long)g->goid,
			 gr->g_group[i]);
	ld_strbuf_json_str(sb, ld_goroutine_status_text(s, g));
	ld_strbuf_puts(sb, ",\"status\":");
	ld_strbuf_json_str(sb, ld_goroutine_state_name(s, g));
	ld_strbuf_printf(sb, ",\"wait_minutes\":%lld,\"created_by_goroutine\":",
			 (long long)ld_goroutine_wait_minutes(s, g));
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
		const char *why = why_text(gr->pv->why[i]);

		ld_strbuf_printf(sb, ",\"verdict\":\"%s\",\"verdict_reason\":",
				 ld_verdict_name(gr->pv->verdict[i]));
		if (why)
			ld_strbuf_json_str(sb, why);
		else
			ld_strbuf_puts(sb, "null");
	}
	if (gr->blk) {
		const struct ld_blocker *bl;
		unsigned int n;

		bl = ld_blocking_of(gr->blk, i, &n);
		ld_strbuf_puts(sb, ",\"blocking\":[");
		for (unsigned int k = 0; k < n; k++) {
			if (k)
				ld_strbuf_putc(sb, ',');
			ld_object_json(s, &gr->blk->objs[bl[k].obj], bl[k].op,
				       JSON_MAX_IDS, sb);
		}
		ld_strbuf_putc(sb, ']');
	}
	ld_strbuf_putc(sb, '}');
}

static struct ld_error *report_json(struct ld_session *s,
				    const struct ld_report_opts *o,
				    const struct grouping *gr, FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	struct ld_error *err = NULL;
	bool first = true;
	struct ld_walk w;
	size_t i;

	json_target(s, o, &sb);
	json_totals(s, o, gr, &sb);
	if (gr->pv)
		json_prove(gr->pv, &sb);
	ld_strbuf_puts(&sb, "\"groups\":[");
	for (size_t k = 0; k < gr->ngroups && !err; k++) {
		json_group(s, gr, k, &sb);
		if (sb.len > FLUSH_AT)
			err = ld_strbuf_flush(&sb, out);
	}
	ld_strbuf_puts(&sb, "],\"goroutines\":[");
	ld_walk_begin(&w, s, s->ngs, &trim_walk, NULL);
	while (!err && ld_walk_next(&w, &i)) {
		if (!shown(&s->gs[i], o->all))
			continue;
		json_goroutine(s, gr, i, first, &sb);
		first = false;
		if (sb.len > FLUSH_AT)
			err = ld_strbuf_flush(&sb, out);
	}
	ld_walk_end(&w);
	ld_strbuf_puts(&sb, "]");
	if (gr->blk) {
		ld_strbuf_puts(&sb, ",\"objects\":[");
		for (size_t k = 0; k < gr->blk->nobjs && !err; k++) {
			if (k)
				ld_strbuf_putc(&sb, ',');
			ld_object_json(s, &gr->blk->objs[k], LD_OP_NONE,
				       SIZE_MAX, &sb);
			if (sb.len > FLUSH_AT)
				err = ld_strbuf_flush(&sb, out);
		}
		ld_strbuf_puts(&sb, "]");
	}
	ld_strbuf_puts(&sb, "}\n");
	if (!err)
		err = ld_strbuf_flush(&sb, out);
	ld_strbuf_release(&sb);
	return err;
}

/* ---- go ---- */

static struct ld_error *report_go(struct ld_session *s, bool all, FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	struct ld_error *err = NULL;
	bool first = true;
	struct ld_walk w;
	size_t i;

	ld_walk_begin(&w, s, s->ngs, &stacks_walk, NULL);
	while (!err && ld_walk_next(&w, &i)) {
		struct ld_goroutine *g = &s->gs[i];

		if (!shown(g, all))
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
	return err;
}

/*
 * How many different objects each group's goroutines wait on first (the
 * "N different chans" of the text), stamping objects with the group.
 */
static struct ld_error *count_group_objects(struct grouping *gr)
{
	uint32_t *stamp = calloc(gr->blk->nobjs + 1, sizeof(*stamp));

	if (!stamp)
		return &ld_error_nomem;
	for (size_t k = 0; k < gr->ngroups; k++) {
		struct group *grp = &gr->groups[k];

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
					 struct grouping *gr)
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
		struct group *grp = &gr->groups[k];

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

struct ld_error *ld_report(struct ld_session *s,
			   const struct ld_report_opts *opts, FILE *out)
{
	struct grouping gr = { 0 };
	struct ld_error *err;

	err = ld_session_load_goroutines(s);
	if (err)
		return err;
	if (opts->format == LD_FORMAT_GO && opts->prove)
		return ld_error_create(LD_ERR_INVALID,
				       "--prove reports in text or json, not in the runtime's own format");
	if (opts->format == LD_FORMAT_GO)
		return report_go(s, opts->all, out);
	if (opts->prove && opts->no_blocking)
		return ld_error_create(LD_ERR_INVALID,
				       "--prove needs blocking objects (drop --no-blocking)");
	/* Blocking first: grouping's stack walk also finds mutex holders. */
	if (!opts->no_blocking)
		err = ld_blocking_build_deferred(s, &gr.blk);
	if (!err && opts->prove)
		err = ld_prove_run(s, gr.blk, &gr.pv);
	if (!err)
		err = build_groups(s, opts->all, &gr);
	if (!err && gr.blk)
		err = count_group_objects(&gr);
	if (!err && gr.pv)
		err = compute_retained(s, &gr);
	if (!err && opts->format == LD_FORMAT_JSON)
		err = report_json(s, opts, &gr, out);
	else if (!err && opts->group_by == LD_GROUP_BLOCKER)
		err = report_by_blocker(s, opts, &gr, out);
	else if (!err)
		err = report_text(s, opts, &gr, out);
	grouping_release(&gr);
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

static bool first_user_frame(void *arg, const struct ld_visible_frame *f)
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

		if (!shown(g, all))
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

static void object_goroutines(struct ld_session *s, const char *what,
			      const struct ld_idlist *ids, struct ld_strbuf *sb)
{
	if (!ids->n)
		return;
	ld_strbuf_printf(sb, "  %s:\n", what);
	for (uint32_t i = 0; i < ids->n && i < 100; i++) {
		struct ld_goroutine *g = ld_session_find(s, ids->v[i]);
		struct ld_visible_frame f = { 0 };

		if (!g)
			continue;
		if (!(g->flags & LD_G_NO_STACK))
			ld_traceback_walk(s, g, first_user_frame, &f, NULL);
		ld_strbuf_printf(sb, "    goroutine %llu [%s]",
				 (unsigned long long)g->goid,
				 ld_goroutine_status_text(s, g));
		if (f.name) {
			ld_strbuf_puts(sb, "  ");
			ld_print_func_name(sb, f.name);
			ld_strbuf_printf(sb, " at %s:%d", short_path(f.file),
					 f.line);
		}
		ld_strbuf_putc(sb, '\n');
	}
	if (ids->n > 100)
		ld_strbuf_printf(sb, "    … %u more\n", ids->n - 100);
}

/* The buffered elements of a channel, oldest first, as hex words. */
static void chan_buffer(struct ld_session *s, const struct ld_object *o,
			struct ld_strbuf *sb)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint64_t buf = 0, recvx = 0;
	struct ld_error *err;

	if (!o->len || !o->cap || k->hchan_buf < 0)
		return;
	err = ld_mem_read_u64(s->mem, o->addr + (uint64_t)k->hchan_buf, &buf);
	if (!err)
		err = ld_mem_read_u64(s->mem, o->addr + (uint64_t)k->hchan_recvx,
				      &recvx);
	ld_error_destroy(err);
	if (err || !buf)
		return;
	ld_strbuf_printf(sb, "  buffer (%llu of %llu, element size %llu):\n",
			 (unsigned long long)o->len, (unsigned long long)o->cap,
			 (unsigned long long)o->elemsize);
	for (uint64_t i = 0; i < o->len && i < 32; i++) {
		uint64_t at = buf + ((recvx + i) % o->cap) * o->elemsize;
		uint8_t bytes[64];
		size_t n = o->elemsize < sizeof(bytes) ? o->elemsize :
							  sizeof(bytes);

		ld_strbuf_printf(sb, "    [%llu] 0x%llx:", (unsigned long long)i,
				 (unsigned long long)at);
		err = ld_mem_read(s->mem, at, bytes, n);
		if (err) {
			ld_error_destroy(err);
			ld_strbuf_puts(sb, " unreadable\n");
			continue;
		}
		for (size_t j = 0; j < n; j++)
			ld_strbuf_printf(sb, "%s%02x", j % 8 ? "" : " ", bytes[j]);
		ld_strbuf_puts(sb, n < o->elemsize ? " …\n" : "\n");
	}
}

struct ld_error *ld_report_object(struct ld_session *s, int kind,
				  uint64_t addr, FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	const struct ld_object *o = NULL;
	struct ld_blocking *b = NULL;
	struct ld_error *err;

	err = ld_blocking_build(s, &b);
	if (err)
		return err;
	if (kind == LD_BK_MUTEX) {
		/* A mutex address may be an RWMutex someone waits on. */
		o = ld_blocking_find(b, LD_BK_RWMUTEX, addr);
		if (!o)
			o = ld_blocking_find(b, LD_BK_MUTEX, addr);
	} else {
		o = ld_blocking_find(b, (enum ld_block_kind)kind, addr);
	}
	if (o)
		ld_blocking_queue_order(s, b, o);	/* who wakes first */
	else
		err = ld_blocking_decode(s, b, (enum ld_block_kind)kind, addr,
					 &o);
	if (!err) {
		ld_object_describe(s, o, &sb);
		ld_strbuf_putc(&sb, '\n');
		if (o->kind == LD_BK_CHAN)
			chan_buffer(s, o, &sb);
		object_goroutines(s, "receivers", &o->receivers, &sb);
		object_goroutines(s, "senders", &o->senders, &sb);
		object_goroutines(s, "waiters", &o->waiters, &sb);
		object_goroutines(s, "candidate holders (not waiting on it; their stacks hold its address)",
				  &o->candidates, &sb);
		err = ld_strbuf_flush(&sb, out);
	}
	ld_strbuf_release(&sb);
	ld_blocking_destroy(b);
	return err;
}
