/* SPDX-License-Identifier: MIT */
/*
 * Global variables by name, for hosts without Go expressions (LLDB): the
 * address go-chan and go-mutex are given when the user names a variable.
 * Both hosts share it; GDB evaluates expressions itself first.
 */
#ifndef LD_RESOLVE_H
#define LD_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#include "leakdump/base/error.h"
#include "leakdump/model/session.h"

/*
 * The address expr denotes in s's target (relocated), where expr is
 *   NAME    a package-qualified global ("main.mu", "net/http.DefaultClient";
 *           a name without a package is package main's, else a C
 *           global's): the
 *           object the variable is or points to.  With DWARF, a variable
 *           of pointer-shaped type (*T, chan, map) gives the pointer it
 *           holds, as a debugger expression would; without DWARF the
 *           symbol table cannot say, and pointer_default decides (go-chan:
 *           a chan variable always holds a pointer; go-mutex: a Mutex
 *           variable usually is the mutex).
 *   &NAME   the variable's own address
 *   *NAME   the pointer stored in the variable
 * Looked up in DWARF, then the symbol table (the executable's or its
 * separate debug file's).  LD_ERR_LOOKUP naming the variable when absent,
 * or saying the binary is stripped when it has neither; LD_ERR_INVALID
 * for a malformed expr; a fault when the pointer cannot be read.
 */
struct ld_error *ld_session_resolve(struct ld_session *s, const char *expr,
				    bool pointer_default, uint64_t *ret);

#endif
