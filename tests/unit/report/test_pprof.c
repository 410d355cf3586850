// SPDX-License-Identifier: MIT
/*
 * --format pprof on a synthetic session (synth_session.h): the output is
 * gunzipped with zlib and unpacked with the generated profile.proto code,
 * then checked field by field: value types, one sample per (locations,
 * labels) with its count, locations at the call pc with inlined calls as
 * several lines, wrappers elided and runtime.goexit dropped, functions,
 * the mapping's build id, and that nothing in a sample key varies
 * between two exports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <zlib.h>

#include "profile.pb-c.h"

#include "leakdump/report/report.h"
#include "synth_session.h"

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__Sample pb_sample;

static int setup(void **state)
{
	struct synth_session *ss = ss_open();

	if (!ss)
		return -1;
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

enum { S_INL, S_WRAP, S_SYS };

/*
 *   10, 11  chan receive  gopark <- main.outer (main.inner inlined)
 *   12      select        the same stack
 *   20      chan receive  gopark <- main.(*T).Leaf (wrapper) <- main.middle
 *   2       GC sweep wait runtime.bgsweep (system)
 */
static void populate(struct synth_session *ss)
{
	const uint64_t inl[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_OUTER, 0x15),
		ss_pc(F_GOEXIT, 1),
	};
	const uint64_t wrap[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_WRAPPER, 0x15),
		ss_pc(F_MIDDLE, 0x15), ss_pc(F_GOEXIT, 1),
	};
	const uint64_t sys[] = {
		ss_pc(F_GOPARK, 0x15), ss_pc(F_BGSWEEP, 0x25),
		ss_pc(F_GOEXIT, 1),
	};
	const uint64_t top = ss_pc(F_GOPARK, 0x15);
	struct ld_goroutine *g;

	ss_chain(ss, sp_at(S_INL), inl, 3, NULL);
	ss_chain(ss, sp_at(S_WRAP), wrap, 4, NULL);
	ss_chain(ss, sp_at(S_SYS), sys, 3, NULL);
	assert_non_null(ss_add_g(ss, 10, ST_WAITING, WR_CHAN_RECV, top,
				 sp_at(S_INL)));
	assert_non_null(ss_add_g(ss, 11, ST_WAITING, WR_CHAN_RECV, top,
				 sp_at(S_INL)));
	assert_non_null(ss_add_g(ss, 12, ST_WAITING, WR_SELECT, top,
				 sp_at(S_INL)));
	assert_non_null(ss_add_g(ss, 20, ST_WAITING, WR_CHAN_RECV, top,
				 sp_at(S_WRAP)));
	g = ss_add_g(ss, 2, ST_WAITING, WR_SWEEP, top, sp_at(S_SYS));
	assert_non_null(g);
	g->flags |= LD_G_SYSTEM;
}

/* Export, gunzip, unpack; the caller frees with ..._free_unpacked. */
static pb_profile *export(struct synth_session *ss, bool all)
{
	struct ld_report_opts o = {
		.format = LD_FORMAT_PPROF, .all = all, .no_blocking = true,
	};
	uint8_t *raw = NULL;
	size_t len = 0, cap = 1 << 20;
	z_stream z = { 0 };
	pb_profile *p;
	FILE *f;

	free(ss->report);
	ss->report = NULL;
	f = open_memstream(&ss->report, &len);
	assert_non_null(f);
	assert_null(ld_report(ss->s, &o, f));
	assert_int_equal(fclose(f), 0);
	/* gzip magic */
	assert_true(len > 10);
	assert_int_equal((uint8_t)ss->report[0], 0x1f);
	assert_int_equal((uint8_t)ss->report[1], 0x8b);

	raw = malloc(cap);
	assert_non_null(raw);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (uint8_t *)ss->report;
	z.avail_in = (uInt)len;
	z.next_out = raw;
	z.avail_out = (uInt)cap;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	p = perftools__profiles__profile__unpack(NULL, z.total_out, raw);
	inflateEnd(&z);
	free(raw);
	assert_non_null(p);
	return p;
}

static const char *S(const pb_profile *p, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < p->n_string_table);
	return p->string_table[i];
}

static const char *label(const pb_profile *p, const pb_sample *sm,
			 const char *key)
{
	for (size_t i = 0; i < sm->n_label; i++)
		if (!strcmp(S(p, sm->label[i]->key), key))
			return S(p, sm->label[i]->str);
	return NULL;
}

static const Perftools__Profiles__Location *loc(const pb_profile *p,
						uint64_t id)
{
	assert_true(id >= 1 && id <= p->n_location);
	assert_int_equal(p->location[id - 1]->id, id);
	return p->location[id - 1];
}

static const char *func_name(const pb_profile *p, uint64_t id)
{
	assert_true(id >= 1 && id <= p->n_function);
	return S(p, p->function[id - 1]->name);
}

static void test_pprof_profile(void **state)
{
	struct synth_session *ss = *state;
	const Perftools__Profiles__Location *l;
	const pb_sample *sm;
	pb_profile *p;

	populate(ss);
	p = export(ss, false);
	assert_string_equal(S(p, 0), "");
	assert_int_equal(p->n_sample_type, 1);
	assert_string_equal(S(p, p->sample_type[0]->type), "goroutine");
	assert_string_equal(S(p, p->sample_type[0]->unit), "count");
	assert_non_null(p->period_type);
	assert_string_equal(S(p, p->period_type->type), "goroutine");
	assert_int_equal(p->period, 1);

	/* Biggest first; the system goroutine is not in it. */
	assert_int_equal(p->n_sample, 3);
	sm = p->sample[0];
	assert_int_equal(sm->n_value, 1);
	assert_int_equal(sm->value[0], 2);
	assert_string_equal(label(p, sm, "state"), "chan receive");
	assert_null(label(p, sm, "verdict"));
	/* gopark, then main.outer with main.inner inlined: goexit dropped */
	assert_int_equal(sm->n_location_id, 2);
	l = loc(p, sm->location_id[0]);
	assert_int_equal(l->address, ss_pc(F_GOPARK, 0x15) - 1);
	assert_int_equal(l->n_line, 1);
	assert_string_equal(func_name(p, l->line[0]->function_id),
			    "runtime.gopark");
	assert_int_equal(l->line[0]->line, 401);
	l = loc(p, sm->location_id[1]);
	assert_int_equal(l->address, ss_pc(F_OUTER, 0x15) - 1);
	assert_int_equal(l->n_line, 2);
	assert_string_equal(func_name(p, l->line[0]->function_id),
			    "main.inner");
	assert_int_equal(l->line[0]->line, 95);
	assert_string_equal(func_name(p, l->line[1]->function_id),
			    "main.outer");

	/* Same stack, other state: its own sample, the same locations. */
	sm = p->sample[1];
	assert_int_equal(sm->value[0], 1);
	assert_string_equal(label(p, sm, "state"), "select");
	assert_int_equal(sm->n_location_id, 2);
	assert_int_equal(sm->location_id[0], p->sample[0]->location_id[0]);
	assert_int_equal(sm->location_id[1], p->sample[0]->location_id[1]);

	/* The wrapper is elided, as tracebackPCs does. */
	sm = p->sample[2];
	assert_int_equal(sm->value[0], 1);
	assert_int_equal(sm->n_location_id, 2);
	assert_int_equal(sm->location_id[0], p->sample[0]->location_id[0]);
	l = loc(p, sm->location_id[1]);
	assert_string_equal(func_name(p, l->line[0]->function_id),
			    "main.middle");

	for (size_t i = 0; i < p->n_function; i++) {
		const Perftools__Profiles__Function *fn = p->function[i];

		assert_int_equal(fn->id, i + 1);
		assert_int_equal(fn->name, fn->system_name);
		assert_non_null(strstr(S(p, fn->filename), ".go"));
	}
	assert_int_equal(p->n_mapping, 1);
	assert_string_equal(S(p, p->mapping[0]->filename), "/app/leaky");
	assert_true(p->mapping[0]->has_functions);
	perftools__profiles__profile__free_unpacked(p, NULL);

	/* --all: the system goroutine gets its sample. */
	p = export(ss, true);
	assert_int_equal(p->n_sample, 4);
	perftools__profiles__profile__free_unpacked(p, NULL);
}

/* Two exports differ in time_nanos only: nothing else depends on when. */
static void test_pprof_stable(void **state)
{
	struct synth_session *ss = *state;
	uint8_t *a, *b;
	size_t na, nb;
	pb_profile *p;

	populate(ss);
	memcpy(ss->bin->gnu_build_id, "\x01\xab\xff", 3);
	ss->bin->gnu_build_id_len = 3;
	p = export(ss, false);
	assert_string_equal(S(p, p->mapping[0]->build_id), "01abff");
	p->time_nanos = 0;
	na = perftools__profiles__profile__get_packed_size(p);
	a = malloc(na);
	assert_non_null(a);
	perftools__profiles__profile__pack(p, a);
	perftools__profiles__profile__free_unpacked(p, NULL);

	ss->s->now += 3600ll * 1000000000;
	p = export(ss, false);
	p->time_nanos = 0;
	nb = perftools__profiles__profile__get_packed_size(p);
	b = malloc(nb);
	assert_non_null(b);
	perftools__profiles__profile__pack(p, b);
	perftools__profiles__profile__free_unpacked(p, NULL);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pprof_profile, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pprof_stable, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
