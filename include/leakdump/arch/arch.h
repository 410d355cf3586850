/* SPDX-License-Identifier: MIT */
/*
 * Architecture knowledge: register sets, frame conventions, system call
 * names and the instruction patterns stripped-binary discovery follows.
 * Everything else asks the session's struct ld_arch, chosen by the
 * executable's ELF e_machine through ld_arch_for_machine().
 *
 * Adding an architecture (arm64, say) takes:
 *   - ext/arch/<name>.c defining a const struct ld_arch: its register
 *     names in NT_PRSTATUS order, the pc/sp/fp/tls and system call
 *     registers, the frame rule fields, its system call table and the
 *     code_refs/index_bound decoders;
 *   - its declaration below and one line in ext/arch/arch.c's list
 *     (for arm64, dropping the EM_AARCH64 stopgap in ext/target/core.c);
 *   - layout tables for that GOARCH, for binaries without DWARF
 *     (ext/go/layouts_gen.c is amd64's and keyed by Go release only),
 *     and a check of the linux/amd64 heap geometry in
 *     include/leakdump/prove/heap.h;
 *   - the unwinder's link-register case (call_push 0: the innermost
 *     frame's return address is in a register, not yet read).
 *
 * All descriptions are static and const: nothing here is freed.
 */
#ifndef LD_ARCH_H
#define LD_ARCH_H

#include <stddef.h>
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

/* The most registers any arch has (arm64: x0-x30, sp, pc, pstate). */
#define LD_MAX_REGS 34

/* One OS thread's registers, from a core note or the debugger. */
struct ld_thread_regs {
	int32_t tid;
	uint32_t nregs;			/* valid entries in regs[] */
	uint64_t regs[LD_MAX_REGS];	/* the arch's reg_names order */
};

struct ld_arch_syscall {
	int nr;
	const char *name;
};

/*
 * How an instruction uses the data address it names: a pointer-sized
 * load into a register, a pointer-sized store of a register, the
 * address itself taken (lea), or anything else (a compare, a narrower
 * access, a locked update).  Discovery tells a variable the runtime both
 * reads and writes from one it only reads by these.
 */
enum ld_code_ref_kind {
	LD_REF_OTHER,
	LD_REF_LOAD,
	LD_REF_STORE,
	LD_REF_ADDR,
};

struct ld_arch {
	const char *name;		/* GOARCH: "amd64" */
	uint16_t elf_machine;		/* e_machine that selects it */
	unsigned int ptr_size;
	unsigned int min_frame_size;	/* 0 on amd64: no link register */
	unsigned int pc_quantum;	/* 1 on amd64 */
	/*
	 * The frame rule of runtime/traceback.go, as plain data because the
	 * unwinder reads it for every frame: a call pushes call_push bytes
	 * (the return address; 0 with a link register).  See ld_frame_fp().
	 */
	unsigned int call_push;

	/* Registers: nregs names, in NT_PRSTATUS (and regs[]) order. */
	const char *const *reg_names;
	unsigned int nregs;
	int reg_pc, reg_sp, reg_fp, reg_tls;
	/* a thread stopped in a system call: its number and arguments */
	int reg_syscall_nr;
	int reg_syscall_args[6];
	/* Names of the system calls Go programs block in; see below. */
	const struct ld_arch_syscall *syscalls;
	size_t nsyscalls;

	/*
	 * Data addresses named by pc-relative operands in code (n bytes
	 * loaded at address pc): at most max of them into out, returned
	 * count, and, when kind is not NULL, how each is used (enum
	 * ld_code_ref_kind) in kind[i].  Matching is by pattern: a stray
	 * hit only adds a candidate, which discovery checks by content.
	 */
	size_t (*code_refs)(const uint8_t *code, size_t n, uint64_t pc,
			    uint64_t *out, uint8_t *kind, size_t max);
	/*
	 * The largest constant in [lower, upper] that code compares an index
	 * with shortly before taking the address of table (how the runtime
	 * bounds an index into a [N]string), or 0.
	 */
	size_t (*index_bound)(const uint8_t *code, size_t n, uint64_t pc,
			      uint64_t table, size_t lower, size_t upper);
};

extern const struct ld_arch ld_arch_amd64;

/* The arch for an ELF e_machine, or NULL if it is not supported. */
const struct ld_arch *ld_arch_for_machine(uint16_t e_machine);

/* System call nr's name on a, or NULL if the table does not have it. */
const char *ld_arch_syscall_name(const struct ld_arch *a, int64_t nr);

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

/*
 * A frame at sp whose pcsp table gives spdelta: its fp, which is also the
 * caller's sp.
 */
static inline uint64_t ld_frame_fp(const struct ld_arch *a, uint64_t sp,
				   int32_t spdelta)
{
	return sp + (uint64_t)(int64_t)spdelta + a->call_push;
}

/*
 * Where the frame (sp, fp) saved its caller's pc: just below fp where a
 * call pushes it, at sp where the callee stores its link register.
 */
static inline uint64_t ld_frame_ret_addr(const struct ld_arch *a,
					 uint64_t sp, uint64_t fp)
{
	return a->call_push ? fp - a->ptr_size : sp;
}

#endif
