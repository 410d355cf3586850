/* SPDX-License-Identifier: MIT */
/*
 * Pieces of the json report (ext/report/json.c) on their own, for callers
 * that want one part without the whole document (the Python API reads the
 * groups, the objects or one goroutine's blocking list).  Each piece is the
 * very text the whole report holds at that place.
 *
 * Output goes to a caller-owned FILE * or struct ld_strbuf; the model is
 * borrowed (see leakdump/report/model.h for its lifetime).
 */
#ifndef LD_REPORT_JSON_H
#define LD_REPORT_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "leakdump/base/strbuf.h"
#include "leakdump/report/model.h"

enum ld_json_part {
	LD_JSON_GROUPS,		/* the "groups" array */
	LD_JSON_OBJECTS,	/* the "objects" array; null without blocking */
};

struct ld_error *ld_report_json_part(struct ld_session *s,
				     const struct ld_report_model *gr,
				     enum ld_json_part part, FILE *out);

/*
 * The "blocking" array of goroutine index gi (gr->blk must be set): its
 * objects, with id lists cut as the report cuts them.
 */
void ld_report_json_blocking(const struct ld_session *s,
			     const struct ld_report_model *gr, size_t gi,
			     struct ld_strbuf *sb);

#endif
