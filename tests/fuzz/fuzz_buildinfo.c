// SPDX-License-Identifier: MIT
/*
 * The build info blob (.go.buildinfo, ext/go/buildinfo.c): the header,
 * both uvarint-prefixed strings, then the version string's parse.  The
 * input is the section's contents.
 */
#include <stdint.h>
#include <stdlib.h>

#include "leakdump/go/buildinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *ver = NULL, *mod = NULL;
	struct ld_error *err;
	int a, b, c;

	err = ld_buildinfo_parse(data, size, &ver, &mod);
	if (err) {
		/* Nothing is handed out on error. */
		if (ver || mod)
			abort();
		ld_error_destroy(err);
		return 0;
	}
	if (ver)
		ld_go_version_parse(ver, &a, &b, &c);
	free(ver);
	free(mod);
	return 0;
}
