// SPDX-License-Identifier: MIT
/*
 * Step 1 of discovery (overview in discover_common.h): runtime.firstmoduledata,
 * the moduledata whose first word points at the pclntab's pcHeader and
 * whose text and data bounds are the executable's sections.
 */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/target/binary.h"
#include "go/discover_common.h"

#define PCLN_MAGIC	0xfffffff1u

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

	err = ld_disc_region_read(c, addr + c->bias, addr + c->bias + size, &r);
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
