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
 * A live process has no mapping: there the helper reads the target's
 * pages itself, in rounds over a batch of goroutines.  Each round decodes
 * what it can from the pages it holds and notes the pages it lacked; they
 * are then read in one vectored transfer per 1,024 runs of consecutive
 * pages (ld_mem_read_pages), and the next round goes on (first sudogs;
 * then their channels and the second sudogs; then those channels).  Each
 * page is read once however many rounds and goroutines use it, where
 * vectored reads of exact ranges read the same sudog region again each
 * round; channel headers are copied into the item, and a channel already
 * copied for an earlier batch is not read again (the walk has it).  The
 * walk waits a little for a batch it caught up with (its own reads would
 * cost cold 64 KiB chunks); a helper a whole ring ahead sleeps.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blocking/blocking_priv.h"
#include "leakdump/base/util.h"

#define WINDOW 4096		/* ring slots: how far ahead the helper reads */
#define BURST 64		/* items between looks at the walk's progress */
#define PREFETCH 8		/* items between a prefetch and its read */
#define BATCH 256		/* live: goroutines read together */
#define ROUNDS 4		/* live: passes over a batch (three reads) */
#define KEEP_PAGES 1024		/* live: pages held before starting over */
#define SEEN 16384		/* live: channels copied (direct-mapped) */
#define CATCH_UP 4000		/* live: pauses (~0.1 ms) the walk waits */
#define STALLS 8		/* live: waits in vain before going alone */
#define REST_NS 50000		/* live: the helper's sleep when well ahead */
#define PAGE LD_MEM_PAGE

/* One held page: its address and where its bytes lie. */
struct held {
	uint64_t addr;
	uint32_t slot;
};

/* The pages a live target's helper has read (ascending by address). */
struct ahead_pages {
	struct held *held;		/* page i's bytes in slot held[i].slot */
	size_t nheld, cap_held;
	uint8_t *data;			/* slot i at data + i * PAGE */
	bool *ok;			/* by slot: the page arrived */
	size_t cap_data, cap_ok;
	uint64_t *want;			/* pages lacked in this round */
	size_t nwant, cap_want;
	bool lacked;			/* the item being read lacked a page */
	uint64_t calls, bytes;		/* the helper's transfers */
	uint64_t seen[SEEN];		/* channels copied in earlier batches */
};

struct ld_ahead {
	struct ld_session *s;
	const struct ld_blocking *b;
	struct ld_ahead_item *ring;	/* item gi in slot gi % WINDOW */
	struct ahead_pages *pg;		/* live only: the pages read */
	pthread_t thread;
	atomic_size_t done;		/* items the walk has finished */
	atomic_size_t ready;		/* items < ready are in the ring */
	atomic_bool stop;
	volatile uint8_t sink;		/* touches go here, to be kept */
	size_t stalled_at;		/* the walk's: ready when it gave up */
	unsigned int stalls;		/* the walk's: how often it gave up */
};


/* ---- a live target's pages ---- */

/* Index of the first held page at or above addr. */
static size_t held_at(const struct ahead_pages *pg, uint64_t addr)
{
	size_t lo = 0, hi = pg->nheld;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pg->held[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Page page's bytes, or NULL: unreadable, or lacked (and now wanted). */
static const uint8_t *page_of(struct ahead_pages *pg, uint64_t page)
{
	size_t i = held_at(pg, page);

	if (i < pg->nheld && pg->held[i].addr == page) {
		uint32_t slot = pg->held[i].slot;

		return pg->ok[slot] ? pg->data + (size_t)slot * PAGE : NULL;
	}
	pg->lacked = true;
	if (ld_grow((void **)&pg->want, &pg->cap_want, pg->nwant + 1,
		    sizeof(*pg->want)))
		pg->want[pg->nwant++] = page;
	return NULL;
}

/* len (<= PAGE) bytes at addr, from one page or copied from two. */
static const uint8_t *pages_see(struct ahead_pages *pg, uint64_t addr,
				size_t len, uint8_t *scratch)
{
	uint64_t first = addr & ~(uint64_t)(PAGE - 1);
	uint64_t last = (addr + len - 1) & ~(uint64_t)(PAGE - 1);
	size_t off = addr - first;
	const uint8_t *p, *q;

	if (!addr || !len || len > PAGE || addr + len < addr)
		return NULL;
	p = page_of(pg, first);
	if (last == first)
		return p ? p + off : NULL;
	q = page_of(pg, last);
	if (!p || !q)
		return NULL;
	memcpy(scratch, p + off, PAGE - off);
	memcpy(scratch + (PAGE - off), q, len - (PAGE - off));
	return scratch;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/*
 * Merge the pages just read, fresh[0..n) (ascending, in the slots from
 * nheld on), into the held list: in place, from the back.
 */
static bool merge_held(struct ahead_pages *pg, const uint64_t *fresh,
		       size_t n)
{
	size_t i = pg->nheld, j = n, k = pg->nheld + n;

	if (!ld_grow((void **)&pg->held, &pg->cap_held, k, sizeof(*pg->held)))
		return false;
	while (j) {
		if (i && pg->held[i - 1].addr > fresh[j - 1]) {
			pg->held[--k] = pg->held[--i];
		} else {
			j--;
			pg->held[--k] = (struct held){
				fresh[j], (uint32_t)(pg->nheld + j) };
		}
	}
	pg->nheld += n;
	return true;
}

/* Read the pages this round lacked; false if none could be asked for. */
static bool read_wanted(struct ld_ahead *a)
{
	struct ahead_pages *pg = a->pg;
	size_t n = 0, first = pg->nheld;	/* a slot per held page */

	if (!pg->nwant)
		return false;
	qsort(pg->want, pg->nwant, sizeof(*pg->want), cmp_u64);
	for (size_t i = 0; i < pg->nwant; i++)
		if (!n || pg->want[i] != pg->want[n - 1])
			pg->want[n++] = pg->want[i];
	pg->nwant = 0;
	if (!ld_grow((void **)&pg->data, &pg->cap_data, (first + n) * PAGE, 1) ||
	    !ld_grow((void **)&pg->ok, &pg->cap_ok, first + n,
		     sizeof(*pg->ok)))
		return false;
	ld_mem_read_pages(a->s->mem, pg->want, n, pg->data + first * PAGE,
			  pg->ok + first, &pg->calls, &pg->bytes);
	return merge_held(pg, pg->want, n);
}

static bool seen(const struct ahead_pages *pg, uint64_t c)
{
	return pg->seen[ld_hash64(c) % SEEN] == c;
}

/*
 * len bytes at addr as the helper can see them: in the core's mapping, or
 * in the pages read so far (copied into scratch, of len bytes, when they
 * span two).  NULL if not there (a live page lacked is wanted).
 */
static const uint8_t *see(struct ld_ahead *a, uint64_t addr, size_t len,
			  uint8_t *scratch)
{
	if (!a->pg)
		return ld_mem_peek_quiet(a->s->mem, addr, len);
	return pages_see(a->pg, addr, len, scratch);
}

/*
 * Channel c's header for item slot i: a core's mapped bytes (faulted in
 * here), or a copy into the item.  A channel copied for an earlier batch
 * is left out: the walk has decoded it by the time it reads this item.
 */
static const uint8_t *chan_bytes(struct ld_ahead *a, uint64_t c,
				 struct ld_ahead_item *it, unsigned int i)
{
	const struct ld_rt_blocking *k = &a->s->rt->blk;
	const uint8_t *p;

	if (!a->pg) {
		p = ld_mem_peek_quiet(a->s->mem, c, k->hchan_size);
		if (p)
			a->sink += *(const volatile uint8_t *)p;
		return p;
	}
	if (k->hchan_size > LD_AHEAD_HCHAN || seen(a->pg, c))
		return NULL;
	p = pages_see(a->pg, c, k->hchan_size, it->hbuf[i]);
	if (p && p != it->hbuf[i])
		memcpy(it->hbuf[i], p, k->hchan_size);
	return p ? it->hbuf[i] : NULL;
}

/* The first sudogs of a channel waiter, as ld_chan_blockers reads them. */
static void read_sudogs(struct ld_ahead *a, const struct ld_goroutine *g,
			struct ld_ahead_item *it)
{
	const struct ld_rt_blocking *k = &a->s->rt->blk;
	uint64_t sg = ld_goroutine_waiting(g);
	uint8_t scratch[256];

	while (sg && it->n < LD_AHEAD_SUDOGS) {
		const uint8_t *p = see(a, sg, k->sudog_size, scratch);

		if (!p)
			break;	/* the walk (or the next round) reads it */
		it->sg[it->n] = sg;
		it->c[it->n] = sudog_ptr(k, p, k->sudog_c, k->sudog_c_vu);
		it->sel[it->n] = p[k->sudog_is_select];
		sg = rd64(p, k->sudog_waitlink);
		it->hchan[it->n] = chan_bytes(a, it->c[it->n], it, it->n);
		it->n++;
	}
	it->next = sg;
}

/* A semaphore waiter's address, as sync.c's sema_of_g finds it. */
static bool read_sema(struct ld_ahead *a, const struct ld_goroutine *g,
		      struct ld_ahead_item *it)
{
	const struct ld_session *s = a->s;
	uint64_t sg = ld_goroutine_waiting(g);
	uint8_t scratch[256];
	const uint8_t *p;

	if (s->rt->sema_waiting_sudog && sg) {
		p = see(a, sg, s->rt->blk.sudog_size, scratch);
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

/*
 * Live: items [j, end) in rounds.  Each round reads on for the items that
 * lacked a page in the last one, after the pages they lacked were read.
 */
static void read_batch(struct ld_ahead *a, size_t j, size_t end)
{
	struct ahead_pages *pg = a->pg;
	size_t pending[BATCH], np = 0, keep;

	if (pg->nheld > KEEP_PAGES)
		pg->nheld = 0;
	for (size_t gi = j; gi < end; gi++)
		pending[np++] = gi;
	for (int r = 0; r < ROUNDS && np; r++) {
		keep = 0;
		for (size_t i = 0; i < np; i++) {
			pg->lacked = false;
			read_item(a, pending[i]);
			if (pg->lacked)
				pending[keep++] = pending[i];
		}
		np = keep;
		/* What the last round still lacks, the walk reads. */
		if (r + 1 == ROUNDS || !read_wanted(a))
			break;
	}
	pg->nwant = 0;
	for (size_t gi = j; gi < end; gi++) {
		const struct ld_ahead_item *it = &a->ring[gi % WINDOW];

		for (unsigned int i = 0; it->gi == gi && i < it->n; i++)
			if (it->hchan[i])
				pg->seen[ld_hash64(it->c[i]) % SEEN] = it->c[i];
	}
}

static void *run_live(struct ld_ahead *a)
{
	struct timespec rest = { 0, REST_NS };
	size_t n = a->s->ngs, j = 0, end, done;

	while (j < n && !atomic_load_explicit(&a->stop, memory_order_relaxed)) {
		done = atomic_load_explicit(&a->done, memory_order_acquire);
		/* Behind the walk: skip a batch, to be ahead when it is read. */
		if (j < done)
			j = done + BATCH < n ? done + BATCH : n;
		end = j + BATCH < n ? j + BATCH : n;
		if (end > done + WINDOW) {
			/* Well ahead: sleep rather than spin on a shared core. */
			nanosleep(&rest, NULL);
			continue;
		}
		read_batch(a, j, end);
		atomic_store_explicit(&a->ready, end, memory_order_release);
		j = end;
	}
	return NULL;
}

static void *run(void *arg)
{
	struct ld_ahead *a = arg;
	size_t n = a->s->ngs, j = 0;
	unsigned int spins = 0;

	if (a->pg)
		return run_live(a);

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

static void pages_free(struct ahead_pages *pg)
{
	if (!pg)
		return;
	free(pg->held);
	free(pg->data);
	free(pg->ok);
	free(pg->want);
	free(pg);
}

struct ld_ahead *ld_ahead_start(struct ld_session *s,
				const struct ld_blocking *b)
{
	bool mapped = ld_target_mapped(&s->target);
	struct ld_ahead *a;

	/* A helper thread pays for many goroutines only. */
	if (s->read_ahead_off || s->ngs < WINDOW || !s->rt->blk.sudog_size ||
	    s->rt->blk.sudog_size > 256 || !ld_two_cpus() ||
	    (!mapped && !ld_mem_pages_readable(s->mem)))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->s = s;
	a->b = b;
	a->ring = calloc(WINDOW, sizeof(*a->ring));
	if (!mapped)
		a->pg = calloc(1, sizeof(*a->pg));
	atomic_init(&a->done, 0);
	atomic_init(&a->ready, 0);
	atomic_init(&a->stop, false);
	a->stalled_at = SIZE_MAX;
	if (!a->ring || (!mapped && !a->pg) ||
	    ld_thread_start(&a->thread, run, a)) {
		pages_free(a->pg);
		free(a->ring);
		free(a);
		return NULL;
	}
	return a;
}

/*
 * Live, a goroutine the walk reads for itself costs it two cold 64 KiB
 * chunks (the helper read those pages, not its cache): the walk waits a
 * little for the helper's next batch instead.  Not again while a helper
 * it found off the CPU has not moved; after STALLS such waits (a busy
 * machine) the helper stops and the walk reads alone.
 */
static size_t catch_up(struct ld_ahead *a, size_t gi, size_t ready)
{
	if (!a->pg || ready == a->stalled_at)
		return ready;
	for (unsigned int i = 0; gi >= ready && i < CATCH_UP; i++) {
		ld_cpu_relax();
		ready = atomic_load_explicit(&a->ready, memory_order_acquire);
	}
	if (gi < ready)
		return ready;
	a->stalled_at = ready;
	if (++a->stalls == STALLS)
		atomic_store_explicit(&a->stop, true, memory_order_relaxed);
	return ready;
}

const struct ld_ahead_item *ld_ahead_get(struct ld_ahead *a, size_t gi)
{
	const struct ld_ahead_item *it;
	size_t ready;

	if (!a)
		return NULL;
	/* Items before gi are finished: the helper may reuse their slots. */
	atomic_store_explicit(&a->done, gi, memory_order_release);
	ready = atomic_load_explicit(&a->ready, memory_order_acquire);
	if (a->s->read_ahead_wait) {
		while (gi >= ready) {
			ld_cpu_relax();
			ready = atomic_load_explicit(&a->ready,
						     memory_order_acquire);
		}
	} else if (gi >= ready) {
		ready = catch_up(a, gi, ready);
	}
	if (gi >= ready)
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
	if (a->pg)
		ld_mem_count(a->s->mem, a->pg->calls, a->pg->bytes);
	pages_free(a->pg);
	free(a->ring);
	free(a);
}
