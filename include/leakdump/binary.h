/* SPDX-License-Identifier: MIT */
/*
 * An executable (or shared object) on disk: mmap'd once, parsed with libelf.
 * Section data returned by these functions points into the mapping and is
 * valid until ld_binary_destroy().  The binary owns its Elf handle, its file
 * descriptor and its mapping.
 */
#ifndef LD_BINARY_H
#define LD_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libelf.h>

#include "leakdump/error.h"
#include "leakdump/mem.h"

struct ld_binary {
	char *path;			/* owned copy */
	int fd;
	const uint8_t *map;		/* whole file, read-only mapping */
	size_t size;
	Elf *elf;
	uint16_t machine;		/* e_machine */
	uint16_t type;			/* ET_EXEC or ET_DYN */
	uint64_t entry;			/* e_entry (unrelocated) */
	uint8_t gnu_build_id[64];	/* .note.gnu.build-id, if any */
	size_t gnu_build_id_len;
	char *go_build_id;		/* .note.go.buildid text, or NULL; owned */
	bool has_symtab;
	bool has_dwarf;			/* a .debug_info section is present */
};

/*
 * Open and parse path.  LD_ERR_OS if it cannot be opened, LD_ERR_FORMAT if it
 * is not a 64-bit little-endian ELF file.  Destroy with ld_binary_destroy().
 */
struct ld_error *ld_binary_open(const char *path, struct ld_binary **ret);
void ld_binary_destroy(struct ld_binary *bin);	/* accepts NULL */

/* A section by name: its unrelocated address and its bytes in the file. */
struct ld_section {
	uint64_t addr;
	uint64_t size;
	const uint8_t *data;		/* NULL for SHT_NOBITS */
};
bool ld_binary_section(const struct ld_binary *bin, const char *name,
		       struct ld_section *ret);

/* The section with file bytes containing unrelocated address addr. */
bool ld_binary_section_at(const struct ld_binary *bin, uint64_t addr,
			  struct ld_section *ret);

/* A symbol from .symtab by exact name.  LD_ERR_LOOKUP when absent. */
struct ld_error *ld_binary_symbol(const struct ld_binary *bin,
				  const char *name, uint64_t *addr,
				  uint64_t *size);

/*
 * File bytes backing unrelocated address [addr, addr+len), via the PT_LOAD
 * segments; NULL when not (entirely) file-backed.
 */
const uint8_t *ld_binary_vaddr_data(const struct ld_binary *bin,
				    uint64_t addr, size_t len);

/*
 * Add the file-backed part of every PT_LOAD to mem, shifted by bias (the
 * load bias of a PIE; 0 otherwise), as zero-copy buffer segments.
 */
struct ld_error *ld_binary_add_segments(const struct ld_binary *bin,
					struct ld_mem *mem, uint64_t bias);

#endif
