// SPDX-License-Identifier: MIT
/* Choosing the architecture: one entry per ext/arch/<name>.c. */
#include "leakdump/arch/arch.h"

static const struct ld_arch *const archs[] = {
	&ld_arch_amd64,
};

const struct ld_arch *ld_arch_for_machine(uint16_t e_machine)
{
	for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
		if (archs[i]->elf_machine == e_machine)
			return archs[i];
	return NULL;
}

const char *ld_arch_syscall_name(const struct ld_arch *a, int64_t nr)
{
	for (size_t i = 0; i < a->nsyscalls; i++)
		if (a->syscalls[i].nr == nr)
			return a->syscalls[i].name;
	return NULL;
}
