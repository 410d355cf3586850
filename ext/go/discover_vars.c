// SPDX-License-Identifier: MIT
/*
 * Step 2 of discovery (overview in discover_common.h): the runtime's globals in
 * the moduledata's data ranges.  allgs, allglen, sched and fingStatus
 * are found through the runtime functions whose code names them; the
 * string tables, isIdleInSynctest and dbgvars by their content.  The
 * heap's (mheap_, semtable) are in discover_heap.c, the off-heap roots'
 * (allfin, gcCleanups, allp) in discover_roots.c.
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/target/binary.h"
#include "leakdump/go/waitreason.h"
#include "go/discover_common.h"

#define MAX_NAMES	255		/* waitReason is a uint8 */
#define MAX_TEXT	64		/* longest name text accepted */
#define MAX_STATUS	64
#define G_SAMPLE	64		/* allgs entries checked */

static bool printable(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return false;
	return true;
}

/*
 * The Go string (ptr, len) as text, if it is 1..MAX_TEXT printable bytes
 * in readable memory.  out has room for MAX_TEXT + 1.
 */
static bool go_text(const struct ld_discover_ctx *c, uint64_t ptr, uint64_t len,
		    char *out)
{
	if (!len || len > MAX_TEXT || !ptr || !read_ok(c, ptr, out, len))
		return false;
	out[len] = 0;
	return printable(out, len);
}

static bool go_text_is(const struct ld_discover_ctx *c, uint64_t ptr,
		       uint64_t len, const char *want)
{
	char buf[MAX_TEXT + 1];

	return len == strlen(want) && go_text(c, ptr, len, buf) &&
	       !strcmp(buf, want);
}

/* --- allgs, allglen --- */

/* Does the g at addr look like one: sane stack bounds and status?  Sets
 * *goid (0 when unreadable). */
static bool g_plausible(const struct ld_discover_ctx *c, uint64_t g,
			uint64_t *goid)
{
	const struct ld_rt_g *o = &c->rt->g;
	uint64_t lo, hi;
	uint32_t status;

	*goid = 0;
	if (!g || (g & 7) || !read_ok(c, g + (uint64_t)o->goid, goid, 8))
		return false;
	if (!read_ok(c, g + (uint64_t)o->stack_lo, &lo, 8) ||
	    !read_ok(c, g + (uint64_t)o->stack_hi, &hi, 8) ||
	    !read_ok(c, g + (uint64_t)o->atomicstatus, &status, 4))
		return false;
	return lo <= hi && hi - lo <= (1ull << 32) &&
	       (status & ~(uint32_t)c->rt->g_scan) <= 32;
}

/*
 * Is the slice header at addr (in r) runtime.allgs?  Sets *len.  A damaged
 * g must cost one goroutine, not the dump: most sampled entries must look
 * like gs (not all), and one of them must be goroutine 1.
 */
static bool allgs_valid(const struct ld_discover_ctx *c,
			const struct ranges *rg, uint64_t addr, uint64_t *len)
{
	uint64_t hdr[3], ptrs[G_SAMPLE], n, goid;
	const struct region *r = ld_disc_range_of(rg, addr, 24);
	unsigned int good = 0;
	bool goid1 = false;

	if (!r || r != &rg->bss || (addr & 7) ||
	    !region_get(c, r, addr, hdr, 24))
		return false;
	if (!hdr[0] || (hdr[0] & 7) || !hdr[1] || hdr[1] > hdr[2] ||
	    hdr[2] > (1ull << 32))
		return false;
	n = hdr[1] < G_SAMPLE ? hdr[1] : G_SAMPLE;
	if (!read_ok(c, hdr[0], ptrs, n * 8))
		return false;
	for (uint64_t i = 0; i < n; i++) {
		good += g_plausible(c, ptrs[i], &goid);
		goid1 |= goid == 1;
	}
	*len = hdr[1];
	return goid1 && 2 * good > n;
}

static const char *const allgs_users[] = {
	"runtime.allgadd", "runtime.forEachG", "runtime.checkdead",
	NULL,
};
static const char *const allglen_users[] = {
	"runtime.allgadd", "runtime.forEachGRace", "runtime.atomicAllG",
	NULL,
};

static struct ld_error *find_allgs(const struct ld_discover_ctx *c,
				   const struct ranges *rg, uint64_t *len)
{
	struct refset *rs = malloc(sizeof(*rs));
	uint64_t found = 0, l;
	int nfound = 0;

	if (!rs)
		return &ld_error_nomem;
	ld_disc_refset_collect(c, allgs_users, rs);
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->addr[i] == found || !allgs_valid(c, rg, rs->addr[i], &l))
			continue;
		found = rs->addr[i];
		*len = l;
		nfound++;
	}
	free(rs);
	if (!nfound) {
		/* No code to follow: every slice in bss, checked the same way. */
		for (uint64_t a = rg->bss.lo; rg->bss.buf &&
					      region_has(&rg->bss, a, 24) &&
					      nfound < 2; a += 8) {
			uint64_t hdr[3];

			memcpy(hdr, rg->bss.buf + (a - rg->bss.lo), 24);
			if (!hdr[0] || (hdr[0] & 7) || !hdr[1] ||
			    hdr[1] > hdr[2] || hdr[2] > (1ull << 32) ||
			    !allgs_valid(c, rg, a, &l))
				continue;
			found = a;
			*len = l;
			nfound++;
		}
	}
	if (nfound != 1)
		return ld_error_create(LD_ERR_LOOKUP,
				       "runtime.allgs not found in stripped %s (%s)",
				       c->bin ? c->bin->path : "binary",
				       nfound ? "several candidates" :
						"no []*g slice holding goroutine 1");
	c->rt->allgs = found - c->bias;
	return NULL;
}

static struct ld_error *find_allglen(const struct ld_discover_ctx *c,
				     const struct ranges *rg, uint64_t len)
{
	struct refset *rs = malloc(sizeof(*rs));
	uint64_t allgs = c->rt->allgs + c->bias, best = 0, v;
	unsigned int best_score = 0;
	int ties = 0;

	c->rt->allglen = 0;
	if (!rs)
		return &ld_error_nomem;
	ld_disc_refset_collect(c, allglen_users, rs);
	for (size_t i = 0; i < rs->n; i++) {
		uint64_t a = rs->addr[i];
		unsigned int score;

		if ((a & 7) || (a >= allgs && a < allgs + 24) ||
		    !region_u64(c, &rg->noptrbss, a, &v) || !v)
			continue;
		/* allglen == len(allgs), or nearly so on a running target */
		if (v > len + 1024 || v + 1024 < len)
			continue;
		score = 2 * rs->count[i] + (v == len);
		if (score > best_score) {
			best_score = score;
			best = a;
			ties = 0;
		} else if (score == best_score) {
			ties++;
		}
	}
	free(rs);
	if (!best || ties)
		return ld_error_create(LD_ERR_LOOKUP,
				       "runtime.allglen not found in stripped binary (%s)",
				       best ? "several candidates" :
					      "no word equal to len(allgs) used by runtime.allgadd");
	c->rt->allglen = best - c->bias;
	return NULL;
}

/* --- optional: sched, fingStatus --- */

/*
 * The address referenced by the most of the named functions (at least
 * two), accepted by ok(); 0 if none or a tie.
 */
static uint64_t common_ref(const struct ld_discover_ctx *c,
			   const char *const *names, const struct ranges *rg,
			   bool (*ok)(const struct ld_discover_ctx *,
				      const struct ranges *, uint64_t))
{
	struct refset *rs = malloc(sizeof(*rs));
	unsigned int best_count = 2;
	uint64_t best = 0;
	int ties = 0;

	if (!rs)
		return 0;
	ld_disc_refset_collect(c, names, rs);
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->count[i] < best_count || !ok(c, rg, rs->addr[i]))
			continue;
		if (rs->count[i] > best_count || !best) {
			best_count = rs->count[i];
			best = rs->addr[i];
			ties = 0;
		} else {
			ties++;
		}
	}
	free(rs);
	return ties ? 0 : best;
}

/* sched.lastpoll: in bss, a nanotime or 0; goidgen (sched+0) counts up. */
static bool lastpoll_ok(const struct ld_discover_ctx *c,
			const struct ranges *rg, uint64_t a)
{
	uint64_t v, goidgen;

	if ((a & 7) || a < (uint64_t)c->rt->sched_lastpoll ||
	    !region_u64(c, &rg->bss, a, &v) || (int64_t)v < 0)
		return false;
	if (c->rt->sched_lastpoll == 8)
		return region_u64(c, &rg->bss, a - 8, &goidgen) &&
		       goidgen > 0 &&
		       goidgen < (1ull << 48);
	return true;
}

/* fingStatus: a uint32 in noptrbss holding only fing* bits. */
static bool fing_ok(const struct ld_discover_ctx *c, const struct ranges *rg,
		    uint64_t a)
{
	uint32_t v;

	return !(a & 3) && region_get(c, &rg->noptrbss, a, &v, 4) && v < 32;
}

static const char *const lastpoll_users[] = {
	"runtime.pollWork", "runtime.wakeNetPoller", "runtime.handoffp",
	"runtime.sysmon", NULL,
};
static const char *const fing_users[] = {
	"runtime.isSystemGoroutine", "runtime.createfing",
	"runtime.queuefinalizer", "runtime.finalizercommit",
	"runtime.runfinq", "runtime.runFinalizers", "runtime.wakefing",
	NULL,
};

/* --- by content: string tables --- */

/*
 * Find [N]string arrays in r whose leading entries are the texts given
 * (NULL for an entry that must be ""); returns the number of matches and
 * the first in *ret.
 */
static int find_string_array(const struct ld_discover_ctx *c,
			     const struct region *r, const char *const *head,
			     size_t nhead, uint64_t *ret)
{
	int found = 0;

	for (uint64_t a = r->lo; r->buf && region_has(r, a, 16 * nhead) &&
				 found < 2; a += 8) {
		const uint8_t *p = r->buf + (a - r->lo);
		uint64_t w[2];
		size_t i;

		/* cheap test first: every length */
		for (i = 0; i < nhead; i++) {
			memcpy(w, p + 16 * i, 16);
			if (w[1] != (head[i] ? strlen(head[i]) : 0) ||
			    (!head[i] && w[0]))
				break;
		}
		if (i < nhead)
			continue;
		for (i = 0; i < nhead; i++) {
			memcpy(w, p + 16 * i, 16);
			if (head[i] && !go_text_is(c, w[0], w[1], head[i]))
				break;
		}
		if (i < nhead)
			continue;
		if (!found)
			*ret = a;
		found++;
	}
	return found;
}

/*
 * Entries of the [N]string at addr in r that are texts (or "" where
 * allow_empty), up to max; trailing "" entries do not count.  Texts are
 * copied into texts[i] when texts is not NULL.
 */
static size_t string_array_len(const struct ld_discover_ctx *c,
			       const struct region *r, uint64_t addr,
			       size_t first, size_t max, bool allow_empty,
			       char (*texts)[MAX_TEXT + 1])
{
	size_t n = first, last = first;
	uint64_t w[2];
	char buf[MAX_TEXT + 1];

	for (; n < max && region_get(c, r, addr + 16 * n, w, 16); n++) {
		if (!w[1] && !w[0] && allow_empty) {
			if (texts)
				texts[n][0] = 0;
			continue;
		}
		if (!go_text(c, w[0], w[1], buf))
			break;
		if (texts)
			memcpy(texts[n], buf, w[1] + 1);
		last = n + 1;
	}
	return last;
}

/* The first wait reasons in every release (ext/go/waitreason.c). */
static const char *const wait_head[] = {
	NULL, "GC assist marking", "IO wait",
};
static const char *const status_head[] = {
	"idle", "runnable", "running", "syscall", "waiting",
};

static const char *const wait_users[] = {
	"runtime.goroutineheader", "runtime.waitReason.String",
	"runtime.(*waitReason).String", NULL,
};
static const char *const status_users[] = {
	"runtime.goroutineheader", NULL,
};

static struct ld_error *find_wait_reasons(const struct ld_discover_ctx *c,
					  const struct ranges *rg,
					  char (*texts)[MAX_TEXT + 1])
{
	uint64_t addr = 0;
	int n = find_string_array(c, &rg->data, wait_head, 3, &addr);
	size_t count, code;

	if (n != 1)
		return ld_error_create(LD_ERR_LOOKUP,
				       "runtime.waitReasonStrings not found in stripped binary (%s)",
				       n ? "several candidates" :
					   "no [N]string starting \"\", \"GC assist marking\", \"IO wait\"");
	texts[0][0] = 0;
	/* No wait reason but the first is "": stop at the next "". */
	count = string_array_len(c, &rg->data, addr, 1, MAX_NAMES, false,
				 texts);
	/* The array may be followed by more texts: the code knows its end. */
	code = ld_disc_len_from_code(c, wait_users, addr, 20, count);
	c->rt->wait_reason_count = code ? code : count;
	c->rt->wait_reason_strings = addr - c->bias;
	return NULL;
}

static struct ld_error *find_status_names(const struct ld_discover_ctx *c,
					  const struct ranges *rg)
{
	uint64_t addr = 0;
	int n = find_string_array(c, &rg->data, status_head, 5, &addr);
	size_t count, code;

	if (n != 1)
		return ld_error_create(LD_ERR_LOOKUP,
				       "runtime.gStatusStrings not found in stripped binary (%s)",
				       n ? "several candidates" :
					   "no [N]string starting \"idle\", \"runnable\", \"running\"");
	count = string_array_len(c, &rg->data, addr, 5, MAX_STATUS, true,
				 NULL);
	code = ld_disc_len_from_code(c, status_users, addr, 6, count);
	c->rt->g_status_count = code ? code : count;
	c->rt->g_status_strings = addr - c->bias;
	return NULL;
}

/* --- by content: isIdleInSynctest --- */

/*
 * isIdleInSynctest is [len(waitReasonStrings)]bool (Go 1.24+); its
 * expected bytes follow from the texts (ext/go/waitreason.c).
 */
static void find_idle_in_synctest(const struct ld_discover_ctx *c,
				  const struct ranges *rg,
				  char (*texts)[MAX_TEXT + 1])
{
	size_t n = c->rt->wait_reason_count, len = 0;
	uint8_t want[MAX_NAMES];
	const struct ld_wait_reason *wr[MAX_NAMES] = { NULL };
	unsigned int flags = 0;
	const struct region *rs[] = { &rg->noptrdata, &rg->data };
	uint64_t found = 0;
	int nfound = 0;

	for (size_t i = 1; i < n; i++) {
		wr[i] = ld_wait_reason_find(texts[i]);
		flags |= wr[i] ? wr[i]->flags : 0;
	}
	if (!(flags & LD_WR_SYNCTEST))
		return;
	for (size_t i = 0; i < n; i++) {
		want[i] = i && ld_wait_reason_idle_in_synctest(wr[i],
					flags & LD_WR_DURABLE_TWIN);
		if (want[i])
			len = i + 1;	/* compare up to the last true */
	}
	for (size_t k = 0; k < 2; k++) {
		const struct region *r = rs[k];

		for (uint64_t a = r->lo; r->buf && region_has(r, a, len) &&
					 nfound < 2; a++)
			if (!memcmp(r->buf + (a - r->lo), want, len)) {
				found = a;
				nfound++;
			}
	}
	if (nfound == 1)
		c->rt->is_idle_in_synctest = found - c->bias;
}

/* --- by content: dbgvars --- */

static bool dbgvar_name_ok(const char *t)
{
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') ||
		      *t == '_' || *t == '.'))
			return false;
	return true;
}

/* Is the slice at a a []*dbgVar: GODEBUG names, among them "gctrace"? */
static bool dbgvars_valid(const struct ld_discover_ctx *c,
			  const struct ranges *rg, uint64_t a)
{
	uint64_t hdr[3], ptrs[256], sv[2];
	char name[MAX_TEXT + 1];
	bool gctrace = false;

	if (!region_get(c, &rg->data, a, hdr, 24) || hdr[1] < 4 ||
	    hdr[1] > 256 || hdr[1] != hdr[2] ||
	    !ld_disc_range_of(rg, hdr[0], hdr[1] * 8) ||
	    !read_ok(c, hdr[0], ptrs, hdr[1] * 8))
		return false;
	for (uint64_t i = 0; i < hdr[1]; i++) {
		uint64_t name_at = ptrs[i] + (uint64_t)c->rt->dbgvar_name;

		if (!ld_disc_range_of(rg, name_at, 16) ||
		    !read_ok(c, name_at, sv, 16) ||
		    !go_text(c, sv[0], sv[1], name) || !dbgvar_name_ok(name))
			return false;
		gctrace |= !strcmp(name, "gctrace");
	}
	return gctrace;
}

static void find_dbgvars(const struct ld_discover_ctx *c,
			 const struct ranges *rg)
{
	const struct region *r = &rg->data;
	uint64_t found = 0;
	int nfound = 0;

	if (c->rt->dbgvar_name < 0 || c->rt->dbgvar_atomic < 0)
		return;
	for (uint64_t a = r->lo; r->buf && region_has(r, a, 24) && nfound < 2;
	     a += 8) {
		uint64_t hdr[3];

		memcpy(hdr, r->buf + (a - r->lo), 24);
		/* a static slice literal: len == cap, into the data */
		if (hdr[1] < 4 || hdr[1] > 256 || hdr[1] != hdr[2] ||
		    (hdr[0] & 7) || !region_has(r, hdr[0], hdr[1] * 8) ||
		    !dbgvars_valid(c, rg, a))
			continue;
		found = a;
		nfound++;
	}
	if (nfound == 1)
		c->rt->dbgvars = found - c->bias;
}

struct ld_error *ld_discover_runtime_vars(const struct ld_discover_ctx *c)
{
	char (*texts)[MAX_TEXT + 1] = calloc(MAX_NAMES, sizeof(*texts));
	struct ld_error *err;
	struct ranges rg;
	uint64_t len = 0, a;

	if (!texts)
		return &ld_error_nomem;
	err = ld_disc_ranges_read(c, &rg);
	if (err) {
		free(texts);
		return err;
	}
	err = find_wait_reasons(c, &rg, texts);
	if (!err)
		err = find_status_names(c, &rg);
	if (!err)
		err = find_allgs(c, &rg, &len);
	if (!err) {
		/* Damaged or not found: allgs' own length serves. */
		ld_error_destroy(find_allglen(c, &rg, len));
		a = common_ref(c, lastpoll_users, &rg, lastpoll_ok);
		c->rt->sched = a ? a - (uint64_t)c->rt->sched_lastpoll -
				   c->bias : 0;
		a = common_ref(c, fing_users, &rg, fing_ok);
		c->rt->fing_status = a ? a - c->bias : 0;
		/* Not found: --prove sweeps off-heap memory instead. */
		err = ld_disc_find_roots(c, &rg);
	}
	if (!err) {
		find_dbgvars(c, &rg);
		find_idle_in_synctest(c, &rg, texts);
		ld_disc_find_mheap(c, &rg);
		ld_disc_find_semtable(c, &rg);
	}
	ld_disc_ranges_free(&rg);
	free(texts);
	return err;
}
