/* SPDX-License-Identifier: MIT */
/*
 * Stopping a live process without a debugger: every thread is seized
 * (PTRACE_SEIZE) and interrupted (PTRACE_INTERRUPT), its registers read
 * (PTRACE_GETREGSET NT_PRSTATUS, the core notes' order), and all of them
 * detached again by ld_ptrace_resume().  Nothing of the process is
 * written: it continues exactly where it was.
 *
 * What is kept as it was:
 *   - a process already group-stopped (SIGSTOP, ^Z) is stopped again
 *     after the detach: the kernel re-instates the group stop;
 *   - a signal the wait saw being delivered (a signal-delivery-stop
 *     rather than our interrupt) is remembered and delivered on detach,
 *     so none is swallowed;
 *   - a thread in a system call sees it interrupted and restarted, as
 *     under any debugger (Go retries EINTR itself).
 *
 * All ptrace requests must come from the thread that called
 * ld_ptrace_stop() (the kernel's tracer is a thread).
 *
 * Ownership: ld_ptrace_stop() allocates *ret; ld_ptrace_resume() detaches
 * and frees it (NULL is fine).  The threads array belongs to it.
 */
#ifndef LD_TARGET_PTRACE_H
#define LD_TARGET_PTRACE_H

#include <stddef.h>
#include <stdint.h>

#include "leakdump/arch/arch.h"
#include "leakdump/base/error.h"

/* Seconds one thread may take to reach its stop (uninterruptible sleep). */
#define LD_PTRACE_STOP_TIMEOUT 20

struct ld_ptrace_thread {
	int32_t tid;
	int resig;		/* signal to deliver again on detach, or 0 */
	int stopped;		/* 1 once its stop was seen */
};

struct ld_stopped {
	int pid;
	const struct ld_arch *arch;	/* the registers' order */
	struct ld_thread_regs *regs;	/* nthreads, /proc/PID/task order */
	struct ld_ptrace_thread *threads;	/* the same threads */
	size_t nthreads;
	size_t cap;
	/* CLOCK_MONOTONIC seconds when the first stop was asked for: the
	 * pause the process feels runs from here to ld_ptrace_resume(). */
	double stopped_at;
};

/* The arch of processes this build can stop (its own), or NULL. */
const struct ld_arch *ld_ptrace_native_arch(void);

/*
 * Stop every thread of pid and read their registers.  On failure no
 * thread stays attached (but see LD_PTRACE_STOP_TIMEOUT: a thread that
 * never stops is let go when the caller exits) and *ret is NULL.  A
 * denied attach names its cause: another tracer, Yama's ptrace_scope,
 * or another user's process.
 */
struct ld_error *ld_ptrace_stop(int pid, struct ld_stopped **ret);

/*
 * Detach every thread (delivering any remembered signal) and free st.
 * Returns the first detach failure, if any; st is freed either way.
 */
struct ld_error *ld_ptrace_resume(struct ld_stopped *st);

#endif
