/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): feeding
 * the input to the parsers that take a path, and reading an input as
 * target memory.
 *
 * A memory image (fuzz_goroutines, fuzz_discover) is a fixed header the
 * target defines, then segments until the input ends:
 *
 *	u64 address, u32 length, length bytes (cut short at the end)
 *
 * each added as a buffer segment of one ld_mem, later ones winning where
 * they overlap (tools/fuzz-seeds.py writes them from real cores).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "leakdump/base/error.h"
#include "leakdump/target/mem.h"

#define FUZZ_MAX_SEGS 256

/*
 * The input as a file: a memfd, named by its /proc/self/fd path in
 * path[32].  Returns the fd (close it after use) or -1.
 */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char *path)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	snprintf(path, 32, "/proc/self/fd/%d", fd);
	return fd;
}

static inline uint64_t fuzz_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t fuzz_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Add the segments of data[0, size) to mem; returns how many. */
static inline size_t fuzz_add_segments(struct ld_mem *mem,
				       const uint8_t *data, size_t size)
{
	size_t off = 0, n = 0;

	while (size - off >= 12 && n < FUZZ_MAX_SEGS) {
		uint64_t addr = fuzz_u64(data + off);
		size_t len = fuzz_u32(data + off + 8);
		struct ld_error *err;

		off += 12;
		if (len > size - off)
			len = size - off;
		if (!len)
			continue;
		err = ld_mem_add_buffer(mem, addr, data + off, len);
		ld_error_destroy(err);
		off += len;
		n++;
	}
	return n;
}

#endif
