/* SPDX-License-Identifier: MIT */
/*
 * What a Go function's name alone says about it, the way the runtime's
 * traceback reads names (runtime/traceback.go: showfuncinfo,
 * isExportedRuntime).  Worked out once per cached frame by the unwinder and
 * read by the traceback printer, rather than by string tests per goroutine.
 *
 * Ownership: names are borrowed (usually pclntab storage); nothing is kept.
 */
#ifndef LD_FUNCNAME_H
#define LD_FUNCNAME_H

#include <stdbool.h>
#include <stdint.h>

#define LD_NAME_KNOWN	0x1	/* the flags were worked out (0: not yet) */
#define LD_NAME_SHOWN	0x2	/* has a package and is not runtime-internal */
#define LD_NAME_GOPANIC	0x4	/* runtime.gopanic */

/* LD_NAME_* for name (never 0). */
uint8_t ld_funcname_flags(const char *name);

/* runtime.isExportedRuntime: "runtime.X" or "runtime.(*T).X", X and T upper. */
bool ld_funcname_exported_runtime(const char *name);

#endif
