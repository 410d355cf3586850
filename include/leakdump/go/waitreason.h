/* SPDX-License-Identifier: MIT */
/*
 * Wait reasons: every text of runtime.waitReasonStrings (runtime2.go, Go
 * 1.21-1.27) in one table, with what leakdump makes of it: the class that
 * says which blocking object to look for, which sync primitive a semaphore
 * wait is on, which side of a channel, and whether synctest counts the
 * wait as idle (isIdleInSynctest, Go 1.24+).  Blocking objects and leak
 * proofs classify each of a target's reasons once per session; discovery
 * in stripped binaries rebuilds isIdleInSynctest from the texts.
 *
 * Ownership: the table and every pointer returned are static; nothing to
 * free.
 */
#ifndef LD_WAITREASON_H
#define LD_WAITREASON_H

#include <stdbool.h>
#include <stdint.h>

/* What a wait reason says to look at: one class per reason. */
enum ld_wait_class {
	LD_WAIT_OTHER,		/* runtime waits, GC, synctest, ... */
	LD_WAIT_NIL_CHAN,	/* chan send/receive on a nil channel */
	LD_WAIT_NO_CASES,	/* select {} */
	LD_WAIT_CHAN,		/* chan send/receive, select */
	LD_WAIT_COND,		/* sync.Cond.Wait */
	LD_WAIT_IO,
	LD_WAIT_SLEEP,
	LD_WAIT_SEMA,		/* sync.Mutex/RWMutex/WaitGroup, semacquire */
};

/* Whose semaphore an LD_WAIT_SEMA wait is on, when the text says. */
enum ld_wait_prim {
	LD_WAIT_PRIM_NONE,	/* plain semacquire: only the frames tell */
	LD_WAIT_PRIM_MUTEX,
	LD_WAIT_PRIM_RWMUTEX_R,	/* RWMutex.RLock: the reader semaphore */
	LD_WAIT_PRIM_RWMUTEX_W,	/* RWMutex.Lock: the writer semaphore */
	LD_WAIT_PRIM_WAITGROUP,
};

/* struct ld_wait_reason flags */
#define LD_WR_SEND		0x01	/* the send side of a channel wait */
#define LD_WR_IDLE		0x02	/* isIdleInSynctest in every release */
/* Idle in Go 1.24 only: 1.25 gave bubbled waits a "(durable)" twin. */
#define LD_WR_IDLE_NO_TWIN	0x04
/* That twin (Go 1.25+): where it exists, the plain reason is not idle. */
#define LD_WR_DURABLE_TWIN	0x08
/* Exists only in runtimes with testing/synctest (Go 1.24+). */
#define LD_WR_SYNCTEST		0x10

struct ld_wait_reason {
	const char *text;
	uint8_t wclass;		/* enum ld_wait_class */
	uint8_t prim;		/* enum ld_wait_prim */
	uint8_t flags;		/* LD_WR_* */
};

/* The table, in the runtime's order; ld_wait_reason_table_len entries. */
extern const struct ld_wait_reason ld_wait_reason_table[];
extern const unsigned int ld_wait_reason_table_len;

/* The entry for exactly this text, or NULL if no release has it. */
const struct ld_wait_reason *ld_wait_reason_find(const char *text);

/*
 * The entry to classify text by; never NULL.  A text no release has is
 * taken without a " (durable)" suffix (Go 1.25+ synctest bubbles), then
 * any "sync." text counts as a semaphore wait, and the rest as other.
 */
const struct ld_wait_reason *ld_wait_reason_classify(const char *text);

/*
 * Whether isIdleInSynctest is true for wr (NULL: an unknown text) in a
 * runtime that has (durable) or has not the Go 1.25 "(durable)" twins.
 */
bool ld_wait_reason_idle_in_synctest(const struct ld_wait_reason *wr,
				     bool durable);

#endif
