// SPDX-License-Identifier: MIT
/*
 * Runtime knowledge, resolved once per binary from its DWARF.  Field tables
 * below name every runtime member leakdump reads; optional ones carry the
 * Go release that added or removed them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/buildinfo.h"
#include "leakdump/rt.h"

/* Supported range for this build of leakdump. */
#define LD_GO_MIN_MINOR 21
#define LD_GO_MAX_MINOR 27

struct field_spec {
	const char *type;
	const char *member;
	int64_t *out;
	bool required;
};

static struct ld_error *resolve_fields(struct ld_dwarf *dw,
				       const struct field_spec *specs,
				       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t off, size;
		struct ld_error *err;

		err = ld_dwarf_member(dw, specs[i].type, specs[i].member,
				      &off, &size);
		if (err) {
			if (specs[i].required || err->code != LD_ERR_LOOKUP)
				return ld_error_wrap(err, "runtime layout");
			ld_error_destroy(err);
			*specs[i].out = LD_RT_NO_FIELD;
			continue;
		}
		*specs[i].out = (int64_t)off;
	}
	return NULL;
}

static struct ld_error *resolve_g(struct ld_rt *rt, struct ld_dwarf *dw)
{
	struct ld_rt_g *g = &rt->g;
	const struct field_spec specs[] = {
		{ "runtime.g", "stack.lo", &g->stack_lo, true },
		{ "runtime.g", "stack.hi", &g->stack_hi, true },
		{ "runtime.g", "m", &g->m, true },
		{ "runtime.g", "sched.sp", &g->sched_sp, true },
		{ "runtime.g", "sched.pc", &g->sched_pc, true },
		{ "runtime.g", "sched.bp", &g->sched_bp, true },
		{ "runtime.g", "syscallsp", &g->syscallsp, true },
		{ "runtime.g", "syscallpc", &g->syscallpc, true },
		{ "runtime.g", "atomicstatus", &g->atomicstatus, true },
		{ "runtime.g", "goid", &g->goid, true },
		{ "runtime.g", "waitsince", &g->waitsince, true },
		{ "runtime.g", "waitreason", &g->waitreason, true },
		{ "runtime.g", "lockedm", &g->lockedm, true },
		{ "runtime.g", "parentGoid", &g->parent_goid, true },
		{ "runtime.g", "gopc", &g->gopc, true },
		{ "runtime.g", "ancestors", &g->ancestors, true },
		{ "runtime.g", "startpc", &g->startpc, true },
		{ "runtime.g", "labels", &g->labels, true },
		{ "runtime.g", "waiting", &g->waiting, true },
		/* Go 1.25 added cleanup goroutines and g.runningCleanups. */
		{ "runtime.g", "runningCleanups", &g->running_cleanups, false },
		/* Go 1.25 renamed synctest's g.syncGroup to g.bubble. */
		{ "runtime.g", "bubble", &g->bubble, false },
		{ "runtime.g", "syncGroup", &g->sync_group, false },
	};

	return resolve_fields(dw, specs, sizeof(specs) / sizeof(specs[0])) ?:
	       ld_dwarf_type_size(dw, "runtime.g", &g->size);
}

static struct ld_error *resolve_m(struct ld_rt *rt, struct ld_dwarf *dw)
{
	struct ld_rt_m *m = &rt->m;
	const struct field_spec specs[] = {
		{ "runtime.m", "procid", &m->procid, true },
		{ "runtime.m", "curg", &m->curg, true },
		{ "runtime.m", "id", &m->id, true },
		{ "runtime.m", "vdsoSP", &m->vdso_sp, true },
		{ "runtime.m", "vdsoPC", &m->vdso_pc, true },
		{ "runtime.m", "ncgo", &m->ncgo, true },
	};

	return resolve_fields(dw, specs, sizeof(specs) / sizeof(specs[0])) ?:
	       ld_dwarf_type_size(dw, "runtime.m", &m->size);
}

static struct ld_error *resolve_moduledata(struct ld_rt *rt,
					   struct ld_dwarf *dw)
{
	struct ld_rt_moduledata *md = &rt->md;
	const char *t = "runtime.moduledata";
	const struct field_spec specs[] = {
		{ t, "pcHeader", &md->pc_header, true },
		{ t, "ftab", &md->ftab, true },
		{ t, "text", &md->text, true },
		{ t, "etext", &md->etext, true },
		{ t, "noptrdata", &md->noptrdata, true },
		{ t, "enoptrdata", &md->enoptrdata, true },
		{ t, "data", &md->data, true },
		{ t, "edata", &md->edata, true },
		{ t, "bss", &md->bss, true },
		{ t, "ebss", &md->ebss, true },
		{ t, "noptrbss", &md->noptrbss, true },
		{ t, "enoptrbss", &md->enoptrbss, true },
		{ t, "types", &md->types, true },
		{ t, "etypes", &md->etypes, true },
		{ t, "gofunc", &md->gofunc, true },
		{ t, "next", &md->next, true },
	};

	return resolve_fields(dw, specs, sizeof(specs) / sizeof(specs[0]));
}

static struct ld_error *resolve_var(const struct ld_binary *bin,
				    struct ld_dwarf *dw, const char *name,
				    uint64_t *addr, uint64_t *size,
				    bool required)
{
	struct ld_error *err;
	uint64_t sz = 0;

	/* The symbol table also gives the size, which DWARF does not. */
	err = ld_binary_symbol(bin, name, addr, &sz);
	if (err) {
		ld_error_destroy(err);
		err = ld_dwarf_variable(dw, name, addr);
	}
	if (err && !required && err->code == LD_ERR_LOOKUP) {
		ld_error_destroy(err);
		*addr = 0;
		err = NULL;
	}
	if (size)
		*size = sz;
	return err;
}

static struct ld_error *resolve_vars(struct ld_rt *rt,
				     const struct ld_binary *bin,
				     struct ld_dwarf *dw)
{
	struct ld_error *err;
	uint64_t size;

	if ((err = resolve_var(bin, dw, "runtime.allgs", &rt->allgs, NULL,
			       true)) ||
	    (err = resolve_var(bin, dw, "runtime.allglen", &rt->allglen, NULL,
			       true)) ||
	    (err = resolve_var(bin, dw, "runtime.firstmoduledata",
			       &rt->firstmoduledata, NULL, true)) ||
	    (err = resolve_var(bin, dw, "runtime.sched", &rt->sched, NULL,
			       true)) ||
	    (err = resolve_var(bin, dw, "runtime.fingStatus",
			       &rt->fing_status, NULL, false)) ||
	    (err = resolve_var(bin, dw, "runtime.isIdleInSynctest",
			       &rt->is_idle_in_synctest, NULL, false)))
		return err;
	err = resolve_var(bin, dw, "runtime.waitReasonStrings",
			  &rt->wait_reason_strings, &size, true);
	if (err)
		return err;
	rt->wait_reason_count = size / 16;	/* [N]string */
	err = resolve_var(bin, dw, "runtime.gStatusStrings",
			  &rt->g_status_strings, &size, true);
	if (err)
		return err;
	rt->g_status_count = size / 16;
	if (!rt->wait_reason_count || !rt->g_status_count)
		return ld_error_create(LD_ERR_LOOKUP,
				       "runtime status tables have no size");
	return NULL;
}

static int64_t constant_or(struct ld_dwarf *dw, const char *name,
			   int64_t fallback)
{
	struct ld_error *err;
	int64_t v;

	err = ld_dwarf_constant(dw, name, &v);
	if (err) {
		ld_error_destroy(err);
		return fallback;
	}
	return v;
}

/*
 * Go emits the status constants in DWARF; the fallbacks are their values,
 * unchanged since Go 1.0 except where noted.
 */
static void resolve_constants(struct ld_rt *rt, struct ld_dwarf *dw)
{
	rt->g_runnable = constant_or(dw, "runtime._Grunnable", 1);
	rt->g_running = constant_or(dw, "runtime._Grunning", 2);
	rt->g_syscall = constant_or(dw, "runtime._Gsyscall", 3);
	rt->g_waiting = constant_or(dw, "runtime._Gwaiting", 4);
	rt->g_dead = constant_or(dw, "runtime._Gdead", 6);
	/* Go 1.26 added _Gleaked (GOEXPERIMENT=goroutineleakprofile). */
	rt->g_leaked = constant_or(dw, "runtime._Gleaked", -1);
	/* Go 1.26 added _Gdeadextra for cgo callback Ms. */
	rt->g_deadextra = constant_or(dw, "runtime._Gdeadextra", -1);
	rt->g_scan = constant_or(dw, "runtime._Gscan", 0x1000);
	rt->fing_running_finalizer =
		(uint32_t)constant_or(dw, "runtime.fingRunningFinalizer", 2);
}

static void resolve_synctest(struct ld_rt *rt, struct ld_dwarf *dw)
{
	uint64_t off, size;
	struct ld_error *err;

	rt->bubble_id = LD_RT_NO_FIELD;
	rt->sync_group_root = LD_RT_NO_FIELD;
	/* Go 1.25+: synctestBubble.id */
	err = ld_dwarf_member(dw, "runtime.synctestBubble", "id", &off, &size);
	if (!err)
		rt->bubble_id = (int64_t)off;
	ld_error_destroy(err);
	/* Go 1.24: synctestGroup.root (*g) */
	err = ld_dwarf_member(dw, "runtime.synctestGroup", "root", &off,
			      &size);
	if (!err)
		rt->sync_group_root = (int64_t)off;
	ld_error_destroy(err);
}

/* Go 1.26 added GODEBUG=tracebacklabels, found through runtime.dbgvars. */
static void resolve_dbgvars(struct ld_rt *rt, const struct ld_binary *bin,
			    struct ld_dwarf *dw)
{
	uint64_t off, size;
	struct ld_error *err;

	rt->dbgvars = 0;
	rt->dbgvar_name = rt->dbgvar_atomic = LD_RT_NO_FIELD;
	err = ld_dwarf_member(dw, "runtime.dbgVar", "name", &off, &size);
	if (!err) {
		rt->dbgvar_name = (int64_t)off;
		err = ld_dwarf_member(dw, "runtime.dbgVar", "atomic", &off,
				      &size);
	}
	if (!err) {
		rt->dbgvar_atomic = (int64_t)off;
		err = resolve_var(bin, dw, "runtime.dbgvars", &rt->dbgvars,
				  NULL, false);
	}
	if (err)
		rt->dbgvars = 0;
	ld_error_destroy(err);
}

static struct ld_error *check_version(struct ld_rt *rt, const char *version)
{
	snprintf(rt->go_version, sizeof(rt->go_version), "%s", version);
	if (ld_go_version_parse(version, &rt->go_major, &rt->go_minor,
				&rt->go_patch))
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "unrecognised Go version \"%s\"",
				       version);
	if (rt->go_major != 1 || rt->go_minor < LD_GO_MIN_MINOR ||
	    rt->go_minor > LD_GO_MAX_MINOR)
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "%s is outside the supported range go1.%d to go1.%d",
				       version, LD_GO_MIN_MINOR,
				       LD_GO_MAX_MINOR);
	return NULL;
}

struct ld_error *ld_rt_resolve(const struct ld_binary *bin,
			       struct ld_dwarf *dw, const char *go_version,
			       struct ld_rt **ret)
{
	struct ld_rt *rt = calloc(1, sizeof(*rt));
	struct ld_error *err;
	uint64_t off, size;

	if (!rt)
		return &ld_error_nomem;
	err = check_version(rt, go_version);
	if (!err)
		err = resolve_g(rt, dw);
	if (!err)
		err = resolve_m(rt, dw);
	if (!err)
		err = resolve_moduledata(rt, dw);
	if (!err)
		err = resolve_vars(rt, bin, dw);
	if (!err)
		err = ld_dwarf_member(dw, "runtime.schedt", "lastpoll", &off,
				      &size);
	if (err) {
		free(rt);
		return err;
	}
	rt->sched_lastpoll = (int64_t)off;
	resolve_constants(rt, dw);
	resolve_synctest(rt, dw);
	resolve_dbgvars(rt, bin, dw);
	/* Go 1.27 moved the labels out of the brackets and quotes less. */
	rt->labels_after_bracket = rt->go_minor >= 27;
	/* Go 1.25 started always showing runFinalizers/runCleanups frames. */
	rt->show_finalizer_frames = rt->go_minor >= 25;
	*ret = rt;
	return NULL;
}

static int funcid_of(struct ld_pcln *pcln, const char *name)
{
	struct ld_func f;

	if (!ld_pcln_find_func_by_name(pcln, name, &f))
		return -1;
	return f.funcid;
}

/*
 * abi.FuncID values are assigned alphabetically by name and renumbered
 * between releases, so read them off the functions themselves.
 */
void ld_rt_resolve_funcids(struct ld_rt *rt, struct ld_pcln *pcln)
{
	struct ld_rt_funcids *fid = &rt->fid;
	int last;

	fid->gopanic = funcid_of(pcln, "runtime.gopanic");
	fid->sigpanic = funcid_of(pcln, "runtime.sigpanic");
	fid->panicwrap = funcid_of(pcln, "runtime.panicwrap");
	fid->systemstack = funcid_of(pcln, "runtime.systemstack");
	fid->morestack = funcid_of(pcln, "runtime.morestack");
	fid->cgocallback = funcid_of(pcln, "runtime.cgocallback");
	fid->async_preempt = funcid_of(pcln, "runtime.asyncPreempt");
	fid->debug_call_v2 = funcid_of(pcln, "runtime.debugCallV2");
	fid->runtime_main = funcid_of(pcln, "runtime.main");
	fid->corostart = funcid_of(pcln, "runtime.corostart");
	fid->handle_async_event = funcid_of(pcln, "runtime.handleAsyncEvent");
	/* Go 1.25 renamed runtime.runfinq to runtime.runFinalizers. */
	fid->run_finalizers = funcid_of(pcln, "runtime.runFinalizers");
	if (fid->run_finalizers < 0)
		fid->run_finalizers = funcid_of(pcln, "runtime.runfinq");
	fid->run_cleanups = funcid_of(pcln, "runtime.runCleanups");
	/*
	 * FuncIDWrapper follows the named IDs; systemstack_switch sorts last
	 * among them in every supported release.
	 */
	last = funcid_of(pcln, "runtime.systemstack_switch");
	fid->wrapper = last > 0 ? last + 1 : -1;
}
