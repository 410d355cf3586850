// SPDX-License-Identifier: MIT
/*
 * The wait reason table (runtime/runtime2.go waitReasonStrings and
 * isIdleInSynctest, Go 1.21-1.27).  Lookups are linear: each of a target's
 * few dozen reasons is classified once per session.
 */
#include <string.h>

#include "leakdump/go/waitreason.h"

#define R(text, wclass, prim, flags) \
	{ text, LD_WAIT_##wclass, LD_WAIT_PRIM_##prim, flags }

const struct ld_wait_reason ld_wait_reason_table[] = {
	R("", OTHER, NONE, 0),
	R("GC assist marking", OTHER, NONE, 0),
	R("IO wait", IO, NONE, 0),
	R("chan receive (nil chan)", NIL_CHAN, NONE, LD_WR_IDLE),
	R("chan send (nil chan)", NIL_CHAN, NONE, LD_WR_SEND | LD_WR_IDLE),
	R("dumping heap", OTHER, NONE, 0),
	R("garbage collection", OTHER, NONE, 0),
	R("garbage collection scan", OTHER, NONE, 0),
	R("panicwait", OTHER, NONE, 0),
	R("select", CHAN, NONE, 0),
	R("select (no cases)", NO_CASES, NONE, LD_WR_IDLE),
	R("GC assist wait", OTHER, NONE, 0),
	R("GC sweep wait", OTHER, NONE, 0),
	R("GC scavenge wait", OTHER, NONE, 0),
	R("chan receive", CHAN, NONE, 0),
	R("chan send", CHAN, NONE, LD_WR_SEND),
	R("finalizer wait", OTHER, NONE, 0),
	R("force gc (idle)", OTHER, NONE, 0),
	/* Go 1.25 */
	R("GOMAXPROCS updater (idle)", OTHER, NONE, 0),
	/* before Go 1.24 also sync.WaitGroup.Wait: only the frames tell */
	R("semacquire", SEMA, NONE, 0),
	R("sleep", SLEEP, NONE, LD_WR_IDLE),
	R("sync.Cond.Wait", COND, NONE, LD_WR_IDLE),
	R("sync.Mutex.Lock", SEMA, MUTEX, 0),
	R("sync.RWMutex.RLock", SEMA, RWMUTEX_R, 0),
	R("sync.RWMutex.Lock", SEMA, RWMUTEX_W, 0),
	/* Go 1.24 */
	R("sync.WaitGroup.Wait", SEMA, WAITGROUP, LD_WR_IDLE_NO_TWIN),
	R("trace reader (blocked)", OTHER, NONE, 0),
	R("wait for GC cycle", OTHER, NONE, 0),
	R("GC worker (idle)", OTHER, NONE, 0),
	R("GC worker (active)", OTHER, NONE, 0),
	R("preempted", OTHER, NONE, 0),
	R("debug call", OTHER, NONE, 0),
	R("GC mark termination", OTHER, NONE, 0),
	R("stopping the world", OTHER, NONE, 0),
	/* Go 1.22 */
	R("flushing proc caches", OTHER, NONE, 0),
	R("trace goroutine status", OTHER, NONE, 0),
	R("trace proc status", OTHER, NONE, 0),
	R("page trace flush", OTHER, NONE, 0),
	R("coroutine", OTHER, NONE, LD_WR_IDLE),
	/* Go 1.23 */
	R("GC weak to strong wait", OTHER, NONE, 0),
	/* Go 1.24: testing/synctest */
	R("synctest.Run", OTHER, NONE, LD_WR_IDLE | LD_WR_SYNCTEST),
	R("synctest.Wait", OTHER, NONE, LD_WR_IDLE | LD_WR_SYNCTEST),
	/* Go 1.24 only: bubbled channel waits; not followed to a channel */
	R("chan receive (synctest)", OTHER, NONE, LD_WR_IDLE),
	R("chan send (synctest)", OTHER, NONE, LD_WR_SEND | LD_WR_IDLE),
	R("select (synctest)", OTHER, NONE, LD_WR_IDLE),
	/* Go 1.25: durably blocked in a bubble; waits like its plain twin */
	R("chan receive (durable)", CHAN, NONE, LD_WR_IDLE),
	R("chan send (durable)", CHAN, NONE, LD_WR_SEND | LD_WR_IDLE),
	R("select (durable)", CHAN, NONE, LD_WR_IDLE),
	R("sync.WaitGroup.Wait (durable)", SEMA, WAITGROUP,
	  LD_WR_IDLE | LD_WR_DURABLE_TWIN),
	R("cleanup wait", OTHER, NONE, 0),
};

const unsigned int ld_wait_reason_table_len =
	sizeof(ld_wait_reason_table) / sizeof(ld_wait_reason_table[0]);

static const struct ld_wait_reason sync_other = R(NULL, SEMA, NONE, 0);
static const struct ld_wait_reason other = R(NULL, OTHER, NONE, 0);

#define DURABLE " (durable)"

const struct ld_wait_reason *ld_wait_reason_find(const char *text)
{
	for (unsigned int i = 0; i < ld_wait_reason_table_len; i++)
		if (!strcmp(text, ld_wait_reason_table[i].text))
			return &ld_wait_reason_table[i];
	return NULL;
}

/* Look text up without its last n bytes. */
static const struct ld_wait_reason *find_prefix(const char *text, size_t n)
{
	for (unsigned int i = 0; i < ld_wait_reason_table_len; i++) {
		const char *t = ld_wait_reason_table[i].text;

		if (!strncmp(text, t, n) && !t[n])
			return &ld_wait_reason_table[i];
	}
	return NULL;
}

const struct ld_wait_reason *ld_wait_reason_classify(const char *text)
{
	const struct ld_wait_reason *wr = ld_wait_reason_find(text);
	size_t n = strlen(text), k = sizeof(DURABLE) - 1;

	if (wr)
		return wr;
	if (n > k && !strcmp(text + n - k, DURABLE)) {
		n -= k;
		wr = find_prefix(text, n);
		if (wr)
			return wr;
	}
	return n >= 5 && !strncmp(text, "sync.", 5) ? &sync_other : &other;
}

bool ld_wait_reason_idle_in_synctest(const struct ld_wait_reason *wr,
				     bool durable)
{
	if (!wr)
		return false;
	return (wr->flags & LD_WR_IDLE) ||
	       (!durable && (wr->flags & LD_WR_IDLE_NO_TWIN));
}
