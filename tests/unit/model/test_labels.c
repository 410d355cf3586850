// SPDX-License-Identifier: MIT
/*
 * ld_goroutine_labels on synthetic runtime structures laid out in the
 * synthetic session's memory: Go 1.24+'s labelMap (a sorted slice of
 * key/value strings) and Go 1.21-1.23's *labelMap holding a
 * map[string]string (a classic hash map: buckets of 8, an overflow
 * bucket, empty and evacuated slots), plus the corrupt cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "leakdump/model/labels.h"
#include "synth_session.h"

#define BASE (SS_STACK_LO + 0x8000)	/* clear of any call chain */
#define STRS (BASE + 0x1000)

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

static uint64_t str_at;

/* A string's bytes in memory: its address. */
static uint64_t put_str(struct synth_session *ss, const char *s)
{
	uint64_t a = str_at;

	memcpy((uint8_t *)ss->stack + (a - SS_STACK_LO), s, strlen(s));
	str_at += (strlen(s) + 8) & ~7ull;
	return a;
}

/* (key, value) as two Go strings at addr. */
static void put_pair(struct synth_session *ss, uint64_t addr, const char *k,
		     const char *v)
{
	ss_word(ss, addr, put_str(ss, k));
	ss_word(ss, addr + 8, strlen(k));
	ss_word(ss, addr + 16, put_str(ss, v));
	ss_word(ss, addr + 24, strlen(v));
}

/* A goroutine whose g.labels word is at BASE. */
static struct ld_goroutine *labelled_g(struct synth_session *ss)
{
	struct ld_goroutine *g = ss_add_g(ss, 7, ST_WAITING, WR_CHAN_RECV,
					  ss_pc(F_GOPARK, 0x15),
					  SS_STACK_LO + 0x100);

	assert_non_null(g);
	ss->rt->g.labels = (int64_t)(BASE - g->addr);
	str_at = STRS;
	return g;
}

static void check(const struct ld_label *l, const char *k, const char *v)
{
	assert_int_equal(l->key_len, strlen(k));
	assert_memory_equal(l->key, k, strlen(k));
	assert_int_equal(l->value_len, strlen(v));
	assert_memory_equal(l->value, v, strlen(v));
}

static void test_labels_slice(void **state)
{
	struct synth_session *ss = *state;
	struct ld_goroutine *g = labelled_g(ss);
	struct ld_label *l;
	size_t n;

	ss->rt->labels_slice = true;
	ss_word(ss, BASE, BASE + 0x40);		/* *labelMap */
	ss_word(ss, BASE + 0x40, BASE + 0x80);	/* list.ptr */
	ss_word(ss, BASE + 0x48, 2);		/* list.len */
	put_pair(ss, BASE + 0x80, "tenant", "acme");
	put_pair(ss, BASE + 0xa0, "req", "");
	assert_null(ld_goroutine_labels(ss->s, g, &l, &n));
	assert_int_equal(n, 2);
	check(&l[0], "req", "");
	check(&l[1], "tenant", "acme");
	ld_labels_free(l, n);

	/* No labels: nil pointer. */
	ss_word(ss, BASE, 0);
	assert_null(ld_goroutine_labels(ss->s, g, &l, &n));
	assert_null(l);
	assert_int_equal(n, 0);

	/* A length no label set has. */
	ss_word(ss, BASE, BASE + 0x40);
	ss_word(ss, BASE + 0x48, LD_LABELS_MAX + 1);
	{
		struct ld_error *err = ld_goroutine_labels(ss->s, g, &l, &n);

		assert_non_null(err);
		assert_int_equal(err->code, LD_ERR_CORRUPT);
		assert_null(l);
		ld_error_destroy(err);
	}
}

#define HMAP (BASE + 0x100)
#define BUCKET (BASE + 0x200)
#define OVERFLOW (BASE + 0x400)
#define OLD (BASE + 0x600)

/* A bucket's tophash bytes (8) as one word. */
static uint64_t tophash(const uint8_t th[8])
{
	uint64_t w;

	memcpy(&w, th, 8);
	return w;
}

static void test_labels_map(void **state)
{
	static const uint8_t th[8] = { 0x80, 1, 1, 0x33, 0, 0, 0, 0 };
	static const uint8_t th_over[8] = { 0x41, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t th_old[8] = { 2, 0x17, 0, 0, 0, 0, 0, 0 };
	struct synth_session *ss = *state;
	struct ld_goroutine *g = labelled_g(ss);
	struct ld_label *l;
	struct ld_error *err;
	size_t n;

	ss->rt->labels_slice = false;
	ss_word(ss, BASE, BASE + 0x40);		/* *labelMap */
	ss_word(ss, BASE + 0x40, HMAP);		/* the map: *hmap */
	ss_word(ss, HMAP, 4);			/* count */
	ss_word(ss, HMAP + 8, 0);		/* flags, B = 0 */
	ss_word(ss, HMAP + 16, BUCKET);
	ss_word(ss, HMAP + 24, OLD);		/* growing */
	/* slots 0 and 3 live, 1 and 2 emptied; then the overflow */
	ss_word(ss, BUCKET, tophash(th));
	ss_word(ss, BUCKET + 8, put_str(ss, "zone"));
	ss_word(ss, BUCKET + 16, 4);
	ss_word(ss, BUCKET + 8 + 16 * 3, put_str(ss, "app"));
	ss_word(ss, BUCKET + 8 + 16 * 3 + 8, 3);
	/* the values follow the 8 keys */
	ss_word(ss, BUCKET + 136, put_str(ss, "eu"));
	ss_word(ss, BUCKET + 136 + 8, 2);
	ss_word(ss, BUCKET + 136 + 16 * 3, put_str(ss, "web"));
	ss_word(ss, BUCKET + 136 + 16 * 3 + 8, 3);
	ss_word(ss, BUCKET + 264, OVERFLOW);
	ss_word(ss, OVERFLOW, tophash(th_over));
	ss_word(ss, OVERFLOW + 8, put_str(ss, "az"));
	ss_word(ss, OVERFLOW + 16, 2);
	ss_word(ss, OVERFLOW + 136, put_str(ss, "1"));
	ss_word(ss, OVERFLOW + 144, 1);
	ss_word(ss, OVERFLOW + 264, 0);
	/* the old array: slot 0 evacuated (skipped), slot 1 not yet */
	ss_word(ss, OLD, tophash(th_old));
	ss_word(ss, OLD + 8 + 16, put_str(ss, "old"));
	ss_word(ss, OLD + 8 + 24, 3);
	ss_word(ss, OLD + 136 + 16, put_str(ss, "yes"));
	ss_word(ss, OLD + 136 + 24, 3);
	ss_word(ss, OLD + 264, 0);

	assert_null(ld_goroutine_labels(ss->s, g, &l, &n));
	assert_int_equal(n, 4);
	check(&l[0], "app", "web");
	check(&l[1], "az", "1");
	check(&l[2], "old", "yes");
	check(&l[3], "zone", "eu");
	ld_labels_free(l, n);

	/* An overflow chain that loops is cut, not followed forever. */
	ss_word(ss, OVERFLOW + 264, OVERFLOW);
	err = ld_goroutine_labels(ss->s, g, &l, &n);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_CORRUPT);
	ld_error_destroy(err);

	/* A bucket array beyond memory is a fault. */
	ss_word(ss, OVERFLOW + 264, 0);
	ss_word(ss, HMAP + 16, 0x10);
	err = ld_goroutine_labels(ss->s, g, &l, &n);
	assert_non_null(err);
	assert_null(l);
	ld_error_destroy(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_labels_slice, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_labels_map, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
