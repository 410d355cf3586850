// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/target/core.h"
#include "synth_core.h"

#define PRSTATUS_SIZE	336
#define PRPSINFO_SIZE	136
#define MAX_PATHS	16

/* Files a test wrote; removed with their directory at the end. */
struct scratch {
	char *dir;
	char *paths[MAX_PATHS];
	size_t n;
};

static const char *scratch_write(struct scratch *s, const char *name,
				 const void *buf, size_t len)
{
	assert_true(s->n < MAX_PATHS);
	if (!s->dir)
		s->dir = synth_tmpdir();
	s->paths[s->n] = synth_write(s->dir, name, buf, len);
	return s->paths[s->n++];
}

static void scratch_done(struct scratch *s)
{
	synth_rmdir(s->dir, s->paths, s->n);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void note_prstatus(struct ld_synth_buf *n, int32_t tid, uint64_t seed)
{
	uint8_t d[PRSTATUS_SIZE] = { 0 };
	int i;

	put_u32(d + 32, tid);
	for (i = 0; i < LD_AMD64_NREGS; i++)
		put_u64(d + 112 + 8 * i, seed + i);
	synth_note(n, "CORE", NT_PRSTATUS, d, sizeof(d));
}

static void note_prpsinfo(struct ld_synth_buf *n, int32_t pid)
{
	uint8_t d[PRPSINFO_SIZE] = { 0 };

	put_u32(d + 24, pid);
	memcpy(d + 40, "synthprog", 9);
	memcpy(d + 56, "synthprog -x --long ", 20);
	synth_note(n, "CORE", NT_PRPSINFO, d, sizeof(d));
}

/* Two mappings, deliberately out of address order. */
static void note_file(struct ld_synth_buf *n, uint64_t count)
{
	struct ld_synth_buf d = { 0 };
	uint64_t words[8] = { count, 4096,
			      0x22000, 0x23000, 3,
			      0x400000, 0x402000, 0 };

	synth_put(&d, words, sizeof(words));
	synth_put(&d, "/lib/synth.so", 14);
	synth_put(&d, "/bin/exe", 9);
	synth_note(n, "CORE", NT_FILE, d.p, d.len);
	synth_free(&d);
}

static void note_auxv(struct ld_synth_buf *n, uint64_t entry)
{
	uint64_t auxv[] = { AT_PHDR, 0x400040, AT_PAGESZ, 4096,
			    AT_ENTRY, entry, AT_NULL, 0 };

	synth_note(n, "CORE", NT_AUXV, auxv, sizeof(auxv));
}

static void full_notes(struct ld_synth_buf *n)
{
	static const uint8_t xstate[64];

	note_prstatus(n, 4242, 0x1000);
	/* gcore-style "LINUX" note the parser must step over. */
	synth_note(n, "LINUX", NT_X86_XSTATE, xstate, sizeof(xstate));
	note_prstatus(n, 4243, 0x2000);
	note_prpsinfo(n, 4242);
	note_file(n, 2);
	note_auxv(n, 0x401000);
}

/*
 * A core: notes (if any) at 0x1000, then each load's bytes at the next
 * page-aligned offsets.  loads[i].offset is filled in.
 */
static void build_core(struct ld_synth_buf *out, uint16_t type,
		       const struct ld_synth_buf *notes,
		       struct ld_synth_seg *loads, size_t nloads)
{
	struct ld_synth_seg segs[8];
	uint64_t off = 0x2000;
	size_t i, n = 0;

	assert_true(nloads < 8);
	if (notes) {
		assert_true(notes->len <= 0x1000);
		segs[n++] = (struct ld_synth_seg){ .type = PT_NOTE,
			.offset = 0x1000, .filesz = notes->len,
			.data = notes->p };
	}
	for (i = 0; i < nloads; i++) {
		loads[i].type = PT_LOAD;
		loads[i].offset = off;
		off += (loads[i].filesz + 0xfff) & ~0xfffull;
		segs[n++] = loads[i];
	}
	synth_elf(out, type, 0, segs, n);
	synth_extend(out, off);
}

static uint8_t page_a[0x1000], page_b[0x1000];

static void fill_pages(void)
{
	memset(page_a, 0xa1, sizeof(page_a));
	memset(page_b, 0xb2, sizeof(page_b));
}

static const char *write_full_core(struct scratch *s, const char *name,
				   struct ld_synth_buf *img)
{
	struct ld_synth_buf notes = { 0 };
	struct ld_synth_seg loads[2] = {
		{ .flags = PF_R | PF_W, .vaddr = 0x10000, .filesz = 0x1000,
		  .memsz = 0x1000, .align = 0x1000, .data = page_a },
		/* Only the first page saved; the next two are not. */
		{ .flags = PF_R, .vaddr = 0x20000, .filesz = 0x1000,
		  .memsz = 0x3000, .align = 0x1000, .data = page_b },
	};
	const char *path;

	fill_pages();
	full_notes(&notes);
	build_core(img, ET_CORE, &notes, loads, 2);
	path = scratch_write(s, name, img->p, img->len);
	synth_free(&notes);
	return path;
}

static void expect_fault(struct ld_error *err, uint64_t addr, const char *text)
{
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_FAULT);
	assert_int_equal(err->address, addr);
	if (!strstr(err->message, text))
		fail_msg("message '%s' lacks '%s'", err->message, text);
	ld_error_destroy(err);
}

static void test_parse(void **state)
{
	struct ld_synth_buf img = { 0 };
	struct scratch s = { 0 };
	struct ld_core *core = NULL;
	const char *path = write_full_core(&s, "core", &img);

	assert_null(ld_core_open(path, &core));
	assert_int_equal(core->machine, EM_X86_64);
	assert_int_equal(core->pid, 4242);
	assert_string_equal(core->fname, "synthprog");
	assert_string_equal(core->psargs, "synthprog -x --long");
	assert_int_equal(core->nthreads, 2);
	assert_int_equal(core->threads[0].tid, 4242);
	assert_int_equal(core->threads[1].tid, 4243);
	assert_int_equal(core->threads[0].nregs, LD_AMD64_NREGS);
	assert_int_equal(core->threads[0].regs[LD_AMD64_R15], 0x1000);
	assert_int_equal(core->threads[0].regs[LD_AMD64_RIP],
			 0x1000 + LD_AMD64_RIP);
	assert_int_equal(ld_regs_sp(&ld_arch_amd64, &core->threads[1]),
			 0x2000 + LD_AMD64_RSP);
	assert_int_equal(core->threads[1].regs[LD_AMD64_GS], 0x2000 + 26);
	assert_int_equal(core->nfiles, 2);
	assert_int_equal(core->files[0].start, 0x22000);
	assert_int_equal(core->files[0].end, 0x23000);
	assert_int_equal(core->files[0].offset, 3 * 4096);
	assert_string_equal(core->files[0].path, "/lib/synth.so");
	assert_int_equal(core->files[1].start, 0x400000);
	assert_string_equal(core->files[1].path, "/bin/exe");
	assert_int_equal(core->auxv_entry, 0x401000);
	assert_int_equal(core->auxv_phdr, 0x400040);
	ld_core_destroy(core);
	synth_free(&img);
	scratch_done(&s);
}

static void test_segments(void **state)
{
	static uint8_t under[0x4000];
	struct ld_synth_buf img = { 0 };
	struct scratch s = { 0 };
	struct ld_core *core = NULL;
	struct ld_mem *mem = NULL;
	const char *path = write_full_core(&s, "core", &img);
	uint8_t out[16];
	const uint8_t *p;

	memset(under, 0xee, sizeof(under));
	assert_null(ld_core_open(path, &core));
	assert_null(ld_mem_create(&mem));
	/* Stands in for executable segments added before the core. */
	assert_null(ld_mem_add_buffer(mem, 0x20000, under, sizeof(under)));
	assert_null(ld_core_add_segments(core, mem));
	assert_null(ld_mem_read(mem, 0x10ff8, out, 8));
	assert_memory_equal(out, page_a, 8);
	p = ld_mem_peek(mem, 0x10000, 0x1000);
	assert_true(p >= core->map && p < core->map + core->size);
	assert_memory_equal(p, page_a, 0x1000);
	/* The core's bytes win over the earlier buffer. */
	assert_null(ld_mem_read(mem, 0x20000, out, 8));
	assert_memory_equal(out, page_b, 8);
	/* Unsaved anonymous memory is a hole, even over older segments. */
	expect_fault(ld_mem_read(mem, 0x20ff8, out, 16), 0x21000,
		     "not saved in core");
	/* Unsaved file-backed memory shows the file (the older buffer). */
	assert_null(ld_mem_read(mem, 0x22000, out, 8));
	assert_int_equal(out[0], 0xee);
	assert_null(ld_mem_read(mem, 0x23000, out, 8));
	assert_int_equal(out[0], 0xee);
	expect_fault(ld_mem_read(mem, 0x11000, out, 1), 0x11000, "not mapped");
	ld_mem_destroy(mem);
	/* Without a buffer underneath, the file-backed part is unmapped. */
	assert_null(ld_mem_create(&mem));
	assert_null(ld_core_add_segments(core, mem));
	expect_fault(ld_mem_read(mem, 0x22000, out, 1), 0x22000, "not mapped");
	ld_mem_destroy(mem);
	ld_core_destroy(core);
	synth_free(&img);
	scratch_done(&s);
}

static void expect_open_error(const char *path, enum ld_error_code code,
			      const char *text)
{
	struct ld_core *core = NULL;
	struct ld_error *err = ld_core_open(path, &core);

	assert_non_null(err);
	if (err->code != code || (text && !strstr(err->message, text)))
		fail_msg("%s: got %s (%s)", path, ld_error_code_name(err->code),
			 err->message);
	assert_null(core);
	ld_error_destroy(err);
}

/* A core whose only note is the given one. */
static const char *one_note_core(struct scratch *s, const char *name,
				 const char *note_name, uint32_t type,
				 const void *desc, size_t len)
{
	struct ld_synth_buf notes = { 0 }, img = { 0 };
	const char *path;

	synth_note(&notes, note_name, type, desc, len);
	build_core(&img, ET_CORE, &notes, NULL, 0);
	path = scratch_write(s, name, img.p, img.len);
	synth_free(&notes);
	synth_free(&img);
	return path;
}

static void test_corrupt_notes(void **state)
{
	struct ld_synth_buf notes = { 0 }, img = { 0 };
	struct ld_synth_seg none[1];
	struct scratch s = { 0 };
	uint8_t file[16 + 24 + 4], small[100] = { 0 };
	Elf64_Phdr ph;
	const char *path;

	/* The last note's descriptor runs past PT_NOTE. */
	full_notes(&notes);
	notes.len -= 10;
	build_core(&img, ET_CORE, &notes, none, 0);
	path = scratch_write(&s, "truncated-note", img.p, img.len);
	expect_open_error(path, LD_ERR_FORMAT, "truncated note");
	/* PT_NOTE beyond the end of the file. */
	memcpy(&ph, img.p + sizeof(Elf64_Ehdr), sizeof(ph));
	ph.p_offset = 1ull << 40;
	memcpy(img.p + sizeof(Elf64_Ehdr), &ph, sizeof(ph));
	path = scratch_write(&s, "far-note", img.p, img.len);
	expect_open_error(path, LD_ERR_FORMAT, "PT_NOTE");
	/* An offset that wraps the mapping's address (found by fuzz_core). */
	ph.p_offset = UINT64_MAX - 0xb3;
	memcpy(img.p + sizeof(Elf64_Ehdr), &ph, sizeof(ph));
	path = scratch_write(&s, "wrapping-note", img.p, img.len);
	expect_open_error(path, LD_ERR_FORMAT, "PT_NOTE");
	synth_free(&notes);
	synth_free(&img);
	/* NT_FILE count far beyond the note. */
	note_file(&notes, 1ull << 60);
	build_core(&img, ET_CORE, &notes, none, 0);
	path = scratch_write(&s, "huge-count", img.p, img.len);
	expect_open_error(path, LD_ERR_FORMAT, "NT_FILE");
	synth_free(&notes);
	synth_free(&img);
	/* NT_FILE whose path has no terminator. */
	memset(file, 'x', sizeof(file));
	put_u64(file, 1);
	put_u64(file + 8, 4096);
	path = one_note_core(&s, "unterminated", "CORE", NT_FILE, file,
			     sizeof(file));
	expect_open_error(path, LD_ERR_FORMAT, "NT_FILE");
	path = one_note_core(&s, "short-prstatus", "CORE", NT_PRSTATUS,
			     small, sizeof(small));
	expect_open_error(path, LD_ERR_FORMAT, "NT_PRSTATUS");
	path = one_note_core(&s, "short-prpsinfo", "CORE", NT_PRPSINFO,
			     small, sizeof(small));
	expect_open_error(path, LD_ERR_FORMAT, "NT_PRPSINFO");
	/* Unknown owners are skipped, whatever their type. */
	path = one_note_core(&s, "other-owner", "XYZ", NT_PRSTATUS, small,
			     sizeof(small));
	{
		struct ld_core *core = NULL;

		assert_null(ld_core_open(path, &core));
		assert_int_equal(core->nthreads, 0);
		assert_int_equal(core->pid, 0);
		ld_core_destroy(core);
	}
	scratch_done(&s);
}

static void test_not_core(void **state)
{
	struct ld_synth_buf img = { 0 }, notes = { 0 };
	struct scratch s = { 0 };
	const char *path;
	uint32_t bad[3] = { 0xffffffff, 0, 1 };

	full_notes(&notes);
	build_core(&img, ET_EXEC, &notes, NULL, 0);
	path = scratch_write(&s, "exec", img.p, img.len);
	expect_open_error(path, LD_ERR_FORMAT, "not a core");
	synth_free(&img);
	path = scratch_write(&s, "text", "hello, this is not an ELF core file "
			     "and it is long enough to hold a header", 75);
	expect_open_error(path, LD_ERR_FORMAT, NULL);
	expect_open_error("/nonexistent/leakdump/core", LD_ERR_OS, NULL);
	/* A note header whose name size is absurd. */
	synth_free(&notes);
	synth_put(&notes, bad, sizeof(bad));
	build_core(&img, ET_CORE, &notes, NULL, 0);
	path = scratch_write(&s, "huge-name", img.p, img.len);
	expect_open_error(path, LD_ERR_FORMAT, NULL);
	synth_free(&img);
	synth_free(&notes);
	scratch_done(&s);
}

/* Open buf[0, len) as a core; it must fail cleanly or parse. */
static void try_core(const char *dir, const void *buf, size_t len,
		     bool cut_loads)
{
	char *path = synth_write(dir, "fuzz", buf, len);
	struct ld_core *core = NULL;
	struct ld_error *err = ld_core_open(path, &core);
	struct ld_mem *mem = NULL;
	uint8_t out[8];

	unlink(path);
	free(path);
	if (err) {
		assert_null(core);
		ld_error_destroy(err);
		return;
	}
	/* Cut inside the loads: reads fault, never overrun. */
	assert_null(ld_mem_create(&mem));
	assert_null(ld_core_add_segments(core, mem));
	err = ld_mem_read(mem, 0x20ff0, out, sizeof(out));
	if (err && cut_loads)
		assert_int_equal(err->code, LD_ERR_FAULT);
	ld_error_destroy(err);
	ld_mem_destroy(mem);
	ld_core_destroy(core);
}

/* Every prefix of a valid core and random byte flips: errors, no crash. */
static void test_fuzz(void **state)
{
	struct ld_synth_buf img = { 0 }, bad = { 0 };
	struct scratch s = { 0 };
	unsigned int seed = 7;
	size_t len, i, j;

	write_full_core(&s, "core", &img);
	for (len = 0; len <= img.len; len += 61)
		try_core(s.dir, img.p, len, true);
	synth_put(&bad, img.p, img.len);
	for (i = 0; i < 300; i++) {
		memcpy(bad.p, img.p, img.len);
		for (j = 0; j < 4; j++)
			bad.p[0x1000 + rand_r(&seed) % 0x400] = rand_r(&seed);
		try_core(s.dir, bad.p, bad.len, false);
	}
	synth_free(&bad);
	synth_free(&img);
	scratch_done(&s);
}

static void test_truncated_load(void **state)
{
	struct ld_synth_buf img = { 0 };
	struct scratch s = { 0 };
	struct ld_core *core = NULL;
	struct ld_mem *mem = NULL;
	uint8_t out[16];
	const char *path;

	write_full_core(&s, "core", &img);
	/* Keep half of the second load's page. */
	path = scratch_write(&s, "cut", img.p, img.len - 0x800);
	assert_null(ld_core_open(path, &core));
	assert_int_equal(core->nthreads, 2);
	assert_null(ld_mem_create(&mem));
	assert_null(ld_core_add_segments(core, mem));
	assert_null(ld_mem_read(mem, 0x207f0, out, 16));
	assert_memory_equal(out, page_b, 16);
	expect_fault(ld_mem_read(mem, 0x207f8, out, 16), 0x20800,
		     "truncated");
	ld_mem_destroy(mem);
	ld_core_destroy(core);
	synth_free(&img);
	scratch_done(&s);
}

/*
 * A Go-like executable: one R+X PT_LOAD from file offset 0 holding the
 * headers, a PT_NOTE with the build ids and a page of "text".
 */
#define EXE_TEXT	0x1000

static const char *write_exe(struct scratch *s, const char *name,
			     uint16_t type, uint64_t base, const char *go_id,
			     const uint8_t *gnu_id, struct ld_synth_buf *img)
{
	struct ld_synth_buf notes = { 0 };
	struct ld_synth_seg segs[2];
	const char *path;
	size_t i;

	if (gnu_id)
		synth_note(&notes, "GNU", NT_GNU_BUILD_ID, gnu_id, 20);
	if (go_id)
		synth_note(&notes, "Go", 4, go_id, strlen(go_id));
	segs[0] = (struct ld_synth_seg){ .type = PT_LOAD,
		.flags = PF_R | PF_X, .offset = 0, .vaddr = base,
		.filesz = 0x2000, .memsz = 0x2000, .align = 0x1000 };
	segs[1] = (struct ld_synth_seg){ .type = PT_NOTE, .offset = 0x200,
		.vaddr = base + 0x200, .filesz = notes.len,
		.memsz = notes.len, .align = 4, .data = notes.p };
	synth_elf(img, type, base + EXE_TEXT, segs, notes.len ? 2 : 1);
	synth_extend(img, 0x2000);
	for (i = EXE_TEXT; i < 0x2000; i++)
		img->p[i] = (uint8_t)(i * 31 + 5);
	path = scratch_write(s, name, img->p, img->len);
	synth_free(&notes);
	return path;
}

/* A core saving len bytes of src at vaddr, with AT_ENTRY set. */
static const char *write_core_with(struct scratch *s, const char *name,
				   uint64_t vaddr, const uint8_t *src,
				   uint64_t len, uint64_t entry)
{
	struct ld_synth_buf notes = { 0 }, img = { 0 };
	struct ld_synth_seg load = { .flags = PF_R | PF_X, .vaddr = vaddr,
		.filesz = len, .memsz = 0x2000, .align = 0x1000,
		.data = src };
	const char *path;

	note_prstatus(&notes, 1, 0);
	note_auxv(&notes, entry);
	build_core(&img, ET_CORE, &notes, &load, 1);
	path = scratch_write(s, name, img.p, img.len);
	synth_free(&notes);
	synth_free(&img);
	return path;
}

static struct ld_error *check(const char *core_path, const char *exe_path,
			      uint64_t bias_want, bool *checked)
{
	struct ld_core *core = NULL;
	struct ld_binary *bin = NULL;
	struct ld_error *err;

	assert_null(ld_core_open(core_path, &core));
	assert_null(ld_binary_open(exe_path, &bin));
	assert_int_equal(ld_core_load_bias(core, bin), bias_want);
	err = ld_core_check_binary(core, bin, bias_want, checked);
	ld_binary_destroy(bin);
	ld_core_destroy(core);
	return err;
}

static void expect_mismatch(struct ld_error *err, const char *a,
			    const char *b)
{
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_MISMATCH);
	if (!strstr(err->message, a) || (b && !strstr(err->message, b)))
		fail_msg("message '%s' lacks '%s' or '%s'", err->message, a,
			 b ? b : "");
	assert_null(strchr(err->message, '\n'));
	ld_error_destroy(err);
}

static void test_check_go_id(void **state)
{
	struct ld_synth_buf exe = { 0 }, other = { 0 };
	struct scratch s = { 0 };
	const char *exe_path, *other_path, *core_path;
	bool checked = true;

	exe_path = write_exe(&s, "exe", ET_EXEC, 0x400000, "go/id/one",
			     NULL, &exe);
	other_path = write_exe(&s, "other", ET_EXEC, 0x400000, "go/id/two",
			       NULL, &other);
	/* The header page, as a kernel core saves it. */
	core_path = write_core_with(&s, "core", 0x400000, exe.p, 0x1000,
				    0x401000);
	assert_null(check(core_path, exe_path, 0, &checked));
	assert_true(checked);
	expect_mismatch(check(core_path, other_path, 0, &checked),
			"go/id/one", "go/id/two");
	assert_true(checked);
	synth_free(&exe);
	synth_free(&other);
	scratch_done(&s);
}

static void test_check_gnu_id_pie(void **state)
{
	static const uint8_t id1[20] = { 0xde, 0xad, 0xbe, 0xef, 1 };
	static const uint8_t id2[20] = { 0xde, 0xad, 0xbe, 0xef, 2 };
	const uint64_t bias = 0x555555554000;
	struct ld_synth_buf exe = { 0 }, other = { 0 };
	struct scratch s = { 0 };
	const char *exe_path, *other_path, *core_path;
	bool checked = false;

	/* Same Go id, different GNU ids: the GNU id decides. */
	exe_path = write_exe(&s, "exe", ET_DYN, 0, "same", id1, &exe);
	other_path = write_exe(&s, "other", ET_DYN, 0, "same", id2, &other);
	core_path = write_core_with(&s, "core", bias, exe.p, 0x2000,
				    bias + EXE_TEXT);
	assert_null(check(core_path, exe_path, bias, &checked));
	assert_true(checked);
	expect_mismatch(check(core_path, other_path, bias, &checked),
			"deadbeef01", "deadbeef02");
	synth_free(&exe);
	synth_free(&other);
	scratch_done(&s);
}

static void test_check_text(void **state)
{
	struct ld_synth_buf exe = { 0 }, bare = { 0 };
	struct scratch s = { 0 };
	const char *exe_path, *bare_path, *core_path;
	uint8_t text[0x1000];
	bool checked = false;
	struct ld_error *err;

	exe_path = write_exe(&s, "exe", ET_EXEC, 0x400000, "go/id", NULL,
			     &exe);
	/* No header page saved: compare the text bytes. */
	memcpy(text, exe.p + EXE_TEXT, sizeof(text));
	core_path = write_core_with(&s, "text-core", 0x401000, text,
				    sizeof(text), 0);
	assert_null(check(core_path, exe_path, 0, &checked));
	assert_true(checked);
	text[0x123] ^= 1;
	core_path = write_core_with(&s, "bad-text-core", 0x401000, text,
				    sizeof(text), 0);
	expect_mismatch(check(core_path, exe_path, 0, &checked), "0x401123",
			NULL);
	/* Header saved but the binary has no build id: text decides. */
	bare_path = write_exe(&s, "bare", ET_EXEC, 0x400000, NULL, NULL,
			      &bare);
	core_path = write_core_with(&s, "bare-core", 0x400000, bare.p, 0x2000,
				    0);
	assert_null(check(core_path, bare_path, 0, &checked));
	assert_true(checked);
	/* Nothing saved at the executable's addresses. */
	core_path = write_core_with(&s, "empty-core", 0x7f0000000000, text,
				    sizeof(text), 0);
	checked = true;
	err = check(core_path, exe_path, 0, &checked);
	assert_null(err);
	assert_false(checked);
	/* ... but an entry point that cannot be this executable's. */
	core_path = write_core_with(&s, "far-core", 0x7f0000000000, text,
				    sizeof(text), 0x999000);
	expect_mismatch(check(core_path, exe_path, 0, &checked), "0x999000",
			"0x401000");
	core_path = write_core_with(&s, "entry-core", 0x7f0000000000, text,
				    sizeof(text), 0x401000);
	assert_null(check(core_path, exe_path, 0, &checked));
	assert_false(checked);
	synth_free(&exe);
	synth_free(&bare);
	scratch_done(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_corrupt_notes),
		cmocka_unit_test(test_not_core),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_truncated_load),
		cmocka_unit_test(test_check_go_id),
		cmocka_unit_test(test_check_gnu_id_pie),
		cmocka_unit_test(test_check_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
