// SPDX-License-Identifier: MIT
/*
 * Channels: the goroutine's sudog list (g.waiting, linked by waitlink)
 * names each channel; its recvq/sendq say which side each waiter is on.
 * Also the names of element types, read from the runtime's type
 * descriptors, and the one-line description of a channel.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "blocking/blocking_priv.h"

#define MAX_SELECT 4096		/* select cases per goroutine */
#define MAX_TYPE_NAME 1024
#define TFLAG_EXTRA_STAR 0x2	/* abi.TFlagExtraStar */

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
void ld_walk_queues(struct ld_session *s, struct ld_blocking *b,
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
		ld_walk_queues(s, b, &b->objs[o - b->objs]);
}

void ld_decode_chan(struct ld_session *s, struct ld_blocking *b,
		    struct ld_object *o, const uint8_t *bytes)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint8_t buf[256];
	const uint8_t *h = bytes ? bytes : buf;
	uint16_t elemsize;
	uint32_t closed;

	if (k->hchan_size > sizeof(buf) || !k->hchan_size ||
	    (!bytes && !read_buf(s, o->addr, buf, k->hchan_size))) {
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
			ld_walk_queues(s, b, o);
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

/* One sudog of goroutine gi's list: sg on channel c (hchan: its bytes). */
static bool chan_sudog(struct ld_session *s, struct ld_blocking *b,
		       size_t gi, const struct ld_wait_reason *reason,
		       uint64_t sg, uint64_t c, bool is_select,
		       const uint8_t *hchan)
{
	struct ld_object *o;
	uint8_t op;
	bool fresh;

	if (!c)
		return true;
	o = get_object(b, LD_BK_CHAN, c, &fresh);
	if (!o)
		return false;
	if (fresh)
		ld_decode_chan(s, b, o, hchan);
	op = chan_op(s, b, o, sg, is_select, reason);
	chan_waiter(o, op, s->gs[gi].goid);
	return add_blocker(b, gi, o, op);
}

bool ld_chan_blockers(struct ld_session *s, struct ld_blocking *b,
		      size_t gi, const struct ld_wait_reason *reason,
		      const struct ld_ahead_item *pre)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	uint8_t sgbuf[256];
	uint64_t sg = 0;
	size_t n = 0;

	if (k->sudog_size > sizeof(sgbuf) || !k->sudog_size)
		return true;
	sg = ld_goroutine_waiting(&s->gs[gi]);
	/* The first sudogs as the read-ahead helper found them. */
	for (; pre && n < pre->n; n++)
		if (!chan_sudog(s, b, gi, reason, pre->sg[n], pre->c[n],
				pre->sel[n] != 0, pre->hchan[n]))
			return false;
	if (pre)
		sg = pre->next;
	while (sg && n++ < MAX_SELECT) {
		const uint8_t *p = view(s, sg, k->sudog_size, sgbuf);

		if (!p)
			break;
		if (!chan_sudog(s, b, gi, reason, sg,
				sudog_ptr(k, p, k->sudog_c, k->sudog_c_vu),
				p[k->sudog_is_select] != 0, NULL))
			return false;
		sg = rd64(p, k->sudog_waitlink);
	}
	return true;
}

bool ld_nil_chan_blocker(struct ld_blocking *b, size_t gi,
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

void ld_describe_chan(const struct ld_object *o, struct ld_strbuf *sb)
{
	if (o->nil) {
		ld_strbuf_puts(sb, "nil chan (can never proceed)");
		return;
	}
	ld_strbuf_printf(sb, "chan %s 0x%" PRIx64 " (",
			 o->elem_type ? o->elem_type : "?", o->addr);
	if (o->cap)
		ld_strbuf_printf(sb, "buffered %" PRIu64 "/%" PRIu64, o->len,
				 o->cap);
	else
		ld_strbuf_puts(sb, "unbuffered");
	ld_strbuf_printf(sb, ", %s; %u receivers, %u senders)",
			 o->closed ? "closed" : "open", o->receivers.n,
			 o->senders.n);
}
