// SPDX-License-Identifier: MIT
/*
 * The pclntab decoder on small tables assembled in memory (synth_pcln.h).
 * The functions below sit at these text offsets:
 *
 *   0x010-0x040 runtime.first	sp, pcdata and funcdata cases
 *   0x040-0x080 main.outer	two levels of inlining
 *   0x080-0x280 main.big	multi-byte varints, negative values, cu_offset
 *   0x280-0x2a0 main.noline	no tables at all
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "leakdump/go/pcln.h"
#include "synth_pcln.h"

#define TEXT		0x400000ull
#define GOFUNC_SIZE	0x100
#define INLTREE_OFF	0x40
#define BAD_INL_INDEX	50	/* 0x40 + 50 * 16 is past GOFUNC_SIZE */

static const char *const files[] = { "a.go", "b.go", "c.go", NULL };
static const char *const inline_names[] = { "main.middle", "main.add", NULL };

static const struct synth_func std_funcs[] = {
	{
		.name = "runtime.first", .entry = 0x10, .args = 24,
		.start_line = 4, .funcid = 7, .flag = LD_FUNCFLAG_TOPFRAME,
		.pcsp = (const struct synth_range[]){
			{ 0, 0x04 }, { 8, 0x20 }, { 0x58, 0x2c }, { 0, 0x30 },
			{ 0, 0 } },
		.pcfile = (const struct synth_range[]){ { 0, 0x30 }, { 0, 0 } },
		.pcln = (const struct synth_range[]){
			{ 5, 0x10 }, { 6, 0x30 }, { 0, 0 } },
		.npcdata = 2,
		.pcdata = {
			(const struct synth_range[]){
				{ -2, 0x08 }, { -1, 0x30 }, { 0, 0 } },
			NULL,
		},
		.nfuncdata = 4,
		.funcdata = { 0x10, SYNTH_ABSENT, 0x1000, SYNTH_ABSENT },
	},
	{
		.name = "main.outer", .entry = 0x40, .start_line = 18,
		.pcsp = (const struct synth_range[]){ { 0, 0x40 }, { 0, 0 } },
		.pcfile = (const struct synth_range[]){
			{ 0, 0x20 }, { 1, 0x30 }, { 0, 0x40 }, { 0, 0 } },
		.pcln = (const struct synth_range[]){
			{ 20, 0x10 }, { 15, 0x20 }, { 11, 0x30 }, { 22, 0x40 },
			{ 0, 0 } },
		.npcdata = 3,
		.pcdata = {
			NULL, NULL,
			(const struct synth_range[]){
				{ -1, 0x10 }, { 0, 0x20 }, { 1, 0x30 },
				{ -1, 0x38 }, { BAD_INL_INDEX, 0x40 },
				{ 0, 0 } },
		},
		.nfuncdata = 4,
		.funcdata = { SYNTH_ABSENT, SYNTH_ABSENT, SYNTH_ABSENT,
			      INLTREE_OFF },
	},
	{
		.name = "main.big", .entry = 0x80, .cu_offset = 1,
		.pcsp = (const struct synth_range[]){
			{ 16, 0x04 }, { -8, 0x190 }, { 1000, 0x1a0 },
			{ -70000, 0x200 }, { 0, 0 } },
		.pcfile = (const struct synth_range[]){
			{ 0, 0x100 }, { 1, 0x140 }, { 2, 0x180 }, { 3, 0x200 },
			{ 0, 0 } },
		.pcln = (const struct synth_range[]){
			{ 100, 0x200 }, { 0, 0 } },
	},
	{ .name = "main.noline", .entry = 0x280 },
};

static const struct synth_desc std_desc = {
	.funcs = std_funcs,
	.nfunc = 4,
	.text_end = 0x2a0,
	.files = files,
	.nfiles = 4,
	.extra_names = inline_names,
	.header_text_start = 0x1000,
};

struct fixture {
	struct synth_tab tab;
	uint8_t gofunc[GOFUNC_SIZE];
	struct ld_pcln *p;
};

static void fill_inline_tree(struct fixture *fx)
{
	uint32_t middle = synth_name_off(&fx->tab, "main.middle");
	uint32_t add = synth_name_off(&fx->tab, "main.add");

	/* main.middle called from outer at +0x08; main.add from middle */
	synth_inlined_call(fx->gofunc, INLTREE_OFF, 0, middle, 0x08, 14);
	synth_inlined_call(fx->gofunc, INLTREE_OFF + 16, 3, add, 0x14, 10);
}

static struct ld_error *fixture_open(struct fixture *fx)
{
	struct ld_pcln_config cfg = {
		.data = fx->tab.buf,
		.size = fx->tab.size,
		.text_start = TEXT,
		.gofunc = fx->gofunc,
		.gofunc_size = sizeof(fx->gofunc),
	};

	return ld_pcln_open(&cfg, &fx->p);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || !synth_build(&std_desc, &fx->tab))
		return -1;
	fill_inline_tree(fx);
	if (fixture_open(fx))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	ld_pcln_destroy(fx->p);
	synth_free(&fx->tab);
	free(fx);
	return 0;
}

static void assert_error(struct ld_error *err, enum ld_error_code code)
{
	assert_non_null(err);
	assert_int_equal(err->code, code);
	ld_error_destroy(err);
}

static struct ld_func get_func(struct fixture *fx, uint64_t off)
{
	struct ld_func f;

	assert_true(ld_pcln_find_func(fx->p, TEXT + off, &f));
	return f;
}

/* ---- opening and lookup ----------------------------------------------- */

static void test_open_basics(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(ld_pcln_nfunc(fx->p), 4);
	assert_int_equal(ld_pcln_text_start(fx->p), TEXT);
}

static void test_header_text_start(void **state)
{
	struct fixture *fx = *state;
	struct ld_pcln_config cfg = { .data = fx->tab.buf,
				      .size = fx->tab.size };
	struct ld_pcln *p;
	struct ld_func f;

	/* text_start 0 in the config: fall back to the header's field */
	assert_null(ld_pcln_open(&cfg, &p));
	assert_int_equal(ld_pcln_text_start(p), 0x1000);
	assert_true(ld_pcln_find_func(p, 0x1040, &f));
	assert_string_equal(f.name, "main.outer");
	assert_int_equal(f.entry, 0x1040);
	/* no gofunc buffer: every funcdata is absent */
	assert_null(ld_pcln_funcdata(p, &f, LD_FUNCDATA_INL_TREE));
	ld_pcln_destroy(p);
	ld_pcln_destroy(NULL);
}

static void test_find_func_boundaries(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f;

	assert_false(ld_pcln_find_func(fx->p, 0, &f));
	assert_false(ld_pcln_find_func(fx->p, TEXT - 1, &f));
	assert_false(ld_pcln_find_func(fx->p, TEXT, &f));
	assert_false(ld_pcln_find_func(fx->p, TEXT + 0xf, &f));

	f = get_func(fx, 0x10);
	assert_string_equal(f.name, "runtime.first");
	assert_int_equal(f.entry, TEXT + 0x10);
	f = get_func(fx, 0x3f);
	assert_string_equal(f.name, "runtime.first");
	f = get_func(fx, 0x40);
	assert_string_equal(f.name, "main.outer");
	f = get_func(fx, 0x7f);
	assert_string_equal(f.name, "main.outer");
	f = get_func(fx, 0x80);
	assert_string_equal(f.name, "main.big");
	f = get_func(fx, 0x29f);
	assert_string_equal(f.name, "main.noline");

	/* the last ftab entry marks the end of text, not a function */
	assert_false(ld_pcln_find_func(fx->p, TEXT + 0x2a0, &f));
	assert_false(ld_pcln_find_func(fx->p, TEXT + 0x100000, &f));
	assert_false(ld_pcln_find_func(fx->p, TEXT + (1ull << 32) + 0x40, &f));
	assert_false(ld_pcln_find_func(fx->p, UINT64_MAX, &f));
}

static void test_func_fields(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f;

	assert_true(ld_pcln_func_at(fx->p, 0, &f));
	assert_string_equal(f.name, "runtime.first");
	assert_int_equal(f.args, 24);
	assert_int_equal(f.start_line, 4);
	assert_int_equal(f.funcid, 7);
	assert_int_equal(f.flag, LD_FUNCFLAG_TOPFRAME);
	assert_int_equal(f.npcdata, 2);
	assert_int_equal(f.nfuncdata, 4);
	assert_int_equal(f.cu_offset, 0);
	assert_ptr_equal(f.raw, fx->tab.buf + fx->tab.func_off[0]);

	assert_true(ld_pcln_func_at(fx->p, 3, &f));
	assert_string_equal(f.name, "main.noline");
	assert_int_equal(f.pcsp, 0);
	assert_false(ld_pcln_func_at(fx->p, 4, &f));
	assert_false(ld_pcln_func_at(fx->p, UINT32_MAX, &f));
}

static void test_find_by_name(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f;

	/* twice each: the first call builds the hash, later ones use it */
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < 4; i++) {
			assert_true(ld_pcln_find_func_by_name(fx->p,
						std_funcs[i].name, &f));
			assert_string_equal(f.name, std_funcs[i].name);
			assert_int_equal(f.entry, TEXT + std_funcs[i].entry);
		}
		assert_false(ld_pcln_find_func_by_name(fx->p, "main.nope", &f));
		assert_false(ld_pcln_find_func_by_name(fx->p, "", &f));
		/* an inlined-only name is no function of its own */
		assert_false(ld_pcln_find_func_by_name(fx->p, "main.add", &f));
	}
}

static void test_name_at(void **state)
{
	struct fixture *fx = *state;
	uint32_t add = synth_name_off(&fx->tab, "main.add");
	size_t names_len = fx->tab.cutab - fx->tab.funcnametab;

	/* offset 0 is the first function's name, not "" */
	assert_string_equal(ld_pcln_name_at(fx->p, 0), "runtime.first");
	assert_string_equal(ld_pcln_name_at(fx->p, (int32_t)add), "main.add");
	/* the middle of a name is still a string */
	assert_string_equal(ld_pcln_name_at(fx->p, (int32_t)add + 5), "add");
	assert_null(ld_pcln_name_at(fx->p, -1));
	assert_null(ld_pcln_name_at(fx->p, (int32_t)names_len));
	assert_null(ld_pcln_name_at(fx->p, INT32_MAX));
}

/* ---- pc-value tables -------------------------------------------------- */

static int32_t value_at(struct fixture *fx, const struct ld_func *f,
			uint32_t table, uint64_t off)
{
	int32_t v = 12345;

	assert_null(ld_pcln_value(fx->p, f, table, TEXT + off, &v));
	return v;
}

static void test_spdelta(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f = get_func(fx, 0x10);
	int32_t sp;

	assert_null(ld_pcln_spdelta(fx->p, &f, TEXT + 0x10, &sp));
	assert_int_equal(sp, 0);
	assert_null(ld_pcln_spdelta(fx->p, &f, TEXT + 0x13, &sp));
	assert_int_equal(sp, 0);
	assert_null(ld_pcln_spdelta(fx->p, &f, TEXT + 0x14, &sp));
	assert_int_equal(sp, 8);
	assert_null(ld_pcln_spdelta(fx->p, &f, TEXT + 0x2f, &sp));
	assert_int_equal(sp, 8);
	assert_null(ld_pcln_spdelta(fx->p, &f, TEXT + 0x30, &sp));
	assert_int_equal(sp, 0x58);
	assert_null(ld_pcln_spdelta(fx->p, &f, TEXT + 0x3f, &sp));
	assert_int_equal(sp, 0);
	/* past the table's end, as the runtime's "invalid pc-encoded table" */
	assert_error(ld_pcln_spdelta(fx->p, &f, TEXT + 0x40, &sp),
		     LD_ERR_NOT_FOUND);

	/* no pcsp table at all: -1, no error */
	f = get_func(fx, 0x280);
	assert_null(ld_pcln_spdelta(fx->p, &f, TEXT + 0x280, &sp));
	assert_int_equal(sp, -1);
}

static void test_multibyte_and_negative(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f = get_func(fx, 0x80);

	assert_int_equal(value_at(fx, &f, f.pcsp, 0x80), 16);
	assert_int_equal(value_at(fx, &f, f.pcsp, 0x83), 16);
	assert_int_equal(value_at(fx, &f, f.pcsp, 0x84), -8);
	/* 0x18c-byte pc delta: a two-byte varint */
	assert_int_equal(value_at(fx, &f, f.pcsp, 0x80 + 0x18f), -8);
	/* +1008: a two-byte value delta */
	assert_int_equal(value_at(fx, &f, f.pcsp, 0x80 + 0x190), 1000);
	assert_int_equal(value_at(fx, &f, f.pcsp, 0x80 + 0x19f), 1000);
	/* -71000: a three-byte negative value delta */
	assert_int_equal(value_at(fx, &f, f.pcsp, 0x80 + 0x1a0), -70000);
	assert_int_equal(value_at(fx, &f, f.pcsp, 0x80 + 0x1ff), -70000);
	assert_int_equal(value_at(fx, &f, 0, 0x80), -1);
}

/* Tables written byte by byte, independent of the test encoder. */
static const uint8_t raw_tables[] = {
	/* +0: val 0 until +4, then uv 129 (-65) until +404 (pc delta 400) */
	0x02, 0x04, 0x81, 0x01, 0x90, 0x03, 0x00,
	/* +7: first value delta 0 means "-1"; then +2 (val 1) until +16 */
	0x00, 0x08, 0x04, 0x08, 0x00,
	/*
	 * +12: a zero delta while the pc has not moved yet still counts as
	 * the first step (the runtime's rule), so this table has two steps
	 */
	0x02, 0x00, 0x00, 0x05, 0x00,
	/* +17: 5-byte varint value delta (+0x7fffffff * 2 zigzagged) */
	0xfe, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x00,
	/* +24: over-long varint */
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x00,
	/* +33: varint truncated by the end of pctab */
	0x04, 0x80,
};

static struct ld_pcln *open_raw(struct synth_tab *tab, uint8_t min_lc)
{
	struct synth_desc d = std_desc;
	struct ld_pcln_config cfg = { .text_start = TEXT };
	struct ld_pcln *p;

	d.raw_pctab = raw_tables;
	d.raw_pctab_len = sizeof(raw_tables);
	d.min_lc = min_lc;
	assert_true(synth_build(&d, tab));
	cfg.data = tab->buf;
	cfg.size = tab->size;
	/* pctab must end where the raw bytes end for the truncation case */
	assert_int_equal(tab->pctab + tab->raw_off + sizeof(raw_tables),
			 tab->pclntab);
	assert_null(ld_pcln_open(&cfg, &p));
	return p;
}

static void test_raw_encoding(void **state)
{
	struct synth_tab tab;
	struct ld_pcln *p = open_raw(&tab, 1);
	struct ld_func f;
	uint32_t raw = (uint32_t)tab.raw_off;
	int32_t v;

	assert_true(ld_pcln_find_func(p, TEXT + 0x80, &f));
	assert_null(ld_pcln_value(p, &f, raw, f.entry + 3, &v));
	assert_int_equal(v, 0);
	assert_null(ld_pcln_value(p, &f, raw, f.entry + 4, &v));
	assert_int_equal(v, -65);
	assert_null(ld_pcln_value(p, &f, raw, f.entry + 403, &v));
	assert_int_equal(v, -65);
	assert_error(ld_pcln_value(p, &f, raw, f.entry + 404, &v),
		     LD_ERR_NOT_FOUND);

	assert_null(ld_pcln_value(p, &f, raw + 7, f.entry + 7, &v));
	assert_int_equal(v, -1);
	assert_null(ld_pcln_value(p, &f, raw + 7, f.entry + 8, &v));
	assert_int_equal(v, 1);

	assert_null(ld_pcln_value(p, &f, raw + 12, f.entry + 4, &v));
	assert_int_equal(v, 0);

	assert_null(ld_pcln_value(p, &f, raw + 17, f.entry, &v));
	assert_int_equal(v, INT32_MAX - 1);

	assert_error(ld_pcln_value(p, &f, raw + 24, f.entry, &v),
		     LD_ERR_FORMAT);
	assert_error(ld_pcln_value(p, &f, raw + 33, f.entry, &v),
		     LD_ERR_FORMAT);
	/* the last byte of pctab: a step that cannot be complete */
	assert_error(ld_pcln_value(p, &f, raw + 34, f.entry, &v),
		     LD_ERR_FORMAT);
	/* an offset at or past the end of pctab */
	assert_error(ld_pcln_value(p, &f, raw + 35, f.entry, &v),
		     LD_ERR_FORMAT);
	assert_error(ld_pcln_value(p, &f, UINT32_MAX, f.entry, &v),
		     LD_ERR_FORMAT);
	ld_pcln_destroy(p);
	synth_free(&tab);
}

static void test_min_lc(void **state)
{
	struct synth_tab tab;
	struct ld_pcln *p = open_raw(&tab, 4);
	struct ld_func f;
	int32_t v;

	/* pc deltas count instructions of min_lc bytes each */
	assert_true(ld_pcln_find_func(p, TEXT + 0x80, &f));
	assert_null(ld_pcln_value(p, &f, (uint32_t)tab.raw_off, f.entry + 15,
				  &v));
	assert_int_equal(v, 0);
	assert_null(ld_pcln_value(p, &f, (uint32_t)tab.raw_off, f.entry + 16,
				  &v));
	assert_int_equal(v, -65);
	assert_null(ld_pcln_value(p, &f, (uint32_t)tab.raw_off,
				  f.entry + 1615, &v));
	assert_int_equal(v, -65);
	/* the encoder divided std_funcs' ranges by 4: same answers */
	assert_null(ld_pcln_spdelta(p, &f, f.entry + 0x190, &v));
	assert_int_equal(v, 1000);
	ld_pcln_destroy(p);
	synth_free(&tab);
}

static void test_pcdata(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f = get_func(fx, 0x10);

	assert_int_equal(ld_pcln_pcdata(fx->p, &f, LD_PCDATA_UNSAFE_POINT,
					TEXT + 0x10), -2);
	assert_int_equal(ld_pcln_pcdata(fx->p, &f, LD_PCDATA_UNSAFE_POINT,
					TEXT + 0x18), -1);
	/* table offset 0, index past npcdata, pc past the table: all -1 */
	assert_int_equal(ld_pcln_pcdata(fx->p, &f, LD_PCDATA_STACK_MAP_INDEX,
					TEXT + 0x10), -1);
	assert_int_equal(ld_pcln_pcdata(fx->p, &f, LD_PCDATA_INL_TREE_INDEX,
					TEXT + 0x10), -1);
	assert_int_equal(ld_pcln_pcdata(fx->p, &f, UINT32_MAX, TEXT + 0x10),
			 -1);
	assert_int_equal(ld_pcln_pcdata(fx->p, &f, LD_PCDATA_UNSAFE_POINT,
					TEXT + 0x40), -1);

	f = get_func(fx, 0x40);
	assert_int_equal(ld_pcln_pcdata(fx->p, &f, LD_PCDATA_INL_TREE_INDEX,
					TEXT + 0x64), 1);
}

static void test_funcdata(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f = get_func(fx, 0x10);

	assert_ptr_equal(ld_pcln_funcdata(fx->p, &f, 0), fx->gofunc + 0x10);
	assert_null(ld_pcln_funcdata(fx->p, &f, 1));	/* 0xffffffff */
	assert_null(ld_pcln_funcdata(fx->p, &f, 2));	/* past gofunc */
	assert_null(ld_pcln_funcdata(fx->p, &f, LD_FUNCDATA_INL_TREE));
	assert_null(ld_pcln_funcdata(fx->p, &f, 4));	/* >= nfuncdata */
	assert_null(ld_pcln_funcdata(fx->p, &f, UINT32_MAX));

	f = get_func(fx, 0x40);
	assert_ptr_equal(ld_pcln_funcdata(fx->p, &f, LD_FUNCDATA_INL_TREE),
			 fx->gofunc + INLTREE_OFF);
	f = get_func(fx, 0x280);
	assert_null(ld_pcln_funcdata(fx->p, &f, 0));
}

static void test_file_line(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f = get_func(fx, 0x10);
	const char *file;
	int32_t line;

	ld_pcln_file_line(fx->p, &f, TEXT + 0x10, &file, &line);
	assert_string_equal(file, "a.go");
	assert_int_equal(line, 5);
	ld_pcln_file_line(fx->p, &f, TEXT + 0x20, &file, &line);
	assert_string_equal(file, "a.go");
	assert_int_equal(line, 6);
	ld_pcln_file_line(fx->p, &f, TEXT + 0x40, &file, &line);
	assert_string_equal(file, "?");
	assert_int_equal(line, 0);

	/* main.big's files are relative to cutab[1] */
	f = get_func(fx, 0x80);
	ld_pcln_file_line(fx->p, &f, TEXT + 0x80, &file, &line);
	assert_string_equal(file, "b.go");
	assert_int_equal(line, 100);
	ld_pcln_file_line(fx->p, &f, TEXT + 0x80 + 0x100, &file, &line);
	assert_string_equal(file, "c.go");
	/* cutab holds ~0 there: "?", but the line stands (as funcline1) */
	ld_pcln_file_line(fx->p, &f, TEXT + 0x80 + 0x140, &file, &line);
	assert_string_equal(file, "?");
	assert_int_equal(line, 100);
	/* index past the end of cutab */
	ld_pcln_file_line(fx->p, &f, TEXT + 0x80 + 0x180, &file, &line);
	assert_string_equal(file, "?");
	assert_int_equal(line, 100);

	f = get_func(fx, 0x280);
	ld_pcln_file_line(fx->p, &f, TEXT + 0x280, &file, &line);
	assert_string_equal(file, "?");
	assert_int_equal(line, 0);
}

/* ---- inline expansion ------------------------------------------------- */

static void assert_frame(const struct ld_logical_frame *fr, const char *name,
			 const char *file, int32_t line, bool inlined,
			 uint64_t pc)
{
	assert_string_equal(fr->name, name);
	assert_string_equal(fr->file, file);
	assert_int_equal(fr->line, line);
	assert_int_equal(fr->inlined, inlined);
	assert_int_equal(fr->pc, pc);
}

static void test_expand_two_levels(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f = get_func(fx, 0x40);
	struct ld_logical_frame fr[4];

	/* pc in main.add, inlined into main.middle, inlined into outer */
	assert_int_equal(ld_pcln_expand(fx->p, &f, TEXT + 0x64, fr, 4), 3);
	assert_frame(&fr[0], "main.add", "b.go", 11, true, TEXT + 0x64);
	assert_int_equal(fr[0].funcid, 3);
	assert_int_equal(fr[0].start_line, 10);
	assert_frame(&fr[1], "main.middle", "a.go", 15, true, TEXT + 0x54);
	assert_int_equal(fr[1].funcid, 0);
	assert_int_equal(fr[1].start_line, 14);
	assert_frame(&fr[2], "main.outer", "a.go", 20, false, TEXT + 0x48);
	assert_int_equal(fr[2].start_line, 18);

	/* one level */
	assert_int_equal(ld_pcln_expand(fx->p, &f, TEXT + 0x50, fr, 4), 2);
	assert_frame(&fr[0], "main.middle", "a.go", 15, true, TEXT + 0x50);
	assert_frame(&fr[1], "main.outer", "a.go", 20, false, TEXT + 0x48);

	/* not inlined at this pc */
	assert_int_equal(ld_pcln_expand(fx->p, &f, TEXT + 0x70, fr, 4), 1);
	assert_frame(&fr[0], "main.outer", "a.go", 22, false, TEXT + 0x70);
}

static void test_expand_small_out(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f = get_func(fx, 0x40);
	struct ld_logical_frame fr[2];

	memset(fr, 0, sizeof(fr));
	assert_int_equal(ld_pcln_expand(fx->p, &f, TEXT + 0x64, fr, 1), 3);
	assert_string_equal(fr[0].name, "main.add");
	assert_null(fr[1].name);	/* untouched */
	assert_int_equal(ld_pcln_expand(fx->p, &f, TEXT + 0x64, NULL, 0), 3);
}

static void test_expand_no_tree(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f = get_func(fx, 0x80);
	struct ld_logical_frame fr[2];

	assert_int_equal(ld_pcln_expand(fx->p, &f, TEXT + 0x90, fr, 2), 1);
	assert_frame(&fr[0], "main.big", "b.go", 100, false, TEXT + 0x90);
	assert_int_equal(fr[0].funcid, 0);
}

static void test_expand_malformed(void **state)
{
	struct fixture *fx = *state;
	struct ld_func f = get_func(fx, 0x40);
	struct ld_logical_frame fr[4];
	size_t n;

	/* an index past the gofunc buffer stops the walk at f itself */
	assert_int_equal(ld_pcln_expand(fx->p, &f, TEXT + 0x7c, fr, 4), 1);
	assert_frame(&fr[0], "main.outer", "a.go", 22, false, TEXT + 0x7c);

	/* a tree whose parent pc leads back into itself must still end */
	synth_inlined_call(fx->gofunc, INLTREE_OFF, 0, 0x7fffffff, 0x14, 14);
	n = ld_pcln_expand(fx->p, &f, TEXT + 0x54, fr, 4);
	assert_true(n > 4 && n <= 2000);
	assert_string_equal(fr[0].name, "?");	/* bad name offset */
	assert_true(fr[0].inlined);
	fill_inline_tree(fx);
}

/* ---- malformed tables ------------------------------------------------- */

static void expect_open_error(const uint8_t *data, size_t size,
			      enum ld_error_code code)
{
	struct ld_pcln_config cfg = { .data = data, .size = size,
				      .text_start = TEXT };
	struct ld_pcln *p = (struct ld_pcln *)&cfg;

	assert_error(ld_pcln_open(&cfg, &p), code);
	assert_null(p);
}

static void test_bad_header(void **state)
{
	struct fixture *fx = *state;
	size_t size = fx->tab.size;
	uint8_t *copy = malloc(size);
	struct ld_pcln_config none = { 0 };
	struct ld_pcln *p;

	assert_non_null(copy);
	assert_error(ld_pcln_open(&none, &p), LD_ERR_INVALID);

#define CORRUPT(off, val, n, code) do {				\
		uint64_t v_ = (val);					\
		memcpy(copy, fx->tab.buf, size);			\
		memcpy(copy + (off), &v_, (n));				\
		expect_open_error(copy, size, (code));			\
	} while (0)

	CORRUPT(0, 0xfffffff0u, 4, LD_ERR_FORMAT);	/* Go 1.18 magic */
	CORRUPT(0, 0xfffffffbu, 4, LD_ERR_FORMAT);	/* Go 1.2 magic */
	CORRUPT(0, 0xf1ffffffu, 4, LD_ERR_UNSUPPORTED);	/* big-endian */
	CORRUPT(7, 3, 1, LD_ERR_FORMAT);		/* pointer size */
	CORRUPT(6, 3, 1, LD_ERR_FORMAT);		/* quantum */
	CORRUPT(8, 1ull << 40, 8, LD_ERR_FORMAT);	/* nfunc */
	CORRUPT(8, 1000, 8, LD_ERR_FORMAT);	/* ftab runs off the end */
	CORRUPT(8 + 3 * 8, size + 1, 8, LD_ERR_FORMAT);	/* funcnametab */
	CORRUPT(8 + 7 * 8, size + 1, 8, LD_ERR_FORMAT);	/* pclntab */
	CORRUPT(8 + 7 * 8, 16, 8, LD_ERR_FORMAT);	/* inside header */
	/* ftab out of order */
	CORRUPT(fx->tab.pclntab + 8, 0x5, 4, LD_ERR_FORMAT);
	/* a funcoff whose _func would not fit */
	CORRUPT(fx->tab.pclntab + 4, size, 4, LD_ERR_FORMAT);
#undef CORRUPT

	/* truncations: header, then everything up to the pclntable */
	expect_open_error(fx->tab.buf, 0, LD_ERR_FORMAT);
	expect_open_error(fx->tab.buf, 7, LD_ERR_FORMAT);
	expect_open_error(fx->tab.buf, fx->tab.hdr_size - 1, LD_ERR_FORMAT);
	for (size_t n = fx->tab.hdr_size; n < fx->tab.pclntab + 5 * 8; n++)
		expect_open_error(fx->tab.buf, n, LD_ERR_FORMAT);
	free(copy);
}

/*
 * Every prefix of the table that still opens must answer every query
 * without reading past the prefix (ASan watches the heap copy).
 */
static void test_truncated_everywhere(void **state)
{
	struct fixture *fx = *state;
	size_t size = fx->tab.size;

	for (size_t n = 0; n <= size; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct ld_pcln_config cfg = { .data = copy, .size = n,
					      .text_start = TEXT,
					      .gofunc = fx->gofunc,
					      .gofunc_size = GOFUNC_SIZE };
		struct ld_logical_frame fr[4];
		struct ld_func fr_func;
		struct ld_pcln *p;
		struct ld_error *err;

		assert_non_null(copy);
		memcpy(copy, fx->tab.buf, n);
		err = ld_pcln_open(&cfg, &p);
		if (err) {
			ld_error_destroy(err);
			free(copy);
			continue;
		}
		for (uint64_t off = 0; off < 0x2a8; off += 4) {
			struct ld_func f;
			const char *file;
			int32_t line, sp;

			if (!ld_pcln_find_func(p, TEXT + off, &f))
				continue;
			ld_error_destroy(ld_pcln_spdelta(p, &f, TEXT + off,
							 &sp));
			ld_pcln_file_line(p, &f, TEXT + off, &file, &line);
			ld_pcln_expand(p, &f, TEXT + off, fr, 4);
		}
		ld_pcln_find_func_by_name(p, "main.big", &fr_func);
		ld_pcln_destroy(p);
		free(copy);
	}
}

static void test_bad_func_records(void **state)
{
	struct fixture *fx = *state;
	size_t size = fx->tab.size;
	size_t big = fx->tab.func_off[2];
	uint8_t *copy = malloc(size);
	struct ld_pcln_config cfg = { .data = copy, .size = size,
				      .text_start = TEXT };
	struct ld_pcln *p;
	struct ld_func f;
	const char *file;
	int32_t line, sp;
	uint32_t v;

	assert_non_null(copy);

	/* nameOff past funcnametab: the function reads as "not found" */
	memcpy(copy, fx->tab.buf, size);
	v = 0x7fffff00;
	memcpy(copy + big + 4, &v, 4);
	assert_null(ld_pcln_open(&cfg, &p));
	assert_false(ld_pcln_find_func(p, TEXT + 0x80, &f));
	assert_false(ld_pcln_func_at(p, 2, &f));
	assert_false(ld_pcln_find_func_by_name(p, "main.big", &f));
	assert_true(ld_pcln_find_func(p, TEXT + 0x40, &f));
	ld_pcln_destroy(p);

	/* npcdata so large the arrays cannot fit */
	memcpy(copy, fx->tab.buf, size);
	v = 0x40000000;
	memcpy(copy + big + 28, &v, 4);
	assert_null(ld_pcln_open(&cfg, &p));
	assert_false(ld_pcln_find_func(p, TEXT + 0x80, &f));
	ld_pcln_destroy(p);

	/* entryOff disagreeing with the ftab */
	memcpy(copy, fx->tab.buf, size);
	v = 0x90;
	memcpy(copy + big, &v, 4);
	assert_null(ld_pcln_open(&cfg, &p));
	assert_false(ld_pcln_find_func(p, TEXT + 0x80, &f));
	ld_pcln_destroy(p);

	/* a cu_offset far past the end of cutab */
	memcpy(copy, fx->tab.buf, size);
	v = 0x40000000;
	memcpy(copy + big + 32, &v, 4);
	assert_null(ld_pcln_open(&cfg, &p));
	assert_true(ld_pcln_find_func(p, TEXT + 0x80, &f));
	ld_pcln_file_line(p, &f, TEXT + 0x80, &file, &line);
	assert_string_equal(file, "?");
	assert_int_equal(line, 100);
	ld_pcln_destroy(p);

	/* the last name and the last file lose their terminating NULs */
	memcpy(copy, fx->tab.buf, size);
	copy[fx->tab.cutab - 1] = 'x';
	copy[fx->tab.pctab - 1] = 'x';
	assert_null(ld_pcln_open(&cfg, &p));
	assert_null(ld_pcln_name_at(p, (int32_t)synth_name_off(&fx->tab,
							       "main.add")));
	assert_string_equal(ld_pcln_name_at(p, 0), "runtime.first");
	assert_true(ld_pcln_find_func(p, TEXT + 0x80, &f));
	ld_pcln_file_line(p, &f, TEXT + 0x80 + 0x100, &file, &line);
	assert_string_equal(file, "?");	/* "c.go" runs into pctab */
	ld_pcln_file_line(p, &f, TEXT + 0x80, &file, &line);
	assert_string_equal(file, "b.go");
	ld_pcln_destroy(p);

	/* pcsp offset past pctab */
	memcpy(copy, fx->tab.buf, size);
	v = 0x7fffffff;
	memcpy(copy + big + 16, &v, 4);
	assert_null(ld_pcln_open(&cfg, &p));
	assert_true(ld_pcln_find_func(p, TEXT + 0x80, &f));
	assert_error(ld_pcln_spdelta(p, &f, TEXT + 0x80, &sp), LD_ERR_FORMAT);
	/* a hand-made ld_func whose raw pointer is foreign: no tail reads */
	f.raw = (const uint8_t *)&v;
	assert_int_equal(ld_pcln_pcdata(p, &f, 0, TEXT + 0x80), -1);
	assert_null(ld_pcln_funcdata(p, &f, 0));
	ld_pcln_destroy(p);
	free(copy);
}

static void test_ptr_size_4(void **state)
{
	struct synth_desc d = std_desc;
	struct synth_tab tab;
	struct ld_pcln_config cfg = { .text_start = TEXT };
	struct ld_pcln *p;
	struct ld_func f;
	const char *file;
	int32_t line;

	d.ptr_size = 4;
	assert_true(synth_build(&d, &tab));
	cfg.data = tab.buf;
	cfg.size = tab.size;
	assert_null(ld_pcln_open(&cfg, &p));
	assert_int_equal(ld_pcln_nfunc(p), 4);
	assert_true(ld_pcln_find_func(p, TEXT + 0x90, &f));
	assert_string_equal(f.name, "main.big");
	ld_pcln_file_line(p, &f, TEXT + 0x90, &file, &line);
	assert_string_equal(file, "b.go");
	assert_int_equal(line, 100);
	ld_pcln_destroy(p);
	synth_free(&tab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_basics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_text_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_func_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_func_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_at, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spdelta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multibyte_and_negative, setup, teardown),
		cmocka_unit_test(test_raw_encoding),
		cmocka_unit_test(test_min_lc),
		cmocka_unit_test_setup_teardown(test_pcdata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_funcdata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_two_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_small_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_no_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_func_records, setup, teardown),
		cmocka_unit_test(test_ptr_size_4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
