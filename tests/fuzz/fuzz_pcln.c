// SPDX-License-Identifier: MIT
/*
 * The pclntab and its tables (ext/go/pcln.c): the header and ftab checks,
 * then for the first functions everything a traceback asks: the _func
 * record, pcsp, pcfile/pcln, pcdata, funcdata, the inline tree, lookups
 * by pc and by name.  The input is the pclntab; funcdata offsets index the
 * same bytes (standing in for go:func.*).
 */
#include <stdint.h>
#include <stdlib.h>

#include "leakdump/go/pcln.h"

#define FUZZ_FUNCS	64
#define FUZZ_FRAMES	16

static void poke_func(struct ld_pcln *p, const struct ld_func *f, uint64_t pc)
{
	struct ld_logical_frame frames[FUZZ_FRAMES];
	struct ld_func g;
	const char *file;
	int32_t line, v;
	size_t n;

	ld_error_destroy(ld_pcln_spdelta(p, f, pc, &v));
	ld_error_destroy(ld_pcln_value(p, f, f->pcsp, pc, &v));
	for (uint32_t i = 0; i < 4; i++)
		ld_pcln_pcdata(p, f, i, pc);
	for (uint32_t i = 0; i < 8; i++)
		ld_pcln_funcdata(p, f, i);
	ld_pcln_file_line(p, f, pc, &file, &line);
	if (!file)
		abort();
	n = ld_pcln_expand(p, f, pc, frames, FUZZ_FRAMES);
	for (size_t i = 0; i < n && i < FUZZ_FRAMES; i++)
		if (!frames[i].name || !frames[i].file)
			abort();
	if (ld_pcln_find_func(p, pc, &g) && g.name)
		ld_pcln_find_func_by_name(p, g.name, &g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_pcln_config cfg = {
		.data = data, .size = size,
		.gofunc = data, .gofunc_size = size,
	};
	struct ld_pcln *p;
	struct ld_error *err;
	struct ld_func f;
	uint32_t nfunc;

	err = ld_pcln_open(&cfg, &p);
	if (err) {
		ld_error_destroy(err);
		return 0;
	}
	nfunc = ld_pcln_nfunc(p);
	for (uint32_t i = 0; i < nfunc && i < FUZZ_FUNCS; i++) {
		if (!ld_pcln_func_at(p, i, &f))
			continue;
		poke_func(p, &f, f.entry);
		poke_func(p, &f, f.entry + 1 + (i * 37) % 0x200);
		ld_pcln_name_at(p, (int32_t)(i * 7));
	}
	/* Past the last function, before the first, and a missing name. */
	ld_pcln_find_func(p, ld_pcln_text_start(p) - 1, &f);
	ld_pcln_find_func(p, UINT64_MAX, &f);
	ld_pcln_find_func_by_name(p, "runtime.gopark", &f);
	ld_pcln_destroy(p);
	return 0;
}
