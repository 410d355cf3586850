// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "leakdump/target/mem.h"
#include "target/vread.h"

/* Assert err is a fault at addr whose message contains text; free it. */
static void expect_fault(struct ld_error *err, uint64_t addr, const char *text)
{
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_FAULT);
	assert_int_equal(err->address, addr);
	if (text && !strstr(err->message, text))
		fail_msg("message '%s' lacks '%s'", err->message, text);
	ld_error_destroy(err);
}

static struct ld_mem *new_mem(void)
{
	struct ld_mem *mem = NULL;

	assert_null(ld_mem_create(&mem));
	assert_non_null(mem);
	return mem;
}

static void test_overlap_precedence(void **state)
{
	static uint8_t a[0x100], b[0x100], c[0x10], d[0x40];
	struct ld_mem *mem = new_mem();
	uint8_t out[0x180];
	size_t i;

	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	memset(c, 'c', sizeof(c));
	memset(d, 'd', sizeof(d));
	assert_null(ld_mem_add_buffer(mem, 0x1000, a, sizeof(a)));
	assert_null(ld_mem_add_buffer(mem, 0x1080, b, sizeof(b)));
	/* Inside a: splits it in two. */
	assert_null(ld_mem_add_buffer(mem, 0x1040, c, sizeof(c)));
	assert_null(ld_mem_read(mem, 0x1000, out, sizeof(out)));
	for (i = 0; i < sizeof(out); i++) {
		char want = i < 0x40 ? 'a' : i < 0x50 ? 'c' :
			    i < 0x80 ? 'a' : 'b';

		assert_int_equal(out[i], want);
	}
	/* Over the a/b boundary: newest wins on both sides. */
	assert_null(ld_mem_add_buffer(mem, 0x1060, d, sizeof(d)));
	assert_null(ld_mem_read(mem, 0x1050, out, 0x60));
	for (i = 0; i < 0x60; i++) {
		char want = i < 0x10 ? 'a' : i < 0x50 ? 'd' : 'b';

		assert_int_equal(out[i], want);
	}
	/* An older segment never shows through a newer one. */
	assert_null(ld_mem_add_buffer(mem, 0x1000, a, sizeof(a)));
	assert_null(ld_mem_read(mem, 0x1000, out, sizeof(out)));
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], i < 0x100 ? 'a' : 'b');
	ld_mem_destroy(mem);
}

static void test_spanning_and_unmapped(void **state)
{
	static const uint8_t lo[16] = "0123456789abcdef";
	static const uint8_t hi[16] = "ghijklmnopqrstuv";
	struct ld_mem *mem = new_mem();
	uint8_t out[16];
	uint64_t v64;
	uint32_t v32;

	assert_null(ld_mem_add_buffer(mem, 0x1010, hi, sizeof(hi)));
	assert_null(ld_mem_add_buffer(mem, 0x1000, lo, sizeof(lo)));
	assert_null(ld_mem_read(mem, 0x1008, out, 16));
	assert_memory_equal(out, "89abcdefghijklmn", 16);
	assert_null(ld_mem_read_u64(mem, 0x100c, &v64));
	assert_memory_equal(&v64, "cdefghij", 8);
	assert_null(ld_mem_read_u32(mem, 0x1000, &v32));
	assert_memory_equal(&v32, "0123", 4);
	/* Zero-length reads touch nothing. */
	assert_null(ld_mem_read(mem, 0xdead0000, out, 0));
	expect_fault(ld_mem_read(mem, 0x5000, out, 8), 0x5000,
		     "address 0x5000 not mapped");
	/* Runs off the end: the fault names the first missing byte. */
	expect_fault(ld_mem_read(mem, 0x1018, out, 16), 0x1020, "not mapped");
	expect_fault(ld_mem_read(mem, 0xff8, out, 16), 0xff8, "not mapped");
	expect_fault(ld_mem_read(mem, UINT64_MAX - 3, out, 8),
		     UINT64_MAX - 3, "not mapped");
	ld_mem_destroy(mem);
}

static void test_holes(void **state)
{
	static uint8_t buf[0x1000], late[0x80];
	struct ld_mem *mem = new_mem();
	uint8_t out[0x20];
	struct ld_error *err;

	memset(buf, 0x11, sizeof(buf));
	memset(late, 0x22, sizeof(late));
	assert_null(ld_mem_add_buffer(mem, 0x10000, buf, sizeof(buf)));
	assert_null(ld_mem_add_hole(mem, 0x10800, 0x10900,
				    "not saved in core"));
	err = ld_mem_read(mem, 0x107f0, out, sizeof(out));
	expect_fault(err, 0x10800, "not saved in core");
	expect_fault(ld_mem_read(mem, 0x108ff, out, 1), 0x108ff,
		     "address 0x108ff not saved in core");
	assert_null(ld_mem_read(mem, 0x10900, out, 1));
	assert_int_equal(out[0], 0x11);
	/* A later segment covers part of the hole. */
	assert_null(ld_mem_add_buffer(mem, 0x10880, late, sizeof(late)));
	assert_null(ld_mem_read(mem, 0x10880, out, sizeof(out)));
	assert_int_equal(out[0], 0x22);
	assert_null(ld_mem_read(mem, 0x108f0, out, sizeof(out)));
	assert_int_equal(out[0xf], 0x22);
	assert_int_equal(out[0x10], 0x11);
	expect_fault(ld_mem_read(mem, 0x10870, out, sizeof(out)), 0x10870,
		     "not saved");
	assert_null(ld_mem_peek(mem, 0x10800, 1));
	ld_mem_destroy(mem);
}

/* A target whose byte at addr is addr*7; one bad page; counts calls. */
struct fake_target {
	uint64_t start, end;
	uint64_t bad_start, bad_end;
	unsigned int calls;
	size_t last_len;
};

static uint8_t fake_byte(uint64_t addr)
{
	return (uint8_t)(addr * 7);
}

static struct ld_error *fake_read(void *arg, uint64_t addr, void *buf,
				  size_t len)
{
	struct fake_target *t = arg;
	uint8_t *out = buf;
	size_t i;

	t->calls++;
	t->last_len = len;
	for (i = 0; i < len; i++) {
		uint64_t at = addr + i;

		if (at < t->start || at >= t->end ||
		    (at >= t->bad_start && at < t->bad_end))
			return ld_error_fault(at, "fake fault at 0x%llx",
					      (unsigned long long)at);
		out[i] = fake_byte(at);
	}
	return NULL;
}

static void check_fake(const uint8_t *buf, uint64_t addr, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		assert_int_equal(buf[i], fake_byte(addr + i));
}

static void test_callback_cache(void **state)
{
	struct fake_target t = {
		.start = 0x100000, .end = 0x130000,
		.bad_start = 0x128000, .bad_end = 0x129000,
	};
	struct ld_mem *mem = new_mem();
	static uint8_t out[0x20000];
	unsigned int calls;

	assert_null(ld_mem_add_callback(mem, 0x100000, 0x140000, fake_read,
					&t));
	assert_null(ld_mem_read(mem, 0x100000, out, 8));
	check_fake(out, 0x100000, 8);
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.last_len, 0x10000);	/* a whole chunk */
	/* Neighbours come from the cache. */
	assert_null(ld_mem_read(mem, 0x100100, out, 400));
	assert_null(ld_mem_read(mem, 0x10fff8, out + 400, 8));
	check_fake(out, 0x100100, 400);
	check_fake(out + 400, 0x10fff8, 8);
	assert_int_equal(t.calls, 1);
	/* Across a chunk boundary: one more chunk. */
	assert_null(ld_mem_read(mem, 0x10fff0, out, 0x20));
	check_fake(out, 0x10fff0, 0x20);
	assert_int_equal(t.calls, 2);
	/* The chunk holding the bad page keeps its good prefix. */
	assert_null(ld_mem_read(mem, 0x120000, out, 8));
	calls = t.calls;
	assert_null(ld_mem_read(mem, 0x127ff8, out, 8));
	check_fake(out, 0x127ff8, 8);
	assert_int_equal(t.calls, calls);
	/* Bytes after the bad page still read, via an exact read. */
	assert_null(ld_mem_read(mem, 0x129000, out, 8));
	check_fake(out, 0x129000, 8);
	expect_fault(ld_mem_read(mem, 0x127ff8, out, 16), 0x128000,
		     "fake fault");
	expect_fault(ld_mem_read(mem, 0x128010, out, 1), 0x128010, NULL);
	/* The segment goes on past what the target has. */
	expect_fault(ld_mem_read(mem, 0x130000, out, 4), 0x130000, NULL);
	expect_fault(ld_mem_read(mem, 0x13fffc, out, 8), 0x13fffc, NULL);
	expect_fault(ld_mem_read(mem, 0x140000, out, 4), 0x140000,
		     "not mapped");
	/* Big reads bypass the cache. */
	calls = t.calls;
	assert_null(ld_mem_read(mem, 0x100010, out, 0x18000));
	check_fake(out, 0x100010, 0x18000);
	assert_int_equal(t.calls, calls + 1);
	assert_int_equal(t.last_len, 0x18000);
	/* Invalidation forces a fresh callback. */
	calls = t.calls;
	assert_null(ld_mem_read(mem, 0x100000, out, 8));
	assert_int_equal(t.calls, calls);
	ld_mem_invalidate(mem);
	assert_null(ld_mem_read(mem, 0x100000, out, 8));
	assert_int_equal(t.calls, calls + 1);
	assert_null(ld_mem_peek(mem, 0x100000, 8));
	ld_mem_destroy(mem);
}

/* A buffer laid over a callback wins; the callback fills around it. */
static void test_callback_under_buffer(void **state)
{
	struct fake_target t = { .start = 0, .end = 0x20000,
				 .bad_start = 1, .bad_end = 0 };
	static const uint8_t patch[4] = { 0xaa, 0xbb, 0xcc, 0xdd };
	struct ld_mem *mem = new_mem();
	uint8_t out[12];

	assert_null(ld_mem_add_callback(mem, 0, 0x20000, fake_read, &t));
	assert_null(ld_mem_add_buffer(mem, 0x1004, patch, sizeof(patch)));
	assert_null(ld_mem_read(mem, 0x1000, out, sizeof(out)));
	check_fake(out, 0x1000, 4);
	assert_memory_equal(out + 4, patch, 4);
	check_fake(out + 8, 0x1008, 4);
	ld_mem_destroy(mem);
}

/*
 * Sealed (the process was let go): every read of the process faults with
 * the reason, cached or not; the counter counts only transfers from the
 * target.
 */
static void test_callback_sealed(void **state)
{
	struct fake_target t = { .start = 0x100000, .end = 0x130000 };
	struct ld_mem *mem = new_mem();
	struct ld_mem_iov v = { .addr = 0x120000, .len = 8 };
	uint8_t out[8];

	v.buf = out;
	assert_null(ld_mem_add_callback(mem, t.start, t.end, fake_read, &t));
	assert_int_equal(ld_mem_target_reads(mem), 0);
	assert_null(ld_mem_read(mem, 0x100000, out, 8));
	assert_null(ld_mem_read(mem, 0x100008, out, 8));
	assert_int_equal(ld_mem_target_reads(mem), 1);
	ld_mem_seal(mem, "resumed");
	expect_fault(ld_mem_read(mem, 0x100010, out, 8), 0x100010, "resumed");
	expect_fault(ld_mem_read(mem, 0x110000, out, 8), 0x110000, "resumed");
	ld_mem_read_batch(mem, &v, 1);
	assert_false(v.ok);
	assert_int_equal(ld_mem_target_reads(mem), 1);
	assert_int_equal(t.calls, 1);
	ld_mem_destroy(mem);
}

/* The last chunk of the address space must not wrap around. */
static void test_callback_top(void **state)
{
	struct fake_target t = { .start = UINT64_MAX - 0x20000,
				 .end = UINT64_MAX, .bad_start = 1 };
	struct ld_mem *mem = new_mem();
	uint8_t out[8];

	assert_null(ld_mem_add_callback(mem, t.start, t.end, fake_read, &t));
	assert_null(ld_mem_read(mem, UINT64_MAX - 16, out, sizeof(out)));
	check_fake(out, UINT64_MAX - 16, sizeof(out));
	assert_int_equal(t.last_len, 0xffff);
	expect_fault(ld_mem_read(mem, UINT64_MAX - 4, out, 8), UINT64_MAX,
		     "not mapped");
	ld_mem_destroy(mem);
}

static void test_peek(void **state)
{
	static const uint8_t a[32] = "abcdefghijklmnopqrstuvwxyz012345";
	static const uint8_t b[32];
	struct ld_mem *mem = new_mem();

	assert_null(ld_mem_add_buffer(mem, 0x2000, a, sizeof(a)));
	assert_null(ld_mem_add_buffer(mem, 0x2020, b, sizeof(b)));
	assert_ptr_equal(ld_mem_peek(mem, 0x2000, 32), a);
	assert_ptr_equal(ld_mem_peek(mem, 0x2010, 4), a + 16);
	assert_ptr_equal(ld_mem_peek(mem, 0x2020, 32), b);
	assert_null(ld_mem_peek(mem, 0x201c, 8));	/* spans a and b */
	assert_null(ld_mem_peek(mem, 0x2030, 32));	/* runs off b */
	assert_null(ld_mem_peek(mem, 0x1000, 1));
	ld_mem_destroy(mem);
}

static void test_read_string(void **state)
{
	static const char text[] = "hello, leakdump";
	struct ld_mem *mem = new_mem();
	struct ld_error *err;
	char *s = NULL;

	assert_null(ld_mem_add_buffer(mem, 0x3000, text, sizeof(text) - 1));
	assert_null(ld_mem_read_string(mem, 0x3000, 5, 64, &s));
	assert_string_equal(s, "hello");
	free(s);
	assert_null(ld_mem_read_string(mem, 0x3007, 8, 8, &s));
	assert_string_equal(s, "leakdump");
	free(s);
	/* Empty strings need no readable pointer. */
	assert_null(ld_mem_read_string(mem, 0, 0, 8, &s));
	assert_string_equal(s, "");
	free(s);
	err = ld_mem_read_string(mem, 0x3000, 9, 8, &s);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_CORRUPT);
	ld_error_destroy(err);
	err = ld_mem_read_string(mem, 0x3000, UINT64_MAX, 1 << 20, &s);
	assert_int_equal(err->code, LD_ERR_CORRUPT);
	ld_error_destroy(err);
	expect_fault(ld_mem_read_string(mem, 0x3008, 16, 64, &s),
		     0x3000 + sizeof(text) - 1, "not mapped");
	ld_mem_destroy(mem);
}

/*
 * Random buffers and holes against a byte-per-address model: the piece
 * list must always give the newest segment for every address.
 */
static void test_random_model(void **state)
{
	enum { SPACE = 4096, SEGS = 400 };
	static uint8_t data[SEGS][256];
	static int owner[SPACE];
	struct ld_mem *mem = new_mem();
	uint8_t out[64];
	unsigned int seed = 12345;
	int i, j, k;

	for (i = 0; i < SPACE; i++)
		owner[i] = -1;
	for (i = 0; i < SEGS; i++) {
		int start = rand_r(&seed) % SPACE;
		int len = 1 + rand_r(&seed) % 256;
		bool hole = rand_r(&seed) % 5 == 0;

		if (start + len > SPACE)
			len = SPACE - start;
		memset(data[i], i & 0xff, sizeof(data[i]));
		if (hole)
			assert_null(ld_mem_add_hole(mem, start, start + len,
						    "hole"));
		else
			assert_null(ld_mem_add_buffer(mem, start, data[i],
						       len));
		for (j = start; j < start + len; j++)
			owner[j] = hole ? -2 : i;
		for (k = 0; k < 20; k++) {
			int at = rand_r(&seed) % SPACE;
			int n = 1 + rand_r(&seed) % 64, bad = -1;
			struct ld_error *err;

			if (at + n > SPACE)
				n = SPACE - at;
			for (j = at; j < at + n && bad < 0; j++)
				if (owner[j] < 0)
					bad = j;
			err = ld_mem_read(mem, at, out, n);
			if (bad >= 0) {
				expect_fault(err, bad, owner[bad] == -2 ?
					     "hole" : "not mapped");
				continue;
			}
			assert_null(err);
			for (j = 0; j < n; j++)
				assert_int_equal(out[j], owner[at + j] & 0xff);
		}
	}
	ld_mem_destroy(mem);
}

static const char ld_test_known[] = "leakdump: a known static buffer";

static void test_process_self(void **state)
{
	struct ld_mem *mem = new_mem();
	long page = sysconf(_SC_PAGESIZE);
	char out[sizeof(ld_test_known)];
	uint8_t *map, *big, *copy;
	size_t i, big_len = 300000;

	assert_null(ld_mem_add_process(mem, getpid()));
	assert_null(ld_mem_read(mem, (uintptr_t)ld_test_known, out,
				sizeof(out)));
	assert_string_equal(out, ld_test_known);
	expect_fault(ld_mem_read(mem, 0x1000, out, 8), 0x1000, NULL);
	/* Two pages, the second unmapped: fault at the page boundary. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	memset(map, 0x5a, page);
	assert_int_equal(munmap(map + page, page), 0);
	ld_mem_invalidate(mem);
	expect_fault(ld_mem_read(mem, (uintptr_t)map + page - 8, out, 16),
		     (uintptr_t)map + page, "not readable");
	assert_null(ld_mem_read(mem, (uintptr_t)map + page - 8, out, 8));
	assert_int_equal(out[0], 0x5a);
	/* A multi-page direct read that ends in the unmapped page. */
	copy = malloc(0x20000);
	assert_non_null(copy);
	expect_fault(ld_mem_read(mem, (uintptr_t)map, copy, 0x20000),
		     (uintptr_t)map + page, NULL);
	free(copy);
	munmap(map, page);
	/* Above a chunk: a direct read spanning many pages. */
	big = malloc(big_len);
	copy = malloc(big_len);
	assert_non_null(big);
	assert_non_null(copy);
	for (i = 0; i < big_len; i++)
		big[i] = (uint8_t)(i * 13);
	assert_null(ld_mem_read(mem, (uintptr_t)big, copy, big_len));
	assert_memory_equal(big, copy, big_len);
	free(big);
	free(copy);
	ld_mem_destroy(mem);
}

/*
 * Batched reads of our own process: adjacent ranges are merged into one
 * vectored transfer, and an unreadable range fails alone.
 */
static void test_process_batch(void **state)
{
	struct ld_mem *mem = new_mem();
	long page = sysconf(_SC_PAGESIZE);
	struct ld_mem_iov v[2000];
	uint8_t *src, (*out)[24];
	size_t i, n = 2000;

	src = malloc(n * 32);
	out = calloc(n, sizeof(*out));
	assert_non_null(src);
	assert_non_null(out);
	for (i = 0; i < n * 32; i++)
		src[i] = (uint8_t)(i * 7);
	assert_null(ld_mem_add_process(mem, getpid()));
	for (i = 0; i < n; i++) {
		/* 24 of every 32 bytes: nearby ranges with small gaps */
		v[i].addr = (uintptr_t)src + i * 32 + 4;
		v[i].buf = out[i];
		v[i].len = 24;
		v[i].ok = false;
	}
	v[700].addr = 0x1000;			/* unmapped */
	v[1500].addr = (uintptr_t)-(uint64_t)page;	/* kernel half */
	ld_mem_read_batch(mem, v, n);
	for (i = 0; i < n; i++) {
		if (i == 700 || i == 1500) {
			assert_false(v[i].ok);
			continue;
		}
		assert_true(v[i].ok);
		assert_memory_equal(out[i], src + i * 32 + 4, 24);
	}
	free(src);
	free(out);
	ld_mem_destroy(mem);
}

/* Range i: sz bytes of src at i * sz, into out at i * sz. */
static void point_ranges(struct ld_mem_iov *v, size_t n, const uint8_t *src,
			 uint8_t *out, size_t sz)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (struct ld_mem_iov){ (uintptr_t)src + i * sz,
					    out + i * sz, sz, false };
}

static bool several_cpus(void)
{
	cpu_set_t set;

	return !sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) >= 2;
}

/*
 * A batch big enough for two readers (mem.c reads half on a helper
 * thread): every range lands in its own buffer, unreadable ranges in
 * either half fail alone, and empty ranges are ok without a byte copied.
 * With two CPUs each half is one transfer of its own (one alone merges
 * all 20 runs into one vector).
 */
static void test_process_batch_split(void **state)
{
	struct ld_mem *mem = new_mem();
	size_t i, n = 20000, sz = 64;
	struct ld_mem_iov *v = calloc(n, sizeof(*v));
	uint8_t *src = malloc(n * sz), *out = malloc(n * sz);
	uint64_t reads;

	assert_non_null(v);
	assert_non_null(src);
	assert_non_null(out);
	for (i = 0; i < n * sz; i++)
		src[i] = (uint8_t)(i * 11 + 3);
	memset(out, 0xee, n * sz);
	assert_null(ld_mem_add_process(mem, getpid()));
	point_ranges(v, n, src, out, sz);
	v[100].addr = v[5000].addr = v[15000].addr = 0x1000;
	v[7].len = v[9999].len = v[19999].len = 0;
	reads = ld_mem_target_reads(mem);
	ld_mem_read_batch(mem, v, n);
	assert_true(ld_mem_target_reads(mem) > reads);
	for (i = 0; i < n; i++) {
		if (i == 100 || i == 5000 || i == 15000) {
			assert_false(v[i].ok);
		} else if (!v[i].len) {
			assert_true(v[i].ok);
			assert_int_equal(out[i * sz], 0xee);
		} else {
			assert_true(v[i].ok);
			assert_memory_equal(out + i * sz, src + i * sz, sz);
		}
	}
	/* The helper thread is reused batch after batch. */
	for (int round = 0; round < 50; round++) {
		memset(out, 0, n * sz);
		point_ranges(v, n, src, out, sz);
		reads = ld_mem_target_reads(mem);
		ld_mem_read_batch(mem, v, n);
		assert_int_equal(ld_mem_target_reads(mem) - reads,
				 several_cpus() ? 2 : 1);
		assert_true(v[0].ok && v[n - 1].ok);
		assert_memory_equal(out, src, n * sz);
	}
	/*
	 * Many small split batches, one after another: the helper takes
	 * some, the caller the others (those the helper had not started),
	 * and each handover ends (a lost wake-up would hang here).
	 */
	n = 4200;	/* just over the split size */
	for (int round = 0; round < 3000; round++) {
		memset(out, 0, n * sz);
		point_ranges(v, n, src, out, sz);
		ld_mem_read_batch(mem, v, n);
		assert_true(v[0].ok && v[n - 1].ok);
		assert_memory_equal(out, src, n * sz);
	}
	free(v);
	free(src);
	free(out);
	ld_mem_destroy(mem);
}

/*
 * A split job the helper has not started is the caller's: posted while
 * the helper sleeps (idle for a while) and finished at once, the caller
 * takes it, and the helper then leaves its buffer alone.  One the helper
 * was given time for is done by the helper.  (A helper woken from its
 * sleep takes tens of microseconds to run; the caller's take is next.)
 */
static void test_vsplit_handover(void **state)
{
	static const char src[] = "handover";
	struct ld_vsplit *sp;
	char buf[sizeof(src)];
	struct ld_mem_iov v = { (uintptr_t)src, buf, sizeof(src), false };
	uint64_t calls = 0, bytes = 0;
	struct timespec idle = { 0, 5000000 };
	int callers = 0, helpers = 0;

	if (!several_cpus())
		skip();
	sp = ld_vsplit_create(getpid());
	assert_non_null(sp);
	for (int round = 0; round < 20; round++) {
		nanosleep(&idle, NULL);		/* the helper goes to sleep */
		memset(buf, 0xee, sizeof(buf));
		v.ok = false;
		ld_vsplit_start(sp, &v, 1);
		if (ld_vsplit_finish(sp, &calls, &bytes)) {
			helpers++;
			continue;
		}
		callers++;
		nanosleep(&idle, NULL);
		assert_false(v.ok);
		assert_int_equal((uint8_t)buf[0], 0xee);
	}
	assert_true(callers > 0);
	/* Given the time, the helper does the job. */
	for (int round = 0; round < 20 && !helpers; round++) {
		v.ok = false;
		ld_vsplit_start(sp, &v, 1);
		nanosleep(&idle, NULL);
		if (ld_vsplit_finish(sp, &calls, &bytes)) {
			helpers++;
			assert_true(v.ok);
			assert_memory_equal(buf, src, sizeof(src));
		}
	}
	assert_true(helpers > 0);
	assert_true(calls > 0);
	ld_vsplit_destroy(sp);
}

/*
 * A page the target cannot read itself (PROT_NONE, as Go's reserved
 * arena space) is still read, as a debugger reads it: through
 * /proc/PID/mem when process_vm_readv refuses.
 */
static void test_process_prot_none(void **state)
{
	struct ld_mem *mem = new_mem();
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *map, out[16];

	map = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	memset(map, 0x6b, page);
	assert_int_equal(mprotect(map, page, PROT_NONE), 0);
	assert_null(ld_mem_add_process(mem, getpid()));
	assert_null(ld_mem_read(mem, (uintptr_t)map + 64, out, sizeof(out)));
	assert_int_equal(out[0], 0x6b);
	assert_int_equal(out[15], 0x6b);
	munmap(map, page);
	ld_mem_destroy(mem);
}

/*
 * Whole pages of our own process from any thread (the live read-ahead):
 * runs of consecutive pages and lone pages, more runs than one vector
 * holds; an unmapped page inside a run fails alone, the pages after it
 * still arrive, and a PROT_NONE page is read as a debugger reads it.
 * The transfers are the caller's to count.
 */
static void test_process_pages(void **state)
{
	struct ld_mem *mem = new_mem();
	size_t npages = 3000, n = 0, i;
	uint8_t *map, *out;
	uint64_t *pages, calls = 0, bytes = 0, reads;
	bool *ok;

	map = mmap(NULL, npages * LD_MEM_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pages = calloc(npages + 1, sizeof(*pages));
	out = malloc((npages + 1) * LD_MEM_PAGE);
	ok = calloc(npages + 1, sizeof(*ok));
	assert_true(map != MAP_FAILED);
	assert_non_null(pages);
	assert_non_null(out);
	assert_non_null(ok);
	for (i = 0; i < npages * LD_MEM_PAGE; i++)
		map[i] = (uint8_t)(i * 5 + i / LD_MEM_PAGE);
	assert_int_equal(munmap(map + 1001 * LD_MEM_PAGE, LD_MEM_PAGE), 0);
	assert_int_equal(mprotect(map + 2500 * LD_MEM_PAGE, LD_MEM_PAGE,
				  PROT_NONE), 0);
	/* Every page to 1,200 (one run), then every other one (1,400 runs). */
	for (i = 0; i < npages; i++)
		if (i < 1200 || i % 2 == 0)
			pages[n++] = (uintptr_t)map + i * LD_MEM_PAGE;
	pages[n++] = (uint64_t)-(uint64_t)LD_MEM_PAGE;	/* kernel half */
	assert_null(ld_mem_add_process(mem, getpid()));
	assert_true(ld_mem_pages_readable(mem));
	reads = ld_mem_target_reads(mem);
	ld_mem_read_pages(mem, pages, n, out, ok, &calls, &bytes);
	assert_int_equal(ld_mem_target_reads(mem), reads);
	assert_true(calls >= 3 && calls < 10);
	assert_true(bytes >= (n - 2) * LD_MEM_PAGE);
	for (i = 0; i < n; i++) {
		size_t pg = (pages[i] - (uintptr_t)map) / LD_MEM_PAGE;

		if (i == n - 1 || pg == 1001) {
			assert_false(ok[i]);
			continue;
		}
		assert_true(ok[i]);
		if (pg == 2500)
			continue;	/* compared below: PROT_NONE */
		assert_memory_equal(out + i * LD_MEM_PAGE,
				    map + pg * LD_MEM_PAGE, LD_MEM_PAGE);
	}
	assert_int_equal(mprotect(map + 2500 * LD_MEM_PAGE, LD_MEM_PAGE,
				  PROT_READ), 0);
	for (i = 0; i < n && pages[i] != (uintptr_t)map + 2500 * LD_MEM_PAGE;
	     i++)
		;
	assert_memory_equal(out + i * LD_MEM_PAGE, map + 2500 * LD_MEM_PAGE,
			    LD_MEM_PAGE);
	/* A process among other segments (as under a debugger): no pages. */
	assert_null(ld_mem_add_buffer(mem, 0x1000, out, LD_MEM_PAGE));
	assert_false(ld_mem_pages_readable(mem));
	munmap(map, 1001 * LD_MEM_PAGE);
	munmap(map + 1002 * LD_MEM_PAGE, (npages - 1002) * LD_MEM_PAGE);
	free(pages);
	free(out);
	free(ok);
	ld_mem_destroy(mem);
}

/* Buffers are copied page by page; a page they do not cover fails. */
static void test_buffer_pages(void **state)
{
	struct ld_mem *mem = new_mem();
	static uint8_t buf[3 * LD_MEM_PAGE];
	uint64_t pages[3] = { 0x10000, 0x12000, 0x13000 }, calls = 0,
		 bytes = 0;
	uint8_t out[3 * LD_MEM_PAGE];
	bool ok[3];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 3);
	assert_null(ld_mem_add_buffer(mem, 0x10000, buf, sizeof(buf)));
	assert_true(ld_mem_pages_readable(mem));
	ld_mem_read_pages(mem, pages, 3, out, ok, &calls, &bytes);
	assert_true(ok[0] && ok[1] && !ok[2]);
	assert_memory_equal(out, buf, LD_MEM_PAGE);
	assert_memory_equal(out + LD_MEM_PAGE, buf + 2 * LD_MEM_PAGE,
			    LD_MEM_PAGE);
	assert_int_equal(calls, 0);
	ld_mem_destroy(mem);
}

static void test_process_missing(void **state)
{
	struct ld_mem *mem = new_mem();
	struct ld_error *err;

	/* pid_max is at most 2^22, so this pid never exists. */
	err = ld_mem_add_process(mem, 0x7ffffff0);
	assert_non_null(err);
	assert_int_equal(err->code, LD_ERR_OS);
	ld_error_destroy(err);
	ld_mem_destroy(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlap_precedence),
		cmocka_unit_test(test_spanning_and_unmapped),
		cmocka_unit_test(test_holes),
		cmocka_unit_test(test_callback_cache),
		cmocka_unit_test(test_callback_under_buffer),
		cmocka_unit_test(test_callback_top),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_read_string),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_callback_sealed),
		cmocka_unit_test(test_process_self),
		cmocka_unit_test(test_process_batch),
		cmocka_unit_test(test_process_batch_split),
		cmocka_unit_test(test_vsplit_handover),
		cmocka_unit_test(test_process_prot_none),
		cmocka_unit_test(test_process_pages),
		cmocka_unit_test(test_buffer_pages),
		cmocka_unit_test(test_process_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
