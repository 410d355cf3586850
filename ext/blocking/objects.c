// SPDX-License-Identifier: MIT
/*
 * The object index: one struct ld_object per kind and address, so the
 * goroutines waiting on one primitive share its object, decoded once.
 * The lookups made for every goroutine (get_object, add_blocker) are
 * inline in blocking_priv.h.
 */
#include <string.h>

#include "blocking/blocking_priv.h"

const struct ld_object *ld_blocking_find(const struct ld_blocking *b,
					 enum ld_block_kind kind,
					 uint64_t addr)
{
	uint64_t v;

	if (!kind) {
		for (size_t i = 0; i < b->nobjs; i++)
			if (b->objs[i].addr == addr)
				return &b->objs[i];
		return NULL;
	}
	if (!indexable(addr))
		return NULL;
	v = ld_u64map_get(&b->obj_index, obj_key(kind, addr));
	return v ? &b->objs[v - 1] : NULL;
}

_Static_assert(sizeof(struct ld_blocker) == 4, "struct ld_blocker grew");
_Static_assert(sizeof(struct ld_object) <= 112, "struct ld_object grew");

struct ld_object *ld_new_object(struct ld_blocking *b,
				enum ld_block_kind kind, uint64_t addr)
{
	struct ld_object *o;

	/* Past what a blocker can index (64 GB of records): as out of memory. */
	if (b->nobjs >= LD_MAX_OBJECTS)
		return NULL;
	if (!ld_grow((void **)&b->objs, &b->cap_objs, b->nobjs + 1,
		     sizeof(*b->objs)))
		return NULL;
	o = &b->objs[b->nobjs];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->addr = addr;
	if (kind == LD_BK_FD)
		o->fd = -1;
	if (kind == LD_BK_SYSCALL)
		o->sysno = -1;
	b->nobjs++;
	return o;
}
