// SPDX-License-Identifier: MIT
/*
 * The semaphore table: runtime.semtable, a treap of sudogs per root, each
 * node heading a waitlink list of waiters on the same address.  It is
 * walked once, before the goroutines, and indexed by waiting g, so each
 * semaphore waiter (sync.c) finds its address with one lookup.  From Go
 * 1.26 a waiter's own sudog names its semaphore: the table is then walked
 * for leak proofs only (build.c), which keep its sudogs.
 */
#include <stdlib.h>

#include "blocking/blocking_priv.h"

#define SEMTAB_SIZE 251		/* runtime.semTabSize, unchanged since 1.0 */

/*
 * The semtable, indexed by waiting g: g address -> semaphore address; and
 * the sudog itself, for leak proofs (b->sema_sudogs).
 */
static bool sema_record(struct ld_blocking *b, uint64_t sudog, uint64_t g,
			uint64_t addr)
{
	if (b->keep_sema_sudogs) {
		if (!ld_grow((void **)&b->sema_sudogs, &b->cap_sema_sudogs,
			     b->nsema_sudogs + 1, sizeof(*b->sema_sudogs)))
			return false;
		b->sema_sudogs[b->nsema_sudogs++] = sudog;
	}
	/* Indexed once the walk is over: the index is then sized once. */
	if (!ld_grow((void **)&b->sema_pend, &b->cap_sema_pend,
		     b->nsema_pend + 2, sizeof(*b->sema_pend)))
		return false;
	b->sema_pend[b->nsema_pend++] = g;
	b->sema_pend[b->nsema_pend++] = addr;
	return true;
}

/* The pairs the walk found, into b->semas (the first one per g wins). */
static void index_semas(struct ld_blocking *b)
{
	size_t n = b->nsema_pend / 2;

	if (n && ld_u64map_reserve(&b->semas, n))
		for (size_t i = 0; i < n; i++)
			if (!ld_u64map_put(&b->semas, b->sema_pend[2 * i],
					   b->sema_pend[2 * i + 1]))
				break;
	free(b->sema_pend);
	b->sema_pend = NULL;
	b->nsema_pend = b->cap_sema_pend = 0;
}

uint64_t ld_sema_of(const struct ld_blocking *b, uint64_t g)
{
	return ld_u64map_get(&b->semas, g);
}

/*
 * The waitlink chains are followed after the treaps, all at once and
 * lowest address first.  The runtime hands sudogs out in roughly
 * ascending order, so each chain of a busy semaphore sweeps the whole
 * region of sudogs: followed one after the other, every chain would read
 * that region again (two chains of 125,000 waiters read 330 MB of a live
 * target through the chunk cache, instead of about 160).
 */
struct chain {
	uint64_t next;			/* the next sudog to read */
	uint64_t addr;			/* the semaphore, from its treap node */
	uint16_t root;			/* whose budget it spends */
};

struct chains {
	struct chain *v;
	size_t n, cap;
};

static void sift_down(struct chains *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct chain t;

		if (l < h->n && h->v[l].next < h->v[m].next)
			m = l;
		if (l + 1 < h->n && h->v[l + 1].next < h->v[m].next)
			m = l + 1;
		if (m == i)
			return;
		t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
}

static bool chain_push(struct chains *h, struct chain c)
{
	size_t i;

	if (!ld_grow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v)))
		return false;
	for (i = h->n++; i; i = (i - 1) / 2) {
		if (h->v[(i - 1) / 2].next <= c.next)
			break;
		h->v[i] = h->v[(i - 1) / 2];
	}
	h->v[i] = c;
	return true;
}

/* One treap node: recorded, and its waitlink chain queued. */
static bool sema_node(struct ld_session *s, struct ld_blocking *b,
		      struct chains *h, uint16_t root, uint64_t node,
		      uint64_t *left, uint64_t *right)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint8_t scratch[256];
	const uint8_t *sg = view(s, node, k->sudog_size, scratch);
	struct chain c = { .root = root };

	if (!sg)
		return false;
	*left = rd64(sg, k->sudog_prev);
	*right = rd64(sg, k->sudog_next);
	c.addr = sudog_ptr(k, sg, k->sudog_elem, k->sudog_elem_vu);
	c.next = rd64(sg, k->sudog_waitlink);
	if (!sema_record(b, node, rd64(sg, k->sudog_g), c.addr))
		return false;
	return !c.next || chain_push(h, c);
}

/*
 * One root's treap, iteratively; each node is visited once.  *budget
 * bounds the steps a root may take (its chains' too, in follow_chains),
 * so a cycle in the tree or in a chain ends that root's walk and spares
 * the others.
 */
static void walk_root(struct ld_session *s, struct ld_blocking *b,
		      struct chains *h, uint16_t idx, uint64_t root,
		      size_t *budget, struct ld_u64map *seen, uint64_t **stack,
		      size_t *cap)
{
	size_t depth = 0;

	while ((root || depth) && *budget) {
		uint64_t l, r;

		if (!root) {
			root = (*stack)[--depth];
			continue;
		}
		if (ld_u64map_get(seen, root))
			break;		/* a cycle: the tree is corrupt */
		if (!ld_u64map_put(seen, root, 1))
			break;
		(*budget)--;
		if (!sema_node(s, b, h, idx, root, &l, &r))
			break;
		if (r) {
			if (!ld_grow((void **)stack, cap, depth + 1, 8))
				break;
			(*stack)[depth++] = r;
		}
		root = l;
	}
}

/* Every queued chain, the lowest next sudog first. */
static void follow_chains(struct ld_session *s, struct ld_blocking *b,
			  struct chains *h, size_t *budgets)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint8_t scratch[256];
	size_t steps = 0;

	while (h->n) {
		struct chain *c = &h->v[0];
		const uint8_t *p = NULL;

		if (budgets[c->root]) {
			budgets[c->root]--;
			walk_step(s, ++steps);
			p = view(s, c->next, k->sudog_size, scratch);
		}
		if (p && !sema_record(b, c->next, rd64(p, k->sudog_g),
				      c->addr))
			return;
		/* Unreadable or out of budget: that chain ends here. */
		c->next = p ? rd64(p, k->sudog_waitlink) : 0;
		if (!c->next)
			h->v[0] = h->v[--h->n];
		sift_down(h, 0);
	}
}

/* Walk every root's treap once (iteratively, bounded per root). */
void ld_walk_semtable(struct ld_session *s, struct ld_blocking *b)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	size_t budgets[SEMTAB_SIZE], cap = 0;
	struct ld_u64map seen = { 0 };
	struct chains h = { 0 };
	uint64_t entry, *stack = NULL;

	if (!s->rt->semtable || k->semtable_size < SEMTAB_SIZE ||
	    k->semaroot_treap < 0 || !k->sudog_size ||
	    k->sudog_size > 256) {
		b->unavailable = "the runtime's semaphore table is unknown";
		return;
	}
	entry = k->semtable_size / SEMTAB_SIZE;
	for (size_t i = 0; i < SEMTAB_SIZE; i++) {
		uint64_t root;

		if (!read_u64(s, s->rt->semtable + s->bias + i * entry +
				      (uint64_t)k->semaroot_treap, &root))
			break;
		budgets[i] = MAX_LIST;
		if (root)
			walk_root(s, b, &h, (uint16_t)i, root, &budgets[i],
				  &seen, &stack, &cap);
	}
	follow_chains(s, b, &h, budgets);
	index_semas(b);
	ld_u64map_release(&seen);
	free(stack);
	free(h.v);
}
