// SPDX-License-Identifier: MIT
/*
 * The ptrace stopper against a forked child with threads: every thread
 * stopped (a spinning one stops counting), registers read, and after
 * resume the child runs again, untraced, a stopped child stays stopped
 * and a signal sent meanwhile is delivered.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "leakdump/target/ptrace.h"

#define NTHREADS 4		/* the child's main thread and three more */

struct shared {
	volatile uint64_t spins;	/* the spinning thread's counter */
	volatile uint64_t usr1;		/* SIGUSR1s handled */
	volatile uint64_t born;		/* threads the churner made */
	volatile uint64_t sent, rt;	/* SIGRTMIN sent, handled */
	volatile int done;		/* the sender has finished */
};

static struct shared *sh;
/* Every child started, killed by the teardown even when a test fails. */
static int children[8];
static int nchildren;

/* Handlers may run on several threads at once. */
static void on_usr1(int sig)
{
	__atomic_fetch_add(&sh->usr1, 1, __ATOMIC_RELAXED);
}

static void on_rt(int sig)
{
	__atomic_fetch_add(&sh->rt, 1, __ATOMIC_RELAXED);
}

static void *spinner(void *arg)
{
	for (;;)
		sh->spins++;
	return NULL;
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void *short_lived(void *arg)
{
	for (volatile int i = 0; i < 10000; i++)
		;
	return NULL;
}

/* Threads come and go all the time: the stopper must still converge. */
static void *churner(void *arg)
{
	for (;;) {
		pthread_t t[4];
		int n = 0;

		for (int i = 0; i < 4; i++)
			n += !pthread_create(&t[n], NULL, short_lived, NULL);
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		sh->born += (uint64_t)n;
	}
	return NULL;
}

static void churn_child(int ready_fd)
{
	pthread_t t;

	if (pthread_create(&t, NULL, churner, NULL))
		_exit(1);
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* The child: three threads (one spinning, two asleep), then ready. */
static void child(int ready_fd)
{
	pthread_t t;

	signal(SIGUSR1, on_usr1);
	signal(SIGRTMIN, on_rt);
	if (pthread_create(&t, NULL, spinner, NULL) ||
	    pthread_create(&t, NULL, sleeper, NULL) ||
	    pthread_create(&t, NULL, sleeper, NULL))
		_exit(1);
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int count_tasks(int pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The state letter of a thread, from /proc/PID/task/TID/stat. */
static char state_of(int pid, int tid)
{
	char path[64], buf[512], *p;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p ? p[2] : 0;
}

static long tracer_of(int pid)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "TracerPid:", 10))
			v = strtol(line + 10, NULL, 10);
	fclose(f);
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int fork_child(void (*fn)(int))
{
	int fds[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		fn(fds[1]);
	}
	if (nchildren < 8)
		children[nchildren++] = pid;
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	return pid;
}

static int spawn(void)
{
	int pid = fork_child(child);

	for (int i = 0; i < 500 && count_tasks(pid) != NTHREADS; i++)
		sleep_ms(2);
	assert_int_equal(count_tasks(pid), NTHREADS);
	/* The spinner is spinning. */
	for (int i = 0; i < 500 && sh->spins < 1000; i++)
		sleep_ms(2);
	assert_true(sh->spins >= 1000);
	return pid;
}

/* Kill and reap a child once: a reaped pid may be reused. */
static void reap(int pid)
{
	int status;

	for (int i = 0; i < nchildren; i++) {
		if (children[i] != pid)
			continue;
		children[i] = 0;
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
}

static void wait_state(int pid, char want)
{
	for (int i = 0; i < 1000; i++) {
		if (state_of(pid, pid) == want)
			return;
		sleep_ms(2);
	}
	fail_msg("process %d never reached state %c", pid, want);
}

static void test_stop_read_resume(void **state)
{
	const struct ld_arch *a = ld_ptrace_native_arch();
	struct ld_stopped *st = NULL;
	int pid = spawn();
	uint64_t spins, main_sp = 0;

	assert_non_null(a);
	assert_null(ld_ptrace_stop(pid, &st));
	assert_non_null(st);
	assert_int_equal(st->pid, pid);
	assert_int_equal(st->nthreads, NTHREADS);
	for (size_t i = 0; i < st->nthreads; i++) {
		const struct ld_thread_regs *r = &st->regs[i];

		assert_int_equal(r->tid, st->threads[i].tid);
		assert_int_equal(r->nregs, a->nregs);
		assert_int_equal(state_of(pid, r->tid), 't');
		assert_true(ld_regs_pc(a, r) != 0 && ld_regs_sp(a, r) != 0);
		if (r->tid == pid)
			main_sp = ld_regs_sp(a, r);
		/* Each thread on its own stack. */
		for (size_t j = 0; j < i; j++)
			assert_true(ld_regs_sp(a, r) !=
				    ld_regs_sp(a, &st->regs[j]));
	}
	assert_true(main_sp != 0);
	assert_int_equal(tracer_of(pid), getpid());
	/* Stopped: the spinner counts no more; a signal waits. */
	spins = sh->spins;
	kill(pid, SIGUSR1);
	sleep_ms(50);
	assert_true(sh->spins == spins);
	assert_true(sh->usr1 == 0);

	assert_null(ld_ptrace_resume(st));
	assert_int_equal(tracer_of(pid), 0);
	for (int i = 0; i < 500 && (sh->spins == spins || !sh->usr1); i++)
		sleep_ms(2);
	assert_true(sh->spins > spins);
	assert_true(sh->usr1 == 1);
	assert_int_equal(count_tasks(pid), NTHREADS);
	assert_true(state_of(pid, pid) != 't' && state_of(pid, pid) != 'T');
	/* And once more: nothing was left behind by the first stop. */
	assert_null(ld_ptrace_stop(pid, &st));
	assert_int_equal(st->nthreads, NTHREADS);
	assert_null(ld_ptrace_resume(st));
	reap(pid);
}

static void test_stopped_process_stays_stopped(void **state)
{
	struct ld_stopped *st = NULL;
	int pid = spawn();
	uint64_t spins;

	kill(pid, SIGSTOP);
	wait_state(pid, 'T');
	assert_null(ld_ptrace_stop(pid, &st));
	assert_int_equal(st->nthreads, NTHREADS);
	assert_null(ld_ptrace_resume(st));
	assert_int_equal(tracer_of(pid), 0);
	sleep_ms(20);
	spins = sh->spins;
	sleep_ms(50);
	assert_int_equal(state_of(pid, pid), 'T');
	assert_true(sh->spins == spins);
	kill(pid, SIGCONT);
	for (int i = 0; i < 500 && sh->spins == spins; i++)
		sleep_ms(2);
	assert_true(sh->spins > spins);
	reap(pid);
}

/*
 * A signal on its way as the stop begins is held (a signal-delivery-stop)
 * and delivered on detach, never swallowed.  Real-time signals queue, so
 * every one sent (by a second process, while this one stops and resumes
 * the child over and over) must be handled once.
 */
static void test_no_signal_lost(void **state)
{
	int pid = spawn(), sender;

	sender = fork();
	assert_true(sender >= 0);
	if (sender > 0 && nchildren < 8)
		children[nchildren++] = sender;
	if (sender == 0) {
		for (int i = 0; i < 20000; i++)
			if (!kill(pid, SIGRTMIN))
				sh->sent++;
		sh->done = 1;
		_exit(0);
	}
	for (int round = 0; !sh->done && round < 100000; round++) {
		struct ld_stopped *st = NULL;

		assert_null(ld_ptrace_stop(pid, &st));
		assert_int_equal(st->nthreads, NTHREADS);
		assert_null(ld_ptrace_resume(st));
	}
	reap(sender);	/* done: it has exited */
	assert_true(sh->sent > 0);
	for (int i = 0; i < 2000 && sh->rt < sh->sent; i++)
		sleep_ms(1);
	assert_true(sh->rt == sh->sent);
	reap(pid);
}

static void test_threads_come_and_go(void **state)
{
	int pid = fork_child(churn_child);
	uint64_t born;

	for (int i = 0; i < 500 && sh->born < 100; i++)
		sleep_ms(2);
	assert_true(sh->born >= 100);
	for (int round = 0; round < 30; round++) {
		struct ld_stopped *st = NULL;

		assert_null(ld_ptrace_stop(pid, &st));
		/* The main thread and the churner at least; every one held. */
		assert_true(st->nthreads >= 2);
		for (size_t i = 0; i < st->nthreads; i++) {
			assert_int_equal(state_of(pid, st->regs[i].tid), 't');
			assert_true(st->regs[i].nregs > 0);
		}
		born = sh->born;
		sleep_ms(5);
		assert_true(sh->born == born);
		assert_null(ld_ptrace_resume(st));
		assert_int_equal(tracer_of(pid), 0);
	}
	born = sh->born;
	for (int i = 0; i < 500 && sh->born == born; i++)
		sleep_ms(2);
	assert_true(sh->born > born);
	reap(pid);
}

static void test_errors(void **state)
{
	struct ld_stopped *st = NULL, *second = (void *)1;
	struct ld_error *err;
	int pid;

	err = ld_ptrace_stop(getpid(), &st);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_INVALID);
	assert_null(st);
	ld_error_destroy(err);

	err = ld_ptrace_stop(0, &st);
	assert_non_null(err);
	ld_error_destroy(err);

	/* A pid that is surely gone: a reaped child's. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	err = ld_ptrace_stop(pid, &st);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_NOT_FOUND);
	assert_non_null(strstr(err->message, "no process"));
	ld_error_destroy(err);

	/* Already traced (by us): refused, naming the tracer; the first
	 * stop is untouched and still resumes. */
	pid = spawn();
	assert_null(ld_ptrace_stop(pid, &st));
	err = ld_ptrace_stop(pid, &second);
	assert_non_null(err);
	assert_null(second);
	assert_non_null(strstr(err->message, "already traced"));
	ld_error_destroy(err);
	assert_int_equal(tracer_of(pid), getpid());
	assert_null(ld_ptrace_resume(st));
	assert_int_equal(tracer_of(pid), 0);
	assert_null(ld_ptrace_resume(NULL));
	reap(pid);
}

static int setup(void **state)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return sh == MAP_FAILED ? -1 : 0;
}

static int reset(void **state)
{
	memset((void *)sh, 0, sizeof(*sh));
	nchildren = 0;
	return 0;
}

static int kill_children(void **state)
{
	for (int i = 0; i < nchildren; i++)
		if (children[i])
			reap(children[i]);
	nchildren = 0;
	return 0;
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, reset, kill_children)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_stop_read_resume),
		TEST(test_stopped_process_stays_stopped),
		TEST(test_no_signal_lost),
		TEST(test_threads_come_and_go),
		TEST(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
