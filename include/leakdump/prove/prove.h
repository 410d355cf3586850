/* SPDX-License-Identifier: MIT */
/*
 * Leak proofs: which parked goroutines nothing can ever wake.
 *
 * A conservative mark over the target's heap, in the spirit of the Go
 * 1.27 runtime's goroutine leak detector (runtime/mgc.go,
 * findGoroutineLeaks), but from outside and for every supported release:
 *
 *   roots    the data and bss of every module (minus runtime.semtable);
 *            the stacks and g structs of goroutines that are running,
 *            runnable, in a system call or waiting on anything but a
 *            user concurrency primitive; every thread's registers; the
 *            runtime's off-heap roots as the GC walks them (the objects
 *            that carry a finalizer, their contents, and the span
 *            specials' records: finalizers, weak handles, cleanups; the
 *            queued finalizers and cleanups; each P's tiny block); in a
 *            pure-Go program the thread stacks outside the heap, in a
 *            cgo program (or when a runtime structure cannot be found)
 *            every other writable mapping outside the Go heap instead
 *            (C heap, thread stacks, the runtime's off-heap memory),
 *            minus the runtime's own span structures;
 *   marking  any pointer word that points into an allocated object marks
 *            it (object bounds from the arena index, spans and allocation
 *            bits); a marked object is scanned through the runtime's own
 *            pointer bitmaps as the GC does (heap bits, malloc headers,
 *            mspan.largeType, Go 1.21's arena bitmap), word by word only
 *            when they cannot be read (counted);
 *   dead     with the GC off, an allocated slot of a span not yet swept
 *            whose mark bit the last cycle left clear is garbage: no
 *            object at all;
 *   opaque   g structs and the sudogs of waiting goroutines are never
 *            scanned (they link every waiter to what it waits on);
 *   fixpoint a goroutine blocked on channels, mutexes, WaitGroups, Conds
 *            or semaphores may wake once any of them is marked or lies
 *            outside the heap, but one on a goroutine's stack only once
 *            that goroutine is a root or may wake (only it can refer to
 *            its stack; ext/prove/engine.c); its stack and g then become
 *            roots.
 *
 * What is still blocked only on unmarked primitives is leaked: since
 * marking over-approximates reachability, that is a proof, unless memory
 * could not be read (a gap), which downgrades it to a suspicion.
 *
 * Mark state: one bit per heap object slot (at most one bit per heap
 * word), next to a copy of the allocation bits.
 *
 * Ownership: ld_prove_run() returns a struct ld_prove that the caller
 * frees with ld_prove_destroy(), which frees its verdict arrays, the heap
 * it opened and its marking engine.  It borrows the session and the
 * blocking index, which must outlive it.  The struct ld_retained that
 * ld_prove_retained() fills is the caller's; the type names in it belong
 * to the struct ld_prove and stay valid until ld_prove_destroy().
 * Errors returned are the caller's, freed with ld_error_destroy().
 *
 * The engine is split over ext/prove/ (see ext/prove/prove_priv.h).
 */
#ifndef LD_PROVE_H
#define LD_PROVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/prove/heap.h"
#include "leakdump/model/session.h"

enum ld_verdict {
	LD_VERDICT_NONE,	/* dead or not analysed */
	LD_VERDICT_LIVE,	/* runnable, running, syscall, other waits */
	LD_VERDICT_MAY_WAKE,	/* blocked, but on something reachable */
	LD_VERDICT_LEAKED,	/* blocked only on unreachable primitives */
};

const char *ld_verdict_name(enum ld_verdict v);	/* "leaked", ... */

/* Why a goroutine got its verdict (for notes). */
enum ld_verdict_why {
	LD_WHY_NONE,
	LD_WHY_UNREACHABLE,	/* every primitive it waits on is unmarked */
	LD_WHY_NIL_CHAN,	/* nil channel or select{}: never */
	LD_WHY_RUNTIME_LEAKED,	/* the runtime marked it _Gleaked (1.27) */
	LD_WHY_REACHABLE,	/* a primitive it waits on is marked */
	LD_WHY_NOT_IN_HEAP,	/* a primitive lies outside the heap */
	LD_WHY_UNKNOWN_OBJECT,	/* its primitive could not be found */
	LD_WHY_MAIN_SELECT,	/* main parked in select{} by design */
};

struct ld_prove_stats {
	uint64_t heap_bytes;		/* bytes of in-use heap spans */
	uint64_t spans, objects;	/* in-use spans, allocated objects */
	uint64_t marked_objects, marked_bytes;
	uint64_t scanned_bytes;		/* object bytes scanned */
	/* of which word by word: no pointer information could be read */
	uint64_t conservative_bytes, conservative_objects;
	/* Go 1.24+ types whose mask the runtime had not built: built here */
	uint64_t built_masks;
	/* allocated slots the last GC cycle found unreachable (not swept) */
	uint64_t dead_objects, dead_bytes;
	uint64_t root_bytes;		/* root memory scanned */
	uint64_t other_bytes;		/* of which outside the Go heap,
					 * swept conservatively */
	uint64_t thread_stack_bytes;	/* of which thread stacks, when the
					 * rest is walked by structure */
	uint64_t runtime_bytes;		/* of which runtime records walked */
	uint64_t root_ranges;
	uint64_t root_goroutines;	/* stacks scanned as roots */
	uint64_t precise_stacks;	/* of which through stack maps */
	/* runtime records: specials, queued entries, tiny blocks */
	uint64_t runtime_records;
	uint64_t finalizers, weak_handles, cleanups;	/* span specials */
	uint64_t queued;		/* finalizers and cleanups to run */
	uint64_t tiny_blocks;
	/*
	 * Why off-heap memory was swept conservatively rather than walked
	 * by structure (a static string), or NULL.
	 */
	const char *swept_why;
	uint32_t iterations;		/* fixed-point rounds */
	/* gaps: anything here makes "leaked" a suspicion */
	uint64_t unreadable_bytes;	/* root or object bytes not readable */
	uint64_t first_unreadable;
	uint64_t spans_unreadable;	/* spans / arenas the index lacks */
	bool no_mappings;		/* other writable memory not listed */
	bool specials_unknown;		/* span specials' layout unknown */
	double seconds;
};

struct ld_prove {
	uint8_t *verdict;		/* per goroutine: enum ld_verdict */
	uint8_t *why;			/* per goroutine: enum ld_verdict_why */
	uint64_t count[4];		/* goroutines per verdict */
	bool proven;			/* no gaps */
	char gaps[256];			/* what downgraded it, or "" */
	struct ld_prove_stats st;
	struct ld_mark *priv;		/* the engine; owned, private */
};

struct ld_prove_opts {
	/*
	 * --why: remember what marked each object (its parent object and
	 * the word's offset, or the root), so ld_prove_why_*() can say why a
	 * goroutine may wake.  Costs a hash map entry per marked object;
	 * without it marking records nothing.
	 */
	bool why;
};

/*
 * Analyse every goroutine of s.  b must have been built for s; opts may
 * be NULL (all off).  Fails (LD_ERR_UNSUPPORTED) when the heap's metadata
 * cannot be used at all.
 */
struct ld_error *ld_prove_run(struct ld_session *s, struct ld_blocking *b,
			      const struct ld_prove_opts *opts,
			      struct ld_prove **ret);
void ld_prove_destroy(struct ld_prove *p);	/* accepts NULL */

/* Heap retained by some leaked goroutines, biggest types first. */
#define LD_RETAINED_TOP 5
struct ld_retained_type {
	const char *name;		/* "[]uint8", "chan *main.Event", or
					 * "? (48-byte objects)" */
	uint64_t bytes, objects;
};

struct ld_retained {
	uint64_t bytes, objects;
	uint64_t stack_bytes;
	struct ld_retained_type top[LD_RETAINED_TOP];
	unsigned int ntop;
};

/*
 * Mark what the goroutines gis[0..n) reach that nothing else has marked
 * yet: the heap their leak pins.  Call it group by group, biggest first:
 * an object pinned by several groups counts for the first one asked.
 */
struct ld_error *ld_prove_retained(struct ld_prove *p, const uint32_t *gis,
				   size_t n, struct ld_retained *ret);

/*
 * Reference paths (--why): the first path marking found from a root to a
 * primitive, one step per hop, root first.  Every step but the root is a
 * heap object; a goroutine that the fixed point woke is a step too, and
 * the path goes on through the primitive whose mark woke it.  Paths are
 * cut (an LD_PATH_CUT step first) after LD_PATH_MAX steps, at a cycle or
 * where nothing was recorded.
 */
enum ld_path_kind {
	LD_PATH_OBJECT,		/* a heap object */
	LD_PATH_DATA,		/* a module's data or bss */
	LD_PATH_STACK,		/* a goroutine's stack */
	LD_PATH_G,		/* a goroutine's g struct */
	LD_PATH_REGS,		/* a thread's registers */
	LD_PATH_FINALIZER,	/* an object with a finalizer, or its record */
	LD_PATH_MAPPING,	/* writable memory outside the Go heap */
	LD_PATH_RUNTIME,	/* a queued finalizer or cleanup, a tiny block */
	LD_PATH_RANGE,		/* a root range given to the bare engine */
	LD_PATH_WAITER,		/* a woken waiter's range (bare engine) */
	LD_PATH_CUT,		/* the path goes on, unknown */
};

const char *ld_path_kind_name(enum ld_path_kind k);	/* "object", ... */

struct ld_path_step {
	enum ld_path_kind kind;
	/*
	 * OBJECT: its base; roots: the address of the word that pointed
	 * on (REGS: 0).
	 */
	uint64_t addr;
	/*
	 * OBJECT: the offset of the word pointing on (the last object: of
	 * the primitive); DATA: of the word inside its symbol; REGS: the
	 * register's index; G, FINALIZER, MAPPING, RANGE: inside lo..hi.
	 */
	uint64_t offset;
	uint64_t size;		/* OBJECT: its size */
	/*
	 * OBJECT: its type, NULL when unknown; DATA: the symbol (NULL: no
	 * symbols); STACK: the frame's function, NULL when the walk does not
	 * know it; REGS: the register.  Owned by the struct ld_prove or the
	 * session.
	 */
	const char *name;
	uint64_t goid;		/* STACK, G */
	int32_t tid;		/* REGS */
	uint64_t lo, hi;	/* G, FINALIZER, MAPPING, RANGE: the root range */
	/* STACK, G: the primitive whose mark woke it (0: a root itself) */
	uint64_t woken_by;
	const char *woken_kind;	/* "chan", "mutex", ... */
};

#define LD_PATH_MAX 32

struct ld_path {
	struct ld_path_step step[LD_PATH_MAX + 1];
	unsigned int n;
};

/*
 * The path to the object holding addr (a primitive's address).  false
 * (n = 0) when --why was not asked, addr is not a marked heap object, or
 * memory ran out.
 */
bool ld_prove_why_addr(struct ld_prove *pv, uint64_t addr,
		       struct ld_path *ret);
/* ... to the primitive of o (a blocking object). */
bool ld_prove_why_object(struct ld_prove *pv, const struct ld_object *o,
			 struct ld_path *ret);
/* ... to the first marked primitive goroutine gi waits on. */
bool ld_prove_why_goroutine(struct ld_prove *pv, size_t gi,
			    struct ld_path *ret);

/*
 * The marking engine alone, over a heap and target memory (used by
 * ld_prove_run; usable by tests and tools).  ld_mark_create indexes the
 * heap (spans, page tables, a copy of the allocation bits); roots are
 * scanned as they are added, marked objects when drained.
 *
 * Ownership: the engine borrows mem, rt and h (they must outlive it);
 * ld_mark_destroy frees only the engine.  ld_mark_stats points into the
 * engine (valid until ld_mark_destroy); the waiters and woke[] of
 * ld_mark_fixed_point are the caller's.
 */
struct ld_mark;

enum ld_mark_state {
	LD_MARK_NOT_HEAP,	/* not inside an allocated heap object */
	LD_MARK_UNMARKED,
	LD_MARK_MARKED,
};

struct ld_error *ld_mark_create(struct ld_mem *mem, const struct ld_rt *rt,
				struct ld_heap *h, struct ld_mark **ret);
void ld_mark_destroy(struct ld_mark *m);	/* accepts NULL */
void ld_mark_root(struct ld_mark *m, uint64_t lo, uint64_t hi);
/* Mark the object at addr without ever scanning it (g structs, sudogs). */
void ld_mark_opaque(struct ld_mark *m, uint64_t addr);
void ld_mark_drain(struct ld_mark *m);
enum ld_mark_state ld_mark_state(const struct ld_mark *m, uint64_t addr);
/*
 * Record what marks each object from now on (before any root); false when
 * out of memory.  ld_mark_why then gives the path to the object at addr
 * (roots: LD_PATH_RANGE for ld_mark_root, LD_PATH_WAITER with goid the
 * waiter's index for a woken waiter's ranges).
 */
bool ld_mark_why_enable(struct ld_mark *m);
bool ld_mark_why(struct ld_mark *m, uint64_t addr, struct ld_path *ret);
const struct ld_prove_stats *ld_mark_stats(const struct ld_mark *m);

/*
 * A goroutine blocked on primitives (addresses inside them), with what
 * becomes a root when it may wake: [lo[i], hi[i]) for i = 0, 1 (its stack
 * and its g; empty ranges allowed).  [lo[0], hi[0]) (with g: the g's
 * whole stack) is also where primitives count as reachable only once it
 * may wake.
 */
struct ld_mark_waiter {
	const uint64_t *prims;
	unsigned int nprims;
	uint64_t lo[2], hi[2];
	/* ld_prove_run: the goroutine, scanned frame by frame instead */
	const struct ld_goroutine *g;
};

#define LD_MARK_WOKE_MARKED	1	/* a primitive is marked */
#define LD_MARK_WOKE_NOT_HEAP	2	/* a primitive is outside the heap */
#define LD_MARK_WOKE_STACK	3	/* a primitive is on a live stack */

/*
 * A goroutine stack that is not a waiter's, declared before
 * ld_mark_fixed_point: live (a root's, already or about to be scanned)
 * or dead (a free g's, or one that can never run again).  A primitive
 * inside a live stack is reachable, inside a dead one never.  Primitives
 * outside every stack and outside the heap (module data, C memory) stay
 * reachable.  Overlapping stacks make an address in both count as outside
 * every stack.
 */
void ld_mark_stack(struct ld_mark *m, uint64_t lo, uint64_t hi, bool live);

/*
 * Drain, then wake every waiter one of whose primitives is marked, lies
 * in a live stack or in the stack of a waiter already woken, or lies
 * outside the heap and every stack; make its ranges roots, and repeat
 * until nothing changes.  woke[i] gets 0 (never woken: leaked) or
 * LD_MARK_WOKE_*.  Returns the number of rounds.
 */
unsigned int ld_mark_fixed_point(struct ld_mark *m,
				 const struct ld_mark_waiter *w, size_t n,
				 uint8_t *woke);

#endif
