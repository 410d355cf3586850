/* SPDX-License-Identifier: MIT */
/*
 * Private to ext/blocking/ (the API is include/leakdump/blocking/blocking.h):
 * what the files of the blocking objects share.
 *
 * Blocking objects, from the runtime's own bookkeeping, one file per kind:
 *  - channels (chan.c): the goroutine's sudog list (g.waiting, linked by
 *    waitlink) names each channel; its recvq/sendq say which side each
 *    waiter is on;
 *  - sync primitives (sync.c): from Go 1.26 the waiter's own sudog
 *    (g.waiting) names the semaphore; before, runtime.semtable (a treap
 *    of sudogs per root, each node heading a waitlink list of waiters on
 *    the same address), walked once (sema.c); the user's struct is the
 *    semaphore's address minus the sema field's offset;
 *  - sync.Cond (cond.c): the receiver of sync.(*Cond).Wait, checked
 *    against the Cond's notify list;
 *  - IO wait (fd.c): the pollDesc passed to runtime_pollWait, checked
 *    against its rg/wg, which hold the waiting g;
 *  - sleep (timer.c): g.sleepWhen (Go 1.23+) or the g's cached timer;
 *  - syscalls (syscall.c): the thread's registers.
 * Every list walk is bounded; a structure that does not make sense leaves
 * a note on the object instead of stopping the dump.
 *
 * The rest: objects.c, the object index (kind and address -> object);
 * args.c, frame arguments (the Cond or pollDesc a frame was passed);
 * holders.c, the candidate holders of mutexes; build.c, the pass over
 * every goroutine that ties them together; ahead.c, a thread reading
 * ahead of that pass (a core's mapping, a live process's pages);
 * format.c, text and JSON.
 *
 * Each kind's ld_*_blocker(s)() adds goroutine gi's objects of that kind
 * to b (build.c picks it by the goroutine's wait reason); it returns false
 * only when out of memory: what cannot be read is left out or noted.
 *
 * The helpers below are static inline: the blocking pass over a million
 * goroutines calls them for each one, and a call into another file would
 * cost it.
 */
#ifndef LD_BLOCKING_PRIV_H
#define LD_BLOCKING_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/blocking/blocking.h"

#define MAX_LIST 1000000	/* longest sudog list walked */

static inline bool idlist_add(struct ld_idlist *l, uint64_t id)
{
	uint64_t *v;

	for (uint32_t i = 0; i < l->n && l->n < 64; i++)
		if (ld_idlist_at(l, i) == id)
			return true;
	if (!l->n && !l->cap) {
		l->one = id;		/* in place: see struct ld_idlist */
		l->n = 1;
		return true;
	}
	if (!l->cap) {
		/* The second id: move the first out of place. */
		if (!(v = malloc(4 * sizeof(*v))))
			return false;
		v[0] = l->one;
		l->v = v;
		l->cap = 4;
	}
	if (l->n == l->cap) {
		uint32_t cap = l->cap * 2;

		if (cap < l->cap || !(v = realloc(l->v, cap * sizeof(*v))))
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return true;
}

static inline void idlist_free(struct ld_idlist *l)
{
	if (l->cap)
		free(l->v);
}

static inline bool read_u64(struct ld_session *s, uint64_t addr, uint64_t *v)
{
	struct ld_error *err = ld_mem_read_u64(s->mem, addr, v);

	ld_error_destroy(err);
	return !err;
}

static inline bool read_buf(struct ld_session *s, uint64_t addr, void *buf,
			    size_t len)
{
	struct ld_error *err = ld_mem_read(s->mem, addr, buf, len);

	ld_error_destroy(err);
	return !err;
}

/*
 * len bytes at addr: zero-copy from a mapped core, else copied into
 * scratch (which must hold len bytes).  NULL when unreadable.
 */
static inline const uint8_t *view(struct ld_session *s, uint64_t addr,
				  size_t len, void *scratch)
{
	const uint8_t *p = ld_mem_peek(s->mem, addr, len);

	if (p)
		return p;
	return read_buf(s, addr, scratch, len) ? scratch : NULL;
}

static inline uint64_t rd64(const uint8_t *p, int64_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

/*
 * Long walks (a queue of a million sudogs) touch a page per node: drop
 * mapped core pages every so often so RSS stays flat (see ld_session_trim).
 */
static inline void walk_step(struct ld_session *s, size_t n)
{
	if (n % LD_TRIM_EVERY == 0)
		ld_session_trim(s);
}

/* ---- objects (objects.c) ---- */

/* Nonzero and one-to-one for addresses below 2^56 (all user addresses). */
static inline uint64_t obj_key(enum ld_block_kind kind, uint64_t addr)
{
	return ((uint64_t)kind << 56) | addr;
}

static inline bool indexable(uint64_t addr)
{
	return !(addr >> 56);
}

/*
 * A new object at the end of b->objs: get_object indexes it; a sleep's
 * timer and a system call are their goroutine's own and stay outside.
 */
struct ld_object *ld_new_object(struct ld_blocking *b,
				enum ld_block_kind kind, uint64_t addr);

/*
 * The object (kind, addr), created on first use; *fresh says which.  A
 * million waiters share a few objects: a small cache in front of the
 * index keeps those lookups out of a table bigger than the CPU's caches.
 */
static inline struct ld_object *get_object(struct ld_blocking *b,
					   enum ld_block_kind kind,
					   uint64_t addr, bool *fresh)
{
	uint64_t k = obj_key(kind, addr), v;
	size_t c = ld_hash64(k) % LD_OBJ_CACHE;

	/*
	 * No user address reaches the top byte (amd64 and arm64 user space
	 * ends far below it): such a value is corrupt, and its object stays
	 * its own, outside the index.
	 */
	*fresh = !indexable(addr);
	if (*fresh)
		return ld_new_object(b, kind, addr);
	if (b->cache_key[c] == k)
		return &b->objs[b->cache_obj[c]];
	v = ld_u64map_get(&b->obj_index, k);
	if (!v) {
		if (!ld_u64map_put(&b->obj_index, k, b->nobjs + 1) ||
		    !ld_new_object(b, kind, addr))
			return NULL;
		*fresh = true;
		v = b->nobjs;
	}
	b->cache_key[c] = k;
	b->cache_obj[c] = (uint32_t)(v - 1);
	return &b->objs[v - 1];
}

static inline bool add_blocker(struct ld_blocking *b, size_t gi,
			       const struct ld_object *o, uint8_t op)
{
	if (b->count[gi] == UINT8_MAX)
		return true;
	if (!ld_grow((void **)&b->bl, &b->cap_bl, b->nbl + 1, sizeof(*b->bl)))
		return false;
	if (!b->count[gi])
		b->first[gi] = (uint32_t)b->nbl;
	b->bl[b->nbl].obj = (uint32_t)(o - b->objs) & (LD_MAX_OBJECTS - 1);
	b->bl[b->nbl].op = op & 7;
	b->nbl++;
	b->count[gi]++;
	return true;
}

/* ---- channels (chan.c) ---- */

static inline uint64_t sudog_ptr(const struct ld_rt_blocking *k,
				 const uint8_t *sg, int64_t plain, int64_t vu)
{
	/* Go 1.26: maybeTraceablePtr's vu is the source of truth. */
	return rd64(sg, vu >= 0 ? vu : plain);
}

/*
 * Go 1.26+ (rt->sema_waiting_sudog): a semaphore waiter's own sudog,
 * read through g.waiting, holds the semaphore's address, so the waiter
 * needs no semaphore table.  0 unless the sudog is gaddr's.
 */
static inline uint64_t sema_from_sudog(const struct ld_rt_blocking *k,
				       const uint8_t *sg, uint64_t gaddr)
{
	if (rd64(sg, k->sudog_g) != gaddr)
		return 0;
	return sudog_ptr(k, sg, k->sudog_elem, k->sudog_elem_vu);
}

/* bytes: the hchan's hchan_size bytes if read already, else NULL */
void ld_decode_chan(struct ld_session *s, struct ld_blocking *b,
		    struct ld_object *o, const uint8_t *bytes);
/* Both queues, in wake-up order, replacing the lists built so far. */
void ld_walk_queues(struct ld_session *s, struct ld_blocking *b,
		    struct ld_object *o);
/*
 * Start loading what the blocking walk reads first for g, a few
 * goroutines on: its sudog, or its entry in the semtable index.
 */
static inline void ld_prefetch_blockers(struct ld_session *s,
					const struct ld_blocking *b,
					const struct ld_goroutine *g)
{
	if (ld_goroutine_waiting(g))
		ld_mem_prefetch(s->mem, ld_goroutine_waiting(g),
				s->rt->blk.sudog_size);
	else if (g->waitreason < s->nwait_reasons &&
		 b->reason_class[g->waitreason] == LD_WAIT_SEMA)
		ld_u64map_prefetch(&b->semas, g->addr);
}

struct ld_ahead_item;
/* pre: what ahead.c read for gi, or NULL (below, and for sync.c's) */
bool ld_chan_blockers(struct ld_session *s, struct ld_blocking *b,
		      size_t gi, const struct ld_wait_reason *reason,
		      const struct ld_ahead_item *pre);
bool ld_nil_chan_blocker(struct ld_blocking *b, size_t gi,
			 const struct ld_wait_reason *reason);
void ld_describe_chan(const struct ld_object *o, struct ld_strbuf *sb);

/* ---- reading ahead of the walk (ahead.c) ---- */

/* g's class of wait (enum ld_wait_class), or -1 when it is not waiting. */
static inline int ld_wait_class_of(const struct ld_session *s,
				   const struct ld_blocking *b,
				   const struct ld_goroutine *g)
{
	uint32_t st = g->status & ~(uint32_t)s->rt->g_scan;

	if ((st != s->rt->g_waiting && st != s->rt->g_leaked) ||
	    g->waitreason >= s->nwait_reasons)
		return -1;
	return b->reason_class[g->waitreason];
}

#define LD_AHEAD_SUDOGS 2	/* a two-case select, the longest common list */
#define LD_AHEAD_HCHAN 128	/* a copied hchan (112 bytes in Go 1.25) */

/*
 * What the walk would read first for goroutine gi: its semaphore
 * (LD_WAIT_SEMA, 0 if none) or its first n sudogs (LD_WAIT_CHAN: each
 * one's address, channel and isSelect); the walk reads on from next.
 */
struct ld_ahead_item {
	uint64_t gi;
	uint64_t sema;
	uint64_t sg[LD_AHEAD_SUDOGS], c[LD_AHEAD_SUDOGS];
	const uint8_t *hchan[LD_AHEAD_SUDOGS];	/* c's hchan_size bytes, or NULL */
	uint64_t next;
	uint8_t sel[LD_AHEAD_SUDOGS];
	uint8_t n;
	/* Live: where hchan points (a core's points into the mapping). */
	uint8_t hbuf[LD_AHEAD_SUDOGS][LD_AHEAD_HCHAN];
};

/*
 * Those read ahead of the walk by a helper thread, from a mapped core or
 * a live process's pages (NULL for a debugger's memory, few goroutines,
 * when it cannot start or is turned off: the walk then reads for
 * itself).  b->semas must be built and
 * b->reason_class set.  ld_ahead_get(a, gi) also says every item before
 * gi is finished; the item it returns (or NULL: read it yourself) is
 * good until the next call.  The helper also trims the mapping for the
 * walk.  ld_ahead_stop() joins the thread and frees a (NULL is fine).
 */
struct ld_ahead;
struct ld_ahead *ld_ahead_start(struct ld_session *s,
				const struct ld_blocking *b);
const struct ld_ahead_item *ld_ahead_get(struct ld_ahead *a, size_t gi);
/*
 * Prefetch for the walk: item gi's channels, and the slot of an item
 * further on.  False if the helper has not read item gi yet.
 */
bool ld_ahead_prefetch(struct ld_ahead *a, size_t gi);
void ld_ahead_stop(struct ld_ahead *a);

/* ---- the semaphore table (sema.c) ---- */

/* Index b->semas: waiting g -> semaphore address; unavailable if unknown. */
void ld_walk_semtable(struct ld_session *s, struct ld_blocking *b);
uint64_t ld_sema_of(const struct ld_blocking *b, uint64_t g);

/* ---- sync primitives (sync.c) ---- */

void ld_decode_mutex(struct ld_session *s, struct ld_object *o);
void ld_decode_rwmutex(struct ld_session *s, struct ld_object *o);
bool ld_sema_blocker(struct ld_session *s, struct ld_blocking *b,
		     size_t gi, const struct ld_wait_reason *reason,
		     const struct ld_ahead_item *pre);
/* Mutex, RWMutex, WaitGroup, Cond and plain semaphores. */
void ld_describe_sync(const struct ld_session *s, const struct ld_object *o,
		      struct ld_strbuf *sb);

/* ---- frame arguments (args.c) ---- */

/* First argument word of the innermost non-inlined frame named name. */
bool ld_frame_arg0(struct ld_session *s, const struct ld_goroutine *g,
		   const char *name, uint64_t *ret, uint64_t *ret2);

/* ---- one kind each: cond.c, fd.c, timer.c, syscall.c ---- */

bool ld_cond_blocker(struct ld_session *s, struct ld_blocking *b,
		     size_t gi);
bool ld_fd_blocker(struct ld_session *s, struct ld_blocking *b, size_t gi);
/* What every fd object's descriptor is, from the target; false: no memory. */
bool ld_describe_fds(struct ld_session *s, struct ld_blocking *b);
bool ld_timer_blocker(struct ld_session *s, struct ld_blocking *b,
		      size_t gi);
bool ld_syscall_blocker(struct ld_session *s, struct ld_blocking *b,
			size_t gi);

/* ---- candidate holders (holders.c) ---- */

/* The unscanned mutexes' count and address range; 0 when none. */
size_t ld_mutex_range(const struct ld_blocking *b, uint64_t *lo,
		      uint64_t *hi);
/* Scan every stack now for the mutexes not scanned yet. */
void ld_find_candidates(struct ld_session *s, struct ld_blocking *b);

#endif
