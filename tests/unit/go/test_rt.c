// SPDX-License-Identifier: MIT
/*
 * ld_rt_resolve without DWARF on a stripped stand-in binary (only
 * ->has_symtab is read): the supported range, which is the range of the
 * recorded layout tables and must match the go-versions file, and the
 * capability flags each release resolves to.  Expected flags follow the
 * runtime sources: malloc headers and uint16 mspan.freeindex/nelems from
 * Go 1.22 (mbitmap.go, mheap.go), runFinalizers/runCleanups frames shown
 * from 1.25 (traceback.go showfuncinfo), labels after "]" from 1.27.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/go/rt.h"
#include "go/rt_fields.h"

#define MAX_VERSIONS 64

/* The go-versions file at the top of the repository, found from here. */
static int read_versions(int *minors)
{
	const char *tail = strstr(__FILE__, "tests/unit/go/");
	char path[4096], line[1024];
	int n = 0;
	FILE *f;

	assert_non_null(tail);
	snprintf(path, sizeof(path), "%.*sgo-versions",
		 (int)(tail - __FILE__), __FILE__);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL;

		if (line[0] == '#')
			continue;
		for (char *w = strtok_r(line, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			assert_true(n < MAX_VERSIONS);
			assert_int_equal(strncmp(w, "1.", 2), 0);
			minors[n++] = atoi(w + 2);
		}
	}
	fclose(f);
	return n;
}

static struct ld_error *resolve(const char *version, struct ld_rt **rt)
{
	struct ld_binary bin = { .has_symtab = false };

	*rt = NULL;
	return ld_rt_resolve(&bin, NULL, version, rt);
}

static void test_tables_follow_go_versions(void **state)
{
	int minors[MAX_VERSIONS];
	int n = read_versions(minors);

	(void)state;
	assert_true(n > 0);
	assert_int_equal((int)ld_nlayouts, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(ld_layouts[i].go_minor, minors[i]);
}

static void expect_unsupported(const char *version, const char *message)
{
	struct ld_rt *rt;
	struct ld_error *err = resolve(version, &rt);

	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_UNSUPPORTED);
	assert_string_equal(err->message, message);
	assert_null(rt);
	ld_error_destroy(err);
}

static void test_outside_range(void **state)
{
	int minors[MAX_VERSIONS];
	int n = read_versions(minors);
	char version[32], want[128];

	(void)state;
	snprintf(version, sizeof(version), "go1.%d.5", minors[0] - 1);
	snprintf(want, sizeof(want),
		 "%s is outside the supported range go1.%d to go1.%d",
		 version, minors[0], minors[n - 1]);
	expect_unsupported(version, want);
	snprintf(version, sizeof(version), "go1.%d", minors[n - 1] + 1);
	snprintf(want, sizeof(want),
		 "%s is outside the supported range go1.%d to go1.%d",
		 version, minors[0], minors[n - 1]);
	expect_unsupported(version, want);
	snprintf(want, sizeof(want),
		 "go2.%d is outside the supported range go1.%d to go1.%d",
		 minors[0], minors[0], minors[n - 1]);
	snprintf(version, sizeof(version), "go2.%d", minors[0]);
	expect_unsupported(version, want);
	expect_unsupported("devel +abc", "unrecognised Go version \"devel +abc\"");
}

static void test_caps_per_release(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ld_nlayouts; i++) {
		int minor = ld_layouts[i].go_minor;
		struct ld_rt *rt;
		struct ld_error *err = resolve(ld_layouts[i].reference, &rt);

		assert_null(err);
		assert_int_equal(rt->go_minor, minor);
		assert_true(rt->stripped);
		assert_false(rt->has_dwarf);
		assert_int_equal(rt->malloc_headers, minor >= 22);
		assert_int_equal(rt->span_index_width, minor >= 22 ? 2 : 8);
		assert_int_equal(rt->show_finalizer_frames, minor >= 25);
		assert_int_equal(rt->labels_after_bracket, minor >= 27);
		assert_int_equal(rt->labels_slice, minor >= 24);
		assert_int_equal(rt->arena_ptr_bitmap, minor <= 21);
		assert_int_equal(rt->span_heap_bits, minor >= 22);
		assert_int_equal(rt->type_gcprog_kind, minor <= 23);
		assert_int_equal(rt->type_gcmask_on_demand, minor >= 24);
		/* Go 1.21 only has the arena bitmap; greenteagc from 1.26 */
		assert_int_equal(rt->heap.ha_bitmap >= 0, minor <= 21);
		assert_int_equal(rt->heap.inline_mark_bits_size,
				 minor >= 26 ? 128 : 0);
		assert_int_equal(rt->special_weak, minor >= 23);
		assert_int_equal(rt->special_cleanup, minor >= 24);
		assert_int_equal(rt->cleanup_queue, minor >= 25);
		/* the off-heap roots' layouts, for every release */
		assert_true(rt->roots.finblock_size || rt->roots.finblock2_size);
		assert_int_equal(rt->roots.finalizer_size, 40);
		assert_true(rt->roots.p_mcache >= 0);
		/* stack objects' pointer masks hang off moduledata.rodata */
		assert_true(rt->md.rodata > 0);
		assert_true(rt->roots.mcache_tiny >= 0);
		if (minor >= 23)
			assert_true(rt->kind_special_weak_handle > 0 &&
				    rt->roots.specialweakhandle_size > 0);
		if (minor >= 24)
			assert_true(rt->kind_special_cleanup > 0 &&
				    rt->roots.specialcleanup_size > 0);
		if (minor >= 25)
			assert_true(rt->roots.cq_all >= 0 &&
				    rt->roots.cb_n >= 0 &&
				    rt->roots.cb_cleanups >= 0 &&
				    rt->roots.cleanupblock_size > 0);
		/* the table was applied */
		assert_int_equal(rt->g.goid, ld_layouts[i].members[LD_RTM_G_GOID]);
		free(rt);
	}
}

/* Tests that fill a struct ld_rt by hand get the same flags. */
static void test_caps_by_hand(void **state)
{
	struct ld_rt rt;

	(void)state;
	memset(&rt, 0, sizeof(rt));
	rt.go_minor = 21;
	ld_rt_resolve_caps(&rt);
	assert_false(rt.malloc_headers);
	assert_int_equal(rt.span_index_width, 8);
	rt.go_minor = 27;
	ld_rt_resolve_caps(&rt);
	assert_true(rt.malloc_headers);
	assert_int_equal(rt.span_index_width, 2);
	assert_true(rt.show_finalizer_frames);
	assert_true(rt.labels_after_bracket);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_follow_go_versions),
		cmocka_unit_test(test_outside_range),
		cmocka_unit_test(test_caps_per_release),
		cmocka_unit_test(test_caps_by_hand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
