// SPDX-License-Identifier: MIT
/*
 * The arch layer (ext/arch/): selection by ELF e_machine, amd64's register
 * names and frame rule, its system call names, and the RIP-relative
 * decoders stripped-binary discovery uses, on hand-assembled x86-64 bytes.
 */
#include <elf.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "leakdump/arch/arch.h"

#define PC 0x401000ull

static const struct ld_arch *amd64(void)
{
	const struct ld_arch *a = ld_arch_for_machine(EM_X86_64);

	assert_non_null(a);
	return a;
}

static void test_select_by_machine(void **state)
{
	assert_ptr_equal(amd64(), &ld_arch_amd64);
	assert_string_equal(amd64()->name, "amd64");
	assert_int_equal(amd64()->elf_machine, EM_X86_64);
	assert_null(ld_arch_for_machine(EM_AARCH64));
	assert_null(ld_arch_for_machine(EM_386));
	assert_null(ld_arch_for_machine(EM_NONE));
}

/* Linux's struct user_regs_struct, the order GDB's glue reads them in. */
static void test_register_names(void **state)
{
	static const char *const want[] = {
		"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
		"r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip",
		"cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es",
		"fs", "gs",
	};
	const struct ld_arch *a = amd64();

	assert_int_equal(a->nregs, LD_AMD64_NREGS);
	assert_int_equal(a->nregs, sizeof(want) / sizeof(want[0]));
	assert_true(a->nregs <= LD_MAX_REGS);
	for (unsigned int i = 0; i < a->nregs; i++)
		assert_string_equal(a->reg_names[i], want[i]);
	assert_string_equal(a->reg_names[a->reg_pc], "rip");
	assert_string_equal(a->reg_names[a->reg_sp], "rsp");
	assert_string_equal(a->reg_names[a->reg_fp], "rbp");
	assert_string_equal(a->reg_names[a->reg_tls], "fs_base");
	assert_string_equal(a->reg_names[a->reg_syscall_nr], "orig_rax");
	assert_string_equal(a->reg_names[a->reg_syscall_args[3]], "r10");
}

static void test_regs_accessors(void **state)
{
	struct ld_thread_regs r = { .nregs = LD_AMD64_NREGS };

	for (unsigned int i = 0; i < LD_AMD64_NREGS; i++)
		r.regs[i] = 0x100 + i;
	assert_int_equal(ld_regs_pc(amd64(), &r), 0x100 + LD_AMD64_RIP);
	assert_int_equal(ld_regs_sp(amd64(), &r), 0x100 + LD_AMD64_RSP);
	assert_int_equal(ld_regs_fp(amd64(), &r), 0x100 + LD_AMD64_RBP);
}

/* CALL pushed the return address: it is just below fp = sp + size + 8. */
static void test_frame_rule(void **state)
{
	const struct ld_arch *a = amd64();
	uint64_t fp = ld_frame_fp(a, 0xc000100000ull, 0x28);

	assert_int_equal(fp, 0xc000100030ull);
	assert_int_equal(ld_frame_ret_addr(a, 0xc000100000ull, fp),
			 0xc000100028ull);
	assert_int_equal(ld_frame_fp(a, 0x1000, 0), 0x1008);
	assert_int_equal(ld_frame_fp(a, 0x1000, -8), 0x1000);
}

static void test_syscall_names(void **state)
{
	const struct ld_arch *a = amd64();

	assert_string_equal(ld_arch_syscall_name(a, 0), "read");
	assert_string_equal(ld_arch_syscall_name(a, 202), "futex");
	assert_string_equal(ld_arch_syscall_name(a, 232), "epoll_wait");
	assert_string_equal(ld_arch_syscall_name(a, 441), "epoll_pwait2");
	assert_null(ld_arch_syscall_name(a, -1));
	assert_null(ld_arch_syscall_name(a, 9));	/* mmap: not listed */
	assert_null(ld_arch_syscall_name(a, 1ll << 32));
}

/* Append op, then disp32 so that the operand names target, then imm. */
static size_t put(uint8_t *code, size_t at, const uint8_t *op, size_t nop,
		  uint64_t target, size_t nimm)
{
	uint64_t next = at + nop + 4 + nimm;
	int32_t disp = (int32_t)((int64_t)target - (int64_t)(PC + next));

	memcpy(code + at, op, nop);
	memcpy(code + at + nop, &disp, 4);
	memset(code + at + nop + 4, 0x01, nimm);
	return next;
}

static void test_code_refs(void **state)
{
	static const uint8_t mov[] = { 0x48, 0x8b, 0x05 };	/* mov rax */
	static const uint8_t lea[] = { 0x48, 0x8d, 0x15 };	/* lea rdx */
	static const uint8_t orl[] = { 0xf0, 0x83, 0x0d };	/* lock or */
	static const uint8_t movl[] = { 0xc7, 0x05 };		/* movl $i32 */
	static const uint8_t test8[] = { 0xf6, 0x05 };		/* testb $i8 */
	static const uint8_t neg[] = { 0xf7, 0x1d };		/* negl */
	static const uint8_t movzx[] = { 0x0f, 0xb6, 0x05 };
	static const uint8_t cmpxchg[] = { 0xf0, 0x0f, 0xb1, 0x0d };
	static const uint8_t btl[] = { 0x0f, 0xba, 0x25 };	/* bt $i8 */
	uint8_t code[128] = { 0 };
	uint64_t out[16];
	size_t at = 0, k;

	at = put(code, at, mov, sizeof(mov), 0x500000, 0);
	at = put(code, at, lea, sizeof(lea), 0x500100, 0);
	at = put(code, at, orl, sizeof(orl), 0x500200, 1);
	at = put(code, at, movl, sizeof(movl), 0x500300, 4);
	at = put(code, at, test8, sizeof(test8), 0x500400, 1);
	at = put(code, at, neg, sizeof(neg), 0x500500, 0);
	at = put(code, at, movzx, sizeof(movzx), 0x500600, 0);
	at = put(code, at, cmpxchg, sizeof(cmpxchg), 0x500700, 0);
	at = put(code, at, btl, sizeof(btl), 0x500800, 1);
	k = amd64()->code_refs(code, at, PC, out, NULL, 16);
	assert_int_equal(k, 9);
	for (size_t i = 0; i < k; i++)
		assert_int_equal(out[i], 0x500000 + 0x100 * i);
	/* at most max; a truncated last operand is not read */
	assert_int_equal(amd64()->code_refs(code, at, PC, out, NULL, 2), 2);
	assert_int_equal(amd64()->code_refs(code, 5, PC, out, NULL, 16), 0);
	assert_int_equal(amd64()->code_refs(code, 7, PC, out, NULL, 16), 1);
}

/* An opcode without a ModRM we follow (call rel32 here) names nothing. */
static void test_code_refs_ignores(void **state)
{
	static const uint8_t code[] = {
		0xe8, 0x05, 0x00, 0x00, 0x00,	/* call: no ModRM */
		0x90, 0x05, 0x10, 0x00, 0x00, 0x00,	/* nop; add eax, imm */
		0x48, 0x8b, 0x45, 0x08,		/* mov rax, [rbp+8] */
	};
	uint64_t out[4];

	assert_int_equal(amd64()->code_refs(code, sizeof(code), PC, out, NULL, 4),
			 0);
}

/*
 * How each reference is used: only 64-bit plain movs are loads and
 * stores, lea takes the address; narrower, locked or compared accesses
 * are "other".
 */
static void test_code_ref_kinds(void **state)
{
	static const struct {
		uint8_t op[5];
		size_t nop, nimm;
		uint8_t kind;
	} ins[] = {
		{ { 0x48, 0x8b, 0x15 }, 3, 0, LD_REF_LOAD },	/* mov rdx, m */
		{ { 0x4c, 0x8b, 0x05 }, 3, 0, LD_REF_LOAD },	/* mov r8, m */
		{ { 0x48, 0x89, 0x15 }, 3, 0, LD_REF_STORE },	/* mov m, rdx */
		{ { 0x4c, 0x89, 0x0d }, 3, 0, LD_REF_STORE },	/* mov m, r9 */
		{ { 0x48, 0x8d, 0x05 }, 3, 0, LD_REF_ADDR },	/* lea rax */
		{ { 0x8d, 0x05 }, 2, 0, LD_REF_ADDR },		/* lea eax */
		{ { 0x8b, 0x05 }, 2, 0, LD_REF_OTHER },		/* mov eax */
		{ { 0x89, 0x05 }, 2, 0, LD_REF_OTHER },		/* mov m32 */
		{ { 0x48, 0x83, 0x3d }, 3, 1, LD_REF_OTHER },	/* cmpq $i8 */
		{ { 0xf0, 0x48, 0x0f, 0xb1, 0x0d }, 5, 0, LD_REF_OTHER },
	};
	uint8_t code[128] = { 0 }, kind[16];
	uint64_t out[16];
	size_t at = 0, n = sizeof(ins) / sizeof(ins[0]);

	for (size_t i = 0; i < n; i++)
		at = put(code, at, ins[i].op, ins[i].nop, 0x500000 + 0x100 * i,
			 ins[i].nimm);
	assert_int_equal(amd64()->code_refs(code, at, PC, out, kind, 16), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(out[i], 0x500000 + 0x100 * i);
		assert_int_equal(kind[i], ins[i].kind);
	}
}

/* "cmp reg, $N; ...; lea reg, [rip+table]" bounds an index into table. */
static void test_index_bound(void **state)
{
	static const uint8_t lea[] = { 0x48, 0x8d, 0x0d };	/* lea rcx */
	static const uint8_t cmp83[] = { 0x83, 0xf8, 22 };	/* cmp eax */
	static const uint8_t cmp80[] = { 0x80, 0xf9, 30 };	/* cmp cl */
	static const uint8_t big[] = { 0x83, 0xfb, 200 };	/* > upper */
	const struct ld_arch *a = amd64();
	uint8_t code[256];
	size_t at = 0;

	memset(code, 0x90, sizeof(code));
	memcpy(code + at, big, 3);
	at += 3;
	memcpy(code + at, cmp83, 3);
	at += 3 + 10;
	at = put(code, at, lea, sizeof(lea), 0x600000, 0);
	assert_int_equal(a->index_bound(code, at, PC, 0x600000, 20, 40), 22);
	/* another table, or a range the constant is not in */
	assert_int_equal(a->index_bound(code, at, PC, 0x600100, 20, 40), 0);
	assert_int_equal(a->index_bound(code, at, PC, 0x600000, 23, 40), 0);
	assert_int_equal(a->index_bound(code, at, PC, 0x600000, 20, 255),
			 200);
	/* a second use, with a larger bound: the largest wins */
	memcpy(code + at, cmp80, 3);
	at = put(code, at + 3, lea, sizeof(lea), 0x600000, 0);
	assert_int_equal(a->index_bound(code, at, PC, 0x600000, 20, 40), 30);
}

/* A cmp more than the window (48 bytes) before the lea does not count. */
static void test_index_bound_window(void **state)
{
	static const uint8_t lea[] = { 0x48, 0x8d, 0x0d };
	static const uint8_t cmp[] = { 0x83, 0xf8, 22 };
	uint8_t code[128];
	size_t at;

	memset(code, 0x90, sizeof(code));
	memcpy(code, cmp, 3);
	/* the lea's ModRM at 48: the cmp starts 48 bytes before it */
	at = put(code, 46, lea, sizeof(lea), 0x600000, 0);
	assert_int_equal(amd64()->index_bound(code, at, PC, 0x600000, 0, 40),
			 22);
	memset(code, 0x90, sizeof(code));
	memcpy(code, cmp, 3);
	at = put(code, 47, lea, sizeof(lea), 0x600000, 0);
	assert_int_equal(amd64()->index_bound(code, at, PC, 0x600000, 0, 40),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_by_machine),
		cmocka_unit_test(test_register_names),
		cmocka_unit_test(test_regs_accessors),
		cmocka_unit_test(test_frame_rule),
		cmocka_unit_test(test_syscall_names),
		cmocka_unit_test(test_code_refs),
		cmocka_unit_test(test_code_refs_ignores),
		cmocka_unit_test(test_code_ref_kinds),
		cmocka_unit_test(test_index_bound),
		cmocka_unit_test(test_index_bound_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
