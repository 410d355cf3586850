// SPDX-License-Identifier: MIT
/*
 * The runtime structures decoded from target memory: allgs and each g
 * (ext/model/goroutines.c), the sudogs, hchans, semaphore treaps, timers
 * and sync primitives they wait on (ext/blocking/), the stacks the
 * unwinder walks, and the reports built from them (ext/report/).
 *
 * The session is tests/unit/synth's (a small pclntab with runtime
 * functions, Go 1.26 wait reasons and status names) with the runtime
 * layout of one recorded release; the target's memory is the input:
 *
 *	u64 &allgs (the []*g slice header), u64 &allglen,
 *	u8 layout index (mod the recorded releases), u8 report flags,
 *	6 bytes unused, then memory segments (fuzz_common.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "go/rt_fields.h"
#include "leakdump/report/report.h"
#include "synth_blocking.h"

#define HDR 24

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_report_opts opts = { .format = LD_FORMAT_TEXT };
	const struct ld_layout *l;
	struct synth_blocking *sb;
	struct ld_session *s;
	uint8_t flags;

	if (size < HDR)
		return 0;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	sb = sb_open();
	if (!sb)
		abort();
	s = sb->s;
	l = &ld_layouts[data[16] % ld_nlayouts];
	flags = data[17];
	ld_rt_apply_layout(s->rt, l);
	s->rt->go_minor = l->go_minor;
	ld_rt_resolve_caps(s->rt);
	s->rt->allgs = fuzz_u64(data);
	s->rt->allglen = fuzz_u64(data + 8);
	/* Live-like memory: no core mapping to page or trim. */
	s->target.ops = &ld_target_callback_ops;
	fuzz_add_segments(s->mem, data + HDR, size - HDR);

	ld_error_destroy(ld_session_load_goroutines(s));
	ld_error_destroy(sb_build(sb));
	if ((flags & 3) == 1)
		opts.format = LD_FORMAT_JSON;
	else if ((flags & 3) == 2)
		opts.format = LD_FORMAT_GO;
	if (flags & 4)
		opts.group_by = LD_GROUP_BLOCKER;
	opts.all = flags & 8;
	opts.prove = flags & 16;
	ld_error_destroy(ld_report(s, &opts, devnull));
	if (s->ngs)
		ld_error_destroy(ld_report_goroutine(s, s->gs[0].goid,
						     devnull));
	sb_close(sb);
	return 0;
}
