/* SPDX-License-Identifier: MIT */
/*
 * The Go pclntab (Go 1.20+ format, magic 0xfffffff1): function lookup by PC,
 * the pc-value tables (pcsp, pcfile, pcln, pcdata), funcdata, and the inline
 * tree.  Decoding works on byte buffers (usually the executable's mapping),
 * never on target memory.
 *
 * Ownership: struct ld_pcln borrows the buffers named in its config (they
 * must outlive it) and owns only its own small caches.  Strings returned
 * (function and file names) point into those buffers.
 *
 * Addresses given to and returned by these functions are runtime addresses
 * (text_start already includes any load bias).
 */
#ifndef LD_PCLN_H
#define LD_PCLN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/base/error.h"

/* Table indexes, stable since Go 1.20 (internal/abi/symtab.go). */
#define LD_PCDATA_UNSAFE_POINT		0
#define LD_PCDATA_STACK_MAP_INDEX	1
#define LD_PCDATA_INL_TREE_INDEX	2
#define LD_PCDATA_ARG_LIVE_INDEX	3
#define LD_FUNCDATA_INL_TREE		3
#define LD_FUNCDATA_ARG_INFO		5
#define LD_FUNCDATA_ARG_LIVE_INFO	6

/* abi.FuncFlag bits. */
#define LD_FUNCFLAG_TOPFRAME	0x1
#define LD_FUNCFLAG_SPWRITE	0x2
#define LD_FUNCFLAG_ASM		0x4

struct ld_pcln_config {
	const uint8_t *data;	/* bytes starting at the pcHeader */
	size_t size;		/* bytes available from data */
	/*
	 * moduledata.text.  Go 1.26 stopped storing textStart in the pcHeader
	 * (it is zero there); when this is 0 the header's value is used.
	 */
	uint64_t text_start;
	/* moduledata.gofunc: the go:func.* area that funcdata offsets index */
	const uint8_t *gofunc;
	size_t gofunc_size;
};

struct ld_pcln;

/* LD_ERR_FORMAT on a bad magic, pointer size or truncated table. */
struct ld_error *ld_pcln_open(const struct ld_pcln_config *cfg,
			      struct ld_pcln **ret);
void ld_pcln_destroy(struct ld_pcln *p);	/* accepts NULL */

/* Decoded runtime._func. */
struct ld_func {
	uint64_t entry;		/* runtime address of the first instruction */
	const char *name;	/* NUL-terminated, in funcnametab */
	int32_t args;
	uint32_t deferreturn;
	uint32_t pcsp, pcfile, pcln;
	uint32_t npcdata;
	uint32_t cu_offset;
	int32_t start_line;
	uint8_t funcid;
	uint8_t flag;
	uint8_t nfuncdata;
	const uint8_t *raw;	/* the _func itself, for pcdata/funcdata */
};

uint64_t ld_pcln_text_start(const struct ld_pcln *p);
uint32_t ld_pcln_nfunc(const struct ld_pcln *p);

/* The function containing pc; false when pc is outside every function. */
bool ld_pcln_find_func(const struct ld_pcln *p, uint64_t pc,
		       struct ld_func *ret);
/* Function number i (0 <= i < nfunc) in ftab order. */
bool ld_pcln_func_at(const struct ld_pcln *p, uint32_t i, struct ld_func *ret);
/* Look a function up by exact name (linear on first use, then hashed). */
bool ld_pcln_find_func_by_name(struct ld_pcln *p, const char *name,
			       struct ld_func *ret);

/*
 * Value of the pc-value table starting at pctab offset `table` for pc.
 * LD_ERR_NOT_FOUND when pc is past the table's end (the runtime prints
 * "invalid pc-encoded table" there), LD_ERR_FORMAT on a malformed table.
 * A table offset of 0 means "no table": *ret = -1, no error.
 */
struct ld_error *ld_pcln_value(const struct ld_pcln *p,
			       const struct ld_func *f, uint32_t table,
			       uint64_t pc, int32_t *ret);

/* pcsp: frame size (SP delta) at pc. */
struct ld_error *ld_pcln_spdelta(const struct ld_pcln *p,
				 const struct ld_func *f, uint64_t pc,
				 int32_t *ret);

/* pcdata table idx at pc; -1 when f has no such table (as the runtime). */
int32_t ld_pcln_pcdata(const struct ld_pcln *p, const struct ld_func *f,
		       uint32_t idx, uint64_t pc);

/* funcdata idx: pointer into the gofunc buffer, or NULL when absent. */
const uint8_t *ld_pcln_funcdata(const struct ld_pcln *p,
				const struct ld_func *f, uint32_t idx);

/*
 * File and line for pc, as the runtime's funcline1: file is "?" and line 0
 * when the tables have no answer.
 */
void ld_pcln_file_line(const struct ld_pcln *p, const struct ld_func *f,
		       uint64_t pc, const char **file, int32_t *line);

/* Name for a funcnametab offset (used by inline tree entries). */
const char *ld_pcln_name_at(const struct ld_pcln *p, int32_t name_off);

/*
 * One logical frame of a physical frame, innermost first, as the runtime's
 * inlineUnwinder yields them.  For the outermost (non-inlined) frame,
 * inlined is false and name/funcid/start_line are f's own.
 */
struct ld_logical_frame {
	const char *name;
	uint8_t funcid;
	int32_t start_line;
	const char *file;
	int32_t line;
	bool inlined;
	uint8_t name_flags;	/* LD_NAME_* (go/funcname.h), set by the
				 * unwinder's frame cache; 0 here */
	uint64_t pc;	/* the pc that file/line were computed for */
};

/*
 * Expand the physical frame (f, sym_pc) into its logical frames.  sym_pc is
 * the unwinder's symPC (pc-1 for a return address).  Writes at most max
 * frames into out and returns how many exist (so a return value > max means
 * out was too small).  Bounded: a malformed inline tree stops the walk.
 */
size_t ld_pcln_expand(const struct ld_pcln *p, const struct ld_func *f,
		      uint64_t sym_pc, struct ld_logical_frame *out,
		      size_t max);

#endif
