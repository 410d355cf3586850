/* SPDX-License-Identifier: MIT */
/*
 * Small internal helpers shared by the core's modules: growable arrays and
 * an open-addressing map from nonzero 64-bit keys to 64-bit values.
 * The map owns its arrays; ld_u64map_release() frees them.
 */
#ifndef LD_UTIL_H
#define LD_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in seconds: for durations the reports print. */
static inline double ld_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Grow *p (of *cap elements of elem bytes) to hold need; doubles. */
static inline bool ld_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

/*
 * qsort()/qsort_r() that accept an empty (possibly NULL) array: the libc
 * declares base non-null even for n == 0, and a hostile target can leave
 * any list empty.
 */
static inline void ld_sort(void *base, size_t n, size_t size,
			   int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static inline void ld_sort_r(void *base, size_t n, size_t size,
			     int (*cmp)(const void *, const void *, void *),
			     void *arg)
{
	if (n > 1)
		qsort_r(base, n, size, cmp, arg);
}

static inline uint64_t ld_hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

struct ld_u64map {
	uint64_t *keys;		/* 0 = empty slot */
	uint64_t *vals;
	size_t n, size;		/* size is a power of two */
};

/* The value for key, or 0 when absent (keys are nonzero). */
static inline uint64_t ld_u64map_get(const struct ld_u64map *m, uint64_t key)
{
	size_t mask = m->size - 1, j;

	if (!m->size || !key)
		return 0;
	for (j = ld_hash64(key) & mask; m->keys[j]; j = (j + 1) & mask)
		if (m->keys[j] == key)
			return m->vals[j];
	return 0;
}

/* A hint that key will be looked up soon: load its home slot. */
static inline void ld_u64map_prefetch(const struct ld_u64map *m, uint64_t key)
{
	if (m->size) {
		size_t j = ld_hash64(key) & (m->size - 1);

		__builtin_prefetch(&m->keys[j]);
		__builtin_prefetch(&m->vals[j]);
	}
}

/* Insert key -> val unless key is present (first value wins). */
bool ld_u64map_put(struct ld_u64map *m, uint64_t key, uint64_t val);
/* Make room for n keys without growing again. */
bool ld_u64map_reserve(struct ld_u64map *m, size_t n);
void ld_u64map_release(struct ld_u64map *m);

/* In a spin-wait loop: let the sibling hyperthread (or core) run. */
static inline void ld_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/*
 * A helper thread with nothing to do until the walk it serves moves on,
 * which takes microseconds: spin a little first (a sleeping helper is
 * woken and moved between CPUs by the scheduler far more often than the
 * walk needs), sleep once it has spun about a millisecond (a walk reading
 * from a slow disk, say).  *spins counts the idle rounds; reset it to 0
 * when there was work.
 */
void ld_helper_idle(unsigned int *spins);

/*
 * Start a helper thread with every signal blocked: signals (GDB's SIGINT,
 * SIGCHLD) stay with the host's threads.  0 or an errno value.
 */
int ld_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* Whether this thread may run on two CPUs or more: else no helper pays. */
bool ld_two_cpus(void);

#endif
