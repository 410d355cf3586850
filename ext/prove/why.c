// SPDX-License-Identifier: MIT
/*
 * --why: what marked each object, and the reference paths back from a
 * primitive to a root (include/leakdump/prove/prove.h, ld_prove_why_*).
 *
 * While marking, ld_prove_why_note (called from ld_prove_mark_word only
 * when p->why is set) records for each newly marked object the address of
 * the word that marked it: inside its parent object when drain scanned
 * one, else in a root, whose kind and range are kept in a side table.  An
 * object is recorded once, when first marked, so following the records
 * goes strictly back in marking order and ends at a root; the bounds and
 * the cycle check below are for records that disagree (memory ran out,
 * or a goroutine woken through one primitive that held another).
 *
 * A goroutine the fixed point woke is a root only in the round after its
 * primitive was marked: its step names that primitive and the path goes
 * on from it, so a path reads back to a real root.
 */
#include <stdlib.h>

#include "prove/prove_priv.h"
#include "leakdump/model/unwind.h"
#include "leakdump/target/binary.h"

#define ROOT_BIT	(1ull << 63)	/* | index into roots[] */
#define MAX_FRAMES	4096		/* frames walked to name a stack word */

struct why_root {
	uint8_t kind;			/* enum ld_path_kind */
	uint32_t who;			/* goroutine, thread or waiter index */
	uint64_t at, lo, hi;		/* the word, the range scanned */
};

struct ld_why {
	/* object base -> the marking word's address, or ROOT_BIT | root */
	struct ld_u64map parent;
	struct why_root *roots;
	size_t nroots, cap_roots;
	struct ld_u64map names;		/* type key -> const char * */
	bool oom;			/* records are missing: paths cut */
};

const char *ld_path_kind_name(enum ld_path_kind k)
{
	switch (k) {
	case LD_PATH_OBJECT: return "object";
	case LD_PATH_DATA: return "data";
	case LD_PATH_STACK: return "stack";
	case LD_PATH_G: return "g";
	case LD_PATH_REGS: return "registers";
	case LD_PATH_FINALIZER: return "finalizer";
	case LD_PATH_MAPPING: return "mapping";
	case LD_PATH_RUNTIME: return "runtime";
	case LD_PATH_RANGE: return "range";
	case LD_PATH_WAITER: return "waiter";
	case LD_PATH_CUT: break;
	}
	return "cut";
}

bool ld_mark_why_enable(struct ld_mark *m)
{
	if (!m->why)
		m->why = calloc(1, sizeof(*m->why));
	return m->why != NULL;
}

void ld_prove_why_destroy(struct ld_why *w)
{
	if (!w)
		return;
	ld_u64map_release(&w->parent);
	ld_u64map_release(&w->names);
	free(w->roots);
	free(w);
}

void ld_prove_why_note(struct ld_mark *p, uint64_t base)
{
	struct ld_why *w = p->why;
	uint64_t v = p->scan_at;

	/* Retained accounting marks leaked memory: nothing that wakes. */
	if (p->retain || w->oom)
		return;
	if (p->from_kind != LD_PATH_OBJECT) {
		if (!ld_grow((void **)&w->roots, &w->cap_roots, w->nroots + 1,
			     sizeof(*w->roots))) {
			w->oom = true;
			return;
		}
		w->roots[w->nroots] = (struct why_root){
			p->from_kind, p->from_who, p->scan_at, p->scan_lo,
			p->scan_hi };
		v = ROOT_BIT | w->nroots++;
	}
	if (!ld_u64map_put(&w->parent, base, v))
		w->oom = true;
}

static const char *object_type(struct ld_mark *p, uint32_t sid, uint64_t base)
{
	uint64_t key, v;
	const char *name;

	if (!p->s)
		return NULL;	/* the bare engine knows no types */
	key = ld_prove_type_key(p, sid, base);
	if (key & LD_PROVE_KEY_UNTYPED)
		return NULL;
	v = ld_u64map_get(&p->why->names, key);
	if (v)
		return (const char *)(uintptr_t)v;
	name = ld_prove_type_key_name(p, key);
	if (!strcmp(name, "?"))
		return NULL;
	(void)ld_u64map_put(&p->why->names, key, (uint64_t)(uintptr_t)name);
	return name;
}

/* The function of the frame of g's stack that holds the word at. */
static const char *frame_name(struct ld_session *s,
			      const struct ld_goroutine *g, uint64_t at)
{
	struct ld_unwinder u;
	unsigned int i = 0;

	if (!s->pcln || (g->flags & LD_G_NO_STACK))
		return NULL;
	ld_unwind_init(&u, s, g, g->pc, g->sp, 0);
	for (; ld_unwind_valid(&u) && i < MAX_FRAMES; ld_unwind_next(&u), i++) {
		/* A frame's arguments were scanned with it (stacks.c). */
		if ((at >= u.sp && at < u.fp) ||
		    (u.fn.args > 0 && at >= u.argp &&
		     at < u.argp + (uint64_t)u.fn.args))
			return u.fn.name;
		if (!u.fp)
			break;
	}
	return NULL;
}

static bool seen_before(const uint64_t *seen, unsigned int n, uint64_t base)
{
	for (unsigned int i = 0; i < n; i++)
		if (seen[i] == base)
			return true;
	return false;
}

static bool marked_base(const struct ld_mark *p, uint64_t addr, uint64_t *base,
			uint64_t *size, uint32_t *sid)
{
	uint32_t slot;

	if (!ld_prove_find_object(p, addr, sid, &slot) ||
	    !ld_prove_bit_get(p->mark, p->spans[*sid].bit + slot))
		return false;
	ld_prove_object_range(p, *sid, slot, base, size);
	return true;
}

/*
 * A goroutine's stack or g as a step: when the fixed point woke it (not a
 * root from the start), the primitive that woke it, the path's next
 * object (*next; 0 when the path ends here).  false: woken, but by
 * nothing the path can go on through.
 */
static bool woken_goroutine(struct ld_mark *p, struct ld_prove *pv,
			    size_t gi, const uint64_t *seen,
			    unsigned int nseen, struct ld_path_step *st,
			    uint64_t *next)
{
	const struct ld_blocker *bl;
	unsigned int n;

	if (!pv || !p->b || pv->verdict[gi] != LD_VERDICT_MAY_WAKE ||
	    (pv->why[gi] != LD_WHY_REACHABLE &&
	     pv->why[gi] != LD_WHY_NOT_IN_HEAP))
		return true;
	bl = ld_blocking_of(p->b, gi, &n);
	for (unsigned int i = 0; i < n; i++) {
		const struct ld_object *o = &p->b->objs[bl[i].obj];
		uint64_t a = ld_object_wait_addr(o), base, size;
		uint32_t sid;

		if (o->nil)
			continue;
		if (!ld_prove_find_object(p, a, &sid, &(uint32_t){ 0 })) {
			/* outside the heap: that is what woke it */
			st->woken_by = a;
			st->woken_kind = ld_block_kind_name(o->kind);
			*next = 0;
			return true;
		}
		/*
		 * A primitive it held itself and marked once woken is no
		 * reason: that would go round.
		 */
		if (!marked_base(p, a, &base, &size, &sid) ||
		    seen_before(seen, nseen, base))
			continue;
		st->woken_by = a;
		st->woken_kind = ld_block_kind_name(o->kind);
		*next = a;
		return true;
	}
	return false;
}

/*
 * The root step of record r; *next: where the path goes on, or 0.  false:
 * the path cannot go on, though this is no root.
 */
static bool root_step(struct ld_mark *p, struct ld_prove *pv,
		      const struct why_root *r, const uint64_t *seen,
		      unsigned int nseen, struct ld_path_step *st,
		      uint64_t *next)
{
	struct ld_session *s = p->s;

	*st = (struct ld_path_step){
		.kind = (enum ld_path_kind)r->kind, .addr = r->at,
		.offset = r->at - r->lo, .lo = r->lo, .hi = r->hi };
	*next = 0;
	switch (st->kind) {
	case LD_PATH_DATA: {
		uint64_t start;

		st->offset = 0;
		if (s && ld_binary_symbol_at(s->bin, r->at - s->bias,
					     &st->name, &start))
			st->offset = r->at - s->bias - start;
		break;
	}
	case LD_PATH_STACK:
	case LD_PATH_G:
		if (!s || r->who >= s->ngs)
			break;
		st->goid = s->gs[r->who].goid;
		if (st->kind == LD_PATH_STACK)
			st->name = frame_name(s, &s->gs[r->who], r->at);
		return woken_goroutine(p, pv, r->who, seen, nseen, st, next);
	case LD_PATH_REGS:
		st->addr = 0;
		st->offset = r->at / 8;
		if (!s || r->who >= s->nthreads)
			break;
		st->tid = s->threads[r->who].tid;
		if (st->offset < s->arch->nregs)
			st->name = s->arch->reg_names[st->offset];
		break;
	case LD_PATH_WAITER:
		st->goid = r->who;
		break;
	default:
		break;
	}
	return true;
}

static bool build_path(struct ld_mark *p, struct ld_prove *pv, uint64_t addr,
		       struct ld_path *ret)
{
	struct ld_path_step rev[LD_PATH_MAX + 1];
	uint64_t seen[LD_PATH_MAX], cur = addr;
	unsigned int n = 0;
	bool cut = true, root;

	ret->n = 0;
	if (!p->why)
		return false;
	while (n < LD_PATH_MAX) {
		uint64_t base, size, v;
		uint32_t sid;

		if (!marked_base(p, cur, &base, &size, &sid)) {
			if (!n)
				return false;	/* not marked: no path */
			break;
		}
		if (seen_before(seen, n, base))
			break;			/* a cycle: cut */
		seen[n] = base;
		rev[n++] = (struct ld_path_step){
			.kind = LD_PATH_OBJECT, .addr = base,
			.offset = cur - base, .size = size,
			.name = object_type(p, sid, base) };
		v = ld_u64map_get(&p->why->parent, base);
		if (!v)
			break;			/* not recorded: cut */
		if (!(v & ROOT_BIT)) {
			cur = v;
			continue;
		}
		if ((v & ~ROOT_BIT) >= p->why->nroots || n >= LD_PATH_MAX)
			break;
		/* a root step's seen slot holds 0, which is no object */
		root = root_step(p, pv, &p->why->roots[v & ~ROOT_BIT], seen,
				 n, &rev[n], &cur);
		seen[n] = 0;
		n++;
		if (!cur) {
			cut = !root;
			break;
		}
	}
	ret->n = 0;
	if (cut)
		ret->step[ret->n++] = (struct ld_path_step){
			.kind = LD_PATH_CUT };
	while (n)
		ret->step[ret->n++] = rev[--n];
	return true;
}

bool ld_mark_why(struct ld_mark *m, uint64_t addr, struct ld_path *ret)
{
	return build_path(m, NULL, addr, ret);
}

bool ld_prove_why_addr(struct ld_prove *pv, uint64_t addr,
		       struct ld_path *ret)
{
	return build_path(pv->priv, pv, addr, ret);
}

bool ld_prove_why_object(struct ld_prove *pv, const struct ld_object *o,
			 struct ld_path *ret)
{
	ret->n = 0;
	if (o->nil)
		return false;
	return ld_prove_why_addr(pv, ld_object_wait_addr(o), ret);
}

/* Whether path goes through goroutine goid itself. */
static bool through(const struct ld_path *path, uint64_t goid)
{
	for (unsigned int i = 0; i < path->n; i++)
		if ((path->step[i].kind == LD_PATH_STACK ||
		     path->step[i].kind == LD_PATH_G) &&
		    path->step[i].goid == goid)
			return true;
	return false;
}

/*
 * Of the primitives it waits on (a select has several), the shortest path
 * that does not go through the goroutine itself: one it marked once woken
 * is not what woke it.
 */
bool ld_prove_why_goroutine(struct ld_prove *pv, size_t gi,
			    struct ld_path *ret)
{
	struct ld_mark *p = pv->priv;
	const struct ld_blocker *bl;
	struct ld_path *alt;
	bool found = false, own = false;
	unsigned int n;

	ret->n = 0;
	if (!p->why || !p->b || gi >= p->s->ngs)
		return false;
	bl = ld_blocking_of(p->b, gi, &n);
	if (n == 1)
		return ld_prove_why_object(pv, &p->b->objs[bl[0].obj], ret);
	alt = malloc(sizeof(*alt));
	if (!alt)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		bool mine;

		if (!ld_prove_why_object(pv, &p->b->objs[bl[i].obj], alt))
			continue;
		mine = through(alt, p->s->gs[gi].goid);
		if (found && (mine > own || (mine == own && alt->n >= ret->n)))
			continue;
		*ret = *alt;
		found = true;
		own = mine;
	}
	free(alt);
	return found;
}
