// SPDX-License-Identifier: MIT
/*
 * Go function names as the runtime's traceback judges them (see
 * include/leakdump/go/funcname.h).
 */
#include <string.h>

#include "leakdump/go/funcname.h"

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

bool ld_funcname_exported_runtime(const char *name)
{
	const char *dot, *rcvr = NULL, *fn;
	size_t rlen = 0;

	if (strncmp(name, "runtime.", 8))
		return false;
	name += 8;
	dot = strrchr(name, '.');
	fn = name;
	if (dot) {
		rcvr = name;
		rlen = (size_t)(dot - name);
		fn = dot + 1;
		if (rlen >= 3 && rcvr[0] == '(' && rcvr[1] == '*' &&
		    rcvr[rlen - 1] == ')') {
			rcvr += 2;
			rlen -= 3;
		}
	}
	return is_upper(fn[0]) && (!rlen || is_upper(rcvr[0]));
}

uint8_t ld_funcname_flags(const char *name)
{
	uint8_t f = LD_NAME_KNOWN;

	if (!strcmp(name, "runtime.gopanic"))
		f |= LD_NAME_GOPANIC;
	if (strchr(name, '.') &&
	    (strncmp(name, "runtime.", 8) || ld_funcname_exported_runtime(name)))
		f |= LD_NAME_SHOWN;
	return f;
}
