/* SPDX-License-Identifier: MIT */
/*
 * A target: where a session's memory and process facts come from.  Each
 * kind (a live process, an ELF core file, memory read through a debugger
 * callback) is one table of operations in its own file, ext/target/live.c,
 * corefile.c and callback.c, chosen once when the session opens; the
 * analyses ask the table and never branch on the kind.
 *
 * Ownership: ld_target_open() fills a caller-provided struct ld_target; the
 * target owns its private state (a core's mapping, its thread registers)
 * until ld_target_close().  The memory segments it adds to the caller's
 * struct ld_mem may point into that state: destroy the ld_mem first.
 * ld_target_describe_fd() returns a malloc'd string the caller frees (and
 * ld_target_describe_fds() n of them).
 */
#ifndef LD_TARGET_H
#define LD_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/arch/arch.h"
#include "leakdump/base/error.h"
#include "leakdump/target/binary.h"
#include "leakdump/target/mem.h"

enum ld_target_kind {
	LD_TARGET_LIVE,		/* a process; memory via /proc/PID/mem */
	LD_TARGET_CORE,		/* an ELF core file */
	LD_TARGET_CALLBACK,	/* memory via a read callback (gdbserver...) */
};

struct ld_target_spec {
	enum ld_target_kind kind;
	const char *exe_path;		/* required */
	const char *core_path;		/* LD_TARGET_CORE */
	int pid;			/* LD_TARGET_LIVE (and informative) */
	ld_mem_read_fn *read;		/* LD_TARGET_CALLBACK */
	void *read_arg;
	/* Thread registers from the debugger; copied.  Optional for cores. */
	const struct ld_thread_regs *threads;
	size_t nthreads;
	uint64_t load_bias;		/* for LIVE/CALLBACK PIE targets */
	/*
	 * Where to look for a separate debug file, colon-separated, as GDB's
	 * debug-file-directory; NULL: LD_DEBUG_FILE_DIRECTORY.
	 */
	const char *debug_dirs;
};

struct ld_target;

/* One writable mapping [lo, hi); false stops the listing (out of memory). */
typedef bool ld_target_range_fn(void *arg, uint64_t lo, uint64_t hi);

/*
 * What a kind of target can do.  Operations a kind cannot do are NULL; the
 * ld_target_*() wrappers below then answer "unknown".
 */
struct ld_target_ops {
	const char *name;		/* as reports print it: "live", ... */
	/* Reads are copies out of a mapping: batching them gains nothing. */
	bool mapped;
	/* Add the target's memory to mem; set bias, pid, threads, priv. */
	struct ld_error *(*open)(struct ld_target *t,
				 const struct ld_target_spec *spec,
				 const struct ld_binary *bin,
				 struct ld_mem *mem);
	void (*close)(struct ld_target *t);
	/* Call fn for every writable mapping; false if they cannot be listed. */
	bool (*mappings)(const struct ld_target *t, ld_target_range_fn *fn,
			 void *arg);
	/*
	 * What each file descriptor fds[i] is ("pipe", "TCP 1.2.3.4:80
	 * LISTEN"...): out[i], malloc'd, or NULL.  All at once: a live
	 * process's socket tables are read once for all its fds.
	 */
	void (*describe_fds)(const struct ld_target *t, const int64_t *fds,
			     size_t n, char **out);
	/* The target's nanotime() now, when it can be read rather than guessed. */
	bool (*now)(const struct ld_target *t, int64_t *ret);
	/*
	 * The wall clock (ns since the Unix epoch) the state read is from: a
	 * live target's is the time of reading, a core's when it was written.
	 */
	bool (*wall)(const struct ld_target *t, int64_t *ret);
	/* Drop mapped pages from our resident set. */
	void (*trim)(struct ld_target *t);
	/* The file mapping reads are served from, for the pager. */
	const uint8_t *(*view)(const struct ld_target *t, size_t *size);
};

struct ld_target {
	const struct ld_target_ops *ops;
	void *priv;			/* the kind's own state, or NULL */
	int pid;			/* 0 if unknown */
	uint64_t bias;			/* the executable's load bias */
	/* The target's own thread registers (a core's notes); owned by it. */
	const struct ld_thread_regs *threads;
	size_t nthreads;
};

extern const struct ld_target_ops ld_target_live_ops;
extern const struct ld_target_ops ld_target_core_ops;
extern const struct ld_target_ops ld_target_callback_ops;

/*
 * Pick the operations for spec->kind and open the target into *t (zeroed
 * first).  On error *t may hold part of the state: ld_target_close() it.
 */
struct ld_error *ld_target_open(struct ld_target *t,
				const struct ld_target_spec *spec,
				const struct ld_binary *bin,
				struct ld_mem *mem);
/* Free the target's state; t itself is the caller's.  Accepts a zeroed t. */
void ld_target_close(struct ld_target *t);

/* The wrappers accept a target without operations (a zeroed one). */
const char *ld_target_name(const struct ld_target *t);	/* "?" if none */
bool ld_target_mapped(const struct ld_target *t);
bool ld_target_mappings(const struct ld_target *t, ld_target_range_fn *fn,
			void *arg);
char *ld_target_describe_fd(const struct ld_target *t, int64_t fd);
/* out[0..n): each a malloc'd string the caller frees, or NULL. */
void ld_target_describe_fds(const struct ld_target *t, const int64_t *fds,
			    size_t n, char **out);
bool ld_target_now(const struct ld_target *t, int64_t *ret);
/* ops->wall, or the time of the call for a kind without its own. */
int64_t ld_target_wall(const struct ld_target *t);
void ld_target_trim(struct ld_target *t);
const uint8_t *ld_target_view(const struct ld_target *t, size_t *size);

#endif
