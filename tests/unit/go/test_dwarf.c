// SPDX-License-Identifier: MIT
/*
 * ld_dwarf against this test binary's own DWARF (unit tests build with -g):
 * the answers must match what the compiler says through offsetof/sizeof.
 * The ELF is opened with libelf directly so this test does not depend on
 * ext/binary.c.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gelf.h>

#include "leakdump/go/dwarf.h"

/* Names are ldt_-prefixed so they cannot collide with library types. */
struct ldt_inner {
	char pad[3];
	int32_t x;
	uint64_t y;
};
typedef struct ldt_inner ldt_inner_t;

enum ldt_color {
	LDT_RED = 3,
	LDT_NEG = -7,
};

struct ldt_outer {
	uint64_t a;
	ldt_inner_t in;
	struct ldt_inner arr[2];
	const ldt_inner_t cin;
	char tail;
	union {			/* anonymous: its members are found directly */
		int u1;
		double u2;
	};
	enum ldt_color color;
};
typedef struct ldt_outer ldt_outer_t;

/* Globals whose DWARF addresses are compared with &var. */
__attribute__((used)) ldt_outer_t ldt_var_a;
__attribute__((used)) int64_t ldt_var_b = 5;
/* Pointer-shaped through a typedef, as Go's chan and map types are. */
typedef ldt_outer_t *ldt_outer_ptr_t;
__attribute__((used)) ldt_outer_ptr_t ldt_var_p;
__attribute__((used)) const ldt_outer_ptr_t ldt_var_cp;

struct fixture {
	int fd;
	Elf *elf;
	struct ld_dwarf *dw;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ld_error *err;

	if (!f || elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	f->fd = open("/proc/self/exe", O_RDONLY);
	if (f->fd < 0)
		return -1;
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf)
		return -1;
	err = ld_dwarf_open(f->elf, &f->dw);
	if (err) {
		fprintf(stderr, "ld_dwarf_open: %s\n", err->message);
		ld_error_destroy(err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ld_dwarf_destroy(f->dw);
	elf_end(f->elf);
	close(f->fd);
	free(f);
	return 0;
}

static void expect_member(void **state, const char *type, const char *member,
			  uint64_t want_off, uint64_t want_size)
{
	struct fixture *f = *state;
	uint64_t off = ~0ull, size = ~0ull;
	struct ld_error *err;

	err = ld_dwarf_member(f->dw, type, member, &off, &size);
	if (err)
		fail_msg("%s.%s: %s", type, member, err->message);
	assert_int_equal(off, want_off);
	assert_int_equal(size, want_size);
}

static void expect_error(struct ld_error *err, enum ld_error_code code)
{
	assert_non_null(err);
	assert_int_equal(err->code, code);
	ld_error_destroy(err);
}

static void test_member_plain(void **state)
{
	expect_member(state, "ldt_outer", "a", offsetof(struct ldt_outer, a),
		      sizeof(uint64_t));
	expect_member(state, "ldt_outer", "tail",
		      offsetof(struct ldt_outer, tail), 1);
	expect_member(state, "ldt_outer", "arr",
		      offsetof(struct ldt_outer, arr),
		      sizeof(((struct ldt_outer *)0)->arr));
	expect_member(state, "ldt_outer", "color",
		      offsetof(struct ldt_outer, color),
		      sizeof(enum ldt_color));
}

/* Dotted paths through a typedef'd member and a const typedef'd member. */
static void test_member_nested(void **state)
{
	expect_member(state, "ldt_outer", "in",
		      offsetof(struct ldt_outer, in), sizeof(ldt_inner_t));
	expect_member(state, "ldt_outer", "in.x",
		      offsetof(struct ldt_outer, in.x), sizeof(int32_t));
	expect_member(state, "ldt_outer", "in.y",
		      offsetof(struct ldt_outer, in.y), sizeof(uint64_t));
	expect_member(state, "ldt_outer", "cin.y",
		      offsetof(struct ldt_outer, cin.y), sizeof(uint64_t));
}

/* The type itself named through a typedef. */
static void test_member_typedef(void **state)
{
	expect_member(state, "ldt_outer_t", "in.x",
		      offsetof(struct ldt_outer, in.x), sizeof(int32_t));
	expect_member(state, "ldt_inner_t", "y",
		      offsetof(struct ldt_inner, y), sizeof(uint64_t));
}

static void test_member_anonymous(void **state)
{
	expect_member(state, "ldt_outer", "u2",
		      offsetof(struct ldt_outer, u2), sizeof(double));
	expect_member(state, "ldt_outer", "u1",
		      offsetof(struct ldt_outer, u1), sizeof(int));
}

static void test_member_missing(void **state)
{
	struct fixture *f = *state;
	uint64_t off, size;

	expect_error(ld_dwarf_member(f->dw, "ldt_nosuch", "a", &off, &size),
		     LD_ERR_LOOKUP);
	expect_error(ld_dwarf_member(f->dw, "ldt_outer", "nosuch", &off,
				     &size), LD_ERR_LOOKUP);
	expect_error(ld_dwarf_member(f->dw, "ldt_outer", "in.nosuch", &off,
				     &size), LD_ERR_LOOKUP);
	/* a is an integer: there is nothing to step into. */
	expect_error(ld_dwarf_member(f->dw, "ldt_outer", "a.x", &off, &size),
		     LD_ERR_LOOKUP);
	expect_error(ld_dwarf_member(f->dw, "ldt_outer", "in..x", &off,
				     &size), LD_ERR_INVALID);
}

static void test_type_size(void **state)
{
	struct fixture *f = *state;
	uint64_t size = 0;

	assert_null(ld_dwarf_type_size(f->dw, "ldt_outer", &size));
	assert_int_equal(size, sizeof(struct ldt_outer));
	assert_null(ld_dwarf_type_size(f->dw, "ldt_inner_t", &size));
	assert_int_equal(size, sizeof(ldt_inner_t));
	expect_error(ld_dwarf_type_size(f->dw, "ldt_nosuch", &size),
		     LD_ERR_LOOKUP);
}

/*
 * DWARF addresses are unrelocated and the test binary may be a PIE, so
 * compare the distance between two variables instead of the addresses.
 */
static void test_variable(void **state)
{
	struct fixture *f = *state;
	uint64_t a = 0, b = 0;

	assert_null(ld_dwarf_variable(f->dw, "ldt_var_a", &a));
	assert_null(ld_dwarf_variable(f->dw, "ldt_var_b", &b));
	assert_int_equal(b - a, (uintptr_t)&ldt_var_b - (uintptr_t)&ldt_var_a);
	expect_error(ld_dwarf_variable(f->dw, "ldt_nosuch", &a),
		     LD_ERR_LOOKUP);
	/* A type is not a variable. */
	expect_error(ld_dwarf_variable(f->dw, "ldt_outer", &a), LD_ERR_LOOKUP);
}

/* Whether a variable holds a pointer, through typedefs and const. */
static void test_variable_pointer(void **state)
{
	struct fixture *f = *state;
	uint64_t a = 0, p = 0;
	bool ptr = true;

	assert_null(ld_dwarf_variable_pointer(f->dw, "ldt_var_a", &a, &ptr));
	assert_false(ptr);
	assert_null(ld_dwarf_variable_pointer(f->dw, "ldt_var_b", &a, &ptr));
	assert_false(ptr);
	assert_null(ld_dwarf_variable_pointer(f->dw, "ldt_var_p", &p, &ptr));
	assert_true(ptr);
	assert_null(ld_dwarf_variable(f->dw, "ldt_var_a", &a));
	assert_int_equal(p - a, (uintptr_t)&ldt_var_p - (uintptr_t)&ldt_var_a);
	ptr = false;
	assert_null(ld_dwarf_variable_pointer(f->dw, "ldt_var_cp", &p, &ptr));
	assert_true(ptr);
	expect_error(ld_dwarf_variable_pointer(f->dw, "ldt_nosuch", &a, &ptr),
		     LD_ERR_LOOKUP);
}

/* C has no DW_TAG_constant; enumerators are indexed as constants. */
static void test_constant(void **state)
{
	struct fixture *f = *state;
	int64_t v = 0;

	assert_null(ld_dwarf_constant(f->dw, "LDT_RED", &v));
	assert_int_equal(v, LDT_RED);
	assert_null(ld_dwarf_constant(f->dw, "LDT_NEG", &v));
	assert_int_equal(v, LDT_NEG);
	expect_error(ld_dwarf_constant(f->dw, "LDT_NOSUCH", &v),
		     LD_ERR_LOOKUP);
}

static void test_producer(void **state)
{
	struct fixture *f = *state;

	/* This binary is C: no Go compile unit. */
	assert_null(ld_dwarf_go_producer(f->dw));
}

/* A minimal ELF file with no debug sections at all. */
static void test_no_dwarf(void **state)
{
	char path[] = "/tmp/ld-test-dwarf-XXXXXX";
	struct ld_dwarf *dw = (void *)1;
	Elf64_Ehdr *ehdr;
	Elf *elf;
	int fd;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	elf = elf_begin(fd, ELF_C_WRITE, NULL);
	assert_non_null(elf);
	ehdr = elf64_newehdr(elf);
	assert_non_null(ehdr);
	ehdr->e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr->e_type = ET_EXEC;
	ehdr->e_machine = EM_X86_64;
	ehdr->e_version = EV_CURRENT;
	assert_true(elf_update(elf, ELF_C_WRITE) > 0);
	elf_end(elf);

	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	expect_error(ld_dwarf_open(elf, &dw), LD_ERR_NO_DWARF);
	assert_null(dw);
	elf_end(elf);
	close(fd);
	ld_dwarf_destroy(NULL);
}

/*
 * Go compresses its DWARF (SHF_COMPRESSED).  Recompress this binary's DWARF
 * likewise and open it the way ext/binary.c does: elf_memory() on a
 * read-only mapping, which libdw's in-place decompression must not write to.
 */
static void test_compressed_readonly(void **state)
{
	char path[] = "/tmp/ld-test-dwarfz-XXXXXX", cmd[256];
	struct ld_dwarf *dw = NULL;
	uint64_t off = 0, size = 0;
	struct stat st;
	void *map;
	Elf *elf;
	int fd;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(cmd, sizeof(cmd),
		 "objcopy --compress-debug-sections=zlib /proc/%d/exe %s "
		 ">/dev/null 2>&1", (int)getpid(), path);
	if (system(cmd) != 0) {
		unlink(path);
		close(fd);
		skip();		/* no binutils: nothing to compress with */
	}
	unlink(path);
	assert_int_equal(fstat(fd, &st), 0);
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	elf = elf_memory(map, st.st_size);
	assert_non_null(elf);

	assert_null(ld_dwarf_open(elf, &dw));
	assert_null(ld_dwarf_member(dw, "ldt_outer_t", "in.y", &off, &size));
	assert_int_equal(off, offsetof(struct ldt_outer, in.y));
	assert_int_equal(size, sizeof(uint64_t));
	ld_dwarf_destroy(dw);
	elf_end(elf);
	munmap(map, st.st_size);
	close(fd);
}

/*
 * Section headers at an odd offset in the image (found by fuzz_elf): libelf
 * hands them out in place, so their flags must be read without assuming
 * the struct's alignment.  The DWARF is found all the same.
 */
static void test_misaligned_section_headers(void **state)
{
	struct ld_dwarf *dw = NULL;
	uint64_t off = 0, size = 0;
	uint8_t *img = NULL;
	size_t len = 0, shlen;
	Elf64_Ehdr eh;
	struct stat st;
	Elf *elf;
	int fd;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open("/proc/self/exe", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	memset(&eh, 0, sizeof(eh));
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	shlen = (size_t)eh.e_shnum * sizeof(Elf64_Shdr);
	len = (size_t)st.st_size;
	img = malloc(len + 3 + shlen);
	assert_non_null(img);
	assert_int_equal(pread(fd, img, len, 0), (ssize_t)len);
	close(fd);
	memcpy(img + len + 3, img + eh.e_shoff, shlen);
	eh.e_shoff = len + 3;
	memcpy(img, &eh, sizeof(eh));
	elf = elf_memory((char *)img, len + 3 + shlen);
	assert_non_null(elf);

	assert_null(ld_dwarf_open(elf, &dw));
	assert_null(ld_dwarf_member(dw, "ldt_outer_t", "in.y", &off, &size));
	assert_int_equal(off, offsetof(struct ldt_outer, in.y));
	ld_dwarf_destroy(dw);
	elf_end(elf);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_plain),
		cmocka_unit_test(test_member_nested),
		cmocka_unit_test(test_member_typedef),
		cmocka_unit_test(test_member_anonymous),
		cmocka_unit_test(test_member_missing),
		cmocka_unit_test(test_type_size),
		cmocka_unit_test(test_variable),
		cmocka_unit_test(test_variable_pointer),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_producer),
	};
	const struct CMUnitTest standalone[] = {
		cmocka_unit_test(test_no_dwarf),
		cmocka_unit_test(test_compressed_readonly),
		cmocka_unit_test(test_misaligned_section_headers),
	};
	int failed;

	failed = cmocka_run_group_tests_name("dwarf", tests, setup, teardown);
	failed += cmocka_run_group_tests_name("dwarf-open", standalone, NULL,
					      NULL);
	return failed ? 1 : 0;
}
