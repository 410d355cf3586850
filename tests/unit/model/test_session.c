// SPDX-License-Identifier: MIT
/*
 * Opening a session (ext/model/session.c) on synthetic files written with
 * synth_core.h: a stripped "Go" executable (an ELF whose only Go part is
 * its build info, found in a writable PT_LOAD as the Go toolchain leaves
 * it), non-Go executables and core files for either architecture.  Every
 * way of failing must come back as an error with its code and a message
 * naming the file, leave *ret alone and leak nothing (the ASan build
 * checks); and the lookups on an open session (ld_session_thread,
 * ld_session_find).
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/model/session.h"
#include "synth_core.h"

#define BASE		0x400000ull
#define DATA_VADDR	0x500000ull
#define MAX_FILES	6

struct files {
	char *dir;
	char *paths[MAX_FILES];
	size_t n;
};

static int setup(void **state)
{
	struct files *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->dir = synth_tmpdir();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct files *f = *state;

	synth_rmdir(f->dir, f->paths, f->n);
	free(f);
	return 0;
}

static const char *add_file(struct files *f, const char *name,
			    const struct ld_synth_buf *b)
{
	assert_true(f->n < MAX_FILES);
	f->paths[f->n] = synth_write(f->dir, name, b->p, b->len);
	return f->paths[f->n++];
}

static void put_uvarint(struct ld_synth_buf *b, uint64_t v)
{
	uint8_t c;

	do {
		c = v & 0x7f;
		v >>= 7;
		if (v)
			c |= 0x80;
		synth_put(b, &c, 1);
	} while (v);
}

/*
 * runtime/debug's build info blob (Go 1.18+, inline strings): the
 * 14-byte magic, pointer size 8, flags 2, padding to 32, then the version
 * and the module text as uvarint-prefixed strings.
 */
static void buildinfo_blob(struct ld_synth_buf *b, const char *version)
{
	static const char mod[] = "0123456789abcdefpath\texample.com/leaky\n"
				  "0123456789abcdef";
	uint8_t hdr[32] = { 0 };

	memcpy(hdr, "\xff Go buildinf:", 14);
	hdr[14] = 8;
	hdr[15] = 2;
	synth_put(b, hdr, sizeof(hdr));
	put_uvarint(b, strlen(version));
	synth_put(b, version, strlen(version));
	put_uvarint(b, strlen(mod));
	synth_put(b, mod, strlen(mod));
}

static void set_machine(struct ld_synth_buf *img, uint16_t machine)
{
	memcpy(img->p + offsetof(Elf64_Ehdr, e_machine), &machine,
	       sizeof(machine));
}

/*
 * An executable: a text PT_LOAD and a writable data PT_LOAD that holds
 * the build info blob when version is not NULL.  No sections, so no
 * symbols and no DWARF: a stripped binary.
 */
static const char *write_exe(struct files *f, const char *name,
			     uint16_t machine, const char *version)
{
	struct ld_synth_buf img = { 0 }, data = { 0 };
	struct ld_synth_seg segs[2];
	const char *path;

	if (version)
		buildinfo_blob(&data, version);
	synth_extend(&data, 0x1000);
	segs[0] = (struct ld_synth_seg){ .type = PT_LOAD,
		.flags = PF_R | PF_X, .offset = 0, .vaddr = BASE,
		.filesz = 0x2000, .memsz = 0x2000, .align = 0x1000 };
	segs[1] = (struct ld_synth_seg){ .type = PT_LOAD,
		.flags = PF_R | PF_W, .offset = 0x2000, .vaddr = DATA_VADDR,
		.filesz = data.len, .memsz = data.len, .align = 0x1000,
		.data = data.p };
	synth_elf(&img, ET_EXEC, BASE + 0x1000, segs, 2);
	set_machine(&img, machine);
	path = add_file(f, name, &img);
	synth_free(&data);
	synth_free(&img);
	return path;
}

/* A core: one thread's NT_PRSTATUS and the executable's data page. */
static const char *write_core(struct files *f, const char *name,
			      uint16_t machine)
{
	struct ld_synth_buf img = { 0 }, notes = { 0 };
	static uint8_t page[0x1000];
	/* elf_prstatus: 112 bytes, the registers, pr_fpvalid (+pad) */
	uint8_t prstatus[112 + 34 * 8 + 8] = { 0 };
	size_t prlen = machine == EM_AARCH64 ? 112 + 34 * 8 + 8 : 336;
	struct ld_synth_seg segs[2];
	int32_t tid = 4242;
	const char *path;

	memcpy(prstatus + 32, &tid, sizeof(tid));	/* pr_pid */
	synth_note(&notes, "CORE", NT_PRSTATUS, prstatus, prlen);
	segs[0] = (struct ld_synth_seg){ .type = PT_NOTE, .offset = 0x1000,
		.filesz = notes.len, .data = notes.p };
	segs[1] = (struct ld_synth_seg){ .type = PT_LOAD,
		.flags = PF_R | PF_W, .offset = 0x2000, .vaddr = DATA_VADDR,
		.filesz = sizeof(page), .memsz = sizeof(page),
		.align = 0x1000, .data = page };
	synth_elf(&img, ET_CORE, 0, segs, 2);
	set_machine(&img, machine);
	path = add_file(f, name, &img);
	synth_free(&notes);
	synth_free(&img);
	return path;
}

static void write_text(struct files *f, const char *name, const char *text)
{
	struct ld_synth_buf b = { 0 };

	synth_put(&b, text, strlen(text));
	add_file(f, name, &b);
	synth_free(&b);
}

/*
 * Open exe (+ core); expect failure with code, a message mentioning
 * mention, and *ret untouched.
 */
static struct ld_error *open_fails(const char *exe, const char *core,
				   enum ld_error_code code,
				   const char *mention)
{
	struct ld_target_spec spec = {
		.kind = LD_TARGET_CORE, .exe_path = exe, .core_path = core,
		.debug_dirs = "/nonexistent-debug-dir",
	};
	struct ld_session *s = (struct ld_session *)&spec;	/* sentinel */
	struct ld_error *err = ld_session_open(&spec, &s);

	if (!err)
		fail_msg("opening %s with %s succeeded", exe, core);
	assert_ptr_equal(s, (struct ld_session *)&spec);
	if (err->code != code)
		fail_msg("code %s (%s), want %s", ld_error_code_name(err->code),
			 err->message, ld_error_code_name(code));
	assert_non_null(err->message);
	if (mention && !strstr(err->message, mention))
		fail_msg("message \"%s\" does not mention \"%s\"",
			 err->message, mention);
	return err;
}

static void test_missing_executable(void **state)
{
	struct files *f = *state;
	char path[512];
	struct ld_error *err;

	snprintf(path, sizeof(path), "%s/no-such-exe", f->dir);
	err = open_fails(path, path, LD_ERR_OS, path);
	assert_int_equal(err->errnum, ENOENT);
	ld_error_destroy(err);
}

static void test_executable_not_elf(void **state)
{
	struct files *f = *state;

	write_text(f, "script", "#!/bin/sh\necho this is not an ELF file\n");
	ld_error_destroy(open_fails(f->paths[0], f->paths[0], LD_ERR_FORMAT,
				    f->paths[0]));
}

/* An amd64 ELF without Go build info: not a Go program. */
static void test_non_go_executable(void **state)
{
	struct files *f = *state;
	const char *exe = write_exe(f, "cprog", EM_X86_64, NULL);
	const char *core = write_core(f, "core", EM_X86_64);

	ld_error_destroy(open_fails(exe, core, LD_ERR_NOT_GO,
				    "not a Go program"));
}

/* A Go program for another architecture: unsupported, before the core. */
static void test_executable_other_arch(void **state)
{
	struct files *f = *state;
	const char *exe = write_exe(f, "leaky-arm64", EM_AARCH64, "go1.26.0");
	const char *core = write_core(f, "core", EM_AARCH64);

	ld_error_destroy(open_fails(exe, core, LD_ERR_UNSUPPORTED, exe));
}

/* Go 1.20 is older than every supported release. */
static void test_go_release_unsupported(void **state)
{
	struct files *f = *state;
	const char *exe = write_exe(f, "old", EM_X86_64, "go1.20.14");
	const char *core = write_core(f, "core", EM_X86_64);

	ld_error_destroy(open_fails(exe, core, LD_ERR_UNSUPPORTED, "1.20"));
}

/* An arm64 core with an amd64 executable: a mismatch, said as such. */
static void test_core_other_arch(void **state)
{
	struct files *f = *state;
	const char *exe = write_exe(f, "leaky", EM_X86_64, "go1.26.0");
	const char *core = write_core(f, "core-arm64", EM_AARCH64);

	ld_error_destroy(open_fails(exe, core, LD_ERR_MISMATCH,
				    "another architecture"));
}

static void test_missing_core(void **state)
{
	struct files *f = *state;
	const char *exe = write_exe(f, "leaky", EM_X86_64, "go1.26.0");
	char core[512];
	struct ld_error *err;

	snprintf(core, sizeof(core), "%s/no-such-core", f->dir);
	err = open_fails(exe, core, LD_ERR_OS, core);
	assert_int_equal(err->errnum, ENOENT);
	ld_error_destroy(err);
}

/* An executable given as the core file. */
static void test_core_not_a_core(void **state)
{
	struct files *f = *state;
	const char *exe = write_exe(f, "leaky", EM_X86_64, "go1.26.0");

	ld_error_destroy(open_fails(exe, exe, LD_ERR_FORMAT, exe));
}

/*
 * A stripped Go executable with no pclntab anywhere: the runtime's data
 * cannot be found, a lookup error naming the executable, not a crash.
 */
static void test_stripped_without_runtime(void **state)
{
	struct files *f = *state;
	const char *exe = write_exe(f, "leaky", EM_X86_64, "go1.26.0");
	const char *core = write_core(f, "core", EM_X86_64);
	struct ld_target_spec spec = {
		.kind = LD_TARGET_CORE, .exe_path = exe, .core_path = core,
		.debug_dirs = "/nonexistent-debug-dir",
	};
	struct ld_session *s = NULL;
	struct ld_error *err = ld_session_open(&spec, &s);

	assert_non_null(err);
	assert_null(s);
	assert_int_equal(err->code, LD_ERR_LOOKUP);
	assert_non_null(strstr(err->message, exe));
	ld_error_destroy(err);
}

/* ---- an executable opened ahead (ld_session_prepare) ---- */

static void test_prepare_errors(void **state)
{
	struct files *f = *state;
	struct ld_prepared *p = (struct ld_prepared *)f;	/* sentinel */
	const char *exe = write_exe(f, "cprog", EM_X86_64, NULL);
	struct ld_error *err;
	char path[512];

	snprintf(path, sizeof(path), "%s/no-such-exe", f->dir);
	err = ld_session_prepare(path, NULL, &p);
	assert_non_null(err);
	assert_null(p);
	assert_int_equal(err->code, LD_ERR_OS);
	ld_error_destroy(err);
	err = ld_session_prepare(exe, "/nonexistent-debug-dir", &p);
	assert_non_null(err);
	assert_null(p);
	assert_int_equal(err->code, LD_ERR_NOT_GO);
	ld_error_destroy(err);
	ld_prepared_destroy(NULL);
}

/*
 * Sessions borrow a prepared binary: it outlives each of them (here, each
 * failing later, at its core), so it serves the next, even once the file
 * is gone; a session of another executable, or with other debug
 * directories, opens its own.  ASan checks that no session frees what it
 * borrowed.
 */
static void test_prepared_outlives_sessions(void **state)
{
	struct files *f = *state;
	const char *exe = write_exe(f, "leaky", EM_X86_64, "go1.26.0");
	const char *core = write_core(f, "core-arm64", EM_AARCH64);
	const char *cprog = write_exe(f, "cprog", EM_X86_64, NULL);
	struct ld_target_spec spec = {
		.kind = LD_TARGET_CORE, .exe_path = exe,
		.debug_dirs = "/nonexistent-debug-dir",
	};
	struct ld_session *s = NULL;
	struct ld_prepared *p = NULL;
	struct ld_error *err;
	char missing[512];

	assert_null(ld_session_prepare(exe, spec.debug_dirs, &p));
	assert_non_null(p);
	snprintf(missing, sizeof(missing), "%s/no-such-core", f->dir);
	spec.core_path = missing;
	err = ld_session_open_prepared(&spec, p, &s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_OS);
	ld_error_destroy(err);
	spec.core_path = core;
	err = ld_session_open_prepared(&spec, p, &s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_MISMATCH);
	ld_error_destroy(err);
	/* The file is gone: only the prepared binary gets as far as the core. */
	assert_int_equal(unlink(exe), 0);
	err = ld_session_open_prepared(&spec, p, &s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_MISMATCH);
	ld_error_destroy(err);
	err = ld_session_open(&spec, &s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_OS);
	ld_error_destroy(err);
	spec.debug_dirs = "/other-debug-dir";
	err = ld_session_open_prepared(&spec, p, &s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_OS);
	ld_error_destroy(err);
	/* another executable: not the prepared one */
	spec.exe_path = cprog;
	err = ld_session_open_prepared(&spec, p, &s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_NOT_GO);
	ld_error_destroy(err);
	assert_null(s);
	ld_prepared_destroy(p);
}

/* ---- lookups on an open session ---- */

static void test_destroy_null(void **state)
{
	ld_session_destroy(NULL);
}

static void test_thread_by_tid(void **state)
{
	struct ld_thread_regs t[3] = {
		{ .tid = 100, .nregs = 1, .regs = { 1 } },
		{ .tid = 200, .nregs = 1, .regs = { 2 } },
		{ .tid = 300, .nregs = 1, .regs = { 3 } },
	};
	struct ld_session s = { 0 };

	assert_null(ld_session_thread(&s, 100));
	s.threads = t;
	s.nthreads = 3;
	assert_ptr_equal(ld_session_thread(&s, 200), &t[1]);
	assert_ptr_equal(ld_session_thread(&s, 300), &t[2]);
	assert_ptr_equal(ld_session_thread(&s, 100), &t[0]);
	assert_null(ld_session_thread(&s, 0));
	assert_null(ld_session_thread(&s, 400));
}

static void test_find_in_empty_session(void **state)
{
	struct ld_session s = { 0 };

	assert_null(ld_session_find(&s, 1));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_missing_executable),
		T(test_executable_not_elf),
		T(test_non_go_executable),
		T(test_executable_other_arch),
		T(test_go_release_unsupported),
		T(test_core_other_arch),
		T(test_missing_core),
		T(test_core_not_a_core),
		T(test_stripped_without_runtime),
		T(test_prepare_errors),
		T(test_prepared_outlives_sessions),
		cmocka_unit_test(test_destroy_null),
		cmocka_unit_test(test_thread_by_tid),
		cmocka_unit_test(test_find_in_empty_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
