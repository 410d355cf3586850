// SPDX-License-Identifier: MIT
/*
 * The semaphore table: runtime.semtable, a treap of sudogs per root, each
 * node heading a waitlink list of waiters on the same address.  It is
 * walked once, before the goroutines, and indexed by waiting g, so each
 * semaphore waiter (sync.c) finds its address with one lookup.
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
 * One treap node: itself and its waitlink chain, all on one address.
 * *budget bounds the steps a root may take, so a cycle (in the tree or
 * in a chain) ends that root's walk and spares the others.
 */
static bool sema_node(struct ld_session *s, struct ld_blocking *b,
		      uint64_t node, uint64_t *left, uint64_t *right,
		      size_t *budget)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint8_t scratch[256];
	const uint8_t *sg = view(s, node, k->sudog_size, scratch);
	uint64_t addr, w;

	if (!sg)
		return false;
	*left = rd64(sg, k->sudog_prev);
	*right = rd64(sg, k->sudog_next);
	addr = sudog_ptr(k, sg, k->sudog_elem, k->sudog_elem_vu);
	if (!sema_record(b, node, rd64(sg, k->sudog_g), addr))
		return false;
	w = rd64(sg, k->sudog_waitlink);
	while (w && *budget) {
		const uint8_t *p = view(s, w, k->sudog_size, scratch);

		(*budget)--;
		walk_step(s, *budget);
		if (!p || !sema_record(b, w, rd64(p, k->sudog_g), addr))
			return false;
		w = rd64(p, k->sudog_waitlink);
	}
	return *budget > 0;
}

/* One root's treap, iteratively; each node is visited once. */
static void walk_root(struct ld_session *s, struct ld_blocking *b,
		      uint64_t root, struct ld_u64map *seen, uint64_t **stack,
		      size_t *cap)
{
	size_t depth = 0, budget = MAX_LIST;

	while ((root || depth) && budget) {
		uint64_t l, r;

		if (!root) {
			root = (*stack)[--depth];
			continue;
		}
		if (ld_u64map_get(seen, root))
			break;		/* a cycle: the tree is corrupt */
		if (!ld_u64map_put(seen, root, 1))
			break;
		budget--;
		if (!sema_node(s, b, root, &l, &r, &budget))
			break;
		if (r) {
			if (!ld_grow((void **)stack, cap, depth + 1, 8))
				break;
			(*stack)[depth++] = r;
		}
		root = l;
	}
}

/* Walk every root's treap once (iteratively, bounded per root). */
void ld_walk_semtable(struct ld_session *s, struct ld_blocking *b)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	struct ld_u64map seen = { 0 };
	uint64_t entry, *stack = NULL;
	size_t cap = 0;

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
		if (root)
			walk_root(s, b, root, &seen, &stack, &cap);
	}
	index_semas(b);
	ld_u64map_release(&seen);
	free(stack);
}
