// SPDX-License-Identifier: MIT
/*
 * ext/go/funcname.c: what a function's name says about showing it in a
 * traceback (runtime/traceback.go showfuncinfo, isExportedRuntime).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "leakdump/go/funcname.h"

static void test_exported_runtime(void **state)
{
	assert_true(ld_funcname_exported_runtime("runtime.Gosched"));
	assert_true(ld_funcname_exported_runtime("runtime.(*Func).Name"));
	assert_true(ld_funcname_exported_runtime("runtime.Frames.Next"));
	assert_false(ld_funcname_exported_runtime("runtime.gopark"));
	assert_false(ld_funcname_exported_runtime("runtime.(*mheap).alloc"));
	assert_false(ld_funcname_exported_runtime("runtime.(*Func).name"));
	assert_false(ld_funcname_exported_runtime("runtime.(*m).Lock"));
	assert_false(ld_funcname_exported_runtime("main.Main"));
	assert_false(ld_funcname_exported_runtime("runtime/debug.Stack"));
}

static void test_flags(void **state)
{
	assert_int_equal(ld_funcname_flags("main.main"),
			 LD_NAME_KNOWN | LD_NAME_SHOWN);
	assert_int_equal(ld_funcname_flags("sync.(*WaitGroup).Wait"),
			 LD_NAME_KNOWN | LD_NAME_SHOWN);
	assert_int_equal(ld_funcname_flags("runtime/debug.Stack"),
			 LD_NAME_KNOWN | LD_NAME_SHOWN);
	assert_int_equal(ld_funcname_flags("runtime.Gosched"),
			 LD_NAME_KNOWN | LD_NAME_SHOWN);
	assert_int_equal(ld_funcname_flags("runtime.gopark"), LD_NAME_KNOWN);
	assert_int_equal(ld_funcname_flags("runtime.gopanic"),
			 LD_NAME_KNOWN | LD_NAME_GOPANIC);
	/* No package: not shown. */
	assert_int_equal(ld_funcname_flags("gogo"), LD_NAME_KNOWN);
	assert_int_equal(ld_funcname_flags(""), LD_NAME_KNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exported_runtime),
		cmocka_unit_test(test_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
