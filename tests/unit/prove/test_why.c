// SPDX-License-Identifier: MIT
/*
 * --why (ext/prove/why.c): the reference path marking found from a root to
 * a primitive, on synthetic heaps: first through the bare engine
 * (ld_mark_why), then through ld_prove_run on synth_prove.h's world, where
 * a goroutine the fixed point woke is a step of the path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/prove/heap.h"
#include "leakdump/prove/prove.h"
#include "synth_prove.h"

#define ARENA		SP_ARENA
#define OBJ_SIZE	SP_OBJ_SIZE
#define E_NOBJ		(LD_HEAP_PAGE_SIZE / OBJ_SIZE)	/* 32 */
#define E_ROOTS		SP_E_ROOTS
#define E_OBJ(i)	(ARENA + (uint64_t)OBJ_SIZE * (i))

/* ---- the bare engine: one span of 32 objects and a root area ---- */

/* Object i's word at off points to object j. */
static void link_obj(struct sp_engine *e, unsigned int i, size_t off,
		     unsigned int j)
{
	sh_put(e->objs, (int64_t)(i * OBJ_SIZE + off), 8, E_OBJ(j));
}

/* Mark from the root area with parents recorded. */
static struct ld_mark *mark_why(struct sp_engine *e)
{
	assert_null(ld_heap_create(e->mem, &e->rt, 0, &e->h));
	assert_null(ld_mark_create(e->mem, &e->rt, e->h, &e->m));
	assert_true(ld_mark_why_enable(e->m));
	ld_mark_root(e->m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	ld_mark_drain(e->m);
	return e->m;
}

static void expect_object(const struct ld_path_step *st, uint64_t addr,
			  uint64_t off)
{
	assert_int_equal(st->kind, LD_PATH_OBJECT);
	assert_int_equal(st->addr, addr);
	assert_int_equal(st->offset, off);
}

/* root → object → object → primitive: exactly that path. */
static void test_engine_path_through_objects(void **state)
{
	struct sp_engine *e = *state;
	struct ld_path path;
	struct ld_mark *m;

	sh_put(e->roots, 0x18, 8, E_OBJ(7));
	link_obj(e, 7, 0x20, 2);
	link_obj(e, 2, 0x48, 9);
	m = mark_why(e);
	assert_true(ld_mark_why(m, E_OBJ(9) + 0x10, &path));
	assert_int_equal(path.n, 4);
	assert_int_equal(path.step[0].kind, LD_PATH_RANGE);
	assert_int_equal(path.step[0].addr, E_ROOTS + 0x18);
	assert_int_equal(path.step[0].lo, E_ROOTS);
	assert_int_equal(path.step[0].offset, 0x18);
	expect_object(&path.step[1], E_OBJ(7), 0x20);
	expect_object(&path.step[2], E_OBJ(2), 0x48);
	/* the last step's offset is the primitive's inside its object */
	expect_object(&path.step[3], E_OBJ(9), 0x10);
	assert_int_equal(path.step[3].size, OBJ_SIZE);
	/* unmarked or outside the heap: no path */
	assert_false(ld_mark_why(m, E_OBJ(11), &path));
	assert_int_equal(path.n, 0);
	assert_false(ld_mark_why(m, E_ROOTS, &path));
}

/* A cycle in the heap does not make the path go round. */
static void test_engine_cycle_is_bounded(void **state)
{
	struct sp_engine *e = *state;
	struct ld_path path;

	sh_put(e->roots, 0, 8, E_OBJ(0));
	link_obj(e, 0, 0, 1);
	link_obj(e, 1, 0, 2);
	link_obj(e, 2, 0, 0);		/* back to the first */
	link_obj(e, 2, 8, 5);
	assert_true(ld_mark_why(mark_why(e), E_OBJ(5), &path));
	assert_int_equal(path.n, 5);
	assert_int_equal(path.step[0].kind, LD_PATH_RANGE);
	expect_object(&path.step[1], E_OBJ(0), 0);
	expect_object(&path.step[2], E_OBJ(1), 0);
	expect_object(&path.step[3], E_OBJ(2), 8);
	expect_object(&path.step[4], E_OBJ(5), 0);
}

/* Past LD_PATH_MAX steps the path is cut, the primitive's end kept. */
static void test_engine_long_chain_is_cut(void **state)
{
	struct sp_engine *e = *state;
	struct ld_path path;
	struct ld_mark *m;

	sh_put(e->roots, 0, 8, E_OBJ(0));
	for (unsigned int i = 0; i + 1 < E_NOBJ; i++)
		link_obj(e, i, 0x30, i + 1);
	m = mark_why(e);
	/* 31 objects and the root: just fits */
	assert_true(ld_mark_why(m, E_OBJ(E_NOBJ - 2), &path));
	assert_int_equal(path.n, LD_PATH_MAX);
	assert_int_equal(path.step[0].kind, LD_PATH_RANGE);
	/* 32 objects: cut before the root */
	assert_true(ld_mark_why(m, E_OBJ(E_NOBJ - 1), &path));
	assert_int_equal(path.n, LD_PATH_MAX + 1);
	assert_int_equal(path.step[0].kind, LD_PATH_CUT);
	expect_object(&path.step[1], E_OBJ(0), 0x30);
	expect_object(&path.step[LD_PATH_MAX], E_OBJ(E_NOBJ - 1), 0);
}

/* Without ld_mark_why_enable nothing is recorded. */
static void test_engine_no_why_no_path(void **state)
{
	struct sp_engine *e = *state;
	struct ld_path path;

	sh_put(e->roots, 0, 8, E_OBJ(0));
	assert_null(ld_heap_create(e->mem, &e->rt, 0, &e->h));
	assert_null(ld_mark_create(e->mem, &e->rt, e->h, &e->m));
	ld_mark_root(e->m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	ld_mark_drain(e->m);
	assert_int_equal(ld_mark_state(e->m, E_OBJ(0)), LD_MARK_MARKED);
	assert_false(ld_mark_why(e->m, E_OBJ(0), &path));
	assert_int_equal(path.n, 0);
}

/* ---- ld_prove_run with --why ---- */

static int psetup(void **state)
{
	struct synth_prove *w = sp_open();

	if (!w)
		return -1;
	w->opts.why = true;
	*state = w;
	return 0;
}

static int pteardown(void **state)
{
	sp_close(*state);
	return 0;
}

static struct ld_prove *prove(struct synth_prove *w)
{
	struct ld_error *err = sb_build(w->sb);

	if (err)
		fail_msg("blocking: %s", err->message);
	err = ld_prove_run(w->sb->s, w->sb->b, &w->opts, &w->pv);
	if (err)
		fail_msg("prove: %s", err->message);
	return w->pv;
}

/* Channel ch's word at off points to channel to. */
static void link_chan(struct synth_prove *w, unsigned int ch, size_t off,
		      unsigned int to)
{
	sh_put(sb_ptr(w->sb, SB_CH(ch) + off, 8), 0, 8, SB_CH(to));
}

static void expect_verdict(struct synth_prove *w, uint64_t goid,
			   enum ld_verdict v)
{
	assert_int_equal(w->pv->verdict[sb_gi(w->sb, goid)], v);
}

/* The globals → channel 2 → channel 3 → channel 1, which 4 waits on. */
static void test_prove_path_from_global(void **state)
{
	struct synth_prove *w = *state;
	struct ld_path path;
	struct ld_prove *pv;

	sp_recv_on(w, 4, 1, 1);
	sp_root_word(w, 5, SB_CH(2));
	link_chan(w, 2, 0xa0, 3);
	link_chan(w, 3, 0xa8, 1);
	pv = prove(w);
	expect_verdict(w, 4, LD_VERDICT_MAY_WAKE);
	assert_true(ld_prove_why_goroutine(pv, sb_gi(w->sb, 4), &path));
	assert_int_equal(path.n, 4);
	assert_int_equal(path.step[0].kind, LD_PATH_MAPPING);
	assert_int_equal(path.step[0].addr, SP_ROOTS + 5 * 8);
	assert_int_equal(path.step[0].lo, SP_ROOTS);
	assert_int_equal(path.step[0].hi, SP_ROOTS + SP_ROOTS_LEN);
	expect_object(&path.step[1], SB_CH(2), 0xa0);
	expect_object(&path.step[2], SB_CH(3), 0xa8);
	expect_object(&path.step[3], SB_CH(1), 0);
	/* the same through the blocking object */
	assert_true(ld_prove_why_object(pv, sb_obj(w->sb, sb_blockers(w->sb, 4,
					&(unsigned int){ 0 })), &path));
	assert_int_equal(path.n, 4);
}

/*
 * The globals reach channel 0, which 3 waits on; 3's stack holds channel
 * 1, which 4 waits on.  4's path goes through 3's stack, and on through
 * the channel that woke 3.
 */
static void test_prove_path_through_woken_goroutine(void **state)
{
	struct synth_prove *w = *state;
	struct ld_path path;
	struct ld_prove *pv;
	const struct ld_goroutine *g3;

	sp_recv_on(w, 3, 0, 0);
	sp_recv_on(w, 4, 1, 1);
	sb_stack_word(w->sb, 3, 3, SB_CH(1));
	sp_root_word(w, 0, SB_CH(0));
	pv = prove(w);
	expect_verdict(w, 4, LD_VERDICT_MAY_WAKE);
	g3 = &w->sb->s->gs[sb_gi(w->sb, 3)];
	assert_true(ld_prove_why_goroutine(pv, sb_gi(w->sb, 4), &path));
	assert_int_equal(path.n, 4);
	assert_int_equal(path.step[0].kind, LD_PATH_MAPPING);
	assert_int_equal(path.step[0].addr, SP_ROOTS);
	expect_object(&path.step[1], SB_CH(0), 0);
	assert_int_equal(path.step[2].kind, LD_PATH_STACK);
	assert_int_equal(path.step[2].goid, 3);
	assert_int_equal(path.step[2].addr, g3->sp + 3 * 8);
	assert_int_equal(path.step[2].woken_by, SB_CH(0));
	assert_string_equal(path.step[2].woken_kind, "chan");
	expect_object(&path.step[3], SB_CH(1), 0);
}

/* A running goroutine's stack is a root: the path ends there. */
static void test_prove_path_from_running_stack(void **state)
{
	struct synth_prove *w = *state;
	struct ld_path path;
	struct ld_prove *pv;

	sp_recv_on(w, 3, 0, 0);
	sb_g(w->sb, 4, ST_RUNNING, NULL);
	sb_stack_word(w->sb, 4, 1, SB_CH(0));
	pv = prove(w);
	assert_true(ld_prove_why_goroutine(pv, sb_gi(w->sb, 3), &path));
	assert_int_equal(path.n, 2);
	assert_int_equal(path.step[0].kind, LD_PATH_STACK);
	assert_int_equal(path.step[0].goid, 4);
	assert_int_equal(path.step[0].woken_by, 0);
	expect_object(&path.step[1], SB_CH(0), 0);
}

/* Leaked goroutines have no path; nor has anything without --why. */
static void test_prove_no_path_when_leaked_or_not_asked(void **state)
{
	struct synth_prove *w = *state;
	struct ld_path path;
	struct ld_prove *pv;

	sp_recv_on(w, 3, 0, 0);
	sp_recv_on(w, 4, 1, 1);
	sp_root_word(w, 0, SB_CH(1));
	w->opts.why = false;
	pv = prove(w);
	expect_verdict(w, 3, LD_VERDICT_LEAKED);
	expect_verdict(w, 4, LD_VERDICT_MAY_WAKE);
	assert_false(ld_prove_why_goroutine(pv, sb_gi(w->sb, 3), &path));
	assert_false(ld_prove_why_goroutine(pv, sb_gi(w->sb, 4), &path));
	assert_int_equal(path.n, 0);
}

static void test_path_kind_names(void **state)
{
	assert_string_equal(ld_path_kind_name(LD_PATH_DATA), "data");
	assert_string_equal(ld_path_kind_name(LD_PATH_OBJECT), "object");
	assert_string_equal(ld_path_kind_name(LD_PATH_STACK), "stack");
}

#define TE(f) cmocka_unit_test_setup_teardown(f, sp_esetup, sp_eteardown)
#define TP(f) cmocka_unit_test_setup_teardown(f, psetup, pteardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TE(test_engine_path_through_objects),
		TE(test_engine_cycle_is_bounded),
		TE(test_engine_long_chain_is_cut),
		TE(test_engine_no_why_no_path),
		TP(test_prove_path_from_global),
		TP(test_prove_path_through_woken_goroutine),
		TP(test_prove_path_from_running_stack),
		TP(test_prove_no_path_when_leaked_or_not_asked),
		cmocka_unit_test(test_path_kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
