/* SPDX-License-Identifier: MIT */
/*
 * Blocking objects: for every waiting goroutine, the channel, mutex,
 * WaitGroup, Cond, semaphore, file descriptor, timer or system call it is
 * parked on, reconstructed from the runtime's own bookkeeping (sudog lists,
 * the semaphore table, notify lists, poll descriptors, timers, thread
 * registers).  The semaphore table is walked once and indexed by
 * goroutine; objects shared by many goroutines are decoded once.
 *
 * Ownership: struct ld_blocking owns its objects, their strings (type
 * names are shared between channels of one element type) and id lists;
 * ld_blocking_destroy() frees them all.  It borrows the session.
 */
#ifndef LD_BLOCKING_H
#define LD_BLOCKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/model/session.h"
#include "leakdump/base/strbuf.h"
#include "leakdump/base/util.h"
#include "leakdump/go/waitreason.h"

enum ld_block_kind {
	LD_BK_CHAN = 1,
	LD_BK_MUTEX,
	LD_BK_RWMUTEX,
	LD_BK_WAITGROUP,
	LD_BK_COND,
	LD_BK_SEMA,
	LD_BK_FD,
	LD_BK_TIMER,
	LD_BK_SYSCALL,
};

enum ld_chan_op {
	LD_OP_NONE,
	LD_OP_SEND,
	LD_OP_RECV,
	LD_OP_SELECT_SEND,
	LD_OP_SELECT_RECV,
	LD_OP_SELECT,		/* a select case whose queue was not found */
};

/*
 * A growable list of goroutine ids.  Most lists (a sleep's timer, a
 * channel one goroutine waits on) hold one id: it is kept in place of the
 * pointer (cap 0, n 1), which spares a quarter of a million allocations
 * at a million goroutines.  Read ids with ld_idlist_at().
 */
struct ld_idlist {
	union {
		uint64_t *v;		/* cap > 0: cap ids, n of them used */
		uint64_t one;		/* cap == 0 and n == 1: the id */
	};
	uint32_t n, cap;
};

static inline uint64_t ld_idlist_at(const struct ld_idlist *l, uint32_t i)
{
	return l->cap ? l->v[i] : l->one;
}

/*
 * One blocking object: the fields every kind has, then its kind's own
 * record (a quarter of a million channels and timers at a million
 * goroutines: each pays for its own kind only).  Read a kind's fields
 * only on an object of that kind; waiters is common.
 */
struct ld_object {
	uint8_t kind;			/* enum ld_block_kind */
	bool nil;			/* nil channel: can never proceed */
	/* a channel's small fields, here where they fill the padding */
	uint16_t elemsize;		/* chan: hchan.elemsize (uint16) */
	bool closed;			/* chan */
	bool sides_walked;		/* chan, private: select sides recorded */
	uint64_t addr;			/* the primitive the user declared */
	const char *note;		/* why something is unknown, or NULL */
	/* mutex, rwmutex, waitgroup, cond, sema, fd, timer, syscall */
	struct ld_idlist waiters;
	union {
		struct {	/* chan */
			const char *elem_type;	/* "*main.Event"; NULL if unknown */
			uint64_t cap, len;
			/*
			 * Waiting goroutines: in wake-up (queue) order for
			 * go-chan and ld_blocking_decode(); in dump order in
			 * a whole-dump index.
			 */
			struct ld_idlist senders, receivers;
			uint64_t recvq, sendq;	/* private: the queues' first sudogs */
		};
		struct {	/* mutex, rwmutex, waitgroup, cond, sema */
			uint64_t sema;		/* the semaphore word waited on */
			struct ld_idlist candidates;	/* possible holders (mutexes) */
			int64_t mutex_waiters;	/* from the state word */
			int64_t readers;	/* rwmutex: readers holding it */
			int64_t readers_waiting;	/* rwmutex: readers queued behind */
			int64_t counter;	/* waitgroup */
			bool scanned;		/* candidates computed */
			bool locked, woken, starving;	/* mutex */
			bool writer_waiting;	/* rwmutex: a writer waits for them */
			bool write_locked;	/* rwmutex: a writer holds it */
		};
		struct {	/* fd */
			int64_t fd;
			char *describes;	/* live targets: what the fd is */
			char mode;		/* 'r' or 'w' */
		};
		struct {	/* timer (sleep) */
			int64_t when;		/* target nanotime */
		};
		struct {	/* syscall */
			int64_t sysno;
			uint64_t args[6];
		};
	};
};

/* The kinds whose record is the sync one (a semaphore, candidates). */
static inline bool ld_block_kind_is_sync(enum ld_block_kind k)
{
	return k == LD_BK_MUTEX || k == LD_BK_RWMUTEX ||
	       k == LD_BK_WAITGROUP || k == LD_BK_COND || k == LD_BK_SEMA;
}

/* What a primitive is waited on through: its semaphore word, or itself. */
static inline uint64_t ld_object_wait_addr(const struct ld_object *o)
{
	return ld_block_kind_is_sync(o->kind) && o->sema ? o->sema : o->addr;
}

/* Goroutines waiting on o, whichever its kind. */
static inline size_t ld_object_nwaiting(const struct ld_object *o)
{
	size_t n = o->waiters.n;

	if (o->kind == LD_BK_CHAN)
		n += (size_t)o->senders.n + o->receivers.n;
	return n;
}

/*
 * One object a goroutine waits on, and how: four bytes, since there is
 * one per waiting goroutine (more for a select).  ld_new_object() keeps
 * the object count below LD_MAX_OBJECTS so obj fits.
 */
#define LD_MAX_OBJECTS (1u << 29)
struct ld_blocker {
	uint32_t obj : 29;		/* index into ld_blocking.objs */
	uint32_t op : 3;		/* enum ld_chan_op, for channels */
};

struct ld_blocking {
	struct ld_object *objs;
	size_t nobjs, cap_objs;
	struct ld_blocker *bl;
	size_t nbl, cap_bl;
	uint32_t *first;		/* per goroutine: index into bl */
	uint8_t *count;			/* per goroutine: number of blockers */
	/* private indexes */
	struct ld_u64map obj_index;	/* kind<<56 | addr -> index + 1 */
	/* the objects looked up last, direct-mapped in front of obj_index */
#define LD_OBJ_CACHE 256
	uint64_t cache_key[LD_OBJ_CACHE];
	uint32_t cache_obj[LD_OBJ_CACHE];
	struct ld_u64map g_index;	/* g address -> goroutine index + 1 */
	struct ld_u64map semas;		/* semtable: waiter g -> sema addr */
	uint64_t *sema_pend;		/* (g, sema) pairs while walking it */
	size_t nsema_pend, cap_sema_pend;
	/*
	 * Every sudog of the semtable (treap nodes and their waitlinks):
	 * bookkeeping of waiting goroutines, which leak proofs never scan
	 * (a treap links the sudogs of unrelated semaphores).
	 */
	uint64_t *sema_sudogs;
	size_t nsema_sudogs, cap_sema_sudogs;
	bool keep_sema_sudogs;		/* for leak proofs only */
	struct ld_u64map sides;		/* queued select sudog -> 'r' or 's' */
	struct ld_u64map conds;		/* Cond waiter g -> Cond address */
	struct ld_u64map cond_walked;	/* Cond addresses whose list was read */
	struct ld_u64map type_index;	/* type descriptor -> names index + 1 */
	char **names;			/* element type names, owned */
	size_t nnames, cap_names;
	const char *unavailable;	/* a whole part could not be read */
	size_t read_ahead;		/* goroutines ahead.c read for */
	/* per wait reason: its entry in the table (static), and its class */
	const struct ld_wait_reason **reasons;
	uint8_t *reason_class;		/* enum ld_wait_class */
	/* the candidate-holder scan in progress */
	size_t scan_nmutex;
	uint64_t scan_lo, scan_hi;
	uint64_t *scan_buf;
};

/*
 * Build the index for every goroutine of s (loads them if needed), with
 * the semaphore table's sudogs.
 */
struct ld_error *ld_blocking_build(struct ld_session *s,
				   struct ld_blocking **ret);

/*
 * The same without the candidate-holder scan over every stack; the caller
 * then calls ld_blocking_scan_stack() for each goroutine while it walks
 * the stacks anyway (their pages are hot), and ld_blocking_scan_done().
 * for_proof keeps the semaphore table's sudogs (b->sema_sudogs), which
 * only leak proofs need.
 */
struct ld_error *ld_blocking_build_deferred(struct ld_session *s,
					    bool for_proof,
					    struct ld_blocking **ret);
void ld_blocking_scan_stack(struct ld_session *s, struct ld_blocking *b,
			    size_t gi);
void ld_blocking_scan_done(struct ld_blocking *b);
void ld_blocking_destroy(struct ld_blocking *b);	/* accepts NULL */

/* The blockers of goroutine index gi (0 .. s->ngs-1); NULL when none. */
static inline const struct ld_blocker *
ld_blocking_of(const struct ld_blocking *b, size_t gi, unsigned int *n)
{
	*n = b->count[gi];
	return *n ? b->bl + b->first[gi] : NULL;
}

const char *ld_block_kind_name(enum ld_block_kind kind);
const char *ld_chan_op_name(enum ld_chan_op op);

/* One line: "chan *main.Event 0xc000123000 (unbuffered, open; ...)". */
void ld_object_describe(const struct ld_session *s, const struct ld_object *o,
			struct ld_strbuf *sb);
/* JSON object; id lists longer than max_ids are cut (counts stay exact). */
void ld_object_json(const struct ld_session *s, const struct ld_object *o,
		    uint8_t op, size_t max_ids, struct ld_strbuf *sb);

/*
 * Decode a primitive that may have no waiters (for go-chan/go-mutex):
 * kind LD_BK_CHAN, LD_BK_MUTEX or LD_BK_RWMUTEX.  The result is owned by
 * b (returned pointer valid until ld_blocking_destroy).
 */
struct ld_error *ld_blocking_decode(struct ld_session *s, struct ld_blocking *b,
				    enum ld_block_kind kind, uint64_t addr,
				    const struct ld_object **ret);

/*
 * The name of the runtime type descriptor at type ("*main.Event",
 * "[]uint8"), malloc'd (the caller frees it); NULL when it cannot be read.
 */
char *ld_type_name(struct ld_session *s, uint64_t type);

/*
 * Re-read a channel's wait queues so its receivers and senders are listed
 * in the order the runtime wakes them (go-chan); o must belong to b.
 */
void ld_blocking_queue_order(struct ld_session *s, struct ld_blocking *b,
			     const struct ld_object *o);

/* Find the object of this kind (0: any) at addr, or NULL. */
const struct ld_object *ld_blocking_find(const struct ld_blocking *b,
					 enum ld_block_kind kind,
					 uint64_t addr);

#endif
