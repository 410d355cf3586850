// SPDX-License-Identifier: MIT
/*
 * ext/pager.c: a walker over items of a mapped "core" file, with the
 * helper thread faulting pages in ahead of it and dropping them behind.
 * What is resident is read from the kernel (/proc/self/smaps, mincore),
 * not from the pager's own counters.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "leakdump/target/core.h"
#include "leakdump/target/mem.h"
#include "leakdump/model/pager.h"

#define BASE 0x7f0000000000ull	/* target address of the file's bytes */
#define ITEM 2048		/* a minimum goroutine stack */
#define NITEMS 65536		/* 128 MiB */
#define FILE_SIZE ((size_t)NITEMS * ITEM)

struct world {
	struct ld_session s;
	struct ld_core core;
	uint8_t *map;
	int fd;
};

static void item_range(void *arg, size_t i, uint64_t *addr, size_t *len)
{
	(void)arg;
	*addr = BASE + (uint64_t)i * ITEM;
	*len = ITEM;
}

static int setup(void **state)
{
	char path[] = "/tmp/leakdump-pager-XXXXXX";
	struct world *w = calloc(1, sizeof(*w));
	uint8_t *buf = malloc(FILE_SIZE);

	if (!w || !buf)
		return -1;
	w->fd = mkstemp(path);
	if (w->fd < 0)
		return -1;
	unlink(path);
	for (size_t i = 0; i < FILE_SIZE; i++)
		buf[i] = (uint8_t)(i / ITEM * 7 + i);
	if (write(w->fd, buf, FILE_SIZE) != (ssize_t)FILE_SIZE)
		return -1;
	free(buf);
	w->map = mmap(NULL, FILE_SIZE, PROT_READ, MAP_PRIVATE, w->fd, 0);
	if (w->map == MAP_FAILED)
		return -1;
	w->core.map = w->map;
	w->core.size = FILE_SIZE;
	w->s.target.ops = &ld_target_core_ops;
	w->s.target.priv = &w->core;
	if (ld_mem_create(&w->s.mem) ||
	    ld_mem_add_buffer(w->s.mem, BASE, w->map, FILE_SIZE))
		return -1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	ld_mem_destroy(w->s.mem);
	munmap(w->map, FILE_SIZE);
	close(w->fd);
	free(w);
	return 0;
}

/* Resident KiB of the mapping that starts at map, from /proc/self/smaps. */
static long mapping_rss_kb(const void *map)
{
	char line[512], want[32];
	long rss = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)map);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' '))
			in = !strncmp(line, want, strlen(want));
		else if (in && sscanf(line, "Rss: %ld kB", &rss) == 1)
			break;
	}
	fclose(f);
	return rss;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Wait (bounded) until the mapping's RSS reaches at least kb. */
static long wait_rss_at_least(const void *map, long kb)
{
	long rss = 0;

	for (int i = 0; i < 200 && (rss = mapping_rss_kb(map)) < kb; i++)
		nap_ms(10);
	return rss;
}

static void faults_in_ahead_and_drops_behind(struct world *w, bool stacks)
{
	struct ld_pager *p;
	uint64_t sum = 0, want = 0;
	long rss;

	p = ld_pager_start(&w->s, NITEMS, item_range, NULL, stacks);
	assert_non_null(p);
	/* Before the walker moves, the helper maps the items ahead of it. */
	rss = wait_rss_at_least(w->map, 1024);
	assert_true(rss >= 1024);
	assert_true(rss < (long)(FILE_SIZE / 1024) / 2);
	for (size_t i = 0; i < NITEMS; i++) {
		ld_pager_progress(p, i);
		sum += w->map[i * ITEM + ITEM / 2];
		want += (uint8_t)(i * 7 + i * ITEM + ITEM / 2);
		if (i == NITEMS * 3 / 4) {
			/* Let the helper catch up: what is behind is gone. */
			nap_ms(100);
			rss = mapping_rss_kb(w->map);
			assert_true(rss >= 0);
			assert_true(rss < (long)(FILE_SIZE / 1024) / 4);
		}
	}
	/* The walker read the file's own bytes throughout. */
	assert_int_equal(sum, want);
	ld_pager_stop(p);
	assert_int_equal(mapping_rss_kb(w->map), 0);
}

static void test_faults_in_ahead_and_drops_behind(void **state)
{
	faults_in_ahead_and_drops_behind(*state, false);
}

/* Items that are stacks: kept behind and dropped in smaller rounds. */
static void test_stacks_faults_in_ahead_and_drops_behind(void **state)
{
	faults_in_ahead_and_drops_behind(*state, true);
}

/* A helper kept off the CPU: the range callback holds it until opened. */
struct gate {
	pthread_t walker;
	atomic_bool open;
};

static void gated_range(void *arg, size_t i, uint64_t *addr, size_t *len)
{
	struct gate *g = arg;

	for (int k = 0; k < 2000 && !pthread_equal(pthread_self(), g->walker) &&
			!atomic_load(&g->open); k++)
		nap_ms(5);
	item_range(NULL, i, addr, len);
}

/*
 * The helper never gets to trim (GDB's own threads hold the CPUs, say):
 * what the walker faulted in itself is dropped by the walker once the
 * helper lags by a few rounds, not kept mapped to the end of the walk.
 */
static void test_walker_trims_for_a_held_helper(void **state)
{
	struct world *w = *state;
	struct gate g = { .walker = pthread_self() };
	struct ld_pager *p;
	uint64_t sum = 0;
	long before, after;

	atomic_init(&g.open, false);
	p = ld_pager_start(&w->s, NITEMS, gated_range, &g, false);
	assert_non_null(p);
	for (size_t i = 0; i < NITEMS / 2; i++)
		sum += w->map[i * ITEM];
	before = mapping_rss_kb(w->map);
	ld_pager_progress(p, NITEMS / 2);
	after = mapping_rss_kb(w->map);
	/* Let the helper go before any assertion can leave the test. */
	atomic_store(&g.open, true);
	ld_pager_stop(p);
	assert_true(sum > 0);
	assert_true(before >= (long)(FILE_SIZE / 1024) / 2);
	assert_true(after >= 0);
	assert_true(after < (long)(FILE_SIZE / 1024) / 8);
	assert_int_equal(mapping_rss_kb(w->map), 0);
}

static void test_not_a_core(void **state)
{
	struct world *w = *state;

	w->s.target.ops = &ld_target_live_ops;
	assert_null(ld_pager_start(&w->s, NITEMS, item_range, NULL, false));
	w->s.target.ops = &ld_target_core_ops;
	/* Too few items to be worth a thread. */
	assert_null(ld_pager_start(&w->s, 10, item_range, NULL, false));
	/* NULL pagers are accepted: the walker needs no special case. */
	ld_pager_progress(NULL, 1);
	ld_pager_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_faults_in_ahead_and_drops_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_stacks_faults_in_ahead_and_drops_behind, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_walker_trims_for_a_held_helper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_core, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
