/* SPDX-License-Identifier: MIT */
/*
 * Finding the runtime's globals in a binary with no symbol table and no
 * DWARF (built with -ldflags='-s -w'), from the binary's own sections, its
 * pclntab and the target's memory.  Every address found is validated
 * against what the runtime keeps there; when something cannot be found
 * the error names it (LD_ERR_LOOKUP).  Nothing is guessed silently.
 *
 * These fill fields of s->rt (unrelocated addresses, like the symbol
 * table would give); they allocate nothing the caller must free.
 */
#ifndef LD_DISCOVER_H
#define LD_DISCOVER_H

#include "leakdump/base/error.h"
#include "leakdump/model/session.h"

/*
 * Step 1, before the pclntab is open: locate runtime.firstmoduledata
 * (rt->firstmoduledata).  Needs s->bin, s->mem, s->bias and s->rt layouts.
 */
struct ld_error *ld_discover_moduledata(struct ld_session *s);

/*
 * Step 2, with the pclntab open (s->pcln, s->text, funcids resolved):
 * rt->allgs, rt->allglen, rt->wait_reason_strings/count,
 * rt->g_status_strings/count (required), and where they can be found
 * rt->sched, rt->fing_status, rt->dbgvars, rt->is_idle_in_synctest,
 * rt->heap.mheap, rt->semtable (optional: left 0, which disables what
 * depends on them).
 */
struct ld_error *ld_discover_runtime_vars(struct ld_session *s);

#endif
