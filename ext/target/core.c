// SPDX-License-Identifier: MIT
/*
 * ELF core files, as written by the Linux kernel or by GDB's gcore.  The
 * program headers give the saved memory; the notes give threads, the
 * process name, the mapped files and the auxiliary vector.  Every length
 * in a note is checked against the note before it is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakdump/target/core.h"

#define LD_MAX_NOTES		(1u << 20)	/* per PT_NOTE */
#define LD_PRSTATUS_PID		32
#define LD_PRSTATUS_REGS	112
#define LD_PRPSINFO_PID		24
#define LD_PRPSINFO_FNAME	40
#define LD_PRPSINFO_PSARGS	56
#define LD_PRPSINFO_SIZE	136
#define LD_NT_FILE_HEADER	16
#define LD_NT_FILE_ENTRY	24
#define LD_GO_NOTE_BUILDID	4
#define LD_SAMPLE_BYTES		(64u << 10)	/* per range */
#define LD_SAMPLE_RANGES	16
#define LD_MISMATCH_WHY		"core was dumped from another executable:"
#define LD_HOLE_WHY		"not saved in core"
#define LD_TRUNC_WHY		"not saved in core (core file truncated)"

struct core_load {
	uint64_t vaddr, memsz;
	uint64_t filesz;		/* as the header says, <= memsz */
	uint64_t saved;			/* bytes present in the file */
	const uint8_t *data;
	uint32_t flags;			/* PF_R | PF_W | PF_X */
};

struct core_priv {
	struct ld_core pub;
	Elf *elf;
	struct core_load *loads;
	size_t nloads;
	unsigned int nregs;		/* registers in NT_PRSTATUS pr_reg */
	bool have_prpsinfo;
	bool have_files;
	size_t threads_cap;
};

struct note {
	uint32_t type;
	const char *name;
	uint32_t namesz;
	const uint8_t *desc;
	uint32_t descsz;
};

static struct core_priv *priv(const struct ld_core *core)
{
	return (struct core_priv *)core;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void ld_core_destroy(struct ld_core *core)
{
	struct core_priv *p = priv(core);
	size_t i;

	if (!core)
		return;
	if (p->elf)
		elf_end(p->elf);
	if (core->map)
		munmap((void *)core->map, core->size);
	if (core->fd >= 0)
		close(core->fd);
	for (i = 0; i < core->nfiles; i++)
		free(core->files[i].path);
	free(core->files);
	free(core->threads);
	free(core->path);
	free(p->loads);
	free(p);
}

static struct ld_error *format_error(const struct ld_core *core,
				     const char *what)
{
	return ld_error_create(LD_ERR_FORMAT, "%s: %s", core->path, what);
}

static struct ld_error *map_file(struct ld_core *core)
{
	struct stat st;
	void *map;

	core->fd = open(core->path, O_RDONLY | O_CLOEXEC);
	if (core->fd < 0)
		return ld_error_os(errno, "opening %s", core->path);
	if (fstat(core->fd, &st) < 0)
		return ld_error_os(errno, "stat %s", core->path);
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		return format_error(core, "not an ELF core file");
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, core->fd, 0);
	if (map == MAP_FAILED)
		return ld_error_os(errno, "mapping %s", core->path);
	core->map = map;
	core->size = st.st_size;
	return NULL;
}

static struct ld_error *check_ident(struct core_priv *p)
{
	struct ld_core *core = &p->pub;
	const uint8_t *id = core->map;
	const struct ld_arch *arch;
	GElf_Ehdr eh;

	if (memcmp(id, ELFMAG, SELFMAG) != 0)
		return format_error(core, "not an ELF file");
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB)
		return format_error(core,
				    "not a 64-bit little-endian ELF file");
	elf_version(EV_CURRENT);
	p->elf = elf_memory((char *)core->map, core->size);
	if (!p->elf || elf_kind(p->elf) != ELF_K_ELF ||
	    !gelf_getehdr(p->elf, &eh))
		return format_error(core, elf_errmsg(-1));
	if (eh.e_type != ET_CORE)
		return format_error(core, "not a core file (ELF type is not "
				    "ET_CORE)");
	core->machine = eh.e_machine;
	arch = ld_arch_for_machine(eh.e_machine);
	if (arch) {
		p->nregs = arch->nregs;
		return NULL;
	}
	/*
	 * No arm64 arch yet, but its cores are read so that one given with
	 * an amd64 executable is reported as a mismatch, as before.
	 */
	if (eh.e_machine == EM_AARCH64) {
		p->nregs = 34;	/* x0-x30, sp, pc, pstate */
		return NULL;
	}
	return ld_error_create(LD_ERR_UNSUPPORTED,
			       "%s: core for ELF machine %u is not supported",
			       core->path, eh.e_machine);
}

/*
 * Next note of buf at *off.  Returns 1 with *n filled, 0 at the end, -1 if
 * the note runs past the buffer.  Names and descriptors are padded to align.
 */
static int next_note(const uint8_t *buf, size_t size, size_t align,
		     size_t *off, struct note *n)
{
	size_t pos = *off, name, desc;

	if (pos >= size)
		return 0;
	if (size - pos < 12)
		return -1;
	n->namesz = get_u32(buf + pos);
	n->descsz = get_u32(buf + pos + 4);
	n->type = get_u32(buf + pos + 8);
	name = pos + 12;
	if (n->namesz > size - name)
		return -1;
	desc = (name + n->namesz + align - 1) & ~(align - 1);
	if (desc > size || n->descsz > size - desc)
		return -1;
	n->name = (const char *)buf + name;
	n->desc = buf + desc;
	*off = (desc + n->descsz + align - 1) & ~(align - 1);
	return 1;
}

static bool note_named(const struct note *n, const char *name)
{
	size_t len = strlen(name);

	return n->namesz >= len + 1 && memcmp(n->name, name, len) == 0 &&
	       n->name[len] == '\0';
}

static struct ld_error *add_thread(struct core_priv *p, const struct note *n)
{
	struct ld_core *core = &p->pub;
	struct ld_thread_regs *t;
	size_t need = LD_PRSTATUS_REGS + (size_t)p->nregs * 8, cap;

	if (n->descsz < need)
		return format_error(core, "NT_PRSTATUS note too short");
	if (core->nthreads == p->threads_cap) {
		cap = p->threads_cap ? 2 * p->threads_cap : 16;
		t = realloc(core->threads, cap * sizeof(*t));
		if (!t)
			return &ld_error_nomem;
		core->threads = t;
		p->threads_cap = cap;
	}
	t = &core->threads[core->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tid = (int32_t)get_u32(n->desc + LD_PRSTATUS_PID);
	t->nregs = p->nregs;
	memcpy(t->regs, n->desc + LD_PRSTATUS_REGS, (size_t)p->nregs * 8);
	return NULL;
}

static struct ld_error *read_prpsinfo(struct core_priv *p,
				      const struct note *n)
{
	struct ld_core *core = &p->pub;
	size_t len;

	if (p->have_prpsinfo)
		return NULL;
	if (n->descsz < LD_PRPSINFO_SIZE)
		return format_error(core, "NT_PRPSINFO note too short");
	p->have_prpsinfo = true;
	core->pid = (int32_t)get_u32(n->desc + LD_PRPSINFO_PID);
	memcpy(core->fname, n->desc + LD_PRPSINFO_FNAME,
	       sizeof(core->fname) - 1);
	memcpy(core->psargs, n->desc + LD_PRPSINFO_PSARGS,
	       sizeof(core->psargs) - 1);
	/* The kernel joins arguments with spaces, leaving one at the end. */
	len = strlen(core->psargs);
	while (len && core->psargs[len - 1] == ' ')
		core->psargs[--len] = '\0';
	return NULL;
}

/* NT_FILE: count, page size, count {start, end, page offset}, paths. */
static struct ld_error *read_files(struct core_priv *p, const struct note *n)
{
	struct ld_core *core = &p->pub;
	const uint8_t *d = n->desc;
	uint64_t count, page, i;
	size_t pos, len;

	if (p->have_files)
		return NULL;
	p->have_files = true;
	if (n->descsz < LD_NT_FILE_HEADER)
		return format_error(core, "NT_FILE note too short");
	count = get_u64(d);
	page = get_u64(d + 8);
	if (count > (n->descsz - LD_NT_FILE_HEADER) / LD_NT_FILE_ENTRY)
		return format_error(core, "NT_FILE count exceeds the note");
	core->files = calloc(count ? count : 1, sizeof(*core->files));
	if (!core->files)
		return &ld_error_nomem;
	pos = LD_NT_FILE_HEADER + count * LD_NT_FILE_ENTRY;
	for (i = 0; i < count; i++) {
		const uint8_t *e = d + LD_NT_FILE_HEADER + i * LD_NT_FILE_ENTRY;
		struct ld_core_file *f = &core->files[i];
		const uint8_t *nul = memchr(d + pos, '\0', n->descsz - pos);

		if (!nul)
			return format_error(core,
					    "NT_FILE path not terminated");
		len = nul - (d + pos);
		f->start = get_u64(e);
		f->end = get_u64(e + 8);
		f->offset = get_u64(e + 16) * page;
		f->path = strndup((const char *)d + pos, len);
		if (!f->path)
			return &ld_error_nomem;
		core->nfiles++;
		pos += len + 1;
	}
	return NULL;
}

static void read_auxv(struct ld_core *core, const struct note *n)
{
	size_t i;

	for (i = 0; i + 16 <= n->descsz; i += 16) {
		uint64_t type = get_u64(n->desc + i);
		uint64_t val = get_u64(n->desc + i + 8);

		if (type == AT_NULL)
			break;
		if (type == AT_ENTRY)
			core->auxv_entry = val;
		else if (type == AT_PHDR)
			core->auxv_phdr = val;
	}
}

static struct ld_error *handle_note(struct core_priv *p, const struct note *n)
{
	if (!note_named(n, "CORE") && !note_named(n, "LINUX"))
		return NULL;
	switch (n->type) {
	case NT_PRSTATUS:
		return add_thread(p, n);
	case NT_PRPSINFO:
		return read_prpsinfo(p, n);
	case NT_FILE:
		return read_files(p, n);
	case NT_AUXV:
		if (!p->pub.auxv_entry && !p->pub.auxv_phdr)
			read_auxv(&p->pub, n);
		return NULL;
	}
	return NULL;
}

static struct ld_error *read_notes(struct core_priv *p, const GElf_Phdr *ph)
{
	struct ld_core *core = &p->pub;
	size_t align = ph->p_align == 8 ? 8 : 4, off = 0, i;
	const uint8_t *buf;
	struct ld_error *err;
	struct note n;
	int r;

	/* Checked before forming the pointer: a huge offset would wrap. */
	if (ph->p_offset > core->size ||
	    ph->p_filesz > core->size - ph->p_offset)
		return format_error(core, "PT_NOTE outside the file");
	buf = core->map + ph->p_offset;
	for (i = 0; i < LD_MAX_NOTES; i++) {
		r = next_note(buf, ph->p_filesz, align, &off, &n);
		if (r == 0)
			return NULL;
		if (r < 0)
			return format_error(core, "truncated note");
		err = handle_note(p, &n);
		if (err)
			return err;
	}
	return format_error(core, "too many notes");
}

static struct ld_error *add_load(struct core_priv *p, const GElf_Phdr *ph)
{
	struct ld_core *core = &p->pub;
	struct core_load *l = &p->loads[p->nloads];

	if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
		return format_error(core, "PT_LOAD wraps around");
	if (!ph->p_memsz)
		return NULL;
	l->vaddr = ph->p_vaddr;
	l->memsz = ph->p_memsz;
	l->flags = ph->p_flags;
	l->filesz = ph->p_filesz < ph->p_memsz ? ph->p_filesz : ph->p_memsz;
	/* A core cut short (ulimit, full disk) keeps what it has. */
	if (ph->p_offset < core->size) {
		l->saved = core->size - ph->p_offset;
		if (l->saved > l->filesz)
			l->saved = l->filesz;
		l->data = core->map + ph->p_offset;
	}
	p->nloads++;
	return NULL;
}

static struct ld_error *read_phdrs(struct core_priv *p)
{
	struct ld_core *core = &p->pub;
	struct ld_error *err = NULL;
	size_t phnum, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(p->elf, &phnum) != 0)
		return format_error(core, elf_errmsg(-1));
	p->loads = calloc(phnum ? phnum : 1, sizeof(*p->loads));
	if (!p->loads)
		return &ld_error_nomem;
	for (i = 0; i < phnum && !err; i++) {
		if (!gelf_getphdr(p->elf, i, &ph))
			return format_error(core, elf_errmsg(-1));
		if (ph.p_type == PT_LOAD)
			err = add_load(p, &ph);
		else if (ph.p_type == PT_NOTE)
			err = read_notes(p, &ph);
	}
	return err;
}

static int file_cmp(const void *a, const void *b)
{
	const struct ld_core_file *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct ld_error *ld_core_open(const char *path, struct ld_core **ret)
{
	struct core_priv *p = calloc(1, sizeof(*p));
	struct ld_core *core;
	struct ld_error *err;

	if (!p)
		return &ld_error_nomem;
	core = &p->pub;
	core->fd = -1;
	core->path = strdup(path);
	if (!core->path) {
		ld_core_destroy(core);
		return &ld_error_nomem;
	}
	err = map_file(core);
	if (!err)
		err = check_ident(p);
	if (!err)
		err = read_phdrs(p);
	if (err) {
		ld_core_destroy(core);
		return err;
	}
	if (!p->have_prpsinfo && core->nthreads)
		core->pid = core->threads[0].tid;
	/* Sorted by address so holes can be cut around mapped files. */
	if (core->nfiles)
		qsort(core->files, core->nfiles, sizeof(*core->files),
		      file_cmp);
	*ret = core;
	return NULL;
}

/* Index of the first file (sorted by start) ending above addr. */
static size_t first_file_after(const struct ld_core *core, uint64_t addr)
{
	size_t lo = 0, hi = core->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (core->files[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The unsaved tail of a PT_LOAD.  Where a file is mapped there, the file
 * holds the bytes (the kernel only skips file pages nobody wrote to), so
 * leave those ranges open for the executable's segments added earlier and
 * mark only anonymous memory as a hole.
 */
static struct ld_error *add_unsaved(const struct ld_core *core,
				    struct ld_mem *mem, uint64_t s,
				    uint64_t e)
{
	size_t i = first_file_after(core, s);
	uint64_t cur = s;
	struct ld_error *err;

	for (; i < core->nfiles && core->files[i].start < e && cur < e; i++) {
		const struct ld_core_file *f = &core->files[i];

		if (f->start > cur) {
			err = ld_mem_add_hole(mem, cur, f->start, LD_HOLE_WHY);
			if (err)
				return err;
		}
		if (f->end > cur)
			cur = f->end;
	}
	if (cur < e)
		return ld_mem_add_hole(mem, cur, e, LD_HOLE_WHY);
	return NULL;
}

struct ld_error *ld_core_add_segments(const struct ld_core *core,
				      struct ld_mem *mem)
{
	const struct core_priv *p = priv(core);
	struct ld_error *err;
	size_t i;

	for (i = 0; i < p->nloads; i++) {
		const struct core_load *l = &p->loads[i];

		err = ld_mem_add_buffer(mem, l->vaddr, l->data, l->saved);
		if (!err && l->saved < l->filesz)
			err = ld_mem_add_hole(mem, l->vaddr + l->saved,
					      l->vaddr + l->filesz,
					      LD_TRUNC_WHY);
		if (!err && l->filesz < l->memsz)
			err = add_unsaved(core, mem, l->vaddr + l->filesz,
					  l->vaddr + l->memsz);
		if (err)
			return err;
	}
	return NULL;
}

bool ld_core_region(const struct ld_core *core, size_t i,
		    struct ld_core_region *ret)
{
	const struct core_priv *p = priv(core);
	const struct core_load *l;

	if (i >= p->nloads)
		return false;
	l = &p->loads[i];
	ret->start = l->vaddr;
	ret->end = l->vaddr + l->memsz;
	ret->writable = l->flags & PF_W;
	return true;
}

uint64_t ld_core_load_bias(const struct ld_core *core,
			   const struct ld_binary *bin)
{
	if (bin->type != ET_DYN || !core->auxv_entry)
		return 0;
	return core->auxv_entry - bin->entry;
}

/* Bytes the core saved at addr, contiguous from there; NULL if none. */
static const uint8_t *saved_at(const struct ld_core *core, uint64_t addr,
			       uint64_t *avail)
{
	const struct core_priv *p = priv(core);
	size_t i;

	for (i = 0; i < p->nloads; i++) {
		const struct core_load *l = &p->loads[i];

		if (addr >= l->vaddr && addr - l->vaddr < l->saved) {
			*avail = l->saved - (addr - l->vaddr);
			return l->data + (addr - l->vaddr);
		}
	}
	return NULL;
}

struct build_ids {
	const uint8_t *gnu;
	size_t gnu_len;
	const char *go;
	size_t go_len;
};

static void ids_from_notes(const uint8_t *buf, size_t size, size_t align,
			   struct build_ids *ids)
{
	size_t off = 0, i;
	struct note n;

	for (i = 0; i < LD_MAX_NOTES; i++) {
		if (next_note(buf, size, align, &off, &n) <= 0)
			return;
		if (n.type == NT_GNU_BUILD_ID && note_named(&n, "GNU") &&
		    !ids->gnu) {
			ids->gnu = n.desc;
			ids->gnu_len = n.descsz;
		} else if (n.type == LD_GO_NOTE_BUILDID &&
			   note_named(&n, "Go") && !ids->go) {
			ids->go = (const char *)n.desc;
			ids->go_len = strnlen(ids->go, n.descsz);
		}
	}
}

/* Build ids from the notes of an ELF header page the core saved. */
static void ids_from_header(const uint8_t *page, uint64_t avail,
			    struct build_ids *ids)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	size_t i;

	memcpy(&eh, page, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_phentsize != sizeof(ph) || eh.e_phoff > avail)
		return;
	for (i = 0; i < eh.e_phnum; i++) {
		if ((avail - eh.e_phoff) / sizeof(ph) <= i)
			return;
		memcpy(&ph, page + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset > avail ||
		    ph.p_filesz > avail - ph.p_offset)
			continue;
		ids_from_notes(page + ph.p_offset, ph.p_filesz,
			       ph.p_align == 8 ? 8 : 4, ids);
	}
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static struct ld_error *compare_ids(const struct ld_binary *bin,
				    const struct build_ids *ids,
				    bool *checked)
{
	char a[129], b[129];

	if (bin->gnu_build_id_len && ids->gnu) {
		*checked = true;
		if (ids->gnu_len == bin->gnu_build_id_len &&
		    memcmp(ids->gnu, bin->gnu_build_id, ids->gnu_len) == 0)
			return NULL;
		hex(ids->gnu, ids->gnu_len < 64 ? ids->gnu_len : 64, a);
		hex(bin->gnu_build_id, bin->gnu_build_id_len, b);
		return ld_error_create(LD_ERR_MISMATCH,
				       LD_MISMATCH_WHY
				       " core has build id %s, %s has %s",
				       a, bin->path, b);
	}
	if (bin->go_build_id && ids->go) {
		*checked = true;
		if (strlen(bin->go_build_id) == ids->go_len &&
		    memcmp(ids->go, bin->go_build_id, ids->go_len) == 0)
			return NULL;
		return ld_error_create(LD_ERR_MISMATCH,
				       LD_MISMATCH_WHY
				       " core has Go build id %.*s, %s has %s",
				       (int)ids->go_len, ids->go, bin->path,
				       bin->go_build_id);
	}
	return NULL;
}

/* Start of the first saved bytes above addr, or UINT64_MAX. */
static uint64_t next_saved(const struct ld_core *core, uint64_t addr)
{
	const struct core_priv *p = priv(core);
	uint64_t best = UINT64_MAX;
	size_t i;

	for (i = 0; i < p->nloads; i++)
		if (p->loads[i].saved && p->loads[i].vaddr > addr &&
		    p->loads[i].vaddr < best)
			best = p->loads[i].vaddr;
	return best;
}

/* Compare one range of executable text with what the core saved there. */
static struct ld_error *compare_range(const struct ld_core *core,
				      const struct ld_binary *bin,
				      uint64_t bias, uint64_t vaddr,
				      uint64_t len, size_t *ranges)
{
	uint64_t at = vaddr + bias, end = at + len, avail, n, cmp, i;
	const uint8_t *saved, *file;

	if (end < at)
		return NULL;
	while (at < end && *ranges < LD_SAMPLE_RANGES) {
		saved = saved_at(core, at, &avail);
		if (!saved) {
			at = next_saved(core, at);
			continue;
		}
		n = avail < end - at ? avail : end - at;
		cmp = n < LD_SAMPLE_BYTES ? n : LD_SAMPLE_BYTES;
		file = ld_binary_vaddr_data(bin, at - bias, cmp);
		if (!file)
			return NULL;
		(*ranges)++;
		if (memcmp(saved, file, cmp) != 0) {
			for (i = 0; saved[i] == file[i]; i++)
				continue;
			return ld_error_create(LD_ERR_MISMATCH,
					       LD_MISMATCH_WHY
					       " its bytes at 0x%" PRIx64
					       " differ from %s",
					       at + i, bin->path);
		}
		at += n;
	}
	return NULL;
}

/*
 * Only executable, read-only segments: they are never relocated or
 * written, so any difference means another binary.
 */
static struct ld_error *compare_text(const struct ld_core *core,
				     const struct ld_binary *bin,
				     uint64_t bias, bool *checked)
{
	size_t phnum, i, ranges = 0;
	struct ld_error *err;
	GElf_Phdr ph;

	if (elf_getphdrnum(bin->elf, &phnum) != 0)
		return NULL;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(bin->elf, i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_X) || (ph.p_flags & PF_W))
			continue;
		err = compare_range(core, bin, bias, ph.p_vaddr, ph.p_filesz,
				    &ranges);
		if (err)
			return err;
	}
	*checked = ranges > 0;
	return NULL;
}

/* Address of the executable's ELF header in memory, if a PT_LOAD maps it. */
static bool header_addr(const struct ld_binary *bin, uint64_t bias,
			uint64_t *addr)
{
	size_t phnum, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(bin->elf, &phnum) != 0)
		return false;
	for (i = 0; i < phnum; i++) {
		if (gelf_getphdr(bin->elf, i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_offset == 0 && ph.p_filesz) {
			*addr = ph.p_vaddr + bias;
			return true;
		}
	}
	return false;
}

struct ld_error *ld_core_check_binary(const struct ld_core *core,
				      const struct ld_binary *bin,
				      uint64_t bias, bool *checked)
{
	struct build_ids ids = { 0 };
	const uint8_t *page;
	uint64_t addr, avail;
	struct ld_error *err;

	*checked = false;
	if (header_addr(bin, bias, &addr) &&
	    (page = saved_at(core, addr, &avail)) &&
	    avail >= sizeof(Elf64_Ehdr) &&
	    memcmp(page, ELFMAG, SELFMAG) == 0) {
		ids_from_header(page, avail, &ids);
		err = compare_ids(bin, &ids, checked);
		if (err || *checked)
			return err;
	}
	err = compare_text(core, bin, bias, checked);
	if (err || *checked)
		return err;
	/*
	 * Last resort, and only to refute: the entry point the kernel
	 * recorded.  A match proves little (the bias may come from it).
	 */
	if (core->auxv_entry && core->auxv_entry != bin->entry + bias)
		return ld_error_create(LD_ERR_MISMATCH,
				       LD_MISMATCH_WHY
				       " its entry point 0x%" PRIx64 " is not"
				       " %s's 0x%" PRIx64, core->auxv_entry,
				       bin->path, bin->entry + bias);
	return NULL;
}
