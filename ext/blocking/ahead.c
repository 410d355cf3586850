// SPDX-License-Identifier: MIT
/*
 * Reading ahead of the blocking walk.  The walk spends most of its time
 * waiting for memory: each goroutine's first sudogs and its channel's
 * header lie scattered through the heap.  What it would read first for
 * each goroutine is read ahead into items (struct ld_ahead_item); the walk
 * takes them from there, and reads for itself what was not read (so the
 * result is the same either way).
 *
 * On a mapped core a helper thread works a few thousand goroutines ahead
 * and leaves items in a ring.  It only reads: the session's goroutines,
 * the semtable index (built before the walk starts) and the core mapping
 * through ld_mem_peek_quiet(), which changes nothing.  It owns the ring's
 * slots the walk has finished with; `done` and `ready` are the whole
 * protocol.  It also trims the mapping for the walk (madvise, safe from
 * any thread: a page dropped under a reader is read in again).
 *
 * A live process gets no read-ahead: its reads go through the 64 KiB
 * chunk cache, which reads the region of consecutive goroutines' sudogs
 * once.  Vectored batches of exact ranges (first sudogs, second sudogs,
 * new channels' headers) were measured there: 6,859 transfers and 2.6 GB
 * at a million goroutines against 6,357 and 2.4 GB, since each round
 * read the same region again.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "blocking/blocking_priv.h"
#include "leakdump/base/util.h"

#define WINDOW 4096		/* ring slots: how far ahead the helper reads */
#define BURST 64		/* items between looks at the walk's progress */
#define PREFETCH 8		/* items between a prefetch and its read */

struct ld_ahead {
	struct ld_session *s;
	const struct ld_blocking *b;
	struct ld_ahead_item *ring;	/* item gi in slot gi % WINDOW */
	pthread_t thread;
	atomic_size_t done;		/* items the walk has finished */
	atomic_size_t ready;		/* items < ready are in the ring */
	atomic_bool stop;
	volatile uint8_t sink;		/* touches go here, to be kept */
};


/* The first sudogs of a channel waiter, as ld_chan_blockers reads them. */
static void read_sudogs(struct ld_ahead *a, const struct ld_goroutine *g,
			struct ld_ahead_item *it)
{
	const struct ld_session *s = a->s;
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint64_t sg = ld_goroutine_waiting(g);

	while (sg && it->n < LD_AHEAD_SUDOGS) {
		const uint8_t *p = ld_mem_peek_quiet(s->mem, sg,
						     k->sudog_size);

		if (!p)
			break;	/* the walk tries it itself */
		it->sg[it->n] = sg;
		it->c[it->n] = sudog_ptr(k, p, k->sudog_c, k->sudog_c_vu);
		it->sel[it->n] = p[k->sudog_is_select];
		/* Fault the channel's page in: a new one is decoded. */
		it->hchan[it->n] = ld_mem_peek_quiet(s->mem, it->c[it->n],
						     k->hchan_size);
		if (it->hchan[it->n])
			a->sink += *(const volatile uint8_t *)it->hchan[it->n];
		it->n++;
		sg = rd64(p, k->sudog_waitlink);
	}
	it->next = sg;
}

/* A semaphore waiter's address, as sync.c's sema_of_g finds it. */
static bool read_sema(struct ld_ahead *a, const struct ld_goroutine *g,
		      struct ld_ahead_item *it)
{
	const struct ld_session *s = a->s;
	uint64_t sg = ld_goroutine_waiting(g);
	const uint8_t *p;

	if (s->rt->sema_waiting_sudog && sg) {
		p = ld_mem_peek_quiet(s->mem, sg, s->rt->blk.sudog_size);
		if (!p)
			return false;	/* the walk tries it itself */
		it->sema = sema_from_sudog(&s->rt->blk, p, g->addr);
		if (it->sema)
			return true;
	}
	it->sema = ld_sema_of(a->b, g->addr);
	return true;
}

static void read_item(struct ld_ahead *a, size_t gi)
{
	const struct ld_goroutine *g = &a->s->gs[gi];
	struct ld_ahead_item *it = &a->ring[gi % WINDOW];

	it->gi = gi;
	it->n = 0;
	it->next = 0;
	it->sema = 0;
	switch (ld_wait_class_of(a->s, a->b, g)) {
	case LD_WAIT_CHAN:
		read_sudogs(a, g, it);
		break;
	case LD_WAIT_SEMA:
		if (!read_sema(a, g, it))
			it->gi = UINT64_MAX;	/* not this item's: the walk reads */
		break;
	default:
		break;
	}
}

static void *run(void *arg)
{
	struct ld_ahead *a = arg;
	size_t n = a->s->ngs, j = 0;
	unsigned int spins = 0;

	while (j < n && !atomic_load_explicit(&a->stop, memory_order_relaxed)) {
		size_t done = atomic_load_explicit(&a->done,
						   memory_order_acquire);
		size_t k = 0;

		if (j < done)
			j = done;	/* fell behind: the walk read those */
		for (; k < BURST && j < n && j < done + WINDOW; k++, j++) {
			if (j + PREFETCH < n)
				ld_prefetch_blockers(a->s, a->b,
						     &a->s->gs[j + PREFETCH]);
			read_item(a, j);
			atomic_store_explicit(&a->ready, j + 1,
					      memory_order_release);
			/* The walk's trimming, done here on the idle CPU. */
			if ((j + 1) % LD_TRIM_EVERY == 0)
				ld_session_trim(a->s);
		}
		if (k)
			spins = 0;
		else
			ld_helper_idle(&spins);
	}
	return NULL;
}

/* ---- the walk's side ---- */

struct ld_ahead *ld_ahead_start(struct ld_session *s,
				const struct ld_blocking *b)
{
	struct ld_ahead *a;

	/* A mapped core only, and a helper thread pays for many only. */
	if (s->read_ahead_off || !ld_target_mapped(&s->target) ||
	    s->ngs < WINDOW || !s->rt->blk.sudog_size ||
	    s->rt->blk.sudog_size > 256)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->s = s;
	a->b = b;
	a->ring = calloc(WINDOW, sizeof(*a->ring));
	atomic_init(&a->done, 0);
	atomic_init(&a->ready, 0);
	atomic_init(&a->stop, false);
	if (!a->ring || ld_thread_start(&a->thread, run, a)) {
		free(a->ring);
		free(a);
		return NULL;
	}
	return a;
}

const struct ld_ahead_item *ld_ahead_get(struct ld_ahead *a, size_t gi)
{
	const struct ld_ahead_item *it;

	if (!a)
		return NULL;
	/* Items before gi are finished: the helper may reuse their slots. */
	atomic_store_explicit(&a->done, gi, memory_order_release);
	while (a->s->read_ahead_wait &&
	       gi >= atomic_load_explicit(&a->ready, memory_order_acquire))
		ld_cpu_relax();
	if (gi >= atomic_load_explicit(&a->ready, memory_order_acquire))
		return NULL;
	it = &a->ring[gi % WINDOW];
	return it->gi == gi ? it : NULL;
}

bool ld_ahead_prefetch(struct ld_ahead *a, size_t gi)
{
	const struct ld_ahead_item *it;
	size_t ready;

	if (!a)
		return false;
	ready = atomic_load_explicit(&a->ready, memory_order_acquire);
	if (gi + PREFETCH < ready)
		__builtin_prefetch(&a->ring[(gi + PREFETCH) % WINDOW]);
	if (gi >= ready)
		return false;
	/* Its slot was prefetched PREFETCH items ago. */
	it = &a->ring[gi % WINDOW];
	for (unsigned int i = 0; it->gi == gi && i < it->n; i++)
		if (it->hchan[i])
			__builtin_prefetch(it->hchan[i]);
	return true;
}

void ld_ahead_stop(struct ld_ahead *a)
{
	if (!a)
		return;
	atomic_store_explicit(&a->stop, true, memory_order_relaxed);
	pthread_join(a->thread, NULL);
	free(a->ring);
	free(a);
}
