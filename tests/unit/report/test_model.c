// SPDX-License-Identifier: MIT
/*
 * The report's grouping model (report/model.h) and the format that
 * regroups it by blocking object (--group-by blocker), on the synthetic
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_by_blocker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_blocked_on, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
