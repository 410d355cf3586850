// SPDX-License-Identifier: MIT
/*
 * What the parts of discovery share (overview in discover_common.h):
 * copies of the target's data ranges, and the data addresses a runtime
 * function's code names (the arch decodes it).
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/arch/arch.h"
#include "leakdump/go/pcln.h"
#include "go/discover_common.h"

#define MAX_BULK	(64ull << 20)	/* larger ranges are read on demand */
#define MAX_CODE	(64u << 10)	/* bytes of one function scanned */

/* --- Copies of target memory (struct region) --- */

/*
 * Copy [lo, hi) of the target.  One read for the range; if part of it is
 * unreadable (a core that left pages out), page by page, zero-filling what
 * cannot be read.  Ranges over MAX_BULK are left to region_get().
 */
struct ld_error *ld_disc_region_read(const struct ld_discover_ctx *c,
				     uint64_t lo, uint64_t hi, struct region *r)
{
	struct ld_error *err;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (hi < lo || hi - lo > MAX_REGION)
		return ld_error_create(LD_ERR_CORRUPT,
				       "runtime.firstmoduledata: bad data range 0x%llx-0x%llx",
				       (unsigned long long)lo,
				       (unsigned long long)hi);
	n = hi - lo;
	r->lo = lo;
	r->hi = hi;
	if (n > MAX_BULK)
		return NULL;
	r->buf = malloc(n ? n : 1);
	if (!r->buf)
		return &ld_error_nomem;
	err = n ? ld_mem_read(c->mem, lo, r->buf, n) : NULL;
	if (!err)
		return NULL;
	if (err->code == LD_ERR_NOMEM) {
		region_free(r);
		return err;
	}
	ld_error_destroy(err);
	for (uint64_t a = lo; a < hi;) {
		uint64_t next = (a | (PAGE - 1)) + 1;

		if (next > hi || next < a)
			next = hi;
		err = ld_mem_read(c->mem, a, r->buf + (a - lo), next - a);
		if (err) {
			memset(r->buf + (a - lo), 0, next - a);
			ld_error_destroy(err);
		}
		a = next;
	}
	return NULL;
}

/* --- The moduledata's data ranges, where step 2 looks (struct ranges) --- */

void ld_disc_ranges_free(struct ranges *r)
{
	region_free(&r->data);
	region_free(&r->noptrdata);
	region_free(&r->bss);
	region_free(&r->noptrbss);
}

static struct ld_error *read_range(const struct ld_discover_ctx *c,
				   int64_t lo_off, int64_t hi_off,
				   struct region *r)
{
	uint64_t md = c->rt->firstmoduledata + c->bias, lo, hi;
	struct ld_error *err;

	if (lo_off < 0 || hi_off < 0)
		return ld_error_create(LD_ERR_LOOKUP,
				       "no moduledata layout for %s",
				       c->rt->go_version);
	err = ld_mem_read_u64(c->mem, md + (uint64_t)lo_off, &lo);
	if (!err)
		err = ld_mem_read_u64(c->mem, md + (uint64_t)hi_off, &hi);
	if (!err)
		err = ld_disc_region_read(c, lo, hi, r);
	return err;
}

struct ld_error *ld_disc_ranges_read(const struct ld_discover_ctx *c,
				     struct ranges *r)
{
	const struct ld_rt_moduledata *o = &c->rt->md;
	struct ld_error *err;

	memset(r, 0, sizeof(*r));
	err = read_range(c, o->data, o->edata, &r->data);
	if (!err)
		err = read_range(c, o->noptrdata, o->enoptrdata, &r->noptrdata);
	if (!err)
		err = read_range(c, o->bss, o->ebss, &r->bss);
	if (!err)
		err = read_range(c, o->noptrbss, o->enoptrbss, &r->noptrbss);
	if (err) {
		ld_disc_ranges_free(r);
		return ld_error_wrap(err, "reading the runtime's data");
	}
	return NULL;
}

const struct region *ld_disc_range_of(const struct ranges *r, uint64_t addr,
				      uint64_t len)
{
	const struct region *all[] = {
		&r->data, &r->noptrdata, &r->bss, &r->noptrbss,
	};

	for (size_t i = 0; i < 4; i++)
		if (region_has(all[i], addr, len))
			return all[i];
	return NULL;
}

/* --- Data addresses in a function's code (the arch decodes it) --- */

/* End of function f: where find_func stops answering f (binary search). */
static uint64_t func_end(const struct ld_discover_ctx *c,
			 const struct ld_func *f)
{
	uint64_t lo = f->entry, hi = f->entry + MAX_CODE;
	struct ld_func g;

	if (c->etext > lo && hi > c->etext)
		hi = c->etext;
	/* invariant: lo is inside f, hi is not (or the bound) */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (ld_pcln_find_func(c->pcln, mid, &g) && g.entry == f->entry)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* The named function's code (malloc'd) and its entry; false if absent. */
static bool func_code(const struct ld_discover_ctx *c, const char *name,
		      uint8_t **code, size_t *n, uint64_t *entry)
{
	struct ld_func f;

	if (!ld_pcln_find_func_by_name(c->pcln, name, &f))
		return false;
	*n = func_end(c, &f) - f.entry;
	*entry = f.entry;
	*code = *n ? malloc(*n) : NULL;
	if (*code && read_ok(c, f.entry, *code, *n))
		return true;
	free(*code);
	return false;
}

bool ld_disc_func_refs(const struct ld_discover_ctx *c, const char *name,
		       uint64_t *out, uint8_t *kind, size_t max, size_t *k)
{
	uint64_t entry;
	uint8_t *code;
	size_t n;

	*k = 0;
	if (!func_code(c, name, &code, &n, &entry))
		return false;
	*k = c->arch->code_refs(code, n, entry, out, kind, max);
	free(code);
	return true;
}

/* Data addresses the named function's code names; 0 if it is not there. */
static size_t func_refs(const struct ld_discover_ctx *c, const char *name,
			uint64_t *out, size_t max)
{
	size_t k;

	ld_disc_func_refs(c, name, out, NULL, max, &k);
	return k;
}

/*
 * The length of the [N]string at addr as the code indexing it checks it
 * (the arch's index_bound): the largest such N in [lower, upper] in the
 * named functions, or 0.
 */
size_t ld_disc_len_from_code(const struct ld_discover_ctx *c,
			     const char *const *names, uint64_t addr,
			     size_t lower, size_t upper)
{
	size_t best = 0, b;

	for (size_t f = 0; names[f]; f++) {
		uint64_t entry;
		uint8_t *code;
		size_t n;

		if (!func_code(c, names[f], &code, &n, &entry))
			continue;
		b = c->arch->index_bound(code, n, entry, addr, lower, upper);
		if (b > best)
			best = b;
		free(code);
	}
	return best;
}


void ld_disc_refset_collect(const struct ld_discover_ctx *c,
			    const char *const *names, struct refset *rs)
{
	uint64_t *tmp = malloc(MAX_REFS * sizeof(*tmp));

	memset(rs, 0, sizeof(*rs));
	if (!tmp)
		return;
	for (size_t i = 0; names[i]; i++) {
		size_t k = func_refs(c, names[i], tmp, MAX_REFS);

		if (k)
			rs->nfuncs++;
		for (size_t j = 0; j < k; j++) {
			size_t m;
			bool dup = false;

			/* count each function once per address */
			for (size_t d = 0; d < j && !dup; d++)
				dup = tmp[d] == tmp[j];
			if (dup)
				continue;
			for (m = 0; m < rs->n && rs->addr[m] != tmp[j]; m++)
				;
			if (m == rs->n) {
				if (rs->n == MAX_REFS)
					continue;
				rs->addr[rs->n++] = tmp[j];
			}
			rs->count[m]++;
		}
	}
	free(tmp);
}
