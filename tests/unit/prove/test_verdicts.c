// SPDX-License-Identifier: MIT
/*
 * Leak verdicts (include/leakdump/prove/prove.h) on synthetic heaps
 * (synth_heap.h), first through the bare marking engine (ld_mark_*), then
 * through ld_prove_run on the blocking-object world of synth_blocking.h
 * with a heap under its channels.
 *
 * The rules, as the Go 1.27 runtime's leak detector has them
 * (runtime/mgc.go, findGoroutineLeaks): a goroutine blocked on concurrency
 * primitives may wake only if one of them is reachable from a root or
 * from a goroutine that may itself wake; one blocked on a nil channel or
 * in select{} never wakes.  Marking over-approximates reachability, so
 * "leaked" is a proof unless memory could not be read: then a suspicion.
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
#define SIZE_CLASS_256	SP_SIZE_CLASS

/* ---- the bare engine ---- */

/*
 * One span of 32 objects of 256 bytes at ARENA (the "channels"), a root
 * area and four goroutine stacks of 0x100 bytes, none of them in the heap.
 */
#define E_ROOTS		SP_E_ROOTS
#define E_STACKS	SP_E_STACKS
#define E_STACK(i)	(E_STACKS + 0x100ull * (i))
#define E_OBJ(i)	(ARENA + (uint64_t)OBJ_SIZE * (i))
#define E_GLOBAL	(E_ROOTS + 0x800)	/* a primitive outside the heap */

/* The engine over what the test wrote. */
static struct ld_mark *engine(struct sp_engine *e)
{
	assert_null(ld_heap_create(e->mem, &e->rt, 0, &e->h));
	assert_null(ld_mark_create(e->mem, &e->rt, e->h, &e->m));
	return e->m;
}

static void ew(uint8_t *buf, size_t off, uint64_t v)
{
	sh_put(buf, (int64_t)off, 8, v);
}

/* Waiter i blocked on prim (or on nothing: nil chan, select{}). */
static void waiter(struct ld_mark_waiter *w, unsigned int i,
		   const uint64_t *prim)
{
	memset(&w[i], 0, sizeof(w[i]));
	w[i].prims = prim;
	w[i].nprims = prim ? 1 : 0;
	w[i].lo[0] = E_STACK(i);
	w[i].hi[0] = E_STACK(i) + 0x100;
}

static void test_engine_unreachable_channel_leaks(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t ch = E_OBJ(3);
	struct ld_mark_waiter w[1];
	uint8_t woke[1] = { 0xff };
	struct ld_mark *m;

	/* only the waiter's own stack mentions the channel */
	ew(e->stacks, 0x10, ch);
	m = engine(e);
	waiter(w, 0, &ch);
	ld_mark_root(m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], 0);
	assert_int_equal(ld_mark_state(m, ch), LD_MARK_UNMARKED);
	assert_int_equal(ld_mark_stats(m)->unreadable_bytes, 0);
}

static void test_engine_channel_reachable_from_root_may_wake(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t ch = E_OBJ(3) + 0x40;	/* an interior address */
	struct ld_mark_waiter w[1];
	uint8_t woke[1];
	struct ld_mark *m;

	/* a global holds an object that holds the channel */
	ew(e->roots, 0x18, E_OBJ(7) + 8);
	ew(e->objs, 7 * OBJ_SIZE + 0x20, E_OBJ(3));
	m = engine(e);
	waiter(w, 0, &ch);
	ld_mark_root(m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], LD_MARK_WOKE_MARKED);
	assert_int_equal(ld_mark_state(m, E_OBJ(7)), LD_MARK_MARKED);
}

/* Nil channel and select{}: nothing to wait for, never woken. */
static void test_engine_no_primitive_never_wakes(void **state)
{
	struct sp_engine *e = *state;
	struct ld_mark_waiter w[1];
	uint8_t woke[1] = { 0xff };
	struct ld_mark *m = engine(e);

	waiter(w, 0, NULL);
	ld_mark_root(m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], 0);
}

/* A primitive outside the heap (a global): cannot be proven dead. */
static void test_engine_primitive_outside_heap_may_wake(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t g = E_GLOBAL;
	struct ld_mark_waiter w[1];
	uint8_t woke[1];
	struct ld_mark *m = engine(e);

	waiter(w, 0, &g);
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], LD_MARK_WOKE_NOT_HEAP);
}

/*
 * A's stack holds B's channel: B wakes only if A may wake.  A waits on a
 * channel a root reaches: both wake, B in the second round.
 */
static void test_engine_fixed_point_wakes_chain(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t ca = E_OBJ(1), cb = E_OBJ(2);
	struct ld_mark_waiter w[2];
	uint8_t woke[2];
	struct ld_mark *m;

	ew(e->roots, 0, ca);
	ew(e->stacks, 0 * 0x100 + 0x28, cb);	/* A's stack */
	m = engine(e);
	waiter(w, 0, &ca);
	waiter(w, 1, &cb);
	ld_mark_root(m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	assert_true(ld_mark_fixed_point(m, w, 2, woke) >= 2);
	assert_int_equal(woke[0], LD_MARK_WOKE_MARKED);
	assert_int_equal(woke[1], LD_MARK_WOKE_MARKED);
}

/* ... and when nothing reaches A's channel, both leak. */
static void test_engine_fixed_point_leaks_chain(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t ca = E_OBJ(1), cb = E_OBJ(2);
	struct ld_mark_waiter w[2];
	uint8_t woke[2] = { 0xff, 0xff };
	struct ld_mark *m;

	ew(e->stacks, 0 * 0x100 + 0x28, cb);	/* A's stack holds cb */
	ew(e->stacks, 1 * 0x100 + 0x28, ca);	/* B's stack holds ca */
	m = engine(e);
	waiter(w, 0, &ca);
	waiter(w, 1, &cb);
	ld_mark_root(m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	ld_mark_fixed_point(m, w, 2, woke);
	assert_int_equal(woke[0], 0);
	assert_int_equal(woke[1], 0);
	assert_int_equal(ld_mark_state(m, ca), LD_MARK_UNMARKED);
	assert_int_equal(ld_mark_state(m, cb), LD_MARK_UNMARKED);
}

/* Of several primitives (a select), one reachable is enough. */
static void test_engine_select_one_reachable_case(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t prims[] = { E_OBJ(4), E_OBJ(5) };
	struct ld_mark_waiter w[1];
	uint8_t woke[1];
	struct ld_mark *m;

	ew(e->roots, 0x100, E_OBJ(5));
	m = engine(e);
	waiter(w, 0, NULL);
	w[0].prims = prims;
	w[0].nprims = 2;
	ld_mark_root(m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], LD_MARK_WOKE_MARKED);
}

/*
 * Primitives on goroutine stacks (ext/prove/engine.c): only their own
 * goroutine can refer to them, so they are reachable once it is a root
 * or may wake, never otherwise; the runtime's rule (outside the heap:
 * reachable) still holds for everything outside every stack.
 */
static void test_engine_primitive_in_own_stack_leaks(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t mu = E_STACK(0) + 0x40;	/* var mu sync.Mutex */
	struct ld_mark_waiter w[1];
	uint8_t woke[1] = { 0xff };
	struct ld_mark *m = engine(e);

	waiter(w, 0, &mu);
	ld_mark_root(m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], 0);
}

static void test_engine_primitive_in_live_stack_may_wake(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t mu = E_STACK(3) + 0x40;
	struct ld_mark_waiter w[1];
	uint8_t woke[1];
	struct ld_mark *m = engine(e);

	waiter(w, 0, &mu);
	ld_mark_stack(m, E_STACK(3), E_STACK(3) + 0x100, true);
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], LD_MARK_WOKE_STACK);
}

/* A free g's stack, or one that can never run again: never. */
static void test_engine_primitive_in_dead_stack_leaks(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t mu = E_STACK(3) + 0x40;
	struct ld_mark_waiter w[1];
	uint8_t woke[1] = { 0xff };
	struct ld_mark *m = engine(e);

	waiter(w, 0, &mu);
	ld_mark_stack(m, E_STACK(3), E_STACK(3) + 0x100, false);
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], 0);
}

/* A in B's stack, B on a channel nothing reaches: both leak. */
static void test_engine_primitive_in_leaked_stack_leaks(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t pa = E_STACK(1) + 0x40, cb = E_OBJ(2);
	struct ld_mark_waiter w[2];
	uint8_t woke[2] = { 0xff, 0xff };
	struct ld_mark *m;

	ew(e->stacks, 1 * 0x100 + 0x28, cb);	/* B's own stack holds cb */
	m = engine(e);
	waiter(w, 0, &pa);
	waiter(w, 1, &cb);
	ld_mark_root(m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	ld_mark_fixed_point(m, w, 2, woke);
	assert_int_equal(woke[0], 0);
	assert_int_equal(woke[1], 0);
}

/*
 * A chain: A (0) on a primitive in B's stack, B (1) on one in C's stack,
 * C (2) on a channel a root reaches.  C wakes, then B, then A, whatever
 * order the waiters are looked at in.
 */
static void test_engine_primitive_in_woken_stack_chain(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t pa = E_STACK(1) + 0x40, pb = E_STACK(2) + 0x48,
		       cc = E_OBJ(3);
	struct ld_mark_waiter w[3];
	uint8_t woke[3];
	struct ld_mark *m;

	ew(e->roots, 0x30, cc);
	m = engine(e);
	waiter(w, 0, &pa);
	waiter(w, 1, &pb);
	waiter(w, 2, &cc);
	ld_mark_root(m, E_ROOTS, E_ROOTS + sizeof(e->roots));
	assert_true(ld_mark_fixed_point(m, w, 3, woke) >= 3);
	assert_int_equal(woke[0], LD_MARK_WOKE_STACK);
	assert_int_equal(woke[1], LD_MARK_WOKE_STACK);
	assert_int_equal(woke[2], LD_MARK_WOKE_MARKED);
}

/* Module data stays reachable, with stacks declared around it. */
static void test_engine_primitive_in_module_data_may_wake(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t g = E_GLOBAL;
	struct ld_mark_waiter w[1];
	uint8_t woke[1];
	struct ld_mark *m = engine(e);

	waiter(w, 0, &g);
	ld_mark_stack(m, E_STACK(2), E_STACK(2) + 0x100, false);
	ld_mark_stack(m, E_ROOTS, E_ROOTS + 0x100, false);
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], LD_MARK_WOKE_NOT_HEAP);
}

/*
 * Overlapping stacks (bad data, a g caught mid-reuse) cannot tell whose
 * a primitive is: it counts as outside every stack.
 */
static void test_engine_overlapping_stacks_may_wake(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t mu = E_STACK(0) + 0x80;
	struct ld_mark_waiter w[1];
	uint8_t woke[1];
	struct ld_mark *m = engine(e);

	waiter(w, 0, &mu);
	ld_mark_stack(m, E_STACK(0) - 0x100, E_STACK(0) + 0x90, false);
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], LD_MARK_WOKE_NOT_HEAP);
}

/* A root that cannot be read is a gap, counted, never guessed. */
static void test_engine_unreadable_root_is_a_gap(void **state)
{
	struct sp_engine *e = *state;
	const uint64_t ch = E_OBJ(3);
	struct ld_mark_waiter w[1];
	uint8_t woke[1];
	struct ld_mark *m = engine(e);

	waiter(w, 0, &ch);
	ld_mark_root(m, 0xdead0000ull, 0xdead0000ull + 0x200);
	ld_mark_fixed_point(m, w, 1, woke);
	assert_int_equal(woke[0], 0);
	assert_int_equal(ld_mark_stats(m)->unreadable_bytes, 0x200);
	assert_int_equal(ld_mark_stats(m)->first_unreadable, 0xdead0000ull);
}

/* ---- ld_prove_run on the blocking world ---- */

/*
 * ld_prove_run on synth_prove.h's world: synth_blocking's channels over a
 * one-span heap, with one listed mapping of globals (a root).
 */
static int psetup(void **state)
{
	struct synth_prove *w = sp_open();

	if (!w)
		return -1;
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

static void expect_verdict(struct synth_prove *w, uint64_t goid,
			   enum ld_verdict v, enum ld_verdict_why why)
{
	size_t gi = sb_gi(w->sb, goid);

	if (w->pv->verdict[gi] != v || w->pv->why[gi] != why)
		fail_msg("goroutine %llu: %s (why %d), want %s (why %d)",
			 (unsigned long long)goid,
			 ld_verdict_name(w->pv->verdict[gi]), w->pv->why[gi],
			 ld_verdict_name(v), why);
}

static void test_verdict_names(void **state)
{
	assert_string_equal(ld_verdict_name(LD_VERDICT_LEAKED), "leaked");
	assert_string_not_equal(ld_verdict_name(LD_VERDICT_MAY_WAKE),
				ld_verdict_name(LD_VERDICT_LEAKED));
	assert_string_not_equal(ld_verdict_name(LD_VERDICT_LIVE),
				ld_verdict_name(LD_VERDICT_MAY_WAKE));
}

static void test_prove_unreachable_channel_leaked(void **state)
{
	struct synth_prove *w = *state;
	struct ld_prove *pv;

	sp_recv_on(w, 3, 0, 0);
	/* its own stack holding the channel does not count */
	sb_stack_word(w->sb, 3, 2, SB_CH(0));
	pv = prove(w);
	expect_verdict(w, 3, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
	assert_true(pv->proven);
	assert_string_equal(pv->gaps, "");
	assert_int_equal(pv->count[LD_VERDICT_LEAKED], 1);
}

static void test_prove_channel_reachable_from_root_may_wake(void **state)
{
	struct synth_prove *w = *state;
	struct ld_prove *pv;

	sp_recv_on(w, 3, 0, 0);
	sp_recv_on(w, 4, 1, 1);
	sp_root_word(w, 5, SB_CH(1));
	pv = prove(w);
	expect_verdict(w, 3, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
	expect_verdict(w, 4, LD_VERDICT_MAY_WAKE, LD_WHY_REACHABLE);
	assert_int_equal(pv->count[LD_VERDICT_LEAKED], 1);
	assert_int_equal(pv->count[LD_VERDICT_MAY_WAKE], 1);
}

/* A running goroutine's stack is a root. */
static void test_prove_running_stack_is_root(void **state)
{
	struct synth_prove *w = *state;

	sp_recv_on(w, 3, 0, 0);
	sb_g(w->sb, 4, ST_RUNNING, NULL);
	sb_stack_word(w->sb, 4, 1, SB_CH(0));
	prove(w);
	expect_verdict(w, 3, LD_VERDICT_MAY_WAKE, LD_WHY_REACHABLE);
	expect_verdict(w, 4, LD_VERDICT_LIVE, LD_WHY_NONE);
}

/*
 * Nil channels and select{} never proceed; main parked in select{} is how
 * a program that serves forever is written, not a leak.
 */
static void test_prove_nil_channel_and_empty_select(void **state)
{
	struct synth_prove *w = *state;
	struct ld_prove *pv;

	sb_waiting_g(w->sb, 1, "select (no cases)", 0);
	sb_waiting_g(w->sb, 2, "chan receive (nil chan)", 0);
	sb_waiting_g(w->sb, 3, "chan send (nil chan)", 0);
	sb_waiting_g(w->sb, 4, "select (no cases)", 0);
	pv = prove(w);
	expect_verdict(w, 1, LD_VERDICT_LIVE, LD_WHY_MAIN_SELECT);
	expect_verdict(w, 2, LD_VERDICT_LEAKED, LD_WHY_NIL_CHAN);
	expect_verdict(w, 3, LD_VERDICT_LEAKED, LD_WHY_NIL_CHAN);
	expect_verdict(w, 4, LD_VERDICT_LEAKED, LD_WHY_NIL_CHAN);
	assert_int_equal(pv->count[LD_VERDICT_LEAKED], 3);
	assert_int_equal(pv->count[LD_VERDICT_LIVE], 1);
}

/* Sleeping and I/O waits are not blocking on a primitive: live. */
static void test_prove_other_waits_live(void **state)
{
	struct synth_prove *w = *state;

	sb_waiting_g(w->sb, 3, "sleep", 0);
	sb_g(w->sb, 4, ST_RUNNABLE, NULL);
	sb_g(w->sb, 5, ST_SYSCALL, NULL);
	prove(w);
	expect_verdict(w, 3, LD_VERDICT_LIVE, LD_WHY_NONE);
	expect_verdict(w, 4, LD_VERDICT_LIVE, LD_WHY_NONE);
	expect_verdict(w, 5, LD_VERDICT_LIVE, LD_WHY_NONE);
}

/* A channel outside the heap cannot be shown unreachable. */
static void test_prove_channel_outside_heap_may_wake(void **state)
{
	struct synth_prove *w = *state;

	/* SB_CH(40) lies past the span: in memory, in no heap object */
	sp_recv_on(w, 3, 40, 0);
	prove(w);
	expect_verdict(w, 3, LD_VERDICT_MAY_WAKE, LD_WHY_NOT_IN_HEAP);
}

/*
 * The fixed point: A (3) waits on CA, and A's stack holds CB, which B (4)
 * waits on.  Nothing else reaches either: both leaked.
 */
static void test_prove_fixed_point_both_leak(void **state)
{
	struct synth_prove *w = *state;

	sp_recv_on(w, 3, 0, 0);
	sp_recv_on(w, 4, 1, 1);
	sb_stack_word(w->sb, 3, 3, SB_CH(1));
	prove(w);
	expect_verdict(w, 3, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
	expect_verdict(w, 4, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
}

/* ... and once a root reaches CA, A may wake, and so B may too. */
static void test_prove_fixed_point_both_wake(void **state)
{
	struct synth_prove *w = *state;
	struct ld_prove *pv;

	sp_recv_on(w, 3, 0, 0);
	sp_recv_on(w, 4, 1, 1);
	sb_stack_word(w->sb, 3, 3, SB_CH(1));
	sp_root_word(w, 0, SB_CH(0));
	pv = prove(w);
	expect_verdict(w, 3, LD_VERDICT_MAY_WAKE, LD_WHY_REACHABLE);
	expect_verdict(w, 4, LD_VERDICT_MAY_WAKE, LD_WHY_REACHABLE);
	assert_true(pv->st.iterations >= 2);
}

/* ... but B's stack holding CA does nothing for A. */
static void test_prove_fixed_point_is_one_way(void **state)
{
	struct synth_prove *w = *state;

	sp_recv_on(w, 3, 0, 0);
	sp_recv_on(w, 4, 1, 1);
	sb_stack_word(w->sb, 4, 3, SB_CH(0));
	sp_root_word(w, 0, SB_CH(0));
	prove(w);
	expect_verdict(w, 3, LD_VERDICT_MAY_WAKE, LD_WHY_REACHABLE);
	expect_verdict(w, 4, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
}

/*
 * Primitives on goroutine stacks: `var mu sync.Mutex; mu.Lock();
 * mu.Lock()` with mu kept on the stack, here a channel in the waiter's
 * own stack.  Nothing but its own goroutine can refer to it: leaked.
 */
static void test_prove_primitive_in_own_stack_leaked(void **state)
{
	struct synth_prove *w = *state;

	sp_recv_at(w, 3, sp_next_stack(w, SP_STACK_OBJ), 0);
	assert_int_equal(sp_stack_of(w, 3, SP_STACK_OBJ),
			 sp_stack_of(w, 3, 0) + SP_STACK_OBJ);
	prove(w);
	expect_verdict(w, 3, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
}

/* ... in a running goroutine's stack: reachable. */
static void test_prove_primitive_in_live_stack_may_wake(void **state)
{
	struct synth_prove *w = *state;

	sb_g(w->sb, 4, ST_RUNNING, NULL);
	sp_recv_at(w, 3, sp_stack_of(w, 4, SP_STACK_OBJ), 0);
	prove(w);
	expect_verdict(w, 3, LD_VERDICT_MAY_WAKE, LD_WHY_REACHABLE);
	expect_verdict(w, 4, LD_VERDICT_LIVE, LD_WHY_NONE);
}

/* ... in the stack of a goroutine that is itself leaked: leaked. */
static void test_prove_primitive_in_leaked_stack_leaked(void **state)
{
	struct synth_prove *w = *state;

	sp_recv_on(w, 4, 0, 1);
	sp_recv_at(w, 3, sp_stack_of(w, 4, SP_STACK_OBJ), 0);
	prove(w);
	expect_verdict(w, 4, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
	expect_verdict(w, 3, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
}

/* ... in the stack of a goroutine that may wake: may wake too. */
static void test_prove_primitive_in_woken_stack_may_wake(void **state)
{
	struct synth_prove *w = *state;

	sp_recv_on(w, 4, 0, 1);
	sp_root_word(w, 2, SB_CH(0));
	sp_recv_at(w, 3, sp_stack_of(w, 4, SP_STACK_OBJ), 0);
	prove(w);
	expect_verdict(w, 4, LD_VERDICT_MAY_WAKE, LD_WHY_REACHABLE);
	expect_verdict(w, 3, LD_VERDICT_MAY_WAKE, LD_WHY_REACHABLE);
}

/* ... in a dead goroutine's stack (a free g keeps its stack): leaked. */
static void test_prove_primitive_in_dead_stack_leaked(void **state)
{
	struct synth_prove *w = *state;

	sb_g(w->sb, 4, (uint32_t)w->sb->s->rt->g_dead, NULL);
	sp_recv_at(w, 3, sp_stack_of(w, 4, SP_STACK_OBJ), 0);
	prove(w);
	expect_verdict(w, 3, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
}

/* ... and off the heap but in no stack (module data): as the runtime. */
static void test_prove_primitive_off_heap_off_stack_may_wake(void **state)
{
	struct synth_prove *w = *state;

	sb_g(w->sb, 4, (uint32_t)w->sb->s->rt->g_dead, NULL);
	sp_recv_on(w, 5, 0, 1);
	/* SB_CH(40): in memory, past the span, in no goroutine's stack */
	sp_recv_on(w, 3, 40, 0);
	prove(w);
	expect_verdict(w, 3, LD_VERDICT_MAY_WAKE, LD_WHY_NOT_IN_HEAP);
	expect_verdict(w, 5, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
}

/*
 * A gap (memory outside the heap that cannot be listed, so not scanned)
 * keeps the verdict but downgrades it: leaked is then suspected.
 */
static void test_prove_gap_downgrades_to_suspected(void **state)
{
	struct synth_prove *w = *state;
	struct ld_prove *pv;

	w->sb->s->target.ops = &sp_ops_unlisted;
	sp_recv_on(w, 3, 0, 0);
	pv = prove(w);
	expect_verdict(w, 3, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
	assert_false(pv->proven);
	assert_true(pv->st.no_mappings);
	assert_true(pv->gaps[0] != '\0');
}

/* A heap span that cannot be read is a gap too. */
static void test_prove_unreadable_span_is_a_gap(void **state)
{
	struct synth_prove *w = *state;
	struct ld_prove *pv;

	/* page 1 of the arena names an mspan nobody can read */
	sh_put(w->sh.ha, w->sb->s->rt->heap.ha_spans + 8, 8, 0xdead0000ull);
	sp_recv_on(w, 3, 0, 0);
	pv = prove(w);
	expect_verdict(w, 3, LD_VERDICT_LEAKED, LD_WHY_UNREACHABLE);
	assert_false(pv->proven);
	assert_true(pv->st.spans_unreadable > 0);
}

#define TE(f) cmocka_unit_test_setup_teardown(f, sp_esetup, sp_eteardown)
#define TP(f) cmocka_unit_test_setup_teardown(f, psetup, pteardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TE(test_engine_unreachable_channel_leaks),
		TE(test_engine_channel_reachable_from_root_may_wake),
		TE(test_engine_no_primitive_never_wakes),
		TE(test_engine_primitive_outside_heap_may_wake),
		TE(test_engine_fixed_point_wakes_chain),
		TE(test_engine_fixed_point_leaks_chain),
		TE(test_engine_select_one_reachable_case),
		TE(test_engine_primitive_in_own_stack_leaks),
		TE(test_engine_primitive_in_live_stack_may_wake),
		TE(test_engine_primitive_in_dead_stack_leaks),
		TE(test_engine_primitive_in_leaked_stack_leaks),
		TE(test_engine_primitive_in_woken_stack_chain),
		TE(test_engine_primitive_in_module_data_may_wake),
		TE(test_engine_overlapping_stacks_may_wake),
		TE(test_engine_unreadable_root_is_a_gap),
		cmocka_unit_test(test_verdict_names),
		TP(test_prove_unreachable_channel_leaked),
		TP(test_prove_channel_reachable_from_root_may_wake),
		TP(test_prove_running_stack_is_root),
		TP(test_prove_nil_channel_and_empty_select),
		TP(test_prove_other_waits_live),
		TP(test_prove_channel_outside_heap_may_wake),
		TP(test_prove_fixed_point_both_leak),
		TP(test_prove_fixed_point_both_wake),
		TP(test_prove_fixed_point_is_one_way),
		TP(test_prove_primitive_in_own_stack_leaked),
		TP(test_prove_primitive_in_live_stack_may_wake),
		TP(test_prove_primitive_in_leaked_stack_leaked),
		TP(test_prove_primitive_in_woken_stack_may_wake),
		TP(test_prove_primitive_in_dead_stack_leaked),
		TP(test_prove_primitive_off_heap_off_stack_may_wake),
		TP(test_prove_gap_downgrades_to_suspected),
		TP(test_prove_unreadable_span_is_a_gap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
