// SPDX-License-Identifier: MIT
/*
 * Stopping every thread of a live process with ptrace, for a dump without
 * a debugger (leakdump/target/ptrace.h).  PTRACE_SEIZE attaches without
 * sending a signal, PTRACE_INTERRUPT stops without one, and a seized
 * tracee reports group stops as such, so the detach can leave the process
 * as it found it.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "leakdump/target/ptrace.h"

/*
 * Rounds of listing /proc/PID/task: a stopped thread makes no new ones,
 * so each round only catches threads created while the previous one
 * attached; a process that outruns this many is refused.
 */
#define MAX_ROUNDS 64
/* How long a failed stop waits for the stops already asked for. */
#define CLEANUP_TIMEOUT 2

const struct ld_arch *ld_ptrace_native_arch(void)
{
#if defined(__x86_64__)
	return ld_arch_for_machine(EM_X86_64);
#elif defined(__aarch64__)
	return ld_arch_for_machine(EM_AARCH64);
#else
	return NULL;
#endif
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One field ("TracerPid", "Uid") of /proc/PID/task/TID/status, or -1. */
static long status_field(int pid, int tid, const char *name)
{
	char path[64], line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* The state letter of /proc/PID/task/TID/stat, or 0. */
static char task_state(int pid, int tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = 0;
	/* The command name may hold ") ": the state follows the last one. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static long read_long_file(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Why the kernel refused to let us trace tid: one line naming the cause. */
static struct ld_error *denied(int pid, int tid)
{
	long tracer = status_field(pid, tid, "TracerPid");
	long scope = read_long_file("/proc/sys/kernel/yama/ptrace_scope");
	long uid = status_field(pid, tid, "Uid");
	char path[64], comm[64] = "", msg[256];
	struct ld_error *err;
	FILE *f;

	if (tracer > 0) {
		snprintf(path, sizeof(path), "/proc/%ld/comm", tracer);
		f = fopen(path, "re");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = 0;
			comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		snprintf(msg, sizeof(msg),
			 "it is already traced by process %ld%s%s%s (detach that debugger first)",
			 tracer, comm[0] ? " (" : "", comm, comm[0] ? ")" : "");
	} else if (scope >= 3) {
		snprintf(msg, sizeof(msg),
			 "ptrace is disabled (kernel.yama.ptrace_scope=3)");
	} else if (scope >= 1 && geteuid() != 0) {
		snprintf(msg, sizeof(msg),
			 "not permitted by kernel.yama.ptrace_scope=%ld (run as root, or set it to 0)",
			 scope);
	} else if (uid >= 0 && (uid_t)uid != geteuid() && geteuid() != 0) {
		snprintf(msg, sizeof(msg),
			 "it belongs to user %ld (run as that user or as root)",
			 uid);
	} else {
		snprintf(msg, sizeof(msg),
			 "ptrace not permitted (no CAP_SYS_PTRACE, or the process is not dumpable)");
	}
	err = ld_error_create(LD_ERR_OS, "cannot stop process %d: %s", pid,
			      msg);
	if (err != &ld_error_nomem)
		err->errnum = EPERM;
	return err;
}

static bool known(const struct ld_stopped *st, int tid)
{
	for (size_t i = 0; i < st->nthreads; i++)
		if (st->threads[i].tid == tid)
			return true;
	return false;
}

static struct ld_error *add(struct ld_stopped *st, int tid)
{
	if (st->nthreads == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 16;
		struct ld_thread_regs *r;
		struct ld_ptrace_thread *t;

		r = realloc(st->regs, cap * sizeof(*r));
		if (!r)
			return &ld_error_nomem;
		st->regs = r;
		t = realloc(st->threads, cap * sizeof(*t));
		if (!t)
			return &ld_error_nomem;
		st->threads = t;
		st->cap = cap;
	}
	memset(&st->regs[st->nthreads], 0, sizeof(st->regs[0]));
	st->regs[st->nthreads].tid = tid;
	st->threads[st->nthreads] = (struct ld_ptrace_thread){ .tid = tid };
	st->nthreads++;
	return NULL;
}

/* A thread that exited while we stopped the others: forget it. */
static void drop(struct ld_stopped *st, size_t i)
{
	size_t rest = st->nthreads - i - 1;

	memmove(&st->regs[i], &st->regs[i + 1], rest * sizeof(st->regs[0]));
	memmove(&st->threads[i], &st->threads[i + 1],
		rest * sizeof(st->threads[0]));
	st->nthreads--;
}

/* Seize and interrupt each thread of /proc/PID/task not seized yet. */
static struct ld_error *attach_new(struct ld_stopped *st, size_t *added)
{
	struct ld_error *err = NULL;
	struct dirent *de;
	char path[64];
	DIR *d;

	*added = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", st->pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ?
			       ld_error_create(LD_ERR_NOT_FOUND,
					       "no process %d", st->pid) :
			       ld_error_os(errno, "%s", path);
	while (!err && (de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0 || known(st, (int)tid))
			continue;
		if (ptrace(PTRACE_SEIZE, (pid_t)tid, NULL, NULL) < 0) {
			char state = task_state(st->pid, (int)tid);

			/* Gone, or exiting (a zombie leader): skip it. */
			if (errno == ESRCH || !state || state == 'Z' ||
			    state == 'X')
				continue;
			err = errno == EPERM ? denied(st->pid, (int)tid) :
			      ld_error_os(errno, "cannot attach to thread %ld",
					  tid);
			break;
		}
		err = add(st, (int)tid);
		if (err) {
			ptrace(PTRACE_DETACH, (pid_t)tid, NULL, NULL);
			break;
		}
		/* ESRCH: it is exiting; the wait sees it go. */
		ptrace(PTRACE_INTERRUPT, (pid_t)tid, NULL, NULL);
		(*added)++;
	}
	closedir(d);
	return err;
}

/* The registers of stopped thread i, in the arch's NT_PRSTATUS order. */
static struct ld_error *read_regs(struct ld_stopped *st, size_t i)
{
	struct ld_thread_regs *r = &st->regs[i];
	struct iovec iov = { r->regs, sizeof(r->regs) };

	if (ptrace(PTRACE_GETREGSET, (pid_t)r->tid, (void *)NT_PRSTATUS,
		   &iov) < 0)
		return ld_error_os(errno, "cannot read the registers of thread %d",
				   (int)r->tid);
	r->nregs = (uint32_t)(iov.iov_len / sizeof(r->regs[0]));
	if (r->nregs != st->arch->nregs)
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "thread %d has %u registers, not %s's %u (a 32-bit process?)",
				       (int)r->tid, r->nregs, st->arch->name,
				       st->arch->nregs);
	return NULL;
}

/*
 * Wait (at most timeout seconds) until every thread asked to stop has
 * stopped or exited.  A signal-delivery-stop (the thread had a signal on
 * its way) counts as the stop: the signal is delivered again on detach.
 */
static struct ld_error *wait_stops(struct ld_stopped *st, double timeout,
				   bool regs)
{
	double deadline = now() + timeout;
	long delay_ns = 20000;

	for (;;) {
		bool progress = false;
		size_t pending = 0;

		for (size_t i = 0; i < st->nthreads; i++) {
			struct ld_ptrace_thread *t = &st->threads[i];
			struct ld_error *err;
			int status = 0;
			pid_t r;

			if (t->stopped)
				continue;
			r = waitpid(t->tid, &status, WNOHANG | __WALL);
			if (r == 0 || (r < 0 && errno == EINTR) ||
			    (r > 0 && !WIFSTOPPED(status) &&
			     !WIFEXITED(status) && !WIFSIGNALED(status))) {
				pending++;
				continue;
			}
			progress = true;
			if (r < 0 || !WIFSTOPPED(status)) {
				drop(st, i--);	/* exited, and reaped */
				continue;
			}
			/* Seized: a group stop is an event stop, not this. */
			if (status >> 16 == 0)
				t->resig = WSTOPSIG(status);
			t->stopped = 1;
			if (!regs)
				continue;
			err = read_regs(st, i);
			if (err && err->code == LD_ERR_OS &&
			    err->errnum == ESRCH) {
				/* Killed while stopped (SIGKILL). */
				ld_error_destroy(err);
				drop(st, i--);
			} else if (err) {
				return err;
			}
		}
		if (!pending)
			return NULL;
		if (now() > deadline) {
			for (size_t i = 0; i < st->nthreads; i++)
				if (!st->threads[i].stopped)
					return ld_error_create(
						LD_ERR_UNSUPPORTED,
						"thread %d of process %d did not stop within %gs (uninterruptible sleep?)",
						(int)st->threads[i].tid,
						st->pid, timeout);
		}
		if (progress) {
			delay_ns = 20000;
		} else {
			struct timespec ts = { 0, delay_ns };

			nanosleep(&ts, NULL);
			if (delay_ns < 10000000)
				delay_ns *= 2;
		}
	}
}

struct ld_error *ld_ptrace_stop(int pid, struct ld_stopped **ret)
{
	struct ld_stopped *st;
	struct ld_error *err;
	size_t added = 0;

	*ret = NULL;
	if (pid <= 0)
		return ld_error_create(LD_ERR_INVALID, "bad process id %d", pid);
	if (pid == getpid())
		return ld_error_create(LD_ERR_INVALID,
				       "process %d is this process", pid);
	st = calloc(1, sizeof(*st));
	if (!st)
		return &ld_error_nomem;
	st->pid = pid;
	st->stopped_at = now();
	st->arch = ld_ptrace_native_arch();
	if (!st->arch) {
		free(st);
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "stopping a process is not supported on this architecture");
	}
	for (int round = 0;; round++) {
		err = attach_new(st, &added);
		if (err)
			goto fail;
		if (!added)
			break;
		if (round == MAX_ROUNDS) {
			err = ld_error_create(LD_ERR_UNSUPPORTED,
					      "process %d keeps creating threads faster than they can be stopped",
					      pid);
			goto fail;
		}
		err = wait_stops(st, LD_PTRACE_STOP_TIMEOUT, true);
		if (err)
			goto fail;
	}
	if (!st->nthreads) {
		err = ld_error_create(LD_ERR_NOT_FOUND, "process %d exited",
				      pid);
		goto fail;
	}
	*ret = st;
	return NULL;
fail:
	ld_ptrace_resume(st);
	return err;
}

struct ld_error *ld_ptrace_resume(struct ld_stopped *st)
{
	struct ld_error *err = NULL, *werr;

	if (!st)
		return NULL;
	/* A stop asked for but not seen yet: the kernel detaches only a
	 * stopped tracee. */
	werr = wait_stops(st, CLEANUP_TIMEOUT, false);
	ld_error_destroy(werr);
	for (size_t i = 0; i < st->nthreads; i++) {
		const struct ld_ptrace_thread *t = &st->threads[i];

		if (!t->stopped)
			continue;	/* let go when we exit */
		if (ptrace(PTRACE_DETACH, (pid_t)t->tid, NULL,
			   (void *)(long)t->resig) < 0 &&
		    errno != ESRCH && !err)
			err = ld_error_os(errno, "cannot detach from thread %d",
					  (int)t->tid);
	}
	free(st->regs);
	free(st->threads);
	free(st);
	return err;
}
