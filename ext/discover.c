// SPDX-License-Identifier: MIT
/* Runtime globals in fully stripped binaries: not implemented yet. */
#include "leakdump/discover.h"

struct ld_error *ld_discover_moduledata(struct ld_session *s)
{
	return ld_error_create(LD_ERR_NO_DWARF,
			       "%s (%s) is stripped (no DWARF, no symbol table); fully stripped binaries are not supported yet",
			       s->bin->path, s->rt->go_version);
}

struct ld_error *ld_discover_runtime_vars(struct ld_session *s)
{
	return ld_error_create(LD_ERR_LOOKUP,
			       "runtime variables of stripped binaries: not supported yet");
}
