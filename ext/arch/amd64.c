// SPDX-License-Identifier: MIT
#include <elf.h>

#include "leakdump/arch/arch.h"

const struct ld_arch ld_arch_amd64 = {
	.name = "amd64",
	.ptr_size = 8,
	.min_frame_size = 0,
	.pc_quantum = 1,
	.reg_pc = LD_AMD64_RIP,
	.reg_sp = LD_AMD64_RSP,
	.reg_fp = LD_AMD64_RBP,
	.reg_tls = LD_AMD64_FS_BASE,
	/* Linux x86-64 syscall convention: orig_rax, rdi rsi rdx r10 r8 r9 */
	.reg_syscall_nr = LD_AMD64_ORIG_RAX,
	.reg_syscall_args = { LD_AMD64_RDI, LD_AMD64_RSI, LD_AMD64_RDX,
			      LD_AMD64_R10, LD_AMD64_R8, LD_AMD64_R9 },
	.elf_machine = EM_X86_64,
};
