/* SPDX-License-Identifier: MIT */
/*
 * Architecture knowledge: register sets and frame conventions.  Only amd64
 * for now; everything register-shaped goes through this header so that
 * arm64 can be added here alone.
 */
#ifndef LD_ARCH_H
#define LD_ARCH_H

#include <stdint.h>

/* Linux amd64 struct user_regs_struct order, as in NT_PRSTATUS. */
enum ld_amd64_reg {
	LD_AMD64_R15, LD_AMD64_R14, LD_AMD64_R13, LD_AMD64_R12,
	LD_AMD64_RBP, LD_AMD64_RBX, LD_AMD64_R11, LD_AMD64_R10,
	LD_AMD64_R9, LD_AMD64_R8, LD_AMD64_RAX, LD_AMD64_RCX,
	LD_AMD64_RDX, LD_AMD64_RSI, LD_AMD64_RDI, LD_AMD64_ORIG_RAX,
	LD_AMD64_RIP, LD_AMD64_CS, LD_AMD64_EFLAGS, LD_AMD64_RSP,
	LD_AMD64_SS, LD_AMD64_FS_BASE, LD_AMD64_GS_BASE, LD_AMD64_DS,
	LD_AMD64_ES, LD_AMD64_FS, LD_AMD64_GS,
	LD_AMD64_NREGS,
};

#define LD_MAX_REGS 34

/* One OS thread's registers, from a core note or the debugger. */
struct ld_thread_regs {
	int32_t tid;
	uint32_t nregs;			/* valid entries in regs[] */
	uint64_t regs[LD_MAX_REGS];	/* arch order, see enum above */
};

struct ld_arch {
	const char *name;		/* "amd64" */
	unsigned int ptr_size;
	unsigned int min_frame_size;	/* 0 on amd64: no link register */
	unsigned int pc_quantum;	/* 1 on amd64 */
	int reg_pc, reg_sp, reg_fp, reg_tls;
	/* a thread stopped in a system call: its number and arguments */
	int reg_syscall_nr;
	int reg_syscall_args[6];
	/* The ELF e_machine this arch describes. */
	uint16_t elf_machine;
};

extern const struct ld_arch ld_arch_amd64;

static inline uint64_t ld_regs_pc(const struct ld_arch *a,
				  const struct ld_thread_regs *r)
{
	return r->regs[a->reg_pc];
}

static inline uint64_t ld_regs_sp(const struct ld_arch *a,
				  const struct ld_thread_regs *r)
{
	return r->regs[a->reg_sp];
}

static inline uint64_t ld_regs_fp(const struct ld_arch *a,
				  const struct ld_thread_regs *r)
{
	return r->regs[a->reg_fp];
}

#endif
