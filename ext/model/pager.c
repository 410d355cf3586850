// SPDX-License-Identifier: MIT
/*
 * The pager (see include/leakdump/pager.h): faults in the core pages of the
 * walker's next items and drops those of the items it has finished, from a
 * helper thread.  The two threads share only the item count the walker has
 * finished; the helper reads the session's memory map, never changes it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "leakdump/base/util.h"
#include "leakdump/target/mem.h"
#include "leakdump/target/target.h"
#include "leakdump/model/pager.h"

#define PAGE 4096ull
/*
 * A read fault maps more than its page: the pages around it that are in
 * the page cache (fault_around_bytes, 64 KiB by default), or a whole 2 MiB
 * folio with one PMD where the page cache holds one (a core just written,
 * on a file system with large folios).  Dropping whole 2 MiB windows keeps
 * either from piling up.
 */
#define WINDOW (2ull << 20)
#define AHEAD 1024		/* items faulted in before the walker needs them */
/*
 * Items kept mapped after the walker passed them, and dropped per round.
 * For g structs BEHIND is half a WINDOW, so a trimmed window can take g
 * pages just ahead of the walker, which then faults them in again: at a
 * million goroutines that costs no time we can measure and keeps about
 * 16 MB less of the core resident than 8192 did; tighter costs time.
 * Stacks (2 KiB and up) fill a WINDOW in fewer items: kept and dropped
 * in smaller rounds they leave about 20 MB less mapped while the group
 * walk's records are all allocated (its peak), at no time we can measure.
 */
#define BEHIND 2048
#define TRIM_BATCH 2048
#define BEHIND_STACKS 1024
#define TRIM_BATCH_STACKS 512
#define MAX_RUN (64ull << 20)	/* the most dropped with one call */
/*
 * Items the helper's trimming may lag behind before the walker trims for
 * it: a helper kept off the CPUs (GDB's own worker threads at start-up,
 * say) would otherwise leave everything the walker faulted in mapped, up
 * to 150 MB of g structs at a million goroutines.
 */
#define LAG_ROUNDS 4

struct ld_pager {
	pthread_t thread;
	struct ld_session *s;
	const struct ld_mem *mem;
	uintptr_t map_lo, map_hi;	/* the core mapping, page-aligned */
	size_t n;
	ld_pager_range_fn *range;
	void *arg;
	atomic_size_t done;		/* written by the walker */
	atomic_size_t trimmed;		/* items dropped, by either thread */
	atomic_bool stop;
	size_t behind, trim_batch;	/* BEHIND or BEHIND_STACKS, ... */
	size_t touched;			/* helper-private */
	volatile uint8_t sink;
};

/* Item i's bytes in the mapping, aligned outwards to align; false if none. */
static bool item_pages(struct ld_pager *p, size_t i, uintptr_t align,
		       uintptr_t *lo, uintptr_t *hi)
{
	uint64_t addr;
	size_t len;
	const uint8_t *at;

	p->range(p->arg, i, &addr, &len);
	if (!len || !(at = ld_mem_peek_quiet(p->mem, addr, len)))
		return false;
	*lo = (uintptr_t)at & ~(align - 1);
	*hi = ((uintptr_t)at + len + align - 1) & ~(align - 1);
	if ((uintptr_t)at < p->map_lo || (uintptr_t)at + len > p->map_hi)
		return false;	/* not the core file (the executable, say) */
	if (*lo < p->map_lo)
		*lo = p->map_lo;
	if (*hi > p->map_hi)
		*hi = p->map_hi;
	return true;
}

/* Read one byte of every page of item i: the kernel maps them now. */
static void touch(struct ld_pager *p, size_t i)
{
	uintptr_t lo, hi;

	if (!item_pages(p, i, PAGE, &lo, &hi))
		return;
	for (uintptr_t pg = lo; pg < hi; pg += PAGE)
		p->sink += *(const volatile uint8_t *)pg;
}

static void drop(uintptr_t lo, uintptr_t hi)
{
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Drop the windows of items [first, end), merging adjacent ones. */
static void trim(struct ld_pager *p, size_t first, size_t end)
{
	uintptr_t run_lo = 0, run_hi = 0, lo, hi;

	for (size_t i = first; i < end; i++) {
		if (!item_pages(p, i, WINDOW, &lo, &hi))
			continue;
		if (run_hi && lo >= run_lo && lo <= run_hi &&
		    hi - run_lo <= MAX_RUN) {
			if (hi > run_hi)
				run_hi = hi;
			continue;
		}
		drop(run_lo, run_hi);
		run_lo = lo;
		run_hi = hi;
	}
	drop(run_lo, run_hi);
}

/*
 * Drop items [trimmed, end) and say so.  Both threads may call it: a
 * range dropped twice costs a little time, never a wrong read.
 */
static void trim_to(struct ld_pager *p, size_t end)
{
	size_t from = atomic_load(&p->trimmed);

	while (from < end &&
	       !atomic_compare_exchange_weak(&p->trimmed, &from, end))
		;
	if (from < end)
		trim(p, from, end);
}

static void *run(void *arg)
{
	struct ld_pager *p = arg;
	unsigned int spins = 0;

	while (!atomic_load_explicit(&p->stop, memory_order_acquire)) {
		size_t done = atomic_load_explicit(&p->done,
						   memory_order_relaxed);
		bool busy = false;

		if (p->touched < done)
			p->touched = done;	/* fell behind: skip ahead */
		for (size_t k = 0; k < 64 && p->touched < p->n &&
				   p->touched < done + AHEAD; k++) {
			touch(p, p->touched++);
			busy = true;
		}
		if (done > atomic_load(&p->trimmed) + p->behind +
			   p->trim_batch) {
			trim_to(p, done - p->behind);
			busy = true;
		}
		if (busy)
			spins = 0;
		else
			ld_helper_idle(&spins);
	}
	return NULL;
}

struct ld_pager *ld_pager_start(struct ld_session *s, size_t n,
				ld_pager_range_fn *range, void *arg,
				bool stacks)
{
	const uint8_t *map;
	struct ld_pager *p;
	size_t size;
	int err;

	map = ld_target_view(&s->target, &size);
	if (!map || n < AHEAD)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->s = s;
	p->mem = s->mem;
	p->map_lo = (uintptr_t)map;
	p->map_hi = ((uintptr_t)map + size) & ~(uintptr_t)(PAGE - 1);
	p->n = n;
	p->behind = stacks ? BEHIND_STACKS : BEHIND;
	p->trim_batch = stacks ? TRIM_BATCH_STACKS : TRIM_BATCH;
	p->range = range;
	p->arg = arg;
	atomic_init(&p->done, 0);
	atomic_init(&p->trimmed, 0);
	atomic_init(&p->stop, false);
	err = ld_thread_start(&p->thread, run, p);
	if (err) {
		free(p);
		return NULL;
	}
	return p;
}

void ld_pager_progress(struct ld_pager *p, size_t done)
{
	if (!p)
		return;
	atomic_store_explicit(&p->done, done, memory_order_relaxed);
	if (done > atomic_load_explicit(&p->trimmed, memory_order_relaxed) +
		   LAG_ROUNDS * (p->behind + p->trim_batch))
		trim_to(p, done - p->behind);
}

void ld_pager_stop(struct ld_pager *p)
{
	if (!p)
		return;
	atomic_store_explicit(&p->stop, true, memory_order_release);
	pthread_join(p->thread, NULL);
	/* Whatever is still mapped goes, as a trimming walker's would. */
	ld_session_trim(p->s);
	free(p);
}
