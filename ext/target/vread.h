/* SPDX-License-Identifier: MIT */
/*
 * Vectored reads from a live process (the engine of ld_mem_read_batch),
 * and a second thread that does half of a big batch while the caller does
 * the other half: most of a live dump's time is the kernel pinning and
 * copying the target's pages, and that work splits across CPUs.
 *
 * Ownership: struct ld_vread_buf is the caller's (free scratch with
 * ld_vread_buf_release); ld_vsplit_create's result is freed (its thread
 * joined) by ld_vsplit_destroy.  Internal to ext/target.
 */
#ifndef LD_TARGET_VREAD_H
#define LD_TARGET_VREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/target/iov.h"

/* Per-thread state of the vectored reader. */
struct ld_vread_buf {
	uint8_t *scratch;		/* merged runs land here first */
	size_t cap;
	uint64_t calls, bytes;		/* transfers made, bytes asked for */
};

/*
 * Read a prefix of v[0..n) from process pid with one process_vm_readv,
 * merging nearby ranges; returns how many ranges it consumed (each then
 * ok).  The range after them, if any, stopped the vector: the caller
 * reads it on its own.
 */
size_t ld_vread(int pid, struct ld_mem_iov *v, size_t n,
		struct ld_vread_buf *b);
void ld_vread_buf_release(struct ld_vread_buf *b);

/*
 * Whole pages from process pid, with one process_vm_readv: a prefix of
 * pages[0..n) (page addresses, ascending, distinct) into out, page i at
 * out + i * LD_MEM_PAGE.  Returns how many pages the vector asked for;
 * *arrived says how many of those came (the page after them, or one later
 * in its run of consecutive pages, stopped the transfer).  Thread-safe;
 * counts the transfer in *calls.
 */
size_t ld_vread_pages(int pid, const uint64_t *pages, size_t n, uint8_t *out,
		      size_t *arrived, uint64_t *calls);

struct ld_vsplit;

/* NULL when this machine gives us one CPU or no thread could start. */
struct ld_vsplit *ld_vsplit_create(int pid);
void ld_vsplit_destroy(struct ld_vsplit *sp);

/*
 * Hand v[0..n) to the helper thread, which reads what ld_vread can and
 * leaves the rest not ok.  One job at a time: after its own part the
 * caller calls ld_vsplit_finish(), which returns true when the helper did
 * the job (then done, its transfers and bytes added to *calls and
 * *bytes), and false when the helper had not started it: the job is then
 * the caller's to read, and the helper will not touch it.  A busy machine
 * that keeps the helper off the CPU so costs the caller no wait.
 */
void ld_vsplit_start(struct ld_vsplit *sp, struct ld_mem_iov *v, size_t n);
bool ld_vsplit_finish(struct ld_vsplit *sp, uint64_t *calls, uint64_t *bytes);

#endif
