// SPDX-License-Identifier: MIT
/*
 * ld_blocking_* (ext/blocking/) on a synthetic target
 * (synth_blocking.h): g structs, sudogs, hchans, runtime.semtable treaps,
 * notify lists and sync primitives laid out by hand with Go 1.26's
 * layouts.  Expected values come from the runtime source (chan.go,
 * select.go, sema.go; sync's mutex.go, rwmutex.go, waitgroup.go,
 * cond.go; internal/sync/mutex.go), not from what leakdump happens to
 * compute.
 *
 * Tests marked "Regression" keep fixed bugs fixed: each says what the
 * core once did wrong.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "leakdump/blocking/blocking.h"
#include "blocking/blocking_priv.h"
#include "synth_blocking.h"
#include "leakdump/target/target.h"
/* The generated per-release layout tables, to cross-check Go 1.26's. */
#include "go/rt_fields.h"

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

/* ---- assertion helpers ---- */

static void assert_ids(const struct ld_idlist *l, const uint64_t *want,
		       size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ld_idlist_at(l, i), want[i]);
}

#define ASSERT_IDS(l, ...)						\
	assert_ids((l), (const uint64_t[]){ __VA_ARGS__ },		\
		   sizeof((const uint64_t[]){ __VA_ARGS__ }) /		\
		   sizeof(uint64_t))

/* Goroutine goid has exactly one blocker: return its object. */
static const struct ld_object *only_blocker(struct synth_blocking *sb,
					    uint64_t goid, uint8_t op)
{
	const struct ld_blocker *bl;
	unsigned int n;

	bl = sb_blockers(sb, goid, &n);
	assert_int_equal(n, 1);
	assert_int_equal(bl[0].op, op);
	return sb_obj(sb, &bl[0]);
}

static void assert_no_blocker(struct synth_blocking *sb, uint64_t goid)
{
	unsigned int n;

	assert_null(sb_blockers(sb, goid, &n));
	assert_int_equal(n, 0);
}

static void assert_describe(struct synth_blocking *sb,
			    const struct ld_object *o, const char *want)
{
	ld_strbuf_reset(&sb->out);
	ld_object_describe(sb->s, o, &sb->out);
	assert_null(ld_strbuf_error(&sb->out));
	assert_string_equal(ss_text(&sb->out), want);
}

static void assert_json(struct synth_blocking *sb, const struct ld_object *o,
			uint8_t op, size_t max_ids, const char *want)
{
	ld_strbuf_reset(&sb->out);
	ld_object_json(sb->s, o, op, max_ids, &sb->out);
	assert_null(ld_strbuf_error(&sb->out));
	assert_string_equal(ss_text(&sb->out), want);
}

/* Formatting into a test-local buffer (bounded, for expected strings). */
#define FMT(buf, ...) snprintf((buf), sizeof(buf), __VA_ARGS__)

static void build_ok(struct synth_blocking *sb)
{
	struct ld_error *err = sb_build(sb);

	assert_null(err);
	assert_non_null(sb->b);
}

/* ---- types ---- */

/* abi.Types in the types area (name, tflag: see make_types) */
#define T_EVENT		(SB_TYPES + 0x100)	/* "**main.Event" */
#define T_JOB		(SB_TYPES + 0x140)	/* "main.Job" */
#define T_STRS		(SB_TYPES + 0x180)	/* "*[]string" */
#define T_PTR		(SB_TYPES + 0x1c0)	/* "*main.Event" */
#define T_LONG		(SB_TYPES + 0x200)	/* 200 bytes */
#define T_STARLESS	(SB_TYPES + 0x240)	/* "main.Plain" */

static char long_name[201];

static void make_types(struct synth_blocking *sb)
{
	memset(long_name, 'x', sizeof(long_name) - 1);
	memcpy(long_name, "main.", 5);
	long_name[sizeof(long_name) - 1] = '\0';
	sb_type(sb, T_EVENT, 0x800, TFLAG_EXTRA_STAR, 8, "**main.Event");
	sb_type(sb, T_JOB, 0x840, 0, 32, "main.Job");
	sb_type(sb, T_STRS, 0x880, TFLAG_EXTRA_STAR | 0x1, 24, "*[]string");
	sb_type(sb, T_PTR, 0x8c0, 0, 8, "*main.Event");
	sb_type(sb, T_LONG, 0x900, 0, 1, long_name);
	sb_type(sb, T_STARLESS, 0xa00, TFLAG_EXTRA_STAR, 4, "main.Plain");
}

/* ---- channels ---- */

/*
 * C1: unbuffered chan *main.Event with receivers 1, 2 (chan receive) and
 * 4 (a select case); C2: a full chan main.Job of capacity 4 with senders
 * 3 (chan send) and 4 (the select's other case).  Goroutine 4 is added
 * first, so its channels are first decoded through a select's sudogs.
 */
#define C1 SB_CH(0)
#define C2 SB_CH(1)

static void make_chan_world(struct synth_blocking *sb)
{
	make_types(sb);
	/* select { case <-C1: case C2 <- j: } : g.waiting in lock order */
	sb_sudog(sb, SB_SG(10), &(struct sb_sudog){
		.g = sb_gaddr(4), .c = C1, .is_select = true,
		.prev = SB_SG(2), .waitlink = SB_SG(11) });
	sb_sudog(sb, SB_SG(11), &(struct sb_sudog){
		.g = sb_gaddr(4), .c = C2, .is_select = true,
		.prev = SB_SG(3) });
	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = C1, .next = SB_SG(2) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .c = C1, .prev = SB_SG(1),
		.next = SB_SG(10) });
	sb_sudog(sb, SB_SG(3), &(struct sb_sudog){
		.g = sb_gaddr(3), .c = C2, .next = SB_SG(11) });
	sb_chan(sb, C1, &(struct sb_chan){
		.elemsize = 8, .elemtype = T_EVENT,
		.recvq_first = SB_SG(1), .recvq_last = SB_SG(10) });
	sb_chan(sb, C2, &(struct sb_chan){
		.qcount = 4, .dataqsiz = 4, .elemsize = 32,
		.elemtype = T_JOB,
		.sendq_first = SB_SG(3), .sendq_last = SB_SG(11) });
	sb_waiting_g(sb, 4, "select", SB_SG(10));
	sb_waiting_g(sb, 1, "chan receive", SB_SG(1));
	sb_waiting_g(sb, 2, "chan receive", SB_SG(2));
	sb_waiting_g(sb, 3, "chan send", SB_SG(3));
	sb_g(sb, 5, ST_RUNNING, NULL);
}

static void test_chan_queues_and_select(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *c1, *c2;
	const struct ld_blocker *bl;
	unsigned int n;

	make_chan_world(sb);
	build_ok(sb);

	/* the select waits on both channels, each with its side */
	bl = sb_blockers(sb, 4, &n);
	assert_int_equal(n, 2);
	c1 = sb_obj(sb, &bl[0]);
	c2 = sb_obj(sb, &bl[1]);
	assert_int_equal(c1->kind, LD_BK_CHAN);
	assert_int_equal(c1->addr, C1);
	assert_int_equal(bl[0].op, LD_OP_SELECT_RECV);
	assert_int_equal(c2->kind, LD_BK_CHAN);
	assert_int_equal(c2->addr, C2);
	assert_int_equal(bl[1].op, LD_OP_SELECT_SEND);

	/* plain receives and sends share the decoded objects */
	assert_ptr_equal(only_blocker(sb, 1, LD_OP_RECV), c1);
	assert_ptr_equal(only_blocker(sb, 2, LD_OP_RECV), c1);
	assert_ptr_equal(only_blocker(sb, 3, LD_OP_SEND), c2);
	assert_no_blocker(sb, 5);

	/* C1: the TFlagExtraStar name "**main.Event" is "*main.Event" */
	assert_false(c1->nil);
	assert_non_null(c1->elem_type);
	assert_string_equal(c1->elem_type, "*main.Event");
	assert_int_equal(c1->cap, 0);
	assert_int_equal(c1->len, 0);
	assert_int_equal(c1->elemsize, 8);
	assert_false(c1->closed);
	assert_null(c1->note);
	/* In a whole-dump index, waiters come in dump order. */
	ASSERT_IDS(&c1->receivers, 4, 1, 2);
	assert_int_equal(c1->senders.n, 0);

	assert_non_null(c2->elem_type);
	assert_string_equal(c2->elem_type, "main.Job");
	assert_int_equal(c2->cap, 4);
	assert_int_equal(c2->len, 4);
	assert_int_equal(c2->elemsize, 32);
	assert_false(c2->closed);
	assert_null(c2->note);
	ASSERT_IDS(&c2->senders, 4, 3);
	assert_int_equal(c2->receivers.n, 0);

	/* go-chan reads the queues: the order the runtime wakes them in */
	ld_blocking_queue_order(sb->s, sb->b, c1);
	ASSERT_IDS(&c1->receivers, 1, 2, 4);
	assert_int_equal(c1->senders.n, 0);
	ld_blocking_queue_order(sb->s, sb->b, c2);
	ASSERT_IDS(&c2->senders, 3, 4);
	assert_int_equal(c2->receivers.n, 0);
	assert_null(c1->note);
	assert_null(c2->note);

	assert_ptr_equal(ld_blocking_find(sb->b, LD_BK_CHAN, C1), c1);
	assert_ptr_equal(ld_blocking_find(sb->b, 0, C2), c2);
	assert_null(ld_blocking_find(sb->b, LD_BK_MUTEX, C1));
	assert_null(sb->b->unavailable);
}

static void test_chan_describe_json(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *c1, *c2;
	char want[512];

	make_chan_world(sb);
	build_ok(sb);
	c1 = only_blocker(sb, 1, LD_OP_RECV);
	c2 = only_blocker(sb, 3, LD_OP_SEND);

	FMT(want, "chan *main.Event 0x%llx (unbuffered, open; "
	    "3 receivers, 0 senders)", (unsigned long long)C1);
	assert_describe(sb, c1, want);
	FMT(want, "chan main.Job 0x%llx (buffered 4/4, open; "
	    "0 receivers, 2 senders)", (unsigned long long)C2);
	assert_describe(sb, c2, want);

	FMT(want, "{\"kind\":\"chan\",\"address\":\"0x%llx\",\"op\":\"recv\","
	    "\"nil\":false,\"elem_type\":\"*main.Event\",\"cap\":0,\"len\":0,"
	    "\"closed\":false,\"senders_count\":0,\"receivers_count\":3,"
	    "\"senders\":[],\"receivers\":[4,1,2],\"waiters_count\":0,"
	    "\"waiters\":[]}", (unsigned long long)C1);
	assert_json(sb, c1, LD_OP_RECV, 10, want);
	/* id lists cut at max_ids, counts exact */
	FMT(want, "{\"kind\":\"chan\",\"address\":\"0x%llx\","
	    "\"op\":\"select-recv\",\"nil\":false,"
	    "\"elem_type\":\"*main.Event\",\"cap\":0,\"len\":0,"
	    "\"closed\":false,\"senders_count\":0,\"receivers_count\":3,"
	    "\"senders\":[],\"receivers\":[4,1],\"waiters_count\":0,"
	    "\"waiters\":[],\"ids_truncated\":true}", (unsigned long long)C1);
	assert_json(sb, c1, LD_OP_SELECT_RECV, 2, want);
	FMT(want, "{\"kind\":\"chan\",\"address\":\"0x%llx\","
	    "\"op\":\"select-send\",\"nil\":false,\"elem_type\":\"main.Job\","
	    "\"cap\":4,\"len\":4,\"closed\":false,\"senders_count\":2,"
	    "\"receivers_count\":0,\"senders\":[4,3],\"receivers\":[],"
	    "\"waiters_count\":0,\"waiters\":[]}", (unsigned long long)C2);
	assert_json(sb, c2, LD_OP_SELECT_SEND, 10, want);

	assert_string_equal(ld_chan_op_name(LD_OP_SEND), "send");
	assert_string_equal(ld_chan_op_name(LD_OP_RECV), "recv");
	assert_string_equal(ld_chan_op_name(LD_OP_SELECT_SEND), "select-send");
	assert_string_equal(ld_chan_op_name(LD_OP_SELECT_RECV), "select-recv");
	assert_string_equal(ld_chan_op_name(LD_OP_SELECT), "select");
	assert_null(ld_chan_op_name(LD_OP_NONE));
	assert_string_equal(ld_block_kind_name(LD_BK_CHAN), "chan");
	assert_string_equal(ld_block_kind_name(LD_BK_MUTEX), "mutex");
	assert_string_equal(ld_block_kind_name(LD_BK_RWMUTEX), "rwmutex");
	assert_string_equal(ld_block_kind_name(LD_BK_WAITGROUP), "waitgroup");
	assert_string_equal(ld_block_kind_name(LD_BK_COND), "cond");
	assert_string_equal(ld_block_kind_name(LD_BK_SEMA), "semaphore");
}

/* Element type names: abi.Name decoding and the TFlagExtraStar rule. */
static void test_chan_elem_type_names(void **state)
{
	struct synth_blocking *sb = *state;
	static const struct {
		uint64_t type;
		const char *want;	/* NULL: unknown */
	} cases[] = {
		{ T_EVENT, "*main.Event" },	/* ExtraStar drops one '*' */
		{ T_STRS, "[]string" },		/* other flags ignored */
		{ T_PTR, "*main.Event" },	/* no flag: as stored */
		{ T_LONG, long_name },		/* 2-byte varint length */
		{ T_STARLESS, "main.Plain" },	/* no '*' to drop */
		{ 0, NULL },			/* no elemtype */
		{ SB_UNMAPPED, NULL },		/* elemtype unreadable */
	};
	const struct ld_object *o;

	make_types(sb);
	sb_g(sb, 1, ST_RUNNING, NULL);
	build_ok(sb);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t c = SB_CH(10 + i);

		sb_chan(sb, c, &(struct sb_chan){
			.elemsize = 8, .elemtype = cases[i].type });
		assert_null(ld_blocking_decode(sb->s, sb->b, LD_BK_CHAN, c,
					       &o));
		assert_int_equal(o->addr, c);
		if (cases[i].want) {
			assert_non_null(o->elem_type);
			assert_string_equal(o->elem_type, cases[i].want);
		} else {
			assert_null(o->elem_type);
		}
	}
}

/* Without moduledata.types no name is decoded, and nothing breaks. */
static void test_chan_no_types_area(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;
	char want[256];

	make_chan_world(sb);
	sb->s->types = 0;
	build_ok(sb);
	o = only_blocker(sb, 1, LD_OP_RECV);
	assert_null(o->elem_type);
	ASSERT_IDS(&o->receivers, 4, 1, 2);
	FMT(want, "chan ? 0x%llx (unbuffered, open; 3 receivers, 0 senders)",
	    (unsigned long long)C1);
	assert_describe(sb, o, want);
}

/* ld_blocking_decode: a closed buffered channel nobody waits on. */
static void test_chan_decode_closed(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o, *again;
	struct ld_error *err;
	char want[512];

	make_types(sb);
	sb_chan(sb, SB_CH(20), &(struct sb_chan){
		.qcount = 2, .dataqsiz = 8, .elemsize = 24, .closed = 1,
		.elemtype = T_STRS });
	sb_g(sb, 1, ST_RUNNING, NULL);
	build_ok(sb);
	assert_null(ld_blocking_decode(sb->s, sb->b, LD_BK_CHAN, SB_CH(20),
				       &o));
	assert_int_equal(o->kind, LD_BK_CHAN);
	assert_true(o->closed);
	assert_int_equal(o->cap, 8);
	assert_int_equal(o->len, 2);
	assert_int_equal(o->elemsize, 24);
	assert_string_equal(o->elem_type, "[]string");
	assert_int_equal(o->senders.n + o->receivers.n, 0);
	assert_null(o->note);
	FMT(want, "chan []string 0x%llx (buffered 2/8, closed; "
	    "0 receivers, 0 senders)", (unsigned long long)SB_CH(20));
	assert_describe(sb, o, want);
	/* decoded once: the same object comes back */
	assert_null(ld_blocking_decode(sb->s, sb->b, LD_BK_CHAN, SB_CH(20),
				       &again));
	assert_ptr_equal(again, o);
	/* nothing mapped there: an error, and no object */
	err = ld_blocking_decode(sb->s, sb->b, LD_BK_CHAN, SB_UNMAPPED, &o);
	assert_ptr_equal(o, again);
	assert_null(ld_blocking_find(sb->b, LD_BK_CHAN, SB_UNMAPPED));
	ld_error_destroy(err);
	assert_non_null(err);
}

/* Nil channels: a goroutine parked forever on "chan receive (nil chan)". */
static void test_chan_nil(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *r, *s;

	sb_waiting_g(sb, 1, "chan receive (nil chan)", 0);
	sb_waiting_g(sb, 2, "chan send (nil chan)", 0);
	/* select {} has no cases and no channel */
	sb_waiting_g(sb, 3, "select (no cases)", 0);
	build_ok(sb);
	r = only_blocker(sb, 1, LD_OP_RECV);
	s = only_blocker(sb, 2, LD_OP_SEND);
	assert_no_blocker(sb, 3);
	assert_int_equal(r->kind, LD_BK_CHAN);
	assert_true(r->nil);
	assert_int_equal(r->addr, 0);
	assert_true(s->nil);
	assert_int_equal(s->addr, 0);
	assert_describe(sb, r, "nil chan (can never proceed)");
	assert_json(sb, s, LD_OP_SEND, 10,
		    "{\"kind\":\"chan\",\"address\":\"0x0\",\"op\":\"send\","
		    "\"nil\":true,\"elem_type\":null,\"cap\":0,\"len\":0,"
		    "\"closed\":false,\"senders_count\":0,"
		    "\"receivers_count\":0,\"senders\":[],\"receivers\":[],"
		    "\"waiters_count\":0,\"waiters\":[]}");
}

/*
 * Not one blocker in the whole target, so no blocker array at all (found
 * by fuzz_goroutines: the look-up offset a null array).
 */
static void test_no_blocker_anywhere(void **state)
{
	struct synth_blocking *sb = *state;

	sb_waiting_g(sb, 1, "select (no cases)", 0);
	sb_g(sb, 2, ST_RUNNABLE, NULL);
	build_ok(sb);
	assert_no_blocker(sb, 1);
	assert_no_blocker(sb, 2);
}

/*
 * Go 1.26's leak detector hides sudog.c from the GC (vp = nil); vu stays
 * the source of truth (maybeTraceablePtr.get).
 */
static void test_chan_untraced_sudog(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;

	make_types(sb);
	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = SB_CH(3), .untraced = true });
	sb_chan(sb, SB_CH(3), &(struct sb_chan){
		.elemsize = 8, .elemtype = T_EVENT,
		.recvq_first = SB_SG(1), .recvq_last = SB_SG(1) });
	sb_waiting_g(sb, 1, "chan receive", SB_SG(1));
	build_ok(sb);
	o = only_blocker(sb, 1, LD_OP_RECV);
	assert_int_equal(o->addr, SB_CH(3));
	ASSERT_IDS(&o->receivers, 1);
}

/* A select case whose sudog is in neither queue: "select", side unknown. */
static void test_chan_select_side_unknown(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_blocker *bl;
	unsigned int n;

	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = SB_CH(0), .is_select = true,
		.waitlink = SB_SG(2) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = SB_CH(1), .is_select = true });
	sb_chan(sb, SB_CH(0), &(struct sb_chan){ .elemsize = 8 });
	sb_chan(sb, SB_CH(1), &(struct sb_chan){
		.elemsize = 8, .sendq_first = SB_SG(2),
		.sendq_last = SB_SG(2) });
	sb_waiting_g(sb, 1, "select", SB_SG(1));
	build_ok(sb);
	bl = sb_blockers(sb, 1, &n);
	assert_int_equal(n, 2);
	assert_int_equal(sb_obj(sb, &bl[0])->addr, SB_CH(0));
	assert_int_equal(bl[0].op, LD_OP_SELECT);
	assert_int_equal(sb_obj(sb, &bl[1])->addr, SB_CH(1));
	assert_int_equal(bl[1].op, LD_OP_SELECT_SEND);
}

/* Corrupt channel structures end their walks with a note. */
static void test_chan_corrupt(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;
	char want[256];

	/* recvq: a cycle of two sudogs */
	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = SB_CH(0), .next = SB_SG(2) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .c = SB_CH(0), .next = SB_SG(1) });
	sb_chan(sb, SB_CH(0), &(struct sb_chan){
		.elemsize = 8, .recvq_first = SB_SG(1),
		.recvq_last = SB_SG(2) });
	sb_waiting_g(sb, 1, "chan receive", SB_SG(1));
	sb_waiting_g(sb, 2, "chan receive", SB_SG(2));
	/* sendq points into unmapped memory */
	sb_sudog(sb, SB_SG(3), &(struct sb_sudog){
		.g = sb_gaddr(3), .c = SB_CH(1) });
	sb_chan(sb, SB_CH(1), &(struct sb_chan){
		.elemsize = 8, .sendq_first = SB_UNMAPPED,
		.sendq_last = SB_UNMAPPED });
	sb_waiting_g(sb, 3, "chan send", SB_SG(3));
	/* qcount > dataqsiz */
	sb_sudog(sb, SB_SG(4), &(struct sb_sudog){
		.g = sb_gaddr(4), .c = SB_CH(2) });
	sb_chan(sb, SB_CH(2), &(struct sb_chan){
		.qcount = 5, .dataqsiz = 2, .elemsize = 8,
		.sendq_first = SB_SG(4), .sendq_last = SB_SG(4) });
	sb_waiting_g(sb, 4, "chan send", SB_SG(4));
	/* g.waiting into unmapped memory; g.waiting nil */
	sb_waiting_g(sb, 5, "chan receive", SB_UNMAPPED);
	sb_waiting_g(sb, 6, "chan send", 0);
	/* the hchan itself unmapped */
	sb_sudog(sb, SB_SG(7), &(struct sb_sudog){
		.g = sb_gaddr(7), .c = SB_UNMAPPED });
	sb_waiting_g(sb, 7, "chan receive", SB_SG(7));
	build_ok(sb);

	/* The dump's index lists waiters by their own sudogs ... */
	o = only_blocker(sb, 1, LD_OP_RECV);
	assert_ptr_equal(only_blocker(sb, 2, LD_OP_RECV), o);
	assert_null(o->note);
	ASSERT_IDS(&o->receivers, 1, 2);
	/* ... and the queue walk (go-chan) finds the cycle, bounded. */
	ld_blocking_queue_order(sb->s, sb->b, o);
	assert_non_null(o->note);
	assert_string_equal(o->note, "channel wait queue too long");
	ASSERT_IDS(&o->receivers, 1, 2);

	o = only_blocker(sb, 3, LD_OP_SEND);
	assert_null(o->note);
	ASSERT_IDS(&o->senders, 3);
	ld_blocking_queue_order(sb->s, sb->b, o);
	assert_non_null(o->note);
	assert_string_equal(o->note, "channel wait queue unreadable");
	assert_int_equal(o->senders.n, 0);

	o = only_blocker(sb, 4, LD_OP_SEND);
	assert_non_null(o->note);
	assert_string_equal(o->note, "channel length exceeds capacity");
	ASSERT_IDS(&o->senders, 4);
	FMT(want, "chan ? 0x%llx (buffered 5/2, open; 0 receivers, "
	    "1 senders) [channel length exceeds capacity]",
	    (unsigned long long)SB_CH(2));
	assert_describe(sb, o, want);

	assert_no_blocker(sb, 5);
	assert_no_blocker(sb, 6);

	/* Its own sudog still says who waits on the unreadable channel. */
	o = only_blocker(sb, 7, LD_OP_RECV);
	assert_int_equal(o->addr, SB_UNMAPPED);
	assert_non_null(o->note);
	assert_string_equal(o->note, "channel unreadable");
	FMT(want, "{\"kind\":\"chan\",\"address\":\"0x%llx\","
	    "\"note\":\"channel unreadable\",\"op\":\"recv\",\"nil\":false,"
	    "\"elem_type\":null,\"cap\":0,\"len\":0,\"closed\":false,"
	    "\"senders_count\":0,\"receivers_count\":1,\"senders\":[],"
	    "\"receivers\":[7],\"waiters_count\":0,\"waiters\":[]}",
	    (unsigned long long)SB_UNMAPPED);
	assert_json(sb, o, LD_OP_RECV, 10, want);
}

/*
 * A sudog whose channel pointer is no user address at all (its top byte
 * set; it once hashed to the object index's empty key) gets an object of
 * its own and a note, and the goroutines after it are unaffected.
 */
static void test_chan_pointer_not_an_address(void **state)
{
	struct synth_blocking *sb = *state;
	const uint64_t bad = 0x0100000000000001ull;
	const struct ld_object *o;

	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = bad });
	sb_waiting_g(sb, 1, "chan receive", SB_SG(1));
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .c = SB_CH(0) });
	sb_chan(sb, SB_CH(0), &(struct sb_chan){
		.elemsize = 8, .recvq_first = SB_SG(2),
		.recvq_last = SB_SG(2) });
	sb_waiting_g(sb, 2, "chan receive", SB_SG(2));
	build_ok(sb);
	o = only_blocker(sb, 1, LD_OP_RECV);
	assert_int_equal(o->addr, bad);
	assert_non_null(o->note);
	assert_string_equal(o->note, "channel unreadable");
	assert_null(ld_blocking_find(sb->b, LD_BK_CHAN, bad));
	o = only_blocker(sb, 2, LD_OP_RECV);
	assert_int_equal(o->addr, SB_CH(0));
	assert_null(o->note);
	ASSERT_IDS(&o->receivers, 2);
}

/* A g.waiting list that cycles (select's waitlink) stays bounded. */
static void test_chan_waitlink_cycle_bounded(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_blocker *bl;
	unsigned int n;

	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = SB_CH(0), .is_select = true,
		.waitlink = SB_SG(2) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = SB_CH(1), .is_select = true,
		.waitlink = SB_SG(1) });
	sb_chan(sb, SB_CH(0), &(struct sb_chan){
		.elemsize = 8, .recvq_first = SB_SG(1),
		.recvq_last = SB_SG(1) });
	sb_chan(sb, SB_CH(1), &(struct sb_chan){
		.elemsize = 8, .recvq_first = SB_SG(2),
		.recvq_last = SB_SG(2) });
	sb_waiting_g(sb, 1, "select", SB_SG(1));
	sb_waiting_g(sb, 2, "chan receive (nil chan)", 0);
	build_ok(sb);
	bl = sb_blockers(sb, 1, &n);
	assert_true(n >= 2);
	assert_int_equal(sb_obj(sb, &bl[0])->addr, SB_CH(0));
	assert_int_equal(bl[0].op, LD_OP_SELECT_RECV);
	assert_int_equal(sb_obj(sb, &bl[1])->addr, SB_CH(1));
	assert_int_equal(bl[1].op, LD_OP_SELECT_RECV);
	/* the next goroutine's blockers are its own */
	assert_true(only_blocker(sb, 2, LD_OP_RECV)->nil);
}

/*
 * Go 1.25+ parks goroutines of a synctest bubble on a bubbled channel
 * with waitReasonSynctestChanReceive/-Send/-Select ("chan receive
 * (durable)", ...; runtime/chan.go chansend/chanrecv, select.go
 * selectgo); they wait on g.waiting's sudogs exactly like "chan receive".
 */
static void test_chan_durable_wait_reasons(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_blocker *bl;
	unsigned int n;

	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .c = SB_CH(0) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .c = SB_CH(0) });
	sb_sudog(sb, SB_SG(3), &(struct sb_sudog){
		.g = sb_gaddr(3), .c = SB_CH(0), .is_select = true });
	sb_chan(sb, SB_CH(0), &(struct sb_chan){
		.elemsize = 8, .recvq_first = SB_SG(1),
		.recvq_last = SB_SG(1), .sendq_first = SB_SG(2),
		.sendq_last = SB_SG(3) });
	sb_w64(sb, SB_SG(2) + G126_SG_NEXT, SB_SG(3));
	sb_waiting_g(sb, 1, "chan receive (durable)", SB_SG(1));
	sb_waiting_g(sb, 2, "chan send (durable)", SB_SG(2));
	sb_waiting_g(sb, 3, "select (durable)", SB_SG(3));
	build_ok(sb);
	only_blocker(sb, 1, LD_OP_RECV);
	only_blocker(sb, 2, LD_OP_SEND);
	bl = sb_blockers(sb, 3, &n);
	assert_int_equal(n, 1);
	assert_int_equal(bl[0].op, LD_OP_SELECT_SEND);
	ASSERT_IDS(&sb_obj(sb, bl)->receivers, 1);
	ASSERT_IDS(&sb_obj(sb, bl)->senders, 2, 3);
}

/* ---- the semaphore table and sync primitives ---- */

/*
 * Root R holds one treap:
 *
 *                N1 wg.sema (g1, WaitGroup.Wait)
 *               /                    \
 *   N2 mu.sema (g2)             N3 rw.readerSem (g3, RWMutex.RLock)
 *   waitlink W1 (g4)            /                   \
 *   waitlink W2 (g5)   N4 rw.writerSem (g6)   N5 plain sema (g8)
 *
 * Root R2: mu2.sema (g7) with waitlink g11; root R3: rw2.readerSem (g10).
 * g9 runs with mu on its stack, g11 (waiting on mu2) holds mu too, g12
 * holds rw and mu's sema word (not mu itself).
 */
#define ROOT_R	17
#define ROOT_R2	101
#define ROOT_R3	250

struct sync_world {
	uint64_t mu, wg, rw, sema, mu2, rw2;
};

static void make_sync_world(struct synth_blocking *sb, struct sync_world *w)
{
	uint64_t pcs[3] = {
		ss_pc(SBF_GOPARK, 0x25), ss_pc(SBF_WORKER, 0x25),
		ss_pc(SBF_GOEXIT, 1),
	};

	w->mu = sb_place(SB_SYNC(0), G126_MUTEX_SEMA_INT, ROOT_R);
	w->wg = sb_place(SB_SYNC(1), G126_WG_SEMA, ROOT_R);
	w->rw = sb_place(SB_SYNC(2), G126_RW_READER_SEM, ROOT_R);
	w->sema = sb_place(SB_SYNC(3), 0, ROOT_R);
	w->mu2 = sb_place(SB_SYNC(4), G126_MUTEX_SEMA_INT, ROOT_R2);
	w->rw2 = sb_place(SB_SYNC(5), G126_RW_READER_SEM, ROOT_R3);
	/* writerSem (rw+8) and readerSem (rw+12) share a root */
	assert_int_equal(sb_root_of(w->rw + G126_RW_WRITER_SEM), ROOT_R);

	/* internal/sync.Mutex: locked | starving, 3 waiters */
	sb_w32(sb, w->mu, 1 | 4 | 3 << 3);
	/* locked | woken, 2 waiters */
	sb_w32(sb, w->mu2, 1 | 2 | 2 << 3);
	/* a writer (holding rw.w) waits for 2 readers; 1 reader queued */
	sb_w32(sb, w->rw, 1);
	sb_w32(sb, w->rw + G126_RW_READER_COUNT,
	       (uint32_t)(-RW_MAX_READERS + 3));
	sb_w32(sb, w->rw + G126_RW_READER_WAIT, 2);
	/* write-locked, 1 reader queued */
	sb_w32(sb, w->rw2, 1);
	sb_w32(sb, w->rw2 + G126_RW_READER_COUNT,
	       (uint32_t)(-RW_MAX_READERS + 1));
	sb_w32(sb, w->rw2 + G126_RW_READER_WAIT, 0);
	/* counter 2, synctest bubble flag (bit 31), 1 waiter */
	sb_w64(sb, w->wg + G126_WG_STATE, 2ull << 32 | 0x80000000ull | 1);

	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){	/* N1 */
		.g = sb_gaddr(1), .elem = w->wg + G126_WG_SEMA,
		.prev = SB_SG(2), .next = SB_SG(3) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){	/* N2 */
		.g = sb_gaddr(2), .elem = w->mu + G126_MUTEX_SEMA_INT,
		.waitlink = SB_SG(20) });
	sb_sudog(sb, SB_SG(20), &(struct sb_sudog){	/* W1 */
		.g = sb_gaddr(4), .elem = w->mu + G126_MUTEX_SEMA_INT,
		.waitlink = SB_SG(21) });
	sb_sudog(sb, SB_SG(21), &(struct sb_sudog){	/* W2 */
		.g = sb_gaddr(5), .elem = w->mu + G126_MUTEX_SEMA_INT,
		.untraced = true });
	sb_sudog(sb, SB_SG(3), &(struct sb_sudog){	/* N3 */
		.g = sb_gaddr(3), .elem = w->rw + G126_RW_READER_SEM,
		.prev = SB_SG(4), .next = SB_SG(5) });
	sb_sudog(sb, SB_SG(4), &(struct sb_sudog){	/* N4 */
		.g = sb_gaddr(6), .elem = w->rw + G126_RW_WRITER_SEM });
	sb_sudog(sb, SB_SG(5), &(struct sb_sudog){	/* N5 */
		.g = sb_gaddr(8), .elem = w->sema });
	sb_root(sb, ROOT_R, SB_SG(1));
	sb_sudog(sb, SB_SG(6), &(struct sb_sudog){
		.g = sb_gaddr(7), .elem = w->mu2 + G126_MUTEX_SEMA_INT,
		.waitlink = SB_SG(22) });
	sb_sudog(sb, SB_SG(22), &(struct sb_sudog){
		.g = sb_gaddr(11), .elem = w->mu2 + G126_MUTEX_SEMA_INT });
	sb_root(sb, ROOT_R2, SB_SG(6));
	sb_sudog(sb, SB_SG(7), &(struct sb_sudog){
		.g = sb_gaddr(10), .elem = w->rw2 + G126_RW_READER_SEM });
	sb_root(sb, ROOT_R3, SB_SG(7));

	/* semacquire1 sets g.waiting to the sudog too (sema.go queue) */
	sb_waiting_g(sb, 1, "sync.WaitGroup.Wait", SB_SG(1));
	sb_waiting_g(sb, 2, "sync.Mutex.Lock", SB_SG(2));
	sb_waiting_g(sb, 3, "sync.RWMutex.RLock", SB_SG(3));
	sb_waiting_g(sb, 4, "sync.Mutex.Lock", SB_SG(20));
	sb_waiting_g(sb, 5, "sync.Mutex.Lock", SB_SG(21));
	sb_waiting_g(sb, 6, "sync.RWMutex.Lock", SB_SG(4));
	sb_waiting_g(sb, 7, "sync.Mutex.Lock", SB_SG(6));
	sb_waiting_g(sb, 8, "semacquire", SB_SG(5));
	sb_chain(sb, 8, pcs, 3, NULL);
	sb_g(sb, 9, ST_RUNNABLE, NULL);
	sb_waiting_g(sb, 10, "sync.RWMutex.RLock", SB_SG(7));
	sb_waiting_g(sb, 11, "sync.Mutex.Lock", SB_SG(22));
	sb_g(sb, 12, ST_RUNNABLE, NULL);

	/* stacks: who holds what */
	sb_stack_word(sb, 9, 3, w->mu);
	sb_stack_word(sb, 11, 5, w->mu);
	sb_stack_word(sb, 2, 4, w->mu);	/* a waiter: not a holder */
	sb_stack_word(sb, 12, 2, w->mu + G126_MUTEX_SEMA_INT);
	sb_stack_word(sb, 12, 6, w->rw);
}

static void test_sema_treap_walk(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *mu, *mu2, *rw, *rw2, *wg, *sema;
	struct sync_world w;

	make_sync_world(sb, &w);
	build_ok(sb);
	assert_null(sb->b->unavailable);

	/* every treap node and waitlink sudog is listed once, for --prove */
	{
		static const unsigned int want[] = { 1, 2, 20, 21, 3, 4, 5,
						     6, 22, 7 };
		size_t n = sb->b->nsema_sudogs;

		assert_int_equal(n, sizeof(want) / sizeof(want[0]));
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			size_t j = 0;

			while (j < n && sb->b->sema_sudogs[j] != SB_SG(want[i]))
				j++;
			assert_true(j < n);
		}
	}

	/* the primitive is the semaphore's address minus its offset */
	mu = only_blocker(sb, 2, LD_OP_NONE);
	assert_int_equal(mu->kind, LD_BK_MUTEX);
	assert_int_equal(mu->addr, w.mu);
	assert_int_equal(mu->sema, w.mu + G126_MUTEX_SEMA_INT);
	/* the node's waitlink chain: all three wait on the same mutex */
	assert_ptr_equal(only_blocker(sb, 4, LD_OP_NONE), mu);
	assert_ptr_equal(only_blocker(sb, 5, LD_OP_NONE), mu);
	ASSERT_IDS(&mu->waiters, 2, 4, 5);

	wg = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(wg->kind, LD_BK_WAITGROUP);
	assert_int_equal(wg->addr, w.wg);
	assert_int_equal(wg->sema, w.wg + G126_WG_SEMA);
	ASSERT_IDS(&wg->waiters, 1);

	/* reader (readerSem) and writer (writerSem): one RWMutex */
	rw = only_blocker(sb, 3, LD_OP_NONE);
	assert_int_equal(rw->kind, LD_BK_RWMUTEX);
	assert_int_equal(rw->addr, w.rw);
	assert_ptr_equal(only_blocker(sb, 6, LD_OP_NONE), rw);
	ASSERT_IDS(&rw->waiters, 3, 6);

	/* plain semacquire with no sync frame: the semaphore itself */
	sema = only_blocker(sb, 8, LD_OP_NONE);
	assert_int_equal(sema->kind, LD_BK_SEMA);
	assert_int_equal(sema->addr, w.sema);
	assert_int_equal(sema->sema, w.sema);
	ASSERT_IDS(&sema->waiters, 8);

	mu2 = only_blocker(sb, 7, LD_OP_NONE);
	assert_int_equal(mu2->kind, LD_BK_MUTEX);
	assert_int_equal(mu2->addr, w.mu2);
	assert_ptr_equal(only_blocker(sb, 11, LD_OP_NONE), mu2);
	ASSERT_IDS(&mu2->waiters, 7, 11);

	rw2 = only_blocker(sb, 10, LD_OP_NONE);
	assert_int_equal(rw2->kind, LD_BK_RWMUTEX);
	assert_int_equal(rw2->addr, w.rw2);
	ASSERT_IDS(&rw2->waiters, 10);

	assert_no_blocker(sb, 9);
	assert_no_blocker(sb, 12);
	assert_ptr_equal(ld_blocking_find(sb->b, LD_BK_MUTEX, w.mu), mu);
	assert_ptr_equal(ld_blocking_find(sb->b, LD_BK_WAITGROUP, w.wg), wg);
	assert_null(ld_blocking_find(sb->b, LD_BK_MUTEX, w.wg));
}

static void test_sync_state_decoding(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;
	struct sync_world w;

	make_sync_world(sb, &w);
	build_ok(sb);

	o = ld_blocking_find(sb->b, LD_BK_MUTEX, w.mu);
	assert_non_null(o);
	assert_true(o->locked);
	assert_false(o->woken);
	assert_true(o->starving);
	assert_int_equal(o->mutex_waiters, 3);
	assert_null(o->note);

	o = ld_blocking_find(sb->b, LD_BK_MUTEX, w.mu2);
	assert_non_null(o);
	assert_true(o->locked);
	assert_true(o->woken);
	assert_false(o->starving);
	assert_int_equal(o->mutex_waiters, 2);

	/* readerCount = -max + 3, readerWait = 2 */
	o = ld_blocking_find(sb->b, LD_BK_RWMUTEX, w.rw);
	assert_non_null(o);
	assert_int_equal(o->readers, 2);
	assert_true(o->writer_waiting);
	assert_false(o->write_locked);
	assert_int_equal(o->readers_waiting, 1);
	assert_true(o->locked);		/* rw.w, held by the writer */
	assert_null(o->note);

	/* readerCount = -max + 1, readerWait = 0 */
	o = ld_blocking_find(sb->b, LD_BK_RWMUTEX, w.rw2);
	assert_non_null(o);
	assert_int_equal(o->readers, 0);
	assert_false(o->writer_waiting);
	assert_true(o->write_locked);
	assert_int_equal(o->readers_waiting, 1);

	/* the bubble flag (bit 31) is not part of the waiter count */
	o = ld_blocking_find(sb->b, LD_BK_WAITGROUP, w.wg);
	assert_non_null(o);
	assert_int_equal(o->counter, 2);
	assert_int_equal(o->mutex_waiters, 1);
	assert_null(o->note);
}

/* Decoding primitives nobody waits on (go-mutex): more state words. */
static void test_sync_decode_states(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;
	uint64_t m = SB_SYNC(10), r1 = SB_SYNC(11), r2 = SB_SYNC(12);
	char want[256];

	sb_g(sb, 1, ST_RUNNABLE, NULL);
	sb_g(sb, 2, ST_RUNNABLE, NULL);
	sb_stack_word(sb, 2, 1, r1);
	/* unlocked, no waiters */
	sb_w32(sb, m, 0);
	/* three readers hold it */
	sb_w32(sb, r1 + G126_RW_READER_COUNT, 3);
	/* writer waits for 1 departing reader, 4 readers queued */
	sb_w32(sb, r2, 1);
	sb_w32(sb, r2 + G126_RW_READER_COUNT,
	       (uint32_t)(-RW_MAX_READERS + 1 + 4));
	sb_w32(sb, r2 + G126_RW_READER_WAIT, 1);
	build_ok(sb);

	assert_null(ld_blocking_decode(sb->s, sb->b, LD_BK_MUTEX, m, &o));
	assert_false(o->locked);
	assert_false(o->woken);
	assert_false(o->starving);
	assert_int_equal(o->mutex_waiters, 0);
	assert_true(o->scanned);
	assert_int_equal(o->candidates.n, 0);
	FMT(want, "sync.Mutex 0x%llx (unlocked; 0 waiters)",
	    (unsigned long long)m);
	assert_describe(sb, o, want);

	assert_null(ld_blocking_decode(sb->s, sb->b, LD_BK_RWMUTEX, r1, &o));
	assert_int_equal(o->readers, 3);
	assert_false(o->writer_waiting);
	assert_false(o->write_locked);
	assert_int_equal(o->readers_waiting, 0);
	/* decode scans stacks for candidates too */
	ASSERT_IDS(&o->candidates, 2);
	FMT(want, "sync.RWMutex 0x%llx (3 readers; 0 waiters; "
	    "candidate holders: goroutine 2)", (unsigned long long)r1);
	assert_describe(sb, o, want);

	assert_null(ld_blocking_decode(sb->s, sb->b, LD_BK_RWMUTEX, r2, &o));
	assert_int_equal(o->readers, 1);
	assert_true(o->writer_waiting);
	assert_false(o->write_locked);
	assert_int_equal(o->readers_waiting, 4);
	FMT(want, "sync.RWMutex 0x%llx (1 readers, a writer waiting for them, "
	    "4 readers queued; 0 waiters)", (unsigned long long)r2);
	assert_describe(sb, o, want);
}

/*
 * A corrupt g's sp off the 8-byte grid (found by fuzz_goroutines): its
 * stack is scanned from the next aligned word, where pointers live.
 */
static void test_candidates_unaligned_sp(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;
	uint64_t m = SB_SYNC(10);
	struct ld_goroutine *g;

	sb_g(sb, 1, ST_RUNNABLE, NULL);
	g = sb_g(sb, 2, ST_RUNNABLE, NULL);
	g->sp += 4;
	ss_word(sb->ss, g->sp + 4, m);
	sb_w32(sb, m, 0);
	build_ok(sb);
	assert_null(ld_blocking_decode(sb->s, sb->b, LD_BK_MUTEX, m, &o));
	ASSERT_IDS(&o->candidates, 2);
}

static void test_mutex_candidates(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;
	struct sync_world w;

	make_sync_world(sb, &w);
	build_ok(sb);
	/* g9 (running) and g11 (waiting on another mutex); g2 waits on it */
	o = ld_blocking_find(sb->b, LD_BK_MUTEX, w.mu);
	assert_true(o->scanned);
	ASSERT_IDS(&o->candidates, 9, 11);
	/* nobody has mu2 on its stack */
	o = ld_blocking_find(sb->b, LD_BK_MUTEX, w.mu2);
	assert_true(o->scanned);
	assert_int_equal(o->candidates.n, 0);
	o = ld_blocking_find(sb->b, LD_BK_RWMUTEX, w.rw);
	ASSERT_IDS(&o->candidates, 12);
	/* no candidates for WaitGroups */
	o = ld_blocking_find(sb->b, LD_BK_WAITGROUP, w.wg);
	assert_int_equal(o->candidates.n, 0);
}

static void test_sync_describe_json(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;
	struct sync_world w;
	char want[1024];

	make_sync_world(sb, &w);
	build_ok(sb);

	o = ld_blocking_find(sb->b, LD_BK_MUTEX, w.mu);
	FMT(want, "sync.Mutex 0x%llx (locked, starving; 3 waiters; "
	    "candidate holders: goroutine 9, 11)", (unsigned long long)w.mu);
	assert_describe(sb, o, want);
	FMT(want, "{\"kind\":\"mutex\",\"address\":\"0x%llx\","
	    "\"sema\":\"0x%llx\",\"locked\":true,\"starving\":true,"
	    "\"woken\":false,\"state_waiters\":3,"
	    "\"candidate_holders\":[9,11],\"waiters_count\":3,"
	    "\"waiters\":[2,4,5]}", (unsigned long long)w.mu,
	    (unsigned long long)(w.mu + G126_MUTEX_SEMA_INT));
	assert_json(sb, o, LD_OP_NONE, 10, want);
	FMT(want, "{\"kind\":\"mutex\",\"address\":\"0x%llx\","
	    "\"sema\":\"0x%llx\",\"locked\":true,\"starving\":true,"
	    "\"woken\":false,\"state_waiters\":3,"
	    "\"candidate_holders\":[9],\"waiters_count\":3,"
	    "\"waiters\":[2],\"ids_truncated\":true}",
	    (unsigned long long)w.mu,
	    (unsigned long long)(w.mu + G126_MUTEX_SEMA_INT));
	assert_json(sb, o, LD_OP_NONE, 1, want);

	o = ld_blocking_find(sb->b, LD_BK_MUTEX, w.mu2);
	FMT(want, "sync.Mutex 0x%llx (locked; 2 waiters)",
	    (unsigned long long)w.mu2);
	assert_describe(sb, o, want);

	o = ld_blocking_find(sb->b, LD_BK_RWMUTEX, w.rw);
	FMT(want, "sync.RWMutex 0x%llx (2 readers, a writer waiting for them, "
	    "1 readers queued; 2 waiters; candidate holders: goroutine 12)",
	    (unsigned long long)w.rw);
	assert_describe(sb, o, want);
	FMT(want, "{\"kind\":\"rwmutex\",\"address\":\"0x%llx\","
	    "\"sema\":\"0x%llx\",\"locked\":true,\"starving\":false,"
	    "\"woken\":false,\"state_waiters\":0,\"readers\":2,"
	    "\"writer_waiting\":true,\"write_locked\":false,"
	    "\"readers_waiting\":1,\"candidate_holders\":[12],"
	    "\"waiters_count\":2,\"waiters\":[3,6]}",
	    (unsigned long long)w.rw,
	    (unsigned long long)(w.rw + G126_RW_READER_SEM));
	assert_json(sb, o, LD_OP_NONE, 10, want);

	o = ld_blocking_find(sb->b, LD_BK_RWMUTEX, w.rw2);
	FMT(want, "sync.RWMutex 0x%llx (write-locked, 1 readers queued; "
	    "1 waiters)", (unsigned long long)w.rw2);
	assert_describe(sb, o, want);

	o = ld_blocking_find(sb->b, LD_BK_WAITGROUP, w.wg);
	FMT(want, "sync.WaitGroup 0x%llx (counter 2; 1 waiters)",
	    (unsigned long long)w.wg);
	assert_describe(sb, o, want);
	FMT(want, "{\"kind\":\"waitgroup\",\"address\":\"0x%llx\","
	    "\"sema\":\"0x%llx\",\"counter\":2,\"state_waiters\":1,"
	    "\"waiters_count\":1,\"waiters\":[1]}",
	    (unsigned long long)w.wg,
	    (unsigned long long)(w.wg + G126_WG_SEMA));
	assert_json(sb, o, LD_OP_NONE, 10, want);

	o = ld_blocking_find(sb->b, LD_BK_SEMA, w.sema);
	FMT(want, "semaphore 0x%llx (1 waiters)", (unsigned long long)w.sema);
	assert_describe(sb, o, want);
}

/*
 * Before Go 1.24 WaitGroup.Wait parked as plain "semacquire": the frames
 * say which primitive it is.
 */
static void test_semacquire_frames(void **state)
{
	struct synth_blocking *sb = *state;
	const uint64_t pcs[5] = {
		ss_pc(SBF_GOPARK, 0x25), ss_pc(SBF_WG_WAIT, 0x25),
		ss_pc(SBF_MAIN, 0x25), ss_pc(SBF_RTMAIN, 0x25),
		ss_pc(SBF_GOEXIT, 1),
	};
	uint64_t wg = sb_place(SB_SYNC(0), G126_WG_SEMA, 40);
	const struct ld_object *o;

	sb_w64(sb, wg + G126_WG_STATE, 1ull << 32 | 1);
	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .elem = wg + G126_WG_SEMA });
	sb_root(sb, 40, SB_SG(1));
	sb_waiting_g(sb, 1, "semacquire", SB_SG(1));
	sb_chain(sb, 1, pcs, 5, NULL);
	build_ok(sb);
	o = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(o->kind, LD_BK_WAITGROUP);
	assert_int_equal(o->addr, wg);
	assert_int_equal(o->counter, 1);
	assert_int_equal(o->mutex_waiters, 1);
	ASSERT_IDS(&o->waiters, 1);
}

/*
 * Go 1.25+ parks WaitGroup.Wait inside a synctest bubble with
 * waitReasonSynctestWaitGroupWait ("sync.WaitGroup.Wait (durable)",
 * sync_runtime_SemacquireWaitGroup in runtime/sema.go): still a
 * WaitGroup, even with no sync.(*WaitGroup).Wait frame to go by.
 */
static void test_waitgroup_durable_reason(void **state)
{
	struct synth_blocking *sb = *state;
	uint64_t wg = sb_place(SB_SYNC(0), G126_WG_SEMA, 41);
	const struct ld_object *o;

	sb_w64(sb, wg + G126_WG_STATE, 1ull << 32 | 0x80000000ull | 1);
	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .elem = wg + G126_WG_SEMA });
	sb_root(sb, 41, SB_SG(1));
	sb_waiting_g(sb, 1, "sync.WaitGroup.Wait (durable)", SB_SG(1));
	build_ok(sb);
	o = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(o->kind, LD_BK_WAITGROUP);
	assert_int_equal(o->addr, wg);
	assert_int_equal(o->counter, 1);
	assert_int_equal(o->mutex_waiters, 1);
}

/* A sync wait whose g is in no treap has no blocker (and no crash). */
static void test_sema_waiter_not_in_table(void **state)
{
	struct synth_blocking *sb = *state;

	sb_waiting_g(sb, 1, "sync.Mutex.Lock", 0);
	sb_waiting_g(sb, 2, "semacquire", 0);
	build_ok(sb);
	assert_no_blocker(sb, 1);
	assert_no_blocker(sb, 2);
	assert_null(sb->b->unavailable);
}

static void test_semtable_unknown(void **state)
{
	struct synth_blocking *sb = *state;
	struct sync_world w;

	make_sync_world(sb, &w);
	sb->s->rt->semtable = 0;
	build_ok(sb);
	assert_non_null(sb->b->unavailable);
	assert_string_equal(sb->b->unavailable,
			    "the runtime's semaphore table is unknown");
	assert_no_blocker(sb, 2);
	assert_no_blocker(sb, 1);
}

/*
 * A treap pointer into unmapped memory ends that root's walk: what was
 * read before stays, other roots are walked, nothing crashes.
 */
static void test_semtable_unmapped_pointer(void **state)
{
	struct synth_blocking *sb = *state;
	uint64_t m1 = sb_place(SB_SYNC(0), G126_MUTEX_SEMA_INT, 3);
	uint64_t m2 = sb_place(SB_SYNC(1), G126_MUTEX_SEMA_INT, 200);
	const struct ld_object *o;

	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .elem = m1 + G126_MUTEX_SEMA_INT,
		.prev = SB_UNMAPPED });
	sb_root(sb, 3, SB_SG(1));
	/* a waitlink into unmapped memory */
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .elem = m2 + G126_MUTEX_SEMA_INT,
		.waitlink = SB_UNMAPPED + 0x100 });
	sb_root(sb, 200, SB_SG(2));
	/* a root whose treap itself is unmapped */
	sb_root(sb, 100, SB_UNMAPPED + 0x200);
	sb_waiting_g(sb, 1, "sync.Mutex.Lock", SB_SG(1));
	sb_waiting_g(sb, 2, "sync.Mutex.Lock", SB_SG(2));
	build_ok(sb);
	o = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(o->addr, m1);
	o = only_blocker(sb, 2, LD_OP_NONE);
	assert_int_equal(o->addr, m2);
}

/*
 * Two busy semaphores whose waiters' sudogs interleave in memory, as the
 * runtime hands them out: the chains are followed together, lowest
 * address first, so the sudogs are read in one ascending sweep (each
 * chain on its own would sweep the region again), and every waiter still
 * finds its own semaphore.
 */
static void test_semtable_chains_one_sweep(void **state)
{
	static const unsigned int order[] = { 10, 11, 20, 21, 22, 23, 24 };
	struct synth_blocking *sb = *state;
	uint64_t m1 = sb_place(SB_SYNC(0), G126_MUTEX_SEMA_INT, 7);
	uint64_t m2 = sb_place(SB_SYNC(1), G126_MUTEX_SEMA_INT, 90);
	const struct ld_object *o1, *o2;

	/* m1: node SG10, chain SG20 -> SG22 -> SG24; m2: SG11, SG21, SG23 */
	sb_sudog(sb, SB_SG(10), &(struct sb_sudog){
		.g = sb_gaddr(1), .elem = m1 + G126_MUTEX_SEMA_INT,
		.waitlink = SB_SG(20) });
	sb_sudog(sb, SB_SG(11), &(struct sb_sudog){
		.g = sb_gaddr(2), .elem = m2 + G126_MUTEX_SEMA_INT,
		.waitlink = SB_SG(21) });
	for (unsigned int i = 20; i <= 24; i++) {
		uint64_t m = i % 2 ? m2 : m1;

		sb_sudog(sb, SB_SG(i), &(struct sb_sudog){
			.g = sb_gaddr(i - 17), .elem = m + G126_MUTEX_SEMA_INT,
			.waitlink = i + 2 <= 24 ? SB_SG(i + 2) : 0 });
	}
	sb_root(sb, 7, SB_SG(10));
	sb_root(sb, 90, SB_SG(11));
	sb_waiting_g(sb, 1, "sync.Mutex.Lock", SB_SG(10));
	sb_waiting_g(sb, 2, "sync.Mutex.Lock", SB_SG(11));
	for (unsigned int i = 20; i <= 24; i++)
		sb_waiting_g(sb, i - 17, "sync.Mutex.Lock", SB_SG(i));
	build_ok(sb);

	assert_int_equal(sb->b->nsema_sudogs, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(sb->b->sema_sudogs[i], SB_SG(order[i]));
	o1 = only_blocker(sb, 1, LD_OP_NONE);
	o2 = only_blocker(sb, 2, LD_OP_NONE);
	assert_int_equal(o1->addr, m1);
	assert_int_equal(o2->addr, m2);
	ASSERT_IDS(&o1->waiters, 1, 3, 5, 7);
	ASSERT_IDS(&o2->waiters, 2, 4, 6);
}

/*
 * A treap cycle (N1.left = N2, N2.left = N1) in root 5 must end that
 * walk, and no hang.  Waiters in root 1 (walked before) are found.
 */
static void make_cycle_world(struct synth_blocking *sb, uint64_t *m1,
			     uint64_t *m2, uint64_t *m3)
{
	*m1 = sb_place(SB_SYNC(0), G126_MUTEX_SEMA_INT, 1);
	*m2 = sb_place(SB_SYNC(1), G126_MUTEX_SEMA_INT, 5);
	*m3 = sb_place(SB_SYNC(2), G126_MUTEX_SEMA_INT, 230);
	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .elem = *m1 + G126_MUTEX_SEMA_INT });
	sb_root(sb, 1, SB_SG(1));
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .elem = *m2 + G126_MUTEX_SEMA_INT,
		.prev = SB_SG(3) });
	sb_sudog(sb, SB_SG(3), &(struct sb_sudog){
		.g = sb_gaddr(3), .elem = *m2 + 0x40, .prev = SB_SG(2) });
	sb_root(sb, 5, SB_SG(2));
	sb_sudog(sb, SB_SG(4), &(struct sb_sudog){
		.g = sb_gaddr(4), .elem = *m3 + G126_MUTEX_SEMA_INT });
	sb_root(sb, 230, SB_SG(4));
	sb_waiting_g(sb, 1, "sync.Mutex.Lock", SB_SG(1));
	sb_waiting_g(sb, 2, "sync.Mutex.Lock", SB_SG(2));
	sb_waiting_g(sb, 3, "semacquire", SB_SG(3));
	sb_waiting_g(sb, 4, "sync.Mutex.Lock", SB_SG(4));
}

static void test_semtable_cycle_ends(void **state)
{
	struct synth_blocking *sb = *state;
	uint64_t m1, m2, m3;

	make_cycle_world(sb, &m1, &m2, &m3);
	build_ok(sb);
	assert_int_equal(only_blocker(sb, 1, LD_OP_NONE)->addr, m1);
	assert_int_equal(only_blocker(sb, 2, LD_OP_NONE)->addr, m2);
	assert_int_equal(only_blocker(sb, 3, LD_OP_NONE)->addr, m2 + 0x40);
}

/*
 * Regression: walk_semtable() once counted visited nodes across all 251
 * roots against one budget, so a cycle in one root spent the whole budget
 * and every later root was skipped: goroutine 4, parked on a mutex whose
 * treap (root 230) is sound, came out with no blocker.  A cycle must end
 * only its own root's walk.
 */
static void test_semtable_cycle_spares_other_roots(void **state)
{
	struct synth_blocking *sb = *state;
	uint64_t m1, m2, m3;

	make_cycle_world(sb, &m1, &m2, &m3);
	build_ok(sb);
	assert_int_equal(only_blocker(sb, 4, LD_OP_NONE)->addr, m3);
}

/*
 * Run ld_blocking_build in a child that the kernel kills after limit
 * seconds, so a walk that does not end fails the test instead of hanging
 * the suite.
 */
static void assert_build_ends(struct synth_blocking *sb, unsigned int limit)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ld_blocking *b = NULL;
		struct ld_error *err;

		signal(SIGALRM, SIG_DFL);
		alarm(limit);
		err = ld_blocking_build(sb->s, &b);
		_exit(err ? 2 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("ld_blocking_build did not end in %u s (signal %d)",
			 limit, WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * Regression: a treap cycle through a node whose waitlink list also
 * cycles.  sema_node() once walked up to 1e6 waitlinks per visit and
 * walk_semtable() revisited the cycling node up to 1e6 times: 1e12 reads,
 * a hang.  The walks must stay bounded as a whole.
 */
static void test_semtable_double_cycle_bounded(void **state)
{
	struct synth_blocking *sb = *state;
	uint64_t m = sb_place(SB_SYNC(0), G126_MUTEX_SEMA_INT, 9);

	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .elem = m + G126_MUTEX_SEMA_INT,
		.prev = SB_SG(1), .waitlink = SB_SG(2) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .elem = m + G126_MUTEX_SEMA_INT,
		.waitlink = SB_SG(1) });
	sb_root(sb, 9, SB_SG(1));
	sb_waiting_g(sb, 1, "sync.Mutex.Lock", SB_SG(1));
	sb_waiting_g(sb, 2, "sync.Mutex.Lock", SB_SG(2));
	assert_build_ends(sb, 10);
}

/* A waitlink cycle on one node is bounded on its own. */
static void test_semtable_waitlink_cycle(void **state)
{
	struct synth_blocking *sb = *state;
	uint64_t m = sb_place(SB_SYNC(0), G126_MUTEX_SEMA_INT, 9);
	const struct ld_object *o;

	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .elem = m + G126_MUTEX_SEMA_INT,
		.waitlink = SB_SG(2) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .elem = m + G126_MUTEX_SEMA_INT,
		.waitlink = SB_SG(3) });
	sb_sudog(sb, SB_SG(3), &(struct sb_sudog){
		.g = sb_gaddr(3), .elem = m + G126_MUTEX_SEMA_INT,
		.waitlink = SB_SG(2) });
	sb_root(sb, 9, SB_SG(1));
	sb_waiting_g(sb, 1, "sync.Mutex.Lock", SB_SG(1));
	sb_waiting_g(sb, 2, "sync.Mutex.Lock", SB_SG(2));
	sb_waiting_g(sb, 3, "sync.Mutex.Lock", SB_SG(3));
	build_ok(sb);
	o = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(o->addr, m);
	assert_ptr_equal(only_blocker(sb, 3, LD_OP_NONE), o);
	ASSERT_IDS(&o->waiters, 1, 2, 3);
}

/* ---- sync.Cond ---- */

/* ---- reading ahead (ahead.c) ---- */

/* The world's goroutines again and again, to n: enough for the helper. */
static void replicate_goroutines(struct synth_blocking *sb, size_t n)
{
	struct ld_session *s = sb->s;
	size_t k = s->ngs;
	struct ld_goroutine *gs = realloc(s->gs, n * sizeof(*gs));

	assert_non_null(gs);
	for (size_t i = k; i < n; i++) {
		gs[i] = gs[i % k];
		gs[i].goid += 1000 * (i / k);
	}
	s->gs = gs;
	s->ngs = n;
	sb->ss->cap_gs = n;
}

/* What a build found: each goroutine's blockers, then every object. */
static char *blocking_digest(struct synth_blocking *sb)
{
	struct ld_strbuf d = LD_STRBUF_INIT;

	for (size_t gi = 0; gi < sb->s->ngs; gi++) {
		unsigned int n;
		const struct ld_blocker *bl = ld_blocking_of(sb->b, gi, &n);

		for (unsigned int i = 0; i < n; i++)
			ld_strbuf_printf(&d, "%zu:%u/%u ", gi,
					 (unsigned int)bl[i].obj,
					 (unsigned int)bl[i].op);
	}
	for (size_t i = 0; i < sb->b->nobjs; i++) {
		ld_object_json(sb->s, &sb->b->objs[i], 0, 1u << 20, &d);
		ld_strbuf_putc(&d, '\n');
	}
	assert_null(ld_strbuf_error(&d));
	return d.data;
}

/* Built with the read-ahead, racing the walk and waited for: one digest. */
static void check_same_read_ahead(struct synth_blocking *sb,
				  const char *without)
{
	char *with;

	sb->s->read_ahead_off = false;
	sb->s->read_ahead_wait = false;
	build_ok(sb);
	with = blocking_digest(sb);
	assert_string_equal(with, without);
	free(with);
	sb->s->read_ahead_wait = true;
	build_ok(sb);
	/* One CPU (taskset): no helper thread, the walk reads alone. */
	assert_int_equal(sb->b->read_ahead, ld_two_cpus() ? sb->s->ngs : 0);
	with = blocking_digest(sb);
	assert_string_equal(with, without);
	free(with);
}

static struct ld_error *unreadable(void *arg, uint64_t addr, void *buf,
				   size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return ld_error_fault(addr, "address 0x%" PRIx64 " unreadable", addr);
}

/*
 * The read-ahead copies out what the walk reads first (a channel waiter's
 * first sudogs and its channel's header, a semaphore waiter's semaphore):
 * with it or without it, a build finds the same.  A helper thread does it:
 * over a mapped core it looks into the mapping; elsewhere (a live process)
 * it reads whole pages in batches.  Each is checked racing the walk as it
 * does in use, and waited for, so that it serves every goroutine.  Memory
 * that only a debugger's callback reads gets none.
 */
static void check_read_ahead(struct synth_blocking *sb)
{
	char *without;

	replicate_goroutines(sb, 3 * 4096);
	sb->s->read_ahead_off = true;
	build_ok(sb);
	assert_int_equal(sb->b->read_ahead, 0);
	without = blocking_digest(sb);
	assert_non_null(without);
	check_same_read_ahead(sb, without);
	sb->s->target.ops = &ld_target_callback_ops;
	check_same_read_ahead(sb, without);
	assert_null(ld_mem_add_callback(sb->s->mem, SB_UNMAPPED,
					SB_UNMAPPED + 0x1000, unreadable,
					NULL));
	build_ok(sb);
	assert_int_equal(sb->b->read_ahead, 0);
	free(without);
}

static void test_read_ahead_chan(void **state)
{
	make_chan_world(*state);
	check_read_ahead(*state);
}

/*
 * What the live read-ahead's pages make hard: a sudog and a channel that
 * each span two pages, a second sudog and a channel in no page at all.
 */
#define S_SPAN (SB_HEAP + 0x1000 - 0x30)	/* over SB_SG(31), SB_SG(32) */
#define C_SPAN (SB_HEAP + 0x5000 - 0x40)	/* over SB_CH(15), SB_CH(16) */

static void test_read_ahead_pages(void **state)
{
	struct synth_blocking *sb = *state;

	make_chan_world(sb);
	sb_sudog(sb, S_SPAN, &(struct sb_sudog){
		.g = sb_gaddr(6), .c = C_SPAN });
	sb_chan(sb, C_SPAN, &(struct sb_chan){
		.elemsize = 8, .elemtype = T_EVENT,
		.recvq_first = S_SPAN, .recvq_last = S_SPAN });
	sb_waiting_g(sb, 6, "chan receive", S_SPAN);
	sb_sudog(sb, SB_SG(40), &(struct sb_sudog){
		.g = sb_gaddr(7), .c = C1, .is_select = true,
		.waitlink = SB_UNMAPPED + 0x80 });
	sb_waiting_g(sb, 7, "select", SB_SG(40));
	sb_sudog(sb, SB_SG(41), &(struct sb_sudog){
		.g = sb_gaddr(8), .c = SB_UNMAPPED + 0x200 });
	sb_waiting_g(sb, 8, "chan receive", SB_SG(41));
	check_read_ahead(sb);
}

static void test_read_ahead_sync(void **state)
{
	struct sync_world w;

	make_sync_world(*state, &w);
	check_read_ahead(*state);
}

/* ---- Go 1.26+: semaphore waiters name their semaphores ---- */

/* A build as leak-dump's report makes it: holder scan by the caller. */
static void build_deferred_ok(struct synth_blocking *sb, bool for_proof)
{
	ld_blocking_destroy(sb->b);
	sb->b = NULL;
	assert_null(ld_blocking_build_deferred(sb->s, for_proof, &sb->b));
	for (size_t gi = 0; gi < sb->s->ngs; gi++)
		ld_blocking_scan_stack(sb->s, sb->b, gi);
	ld_blocking_scan_done(sb->b);
}

/*
 * From Go 1.26 semaRoot.queue points the waiter's g.waiting at its sudog,
 * whose elem is the semaphore: no table is read (an unknown one does not
 * matter), and every waiter gets what the table gives older releases.
 * A leak proof still walks the table, for its sudogs.
 */
static void test_sema_waiters_name_their_semaphores(void **state)
{
	struct synth_blocking *sb = *state;
	struct sync_world w;
	char *table, *own;

	make_sync_world(sb, &w);
	build_deferred_ok(sb, false);
	table = blocking_digest(sb);
	sb->s->rt->sema_waiting_sudog = true;
	sb->s->rt->semtable = 0;
	build_deferred_ok(sb, false);
	assert_null(sb->b->unavailable);
	own = blocking_digest(sb);
	assert_string_equal(own, table);
	free(own);
	build_deferred_ok(sb, true);
	assert_non_null(sb->b->unavailable);
	own = blocking_digest(sb);
	assert_string_equal(own, table);
	free(own);
	free(table);
}

/* A g.waiting sudog that names another goroutine is not believed. */
static void test_sema_sudog_of_another_goroutine(void **state)
{
	struct synth_blocking *sb = *state;
	struct sync_world w;

	make_sync_world(sb, &w);
	sb_w64(sb, SB_SG(2) + G126_SG_G, sb_gaddr(9));
	sb->s->rt->sema_waiting_sudog = true;
	build_deferred_ok(sb, false);
	assert_no_blocker(sb, 2);
	assert_int_equal(only_blocker(sb, 4, LD_OP_NONE)->addr, w.mu);
	ASSERT_IDS(&only_blocker(sb, 4, LD_OP_NONE)->waiters, 4, 5);
}

static void test_read_ahead_sync_go126(void **state)
{
	struct synth_blocking *sb = *state;
	struct sync_world w;

	make_sync_world(sb, &w);
	sb->s->rt->sema_waiting_sudog = true;
	check_read_ahead(sb);
}

static void test_cond(void **state)
{
	struct synth_blocking *sb = *state;
	const uint64_t pcs13[5] = {
		ss_pc(SBF_GOPARK, 0x25), ss_pc(SBF_NOTIFY_WAIT, 0x25),
		ss_pc(SBF_COND_WAIT, 0x25), ss_pc(SBF_WORKER, 0x25),
		ss_pc(SBF_GOEXIT, 1),
	};
	const uint64_t pcs14[4] = {
		ss_pc(SBF_GOPARK, 0x25), ss_pc(SBF_COND_WAIT, 0x25),
		ss_pc(SBF_WORKER, 0x25), ss_pc(SBF_GOEXIT, 1),
	};
	uint64_t c = SB_SYNC(0), other = SB_SYNC(1), argp[5];
	const struct ld_object *o;
	char want[256];

	/* c's notify list: g13 then g14 (linked by next) */
	sb_w64(sb, c + G126_COND_NOTIFY + G126_NOTIFY_HEAD, SB_SG(1));
	sb_w64(sb, c + G126_COND_NOTIFY + G126_NOTIFY_HEAD + 8, SB_SG(2));
	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(13), .elem = c + G126_COND_NOTIFY,
		.next = SB_SG(2) });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(14), .elem = c + G126_COND_NOTIFY });
	/* another Cond with an empty list */
	sb_w64(sb, other + G126_COND_NOTIFY + G126_NOTIFY_HEAD, 0);

	/* g13: runtime_notifyListWait(&c.notify, t) */
	sb_waiting_g(sb, 13, "sync.Cond.Wait", SB_SG(1));
	sb_chain(sb, 13, pcs13, 5, argp);
	ss_word(sb->ss, argp[1], c + G126_COND_NOTIFY);
	/* g14: only (*Cond).Wait's receiver */
	sb_waiting_g(sb, 14, "sync.Cond.Wait", SB_SG(2));
	sb_chain(sb, 14, pcs14, 4, argp);
	ss_word(sb->ss, argp[1], c);
	/* g15: says it waits on other, whose list does not hold it */
	sb_waiting_g(sb, 15, "sync.Cond.Wait", 0);
	sb_chain(sb, 15, pcs14, 4, argp);
	ss_word(sb->ss, argp[1], other);
	build_ok(sb);

	o = only_blocker(sb, 13, LD_OP_NONE);
	assert_int_equal(o->kind, LD_BK_COND);
	assert_int_equal(o->addr, c);
	assert_ptr_equal(only_blocker(sb, 14, LD_OP_NONE), o);
	ASSERT_IDS(&o->waiters, 13, 14);
	assert_no_blocker(sb, 15);
	FMT(want, "sync.Cond 0x%llx (2 waiters)", (unsigned long long)c);
	assert_describe(sb, o, want);
	FMT(want, "{\"kind\":\"cond\",\"address\":\"0x%llx\",\"sema\":\"0x0\","
	    "\"waiters_count\":2,\"waiters\":[13,14]}", (unsigned long long)c);
	assert_json(sb, o, LD_OP_NONE, 10, want);
}

/* ---- sleep ---- */

static void test_sleep_timer(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;
	char want[256];

	sb_waiting_g(sb, 1, "sleep", 0);
	sb_sleep(sb, 1, G126_G_SLEEPWHEN, 5000000000ull);
	sb_waiting_g(sb, 2, "sleep", 0);	/* sleepWhen 0: unknown */
	build_ok(sb);
	o = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(o->kind, LD_BK_TIMER);
	assert_int_equal(o->addr, sb_gaddr(1));
	assert_int_equal(o->when, 5000000000ll);
	ASSERT_IDS(&o->waiters, 1);
	assert_no_blocker(sb, 2);
	assert_describe(sb, o, "timer: fires at nanotime 5000000000");
	sb->s->now = 4000000000ll;
	assert_describe(sb, o, "timer: fires in 1.000 s");
	FMT(want, "{\"kind\":\"timer\",\"address\":\"0x%llx\","
	    "\"when\":5000000000,\"fires_in_ns\":1000000000,"
	    "\"waiters_count\":1,\"waiters\":[1]}",
	    (unsigned long long)sb_gaddr(1));
	assert_json(sb, o, LD_OP_NONE, 10, want);
}

/* Before Go 1.24 the frames name the primitive of a plain semacquire. */
static void test_semacquire_frames_mutexes(void **state)
{
	struct synth_blocking *sb = *state;
	const unsigned int fn[3] = {
		SBF_MUTEX_SLOW, SBF_RW_RLOCK, SBF_RW_LOCK,
	};
	const uint64_t off[3] = {
		4, G126_RW_READER_SEM, G126_RW_WRITER_SEM,
	};
	const enum ld_block_kind kind[3] = {
		LD_BK_MUTEX, LD_BK_RWMUTEX, LD_BK_RWMUTEX,
	};
	uint64_t addr[3];

	/* Go 1.23: sync.Mutex{state, sema}, no internal/sync */
	sb->s->rt->blk.mutex_mu = -1;
	sb->s->rt->blk.mutex_sema_internal = -1;
	sb->s->rt->blk.mutex_sema = 4;
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t pcs[4] = {
			ss_pc(SBF_GOPARK, 0x25), ss_pc(fn[i], 0x25),
			ss_pc(SBF_WORKER, 0x25), ss_pc(SBF_GOEXIT, 1),
		};

		addr[i] = sb_place(SB_SYNC(i), off[i], 60 + i);
		sb_sudog(sb, SB_SG(i), &(struct sb_sudog){
			.g = sb_gaddr(i + 1), .elem = addr[i] + off[i] });
		sb_root(sb, 60 + i, SB_SG(i));
		sb_waiting_g(sb, i + 1, "semacquire", SB_SG(i));
		sb_chain(sb, i + 1, pcs, 4, NULL);
	}
	sb_w32(sb, addr[0], 1 | 1 << 3);
	sb_w32(sb, addr[1] + G126_RW_READER_COUNT,
	       (uint32_t)(-RW_MAX_READERS + 1));
	build_ok(sb);
	for (unsigned int i = 0; i < 3; i++) {
		const struct ld_object *o = only_blocker(sb, i + 1, LD_OP_NONE);

		assert_int_equal(o->kind, kind[i]);
		assert_int_equal(o->addr, addr[i]);
		assert_int_equal(o->sema, addr[i] + off[i]);
		ASSERT_IDS(&o->waiters, i + 1);
	}
	assert_true(only_blocker(sb, 1, LD_OP_NONE)->locked);
	assert_int_equal(only_blocker(sb, 1, LD_OP_NONE)->mutex_waiters, 1);
	assert_true(only_blocker(sb, 2, LD_OP_NONE)->write_locked);
	assert_int_equal(only_blocker(sb, 2, LD_OP_NONE)->readers_waiting, 1);
}

/* Primitives whose words cannot be read keep their waiters and a note. */
static void test_sync_unreadable(void **state)
{
	struct synth_blocking *sb = *state;
	const uint64_t mu = SB_UNMAPPED, wg = SB_UNMAPPED + 0x100,
		       rw = SB_UNMAPPED + 0x200;
	const struct ld_object *o;
	char want[256];

	sb_sudog(sb, SB_SG(1), &(struct sb_sudog){
		.g = sb_gaddr(1), .elem = mu + G126_MUTEX_SEMA_INT });
	sb_sudog(sb, SB_SG(2), &(struct sb_sudog){
		.g = sb_gaddr(2), .elem = wg + G126_WG_SEMA });
	sb_sudog(sb, SB_SG(3), &(struct sb_sudog){
		.g = sb_gaddr(3), .elem = rw + G126_RW_READER_SEM });
	sb_root(sb, sb_root_of(mu + G126_MUTEX_SEMA_INT), SB_SG(1));
	sb_root(sb, sb_root_of(wg + G126_WG_SEMA), SB_SG(2));
	sb_root(sb, sb_root_of(rw + G126_RW_READER_SEM), SB_SG(3));
	sb_waiting_g(sb, 1, "sync.Mutex.Lock", SB_SG(1));
	sb_waiting_g(sb, 2, "sync.WaitGroup.Wait", SB_SG(2));
	sb_waiting_g(sb, 3, "sync.RWMutex.RLock", SB_SG(3));
	build_ok(sb);

	o = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(o->addr, mu);
	assert_string_equal(o->note, "mutex unreadable");
	ASSERT_IDS(&o->waiters, 1);
	FMT(want, "sync.Mutex 0x%llx (unlocked; 1 waiters) "
	    "[mutex unreadable]", (unsigned long long)mu);
	assert_describe(sb, o, want);
	o = only_blocker(sb, 2, LD_OP_NONE);
	assert_int_equal(o->addr, wg);
	assert_string_equal(o->note, "waitgroup unreadable");
	o = only_blocker(sb, 3, LD_OP_NONE);
	assert_int_equal(o->addr, rw);
	assert_string_equal(o->note, "rwmutex unreadable");
	FMT(want, "{\"kind\":\"waitgroup\",\"address\":\"0x%llx\","
	    "\"note\":\"waitgroup unreadable\",\"sema\":\"0x%llx\","
	    "\"counter\":0,\"state_waiters\":0,\"waiters_count\":1,"
	    "\"waiters\":[2]}", (unsigned long long)wg,
	    (unsigned long long)(wg + G126_WG_SEMA));
	assert_json(sb, only_blocker(sb, 2, LD_OP_NONE), LD_OP_NONE, 10, want);
}

/* ---- IO wait, timers before sleepWhen, system calls ---- */

static void test_io_wait(void **state)
{
	struct synth_blocking *sb = *state;
	const uint64_t pcs[4] = {
		ss_pc(SBF_GOPARK, 0x25), ss_pc(SBF_POLL_WAIT, 0x25),
		ss_pc(SBF_WORKER, 0x25), ss_pc(SBF_GOEXIT, 1),
	};
	const uint64_t pd[3] = { SB_SYNC(0), SB_SYNC(1), SB_SYNC(2) };
	const struct ld_object *o;
	uint64_t argp[4];
	char want[256];

	/* g1 reads fd 7, g2 writes fd 9, g3's pollDesc holds another g */
	sb_w64(sb, pd[0] + G126_PD_FD, 7);
	sb_w64(sb, pd[0] + G126_PD_RG, sb_gaddr(1));
	sb_w64(sb, pd[1] + G126_PD_FD, 9);
	sb_w64(sb, pd[1] + G126_PD_RG, 1);	/* pdReady */
	sb_w64(sb, pd[1] + G126_PD_WG, sb_gaddr(2));
	sb_w64(sb, pd[2] + G126_PD_FD, 11);
	sb_w64(sb, pd[2] + G126_PD_RG, sb_gaddr(1));
	for (unsigned int i = 0; i < 3; i++) {
		sb_waiting_g(sb, i + 1, "IO wait", 0);
		sb_chain(sb, i + 1, pcs, 4, argp);
		ss_word(sb->ss, argp[1], pd[i]);
	}
	sb_waiting_g(sb, 4, "IO wait", 0);	/* no pollWait frame */
	build_ok(sb);

	o = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(o->kind, LD_BK_FD);
	assert_int_equal(o->addr, pd[0]);
	assert_int_equal(o->fd, 7);
	assert_int_equal(o->mode, 'r');
	assert_null(o->describes);		/* a core: no /proc */
	ASSERT_IDS(&o->waiters, 1);
	assert_describe(sb, o, "fd 7 (read)");
	o = only_blocker(sb, 2, LD_OP_NONE);
	assert_int_equal(o->fd, 9);
	assert_int_equal(o->mode, 'w');
	assert_describe(sb, o, "fd 9 (write)");
	FMT(want, "{\"kind\":\"fd\",\"address\":\"0x%llx\",\"fd\":9,"
	    "\"mode\":\"write\",\"describes\":null,\"waiters_count\":1,"
	    "\"waiters\":[2]}", (unsigned long long)pd[1]);
	assert_json(sb, o, LD_OP_NONE, 10, want);
	assert_no_blocker(sb, 3);
	assert_no_blocker(sb, 4);
}

/* Before Go 1.23 (no g.sleepWhen) the g's cached timer says when. */
static void test_sleep_cached_timer(void **state)
{
	struct synth_blocking *sb = *state;
	const struct ld_object *o;

	sb->s->rt->g.sleep_when = -1;
	sb_waiting_g(sb, 1, "sleep", 0);
	sb_sleep(sb, 1, G126_G_TIMER, SB_SYNC(0));
	sb_w64(sb, SB_SYNC(0) + G126_TIMER_WHEN, 777);
	sb_waiting_g(sb, 2, "sleep", 0);	/* no timer */
	build_ok(sb);
	o = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(o->kind, LD_BK_TIMER);
	assert_int_equal(o->when, 777);
	assert_no_blocker(sb, 2);
}

static void test_syscall(void **state)
{
	struct synth_blocking *sb = *state;
	struct ld_thread_regs regs[1];
	const struct ld_object *o;
	struct ld_goroutine *g;

	memset(regs, 0, sizeof(regs));
	regs[0].tid = 1234;
	regs[0].nregs = LD_AMD64_NREGS;
	regs[0].regs[LD_AMD64_ORIG_RAX] = 0;	/* read */
	regs[0].regs[LD_AMD64_RDI] = 3;
	regs[0].regs[LD_AMD64_RSI] = 0xc000010000ull;
	regs[0].regs[LD_AMD64_RDX] = 4096;
	g = sb_g(sb, 1, ST_SYSCALL, NULL);
	g->tid = 1234;
	g = sb_g(sb, 2, ST_SYSCALL, NULL);
	g->tid = 99;				/* no such thread */
	sb->s->threads = regs;
	sb->s->nthreads = 1;
	build_ok(sb);
	sb->s->threads = NULL;
	sb->s->nthreads = 0;
	o = only_blocker(sb, 1, LD_OP_NONE);
	assert_int_equal(o->kind, LD_BK_SYSCALL);
	assert_int_equal(o->addr, 1234);
	assert_int_equal(o->sysno, 0);
	assert_int_equal(o->args[0], 3);
	assert_int_equal(o->args[2], 4096);
	assert_no_blocker(sb, 2);
	assert_describe(sb, o, "syscall read(0x3, 0xc000010000, 0x1000, "
			"0x0, 0x0, 0x0) #0 on thread 1234");
	assert_json(sb, o, LD_OP_NONE, 10,
		    "{\"kind\":\"syscall\",\"address\":\"0x4d2\",\"number\":0,"
		    "\"name\":\"read\",\"args\":[\"0x3\",\"0xc000010000\","
		    "\"0x1000\",\"0x0\",\"0x0\",\"0x0\"],\"waiters_count\":1,"
		    "\"waiters\":[1]}");
}

/* ---- the generated layout table against the runtime source ---- */

/*
 * Regression (ext/go/rt_fields.h + ext/go/layouts_gen.c): Go 1.26's entry
 * once had SUDOG_C_VU = -1 and NOTIFYLIST_HEAD = -1.
 *  - sudog.c is a maybeTraceableChan, which embeds maybeTraceablePtr, so
 *    vu is "c.maybeTraceablePtr.vu" (offset 96); ld_dwarf_member only
 *    descends into unnamed (C) members, and Go's embedded field has a
 *    name, so "c.vu" was never found.  ext/blocking/ then read c.vp, which
 *    setSyncObjectsUntraceable (mgc.go) nils during leak detection.
 *  - runtime.notifyList is not in the reference build's DWARF (no Cond
 *    there); sync.Cond's field is a sync.notifyList, head at 16.  Without
 *    it cond_blocker() never found a Cond on a binary without DWARF.
 */
static const struct ld_layout *layout_for(int minor)
{
	for (unsigned int i = 0; i < ld_nlayouts; i++)
		if (ld_layouts[i].go_minor == minor)
			return &ld_layouts[i];
	return NULL;
}

static void test_layout_table_go126(void **state)
{
	const struct ld_layout *l = layout_for(26);
	const int64_t *m;

	(void)state;
	assert_non_null(l);
	m = l->members;
	/* what the tests above rely on and the table agrees with */
	assert_int_equal(m[LD_RTM_G_WAITING], G126_G_WAITING);
	assert_int_equal(m[LD_RTM_SUDOG_G], G126_SG_G);
	assert_int_equal(m[LD_RTM_SUDOG_NEXT], G126_SG_NEXT);
	assert_int_equal(m[LD_RTM_SUDOG_PREV], G126_SG_PREV);
	assert_int_equal(m[LD_RTM_SUDOG_ELEM], G126_SG_ELEM);
	assert_int_equal(m[LD_RTM_SUDOG_ELEM_VU], G126_SG_ELEM_VU);
	assert_int_equal(m[LD_RTM_SUDOG_IS_SELECT], G126_SG_IS_SELECT);
	assert_int_equal(m[LD_RTM_SUDOG_WAITLINK], G126_SG_WAITLINK);
	assert_int_equal(m[LD_RTM_SUDOG_C], G126_SG_C);
	assert_int_equal(m[LD_RTM_HCHAN_RECVQ], G126_CH_RECVQ);
	assert_int_equal(m[LD_RTM_HCHAN_SENDQ], G126_CH_SENDQ);
	assert_int_equal(m[LD_RTM_HCHAN_ELEMTYPE], G126_CH_ELEMTYPE);
	assert_int_equal(m[LD_RTM_SEMAROOT_TREAP], G126_SEMAROOT_TREAP);
	assert_int_equal(m[LD_RTM_TYPE_STR], G126_TYPE_STR);
	assert_int_equal(m[LD_RTM_TYPE_TFLAG], G126_TYPE_TFLAG);
	assert_int_equal(m[LD_RTM_MUTEX_MU], G126_MUTEX_MU);
	assert_int_equal(m[LD_RTM_MUTEX_SEMA_INTERNAL], G126_MUTEX_SEMA_INT);
	assert_int_equal(m[LD_RTM_RWMUTEX_READER_COUNT], G126_RW_READER_COUNT);
	assert_int_equal(m[LD_RTM_RWMUTEX_READER_WAIT], G126_RW_READER_WAIT);
	assert_int_equal(m[LD_RTM_WAITGROUP_SEMA], G126_WG_SEMA);
	assert_int_equal(m[LD_RTM_COND_NOTIFY], G126_COND_NOTIFY);
	assert_int_equal(l->sizes[LD_RTS_SUDOG_SIZE], G126_SG_SIZE);
	assert_int_equal(l->sizes[LD_RTS_HCHAN_SIZE], G126_CH_SIZE);
	assert_int_equal(l->sizes[LD_RTS_SEMTABLE_SIZE], SB_SEMTAB_SIZE);
	/*
	 * sudog.c's vu sits in the embedded maybeTraceablePtr; the notify
	 * list head comes from sync's copy of the type when the runtime's is
	 * not in the reference build's DWARF.
	 */
	if (m[LD_RTM_SUDOG_C_VU] != G126_SG_C_VU ||
	    (m[LD_RTM_NOTIFYLIST_HEAD] != G126_NOTIFY_HEAD &&
	     m[LD_RTM_SYNC_NOTIFYLIST_HEAD] != G126_NOTIFY_HEAD))
		fail_msg("go1.26 table: sudog c.vu %lld (want %d), "
			 "notifyList head %lld / %lld (want %d)",
			 (long long)m[LD_RTM_SUDOG_C_VU], G126_SG_C_VU,
			 (long long)m[LD_RTM_NOTIFYLIST_HEAD],
			 (long long)m[LD_RTM_SYNC_NOTIFYLIST_HEAD],
			 G126_NOTIFY_HEAD);
}

/*
 * Goroutine id lists: one id in place of the pointer, then an array; a
 * list emptied for a rewalk (n = 0) keeps its array; duplicates are kept
 * once.
 */
static void test_idlist(void **state)
{
	struct ld_idlist l = { 0 };

	(void)state;
	assert_true(idlist_add(&l, 7));
	assert_int_equal(l.n, 1);
	assert_int_equal(l.cap, 0);
	assert_int_equal(ld_idlist_at(&l, 0), 7);
	assert_true(idlist_add(&l, 7));
	assert_int_equal(l.n, 1);
	for (uint64_t id = 8; id < 40; id++)
		assert_true(idlist_add(&l, id));
	assert_int_equal(l.n, 33);
	assert_true(l.cap >= 33);
	for (uint32_t i = 0; i < l.n; i++)
		assert_int_equal(ld_idlist_at(&l, i), 7 + i);
	l.n = 0;
	assert_true(idlist_add(&l, 99));
	assert_true(idlist_add(&l, 100));
	assert_int_equal(l.n, 2);
	assert_int_equal(ld_idlist_at(&l, 0), 99);
	assert_int_equal(ld_idlist_at(&l, 1), 100);
	idlist_free(&l);
	/* One in place is nothing to free. */
	l = (struct ld_idlist){ 0 };
	assert_true(idlist_add(&l, 5));
	idlist_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chan_queues_and_select,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_describe_json,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_elem_type_names,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_no_types_area,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_decode_closed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_nil, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_blocker_anywhere, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chan_untraced_sudog,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_select_side_unknown,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_corrupt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_chan_waitlink_cycle_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_chan_pointer_not_an_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_durable_wait_reasons,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sema_treap_walk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync_state_decoding,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_decode_states,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mutex_candidates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_candidates_unaligned_sp,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_chan, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_sync, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_sync_go126, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_sema_waiters_name_their_semaphores, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_sema_sudog_of_another_goroutine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_describe_json,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_semacquire_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_waitgroup_durable_reason,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sema_waiter_not_in_table,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_semtable_unknown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_semtable_unmapped_pointer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_semtable_chains_one_sweep,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_semtable_cycle_ends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_semtable_cycle_spares_other_roots, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_semtable_waitlink_cycle,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_semtable_double_cycle_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sleep_timer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_semacquire_frames_mutexes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_unreadable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_io_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sleep_cached_timer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_syscall, setup, teardown),
		cmocka_unit_test(test_layout_table_go126),
		cmocka_unit_test(test_idlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
