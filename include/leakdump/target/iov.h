/* SPDX-License-Identifier: MIT */
/*
 * One range of a batched read of target memory (ld_mem_read_batch), and
 * the page size whole-page reads use (ld_mem_read_pages), on their own so
 * that the vectored reader below ld_mem needs nothing else of it.  buf is
 * the caller's, len bytes long.
 */
#ifndef LD_IOV_H
#define LD_IOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LD_MEM_PAGE 4096

/* One range of a batched read; ok says whether it was read in full. */
struct ld_mem_iov {
	uint64_t addr;
	void *buf;
	size_t len;
	bool ok;
};

#endif
