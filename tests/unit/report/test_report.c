// SPDX-License-Identifier: MIT
/*
 * ld_report and friends on a synthetic session (synth_session.h): the
 * runtime's dump text ("go": runtime.Stack(buf, true) at traceback level
 * 1), the grouped summary ("text") and "json".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "leakdump/report/json.h"
#include "leakdump/report/model.h"
#include "leakdump/report/report.h"
#include "leakdump/model/traceback.h"
#include "synth_session.h"

#define MINUTE 60000000000ll

static int setup(void **state)
{
	struct synth_session *ss = ss_open();

	if (!ss)
		return -1;
	ss->s->now = 100 * MINUTE;
	*state = ss;
	return 0;
}

static int teardown(void **state)
{
	ss_close(*state);
	return 0;
}

static uint64_t sp_at(unsigned int slot)
{
	return SS_STACK_LO + 0x100 + 0x1000ull * slot;
}

#define PC_GOEXIT ss_pc(F_GOEXIT, 1)

/* Stacks, by slot. */
enum { S_MAIN, S_ONE, S_TWO, S_SYS, S_ONE_ALT };

static void build_stacks(struct synth_session *ss)
{
	const uint64_t s_main[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_MAIN, 0x15),
		ss_pc(F_RTMAIN, 0x15), PC_GOEXIT,
	};
	const uint64_t s_one[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_MIDDLE, 0x15), PC_GOEXIT,
	};
	/* same visible frames as s_one, different hidden top frame */
	const uint64_t s_one_alt[] = {
		ss_pc(F_GOPARK, 0x25), ss_pc(F_MIDDLE, 0x15), PC_GOEXIT,
	};
	const uint64_t s_two[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_RECURSE, 0x25), PC_GOEXIT,
	};
	const uint64_t s_sys[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_BGSWEEP, 0x25), PC_GOEXIT,
	};

	ss_chain(ss, sp_at(S_MAIN), s_main, 4, NULL);
	ss_chain(ss, sp_at(S_ONE), s_one, 3, NULL);
	ss_chain(ss, sp_at(S_ONE_ALT), s_one_alt, 3, NULL);
	ss_chain(ss, sp_at(S_TWO), s_two, 3, NULL);
	ss_chain(ss, sp_at(S_SYS), s_sys, 3, NULL);
}

static struct ld_goroutine *add_g(struct synth_session *ss, uint64_t goid,
				  uint8_t reason, unsigned int slot,
				  uint64_t gopc, uint64_t parent)
{
	uint64_t top = ss_pc(F_GOPARK, slot == S_ONE_ALT ? 0x25 : 0x15);
	struct ld_goroutine *g = ss_add_g(ss, goid, ST_WAITING, reason, top,
					  sp_at(slot));

	assert_non_null(g);
	g->gopc = gopc;
	g->parent_goid = parent;
	return g;
}

/*
 * The standard population (s->gs order):
 *   1        chan receive  main.main
 *   2        GC sweep wait runtime.bgsweep (system)
 *   10..14   chan receive  main.middle, waiting 12, 13, 14, 12, 14 minutes
 *   20, 21   select        main.middle
 *   30       chan receive  main.recurse, created in goroutine 10
 */
static void populate(struct synth_session *ss)
{
	static const int minutes[] = { 12, 13, 14, 12, 14 };
	struct ld_goroutine *g;

	build_stacks(ss);
	add_g(ss, 1, WR_CHAN_RECV, S_MAIN, 0, 0);
	g = add_g(ss, 2, WR_SWEEP, S_SYS, ss_pc(F_RTMAIN, 0x25), 1);
	g->flags |= LD_G_SYSTEM;
	for (int i = 0; i < 5; i++) {
		g = add_g(ss, 10 + i, WR_CHAN_RECV, S_ONE,
			  ss_pc(F_SPAWNER, 0x25), 1);
		g->waitsince = ss->s->now - minutes[i] * MINUTE - 7;
	}
	add_g(ss, 20, WR_SELECT, S_ONE, ss_pc(F_SPAWNER, 0x25), 1);
	add_g(ss, 21, WR_SELECT, S_ONE, ss_pc(F_SPAWNER, 0x25), 1);
	add_g(ss, 30, WR_CHAN_RECV, S_TWO, ss_pc(F_SPAWNER, 0x15), 10);
}

/* A FILE writing into ss->report (freed by teardown, even on failure). */
static FILE *report_file(struct synth_session *ss, size_t *len)
{
	FILE *f;

	free(ss->report);
	ss->report = NULL;
	f = open_memstream(&ss->report, len);
	assert_non_null(f);
	return f;
}

static char *run_report(struct synth_session *ss, enum ld_format fmt,
			bool all)
{
	struct ld_report_opts o = { .format = fmt, .all = all };
	struct ld_error *err;
	size_t len = 0;
	FILE *f = report_file(ss, &len);

	err = ld_report(ss->s, &o, f);
	assert_int_equal(fclose(f), 0);
	assert_null(err);
	assert_non_null(ss->report);
	return ss->report;
}

/* ---- go ----------------------------------------------------------------- */

#define GO_G1								\
	"goroutine 1 [chan receive]:\n"					\
	"main.main()\n"							\
	"\t/app/main.go:31 +0x15\n"
#define GO_G2								\
	"goroutine 2 [GC sweep wait]:\n"				\
	"runtime.gopark()\n"						\
	"\t/go/src/runtime/proc.go:401 +0x15\n"				\
	"runtime.bgsweep()\n"						\
	"\t/go/src/runtime/proc.go:302 +0x25\n"				\
	"runtime.goexit()\n"						\
	"\t/go/src/runtime/asm_amd64.s:1700 +0x1\n"
#define GO_ONE(id, status, min)						\
	"goroutine " #id " [" status min "]:\n"				\
	"main.middle()\n"						\
	"\t/app/main.go:21 +0x15\n"					\
	"created by main.spawner in goroutine 1\n"			\
	"\t/app/main.go:82 +0x25\n"
#define GO_G30								\
	"goroutine 30 [chan receive]:\n"				\
	"main.recurse()\n"						\
	"\t/app/main.go:42 +0x25\n"					\
	"created by main.spawner in goroutine 10\n"			\
	"\t/app/main.go:81 +0x15\n"

static void test_go_format(void **state)
{
	struct synth_session *ss = *state;
	char *out;

	populate(ss);
	/* a blank line between goroutines; system goroutines hidden */
	out = run_report(ss, LD_FORMAT_GO, false);
	assert_string_equal(out,
		GO_G1 "\n"
		GO_ONE(10, "chan receive", ", 12 minutes") "\n"
		GO_ONE(11, "chan receive", ", 13 minutes") "\n"
		GO_ONE(12, "chan receive", ", 14 minutes") "\n"
		GO_ONE(13, "chan receive", ", 12 minutes") "\n"
		GO_ONE(14, "chan receive", ", 14 minutes") "\n"
		GO_ONE(20, "select", "") "\n"
		GO_ONE(21, "select", "") "\n"
		GO_G30);

	/* all: the system goroutine too, in allgs order */
	out = run_report(ss, LD_FORMAT_GO, true);
	assert_string_equal(out,
		GO_G1 "\n"
		GO_G2 "\n"
		GO_ONE(10, "chan receive", ", 12 minutes") "\n"
		GO_ONE(11, "chan receive", ", 13 minutes") "\n"
		GO_ONE(12, "chan receive", ", 14 minutes") "\n"
		GO_ONE(13, "chan receive", ", 12 minutes") "\n"
		GO_ONE(14, "chan receive", ", 14 minutes") "\n"
		GO_ONE(20, "select", "") "\n"
		GO_ONE(21, "select", "") "\n"
		GO_G30);
}

static void test_go_format_empty(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;
	char *out;

	build_stacks(ss);
	g = add_g(ss, 2, WR_SWEEP, S_SYS, 0, 0);
	g->flags |= LD_G_SYSTEM;
	out = run_report(ss, LD_FORMAT_GO, false);
	assert_string_equal(out, "");
}

/* ---- text --------------------------------------------------------------- */

/* One text frame line: name padded to 44 columns, then the position. */
static void frame_line(char *buf, size_t size, const char *name,
		       const char *pos)
{
	char head[64];

	snprintf(head, sizeof(head), "    %s", name);
	snprintf(buf, size, "%-44s %s\n", head, pos);
}

static void test_text_grouping(void **state)
{
	struct synth_session *ss = *state;
	char want[2048], f_middle[256], f_main[256], f_recurse[256];
	char *out;

	populate(ss);
	frame_line(f_middle, sizeof(f_middle), "main.middle()",
		   "/app/main.go:21");
	frame_line(f_main, sizeof(f_main), "main.main()", "/app/main.go:31");
	frame_line(f_recurse, sizeof(f_recurse), "main.recurse()",
		   "/app/main.go:42");
	snprintf(want, sizeof(want),
		 "leak-dump: /app/leaky · go1.26.0 linux/amd64 · core · 9 goroutines on 0 threads\n"
		 "  waiting 9 (chan receive 7 · select 2)\n"
		 "  1 runtime goroutines hidden (--all shows them)\n"
		 "\n"
		 "5 × [chan receive, 12–14 minutes]   created by main.spawner at /app/main.go:82\n"
		 "%s"
		 "\n"
		 "2 × [select]   created by main.spawner at /app/main.go:82\n"
		 "%s"
		 "\n"
		 "1 × [chan receive]   goroutine 1\n"
		 "%s"
		 "\n"
		 "1 × [chan receive]   created by main.spawner at /app/main.go:81 in goroutine 10   goroutine 30\n"
		 "%s",
		 f_middle, f_middle, f_main, f_recurse);
	out = run_report(ss, LD_FORMAT_TEXT, false);
	assert_string_equal(out, want);
}

static void test_text_group_keys(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;
	char *out, *a, *b;

	populate(ss);
	/* hidden frames differ (gopark +0x25): same printed stack, same group */
	g = add_g(ss, 40, WR_CHAN_RECV, S_ONE_ALT, ss_pc(F_SPAWNER, 0x25), 1);
	g->waitsince = ss->s->now - 13 * MINUTE;
	/* same stack and state, another go statement: another group */
	add_g(ss, 41, WR_CHAN_RECV, S_ONE, ss_pc(F_SPAWNER, 0x15), 1);
	out = run_report(ss, LD_FORMAT_TEXT, false);
	assert_non_null(strstr(out, "\n6 × [chan receive, 12–14 minutes]   created by main.spawner at /app/main.go:82\n"));
	assert_non_null(strstr(out, "\n1 × [chan receive]   created by main.spawner at /app/main.go:81 in goroutine 1   goroutine 41\n"));
	/* largest first, ties by lowest goroutine id */
	a = strstr(out, "goroutine 30\n");
	b = strstr(out, "goroutine 41\n");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(strstr(out, "6 × ") < strstr(out, "2 × "));
	assert_true(strstr(out, "2 × ") < strstr(out, "goroutine 1\n"));
	assert_true(strstr(out, "goroutine 1\n") < a);
	assert_true(a < b);
}

static void test_text_thousands(void **state)
{
	struct synth_session *ss = *state;
	const char *hdr =
		"leak-dump: /app/leaky · go1.26.0 linux/amd64 · core · 1,235 goroutines on 0 threads\n"
		"  waiting 1,235 (sleep 1,234 · chan receive 1)\n";
	char *out;

	build_stacks(ss);
	for (int i = 0; i < 1234; i++) {
		struct ld_goroutine *g = add_g(ss, 100 + i, WR_SLEEP, S_TWO,
					       ss_pc(F_SPAWNER, 0x25), 1);

		g->waitsince = ss->s->now - (1 + i % 3) * MINUTE;
	}
	add_g(ss, 1, WR_CHAN_RECV, S_MAIN, 0, 0);
	out = run_report(ss, LD_FORMAT_TEXT, false);
	assert_true(!strncmp(out, hdr, strlen(hdr)));
	assert_non_null(strstr(out, "\n1,234 × [sleep, 1–3 minutes]   created by main.spawner at /app/main.go:82\n"));
	assert_true(strstr(out, "1,234 × ") < strstr(out, "1 × [chan receive]"));
}

/* ---- json --------------------------------------------------------------- */

/* A tiny JSON syntax checker: returns the end of one value, or NULL. */
static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if (!*p || (unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\' && !*++p)
			return NULL;
	}
	return p + 1;
}

static const char *json_value(const char *p, int depth)
{
	p = json_ws(p);
	if (depth > 32)
		return NULL;
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';

		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = json_string(json_ws(p));
				if (!p)
					return NULL;
				p = json_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = json_value(p, depth + 1);
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return json_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		p++;
		while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' ||
		       *p == 'E' || *p == '+' || *p == '-')
			p++;
		return p;
	}
	return NULL;
}

static void assert_json(const char *s)
{
	const char *end = json_value(s, 0);

	assert_non_null(end);
	assert_string_equal(json_ws(end), "");
}

/* Goroutine ids listed by group k ("[10,11,...]"), copied into buf. */
static void group_members(const char *out, unsigned int k, char *buf,
			  size_t size)
{
	char key[48];
	const char *p, *q;

	snprintf(key, sizeof(key), "{\"id\":%u,\"count\":", k);
	p = strstr(out, key);
	assert_non_null(p);
	p = strstr(p, "\"goroutines\":[");
	assert_non_null(p);
	p += strlen("\"goroutines\":");
	q = strchr(p, ']');
	assert_non_null(q);
	assert_true((size_t)(q - p + 2) <= size);
	memcpy(buf, p, (size_t)(q - p + 1));
	buf[q - p + 1] = '\0';
}

static bool list_has(const char *list, uint64_t id)
{
	char tok[32];

	snprintf(tok, sizeof(tok), "%llu", (unsigned long long)id);
	for (const char *p = list + 1; *p && *p != ']';) {
		size_t n = strcspn(p, ",]");

		if (n == strlen(tok) && !strncmp(p, tok, n))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

static void test_json(void **state)
{
	struct synth_session *ss = *state;
	char list[256], *out;
	const char *groups;

	populate(ss);
	/* 2023-11-14T22:13:20.123456789Z: a snapshot's time, to the µs */
	ss->s->taken_at = 1700000000123456789ll;
	out = run_report(ss, LD_FORMAT_JSON, false);
	assert_json(out);
	assert_non_null(strstr(out, "{\"target\":{\"kind\":\"core\",\"pid\":null,\"executable\":\"/app/leaky\",\"go_version\":\"go1.26.0\",\"arch\":\"amd64\",\"now_estimated\":false,\"taken_at\":\"2023-11-14T22:13:20.123456Z\",\"monotonic_ns\":6000000000000,\"warnings\":[]},"));
	assert_non_null(strstr(out, "\"totals\":{\"goroutines\":9,\"hidden\":1,\"unreadable\":0,\"by_state\":{\"waiting\":9},\"filtered\":null},"));
	groups = strstr(out, "\"groups\":[");
	assert_non_null(groups);
	assert_non_null(strstr(groups, "{\"id\":0,\"count\":5,\"state\":\"chan receive\",\"wait_minutes\":[12,14],\"frames\":[{\"function\":\"main.middle\",\"file\":\"/app/main.go\",\"line\":21,\"pc\":\"0x4010d5\",\"inlined\":false}],\"created_by\":{\"function\":\"main.spawner\",\"file\":\"/app/main.go\",\"line\":82},\"goroutines\":[10,11,12,13,14]}"));
	assert_non_null(strstr(groups, "{\"id\":1,\"count\":2,\"state\":\"select\",\"wait_minutes\":[0,0],"));
	assert_non_null(strstr(groups, "{\"id\":2,\"count\":1,\"state\":\"chan receive\",\"wait_minutes\":[0,0],\"frames\":[{\"function\":\"main.main\",\"file\":\"/app/main.go\",\"line\":31,\"pc\":\"0x401115\",\"inlined\":false}],\"created_by\":null,\"goroutines\":[1]}"));
	assert_non_null(strstr(groups, "{\"id\":3,\"count\":1,"));
	assert_null(strstr(groups, "{\"id\":4,\"count\":"));
	/* the system goroutine is not listed */
	assert_null(strstr(out, "{\"id\":2,\"group\":"));
	{
		const struct ld_goroutine *g30 = ld_session_find(ss->s, 30);
		char want[512];

		assert_non_null(g30);
		snprintf(want, sizeof(want),
			 "{\"id\":30,\"group\":3,\"state\":\"chan receive\",\"status\":\"waiting\",\"wait_minutes\":0,\"wait_since_ns\":null,\"created_by_goroutine\":10,\"thread\":null,\"g\":\"0x%llx\",\"stack\":[\"0x%llx\",\"0x%llx\"],\"locked_to_thread\":false,\"stack_bytes\":65536,\"system\":false,\"error\":null,\"blocking\":[]}",
			 (unsigned long long)g30->addr,
			 (unsigned long long)g30->stack_lo,
			 (unsigned long long)g30->stack_hi);
		assert_non_null(strstr(out, want));
	}

	/* every goroutine's group lists it */
	for (size_t i = 0; i < ss->s->ngs; i++) {
		const struct ld_goroutine *g = &ss->s->gs[i];
		char key[64];
		const char *p;
		unsigned int k;

		if (g->flags & LD_G_SYSTEM)
			continue;
		snprintf(key, sizeof(key), "{\"id\":%llu,\"group\":",
			 (unsigned long long)g->goid);
		p = strstr(out, key);
		assert_non_null(p);
		assert_true(p > groups);
		assert_int_equal(sscanf(p + strlen(key), "%u", &k), 1);
		group_members(out, k, list, sizeof(list));
		assert_true(list_has(list, g->goid));
	}

	/* all: the system goroutine gets its own group and is listed */
	out = run_report(ss, LD_FORMAT_JSON, true);
	assert_json(out);
	assert_non_null(strstr(out, "\"totals\":{\"goroutines\":10,\"hidden\":0,"));
	assert_non_null(strstr(out, "{\"id\":2,\"group\":3,\"state\":\"GC sweep wait\",\"status\":\"waiting\",\"wait_minutes\":0,\"wait_since_ns\":null,\"created_by_goroutine\":1,"));
	assert_non_null(strstr(out, "\"system\":true"));
}

static void test_json_escapes_and_notes(void **state)
{
	struct synth_session *ss = *state;
	const uint64_t bad[] = { ss_pc(F_MIDDLE, 0x15), 0xdead0 };
	char *out;

	build_stacks(ss);
	ss_chain(ss, sp_at(6), bad, 2, NULL);
	free(ss->bin->path);
	ss->bin->path = strdup("/app/a \"quoted\"\\dir/leaky");
	assert_non_null(ss->bin->path);
	ss_add_g(ss, 50, ST_WAITING, WR_SELECT, bad[0], sp_at(6));
	out = run_report(ss, LD_FORMAT_JSON, false);
	assert_json(out);
	assert_non_null(strstr(out, "\"executable\":\"/app/a \\\"quoted\\\"\\\\dir/leaky\""));
	assert_non_null(strstr(out, "\"error\":\"unexpected return pc\",\"blocking\":[]}"));
}

/* The pieces the Python API reads are the very text of the whole report. */
static char *json_piece(struct synth_session *ss, struct ld_report_model *m,
			enum ld_json_part part)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_null(ld_report_json_part(ss->s, m, part, f));
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

static void test_json_parts(void **state)
{
	struct synth_session *ss = *state;
	const struct ld_report_model_opts mo = { 0 };
	struct ld_visible_frame *frames;
	struct ld_strbuf sb = LD_STRBUF_INIT;
	const uint64_t bad[] = { ss_pc(F_MIDDLE, 0x15), 0xdead0 };
	struct ld_report_model *m;
	char *out, *piece, want[256];
	const char *werr, *p;
	uint32_t n;

	populate(ss);
	ss_chain(ss, sp_at(6), bad, 2, NULL);
	ss_add_g(ss, 50, ST_WAITING, WR_SELECT, bad[0], sp_at(6));
	out = run_report(ss, LD_FORMAT_JSON, false);
	assert_null(ld_report_model_build(ss->s, &mo, &m));

	piece = json_piece(ss, m, LD_JSON_GROUPS);
	snprintf(want, sizeof(want), "\"groups\":%s,\"goroutines\":[", piece);
	assert_non_null(strstr(out, want));
	free(piece);
	piece = json_piece(ss, m, LD_JSON_OBJECTS);
	p = strstr(out, ",\"objects\":");
	assert_non_null(p);
	assert_int_equal(strncmp(p + 11, piece, strlen(piece)), 0);
	assert_string_equal(p + 11 + strlen(piece), "}\n");
	free(piece);
	ld_report_json_blocking(ss->s, m, 0, &sb);
	assert_string_equal(sb.data, "[]");
	ld_strbuf_release(&sb);

	/* One goroutine's frames: its group's, and a failed walk's note. */
	frames = calloc(LD_REPORT_MAX_FRAMES, sizeof(*frames));
	assert_non_null(frames);
	n = ld_report_goroutine_frames(ss->s, ld_session_find(ss->s, 10),
				       frames, &werr);
	assert_int_equal(n, 1);
	assert_null(werr);
	assert_string_equal(frames[0].name, "main.middle");
	assert_int_equal(frames[0].line, 21);
	n = ld_report_goroutine_frames(ss->s, ld_session_find(ss->s, 50),
				       frames, &werr);
	assert_string_equal(werr, "unexpected return pc");
	assert_string_equal(ld_goroutine_note(ss->s,
					      ld_session_find(ss->s, 50)),
			    "unexpected return pc");
	assert_true(n >= 1);
	free(frames);
	ld_report_model_destroy(m);
}

/* ---- single goroutine, list --------------------------------------------- */

static void test_report_goroutine(void **state)
{
	struct synth_session *ss = *state;
	struct ld_error *err, *err2;
	enum ld_error_code code;
	size_t len = 0;
	FILE *f;

	populate(ss);
	f = report_file(ss, &len);
	err = ld_report_goroutine(ss->s, 999, f);
	err2 = ld_report_goroutine(ss->s, 30, f);
	assert_int_equal(fclose(f), 0);
	code = err ? err->code : 0;
	ld_error_destroy(err);
	ld_error_destroy(err2);
	assert_int_equal(code, LD_ERR_NOT_FOUND);
	assert_null(err2);
	assert_string_equal(ss->report, GO_G30);
}

static void test_report_list(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g;
	struct ld_error *err;
	size_t len = 0;
	FILE *f;

	populate(ss);
	g = ss_add_g(ss, 60, ST_RUNNING, 0, 0, 0);
	assert_non_null(g);
	g->flags |= LD_G_NO_STACK;
	f = report_file(ss, &len);
	err = ld_report_list(ss->s, false, f);
	assert_int_equal(fclose(f), 0);
	assert_null(err);
	assert_string_equal(ss->report,
		"       1  chan receive             main.main  /app/main.go:31\n"
		"      10  chan receive             main.middle  /app/main.go:21\n"
		"      11  chan receive             main.middle  /app/main.go:21\n"
		"      12  chan receive             main.middle  /app/main.go:21\n"
		"      13  chan receive             main.middle  /app/main.go:21\n"
		"      14  chan receive             main.middle  /app/main.go:21\n"
		"      20  select                   main.middle  /app/main.go:21\n"
		"      21  select                   main.middle  /app/main.go:21\n"
		"      30  chan receive             main.recurse  /app/main.go:42\n"
		"      60  running                  (no stack)\n");

	f = report_file(ss, &len);
	err = ld_report_list(ss->s, true, f);
	assert_int_equal(fclose(f), 0);
	assert_null(err);
	/* only runtime frames: the top one */
	assert_non_null(strstr(ss->report,
		"\n       2  GC sweep wait            runtime.gopark  runtime/proc.go:401\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_go_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_go_format_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_grouping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_group_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_thousands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_escapes_and_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_goroutine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_list, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
