// SPDX-License-Identifier: MIT
/*
 * Targets (see include/leakdump/target/target.h): the one place a target's
 * kind picks its operations, and the wrappers that stand in for the
 * operations a kind does not have.
 */
#include <string.h>
#include <time.h>

#include "leakdump/target/target.h"

static const struct ld_target_ops *ops_for(enum ld_target_kind kind)
{
	switch (kind) {
	case LD_TARGET_LIVE: return &ld_target_live_ops;
	case LD_TARGET_CORE: return &ld_target_core_ops;
	case LD_TARGET_CALLBACK: return &ld_target_callback_ops;
	}
	return NULL;
}

struct ld_error *ld_target_open(struct ld_target *t,
				const struct ld_target_spec *spec,
				const struct ld_binary *bin,
				struct ld_mem *mem)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops_for(spec->kind);
	if (!t->ops)
		return ld_error_create(LD_ERR_INVALID, "unknown target kind");
	t->pid = spec->pid;
	return t->ops->open(t, spec, bin, mem);
}

void ld_target_close(struct ld_target *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
	t->priv = NULL;
}

const char *ld_target_name(const struct ld_target *t)
{
	return t->ops ? t->ops->name : "?";
}

bool ld_target_mapped(const struct ld_target *t)
{
	return t->ops && t->ops->mapped;
}

bool ld_target_mappings(const struct ld_target *t, ld_target_range_fn *fn,
			void *arg)
{
	return t->ops && t->ops->mappings && t->ops->mappings(t, fn, arg);
}

void ld_target_describe_fds(const struct ld_target *t, const int64_t *fds,
			    size_t n, char **out)
{
	if (t->ops && t->ops->describe_fds) {
		t->ops->describe_fds(t, fds, n, out);
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
}

char *ld_target_describe_fd(const struct ld_target *t, int64_t fd)
{
	char *out;

	ld_target_describe_fds(t, &fd, 1, &out);
	return out;
}

bool ld_target_now(const struct ld_target *t, int64_t *ret)
{
	return t->ops && t->ops->now && t->ops->now(t, ret);
}

int64_t ld_target_wall(const struct ld_target *t)
{
	struct timespec ts;
	int64_t ns;

	if (t->ops && t->ops->wall && t->ops->wall(t, &ns))
		return ns;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ld_target_trim(struct ld_target *t)
{
	if (t->ops && t->ops->trim)
		t->ops->trim(t);
}

const uint8_t *ld_target_view(const struct ld_target *t, size_t *size)
{
	if (!t->ops || !t->ops->view)
		return NULL;
	return t->ops->view(t, size);
}
