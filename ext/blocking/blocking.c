// SPDX-License-Identifier: MIT
/*
 * Blocking objects, from the runtime's own bookkeeping:
 *  - channels: the goroutine's sudog list (g.waiting, linked by waitlink)
 *    names each channel; its recvq/sendq say which side each waiter is on;
 *  - sync primitives: runtime.semtable (a treap of sudogs per root, each
 *    node heading a waitlink list of waiters on the same address), walked
 *    once; the user's struct is the semaphore's address minus the sema
 *    field's offset;
 *  - sync.Cond: the receiver of sync.(*Cond).Wait, checked against the
 *    Cond's notify list;
 *  - IO wait: the pollDesc passed to runtime_pollWait, checked against its
 *    rg/wg, which hold the waiting g;
 *  - sleep: g.sleepWhen (Go 1.23+) or the g's cached timer;
 *  - syscalls: the thread's registers.
 * Every list walk is bounded; a structure that does not make sense leaves
 * a note on the object instead of stopping the dump.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/model/traceback.h"
#include "leakdump/model/unwind.h"
#include "leakdump/model/walk.h"
#include "leakdump/base/util.h"

#define MAX_LIST 1000000	/* longest sudog list walked */
#define MAX_SELECT 4096		/* select cases per goroutine */
#define MAX_TYPE_NAME 1024
#define SEMTAB_SIZE 251		/* runtime.semTabSize, unchanged since 1.0 */
#define MAX_STACK_SCAN (64u << 10)
#define TFLAG_EXTRA_STAR 0x2	/* abi.TFlagExtraStar */

static bool idlist_add(struct ld_idlist *l, uint64_t id)
{
	uint64_t *v;

	for (uint32_t i = 0; i < l->n && l->n < 64; i++)
		if (l->v[i] == id)
			return true;
	if (l->n == l->cap) {
		/* From one: most objects (a sleep's timer) have one waiter. */
		uint32_t cap = l->cap ? l->cap * 2 : 1;

		if (cap < l->cap || !(v = realloc(l->v, cap * sizeof(*v))))
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return true;
}

static void idlist_free(struct ld_idlist *l)
{
	free(l->v);
}

static bool read_u64(struct ld_session *s, uint64_t addr, uint64_t *v)
{
	struct ld_error *err = ld_mem_read_u64(s->mem, addr, v);

	ld_error_destroy(err);
	return !err;
}

static bool read_buf(struct ld_session *s, uint64_t addr, void *buf,
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
static const uint8_t *view(struct ld_session *s, uint64_t addr, size_t len,
			   void *scratch)
{
	const uint8_t *p = ld_mem_peek(s->mem, addr, len);

	if (p)
		return p;
	return read_buf(s, addr, scratch, len) ? scratch : NULL;
}

static uint64_t rd64(const uint8_t *p, int64_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static void find_candidates(struct ld_session *s, struct ld_blocking *b);

/*
 * Long walks (a queue of a million sudogs) touch a page per node: drop
 * mapped core pages every so often so RSS stays flat (see ld_session_trim).
 */
static void walk_step(struct ld_session *s, size_t n)
{
	if (n % LD_TRIM_EVERY == 0)
		ld_session_trim(s);
}

/*
 * ---- goroutine index by g address ----
 * Only walks that start from a queue (go-chan's wake-up order) need it:
 * the whole-dump index is built goroutine by goroutine, so it is made on
 * first use.
 */
static struct ld_goroutine *g_by_addr(struct ld_session *s,
				      struct ld_blocking *b, uint64_t addr)
{
	uint64_t v;

	if (!b->g_index.n && s->ngs) {
		if (!ld_u64map_reserve(&b->g_index, s->ngs))
			return NULL;
		for (size_t i = 0; i < s->ngs; i++)
			if (!ld_u64map_put(&b->g_index, s->gs[i].addr, i + 1))
				return NULL;
	}
	v = ld_u64map_get(&b->g_index, addr);
	return v ? &s->gs[v - 1] : NULL;
}

/* ---- objects ---- */

/* Nonzero and one-to-one for addresses below 2^56 (all user addresses). */
static uint64_t obj_key(enum ld_block_kind kind, uint64_t addr)
{
	return ((uint64_t)kind << 56) | addr;
}

static bool indexable(uint64_t addr)
{
	return !(addr >> 56);
}

const struct ld_object *ld_blocking_find(const struct ld_blocking *b,
					 enum ld_block_kind kind,
					 uint64_t addr)
{
	uint64_t v;

	if (!kind) {
		for (size_t i = 0; i < b->nobjs; i++)
			if (b->objs[i].addr == addr)
				return &b->objs[i];
		return NULL;
	}
	if (!indexable(addr))
		return NULL;
	v = ld_u64map_get(&b->obj_index, obj_key(kind, addr));
	return v ? &b->objs[v - 1] : NULL;
}

static struct ld_object *new_object(struct ld_blocking *b,
				    enum ld_block_kind kind, uint64_t addr)
{
	struct ld_object *o;

	if (!ld_grow((void **)&b->objs, &b->cap_objs, b->nobjs + 1,
		     sizeof(*b->objs)))
		return NULL;
	o = &b->objs[b->nobjs];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->addr = addr;
	o->fd = -1;
	o->sysno = -1;
	b->nobjs++;
	return o;
}

/*
 * The object (kind, addr), created on first use; *fresh says which.  A
 * million waiters share a few objects: a small cache in front of the
 * index keeps those lookups out of a table bigger than the CPU's caches.
 */
static struct ld_object *get_object(struct ld_blocking *b,
				    enum ld_block_kind kind, uint64_t addr,
				    bool *fresh)
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
		return new_object(b, kind, addr);
	if (b->cache_key[c] == k)
		return &b->objs[b->cache_obj[c]];
	v = ld_u64map_get(&b->obj_index, k);
	if (!v) {
		if (!ld_u64map_put(&b->obj_index, k, b->nobjs + 1) ||
		    !new_object(b, kind, addr))
			return NULL;
		*fresh = true;
		v = b->nobjs;
	}
	b->cache_key[c] = k;
	b->cache_obj[c] = (uint32_t)(v - 1);
	return &b->objs[v - 1];
}

static bool add_blocker(struct ld_blocking *b, size_t gi,
			const struct ld_object *o, uint8_t op)
{
	if (b->count[gi] == UINT8_MAX)
		return true;
	if (!ld_grow((void **)&b->bl, &b->cap_bl, b->nbl + 1, sizeof(*b->bl)))
		return false;
	if (!b->count[gi])
		b->first[gi] = (uint32_t)b->nbl;
	b->bl[b->nbl].obj = (uint32_t)(o - b->objs);
	b->bl[b->nbl].op = op;
	b->nbl++;
	b->count[gi]++;
	return true;
}

/* ---- channels ---- */

static uint64_t sudog_ptr(const struct ld_rt_blocking *k, const uint8_t *sg,
			  int64_t plain, int64_t vu)
{
	/* Go 1.26: maybeTraceablePtr's vu is the source of truth. */
	return rd64(sg, vu >= 0 ? vu : plain);
}

/* abi.Name: flags byte, uvarint length, bytes. */
char *ld_type_name(struct ld_session *s, uint64_t type)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint8_t hdr[16], tflag;
	uint64_t len = 0;
	int32_t str;
	char *name;
	int shift = 0;
	size_t i;

	if (!type || k->type_str < 0 || k->type_tflag < 0 || !s->types ||
	    !read_buf(s, type + (uint64_t)k->type_str, &str, 4) ||
	    !read_buf(s, type + (uint64_t)k->type_tflag, &tflag, 1) ||
	    !read_buf(s, s->types + (uint64_t)(int64_t)str, hdr, sizeof(hdr)))
		return NULL;
	for (i = 1; i < sizeof(hdr); i++) {
		len |= (uint64_t)(hdr[i] & 0x7f) << shift;
		shift += 7;
		if (!(hdr[i] & 0x80))
			break;
	}
	if (i == sizeof(hdr) || !len || len > MAX_TYPE_NAME)
		return NULL;
	if (ld_mem_read_string(s->mem, s->types + (uint64_t)(int64_t)str +
				       i + 1, len, MAX_TYPE_NAME, &name))
		return NULL;
	if ((tflag & TFLAG_EXTRA_STAR) && name[0] == '*')
		memmove(name, name + 1, strlen(name));
	return name;
}

/* An element type's name, read once per type descriptor and shared. */
static const char *elem_type_name(struct ld_session *s, struct ld_blocking *b,
				  uint64_t type)
{
	uint64_t v = ld_u64map_get(&b->type_index, type);
	char *name;

	if (v)
		return b->names[v - 1];
	name = ld_type_name(s, type);
	if (!name)
		return NULL;
	if (!ld_grow((void **)&b->names, &b->cap_names, b->nnames + 1,
		     sizeof(*b->names)) ||
	    !ld_u64map_put(&b->type_index, type, b->nnames + 1)) {
		free(name);
		return NULL;
	}
	b->names[b->nnames++] = name;
	return name;
}

static bool side_record(struct ld_blocking *b, uint64_t sg, char side)
{
	return ld_u64map_put(&b->sides, sg, (uint64_t)side);
}

static char side_of(const struct ld_blocking *b, uint64_t sg)
{
	return (char)ld_u64map_get(&b->sides, sg);
}

/*
 * A channel wait queue (first, linked by sudog.next), in wake-up order:
 * its goroutine ids go to ids (when given), and the side of each select
 * case in it is recorded.
 */
static void walk_waitq(struct ld_session *s, struct ld_blocking *b,
		       uint64_t first, struct ld_idlist *ids, char side,
		       const char **note)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint64_t sg = first, gp;
	size_t n = 0;

	while (sg && n++ < MAX_LIST) {
		struct ld_goroutine *g;
		uint8_t scratch[256];
		const uint8_t *p = k->sudog_size <= sizeof(scratch) ?
			view(s, sg, k->sudog_size, scratch) : NULL;

		if (!p) {
			*note = "channel wait queue unreadable";
			return;
		}
		gp = rd64(p, k->sudog_g);
		walk_step(s, n);
		if (ids && (g = g_by_addr(s, b, gp)))
			idlist_add(ids, g->goid);
		if (k->sudog_is_select < 0 || p[k->sudog_is_select])
			side_record(b, sg, side);
		sg = rd64(p, k->sudog_next);
	}
	if (sg)
		*note = "channel wait queue too long";
}

/* Both queues, in wake-up order, replacing the lists built so far. */
static void walk_queues(struct ld_session *s, struct ld_blocking *b,
			struct ld_object *o)
{
	o->receivers.n = 0;
	o->senders.n = 0;
	walk_waitq(s, b, o->recvq, &o->receivers, 'r', &o->note);
	walk_waitq(s, b, o->sendq, &o->senders, 's', &o->note);
	o->sides_walked = true;
}

void ld_blocking_queue_order(struct ld_session *s, struct ld_blocking *b,
			     const struct ld_object *o)
{
	if (o->kind == LD_BK_CHAN && !o->nil && o->addr)
		walk_queues(s, b, &b->objs[o - b->objs]);
}

static void decode_chan(struct ld_session *s, struct ld_blocking *b,
			struct ld_object *o)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint8_t h[256];
	uint16_t elemsize;
	uint32_t closed;

	if (k->hchan_size > sizeof(h) || !k->hchan_size ||
	    !read_buf(s, o->addr, h, k->hchan_size)) {
		o->note = "channel unreadable";
		return;
	}
	o->len = rd64(h, k->hchan_qcount);
	o->cap = rd64(h, k->hchan_dataqsiz);
	memcpy(&elemsize, h + k->hchan_elemsize, 2);
	memcpy(&closed, h + k->hchan_closed, 4);
	o->elemsize = elemsize;
	o->closed = closed != 0;
	o->elem_type = elem_type_name(s, b, rd64(h, k->hchan_elemtype));
	o->recvq = rd64(h, k->hchan_recvq);
	o->sendq = rd64(h, k->hchan_sendq);
	if (o->len > o->cap && o->cap)
		o->note = "channel length exceeds capacity";
}

/*
 * Which queue a goroutine's sudog sg on channel o is in.  A plain send or
 * receive says so in its wait reason.  For a select case, the channel's
 * header usually decides: receivers and senders cannot wait on one channel
 * at once (they would have met), unless a select waits on both sides of
 * it; only then are that channel's queues walked.
 */
static uint8_t chan_op(struct ld_session *s, struct ld_blocking *b,
		       struct ld_object *o, uint64_t sg, bool is_select,
		       const struct ld_wait_reason *reason)
{
	char side = 0;

	if (!is_select)
		return reason->flags & LD_WR_SEND ? LD_OP_SEND : LD_OP_RECV;
	if (o->recvq && !o->sendq)
		side = 'r';
	else if (o->sendq && !o->recvq)
		side = 's';
	else if (o->recvq && o->sendq) {
		if (!o->sides_walked)
			walk_queues(s, b, o);
		side = side_of(b, sg);
	}
	if (side == 'r')
		return LD_OP_SELECT_RECV;
	if (side == 's')
		return LD_OP_SELECT_SEND;
	return LD_OP_SELECT;
}

/* The goroutine joins the list of its side (unless the queues were read). */
static void chan_waiter(struct ld_object *o, uint8_t op, uint64_t goid)
{
	if (o->sides_walked)
		return;
	if (op == LD_OP_SEND || op == LD_OP_SELECT_SEND)
		idlist_add(&o->senders, goid);
	else if (op == LD_OP_RECV || op == LD_OP_SELECT_RECV)
		idlist_add(&o->receivers, goid);
}

static bool chan_blockers(struct ld_session *s, struct ld_blocking *b,
			  size_t gi, const struct ld_wait_reason *reason)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	struct ld_goroutine *g = &s->gs[gi];
	uint8_t sgbuf[256];
	uint64_t sg = 0;
	size_t n = 0;

	if (k->sudog_size > sizeof(sgbuf) || !k->sudog_size)
		return true;
	sg = g->waiting;
	while (sg && n++ < MAX_SELECT) {
		const uint8_t *p = view(s, sg, k->sudog_size, sgbuf);
		struct ld_object *o;
		uint64_t c;
		uint8_t op;
		bool fresh;

		if (!p)
			break;
		c = sudog_ptr(k, p, k->sudog_c, k->sudog_c_vu);
		if (c) {
			o = get_object(b, LD_BK_CHAN, c, &fresh);
			if (!o)
				return false;
			if (fresh)
				decode_chan(s, b, o);
			op = chan_op(s, b, o, sg, p[k->sudog_is_select] != 0,
				     reason);
			chan_waiter(o, op, g->goid);
			if (!add_blocker(b, gi, o, op))
				return false;
		}
		sg = rd64(p, k->sudog_waitlink);
	}
	return true;
}

static bool nil_chan_blocker(struct ld_blocking *b, size_t gi,
			     const struct ld_wait_reason *reason)
{
	struct ld_object *o;
	bool fresh;

	o = get_object(b, LD_BK_CHAN, 0, &fresh);
	if (!o)
		return false;
	o->nil = true;
	return add_blocker(b, gi, o, reason->flags & LD_WR_SEND ? LD_OP_SEND :
								  LD_OP_RECV);
}

/* ---- the semaphore table ---- */

/* The semtable, indexed by waiting g: g address -> semaphore address. */
static bool sema_record(struct ld_blocking *b, uint64_t g, uint64_t addr)
{
	return ld_u64map_put(&b->semas, g, addr);
}

static uint64_t sema_of(const struct ld_blocking *b, uint64_t g)
{
	return ld_u64map_get(&b->semas, g);
}

/*
 * One treap node: itself and its waitlink chain, all on one address.
 * *budget bounds the steps a root may take, so a cycle (in the tree or
 * in a chain) ends that root's walk and spares the others.
 */
static bool sema_node(struct ld_session *s, struct ld_blocking *b,
		      uint64_t node, uint64_t *left, uint64_t *right,
		      size_t *budget)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint8_t scratch[256];
	const uint8_t *sg = view(s, node, k->sudog_size, scratch);
	uint64_t addr, w;

	if (!sg)
		return false;
	*left = rd64(sg, k->sudog_prev);
	*right = rd64(sg, k->sudog_next);
	addr = sudog_ptr(k, sg, k->sudog_elem, k->sudog_elem_vu);
	if (!sema_record(b, rd64(sg, k->sudog_g), addr))
		return false;
	w = rd64(sg, k->sudog_waitlink);
	while (w && *budget) {
		const uint8_t *p = view(s, w, k->sudog_size, scratch);

		(*budget)--;
		walk_step(s, *budget);
		if (!p || !sema_record(b, rd64(p, k->sudog_g), addr))
			return false;
		w = rd64(p, k->sudog_waitlink);
	}
	return *budget > 0;
}

/* One root's treap, iteratively; each node is visited once. */
static void walk_root(struct ld_session *s, struct ld_blocking *b,
		      uint64_t root, struct ld_u64map *seen, uint64_t **stack,
		      size_t *cap)
{
	size_t depth = 0, budget = MAX_LIST;

	while ((root || depth) && budget) {
		uint64_t l, r;

		if (!root) {
			root = (*stack)[--depth];
			continue;
		}
		if (ld_u64map_get(seen, root))
			break;		/* a cycle: the tree is corrupt */
		if (!ld_u64map_put(seen, root, 1))
			break;
		budget--;
		if (!sema_node(s, b, root, &l, &r, &budget))
			break;
		if (r) {
			if (!ld_grow((void **)stack, cap, depth + 1, 8))
				break;
			(*stack)[depth++] = r;
		}
		root = l;
	}
}

/* Walk every root's treap once (iteratively, bounded per root). */
static void walk_semtable(struct ld_session *s, struct ld_blocking *b)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	struct ld_u64map seen = { 0 };
	uint64_t entry, *stack = NULL;
	size_t cap = 0;

	if (!s->rt->semtable || k->semtable_size < SEMTAB_SIZE ||
	    k->semaroot_treap < 0 || !k->sudog_size ||
	    k->sudog_size > 256) {
		b->unavailable = "the runtime's semaphore table is unknown";
		return;
	}
	entry = k->semtable_size / SEMTAB_SIZE;
	for (size_t i = 0; i < SEMTAB_SIZE; i++) {
		uint64_t root;

		if (!read_u64(s, s->rt->semtable + s->bias + i * entry +
				      (uint64_t)k->semaroot_treap, &root))
			break;
		if (root)
			walk_root(s, b, root, &seen, &stack, &cap);
	}
	ld_u64map_release(&seen);
	free(stack);
}

/* ---- sync primitives ---- */

static uint64_t mutex_sema_off(const struct ld_rt_blocking *k)
{
	/* Go 1.24: sync.Mutex{mu internal/sync.Mutex{state, sema}} */
	if (k->mutex_mu >= 0 && k->mutex_sema_internal >= 0)
		return (uint64_t)(k->mutex_mu + k->mutex_sema_internal);
	return k->mutex_sema >= 0 ? (uint64_t)k->mutex_sema : 4;
}

static void decode_mutex(struct ld_session *s, struct ld_object *o)
{
	int32_t state;

	if (!read_buf(s, o->addr, &state, 4)) {
		o->note = "mutex unreadable";
		return;
	}
	/* internal/sync: mutexLocked 1, mutexWoken 2, mutexStarving 4 */
	o->locked = state & 1;
	o->woken = state & 2;
	o->starving = state & 4;
	o->mutex_waiters = (uint32_t)state >> 3;
}

static void decode_rwmutex(struct ld_session *s, struct ld_object *o)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	int32_t count, wait = 0;

	decode_mutex(s, o);	/* rw.w is the first field */
	if (k->rw_reader_count < 0 || k->rw_reader_wait < 0 ||
	    !read_buf(s, o->addr + (uint64_t)k->rw_reader_count, &count, 4) ||
	    !read_buf(s, o->addr + (uint64_t)k->rw_reader_wait, &wait, 4)) {
		o->note = "rwmutex unreadable";
		return;
	}
	/*
	 * A writer subtracts rwmutexMaxReaders (1 << 30) from readerCount,
	 * then waits for readerWait departing readers.  Readers arriving
	 * after it are counted in readerCount and block.
	 */
	if (count >= 0) {
		o->readers = count;
		return;
	}
	o->readers = wait;
	o->writer_waiting = wait > 0;
	o->write_locked = wait <= 0;
	o->readers_waiting = (int64_t)count + (1 << 30) - wait;
}

static void decode_waitgroup(struct ld_session *s, struct ld_object *o)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint64_t state;

	if (k->wg_state < 0 ||
	    !read_u64(s, o->addr + (uint64_t)k->wg_state, &state)) {
		o->note = "waitgroup unreadable";
		return;
	}
	o->counter = (int32_t)(state >> 32);
	/* Go 1.25 keeps a synctest flag in bit 31 of the waiter count. */
	o->mutex_waiters = (uint32_t)state & 0x7fffffff;
}

/* Which primitive a semaphore wait belongs to, by its wait reason. */
static enum ld_block_kind sema_kind_by_reason(const struct ld_wait_reason *r,
					      bool *reader)
{
	*reader = r->prim == LD_WAIT_PRIM_RWMUTEX_R;
	switch ((enum ld_wait_prim)r->prim) {
	case LD_WAIT_PRIM_MUTEX:
		return LD_BK_MUTEX;
	case LD_WAIT_PRIM_RWMUTEX_R:
	case LD_WAIT_PRIM_RWMUTEX_W:
		return LD_BK_RWMUTEX;
	case LD_WAIT_PRIM_WAITGROUP:
		return LD_BK_WAITGROUP;
	case LD_WAIT_PRIM_NONE:
		break;
	}
	return LD_BK_SEMA;
}

/* Before Go 1.24 WaitGroup.Wait waited as plain "semacquire": use frames. */
static enum ld_block_kind sema_kind_by_frames(const char *frames,
					      bool *reader)
{
	*reader = false;
	if (strstr(frames, "sync.(*WaitGroup).Wait"))
		return LD_BK_WAITGROUP;
	if (strstr(frames, "sync.(*RWMutex).RLock")) {
		*reader = true;
		return LD_BK_RWMUTEX;
	}
	if (strstr(frames, "sync.(*RWMutex).Lock"))
		return LD_BK_RWMUTEX;
	if (strstr(frames, "sync.(*Mutex).Lock") ||
	    strstr(frames, "sync.(*Mutex).lockSlow"))
		return LD_BK_MUTEX;
	return LD_BK_SEMA;
}

static bool frames_text(void *arg, const struct ld_visible_frame *f)
{
	struct ld_strbuf *sb = arg;

	ld_strbuf_puts(sb, f->name);
	ld_strbuf_putc(sb, '\n');
	return sb->len < 4096;
}

static bool sema_blocker(struct ld_session *s, struct ld_blocking *b,
			 size_t gi, const struct ld_wait_reason *reason)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	struct ld_goroutine *g = &s->gs[gi];
	struct ld_strbuf frames = LD_STRBUF_INIT;
	enum ld_block_kind kind;
	uint64_t sema = sema_of(b, g->addr), addr;
	struct ld_object *o;
	bool reader, fresh, ok;

	if (!sema)
		return true;
	kind = sema_kind_by_reason(reason, &reader);
	if (kind == LD_BK_SEMA) {
		ld_traceback_walk(s, g, frames_text, &frames, NULL);
		kind = sema_kind_by_frames(frames.data ? frames.data : "",
					   &reader);
		ld_strbuf_release(&frames);
	}
	switch (kind) {
	case LD_BK_MUTEX:
		addr = sema - mutex_sema_off(k);
		break;
	case LD_BK_RWMUTEX:
		addr = sema - (uint64_t)(reader ? k->rw_reader_sem :
						  k->rw_writer_sem);
		break;
	case LD_BK_WAITGROUP:
		addr = sema - (uint64_t)k->wg_sema;
		break;
	default:
		addr = sema;
	}
	o = get_object(b, kind, addr, &fresh);
	if (!o)
		return false;
	if (fresh) {
		o->sema = sema;
		if (kind == LD_BK_MUTEX)
			decode_mutex(s, o);
		else if (kind == LD_BK_RWMUTEX)
			decode_rwmutex(s, o);
		else if (kind == LD_BK_WAITGROUP)
			decode_waitgroup(s, o);
	}
	ok = idlist_add(&o->waiters, g->goid);
	return ok && add_blocker(b, gi, o, LD_OP_NONE);
}

/* ---- frame arguments (receivers of Cond.Wait, runtime_pollWait) ---- */

/* First argument word of the innermost non-inlined frame named name. */
static bool frame_arg0(struct ld_session *s, const struct ld_goroutine *g,
		       const char *name, uint64_t *ret, uint64_t *ret2)
{
	struct ld_unwinder u;
	unsigned int n = 0;

	ld_unwind_init(&u, s, g, g->pc, g->sp,
		       (g->flags & LD_G_HAS_REGS) ? LD_UNWIND_TRAP : 0);
	for (; ld_unwind_valid(&u) && n < 64; ld_unwind_next(&u), n++) {
		const struct ld_frame_info *fi = ld_unwind_frame_info(&u);

		if (!fi->nframes ||
		    strcmp(fi->frames[fi->nframes - 1].name, name))
			continue;
		if (ld_session_read_stack(s, g, u.argp, ret))
			return false;
		if (ret2 && ld_session_read_stack(s, g, u.argp + 8, ret2))
			*ret2 = 0;
		return true;
	}
	return false;
}

static int64_t notify_head(const struct ld_rt_blocking *k)
{
	return k->notify_head >= 0 ? k->notify_head : k->sync_notify_head;
}

/*
 * Record the goroutines on Cond c's notify list (once per Cond), so each
 * waiter is checked against it with one lookup.
 */
static void cond_list(struct ld_session *s, struct ld_blocking *b, uint64_t c)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint64_t sg, gp;
	size_t n = 0;

	if (ld_u64map_get(&b->cond_walked, c) ||
	    !ld_u64map_put(&b->cond_walked, c, 1) ||
	    !read_u64(s, c + (uint64_t)(k->cond_notify + notify_head(k)), &sg))
		return;
	while (sg && n++ < MAX_LIST) {
		if (!read_u64(s, sg + (uint64_t)k->sudog_g, &gp) ||
		    !ld_u64map_put(&b->conds, gp, c) ||
		    !read_u64(s, sg + (uint64_t)k->sudog_next, &sg))
			return;
		walk_step(s, n);
	}
}

static bool cond_blocker(struct ld_session *s, struct ld_blocking *b,
			 size_t gi)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	struct ld_goroutine *g = &s->gs[gi];
	struct ld_object *o;
	uint64_t c;
	bool fresh;

	if (k->cond_notify < 0 || notify_head(k) < 0)
		return true;
	/*
	 * The notify list is runtime_notifyListWait's first argument, live
	 * across the park; Cond.Wait's receiver is the fallback.
	 */
	if (frame_arg0(s, g, "sync.runtime_notifyListWait", &c, NULL))
		c -= (uint64_t)k->cond_notify;
	else if (!frame_arg0(s, g, "sync.(*Cond).Wait", &c, NULL))
		return true;
	/* It must be a Cond whose notify list holds this g. */
	if (!c)
		return true;
	cond_list(s, b, c);
	if (ld_u64map_get(&b->conds, g->addr) != c)
		return true;
	o = get_object(b, LD_BK_COND, c, &fresh);
	if (!o)
		return false;
	idlist_add(&o->waiters, g->goid);
	return add_blocker(b, gi, o, LD_OP_NONE);
}

/* ---- IO wait ---- */

static char *describe_fd(struct ld_session *s, int64_t fd)
{
	return ld_target_describe_fd(&s->target, fd);
}

static bool fd_blocker(struct ld_session *s, struct ld_blocking *b, size_t gi)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	struct ld_goroutine *g = &s->gs[gi];
	uint64_t pd, rg = 0, wg = 0, fd;
	struct ld_object *o;
	bool fresh;

	if (k->pd_fd < 0 || k->pd_rg < 0 || k->pd_wg < 0 ||
	    (!frame_arg0(s, g, "internal/poll.runtime_pollWait", &pd, NULL) &&
	     !frame_arg0(s, g, "runtime.netpollblock", &pd, NULL)))
		return true;
	if (!read_u64(s, pd + (uint64_t)k->pd_rg, &rg) ||
	    !read_u64(s, pd + (uint64_t)k->pd_wg, &wg) ||
	    (rg != g->addr && wg != g->addr) ||
	    !read_u64(s, pd + (uint64_t)k->pd_fd, &fd))
		return true;
	o = get_object(b, LD_BK_FD, pd, &fresh);
	if (!o)
		return false;
	if (fresh) {
		o->fd = (int64_t)fd;
		o->mode = rg == g->addr ? 'r' : 'w';
		o->describes = describe_fd(s, o->fd);
	}
	idlist_add(&o->waiters, g->goid);
	return add_blocker(b, gi, o, LD_OP_NONE);
}

/* ---- sleep and syscalls ---- */

static bool timer_blocker(struct ld_session *s, struct ld_blocking *b,
			  size_t gi)
{
	const struct ld_rt *rt = s->rt;
	struct ld_goroutine *g = &s->gs[gi];
	uint64_t when = 0, t;
	struct ld_object *o;

	/* Go 1.23 moved a sleep's deadline from its timer into the g. */
	if (rt->g.sleep_when >= 0)
		when = g->sleep;
	else if ((t = g->sleep) && rt->blk.timer_when >= 0)
		read_u64(s, t + (uint64_t)rt->blk.timer_when, &when);
	if (!when)
		return true;
	/* One object per goroutine: a sleep's timer is its own. */
	o = new_object(b, LD_BK_TIMER, g->addr);
	if (!o)
		return false;
	o->when = (int64_t)when;
	idlist_add(&o->waiters, g->goid);
	return add_blocker(b, gi, o, LD_OP_NONE);
}

static bool syscall_blocker(struct ld_session *s, struct ld_blocking *b,
			    size_t gi)
{
	const struct ld_thread_regs *r;
	struct ld_goroutine *g = &s->gs[gi];
	struct ld_object *o;

	if (!g->tid || !(r = ld_session_thread(s, g->tid)))
		return true;
	o = new_object(b, LD_BK_SYSCALL, (uint64_t)g->tid);
	if (!o)
		return false;
	o->sysno = (int64_t)r->regs[s->arch->reg_syscall_nr];
	for (int i = 0; i < 6; i++)
		o->args[i] = r->regs[s->arch->reg_syscall_args[i]];
	idlist_add(&o->waiters, g->goid);
	return add_blocker(b, gi, o, LD_OP_NONE);
}

/* ---- candidate holders ---- */

/* Does goroutine gi wait on every unscanned mutex?  Then skip its stack. */
static bool waits_on_all(const struct ld_blocking *b, size_t gi,
			 size_t nmutex)
{
	const struct ld_blocker *bl;
	unsigned int n;
	size_t hits = 0;

	bl = ld_blocking_of(b, gi, &n);
	for (unsigned int i = 0; i < n; i++) {
		const struct ld_object *o = &b->objs[bl[i].obj];

		hits += (o->kind == LD_BK_MUTEX || o->kind == LD_BK_RWMUTEX) &&
			!o->scanned;
	}
	return hits == nmutex;
}

static void candidates_in(struct ld_blocking *b, size_t gi, uint64_t goid,
			  const uint64_t *words, size_t nwords, uint64_t lo,
			  uint64_t hi)
{
	for (size_t w = 0; w < nwords; w++) {
		const struct ld_blocker *bl;
		struct ld_object *o;
		unsigned int n;
		bool waits = false;

		if (words[w] < lo || words[w] > hi)
			continue;
		o = (struct ld_object *)ld_blocking_find(b, LD_BK_MUTEX,
							 words[w]);
		if (!o)
			o = (struct ld_object *)ld_blocking_find(
				b, LD_BK_RWMUTEX, words[w]);
		if (!o || o->scanned)
			continue;
		bl = ld_blocking_of(b, gi, &n);
		for (unsigned int i = 0; i < n; i++)
			waits |= &b->objs[bl[i].obj] == o;
		if (!waits)
			idlist_add(&o->candidates, goid);
	}
}

/* The unscanned mutexes' count and address range; 0 when none. */
static size_t mutex_range(const struct ld_blocking *b, uint64_t *lo,
			  uint64_t *hi)
{
	size_t n = 0;

	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < b->nobjs; i++) {
		const struct ld_object *o = &b->objs[i];

		if ((o->kind != LD_BK_MUTEX && o->kind != LD_BK_RWMUTEX) ||
		    !o->addr || o->scanned)
			continue;
		n++;
		*lo = o->addr < *lo ? o->addr : *lo;
		*hi = o->addr > *hi ? o->addr : *hi;
	}
	return n;
}

static void scan_stack(struct ld_session *s, struct ld_blocking *b,
		       size_t gi, uint64_t *buf)
{
	const struct ld_goroutine *g = &s->gs[gi];
	uint64_t len = g->stack_hi > g->sp ? g->stack_hi - g->sp : 0;
	const uint64_t *words;

	if (!b->scan_nmutex || (g->flags & LD_G_NO_STACK) ||
	    g->sp < g->stack_lo || !len ||
	    waits_on_all(b, gi, b->scan_nmutex))
		return;
	if (len > MAX_STACK_SCAN)
		len = MAX_STACK_SCAN;
	/* A live target's stack top is already in the prefetch batch. */
	words = (const uint64_t *)ld_session_stack_window(s, g, g->sp, len);
	if (!words)
		words = (const uint64_t *)view(s, g->sp, len, buf);
	if (words)
		candidates_in(b, gi, g->goid, words, len / 8, b->scan_lo,
			      b->scan_hi);
}

void ld_blocking_scan_stack(struct ld_session *s, struct ld_blocking *b,
			    size_t gi)
{
	if (!b->scan_nmutex)
		return;
	if (!b->scan_buf && !(b->scan_buf = malloc(MAX_STACK_SCAN))) {
		b->scan_nmutex = 0;
		return;
	}
	scan_stack(s, b, gi, b->scan_buf);
}

void ld_blocking_scan_done(struct ld_blocking *b)
{
	for (size_t i = 0; i < b->nobjs; i++)
		if (b->objs[i].kind == LD_BK_MUTEX ||
		    b->objs[i].kind == LD_BK_RWMUTEX)
			b->objs[i].scanned = true;
	b->scan_nmutex = 0;
	free(b->scan_buf);
	b->scan_buf = NULL;
}

/*
 * Go records no mutex owner.  Candidates: goroutines not waiting on the
 * mutex whose live stack holds its address.  One pass over all stacks,
 * words outside the mutexes' address range rejected with one compare.
 */
static void find_candidates(struct ld_session *s, struct ld_blocking *b)
{
	static const struct ld_walk_ops walk = { .flags = LD_WALK_TRIM };
	struct ld_walk w;
	size_t gi;

	b->scan_nmutex = mutex_range(b, &b->scan_lo, &b->scan_hi);
	ld_walk_begin(&w, s, s->ngs, &walk, NULL);
	while (b->scan_nmutex && ld_walk_next(&w, &gi))
		ld_blocking_scan_stack(s, b, gi);
	ld_walk_end(&w);
	ld_blocking_scan_done(b);
}

struct ld_error *ld_blocking_decode(struct ld_session *s, struct ld_blocking *b,
				    enum ld_block_kind kind, uint64_t addr,
				    const struct ld_object **ret)
{
	struct ld_object *o;
	uint8_t probe;
	bool fresh;

	if (!read_buf(s, addr, &probe, 1))
		return ld_error_fault(addr, "no readable memory at 0x%llx",
				      (unsigned long long)addr);
	o = get_object(b, kind, addr, &fresh);
	if (!o)
		return &ld_error_nomem;
	if (fresh && kind == LD_BK_CHAN) {
		decode_chan(s, b, o);
		walk_queues(s, b, o);
	}
	else if (fresh && kind == LD_BK_MUTEX)
		decode_mutex(s, o);
	else if (fresh && kind == LD_BK_RWMUTEX)
		decode_rwmutex(s, o);
	if (fresh && kind != LD_BK_CHAN) {
		find_candidates(s, b);
	}
	*ret = o;
	return NULL;
}

/* ---- building ---- */

/* Each of the target's wait reasons, looked up once (ext/go/waitreason.c). */
static bool classify_reasons(struct ld_session *s, struct ld_blocking *b)
{
	b->reasons = calloc(s->nwait_reasons + 1, sizeof(*b->reasons));
	b->reason_class = calloc(s->nwait_reasons + 1, 1);
	if (!b->reasons || !b->reason_class)
		return false;
	for (size_t i = 0; i < s->nwait_reasons; i++) {
		b->reasons[i] = ld_wait_reason_classify(s->wait_reasons[i]);
		b->reason_class[i] = b->reasons[i]->wclass;
	}
	return true;
}

static bool blockers_of(struct ld_session *s, struct ld_blocking *b,
			size_t gi)
{
	const struct ld_goroutine *g = &s->gs[gi];
	uint32_t st = g->status & ~(uint32_t)s->rt->g_scan;
	const struct ld_wait_reason *reason;

	if (st == s->rt->g_syscall)
		return syscall_blocker(s, b, gi);
	if ((st != s->rt->g_waiting && st != s->rt->g_leaked) ||
	    g->waitreason >= s->nwait_reasons)
		return true;
	reason = b->reasons[g->waitreason];
	switch ((enum ld_wait_class)b->reason_class[g->waitreason]) {
	case LD_WAIT_NIL_CHAN:
		return nil_chan_blocker(b, gi, reason);
	case LD_WAIT_CHAN:
		return chan_blockers(s, b, gi, reason);
	case LD_WAIT_COND:
		return cond_blocker(s, b, gi);
	case LD_WAIT_IO:
		return fd_blocker(s, b, gi);
	case LD_WAIT_SLEEP:
		return timer_blocker(s, b, gi);
	case LD_WAIT_SEMA:
		return sema_blocker(s, b, gi, reason);
	case LD_WAIT_OTHER:
	case LD_WAIT_NO_CASES:
		break;
	}
	return true;
}

void ld_blocking_destroy(struct ld_blocking *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nobjs; i++) {
		struct ld_object *o = &b->objs[i];

		free(o->describes);
		idlist_free(&o->senders);
		idlist_free(&o->receivers);
		idlist_free(&o->waiters);
		idlist_free(&o->candidates);
	}
	free(b->objs);
	free(b->bl);
	free(b->first);
	free(b->count);
	ld_u64map_release(&b->obj_index);
	ld_u64map_release(&b->g_index);
	ld_u64map_release(&b->semas);
	ld_u64map_release(&b->sides);
	ld_u64map_release(&b->conds);
	ld_u64map_release(&b->cond_walked);
	ld_u64map_release(&b->type_index);
	for (size_t i = 0; i < b->nnames; i++)
		free(b->names[i]);
	free(b->names);
	free(b->scan_buf);
	free(b->reasons);
	free(b->reason_class);
	free(b);
}

/* Start loading what blockers_of will read for g a few goroutines on. */
static void prefetch_for(struct ld_session *s, const struct ld_blocking *b,
			 const struct ld_goroutine *g)
{
	if (g->waiting)
		ld_mem_prefetch(s->mem, g->waiting, s->rt->blk.sudog_size);
	else if (g->waitreason < s->nwait_reasons &&
		 b->reason_class[g->waitreason] == LD_WAIT_SEMA)
		ld_u64map_prefetch(&b->semas, g->addr);
}

static void blockers_ahead(struct ld_session *s, void *arg, size_t gi)
{
	prefetch_for(s, arg, &s->gs[gi]);
}

/*
 * No stack prefetch here: only Cond, IO-wait and old-style semacquire
 * waiters read their frames, and reading every stack top would double the
 * grouping pass's reads.  No pager either: sudogs lie scattered, and each
 * one it touched would map a whole fault-around window or folio.
 */
static const struct ld_walk_ops blockers_walk = {
	.flags = LD_WALK_TRIM,
	.ahead = blockers_ahead,
};

static struct ld_error *build(struct ld_session *s, bool defer,
			      struct ld_blocking **ret)
{
	struct ld_blocking *b;
	struct ld_error *err;
	struct ld_walk w;
	size_t gi;
	bool ok = true;

	err = ld_session_load_goroutines(s);
	if (err)
		return err;
	b = calloc(1, sizeof(*b));
	if (!b)
		return &ld_error_nomem;
	b->first = calloc(s->ngs + 1, sizeof(*b->first));
	b->count = calloc(s->ngs + 1, 1);
	if (!b->first || !b->count || !classify_reasons(s, b))
		goto nomem;
	if (s->rt->blk.sudog_size)
		walk_semtable(s, b);
	ld_walk_begin(&w, s, s->ngs, &blockers_walk, b);
	while (ok && ld_walk_next(&w, &gi))
		ok = blockers_of(s, b, gi);
	ld_walk_end(&w);
	if (!ok)
		goto nomem;
	if (defer)
		b->scan_nmutex = mutex_range(b, &b->scan_lo, &b->scan_hi);
	else
		find_candidates(s, b);
	*ret = b;
	return NULL;
nomem:
	ld_blocking_destroy(b);
	return &ld_error_nomem;
}

struct ld_error *ld_blocking_build(struct ld_session *s,
				   struct ld_blocking **ret)
{
	return build(s, false, ret);
}

struct ld_error *ld_blocking_build_deferred(struct ld_session *s,
					    struct ld_blocking **ret)
{
	return build(s, true, ret);
}
