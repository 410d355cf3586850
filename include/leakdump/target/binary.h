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

#include "leakdump/base/error.h"
#include "leakdump/target/mem.h"

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
	char *debuglink;		/* .gnu_debuglink name or NULL; owned */
	uint32_t debuglink_crc;		/* and the CRC32 it records */
	bool debug_only;		/* a separate debug file: no PT_LOADs */
	/*
	 * The separate debug file (see ld_binary_find_debug()), or NULL;
	 * owned, destroyed with this binary.  Its DWARF and .symtab describe
	 * this binary's addresses; every other section of it is NOBITS, so
	 * code and data are never read from it.
	 */
	struct ld_binary *debug;
};

/*
 * Open and parse path.  LD_ERR_OS if it cannot be opened, LD_ERR_FORMAT if it
 * is not a 64-bit little-endian ELF file.  Destroy with ld_binary_destroy().
 */
struct ld_error *ld_binary_open(const char *path, struct ld_binary **ret);
void ld_binary_destroy(struct ld_binary *bin);	/* accepts NULL */

/*
 * Open path as a separate debug file: like ld_binary_open(), but its
 * PT_LOADs are ignored (they describe bytes that are not in the file), so
 * ld_binary_vaddr_data() and ld_binary_add_segments() find nothing there.
 */
struct ld_error *ld_binary_open_debug(const char *path,
				      struct ld_binary **ret);

/* Where GDB looks for separate debug files when told nothing else. */
#define LD_DEBUG_FILE_DIRECTORY "/usr/lib/debug"

/*
 * Find, validate and open bin's separate debug file as GDB does, and attach
 * it as bin->debug.  debug_dirs is GDB's debug-file-directory: a
 * colon-separated list (NULL or "" means LD_DEBUG_FILE_DIRECTORY).  Tried in
 * order:
 *   1. DIR/.build-id/xx/yyyy.debug for each DIR, from the GNU build id; the
 *      file's build id must equal bin's;
 *   2. the .gnu_debuglink name in bin's directory, in its .debug
 *      subdirectory, then under each DIR followed by bin's (absolute)
 *      directory; the file's CRC32 must match the debuglink's (or its build
 *      id equal bin's).
 * A candidate that fails validation, or carries neither DWARF nor a symbol
 * table, is skipped.  LD_ERR_LOOKUP when there is nothing to find;
 * LD_ERR_MISMATCH (naming the first rejected file and why) when every
 * candidate was rejected; NULL when bin->debug is set.
 */
struct ld_error *ld_binary_find_debug(struct ld_binary *bin,
				      const char *debug_dirs);

/*
 * "DIR/.build-id/xx/yyyy.debug" for a build id (lower-case hex; xx is the
 * first byte), malloc'd; NULL when id is shorter than 2 bytes or on
 * allocation failure.
 */
char *ld_build_id_path(const char *dir, const uint8_t *id, size_t len);

/*
 * Parse a .gnu_debuglink section: a NUL-terminated file name, padding to a
 * multiple of 4, then the file's CRC32 (little-endian).  *name points into
 * data.  False when malformed.
 */
bool ld_debuglink_parse(const uint8_t *data, size_t size, const char **name,
			uint32_t *crc);

/*
 * zlib's crc32(): continue crc (0 to start) over buf.  .gnu_debuglink
 * records crc32(0, whole debug file).
 */
uint32_t ld_crc32(uint32_t crc, const void *buf, size_t len);

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
 * The data symbol (STT_OBJECT) holding unrelocated address addr, in bin's
 * .symtab or its debug file's: its name (owned by the binary) and start.
 * false when none does.  Linear: for a few look-ups, not per word.
 */
bool ld_binary_symbol_at(const struct ld_binary *bin, uint64_t addr,
			 const char **name, uint64_t *start);

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
