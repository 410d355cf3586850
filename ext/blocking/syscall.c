// SPDX-License-Identifier: MIT
/*
 * System calls: the number and arguments in the registers of the thread
 * the goroutine runs on.
 */
#include "blocking/blocking_priv.h"

bool ld_syscall_blocker(struct ld_session *s, struct ld_blocking *b,
			size_t gi)
{
	const struct ld_thread_regs *r;
	struct ld_goroutine *g = &s->gs[gi];
	struct ld_object *o;

	if (!g->tid || !(r = ld_session_thread(s, g->tid)))
		return true;
	o = ld_new_object(b, LD_BK_SYSCALL, (uint64_t)g->tid);
	if (!o)
		return false;
	o->sysno = (int64_t)r->regs[s->arch->reg_syscall_nr];
	for (int i = 0; i < 6; i++)
		o->args[i] = r->regs[s->arch->reg_syscall_args[i]];
	idlist_add(&o->waiters, g->goid);
	return add_blocker(b, gi, o, LD_OP_NONE);
}
