// SPDX-License-Identifier: MIT
/*
 * The text report grouped by blocking object (--group-by blocker) on the
 * proof world of synth_prove.h: goroutines stuck on one object show under
 * that object whatever their stacks, goroutines not blocked on an object
 * keep their stack groups, biggest groups first; with --prove an object
 * whose waiters all leaked is marked "LEAKED" ("LEAKED?" when the proof
 * has gaps).  test_report.c covers the default grouping.
 *
 *   C0 (SB_CH(0))  unreachable; receivers 3 (main.worker) and 4
 *                  (main.main), two stack groups
 *   C1 (SB_CH(1))  reachable from a global; receiver 5 (main.worker)
 *   goroutine 6    running main.worker, not blocked on anything
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leakdump/report/report.h"
#include "synth_prove.h"

#define C0 SB_CH(0)
#define C1 SB_CH(1)

static int setup(void **state)
{
	struct synth_prove *w = sp_open();

	if (!w)
		return -1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	sp_close(*state);
	return 0;
}

static void chain(struct synth_prove *w, uint64_t goid, unsigned int fn)
{
	uint64_t pcs[] = { ss_pc(SBF_GOPARK, 0x15), ss_pc(fn, 0x15),
			   ss_pc(SBF_GOEXIT, 1) };

	sb_chain(w->sb, goid, pcs, 3, NULL);
}

static void populate(struct synth_prove *w)
{
	/* C0: receivers 3 then 4 */
	sb_sudog(w->sb, SB_SG(0), &(struct sb_sudog){
		.g = sb_gaddr(3), .c = C0, .next = SB_SG(1) });
	sb_sudog(w->sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(4), .c = C0, .prev = SB_SG(0) });
	sb_chan(w->sb, C0, &(struct sb_chan){
		.elemsize = 8, .recvq_first = SB_SG(0),
		.recvq_last = SB_SG(1) });
	sb_waiting_g(w->sb, 3, "chan receive", SB_SG(0));
	sb_waiting_g(w->sb, 4, "chan receive", SB_SG(1));
	sp_recv_on(w, 5, 1, 2);
	sp_root_word(w, 0, C1);
	sb_g(w->sb, 6, ST_RUNNING, NULL);
	chain(w, 3, SBF_WORKER);
	chain(w, 4, SBF_MAIN);
	chain(w, 5, SBF_WORKER);
	chain(w, 6, SBF_WORKER);
}

static char *report(struct synth_prove *w, bool prove, char **buf)
{
	struct ld_report_opts o = { .format = LD_FORMAT_TEXT,
				    .group_by = LD_GROUP_BLOCKER,
				    .prove = prove };
	struct ld_error *err;
	size_t len = 0;
	FILE *f = open_memstream(buf, &len);

	assert_non_null(f);
	err = ld_report(w->sb->s, &o, f);
	assert_int_equal(fclose(f), 0);
	if (err)
		fail_msg("report: %s", err->message);
	return *buf;
}

/* The line that starts with prefix (after a newline), or NULL. */
static const char *line_starting(const char *out, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!strncmp(out, prefix, n))
		return out;
	for (const char *p = strchr(out, '\n'); p; p = strchr(p + 1, '\n'))
		if (!strncmp(p + 1, prefix, n))
			return p + 1;
	return NULL;
}

/* Text from p up to the next blank line (one block of the report). */
static char *block_at(const char *p)
{
	const char *end = strstr(p, "\n\n");

	return strndup(p, end ? (size_t)(end - p) + 1 : strlen(p));
}

static char *object_block(const char *out, const char *prefix,
			  uint64_t addr)
{
	char hex[32];
	const char *p;

	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)addr);
	for (p = line_starting(out, prefix); p;
	     p = line_starting(strchr(p, '\n') + 1, prefix)) {
		const char *eol = strchr(p, '\n');

		if (strstr(p, hex) && (!eol || strstr(p, hex) < eol))
			return block_at(p);
	}
	fail_msg("no \"%s\" line for %s in:\n%s", prefix, hex, out);
	return NULL;
}

/*
 * Both of C0's waiters show under C0 with their own stack groups; C1's
 * one waiter under C1; the running goroutine in its stack group.
 */
static void test_objects_grouped_with_waiters(void **state)
{
	struct synth_prove *w = *state;
	char *out = NULL, *c0, *c1;

	populate(w);
	report(w, false, &out);
	c0 = object_block(out, "2 × blocked on ", C0);
	assert_non_null(strstr(c0, "  1 × [chan receive]\n    main.worker()"));
	assert_non_null(strstr(c0, "  1 × [chan receive]\n    main.main()"));
	c1 = object_block(out, "1 × blocked on ", C1);
	assert_non_null(strstr(c1, "  1 × [chan receive]\n    main.worker()"));
	assert_null(strstr(c1, "main.main()"));
	/* biggest first: C0's two waiters come before C1's one */
	assert_true(strstr(out, "2 × blocked on ") <
		    strstr(out, "1 × blocked on "));
	/* goroutine 6 is listed, blocked on nothing */
	assert_non_null(strstr(out, "[running]"));
	assert_non_null(strstr(out, "goroutine 6"));
	/* no verdicts without --prove */
	assert_null(strstr(out, "LEAKED"));
	free(c0);
	free(c1);
	free(out);
}

/* --prove: C0's waiters all leaked, C1's may wake. */
static void test_prove_marks_object_whose_waiters_leaked(void **state)
{
	struct synth_prove *w = *state;
	char *out = NULL, *c0;

	populate(w);
	report(w, true, &out);
	c0 = object_block(out, "LEAKED 2 × blocked on ", C0);
	assert_non_null(strstr(c0, "main.worker()"));
	assert_non_null(strstr(c0, "main.main()"));
	free(object_block(out, "1 × blocked on ", C1));
	assert_null(line_starting(out, "LEAKED 1 × blocked on "));
	assert_null(strstr(out, "LEAKED?"));
	free(c0);
	free(out);
}

/*
 * Goroutine 7 selects on C0 and C1: C1 is reachable, so it may wake, and
 * C0 (listed first in its select) has waiters that did not all leak.
 */
static void test_prove_object_with_waking_waiter_not_marked(void **state)
{
	struct synth_prove *w = *state;
	char *out = NULL;

	populate(w);
	sb_sudog(w->sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(4), .c = C0, .prev = SB_SG(0),
		.next = SB_SG(10) });
	sb_sudog(w->sb, SB_SG(10), &(struct sb_sudog){
		.g = sb_gaddr(7), .c = C0, .is_select = true,
		.prev = SB_SG(1), .waitlink = SB_SG(11) });
	sb_sudog(w->sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(5), .c = C1, .next = SB_SG(11) });
	sb_sudog(w->sb, SB_SG(11), &(struct sb_sudog){
		.g = sb_gaddr(7), .c = C1, .is_select = true,
		.prev = SB_SG(2) });
	sb_chan(w->sb, C0, &(struct sb_chan){
		.elemsize = 8, .recvq_first = SB_SG(0),
		.recvq_last = SB_SG(10) });
	sb_chan(w->sb, C1, &(struct sb_chan){
		.elemsize = 8, .recvq_first = SB_SG(2),
		.recvq_last = SB_SG(11) });
	sb_waiting_g(w->sb, 7, "select", SB_SG(10));
	chain(w, 7, SBF_WORKER);
	report(w, true, &out);
	free(object_block(out, "3 × blocked on ", C0));
	assert_null(line_starting(out, "LEAKED"));
	/* goroutines 3 and 4 still leaked: the summary counts them */
	assert_non_null(strstr(out, "2 leaked"));
	free(out);
}

/* With a gap the mark is a suspicion: "LEAKED?". */
static void test_prove_gap_marks_suspected(void **state)
{
	struct synth_prove *w = *state;
	char *out = NULL;

	populate(w);
	w->sb->s->target.ops = &sp_ops_unlisted;
	report(w, true, &out);
	free(object_block(out, "LEAKED? 2 × blocked on ", C0));
	assert_null(line_starting(out, "LEAKED 2"));
	free(out);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_objects_grouped_with_waiters),
		T(test_prove_marks_object_whose_waiters_leaked),
		T(test_prove_object_with_waking_waiter_not_marked),
		T(test_prove_gap_marks_suspected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
