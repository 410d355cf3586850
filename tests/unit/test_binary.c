// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include <cmocka.h>

#include "leakdump/binary.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_symbol),
		cmocka_unit_test(test_self_sections),
		cmocka_unit_test(test_add_segments),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_synthetic_notes),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
