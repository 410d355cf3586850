// SPDX-License-Identifier: MIT
/*
 * Runtime globals in fully stripped binaries (-ldflags='-s -w').
 *
 * runtime.firstmoduledata: the moduledata's first word points at the
 * pcHeader, which starts the pclntab section (or is found by its magic).
 * Writable sections are read from the target (in a PIE the pointers are
 * relocated at load time) and every word equal to that address is a
 * candidate, accepted only when its text and data bounds are the
 * executable's section bounds.
 *
 * The other globals are found in the data and bss ranges the moduledata
 * gives, read from the target once per range:
 *
 *   - by content: waitReasonStrings and gStatusStrings are [N]string
 *     arrays with known leading texts; dbgvars is a []*dbgVar whose names
 *     are GODEBUG settings; isIdleInSynctest is a [N]bool whose pattern
 *     follows from the wait reason texts;
 *   - by code reference, then content: the runtime functions that touch
 *     allgs, allglen, sched.lastpoll and fingStatus (found by name in the
 *     pclntab) are decoded by the arch's code_refs, and each data address
 *     they name is checked against what the runtime keeps there;
 *   - mheap_ (optional): the heap code (spanOfHeap, findObject, ...) reads
 *     mheap_.arenas; a candidate is accepted when arenas[0] and the arena
 *     list beside it (allArenas, heapArenas in 1.25+) agree: every listed
 *     index has a heapArena, whose spans table holds mspans that cover
 *     their pages;
 *   - semtable (optional): semacquire1 and semrelease1 both index it; a
 *     candidate is accepted when each of its 251 roots is empty or holds
 *     a sudog waiting on an address that hashes to that root, with the
 *     padding after each root untouched.  An empty table is accepted too:
 *     the code names only one.
 *
 * The optional ones are taken only when exactly one candidate passes;
 * otherwise they stay 0 and what needs them says it is unavailable.
 *
 * All loops are bounded and all reads are checked: corrupt data gives an
 * LD_ERR_LOOKUP naming the variable, never a wrong address.
 */
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/arch/arch.h"
#include "leakdump/target/binary.h"
#include "leakdump/target/mem.h"
#include "leakdump/go/discover.h"
#include "leakdump/go/heapgeom.h"
#include "leakdump/go/pcln.h"
#include "leakdump/go/rt.h"
#include "leakdump/go/waitreason.h"

#define MAX_REGION	(1ull << 36)	/* sanity bound on one data range */
#define MAX_BULK	(64ull << 20)	/* larger ranges are read on demand */
#define PAGE		4096u
#define MAX_CODE	(64u << 10)	/* bytes of one function scanned */
#define MAX_REFS	512		/* data references per function */
#define MAX_NAMES	255		/* waitReason is a uint8 */
#define MAX_TEXT	64		/* longest name text accepted */
#define MAX_STATUS	64
#define G_SAMPLE	64		/* allgs entries checked */
#define PCLN_MAGIC	0xfffffff1u

/*
 * A range of target memory [lo, hi) (relocated), copied once; a range
 * larger than MAX_BULK (a program with a huge global array) is not copied
 * (buf NULL): its words are read on demand and it is not scanned.
 */
struct region {
	uint64_t lo, hi;
	uint8_t *buf;
};

static void region_free(struct region *r)
{
	free(r->buf);
	r->buf = NULL;
	r->lo = r->hi = 0;
}

/*
 * Copy [lo, hi) of the target.  One read for the range; if part of it is
 * unreadable (a core that left pages out), page by page, zero-filling what
 * cannot be read.  Ranges over MAX_BULK are left to region_get().
 */
static struct ld_error *region_read(const struct ld_discover_ctx *c,
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

static bool region_has(const struct region *r, uint64_t addr, uint64_t len)
{
	return addr >= r->lo && addr <= r->hi && len <= r->hi - addr;
}

/* A read whose failure only means "no". */
static bool read_ok(const struct ld_discover_ctx *c, uint64_t addr, void *buf,
		    size_t len)
{
	struct ld_error *err = ld_mem_read(c->mem, addr, buf, len);

	ld_error_destroy(err);
	return !err;
}

/* Bytes [addr, addr+len) of r, from the copy or from the target. */
static bool region_get(const struct ld_discover_ctx *c, const struct region *r,
		       uint64_t addr, void *out, size_t len)
{
	if (!region_has(r, addr, len))
		return false;
	if (!r->buf)
		return read_ok(c, addr, out, len);
	memcpy(out, r->buf + (addr - r->lo), len);
	return true;
}

static bool region_u64(const struct ld_discover_ctx *c, const struct region *r,
		       uint64_t addr, uint64_t *v)
{
	return region_get(c, r, addr, v, 8);
}

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

/* ------------------------------------------------------------------ */
/* Step 1: runtime.firstmoduledata */

static bool pcln_magic_at(const uint8_t *p)
{
	uint32_t magic;

	memcpy(&magic, p, 4);
	return magic == PCLN_MAGIC && !p[4] && !p[5] && p[6] == 1 && p[7] == 8;
}

#define MAX_PCLN_CANDIDATES 8

/* Unrelocated addresses where a pcHeader may start, best first. */
static size_t pclntab_candidates(const struct ld_binary *bin, uint64_t *out)
{
	static const char *const names[] = {
		".gopclntab", ".data.rel.ro.gopclntab",
	};
	struct ld_section sec;
	size_t n = 0, shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ld_binary_section(bin, names[i], &sec) && sec.data &&
		    sec.size >= 8 && pcln_magic_at(sec.data))
			out[n++] = sec.addr;
	if (n || !bin->elf || elf_getshdrstrndx(bin->elf, &shstrndx))
		return n;
	/* No named section: look for the magic in every allocated section. */
	while ((scn = elf_nextscn(bin->elf, scn)) && n < MAX_PCLN_CANDIDATES) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    !(sh.sh_flags & SHF_ALLOC) || !sh.sh_addr ||
		    (sh.sh_flags & SHF_EXECINSTR) ||
		    !ld_binary_section_at(bin, sh.sh_addr, &sec) ||
		    sec.addr != sh.sh_addr)
			continue;
		for (uint64_t o = 0; o + 64 <= sec.size &&
				     n < MAX_PCLN_CANDIDATES; o += 8)
			if (pcln_magic_at(sec.data + o))
				out[n++] = sec.addr + o;
	}
	return n;
}

static uint64_t md_size(const struct ld_rt_moduledata *md)
{
	const int64_t offs[] = {
		md->pc_header, md->ftab, md->text, md->etext, md->noptrdata,
		md->enoptrdata, md->data, md->edata, md->bss, md->ebss,
		md->noptrbss, md->enoptrbss, md->types, md->etypes,
		md->gofunc, md->next,
	};
	int64_t max = 0;

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		if (offs[i] > max)
			max = offs[i];
	return (uint64_t)max + 8;
}

static uint64_t md_field(const uint8_t *md, int64_t off)
{
	uint64_t v = 0;

	if (off >= 0)
		memcpy(&v, md + off, 8);
	return v;
}

/* Does the section, if the binary has it, span exactly [lo, hi)? */
static bool section_matches(const struct ld_discover_ctx *c, const char *name,
			    uint64_t lo, uint64_t hi, int *matched)
{
	struct ld_section sec;

	if (!ld_binary_section(c->bin, name, &sec))
		return true;
	/* Externally linked (cgo) binaries: C data may sit around Go's. */
	if (lo < sec.addr + c->bias || hi > sec.addr + sec.size + c->bias ||
	    hi < lo)
		return false;
	(*matched)++;
	return true;
}

/* Is the moduledata copy md (read from the target) runtime.firstmoduledata? */
static bool md_valid(const struct ld_discover_ctx *c, const uint8_t *md)
{
	const struct ld_rt_moduledata *o = &c->rt->md;
	uint64_t text = md_field(md, o->text), etext = md_field(md, o->etext);
	struct ld_section sec;
	int matched = 0;

	if (!ld_binary_section(c->bin, ".text", &sec) ||
	    /* External linking puts C code before and after Go's text. */
	    text < sec.addr + c->bias || text > sec.addr + c->bias + PAGE ||
	    etext <= text || etext > sec.addr + sec.size + c->bias)
		return false;
	if (!section_matches(c, ".noptrdata", md_field(md, o->noptrdata),
			     md_field(md, o->enoptrdata), &matched) ||
	    !section_matches(c, ".data", md_field(md, o->data),
			     md_field(md, o->edata), &matched) ||
	    !section_matches(c, ".bss", md_field(md, o->bss),
			     md_field(md, o->ebss), &matched) ||
	    !section_matches(c, ".noptrbss", md_field(md, o->noptrbss),
			     md_field(md, o->enoptrbss), &matched))
		return false;
	/* No data section at all to compare with: check the order instead. */
	if (!matched)
		return md_field(md, o->noptrdata) <= md_field(md, o->data) &&
		       md_field(md, o->data) <= md_field(md, o->edata) &&
		       md_field(md, o->edata) <= md_field(md, o->bss) &&
		       md_field(md, o->bss) <= md_field(md, o->ebss);
	return true;
}

/* Search the writable section [addr, addr+size) for the moduledata. */
static struct ld_error *md_search_section(const struct ld_discover_ctx *c,
					  uint64_t addr, uint64_t size,
					  const uint64_t *pchdr, size_t npchdr,
					  bool *found)
{
	uint64_t msize = md_size(&c->rt->md), w;
	struct ld_error *err;
	struct region r;
	uint8_t *md;

	err = region_read(c, addr + c->bias, addr + c->bias + size, &r);
	if (err)
		return err;
	if (!r.buf)
		return NULL;	/* too big to hold a moduledata worth finding */
	md = malloc(msize);
	if (!md) {
		region_free(&r);
		return &ld_error_nomem;
	}
	for (uint64_t o = 0; o + 8 <= size && !*found; o += 8) {
		bool hit = false;

		memcpy(&w, r.buf + o, 8);
		for (size_t i = 0; i < npchdr; i++)
			hit |= w == pchdr[i] + c->bias;
		if (!hit || (uint64_t)c->rt->md.pc_header > o)
			continue;
		/* The moduledata may run past the section: read it whole. */
		if (read_ok(c, r.lo + o - (uint64_t)c->rt->md.pc_header, md,
			    msize) && md_valid(c, md)) {
			c->rt->firstmoduledata = addr + o -
						 (uint64_t)c->rt->md.pc_header;
			*found = true;
		}
	}
	free(md);
	region_free(&r);
	return NULL;
}

struct ld_error *ld_discover_moduledata(const struct ld_discover_ctx *c)
{
	uint64_t pchdr[MAX_PCLN_CANDIDATES];
	struct ld_error *err = NULL;
	size_t npchdr, shstrndx;
	Elf_Scn *scn = NULL;
	bool found = false;
	GElf_Shdr sh;

	if (c->rt->md.pc_header < 0 || c->rt->md.text < 0 ||
	    c->rt->md.etext < 0)
		return ld_error_create(LD_ERR_LOOKUP,
				       "runtime.firstmoduledata: no moduledata layout for %s",
				       c->rt->go_version);
	npchdr = pclntab_candidates(c->bin, pchdr);
	if (!npchdr)
		return ld_error_create(LD_ERR_LOOKUP,
				       "%s: no pclntab (no .gopclntab section and no pcHeader magic)",
				       c->bin->path);
	if (!c->bin->elf || elf_getshdrstrndx(c->bin->elf, &shstrndx))
		return ld_error_create(LD_ERR_FORMAT, "%s: no section headers",
				       c->bin->path);
	while (!err && !found && (scn = elf_nextscn(c->bin->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    (sh.sh_flags & (SHF_ALLOC | SHF_WRITE)) !=
			    (SHF_ALLOC | SHF_WRITE) ||
		    !sh.sh_addr || sh.sh_size > MAX_REGION)
			continue;
		err = md_search_section(c, sh.sh_addr, sh.sh_size, pchdr,
					npchdr, &found);
	}
	if (err)
		return ld_error_wrap(err, "looking for runtime.firstmoduledata");
	if (!found)
		return ld_error_create(LD_ERR_LOOKUP,
				       "runtime.firstmoduledata not found in stripped %s (no moduledata points at the pclntab and matches the sections)",
				       c->bin->path);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Step 2: the runtime's globals */

/* The moduledata's data ranges, read from the target. */
struct ranges {
	struct region data, noptrdata, bss, noptrbss;
};

static void ranges_free(struct ranges *r)
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
		err = region_read(c, lo, hi, r);
	return err;
}

static struct ld_error *ranges_read(const struct ld_discover_ctx *c,
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
		ranges_free(r);
		return ld_error_wrap(err, "reading the runtime's data");
	}
	return NULL;
}

static const struct region *range_of(const struct ranges *r, uint64_t addr,
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

/* Data addresses the named function's code names; 0 if it is not there. */
static size_t func_refs(const struct ld_discover_ctx *c, const char *name,
			uint64_t *out, size_t max)
{
	uint64_t entry;
	uint8_t *code;
	size_t n, k;

	if (!func_code(c, name, &code, &n, &entry))
		return 0;
	k = c->arch->code_refs(code, n, entry, out, max);
	free(code);
	return k;
}

/*
 * The length of the [N]string at addr as the code indexing it checks it
 * (the arch's index_bound): the largest such N in [lower, upper] in the
 * named functions, or 0.
 */
static size_t len_from_code(const struct ld_discover_ctx *c,
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

/*
 * Addresses referenced by the named functions, with how many of them
 * reference each one.
 */
struct refset {
	uint64_t addr[MAX_REFS];
	unsigned int count[MAX_REFS];
	size_t n;
	unsigned int nfuncs;	/* functions found */
};

static void refset_collect(const struct ld_discover_ctx *c,
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

/* --- allgs, allglen --- */

/* Is the slice header at addr (in r) runtime.allgs?  Sets *len. */
static bool allgs_valid(const struct ld_discover_ctx *c,
			const struct ranges *rg, uint64_t addr, uint64_t *len)
{
	const struct ld_rt_g *o = &c->rt->g;
	uint64_t hdr[3], ptrs[G_SAMPLE], n, word;
	const struct region *r = range_of(rg, addr, 24);
	bool goid1 = false;
	uint32_t status;

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
		uint64_t g = ptrs[i], lo, hi;

		if (!g || (g & 7) ||
		    !read_ok(c, g + (uint64_t)o->stack_lo, &lo, 8) ||
		    !read_ok(c, g + (uint64_t)o->stack_hi, &hi, 8) ||
		    !read_ok(c, g + (uint64_t)o->atomicstatus, &status, 4) ||
		    !read_ok(c, g + (uint64_t)o->goid, &word, 8))
			return false;
		if (lo > hi || hi - lo > (1ull << 32) ||
		    (status & ~(uint32_t)c->rt->g_scan) > 32)
			return false;
		goid1 |= word == 1;
	}
	*len = hdr[1];
	return goid1;
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
	refset_collect(c, allgs_users, rs);
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
					      a + 24 <= rg->bss.hi &&
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

	if (!rs)
		return &ld_error_nomem;
	refset_collect(c, allglen_users, rs);
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
	refset_collect(c, names, rs);
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

/* --- optional: mheap_, semtable --- */

#define ARENA_L2_LEN	(1ull << LD_HEAP_ARENA_L2_BITS)
#define ARENA_CHECK	1024	/* arena list entries checked */
#define SPAN_SAMPLE	32	/* spans checked in the first arena */
#define MAX_SPAN_PAGES	((1ull << 48) / LD_HEAP_PAGE_SIZE)
#define SEMTAB_LEN	251	/* runtime.semTabSize, 1.21-1.27 */
#define MAX_SUDOG	256

/*
 * The one address referenced by at least min of the named functions that
 * ok() accepts; 0 if there is none, or several.
 */
static uint64_t unique_ref(const struct ld_discover_ctx *c,
			   const char *const *names, unsigned int min,
			   const struct ranges *rg,
			   bool (*ok)(const struct ld_discover_ctx *,
				      const struct ranges *, uint64_t))
{
	struct refset *rs = malloc(sizeof(*rs));
	uint64_t found = 0;
	int nfound = 0;

	if (!rs)
		return 0;
	refset_collect(c, names, rs);
	for (size_t i = 0; i < rs->n && nfound < 2; i++) {
		if (rs->count[i] < min || !ok(c, rg, rs->addr[i]))
			continue;
		found = rs->addr[i];
		nfound++;
	}
	free(rs);
	return nfound == 1 ? found : 0;
}

/* mheap.allArenas (1.21-1.24) or heapArenas (1.25+); -1 if neither. */
static int64_t arena_list_off(const struct ld_rt_heap *l)
{
	return l->all_arenas >= 0 ? l->all_arenas : l->heap_arenas;
}

/*
 * A sample of the spans table of arena ri (heapArena ha): every entry is
 * 0 or a readable mspan with a page-aligned start and a sane page count,
 * and at least one of them covers the page it is listed for.  Pages freed
 * since keep stale entries (the mspan may now describe another range), so
 * not all of them need to.
 */
static bool spans_ok(const struct ld_discover_ctx *c, uint64_t ri, uint64_t ha)
{
	const struct ld_rt_heap *l = &c->rt->heap;
	size_t bytes = LD_HEAP_PAGES_PER_ARENA * 8;
	uint64_t *tab = malloc(bytes), base = ld_heap_arena_base(ri), prev = 0;
	unsigned int seen = 0, good = 0;
	bool ok;

	if (!tab)
		return false;
	ok = read_ok(c, ha + (uint64_t)l->ha_spans, tab, bytes);
	for (uint64_t p = 0; ok && p < LD_HEAP_PAGES_PER_ARENA &&
			     seen < SPAN_SAMPLE; p++) {
		uint64_t sp = tab[p], start, npages;
		uint64_t at = base + p * LD_HEAP_PAGE_SIZE;

		if (!sp || sp == prev)
			continue;
		prev = sp;
		seen++;
		ok = !(sp & 7) &&
		     read_ok(c, sp + (uint64_t)l->span_start_addr, &start, 8) &&
		     read_ok(c, sp + (uint64_t)l->span_npages, &npages, 8) &&
		     start && !(start % LD_HEAP_PAGE_SIZE) && npages &&
		     npages <= MAX_SPAN_PAGES;
		good += ok && start <= at &&
			at - start < npages * LD_HEAP_PAGE_SIZE;
	}
	free(tab);
	return ok && good;
}

/*
 * The n arena indexes at list are each below the index length and have a
 * heapArena in the second-level index l2; the first arena's spans are
 * checked too.
 */
static bool arenas_ok(const struct ld_discover_ctx *c, uint64_t l2,
		      uint64_t list, uint64_t n)
{
	size_t k = n < ARENA_CHECK ? n : ARENA_CHECK;
	uint64_t *idx = malloc(k * 8), ha, first = 0;
	bool ok;

	if (!idx)
		return false;
	ok = read_ok(c, list, idx, k * 8);
	for (size_t i = 0; ok && i < k; i++) {
		ok = idx[i] < ARENA_L2_LEN &&
		     read_ok(c, l2 + idx[i] * 8, &ha, 8) && ha && !(ha & 7);
		if (!i)
			first = ha;
	}
	ok = ok && spans_ok(c, idx[0], first);
	free(idx);
	return ok;
}

/*
 * Is a (in bss) mheap_.arenas?  Then mheap_.arenas[0] is the second-level
 * index, and the arena list beside it is a slice of indexes, each of which
 * has a heapArena there.
 */
static bool arenas_ref_ok(const struct ld_discover_ctx *c,
			  const struct ranges *rg, uint64_t a)
{
	const struct ld_rt_heap *l = &c->rt->heap;
	uint64_t off = (uint64_t)l->arenas, mheap = a - off, l2, hdr[3];

	if ((a & 7) || a < off || !region_has(&rg->bss, mheap, 8) ||
	    !region_u64(c, &rg->bss, a, &l2) ||
	    !region_get(c, &rg->bss, mheap + (uint64_t)arena_list_off(l),
			hdr, 24))
		return false;
	if (!l2 || (l2 & 7) || !hdr[0] || (hdr[0] & 7) || !hdr[1] ||
	    hdr[1] > hdr[2] || hdr[2] > ARENA_L2_LEN)
		return false;
	return arenas_ok(c, l2, hdr[0], hdr[1]);
}

/* Runtime functions that read mheap_.arenas, not inlined in 1.21-1.27. */
static const char *const arenas_users[] = {
	"runtime.spanOfHeap", "runtime.findObject", "runtime.greyobject",
	"runtime.markrootSpans", "runtime.(*mheap).initSpan",
	"runtime.(*mheap).freeSpanLocked", NULL,
};

static void find_mheap(const struct ld_discover_ctx *c, const struct ranges *rg)
{
	const struct ld_rt_heap *l = &c->rt->heap;
	uint64_t a;

	if (l->arenas < 0 || arena_list_off(l) < 0 || l->ha_spans < 0 ||
	    l->span_start_addr < 0 || l->span_npages < 0)
		return;
	a = unique_ref(c, arenas_users, 2, rg, arenas_ref_ok);
	if (a)
		c->rt->heap.mheap = a - (uint64_t)l->arenas - c->bias;
}

/*
 * Root i of the semtable (entry e): an empty treap, or one whose root
 * sudog waits on an address that hashes to i, with a waiter count to
 * match.  The padding after the semaRoot is never written.
 */
static bool sema_root_ok(const struct ld_discover_ctx *c, const uint8_t *e,
			 uint64_t entry, size_t i)
{
	const struct ld_rt_blocking *k = &c->rt->blk;
	uint64_t at = (uint64_t)k->semaroot_treap, treap, g, elem;
	uint8_t sg[MAX_SUDOG];
	uint32_t nwait;

	for (uint64_t o = at + 16; o < entry; o++)
		if (e[o])
			return false;
	memcpy(&treap, e + at, 8);
	memcpy(&nwait, e + at + 8, 4);
	if (!treap)
		return nwait < (1u << 31);
	if ((treap & 7) || !nwait || nwait >= (1u << 31) ||
	    !read_ok(c, treap, sg, k->sudog_size))
		return false;
	memcpy(&g, sg + k->sudog_g, 8);
	memcpy(&elem, sg + (k->sudog_elem_vu >= 0 ? k->sudog_elem_vu :
						    k->sudog_elem), 8);
	return g && !(g & 7) && elem && (elem >> 3) % SEMTAB_LEN == i;
}

/* Is a (in bss) the semtable: [251]struct{root semaRoot; pad}? */
static bool semtable_ok(const struct ld_discover_ctx *c,
			const struct ranges *rg, uint64_t a)
{
	uint64_t size = c->rt->blk.semtable_size, entry = size / SEMTAB_LEN;
	uint8_t *tab;
	bool ok;

	if ((a & 7) || !region_has(&rg->bss, a, size))
		return false;
	tab = malloc(size);
	if (!tab)
		return false;
	ok = region_get(c, &rg->bss, a, tab, size);
	for (size_t i = 0; ok && i < SEMTAB_LEN; i++)
		ok = sema_root_ok(c, tab + i * entry, entry, i);
	free(tab);
	return ok;
}

/* semacquire1 and semrelease1 both index it (semTable.rootFor inlined). */
static const char *const semtable_users[] = {
	"runtime.semacquire1", "runtime.semrelease1", NULL,
};

static void find_semtable(const struct ld_discover_ctx *c,
			  const struct ranges *rg)
{
	const struct ld_rt_blocking *k = &c->rt->blk;
	uint64_t a;

	if (k->semaroot_treap < 0 || k->semtable_size % SEMTAB_LEN ||
	    k->semtable_size / SEMTAB_LEN < (uint64_t)k->semaroot_treap + 16 ||
	    k->sudog_g < 0 || k->sudog_elem < 0 ||
	    !k->sudog_size || k->sudog_size > MAX_SUDOG ||
	    (uint64_t)k->sudog_g + 8 > k->sudog_size ||
	    (uint64_t)k->sudog_elem + 8 > k->sudog_size ||
	    (k->sudog_elem_vu >= 0 &&
	     (uint64_t)k->sudog_elem_vu + 8 > k->sudog_size))
		return;
	a = unique_ref(c, semtable_users, 2, rg, semtable_ok);
	if (a)
		c->rt->semtable = a - c->bias;
}

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

	for (uint64_t a = r->lo; r->buf && a + 16 * nhead <= r->hi &&
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
	code = len_from_code(c, wait_users, addr, 20, count);
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
	code = len_from_code(c, status_users, addr, 6, count);
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

		for (uint64_t a = r->lo; r->buf && a + len <= r->hi &&
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

	if (!region_get(c, &rg->data, a, hdr, 24) || hdr[1] < 4 || hdr[1] > 256 || hdr[1] != hdr[2] ||
	    !range_of(rg, hdr[0], hdr[1] * 8) ||
	    !read_ok(c, hdr[0], ptrs, hdr[1] * 8))
		return false;
	for (uint64_t i = 0; i < hdr[1]; i++) {
		if (!range_of(rg, ptrs[i] + (uint64_t)c->rt->dbgvar_name, 16) ||
		    !read_ok(c, ptrs[i] + (uint64_t)c->rt->dbgvar_name, sv,
			     16) ||
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
	for (uint64_t a = r->lo; r->buf && a + 24 <= r->hi && nfound < 2;
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
	err = ranges_read(c, &rg);
	if (err) {
		free(texts);
		return err;
	}
	err = find_wait_reasons(c, &rg, texts);
	if (!err)
		err = find_status_names(c, &rg);
	if (!err)
		err = find_allgs(c, &rg, &len);
	if (!err)
		err = find_allglen(c, &rg, len);
	if (!err) {
		a = common_ref(c, lastpoll_users, &rg, lastpoll_ok);
		c->rt->sched = a ? a - (uint64_t)c->rt->sched_lastpoll -
				   c->bias : 0;
		a = common_ref(c, fing_users, &rg, fing_ok);
		c->rt->fing_status = a ? a - c->bias : 0;
		find_dbgvars(c, &rg);
		find_idle_in_synctest(c, &rg, texts);
		find_mheap(c, &rg);
		find_semtable(c, &rg);
	}
	ranges_free(&rg);
	free(texts);
	return err;
}
