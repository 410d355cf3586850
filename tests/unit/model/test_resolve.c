// SPDX-License-Identifier: MIT
/*
 * ld_session_resolve() on this test binary's own globals: its symbol table
 * and DWARF (unit tests are built with -g) stand in for a Go binary's, a
 * memory buffer over the globals for the target.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "leakdump/model/resolve.h"

struct ldr_obj {
	uint64_t words[4];
};
typedef struct ldr_obj *ldr_obj_ptr;	/* pointer-shaped, as a Go chan */

/* One block, so one buffer covers them all. */
__attribute__((used)) struct {
	struct ldr_obj obj;
	ldr_obj_ptr ptr;
} ldr_globals;
__attribute__((used)) struct ldr_obj ldr_plain;
__attribute__((used)) ldr_obj_ptr ldr_chanlike;

struct fixture {
	struct ld_session s;
	uint64_t globals_sym;	/* unrelocated address of ldr_globals */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ld_error *err;

	assert_non_null(f);
	assert_null(ld_binary_open("/proc/self/exe", &f->s.bin));
	err = ld_dwarf_open(f->s.bin->elf, &f->s.dw);
	assert_null(err);
	assert_null(ld_binary_symbol(f->s.bin, "ldr_globals", &f->globals_sym,
				     NULL));
	f->s.bias = (uintptr_t)&ldr_globals - f->globals_sym;
	assert_null(ld_mem_create(&f->s.mem));
	assert_null(ld_mem_add_buffer(f->s.mem, (uintptr_t)&ldr_globals,
				      &ldr_globals, sizeof(ldr_globals)));
	assert_null(ld_mem_add_buffer(f->s.mem, (uintptr_t)&ldr_chanlike,
				      &ldr_chanlike, sizeof(ldr_chanlike)));
	ldr_globals.ptr = &ldr_plain;
	ldr_chanlike = &ldr_globals.obj;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ld_mem_destroy(f->s.mem);
	ld_dwarf_destroy(f->s.dw);
	ld_binary_destroy(f->s.bin);
	free(f);
	return 0;
}

static uint64_t resolve(struct fixture *f, const char *expr, bool ptr)
{
	uint64_t addr = 0;
	struct ld_error *err = ld_session_resolve(&f->s, expr, ptr, &addr);

	if (err)
		fail_msg("%s: %s", expr, err->message);
	return addr;
}

static void expect_code(struct fixture *f, const char *expr, int code,
			const char *words)
{
	uint64_t addr = 0;
	struct ld_error *err = ld_session_resolve(&f->s, expr, true, &addr);

	assert_non_null(err);
	assert_int_equal(err->code, code);
	if (!strstr(err->message, words))
		fail_msg("%s: %s lacks '%s'", expr, err->message, words);
	ld_error_destroy(err);
}

/* With DWARF the variable's type decides; & and * say it outright. */
static void test_with_dwarf(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(resolve(f, "ldr_plain", true), (uintptr_t)&ldr_plain);
	assert_int_equal(resolve(f, "ldr_chanlike", false),
			 (uintptr_t)&ldr_globals.obj);
	assert_int_equal(resolve(f, "&ldr_chanlike", true),
			 (uintptr_t)&ldr_chanlike);
	assert_int_equal(resolve(f, "*ldr_globals", false),
			 ldr_globals.obj.words[0]);
	assert_int_equal(resolve(f, "ldr_globals", true),
			 (uintptr_t)&ldr_globals);
}

/* With the symbol table only, pointer_default decides a bare name. */
static void test_symbols_only(void **state)
{
	struct fixture *f = *state;
	struct ld_dwarf *dw = f->s.dw;

	f->s.dw = NULL;
	assert_int_equal(resolve(f, "ldr_chanlike", true),
			 (uintptr_t)&ldr_globals.obj);
	assert_int_equal(resolve(f, "ldr_chanlike", false),
			 (uintptr_t)&ldr_chanlike);
	assert_int_equal(resolve(f, "*ldr_chanlike", false),
			 (uintptr_t)&ldr_globals.obj);
	assert_int_equal(resolve(f, "&ldr_chanlike", true),
			 (uintptr_t)&ldr_chanlike);
	f->s.dw = dw;
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	struct ld_dwarf *dw = f->s.dw;
	bool symtab = f->s.bin->has_symtab;

	expect_code(f, "ldr_nosuch", LD_ERR_LOOKUP, "no global variable ldr_nosuch");
	expect_code(f, "main.nosuch", LD_ERR_LOOKUP, "main.nosuch");
	expect_code(f, "a b", LD_ERR_INVALID, "cannot evaluate a b");
	expect_code(f, "", LD_ERR_INVALID, "cannot evaluate");
	expect_code(f, "&", LD_ERR_INVALID, "cannot evaluate");
	expect_code(f, "**ldr_plain", LD_ERR_INVALID, "cannot evaluate");
	/* ldr_plain is not in the target's memory: its word cannot be read. */
	expect_code(f, "*ldr_plain", LD_ERR_FAULT, "ldr_plain");
	/* Stripped: neither DWARF nor symbols. */
	f->s.dw = NULL;
	f->s.bin->has_symtab = false;
	expect_code(f, "ldr_plain", LD_ERR_LOOKUP, "stripped");
	f->s.bin->has_symtab = symtab;
	f->s.dw = dw;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_with_dwarf),
		cmocka_unit_test(test_symbols_only),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
