// SPDX-License-Identifier: MIT
/*
 * The runtime's off-heap roots (ext/prove/offheap.c, roots.c) through
 * ld_prove_run on synth_prove.h's world: a pure-Go program's off-heap
 * memory counts only as the structures the GC walks (finalizer and
 * cleanup queues, span specials) and thread stacks; a cgo program's C
 * memory stays a conservative root; a structure that cannot be found
 * falls back to the sweep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/prove/prove.h"
#include "synth_prove.h"

static int setup(void **state)
{
	struct synth_prove *w = sp_open();

	if (!w)
		return -1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	sp_close(*state);
	return 0;
}

/* Goroutine 3 waits on channel 0; the verdict ld_prove_run gives it. */
static uint8_t verdict_of_3(struct synth_prove *w)
{
	struct ld_error *err;

	sp_recv_on(w, 3, 0, 0);
	err = sb_build(w->sb);
	if (err)
		fail_msg("blocking: %s", err->message);
	err = ld_prove_run(w->sb->s, w->sb->b, NULL, &w->pv);
	if (err)
		fail_msg("prove: %s", err->message);
	assert_true(w->pv->proven);
	return w->pv->verdict[sb_gi(w->sb, 3)];
}

/* A stale pointer-like word in a pure-Go program's off-heap memory. */
static void test_pure_go_stale_offheap_word_is_no_root(void **state)
{
	struct synth_prove *w = *state;

	sp_pure_go(w);
	sp_root_word(w, 7, SB_CH(0));
	assert_int_equal(verdict_of_3(w), LD_VERDICT_LEAKED);
	assert_null(w->pv->st.swept_why);
	assert_int_equal(w->pv->st.other_bytes, 0);
}

/* The same word in C memory of a cgo program keeps the channel. */
static void test_cgo_c_memory_stays_a_root(void **state)
{
	struct synth_prove *w = *state;

	sp_pure_go(w);
	w->sb->s->cgo_disabled = false;
	sp_root_word(w, 7, SB_CH(0));
	assert_int_equal(verdict_of_3(w), LD_VERDICT_MAY_WAKE);
	assert_non_null(w->pv->st.swept_why);
	assert_int_equal(w->pv->st.other_bytes, SP_ROOTS_LEN);
}

/* Stripped, runtime.allfin not found: swept as before, and said so. */
static void test_missing_global_falls_back_to_the_sweep(void **state)
{
	struct synth_prove *w = *state;

	sp_pure_go(w);
	w->sb->s->rt->roots.allfin = 0;
	sp_root_word(w, 7, SB_CH(0));
	assert_int_equal(verdict_of_3(w), LD_VERDICT_MAY_WAKE);
	assert_string_equal(w->pv->st.swept_why, "runtime.allfin not found");
}

/* A finalizer queued to run gets its object: what it holds is live. */
static void test_queued_finalizer_object_marks(void **state)
{
	struct synth_prove *w = *state;

	sp_pure_go(w);
	sp_queue_finalizer(w, SB_CH(0));
	assert_int_equal(verdict_of_3(w), LD_VERDICT_MAY_WAKE);
	assert_int_equal(w->pv->st.queued, 1);
	assert_int_equal(w->pv->st.runtime_records, 1);
}

/* A cleanup queued to run (Go 1.25+ gcCleanups) keeps its fn. */
static void test_queued_cleanup_marks(void **state)
{
	struct synth_prove *w = *state;

	sp_pure_go(w);
	sp_queue_cleanup(w, SB_CH(0));
	assert_int_equal(verdict_of_3(w), LD_VERDICT_MAY_WAKE);
	assert_int_equal(w->pv->st.queued, 1);
}

/* A cleanup special (runtime.AddCleanup, Go 1.24+) keeps its fn. */
static void test_cleanup_special_fn_marks(void **state)
{
	struct synth_prove *w = *state;

	sp_pure_go(w);
	sp_special(w, w->sb->s->rt->kind_special_cleanup, 0x500, 0, SB_CH(0));
	assert_int_equal(verdict_of_3(w), LD_VERDICT_MAY_WAKE);
	assert_int_equal(w->pv->st.cleanups, 1);
}

/* A finalizer special keeps what its object points to. */
static void test_finalizer_object_contents_mark(void **state)
{
	struct synth_prove *w = *state;

	sp_pure_go(w);
	sp_special(w, w->sb->s->rt->kind_special_finalizer, 0x500, 0, 0);
	sb_w64(w->sb, SB_CH(5) + 0x40, SB_CH(0));
	assert_int_equal(verdict_of_3(w), LD_VERDICT_MAY_WAKE);
	assert_int_equal(w->pv->st.finalizers, 1);
}

/* A special of another kind (a profile record) keeps nothing. */
static void test_other_special_is_no_root(void **state)
{
	struct synth_prove *w = *state;

	sp_pure_go(w);
	sp_special(w, 4 /* Go 1.26 _KindSpecialProfile */, 0x500, 0,
		   SB_CH(0));
	assert_int_equal(verdict_of_3(w), LD_VERDICT_LEAKED);
}

/* A thread's stack stays a root from its stack pointer up, no lower. */
static void test_thread_stack_from_sp(void **state)
{
	struct synth_prove *w = *state;
	static struct ld_thread_regs t;
	struct ld_session *s = w->sb->s;

	sp_pure_go(w);
	t.nregs = LD_MAX_REGS;
	t.regs[s->arch->reg_sp] = SP_ROOTS + 0x800;
	s->threads = &t;
	s->nthreads = 1;
	sp_root_word(w, 0x700 / 8, SB_CH(0));	/* below sp: dead */
	sp_root_word(w, 0x900 / 8, SB_CH(1));	/* above sp: live */
	sp_recv_on(w, 4, 1, 1);
	assert_int_equal(verdict_of_3(w), LD_VERDICT_LEAKED);
	assert_int_equal(w->pv->verdict[sb_gi(w->sb, 4)],
			 LD_VERDICT_MAY_WAKE);
	assert_int_equal(w->pv->st.thread_stack_bytes, SP_ROOTS_LEN - 0x800);
	s->threads = NULL;
	s->nthreads = 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pure_go_stale_offheap_word_is_no_root),
		T(test_cgo_c_memory_stays_a_root),
		T(test_missing_global_falls_back_to_the_sweep),
		T(test_queued_finalizer_object_marks),
		T(test_queued_cleanup_marks),
		T(test_cleanup_special_fn_marks),
		T(test_finalizer_object_contents_mark),
		T(test_other_special_is_no_root),
		T(test_thread_stack_from_sp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
