/* SPDX-License-Identifier: MIT */
/*
 * Every runtime layout fact leakdump uses, as X-macro lists.  One list
 * drives three things: resolving from DWARF (ext/go/rt.c), the generator that
 * records them per Go release from reference builds (tools/layoutgen.c,
 * scripts/gen-layouts.sh), and the generated tables used for binaries
 * without DWARF (ext/layouts_gen.c).  Adding an entry here means
 * re-running scripts/gen-layouts.sh.
 *
 * X(id, lvalue in struct ld_rt, type, member, required)
 */
#ifndef LD_RT_FIELDS_H
#define LD_RT_FIELDS_H

#define LD_RT_MEMBERS(X)						\
	X(G_STACK_LO, g.stack_lo, "runtime.g", "stack.lo", 1)		\
	X(G_STACK_HI, g.stack_hi, "runtime.g", "stack.hi", 1)		\
	X(G_M, g.m, "runtime.g", "m", 1)				\
	X(G_SCHED_SP, g.sched_sp, "runtime.g", "sched.sp", 1)		\
	X(G_SCHED_PC, g.sched_pc, "runtime.g", "sched.pc", 1)		\
	X(G_SCHED_BP, g.sched_bp, "runtime.g", "sched.bp", 1)		\
	X(G_SYSCALLSP, g.syscallsp, "runtime.g", "syscallsp", 1)	\
	X(G_SYSCALLPC, g.syscallpc, "runtime.g", "syscallpc", 1)	\
	X(G_STATUS, g.atomicstatus, "runtime.g", "atomicstatus", 1)	\
	X(G_GOID, g.goid, "runtime.g", "goid", 1)			\
	X(G_WAITSINCE, g.waitsince, "runtime.g", "waitsince", 1)	\
	X(G_WAITREASON, g.waitreason, "runtime.g", "waitreason", 1)	\
	X(G_LOCKEDM, g.lockedm, "runtime.g", "lockedm", 1)		\
	X(G_PARENT_GOID, g.parent_goid, "runtime.g", "parentGoid", 1)	\
	X(G_GOPC, g.gopc, "runtime.g", "gopc", 1)			\
	X(G_ANCESTORS, g.ancestors, "runtime.g", "ancestors", 1)	\
	X(G_STARTPC, g.startpc, "runtime.g", "startpc", 1)		\
	X(G_LABELS, g.labels, "runtime.g", "labels", 1)			\
	X(G_WAITING, g.waiting, "runtime.g", "waiting", 1)		\
	/* Go 1.25 added cleanup goroutines and g.runningCleanups. */	\
	X(G_RUNNING_CLEANUPS, g.running_cleanups, "runtime.g",		\
	  "runningCleanups", 0)						\
	/* Go 1.25 renamed synctest's g.syncGroup to g.bubble. */	\
	X(G_BUBBLE, g.bubble, "runtime.g", "bubble", 0)			\
	X(G_SYNC_GROUP, g.sync_group, "runtime.g", "syncGroup", 0)	\
	X(M_PROCID, m.procid, "runtime.m", "procid", 1)			\
	X(M_CURG, m.curg, "runtime.m", "curg", 1)			\
	X(M_ID, m.id, "runtime.m", "id", 1)				\
	X(M_VDSO_SP, m.vdso_sp, "runtime.m", "vdsoSP", 1)		\
	X(M_VDSO_PC, m.vdso_pc, "runtime.m", "vdsoPC", 1)		\
	X(M_NCGO, m.ncgo, "runtime.m", "ncgo", 1)			\
	X(MD_PC_HEADER, md.pc_header, "runtime.moduledata", "pcHeader", 1) \
	X(MD_FTAB, md.ftab, "runtime.moduledata", "ftab", 1)		\
	X(MD_TEXT, md.text, "runtime.moduledata", "text", 1)		\
	X(MD_ETEXT, md.etext, "runtime.moduledata", "etext", 1)		\
	X(MD_NOPTRDATA, md.noptrdata, "runtime.moduledata", "noptrdata", 1) \
	X(MD_ENOPTRDATA, md.enoptrdata, "runtime.moduledata", "enoptrdata", 1) \
	X(MD_DATA, md.data, "runtime.moduledata", "data", 1)		\
	X(MD_EDATA, md.edata, "runtime.moduledata", "edata", 1)		\
	X(MD_BSS, md.bss, "runtime.moduledata", "bss", 1)		\
	X(MD_EBSS, md.ebss, "runtime.moduledata", "ebss", 1)		\
	X(MD_NOPTRBSS, md.noptrbss, "runtime.moduledata", "noptrbss", 1) \
	X(MD_ENOPTRBSS, md.enoptrbss, "runtime.moduledata", "enoptrbss", 1) \
	X(MD_TYPES, md.types, "runtime.moduledata", "types", 1)	\
	X(MD_ETYPES, md.etypes, "runtime.moduledata", "etypes", 1)	\
	X(MD_GOFUNC, md.gofunc, "runtime.moduledata", "gofunc", 1)	\
	X(MD_RODATA, md.rodata, "runtime.moduledata", "rodata", 0)	\
	X(MD_NEXT, md.next, "runtime.moduledata", "next", 1)		\
	/* Pointer bitmaps of data and bss (leak proofs); optional. */	\
	X(MD_GCDATAMASK, md.gcdatamask, "runtime.moduledata",		\
	  "gcdatamask", 0)						\
	X(MD_GCBSSMASK, md.gcbssmask, "runtime.moduledata",		\
	  "gcbssmask", 0)						\
	X(SCHED_LASTPOLL, sched_lastpoll, "runtime.schedt", "lastpoll", 1) \
	/* The runtime's own clocks, for "now" on a core. */		\
	X(SCHED_PROCRESIZETIME, clocks.sched_procresizetime,		\
	  "runtime.schedt", "procresizetime", 0)			\
	X(WORK_TSTART, clocks.work_tstart, "runtime.workType", "tstart", 0) \
	X(MSTATS_LAST_GC, clocks.last_gc_nanotime, "runtime.mstats",	\
	  "last_gc_nanotime", 0)					\
	/* Go 1.25+: synctestBubble.id; Go 1.24: synctestGroup.root */	\
	X(BUBBLE_ID, bubble_id, "runtime.synctestBubble", "id", 0)	\
	X(SYNC_GROUP_ROOT, sync_group_root, "runtime.synctestGroup",	\
	  "root", 0)							\
	/* Go 1.26 added GODEBUG=tracebacklabels, a dbgVar. */		\
	X(DBGVAR_NAME, dbgvar_name, "runtime.dbgVar", "name", 0)	\
	X(DBGVAR_ATOMIC, dbgvar_atomic, "runtime.dbgVar", "atomic", 0)	\
	/* Blocking objects (ext/blocking/); all optional: without one	\
	 * the feature that needs it is reported as unavailable. */	\
	X(G_TIMER, g.timer, "runtime.g", "timer", 0)			\
	/* Leak proofs: goroutines with defers or panics in flight are	\
	 * scanned conservatively. */					\
	X(G_DEFER, g.defer_, "runtime.g", "_defer", 0)			\
	X(G_PANIC, g.panic_, "runtime.g", "_panic", 0)			\
	/* Go 1.23 added g.sleepWhen with the timer rewrite. */	\
	X(G_SLEEP_WHEN, g.sleep_when, "runtime.g", "sleepWhen", 0)	\
	X(TIMER_WHEN, blk.timer_when, "runtime.timer", "when", 0)	\
	X(SUDOG_G, blk.sudog_g, "runtime.sudog", "g", 0)		\
	X(SUDOG_NEXT, blk.sudog_next, "runtime.sudog", "next", 0)	\
	X(SUDOG_PREV, blk.sudog_prev, "runtime.sudog", "prev", 0)	\
	X(SUDOG_ELEM, blk.sudog_elem, "runtime.sudog", "elem", 0)	\
	/* Go 1.26 wrapped sudog.elem and .c in maybeTraceablePtr. */	\
	X(SUDOG_ELEM_VU, blk.sudog_elem_vu, "runtime.sudog", "elem.vu", 0) \
	X(SUDOG_IS_SELECT, blk.sudog_is_select, "runtime.sudog",	\
	  "isSelect", 0)						\
	X(SUDOG_WAITLINK, blk.sudog_waitlink, "runtime.sudog",		\
	  "waitlink", 0)						\
	X(SUDOG_C, blk.sudog_c, "runtime.sudog", "c", 0)		\
	X(SUDOG_C_VU, blk.sudog_c_vu, "runtime.sudog",			\
	  "c.maybeTraceablePtr.vu", 0)					\
	X(HCHAN_QCOUNT, blk.hchan_qcount, "runtime.hchan", "qcount", 0) \
	X(HCHAN_DATAQSIZ, blk.hchan_dataqsiz, "runtime.hchan",		\
	  "dataqsiz", 0)						\
	X(HCHAN_BUF, blk.hchan_buf, "runtime.hchan", "buf", 0)		\
	X(HCHAN_ELEMSIZE, blk.hchan_elemsize, "runtime.hchan",		\
	  "elemsize", 0)						\
	X(HCHAN_CLOSED, blk.hchan_closed, "runtime.hchan", "closed", 0) \
	X(HCHAN_ELEMTYPE, blk.hchan_elemtype, "runtime.hchan",		\
	  "elemtype", 0)						\
	X(HCHAN_SENDX, blk.hchan_sendx, "runtime.hchan", "sendx", 0)	\
	X(HCHAN_RECVX, blk.hchan_recvx, "runtime.hchan", "recvx", 0)	\
	X(HCHAN_RECVQ, blk.hchan_recvq, "runtime.hchan", "recvq", 0)	\
	X(HCHAN_SENDQ, blk.hchan_sendq, "runtime.hchan", "sendq", 0)	\
	X(SEMAROOT_TREAP, blk.semaroot_treap, "runtime.semaRoot",	\
	  "treap", 0)							\
	X(SUDOG_PARENT, blk.sudog_parent, "runtime.sudog", "parent", 0) \
	X(NOTIFYLIST_HEAD, blk.notify_head, "runtime.notifyList",	\
	  "head", 0)							\
	/* sync keeps its own copy of the type, present when runtime's	\
	 * is not (the linker drops unused DWARF types). */		\
	X(SYNC_NOTIFYLIST_HEAD, blk.sync_notify_head, "sync.notifyList",	\
	  "head", 0)							\
	X(TYPE_STR, blk.type_str, "internal/abi.Type", "Str", 0)	\
	X(TYPE_TFLAG, blk.type_tflag, "internal/abi.Type", "TFlag", 0)	\
	X(TYPE_SIZE, blk.type_size, "internal/abi.Type", "Size_", 0)	\
	X(POLLDESC_FD, blk.pd_fd, "runtime.pollDesc", "fd", 0)		\
	X(POLLDESC_RG, blk.pd_rg, "runtime.pollDesc", "rg", 0)		\
	X(POLLDESC_WG, blk.pd_wg, "runtime.pollDesc", "wg", 0)		\
	/* Go 1.24 moved sync.Mutex's fields into internal/sync.Mutex. */ \
	X(MUTEX_SEMA_INTERNAL, blk.mutex_sema_internal,		\
	  "internal/sync.Mutex", "sema", 0)				\
	X(MUTEX_SEMA, blk.mutex_sema, "sync.Mutex", "sema", 0)		\
	X(MUTEX_MU, blk.mutex_mu, "sync.Mutex", "mu", 0)		\
	X(RWMUTEX_WRITER_SEM, blk.rw_writer_sem, "sync.RWMutex",	\
	  "writerSem", 0)						\
	X(RWMUTEX_READER_SEM, blk.rw_reader_sem, "sync.RWMutex",	\
	  "readerSem", 0)						\
	X(RWMUTEX_READER_COUNT, blk.rw_reader_count, "sync.RWMutex",	\
	  "readerCount", 0)						\
	X(RWMUTEX_READER_WAIT, blk.rw_reader_wait, "sync.RWMutex",	\
	  "readerWait", 0)						\
	X(WAITGROUP_STATE, blk.wg_state, "sync.WaitGroup", "state", 0)	\
	X(WAITGROUP_SEMA, blk.wg_sema, "sync.WaitGroup", "sema", 0)	\
	X(COND_NOTIFY, blk.cond_notify, "sync.Cond", "notify", 0)	\
	/* Heap metadata (ext/prove/heap.c); all optional: without them the	\
	 * heap is reported as unavailable. */				\
	X(MHEAP_ARENAS, heap.arenas, "runtime.mheap", "arenas", 0)	\
	/* Go 1.25 renamed mheap.allArenas to heapArenas. */		\
	X(MHEAP_ALL_ARENAS, heap.all_arenas, "runtime.mheap",		\
	  "allArenas", 0)						\
	X(MHEAP_HEAP_ARENAS, heap.heap_arenas, "runtime.mheap",	\
	  "heapArenas", 0)						\
	X(HEAPARENA_SPANS, heap.ha_spans, "runtime.heapArena", "spans", 0) \
	X(MSPAN_START_ADDR, heap.span_start_addr, "runtime.mspan",	\
	  "startAddr", 0)						\
	X(MSPAN_NPAGES, heap.span_npages, "runtime.mspan", "npages", 0) \
	/* Go 1.22 narrowed freeindex and nelems from uintptr to uint16. */ \
	X(MSPAN_FREEINDEX, heap.span_freeindex, "runtime.mspan",	\
	  "freeindex", 0)						\
	X(MSPAN_NELEMS, heap.span_nelems, "runtime.mspan", "nelems", 0) \
	X(MSPAN_ALLOC_BITS, heap.span_alloc_bits, "runtime.mspan",	\
	  "allocBits", 0)						\
	X(MSPAN_ALLOC_COUNT, heap.span_alloc_count, "runtime.mspan",	\
	  "allocCount", 0)						\
	X(MSPAN_SPANCLASS, heap.span_spanclass, "runtime.mspan",	\
	  "spanclass", 0)						\
	X(MSPAN_STATE, heap.span_state, "runtime.mspan", "state", 0)	\
	X(MSPAN_ELEMSIZE, heap.span_elemsize, "runtime.mspan",		\
	  "elemsize", 0)						\
	X(MSPAN_LIMIT, heap.span_limit, "runtime.mspan", "limit", 0)	\
	/* Leak proofs (ext/prove/): finalizer specials and types. */	\
	X(MSPAN_SPECIALS, heap.span_specials, "runtime.mspan",		\
	  "specials", 0)						\
	/* Go 1.22 added mspan.largeType (the malloc header of large	\
	 * objects). */							\
	X(MSPAN_LARGE_TYPE, heap.span_large_type, "runtime.mspan",	\
	  "largeType", 0)						\
	/* Go 1.25 widened special.offset from uint16 to uintptr. */	\
	X(SPECIAL_NEXT, heap.special_next, "runtime.special", "next", 0) \
	X(SPECIAL_OFFSET, heap.special_offset, "runtime.special",	\
	  "offset", 0)							\
	X(SPECIAL_KIND, heap.special_kind, "runtime.special", "kind", 0) \
	/* Precise marking (ext/prove/precise.c): the pointer bitmaps.	\
	 * Go 1.21 only: the arena's bitmap and noMorePtrs. */		\
	X(HEAPARENA_BITMAP, heap.ha_bitmap, "runtime.heapArena",	\
	  "bitmap", 0)							\
	X(HEAPARENA_NO_MORE_PTRS, heap.ha_no_more_ptrs,		\
	  "runtime.heapArena", "noMorePtrs", 0)				\
	X(TYPE_PTRBYTES, heap.type_ptrbytes, "internal/abi.Type",	\
	  "PtrBytes", 0)						\
	X(TYPE_GCDATA, heap.type_gcdata, "internal/abi.Type", "GCData", 0) \
	X(TYPE_KIND, heap.type_kind, "internal/abi.Type", "Kind_", 0)	\
	/* Go 1.24+ masks built on first use: as runtime.buildGCMask,	\
	 * from an array's element or a struct's fields. */		\
	X(ARRAYTYPE_ELEM, heap.arraytype_elem, "internal/abi.ArrayType", \
	  "Elem", 0)							\
	X(ARRAYTYPE_LEN, heap.arraytype_len, "internal/abi.ArrayType",	\
	  "Len", 0)							\
	X(STRUCTTYPE_FIELDS, heap.structtype_fields,			\
	  "internal/abi.StructType", "Fields", 0)			\
	X(STRUCTFIELD_TYP, heap.structfield_typ, "internal/abi.StructField", \
	  "Typ", 0)							\
	X(STRUCTFIELD_OFFSET, heap.structfield_offset,			\
	  "internal/abi.StructField", "Offset", 0)			\
	/* Dead slots: the last cycle's marks of spans not yet swept. */ \
	X(MSPAN_GCMARK_BITS, heap.span_gcmark_bits, "runtime.mspan",	\
	  "gcmarkBits", 0)						\
	X(MSPAN_SWEEPGEN, heap.span_sweepgen, "runtime.mspan",		\
	  "sweepgen", 0)						\
	X(MHEAP_SWEEPGEN, heap.sweepgen, "runtime.mheap", "sweepgen", 0)	\
	/* Leak proofs: the runtime's off-heap roots (ext/prove/offheap.c,	\
	 * as runtime/mgcmark.go markroot walks them).  Go 1.25 renamed	\
	 * finblock to finBlock. */					\
	X(FINBLOCK_ALLLINK, roots.finblock_alllink, "runtime.finblock",	\
	  "alllink", 0)							\
	X(FINBLOCK_CNT, roots.finblock_cnt, "runtime.finblock", "cnt", 0) \
	X(FINBLOCK_FIN, roots.finblock_fin, "runtime.finblock", "fin", 0) \
	X(FINBLOCK2_ALLLINK, roots.finblock2_alllink, "runtime.finBlock", \
	  "alllink", 0)							\
	X(FINBLOCK2_CNT, roots.finblock2_cnt, "runtime.finBlock", "cnt", 0) \
	X(FINBLOCK2_FIN, roots.finblock2_fin, "runtime.finBlock", "fin", 0) \
	/* Go 1.25 queued cleanups in blocks of their own. */		\
	X(CLEANUPQUEUE_ALL, roots.cq_all, "runtime.cleanupQueue", "all", 0) \
	X(CLEANUPBLOCK_ALLLINK, roots.cb_alllink,			\
	  "runtime.cleanupBlockHeader", "alllink", 0)			\
	X(CLEANUPBLOCK_N, roots.cb_n, "runtime.cleanupBlockHeader", "n", 0) \
	X(CLEANUPBLOCK_CLEANUPS, roots.cb_cleanups, "runtime.cleanupBlock", \
	  "cleanups", 0)						\
	X(P_MCACHE, roots.p_mcache, "runtime.p", "mcache", 0)		\
	X(MCACHE_TINY, roots.mcache_tiny, "runtime.mcache", "tiny", 0)

/* X(id, lvalue, type, required) */
#define LD_RT_SIZES(X)							\
	X(G_SIZE, g.size, "runtime.g", 1)				\
	X(M_SIZE, m.size, "runtime.m", 1)				\
	X(SUDOG_SIZE, blk.sudog_size, "runtime.sudog", 0)		\
	X(HCHAN_SIZE, blk.hchan_size, "runtime.hchan", 0)		\
	X(SEMTABLE_SIZE, blk.semtable_size, "runtime.semTable", 0)	\
	X(MSPAN_SIZE, heap.mspan_size, "runtime.mspan", 0)		\
	X(HEAPARENA_SIZE, heap.heap_arena_size, "runtime.heapArena", 0) \
	X(STRUCTFIELD_SIZE, heap.structfield_size,			\
	  "internal/abi.StructField", 0)				\
	X(SPECIALFINALIZER_SIZE, heap.specialfinalizer_size,		\
	  "runtime.specialfinalizer", 0)				\
	/* Go 1.25 GOEXPERIMENT=greenteagc (the default from 1.26): 128	\
	 * bytes of mark bits at the end of small spans; 0 without. */	\
	X(SPANINLINEMARKBITS_SIZE, heap.inline_mark_bits_size,		\
	  "runtime.spanInlineMarkBits", 0)	\
	X(FINBLOCK_SIZE, roots.finblock_size, "runtime.finblock", 0)	\
	X(FINBLOCK2_SIZE, roots.finblock2_size, "runtime.finBlock", 0)	\
	X(FINALIZER_SIZE, roots.finalizer_size, "runtime.finalizer", 0) \
	X(CLEANUPBLOCK_SIZE, roots.cleanupblock_size,			\
	  "runtime.cleanupBlock", 0)					\
	/* Go 1.26 queued a cleanupFn (call, fn, arg), 1.25 a *funcval. */ \
	X(CLEANUPFN_SIZE, roots.cleanupfn_size, "runtime.cleanupFn", 0)	\
	X(SPECIALCLEANUP_SIZE, roots.specialcleanup_size,		\
	  "runtime.specialCleanup", 0)					\
	X(SPECIALWEAKHANDLE_SIZE, roots.specialweakhandle_size,	\
	  "runtime.specialWeakHandle", 0)

/*
 * X(id, lvalue, constant, fallback).  Status values have been stable since
 * Go 1.0 except where noted; the fallback is used when DWARF lacks one.
 */
#define LD_RT_CONSTS(X)							\
	X(G_RUNNABLE, g_runnable, "runtime._Grunnable", 1)		\
	X(G_RUNNING, g_running, "runtime._Grunning", 2)			\
	X(G_SYSCALL, g_syscall, "runtime._Gsyscall", 3)			\
	X(G_WAITING, g_waiting, "runtime._Gwaiting", 4)			\
	X(G_DEAD, g_dead, "runtime._Gdead", 6)				\
	/* Go 1.26 added _Gleaked (GOEXPERIMENT=goroutineleakprofile). */ \
	X(G_LEAKED, g_leaked, "runtime._Gleaked", -1)			\
	/* Go 1.26 added _Gdeadextra for cgo callback Ms. */		\
	X(G_DEADEXTRA, g_deadextra, "runtime._Gdeadextra", -1)		\
	X(G_SCAN, g_scan, "runtime._Gscan", 0x1000)			\
	X(FING_RUNNING, fing_running_finalizer,				\
	  "runtime.fingRunningFinalizer", 2)				\
	/* Go 1.25 renumbered the special kinds (tiny blocks first). */	\
	X(KIND_SPECIAL_FINALIZER, kind_special_finalizer,		\
	  "runtime._KindSpecialFinalizer", -1)				\
	/* Go 1.23 added weak handles, 1.24 cleanups (span specials). */ \
	X(KIND_SPECIAL_WEAK_HANDLE, kind_special_weak_handle,		\
	  "runtime._KindSpecialWeakHandle", -1)				\
	X(KIND_SPECIAL_CLEANUP, kind_special_cleanup,			\
	  "runtime._KindSpecialCleanup", -1)

#define LD_RTM_ENUM(id, ...) LD_RTM_##id,
#define LD_RTS_ENUM(id, ...) LD_RTS_##id,
#define LD_RTC_ENUM(id, ...) LD_RTC_##id,
enum ld_rt_member_id { LD_RT_MEMBERS(LD_RTM_ENUM) LD_RT_NMEMBERS };
enum ld_rt_size_id { LD_RT_SIZES(LD_RTS_ENUM) LD_RT_NSIZES };
enum ld_rt_const_id { LD_RT_CONSTS(LD_RTC_ENUM) LD_RT_NCONSTS };
#undef LD_RTM_ENUM
#undef LD_RTS_ENUM
#undef LD_RTC_ENUM

/* Changes whenever the lists change, so stale generated tables are caught. */
#define LD_RT_STR_ID(id, ...) #id ","
#define LD_RT_FIELDS_SIGNATURE						\
	LD_RT_MEMBERS(LD_RT_STR_ID) "|" LD_RT_SIZES(LD_RT_STR_ID) "|"	\
	LD_RT_CONSTS(LD_RT_STR_ID)

#define LD_RT_CONST_ABSENT INT64_MIN

/* One Go release's layout, recorded from a reference build's DWARF. */
struct ld_layout {
	int go_minor;
	const char *reference;		/* e.g. "go1.26.10" */
	int64_t members[LD_RT_NMEMBERS];	/* LD_RT_NO_FIELD if absent */
	int64_t sizes[LD_RT_NSIZES];
	int64_t consts[LD_RT_NCONSTS];	/* LD_RT_CONST_ABSENT if absent */
};

/* Generated (ext/layouts_gen.c): the tables and the list they were made for. */
extern const struct ld_layout ld_layouts[];
extern const unsigned int ld_nlayouts;
extern const char ld_layouts_signature[];

#endif
