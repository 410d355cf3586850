/* SPDX-License-Identifier: MIT */
/*
 * Finding the runtime's globals in a binary with no symbol table and no
 * DWARF (built with -ldflags='-s -w'), from the binary's own sections, its
 * pclntab and the target's memory.  Every address found is validated
 * against what the runtime keeps there; when something cannot be found
 * the error names it (LD_ERR_LOOKUP).  Nothing is guessed silently.
 *
 * Discovery sits below the session: it is handed only the parts it reads,
 * in a struct ld_discover_ctx (the session fills one from its own fields).
 * How it works, and which file does what: ext/go/discover_common.h.
 *
 * These fill fields of ctx->rt (unrelocated addresses, like the symbol
 * table would give); they allocate nothing the caller must free, and the
 * context only borrows: everything it points to stays the caller's.
 * Returned errors are owned by the caller.
 */
#ifndef LD_DISCOVER_H
#define LD_DISCOVER_H

#include <stdint.h>

#include "leakdump/base/error.h"

struct ld_arch;
struct ld_binary;
struct ld_mem;
struct ld_pcln;
struct ld_rt;

/*
 * What discovery reads, borrowed from the caller for the length of one
 * call.  Step 1 runs before the pclntab is open: the fields marked
 * "step 2" may be left zero for it.
 */
struct ld_discover_ctx {
	const struct ld_arch *arch;	/* step 2: decodes code references */
	const struct ld_binary *bin;	/* sections, pclntab candidates */
	struct ld_mem *mem;		/* the target's memory */
	struct ld_pcln *pcln;		/* step 2: functions by name */
	struct ld_rt *rt;		/* layouts in, addresses found out */
	uint64_t bias;			/* load bias, added to rt's */
	uint64_t etext;			/* step 2: end of text, relocated */
};

/*
 * Step 1, before the pclntab is open: locate runtime.firstmoduledata
 * (rt->firstmoduledata).  Needs ctx->bin, ctx->mem, ctx->bias and the
 * rt layouts.
 */
struct ld_error *ld_discover_moduledata(const struct ld_discover_ctx *ctx);

/*
 * Step 2, with the pclntab open (ctx->pcln, ctx->etext, funcids resolved):
 * rt->allgs, rt->allglen, rt->wait_reason_strings/count,
 * rt->g_status_strings/count (required), and where they can be found
 * rt->sched, rt->fing_status, rt->dbgvars, rt->is_idle_in_synctest,
 * rt->heap.mheap, rt->semtable (optional: left 0, which disables what
 * depends on them).  Reads rt->firstmoduledata from step 1 (or from the
 * symbol table).
 */
struct ld_error *ld_discover_runtime_vars(const struct ld_discover_ctx *ctx);

#endif
