// SPDX-License-Identifier: MIT
/*
 * The report's grouping model (leakdump/report/model.h) and the format
 * that regroups it by blocking object (--group-by blocker), on the synthetic
 * blocking world of synth_blocking.h: channels with goroutines queued on
 * them, so groups have objects to be blocked on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "leakdump/report/model.h"
#include "leakdump/report/report.h"
#include "synth_blocking.h"

static int setup(void **state)
{
	struct synth_blocking *sb = sb_open();

	if (!sb)
		return -1;
	*state = sb;
	return 0;
}

static int teardown(void **state)
{
	sb_close(*state);
	return 0;
}

#define C1 SB_CH(0)
#define C2 SB_CH(1)
#define C3 SB_CH(2)
#define T_EVENT (SB_TYPES + 0x100)

/*
 * C1 (chan *main.Event, unbuffered): receivers 1, 2 in main.worker and 3
 * in main.main.  C2 (chan main.Event, cap 2, full): sender 4 in
 * main.worker.  C3 (like C1): receiver 7 in main.worker, so the stack
 * group of 1, 2 and 7 waits on two different channels.  Goroutines 5 and
 * 6 wait in main.worker on no object.
 */
static void make_world(struct synth_blocking *sb)
{
	const uint64_t worker[] = {
		ss_pc(SBF_GOPARK, 0x15), ss_pc(SBF_WORKER, 0x15),
		ss_pc(SBF_GOEXIT, 1),
	};
	const uint64_t mainpcs[] = {
		ss_pc(SBF_GOPARK, 0x15), ss_pc(SBF_MAIN, 0x15),
		ss_pc(SBF_RTMAIN, 0x15), ss_pc(SBF_GOEXIT, 1),
	};

	sb_type(sb, T_EVENT, 0x800, 0, 8, "*main.Event");
	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = C1, .next = SB_SG(2) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .c = C1, .prev = SB_SG(1),
		.next = SB_SG(3) });
	sb_sudog(sb, SB_SG(3), &(struct sb_sudog){
		.g = sb_gaddr(3), .c = C1, .prev = SB_SG(2) });
	sb_sudog(sb, SB_SG(4), &(struct sb_sudog){
		.g = sb_gaddr(4), .c = C2 });
	sb_sudog(sb, SB_SG(7), &(struct sb_sudog){
		.g = sb_gaddr(7), .c = C3 });
	sb_chan(sb, C3, &(struct sb_chan){
		.elemsize = 8, .elemtype = T_EVENT,
		.recvq_first = SB_SG(7), .recvq_last = SB_SG(7) });
	sb_chan(sb, C1, &(struct sb_chan){
		.elemsize = 8, .elemtype = T_EVENT,
		.recvq_first = SB_SG(1), .recvq_last = SB_SG(3) });
	sb_chan(sb, C2, &(struct sb_chan){
		.qcount = 2, .dataqsiz = 2, .elemsize = 8,
		.elemtype = T_EVENT,
		.sendq_first = SB_SG(4), .sendq_last = SB_SG(4) });
	sb_waiting_g(sb, 1, "chan receive", SB_SG(1));
	sb_waiting_g(sb, 2, "chan receive", SB_SG(2));
	sb_waiting_g(sb, 3, "chan receive", SB_SG(3));
	sb_waiting_g(sb, 4, "chan send", SB_SG(4));
	sb_waiting_g(sb, 5, "select (no cases)", 0);
	sb_waiting_g(sb, 6, "select (no cases)", 0);
	sb_chain(sb, 1, worker, 3, NULL);
	sb_chain(sb, 2, worker, 3, NULL);
	sb_chain(sb, 3, mainpcs, 4, NULL);
	sb_chain(sb, 4, worker, 3, NULL);
	sb_chain(sb, 5, worker, 3, NULL);
	sb_waiting_g(sb, 7, "chan receive", SB_SG(7));
	sb_chain(sb, 6, worker, 3, NULL);
	sb_chain(sb, 7, worker, 3, NULL);
}

/* ld_report's output for opts, into ss->report (freed by teardown). */
static char *run_report(struct synth_blocking *sb,
			const struct ld_report_opts *o)
{
	struct synth_session *ss = sb->ss;
	struct ld_error *err;
	size_t len = 0;
	FILE *f;

	free(ss->report);
	ss->report = NULL;
	f = open_memstream(&ss->report, &len);
	assert_non_null(f);
	err = ld_report(sb->s, o, f);
	assert_int_equal(fclose(f), 0);
	assert_null(err);
	assert_non_null(ss->report);
	return ss->report;
}

#define HEADER							\
	"leak-dump: /app/leaky · go1.26.0 linux/amd64 · core · 7 goroutines on 0 threads\n" \
	"  waiting 7 (chan receive 4 · select (no cases) 2 · chan send 1)\n"
#define OBJ_C1	"chan *main.Event 0xc000204000 (unbuffered, open; 3 receivers, 0 senders)"
#define OBJ_C2	"chan *main.Event 0xc000204100 (buffered 2/2, open; 0 receivers, 1 senders)"
#define OBJ_C3	"chan *main.Event 0xc000204200 (unbuffered, open; 1 receivers, 0 senders)"
/* Text frame lines: the name padded to 44 columns, then the position. */
#define F_WORKER "    main.worker()                            /app/main.go:91\n"
#define F_MAIN	 "    main.main()                              /app/main.go:31\n"

/*
 * Goroutines on one object show together whatever their stacks, biggest
 * first; those on no object keep their stack group.
 */
static void test_group_by_blocker(void **state)
{
	struct synth_blocking *sb = *state;
	struct ld_report_opts o = {
		.format = LD_FORMAT_TEXT, .group_by = LD_GROUP_BLOCKER,
	};

	make_world(sb);
	assert_string_equal(run_report(sb, &o),
		HEADER
		"\n3 × blocked on " OBJ_C1 "\n"
		"  2 × [chan receive]\n" F_WORKER
		"  1 × [chan receive]\n" F_MAIN
		"\n2 × [select (no cases)]\n" F_WORKER
		"\n1 × blocked on " OBJ_C2 "\n"
		"  1 × [chan send]\n" F_WORKER
		"\n1 × blocked on " OBJ_C3 "\n"
		"  1 × [chan receive]\n" F_WORKER);
}

/* The same world by stack: each group says what it is blocked on. */
static void test_text_blocked_on(void **state)
{
	struct synth_blocking *sb = *state;
	struct ld_report_opts o = { .format = LD_FORMAT_TEXT };

	make_world(sb);
	assert_string_equal(run_report(sb, &o),
		HEADER
		"\n3 × [chan receive]\n"
		"    blocked on: 2 different chans, e.g. " OBJ_C1 "\n" F_WORKER
		"\n2 × [select (no cases)]\n" F_WORKER
		"\n1 × [chan receive]   goroutine 3\n"
		"    blocked on: " OBJ_C1 "\n" F_MAIN
		"\n1 × [chan send]   goroutine 4\n"
		"    blocked on: " OBJ_C2 "\n" F_WORKER);
}

/* ---- the model ---- */

static struct ld_report_model *build_model(struct synth_blocking *sb,
					   const struct ld_report_model_opts *o)
{
	struct ld_report_model *m = NULL;
	struct ld_error *err = ld_report_model_build(sb->s, o, &m);

	assert_null(err);
	assert_non_null(m);
	return m;
}

/* The goroutine ids of group k, in chain order, as "1,2,7". */
static void group_ids(struct synth_blocking *sb,
		      const struct ld_report_model *m, size_t k, char *buf,
		      size_t size)
{
	const struct ld_report_group *grp = &m->groups[k];
	size_t len = 0, n = 0;

	buf[0] = '\0';
	ld_report_for_each_g(m, grp, gi) {
		len += (size_t)snprintf(buf + len, size - len, "%s%llu",
					len ? "," : "",
					(unsigned long long)sb->s->gs[gi].goid);
		assert_true(len < size);
		assert_int_equal(m->g_group[gi], k);
		n++;
	}
	assert_int_equal(n, grp->count);
}

static const char *top_frame(const struct ld_report_model *m, size_t k)
{
	uint32_t n;
	const struct ld_visible_frame *f = ld_report_frames(m, &m->groups[k],
							    &n);

	assert_int_equal(n, 1);
	return f[0].name;
}

/* Groups, their order, goroutine chains, stacks and blocking summaries. */
static void test_model_groups(void **state)
{
	struct synth_blocking *sb = *state;
	struct ld_report_model_opts o = { 0 };
	const struct ld_blocker *bl;
	struct ld_report_model *m;
	unsigned int n;
	char ids[64];

	make_world(sb);
	sb_g(sb, 9, ST_RUNNING, NULL)->flags |= LD_G_SYSTEM;
	m = build_model(sb, &o);

	/* biggest first, ties by the lowest goroutine id */
	assert_int_equal(m->ngroups, 4);
	assert_int_equal(m->hidden, 1);
	assert_int_equal(m->g_group[sb_gi(sb, 9)], LD_REPORT_NONE);
	group_ids(sb, m, 0, ids, sizeof(ids));
	assert_string_equal(ids, "1,2,7");
	group_ids(sb, m, 1, ids, sizeof(ids));
	assert_string_equal(ids, "5,6");
	group_ids(sb, m, 2, ids, sizeof(ids));
	assert_string_equal(ids, "3");
	group_ids(sb, m, 3, ids, sizeof(ids));
	assert_string_equal(ids, "4");
	assert_string_equal(m->groups[0].status, "chan receive");
	assert_string_equal(m->groups[1].status, "select (no cases)");
	assert_string_equal(m->groups[2].status, "chan receive");
	assert_string_equal(m->groups[3].status, "chan send");

	/* one interned stack for every main.worker group */
	assert_int_equal(m->nstacks, 2);
	assert_int_equal(m->groups[0].stack_id, m->groups[1].stack_id);
	assert_string_equal(top_frame(m, 0), "main.worker");
	assert_string_equal(top_frame(m, 2), "main.main");

	/* 1, 2 wait on C1 and 7 on C3; the example is the first's */
	assert_int_equal(m->groups[0].nobjects, 2);
	assert_int_equal(m->groups[1].nobjects, 0);
	assert_int_equal(m->groups[2].nobjects, 1);
	bl = ld_report_blockers(m, &m->groups[0], &n);
	assert_int_equal(n, 1);
	assert_int_equal(m->blk->objs[bl[0].obj].addr, C1);
	ld_report_blockers(m, &m->groups[1], &n);
	assert_int_equal(n, 0);

	/* no --prove: no verdicts, nothing retained */
	assert_null(m->pv);
	assert_null(ld_report_retained(m, &m->groups[0]));
	ld_report_model_destroy(m);

	/* --all: the runtime goroutine gets a group of its own */
	o.all = true;
	m = build_model(sb, &o);
	assert_int_equal(m->ngroups, 5);
	assert_int_equal(m->hidden, 0);
	assert_int_equal(m->groups[4].count, 1);
	assert_int_equal(m->groups[4].first_g, sb_gi(sb, 9));
	ld_report_model_destroy(m);
}

/*
 * The first stacks interned have no frames: goroutines stopped at a pc no
 * function holds (found by fuzz_goroutines: copying and comparing zero
 * frames went through a null frames array).  One group of both, no
 * frames, the note printed.
 */
static void test_model_empty_first_stack(void **state)
{
	struct synth_blocking *sb = *state;
	struct ld_report_model_opts o = { 0 };
	struct ld_report_opts ro = { .format = LD_FORMAT_TEXT };
	struct ld_report_model *m;
	uint32_t n = 1;

	sb_g(sb, 1, ST_WAITING, "chan receive")->pc = 0x10;
	sb_g(sb, 2, ST_WAITING, "chan receive")->pc = 0x20;
	m = build_model(sb, &o);
	assert_int_equal(m->ngroups, 1);
	assert_int_equal(m->groups[0].count, 2);
	assert_null(ld_report_frames(m, &m->groups[0], &n));
	assert_int_equal(n, 0);
	ld_report_model_destroy(m);
	assert_non_null(strstr(run_report(sb, &ro), "unknown pc"));
}

/*
 * --function over stacks with no frames at all (found by fuzz_goroutines:
 * the frame array was indexed while NULL).  Nothing matches, nothing
 * is read.
 */
static void test_model_function_filter_no_frames(void **state)
{
	struct synth_blocking *sb = *state;
	struct ld_report_model_opts o = { .filter = { .function = "main" } };
	struct ld_report_model *m;

	sb_g(sb, 1, ST_WAITING, "chan receive")->pc = 0x10;
	m = build_model(sb, &o);
	assert_int_equal(m->ngroups, 0);
	assert_int_equal(m->filtered_out, 1);
	ld_report_model_destroy(m);
}

/*
 * Nothing to show: the only goroutine is the runtime's (found by
 * fuzz_goroutines: sorting no groups handed libc a null array).  No
 * groups, one hidden, and the reports still print their header.
 */
static void test_model_no_groups(void **state)
{
	struct synth_blocking *sb = *state;
	struct ld_report_model_opts o = { 0 };
	struct ld_report_opts ro = { .format = LD_FORMAT_JSON };
	struct ld_report_model *m;

	sb_g(sb, 1, ST_RUNNING, NULL)->flags |= LD_G_SYSTEM;
	m = build_model(sb, &o);
	assert_int_equal(m->ngroups, 0);
	assert_int_equal(m->hidden, 1);
	ld_report_model_destroy(m);
	assert_non_null(strstr(run_report(sb, &ro), "\"groups\":[]"));
}

static void test_model_options(void **state)
{
	struct synth_blocking *sb = *state;
	static struct ld_report_model poison;
	struct ld_report_model_opts o = { .no_blocking = true };
	struct ld_report_opts ro = { .format = LD_FORMAT_GO, .prove = true };
	struct ld_report_model *m;
	struct ld_error *err;
	unsigned int n = 1;

	make_world(sb);
	/* --no-blocking: the same groups, no objects */
	m = build_model(sb, &o);
	assert_int_equal(m->ngroups, 4);
	assert_null(m->blk);
	assert_int_equal(m->groups[0].nobjects, 0);
	assert_null(ld_report_blockers(m, &m->groups[0], &n));
	assert_int_equal(n, 0);
	ld_report_model_destroy(m);
	ld_report_model_destroy(NULL);

	/* --prove needs the blocking objects */
	o.prove = true;
	m = &poison;
	err = ld_report_model_build(sb->s, &o, &m);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_INVALID);
	assert_null(m);
	ld_error_destroy(err);

	/* ...and the runtime's own format has no place for verdicts */
	err = ld_report(sb->s, &ro, stdout);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_INVALID);
	assert_string_equal(err->message,
		"--prove reports in text or json, not in the runtime's own format");
	ld_error_destroy(err);
}

/* The goroutine ids the model kept, in group order, as "1,2,7;4". */
static void kept_ids(struct synth_blocking *sb,
		     const struct ld_report_model *m, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < m->ngroups; k++) {
		char ids[64];

		group_ids(sb, m, k, ids, sizeof(ids));
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					k ? ";" : "", ids);
		assert_true(len < size);
	}
}

static struct ld_report_model *filtered(struct synth_blocking *sb,
					const char *state, const char *function,
					int64_t min_wait_s)
{
	struct ld_report_model_opts o = {
		.filter = { .state = state, .function = function,
			    .min_wait_ns = min_wait_s * 1000000000ll },
	};

	return build_model(sb, &o);
}

#define MINUTE 60000000000ll

/*
 * --state, --function, --min-wait: exactly the goroutines that pass all
 * the filters set, grouped as without filters; the rest counted.
 */
static void test_model_filters(void **state)
{
	struct synth_blocking *sb = *state;
	struct ld_report_opts ro = { .format = LD_FORMAT_TEXT };
	struct ld_report_model *m;
	struct ld_session *s;
	struct ld_error *err;
	char ids[128];

	make_world(sb);
	s = sb->s;
	/* waits: 1 for 5 minutes, 2 for 90 s, 4 for 30 minutes; 3 began
	 * after "now" (a live read); the others have none recorded */
	s->now = 1000 * MINUTE;
	s->gs[sb_gi(sb, 1)].waitsince = s->now - 5 * MINUTE;
	s->gs[sb_gi(sb, 2)].waitsince = s->now - 90000000000ll;
	s->gs[sb_gi(sb, 4)].waitsince = s->now - 30 * MINUTE;
	s->gs[sb_gi(sb, 3)].waitsince = s->now + MINUTE;

	m = filtered(sb, NULL, NULL, 0);
	assert_int_equal(m->filtered_out, 0);
	assert_null(m->filter_desc);
	ld_report_model_destroy(m);

	m = filtered(sb, NULL, NULL, 2 * 60);
	kept_ids(sb, m, ids, sizeof(ids));
	assert_string_equal(ids, "1;4");
	assert_int_equal(m->filtered_out, 5);
	assert_string_equal(m->filter_desc, "--min-wait 2m0s");
	assert_int_equal(m->groups[0].min_wait, 5);
	ld_report_model_destroy(m);

	m = filtered(sb, NULL, NULL, 90);
	kept_ids(sb, m, ids, sizeof(ids));
	assert_string_equal(ids, "1,2;4");
	ld_report_model_destroy(m);
	m = filtered(sb, NULL, NULL, 91);
	kept_ids(sb, m, ids, sizeof(ids));
	assert_string_equal(ids, "1;4");
	ld_report_model_destroy(m);

	m = filtered(sb, "^chan (receive|send)$", NULL, 0);
	kept_ids(sb, m, ids, sizeof(ids));
	assert_string_equal(ids, "1,2,7;3;4");
	assert_int_equal(m->filtered_out, 2);
	ld_report_model_destroy(m);

	m = filtered(sb, "receive", "^main\\.main$", 0);
	kept_ids(sb, m, ids, sizeof(ids));
	assert_string_equal(ids, "3");
	assert_string_equal(m->filter_desc,
			    "--state 'receive' --function '^main\\.main$'");
	ld_report_model_destroy(m);

	m = filtered(sb, "select", "main.worker", 60);
	assert_int_equal(m->ngroups, 0);
	assert_int_equal(m->filtered_out, 7);
	ld_report_model_destroy(m);

	/* a bad regex: one line, no model */
	m = NULL;
	err = ld_report_model_build(s, &(struct ld_report_model_opts){
		.filter = { .function = "main.(" } }, &m);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_INVALID);
	assert_non_null(strstr(err->message, "--function: bad regular expression 'main.('"));
	assert_null(strchr(err->message, '\n'));
	assert_null(m);
	ld_error_destroy(err);

	/* the text header says what was filtered; go keeps the same set */
	ro.filter.state = "send";
	assert_non_null(strstr(run_report(sb, &ro),
		"  filtered: 1 of 7 goroutines shown (--state 'send')\n"));
	ro.format = LD_FORMAT_GO;
	ro.filter.state = NULL;
	ro.filter.min_wait_ns = 10 * MINUTE;
	assert_non_null(strstr(run_report(sb, &ro), "goroutine 4 [chan send, 30 minutes]:\n"));
	assert_null(strstr(sb->ss->report, "goroutine 1 "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_by_blocker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_blocked_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_empty_first_stack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_model_no_groups, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_model_function_filter_no_frames,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_filters, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
