/* SPDX-License-Identifier: MIT */
/*
 * "Now" on a target with no clock (a core): estimated from the runtime's
 * own clocks and the goroutines' wait timestamps, with outliers (a damaged
 * g's waitsince) rejected.  All state lives in the session; nothing here
 * allocates.
 */
#ifndef LD_MODEL_CLOCK_H
#define LD_MODEL_CLOCK_H

#include <stdint.h>

struct ld_session;

/* The newest distinct wait timestamps kept while goroutines load. */
#define LD_CLOCK_TOP 8

struct ld_clock_top {
	int64_t when[LD_CLOCK_TOP];	/* descending */
	uint32_t count[LD_CLOCK_TOP];	/* goroutines with that waitsince */
	unsigned int n;
};

/* Note one goroutine's waitsince (0 = none) while loading. */
void ld_clock_note(struct ld_clock_top *top, int64_t waitsince);

/*
 * Settle s->now for an estimated clock: reads the runtime's clocks
 * (sched.lastpoll, sched.procresizetime, work.tstart,
 * memstats.last_gc_nanotime; unreadable ones are skipped) and combines
 * them with the wait timestamps noted.  Sets s->clock.
 */
void ld_clock_settle(struct ld_session *s, const struct ld_clock_top *top);

#endif
