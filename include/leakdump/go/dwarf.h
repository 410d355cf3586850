/* SPDX-License-Identifier: MIT */
/*
 * Layouts, constants and variable addresses from a binary's DWARF, via libdw.
 * An index of named top-level DIEs (types, variables, constants) is built
 * once at open; lookups are then hash lookups plus a short member walk.
 *
 * Ownership: struct ld_dwarf owns its Dwarf handle and index.  The Elf handle
 * passed to ld_dwarf_open() is borrowed and must outlive it.
 */
#ifndef LD_DWARF_H
#define LD_DWARF_H

#include <stdbool.h>
#include <stdint.h>

#include <libelf.h>

#include "leakdump/base/error.h"

struct ld_dwarf;

/* LD_ERR_NO_DWARF when elf has no usable .debug_info. */
struct ld_error *ld_dwarf_open(Elf *elf, struct ld_dwarf **ret);
void ld_dwarf_destroy(struct ld_dwarf *dw);	/* accepts NULL */

/* Byte size of a named type ("runtime.g", "runtime.sudog"). */
struct ld_error *ld_dwarf_type_size(struct ld_dwarf *dw, const char *type,
				    uint64_t *size);

/*
 * Offset and size of a member of a named struct type.  member may be a dotted
 * path through nested struct members: "sched.sp" in runtime.g is the offset
 * of sched plus the offset of sp in runtime.gobuf.  Typedefs are followed.
 * LD_ERR_LOOKUP when the type or any member is missing.
 */
struct ld_error *ld_dwarf_member(struct ld_dwarf *dw, const char *type,
				 const char *member, uint64_t *offset,
				 uint64_t *size);

/* Unrelocated address of a global variable ("runtime.allgs"). */
struct ld_error *ld_dwarf_variable(struct ld_dwarf *dw, const char *name,
				   uint64_t *addr);

/*
 * The same, and whether the variable holds a pointer: its type is, through
 * typedefs, a pointer (Go's *T, chan and map types).
 */
struct ld_error *ld_dwarf_variable_pointer(struct ld_dwarf *dw,
					   const char *name, uint64_t *addr,
					   bool *pointer);

/* Value of a named constant ("runtime._Gwaiting"). */
struct ld_error *ld_dwarf_constant(struct ld_dwarf *dw, const char *name,
				   int64_t *value);

/*
 * Name of the DW_AT_producer of the first compile unit whose producer
 * mentions "Go"/"go", e.g. "Go cmd/compile go1.26.10; regabi".  Static
 * storage owned by dw; NULL if none.
 */
const char *ld_dwarf_go_producer(struct ld_dwarf *dw);

#endif
