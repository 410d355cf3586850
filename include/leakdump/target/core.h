/* SPDX-License-Identifier: MIT */
/*
 * An ELF core file (kernel or gdb gcore).  mmap'd once; PT_LOAD bytes are
 * served zero-copy.  The core owns its threads array, file mappings, strings
 * and mapping; they live until ld_core_destroy().
 */
#ifndef LD_CORE_H
#define LD_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/arch/arch.h"
#include "leakdump/target/binary.h"
#include "leakdump/base/error.h"
#include "leakdump/target/mem.h"

/* One NT_FILE entry: a file mapped into the dumped process. */
struct ld_core_file {
	uint64_t start, end;
	uint64_t offset;		/* byte offset into the file */
	char *path;
};

struct ld_core {
	char *path;
	int fd;
	const uint8_t *map;
	size_t size;
	uint16_t machine;
	int32_t pid;			/* from NT_PRPSINFO / first NT_PRSTATUS */
	char fname[17];			/* NT_PRPSINFO pr_fname */
	char psargs[81];		/* NT_PRPSINFO pr_psargs */
	struct ld_thread_regs *threads;	/* NT_PRSTATUS, in note order */
	size_t nthreads;
	struct ld_core_file *files;	/* NT_FILE */
	size_t nfiles;
	uint64_t auxv_entry;		/* AT_ENTRY from NT_AUXV, 0 if absent */
	uint64_t auxv_phdr;		/* AT_PHDR, 0 if absent */
};

/* LD_ERR_FORMAT if path is not an ELF core (ET_CORE). */
struct ld_error *ld_core_open(const char *path, struct ld_core **ret);
void ld_core_destroy(struct ld_core *core);	/* accepts NULL */

/*
 * Add every PT_LOAD to mem: the part with file bytes as a zero-copy buffer,
 * the rest (p_memsz > p_filesz) as a hole that faults with "not saved in
 * core".  Call after adding the executable's segments so the core wins.
 */
struct ld_error *ld_core_add_segments(const struct ld_core *core,
				      struct ld_mem *mem);

/*
 * Check that core was dumped from bin, loaded at bias.  Compares build ids
 * (GNU, else Go) from the ELF header page that the core saved for the
 * executable's mapping, else the saved text bytes against the file.
 * LD_ERR_MISMATCH when they differ; NULL when they match or when the core
 * kept nothing to compare (*checked is then false).
 */
struct ld_error *ld_core_check_binary(const struct ld_core *core,
				      const struct ld_binary *bin,
				      uint64_t bias, bool *checked);

/* One mapping the core describes (a PT_LOAD), saved or not. */
struct ld_core_region {
	uint64_t start, end;
	bool writable;
};

/* The i-th mapping, in program header order; false past the last. */
bool ld_core_region(const struct ld_core *core, size_t i,
		    struct ld_core_region *ret);

/* Load bias of bin in this core: AT_ENTRY - e_entry (0 for ET_EXEC). */
uint64_t ld_core_load_bias(const struct ld_core *core,
			   const struct ld_binary *bin);

#endif
