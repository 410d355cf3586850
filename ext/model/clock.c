// SPDX-License-Identifier: MIT
/*
 * A core has no "now"; wait minutes are measured against the newest
 * timestamp the runtime left.  One damaged g must not move everyone's
 * minutes, so a goroutine's waitsince counts only when something else
 * vouches for it:
 *   - every real waitsince is a copy of work.tstart, the start of the GC
 *     cycle that first saw the goroutine parked (mgcmark.go, markroot),
 *     so none is newer than the current work.tstart when that is known;
 *   - else (stripped binaries) it must be shared with another goroutine
 *     (one GC stamps all it finds), lie within a minute of the runtime's
 *     own clocks, or within a minute of the next older timestamp.
 */
#include "leakdump/model/clock.h"
#include "leakdump/model/session.h"
#include "leakdump/target/mem.h"

#define MINUTE_NS	60000000000ll
/* Past this a nanotime is no clock of a process on this planet (146 y). */
#define MAX_NANOTIME	(1ll << 62)

void ld_clock_note(struct ld_clock_top *top, int64_t t)
{
	unsigned int i;

	if (t <= 0 || t >= MAX_NANOTIME)
		return;
	if (top->n == LD_CLOCK_TOP && t < top->when[LD_CLOCK_TOP - 1])
		return;
	for (i = 0; i < top->n && top->when[i] > t; i++)
		;
	if (i < top->n && top->when[i] == t) {
		top->count[i]++;
		return;
	}
	if (top->n < LD_CLOCK_TOP)
		top->n++;
	for (unsigned int j = top->n - 1; j > i; j--) {
		top->when[j] = top->when[j - 1];
		top->count[j] = top->count[j - 1];
	}
	top->when[i] = t;
	top->count[i] = 1;
}

static int64_t read_clock(struct ld_session *s, uint64_t var, int64_t off)
{
	uint64_t v = 0;
	struct ld_error *err;

	if (!var || off < 0)
		return 0;
	err = ld_mem_read_u64(s->mem, var + s->bias + (uint64_t)off, &v);
	if (err) {
		ld_error_destroy(err);
		return 0;
	}
	return (int64_t)v > 0 && (int64_t)v < MAX_NANOTIME ? (int64_t)v : 0;
}

struct clock_pick {
	int64_t when;
	const char *source;
};

static void consider(struct clock_pick *p, int64_t t, const char *source)
{
	if (t > p->when) {
		p->when = t;
		p->source = source;
	}
}

/* Is top->when[i] vouched for (see the comment at the top)? */
static bool plausible(const struct ld_clock_top *top, unsigned int i,
		      int64_t tstart, int64_t clocks)
{
	int64_t t = top->when[i];

	if (tstart)
		return t <= tstart;
	return top->count[i] > 1 || (clocks && t <= clocks + MINUTE_NS) ||
	       (i + 1 < top->n && t - top->when[i + 1] <= MINUTE_NS);
}

void ld_clock_settle(struct ld_session *s, const struct ld_clock_top *top)
{
	const struct ld_rt *rt = s->rt;
	struct clock_pick p = { 0, NULL };
	int64_t tstart;
	unsigned int i;

	if (!s->now_estimated)
		return;
	consider(&p, read_clock(s, rt->sched, rt->sched_lastpoll),
		 "sched.lastpoll");
	consider(&p, read_clock(s, rt->sched,
				rt->clocks.sched_procresizetime),
		 "sched.procresizetime");
	tstart = read_clock(s, rt->clocks.work, rt->clocks.work_tstart);
	consider(&p, tstart, "work.tstart (the last GC's start)");
	consider(&p, read_clock(s, rt->clocks.memstats,
				rt->clocks.last_gc_nanotime),
		 "memstats.last_gc_nanotime (the last GC's end)");
	s->clock.outliers = 0;
	for (i = 0; i < top->n; i++) {
		if (plausible(top, i, tstart, p.when))
			break;
		s->clock.outliers += top->count[i];
	}
	if (i < top->n)
		consider(&p, top->when[i], "the newest goroutine wait timestamp");
	s->now = p.when;
	s->clock.source = p.source;
}
