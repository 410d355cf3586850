// SPDX-License-Identifier: MIT
/*
 * Step 2 of discovery, optional (overview in discover_common.h): the
 * runtime's off-heap roots that --prove walks as structures
 * (ext/prove/offheap.c): allfin (the finalizer queue's blocks),
 * gcCleanups (Go 1.25+, the cleanup queue's) and allp (the tiny blocks).
 *
 * Each is found by how the runtime's code uses it, then checked by what it
 * holds.  A wrong address here would hide a queued finalizer or cleanup
 * from the mark and turn a live goroutine into a false leak, so a
 * candidate is taken only when it is the one the code singles out, or
 * when every candidate left holds nil (then the queue is empty whichever
 * of them the variable is).  Otherwise the address stays 0 and --prove
 * sweeps off-heap memory conservatively instead (ext/prove/roots.c).
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/arch/arch.h"
#include "go/discover_common.h"

#define MAX_CHAIN	(1u << 16)	/* blocks checked in one queue */
#define MAX_PS		(1u << 16)	/* runtime.allp entries */
#define ANY_KIND	0xff

/* The data references of one function, with how each is used. */
struct uses {
	uint64_t addr[MAX_REFS];
	uint8_t kind[MAX_REFS];
	size_t n;
};

static bool uses_read(const struct ld_discover_ctx *c, const char *name,
		      struct uses *u)
{
	return ld_disc_func_refs(c, name, u->addr, u->kind, MAX_REFS, &u->n);
}

/* Does u use a as kind (ANY_KIND: in any way)? */
static bool uses_has(const struct uses *u, uint64_t a, uint8_t kind)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->addr[i] == a && (kind == ANY_KIND || u->kind[i] == kind))
			return true;
	return false;
}

/* A chain of off-heap blocks: link and count offsets, entries per block. */
struct chain {
	int64_t link, count;
	uint64_t max;
};

/*
 * Is the word at a (in bss or noptrbss: pointers to not-in-heap types are
 * no pointers to the GC) nil, or the head of a chain of blocks outside the
 * module's data whose counts fit, ending within MAX_CHAIN blocks?  *empty
 * says it was nil.
 */
static bool chain_ok(const struct ld_discover_ctx *c, const struct ranges *rg,
		     uint64_t a, const struct chain *ch, bool *empty)
{
	uint64_t b, next;
	uint32_t n, i;

	if ((a & 7) || !(region_u64(c, &rg->bss, a, &b) ||
			 region_u64(c, &rg->noptrbss, a, &b)))
		return false;
	*empty = !b;
	for (i = 0; b && i < MAX_CHAIN; i++) {
		if ((b & 7) || ld_disc_range_of(rg, b, 8) ||
		    !read_ok(c, b + (uint64_t)ch->count, &n, 4) ||
		    n > ch->max ||
		    !read_ok(c, b + (uint64_t)ch->link, &next, 8))
			return false;
		b = next;
	}
	return !b;
}

/*
 * The choice among the candidates that passed their check: the only one,
 * or, when all hold nil, the first (an empty queue whichever it is).
 */
struct pick {
	uint64_t first;
	unsigned int n;
	bool all_empty;
};

static void pick_add(struct pick *p, uint64_t a, bool empty)
{
	if (!p->n++) {
		p->first = a;
		p->all_empty = empty;
	} else {
		p->all_empty &= empty;
	}
}

static uint64_t pick_result(const struct pick *p)
{
	return p->n == 1 || (p->n && p->all_empty) ? p->first : 0;
}

/* Candidates, each once. */
struct cands {
	uint64_t addr[MAX_REFS];
	size_t n;
};

static void cands_add(struct cands *cs, uint64_t a)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->addr[i] == a)
			return;
	if (cs->n < MAX_REFS)
		cs->addr[cs->n++] = a;
}

/* --- allfin --- */

/* Go 1.25 renamed finblock to finBlock (same layout). */
static bool finblock_chain(const struct ld_rt *rt, struct chain *ch)
{
	const struct ld_rt_roots *r = &rt->roots;
	bool old = r->finblock_fin >= 0;
	int64_t fin = old ? r->finblock_fin : r->finblock2_fin;
	uint64_t size = old ? r->finblock_size : r->finblock2_size;

	ch->link = old ? r->finblock_alllink : r->finblock2_alllink;
	ch->count = old ? r->finblock_cnt : r->finblock2_cnt;
	if (ch->link < 0 || ch->count < 0 || fin < 0 || !r->finalizer_size ||
	    size <= (uint64_t)fin)
		return false;
	ch->max = (size - (uint64_t)fin) / r->finalizer_size;
	return true;
}

/*
 * queuefinalizer reads allfin and writes it (finc.alllink = allfin;
 * allfin = finc); markroot reads it to walk the blocks.  finc and finq are
 * written there too, but markroot does not read them (Go 1.21-1.27).  An
 * arch that cannot tell loads from stores leaves the weaker test: every
 * user names it (iterate_finq, when the linker kept it, too).
 */
static struct ld_error *find_allfin(const struct ld_discover_ctx *c,
				    const struct ranges *rg, uint64_t *out)
{
	struct uses *u = malloc(3 * sizeof(*u));
	struct cands *cs = malloc(sizeof(*cs));
	struct uses *q = u, *m = u + 1, *it = u + 2;
	struct pick p = { 0 };
	struct chain ch;
	bool has_it, empty;

	*out = 0;
	if (!u || !cs) {
		free(u);
		free(cs);
		return &ld_error_nomem;
	}
	cs->n = 0;
	if (!finblock_chain(c->rt, &ch) ||
	    !uses_read(c, "runtime.queuefinalizer", q) ||
	    !uses_read(c, "runtime.markroot", m))
		goto out;
	has_it = uses_read(c, "runtime.iterate_finq", it);
	for (size_t i = 0; i < q->n; i++) {
		uint64_t a = q->addr[i];

		if (q->kind[i] == LD_REF_LOAD &&
		    uses_has(q, a, LD_REF_STORE) &&
		    uses_has(m, a, LD_REF_LOAD))
			cands_add(cs, a);
	}
	for (size_t i = 0; !cs->n && i < q->n; i++) {
		uint64_t a = q->addr[i];

		if (uses_has(m, a, ANY_KIND) &&
		    (!has_it || uses_has(it, a, ANY_KIND)))
			cands_add(cs, a);
	}
	/*
	 * If allfin is non-nil it heads a chain of finblocks: a candidate
	 * that does not is not allfin.  If every one that does holds nil,
	 * allfin holds nil too, whichever of them it is: no finalizer was
	 * ever queued.
	 */
	for (size_t i = 0; i < cs->n; i++)
		if (chain_ok(c, rg, cs->addr[i], &ch, &empty))
			pick_add(&p, cs->addr[i], empty);
	*out = pick_result(&p);
out:
	free(u);
	free(cs);
	return NULL;
}

/* --- gcCleanups (Go 1.25+) --- */

/*
 * markroot reads gcCleanups.all (cleanupQueue.all: a field, so the code
 * names gcCleanups + cq_all); the sweeper's freeSpecial, activeSweep.end
 * and findRunnable take the queue's address for its methods (Go
 * 1.25-1.27).  A candidate is an address markroot loads whose struct start
 * at least two of those name.
 */
static const char *const cleanup_users[] = {
	"runtime.freeSpecial", "runtime.(*activeSweep).end",
	"runtime.findRunnable", NULL,
};

static struct ld_error *find_gc_cleanups(const struct ld_discover_ctx *c,
					 const struct ranges *rg,
					 uint64_t *out)
{
	const struct ld_rt_roots *r = &c->rt->roots;
	struct uses *m = malloc(sizeof(*m));
	struct refset *rs = malloc(sizeof(*rs));
	struct pick p = { 0 };
	struct chain ch;
	uint64_t entry = r->cleanupfn_size ? r->cleanupfn_size : 8;
	bool empty;

	*out = 0;
	if (!m || !rs) {
		free(m);
		free(rs);
		return &ld_error_nomem;
	}
	/* Go 1.25 queued a bare *funcval, 1.26 a cleanupFn. */
	if (!c->rt->cleanup_queue || r->cq_all < 0 || r->cb_alllink < 0 ||
	    r->cb_n < 0 || r->cb_cleanups < 0 ||
	    r->cleanupblock_size <= (uint64_t)r->cb_cleanups ||
	    !uses_read(c, "runtime.markroot", m))
		goto out;
	ch = (struct chain){ r->cb_alllink, r->cb_n,
			     (r->cleanupblock_size - (uint64_t)r->cb_cleanups) /
			     entry };
	ld_disc_refset_collect(c, cleanup_users, rs);
	for (size_t i = 0; i < m->n; i++) {
		uint64_t a = m->addr[i], base = a - (uint64_t)r->cq_all;
		bool named = false, dup = false;

		if (m->kind[i] != LD_REF_LOAD || a < (uint64_t)r->cq_all)
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = m->addr[j] == a && m->kind[j] == LD_REF_LOAD;
		for (size_t j = 0; j < rs->n && !named; j++)
			named = rs->addr[j] == base && rs->count[j] >= 2;
		if (dup || !named || !chain_ok(c, rg, a, &ch, &empty))
			continue;
		pick_add(&p, base, empty);
	}
	*out = pick_result(&p);
out:
	free(m);
	free(rs);
	return NULL;
}

/* --- allp --- */

/*
 * gcMarkTinyAllocs reads allp's array and length; procresize writes the
 * array.  The slice is checked whole: every P's id (its first field, an
 * int32, Go 1.21-1.27) is its index.  Skipping allp is sound (the tiny
 * blocks hold no pointers), so only a single candidate is taken.
 */
static bool allp_ok(const struct ld_discover_ctx *c, const struct ranges *rg,
		    uint64_t a)
{
	uint64_t hdr[3], pp;
	int32_t id;

	if ((a & 7) || !region_get(c, &rg->bss, a, hdr, 24) || !hdr[0] ||
	    (hdr[0] & 7) || ld_disc_range_of(rg, hdr[0], 8) || !hdr[1] ||
	    hdr[1] > hdr[2] || hdr[2] > MAX_PS)
		return false;
	for (uint64_t i = 0; i < hdr[1]; i++)
		if (!read_ok(c, hdr[0] + 8 * i, &pp, 8) || !pp || (pp & 7) ||
		    !read_ok(c, pp, &id, 4) || (uint64_t)id != i)
			return false;
	return true;
}

static struct ld_error *find_allp(const struct ld_discover_ctx *c,
				  const struct ranges *rg, uint64_t *out)
{
	struct uses *u = malloc(2 * sizeof(*u));
	struct uses *t = u, *pr = u + 1;
	uint64_t found = 0;
	int nfound = 0;

	*out = 0;
	if (!u)
		return &ld_error_nomem;
	if (!uses_read(c, "runtime.gcMarkTinyAllocs", t) ||
	    !uses_read(c, "runtime.procresize", pr))
		goto out;
	for (size_t i = 0; i < t->n; i++) {
		uint64_t a = t->addr[i];

		if (t->kind[i] != LD_REF_LOAD || a == found ||
		    !uses_has(t, a + 8, LD_REF_LOAD) ||
		    !uses_has(pr, a, LD_REF_STORE) || !allp_ok(c, rg, a))
			continue;
		found = a;
		nfound++;
	}
	*out = nfound == 1 ? found : 0;
out:
	free(u);
	return NULL;
}

struct ld_error *ld_disc_find_roots(const struct ld_discover_ctx *c,
				    const struct ranges *rg)
{
	struct ld_rt_roots *r = &c->rt->roots;
	struct ld_error *err;
	uint64_t a;

	err = find_allfin(c, rg, &a);
	if (err)
		return err;
	r->allfin = a ? a - c->bias : 0;
	err = find_gc_cleanups(c, rg, &a);
	if (err)
		return err;
	r->gc_cleanups = a ? a - c->bias : 0;
	err = find_allp(c, rg, &a);
	if (err)
		return err;
	r->allp = a ? a - c->bias : 0;
	return NULL;
}
