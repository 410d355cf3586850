/* SPDX-License-Identifier: MIT */
/*
 * Goroutine tracebacks in exactly the text the runtime prints for
 * runtime.Stack(buf, true) (pprof goroutine debug=2, traceback level 1),
 * and the logical-frame walk the other report formats share.
 *
 * Output goes to a caller-owned struct ld_strbuf.
 */
#ifndef LD_TRACEBACK_H
#define LD_TRACEBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "leakdump/model/session.h"
#include "leakdump/base/strbuf.h"

/* "goroutine N [status...]:\n" as goroutineheader prints it. */
void ld_traceback_header(struct ld_session *s, const struct ld_goroutine *g,
			 struct ld_strbuf *sb);
/* Frames, elision, "created by" lines; a walk error adds a note line. */
void ld_traceback_body(struct ld_session *s, struct ld_goroutine *g,
		       struct ld_strbuf *sb);

/* One visible logical frame, as the runtime would print it. */
struct ld_visible_frame {
	const char *name;	/* raw function name (pclntab storage) */
	const char *file;
	int32_t line;
	uint64_t pc;		/* physical frame pc */
	uint64_t entry;		/* entry of the physical function */
	bool inlined;
};

/*
 * Call fn for each frame the runtime would print (no elision), innermost
 * first; stop early when fn returns false.  Returns the number of frames
 * visited.  Uses the same visibility rules as the traceback.
 */
typedef bool ld_frame_fn(void *arg, const struct ld_visible_frame *f);
unsigned int ld_traceback_walk(struct ld_session *s,
			       const struct ld_goroutine *g, ld_frame_fn *fn,
			       void *arg, const char **error);

/* The "created by" frame of g, if the runtime would print one. */
bool ld_traceback_created_by(struct ld_session *s,
			     const struct ld_goroutine *g,
			     struct ld_visible_frame *ret);

/* Append a function name as printFuncName does ("[...]" for generics). */
void ld_print_func_name(struct ld_strbuf *sb, const char *name);

#endif
