// SPDX-License-Identifier: MIT
/*
 * layoutgen: print one struct ld_layout initializer, recorded from the
 * DWARF of a reference Go binary.  Run by scripts/gen-layouts.sh for each
 * Go release; its output becomes ext/layouts_gen.c.
 *
 *   layoutgen BINARY
 */
#include <stdio.h>
#include <stdlib.h>

#include "leakdump/target/binary.h"
#include "leakdump/go/buildinfo.h"
#include "leakdump/go/dwarf.h"
#include "leakdump/go/rt.h"
#include "go/rt_fields.h"

static int fail(struct ld_error *err)
{
	fprintf(stderr, "layoutgen: %s\n", err->message);
	ld_error_destroy(err);
	return 1;
}

static void print_layout(const struct ld_layout *l, int minor,
			 const char *version)
{
	printf("\t{\n\t\t.go_minor = %d,\n\t\t.reference = \"%s\",\n",
	       minor, version);
	printf("\t\t.members = {\n");
#define MEMBER(id, lv, type, member, req)				\
	printf("\t\t\t[LD_RTM_" #id "] = %lld,\n",			\
	       (long long)l->members[LD_RTM_##id]);
	LD_RT_MEMBERS(MEMBER)
#undef MEMBER
	printf("\t\t},\n\t\t.sizes = {\n");
#define SIZE(id, lv, type, req)					\
	printf("\t\t\t[LD_RTS_" #id "] = %lld,\n",			\
	       (long long)l->sizes[LD_RTS_##id]);
	LD_RT_SIZES(SIZE)
#undef SIZE
	printf("\t\t},\n\t\t.consts = {\n");
#define CONST(id, lv, name, fallback)					\
	if (l->consts[LD_RTC_##id] == LD_RT_CONST_ABSENT)		\
		printf("\t\t\t[LD_RTC_" #id "] = LD_RT_CONST_ABSENT,\n");	\
	else								\
		printf("\t\t\t[LD_RTC_" #id "] = %lld,\n",		\
		       (long long)l->consts[LD_RTC_##id]);
	LD_RT_CONSTS(CONST)
#undef CONST
	printf("\t\t},\n\t},\n");
}

int main(int argc, char **argv)
{
	char *version = NULL, *modinfo = NULL;
	struct ld_binary *bin = NULL;
	struct ld_dwarf *dw = NULL;
	struct ld_layout layout;
	struct ld_error *err;
	int major, minor, patch, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: layoutgen BINARY\n");
		return 2;
	}
	err = ld_binary_open(argv[1], &bin);
	if (!err)
		err = ld_buildinfo_read(bin, &version, &modinfo);
	if (!err && ld_go_version_parse(version, &major, &minor, &patch))
		err = ld_error_create(LD_ERR_UNSUPPORTED, "version %s", version);
	if (!err)
		err = ld_dwarf_open(bin->elf, &dw);
	if (!err)
		err = ld_rt_layout_from_dwarf(dw, &layout);
	rc = err ? fail(err) : 0;
	if (!rc)
		print_layout(&layout, minor, version);
	ld_dwarf_destroy(dw);
	ld_binary_destroy(bin);
	free(version);
	free(modinfo);
	return rc;
}
