/* SPDX-License-Identifier: MIT */
/*
 * Target memory as a list of segments.  Each segment is either a host buffer
 * (zero-copy: a mmap'd core or executable) or a read callback (a live
 * process, a debugger).  Reads never write to the target.
 *
 * Ownership: struct ld_mem owns its segment table and its read cache.  It
 * does NOT own buffers given to ld_mem_add_buffer() nor callback arguments;
 * those must outlive the ld_mem.  Errors returned are owned by the caller.
 */
#ifndef LD_MEM_H
#define LD_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/base/error.h"
#include "leakdump/target/iov.h"

/*
 * Copy len bytes at target address addr into buf.  Return NULL on success,
 * or an LD_ERR_FAULT error whose address is the first unreadable byte.
 */
typedef struct ld_error *ld_mem_read_fn(void *arg, uint64_t addr, void *buf,
					size_t len);

struct ld_mem;

struct ld_error *ld_mem_create(struct ld_mem **ret);
void ld_mem_destroy(struct ld_mem *mem);	/* accepts NULL */

/*
 * Segments added later take precedence where they overlap earlier ones, so
 * add executable file segments first and core segments after them.
 */
struct ld_error *ld_mem_add_buffer(struct ld_mem *mem, uint64_t start,
				   const void *buf, size_t len);
struct ld_error *ld_mem_add_callback(struct ld_mem *mem, uint64_t start,
				     uint64_t end, ld_mem_read_fn *fn,
				     void *arg);
/*
 * Mark [start, end) as known-but-absent (e.g. a core PT_LOAD with no file
 * bytes): reads there fault with a "not saved in core" message, unless a
 * later segment covers it.
 */
struct ld_error *ld_mem_add_hole(struct ld_mem *mem, uint64_t start,
				 uint64_t end, const char *why);

/*
 * Read a live process through /proc/PID/mem (falling back to
 * process_vm_readv).  One callback segment over the whole address space.
 * The ld_mem keeps the file descriptor and closes it on destroy.
 */
struct ld_error *ld_mem_add_process(struct ld_mem *mem, int pid);

/*
 * Read len bytes at addr.  Small reads from callback segments go through a
 * chunk cache, so neighbouring small reads cost one callback.  A read that
 * spans segments is served piecewise.
 */
struct ld_error *ld_mem_read(struct ld_mem *mem, uint64_t addr, void *buf,
			     size_t len);
/*
 * ld_mem_read past the chunk cache: one transfer of exactly these bytes
 * from a live process (a whole span, say), where the cache would read and
 * keep the 64 KiB chunks around them.  The same as ld_mem_read elsewhere.
 */
struct ld_error *ld_mem_read_direct(struct ld_mem *mem, uint64_t addr,
				    void *buf, size_t len);
struct ld_error *ld_mem_read_u64(struct ld_mem *mem, uint64_t addr,
				 uint64_t *ret);
struct ld_error *ld_mem_read_u32(struct ld_mem *mem, uint64_t addr,
				 uint32_t *ret);
/*
 * Read a Go string's bytes (ptr, len) into a fresh NUL-terminated malloc'd
 * buffer that the caller frees.  len above max is LD_ERR_CORRUPT.
 */
struct ld_error *ld_mem_read_string(struct ld_mem *mem, uint64_t ptr,
				    uint64_t len, size_t max, char **ret);

/*
 * Zero-copy access: pointer to len bytes at addr when they lie inside one
 * buffer segment, else NULL (then use ld_mem_read).  Valid while mem lives.
 */
const void *ld_mem_peek(struct ld_mem *mem, uint64_t addr, size_t len);

/*
 * ld_mem_peek without moving the lookup cursor: safe from another thread
 * while no segment is being added (ext/pager.c).
 */
const void *ld_mem_peek_quiet(const struct ld_mem *mem, uint64_t addr,
			      size_t len);

/*
 * A hint that [addr, addr+len) will be read soon: on buffer segments (a
 * mapped core) the CPU starts loading those cache lines; otherwise nothing.
 * Long walks over a million goroutines call it a few goroutines ahead.
 */
void ld_mem_prefetch(const struct ld_mem *mem, uint64_t addr, size_t len);


/*
 * Read many small, scattered ranges.  For a live process this costs one
 * vectored system call per IOV_MAX ranges instead of one (or a 64 KiB chunk
 * copy) per range; elsewhere it is a loop of ld_mem_read().  Failures are
 * per range and leave ok false.
 */
void ld_mem_read_batch(struct ld_mem *mem, struct ld_mem_iov *v, size_t n);

/*
 * Whole pages, from any thread, past the chunk cache (which only its
 * owner's thread may touch): pages[0..n) (page-aligned, ascending,
 * distinct) into out, page i at out + i * LD_MEM_PAGE; ok[i] says which
 * arrived.  A live process gets one vectored transfer per run of up to
 * 1,024 ranges (consecutive pages are one range); buffer segments are
 * copied.  The transfers and bytes are added to *calls and *bytes, not to
 * mem's own count (see ld_mem_count).  Only for memory that
 * ld_mem_pages_readable() accepts: a debugger's callback reads none.
 * (LD_MEM_PAGE is in iov.h.)
 */
bool ld_mem_pages_readable(const struct ld_mem *mem);
void ld_mem_read_pages(const struct ld_mem *mem, const uint64_t *pages,
		       size_t n, uint8_t *out, bool *ok, uint64_t *calls,
		       uint64_t *bytes);
/* Add another thread's transfers to mem's count (from its owner's thread). */
void ld_mem_count(struct ld_mem *mem, uint64_t calls, uint64_t bytes);

/* Drop cached chunks (the target ran since they were read). */
void ld_mem_invalidate(struct ld_mem *mem);

/*
 * Transfers from callback segments so far (a live process, a debugger):
 * how a caller tells whether a step still read the target.
 */
uint64_t ld_mem_target_reads(const struct ld_mem *mem);
/* The bytes those transfers asked for (the cost line's "read"). */
uint64_t ld_mem_target_bytes(const struct ld_mem *mem);

/*
 * No more reads from callback segments: the process was let go, so what
 * it holds now is not the snapshot read so far.  Later reads there fault
 * with why (a static string), cached or not; buffers still serve.
 */
void ld_mem_seal(struct ld_mem *mem, const char *why);

#endif
