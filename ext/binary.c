// SPDX-License-Identifier: MIT
/*
 * Executables on disk.  Everything is parsed once at open into small tables
 * (sections, PT_LOADs, the symbol table's location) so that lookups never
 * walk ELF headers again.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakdump/binary.h"

#define LD_MAX_NOTES	4096		/* per section or segment */
#define LD_GO_NOTE_BUILDID 4

struct bin_section {
	const char *name;		/* in the mapping */
	uint32_t type;
	uint64_t addr, size;
	const uint8_t *data;		/* NULL: NOBITS or past the file */
};

struct bin_load {
	uint64_t vaddr, filesz;
	const uint8_t *data;
};

struct bin_priv {
	struct ld_binary pub;
	struct bin_section *secs;
	size_t nsecs;
	struct bin_load *loads;
	size_t nloads;
	const uint8_t *syms;		/* .symtab entries, Elf64_Sym */
	size_t nsyms;
	const char *strtab;		/* its string table */
	size_t strsz;
};

static struct bin_priv *priv(const struct ld_binary *bin)
{
	return (struct bin_priv *)bin;
}

static bool in_file(const struct ld_binary *bin, uint64_t off, uint64_t len)
{
	return off <= bin->size && len <= bin->size - off;
}

void ld_binary_destroy(struct ld_binary *bin)
{
	struct bin_priv *p = priv(bin);

	if (!bin)
		return;
	if (bin->elf)
		elf_end(bin->elf);
	if (bin->map)
		munmap((void *)bin->map, bin->size);
	if (bin->fd >= 0)
		close(bin->fd);
	free(bin->path);
	free(bin->go_build_id);
	free(p->secs);
	free(p->loads);
	free(p);
}

static struct ld_error *format_error(const struct ld_binary *bin,
				     const char *what)
{
	return ld_error_create(LD_ERR_FORMAT, "%s: %s", bin->path, what);
}

static struct ld_error *map_file(struct ld_binary *bin)
{
	struct stat st;
	void *map;

	bin->fd = open(bin->path, O_RDONLY | O_CLOEXEC);
	if (bin->fd < 0)
		return ld_error_os(errno, "opening %s", bin->path);
	if (fstat(bin->fd, &st) < 0)
		return ld_error_os(errno, "stat %s", bin->path);
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		return format_error(bin, "not an ELF file");
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, bin->fd, 0);
	if (map == MAP_FAILED)
		return ld_error_os(errno, "mapping %s", bin->path);
	bin->map = map;
	bin->size = st.st_size;
	return NULL;
}

static struct ld_error *check_ident(struct ld_binary *bin)
{
	const uint8_t *id = bin->map;
	GElf_Ehdr eh;

	if (memcmp(id, ELFMAG, SELFMAG) != 0)
		return format_error(bin, "not an ELF file");
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB)
		return format_error(bin, "not a 64-bit little-endian ELF file");
	elf_version(EV_CURRENT);
	bin->elf = elf_memory((char *)bin->map, bin->size);
	if (!bin->elf || elf_kind(bin->elf) != ELF_K_ELF ||
	    !gelf_getehdr(bin->elf, &eh))
		return format_error(bin, elf_errmsg(-1));
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return format_error(bin, "not an executable or shared object");
	bin->machine = eh.e_machine;
	bin->type = eh.e_type;
	bin->entry = eh.e_entry;
	return NULL;
}

static struct ld_error *read_loads(struct bin_priv *p)
{
	struct ld_binary *bin = &p->pub;
	size_t phnum, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(bin->elf, &phnum) != 0)
		return format_error(bin, elf_errmsg(-1));
	p->loads = calloc(phnum ? phnum : 1, sizeof(*p->loads));
	if (!p->loads)
		return &ld_error_nomem;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(bin->elf, i, &ph))
			return format_error(bin, elf_errmsg(-1));
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		if (!in_file(bin, ph.p_offset, ph.p_filesz) ||
		    ph.p_vaddr + ph.p_filesz < ph.p_vaddr)
			return format_error(bin, "PT_LOAD outside the file");
		p->loads[p->nloads++] = (struct bin_load){
			.vaddr = ph.p_vaddr, .filesz = ph.p_filesz,
			.data = bin->map + ph.p_offset,
		};
	}
	return NULL;
}

static bool note_name_is(const char *data, const GElf_Nhdr *nh, size_t noff,
			 const char *name)
{
	size_t len = strlen(name);

	return nh->n_namesz >= len + 1 && memcmp(data + noff, name, len) == 0 &&
	       data[noff + len] == '\0';
}

static struct ld_error *scan_notes(struct ld_binary *bin, Elf_Data *data)
{
	size_t off = 0, next, noff, doff, n;
	const char *raw = data->d_buf;
	GElf_Nhdr nh;

	for (n = 0; n < LD_MAX_NOTES; n++, off = next) {
		next = gelf_getnote(data, off, &nh, &noff, &doff);
		if (!next)
			break;
		if (nh.n_type == NT_GNU_BUILD_ID &&
		    note_name_is(raw, &nh, noff, "GNU") &&
		    !bin->gnu_build_id_len &&
		    nh.n_descsz <= sizeof(bin->gnu_build_id)) {
			memcpy(bin->gnu_build_id, raw + doff, nh.n_descsz);
			bin->gnu_build_id_len = nh.n_descsz;
		} else if (nh.n_type == LD_GO_NOTE_BUILDID &&
			   note_name_is(raw, &nh, noff, "Go") &&
			   !bin->go_build_id) {
			bin->go_build_id = strndup(raw + doff, nh.n_descsz);
			if (!bin->go_build_id)
				return &ld_error_nomem;
		}
	}
	return NULL;
}

static bool is_named(const struct bin_section *s, const char *name)
{
	return s->name && strcmp(s->name, name) == 0;
}

/* Remember where .symtab and its strings are; skip it if it is damaged. */
static void note_symtab(struct bin_priv *p, const GElf_Shdr *sh)
{
	struct ld_binary *bin = &p->pub;
	Elf_Scn *strscn = elf_getscn(bin->elf, sh->sh_link);
	GElf_Shdr strsh;

	if (!strscn || !gelf_getshdr(strscn, &strsh) ||
	    strsh.sh_type != SHT_STRTAB ||
	    !in_file(bin, sh->sh_offset, sh->sh_size) ||
	    !in_file(bin, strsh.sh_offset, strsh.sh_size) ||
	    sh->sh_entsize != sizeof(Elf64_Sym))
		return;
	p->syms = bin->map + sh->sh_offset;
	p->nsyms = sh->sh_size / sizeof(Elf64_Sym);
	p->strtab = (const char *)bin->map + strsh.sh_offset;
	p->strsz = strsh.sh_size;
	bin->has_symtab = true;
}

static struct ld_error *read_section(struct bin_priv *p, Elf_Scn *scn,
				     size_t shstrndx)
{
	struct ld_binary *bin = &p->pub;
	struct bin_section *s = &p->secs[p->nsecs];
	Elf_Data *data;
	GElf_Shdr sh;

	if (!gelf_getshdr(scn, &sh))
		return format_error(bin, elf_errmsg(-1));
	s->name = elf_strptr(bin->elf, shstrndx, sh.sh_name);
	s->type = sh.sh_type;
	s->addr = sh.sh_addr;
	s->size = sh.sh_size;
	if (sh.sh_type != SHT_NOBITS && in_file(bin, sh.sh_offset, sh.sh_size))
		s->data = bin->map + sh.sh_offset;
	p->nsecs++;
	if (sh.sh_type == SHT_SYMTAB && !bin->has_symtab)
		note_symtab(p, &sh);
	if (is_named(s, ".debug_info") || is_named(s, ".zdebug_info"))
		bin->has_dwarf = true;
	if (sh.sh_type == SHT_NOTE && s->data) {
		data = elf_getdata(scn, NULL);
		if (data)
			return scan_notes(bin, data);
	}
	return NULL;
}

static struct ld_error *read_sections(struct bin_priv *p)
{
	struct ld_binary *bin = &p->pub;
	size_t shnum, shstrndx;
	Elf_Scn *scn = NULL;
	struct ld_error *err;

	/* A binary stripped of section headers is still usable. */
	if (elf_getshdrnum(bin->elf, &shnum) != 0 ||
	    elf_getshdrstrndx(bin->elf, &shstrndx) != 0)
		return NULL;
	p->secs = calloc(shnum ? shnum : 1, sizeof(*p->secs));
	if (!p->secs)
		return &ld_error_nomem;
	while (p->nsecs < shnum && (scn = elf_nextscn(bin->elf, scn))) {
		err = read_section(p, scn, shstrndx);
		if (err)
			return err;
	}
	return NULL;
}

/* Without note sections, the build ids may still sit in PT_NOTE segments. */
static struct ld_error *read_note_segments(struct ld_binary *bin)
{
	size_t phnum, i;
	Elf_Data *data;
	GElf_Phdr ph;
	struct ld_error *err;

	if (elf_getphdrnum(bin->elf, &phnum) != 0)
		return NULL;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(bin->elf, i, &ph) || ph.p_type != PT_NOTE ||
		    !in_file(bin, ph.p_offset, ph.p_filesz))
			continue;
		data = elf_getdata_rawchunk(bin->elf, ph.p_offset, ph.p_filesz,
					    ph.p_align == 8 ? ELF_T_NHDR8 :
							      ELF_T_NHDR);
		if (!data)
			continue;
		err = scan_notes(bin, data);
		if (err)
			return err;
	}
	return NULL;
}

struct ld_error *ld_binary_open(const char *path, struct ld_binary **ret)
{
	struct bin_priv *p = calloc(1, sizeof(*p));
	struct ld_binary *bin;
	struct ld_error *err;

	if (!p)
		return &ld_error_nomem;
	bin = &p->pub;
	bin->fd = -1;
	bin->path = strdup(path);
	if (!bin->path) {
		ld_binary_destroy(bin);
		return &ld_error_nomem;
	}
	err = map_file(bin);
	if (!err)
		err = check_ident(bin);
	if (!err)
		err = read_loads(p);
	if (!err)
		err = read_sections(p);
	if (!err && !bin->gnu_build_id_len && !bin->go_build_id)
		err = read_note_segments(bin);
	if (err) {
		ld_binary_destroy(bin);
		return err;
	}
	*ret = bin;
	return NULL;
}

bool ld_binary_section(const struct ld_binary *bin, const char *name,
		       struct ld_section *ret)
{
	const struct bin_priv *p = priv(bin);
	size_t i;

	for (i = 0; i < p->nsecs; i++) {
		const struct bin_section *s = &p->secs[i];

		if (!is_named(s, name))
			continue;
		/* A section claiming bytes past the file is absent. */
		if (s->type != SHT_NOBITS && !s->data)
			return false;
		*ret = (struct ld_section){
			.addr = s->addr, .size = s->size, .data = s->data,
		};
		return true;
	}
	return false;
}

bool ld_binary_section_at(const struct ld_binary *bin, uint64_t addr,
			  struct ld_section *ret)
{
	const struct bin_priv *p = priv(bin);

	for (size_t i = 0; i < p->nsecs; i++) {
		const struct bin_section *s = &p->secs[i];

		if (s->type == SHT_NOBITS || !s->data || !s->addr ||
		    addr < s->addr || addr - s->addr >= s->size)
			continue;
		*ret = (struct ld_section){
			.addr = s->addr, .size = s->size, .data = s->data,
		};
		return true;
	}
	return false;
}

struct ld_error *ld_binary_symbol(const struct ld_binary *bin,
				  const char *name, uint64_t *addr,
				  uint64_t *size)
{
	const struct bin_priv *p = priv(bin);
	size_t len = strlen(name), i;
	Elf64_Sym sym;

	/* Entry 0 is the reserved null symbol. */
	for (i = 1; i < p->nsyms; i++) {
		memcpy(&sym, p->syms + i * sizeof(sym), sizeof(sym));
		if (sym.st_name >= p->strsz || len >= p->strsz - sym.st_name ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		if (memcmp(p->strtab + sym.st_name, name, len + 1) != 0)
			continue;
		if (addr)
			*addr = sym.st_value;
		if (size)
			*size = sym.st_size;
		return NULL;
	}
	return ld_error_create(LD_ERR_LOOKUP, "symbol %s not found in %s",
			       name, bin->path);
}

const uint8_t *ld_binary_vaddr_data(const struct ld_binary *bin,
				    uint64_t addr, size_t len)
{
	const struct bin_priv *p = priv(bin);
	size_t i;

	for (i = 0; i < p->nloads; i++) {
		const struct bin_load *l = &p->loads[i];

		if (addr >= l->vaddr && addr - l->vaddr <= l->filesz &&
		    len <= l->filesz - (addr - l->vaddr))
			return l->data + (addr - l->vaddr);
	}
	return NULL;
}

struct ld_error *ld_binary_add_segments(const struct ld_binary *bin,
					struct ld_mem *mem, uint64_t bias)
{
	const struct bin_priv *p = priv(bin);
	struct ld_error *err;
	size_t i;

	for (i = 0; i < p->nloads; i++) {
		err = ld_mem_add_buffer(mem, p->loads[i].vaddr + bias,
					p->loads[i].data, p->loads[i].filesz);
		if (err)
			return err;
	}
	return NULL;
}
