// SPDX-License-Identifier: MIT
/*
 * Executables on disk.  Everything is parsed once at open into small tables
 * (sections, PT_LOADs, the symbol table's location) so that lookups never
 * walk ELF headers again.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakdump/target/binary.h"

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
	ld_binary_destroy(bin->debug);
	free(bin->path);
	free(bin->go_build_id);
	free(bin->debuglink);
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

	/* A debug file's segments describe bytes it does not have. */
	if (bin->debug_only)
		return NULL;
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

bool ld_debuglink_parse(const uint8_t *data, size_t size, const char **name,
			uint32_t *crc)
{
	const uint8_t *nul;
	size_t off;

	if (!data || !size)
		return false;
	nul = memchr(data, '\0', size);
	if (!nul || nul == data)
		return false;
	off = ((size_t)(nul - data) + 1 + 3) & ~(size_t)3;
	if (off > size || size - off < 4)
		return false;
	*name = (const char *)data;
	*crc = (uint32_t)data[off] | (uint32_t)data[off + 1] << 8 |
	       (uint32_t)data[off + 2] << 16 | (uint32_t)data[off + 3] << 24;
	return true;
}

/* A malformed .gnu_debuglink is ignored, as GDB ignores it. */
static struct ld_error *read_debuglink(struct ld_binary *bin,
				       const struct bin_section *s)
{
	const char *name;
	uint32_t crc;

	if (!ld_debuglink_parse(s->data, s->size, &name, &crc))
		return NULL;
	bin->debuglink = strdup(name);
	if (!bin->debuglink)
		return &ld_error_nomem;
	bin->debuglink_crc = crc;
	return NULL;
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
	if (is_named(s, ".gnu_debuglink") && s->data && !bin->debuglink)
		return read_debuglink(bin, s);
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

static struct ld_error *open_binary(const char *path, bool debug_only,
				    struct ld_binary **ret)
{
	struct bin_priv *p = calloc(1, sizeof(*p));
	struct ld_binary *bin;
	struct ld_error *err;

	if (!p)
		return &ld_error_nomem;
	bin = &p->pub;
	bin->fd = -1;
	bin->debug_only = debug_only;
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

struct ld_error *ld_binary_open(const char *path, struct ld_binary **ret)
{
	return open_binary(path, false, ret);
}

struct ld_error *ld_binary_open_debug(const char *path,
				      struct ld_binary **ret)
{
	return open_binary(path, true, ret);
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

bool ld_binary_symbol_at(const struct ld_binary *bin, uint64_t addr,
			 const char **name, uint64_t *start)
{
	const struct bin_priv *p = priv(bin);
	Elf64_Sym sym;

	for (size_t i = 1; i < p->nsyms; i++) {
		memcpy(&sym, p->syms + i * sizeof(sym), sizeof(sym));
		if (ELF64_ST_TYPE(sym.st_info) != STT_OBJECT ||
		    sym.st_shndx == SHN_UNDEF || addr < sym.st_value ||
		    addr - sym.st_value >= (sym.st_size ? sym.st_size : 1) ||
		    sym.st_name >= p->strsz ||
		    !memchr(p->strtab + sym.st_name, 0,
			    p->strsz - sym.st_name))
			continue;
		*name = p->strtab + sym.st_name;
		*start = sym.st_value;
		return true;
	}
	return bin->debug && ld_binary_symbol_at(bin->debug, addr, name, start);
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

/* The reflected CRC-32 (polynomial 0xedb88320) of zlib and gnu_debuglink. */
static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba,
	0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
	0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
	0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de,
	0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec,
	0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
	0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
	0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940,
	0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116,
	0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
	0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
	0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a,
	0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818,
	0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
	0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
	0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c,
	0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2,
	0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
	0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
	0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086,
	0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4,
	0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
	0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
	0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8,
	0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe,
	0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
	0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
	0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252,
	0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60,
	0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
	0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
	0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04,
	0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a,
	0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
	0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
	0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e,
	0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c,
	0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
	0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
	0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0,
	0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6,
	0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
	0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t ld_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

char *ld_build_id_path(const char *dir, const uint8_t *id, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *path, *q;
	size_t dlen;

	if (!dir || !id || len < 2 || len > 256)
		return NULL;
	dlen = strlen(dir);
	/* DIR "/.build-id/" xx "/" yyyy ".debug" NUL */
	path = malloc(dlen + 11 + 2 * len + 1 + 6 + 1);
	if (!path)
		return NULL;
	memcpy(path, dir, dlen);
	q = path + dlen;
	memcpy(q, "/.build-id/", 11);
	q += 11;
	for (size_t i = 0; i < len; i++) {
		*q++ = hex[id[i] >> 4];
		*q++ = hex[id[i] & 0xf];
		if (i == 0)
			*q++ = '/';
	}
	memcpy(q, ".debug", 7);
	return path;
}

/* The state of one search for a separate debug file. */
struct debug_search {
	struct ld_binary *bin;
	struct stat exe_st;		/* never take the executable */
	bool have_st;
	struct ld_error *rejected;	/* the first candidate turned down */
};

static bool same_build_id(const struct ld_binary *a,
			  const struct ld_binary *b)
{
	return a->gnu_build_id_len &&
	       a->gnu_build_id_len == b->gnu_build_id_len &&
	       memcmp(a->gnu_build_id, b->gnu_build_id,
		      a->gnu_build_id_len) == 0;
}

static void reject(struct debug_search *ds, const char *path,
		   const char *why)
{
	if (!ds->rejected)
		ds->rejected = ld_error_create(LD_ERR_MISMATCH,
					       "separate debug file %s ignored: %s",
					       path, why);
}

/*
 * Open and validate one candidate; on success it becomes ds->bin->debug.
 * Only running out of memory is an error: anything else just rules the
 * candidate out.
 */
static struct ld_error *try_debug(struct debug_search *ds, const char *path,
				  bool by_build_id)
{
	struct ld_binary *bin = ds->bin, *dbg = NULL;
	const char *why = NULL;
	struct ld_error *err;
	struct stat st;

	if (bin->debug || !path)
		return path ? NULL : &ld_error_nomem;
	if (stat(path, &st) != 0)
		return NULL;		/* not there: nothing to say */
	if (ds->have_st && st.st_dev == ds->exe_st.st_dev &&
	    st.st_ino == ds->exe_st.st_ino)
		return NULL;
	err = ld_binary_open_debug(path, &dbg);
	if (err == &ld_error_nomem)
		return err;
	if (err) {
		reject(ds, path, err->message);
		ld_error_destroy(err);
		return NULL;
	}
	if (by_build_id) {
		if (!same_build_id(bin, dbg))
			why = "its build id differs from the executable's";
	} else if (!same_build_id(bin, dbg) &&
		   ld_crc32(0, dbg->map, dbg->size) != bin->debuglink_crc) {
		why = "its CRC32 does not match the executable's .gnu_debuglink";
	}
	if (!why && !dbg->has_dwarf && !dbg->has_symtab)
		why = "it has neither DWARF nor a symbol table";
	if (why) {
		reject(ds, path, why);
		ld_binary_destroy(dbg);
		return NULL;
	}
	bin->debug = dbg;
	return NULL;
}

/* Call fn(ds, DIR) for each non-empty DIR of a colon-separated list. */
static struct ld_error *each_dir(struct debug_search *ds, const char *dirs,
				 struct ld_error *(*fn)(struct debug_search *,
							const char *,
							const void *),
				 const void *arg)
{
	struct ld_error *err = NULL;
	char *copy, *dir, *save = NULL;

	copy = strdup(dirs && *dirs ? dirs : LD_DEBUG_FILE_DIRECTORY);
	if (!copy)
		return &ld_error_nomem;
	for (dir = strtok_r(copy, ":", &save); dir && !err && !ds->bin->debug;
	     dir = strtok_r(NULL, ":", &save))
		err = fn(ds, dir, arg);
	free(copy);
	return err;
}

static struct ld_error *try_build_id(struct debug_search *ds,
				     const char *dir, const void *arg)
{
	const struct ld_binary *bin = ds->bin;
	char *path = ld_build_id_path(dir, bin->gnu_build_id,
				      bin->gnu_build_id_len);
	struct ld_error *err = try_debug(ds, path, true);

	free(path);
	return err;
}

/* DIR + the executable's absolute directory + "/" + the debuglink name. */
static struct ld_error *try_global_link(struct debug_search *ds,
					const char *dir, const void *arg)
{
	const char *const *exe_dirs = arg;
	struct ld_error *err = NULL;
	char *path;

	for (size_t i = 0; i < 2 && !err; i++) {
		if (!exe_dirs[i] || exe_dirs[i][0] != '/')
			continue;
		if (asprintf(&path, "%s%s/%s", dir, exe_dirs[i],
			     ds->bin->debuglink) < 0)
			return &ld_error_nomem;
		err = try_debug(ds, path, false);
		free(path);
	}
	return err;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, slash - path);
}

static struct ld_error *try_debuglink(struct debug_search *ds,
				      const char *dirs)
{
	const char *link = ds->bin->debuglink;
	char *dir, *canon = NULL, *real, *path = NULL;
	const char *exe_dirs[2];
	struct ld_error *err;

	dir = dir_of(ds->bin->path);
	if (!dir)
		return &ld_error_nomem;
	real = realpath(ds->bin->path, NULL);
	if (real) {
		canon = dir_of(real);
		free(real);
	}
	if (asprintf(&path, "%s/%s", dir, link) < 0)
		path = NULL;
	err = try_debug(ds, path, false);
	free(path);
	if (!err) {
		if (asprintf(&path, "%s/.debug/%s", dir, link) < 0)
			path = NULL;
		err = try_debug(ds, path, false);
		free(path);
	}
	exe_dirs[0] = dir;
	exe_dirs[1] = canon && strcmp(canon, dir) ? canon : NULL;
	if (!err && !ds->bin->debug)
		err = each_dir(ds, dirs, try_global_link, exe_dirs);
	free(canon);
	free(dir);
	return err;
}

struct ld_error *ld_binary_find_debug(struct ld_binary *bin,
				      const char *debug_dirs)
{
	struct debug_search ds = { .bin = bin };
	struct ld_error *err = NULL;

	if (bin->debug)
		return NULL;
	ds.have_st = bin->fd >= 0 && fstat(bin->fd, &ds.exe_st) == 0;
	if (bin->gnu_build_id_len >= 2)
		err = each_dir(&ds, debug_dirs, try_build_id, NULL);
	if (!err && !bin->debug && bin->debuglink)
		err = try_debuglink(&ds, debug_dirs);
	if (err || bin->debug) {
		ld_error_destroy(ds.rejected);
		return err;
	}
	if (ds.rejected)
		return ds.rejected;
	return ld_error_create(LD_ERR_LOOKUP, "no separate debug file for %s",
			       bin->path);
}
