/* SPDX-License-Identifier: MIT */
/*
 * Runtime knowledge: every layout, constant and symbol address leakdump
 * needs from a Go binary, resolved once per binary.  This is the only place
 * that knows runtime field names and per-release quirks; each quirk names
 * the Go release that introduced it.
 *
 * Offsets are int64_t with -1 meaning "this release has no such field".
 * Addresses are unrelocated (add the load bias to use them).
 * struct ld_rt owns nothing but itself; free it with free().
 */
#ifndef LD_RT_H
#define LD_RT_H

#include <stdbool.h>
#include <stdint.h>

#include "leakdump/target/binary.h"
#include "leakdump/go/dwarf.h"
#include "leakdump/base/error.h"
#include "leakdump/go/pcln.h"

#define LD_RT_NO_FIELD (-1)

struct ld_rt_g {
	uint64_t size;
	int64_t stack_lo, stack_hi;
	int64_t m;
	int64_t sched_sp, sched_pc, sched_bp;
	int64_t syscallsp, syscallpc;
	int64_t atomicstatus;
	int64_t goid;
	int64_t waitsince;
	int64_t waitreason;
	int64_t lockedm;
	int64_t parent_goid;
	int64_t gopc;
	int64_t ancestors;
	int64_t startpc;
	int64_t labels;
	int64_t waiting;
	int64_t running_cleanups;	/* Go 1.25+ */
	int64_t bubble;			/* Go 1.25+: g.bubble (*synctestBubble) */
	int64_t sync_group;		/* Go 1.24 only: g.syncGroup */
	int64_t timer;			/* *timer cached for time.Sleep */
	int64_t sleep_when;		/* Go 1.23+ */
	int64_t defer_, panic_;		/* g._defer, g._panic */
};

/* Layouts behind blocking objects (ext/blocking/); -1 when absent. */
struct ld_rt_blocking {
	int64_t timer_when;
	int64_t sudog_g, sudog_next, sudog_prev, sudog_elem, sudog_elem_vu;
	int64_t sudog_is_select, sudog_waitlink, sudog_c, sudog_c_vu;
	int64_t sudog_parent;
	uint64_t sudog_size, hchan_size, semtable_size;
	int64_t hchan_qcount, hchan_dataqsiz, hchan_buf, hchan_elemsize;
	int64_t hchan_closed, hchan_elemtype, hchan_sendx, hchan_recvx;
	int64_t hchan_recvq, hchan_sendq;
	int64_t semaroot_treap, notify_head, sync_notify_head;
	int64_t type_str, type_tflag, type_size;
	int64_t pd_fd, pd_rg, pd_wg;
	int64_t mutex_sema_internal, mutex_sema, mutex_mu;
	int64_t rw_writer_sem, rw_reader_sem, rw_reader_count, rw_reader_wait;
	int64_t wg_state, wg_sema, cond_notify;
};

/*
 * Heap metadata (ext/prove/heap.c): runtime.mheap_, its arena index and the
 * spans; offsets -1 and sizes 0 when absent.
 */
struct ld_rt_heap {
	uint64_t mheap;			/* runtime.mheap_ address, 0 if unknown */
	int64_t arenas;			/* mheap.arenas ([1]*[1<<22]*heapArena) */
	int64_t all_arenas;		/* Go 1.21-1.24: mheap.allArenas */
	int64_t heap_arenas;		/* Go 1.25+: mheap.heapArenas */
	int64_t ha_spans;		/* heapArena.spans */
	int64_t span_start_addr, span_npages;
	int64_t span_freeindex, span_nelems;	/* uintptr in 1.21, uint16 after */
	int64_t span_alloc_bits, span_alloc_count, span_spanclass;
	int64_t span_state, span_elemsize, span_limit;
	int64_t span_specials, span_large_type;
	int64_t special_next, special_offset, special_kind;
	uint64_t mspan_size, heap_arena_size, specialfinalizer_size;
	/* pointer bitmaps (ext/prove/precise.c) */
	int64_t ha_bitmap, ha_no_more_ptrs;	/* Go 1.21 only */
	int64_t type_ptrbytes, type_gcdata, type_kind;
	/* Go 1.24+ on-demand masks: abi.ArrayType, StructType, StructField */
	int64_t arraytype_elem, arraytype_len, structtype_fields;
	int64_t structfield_typ, structfield_offset;
	uint64_t structfield_size;
	uint64_t inline_mark_bits_size;	/* greenteagc (1.25+), else 0 */
	/* dead slots: runtime.gcphase, the sweep generations */
	uint64_t gcphase;		/* address, 0 if unknown */
	uint64_t in_progress;		/* runtime.inProgress (1.24+), 0 */
	int64_t span_gcmark_bits, span_sweepgen, sweepgen;
};

/*
 * The runtime's off-heap roots (ext/prove/offheap.c): what
 * runtime/mgcmark.go markroot walks besides data, bss, span specials and
 * stacks, and gcMarkTinyAllocs.  Addresses 0, offsets -1 and sizes 0 when
 * absent.
 */
struct ld_rt_roots {
	uint64_t allfin;		/* runtime.allfin (*finblock) */
	uint64_t gc_cleanups;		/* Go 1.25+: runtime.gcCleanups */
	uint64_t allp;			/* runtime.allp ([]*p) */
	/* Go 1.21-1.24: runtime.finblock; Go 1.25+: runtime.finBlock */
	int64_t finblock_alllink, finblock_cnt, finblock_fin;
	int64_t finblock2_alllink, finblock2_cnt, finblock2_fin;
	uint64_t finblock_size, finblock2_size, finalizer_size;
	/* Go 1.25+: cleanupQueue.all, the cleanupBlock chain */
	int64_t cq_all, cb_alllink, cb_n, cb_cleanups;
	uint64_t cleanupblock_size, cleanupfn_size;
	uint64_t specialcleanup_size, specialweakhandle_size;
	int64_t p_mcache, mcache_tiny;
};

struct ld_rt_m {
	uint64_t size;
	int64_t procid;
	int64_t curg;
	int64_t id;
	int64_t vdso_sp, vdso_pc;
	int64_t ncgo;
};

struct ld_rt_moduledata {
	int64_t pc_header;
	int64_t ftab;
	int64_t text, etext;
	int64_t noptrdata, enoptrdata, data, edata, bss, ebss;
	int64_t noptrbss, enoptrbss;
	int64_t types, etypes;
	int64_t gofunc;
	int64_t rodata;			/* stack objects' pointer masks */
	int64_t next;
	int64_t gcdatamask, gcbssmask;	/* runtime.bitvector {n, bytedata} */
};

/* abi.FuncID values this binary uses, found by function name. */
struct ld_rt_funcids {
	int wrapper;
	int gopanic, sigpanic, panicwrap;
	int systemstack, morestack, cgocallback;
	int async_preempt, debug_call_v2;
	int runtime_main, corostart, handle_async_event;
	int run_finalizers;	/* runtime.runFinalizers (1.25+) / runfinq */
	int run_cleanups;	/* Go 1.25+; -1 before */
};

struct ld_rt {
	int go_major, go_minor, go_patch;
	char go_version[64];

	/* unrelocated addresses of runtime globals */
	uint64_t allgs, allglen;
	uint64_t wait_reason_strings;
	uint64_t wait_reason_count;
	uint64_t is_idle_in_synctest;	/* [N]bool, 0 if absent */
	uint64_t g_status_strings;
	uint64_t g_status_count;
	uint64_t firstmoduledata;
	uint64_t fing_status;		/* 0 if absent */
	uint64_t sched;			/* runtime.sched */
	int64_t sched_lastpoll;		/* offset in schedt */
	/*
	 * The runtime's clocks (nanotime) a core's "now" is estimated from:
	 * offsets, and the addresses of runtime.work and runtime.memstats
	 * (0 when not found: stripped binaries).
	 */
	struct {
		int64_t sched_procresizetime, work_tstart, last_gc_nanotime;
		uint64_t work, memstats;
	} clocks;
	int64_t dbgvar_name, dbgvar_atomic;	/* runtime.dbgVar (1.26+) */

	/* status constants */
	int64_t g_running, g_runnable, g_syscall, g_waiting, g_dead;
	int64_t fing_running_finalizer;
	int64_t kind_special_finalizer;	/* 1 until Go 1.24, 2 from 1.25 */
	int64_t kind_special_weak_handle;	/* Go 1.23+; -1 before */
	int64_t kind_special_cleanup;	/* Go 1.24+; -1 before */
	int64_t g_leaked;		/* Go 1.26+ (GOEXPERIMENT), 1.27 */
	int64_t g_deadextra;		/* Go 1.26+; -1 before */
	int64_t g_scan;

	struct ld_rt_g g;
	struct ld_rt_m m;
	struct ld_rt_moduledata md;
	struct ld_rt_funcids fid;
	struct ld_rt_blocking blk;
	struct ld_rt_heap heap;
	struct ld_rt_roots roots;
	uint64_t semtable;		/* runtime.semtable, 0 if unknown */
	/* Go 1.24: ", synctest group N"; Go 1.25+: ", synctest bubble N" */
	int64_t bubble_id;		/* synctestBubble.id offset */
	int64_t sync_group_root;	/* synctestGroup.root offset (1.24) */
	/* Go 1.26+: GODEBUG table, to find tracebacklabels; 0 if absent */
	uint64_t dbgvars;

	/*
	 * Capability flags: what this binary's Go release does, resolved once
	 * from go_minor (ld_rt_resolve_caps) so that no other module compares
	 * versions.
	 */
	/* Go 1.27 prints labels after "]" and quotes only when needed */
	bool labels_after_bracket;
	/*
	 * Go 1.24+: g.labels points to runtime/pprof's labelMap, a sorted
	 * []struct{key, value string}; before, to a map[string]string.
	 */
	bool labels_slice;
	/* Go 1.25+: showfuncinfo always shows runFinalizers/runCleanups */
	bool show_finalizer_frames;
	/*
	 * Go 1.22+ allocation headers (before: the heap arena's pointer
	 * bitmap): a large object's type is in mspan.largeType, a pointerful
	 * small object over 512 bytes has it in its first word.
	 */
	bool malloc_headers;
	/*
	 * Where the GC finds the pointers of a heap object (ext/prove/precise.c):
	 * Go 1.21 in heapArena.bitmap/noMorePtrs (arena_ptr_bitmap); Go 1.22+
	 * in heap bits at the end of small spans (span_heap_bits) and the
	 * malloc header or mspan.largeType otherwise.  The type's GCData is a
	 * GC program when Kind_ has KindGCProg in Go 1.22-1.23
	 * (type_gcprog_kind); from Go 1.24, TFlagGCMaskOnDemand makes GCData
	 * point at the pointer to a lazily built mask (type_gcmask_on_demand).
	 */
	bool arena_ptr_bitmap;
	bool span_heap_bits;
	bool type_gcprog_kind;
	bool type_gcmask_on_demand;
	/* mspan.freeindex and nelems: uintptr until Go 1.21, uint16 from 1.22 */
	uint8_t span_index_width;
	/* Go 1.23+: weak handle specials, whose handle the GC marks */
	bool special_weak;
	/* Go 1.24+: runtime.AddCleanup's specials, whose fn the GC marks */
	bool special_cleanup;
	/*
	 * Go 1.25+: cleanups wait to run in their own blocks
	 * (runtime.gcCleanups); Go 1.24 queued them as finalizers.
	 */
	bool cleanup_queue;
	/*
	 * Go 1.26+: a semaphore waiter's g.waiting is its sudog in the
	 * semaphore table (semaRoot.queue sets it for the leak detector).
	 */
	bool sema_waiting_sudog;
	bool has_dwarf;			/* layouts from DWARF, not tables */
	bool stripped;			/* no symbols: see discover.h */
};

struct ld_layout;

/*
 * Take every offset, size and constant from a recorded layout (the
 * generated per-release tables); a constant the layout lacks gets its
 * fallback.  Used by ld_rt_resolve and by tests on synthetic targets.
 */
void ld_rt_apply_layout(struct ld_rt *rt, const struct ld_layout *l);

/*
 * Record every layout fact of ext/go/rt_fields.h from DWARF into *out (used
 * by ld_rt_resolve and by the table generator).  LD_ERR_LOOKUP names the
 * first missing required member.
 */
struct ld_error *ld_rt_layout_from_dwarf(struct ld_dwarf *dw,
					 struct ld_layout *out);

/*
 * Resolve everything from DWARF (dw non-NULL) or, without DWARF, from the
 * generated per-release tables.  Fails with LD_ERR_LOOKUP naming the first
 * missing required item.  go_version (e.g. "go1.26.10") decides nothing by
 * itself; it is recorded and checked against the supported range
 * (LD_ERR_UNSUPPORTED outside it).  Returns a malloc'd struct in *ret.
 */
struct ld_error *ld_rt_resolve(const struct ld_binary *bin,
			       struct ld_dwarf *dw, const char *go_version,
			       struct ld_rt **ret);

/*
 * Set the capability flags from rt->go_minor.  ld_rt_resolve calls it;
 * tests that fill a struct ld_rt by hand call it after setting go_minor.
 */
void ld_rt_resolve_caps(struct ld_rt *rt);

/* Fill in funcIDs once the pclntab is open. */
void ld_rt_resolve_funcids(struct ld_rt *rt, struct ld_pcln *pcln);

#endif
