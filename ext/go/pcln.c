// SPDX-License-Identifier: MIT
/*
 * Decoder for the Go 1.20+ pclntab (magic 0xfffffff1).
 *
 * Layout (runtime/symtab.go, cmd/link/internal/ld/pcln.go): a pcHeader, then
 * funcnametab, cutab, filetab, pctab and pclntable, each located by an
 * offset in the header.  pclntable starts with the ftab, nfunc+1 pairs of
 * {entryoff, funcoff} (u32 each), followed by the _func records that the
 * funcoffs point at.
 *
 * Every read is checked against the span of the table it belongs to, so a
 * corrupt table yields an error or "not found", never a stray read.  Only
 * little-endian targets are supported (the rest of leakdump is amd64).
 */
#include <stdlib.h>
#include <string.h>

#include "leakdump/go/pcln.h"

#define PCLN_MAGIC		0xfffffff1u
#define PCLN_MAGIC_SWAPPED	0xf1ffffffu
#define FUNCDATA_ABSENT		0xffffffffu
#define CUTAB_ABSENT		0xffffffffu

/* _func fixed part: ten u32 fields, then funcID, flag, pad, nfuncdata. */
#define FUNC_FIXED_SIZE		44
#define FTAB_ENTRY_SIZE		8
/* runtime.inlinedCall: funcID u8, pad[3], nameOff, parentPc, startLine. */
#define INLINED_CALL_SIZE	16
/* A pc-value varint never needs more than 5 bytes for 32 bits. */
#define VARINT_MAX_BYTES	5
/*
 * Real inlining chains are a few dozen deep at most (the inliner's budget
 * bounds them); this only stops a corrupt tree that loops.
 */
#define MAX_INLINE_DEPTH	1024

struct span {
	size_t off;	/* from the start of the pcHeader */
	size_t len;
};

struct ld_pcln {
	const uint8_t *data;
	size_t size;
	uint64_t text_start;
	const uint8_t *gofunc;
	size_t gofunc_size;
	uint8_t ptr_size;
	uint8_t min_lc;
	uint32_t nfunc;
	struct span funcnames, cutab, filetab, pctab, pclntable;
	const uint8_t *ftab;	/* data + pclntable.off */
	/* Built on first name lookup: ftab index + 1 per slot, 0 if empty. */
	uint32_t *name_slots;
	uint32_t name_mask;
	bool name_hash_failed;
};

static inline uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	/* memcpy: the buffers carry no alignment promise (and UBSan checks) */
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline int32_t get_i32(const uint8_t *p)
{
	return (int32_t)get_u32(p);
}

static uint64_t get_uptr(const uint8_t *p, unsigned int ptr_size)
{
	uint64_t v = 0;

	memcpy(&v, p, ptr_size);
	return v;
}

/* NUL-terminated string at off inside span s, or NULL if it runs out. */
static const char *span_string(const struct ld_pcln *p, const struct span *s,
			       uint64_t off)
{
	const uint8_t *start;

	if (off >= s->len)
		return NULL;
	start = p->data + s->off + off;
	if (!memchr(start, '\0', s->len - off))
		return NULL;
	return (const char *)start;
}

/* ---- opening ---------------------------------------------------------- */

/*
 * The header gives only where each table starts; a table ends where the
 * next one (in address order) starts, or at the end of the buffer.
 */
static void set_span_ends(struct span **spans, size_t n, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		size_t end = size;

		for (size_t j = 0; j < n; j++)
			if (spans[j]->off > spans[i]->off &&
			    spans[j]->off < end)
				end = spans[j]->off;
		spans[i]->len = end - spans[i]->off;
	}
}

static struct ld_error *read_header(struct ld_pcln *p)
{
	unsigned int ps;
	size_t hdr_size;
	uint64_t nfunc, offs[5];
	struct span *spans[5] = {
		&p->funcnames, &p->cutab, &p->filetab, &p->pctab,
		&p->pclntable,
	};

	if (p->size < 8)
		return ld_error_create(LD_ERR_FORMAT, "pclntab: truncated header");
	if (get_u32(p->data) == PCLN_MAGIC_SWAPPED)
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "pclntab: big-endian target");
	if (get_u32(p->data) != PCLN_MAGIC)
		return ld_error_create(LD_ERR_FORMAT,
				       "pclntab: bad magic %#x (need Go 1.20+)",
				       get_u32(p->data));
	p->min_lc = p->data[6];
	p->ptr_size = p->data[7];
	ps = p->ptr_size;
	if (ps != 4 && ps != 8)
		return ld_error_create(LD_ERR_FORMAT,
				       "pclntab: bad pointer size %u", ps);
	if (p->min_lc != 1 && p->min_lc != 2 && p->min_lc != 4)
		return ld_error_create(LD_ERR_FORMAT,
				       "pclntab: bad instruction quantum %u",
				       p->min_lc);
	hdr_size = 8 + 8 * (size_t)ps;
	if (p->size < hdr_size)
		return ld_error_create(LD_ERR_FORMAT, "pclntab: truncated header");

	nfunc = get_uptr(p->data + 8, ps);
	if (nfunc >= UINT32_MAX / FTAB_ENTRY_SIZE)
		return ld_error_create(LD_ERR_FORMAT,
				       "pclntab: implausible nfunc %llu",
				       (unsigned long long)nfunc);
	p->nfunc = (uint32_t)nfunc;
	/* a zero header textStart (Go 1.26+) is fine when the config has one */
	if (!p->text_start)
		p->text_start = get_uptr(p->data + 8 + 2 * ps, ps);

	for (size_t i = 0; i < 5; i++) {
		offs[i] = get_uptr(p->data + 8 + (3 + i) * ps, ps);
		if (offs[i] < hdr_size || offs[i] > p->size)
			return ld_error_create(LD_ERR_FORMAT,
					       "pclntab: table %zu offset %#llx outside %zu bytes",
					       i, (unsigned long long)offs[i],
					       p->size);
		spans[i]->off = (size_t)offs[i];
	}
	set_span_ends(spans, 5, p->size);
	return NULL;
}

/*
 * One pass over the ftab at open time: it must fit, be sorted (the binary
 * search relies on it) and point at _func records that fit.  Per-call code
 * then only re-checks the variable-length tail of a record.
 */
static struct ld_error *check_ftab(struct ld_pcln *p)
{
	size_t need = ((size_t)p->nfunc + 1) * FTAB_ENTRY_SIZE;
	uint32_t prev = 0;

	if (p->pclntable.len < need)
		return ld_error_create(LD_ERR_FORMAT,
				       "pclntab: ftab of %u functions truncated",
				       p->nfunc);
	p->ftab = p->data + p->pclntable.off;
	for (uint32_t i = 0; i <= p->nfunc; i++) {
		const uint8_t *e = p->ftab + (size_t)i * FTAB_ENTRY_SIZE;
		uint32_t entry = get_u32(e);

		if (entry < prev)
			return ld_error_create(LD_ERR_FORMAT,
					       "pclntab: ftab not sorted at %u", i);
		prev = entry;
		if (i < p->nfunc &&
		    (size_t)get_u32(e + 4) + FUNC_FIXED_SIZE > p->pclntable.len)
			return ld_error_create(LD_ERR_FORMAT,
					       "pclntab: _func %u outside table", i);
	}
	return NULL;
}

struct ld_error *ld_pcln_open(const struct ld_pcln_config *cfg,
			      struct ld_pcln **ret)
{
	struct ld_pcln *p;
	struct ld_error *err;

	*ret = NULL;
	if (!cfg || !cfg->data)
		return ld_error_create(LD_ERR_INVALID, "pclntab: no data");
	p = calloc(1, sizeof(*p));
	if (!p)
		return &ld_error_nomem;
	p->data = cfg->data;
	p->size = cfg->size;
	p->text_start = cfg->text_start;
	p->gofunc = cfg->gofunc;
	p->gofunc_size = cfg->gofunc ? cfg->gofunc_size : 0;

	err = read_header(p);
	if (!err)
		err = check_ftab(p);
	if (err) {
		free(p);
		return err;
	}
	*ret = p;
	return NULL;
}

void ld_pcln_destroy(struct ld_pcln *p)
{
	if (!p)
		return;
	free(p->name_slots);
	free(p);
}

uint64_t ld_pcln_text_start(const struct ld_pcln *p)
{
	return p->text_start;
}

uint32_t ld_pcln_nfunc(const struct ld_pcln *p)
{
	return p->nfunc;
}

/* ---- functions -------------------------------------------------------- */

static inline uint32_t ftab_entry(const struct ld_pcln *p, uint32_t i)
{
	return get_u32(p->ftab + (size_t)i * FTAB_ENTRY_SIZE);
}

const char *ld_pcln_name_at(const struct ld_pcln *p, int32_t name_off)
{
	/*
	 * The runtime's funcName answers "" for offset 0, but offset 0 is a
	 * real name: the first function's (internal/abi.BoundsDecode in Go
	 * 1.26), which inline trees may also reference.  Decode it.
	 */
	if (name_off < 0)
		return NULL;
	return span_string(p, &p->funcnames, (uint64_t)name_off);
}

/* Decode the _func for ftab slot i; false if the record is corrupt. */
static bool decode_func(const struct ld_pcln *p, uint32_t i,
			struct ld_func *f)
{
	const uint8_t *e = p->ftab + (size_t)i * FTAB_ENTRY_SIZE;
	size_t funcoff = get_u32(e + 4);
	const uint8_t *raw = p->data + p->pclntable.off + funcoff;
	size_t tail;

	/* check_ftab guaranteed the fixed part; the arrays are checked here */
	f->npcdata = get_u32(raw + 28);
	f->nfuncdata = raw[43];
	tail = ((size_t)f->npcdata + f->nfuncdata) * 4;
	if (f->npcdata > p->pclntable.len ||
	    funcoff + FUNC_FIXED_SIZE + tail > p->pclntable.len)
		return false;
	/* a record that disagrees with its ftab slot would mislead lookups */
	if (get_u32(raw) != get_u32(e))
		return false;
	f->name = ld_pcln_name_at(p, get_i32(raw + 4));
	if (!f->name)
		return false;
	f->entry = p->text_start + get_u32(raw);
	f->args = get_i32(raw + 8);
	f->deferreturn = get_u32(raw + 12);
	f->pcsp = get_u32(raw + 16);
	f->pcfile = get_u32(raw + 20);
	f->pcln = get_u32(raw + 24);
	f->cu_offset = get_u32(raw + 32);
	f->start_line = get_i32(raw + 36);
	f->funcid = raw[40];
	f->flag = raw[41];
	f->raw = raw;
	return true;
}

bool ld_pcln_func_at(const struct ld_pcln *p, uint32_t i, struct ld_func *ret)
{
	if (i >= p->nfunc)
		return false;
	return decode_func(p, i, ret);
}

bool ld_pcln_find_func(const struct ld_pcln *p, uint64_t pc,
		       struct ld_func *ret)
{
	uint64_t off64;
	uint32_t off, lo, hi;

	if (p->nfunc == 0 || pc < p->text_start)
		return false;
	off64 = pc - p->text_start;
	if (off64 > UINT32_MAX)
		return false;
	off = (uint32_t)off64;
	/* the last ftab entry is the end of text, not a function */
	if (off < ftab_entry(p, 0) || off >= ftab_entry(p, p->nfunc))
		return false;
	/* find the last i with entry[i] <= off; entry[lo] <= off holds */
	lo = 0;
	hi = p->nfunc;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ftab_entry(p, mid) <= off)
			lo = mid;
		else
			hi = mid;
	}
	return decode_func(p, lo, ret);
}

/* ---- name lookup ------------------------------------------------------ */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static inline uint32_t next_slot(const struct ld_pcln *p, uint32_t h)
{
	return (h + 1) & p->name_mask;
}

/* Open addressing, load <= 1/2; the first function with a name wins. */
static void build_name_hash(struct ld_pcln *p)
{
	uint32_t nslots = 2;
	struct ld_func f;

	while (nslots < 2 * (uint64_t)p->nfunc && nslots < (1u << 31))
		nslots <<= 1;
	p->name_slots = calloc(nslots, sizeof(*p->name_slots));
	if (!p->name_slots) {
		p->name_hash_failed = true;
		return;
	}
	p->name_mask = nslots - 1;
	for (uint32_t i = 0; i < p->nfunc; i++) {
		uint32_t h;

		if (!decode_func(p, i, &f))
			continue;
		h = name_hash(f.name) & p->name_mask;
		for (uint32_t n = 0; n < nslots; n++, h = next_slot(p, h)) {
			struct ld_func other;

			if (!p->name_slots[h]) {
				p->name_slots[h] = i + 1;
				break;
			}
			if (decode_func(p, p->name_slots[h] - 1, &other) &&
			    !strcmp(other.name, f.name))
				break;
		}
	}
}

static bool find_by_name_linear(const struct ld_pcln *p, const char *name,
				struct ld_func *ret)
{
	for (uint32_t i = 0; i < p->nfunc; i++)
		if (decode_func(p, i, ret) && !strcmp(ret->name, name))
			return true;
	return false;
}

bool ld_pcln_find_func_by_name(struct ld_pcln *p, const char *name,
			       struct ld_func *ret)
{
	uint32_t h;

	if (!p->name_slots && !p->name_hash_failed)
		build_name_hash(p);
	if (!p->name_slots)
		return find_by_name_linear(p, name, ret);
	h = name_hash(name) & p->name_mask;
	for (uint32_t n = 0; n <= p->name_mask; n++, h = next_slot(p, h)) {
		if (!p->name_slots[h])
			return false;
		if (decode_func(p, p->name_slots[h] - 1, ret) &&
		    !strcmp(ret->name, name))
			return true;
	}
	return false;
}

/* ---- pc-value tables -------------------------------------------------- */

/* Unsigned LEB128 of at most 32 bits; false if truncated or too long. */
static inline bool read_uvarint(const uint8_t **pos, const uint8_t *end,
				uint32_t *ret)
{
	const uint8_t *q = *pos;
	uint32_t v = 0;

	for (unsigned int shift = 0; shift < 7 * VARINT_MAX_BYTES; shift += 7) {
		uint8_t b;

		if (q >= end)
			return false;
		b = *q++;
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pos = q;
			*ret = v;
			return true;
		}
	}
	return false;
}

/*
 * Each step is (value delta zigzag-encoded, pc delta in quanta); the value
 * applies up to, not including, the new pc.  The value starts at -1 and a
 * zero value delta ends the table, except while the pc is still at the
 * entry (there it means "the first value is -1").
 */
struct ld_error *ld_pcln_value(const struct ld_pcln *p,
			       const struct ld_func *f, uint32_t table,
			       uint64_t pc, int32_t *ret)
{
	const uint8_t *pos, *end;
	uint64_t cur = f->entry;
	uint32_t val = (uint32_t)-1;

	*ret = -1;
	if (table == 0)
		return NULL;
	if (table >= p->pctab.len)
		return ld_error_create(LD_ERR_FORMAT,
				       "pclntab: pc-value table %#x outside pctab",
				       table);
	pos = p->data + p->pctab.off + table;
	end = p->data + p->pctab.off + p->pctab.len;
	/* every step eats at least two bytes, so this loop is bounded */
	for (;;) {
		uint32_t uv, pcdelta;

		if (pos >= end)
			goto truncated;
		/* as the runtime: "first" lasts while the pc has not moved */
		if (*pos == 0 && cur != f->entry)
			break;
		if (!read_uvarint(&pos, end, &uv) ||
		    !read_uvarint(&pos, end, &pcdelta))
			goto truncated;
		/* wrap-around arithmetic like the runtime's int32 adds */
		val += (uv >> 1) ^ (0u - (uv & 1));
		cur += (uint32_t)(pcdelta * p->min_lc);
		if (pc < cur) {
			*ret = (int32_t)val;
			return NULL;
		}
	}
	return ld_error_create(LD_ERR_NOT_FOUND,
			       "pclntab: pc %#llx past table %#x of %s",
			       (unsigned long long)pc, table, f->name);
truncated:
	return ld_error_create(LD_ERR_FORMAT,
			       "pclntab: pc-value table %#x of %s is truncated",
			       table, f->name);
}

struct ld_error *ld_pcln_spdelta(const struct ld_pcln *p,
				 const struct ld_func *f, uint64_t pc,
				 int32_t *ret)
{
	return ld_pcln_value(p, f, f->pcsp, pc, ret);
}

/*
 * The variable tail of f's record (pcdata then funcdata offsets), after
 * checking that it lies inside pclntable: f may be a caller's copy.
 */
static const uint8_t *func_tail(const struct ld_pcln *p,
				const struct ld_func *f)
{
	/* integers, not pointers: f->raw may point into another object */
	uintptr_t lo = (uintptr_t)(p->data + p->pclntable.off);
	uintptr_t hi = lo + p->pclntable.len;
	uintptr_t raw = (uintptr_t)f->raw;
	size_t tail = ((size_t)f->npcdata + f->nfuncdata) * 4;

	if (raw < lo || raw > hi || hi - raw < FUNC_FIXED_SIZE ||
	    hi - raw - FUNC_FIXED_SIZE < tail)
		return NULL;
	return f->raw + FUNC_FIXED_SIZE;
}

int32_t ld_pcln_pcdata(const struct ld_pcln *p, const struct ld_func *f,
		       uint32_t idx, uint64_t pc)
{
	const uint8_t *tail;
	struct ld_error *err;
	int32_t val;

	if (idx >= f->npcdata)
		return -1;
	tail = func_tail(p, f);
	if (!tail)
		return -1;
	/* like the runtime's non-strict lookup: any failure reads as -1 */
	err = ld_pcln_value(p, f, get_u32(tail + 4 * (size_t)idx), pc, &val);
	if (err) {
		ld_error_destroy(err);
		return -1;
	}
	return val;
}

/* Offset of funcdata idx in gofunc, or FUNCDATA_ABSENT. */
static uint32_t funcdata_off(const struct ld_pcln *p, const struct ld_func *f,
			     uint32_t idx)
{
	const uint8_t *tail;

	if (idx >= f->nfuncdata)
		return FUNCDATA_ABSENT;
	tail = func_tail(p, f);
	if (!tail)
		return FUNCDATA_ABSENT;
	return get_u32(tail + 4 * ((size_t)f->npcdata + idx));
}

const uint8_t *ld_pcln_funcdata(const struct ld_pcln *p,
				const struct ld_func *f, uint32_t idx)
{
	uint32_t off = funcdata_off(p, f, idx);

	if (off == FUNCDATA_ABSENT || off >= p->gofunc_size)
		return NULL;
	return p->gofunc + off;
}

/* ---- files and lines -------------------------------------------------- */

static const char *file_name(const struct ld_pcln *p, const struct ld_func *f,
			     int32_t fileno)
{
	uint64_t idx = (uint64_t)f->cu_offset + (uint32_t)fileno;
	uint32_t fileoff;
	const char *name;

	/* the runtime also bounds fileno by the filetab's byte length */
	if (fileno < 0 || (uint64_t)fileno >= p->filetab.len ||
	    idx >= p->cutab.len / 4)
		return "?";
	fileoff = get_u32(p->data + p->cutab.off + idx * 4);
	if (fileoff == CUTAB_ABSENT)
		return "?";
	name = span_string(p, &p->filetab, fileoff);
	return name ? name : "?";
}

void ld_pcln_file_line(const struct ld_pcln *p, const struct ld_func *f,
		       uint64_t pc, const char **file, int32_t *line)
{
	struct ld_error *err;
	int32_t fileno, ln;

	*file = "?";
	*line = 0;
	err = ld_pcln_value(p, f, f->pcfile, pc, &fileno);
	if (!err)
		err = ld_pcln_value(p, f, f->pcln, pc, &ln);
	if (err) {
		ld_error_destroy(err);
		return;
	}
	if (fileno == -1 || ln == -1)
		return;
	*file = file_name(p, f, fileno);
	*line = ln;
}

/* ---- inline expansion ------------------------------------------------- */

static void emit_frame(const struct ld_pcln *p, const struct ld_func *f,
		       uint64_t pc, struct ld_logical_frame *fr)
{
	fr->pc = pc;
	ld_pcln_file_line(p, f, pc, &fr->file, &fr->line);
}

/*
 * Mirrors the runtime's inlineUnwinder: the inline-tree index at pc names
 * the innermost inlined call (or -1: f itself); that entry's parentPc is
 * an instruction of the caller at the call site, whose own index gives the
 * next frame out.
 */
size_t ld_pcln_expand(const struct ld_pcln *p, const struct ld_func *f,
		      uint64_t sym_pc, struct ld_logical_frame *out,
		      size_t max)
{
	uint32_t tree = funcdata_off(p, f, LD_FUNCDATA_INL_TREE);
	uint64_t pc = sym_pc;
	size_t n = 0;
	int32_t idx = -1;

	if (tree != FUNCDATA_ABSENT && tree < p->gofunc_size)
		idx = ld_pcln_pcdata(p, f, LD_PCDATA_INL_TREE_INDEX, pc);
	while (idx >= 0 && n < MAX_INLINE_DEPTH) {
		uint64_t at = tree + (uint64_t)idx * INLINED_CALL_SIZE;
		const uint8_t *call;

		if (at + INLINED_CALL_SIZE > p->gofunc_size)
			break;	/* corrupt index: fall back to f itself */
		call = p->gofunc + at;
		if (n < max) {
			const char *nm = ld_pcln_name_at(p, get_i32(call + 4));

			out[n].name = nm ? nm : "?";
			out[n].funcid = call[0];
			out[n].start_line = get_i32(call + 12);
			out[n].inlined = true;
			out[n].name_flags = 0;
			emit_frame(p, f, pc, &out[n]);
		}
		n++;
		pc = f->entry + (uint64_t)(int64_t)get_i32(call + 8);
		idx = ld_pcln_pcdata(p, f, LD_PCDATA_INL_TREE_INDEX, pc);
	}
	if (n < max) {
		out[n].name = f->name;
		out[n].funcid = f->funcid;
		out[n].start_line = f->start_line;
		out[n].inlined = false;
		out[n].name_flags = 0;
		emit_frame(p, f, pc, &out[n]);
	}
	return n + 1;
}
