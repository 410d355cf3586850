// SPDX-License-Identifier: MIT
/*
 * An executable as leakdump opens it: the ELF parse (ext/target/binary.c:
 * sections, notes, build ids, .gnu_debuglink, the symbol table, PT_LOADs),
 * the build info found in it (ext/go/buildinfo.c), and the DWARF layout
 * reading (ext/go/dwarf.c: the index of named DIEs, member paths through
 * typedefs and nested structs, variables, constants, the producer) that
 * ld_rt_resolve drives, and stripped-binary discovery's first step
 * (ext/go/discover_md.c: the moduledata from the pclntab's address, over
 * the file's own segments).  The input is the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "go/rt_fields.h"
#include "leakdump/go/discover.h"
#include "leakdump/go/buildinfo.h"
#include "leakdump/go/dwarf.h"
#include "leakdump/go/rt.h"
#include "leakdump/target/binary.h"

static const char *const members[][2] = {
	{ "runtime.g", "sched.sp" }, { "runtime.g", "stack.lo" },
	{ "runtime.g", "goid" }, { "runtime.g", "atomicstatus" },
	{ "runtime.g", "waiting" }, { "runtime.sudog", "c" },
	{ "runtime.hchan", "recvq.first" }, { "runtime.m", "procid" },
	{ "runtime.g", "nosuch.member" },
};
static const char *const types[] = {
	"runtime.g", "runtime.sudog", "runtime.hchan", "runtime.gobuf",
};
static const char *const vars[] = { "runtime.allgs", "runtime.allglen" };
static const char *const consts[] = { "runtime._Gwaiting", "runtime._Gscan" };

static void poke_dwarf(struct ld_binary *bin)
{
	struct ld_error *err;
	struct ld_dwarf *dw;
	struct ld_rt *rt;
	uint64_t a, b;
	int64_t v;
	size_t i;

	err = ld_dwarf_open(bin->elf, &dw);
	if (err) {
		ld_error_destroy(err);
		return;
	}
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		ld_error_destroy(ld_dwarf_member(dw, members[i][0],
						 members[i][1], &a, &b));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		ld_error_destroy(ld_dwarf_type_size(dw, types[i], &a));
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		ld_error_destroy(ld_dwarf_variable(dw, vars[i], &a));
	for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
		ld_error_destroy(ld_dwarf_constant(dw, consts[i], &v));
	ld_dwarf_go_producer(dw);
	err = ld_rt_resolve(bin, dw, "go1.26.0", &rt);
	if (!err)
		free(rt);
	ld_error_destroy(err);
	ld_dwarf_destroy(dw);
}

static void poke_discover(struct ld_binary *bin)
{
	struct ld_discover_ctx ctx = { .bin = bin };
	struct ld_rt rt = { 0 };

	ld_rt_apply_layout(&rt, &ld_layouts[ld_nlayouts - 1]);
	rt.go_major = 1;
	rt.go_minor = ld_layouts[ld_nlayouts - 1].go_minor;
	ctx.rt = &rt;
	if (ld_mem_create(&ctx.mem))
		return;
	ld_error_destroy(ld_binary_add_segments(bin, ctx.mem, 0));
	ld_error_destroy(ld_discover_moduledata(&ctx));
	ld_mem_destroy(ctx.mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_binary *bin;
	struct ld_section sec;
	struct ld_error *err;
	char *ver, *mod, path[32];
	uint64_t a, b;
	int fd;

	fd = fuzz_memfd(data, size, path);
	if (fd < 0)
		return 0;
	err = ld_binary_open(path, &bin);
	close(fd);
	if (err) {
		ld_error_destroy(err);
		return 0;
	}
	err = ld_buildinfo_read(bin, &ver, &mod);
	if (!err) {
		free(ver);
		free(mod);
	}
	ld_error_destroy(err);
	ld_binary_section(bin, ".gopclntab", &sec);
	ld_binary_section_at(bin, bin->entry, &sec);
	ld_error_destroy(ld_binary_symbol(bin, "runtime.allgs", &a, &b));
	ld_binary_vaddr_data(bin, bin->entry, 64);
	poke_dwarf(bin);
	poke_discover(bin);
	ld_binary_destroy(bin);
	return 0;
}
