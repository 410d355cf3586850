// SPDX-License-Identifier: MIT
/*
 * Marking: a depth-first walk with an explicit stack of (span, slot)
 * pairs, and the root ranges it starts from.  The per-word step
 * (ld_prove_mark_word, ld_prove_scan_words) is inline in prove_priv.h.
 */
#include <stdlib.h>

#include "prove/prove_priv.h"

#define MAX_RANGE	(1ull << 40)	/* sanity bound on one root range */

void ld_prove_unreadable(struct ld_mark *p, uint64_t addr, uint64_t len)
{
	if (!p->st->unreadable_bytes)
		p->st->first_unreadable = addr;
	p->st->unreadable_bytes += len;
}

/* Scan [lo, hi) of target memory conservatively, page by page if needed. */
static void scan_range(struct ld_mark *p, uint64_t lo, uint64_t hi)
{
	lo = (lo + 7) & ~7ull;
	hi &= ~7ull;
	if (hi <= lo || hi - lo > MAX_RANGE)
		return;
	p->scan_lo = lo;
	p->scan_hi = hi;
	while (lo < hi) {
		size_t n = hi - lo < SCAN_CHUNK ? hi - lo : SCAN_CHUNK;
		const uint8_t *v = ld_mem_peek(p->mem, lo, n);

		if (!v && ld_prove_rd(p, lo, p->buf, n))
			v = p->buf;
		if (v) {
			ld_prove_scan_words(p, lo, v, n);
		} else {
			/* Part of it is missing: go page by page. */
			for (size_t o = 0; o < n;) {
				size_t k = 4096 - ((lo + o) & 4095);

				k = k < n - o ? k : n - o;
				if (!ld_prove_rd(p, lo + o, p->buf, k))
					ld_prove_unreadable(p, lo + o, k);
				else
					ld_prove_scan_words(p, lo + o, p->buf,
							    k);
				o += k;
			}
		}
		lo += n;
	}
}

/*
 * The bytes of span sid through the span cache, or NULL (too big, no
 * cache, unreadable: then the caller reads the object itself).
 */
const uint8_t *ld_prove_span_bytes(struct ld_mark *p, uint32_t sid)
{
	const struct pv_span *sp = &p->spans[sid];
	uint64_t len = ld_prove_span_read_len(sp);
	struct ld_error *err;
	struct span_buf *b;

	if (len > SPAN_CACHE_MAX)
		return NULL;
	if (!p->span_cache) {
		/* Zero-copy memory (a core) needs no cache. */
		if (ld_mem_peek(p->mem, sp->base, len))
			return NULL;
		p->span_cache = calloc(SPAN_CACHE_SLOTS, sizeof(*p->span_cache));
		if (!p->span_cache)
			return NULL;
	}
	b = &p->span_cache[sid % SPAN_CACHE_SLOTS];
	if (b->sid1 != sid + 1) {
		if (!b->data && !(b->data = malloc(SPAN_CACHE_MAX)))
			return NULL;
		b->sid1 = sid + 1;
		err = ld_mem_read_direct(p->mem, sp->base, b->data, len);
		b->ok = !err;
		ld_error_destroy(err);
	}
	return b->ok ? b->data : NULL;
}

/*
 * The object's bytes: mapped (a core), from the span cache, or read whole
 * into p->buf; NULL: precise.c reads it piecewise.
 */
const uint8_t *ld_prove_object_bytes(struct ld_mark *p, uint32_t sid,
				     uint64_t base, uint64_t size)
{
	const uint8_t *v;

	if (p->mem_is_buffer)
		return ld_mem_peek(p->mem, base, size);
	v = ld_prove_span_bytes(p, sid);
	if (v)
		return v + (base - p->spans[sid].base);
	if (size <= SCAN_CHUNK && ld_prove_rd(p, base, p->buf, size))
		return p->buf;
	return NULL;
}

void ld_prove_drain(struct ld_mark *p)
{
	size_t since_trim = 0;

	ld_prove_from(p, LD_PATH_OBJECT, 0);	/* --why: objects mark here */
	while (p->nstack) {
		uint64_t e = p->stack[--p->nstack], base, size;
		uint32_t sid = (uint32_t)(e >> 32);
		const uint8_t *v;

		ld_prove_object_range(p, sid, (uint32_t)e, &base, &size);
		p->st->scanned_bytes += size;
		v = ld_prove_object_bytes(p, sid, base, size);
		ld_prove_scan_object(p, sid, base, size, v);
		since_trim += size;
		if (since_trim > (64u << 20)) {
			ld_prove_trim(p);
			since_trim = 0;
		}
	}
}

/* Count [lo, hi) as root memory about to be scanned. */
void ld_prove_begin_root(struct ld_mark *p, uint64_t lo, uint64_t hi)
{
	p->st->root_ranges++;
	p->st->root_bytes += hi - lo;
	p->scan_lo = lo;
	p->scan_hi = hi;
}

/* Scan a root range, counting it. */
void ld_prove_root_range(struct ld_mark *p, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return;
	p->st->root_ranges++;
	p->st->root_bytes += hi - lo;
	scan_range(p, lo, hi);
	if (hi - lo > (64u << 20))
		ld_prove_trim(p);
}

/*
 * Mark an object without scanning it (g structs, sudogs); false when it
 * is not a heap object or was marked already.
 */
bool ld_prove_mark_opaque(struct ld_mark *p, uint64_t addr)
{
	uint32_t sid, slot;

	if (!ld_prove_find_object(p, addr, &sid, &slot) ||
	    ld_prove_bit_get(p->mark, p->spans[sid].bit + slot))
		return false;
	ld_prove_bit_set(p->mark, p->spans[sid].bit + slot);
	return true;
}
