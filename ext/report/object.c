// SPDX-License-Identifier: MIT
/*
 * One blocking primitive (go-chan, go-mutex): its state, its buffered
 * elements (channels), and the goroutines queued on it or holding it.
 */
#include <string.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/model/traceback.h"
#include "leakdump/report/report.h"
#include "report/report_priv.h"

static void object_goroutines(struct ld_session *s, const char *what,
			      const struct ld_idlist *ids, struct ld_strbuf *sb)
{
	if (!ids->n)
		return;
	ld_strbuf_printf(sb, "  %s:\n", what);
	for (uint32_t i = 0; i < ids->n && i < 100; i++) {
		struct ld_goroutine *g = ld_session_find(s, ld_idlist_at(ids, i));
		struct ld_visible_frame f = { 0 };

		if (!g)
			continue;
		if (!(g->flags & LD_G_NO_STACK))
			ld_traceback_walk(s, g, first_user_frame, &f, NULL);
		ld_strbuf_printf(sb, "    goroutine %llu [%s]",
				 (unsigned long long)g->goid,
				 ld_goroutine_status_text(s, g));
		if (f.name) {
			ld_strbuf_puts(sb, "  ");
			ld_print_func_name(sb, f.name);
			ld_strbuf_printf(sb, " at %s:%d", short_path(f.file),
					 f.line);
		}
		ld_strbuf_putc(sb, '\n');
	}
	if (ids->n > 100)
		ld_strbuf_printf(sb, "    … %u more\n", ids->n - 100);
}

/* The buffered elements of a channel, oldest first, as hex words. */
static void chan_buffer(struct ld_session *s, const struct ld_object *o,
			struct ld_strbuf *sb)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint64_t buf = 0, recvx = 0;
	struct ld_error *err;

	if (!o->len || !o->cap || k->hchan_buf < 0)
		return;
	err = ld_mem_read_u64(s->mem, o->addr + (uint64_t)k->hchan_buf, &buf);
	if (!err)
		err = ld_mem_read_u64(s->mem, o->addr + (uint64_t)k->hchan_recvx,
				      &recvx);
	ld_error_destroy(err);
	if (err || !buf)
		return;
	ld_strbuf_printf(sb, "  buffer (%llu of %llu, element size %llu):\n",
			 (unsigned long long)o->len, (unsigned long long)o->cap,
			 (unsigned long long)o->elemsize);
	for (uint64_t i = 0; i < o->len && i < 32; i++) {
		uint64_t at = buf + ((recvx + i) % o->cap) * o->elemsize;
		uint8_t bytes[64];
		size_t n = o->elemsize < sizeof(bytes) ? o->elemsize :
							  sizeof(bytes);

		ld_strbuf_printf(sb, "    [%llu] 0x%llx:", (unsigned long long)i,
				 (unsigned long long)at);
		err = ld_mem_read(s->mem, at, bytes, n);
		if (err) {
			ld_error_destroy(err);
			ld_strbuf_puts(sb, " unreadable\n");
			continue;
		}
		for (size_t j = 0; j < n; j++)
			ld_strbuf_printf(sb, "%s%02x", j % 8 ? "" : " ", bytes[j]);
		ld_strbuf_puts(sb, n < o->elemsize ? " …\n" : "\n");
	}
}

struct ld_error *ld_report_object(struct ld_session *s, int kind,
				  uint64_t addr, FILE *out)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	const struct ld_object *o = NULL;
	struct ld_blocking *b = NULL;
	struct ld_error *err;

	err = ld_blocking_build(s, &b);
	if (err)
		return err;
	if (kind == LD_BK_MUTEX) {
		/* A mutex address may be an RWMutex someone waits on. */
		o = ld_blocking_find(b, LD_BK_RWMUTEX, addr);
		if (!o)
			o = ld_blocking_find(b, LD_BK_MUTEX, addr);
	} else {
		o = ld_blocking_find(b, (enum ld_block_kind)kind, addr);
	}
	if (o)
		ld_blocking_queue_order(s, b, o);	/* who wakes first */
	else
		err = ld_blocking_decode(s, b, (enum ld_block_kind)kind, addr,
					 &o);
	if (!err) {
		ld_object_describe(s, o, &sb);
		ld_strbuf_putc(&sb, '\n');
		if (o->kind == LD_BK_CHAN)
			chan_buffer(s, o, &sb);
		if (o->kind == LD_BK_CHAN) {
			object_goroutines(s, "receivers", &o->receivers, &sb);
			object_goroutines(s, "senders", &o->senders, &sb);
		}
		object_goroutines(s, "waiters", &o->waiters, &sb);
		if (ld_block_kind_is_sync(o->kind))
			object_goroutines(s, "candidate holders (not waiting on it; their stacks hold its address)",
					  &o->candidates, &sb);
		err = ld_strbuf_flush(&sb, out);
	}
	ld_strbuf_release(&sb);
	ld_blocking_destroy(b);
	return err;
}
