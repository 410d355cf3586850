// SPDX-License-Identifier: MIT
/*
 * Reading ahead of the blocking walk.  The walk spends most of its time
 * waiting for memory: each goroutine's first sudogs and its channel's
 * header lie scattered through the heap.  What it would read first for
 * each goroutine is read ahead into items (struct ld_ahead_item); the walk
 * takes them from there, and reads for itself what was not read (so the
 * result is the same either way).  Two ways:
 *
 * - A mapped core: a helper thread works a few thousand goroutines ahead
 *   and leaves items in a ring.  It only reads: the session's
 *   goroutines, the semtable index (built before the walk starts) and the
 *   core mapping through ld_mem_peek_quiet(), which changes nothing.  It
 *   owns the ring's slots the walk has finished with; `done` and `ready`
 *   are the whole protocol.  It also trims the mapping for the walk
 *   (madvise, safe from any thread: a page dropped under a reader is read
 *   in again).
 * - Anything else (a live process): on the walk's own thread, in batches
 *   of LD_BATCH goroutines, each read as a few vectored reads of exact
 *   ranges: the first sudogs, then the second ones, then the header of
 *   every channel they name that the walk has not decoded yet.
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
	/* a mapped core: the helper thread */
	bool threaded;
	pthread_t thread;
	atomic_size_t done;		/* items the walk has finished */
	atomic_size_t ready;		/* items < ready are in the ring */
	atomic_bool stop;
	volatile uint8_t sink;		/* touches go here, to be kept */
	/* otherwise batches: items [first, first + n) in ring[0..n) */
	size_t first, n;
	struct ld_mem_iov *iov;		/* BATCH_READS */
	uint32_t *whose;		/* per iov: item << 1 | sudog index */
	uint8_t *bytes;			/* BATCH_READS * 256 */
};

#define BATCH_READS (LD_AHEAD_SUDOGS * LD_BATCH)
#define MAX_READ 256			/* a sudog or an hchan, at most */

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

static void prefetch_item(struct ld_ahead *a, size_t gi)
{
	const struct ld_goroutine *g = &a->s->gs[gi];

	switch (ld_wait_class_of(a->s, a->b, g)) {
	case LD_WAIT_CHAN:
		ld_mem_prefetch(a->s->mem, ld_goroutine_waiting(g),
				a->s->rt->blk.sudog_size);
		break;
	case LD_WAIT_SEMA:
		if (a->s->rt->sema_waiting_sudog && ld_goroutine_waiting(g))
			ld_mem_prefetch(a->s->mem, ld_goroutine_waiting(g),
					a->s->rt->blk.sudog_size);
		else
			ld_u64map_prefetch(&a->b->semas, g->addr);
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
				prefetch_item(a, j + PREFETCH);
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

/* ---- batches, on the walk's thread ---- */

/* Each item's first state; semaphore waiters without a sudog look up now. */
static void batch_init(struct ld_ahead *a, size_t first, size_t n)
{
	const struct ld_session *s = a->s;

	a->first = first;
	a->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct ld_goroutine *g = &s->gs[first + i];
		struct ld_ahead_item *it = &a->ring[i];

		it->gi = first + i;
		it->n = 0;
		it->sema = 0;
		it->next = 0;
		if (ld_wait_class_of(s, a->b, g) == LD_WAIT_CHAN)
			it->next = ld_goroutine_waiting(g);
		else if (ld_wait_class_of(s, a->b, g) == LD_WAIT_SEMA &&
			 !(s->rt->sema_waiting_sudog &&
			   ld_goroutine_waiting(g)))
			it->sema = ld_sema_of(a->b, g->addr);
	}
}

/* Round r: the r-th sudog of every channel waiter still on its list. */
static size_t batch_sudogs(struct ld_ahead *a, unsigned int r)
{
	const struct ld_session *s = a->s;
	size_t nv = 0;

	for (size_t i = 0; i < a->n; i++) {
		const struct ld_goroutine *g = &s->gs[a->first + i];
		struct ld_ahead_item *it = &a->ring[i];
		uint64_t sg = 0;

		if (it->n == r && it->next)
			sg = it->next;
		else if (!r && ld_wait_class_of(s, a->b, g) == LD_WAIT_SEMA &&
			 s->rt->sema_waiting_sudog)
			sg = ld_goroutine_waiting(g);
		if (!sg)
			continue;
		a->iov[nv] = (struct ld_mem_iov){ .addr = sg,
			.len = s->rt->blk.sudog_size,
			.buf = a->bytes + nv * MAX_READ };
		a->whose[nv++] = (uint32_t)i;
	}
	ld_mem_read_batch(s->mem, a->iov, nv);
	return nv;
}

static void batch_take_sudogs(struct ld_ahead *a, size_t nv)
{
	const struct ld_session *s = a->s;
	const struct ld_rt_blocking *k = &s->rt->blk;

	for (size_t v = 0; v < nv; v++) {
		struct ld_ahead_item *it = &a->ring[a->whose[v]];
		const struct ld_goroutine *g = &s->gs[it->gi];
		const uint8_t *p = a->iov[v].buf;

		if (ld_wait_class_of(s, a->b, g) == LD_WAIT_SEMA) {
			it->sema = a->iov[v].ok ?
				sema_from_sudog(k, p, g->addr) : 0;
			if (!it->sema && a->iov[v].ok)
				it->sema = ld_sema_of(a->b, g->addr);
			if (!a->iov[v].ok)
				it->gi = UINT64_MAX;	/* the walk reads */
			continue;
		}
		if (!a->iov[v].ok)
			continue;	/* next stays: the walk tries it */
		it->sg[it->n] = it->next;
		it->c[it->n] = sudog_ptr(k, p, k->sudog_c, k->sudog_c_vu);
		it->sel[it->n] = p[k->sudog_is_select];
		it->hchan[it->n] = NULL;
		it->n++;
		it->next = rd64(p, k->sudog_waitlink);
	}
}

/* The headers of the channels the walk will decode: new ones, once each. */
static void batch_hchans(struct ld_ahead *a)
{
	const struct ld_session *s = a->s;
	uint64_t seen[2 * BATCH_READS] = { 0 };
	size_t nv = 0;

	if (!s->rt->blk.hchan_size || s->rt->blk.hchan_size > MAX_READ)
		return;
	for (size_t i = 0; i < a->n; i++) {
		const struct ld_ahead_item *it = &a->ring[i];

		for (unsigned int j = 0; j < it->n; j++) {
			uint64_t c = it->c[j];
			size_t h = ld_hash64(c) & (2 * BATCH_READS - 1);

			if (!c || ld_blocking_find(a->b, LD_BK_CHAN, c))
				continue;
			while (seen[h] && seen[h] != c)
				h = (h + 1) & (2 * BATCH_READS - 1);
			if (seen[h])
				continue;
			seen[h] = c;
			a->iov[nv] = (struct ld_mem_iov){ .addr = c,
				.len = s->rt->blk.hchan_size,
				.buf = a->bytes + nv * MAX_READ };
			a->whose[nv++] = (uint32_t)(i << 1 | j);
		}
	}
	ld_mem_read_batch(s->mem, a->iov, nv);
	for (size_t v = 0; v < nv; v++)
		if (a->iov[v].ok)
			a->ring[a->whose[v] >> 1].hchan[a->whose[v] & 1] =
				a->iov[v].buf;
}

static void batch_fill(struct ld_ahead *a, size_t first)
{
	size_t n = a->s->ngs - first;

	batch_init(a, first, n < LD_BATCH ? n : LD_BATCH);
	for (unsigned int r = 0; r < LD_AHEAD_SUDOGS; r++)
		batch_take_sudogs(a, batch_sudogs(a, r));
	batch_hchans(a);
}

/* ---- the walk's side ---- */

struct ld_ahead *ld_ahead_start(struct ld_session *s,
				const struct ld_blocking *b)
{
	bool threaded = ld_target_mapped(&s->target);
	struct ld_ahead *a;

	/* A helper thread pays for many goroutines only. */
	if (s->read_ahead_off || !s->ngs || (threaded && s->ngs < WINDOW) ||
	    !s->rt->blk.sudog_size || s->rt->blk.sudog_size > MAX_READ)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->s = s;
	a->b = b;
	a->threaded = threaded;
	a->ring = calloc(threaded ? WINDOW : LD_BATCH, sizeof(*a->ring));
	if (!threaded) {
		a->iov = malloc(BATCH_READS * sizeof(*a->iov));
		a->whose = malloc(BATCH_READS * sizeof(*a->whose));
		a->bytes = malloc((size_t)BATCH_READS * MAX_READ);
		if (a->ring && a->iov && a->whose && a->bytes)
			return a;
	} else {
		atomic_init(&a->done, 0);
		atomic_init(&a->ready, 0);
		atomic_init(&a->stop, false);
		if (a->ring && !ld_thread_start(&a->thread, run, a))
			return a;
		a->threaded = false;	/* not started: nothing to join */
	}
	ld_ahead_stop(a);
	return NULL;
}

bool ld_ahead_trims(const struct ld_ahead *a)
{
	return a && a->threaded;
}

const struct ld_ahead_item *ld_ahead_get(struct ld_ahead *a, size_t gi)
{
	const struct ld_ahead_item *it;

	if (!a)
		return NULL;
	if (!a->threaded) {
		if (gi < a->first || gi - a->first >= a->n)
			batch_fill(a, gi);
		it = &a->ring[gi - a->first];
		return it->gi == gi ? it : NULL;
	}
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

	if (!a || !a->threaded)
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
	if (a->threaded) {
		atomic_store_explicit(&a->stop, true, memory_order_relaxed);
		pthread_join(a->thread, NULL);
	}
	free(a->ring);
	free(a->iov);
	free(a->whose);
	free(a->bytes);
	free(a);
}
