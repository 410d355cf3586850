// SPDX-License-Identifier: MIT
/*
 * A target whose memory a debugger reads for us (gdbserver, say): we see
 * the memory and nothing else of the process, so mappings, file
 * descriptors and its clock are unknown.
 */
#include "leakdump/target/target.h"

static struct ld_error *callback_open(struct ld_target *t,
				      const struct ld_target_spec *spec,
				      const struct ld_binary *bin,
				      struct ld_mem *mem)
{
	t->bias = spec->load_bias;
	return ld_mem_add_callback(mem, 0, UINT64_MAX, spec->read,
				   spec->read_arg);
}

const struct ld_target_ops ld_target_callback_ops = {
	.name = "remote",
	.open = callback_open,
};
