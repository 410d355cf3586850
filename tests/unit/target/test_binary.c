// SPDX-License-Identifier: MIT
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "leakdump/target/binary.h"
#include "synth_core.h"

/* Looked up by name in this very binary's .symtab. */
const char ld_test_marker[] = "leakdump binary test marker";
char ld_test_bss[4096];
int main(void);

static struct ld_binary *open_self(void)
{
	struct ld_binary *bin = NULL;

	assert_null(ld_binary_open("/proc/self/exe", &bin));
	assert_non_null(bin);
	return bin;
}

/* Where this executable was loaded, computed without leakdump. */
static uint64_t self_bias(const struct ld_binary *bin)
{
	if (bin->type == ET_EXEC)
		return 0;
	return getauxval(AT_ENTRY) - bin->entry;
}

static void test_self_symbol(void **state)
{
	struct ld_binary *bin = open_self();
	uint64_t bias = self_bias(bin), addr = 0, size = 0;
	const uint8_t *data;
	struct ld_error *err;

	assert_int_equal(bin->machine, EM_X86_64);
	assert_true(bin->type == ET_EXEC || bin->type == ET_DYN);
	assert_true(bin->has_symtab);
	assert_true(bin->has_dwarf);
	assert_null(ld_binary_symbol(bin, "ld_test_marker", &addr, &size));
	assert_int_equal(addr + bias, (uintptr_t)ld_test_marker);
	/* Sanitizers may pad globals, so only a lower bound. */
	assert_true(size >= sizeof(ld_test_marker));
	data = ld_binary_vaddr_data(bin, addr, sizeof(ld_test_marker));
	assert_non_null(data);
	assert_memory_equal(data, ld_test_marker, sizeof(ld_test_marker));
	assert_null(ld_binary_symbol(bin, "main", &addr, NULL));
	assert_int_equal(addr + bias, (uintptr_t)main);
	/* A prefix of a real name is not a match. */
	err = ld_binary_symbol(bin, "ld_test_mark", &addr, &size);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_LOOKUP);
	ld_error_destroy(err);
	/* .bss has no file bytes. */
	assert_null(ld_binary_symbol(bin, "ld_test_bss", &addr, NULL));
	assert_int_equal(addr + bias, (uintptr_t)ld_test_bss);
	assert_null(ld_binary_vaddr_data(bin, addr, 16));
	ld_binary_destroy(bin);
}

static void test_self_sections(void **state)
{
	struct ld_binary *bin = open_self();
	struct ld_section sec;
	uint32_t descsz;

	assert_true(ld_binary_section(bin, ".text", &sec));
	assert_non_null(sec.data);
	assert_true(sec.size > 0);
	assert_ptr_equal(sec.data, ld_binary_vaddr_data(bin, sec.addr, 16));
	assert_true(ld_binary_section(bin, ".bss", &sec));
	assert_null(sec.data);
	assert_true(sec.size >= sizeof(ld_test_bss));
	assert_false(ld_binary_section(bin, ".no.such.section", &sec));
	/* The build id is the descriptor of .note.gnu.build-id. */
	assert_true(ld_binary_section(bin, ".note.gnu.build-id", &sec));
	memcpy(&descsz, sec.data + 4, 4);
	assert_int_equal(bin->gnu_build_id_len, descsz);
	assert_memory_equal(bin->gnu_build_id, sec.data + 16, descsz);
	assert_null(bin->go_build_id);
	ld_binary_destroy(bin);
}

static void test_add_segments(void **state)
{
	struct ld_binary *bin = open_self();
	uint64_t bias = self_bias(bin);
	struct ld_mem *mem = NULL;
	char out[sizeof(ld_test_marker)];
	const uint8_t *p;

	assert_null(ld_mem_create(&mem));
	assert_null(ld_binary_add_segments(bin, mem, bias));
	assert_null(ld_mem_read(mem, (uintptr_t)ld_test_marker, out,
				sizeof(out)));
	assert_string_equal(out, ld_test_marker);
	p = ld_mem_peek(mem, (uintptr_t)ld_test_marker, sizeof(out));
	assert_true(p >= bin->map && p < bin->map + bin->size);
	ld_mem_destroy(mem);
	ld_binary_destroy(bin);
}

static void expect_open_error(const char *path, enum ld_error_code code)
{
	struct ld_binary *bin = NULL;
	struct ld_error *err = ld_binary_open(path, &bin);

	assert_non_null(err);
	if (err->code != code)
		fail_msg("%s: got %s (%s)", path, ld_error_code_name(err->code),
			 err->message);
	assert_null(bin);
	ld_error_destroy(err);
}

static void test_not_elf(void **state)
{
	static const char text[] = "This is a text file, certainly not an "
				   "ELF executable, but long enough.\n";
	uint8_t ident[sizeof(Elf64_Ehdr)] = { ELFMAG0, ELFMAG1, ELFMAG2,
					       ELFMAG3, ELFCLASS32,
					       ELFDATA2LSB, EV_CURRENT };
	struct ld_synth_buf core = { 0 };
	char *dir = synth_tmpdir(), *paths[5] = { 0 };

	paths[0] = synth_write(dir, "text", text, sizeof(text));
	paths[1] = synth_write(dir, "short", "\177ELF", 4);
	paths[2] = synth_write(dir, "elf32", ident, sizeof(ident));
	synth_elf(&core, ET_CORE, 0, NULL, 0);
	paths[3] = synth_write(dir, "core", core.p, core.len);
	expect_open_error(paths[0], LD_ERR_FORMAT);
	expect_open_error(paths[1], LD_ERR_FORMAT);
	expect_open_error(paths[2], LD_ERR_FORMAT);
	expect_open_error(paths[3], LD_ERR_FORMAT);
	expect_open_error(dir, LD_ERR_FORMAT);
	expect_open_error("/nonexistent/leakdump/binary", LD_ERR_OS);
	synth_free(&core);
	synth_rmdir(dir, paths, 5);
}

/*
 * A section-less executable: the build ids must come from PT_NOTE, and
 * addresses from the PT_LOADs alone.
 */
static void test_synthetic_notes(void **state)
{
	static const uint8_t gnu_id[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const char go_id[] = "abc/def/ghi/jkl";
	struct ld_synth_buf notes = { 0 }, img = { 0 };
	uint8_t text[0x100], data[0x40];
	struct ld_synth_seg segs[3];
	struct ld_binary *bin = NULL;
	struct ld_mem *mem = NULL;
	char *dir = synth_tmpdir(), *paths[1];
	uint8_t out[8];

	memset(text, 0xc3, sizeof(text));
	memset(data, 0x42, sizeof(data));
	synth_note(&notes, "GNU", NT_GNU_BUILD_ID, gnu_id, sizeof(gnu_id));
	synth_note(&notes, "Go", 4, go_id, strlen(go_id));
	segs[0] = (struct ld_synth_seg){ .type = PT_NOTE, .offset = 0x200,
		.vaddr = 0x400200, .filesz = notes.len, .memsz = notes.len,
		.align = 4, .data = notes.p };
	segs[1] = (struct ld_synth_seg){ .type = PT_LOAD, .flags = PF_R | PF_X,
		.offset = 0x1000, .vaddr = 0x401000, .filesz = sizeof(text),
		.memsz = sizeof(text), .align = 0x1000, .data = text };
	segs[2] = (struct ld_synth_seg){ .type = PT_LOAD, .flags = PF_R | PF_W,
		.offset = 0x2000, .vaddr = 0x402000, .filesz = sizeof(data),
		.memsz = 0x1000, .align = 0x1000, .data = data };
	synth_elf(&img, ET_EXEC, 0x401000, segs, 3);
	paths[0] = synth_write(dir, "exe", img.p, img.len);
	assert_null(ld_binary_open(paths[0], &bin));
	assert_int_equal(bin->type, ET_EXEC);
	assert_int_equal(bin->entry, 0x401000);
	assert_false(bin->has_symtab);
	assert_false(bin->has_dwarf);
	assert_int_equal(bin->gnu_build_id_len, sizeof(gnu_id));
	assert_memory_equal(bin->gnu_build_id, gnu_id, sizeof(gnu_id));
	assert_non_null(bin->go_build_id);
	assert_string_equal(bin->go_build_id, go_id);
	assert_memory_equal(ld_binary_vaddr_data(bin, 0x4010f8, 8), text, 8);
	assert_null(ld_binary_vaddr_data(bin, 0x4010f8, 9));
	assert_null(ld_binary_vaddr_data(bin, 0x402040, 1));	/* bss */
	assert_null(ld_binary_vaddr_data(bin, 0x400000, 1));
	assert_null(ld_mem_create(&mem));
	assert_null(ld_binary_add_segments(bin, mem, 0x10000000));
	assert_null(ld_mem_read(mem, 0x10402000, out, sizeof(out)));
	assert_memory_equal(out, data, sizeof(out));
	ld_error_destroy(ld_mem_read(mem, 0x10402040, out, 1));
	assert_null(ld_mem_peek(mem, 0x10402040, 1));
	ld_mem_destroy(mem);
	ld_binary_destroy(bin);
	synth_free(&notes);
	synth_free(&img);
	synth_rmdir(dir, paths, 1);
}

static void test_truncated(void **state)
{
	static const uint8_t text[0x100];
	struct ld_synth_buf img = { 0 };
	struct ld_synth_seg seg = { .type = PT_LOAD, .flags = PF_R | PF_X,
		.offset = 0x1000, .vaddr = 0x401000, .filesz = sizeof(text),
		.memsz = sizeof(text), .align = 0x1000, .data = text };
	char *dir = synth_tmpdir(), *paths[1];

	synth_elf(&img, ET_EXEC, 0x401000, &seg, 1);
	/* The PT_LOAD claims bytes past the end of the file. */
	paths[0] = synth_write(dir, "cut", img.p, 0x1080);
	expect_open_error(paths[0], LD_ERR_FORMAT);
	synth_free(&img);
	synth_rmdir(dir, paths, 1);
}

static void test_build_id_path(void **state)
{
	static const uint8_t id[] = { 0xd0, 0x85, 0x36, 0x27, 0x0f, 0xa0 };
	char *path;

	path = ld_build_id_path("/usr/lib/debug", id, sizeof(id));
	assert_non_null(path);
	assert_string_equal(path, "/usr/lib/debug/.build-id/d0/8536270fa0.debug");
	free(path);
	path = ld_build_id_path("d", id, 2);
	assert_non_null(path);
	assert_string_equal(path, "d/.build-id/d0/85.debug");
	free(path);
	/* One byte names a directory but no file. */
	assert_null(ld_build_id_path("/usr/lib/debug", id, 1));
	assert_null(ld_build_id_path("/usr/lib/debug", id, 0));
	assert_null(ld_build_id_path(NULL, id, sizeof(id)));
}

static void test_crc32(void **state)
{
	static const char check[] = "123456789";
	uint32_t crc;

	assert_int_equal(ld_crc32(0, "", 0), 0);
	/* The CRC-32 check value, as zlib's crc32() gives it. */
	assert_int_equal(ld_crc32(0, check, 9), 0xcbf43926u);
	crc = ld_crc32(0, check, 4);
	assert_int_equal(ld_crc32(crc, check + 4, 5), 0xcbf43926u);
	assert_int_equal(ld_crc32(0, "a", 1), 0xe8b7be43u);
}

static void test_debuglink_parse(void **state)
{
	/* "prog.debug" is 10 bytes + NUL: padded to 12, then the CRC. */
	static const uint8_t ok[16] = { 'p', 'r', 'o', 'g', '.', 'd', 'e',
		'b', 'u', 'g', 0, 0, 0x78, 0x56, 0x34, 0x12 };
	/* "abc" + NUL fills 4 bytes exactly: no padding. */
	static const uint8_t exact[8] = { 'a', 'b', 'c', 0, 1, 0, 0, 0x80 };
	static const uint8_t empty[8] = { 0, 0, 0, 0, 1, 2, 3, 4 };
	static const uint8_t nonul[8] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g',
					  'h' };
	const char *name = NULL;
	uint32_t crc = 0;

	assert_true(ld_debuglink_parse(ok, sizeof(ok), &name, &crc));
	assert_string_equal(name, "prog.debug");
	assert_int_equal(crc, 0x12345678u);
	assert_true(ld_debuglink_parse(exact, sizeof(exact), &name, &crc));
	assert_string_equal(name, "abc");
	assert_int_equal(crc, 0x80000001u);
	/* The CRC cut short, an empty name, no terminator, nothing. */
	assert_false(ld_debuglink_parse(ok, 15, &name, &crc));
	assert_false(ld_debuglink_parse(ok, 12, &name, &crc));
	assert_false(ld_debuglink_parse(empty, sizeof(empty), &name, &crc));
	assert_false(ld_debuglink_parse(nonul, sizeof(nonul), &name, &crc));
	assert_false(ld_debuglink_parse(ok, 0, &name, &crc));
	assert_false(ld_debuglink_parse(NULL, 16, &name, &crc));
}

/* One section of a synthetic ELF file with section headers. */
struct synth_sec {
	const char *name;
	uint32_t type;
	uint64_t addr;
	const void *data;		/* NULL: SHT_NOBITS-style, no bytes */
	size_t size;
};

/*
 * An ELF executable with one PT_LOAD (0x40 bytes of 0x5a at 0x401000) and
 * the given sections, plus .shstrtab; the section header table at the end.
 */
static void synth_sections(struct ld_synth_buf *out,
			   const struct synth_sec *secs, size_t n)
{
	static uint8_t text[0x40];
	struct ld_synth_buf names = { 0 };
	struct ld_synth_seg seg = { .type = PT_LOAD, .flags = PF_R | PF_X,
		.offset = 0x1000, .vaddr = 0x401000, .filesz = sizeof(text),
		.memsz = sizeof(text), .align = 0x1000, .data = text };
	Elf64_Shdr *sh = calloc(n + 2, sizeof(*sh));
	Elf64_Ehdr eh;
	size_t i, shoff;

	assert_non_null(sh);
	memset(text, 0x5a, sizeof(text));
	synth_elf(out, ET_EXEC, 0x401000, &seg, 1);
	synth_put(&names, "", 1);
	for (i = 0; i < n; i++) {
		sh[i + 1].sh_name = names.len;
		synth_put(&names, secs[i].name, strlen(secs[i].name) + 1);
		sh[i + 1].sh_type = secs[i].type;
		sh[i + 1].sh_addr = secs[i].addr;
		sh[i + 1].sh_size = secs[i].size;
		sh[i + 1].sh_addralign = 4;
		synth_pad(out, 8);
		sh[i + 1].sh_offset = out->len;
		if (secs[i].type != SHT_NOBITS)
			synth_put(out, secs[i].data, secs[i].size);
	}
	sh[n + 1].sh_name = names.len;
	synth_put(&names, ".shstrtab", sizeof(".shstrtab"));
	sh[n + 1].sh_type = SHT_STRTAB;
	sh[n + 1].sh_offset = out->len;
	sh[n + 1].sh_size = names.len;
	sh[n + 1].sh_addralign = 1;
	synth_put(out, names.p, names.len);
	synth_pad(out, 8);
	shoff = out->len;
	synth_put(out, sh, (n + 2) * sizeof(*sh));
	memcpy(&eh, out->p, sizeof(eh));
	eh.e_shoff = shoff;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = n + 2;
	eh.e_shstrndx = n + 1;
	memcpy(out->p, &eh, sizeof(eh));
	free(sh);
	synth_free(&names);
}

/*
 * A synthetic executable or debug file: an optional GNU build id, an
 * optional .gnu_debuglink (name, crc) and, for debug files, a stand-in
 * .debug_info and a NOBITS .text where the executable has its code.
 */
static void synth_file(struct ld_synth_buf *out, const uint8_t *id,
		       size_t idlen, const char *link, uint32_t crc,
		       bool debug)
{
	static const uint8_t info[16] = { 0x0c };
	struct ld_synth_buf note = { 0 }, dl = { 0 };
	struct synth_sec secs[4] = { 0 };
	size_t n = 0;
	uint8_t le[4] = { crc, crc >> 8, crc >> 16, crc >> 24 };

	if (idlen) {
		synth_note(&note, "GNU", NT_GNU_BUILD_ID, id, idlen);
		secs[n++] = (struct synth_sec){ ".note.gnu.build-id", SHT_NOTE,
			0x400200, note.p, note.len };
	}
	if (link) {
		synth_put(&dl, link, strlen(link) + 1);
		synth_pad(&dl, 4);
		synth_put(&dl, le, 4);
		secs[n++] = (struct synth_sec){ ".gnu_debuglink", SHT_PROGBITS,
			0, dl.p, dl.len };
	}
	if (debug) {
		secs[n++] = (struct synth_sec){ ".text", SHT_NOBITS, 0x401000,
			NULL, 0x40 };
		secs[n++] = (struct synth_sec){ ".debug_info", SHT_PROGBITS, 0,
			info, sizeof(info) };
	}
	synth_sections(out, secs, n);
	synth_free(&note);
	synth_free(&dl);
}

static void mkdirs(const char *path)
{
	char *p = strdup(path), *q;

	assert_non_null(p);
	for (q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
		*q = '/';
	}
	assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
	free(p);
}

/* Write buf to path, creating its directories. */
static void put_file(const char *path, const struct ld_synth_buf *buf)
{
	char *dir = strdup(path);
	FILE *f;

	assert_non_null(dir);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	free(dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf->p, 1, buf->len, f), buf->len);
	assert_int_equal(fclose(f), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static void rm_tree(char *dir)
{
	assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(dir);
}

static char *join(const char *a, const char *b)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", a, b) >= 0);
	return p;
}

/* Look for exe's debug file in dirs; expect an error code, or 0 for one. */
static struct ld_binary *find_debug(const char *exe, const char *dirs,
				    enum ld_error_code code)
{
	struct ld_binary *bin = NULL;
	struct ld_error *err;

	assert_null(ld_binary_open(exe, &bin));
	err = ld_binary_find_debug(bin, dirs);
	if (!code) {
		if (err)
			fail_msg("%s: %s", exe, err->message);
		assert_non_null(bin->debug);
		return bin;
	}
	assert_non_null(err);
	if (err->code != code)
		fail_msg("%s: got %s (%s)", exe, ld_error_code_name(err->code),
			 err->message);
	assert_null(bin->debug);
	ld_error_destroy(err);
	ld_binary_destroy(bin);
	return NULL;
}

static void test_find_by_build_id(void **state)
{
	static const uint8_t id[20] = { 0xab, 0xcd, 0xef, 1, 2, 3 };
	static const uint8_t other[20] = { 0xab, 0xcd, 0xef, 9, 9, 9 };
	struct ld_synth_buf exe = { 0 }, dbg = { 0 }, bad = { 0 };
	char *dir = synth_tmpdir(), *exe_path, *root, *dirs, *dbg_path;
	char *root2;
	struct ld_binary *bin;
	struct ld_section sec;

	exe_path = join(dir, "bin/prog");
	root = join(dir, "debug");
	root2 = join(dir, "debug2");
	dbg_path = ld_build_id_path(root2, id, sizeof(id));
	assert_true(asprintf(&dirs, "%s:%s", root, root2) >= 0);
	synth_file(&exe, id, sizeof(id), NULL, 0, false);
	synth_file(&dbg, id, sizeof(id), NULL, 0, true);
	synth_file(&bad, other, sizeof(other), NULL, 0, true);
	put_file(exe_path, &exe);
	mkdirs(root);

	/* Nothing there yet. */
	find_debug(exe_path, root, LD_ERR_LOOKUP);
	/* Found in the second of two directories. */
	put_file(dbg_path, &dbg);
	bin = find_debug(exe_path, dirs, 0);
	assert_string_equal(bin->debug->path, dbg_path);
	assert_true(bin->debug->debug_only);
	assert_true(bin->debug->has_dwarf);
	assert_false(bin->has_dwarf);
	/* The debug file's sections are there, its bytes never read. */
	assert_true(ld_binary_section(bin->debug, ".text", &sec));
	assert_null(sec.data);
	assert_null(ld_binary_vaddr_data(bin->debug, 0x401000, 1));
	assert_non_null(ld_binary_vaddr_data(bin, 0x401000, 1));
	/* Found already: a second search changes nothing. */
	assert_null(ld_binary_find_debug(bin, "/nonexistent"));
	ld_binary_destroy(bin);

	/* A file with another build id at our build id's path is ignored. */
	put_file(dbg_path, &bad);
	find_debug(exe_path, dirs, LD_ERR_MISMATCH);
	/* ... unless a good one comes first. */
	free(dirs);
	assert_true(asprintf(&dirs, "%s::%s", root2, root) >= 0);
	free(dbg_path);
	dbg_path = ld_build_id_path(root, id, sizeof(id));
	put_file(dbg_path, &dbg);
	bin = find_debug(exe_path, dirs, 0);
	ld_binary_destroy(bin);

	synth_free(&exe);
	synth_free(&dbg);
	synth_free(&bad);
	free(exe_path);
	free(root);
	free(root2);
	free(dirs);
	free(dbg_path);
	rm_tree(dir);
}

static void test_find_by_debuglink(void **state)
{
	struct ld_synth_buf exe = { 0 }, dbg = { 0 }, plain = { 0 };
	char *dir = synth_tmpdir(), *bindir, *exe_path, *global, *path;
	struct ld_binary *bin;
	uint32_t crc;

	bindir = join(dir, "bin");
	exe_path = join(bindir, "prog");
	global = join(dir, "global");
	mkdirs(global);
	/* No build ids at all: only the CRC can vouch for the file. */
	synth_file(&dbg, NULL, 0, NULL, 0, true);
	crc = ld_crc32(0, dbg.p, dbg.len);
	synth_file(&exe, NULL, 0, "prog.debug", crc, false);
	put_file(exe_path, &exe);

	assert_null(ld_binary_open(exe_path, &bin));
	assert_non_null(bin->debuglink);
	assert_string_equal(bin->debuglink, "prog.debug");
	assert_int_equal(bin->debuglink_crc, crc);
	ld_binary_destroy(bin);
	find_debug(exe_path, global, LD_ERR_LOOKUP);

	/* GLOBAL + the executable's directory. */
	assert_true(asprintf(&path, "%s%s/prog.debug", global, bindir) >= 0);
	put_file(path, &dbg);
	bin = find_debug(exe_path, global, 0);
	assert_string_equal(bin->debug->path, path);
	ld_binary_destroy(bin);
	free(path);

	/* The .debug subdirectory comes before it. */
	path = join(bindir, ".debug/prog.debug");
	put_file(path, &dbg);
	bin = find_debug(exe_path, global, 0);
	assert_string_equal(bin->debug->path, path);
	ld_binary_destroy(bin);
	free(path);

	/* And the executable's own directory first of all. */
	path = join(bindir, "prog.debug");
	put_file(path, &dbg);
	bin = find_debug(exe_path, global, 0);
	assert_string_equal(bin->debug->path, path);
	ld_binary_destroy(bin);

	/* A CRC mismatch rules a file out; the search goes on. */
	synth_file(&plain, NULL, 0, "x", 0, true);
	put_file(path, &plain);
	bin = find_debug(exe_path, global, 0);
	assert_string_not_equal(bin->debug->path, path);
	ld_binary_destroy(bin);
	free(path);
	path = join(bindir, ".debug/prog.debug");
	put_file(path, &plain);
	free(path);
	assert_true(asprintf(&path, "%s%s/prog.debug", global, bindir) >= 0);
	put_file(path, &plain);
	find_debug(exe_path, global, LD_ERR_MISMATCH);
	free(path);

	synth_free(&exe);
	synth_free(&dbg);
	synth_free(&plain);
	free(exe_path);
	free(bindir);
	free(global);
	rm_tree(dir);
}

/* A valid-looking debug file without DWARF or symbols is no use. */
static void test_find_useless(void **state)
{
	static const uint8_t id[4] = { 0x11, 0x22, 0x33, 0x44 };
	struct ld_synth_buf exe = { 0 }, dbg = { 0 };
	char *dir = synth_tmpdir(), *exe_path, *dbg_path;
	struct ld_binary *bin = NULL;
	struct ld_error *err;

	exe_path = join(dir, "prog");
	dbg_path = ld_build_id_path(dir, id, sizeof(id));
	synth_file(&exe, id, sizeof(id), NULL, 0, false);
	put_file(exe_path, &exe);
	/* A copy of the executable under its build id has nothing to give. */
	put_file(dbg_path, &exe);
	assert_null(ld_binary_open(exe_path, &bin));
	err = ld_binary_find_debug(bin, dir);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_MISMATCH);
	assert_non_null(strstr(err->message, dbg_path));
	assert_non_null(strstr(err->message, "neither DWARF"));
	ld_error_destroy(err);
	ld_binary_destroy(bin);
	/* A file that is not ELF at all is ruled out too. */
	dbg.len = 0;
	synth_put(&dbg, "not an ELF file, just text\n", 27);
	put_file(dbg_path, &dbg);
	find_debug(exe_path, dir, LD_ERR_MISMATCH);
	synth_free(&exe);
	synth_free(&dbg);
	free(exe_path);
	free(dbg_path);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_symbol),
		cmocka_unit_test(test_self_sections),
		cmocka_unit_test(test_add_segments),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_synthetic_notes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_build_id_path),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_debuglink_parse),
		cmocka_unit_test(test_find_by_build_id),
		cmocka_unit_test(test_find_by_debuglink),
		cmocka_unit_test(test_find_useless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
