// SPDX-License-Identifier: MIT
/*
 * An ELF core file as a target: memory from its PT_LOADs over the
 * executable's segments, mappings from its program headers, and pages
 * served from one file mapping (which the pager and trimming work on).
 * The core file format itself is parsed in core.c.
 */
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "leakdump/target/core.h"
#include "leakdump/target/target.h"

static struct ld_error *corefile_open(struct ld_target *t,
				      const struct ld_target_spec *spec,
				      const struct ld_binary *bin,
				      struct ld_mem *mem)
{
	struct ld_error *err;
	struct ld_core *core;
	bool checked;

	err = ld_core_open(spec->core_path, &core);
	if (err)
		return err;
	t->priv = core;
	if (core->machine != bin->machine)
		return ld_error_create(LD_ERR_MISMATCH,
				       "core file %s is for another architecture than %s",
				       spec->core_path, bin->path);
	t->bias = ld_core_load_bias(core, bin);
	t->pid = core->pid;
	err = ld_core_check_binary(core, bin, t->bias, &checked);
	if (err)
		return err;
	t->threads = core->threads;
	t->nthreads = core->nthreads;
	/* The core's segments go last so its bytes win. */
	err = ld_binary_add_segments(bin, mem, t->bias);
	if (!err)
		err = ld_core_add_segments(core, mem);
	return err;
}

static void corefile_close(struct ld_target *t)
{
	ld_core_destroy(t->priv);
}

static bool corefile_mappings(const struct ld_target *t,
			      ld_target_range_fn *fn, void *arg)
{
	const struct ld_core *core = t->priv;
	struct ld_core_region r;

	if (!core)
		return false;
	for (size_t i = 0; ld_core_region(core, i, &r); i++)
		if (r.writable && !fn(arg, r.start, r.end))
			return false;
	return true;
}

static void corefile_trim(struct ld_target *t)
{
	const struct ld_core *core = t->priv;

	if (core && core->map && core->size)
		madvise((void *)core->map, core->size, MADV_DONTNEED);
}

static const uint8_t *corefile_view(const struct ld_target *t, size_t *size)
{
	const struct ld_core *core = t->priv;

	if (!core || !core->map)
		return NULL;
	*size = core->size;
	return core->map;
}

/*
 * A core holds no clock of its own: when its file was created (the
 * kernel and gcore create it right after stopping the process, then
 * spend a varying time writing it), else when it was last written.
 */
static bool corefile_wall(const struct ld_target *t, int64_t *ret)
{
	const struct ld_core *core = t->priv;
	struct statx stx;

	if (!core || core->fd < 0 ||
	    statx(core->fd, "", AT_EMPTY_PATH, STATX_BTIME | STATX_MTIME, &stx))
		return false;
	if ((stx.stx_mask & STATX_BTIME) && stx.stx_btime.tv_sec > 0) {
		*ret = (int64_t)stx.stx_btime.tv_sec * 1000000000 +
		       stx.stx_btime.tv_nsec;
		return true;
	}
	if (!(stx.stx_mask & STATX_MTIME))
		return false;
	*ret = (int64_t)stx.stx_mtime.tv_sec * 1000000000 + stx.stx_mtime.tv_nsec;
	return true;
}

const struct ld_target_ops ld_target_core_ops = {
	.name = "core",
	.mapped = true,
	.open = corefile_open,
	.close = corefile_close,
	.mappings = corefile_mappings,
	.trim = corefile_trim,
	.view = corefile_view,
	.wall = corefile_wall,
};
