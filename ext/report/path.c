// SPDX-License-Identifier: MIT
/*
 * --why: a reference path (include/leakdump/prove/prove.h, struct
 * ld_path) as text, root first, one hop per " → ":
 *
 *   why: data main.globals+0x8 → *main.registry 0xc000012000 +0x10 →
 *        ? 0xc000014000 +0x8 → ? 0xc000020000
 *
 * and as a JSON array of steps.  Shared by text.c, blocker.c and json.c.
 */
#include "leakdump/prove/prove.h"
#include "report/report_priv.h"

/* Past this many characters a path goes one hop per line. */
#define WHY_LINE	100

/* " (may wake: blocked on chan 0x...)" for a goroutine the fixed point woke. */
static void text_woken(struct ld_strbuf *sb, const struct ld_path_step *st)
{
	if (st->woken_by)
		ld_strbuf_printf(sb, " (may wake: blocked on %s 0x%llx)",
				 st->woken_kind ? st->woken_kind : "?",
				 (unsigned long long)st->woken_by);
}

static void text_range(struct ld_strbuf *sb, const char *what,
		       const struct ld_path_step *st)
{
	ld_strbuf_printf(sb, "%s [0x%llx, 0x%llx) at 0x%llx", what,
			 (unsigned long long)st->lo, (unsigned long long)st->hi,
			 (unsigned long long)st->addr);
}

static void text_step(struct ld_strbuf *sb, const struct ld_path_step *st,
		      bool last)
{
	switch (st->kind) {
	case LD_PATH_OBJECT:
		ld_strbuf_printf(sb, "%s 0x%llx", st->name ? st->name : "?",
				 (unsigned long long)st->addr);
		if (!last || st->offset)
			ld_strbuf_printf(sb, " +0x%llx",
					 (unsigned long long)st->offset);
		break;
	case LD_PATH_DATA:
		if (st->name) {
			ld_strbuf_printf(sb, "data %s", st->name);
			if (st->offset)
				ld_strbuf_printf(sb, "+0x%llx",
						 (unsigned long long)st->offset);
		} else {
			ld_strbuf_printf(sb, "data 0x%llx",
					 (unsigned long long)st->addr);
		}
		break;
	case LD_PATH_STACK:
		ld_strbuf_printf(sb, "goroutine %llu", (unsigned long long)st->goid);
		text_woken(sb, st);
		ld_strbuf_puts(sb, " stack");
		if (st->name)
			ld_strbuf_printf(sb, " in %s", st->name);
		ld_strbuf_printf(sb, " at 0x%llx", (unsigned long long)st->addr);
		break;
	case LD_PATH_G:
		ld_strbuf_printf(sb, "goroutine %llu", (unsigned long long)st->goid);
		text_woken(sb, st);
		ld_strbuf_printf(sb, " g 0x%llx +0x%llx",
				 (unsigned long long)st->lo,
				 (unsigned long long)st->offset);
		break;
	case LD_PATH_REGS:
		ld_strbuf_printf(sb, "thread %d register ", st->tid);
		if (st->name)
			ld_strbuf_puts(sb, st->name);
		else
			ld_strbuf_printf(sb, "#%llu", (unsigned long long)st->offset);
		break;
	case LD_PATH_FINALIZER:
		text_range(sb, "finalizer", st);
		break;
	case LD_PATH_MAPPING:
		text_range(sb, "mapping", st);
		break;
	case LD_PATH_RUNTIME:
		text_range(sb, "runtime record", st);
		break;
	case LD_PATH_RANGE:
		text_range(sb, "root", st);
		break;
	case LD_PATH_WAITER:
		ld_strbuf_printf(sb, "waiter %llu at 0x%llx",
				 (unsigned long long)st->goid,
				 (unsigned long long)st->addr);
		break;
	case LD_PATH_CUT:
		ld_strbuf_puts(sb, "…");
		break;
	}
}

void ld_report_text_path(struct ld_strbuf *sb, const struct ld_path *path)
{
	struct ld_strbuf one = LD_STRBUF_INIT;
	size_t width = 0;

	if (!path->n)
		return;
	/* Measure the one-line form first. */
	for (unsigned int i = 0; i < path->n; i++) {
		if (i)
			ld_strbuf_puts(&one, " → ");
		text_step(&one, &path->step[i], i + 1 == path->n);
	}
	width = one.len;
	ld_strbuf_release(&one);
	ld_strbuf_puts(sb, "    why: ");
	for (unsigned int i = 0; i < path->n; i++) {
		if (i)
			ld_strbuf_puts(sb, width > WHY_LINE ? "\n         → " :
				       " → ");
		text_step(sb, &path->step[i], i + 1 == path->n);
	}
	ld_strbuf_putc(sb, '\n');
}

static void json_hex(struct ld_strbuf *sb, const char *key, uint64_t v)
{
	ld_strbuf_printf(sb, ",\"%s\":\"0x%llx\"", key, (unsigned long long)v);
}

static void json_name(struct ld_strbuf *sb, const char *key, const char *v)
{
	ld_strbuf_printf(sb, ",\"%s\":", key);
	if (v)
		ld_strbuf_json_str(sb, v);
	else
		ld_strbuf_puts(sb, "null");
}

static void json_step(struct ld_strbuf *sb, const struct ld_path_step *st)
{
	ld_strbuf_puts(sb, "{\"kind\":");
	ld_strbuf_json_str(sb, ld_path_kind_name(st->kind));
	switch (st->kind) {
	case LD_PATH_OBJECT:
		json_hex(sb, "address", st->addr);
		ld_strbuf_printf(sb, ",\"offset\":%llu,\"size\":%llu",
				 (unsigned long long)st->offset,
				 (unsigned long long)st->size);
		json_name(sb, "type", st->name);
		break;
	case LD_PATH_DATA:
		json_name(sb, "symbol", st->name);
		json_hex(sb, "address", st->addr);
		ld_strbuf_printf(sb, ",\"offset\":%llu",
				 (unsigned long long)st->offset);
		break;
	case LD_PATH_STACK:
	case LD_PATH_G:
		ld_strbuf_printf(sb, ",\"goroutine\":%llu",
				 (unsigned long long)st->goid);
		if (st->kind == LD_PATH_STACK)
			json_name(sb, "function", st->name);
		json_hex(sb, "address", st->addr);
		if (st->kind == LD_PATH_G)
			ld_strbuf_printf(sb, ",\"offset\":%llu",
					 (unsigned long long)st->offset);
		ld_strbuf_puts(sb, ",\"woken_by\":");
		if (st->woken_by) {
			ld_strbuf_printf(sb, "{\"address\":\"0x%llx\",\"kind\":",
					 (unsigned long long)st->woken_by);
			ld_strbuf_json_str(sb, st->woken_kind ? st->woken_kind :
					   "?");
			ld_strbuf_putc(sb, '}');
		} else {
			ld_strbuf_puts(sb, "null");
		}
		break;
	case LD_PATH_REGS:
		ld_strbuf_printf(sb, ",\"thread\":%d", st->tid);
		json_name(sb, "register", st->name);
		break;
	case LD_PATH_FINALIZER:
	case LD_PATH_MAPPING:
	case LD_PATH_RUNTIME:
	case LD_PATH_RANGE:
	case LD_PATH_WAITER:
		json_hex(sb, "address", st->addr);
		json_hex(sb, "lo", st->lo);
		json_hex(sb, "hi", st->hi);
		ld_strbuf_printf(sb, ",\"offset\":%llu",
				 (unsigned long long)st->offset);
		break;
	case LD_PATH_CUT:
		break;
	}
	ld_strbuf_putc(sb, '}');
}

void ld_report_json_path(struct ld_strbuf *sb, const struct ld_path *path)
{
	ld_strbuf_putc(sb, '[');
	for (unsigned int i = 0; i < path->n; i++) {
		if (i)
			ld_strbuf_putc(sb, ',');
		json_step(sb, &path->step[i]);
	}
	ld_strbuf_putc(sb, ']');
}
