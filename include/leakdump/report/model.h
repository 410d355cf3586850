/* SPDX-License-Identifier: MIT */
/*
 * The grouping model every grouped report format reads (text, --group-by
 * blocker, json; pprof, HTML or snapshot diffs next): the shown
 * goroutines of a session grouped by (state, visible stack, creator and,
 * with --prove, verdict).  Stacks are interned once, so a million
 * goroutines on a handful of stacks cost a handful of stack records plus
 * two words per goroutine.
 *
 * A format is one function over a built model (ext/report/report.c picks
 * it); it reads the records below and never changes them.
 *
 * Lifetimes: ld_report_model_build allocates the model; the caller frees
 * it with ld_report_model_destroy, which also frees the blocking objects
 * and --prove results it holds.  The model points into the session (frame
 * names and files, status texts, goroutine indexes into s->gs): the
 * session must outlive it and must not reload its goroutines meanwhile.
 */
#ifndef LD_REPORT_MODEL_H
#define LD_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/model/session.h"
#include "leakdump/model/traceback.h"
#include "leakdump/prove/prove.h"

/* Ends a group's goroutine chain; a hidden goroutine's group. */
#define LD_REPORT_NONE UINT32_MAX

/* One interned visible stack: frames[first .. first + nframes). */
struct ld_report_stack {
	uint64_t hash;
	size_t first;		/* index into the model's frames */
	uint32_t nframes;
	const char *error;	/* walk error shared by this stack */
};

/*
 * One group: the key (stack_id, status, gopc, verdict) and what its
 * goroutines share.  Goroutines are indexes into s->gs, chained in
 * allgs order from first_g through the model's next_g.
 */
struct ld_report_group {
	uint32_t stack_id;
	const char *status;		/* ld_goroutine_status_text */
	uint64_t status_hash;		/* of the text: equal texts, equal hash */
	uint64_t gopc;			/* the go statement that created them */
	size_t count;
	int64_t min_wait, max_wait;	/* minutes */
	uint32_t first_g, last_g;	/* goroutine index chain */
	uint8_t verdict;		/* --prove: part of the key */
	uint32_t nobjects;		/* distinct first blocking objects */
	uint32_t retained;		/* leaked groups: index + 1 into
					 * the model's retained, else 0 */
	uint32_t label;			/* --group-by label: index + 1 into
					 * the model's labels; 0: none */
};

/* A pprof label value the groups share (--group-by label:KEY). */
struct ld_report_label {
	char *value;		/* NUL-terminated copy, the model's */
	size_t len;
	size_t count;		/* goroutines with this value */
};

/*
 * What a dump of a process cost it (shown by text and json for live and
 * debugger-held targets, never for cores).  Who stops the process
 * decides what target_s is:
 *   paused  (the caller stopped it and let it go in opts->release): from
 *           the stop to the resume, exactly;
 *   !paused (a debugger holds it): from the session's first read (the
 *           host's, of the threads; or this report's start, for a reused
 *           session) to the last read.
 * total_s runs from the earlier of those starts to the end of the
 * analysis: formatting the output is not in it.
 */
struct ld_report_cost {
	bool shown;
	bool paused;
	double target_s;
	double total_s;
	/* what this report (with the session's opening, the first time) read
	 * from the target: transfers and bytes */
	uint64_t reads, read_bytes;
};

/*
 * Groups are sorted: with --prove leaked first, then may-wake, then live;
 * then biggest first; ties by the lowest goroutine id.  A group's index
 * is its id in the json output.
 */
struct ld_report_model {
	struct ld_report_group *groups;
	size_t ngroups;
	struct ld_report_stack *stacks;
	size_t nstacks;
	struct ld_visible_frame *frames;	/* the stacks' frames */
	size_t nframes;
	uint32_t *next_g;	/* per goroutine: next in its group */
	uint32_t *g_group;	/* per goroutine: group index, or
				 * LD_REPORT_NONE when not shown */
	uint32_t *g_shape;	/* per goroutine: its stack's shape
				 * (model/shapes.h): goroutines of one
				 * shape unwind to the same pcs, runtime
				 * frames too; LD_REPORT_NONE: not walked */
	uint32_t nshapes;
	size_t hidden;		/* system goroutines not shown */
	struct ld_blocking *blk;	/* NULL: --no-blocking */
	struct ld_prove *pv;		/* --prove; NULL otherwise */
	struct ld_retained *retained;	/* per leaked group (--prove) */
	size_t nretained;
	bool why;		/* --why: show may-wake groups' paths
				 * (ld_prove_why_goroutine) */
	/* Filters (--state, --function, --min-wait): shown goroutines they
	 * dropped (in no group); filter_desc says which filters ran ("--state
	 * 'chan' --min-wait 5m"), NULL when none did. */
	size_t filtered_out;
	char *filter_desc;
	/* --group-by label:KEY: the key and the values seen */
	char *label_key;
	struct ld_report_label *labels;
	size_t nlabels;
	struct ld_report_cost cost;	/* ld_report fills it */
};

/*
 * Which shown goroutines to keep, and --group-by label:KEY.  The strings
 * are the caller's and only read while building.  A goroutine is kept
 * when it passes every filter that is set.
 */
struct ld_report_filter {
	const char *state;	/* POSIX extended regex on the state text as
				 * printed ("chan receive"); NULL: any */
	const char *function;	/* regex on any visible frame's function
				 * name (inlined frames too); NULL: any */
	int64_t min_wait_ns;	/* blocked at least this long (the runtime's
				 * wait start, stamped at GCs); <= 0: any */
	const char *min_wait_text;	/* as the user wrote it, for headers */
	const char *label;	/* group by this pprof label key; NULL: not */
};

/* What to group and what to find out about the groups. */
struct ld_report_model_opts {
	bool all;		/* include runtime-internal goroutines */
	bool no_blocking;	/* skip blocking objects */
	bool prove;		/* leak verdicts (needs blocking objects) */
	bool why;		/* with prove: record reference paths */
	struct ld_report_filter filter;
};

/*
 * Group the session's goroutines as opts asks.  Loads the goroutines if
 * need be, finds
 * blocking objects and, with opts->prove, verdicts and what each leaked
 * group retains.  Also sets each grouped goroutine's stack_id and, when
 * its walk fails, its note.  On error *ret is NULL.
 */
struct ld_error *ld_report_model_build(struct ld_session *s,
				       const struct ld_report_model_opts *opts,
				       struct ld_report_model **ret);

/*
 * A compiled filter, for formats that do not group (go) and for building.
 * ld_report_match_new: LD_ERR_INVALID with a one-line message for a bad
 * regex; the caller frees *ret with ld_report_match_free.
 */
struct ld_report_match;
struct ld_error *ld_report_match_new(const struct ld_report_filter *f,
				     struct ld_report_match **ret);
void ld_report_match_free(struct ld_report_match *m);	/* NULL is fine */
/* Whether any filter is set (else every goroutine passes). */
bool ld_report_match_active(const struct ld_report_match *m);
/* g's state and wait pass (the cheap part, before a walk). */
bool ld_report_match_goroutine(struct ld_report_match *m,
			       const struct ld_session *s,
			       const struct ld_goroutine *g);
/* Some frame's function passes --function (true without it). */
bool ld_report_match_frames(const struct ld_report_match *m,
			    const struct ld_visible_frame *f, uint32_t n);
/* "--state 'x' --min-wait 5m": malloc'd, the caller's; NULL: no filter. */
char *ld_report_filter_desc(const struct ld_report_filter *f);

/* Frees m and what it owns (blk, pv, retained); NULL is fine. */
void ld_report_model_destroy(struct ld_report_model *m);

/* Grouping keeps at most this many visible frames of a stack. */
#define LD_REPORT_MAX_FRAMES 4096

/*
 * The visible frames of g as grouping sees them, innermost first, into
 * frames[LD_REPORT_MAX_FRAMES] (the caller's); none for a goroutine
 * running without a stack.  A walk error comes back in *error (session
 * storage, else NULL) and becomes g's note, as when grouping.  Returns
 * the number of frames; their strings live as long as the session.
 */
uint32_t ld_report_goroutine_frames(struct ld_session *s,
				    struct ld_goroutine *g,
				    struct ld_visible_frame *frames,
				    const char **error);

/* Whether a report shows g: runtime-internal goroutines only with --all. */
static inline bool ld_report_shown(const struct ld_goroutine *g, bool all)
{
	return all || !(g->flags & LD_G_SYSTEM);
}

/* The visible frames of grp's stack, innermost first (NULL when none). */
static inline const struct ld_visible_frame *
ld_report_frames(const struct ld_report_model *m,
		 const struct ld_report_group *grp, uint32_t *n)
{
	const struct ld_report_stack *st = &m->stacks[grp->stack_id];

	*n = st->nframes;
	return st->nframes ? &m->frames[st->first] : NULL;
}

/* Every goroutine index gi of grp, in allgs order. */
#define ld_report_for_each_g(m, grp, gi)				\
	for (uint32_t gi = (grp)->first_g; gi != LD_REPORT_NONE;	\
	     gi = (m)->next_g[gi])

/* What a leaked group pins (--prove), or NULL. */
static inline const struct ld_retained *
ld_report_retained(const struct ld_report_model *m,
		   const struct ld_report_group *grp)
{
	return grp->retained ? &m->retained[grp->retained - 1] : NULL;
}

/*
 * The blocking objects of grp's first goroutine (n of them, none without
 * blocking objects); with grp->nobjects > 1 the group's goroutines wait on
 * different objects and these are one example.
 */
static inline const struct ld_blocker *
ld_report_blockers(const struct ld_report_model *m,
		   const struct ld_report_group *grp, unsigned int *n)
{
	*n = 0;
	return m->blk ? ld_blocking_of(m->blk, grp->first_g, n) : NULL;
}

/*
 * Why --prove gave a goroutine its verdict (an LD_WHY_* of ld_prove.why)
 * as a phrase, "unreachable"; NULL when there is nothing to say.
 */
const char *ld_report_why_text(uint8_t why);

#endif
