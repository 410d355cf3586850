// SPDX-License-Identifier: MIT
/*
 * Runtime knowledge, resolved once per binary.  Layouts come from the
 * binary's DWARF when it has some, else from the per-release tables that
 * scripts/gen-layouts.sh records from reference builds (ext/go/layouts_gen.c).
 * The fields themselves are listed once, in ext/go/rt_fields.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/go/buildinfo.h"
#include "leakdump/go/rt.h"
#include "rt_fields.h"

static struct ld_error *member_from_dwarf(struct ld_dwarf *dw,
					  const char *type,
					  const char *member, bool required,
					  int64_t *ret)
{
	uint64_t off, size;
	struct ld_error *err = ld_dwarf_member(dw, type, member, &off, &size);

	if (!err) {
		*ret = (int64_t)off;
		return NULL;
	}
	if (required || err->code != LD_ERR_LOOKUP)
		return ld_error_wrap(err, "runtime layout");
	ld_error_destroy(err);
	*ret = LD_RT_NO_FIELD;
	return NULL;
}

struct ld_error *ld_rt_layout_from_dwarf(struct ld_dwarf *dw,
					 struct ld_layout *out)
{
	struct ld_error *err;
	uint64_t size;

	memset(out, 0, sizeof(*out));
#define MEMBER(id, lv, type, member, req)				\
	err = member_from_dwarf(dw, type, member, req,			\
				&out->members[LD_RTM_##id]);		\
	if (err)							\
		return err;
	LD_RT_MEMBERS(MEMBER)
#undef MEMBER
#define SIZE(id, lv, type, req)					\
	err = ld_dwarf_type_size(dw, type, &size);			\
	if (err && ((req) || err->code != LD_ERR_LOOKUP))		\
		return ld_error_wrap(err, "runtime layout");		\
	out->sizes[LD_RTS_##id] = err ? 0 : (int64_t)size;		\
	ld_error_destroy(err);
	LD_RT_SIZES(SIZE)
#undef SIZE
#define CONST(id, lv, name, fallback)					\
	err = ld_dwarf_constant(dw, name, &out->consts[LD_RTC_##id]);	\
	if (err)							\
		out->consts[LD_RTC_##id] = LD_RT_CONST_ABSENT;		\
	ld_error_destroy(err);
	LD_RT_CONSTS(CONST)
#undef CONST
	return NULL;
}

void ld_rt_apply_layout(struct ld_rt *rt, const struct ld_layout *l)
{
#define MEMBER(id, lv, type, member, req) rt->lv = l->members[LD_RTM_##id];
	LD_RT_MEMBERS(MEMBER)
#undef MEMBER
#define SIZE(id, lv, type, req) rt->lv = (uint64_t)l->sizes[LD_RTS_##id];
	LD_RT_SIZES(SIZE)
#undef SIZE
#define CONST(id, lv, name, fallback)					\
	rt->lv = l->consts[LD_RTC_##id] == LD_RT_CONST_ABSENT ?		\
		 (fallback) : l->consts[LD_RTC_##id];
	LD_RT_CONSTS(CONST)
#undef CONST
}

/*
 * The supported range is the releases with a recorded layout table:
 * scripts/gen-layouts.sh makes one for each release the go-versions file
 * at the top of the repository lists.  0 to 0 without tables.
 */
static void supported_range(int *min, int *max)
{
	*min = ld_nlayouts ? ld_layouts[0].go_minor : 0;
	*max = *min;
	for (unsigned int i = 1; i < ld_nlayouts; i++) {
		if (ld_layouts[i].go_minor < *min)
			*min = ld_layouts[i].go_minor;
		if (ld_layouts[i].go_minor > *max)
			*max = ld_layouts[i].go_minor;
	}
}

/* The generated table for this release, or an error saying why not. */
static struct ld_error *layout_table(const struct ld_rt *rt,
				     const struct ld_layout **ret)
{
	int min, max;

	if (strcmp(ld_layouts_signature, LD_RT_FIELDS_SIGNATURE))
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "layout tables are stale (ext/rt_fields.h changed); run scripts/gen-layouts.sh");
	for (unsigned int i = 0; i < ld_nlayouts; i++) {
		if (ld_layouts[i].go_minor == rt->go_minor) {
			*ret = &ld_layouts[i];
			return NULL;
		}
	}
	supported_range(&min, &max);
	return ld_error_create(LD_ERR_UNSUPPORTED,
			       "no DWARF, and no recorded runtime layout for %s (have tables for go1.%d to go1.%d)",
			       rt->go_version, min, max);
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
	if (err && dw) {
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
			       &rt->is_idle_in_synctest, NULL, false)) ||
	    (err = resolve_var(bin, dw, "runtime.semtable", &rt->semtable,
			       NULL, false)) ||
	    /* Go 1.26 added GODEBUG=tracebacklabels, found in dbgvars. */
	    (err = resolve_var(bin, dw, "runtime.dbgvars", &rt->dbgvars,
			       NULL, false)) ||
	    /* The heap's metadata (ext/prove/heap.c); optional. */
	    (err = resolve_var(bin, dw, "runtime.mheap_", &rt->heap.mheap,
			       NULL, false)) ||
	    /* Dead slots and on-demand GC masks (ext/prove/); optional. */
	    (err = resolve_var(bin, dw, "runtime.gcphase", &rt->heap.gcphase,
			       NULL, false)) ||
	    (err = resolve_var(bin, dw, "runtime.inProgress",
			       &rt->heap.in_progress, NULL, false)) ||
	    /* The runtime's off-heap roots (ext/prove/offheap.c); optional. */
	    (err = resolve_var(bin, dw, "runtime.allfin", &rt->roots.allfin,
			       NULL, false)) ||
	    (err = resolve_var(bin, dw, "runtime.gcCleanups",
			       &rt->roots.gc_cleanups, NULL, false)) ||
	    (err = resolve_var(bin, dw, "runtime.allp", &rt->roots.allp,
			       NULL, false)) ||
	    /* Clocks for "now" on a core (ext/model/clock.c); optional. */
	    (err = resolve_var(bin, dw, "runtime.work", &rt->clocks.work,
			       NULL, false)) ||
	    (err = resolve_var(bin, dw, "runtime.memstats",
			       &rt->clocks.memstats, NULL, false)))
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

static struct ld_error *check_version(struct ld_rt *rt, const char *version)
{
	int min, max;

	snprintf(rt->go_version, sizeof(rt->go_version), "%s", version);
	if (ld_go_version_parse(version, &rt->go_major, &rt->go_minor,
				&rt->go_patch))
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "unrecognised Go version \"%s\"",
				       version);
	supported_range(&min, &max);
	if (rt->go_major != 1 || rt->go_minor < min || rt->go_minor > max)
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "%s is outside the supported range go1.%d to go1.%d",
				       version, min, max);
	return NULL;
}

static struct ld_error *resolve_layout(struct ld_rt *rt, struct ld_dwarf *dw)
{
	const struct ld_layout *table = NULL;
	struct ld_layout *l;
	struct ld_error *err;

	if (!dw) {
		err = layout_table(rt, &table);
		if (!err)
			ld_rt_apply_layout(rt, table);
		return err;
	}
	l = malloc(sizeof(*l));
	if (!l)
		return &ld_error_nomem;
	err = ld_rt_layout_from_dwarf(dw, l);
	if (!err)
		ld_rt_apply_layout(rt, l);
	free(l);
	return err;
}

void ld_rt_resolve_caps(struct ld_rt *rt)
{
	/* Go 1.27 moved the labels out of the brackets and quotes less. */
	rt->labels_after_bracket = rt->go_minor >= 27;
	/* Go 1.24 made pprof's labelMap a sorted slice (a map before). */
	rt->labels_slice = rt->go_minor >= 24;
	/* Go 1.25 started always showing runFinalizers/runCleanups frames. */
	rt->show_finalizer_frames = rt->go_minor >= 25;
	/* Go 1.22 replaced the arena's heap bitmap with malloc headers. */
	rt->malloc_headers = rt->go_minor >= 22;
	/* Go 1.21 keeps pointer bits in heapArena.bitmap (gone in 1.22). */
	rt->arena_ptr_bitmap = rt->go_minor <= 21;
	/* Go 1.22 put the heap bits of small objects at their span's end. */
	rt->span_heap_bits = rt->go_minor >= 22;
	/* Go 1.22-1.23: KindGCProg; Go 1.24 dropped GC programs for
	 * TFlagGCMaskOnDemand. */
	rt->type_gcprog_kind = rt->go_minor <= 23;
	rt->type_gcmask_on_demand = rt->go_minor >= 24;
	/* Go 1.22 narrowed mspan.freeindex and nelems to uint16. */
	rt->span_index_width = rt->go_minor <= 21 ? 8 : 2;
	/* Go 1.23 added weak pointers (specialWeakHandle). */
	rt->special_weak = rt->go_minor >= 23;
	/* Go 1.24 added runtime.AddCleanup (specialCleanup). */
	rt->special_cleanup = rt->go_minor >= 24;
	/* Go 1.25 moved queued cleanups off finq into gcCleanups. */
	rt->cleanup_queue = rt->go_minor >= 25;
	/* Go 1.26's semaRoot.queue points g.waiting at the waiter's sudog. */
	rt->sema_waiting_sudog = rt->go_minor >= 26;
}

struct ld_error *ld_rt_resolve(const struct ld_binary *bin,
			       struct ld_dwarf *dw, const char *go_version,
			       struct ld_rt **ret)
{
	struct ld_rt *rt = calloc(1, sizeof(*rt));
	struct ld_error *err;

	if (!rt)
		return &ld_error_nomem;
	err = check_version(rt, go_version);
	if (!err)
		err = resolve_layout(rt, dw);
	/* Fully stripped: ext/go/discover_*.c find the variables later. */
	rt->stripped = !dw && !bin->has_symtab;
	if (!err && !rt->stripped)
		err = resolve_vars(rt, bin, dw);
	if (err) {
		free(rt);
		return err;
	}
	rt->has_dwarf = dw != NULL;
	ld_rt_resolve_caps(rt);
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
