// SPDX-License-Identifier: MIT
#include <elf.h>

#include "leakdump/arch.h"

const struct ld_arch ld_arch_amd64 = {
	.name = "amd64",
	.ptr_size = 8,
	.min_frame_size = 0,
	.pc_quantum = 1,
	.reg_pc = LD_AMD64_RIP,
	.reg_sp = LD_AMD64_RSP,
	.reg_fp = LD_AMD64_RBP,
	.reg_tls = LD_AMD64_FS_BASE,
	.elf_machine = EM_X86_64,
};
