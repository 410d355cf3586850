/* SPDX-License-Identifier: MIT */
/*
 * Reports over a loaded session: the runtime's own dump text ("go"), a
 * grouped summary ("text"), a machine-readable form ("json") and a
 * goroutine profile for `go tool pprof` ("pprof", binary).
 * Output is written to a caller-owned FILE *.
 */
#ifndef LD_REPORT_H
#define LD_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "leakdump/model/session.h"
#include "leakdump/report/model.h"

enum ld_format {
	LD_FORMAT_TEXT,
	LD_FORMAT_GO,
	LD_FORMAT_JSON,
	LD_FORMAT_PPROF,	/* gzipped profile.proto: binary output */
	LD_FORMAT_HTML,		/* one self-contained page */
};

enum ld_group_by {
	LD_GROUP_STACK,		/* state + stack + creator (default) */
	LD_GROUP_BLOCKER,	/* the object waited on, whatever the stack */
};

/*
 * What a report found, for a caller that acts on it (the command line's
 * --fail-on-leak): the --prove verdict counts its summary line prints.
 */
struct ld_report_totals {
	bool proved;		/* --prove ran: the fields below are set */
	bool proven;		/* no gaps: "leaked" is a proof */
	uint64_t verdicts[4];	/* goroutines per enum ld_verdict */
};

/*
 * Called once when a report has read the target for the last time, before
 * it formats (or, for formats that read while they write, after): the
 * caller may let the process go.  Returns the seconds the process was
 * stopped and sets *stopped_at (ld_seconds()) to when it stopped, or
 * returns a negative value when it did not stop it.  After it, the
 * session's memory is sealed (ld_mem_seal): it is a snapshot.
 */
typedef double ld_report_release_fn(void *arg, double *stopped_at);

struct ld_report_opts {
	enum ld_format format;
	bool all;		/* include runtime-internal goroutines */
	const char *executable;	/* for headers; may be NULL */
	enum ld_group_by group_by;
	bool no_blocking;	/* skip blocking objects (text/json) */
	bool prove;		/* leak verdicts (ext/prove/; text/json) */
	bool why;		/* with prove: each may-wake group's path
				 * from a root to its primitive */
	bool pprof_labels;	/* pprof: the goroutines' own labels too */
	struct ld_report_filter filter;	/* --state, --function, --min-wait,
					 * --group-by label:KEY (every format
					 * filters; go does not group) */
	struct ld_report_totals *totals;	/* caller's; filled when
						 * not NULL */
	ld_report_release_fn *release;	/* NULL: the target stays stopped */
	void *release_arg;
};

struct ld_error *ld_report(struct ld_session *s,
			   const struct ld_report_opts *opts, FILE *out);

/* One goroutine's traceback (go-bt): header and frames, runtime text. */
struct ld_error *ld_report_goroutine(struct ld_session *s, uint64_t goid,
				     FILE *out);

/*
 * One primitive (go-chan, go-mutex): its state, waiters and (mutexes)
 * candidate holders; kind is LD_BK_CHAN or LD_BK_MUTEX (a mutex address
 * may also be an RWMutex).
 */
struct ld_error *ld_report_object(struct ld_session *s, int kind,
				  uint64_t addr, FILE *out);

/* One line per goroutine: id, state, top user frame (go-goroutines). */
struct ld_error *ld_report_list(struct ld_session *s, bool all, FILE *out);

#endif
