// SPDX-License-Identifier: MIT
/*
 * ext/model/walk.c: the goroutine walker visits every item once, in order,
 * and does its housekeeping at the right items: the ahead hook
 * LD_PREFETCH_AHEAD items early, the batch hook and the live stack batch
 * at each LD_BATCH, a trim every LD_TRIM_EVERY.  Sessions are built by
 * hand: a "callback" target whose memory is one buffer every goroutine's
 * stack lies in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "leakdump/target/core.h"

#include "leakdump/target/mem.h"
#include "leakdump/model/walk.h"

#define STACK_LO 0xc000000000ull
#define STACK_SIZE 4096
#define MAX_N 20000

struct world {
	struct ld_session s;
	uint8_t stack[STACK_SIZE];
	/* what the hooks and the loop saw */
	size_t visited;
	size_t nahead, nbatch;
	size_t ahead[MAX_N];
	bool checked_batch;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w || ld_mem_create(&w->s.mem) ||
	    ld_mem_add_buffer(w->s.mem, STACK_LO, w->stack, STACK_SIZE))
		return -1;
	for (size_t i = 0; i < STACK_SIZE; i++)
		w->stack[i] = (uint8_t)i;
	w->s.target.ops = &ld_target_callback_ops;
	w->s.gs = calloc(MAX_N, sizeof(*w->s.gs));
	if (!w->s.gs)
		return -1;
	for (size_t i = 0; i < MAX_N; i++) {
		w->s.gs[i].goid = i + 1;
		w->s.gs[i].stack_lo = STACK_LO;
		w->s.gs[i].stack_hi = STACK_LO + STACK_SIZE;
		w->s.gs[i].sp = STACK_LO + (i % 64) * 8;
	}
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	ld_mem_destroy(w->s.mem);
	free(w->s.gs);
	free(w->s.batch);
	free(w);
	return 0;
}

static void reset(struct world *w, size_t ngs)
{
	w->s.ngs = ngs;
	w->visited = w->nahead = w->nbatch = 0;
	free(w->s.batch);
	w->s.batch = NULL;
}

/* Called for item i while item i - LD_PREFETCH_AHEAD is the next visited. */
static void ahead(struct ld_session *s, void *arg, size_t i)
{
	struct world *w = arg;

	assert_int_equal(i, w->visited + LD_PREFETCH_AHEAD);
	w->ahead[w->nahead++] = i;
}

static void batch(struct ld_session *s, void *arg, size_t first, size_t n)
{
	struct world *w = arg;
	size_t want = w->s.ngs - first < LD_BATCH ? w->s.ngs - first : LD_BATCH;

	assert_int_equal(first, w->visited);
	assert_int_equal(first % LD_BATCH, 0);
	assert_int_equal(n, want);
	w->nbatch++;
}

/* The live stack batch holds goroutine g's stack top when it is visited. */
static void check_stack_batch(struct world *w, size_t g)
{
	const struct ld_goroutine *gp = &w->s.gs[g];
	uint64_t v;
	struct ld_error *err;

	assert_non_null(w->s.batch);
	assert_true(g - w->s.batch->first < w->s.batch->n);
	assert_non_null(ld_session_stack_window(&w->s, gp, gp->sp, 8));
	err = ld_session_read_stack(&w->s, gp, gp->sp, &v);
	assert_null(err);
	assert_memory_equal(&v, w->stack + (gp->sp - STACK_LO), 8);
}

static const struct ld_walk_ops all_ops = {
	.flags = LD_WALK_TRIM | LD_WALK_STACKS,
	.ahead = ahead,
	.batch = batch,
};

static void walk_n(struct world *w, size_t n)
{
	struct ld_walk wk;
	size_t i;

	reset(w, n);
	ld_walk_begin(&wk, &w->s, n, &all_ops, w);
	while (ld_walk_next(&wk, &i)) {
		assert_int_equal(i, w->visited);
		check_stack_batch(w, i);
		w->visited++;
	}
	assert_false(ld_walk_next(&wk, &i));	/* stays over */
	ld_walk_end(&wk);
	assert_int_equal(w->visited, n);
	assert_int_equal(w->nbatch, (n + LD_BATCH - 1) / LD_BATCH);
	assert_int_equal(w->nahead,
			 n > LD_PREFETCH_AHEAD ? n - LD_PREFETCH_AHEAD : 0);
	for (size_t k = 0; k < w->nahead; k++)
		assert_int_equal(w->ahead[k], k + LD_PREFETCH_AHEAD);
	/* Trims before items LD_TRIM_EVERY, 2 * LD_TRIM_EVERY, ... */
	assert_int_equal(wk.ntrims, n ? (n - 1) / LD_TRIM_EVERY : 0);
}

static void test_every_item_once_in_order(void **state)
{
	static const size_t sizes[] = {
		0, 1, 2, LD_PREFETCH_AHEAD, LD_PREFETCH_AHEAD + 1, 100,
		LD_BATCH - 1, LD_BATCH, LD_BATCH + 1, 3 * LD_BATCH + 17,
		LD_TRIM_EVERY, LD_TRIM_EVERY + 1, 2 * LD_TRIM_EVERY + 5,
		MAX_N,
	};

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		walk_n(*state, sizes[k]);
}

/* A walk left early still ends cleanly and visited a prefix. */
static void test_early_exit(void **state)
{
	struct world *w = *state;
	struct ld_walk wk;
	size_t i;

	reset(w, 5000);
	ld_walk_begin(&wk, &w->s, 5000, &all_ops, w);
	while (w->visited < 1500 && ld_walk_next(&wk, &i))
		w->visited++;
	ld_walk_end(&wk);
	assert_int_equal(w->visited, 1500);
	assert_int_equal(w->nbatch, 2);
}

/* Nothing asked for: no hooks, no trims, no stack batch. */
static void test_plain(void **state)
{
	static const struct ld_walk_ops none = { 0 };
	struct world *w = *state;
	struct ld_walk wk;
	size_t i;

	reset(w, 9000);
	ld_walk_begin(&wk, &w->s, 9000, &none, w);
	while (ld_walk_next(&wk, &i))
		assert_int_equal(i, w->visited++);
	ld_walk_end(&wk);
	assert_int_equal(w->visited, 9000);
	assert_int_equal(wk.ntrims, 0);
	assert_null(w->s.batch);
}

/*
 * A core's memory is mapped: no stack batch.  Without a mapping the pager
 * does not start and the walk trims instead.
 */
static void test_core_without_mapping(void **state)
{
	static const struct ld_walk_ops ops = {
		.flags = LD_WALK_TRIM | LD_WALK_PAGER | LD_WALK_STACKS,
	};
	struct world *w = *state;
	struct ld_walk wk;
	size_t i;

	struct ld_core core = { 0 };

	reset(w, MAX_N);
	w->s.target.ops = &ld_target_core_ops;
	w->s.target.priv = &core;
	ld_walk_begin(&wk, &w->s, MAX_N, &ops, w);
	assert_null(wk.pager);
	while (ld_walk_next(&wk, &i))
		w->visited++;
	ld_walk_end(&wk);
	w->s.target = (struct ld_target){ .ops = &ld_target_callback_ops };
	assert_int_equal(w->visited, MAX_N);
	assert_int_equal(wk.ntrims, (MAX_N - 1) / LD_TRIM_EVERY);
	assert_null(w->s.batch);
}

#define CORE_BASE 0x7f0000000000ull
#define CORE_ITEM 256
#define CORE_N 8192

static void core_item(void *arg, size_t i, uint64_t *addr, size_t *len)
{
	*addr = CORE_BASE + (uint64_t)i * CORE_ITEM;
	*len = CORE_ITEM;
}

/* On a mapped core the pager runs and the walk leaves trimming to it. */
static void test_core_with_pager(void **state)
{
	static const struct ld_walk_ops ops = {
		.flags = LD_WALK_TRIM | LD_WALK_PAGER,
		.range = core_item,
	};
	char path[] = "/tmp/leakdump-walk-XXXXXX";
	size_t size = (size_t)CORE_N * CORE_ITEM, i;
	struct world *w = *state;
	struct ld_core core = { 0 };
	struct ld_session s = {
		.target = { .ops = &ld_target_core_ops, .priv = &core },
	};
	struct ld_walk wk;
	int fd = mkstemp(path);
	size_t n = 0;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	core.map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(core.map != MAP_FAILED);
	core.size = size;
	assert_null(ld_mem_create(&s.mem));
	assert_null(ld_mem_add_buffer(s.mem, CORE_BASE, core.map, size));
	ld_walk_begin(&wk, &s, CORE_N, &ops, w);
	assert_non_null(wk.pager);
	while (ld_walk_next(&wk, &i))
		assert_int_equal(i, n++);
	ld_walk_end(&wk);
	assert_null(wk.pager);
	assert_int_equal(n, CORE_N);
	assert_int_equal(wk.ntrims, 0);
	ld_mem_destroy(s.mem);
	munmap((void *)core.map, size);
	close(fd);
}

/* A subset: positions in order; each goroutine's stack is in the batch. */
static void test_subset(void **state)
{
	static const struct ld_walk_ops ops = {
		.flags = LD_WALK_TRIM | LD_WALK_STACKS,
	};
	static const size_t steps[] = { 1, 3, 700, 1023, 1024, 1025, 5000 };
	struct world *w = *state;
	uint32_t *gis = malloc(MAX_N * sizeof(*gis));

	assert_non_null(gis);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct ld_walk wk;
		size_t n = 0, i;

		for (size_t g = 5; g < MAX_N; g += steps[k])
			gis[n++] = (uint32_t)g;
		reset(w, MAX_N);
		ld_walk_begin_subset(&wk, &w->s, gis, n, &ops, w);
		while (ld_walk_next(&wk, &i)) {
			assert_int_equal(i, w->visited);
			check_stack_batch(w, gis[i]);
			w->visited++;
		}
		ld_walk_end(&wk);
		assert_int_equal(w->visited, n);
		assert_int_equal(wk.ntrims, n ? (n - 1) / LD_TRIM_EVERY : 0);
	}
	free(gis);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_item_once_in_order),
		cmocka_unit_test(test_early_exit),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_core_without_mapping),
		cmocka_unit_test(test_core_with_pager),
		cmocka_unit_test(test_subset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
