// SPDX-License-Identifier: MIT
/*
 * Stripped-binary discovery, step 2 (ext/go/discover_*.c): from the
 * moduledata, the code of runtime functions and the data and bss they
 * reference, find allgs, allglen, the wait reason and status tables,
 * sched, the debug variables, semtable, mheap_ and the off-heap roots.
 * Everything it reads is the input:
 *
 *	u64 text (relocated), u64 text length, u64 &firstmoduledata
 *	(unrelocated), u64 load bias, u8 layout index (mod the recorded
 *	releases), 7 bytes unused,
 *	u32 entry offset from text of each name in fuzz_names[] (~0: absent),
 *	then memory segments (fuzz_common.h): the code, the moduledata,
 *	data, bss, the heap's metadata.
 *
 * The pclntab is built from the entries (tests/unit/synth/synth_pcln.h),
 * so functions are found by name as in a real binary.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "go/rt_fields.h"
#include "leakdump/arch/arch.h"
#include "leakdump/go/discover.h"
#include "leakdump/go/pcln.h"
#include "leakdump/go/rt.h"
#include "synth_pcln.h"

/* Every function discovery looks up (grep '"runtime\.' ext/go/discover*). */
static const char *const fuzz_names[] = {
	"runtime.(*activeSweep).end", "runtime.(*mheap).freeSpanLocked",
	"runtime.(*mheap).initSpan", "runtime.(*waitReason).String",
	"runtime.allgadd", "runtime.atomicAllG", "runtime.checkdead",
	"runtime.createfing", "runtime.finalizercommit", "runtime.findObject",
	"runtime.findRunnable", "runtime.forEachG", "runtime.forEachGRace",
	"runtime.freeSpecial", "runtime.gcMarkTinyAllocs",
	"runtime.goroutineheader", "runtime.greyobject", "runtime.handoffp",
	"runtime.isSystemGoroutine", "runtime.iterate_finq",
	"runtime.markroot", "runtime.markrootSpans", "runtime.pollWork",
	"runtime.procresize", "runtime.queuefinalizer",
	"runtime.runFinalizers", "runtime.runfinq", "runtime.spanOfHeap",
	"runtime.sysmon", "runtime.waitReason.String",
	"runtime.wakeNetPoller", "runtime.wakefing",
};
#define NNAMES (sizeof(fuzz_names) / sizeof(fuzz_names[0]))
#define HDR (40 + 4 * NNAMES)

static int by_entry(const void *a, const void *b)
{
	const struct synth_func *x = a, *y = b;

	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct synth_func funcs[NNAMES];
	static uint8_t gofunc[0x40];
	struct synth_desc d = { .funcs = funcs };
	struct ld_pcln_config cfg = { 0 };
	struct ld_discover_ctx ctx = { 0 };
	struct synth_tab tab = { 0 };
	struct ld_error *err;
	struct ld_rt rt = { 0 };
	const struct ld_layout *l;
	uint64_t text, text_len;
	size_t n = 0;

	if (size < HDR)
		return 0;
	text = fuzz_u64(data);
	text_len = fuzz_u64(data + 8);
	if (!text_len || text_len > (1u << 30) || text + text_len < text)
		return 0;
	for (size_t i = 0; i < NNAMES; i++) {
		uint32_t e = fuzz_u32(data + 40 + 4 * i);

		if (e < text_len)
			funcs[n++] = (struct synth_func){ .name = fuzz_names[i],
							  .entry = e };
	}
	qsort(funcs, n, sizeof(funcs[0]), by_entry);
	for (size_t i = 1; i < n; i++)
		if (funcs[i].entry == funcs[i - 1].entry)
			return 0;
	d.nfunc = (uint32_t)n;
	d.text_end = (uint32_t)text_len;
	if (!synth_build(&d, &tab))
		goto out;

	l = &ld_layouts[data[32] % ld_nlayouts];
	ld_rt_apply_layout(&rt, l);
	rt.go_major = 1;
	rt.go_minor = l->go_minor;
	ld_rt_resolve_caps(&rt);
	rt.stripped = true;
	rt.firstmoduledata = fuzz_u64(data + 16);

	cfg.data = tab.buf;
	cfg.size = tab.size;
	cfg.text_start = text;
	cfg.gofunc = gofunc;
	cfg.gofunc_size = sizeof(gofunc);
	ctx.arch = &ld_arch_amd64;
	ctx.rt = &rt;
	ctx.bias = fuzz_u64(data + 24);
	ctx.etext = text + text_len;
	err = ld_pcln_open(&cfg, &ctx.pcln);
	if (!err)
		err = ld_mem_create(&ctx.mem);
	if (!err) {
		ld_rt_resolve_funcids(&rt, ctx.pcln);
		fuzz_add_segments(ctx.mem, data + HDR, size - HDR);
		err = ld_discover_runtime_vars(&ctx);
	}
	ld_error_destroy(err);
	ld_mem_destroy(ctx.mem);
	ld_pcln_destroy(ctx.pcln);
out:
	synth_free(&tab);
	return 0;
}
