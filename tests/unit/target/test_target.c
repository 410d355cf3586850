// SPDX-License-Identifier: MIT
/*
 * The target operations: what each kind answers (the live ones against this
 * very process), and the stand-ins for operations a kind lacks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "leakdump/target/core.h"
#include "leakdump/target/target.h"
#include "synth_core.h"

struct seen {
	uint64_t want;		/* an address that must be listed */
	bool found;
	size_t n;
	uint64_t lo[8], hi[8];
};

static bool collect(void *arg, uint64_t lo, uint64_t hi)
{
	struct seen *s = arg;

	if (s->want >= lo && s->want < hi)
		s->found = true;
	if (s->n < 8) {
		s->lo[s->n] = lo;
		s->hi[s->n] = hi;
	}
	s->n++;
	return true;
}

static bool stop_at_first(void *arg, uint64_t lo, uint64_t hi)
{
	(*(size_t *)arg)++;
	return false;
}

static void test_no_ops(void **state)
{
	struct ld_target t = { 0 };
	struct seen s = { 0 };
	size_t size = 0;
	int64_t now = 0;

	assert_string_equal(ld_target_name(&t), "?");
	assert_false(ld_target_mapped(&t));
	assert_false(ld_target_mappings(&t, collect, &s));
	assert_null(ld_target_describe_fd(&t, 0));
	assert_false(ld_target_now(&t, &now));
	assert_null(ld_target_view(&t, &size));
	ld_target_trim(&t);
	ld_target_close(&t);
}

static void test_unknown_kind(void **state)
{
	struct ld_target_spec spec = { .kind = (enum ld_target_kind)99 };
	struct ld_target t;
	struct ld_error *err;

	err = ld_target_open(&t, &spec, NULL, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_INVALID);
	ld_error_destroy(err);
	ld_target_close(&t);
}

static void test_callback(void **state)
{
	struct ld_target t = { .ops = &ld_target_callback_ops, .pid = 7 };
	struct seen s = { 0 };
	int64_t now;

	assert_string_equal(ld_target_name(&t), "remote");
	assert_false(ld_target_mapped(&t));
	assert_false(ld_target_mappings(&t, collect, &s));
	assert_null(ld_target_describe_fd(&t, 0));
	assert_false(ld_target_now(&t, &now));
}

static void test_live_mappings(void **state)
{
	struct ld_target t = { .ops = &ld_target_live_ops, .pid = getpid() };
	static int writable;
	struct seen s = { .want = (uint64_t)(uintptr_t)&writable };
	size_t calls = 0;
	int64_t now;

	assert_string_equal(ld_target_name(&t), "live");
	assert_false(ld_target_mapped(&t));
	assert_true(ld_target_mappings(&t, collect, &s));
	assert_true(s.found);
	/* The text is not writable. */
	s = (struct seen){ .want = (uint64_t)(uintptr_t)test_live_mappings };
	assert_true(ld_target_mappings(&t, collect, &s));
	assert_false(s.found);
	/* The callback's "no" (out of memory) is the listing's. */
	assert_false(ld_target_mappings(&t, stop_at_first, &calls));
	assert_int_equal(calls, 1);
	assert_true(ld_target_now(&t, &now));
	assert_true(now > 0);
	assert_null(ld_target_view(&t, &calls));
	t.pid = 0;
	assert_false(ld_target_mappings(&t, collect, &s));
}

static void expect_fd(const struct ld_target *t, int fd, const char *want)
{
	char *d = ld_target_describe_fd(t, fd);

	assert_non_null(d);
	if (strcmp(d, want))
		fail_msg("fd %d: '%s', want '%s'", fd, d, want);
	free(d);
}

/* A TCP listener on 127.0.0.1, and how the target describes it. */
static int loopback_listener(char *want, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(ls >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &salen), 0);
	snprintf(want, len, "TCP 127.0.0.1:%u LISTEN", ntohs(sa.sin_port));
	return ls;
}

static void test_live_describe_fd(void **state)
{
	struct ld_target t = { .ops = &ld_target_live_ops, .pid = getpid() };
	char want[64], *dir, *path;
	int p[2], ls;
	FILE *f;

	assert_int_equal(pipe(p), 0);
	expect_fd(&t, p[0], "pipe");
	close(p[0]);
	close(p[1]);

	dir = synth_tmpdir();
	path = synth_write(dir, "file", "x", 1);
	f = fopen(path, "r");
	assert_non_null(f);
	expect_fd(&t, fileno(f), path);
	fclose(f);
	synth_rmdir(dir, &path, 1);

	ls = loopback_listener(want, sizeof(want));
	expect_fd(&t, ls, want);
	close(ls);

	assert_null(ld_target_describe_fd(&t, -1));
	assert_null(ld_target_describe_fd(&t, 1 << 20));
	t.pid = 0;
	assert_null(ld_target_describe_fd(&t, 0));
}

/*
 * Many descriptors at once, as the blocking pass asks: each is what it is
 * alone (a dup of a socket too), though the socket tables are read once.
 */
static void test_live_describe_fds(void **state)
{
	struct ld_target t = { .ops = &ld_target_live_ops, .pid = getpid() };
	enum { PAIRS = 300, N = 2 * PAIRS + 4 };
	int64_t fds[N];
	char *out[N], want[64];
	int sv[2], p[2], ls, dup_ls;

	for (int i = 0; i < PAIRS; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		fds[2 * i] = sv[0];
		fds[2 * i + 1] = sv[1];
	}
	ls = loopback_listener(want, sizeof(want));
	dup_ls = dup(ls);
	assert_int_equal(pipe(p), 0);
	fds[N - 4] = ls;
	fds[N - 3] = p[0];
	fds[N - 2] = dup_ls;
	fds[N - 1] = 1 << 20;		/* not open */
	ld_target_describe_fds(&t, fds, N, out);
	for (int i = 0; i < 2 * PAIRS; i++) {
		assert_non_null(out[i]);
		assert_string_equal(out[i], "unix (unnamed)");
	}
	assert_string_equal(out[N - 4], want);
	assert_string_equal(out[N - 3], "pipe");
	assert_string_equal(out[N - 2], want);
	assert_null(out[N - 1]);
	for (int i = 0; i < N; i++) {
		char *one = ld_target_describe_fd(&t, fds[i]);

		if (out[i])
			assert_string_equal(one, out[i]);
		else
			assert_null(one);
		free(one);
		free(out[i]);
	}
	for (int i = 0; i < 2 * PAIRS; i++)
		close((int)fds[i]);
	close(ls);
	close(dup_ls);
	close(p[0]);
	close(p[1]);
	/* A core knows no descriptors. */
	t.ops = &ld_target_core_ops;
	ld_target_describe_fds(&t, fds, 2, out);
	assert_null(out[0]);
	assert_null(out[1]);
}

static void test_core(void **state)
{
	static uint8_t page[0x1000];
	struct ld_synth_seg segs[2] = {
		{ .type = PT_LOAD, .flags = PF_R | PF_W, .offset = 0x1000,
		  .vaddr = 0x10000, .filesz = 0x1000, .memsz = 0x1000,
		  .align = 0x1000, .data = page },
		{ .type = PT_LOAD, .flags = PF_R, .offset = 0x2000,
		  .vaddr = 0x20000, .filesz = 0x1000, .memsz = 0x1000,
		  .align = 0x1000, .data = page },
	};
	struct ld_synth_buf img = { 0 };
	struct ld_core *core = NULL;
	struct ld_target t = { .ops = &ld_target_core_ops };
	struct seen s = { 0 };
	char *dir, *path;
	size_t size = 0;
	int64_t now;

	synth_elf(&img, ET_CORE, 0, segs, 2);
	dir = synth_tmpdir();
	path = synth_write(dir, "core", img.p, img.len);
	assert_null(ld_core_open(path, &core));
	/* Without its core, the table knows nothing. */
	assert_false(ld_target_mappings(&t, collect, &s));
	assert_null(ld_target_view(&t, &size));
	t.priv = core;
	assert_string_equal(ld_target_name(&t), "core");
	assert_true(ld_target_mapped(&t));
	assert_true(ld_target_mappings(&t, collect, &s));
	assert_int_equal(s.n, 1);
	assert_int_equal(s.lo[0], 0x10000);
	assert_int_equal(s.hi[0], 0x11000);
	assert_ptr_equal(ld_target_view(&t, &size), core->map);
	assert_int_equal(size, core->size);
	assert_null(ld_target_describe_fd(&t, 0));
	assert_false(ld_target_now(&t, &now));
	ld_target_trim(&t);
	assert_int_equal(core->map[0x1000], 0);
	ld_target_close(&t);	/* frees the core */
	assert_null(t.priv);
	synth_free(&img);
	synth_rmdir(dir, &path, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_ops),
		cmocka_unit_test(test_unknown_kind),
		cmocka_unit_test(test_callback),
		cmocka_unit_test(test_live_mappings),
		cmocka_unit_test(test_live_describe_fd),
		cmocka_unit_test(test_live_describe_fds),
		cmocka_unit_test(test_core),
	};

	(void)synth_note;	/* a static helper this test has no use for */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
