// SPDX-License-Identifier: MIT
/*
 * pprof labels of a goroutine.  Go 1.24+ keep them in runtime/pprof's
 * labelMap, a struct around a sorted []label{key, value string}; Go
 * 1.21-1.23 point g.labels at a map variable (a *labelMap) holding a
 * map[string]string, read here as the classic hash map
 * (hmap, buckets of 8 string keys then 8 string values, an overflow
 * pointer).  Label sets are immutable once set, but a map may still be
 * mid-growth: entries not yet evacuated are in the old buckets.
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/util.h"
#include "leakdump/model/labels.h"

/* The classic map's layout for map[string]string on 64-bit targets. */
#define HMAP_COUNT 0
#define HMAP_B 9
#define HMAP_BUCKETS 16
#define HMAP_OLDBUCKETS 24
#define HMAP_SIZE 48
#define BUCKET_CNT 8
#define BUCKET_KEYS 8
#define BUCKET_VALUES (BUCKET_KEYS + BUCKET_CNT * 16)
#define BUCKET_OVERFLOW (BUCKET_VALUES + BUCKET_CNT * 16)
#define BUCKET_SIZE (BUCKET_OVERFLOW + 8)
#define MIN_TOP_HASH 5		/* below: empty or evacuated */
#define MAX_B 12

struct labels {
	struct ld_label *v;
	size_t n, cap;
};

static uint64_t rd64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* Append the pair of strings at kv (ptr, len, ptr, len). */
static struct ld_error *add(struct ld_session *s, struct labels *ls,
			    const uint64_t kv[4])
{
	struct ld_label *l;
	struct ld_error *err;

	if (ls->n >= LD_LABELS_MAX)
		return ld_error_create(LD_ERR_CORRUPT,
				       "more than %d pprof labels",
				       LD_LABELS_MAX);
	if (!ld_grow((void **)&ls->v, &ls->cap, ls->n + 1, sizeof(*ls->v)))
		return &ld_error_nomem;
	l = &ls->v[ls->n];
	memset(l, 0, sizeof(*l));
	err = ld_mem_read_string(s->mem, kv[0], kv[1], LD_LABEL_LEN_MAX,
				 &l->key);
	if (!err)
		err = ld_mem_read_string(s->mem, kv[2], kv[3],
					 LD_LABEL_LEN_MAX, &l->value);
	if (err) {
		free(l->key);
		free(l->value);
		return err;
	}
	l->key_len = kv[1];
	l->value_len = kv[3];
	ls->n++;
	return NULL;
}

static struct ld_error *from_slice(struct ld_session *s, uint64_t set,
				   struct labels *ls)
{
	uint64_t list[2], kv[4];
	struct ld_error *err;

	err = ld_mem_read(s->mem, set, list, sizeof(list));
	if (err)
		return err;
	if (list[1] > LD_LABELS_MAX)
		return ld_error_create(LD_ERR_CORRUPT,
				       "%llu pprof labels",
				       (unsigned long long)list[1]);
	for (uint64_t i = 0; i < list[1]; i++) {
		err = ld_mem_read(s->mem, list[0] + 32 * i, kv, sizeof(kv));
		if (!err)
			err = add(s, ls, kv);
		if (err)
			return err;
	}
	return NULL;
}

/* The live entries of nb buckets at base and their overflow chains. */
static struct ld_error *from_buckets(struct ld_session *s, uint64_t base,
				     uint64_t nb, struct labels *ls)
{
	uint8_t b[BUCKET_SIZE];
	struct ld_error *err;

	for (uint64_t i = 0; i < nb; i++) {
		uint64_t addr = base + i * BUCKET_SIZE;

		/* Each bucket in a chain holds one entry at least. */
		for (unsigned int hops = 0; addr && hops <= LD_LABELS_MAX;
		     hops++) {
			err = ld_mem_read(s->mem, addr, b, sizeof(b));
			if (err)
				return err;
			for (int j = 0; j < BUCKET_CNT; j++) {
				uint64_t kv[4];

				if (b[j] < MIN_TOP_HASH)
					continue;
				kv[0] = rd64(b + BUCKET_KEYS + 16 * j);
				kv[1] = rd64(b + BUCKET_KEYS + 16 * j + 8);
				kv[2] = rd64(b + BUCKET_VALUES + 16 * j);
				kv[3] = rd64(b + BUCKET_VALUES + 16 * j + 8);
				err = add(s, ls, kv);
				if (err)
					return err;
			}
			addr = rd64(b + BUCKET_OVERFLOW);
		}
	}
	return NULL;
}

static struct ld_error *from_map(struct ld_session *s, uint64_t m,
				 struct labels *ls)
{
	uint8_t h[HMAP_SIZE];
	struct ld_error *err;
	uint64_t count, nb, old;

	err = ld_mem_read(s->mem, m, h, sizeof(h));
	if (err)
		return err;
	count = rd64(h + HMAP_COUNT);
	if (!count)
		return NULL;
	if (count > LD_LABELS_MAX || h[HMAP_B] > MAX_B)
		return ld_error_create(LD_ERR_CORRUPT,
				       "pprof label map of %llu entries, B=%u",
				       (unsigned long long)count, h[HMAP_B]);
	nb = 1ull << h[HMAP_B];
	err = from_buckets(s, rd64(h + HMAP_BUCKETS), nb, ls);
	old = rd64(h + HMAP_OLDBUCKETS);
	/* Growing: the old array is half the size, or equal (same-size). */
	if (!err && old)
		err = from_buckets(s, old, nb > 1 ? nb / 2 : 1, ls);
	return err;
}

static int cmp_label(const void *a, const void *b)
{
	const struct ld_label *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	if (c || x->key_len != y->key_len)
		return c ? c : (x->key_len < y->key_len ? -1 : 1);
	n = x->value_len < y->value_len ? x->value_len : y->value_len;
	c = memcmp(x->value, y->value, n);
	if (c || x->value_len == y->value_len)
		return c;
	return x->value_len < y->value_len ? -1 : 1;
}

struct ld_error *ld_goroutine_labels(struct ld_session *s,
				     const struct ld_goroutine *g,
				     struct ld_label **ret, size_t *n)
{
	struct labels ls = { 0 };
	struct ld_error *err;
	uint64_t p;

	*ret = NULL;
	*n = 0;
	if (s->rt->g.labels < 0)
		return NULL;
	err = ld_mem_read_u64(s->mem, g->addr + (uint64_t)s->rt->g.labels, &p);
	if (err || !p)
		return err;
	/* Before 1.24 g.labels is a *labelMap, a pointer to the map. */
	if (!s->rt->labels_slice)
		err = ld_mem_read_u64(s->mem, p, &p);
	if (!err && p)
		err = s->rt->labels_slice ? from_slice(s, p, &ls) :
					    from_map(s, p, &ls);
	if (err) {
		ld_labels_free(ls.v, ls.n);
		return err;
	}
	if (ls.n > 1)
		qsort(ls.v, ls.n, sizeof(*ls.v), cmp_label);
	*ret = ls.v;
	*n = ls.n;
	return NULL;
}

void ld_labels_free(struct ld_label *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++) {
		free(l[i].key);
		free(l[i].value);
	}
	free(l);
}
