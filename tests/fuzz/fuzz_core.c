// SPDX-License-Identifier: MIT
/*
 * The ELF core parser (ext/target/core.c): the ELF and program headers,
 * the notes (NT_PRSTATUS, NT_PRPSINFO, NT_FILE, NT_AUXV), and the PT_LOADs
 * added as memory and read back.  The input is the core file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "leakdump/target/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_binary bin = { .type = 3 /* ET_DYN */, .entry = 0x1000 };
	struct ld_core_region r;
	struct ld_core *core;
	struct ld_mem *mem;
	struct ld_error *err;
	char path[32];
	uint8_t buf[64];
	int fd;

	fd = fuzz_memfd(data, size, path);
	if (fd < 0)
		return 0;
	err = ld_core_open(path, &core);
	close(fd);
	if (err) {
		ld_error_destroy(err);
		return 0;
	}
	for (size_t i = 0; i < core->nfiles; i++)
		if (!core->files[i].path)
			abort();
	ld_core_load_bias(core, &bin);
	if (!ld_mem_create(&mem)) {
		ld_error_destroy(ld_core_add_segments(core, mem));
		for (size_t i = 0; i < 64 && ld_core_region(core, i, &r); i++) {
			ld_error_destroy(ld_mem_read(mem, r.start, buf,
						     sizeof(buf)));
			ld_error_destroy(ld_mem_read(mem, r.end - 8, buf, 16));
		}
		ld_mem_destroy(mem);
	}
	ld_core_destroy(core);
	return 0;
}
