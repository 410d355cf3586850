// SPDX-License-Identifier: MIT
/*
 * linux/amd64: everything leakdump knows about the machine.  Registers are
 * Linux's struct user_regs_struct, the order of NT_PRSTATUS and of what
 * the GDB glue reads; system call numbers are the x86-64 ones.
 */
#include <elf.h>
#include <stdbool.h>
#include <string.h>

#include "leakdump/arch/arch.h"

static const char *const amd64_reg_names[LD_AMD64_NREGS] = {
	[LD_AMD64_R15] = "r15", [LD_AMD64_R14] = "r14",
	[LD_AMD64_R13] = "r13", [LD_AMD64_R12] = "r12",
	[LD_AMD64_RBP] = "rbp", [LD_AMD64_RBX] = "rbx",
	[LD_AMD64_R11] = "r11", [LD_AMD64_R10] = "r10",
	[LD_AMD64_R9] = "r9", [LD_AMD64_R8] = "r8",
	[LD_AMD64_RAX] = "rax", [LD_AMD64_RCX] = "rcx",
	[LD_AMD64_RDX] = "rdx", [LD_AMD64_RSI] = "rsi",
	[LD_AMD64_RDI] = "rdi", [LD_AMD64_ORIG_RAX] = "orig_rax",
	[LD_AMD64_RIP] = "rip", [LD_AMD64_CS] = "cs",
	[LD_AMD64_EFLAGS] = "eflags", [LD_AMD64_RSP] = "rsp",
	[LD_AMD64_SS] = "ss", [LD_AMD64_FS_BASE] = "fs_base",
	[LD_AMD64_GS_BASE] = "gs_base", [LD_AMD64_DS] = "ds",
	[LD_AMD64_ES] = "es", [LD_AMD64_FS] = "fs", [LD_AMD64_GS] = "gs",
};

/* Linux x86-64 numbers of the system calls Go programs block in. */
static const struct ld_arch_syscall amd64_syscalls[] = {
	{ 0, "read" }, { 1, "write" }, { 7, "poll" }, { 17, "pread64" },
	{ 34, "pause" }, { 13, "rt_sigaction" }, { 14, "rt_sigprocmask" },
	{ 130, "rt_sigsuspend" }, { 128, "rt_sigtimedwait" },
	{ 18, "pwrite64" }, { 19, "readv" }, { 20, "writev" },
	{ 23, "select" }, { 35, "nanosleep" }, { 42, "connect" },
	{ 43, "accept" }, { 45, "recvfrom" }, { 44, "sendto" },
	{ 46, "sendmsg" }, { 47, "recvmsg" }, { 61, "wait4" },
	{ 202, "futex" }, { 230, "clock_nanosleep" },
	{ 232, "epoll_wait" }, { 247, "waitid" }, { 270, "pselect6" },
	{ 271, "ppoll" }, { 281, "epoll_pwait" }, { 288, "accept4" },
	{ 441, "epoll_pwait2" },
};

/*
 * Immediate size after a ModRM with a RIP-relative operand, for the
 * one-byte opcode op (or 0x0f op when two_byte), or -1 if op does not
 * take a ModRM we follow.
 */
static int imm_size(uint8_t op, bool two_byte, uint8_t modrm)
{
	int reg = (modrm >> 3) & 7;

	if (two_byte) {
		switch (op) {
		case 0xb0: case 0xb1:	/* cmpxchg */
		case 0xc0: case 0xc1:	/* xadd */
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:	/* movzx/sx */
		case 0x10: case 0x11: case 0x6f: case 0x7f: case 0xd6:
			return 0;
		case 0xba:		/* bt* imm8 */
			return 1;
		default:
			return -1;
		}
	}
	switch (op) {
	case 0x01: case 0x03: case 0x09: case 0x0b: case 0x21: case 0x23:
	case 0x29: case 0x2b: case 0x31: case 0x33: case 0x39: case 0x3b:
	case 0x38: case 0x3a: case 0x63: case 0x84: case 0x85: case 0x86:
	case 0x87: case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x8d:
	case 0xff:
		return 0;
	case 0x80: case 0x83: case 0xc6:
		return 1;
	case 0x81: case 0xc7:
		return 4;
	case 0xf6:
		return reg < 2 ? 1 : 0;
	case 0xf7:
		return reg < 2 ? 4 : 0;
	default:
		return -1;
	}
}

/* The target of the RIP-relative disp32 after the ModRM at code[i]. */
static uint64_t rip_target(const uint8_t *code, size_t i, uint64_t pc,
			   int imm)
{
	int32_t disp;

	memcpy(&disp, code + i + 1, 4);
	return pc + i + 5 + (uint64_t)imm + (uint64_t)(int64_t)disp;
}

/* ModRM with mod 00 and r/m 101: [rip+disp32] in 64-bit mode. */
static bool is_rip_modrm(uint8_t modrm)
{
	return (modrm & 0xc7) == 0x05;
}

/* REX with W set: the operand is 64 bits wide. */
static bool is_rex_w(uint8_t b)
{
	return (b & 0xf8) == 0x48;
}

/*
 * How the instruction whose ModRM is at code[i] uses its operand: only
 * the plain forms count as loads and stores (REX.W 8b: mov r64, m64;
 * REX.W 89: mov m64, r64); lea (8d) takes the address.
 */
static uint8_t ref_kind(const uint8_t *code, size_t i, bool two)
{
	uint8_t op = code[i - 1];

	if (two)
		return LD_REF_OTHER;
	if (op == 0x8d)
		return LD_REF_ADDR;
	if (i < 2 || !is_rex_w(code[i - 2]))
		return LD_REF_OTHER;
	if (op == 0x8b)
		return LD_REF_LOAD;
	return op == 0x89 ? LD_REF_STORE : LD_REF_OTHER;
}

static size_t amd64_code_refs(const uint8_t *code, size_t n, uint64_t pc,
			      uint64_t *out, uint8_t *kind, size_t max)
{
	size_t k = 0;

	for (size_t i = 1; i + 5 <= n && k < max; i++) {
		bool two = i >= 2 && code[i - 2] == 0x0f;
		int imm;

		if (!is_rip_modrm(code[i]))
			continue;
		imm = imm_size(code[i - 1], two, code[i]);
		if (imm < 0 && two) {
			imm = imm_size(code[i - 1], false, code[i]);
			two = false;
		}
		if (imm < 0)
			continue;
		if (kind)
			kind[k] = ref_kind(code, i, two);
		out[k++] = rip_target(code, i, pc, imm);
	}
	return k;
}

#define CMP_WINDOW 48	/* bytes before the lea searched for the cmp */

/*
 * The largest imm8 in [lower, upper] of a "cmp r/m, imm8" (80 /7 or
 * 83 /7) in the CMP_WINDOW bytes before code[end], or 0.
 */
static size_t cmp_before(const uint8_t *code, size_t end, size_t lower,
			 size_t upper)
{
	size_t best = 0;

	for (size_t j = end > CMP_WINDOW ? end - CMP_WINDOW : 0; j + 3 <= end;
	     j++)
		if ((code[j] == 0x80 || code[j] == 0x83) &&
		    (code[j + 1] & 0xf8) == 0xf8 && code[j + 2] >= lower &&
		    code[j + 2] <= upper && code[j + 2] > best)
			best = code[j + 2];
	return best;
}

/* The runtime bounds the index with "cmp reg, $N" before "lea reg, table". */
static size_t amd64_index_bound(const uint8_t *code, size_t n, uint64_t pc,
				uint64_t table, size_t lower, size_t upper)
{
	size_t best = 0, b;

	for (size_t i = 1; i + 5 <= n; i++) {
		if (code[i - 1] != 0x8d || !is_rip_modrm(code[i]) ||
		    rip_target(code, i, pc, 0) != table)
			continue;
		b = cmp_before(code, i, lower, upper);
		if (b > best)
			best = b;
	}
	return best;
}

const struct ld_arch ld_arch_amd64 = {
	.name = "amd64",
	.elf_machine = EM_X86_64,
	.ptr_size = 8,
	.min_frame_size = 0,
	.pc_quantum = 1,
	/* CALL pushes the return address just below the caller's sp */
	.call_push = 8,
	.reg_names = amd64_reg_names,
	.nregs = LD_AMD64_NREGS,
	.reg_pc = LD_AMD64_RIP,
	.reg_sp = LD_AMD64_RSP,
	.reg_fp = LD_AMD64_RBP,
	.reg_tls = LD_AMD64_FS_BASE,
	/* Linux x86-64 syscall convention: orig_rax, rdi rsi rdx r10 r8 r9 */
	.reg_syscall_nr = LD_AMD64_ORIG_RAX,
	.reg_syscall_args = { LD_AMD64_RDI, LD_AMD64_RSI, LD_AMD64_RDX,
			      LD_AMD64_R10, LD_AMD64_R8, LD_AMD64_R9 },
	.syscalls = amd64_syscalls,
	.nsyscalls = sizeof(amd64_syscalls) / sizeof(amd64_syscalls[0]),
	.code_refs = amd64_code_refs,
	.index_bound = amd64_index_bound,
};
