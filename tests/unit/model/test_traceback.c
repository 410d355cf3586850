// SPDX-License-Identifier: MIT
/*
 * ld_traceback_* against the runtime's own rules (runtime/traceback.go,
 * Go 1.26: goroutineheader, traceback1/traceback2, printArgs, showfuncinfo,
 * printcreatedby1, printFuncName), on a synthetic session (synth_session.h).
 *
 * Expected strings are written from the runtime source, not from what
 * leakdump happens to print.  Tests that assert runtime behaviour leakdump
 * does not (yet) have are marked "DIVERGENCE" and are expected to fail
 * until the core is fixed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "leakdump/model/shapes.h"
#include "leakdump/model/traceback.h"
#include "synth_session.h"

#define MINUTE 60000000000ll

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

/* Sp where goroutine stacks start in these tests. */
static uint64_t sp_at(unsigned int slot)
{
	return SS_STACK_LO + 0x100 + 0x2000ull * slot;
}

/* Output goes to ss->out, which teardown releases even after a failure. */
static void assert_header(struct synth_session *ss,
			  const struct ld_goroutine *g, const char *want)
{
	ld_strbuf_reset(&ss->out);
	ld_traceback_header(ss->s, g, &ss->out);
	assert_null(ld_strbuf_error(&ss->out));
	assert_string_equal(ss_text(&ss->out), want);
}

static void assert_body(struct synth_session *ss, struct ld_goroutine *g,
			const char *want)
{
	ld_strbuf_reset(&ss->out);
	ld_traceback_body(ss->s, g, &ss->out);
	assert_null(ld_strbuf_error(&ss->out));
	assert_string_equal(ss_text(&ss->out), want);
}

/* A goroutine whose stack is the call chain pcs (innermost first). */
static struct ld_goroutine *chain_g(struct synth_session *ss, uint64_t goid,
				    unsigned int slot, const uint64_t *pcs,
				    size_t n, uint64_t *argp)
{
	struct ld_goroutine *g;

	ss_chain(ss, sp_at(slot), pcs, n, argp);
	g = ss_add_g(ss, goid, ST_WAITING, WR_CHAN_RECV, pcs[0], sp_at(slot));
	assert_non_null(g);
	return g;
}

/* The words main.leaf's ArgInfo reads, at its argp. */
static void fill_leaf_args(struct synth_session *ss, uint64_t argp)
{
	ss_word(ss, argp + 0x00, 0x1122334455667788ull);
	ss_word(ss, argp + 0x08, 0xffffffffffffabcdull);
	ss_word(ss, argp + 0x10, 0xdeadbeefcafef00dull);
	ss_word(ss, argp + 0x18, 0x0123456789abcdefull);
	ss_word(ss, argp + 0x20, 0x5);
	ss_word(ss, argp + 0x28, 0x0);
}

#define LEAF_ARGS "0x88, 0xabcd, 0xcafef00d, 0x123456789abcdef"
#define PC_GOEXIT ss_pc(F_GOEXIT, 1)

/* ---- goroutineheader ---------------------------------------------------- */

static void test_header_status(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;

	g = ss_add_g(ss, 5, ST_WAITING, WR_CHAN_RECV, 0, 0);
	assert_header(ss, g, "goroutine 5 [chan receive]:\n");
	/* waitReasonZero: the status string stays */
	g = ss_add_g(ss, 6, ST_WAITING, 0, 0, 0);
	assert_header(ss, g, "goroutine 6 [waiting]:\n");
	g = ss_add_g(ss, 1, ST_RUNNING, 0, 0, 0);
	assert_header(ss, g, "goroutine 1 [running]:\n");
	/* a wait reason only overrides _Gwaiting (and _Gleaked) */
	g = ss_add_g(ss, 2, ST_RUNNABLE, WR_SLEEP, 0, 0);
	assert_header(ss, g, "goroutine 2 [runnable]:\n");
	g = ss_add_g(ss, 3, ST_SYSCALL, 0, 0, 0);
	assert_header(ss, g, "goroutine 3 [syscall]:\n");
	/* waitReason.String() beyond the table */
	g = ss_add_g(ss, 4, ST_WAITING, 200, 0, 0);
	assert_header(ss, g, "goroutine 4 [unknown wait reason]:\n");
	/* big goids print in decimal */
	g = ss_add_g(ss, 18446744073709551615ull, ST_RUNNABLE, 0, 0, 0);
	assert_header(ss, g, "goroutine 18446744073709551615 [runnable]:\n");
}

static void test_header_scan_and_unknown(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;

	/* the scan bit is dropped for the lookup, then noted */
	g = ss_add_g(ss, 9, ST_SCAN | ST_WAITING, WR_SELECT, 0, 0);
	assert_header(ss, g, "goroutine 9 [select (scan)]:\n");
	g = ss_add_g(ss, 10, ST_SCAN | ST_RUNNING, 0, 0, 0);
	assert_header(ss, g, "goroutine 10 [running (scan)]:\n");
	/* outside gStatusStrings */
	g = ss_add_g(ss, 11, 42, 0, 0, 0);
	assert_header(ss, g, "goroutine 11 [???]:\n");
	g = ss_add_g(ss, 12, ST_SCAN | 42, WR_SELECT, 0, 0);
	assert_header(ss, g, "goroutine 12 [??? (scan)]:\n");
	/* _Gmoribund_unused has an empty string in gStatusStrings */
	g = ss_add_g(ss, 13, 5, 0, 0, 0);
	assert_header(ss, g, "goroutine 13 []:\n");
}

static void test_header_locked(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;

	g = ss_add_g(ss, 1, ST_RUNNING, 0, 0, 0);
	g->flags |= LD_G_LOCKED;
	assert_header(ss, g, "goroutine 1 [running, locked to thread]:\n");
	g = ss_add_g(ss, 20, ST_WAITING, WR_SELECT, 0, 0);
	g->flags |= LD_G_LOCKED;
	assert_header(ss, g, "goroutine 20 [select, locked to thread]:\n");
}

static void test_header_wait_minutes(void **state)
{
	struct synth_session *ss = *state;
	int64_t since = 1000 * 1000000000ll;
	struct ld_goroutine *g;

	ss->s->now = since + 15 * MINUTE + 5000000000ll;
	g = ss_add_g(ss, 7, ST_WAITING, WR_CHAN_RECV, 0, 0);
	g->waitsince = since;
	assert_header(ss, g, "goroutine 7 [chan receive, 15 minutes]:\n");
	/* _Gsyscall counts too */
	g = ss_add_g(ss, 8, ST_SYSCALL, 0, 0, 0);
	g->waitsince = ss->s->now - 3 * MINUTE - 1;
	assert_header(ss, g, "goroutine 8 [syscall, 3 minutes]:\n");
	/* exactly one minute: the runtime says "1 minutes" */
	g = ss_add_g(ss, 9, ST_WAITING, WR_SELECT, 0, 0);
	g->waitsince = ss->s->now - MINUTE;
	assert_header(ss, g, "goroutine 9 [select, 1 minutes]:\n");
	/* under a minute: nothing */
	g = ss_add_g(ss, 10, ST_WAITING, WR_SELECT, 0, 0);
	g->waitsince = ss->s->now - MINUTE + 1;
	assert_header(ss, g, "goroutine 10 [select]:\n");
	/* not waiting: waitsince is ignored */
	g = ss_add_g(ss, 11, ST_RUNNABLE, 0, 0, 0);
	g->waitsince = since;
	assert_header(ss, g, "goroutine 11 [runnable]:\n");
	/* waitsince 0: unknown */
	g = ss_add_g(ss, 12, ST_WAITING, WR_SELECT, 0, 0);
	assert_header(ss, g, "goroutine 12 [select]:\n");
	/* everything, in goroutineheader's order */
	g = ss_add_g(ss, 13, ST_SCAN | ST_WAITING, WR_SELECT, 0, 0);
	g->waitsince = ss->s->now - 12 * MINUTE;
	g->flags |= LD_G_LOCKED;
	assert_header(ss, g,
		      "goroutine 13 [select (scan), 12 minutes, locked to thread]:\n");
	/* the scan bit does not hide the waiting state from the timer */
	g = ss_add_g(ss, 14, ST_SCAN | ST_SYSCALL, 0, 0, 0);
	g->waitsince = ss->s->now - 2 * MINUTE;
	assert_header(ss, g, "goroutine 14 [syscall (scan), 2 minutes]:\n");
}

static void test_header_leaked(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;

	/* Go 1.26 _Gleaked = 10: the wait reason stays, " (leaked)" added */
	ss->rt->g_leaked = 10;
	ss->s->now = 100 * MINUTE;
	g = ss_add_g(ss, 30, 10, WR_CHAN_RECV, 0, 0);
	g->waitsince = MINUTE;	/* not _Gwaiting: no minutes */
	assert_header(ss, g, "goroutine 30 [chan receive (leaked)]:\n");
	g = ss_add_g(ss, 31, 10, 0, 0, 0);
	assert_header(ss, g, "goroutine 31 [leaked (leaked)]:\n");
	g = ss_add_g(ss, 32, ST_SCAN | 10, WR_SELECT, 0, 0);
	assert_header(ss, g, "goroutine 32 [select (leaked) (scan)]:\n");
}

/*
 * DIVERGENCE (expected to fail until ext/traceback.c is changed): Go 1.26
 * goroutineheader adds " (durable)" after the status (and " (scan)") for a
 * goroutine in a synctest bubble that is _Gwaiting with a wait reason in
 * isIdleInSynctest (e.g. "sleep"), unless the status text already ends in
 * "(durable)".  ld_traceback_header never prints it.
 */
static void test_header_synctest_durable(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;

	uint8_t idle[64] = { 0 };

	ss->rt->g.bubble = 0x1a0;	/* Go 1.25+: g.bubble exists */
	ss->rt->bubble_id = 0;
	/* runtime.isIdleInSynctest, as read from the target: sleep is idle */
	assert_true(ss->s->nwait_reasons <= sizeof(idle));
	idle[WR_SLEEP] = 1;
	ss->s->idle_in_synctest = idle;
	g = ss_add_g(ss, 21, ST_WAITING, WR_CHAN_RECV, 0, 0);
	assert_true(ld_goroutine_set_bubble(ss->s, g, 3));
	/* "chan receive" is not idle-in-synctest: no (durable) */
	assert_header(ss, g, "goroutine 21 [chan receive, synctest bubble 3]:\n");
	g = ss_add_g(ss, 22, ST_WAITING, WR_SLEEP, 0, 0);
	assert_true(ld_goroutine_set_bubble(ss->s, g, 3));
	assert_header(ss, g,
		      "goroutine 22 [sleep (durable), synctest bubble 3]:\n");
	ss->s->idle_in_synctest = NULL;
}

static void test_header_synctest_group(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;

	/* Go 1.24 (no g.bubble field): ", synctest group <root goid>" */
	g = ss_add_g(ss, 23, ST_WAITING, WR_CHAN_RECV, 0, 0);
	assert_true(ld_goroutine_set_bubble(ss->s, g, 19));
	assert_header(ss, g, "goroutine 23 [chan receive, synctest group 19]:\n");
}

/* ---- frames ------------------------------------------------------------- */

static void test_body_three_frames(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_GOPARK, 0x25), ss_pc(F_MIDDLE, 0x15),
		ss_pc(F_RECURSE, 0x25), ss_pc(F_MAIN, 0x15),
		ss_pc(F_RTMAIN, 0x25), PC_GOEXIT,
	};
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 6, NULL);

	/* goid 1 never gets a created-by line, even with a gopc */
	g->gopc = ss_pc(F_SPAWNER, 0x25);
	g->parent_goid = 0;
	assert_body(ss, g,
		    "main.middle()\n"
		    "\t/app/main.go:21 +0x15\n"
		    "main.recurse()\n"
		    "\t/app/main.go:42 +0x25\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
	assert_null(ld_goroutine_note(ss->s, g));
}

static void test_body_args(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_LEAF, 0x15), ss_pc(F_MIDDLE, 0x15),
		ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	uint64_t argp[4];
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 4, argp);

	fill_leaf_args(ss, argp[0]);
	/*
	 * symPC +0x14: PCDATA_ArgLiveIndex 1, bitmap 0x01: slot 0 (offset
	 * 0x20) live, slot 1 (0x28) dead.  Offsets below startOffset 0x20
	 * are always live.
	 */
	assert_body(ss, g,
		    "main.leaf(" LEAF_ARGS ", {0x5, 0x0?}, _, ...)\n"
		    "\t/app/main.go:11 +0x15\n"
		    "main.middle()\n"
		    "\t/app/main.go:21 +0x15\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
}

static void test_body_args_live_index_zero(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_LEAF, 0x25), ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	uint64_t argp[3];
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 3, argp);

	fill_leaf_args(ss, argp[0]);
	ss_word(ss, argp[0] + 0x28, 0xffffffff00000000ull);
	/* liveIdx 0 at +0x24: no liveness info, nothing gets "?" */
	assert_body(ss, g,
		    "main.leaf(" LEAF_ARGS ", {0x5, 0xffffffff00000000}, _, ...)\n"
		    "\t/app/main.go:12 +0x25\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
}

/*
 * symPC: a return address is backed up by one (+0x20 -> +0x1f, line 11,
 * liveIdx 1); a trapping pc (from thread registers) is not (+0x20, line
 * 12, liveIdx 0).  The "+0x" offset is always from frame.pc.
 */
static void test_body_sympc_trap(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_LEAF, 0x20), ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	uint64_t argp[3];
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 3, argp);
	struct ld_goroutine *t;

	fill_leaf_args(ss, argp[0]);
	assert_body(ss, g,
		    "main.leaf(" LEAF_ARGS ", {0x5, 0x0?}, _, ...)\n"
		    "\t/app/main.go:11 +0x20\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
	t = ss_add_g(ss, 1, ST_RUNNING, 0, pcs[0], sp_at(0));
	t->flags |= LD_G_HAS_REGS;
	assert_body(ss, t,
		    "main.leaf(" LEAF_ARGS ", {0x5, 0x0}, _, ...)\n"
		    "\t/app/main.go:12 +0x20\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
}

static void test_body_inlined(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_OUTER, 0x15),
		ss_pc(F_MAIN, 0x15), ss_pc(F_RTMAIN, 0x15), PC_GOEXIT,
	};
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 5, NULL);

	/* inlined: "(...)", no "+0x"; the caller at the inline parentPc */
	assert_body(ss, g,
		    "main.inner(...)\n"
		    "\t/app/inner.go:95\n"
		    "main.outer()\n"
		    "\t/app/main.go:60 +0x15\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
}

static void test_body_runtime_frames(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_GOSCHED, 0x15),
		ss_pc(F_MAIN, 0x25), ss_pc(F_RTMAIN, 0x15), PC_GOEXIT,
	};
	const uint64_t pcs2[] = {
		ss_pc(F_MHEAP, 0x15), ss_pc(F_FUNCNAME, 0x15),
		ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 5, NULL);
	struct ld_goroutine *g2;

	/* runtime.gopark, runtime.main, runtime.goexit hidden */
	assert_body(ss, g,
		    "runtime.Gosched()\n"
		    "\t/go/src/runtime/proc.go:351 +0x15\n"
		    "main.main()\n"
		    "\t/app/main.go:32 +0x25\n");
	/* isExportedRuntime: exported method of an exported type only */
	g2 = chain_g(ss, 1, 1, pcs2, 4, NULL);
	assert_body(ss, g2,
		    "runtime.(*Func).Name()\n"
		    "\t/go/src/runtime/symtab.go:661 +0x15\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
}

static void test_body_wrapper(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_LEAF, 0x25), ss_pc(F_WRAPPER, 0x15),
		ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	const uint64_t pcs2[] = {
		ss_pc(F_GOPANIC, 0x15), ss_pc(F_WRAPPER, 0x15),
		ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	uint64_t argp[4];
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 4, argp);
	struct ld_goroutine *g2;

	fill_leaf_args(ss, argp[0]);
	/* a wrapper that called an ordinary function is elided */
	assert_body(ss, g,
		    "main.leaf(" LEAF_ARGS ", {0x5, 0x0}, _, ...)\n"
		    "\t/app/main.go:12 +0x25\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
	/*
	 * ...but not one that called gopanic.  gopanic itself is hidden as
	 * the first frame (the gopanic exception is for !firstFrame).
	 */
	g2 = chain_g(ss, 1, 1, pcs2, 4, NULL);
	assert_body(ss, g2,
		    "main.(*T).Leaf()\n"
		    "\t<autogenerated>:2 +0x15\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
}

static void test_body_gopanic_in_middle(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_LEAF, 0x25), ss_pc(F_GOPANIC, 0x15),
		ss_pc(F_MIDDLE, 0x15), PC_GOEXIT,
	};
	uint64_t argp[4];
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 4, argp);

	fill_leaf_args(ss, argp[0]);
	/* shown in the middle of a stack, and printed as "panic" */
	assert_body(ss, g,
		    "main.leaf(" LEAF_ARGS ", {0x5, 0x0}, _, ...)\n"
		    "\t/app/main.go:12 +0x25\n"
		    "panic()\n"
		    "\t/go/src/runtime/panic.go:771 +0x15\n"
		    "main.middle()\n"
		    "\t/app/main.go:21 +0x15\n");
}

static void test_body_runtime_fallback(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_BGSWEEP, 0x25), PC_GOEXIT,
	};
	struct ld_goroutine *g = chain_g(ss, 17, 0, pcs, 3, NULL);

	/* created by a hidden runtime function: no created-by line either */
	g->gopc = ss_pc(F_RTMAIN, 0x25);
	g->parent_goid = 1;
	g->flags |= LD_G_SYSTEM;
	assert_body(ss, g,
		    "runtime.gopark()\n"
		    "\t/go/src/runtime/proc.go:401 +0x15\n"
		    "runtime.bgsweep()\n"
		    "\t/go/src/runtime/proc.go:302 +0x25\n"
		    "runtime.goexit()\n"
		    "\t/go/src/runtime/asm_amd64.s:1700 +0x1\n");
}

static void test_body_created_by(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_MIDDLE, 0x15), PC_GOEXIT,
	};
	struct ld_goroutine *g = chain_g(ss, 7, 0, pcs, 3, NULL);
	const char *frames = "main.middle()\n\t/app/main.go:21 +0x15\n";
	char want[512];

	/* pc backed up by one for the line (0x24: 82), "+0x" from gopc */
	g->gopc = ss_pc(F_SPAWNER, 0x25);
	g->parent_goid = 3;
	snprintf(want, sizeof(want), "%s%s", frames,
		 "created by main.spawner in goroutine 3\n"
		 "\t/app/main.go:82 +0x25\n");
	assert_body(ss, g, want);
	/* +0x10 backs up into the previous line's range */
	g->gopc = ss_pc(F_SPAWNER, 0x10);
	snprintf(want, sizeof(want), "%s%s", frames,
		 "created by main.spawner in goroutine 3\n"
		 "\t/app/main.go:80 +0x10\n");
	assert_body(ss, g, want);
	/* gopc at the entry: no backing up, no offset */
	g->gopc = ss_pc(F_SPAWNER, 0);
	snprintf(want, sizeof(want), "%s%s", frames,
		 "created by main.spawner in goroutine 3\n"
		 "\t/app/main.go:80\n");
	assert_body(ss, g, want);
	/* parent goid 0: no " in goroutine" */
	g->gopc = ss_pc(F_SPAWNER, 0x15);
	g->parent_goid = 0;
	snprintf(want, sizeof(want), "%s%s", frames,
		 "created by main.spawner\n"
		 "\t/app/main.go:81 +0x15\n");
	assert_body(ss, g, want);
	/* generic creator */
	g->gopc = ss_pc(F_GENERIC, 0x25);
	g->parent_goid = 12;
	snprintf(want, sizeof(want), "%s%s", frames,
		 "created by main.Map[...] in goroutine 12\n"
		 "\t/app/main.go:52 +0x25\n");
	assert_body(ss, g, want);
	/* gopc outside every function */
	g->gopc = 0x10;
	assert_body(ss, g, frames);
}

static void test_body_no_stack(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g = ss_add_g(ss, 40, ST_RUNNING, 0, 0, 0);

	g->flags |= LD_G_NO_STACK;
	g->gopc = ss_pc(F_SPAWNER, 0x25);
	g->parent_goid = 1;
	assert_body(ss, g,
		    "\tgoroutine running on other thread; stack unavailable\n"
		    "created by main.spawner in goroutine 1\n"
		    "\t/app/main.go:82 +0x25\n");
}

static void test_body_generic_frame(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_GENERIC, 0x15), ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 3, NULL);

	assert_body(ss, g,
		    "main.Map[...]()\n"
		    "\t/app/main.go:51 +0x15\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
}

/*
 * An SP-writing function stops the walk (traceback1 always unwinds with
 * unwindPrintErrors, so even the innermost frame stops) unless the walk
 * starts from syscallpc/syscallsp (isSyscall).
 */
static void test_body_spwrite(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_MIDDLE, 0x15), ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	const uint64_t pcs2[] = {
		ss_pc(F_LEAF, 0x25), ss_pc(F_MIDDLE, 0x15),
		ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	struct ld_goroutine *g;
	uint64_t argp[4];

	ss_patch_func(ss, F_MIDDLE, 0, LD_FUNCFLAG_SPWRITE);
	g = chain_g(ss, 1, 0, pcs, 3, NULL);
	assert_body(ss, g, "main.middle()\n\t/app/main.go:21 +0x15\n");
	g->status = ST_SYSCALL;
	g->flags |= LD_G_FROM_SYSCALL;
	assert_body(ss, g,
		    "main.middle()\n"
		    "\t/app/main.go:21 +0x15\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
	/* not innermost: stops after printing it, without an error */
	g = chain_g(ss, 2, 1, pcs2, 4, argp);
	fill_leaf_args(ss, argp[0]);
	assert_body(ss, g,
		    "main.leaf(" LEAF_ARGS ", {0x5, 0x0}, _, ...)\n"
		    "\t/app/main.go:12 +0x25\n"
		    "main.middle()\n"
		    "\t/app/main.go:21 +0x15\n");
	assert_null(ld_goroutine_note(ss->s, g));
}

/* Go 1.26 showfuncinfo always shows runFinalizers/runCleanups. */
static void test_body_finalizer_frame(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_BGSWEEP, 0x25), PC_GOEXIT,
	};
	struct ld_goroutine *g;

	ss_patch_func(ss, F_BGSWEEP, FID_RUN_FINALIZERS, 0);
	g = chain_g(ss, 5, 0, pcs, 3, NULL);
	assert_body(ss, g,
		    "runtime.bgsweep()\n"
		    "\t/go/src/runtime/proc.go:302 +0x25\n");
}

/* a frame with pc == entry prints no "+0x" (u.frame.pc > f.entry()) */
static void test_body_pc_at_entry(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_MIDDLE, 0), ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	struct ld_goroutine *g = chain_g(ss, 1, 0, pcs, 3, NULL);

	/* spdelta 0 at the entry: fp = sp + 8 */
	assert_body(ss, g,
		    "main.middle()\n"
		    "\t/app/main.go:20\n"
		    "main.main()\n"
		    "\t/app/main.go:31 +0x15\n");
}

/* ---- elision (traceback1: 50 inner, 50 outer frames) -------------------- */

/* main.recurse frame k (1-based, innermost first): a distinct pc. */
static uint32_t recurse_off(unsigned int k)
{
	return 0x04 + (k % 0x3c);
}

static void put_recurse(struct ld_strbuf *sb, unsigned int k)
{
	uint32_t off = recurse_off(k);
	/* symPC = pc - 1 picks the line */
	int line = off - 1 < 0x10 ? 40 : off - 1 < 0x20 ? 41 : 42;

	ld_strbuf_printf(sb, "main.recurse()\n\t/app/main.go:%d +0x%x\n",
			 line, off);
}

/*
 * A stack of nvisible printable frames: runtime.gopark (hidden),
 * main.recurse x (nvisible - 1), main.main, runtime.main and goexit
 * (hidden).  Returns the text traceback1 prints for it.
 */
static struct ld_goroutine *deep_g(struct synth_session *ss,
				   unsigned int nvisible, struct ld_strbuf *want)
{
	size_t n = nvisible + 3;
	uint64_t *pcs = calloc(n, sizeof(*pcs));
	unsigned int elide, k;
	struct ld_goroutine *g;

	assert_non_null(pcs);
	pcs[0] = ss_pc(F_GOPARK, 0x15);
	for (k = 1; k < nvisible; k++)
		pcs[k] = ss_pc(F_RECURSE, recurse_off(k));
	pcs[nvisible] = ss_pc(F_MAIN, 0x15);
	pcs[nvisible + 1] = ss_pc(F_RTMAIN, 0x15);
	pcs[nvisible + 2] = PC_GOEXIT;
	g = chain_g(ss, 1, 0, pcs, n, NULL);
	free(pcs);

	/* first 50, "...N frames elided...", last 50 */
	elide = nvisible > 100 ? nvisible - 100 : 0;
	for (k = 1; k <= nvisible; k++) {
		if (elide && k == 51)
			ld_strbuf_printf(want, "...%u frames elided...\n",
					 elide);
		if (elide && k > 50 && k <= 50 + elide)
			continue;
		if (k < nvisible)
			put_recurse(want, k);
		else
			ld_strbuf_puts(want,
				       "main.main()\n\t/app/main.go:31 +0x15\n");
	}
	return g;
}

static void check_deep(struct synth_session *ss, unsigned int nvisible)
{
	struct ld_goroutine *g;

	ss->s->ngs = 0;
	ld_strbuf_reset(&ss->want);
	g = deep_g(ss, nvisible, &ss->want);
	assert_body(ss, g, ss_text(&ss->want));
}

static void test_elide_120(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g = deep_g(ss, 120, &ss->want);
	size_t lines = 0;

	assert_body(ss, g, ss_text(&ss->want));
	assert_non_null(strstr(ss_text(&ss->out),
			       "\n...20 frames elided...\nmain.recurse()"));
	for (const char *p = ss_text(&ss->out); *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2 * 100 + 1);
}

static void test_elide_boundaries(void **state)
{
	struct synth_session *ss = *state;

	/* 50 frames: all printed from the first pass */
	check_deep(ss, 50);
	check_deep(ss, 51);
	/* 100: elide == 0, the rest printed without a marker */
	check_deep(ss, 100);
	/* 101: "...1 frames elided..." */
	check_deep(ss, 101);
}

/*
 * The 50th printed frame is an inlined frame whose physical frame holds
 * one more logical frame: traceback2 stops with lastN = 1, the count
 * includes that physical frame's frames again, and the final pass skips
 * lastN + elide logical frames.
 *
 *   1..49  main.recurse		50 main.inner (inlined)	51 main.outer
 *   52..111 main.recurse		112 main.main
 *
 * remaining = 63 (from main.outer's physical frame), elide = 63-1-50 = 12:
 * frames 51..62 go, 63..112 print.
 */
static void test_elide_inlined_boundary(void **state)
{
	struct synth_session *ss = *state;
	struct ld_strbuf *want = &ss->want;
	uint64_t pcs[115];
	unsigned int k, i = 0;
	struct ld_goroutine *g;

	pcs[i++] = ss_pc(F_GOPARK, 0x15);
	for (k = 1; k <= 49; k++)
		pcs[i++] = ss_pc(F_RECURSE, recurse_off(k));
	pcs[i++] = ss_pc(F_OUTER, 0x15);
	for (k = 52; k <= 111; k++)
		pcs[i++] = ss_pc(F_RECURSE, recurse_off(k));
	pcs[i++] = ss_pc(F_MAIN, 0x15);
	pcs[i++] = ss_pc(F_RTMAIN, 0x15);
	pcs[i++] = PC_GOEXIT;
	assert_int_equal(i, 114);
	g = chain_g(ss, 1, 0, pcs, i, NULL);

	for (k = 1; k <= 49; k++)
		put_recurse(want, k);
	ld_strbuf_puts(want, "main.inner(...)\n\t/app/inner.go:95\n");
	ld_strbuf_puts(want, "...12 frames elided...\n");
	for (k = 63; k <= 111; k++)
		put_recurse(want, k);
	ld_strbuf_puts(want, "main.main()\n\t/app/main.go:31 +0x15\n");
	assert_body(ss, g, ss_text(want));
}

/* ---- bad stacks ---------------------------------------------------------- */

static void test_bad_return_pc(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = { ss_pc(F_LEAF, 0x25), 0xdead0 };
	uint64_t argp[2];
	struct ld_goroutine *g = chain_g(ss, 12, 0, pcs, 2, argp);

	fill_leaf_args(ss, argp[0]);
	g->gopc = ss_pc(F_SPAWNER, 0x25);
	g->parent_goid = 1;
	/*
	 * The runtime prints the frames it got, then (unwinder next())
	 * stops on the bad return pc; leakdump notes why in one line and
	 * still prints created-by.
	 */
	assert_body(ss, g,
		    "main.leaf(" LEAF_ARGS ", {0x5, 0x0}, _, ...)\n"
		    "\t/app/main.go:12 +0x25\n"
		    "\t[leakdump: unexpected return pc]\n"
		    "created by main.spawner in goroutine 1\n"
		    "\t/app/main.go:82 +0x25\n");
	assert_string_equal(ld_goroutine_note(ss->s, g),
			    "unexpected return pc");
}

static void test_bad_start_pc(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g = ss_add_g(ss, 13, ST_WAITING, WR_SELECT,
					  0x1234, sp_at(0));

	g->gopc = ss_pc(F_SPAWNER, 0x25);
	g->parent_goid = 1;
	/* initAt: unknown pc, no frames at all; then created-by */
	assert_body(ss, g,
		    "\t[leakdump: unknown pc]\n"
		    "created by main.spawner in goroutine 1\n"
		    "\t/app/main.go:82 +0x25\n");
	assert_non_null(ld_goroutine_note(ss->s, g));
}

/*
 * DIVERGENCE (expected to fail until ext/unwind.c is changed): the caller
 * of main.middle sits above stack.hi.  The runtime's resolveInternal would
 * still read that word and print main.middle (its pc and function are
 * known) before stopping; leakdump stops inside resolve() for main.middle
 * (read_word bounds check) and so drops a frame it could print.  The note
 * line and the end of the walk are kept.
 */
static void test_frame_outside_stack(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_LEAF, 0x25), ss_pc(F_MIDDLE, 0x15),
		ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	uint64_t argp[4];
	struct ld_goroutine *g = chain_g(ss, 14, 0, pcs, 4, argp);

	fill_leaf_args(ss, argp[0]);
	/* main.middle's return address slot (argp[1] - 8) is out of bounds */
	g->stack_hi = argp[1] - 8;
	assert_body(ss, g,
		    "main.leaf(" LEAF_ARGS ", {0x5, 0x0}, _, ...)\n"
		    "\t/app/main.go:12 +0x25\n"
		    "main.middle()\n"
		    "\t/app/main.go:21 +0x15\n"
		    "\t[leakdump: frame outside the goroutine's stack]\n");
}

/* Same fault, checked only for what leakdump promises: no crash, a note. */
static void test_frame_outside_stack_note(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_LEAF, 0x25), ss_pc(F_MIDDLE, 0x15),
		ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	uint64_t argp[4];
	struct ld_goroutine *g = chain_g(ss, 14, 0, pcs, 4, argp);
	struct ld_strbuf *sb = &ss->out;
	const char *text, *note;

	fill_leaf_args(ss, argp[0]);
	g->stack_hi = argp[1] - 8;
	ld_traceback_body(ss->s, g, sb);
	text = ss_text(sb);
	assert_true(!strncmp(text, "main.leaf(", 10));
	note = "\t[leakdump: frame outside the goroutine's stack]\n";
	assert_true(strlen(text) >= strlen(note));
	assert_string_equal(text + strlen(text) - strlen(note), note);
	assert_null(strstr(text, "main.main"));
	assert_string_equal(ld_goroutine_note(ss->s, g),
			    "frame outside the goroutine's stack");
	ld_strbuf_reset(sb);

	/* a start sp below stack.lo: nothing readable, still no crash */
	g = ss_add_g(ss, 15, ST_WAITING, WR_SELECT, ss_pc(F_LEAF, 0x25),
		     SS_STACK_LO - 0x1000);
	ld_traceback_body(ss->s, g, sb);
	assert_non_null(strstr(ss_text(sb), "[leakdump: "));
}

/* ---- walk and printFuncName ---------------------------------------------- */

struct walk_log {
	char names[8][64];
	int n;
};

static bool log_frame(void *arg, const struct ld_visible_frame *f)
{
	struct walk_log *w = arg;

	snprintf(w->names[w->n], sizeof(w->names[0]), "%s%s:%d", f->name,
		 f->inlined ? "(inl)" : "", f->line);
	return ++w->n < 8;
}

static void test_walk_matches_traceback(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_OUTER, 0x15),
		ss_pc(F_WRAPPER, 0x15), ss_pc(F_MAIN, 0x15),
		ss_pc(F_RTMAIN, 0x15), PC_GOEXIT,
	};
	struct ld_goroutine *g = chain_g(ss, 3, 0, pcs, 6, NULL);
	struct walk_log w = { .n = 0 };
	const char *err = NULL;

	/* the wrapper called main.outer: elided */
	assert_int_equal(ld_traceback_walk(ss->s, g, log_frame, &w, &err), 3);
	assert_null(err);
	assert_string_equal(w.names[0], "main.inner(inl):95");
	assert_string_equal(w.names[1], "main.outer:60");
	assert_string_equal(w.names[2], "main.main:31");
}

static void test_print_func_name(void **state)
{
	static const char *const cases[][2] = {
		{ "main.main", "main.main" },
		{ "runtime.gopanic", "panic" },
		{ "runtime.gopanic.func1", "runtime.gopanic.func1" },
		{ "main.Map[go.shape.int,go.shape.string]", "main.Map[...]" },
		{ "main.(*List[go.shape.int]).Push", "main.(*List[...]).Push" },
		{ "main.G[go.shape.[]int].func1", "main.G[...].func1" },
		{ "main.F[...]", "main.F[...]" },
		{ "a]b[c", "a]b[c" },	/* last ']' before the first '[' */
		{ "", "" },
	};
	struct synth_session *ss = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ld_strbuf_reset(&ss->out);
		ld_print_func_name(&ss->out, cases[i][0]);
		assert_string_equal(ss_text(&ss->out), cases[i][1]);
	}
}

/* ---- stack shapes (ext/shapes.c) ---------------------------------------- */

/*
 * The memo answers for a goroutine only when its stack holds the same
 * return addresses at the same offsets as a walk that ended cleanly.
 */
static void test_shapes_memo(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t pcs[] = {
		ss_pc(F_GOPARK, 0x25), ss_pc(F_LEAF, 0x15),
		ss_pc(F_MIDDLE, 0x15), ss_pc(F_MAIN, 0x15), PC_GOEXIT,
	};
	uint64_t other[5], bad[3] = { pcs[0], pcs[1], SS_TEXT - 0x100 };
	struct ld_shapes *m = ld_shapes_create();
	struct ld_goroutine *g;
	uint32_t v = 0;
	char *want;

	assert_non_null(m);
	memcpy(other, pcs, sizeof(pcs));
	other[2] = ss_pc(F_RECURSE, 0x15);
	chain_g(ss, 1, 0, pcs, 5, NULL);
	chain_g(ss, 2, 1, pcs, 5, NULL);		/* same shape */
	chain_g(ss, 3, 2, other, 5, NULL);		/* one caller differs */
	g = chain_g(ss, 4, 3, pcs, 5, NULL);		/* stack ends early */
	g->stack_hi = g->sp + 0x20;
	g = chain_g(ss, 5, 4, pcs, 5, NULL);		/* from thread regs */
	g->flags |= LD_G_HAS_REGS;
	chain_g(ss, 6, 5, bad, 3, NULL);		/* a bad return pc */

	assert_false(ld_shapes_find(m, ss->s, &ss->s->gs[0], &v));
	ld_shapes_learn(m, ss->s, &ss->s->gs[0], 7);
	assert_true(ld_shapes_find(m, ss->s, &ss->s->gs[0], &v));
	assert_int_equal(v, 7);
	v = 0;
	assert_true(ld_shapes_find(m, ss->s, &ss->s->gs[1], &v));
	assert_int_equal(v, 7);
	assert_false(ld_shapes_find(m, ss->s, &ss->s->gs[2], &v));
	assert_false(ld_shapes_find(m, ss->s, &ss->s->gs[3], &v));
	assert_false(ld_shapes_find(m, ss->s, &ss->s->gs[4], &v));
	ld_shapes_learn(m, ss->s, &ss->s->gs[4], 8);
	assert_false(ld_shapes_find(m, ss->s, &ss->s->gs[4], &v));
	/* A walk that ended on an error is never memoized. */
	ld_shapes_learn(m, ss->s, &ss->s->gs[5], 9);
	assert_false(ld_shapes_find(m, ss->s, &ss->s->gs[5], &v));
	/* The goroutine that differs learns a shape of its own. */
	ld_shapes_learn(m, ss->s, &ss->s->gs[2], 10);
	assert_true(ld_shapes_find(m, ss->s, &ss->s->gs[2], &v));
	assert_int_equal(v, 10);
	assert_true(ld_shapes_find(m, ss->s, &ss->s->gs[0], &v));
	assert_int_equal(v, 7);
	/* What a hit stands for: the two tracebacks are the same text. */
	ld_strbuf_reset(&ss->out);
	ld_traceback_body(ss->s, &ss->s->gs[0], &ss->out);
	want = strdup(ss_text(&ss->out));
	assert_non_null(want);
	ld_strbuf_reset(&ss->out);
	ld_traceback_body(ss->s, &ss->s->gs[1], &ss->out);
	assert_string_equal(ss_text(&ss->out), want);
	free(want);
	ld_shapes_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shapes_memo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_scan_and_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_wait_minutes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_leaked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_synctest_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_synctest_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_three_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_args_live_index_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_sympc_trap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_inlined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_runtime_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_wrapper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_gopanic_in_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_runtime_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_created_by, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_no_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_generic_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_spwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_finalizer_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_pc_at_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elide_120, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elide_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elide_inlined_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_return_pc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_start_pc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_outside_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_outside_stack_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_matches_traceback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_func_name, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
