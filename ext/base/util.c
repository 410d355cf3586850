// SPDX-License-Identifier: MIT
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "leakdump/base/util.h"

static bool u64map_resize(struct ld_u64map *m, size_t nsize)
{
	uint64_t *keys = calloc(nsize, sizeof(*keys));
	uint64_t *vals = calloc(nsize, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return false;
	}
	for (size_t i = 0; i < m->size; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		j = ld_hash64(m->keys[i]) & (nsize - 1);
		while (keys[j])
			j = (j + 1) & (nsize - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->size = nsize;
	return true;
}

bool ld_u64map_reserve(struct ld_u64map *m, size_t n)
{
	size_t nsize = m->size ? m->size : 1024;

	while (nsize < n * 2 + 2)
		nsize *= 2;
	return nsize == m->size || u64map_resize(m, nsize);
}

bool ld_u64map_put(struct ld_u64map *m, uint64_t key, uint64_t val)
{
	size_t j;

	if (!key)
		return false;
	if (m->n * 2 >= m->size &&
	    !u64map_resize(m, m->size ? m->size * 2 : 1024))
		return false;
	for (j = ld_hash64(key) & (m->size - 1); m->keys[j];
	     j = (j + 1) & (m->size - 1))
		if (m->keys[j] == key)
			return true;
	m->keys[j] = key;
	m->vals[j] = val;
	m->n++;
	return true;
}

void ld_u64map_release(struct ld_u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

int ld_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

bool ld_two_cpus(void)
{
	cpu_set_t set;

	return !sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) >= 2;
}

#define IDLE_NS 20000
#define SPIN_ROUNDS 4096	/* pause loops (~1 ms) before sleeping */

void ld_helper_idle(unsigned int *spins)
{
	struct timespec ts = { 0, IDLE_NS };

	if (++*spins < SPIN_ROUNDS) {
		for (int i = 0; i < 64; i++)
			ld_cpu_relax();
		return;
	}
	nanosleep(&ts, NULL);
}
