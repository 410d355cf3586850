// SPDX-License-Identifier: MIT
/*
 * Goroutine decoding (ext/model/goroutines.c) on the synthetic session of
 * synth_session.h: the status word and broad state as the runtime's
 * goroutineheader prints them (runtime/traceback.go, Go 1.26), the wait
 * minutes it computes, isSystemGoroutine(gp, false), and what
 * ld_session_load_goroutines makes of g structs laid out in target memory,
 * unreadable and nonsensical ones included.
 *
 * Expected values come from the runtime source:
 *
 *   status = gStatusStrings[st &^ _Gscan], "???" past the table;
 *   if (st == _Gwaiting || st == _Gleaked) && waitreason != 0:
 *           status = waitreason.String()  ("unknown wait reason" past it)
 *   if (st == _Gwaiting || st == _Gsyscall) && waitsince != 0:
 *           waitfor = (nanotime() - waitsince) / 60e9, shown when >= 1
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/model/session.h"
#include "leakdump/model/unwind.h"
#include "synth_session.h"

#define MINUTE		60000000000ll
#define ST_DEAD		6
#define ST_PREEMPTED	9
#define ST_LEAKED	10

static int setup(void **state)
{
	struct synth_session *ss = ss_open();

	if (!ss)
		return -1;
	*state = ss;
	return 0;
}

static int teardown(void **state)
{
	ss_close(*state);
	return 0;
}

static struct ld_goroutine *add(struct synth_session *ss, uint64_t goid,
				uint32_t status, uint8_t reason)
{
	struct ld_goroutine *g = ss_add_g(ss, goid, status, reason, 0, 0);

	assert_non_null(g);
	return g;
}

static void expect_status(struct synth_session *ss, uint32_t status,
			  uint8_t reason, const char *text, const char *state)
{
	struct ld_goroutine g = { .status = status, .waitreason = reason };

	assert_string_equal(ld_goroutine_status_text(ss->s, &g), text);
	assert_string_equal(ld_goroutine_state_name(ss->s, &g), state);
}

/* ---- status text and state names ---- */

/* _Gwaiting prints its wait reason, whichever it is. */
static void test_waiting_prints_every_wait_reason(void **state)
{
	struct synth_session *ss = *state;

	for (size_t r = 1; r < ss->s->nwait_reasons; r++)
		expect_status(ss, ST_WAITING, (uint8_t)r, ss_wait_strings[r],
			      "waiting");
}

/* waitReasonZero does not override: the status string stays. */
static void test_waiting_without_reason_prints_waiting(void **state)
{
	expect_status(*state, ST_WAITING, 0, "waiting", "waiting");
}

/* waitReason.String() past waitReasonStrings. */
static void test_reason_past_table_is_unknown(void **state)
{
	struct synth_session *ss = *state;

	expect_status(ss, ST_WAITING, (uint8_t)ss->s->nwait_reasons,
		      "unknown wait reason", "waiting");
	expect_status(ss, ST_WAITING, 255, "unknown wait reason", "waiting");
}

/* A stale wait reason is ignored in every state but waiting/leaked. */
static void test_other_states_ignore_wait_reason(void **state)
{
	struct synth_session *ss = *state;

	expect_status(ss, ST_RUNNABLE, WR_CHAN_RECV, "runnable", "runnable");
	expect_status(ss, ST_RUNNING, WR_CHAN_RECV, "running", "running");
	expect_status(ss, ST_SYSCALL, WR_SLEEP, "syscall", "syscall");
	expect_status(ss, ST_PREEMPTED, WR_SELECT, "preempted", "preempted");
	expect_status(ss, 0, WR_SELECT, "idle", "idle");
}

/* _Gleaked (Go 1.26 GOEXPERIMENT, 1.27) prints its wait reason too. */
static void test_leaked_prints_wait_reason(void **state)
{
	struct synth_session *ss = *state;

	ss->s->rt->g_leaked = ST_LEAKED;
	expect_status(ss, ST_LEAKED, WR_CHAN_RECV, "chan receive", "leaked");
	expect_status(ss, ST_LEAKED, 0, "leaked", "leaked");
}

/* Without _Gleaked in this release, status 10 is just a table entry. */
static void test_leaked_absent_release_ignores_reason(void **state)
{
	expect_status(*state, ST_LEAKED, WR_CHAN_RECV, "leaked", "leaked");
}

/* The _Gscan bit is dropped before anything is looked up. */
static void test_scan_bit_is_dropped(void **state)
{
	struct synth_session *ss = *state;

	expect_status(ss, ST_SCAN | ST_WAITING, WR_CHAN_RECV, "chan receive",
		      "waiting");
	expect_status(ss, ST_SCAN | ST_RUNNABLE, 0, "runnable", "runnable");
	expect_status(ss, ST_SCAN | ST_RUNNING, 0, "running", "running");
	expect_status(ss, ST_SCAN | ST_SYSCALL, WR_SLEEP, "syscall",
		      "syscall");
	expect_status(ss, ST_SCAN | ST_PREEMPTED, 0, "preempted",
		      "preempted");
}

/* A status past gStatusStrings prints "???". */
static void test_status_past_table(void **state)
{
	struct synth_session *ss = *state;

	expect_status(ss, (uint32_t)ss->s->nstatus_names, 0, "???", "???");
	expect_status(ss, 0x7ff, WR_CHAN_RECV, "???", "???");
}

/* ---- wait minutes ---- */

static int64_t minutes(struct synth_session *ss, uint32_t status,
		       int64_t waitsince)
{
	struct ld_goroutine g = { .status = status, .waitsince = waitsince };

	return ld_goroutine_wait_minutes(ss->s, &g);
}

/* (now - waitsince) / 60e9, truncated: 1 only after a whole minute. */
static void test_wait_minutes_truncate(void **state)
{
	struct synth_session *ss = *state;
	int64_t now = ss->s->now = 1000 * MINUTE;

	assert_int_equal(minutes(ss, ST_WAITING, now - MINUTE + 1), 0);
	assert_int_equal(minutes(ss, ST_WAITING, now - MINUTE), 1);
	assert_int_equal(minutes(ss, ST_WAITING, now - 2 * MINUTE + 1), 1);
	assert_int_equal(minutes(ss, ST_WAITING, now - 150 * MINUTE / 60 * 60),
			 150);
	assert_int_equal(minutes(ss, ST_WAITING, 1), 999);
}

/* Counted for _Gwaiting and _Gsyscall only, scan bit or not. */
static void test_wait_minutes_only_waiting_and_syscall(void **state)
{
	struct synth_session *ss = *state;
	int64_t since;

	ss->s->now = 1000 * MINUTE;
	ss->s->rt->g_leaked = ST_LEAKED;
	since = ss->s->now - 5 * MINUTE;
	assert_int_equal(minutes(ss, ST_WAITING, since), 5);
	assert_int_equal(minutes(ss, ST_SYSCALL, since), 5);
	assert_int_equal(minutes(ss, ST_SCAN | ST_WAITING, since), 5);
	assert_int_equal(minutes(ss, ST_SCAN | ST_SYSCALL, since), 5);
	assert_int_equal(minutes(ss, ST_RUNNABLE, since), 0);
	assert_int_equal(minutes(ss, ST_RUNNING, since), 0);
	assert_int_equal(minutes(ss, ST_PREEMPTED, since), 0);
	assert_int_equal(minutes(ss, ST_LEAKED, since), 0);
}

/* waitsince == 0 means "not recorded": nothing, however long ago. */
static void test_wait_minutes_need_waitsince(void **state)
{
	struct synth_session *ss = *state;

	ss->s->now = 1000 * MINUTE;
	assert_int_equal(minutes(ss, ST_WAITING, 0), 0);
}

/*
 * A waitsince after now (a live target read while it runs) is 0 minutes,
 * never negative: the runtime prints nothing for waitfor < 1, and the
 * header promises 0 when there is nothing to say.
 */
static void test_wait_minutes_zero_from_future(void **state)
{
	struct synth_session *ss = *state;

	ss->s->now = 1000 * MINUTE;
	assert_int_equal(minutes(ss, ST_WAITING, ss->s->now + 30 * 1000000000ll), 0);
	assert_int_equal(minutes(ss, ST_WAITING, ss->s->now + 5 * MINUTE), 0);
}

/* ---- notes ---- */

static void test_note_dedup(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *a, *b, *c;
	char text[32];

	a = add(ss, 1, ST_WAITING, 0);
	b = add(ss, 2, ST_WAITING, 0);
	c = add(ss, 3, ST_WAITING, 0);
	a = &ss->s->gs[0];
	b = &ss->s->gs[1];
	assert_null(ld_goroutine_note(ss->s, a));

	strcpy(text, "stack unreadable");
	ld_goroutine_set_note(ss->s, a, text);
	/* copied: the caller's buffer may change */
	strcpy(text, "something else!");
	ld_goroutine_set_note(ss->s, b, "stack unreadable");
	ld_goroutine_set_note(ss->s, c, text);

	assert_int_equal(ss->s->nnotes, 2);
	assert_int_equal(a->error, b->error);
	assert_int_not_equal(a->error, c->error);
	assert_string_equal(ld_goroutine_note(ss->s, a), "stack unreadable");
	assert_string_equal(ld_goroutine_note(ss->s, b), "stack unreadable");
	assert_string_equal(ld_goroutine_note(ss->s, c), "something else!");
}

/* An index past the table (a corrupt struct) reads as no note. */
static void test_note_index_past_table(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g = add(ss, 1, ST_WAITING, 0);

	ld_goroutine_set_note(ss->s, g, "one");
	g->error = (uint16_t)(ss->s->nnotes + 1);
	assert_null(ld_goroutine_note(ss->s, g));
}

/*
 * Notes are bounded: past the bound a new text is dropped (the goroutine
 * keeps the note it had), a known one is still shared.
 */
static void test_note_bound(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g = add(ss, 1, ST_WAITING, 0);
	char text[32];
	size_t n;

	for (n = 0; n < 10000; n++) {
		snprintf(text, sizeof(text), "note %zu", n);
		ld_goroutine_set_note(ss->s, g, text);
		if (ss->s->nnotes != n + 1)
			break;
	}
	assert_true(n > 0 && n < 10000);
	assert_int_equal(ss->s->nnotes, n);
	/* the dropped note did not replace the last one */
	snprintf(text, sizeof(text), "note %zu", n - 1);
	assert_string_equal(ld_goroutine_note(ss->s, g), text);
	ld_goroutine_set_note(ss->s, g, "note 0");
	assert_string_equal(ld_goroutine_note(ss->s, g), "note 0");
	assert_int_equal(ss->s->nnotes, n);
}

/* ---- ld_session_find ---- */

static void test_find_by_goid(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;

	add(ss, 1, ST_WAITING, WR_CHAN_RECV);
	add(ss, 17, ST_RUNNABLE, 0);
	add(ss, 4, ST_SYSCALL, 0);
	g = ld_session_find(ss->s, 17);
	assert_ptr_equal(g, &ss->s->gs[1]);
	assert_int_equal(g->status, ST_RUNNABLE);
	assert_ptr_equal(ld_session_find(ss->s, 4), &ss->s->gs[2]);
	assert_null(ld_session_find(ss->s, 2));
	assert_null(ld_session_find(ss->s, 0));
}

/* ---- ld_session_load_goroutines over g structs in memory ---- */

/* A made-up g layout: decoding follows ld_rt's offsets, whatever they are. */
#define G_SIZE		0x100
#define GO_STACK_LO	0x00
#define GO_STACK_HI	0x08
#define GO_M		0x30
#define GO_SCHED_SP	0x38
#define GO_SCHED_PC	0x40
#define GO_SCHED_BP	0x48
#define GO_SYSCALLSP	0x70
#define GO_SYSCALLPC	0x78
#define GO_STATUS	0x90
#define GO_GOID		0x98
#define GO_WAITSINCE	0xa0
#define GO_WAITREASON	0xa8
#define GO_CLEANUPS	0xa9
#define GO_LOCKEDM	0xb0
#define GO_PARENT	0xb8
#define GO_GOPC		0xc0
#define GO_STARTPC	0xc8
#define GO_WAITING	0xd0
#define GO_SLEEPWHEN	0xd8
#define M_PROCID	0x00
#define M_CURG		0x08
#define M_VDSO_SP	0x10
#define M_VDSO_PC	0x18

#define GLOBALS		0x580000ull
#define ALLGS		(GLOBALS + 0x00)	/* []*g {ptr, len, cap} */
#define ALLGLEN		(GLOBALS + 0x20)
#define SCHED		(GLOBALS + 0x40)
#define SCHED_LASTPOLL	0x10
#define ALLG_ARRAY	(GLOBALS + 0x100)
#define GS		0xc000400000ull
#define NG		16
#define MS		0xc000500000ull
#define NOWHERE		0xdead000000ull	/* not mapped */

struct gworld {
	struct synth_session *ss;
	uint8_t globals[0x400];
	uint8_t gs[NG * G_SIZE];
	uint8_t ms[0x200];
	unsigned int n;
};

static void wr(uint8_t *buf, size_t off, unsigned int width, uint64_t v)
{
	for (unsigned int i = 0; i < width; i++)
		buf[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t g_addr(unsigned int slot)
{
	return GS + (uint64_t)slot * G_SIZE;
}

static int gsetup(void **state)
{
	struct gworld *w = calloc(1, sizeof(*w));
	struct ld_rt *rt;
	struct ld_error *err;

	if (!w || !(w->ss = ss_open()))
		return -1;
	rt = w->ss->s->rt;
	rt->g.size = G_SIZE;
	rt->g.stack_lo = GO_STACK_LO;
	rt->g.stack_hi = GO_STACK_HI;
	rt->g.m = GO_M;
	rt->g.sched_sp = GO_SCHED_SP;
	rt->g.sched_pc = GO_SCHED_PC;
	rt->g.sched_bp = GO_SCHED_BP;
	rt->g.syscallsp = GO_SYSCALLSP;
	rt->g.syscallpc = GO_SYSCALLPC;
	rt->g.atomicstatus = GO_STATUS;
	rt->g.goid = GO_GOID;
	rt->g.waitsince = GO_WAITSINCE;
	rt->g.waitreason = GO_WAITREASON;
	rt->g.running_cleanups = GO_CLEANUPS;
	rt->g.lockedm = GO_LOCKEDM;
	rt->g.parent_goid = GO_PARENT;
	rt->g.gopc = GO_GOPC;
	rt->g.startpc = GO_STARTPC;
	rt->g.waiting = GO_WAITING;
	rt->g.ancestors = rt->g.labels = -1;
	rt->g.timer = rt->g.sleep_when = -1;
	rt->g.defer_ = rt->g.panic_ = -1;
	rt->m.size = 0x40;
	rt->m.procid = M_PROCID;
	rt->m.curg = M_CURG;
	rt->m.vdso_sp = M_VDSO_SP;
	rt->m.vdso_pc = M_VDSO_PC;
	rt->allgs = ALLGS;
	rt->allglen = ALLGLEN;
	rt->g_deadextra = 11;
	rt->fing_running_finalizer = 2;	/* fingRunningFinalizer, mfinal.go */

	/* Live-like memory: no core mapping to page or trim. */
	w->ss->s->target.ops = &ld_target_callback_ops;
	err = ld_mem_add_buffer(w->ss->s->mem, GLOBALS, w->globals,
				sizeof(w->globals));
	if (!err)
		err = ld_mem_add_buffer(w->ss->s->mem, GS, w->gs, sizeof(w->gs));
	if (!err)
		err = ld_mem_add_buffer(w->ss->s->mem, MS, w->ms, sizeof(w->ms));
	if (err) {
		ld_error_destroy(err);
		return -1;
	}
	*state = w;
	return 0;
}

static int gteardown(void **state)
{
	struct gworld *w = *state;

	ss_close(w->ss);
	free(w);
	return 0;
}

/* Append allgs entry addr (a g in w->gs, or anywhere). */
static void allg(struct gworld *w, uint64_t addr)
{
	wr(w->globals, ALLG_ARRAY - GLOBALS + 8 * w->n, 8, addr);
	w->n++;
	wr(w->globals, ALLGS - GLOBALS, 8, ALLG_ARRAY);
	wr(w->globals, ALLGS - GLOBALS + 8, 8, w->n);
	wr(w->globals, ALLGS - GLOBALS + 16, 8, w->n);
	wr(w->globals, ALLGLEN - GLOBALS, 8, w->n);
}

/* A g in slot with sane stack bounds, listed in allgs; returns its bytes. */
static uint8_t *put_g(struct gworld *w, unsigned int slot, uint64_t goid,
		      uint32_t status, uint8_t reason, uint64_t startpc)
{
	uint8_t *g = w->gs + slot * G_SIZE;

	wr(g, GO_GOID, 8, goid);
	wr(g, GO_STATUS, 4, status);
	wr(g, GO_WAITREASON, 1, reason);
	wr(g, GO_STARTPC, 8, startpc);
	wr(g, GO_STACK_LO, 8, SS_STACK_LO);
	wr(g, GO_STACK_HI, 8, SS_STACK_HI);
	wr(g, GO_SCHED_PC, 8, ss_pc(F_GOPARK, 0x15));
	wr(g, GO_SCHED_SP, 8, SS_STACK_LO + 0x100);
	allg(w, g_addr(slot));
	return g;
}

static struct ld_goroutine *load_find(struct gworld *w, uint64_t goid)
{
	struct ld_goroutine *g;

	assert_null(ld_session_load_goroutines(w->ss->s));
	g = ld_session_find(w->ss->s, goid);
	if (!g)
		fail_msg("goroutine %llu not loaded", (unsigned long long)goid);
	return g;
}

/* Every field comes from its offset; where unwinding starts is sched. */
static void test_load_decodes_fields(void **state)
{
	struct gworld *w = *state;
	struct ld_goroutine *g;
	uint8_t *b;

	b = put_g(w, 0, 7, ST_WAITING, WR_CHAN_RECV, ss_pc(F_MIDDLE, 0));
	wr(b, GO_PARENT, 8, 1);
	wr(b, GO_GOPC, 8, ss_pc(F_SPAWNER, 0x15));
	wr(b, GO_WAITSINCE, 8, 12345);
	wr(b, GO_WAITING, 8, 0xc000600000ull);
	g = load_find(w, 7);
	assert_int_equal(w->ss->s->ngs, 1);
	assert_int_equal(g->addr, g_addr(0));
	assert_int_equal(g->parent_goid, 1);
	assert_int_equal(g->gopc, ss_pc(F_SPAWNER, 0x15));
	assert_int_equal(g->waitsince, 12345);
	assert_int_equal(ld_goroutine_waiting(g), 0xc000600000ull);
	assert_int_equal(ld_goroutine_sleep(g), 0);
	assert_int_equal(g->status, ST_WAITING);
	assert_int_equal(g->waitreason, WR_CHAN_RECV);
	assert_int_equal(g->stack_lo, SS_STACK_LO);
	assert_int_equal(g->stack_hi, SS_STACK_HI);
	assert_int_equal(g->pc, ss_pc(F_GOPARK, 0x15));
	assert_int_equal(g->sp, SS_STACK_LO + 0x100);
	assert_int_equal(g->flags, 0);
	assert_null(ld_goroutine_note(w->ss->s, g));
	assert_string_equal(ld_goroutine_status_text(w->ss->s, g),
			    "chan receive");
}

/* _Gdead (with or without _Gscan) and _Gdeadextra are not goroutines. */
static void test_load_skips_dead(void **state)
{
	struct gworld *w = *state;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	put_g(w, 1, 2, ST_DEAD, 0, ss_pc(F_MIDDLE, 0));
	put_g(w, 2, 3, ST_SCAN | ST_DEAD, 0, ss_pc(F_MIDDLE, 0));
	put_g(w, 3, 4, 11, 0, ss_pc(F_MIDDLE, 0));
	put_g(w, 4, 5, ST_SCAN | ST_RUNNABLE, 0, ss_pc(F_MIDDLE, 0));
	assert_null(ld_session_load_goroutines(w->ss->s));
	assert_int_equal(w->ss->s->ngs, 2);
	assert_int_equal(w->ss->s->gs[0].goid, 1);
	assert_int_equal(w->ss->s->gs[1].goid, 5);
	assert_int_equal(w->ss->s->nbad_gs, 0);
}

/* An unreadable g is counted by address, and the walk goes on. */
static void test_load_unreadable_g(void **state)
{
	struct gworld *w = *state;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	allg(w, NOWHERE);
	put_g(w, 1, 2, ST_RUNNABLE, 0, ss_pc(F_MIDDLE, 0));
	assert_null(ld_session_load_goroutines(w->ss->s));
	assert_int_equal(w->ss->s->ngs, 2);
	assert_int_equal(w->ss->s->nbad_gs, 1);
	assert_int_equal(w->ss->s->bad_gs[0], NOWHERE);
}

/* Bounds that cannot be a stack give the goroutine a note, not a failure. */
static void test_load_bad_stack_bounds_note(void **state)
{
	struct gworld *w = *state;
	struct ld_goroutine *g;
	uint8_t *b;

	b = put_g(w, 0, 3, ST_WAITING, WR_SELECT, ss_pc(F_MIDDLE, 0));
	wr(b, GO_STACK_HI, 8, SS_STACK_LO - 0x1000);
	b = put_g(w, 1, 4, ST_WAITING, WR_SELECT, ss_pc(F_MIDDLE, 0));
	wr(b, GO_STACK_HI, 8, SS_STACK_LO + (1ull << 41));
	put_g(w, 2, 5, ST_WAITING, WR_SELECT, ss_pc(F_MIDDLE, 0));
	g = load_find(w, 3);
	assert_non_null(ld_goroutine_note(w->ss->s, g));
	assert_non_null(strstr(ld_goroutine_note(w->ss->s, g), "stack"));
	g = ld_session_find(w->ss->s, 4);
	assert_string_equal(ld_goroutine_note(w->ss->s, g),
			    ld_goroutine_note(w->ss->s, &w->ss->s->gs[0]));
	assert_null(ld_goroutine_note(w->ss->s, ld_session_find(w->ss->s, 5)));
	assert_int_equal(w->ss->s->nnotes, 1);
}

/*
 * g.waiting and the sleep's word share one field: a sleeper (no sudogs)
 * keeps g.sleepWhen; a channel waiter keeps g.waiting, whatever stale
 * sleepWhen an earlier sleep left.
 */
static void test_load_waiting_or_sleep(void **state)
{
	struct gworld *w = *state;
	struct ld_goroutine *g;
	uint8_t *b;

	w->ss->rt->g.sleep_when = GO_SLEEPWHEN;
	b = put_g(w, 0, 7, ST_WAITING, WR_SLEEP, ss_pc(F_MIDDLE, 0));
	wr(b, GO_SLEEPWHEN, 8, 5000);
	b = put_g(w, 1, 8, ST_WAITING, WR_CHAN_RECV, ss_pc(F_MIDDLE, 0));
	wr(b, GO_WAITING, 8, 0xc000600000ull);
	wr(b, GO_SLEEPWHEN, 8, 7000);
	g = load_find(w, 7);
	assert_int_equal(ld_goroutine_sleep(g), 5000);
	assert_int_equal(ld_goroutine_waiting(g), 0);
	g = ld_session_find(w->ss->s, 8);
	assert_non_null(g);
	assert_int_equal(ld_goroutine_waiting(g), 0xc000600000ull);
	assert_int_equal(ld_goroutine_sleep(g), 0);
}

/* A g whose m cannot be read gets a note. */
static void test_load_unreadable_m_note(void **state)
{
	struct gworld *w = *state;
	struct ld_goroutine *g;
	uint8_t *b;

	b = put_g(w, 0, 3, ST_RUNNING, 0, ss_pc(F_MIDDLE, 0));
	wr(b, GO_M, 8, NOWHERE);
	g = load_find(w, 3);
	assert_non_null(ld_goroutine_note(w->ss->s, g));
	assert_string_equal(ld_goroutine_note(w->ss->s, g),
			    "its m is unreadable");
	assert_int_equal(g->tid, 0);
}

/* allglen larger than the slice: corrupt, with a code. */
static void test_load_allglen_past_slice(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	wr(w->globals, ALLGLEN - GLOBALS, 8, 5);
	assert_null(ld_session_load_goroutines(s));
	assert_int_equal(s->ngs, 1);
	assert_int_equal(s->nwarnings, 1);
	assert_non_null(strstr(s->warnings[0], "allglen is 5"));
}

/* allglen zeroed while allgs holds goroutines: they are all listed. */
static void test_load_allglen_zero_uses_slice(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	put_g(w, 1, 2, ST_WAITING, WR_SELECT, ss_pc(F_MIDDLE, 0));
	wr(w->globals, ALLGLEN - GLOBALS, 8, 0);
	assert_null(ld_session_load_goroutines(s));
	assert_int_equal(s->ngs, 2);
	assert_int_equal(s->nwarnings, 1);
	assert_non_null(strstr(s->warnings[0], "allglen is 0 but runtime.allgs holds 2"));
}

/* A damaged slice header (len > cap): allglen, within cap, is used. */
static void test_load_bad_slice_header_uses_allglen(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	put_g(w, 1, 2, ST_WAITING, WR_SELECT, ss_pc(F_MIDDLE, 0));
	wr(w->globals, ALLGS - GLOBALS + 8, 8, 1ull << 40);
	assert_null(ld_session_load_goroutines(s));
	assert_int_equal(s->ngs, 2);
	assert_non_null(strstr(s->warnings[0], "header is damaged"));
}

/* Nothing to list is damage, never a clean empty dump. */
static void test_load_empty_allgs_is_error(void **state)
{
	struct gworld *w = *state;
	struct ld_error *err;

	wr(w->globals, ALLGS - GLOBALS, 8, ALLG_ARRAY);
	err = ld_session_load_goroutines(w->ss->s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_CORRUPT);
	assert_non_null(strstr(err->message, "allgs is empty"));
	ld_error_destroy(err);
}

static void test_load_only_dead_is_error(void **state)
{
	struct gworld *w = *state;
	struct ld_error *err;

	put_g(w, 0, 1, ST_DEAD, 0, 0);
	allg(w, NOWHERE);
	err = ld_session_load_goroutines(w->ss->s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_CORRUPT);
	assert_non_null(strstr(err->message, "2 entries (1 unreadable)"));
	ld_error_destroy(err);
}

/* allgs itself unreadable: a fault, with a code. */
static void test_load_allgs_unreadable(void **state)
{
	struct gworld *w = *state;
	struct ld_error *err;

	w->ss->s->rt->allgs = NOWHERE;
	err = ld_session_load_goroutines(w->ss->s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_FAULT);
	ld_error_destroy(err);
}

/*
 * allgs and allglen claiming 32M goroutines over an array of one (found by
 * fuzz_goroutines' allocation limit): a fault reading the array, and what
 * is allocated follows what was read, not the count claimed.
 */
static void test_load_allglen_beyond_array(void **state)
{
	struct gworld *w = *state;
	struct ld_error *err;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	wr(w->globals, ALLGS - GLOBALS + 8, 8, 32u << 20);
	wr(w->globals, ALLGS - GLOBALS + 16, 8, 32u << 20);
	wr(w->globals, ALLGLEN - GLOBALS, 8, 32u << 20);
	err = ld_session_load_goroutines(w->ss->s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_FAULT);
	assert_non_null(strstr(err->message, "allgs array"));
	ld_error_destroy(err);
	assert_int_equal(w->ss->s->ngs, 0);
}

/*
 * An allgs entry that is not 8-aligned (found by fuzz_goroutines: the
 * status was read through a misaligned pointer): a bad g, not decoded.
 */
static void test_load_misaligned_g(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	allg(w, g_addr(1) + 2);
	assert_null(ld_session_load_goroutines(s));
	assert_int_equal(s->ngs, 1);
	assert_int_equal(s->gs[0].goid, 1);
	assert_int_equal(s->nbad_gs, 1);
	assert_int_equal(s->bad_gs[0], g_addr(1) + 2);
}

/* A g size no runtime has (hostile DWARF): refused before allocating. */
static void test_load_absurd_g_size(void **state)
{
	struct gworld *w = *state;
	struct ld_error *err;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	w->ss->s->rt->g.size = 1ull << 40;
	err = ld_session_load_goroutines(w->ss->s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_CORRUPT);
	ld_error_destroy(err);
}

/* Loading twice decodes once. */
static void test_load_idempotent(void **state)
{
	struct gworld *w = *state;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	assert_null(ld_session_load_goroutines(w->ss->s));
	put_g(w, 1, 2, ST_RUNNABLE, 0, ss_pc(F_MIDDLE, 0));
	assert_null(ld_session_load_goroutines(w->ss->s));
	assert_int_equal(w->ss->s->ngs, 1);
}

/*
 * isSystemGoroutine(gp, false): started at a runtime.* function, but not
 * runtime.main; an unknown startpc is not.
 */
static void test_load_system_flag(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;

	put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	put_g(w, 1, 2, ST_WAITING, WR_SWEEP, ss_pc(F_BGSWEEP, 0));
	put_g(w, 2, 3, ST_WAITING, WR_CHAN_RECV, ss_pc(F_MIDDLE, 0));
	put_g(w, 3, 4, ST_RUNNABLE, 0, ss_pc(F_GOSCHED, 0));
	put_g(w, 4, 5, ST_RUNNABLE, 0, ss_pc(F_MHEAP, 0));
	put_g(w, 5, 6, ST_RUNNABLE, 0, 0x10);	/* no function there */
	assert_null(ld_session_load_goroutines(s));
	assert_false(ld_session_find(s, 1)->flags & LD_G_SYSTEM);
	assert_true(ld_session_find(s, 2)->flags & LD_G_SYSTEM);
	assert_false(ld_session_find(s, 3)->flags & LD_G_SYSTEM);
	assert_true(ld_session_find(s, 4)->flags & LD_G_SYSTEM);
	assert_true(ld_session_find(s, 5)->flags & LD_G_SYSTEM);
	assert_false(ld_session_find(s, 6)->flags & LD_G_SYSTEM);
}

/* The finalizer goroutine is a user goroutine while it runs a finalizer. */
static void check_finalizer(struct gworld *w, uint32_t fing_status,
			    bool system)
{
	ss_patch_func(w->ss, F_FUNCNAME, FID_RUN_FINALIZERS, 0);
	w->ss->s->fing_status = fing_status;
	put_g(w, 0, 5, ST_WAITING, 16, ss_pc(F_FUNCNAME, 0));
	assert_int_equal(!!(load_find(w, 5)->flags & LD_G_SYSTEM), system);
}

static void test_load_finalizer_idle_is_system(void **state)
{
	check_finalizer(*state, 1 | 4, true);	/* fingCreated|fingWait */
}

static void test_load_finalizer_running_is_user(void **state)
{
	check_finalizer(*state, 1 | 2, false);	/* |fingRunningFinalizer */
}

/* A cleanup goroutine is a user goroutine while g.runningCleanups. */
static void test_load_cleanups(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;
	uint8_t *b;

	ss_patch_func(w->ss, F_MHEAP, FID_RUN_CLEANUPS, 0);
	put_g(w, 0, 8, ST_WAITING, 0, ss_pc(F_MHEAP, 0));
	b = put_g(w, 1, 9, ST_RUNNING, 0, ss_pc(F_MHEAP, 0));
	wr(b, GO_CLEANUPS, 1, 1);
	assert_null(ld_session_load_goroutines(s));
	assert_true(ld_session_find(s, 8)->flags & LD_G_SYSTEM);
	assert_false(ld_session_find(s, 8)->flags & LD_G_RUNNING_CLEANUPS);
	assert_false(ld_session_find(s, 9)->flags & LD_G_SYSTEM);
	assert_true(ld_session_find(s, 9)->flags & LD_G_RUNNING_CLEANUPS);
}

/* lockedm != 0: "locked to thread"; the thread id via the locked m. */
static void test_load_locked_to_thread(void **state)
{
	struct gworld *w = *state;
	struct ld_goroutine *g;
	uint8_t *b;

	b = put_g(w, 0, 3, ST_WAITING, WR_CHAN_RECV, ss_pc(F_MIDDLE, 0));
	wr(b, GO_LOCKEDM, 8, MS);
	wr(w->ms, M_PROCID, 8, 4321);
	g = load_find(w, 3);
	assert_true(g->flags & LD_G_LOCKED);
	assert_int_equal(g->tid, 4321);
}

/* In a system call: unwinding starts at syscallpc/syscallsp. */
static void test_load_syscall_start(void **state)
{
	struct gworld *w = *state;
	struct ld_goroutine *g;
	uint8_t *b;

	b = put_g(w, 0, 3, ST_SYSCALL, 0, ss_pc(F_MIDDLE, 0));
	wr(b, GO_SYSCALLPC, 8, ss_pc(F_LEAF, 0x25));
	wr(b, GO_SYSCALLSP, 8, SS_STACK_LO + 0x800);
	wr(b, GO_M, 8, MS);
	wr(w->ms, M_PROCID, 8, 77);
	g = load_find(w, 3);
	assert_int_equal(g->pc, ss_pc(F_LEAF, 0x25));
	assert_int_equal(g->sp, SS_STACK_LO + 0x800);
	assert_true(g->flags & LD_G_FROM_SYSCALL);
	assert_int_equal(g->tid, 77);
}

/*
 * Running on another thread whose registers are not on its stack: the
 * runtime prints "stack unavailable"; so does leakdump.
 */
static void test_load_running_without_registers(void **state)
{
	struct gworld *w = *state;
	struct ld_goroutine *g;
	uint8_t *b;

	b = put_g(w, 0, 3, ST_RUNNING, 0, ss_pc(F_MIDDLE, 0));
	wr(b, GO_M, 8, MS);
	wr(w->ms, M_PROCID, 8, 78);
	wr(w->ms, M_CURG, 8, g_addr(0));
	g = load_find(w, 3);
	assert_true(g->flags & LD_G_NO_STACK);
	assert_false(g->flags & LD_G_HAS_REGS);
}

/* ... and with its thread's registers on its stack, it starts there. */
static void test_load_running_with_registers(void **state)
{
	struct gworld *w = *state;
	struct ld_thread_regs regs = { .tid = 78,
				       .nregs = ld_arch_amd64.nregs };
	struct ld_goroutine *g;
	uint8_t *b;

	regs.regs[ld_arch_amd64.reg_pc] = ss_pc(F_LEAF, 0x15);
	regs.regs[ld_arch_amd64.reg_sp] = SS_STACK_LO + 0x400;
	w->ss->s->threads = &regs;
	w->ss->s->nthreads = 1;
	b = put_g(w, 0, 3, ST_RUNNING, 0, ss_pc(F_MIDDLE, 0));
	wr(b, GO_M, 8, MS);
	wr(w->ms, M_PROCID, 8, 78);
	wr(w->ms, M_CURG, 8, g_addr(0));
	g = load_find(w, 3);
	w->ss->s->threads = NULL;
	w->ss->s->nthreads = 0;
	assert_true(g->flags & LD_G_HAS_REGS);
	assert_int_equal(g->pc, ss_pc(F_LEAF, 0x15));
	assert_int_equal(g->sp, SS_STACK_LO + 0x400);
}

/* A core's "now" is estimated: the newest waitsince or sched.lastpoll. */
static void test_load_estimates_now(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;
	uint8_t *b;

	s->now_estimated = true;
	s->now = 0;
	b = put_g(w, 0, 1, ST_WAITING, WR_SELECT, ss_pc(F_RTMAIN, 0));
	wr(b, GO_WAITSINCE, 8, 5 * MINUTE);
	b = put_g(w, 1, 2, ST_WAITING, WR_SELECT, ss_pc(F_MIDDLE, 0));
	wr(b, GO_WAITSINCE, 8, 9 * MINUTE);
	s->rt->sched = SCHED;
	s->rt->sched_lastpoll = SCHED_LASTPOLL;
	wr(w->globals, SCHED - GLOBALS + SCHED_LASTPOLL, 8, 12 * MINUTE);
	assert_null(ld_session_load_goroutines(s));
	assert_int_equal(s->now, 12 * MINUTE);
	assert_int_equal(ld_goroutine_wait_minutes(s, ld_session_find(s, 1)),
			 7);
	assert_int_equal(ld_goroutine_wait_minutes(s, ld_session_find(s, 2)),
			 3);
}

#define WORK		(GLOBALS + 0x300)
#define WORK_TSTART	0x8

/* A core's now, with a waitsince at minute m on goroutine goid. */
static void waiting_since(struct gworld *w, unsigned int slot, uint64_t goid,
			  int64_t t)
{
	uint8_t *b = put_g(w, slot, goid, ST_WAITING, WR_SELECT,
			   ss_pc(slot ? F_MIDDLE : F_RTMAIN, 0));

	wr(b, GO_WAITSINCE, 8, (uint64_t)t);
}

static void estimating(struct ld_session *s)
{
	s->now_estimated = true;
	s->now = 0;
	s->rt->sched = SCHED;
	s->rt->sched_lastpoll = SCHED_LASTPOLL;
	s->rt->clocks.sched_procresizetime = -1;
	s->rt->clocks.work_tstart = WORK_TSTART;
	s->rt->clocks.last_gc_nanotime = -1;
}

/* One g's waitsince an hour ahead of everyone (stripped: no work.tstart):
 * ignored, and the others' minutes do not move. */
static void test_now_ignores_lone_future_waitsince(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;

	estimating(s);
	waiting_since(w, 0, 1, 5 * MINUTE);
	waiting_since(w, 1, 2, 5 * MINUTE);
	waiting_since(w, 2, 3, 65 * MINUTE);
	assert_null(ld_session_load_goroutines(s));
	assert_int_equal(s->now, 5 * MINUTE);
	assert_int_equal(s->clock.outliers, 1);
	assert_string_equal(s->clock.source,
			    "the newest goroutine wait timestamp");
}

/* A huge waitsince is no clock at all. */
static void test_now_ignores_huge_waitsince(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;

	estimating(s);
	waiting_since(w, 0, 1, 5 * MINUTE);
	waiting_since(w, 1, 2, INT64_MAX);
	wr(w->globals, SCHED - GLOBALS + SCHED_LASTPOLL, 8, 7 * MINUTE);
	assert_null(ld_session_load_goroutines(s));
	assert_int_equal(s->now, 7 * MINUTE);
	assert_string_equal(s->clock.source, "sched.lastpoll");
	assert_int_equal(ld_goroutine_wait_minutes(s, ld_session_find(s, 1)),
			 2);
}

/* Every real waitsince is a past work.tstart: newer ones are damage,
 * even when two agree. */
static void test_now_bounded_by_work_tstart(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;

	estimating(s);
	s->rt->clocks.work = WORK;
	wr(w->globals, WORK - GLOBALS + WORK_TSTART, 8, 10 * MINUTE);
	waiting_since(w, 0, 1, 3 * MINUTE);
	waiting_since(w, 1, 2, 80 * MINUTE);
	waiting_since(w, 2, 3, 80 * MINUTE);
	assert_null(ld_session_load_goroutines(s));
	assert_int_equal(s->now, 10 * MINUTE);
	assert_int_equal(s->clock.outliers, 2);
	assert_string_equal(s->clock.source,
			    "work.tstart (the last GC's start)");
	assert_int_equal(ld_goroutine_wait_minutes(s, ld_session_find(s, 1)),
			 7);
}

/* Without work.tstart, two goroutines stamped by one GC vouch for each
 * other, however far ahead of the rest. */
static void test_now_accepts_shared_timestamp(void **state)
{
	struct gworld *w = *state;
	struct ld_session *s = w->ss->s;

	estimating(s);
	waiting_since(w, 0, 1, 3 * MINUTE);
	waiting_since(w, 1, 2, 80 * MINUTE);
	waiting_since(w, 2, 3, 80 * MINUTE);
	assert_null(ld_session_load_goroutines(s));
	assert_int_equal(s->now, 80 * MINUTE);
	assert_int_equal(s->clock.outliers, 0);
	assert_int_equal(ld_goroutine_wait_minutes(s, ld_session_find(s, 1)),
			 77);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TG(f) cmocka_unit_test_setup_teardown(f, gsetup, gteardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_waiting_prints_every_wait_reason),
		T(test_waiting_without_reason_prints_waiting),
		T(test_reason_past_table_is_unknown),
		T(test_other_states_ignore_wait_reason),
		T(test_leaked_prints_wait_reason),
		T(test_leaked_absent_release_ignores_reason),
		T(test_scan_bit_is_dropped),
		T(test_status_past_table),
		T(test_wait_minutes_truncate),
		T(test_wait_minutes_only_waiting_and_syscall),
		T(test_wait_minutes_need_waitsince),
		T(test_wait_minutes_zero_from_future),
		T(test_note_dedup),
		T(test_note_index_past_table),
		T(test_note_bound),
		T(test_find_by_goid),
		TG(test_load_decodes_fields),
		TG(test_load_skips_dead),
		TG(test_load_unreadable_g),
		TG(test_load_bad_stack_bounds_note),
		TG(test_load_unreadable_m_note),
		TG(test_load_waiting_or_sleep),
		TG(test_load_allglen_past_slice),
		TG(test_load_allglen_zero_uses_slice),
		TG(test_load_bad_slice_header_uses_allglen),
		TG(test_load_empty_allgs_is_error),
		TG(test_load_only_dead_is_error),
		TG(test_now_ignores_lone_future_waitsince),
		TG(test_now_ignores_huge_waitsince),
		TG(test_now_bounded_by_work_tstart),
		TG(test_now_accepts_shared_timestamp),
		TG(test_load_allgs_unreadable),
		TG(test_load_allglen_beyond_array),
		TG(test_load_misaligned_g),
		TG(test_load_absurd_g_size),
		TG(test_load_idempotent),
		TG(test_load_system_flag),
		TG(test_load_finalizer_idle_is_system),
		TG(test_load_finalizer_running_is_user),
		TG(test_load_cleanups),
		TG(test_load_locked_to_thread),
		TG(test_load_syscall_start),
		TG(test_load_running_without_registers),
		TG(test_load_running_with_registers),
		TG(test_load_estimates_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
