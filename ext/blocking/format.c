// SPDX-License-Identifier: MIT
/*
 * Describing blocking objects: one-line text and JSON.  What a file
 * descriptor is comes from the target (ext/target/live.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocking/blocking_priv.h"

const char *ld_block_kind_name(enum ld_block_kind kind)
{
	switch (kind) {
	case LD_BK_CHAN: return "chan";
	case LD_BK_MUTEX: return "mutex";
	case LD_BK_RWMUTEX: return "rwmutex";
	case LD_BK_WAITGROUP: return "waitgroup";
	case LD_BK_COND: return "cond";
	case LD_BK_SEMA: return "semaphore";
	case LD_BK_FD: return "fd";
	case LD_BK_TIMER: return "timer";
	case LD_BK_SYSCALL: return "syscall";
	}
	return "?";
}

const char *ld_chan_op_name(enum ld_chan_op op)
{
	switch (op) {
	case LD_OP_SEND: return "send";
	case LD_OP_RECV: return "recv";
	case LD_OP_SELECT_SEND: return "select-send";
	case LD_OP_SELECT_RECV: return "select-recv";
	case LD_OP_SELECT: return "select";
	case LD_OP_NONE: break;
	}
	return NULL;
}

static void put_ids(struct ld_strbuf *sb, const struct ld_idlist *l,
		    size_t max)
{
	ld_strbuf_putc(sb, '[');
	for (uint32_t i = 0; i < l->n && i < max; i++) {
		if (i)
			ld_strbuf_putc(sb, ',');
		ld_strbuf_udec(sb, ld_idlist_at(l, i));
	}
	ld_strbuf_putc(sb, ']');
}

void ld_object_describe(const struct ld_session *s, const struct ld_object *o,
			struct ld_strbuf *sb)
{
	const char *name;

	switch (o->kind) {
	case LD_BK_CHAN:
		ld_describe_chan(o, sb);
		break;
	case LD_BK_FD:
		ld_strbuf_printf(sb, "fd %" PRId64 " (%s%s%s)", o->fd,
				 o->mode == 'w' ? "write" : "read",
				 o->describes ? ": " : "",
				 o->describes ? o->describes : "");
		break;
	case LD_BK_TIMER:
		if (s->now)
			ld_strbuf_printf(sb, "timer: fires in %.3f s%s",
					 (double)(o->when - s->now) / 1e9,
					 s->now_estimated ? " (estimated)" : "");
		else
			ld_strbuf_printf(sb, "timer: fires at nanotime %" PRId64,
					 o->when);
		break;
	case LD_BK_SYSCALL:
		if (o->sysno < 0) {
			/* orig_rax is -1 outside a system call: C code running */
			ld_strbuf_printf(sb, "thread %" PRIu64 " running outside a system call (cgo call?)",
					 o->addr);
			break;
		}
		name = ld_arch_syscall_name(s->arch, o->sysno);
		ld_strbuf_printf(sb, "syscall %s(", name ? name : "?");
		for (int i = 0; i < 6; i++)
			ld_strbuf_printf(sb, "%s0x%" PRIx64, i ? ", " : "",
					 o->args[i]);
		ld_strbuf_printf(sb, ") #%" PRId64 " on thread %" PRIu64,
				 o->sysno, o->addr);
		break;
	default:
		ld_describe_sync(s, o, sb);
	}
	if (o->note)
		ld_strbuf_printf(sb, " [%s]", o->note);
}

void ld_object_json(const struct ld_session *s, const struct ld_object *o,
		    uint8_t op, size_t max_ids, struct ld_strbuf *sb)
{
	const char *opname = ld_chan_op_name(op);

	ld_strbuf_printf(sb, "{\"kind\":\"%s\",\"address\":\"0x%" PRIx64 "\"",
			 ld_block_kind_name(o->kind), o->addr);
	if (o->note) {
		ld_strbuf_puts(sb, ",\"note\":");
		ld_strbuf_json_str(sb, o->note);
	}
	switch (o->kind) {
	case LD_BK_CHAN:
		if (opname)
			ld_strbuf_printf(sb, ",\"op\":\"%s\"", opname);
		ld_strbuf_printf(sb, ",\"nil\":%s,\"elem_type\":",
				 o->nil ? "true" : "false");
		if (o->elem_type)
			ld_strbuf_json_str(sb, o->elem_type);
		else
			ld_strbuf_puts(sb, "null");
		ld_strbuf_printf(sb, ",\"cap\":%" PRIu64 ",\"len\":%" PRIu64
				 ",\"closed\":%s,\"senders_count\":%u,\"receivers_count\":%u,\"senders\":",
				 o->cap, o->len, o->closed ? "true" : "false",
				 o->senders.n, o->receivers.n);
		put_ids(sb, &o->senders, max_ids);
		ld_strbuf_puts(sb, ",\"receivers\":");
		put_ids(sb, &o->receivers, max_ids);
		break;
	case LD_BK_FD:
		ld_strbuf_printf(sb, ",\"fd\":%" PRId64 ",\"mode\":\"%s\",\"describes\":",
				 o->fd, o->mode == 'w' ? "write" : "read");
		if (o->describes)
			ld_strbuf_json_str(sb, o->describes);
		else
			ld_strbuf_puts(sb, "null");
		break;
	case LD_BK_TIMER:
		ld_strbuf_printf(sb, ",\"when\":%" PRId64 ",\"fires_in_ns\":", o->when);
		if (s->now)
			ld_strbuf_printf(sb, "%" PRId64, o->when - s->now);
		else
			ld_strbuf_puts(sb, "null");
		break;
	case LD_BK_SYSCALL:
		ld_strbuf_printf(sb, ",\"number\":%" PRId64 ",\"name\":", o->sysno);
		if (ld_arch_syscall_name(s->arch, o->sysno))
			ld_strbuf_json_str(sb, ld_arch_syscall_name(s->arch,
								   o->sysno));
		else
			ld_strbuf_puts(sb, "null");
		ld_strbuf_puts(sb, ",\"args\":[");
		for (int i = 0; i < 6; i++)
			ld_strbuf_printf(sb, "%s\"0x%" PRIx64 "\"", i ? "," : "",
					 o->args[i]);
		ld_strbuf_putc(sb, ']');
		break;
	default:
		ld_strbuf_printf(sb, ",\"sema\":\"0x%" PRIx64 "\"", o->sema);
		if (o->kind == LD_BK_MUTEX || o->kind == LD_BK_RWMUTEX)
			ld_strbuf_printf(sb, ",\"locked\":%s,\"starving\":%s,\"woken\":%s,\"state_waiters\":%" PRId64,
					 o->locked ? "true" : "false",
					 o->starving ? "true" : "false",
					 o->woken ? "true" : "false",
					 o->mutex_waiters);
		if (o->kind == LD_BK_RWMUTEX)
			ld_strbuf_printf(sb, ",\"readers\":%" PRId64 ",\"writer_waiting\":%s,\"write_locked\":%s,\"readers_waiting\":%" PRId64,
					 o->readers,
					 o->writer_waiting ? "true" : "false",
					 o->write_locked ? "true" : "false",
					 o->readers_waiting);
		if (o->kind == LD_BK_WAITGROUP)
			ld_strbuf_printf(sb, ",\"counter\":%" PRId64 ",\"state_waiters\":%" PRId64,
					 o->counter, o->mutex_waiters);
		if (o->kind == LD_BK_MUTEX || o->kind == LD_BK_RWMUTEX) {
			ld_strbuf_puts(sb, ",\"candidate_holders\":");
			put_ids(sb, &o->candidates, max_ids);
		}
		break;
	}
	ld_strbuf_printf(sb, ",\"waiters_count\":%u,\"waiters\":", o->waiters.n);
	put_ids(sb, &o->waiters, max_ids);
	/* Lists past max_ids are cut here; "objects" has them whole. */
	if (o->waiters.n > max_ids ||
	    (o->kind == LD_BK_CHAN && (o->senders.n > max_ids ||
				       o->receivers.n > max_ids)) ||
	    (ld_block_kind_is_sync(o->kind) && o->candidates.n > max_ids))
		ld_strbuf_puts(sb, ",\"ids_truncated\":true");
	ld_strbuf_putc(sb, '}');
}
