/* SPDX-License-Identifier: MIT */
/*
 * Assemble a small Go 1.20+ pclntab in memory from a compact description,
 * for the pcln unit tests.  Header-only on purpose: every non-test_*.c file
 * in tests/unit is linked into every unit test binary.
 *
 * Layout, as the Go linker writes it: pcHeader, funcnametab, cutab,
 * filetab, pctab (which starts with a zero byte so that offset 0 can mean
 * "no table"), then pclntable (ftab followed by the _func records).
 */
#ifndef SYNTH_PCLN_H
#define SYNTH_PCLN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SYNTH_ABSENT		0xffffffffu
#define SYNTH_MAX_NAMES		64
#define SYNTH_MAX_PCDATA	4
#define SYNTH_MAX_FUNCDATA	8
#define SYNTH_MAX_FUNCS		40

/* val holds for pcs below entry + end; a list ends with end == 0. */
struct synth_range {
	int32_t val;
	uint32_t end;
};

struct synth_func {
	const char *name;
	uint32_t entry;			/* offset from the text start */
	int32_t args;
	int32_t start_line;
	uint8_t funcid, flag;
	uint32_t cu_offset;
	/* NULL: no table */
	const struct synth_range *pcsp, *pcfile, *pcln;
	uint32_t npcdata;
	const struct synth_range *pcdata[SYNTH_MAX_PCDATA];
	uint8_t nfuncdata;
	uint32_t funcdata[SYNTH_MAX_FUNCDATA];	/* gofunc offsets */
};

struct synth_desc {
	const struct synth_func *funcs;
	uint32_t nfunc;
	uint32_t text_end;		/* the final ftab entry */
	const char *const *files;	/* cutab order; NULL gives ~0 */
	uint32_t nfiles;
	const char *const *extra_names;	/* inline callees; NULL-ended */
	const uint8_t *raw_pctab;	/* appended to pctab verbatim */
	size_t raw_pctab_len;
	uint8_t min_lc;			/* 0 means 1 */
	uint8_t ptr_size;		/* 0 means 8 */
	uint64_t header_text_start;
};

struct synth_tab {
	uint8_t *buf;
	size_t size, cap;
	size_t hdr_size;
	size_t funcnametab, cutab, filetab, pctab, pclntab;	/* offsets */
	size_t raw_off;			/* raw_pctab, from pctab */
	size_t func_off[SYNTH_MAX_FUNCS];	/* _func records, absolute */
	uint32_t nnames;
	const char *names[SYNTH_MAX_NAMES];
	uint32_t name_offs[SYNTH_MAX_NAMES];
	bool failed;
};

static inline void synth_put(struct synth_tab *t, const void *p, size_t n)
{
	if (t->failed)
		return;
	if (t->size + n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		uint8_t *nb;

		while (cap < t->size + n)
			cap *= 2;
		nb = realloc(t->buf, cap);
		if (!nb) {
			t->failed = true;
			return;
		}
		memset(nb + t->cap, 0, cap - t->cap);
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->size, p, n);
	t->size += n;
}

static inline void synth_put_u8(struct synth_tab *t, uint8_t v)
{
	synth_put(t, &v, 1);
}

static inline void synth_put_u32(struct synth_tab *t, uint32_t v)
{
	synth_put(t, &v, 4);
}

static inline void synth_set(struct synth_tab *t, size_t off, uint64_t v,
			     size_t n)
{
	if (!t->failed)
		memcpy(t->buf + off, &v, n);
}

static inline void synth_uvarint(struct synth_tab *t, uint32_t v)
{
	while (v >= 0x80) {
		synth_put_u8(t, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	synth_put_u8(t, (uint8_t)v);
}

static inline void synth_align4(struct synth_tab *t)
{
	while (t->size % 4)
		synth_put_u8(t, 0);
}

static inline void synth_add_name(struct synth_tab *t, const char *name)
{
	if (t->nnames >= SYNTH_MAX_NAMES) {
		t->failed = true;
		return;
	}
	t->names[t->nnames] = name;
	t->name_offs[t->nnames++] = (uint32_t)(t->size - t->funcnametab);
	synth_put(t, name, strlen(name) + 1);
}

/* funcnametab offset of name, or SYNTH_ABSENT. */
static inline uint32_t synth_name_off(const struct synth_tab *t,
				      const char *name)
{
	for (uint32_t i = 0; i < t->nnames; i++)
		if (!strcmp(t->names[i], name))
			return t->name_offs[i];
	return SYNTH_ABSENT;
}

/*
 * Encode a pc-value table the way the Go linker does: value deltas
 * zigzag-encoded from a starting value of -1, pc deltas in quanta, runs of
 * equal values merged (a zero delta would end the table), a zero byte last.
 */
static inline uint32_t synth_pctable(struct synth_tab *t,
				     const struct synth_range *r,
				     uint8_t min_lc)
{
	uint32_t off = (uint32_t)(t->size - t->pctab);
	int32_t prev_val = -1;
	uint32_t prev_end = 0;

	if (!r)
		return 0;
	for (; r->end; r++) {
		int32_t d;

		if (r[1].end && r[1].val == r->val)
			continue;	/* merged into the next range */
		d = (int32_t)((uint32_t)r->val - (uint32_t)prev_val);
		synth_uvarint(t, ((uint32_t)d << 1) ^ (uint32_t)(d >> 31));
		synth_uvarint(t, (r->end - prev_end) / min_lc);
		prev_val = r->val;
		prev_end = r->end;
	}
	synth_put_u8(t, 0);
	return off;
}

struct synth_func_tabs {
	uint32_t pcsp, pcfile, pcln;
	uint32_t pcdata[SYNTH_MAX_PCDATA];
};

static inline void synth_put_func(struct synth_tab *t,
				  const struct synth_func *f,
				  const struct synth_func_tabs *tabs)
{
	synth_put_u32(t, f->entry);
	synth_put_u32(t, synth_name_off(t, f->name));
	synth_put_u32(t, (uint32_t)f->args);
	synth_put_u32(t, 0);			/* deferreturn */
	synth_put_u32(t, tabs->pcsp);
	synth_put_u32(t, tabs->pcfile);
	synth_put_u32(t, tabs->pcln);
	synth_put_u32(t, f->npcdata);
	synth_put_u32(t, f->cu_offset);
	synth_put_u32(t, (uint32_t)f->start_line);
	synth_put_u8(t, f->funcid);
	synth_put_u8(t, f->flag);
	synth_put_u8(t, 0);
	synth_put_u8(t, f->nfuncdata);
	for (uint32_t i = 0; i < f->npcdata; i++)
		synth_put_u32(t, tabs->pcdata[i]);
	for (uint32_t i = 0; i < f->nfuncdata; i++)
		synth_put_u32(t, f->funcdata[i]);
}

static inline void synth_pctabs(struct synth_tab *t, const struct synth_desc *d,
				struct synth_func_tabs *tabs)
{
	uint8_t lc = d->min_lc ? d->min_lc : 1;

	t->pctab = t->size;
	synth_put_u8(t, 0);
	for (uint32_t i = 0; i < d->nfunc; i++) {
		const struct synth_func *f = &d->funcs[i];
		uint32_t npcdata = f->npcdata < SYNTH_MAX_PCDATA ?
				   f->npcdata : SYNTH_MAX_PCDATA;

		tabs[i].pcsp = synth_pctable(t, f->pcsp, lc);
		tabs[i].pcfile = synth_pctable(t, f->pcfile, lc);
		tabs[i].pcln = synth_pctable(t, f->pcln, lc);
		for (uint32_t j = 0; j < npcdata; j++)
			tabs[i].pcdata[j] = synth_pctable(t, f->pcdata[j], lc);
	}
	/*
	 * Pad so that the raw bytes end exactly where pctab ends (pclntable
	 * is 4-aligned): tests rely on them running into the end of pctab.
	 */
	while ((t->size + d->raw_pctab_len) % 4)
		synth_put_u8(t, 0);
	t->raw_off = t->size - t->pctab;
	if (d->raw_pctab)
		synth_put(t, d->raw_pctab, d->raw_pctab_len);
}

static inline void synth_header(struct synth_tab *t, const struct synth_desc *d)
{
	size_t ps = d->ptr_size ? d->ptr_size : 8;
	size_t offs[5] = {
		t->funcnametab, t->cutab, t->filetab, t->pctab, t->pclntab,
	};

	synth_set(t, 0, 0xfffffff1u, 4);
	synth_set(t, 6, d->min_lc ? d->min_lc : 1, 1);
	synth_set(t, 7, ps, 1);
	synth_set(t, 8, d->nfunc, ps);
	synth_set(t, 8 + ps, d->nfiles, ps);
	synth_set(t, 8 + 2 * ps, d->header_text_start, ps);
	for (size_t i = 0; i < 5; i++)
		synth_set(t, 8 + (3 + i) * ps, offs[i], ps);
}

/* Build the table described by d into t; false on allocation failure. */
static inline bool synth_build(const struct synth_desc *d, struct synth_tab *t)
{
	struct synth_func_tabs tabs[SYNTH_MAX_FUNCS] = { { 0 } };
	size_t ps = d->ptr_size ? d->ptr_size : 8;
	size_t funcs_start;
	uint32_t name_pos = 0;

	memset(t, 0, sizeof(*t));
	if (d->nfunc > SYNTH_MAX_FUNCS)
		return false;
	t->hdr_size = 8 + 8 * ps;
	for (size_t i = 0; i < t->hdr_size; i++)
		synth_put_u8(t, 0);

	t->funcnametab = t->size;
	for (uint32_t i = 0; i < d->nfunc; i++)
		synth_add_name(t, d->funcs[i].name);
	for (; d->extra_names && d->extra_names[name_pos]; name_pos++)
		synth_add_name(t, d->extra_names[name_pos]);

	/* filetab is laid out after cutab, so compute its offsets first */
	t->cutab = t->size;
	t->filetab = t->cutab + 4 * (size_t)d->nfiles;
	name_pos = 0;
	for (uint32_t i = 0; i < d->nfiles; i++) {
		const char *fn = d->files[i];

		synth_put_u32(t, fn ? name_pos : SYNTH_ABSENT);
		if (fn)
			name_pos += (uint32_t)strlen(fn) + 1;
	}
	for (uint32_t i = 0; i < d->nfiles; i++)
		if (d->files[i])
			synth_put(t, d->files[i], strlen(d->files[i]) + 1);

	synth_pctabs(t, d, tabs);

	synth_align4(t);
	t->pclntab = t->size;
	funcs_start = ((size_t)d->nfunc + 1) * 8;
	for (uint32_t i = 0; i < d->nfunc; i++) {
		const struct synth_func *f = &d->funcs[i];

		synth_put_u32(t, f->entry);
		synth_put_u32(t, (uint32_t)funcs_start);
		funcs_start += 44 + 4 * ((size_t)f->npcdata + f->nfuncdata);
	}
	synth_put_u32(t, d->text_end);
	synth_put_u32(t, 0);
	for (uint32_t i = 0; i < d->nfunc; i++) {
		t->func_off[i] = t->size;
		synth_put_func(t, &d->funcs[i], &tabs[i]);
	}
	synth_header(t, d);
	return !t->failed;
}

static inline void synth_free(struct synth_tab *t)
{
	free(t->buf);
	t->buf = NULL;
}

/* One runtime.inlinedCall (16 bytes) at gofunc + off. */
static inline void synth_inlined_call(uint8_t *gofunc, size_t off,
				      uint8_t funcid, uint32_t name_off,
				      int32_t parent_pc, int32_t start_line)
{
	memset(gofunc + off, 0, 16);
	gofunc[off] = funcid;
	memcpy(gofunc + off + 4, &name_off, 4);
	memcpy(gofunc + off + 8, &parent_pc, 4);
	memcpy(gofunc + off + 12, &start_line, 4);
}

#endif
