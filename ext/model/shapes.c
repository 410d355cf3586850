// SPDX-License-Identifier: MIT
/*
 * Stack shapes (see include/leakdump/shapes.h), kept as a trie of the
 * unwinder's own decisions.  A root per starting pc says at which offset
 * from sp the first return address lies; each edge is one value found
 * there and leads to the node for the next frame (the offset of its return
 * address), down to a leaf holding the memoized value.  Every offset along
 * a path follows from the pcs before it, so a lookup is a handful of word
 * reads and exact table probes, however many shapes share a prefix.
 */
#include <stdlib.h>

#include "leakdump/model/shapes.h"
#include "leakdump/model/unwind.h"
#include "leakdump/base/util.h"

#define MAX_DEPTH 64		/* deeper stacks are walked every time */
#define LEAF UINT32_MAX		/* node.off of a leaf */

struct node {
	uint32_t off;		/* where the next return address lies; LEAF */
	uint32_t value;		/* leaves */
};

/* An edge: the word found at node's offset leads to child. */
struct edge {
	uint32_t node, child;
	uint64_t word;
};

struct ld_shapes {
	struct node *nodes;
	size_t nnodes, cap_nodes;
	struct edge *edges;
	size_t nedges, cap_edges;
	struct ld_u64map roots;		/* starting pc -> node + 1 */
	struct ld_u64map index;		/* edge_key(node, word) -> edge + 1 */
};

struct ld_shapes *ld_shapes_create(void)
{
	return calloc(1, sizeof(struct ld_shapes));
}

void ld_shapes_destroy(struct ld_shapes *m)
{
	if (!m)
		return;
	free(m->nodes);
	free(m->edges);
	ld_u64map_release(&m->roots);
	ld_u64map_release(&m->index);
	free(m);
}

static uint64_t edge_key(uint32_t node, uint64_t word)
{
	/* Nonzero; collisions are caught by comparing the edge itself. */
	return ld_hash64(word ^ ((uint64_t)node << 40 | node)) | 1;
}

static uint32_t child_of(const struct ld_shapes *m, uint32_t node,
			 uint64_t word)
{
	uint64_t e = ld_u64map_get(&m->index, edge_key(node, word));
	const struct edge *ed;

	if (!e)
		return UINT32_MAX;
	ed = &m->edges[e - 1];
	return ed->node == node && ed->word == word ? ed->child : UINT32_MAX;
}

static bool memoizable(const struct ld_goroutine *g)
{
	return !(g->flags & (LD_G_HAS_REGS | LD_G_FROM_SYSCALL |
			     LD_G_NO_STACK)) &&
	       g->pc && g->sp >= g->stack_lo && g->sp < g->stack_hi;
}

/* The word at sp + off of g's stack, if inside it and readable. */
static bool stack_word(struct ld_session *s, const struct ld_goroutine *g,
		       uint32_t off, uint64_t *v)
{
	uint64_t addr = g->sp + off;
	struct ld_error *err;

	if (addr < g->sp || addr + 8 > g->stack_hi)
		return false;
	err = ld_session_read_stack(s, g, addr, v);
	ld_error_destroy(err);
	return !err;
}

bool ld_shapes_find(struct ld_shapes *m, struct ld_session *s,
		    const struct ld_goroutine *g, uint32_t *value)
{
	uint64_t root, word;
	uint32_t node;

	if (!m || !memoizable(g) || !(root = ld_u64map_get(&m->roots, g->pc)))
		return false;
	node = (uint32_t)(root - 1);
	for (unsigned int depth = 0; depth <= MAX_DEPTH; depth++) {
		if (m->nodes[node].off == LEAF) {
			*value = m->nodes[node].value;
			return true;
		}
		if (!stack_word(s, g, m->nodes[node].off, &word))
			return false;
		node = child_of(m, node, word);
		if (node == UINT32_MAX)
			return false;
	}
	return false;
}

static uint32_t new_node(struct ld_shapes *m, uint32_t off, uint32_t value)
{
	if (!ld_grow((void **)&m->nodes, &m->cap_nodes, m->nnodes + 1,
		     sizeof(*m->nodes)))
		return UINT32_MAX;
	m->nodes[m->nnodes].off = off;
	m->nodes[m->nnodes].value = value;
	return (uint32_t)m->nnodes++;
}

/* The child of node for word, created as a node reading at off. */
static uint32_t add_edge(struct ld_shapes *m, uint32_t node, uint64_t word,
			 uint32_t off, uint32_t value)
{
	uint64_t key = edge_key(node, word);
	uint32_t child = child_of(m, node, word);

	if (child != UINT32_MAX)
		return child;
	if (ld_u64map_get(&m->index, key) ||
	    !ld_grow((void **)&m->edges, &m->cap_edges, m->nedges + 1,
		     sizeof(*m->edges)))
		return UINT32_MAX;	/* a key collision: not memoized */
	child = new_node(m, off, value);
	if (child == UINT32_MAX ||
	    !ld_u64map_put(&m->index, key, m->nedges + 1))
		return UINT32_MAX;
	m->edges[m->nedges++] = (struct edge){ node, child, word };
	return child;
}

/* The path of one clean walk: the return-address slots, innermost first. */
struct path {
	uint32_t n;
	uint32_t off[MAX_DEPTH];
	uint64_t ra[MAX_DEPTH];
};

static bool trace_path(struct ld_session *s, const struct ld_goroutine *g,
		       struct path *p)
{
	struct ld_unwinder u;
	uint64_t ra;

	p->n = 0;
	/* Where the unwinder read each return address (the frame rule). */
	ld_unwind_init(&u, s, g, g->pc, g->sp, 0);
	for (; ld_unwind_valid(&u); ld_unwind_next(&u)) {
		if (!u.lr)
			continue;
		ra = ld_frame_ret_addr(s->arch, u.sp, u.fp);
		if (p->n == MAX_DEPTH || ra < g->sp || ra - g->sp >= LEAF)
			return false;
		p->off[p->n] = (uint32_t)(ra - g->sp);
		p->ra[p->n++] = u.lr;
	}
	return !u.error;
}

void ld_shapes_learn(struct ld_shapes *m, struct ld_session *s,
		     const struct ld_goroutine *g, uint32_t value)
{
	struct path p;
	uint64_t root;
	uint32_t node;

	if (!m || !memoizable(g) || !trace_path(s, g, &p))
		return;
	root = ld_u64map_get(&m->roots, g->pc);
	if (root) {
		node = (uint32_t)(root - 1);
	} else {
		node = new_node(m, p.n ? p.off[0] : LEAF, value);
		if (node == UINT32_MAX ||
		    !ld_u64map_put(&m->roots, g->pc, (uint64_t)node + 1))
			return;
	}
	for (uint32_t k = 0; k < p.n; k++) {
		/* The same pcs put the next slot at the same offset. */
		if (m->nodes[node].off != p.off[k])
			return;
		node = add_edge(m, node, p.ra[k],
				k + 1 < p.n ? p.off[k + 1] : LEAF, value);
		if (node == UINT32_MAX)
			return;
	}
	if (m->nodes[node].off != LEAF)
		return;
	m->nodes[node].value = value;
}
