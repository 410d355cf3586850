// SPDX-License-Identifier: MIT
/*
 * Sync primitives waiting on a semaphore: Mutex, RWMutex, WaitGroup and
 * plain semaphores.  The user's struct is the semaphore's address (from
 * the semaphore table, sema.c) minus the sema field's offset; its state
 * word says whether it is locked, how many readers hold it, its counter.
 */
#include <inttypes.h>
#include <string.h>

#include "blocking/blocking_priv.h"
#include "leakdump/model/traceback.h"

static uint64_t mutex_sema_off(const struct ld_rt_blocking *k)
{
	/* Go 1.24: sync.Mutex{mu internal/sync.Mutex{state, sema}} */
	if (k->mutex_mu >= 0 && k->mutex_sema_internal >= 0)
		return (uint64_t)(k->mutex_mu + k->mutex_sema_internal);
	return k->mutex_sema >= 0 ? (uint64_t)k->mutex_sema : 4;
}

void ld_decode_mutex(struct ld_session *s, struct ld_object *o)
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

void ld_decode_rwmutex(struct ld_session *s, struct ld_object *o)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	int32_t count, wait = 0;

	ld_decode_mutex(s, o);	/* rw.w is the first field */
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

/* The semaphore goroutine g waits on: from its sudog, else the table. */
static uint64_t sema_of_g(struct ld_session *s, const struct ld_blocking *b,
			  const struct ld_goroutine *g)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint64_t sg = ld_goroutine_waiting(g), sema;
	uint8_t scratch[256];
	const uint8_t *p;

	if (s->rt->sema_waiting_sudog && sg && k->sudog_size &&
	    k->sudog_size <= sizeof(scratch) &&
	    (p = view(s, sg, k->sudog_size, scratch)) &&
	    (sema = sema_from_sudog(k, p, g->addr)))
		return sema;
	return ld_sema_of(b, g->addr);
}

bool ld_sema_blocker(struct ld_session *s, struct ld_blocking *b,
		     size_t gi, const struct ld_wait_reason *reason,
		     const struct ld_ahead_item *pre)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	struct ld_goroutine *g = &s->gs[gi];
	struct ld_strbuf frames = LD_STRBUF_INIT;
	enum ld_block_kind kind;
	uint64_t sema = pre ? pre->sema : sema_of_g(s, b, g), addr;
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
			ld_decode_mutex(s, o);
		else if (kind == LD_BK_RWMUTEX)
			ld_decode_rwmutex(s, o);
		else if (kind == LD_BK_WAITGROUP)
			decode_waitgroup(s, o);
	}
	ok = idlist_add(&o->waiters, g->goid);
	return ok && add_blocker(b, gi, o, LD_OP_NONE);
}

void ld_describe_sync(const struct ld_session *s, const struct ld_object *o,
		      struct ld_strbuf *sb)
{
	switch (o->kind) {
	case LD_BK_MUTEX:
		ld_strbuf_printf(sb, "sync.Mutex 0x%" PRIx64 " (%s%s; %u waiters",
				 o->addr, o->locked ? "locked" : "unlocked",
				 o->starving ? ", starving" : "",
				 o->waiters.n);
		break;
	case LD_BK_RWMUTEX:
		ld_strbuf_printf(sb, "sync.RWMutex 0x%" PRIx64 " (", o->addr);
		if (o->write_locked)
			ld_strbuf_puts(sb, "write-locked");
		else if (o->writer_waiting)
			ld_strbuf_printf(sb, "%" PRId64 " readers, a writer waiting for them",
					 o->readers);
		else
			ld_strbuf_printf(sb, "%" PRId64 " readers", o->readers);
		if (o->readers_waiting)
			ld_strbuf_printf(sb, ", %" PRId64 " readers queued",
					 o->readers_waiting);
		ld_strbuf_printf(sb, "; %u waiters", o->waiters.n);
		break;
	case LD_BK_WAITGROUP:
		ld_strbuf_printf(sb, "sync.WaitGroup 0x%" PRIx64 " (counter %" PRId64
				 "; %u waiters)", o->addr, o->counter,
				 o->waiters.n);
		return;
	case LD_BK_COND:
		ld_strbuf_printf(sb, "sync.Cond 0x%" PRIx64 " (%u waiters)",
				 o->addr, o->waiters.n);
		return;
	default:
		ld_strbuf_printf(sb, "semaphore 0x%" PRIx64 " (%u waiters)",
				 o->addr, o->waiters.n);
		return;
	}
	if (o->candidates.n) {
		ld_strbuf_puts(sb, "; candidate holders: goroutine ");
		for (uint32_t i = 0; i < o->candidates.n && i < 8; i++)
			ld_strbuf_printf(sb, "%s%" PRIu64, i ? ", " : "",
					 ld_idlist_at(&o->candidates, i));
		if (o->candidates.n > 8)
			ld_strbuf_puts(sb, ", …");
	}
	ld_strbuf_putc(sb, ')');
}
