// SPDX-License-Identifier: MIT
/*
 * Type accounting for retained memory (ld_prove_retained): each object
 * marked while p->retain is set is counted under its type, read from the
 * malloc header or the span, or under its size when the type is unknown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prove/prove_priv.h"

uint64_t ld_prove_read_word(struct ld_mark *p, uint64_t addr)
{
	uint64_t v = 0;

	return ld_prove_rd(p, addr, &v, 8) ? v : 0;
}

/* A word of an object of span sid: from the span cache on live targets. */
static uint64_t object_word(struct ld_mark *p, uint32_t sid, uint64_t addr)
{
	const uint8_t *sb = p->mem_is_buffer ? NULL :
			    ld_prove_span_bytes(p, sid);
	uint64_t w;

	if (!sb || addr < p->spans[sid].base ||
	    addr + 8 > p->spans[sid].limit)
		return ld_prove_read_word(p, addr);
	memcpy(&w, sb + (addr - p->spans[sid].base), 8);
	return w;
}

uint64_t ld_prove_type_key(struct ld_mark *p, uint32_t sid, uint64_t base)
{
	const struct pv_span *sp = &p->spans[sid];
	const struct ld_rt *rt = p->rt;
	uint64_t t = 0;

	if (ld_u64map_get(&p->chans, base)) {
		t = object_word(p, sid, base + (uint64_t)rt->blk.hchan_elemtype);
		if (t >= p->types_lo && t < p->types_hi)
			return t | 1;
		return LD_PROVE_KEY_UNTYPED | sp->elemsize;
	}
	/* Malloc headers: a type pointer in large and big pointerful objects. */
	if (rt->malloc_headers && !sp->noscan) {
		if (sp->nelems == 1 && rt->heap.span_large_type >= 0)
			t = ld_prove_read_word(p, sp->mspan +
					(uint64_t)rt->heap.span_large_type);
		/*
		 * A span of one small object (the 16 KiB size class, a
		 * runtime.p) has no largeType: its header is in the object.
		 */
		if (!t && sp->elemsize > 512)
			t = object_word(p, sid, base);
	}
	if (t >= p->types_lo && t < p->types_hi && !(t & 7))
		return t;
	return LD_PROVE_KEY_UNTYPED | sp->elemsize;
}

void ld_prove_account_type(struct ld_mark *p, uint32_t sid,
			   uint64_t base, uint64_t size)
{
	uint64_t key = ld_prove_type_key(p, sid, base), k;

	p->acc->bytes += size;
	p->acc->objects++;
	k = ld_u64map_get(&p->type_map, key);
	if (!k) {
		if (!ld_grow((void **)&p->types, &p->cap_types, p->ntypes + 1,
			     sizeof(*p->types)) ||
		    !ld_u64map_put(&p->type_map, key, p->ntypes + 1))
			return;
		p->types[p->ntypes] = (struct pv_type){ key, 0, 0 };
		k = ++p->ntypes;
	}
	p->types[k - 1].bytes += size;
	p->types[k - 1].objects++;
}

static const char *keep_name(struct ld_mark *p, char *name)
{
	if (!name)
		return "?";
	if (!ld_grow((void **)&p->names, &p->cap_names, p->nnames + 1,
		     sizeof(*p->names))) {
		free(name);
		return "?";
	}
	p->names[p->nnames++] = name;
	return name;
}

const char *ld_prove_type_key_name(struct ld_mark *p, uint64_t key)
{
	char *name, *s = NULL;

	if (key & LD_PROVE_KEY_UNTYPED) {
		if (asprintf(&s, "? (%llu-byte objects)",
			     (unsigned long long)(key & ~LD_PROVE_KEY_UNTYPED)) < 0)
			s = NULL;
		return keep_name(p, s);
	}
	name = ld_type_name(p->s, key & ~1ull);
	if (!(key & 1) || !name)
		return keep_name(p, name);
	if (asprintf(&s, "chan %s", name) < 0)
		s = NULL;
	free(name);
	return keep_name(p, s);
}

int ld_prove_cmp_types(const void *a, const void *b)
{
	const struct pv_type *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}
