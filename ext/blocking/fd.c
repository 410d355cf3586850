// SPDX-License-Identifier: MIT
/*
 * IO wait: the pollDesc passed to runtime_pollWait, checked against its
 * rg/wg, which hold the waiting g.  What the descriptors are (a socket, a
 * pipe) comes from the target, when it can tell, all at once after the
 * walk (ld_describe_fds).
 */
#include "blocking/blocking_priv.h"

bool ld_fd_blocker(struct ld_session *s, struct ld_blocking *b, size_t gi)
{
	const struct ld_rt_blocking *k = &s->rt->blk;
	struct ld_goroutine *g = &s->gs[gi];
	uint64_t pd, rg = 0, wg = 0, fd;
	struct ld_object *o;
	bool fresh;

	if (k->pd_fd < 0 || k->pd_rg < 0 || k->pd_wg < 0 ||
	    (!ld_frame_arg0(s, g, "internal/poll.runtime_pollWait", &pd,
			    NULL) &&
	     !ld_frame_arg0(s, g, "runtime.netpollblock", &pd, NULL)))
		return true;
	if (!read_u64(s, pd + (uint64_t)k->pd_rg, &rg) ||
	    !read_u64(s, pd + (uint64_t)k->pd_wg, &wg) ||
	    (rg != g->addr && wg != g->addr) ||
	    !read_u64(s, pd + (uint64_t)k->pd_fd, &fd))
		return true;
	o = get_object(b, LD_BK_FD, pd, &fresh);
	if (!o)
		return false;
	if (fresh) {
		o->fd = (int64_t)fd;
		o->mode = rg == g->addr ? 'r' : 'w';
	}
	idlist_add(&o->waiters, g->goid);
	return add_blocker(b, gi, o, LD_OP_NONE);
}

bool ld_describe_fds(struct ld_session *s, struct ld_blocking *b)
{
	size_t n = 0, k = 0;
	int64_t *fds;
	char **out;

	for (size_t i = 0; i < b->nobjs; i++)
		n += b->objs[i].kind == LD_BK_FD;
	if (!n)
		return true;
	fds = malloc(n * sizeof(*fds));
	out = malloc(n * sizeof(*out));
	if (!fds || !out) {
		free(fds);
		free(out);
		return false;
	}
	for (size_t i = 0; i < b->nobjs; i++)
		if (b->objs[i].kind == LD_BK_FD)
			fds[k++] = b->objs[i].fd;
	ld_target_describe_fds(&s->target, fds, n, out);
	k = 0;
	for (size_t i = 0; i < b->nobjs; i++)
		if (b->objs[i].kind == LD_BK_FD)
			b->objs[i].describes = out[k++];
	free(fds);
	free(out);
	return true;
}
