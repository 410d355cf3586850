// SPDX-License-Identifier: MIT
/*
 * The wait reason table (ext/go/waitreason.c): every text of
 * runtime.waitReasonStrings in Go 1.21-1.27 (runtime2.go) and what it is
 * classified as, texts no release has, and isIdleInSynctest rebuilt from
 * the texts of Go 1.24 and of 1.25+ as their runtime2.go lists it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/go/waitreason.h"

struct want {
	const char *text;
	enum ld_wait_class wclass;
	enum ld_wait_prim prim;
	bool send;
};

#define O(t) { t, LD_WAIT_OTHER, LD_WAIT_PRIM_NONE, false }

static const struct want known[] = {
	O(""), O("GC assist marking"),
	{ "IO wait", LD_WAIT_IO, LD_WAIT_PRIM_NONE, false },
	{ "chan receive (nil chan)", LD_WAIT_NIL_CHAN, LD_WAIT_PRIM_NONE, false },
	{ "chan send (nil chan)", LD_WAIT_NIL_CHAN, LD_WAIT_PRIM_NONE, true },
	O("dumping heap"), O("garbage collection"),
	O("garbage collection scan"), O("panicwait"),
	{ "select", LD_WAIT_CHAN, LD_WAIT_PRIM_NONE, false },
	{ "select (no cases)", LD_WAIT_NO_CASES, LD_WAIT_PRIM_NONE, false },
	O("GC assist wait"), O("GC sweep wait"), O("GC scavenge wait"),
	{ "chan receive", LD_WAIT_CHAN, LD_WAIT_PRIM_NONE, false },
	{ "chan send", LD_WAIT_CHAN, LD_WAIT_PRIM_NONE, true },
	O("finalizer wait"), O("force gc (idle)"),
	O("GOMAXPROCS updater (idle)"),
	{ "semacquire", LD_WAIT_SEMA, LD_WAIT_PRIM_NONE, false },
	{ "sleep", LD_WAIT_SLEEP, LD_WAIT_PRIM_NONE, false },
	{ "sync.Cond.Wait", LD_WAIT_COND, LD_WAIT_PRIM_NONE, false },
	{ "sync.Mutex.Lock", LD_WAIT_SEMA, LD_WAIT_PRIM_MUTEX, false },
	{ "sync.RWMutex.RLock", LD_WAIT_SEMA, LD_WAIT_PRIM_RWMUTEX_R, false },
	{ "sync.RWMutex.Lock", LD_WAIT_SEMA, LD_WAIT_PRIM_RWMUTEX_W, false },
	{ "sync.WaitGroup.Wait", LD_WAIT_SEMA, LD_WAIT_PRIM_WAITGROUP, false },
	O("trace reader (blocked)"), O("wait for GC cycle"),
	O("GC worker (idle)"), O("GC worker (active)"), O("preempted"),
	O("debug call"), O("GC mark termination"), O("stopping the world"),
	O("flushing proc caches"), O("trace goroutine status"),
	O("trace proc status"), O("page trace flush"), O("coroutine"),
	O("GC weak to strong wait"), O("synctest.Run"), O("synctest.Wait"),
	O("chan receive (synctest)"),
	{ "chan send (synctest)", LD_WAIT_OTHER, LD_WAIT_PRIM_NONE, true },
	O("select (synctest)"),
	{ "chan receive (durable)", LD_WAIT_CHAN, LD_WAIT_PRIM_NONE, false },
	{ "chan send (durable)", LD_WAIT_CHAN, LD_WAIT_PRIM_NONE, true },
	{ "select (durable)", LD_WAIT_CHAN, LD_WAIT_PRIM_NONE, false },
	{ "sync.WaitGroup.Wait (durable)", LD_WAIT_SEMA,
	  LD_WAIT_PRIM_WAITGROUP, false },
	O("cleanup wait"),
};

#define NKNOWN (sizeof(known) / sizeof(known[0]))

static void check(const struct ld_wait_reason *wr, const struct want *w)
{
	assert_non_null(wr);
	assert_int_equal(wr->wclass, w->wclass);
	assert_int_equal(wr->prim, w->prim);
	assert_int_equal(!!(wr->flags & LD_WR_SEND), w->send);
}

static void test_each_known_text(void **state)
{
	(void)state;
	assert_int_equal(ld_wait_reason_table_len, NKNOWN);
	for (size_t i = 0; i < NKNOWN; i++) {
		const struct ld_wait_reason *wr = ld_wait_reason_find(known[i].text);

		assert_non_null(wr);
		assert_string_equal(wr->text, known[i].text);
		check(wr, &known[i]);
		assert_ptr_equal(ld_wait_reason_classify(known[i].text), wr);
	}
}

/* discover_vars.c searches for an array starting with these three. */
static void test_runtime_order_head(void **state)
{
	(void)state;
	assert_string_equal(ld_wait_reason_table[0].text, "");
	assert_string_equal(ld_wait_reason_table[1].text, "GC assist marking");
	assert_string_equal(ld_wait_reason_table[2].text, "IO wait");
}

static void test_unknown_texts(void **state)
{
	static const struct want unknown[] = {
		O("waiting for Godot"),
		O(" (durable)"),
		O("sync"),
		O("sync (durable)"),
		O("chan receive (nil chan"),
		{ "sync.", LD_WAIT_SEMA, LD_WAIT_PRIM_NONE, false },
		{ "sync.Once.Do", LD_WAIT_SEMA, LD_WAIT_PRIM_NONE, false },
		{ "sync.Once.Do (durable)", LD_WAIT_SEMA, LD_WAIT_PRIM_NONE,
		  false },
		/* a future durable twin waits like its plain reason */
		{ "sleep (durable)", LD_WAIT_SLEEP, LD_WAIT_PRIM_NONE, false },
		{ "sync.Mutex.Lock (durable)", LD_WAIT_SEMA,
		  LD_WAIT_PRIM_MUTEX, false },
		{ "chan send (nil chan) (durable)", LD_WAIT_NIL_CHAN,
		  LD_WAIT_PRIM_NONE, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_null(ld_wait_reason_find(unknown[i].text));
		check(ld_wait_reason_classify(unknown[i].text), &unknown[i]);
	}
}

static bool idle(const char *text, bool durable)
{
	return ld_wait_reason_idle_in_synctest(ld_wait_reason_find(text),
					       durable);
}

/* runtime2.go isIdleInSynctest, Go 1.24 and Go 1.25-1.27 */
static void test_idle_in_synctest(void **state)
{
	static const char *const idle_124[] = {
		"chan receive (nil chan)", "chan send (nil chan)",
		"select (no cases)", "sleep", "sync.Cond.Wait",
		"sync.WaitGroup.Wait", "coroutine", "synctest.Run",
		"synctest.Wait", "chan receive (synctest)",
		"chan send (synctest)", "select (synctest)",
	};
	static const char *const idle_125[] = {
		"chan receive (nil chan)", "chan send (nil chan)",
		"select (no cases)", "sleep", "sync.Cond.Wait",
		"sync.WaitGroup.Wait (durable)", "coroutine", "synctest.Run",
		"synctest.Wait", "chan receive (durable)",
		"chan send (durable)", "select (durable)",
		/* 1.24's texts, idle wherever they would appear */
		"chan receive (synctest)", "chan send (synctest)",
		"select (synctest)",
	};

	(void)state;
	for (size_t i = 0; i < NKNOWN; i++) {
		const char *t = known[i].text;
		bool in124 = false, in125 = false;

		for (size_t k = 0; k < sizeof(idle_124) / sizeof(*idle_124); k++)
			in124 |= !strcmp(t, idle_124[k]);
		for (size_t k = 0; k < sizeof(idle_125) / sizeof(*idle_125); k++)
			in125 |= !strcmp(t, idle_125[k]);
		/* 1.24 has no "(durable)" texts, so their answer is moot */
		if (!strstr(t, "(durable)"))
			assert_int_equal(idle(t, false), in124);
		assert_int_equal(idle(t, true), in125);
	}
	assert_false(ld_wait_reason_idle_in_synctest(NULL, false));
	assert_false(ld_wait_reason_idle_in_synctest(NULL, true));
}

/* What tells discovery which runtime it has. */
static void test_release_markers(void **state)
{
	(void)state;
	for (size_t i = 0; i < ld_wait_reason_table_len; i++) {
		const struct ld_wait_reason *wr = &ld_wait_reason_table[i];

		assert_int_equal(!!(wr->flags & LD_WR_SYNCTEST),
				 !strncmp(wr->text, "synctest.", 9));
		assert_int_equal(!!(wr->flags & LD_WR_DURABLE_TWIN),
				 !strcmp(wr->text,
					 "sync.WaitGroup.Wait (durable)"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_known_text),
		cmocka_unit_test(test_runtime_order_head),
		cmocka_unit_test(test_unknown_texts),
		cmocka_unit_test(test_idle_in_synctest),
		cmocka_unit_test(test_release_markers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
