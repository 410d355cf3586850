/* SPDX-License-Identifier: MIT */
/*
 * A session: one Go target (live process, core file, or memory supplied by a
 * debugger callback) with its executable, resolved runtime knowledge and
 * decoded goroutines.
 *
 * Ownership: the session owns everything it opens (binary, target, DWARF,
 * pclntab, memory, runtime tables, goroutine array, thread registers copy),
 * except a binary opened ahead (struct ld_prepared), which it borrows.
 * Strings it hands out (wait reasons, function and file names) live until
 * ld_session_destroy().
 */
#ifndef LD_SESSION_H
#define LD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/arch/arch.h"
#include "leakdump/target/binary.h"
#include "leakdump/go/dwarf.h"
#include "leakdump/base/error.h"
#include "leakdump/base/util.h"
#include "leakdump/target/mem.h"
#include "leakdump/go/pcln.h"
#include "leakdump/go/rt.h"
#include "leakdump/target/target.h"

/* Flags in struct ld_goroutine.flags. */
#define LD_G_LOCKED		0x01	/* lockedm != 0 */
#define LD_G_RUNNING_CLEANUPS	0x02
#define LD_G_SYSTEM		0x04	/* isSystemGoroutine(fixed=false) */
#define LD_G_HAS_REGS		0x08	/* unwound from thread registers */
#define LD_G_FROM_SYSCALL	0x10	/* pc/sp are syscallpc/syscallsp */
#define LD_G_NO_STACK		0x20	/* running elsewhere: no stack */
#define LD_G_SLEEP_WORD		0x40	/* wait_word is the sleep's, not g.waiting */

/* One goroutine, decoded from its runtime.g.  Compact: there may be 1e6. */
struct ld_goroutine {
	uint64_t addr;			/* the g's address */
	uint64_t goid, parent_goid;
	uint64_t gopc;			/* where it was created */
	int64_t waitsince;
	uint64_t stack_lo, stack_hi;
	uint64_t pc, sp;		/* where unwinding starts */
	/*
	 * g.waiting (its sudog list) or, when that is nil, g.sleepWhen
	 * (1.23+) or g.timer: one word, since a goroutine parked in
	 * time.Sleep has no sudogs.  LD_G_SLEEP_WORD says it is the second;
	 * read it with ld_goroutine_waiting() and ld_goroutine_sleep().
	 */
	uint64_t wait_word;
	uint32_t status;		/* atomicstatus, including _Gscan */
	uint32_t stack_id;		/* index into the session's stack table */
	int32_t tid;			/* OS thread id via g.m.procid, 0 if none */
	uint8_t waitreason;
	uint8_t flags;
	uint16_t error;			/* index+1 into session error notes, 0 = none */
};

/* g.waiting: the goroutine's sudog list, or 0. */
static inline uint64_t ld_goroutine_waiting(const struct ld_goroutine *g)
{
	return g->flags & LD_G_SLEEP_WORD ? 0 : g->wait_word;
}

/* g.sleepWhen (Go 1.23+) or g.timer (before), or 0. */
static inline uint64_t ld_goroutine_sleep(const struct ld_goroutine *g)
{
	return g->flags & LD_G_SLEEP_WORD ? g->wait_word : 0;
}

/*
 * The tops of the stacks of up to LD_BATCH goroutines, read in one batch
 * (one vectored system call on a live process) before they are unwound.
 */
#define LD_BATCH 1024
#define LD_STACK_PREFETCH 1024
struct ld_stack_batch {
	size_t first, n;		/* goroutine indexes [first, first+n) */
	uint64_t lo[LD_BATCH];
	uint32_t len[LD_BATCH];
	uint8_t buf[LD_BATCH * LD_STACK_PREFETCH];
};

/* What "now" was taken from, for the report's header and JSON. */
struct ld_clock_info {
	const char *source;	/* static string; NULL on a live target */
	unsigned int outliers;	/* wait timestamps ignored as implausible */
};

struct ld_session {
	/* Chosen at open: analyses ask its operations, never its kind. */
	struct ld_target target;
	int pid;			/* target.pid, for reports */
	const struct ld_arch *arch;
	struct ld_binary *bin;
	struct ld_dwarf *dw;
	struct ld_mem *mem;
	struct ld_pcln *pcln;
	struct ld_rt *rt;
	uint64_t bias;
	struct ld_thread_regs *threads;
	size_t nthreads;
	/*
	 * g address -> synctest bubble/group id (Go 1.24+), for the few
	 * goroutines in one: not a field of every goroutine's record.
	 */
	struct ld_u64map bubbles;

	/* moduledata, relocated */
	uint64_t text, etext;
	uint64_t types;			/* moduledata.types: type name base */
	uint64_t rodata;		/* moduledata.rodata; 0 if unknown */
	/* the go:func.* area in the executable's file mapping */
	const uint8_t *gofunc;
	size_t gofunc_size;

	/* waitReasonStrings[] and gStatusStrings[], read from the target */
	char **wait_reasons;
	size_t nwait_reasons;
	uint8_t *idle_in_synctest;	/* [nwait_reasons] or NULL */
	char **status_names;
	size_t nstatus_names;
	uint32_t fing_status;

	/* built with CGO_ENABLED=0 (from the build info): no C code */
	bool cgo_disabled;
	bool borrowed_binary;		/* bin and dw are a ld_prepared's */
	/*
	 * Tests: the blocking walk reads everything itself (no read-ahead),
	 * or waits for a core's read-ahead thread instead of reading itself.
	 */
	bool read_ahead_off, read_ahead_wait;

	/* GODEBUG=tracebacklabels (Go 1.26+; default on in 1.27) */
	bool traceback_labels;

	/* the target's nanotime() now; estimated from runtime data for cores */
	int64_t now;
	bool now_estimated;
	struct ld_clock_info clock;	/* where an estimated now came from */
	/* wall clock (ns since the epoch) of the state read: a snapshot's time */
	int64_t taken_at;

	struct ld_goroutine *gs;
	size_t ngs;
	/* allgs entries whose g could not be read (first few addresses) */
#define LD_MAX_BAD_GS 16
	/* What the runtime's state says that a reader should know (damage
	 * worked around), one line each; shown by text and JSON. */
#define LD_MAX_WARNINGS 4
	char warnings[LD_MAX_WARNINGS][192];
	unsigned int nwarnings;
	uint64_t bad_gs[LD_MAX_BAD_GS];
	size_t nbad_gs;

	/* per-goroutine error notes (deduplicated, bounded) */
	char **notes;
	size_t nnotes;

	/*
	 * The unwinder's per-PC cache, made by the unwinder on first use.  It
	 * leaves its destructor beside it so that the session, which the
	 * unwinder builds on, frees it without depending on the unwinder.
	 */
	struct ld_unwind_cache *ucache;
	void (*ucache_destroy)(struct ld_unwind_cache *c);
	struct ld_stack_batch *batch;	/* live and callback targets only */

	/*
	 * When opening began (ld_seconds()), or the host's earlier start of
	 * reading the target; the first report counts the open in its time
	 * on the target, later ones start at their own.
	 */
	double opened_at;
	bool open_counted;
	/* target reads and bytes already reported in a cost line */
	uint64_t reads_counted, bytes_counted;
};

struct ld_error *ld_session_open(const struct ld_target_spec *spec,
				 struct ld_session **ret);
void ld_session_destroy(struct ld_session *s);	/* accepts NULL */

/*
 * An executable opened ahead of its target: ELF, build info, DWARF (or a
 * separate debug file) and the runtime's layouts, which need no target.
 * The command line opens it before it stops a live process, and a watch
 * once for all its samples, so no stop lasts while they are parsed.
 *
 * ld_session_open_prepared() uses p when spec names the same executable
 * and debug directories (else it opens its own); the session borrows p's
 * binary and DWARF, so p must outlive every session opened with it.  The
 * caller frees p with ld_prepared_destroy() (accepts NULL).
 */
struct ld_prepared;
struct ld_error *ld_session_prepare(const char *exe_path,
				    const char *debug_dirs,
				    struct ld_prepared **ret);
void ld_prepared_destroy(struct ld_prepared *p);
struct ld_error *ld_session_open_prepared(const struct ld_target_spec *spec,
					  const struct ld_prepared *p,
					  struct ld_session **ret);

/* Read allgs and decode every goroutine into s->gs (idempotent). */
struct ld_error *ld_session_load_goroutines(struct ld_session *s);

/*
 * Drop the target's mapped pages (a core file's) from our resident set
 * (they stay in the page cache).  Long walks call this every few thousand
 * goroutines so a multi-gigabyte core never shows up as multi-gigabyte RSS.  Pointers into
 * the mapping stay valid: pages fault back in from the file.
 */
void ld_session_trim(struct ld_session *s);
#define LD_TRIM_EVERY 4096
/* The part of a stack a goroutine walk mostly reads (for the pager). */
#define LD_STACK_TOP 4096
/* How many goroutines ahead long walks prefetch (ld_mem_prefetch). */
#define LD_PREFETCH_AHEAD 8

/*
 * Prefetch the stack tops of s->gs[first, first+n) (n <= LD_BATCH); a no-op
 * for mapped targets (core files).  ld_session_read_stack() then
 * serves reads of those stacks from the batch, and falls back to ordinary
 * reads outside it.
 */
void ld_session_prefetch_stacks(struct ld_session *s, size_t first, size_t n,
				const uint32_t *only, size_t nonly);
struct ld_error *ld_session_read_stack(struct ld_session *s,
				       const struct ld_goroutine *g,
				       uint64_t addr, uint64_t *ret);

/* The prefetched bytes [addr, addr+len) of g's stack, or NULL. */
const uint8_t *ld_session_stack_window(const struct ld_session *s,
				      const struct ld_goroutine *g,
				      uint64_t addr, size_t len);

/* Registers of the thread with this tid, or NULL. */
const struct ld_thread_regs *ld_session_thread(const struct ld_session *s,
					       int32_t tid);

/* Status word as the runtime prints it ("chan receive", "running", ...). */
const char *ld_goroutine_status_text(const struct ld_session *s,
				     const struct ld_goroutine *g);
/* Broad state for grouping/JSON: "waiting", "running", "syscall", ... */
const char *ld_goroutine_state_name(const struct ld_session *s,
				    const struct ld_goroutine *g);
/*
 * Nanoseconds blocked as the runtime knows it (0 if n/a: not waiting, or
 * no wait start recorded yet: the runtime stamps it at a GC).
 */
int64_t ld_goroutine_wait_ns(const struct ld_session *s,
			     const struct ld_goroutine *g);
/* Whole minutes blocked, as goroutineheader computes them (0 if n/a). */
int64_t ld_goroutine_wait_minutes(const struct ld_session *s,
				  const struct ld_goroutine *g);
/* Error note text for g, or NULL. */
const char *ld_goroutine_note(const struct ld_session *s,
			      const struct ld_goroutine *g);
/* g's synctest bubble (Go 1.25+) or group (Go 1.24) id; 0: none. */
uint64_t ld_goroutine_bubble(const struct ld_session *s,
			     const struct ld_goroutine *g);
/* Record it; false when out of memory (then it is not shown). */
bool ld_goroutine_set_bubble(struct ld_session *s,
			     const struct ld_goroutine *g, uint64_t id);
/* Record a note for g (copied; deduplicated). */
void ld_goroutine_set_note(struct ld_session *s, struct ld_goroutine *g,
			   const char *note);

/* Record a session-wide warning (printf-style; the first few kept). */
void ld_session_warn(struct ld_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Find a goroutine by id; NULL if absent. */
struct ld_goroutine *ld_session_find(struct ld_session *s, uint64_t goid);

#endif
