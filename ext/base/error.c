// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/error.h"

struct ld_error ld_error_nomem = {
	.code = LD_ERR_NOMEM,
	.message = "out of memory",
};

static struct ld_error *error_vcreate(enum ld_error_code code, int errnum,
				      uint64_t address, const char *fmt,
				      va_list ap)
{
	struct ld_error *err = calloc(1, sizeof(*err));

	if (!err)
		return &ld_error_nomem;
	err->code = code;
	err->errnum = errnum;
	err->address = address;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &ld_error_nomem;
	}
	return err;
}

struct ld_error *ld_error_create(enum ld_error_code code, const char *fmt, ...)
{
	struct ld_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = error_vcreate(code, 0, 0, fmt, ap);
	va_end(ap);
	return err;
}

struct ld_error *ld_error_fault(uint64_t address, const char *fmt, ...)
{
	struct ld_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = error_vcreate(LD_ERR_FAULT, 0, address, fmt, ap);
	va_end(ap);
	return err;
}

struct ld_error *ld_error_os(int errnum, const char *fmt, ...)
{
	struct ld_error *err;
	char *full;
	va_list ap;

	va_start(ap, fmt);
	err = error_vcreate(LD_ERR_OS, errnum, 0, fmt, ap);
	va_end(ap);
	if (err == &ld_error_nomem)
		return err;
	if (asprintf(&full, "%s: %s", err->message, strerror(errnum)) >= 0) {
		free(err->message);
		err->message = full;
	}
	return err;
}

struct ld_error *ld_error_wrap(struct ld_error *err, const char *fmt, ...)
{
	char *prefix, *full;
	va_list ap;

	if (!err || err == &ld_error_nomem)
		return err;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		prefix = NULL;
	va_end(ap);
	if (!prefix)
		return err;
	if (asprintf(&full, "%s: %s", prefix, err->message) >= 0) {
		free(err->message);
		err->message = full;
	}
	free(prefix);
	return err;
}

void ld_error_destroy(struct ld_error *err)
{
	if (!err || err == &ld_error_nomem)
		return;
	free(err->message);
	free(err);
}

const char *ld_error_code_name(enum ld_error_code code)
{
	switch (code) {
	case LD_ERR_NOMEM: return "nomem";
	case LD_ERR_FAULT: return "fault";
	case LD_ERR_OS: return "os";
	case LD_ERR_FORMAT: return "format";
	case LD_ERR_NOT_GO: return "not-go";
	case LD_ERR_UNSUPPORTED: return "unsupported";
	case LD_ERR_MISMATCH: return "mismatch";
	case LD_ERR_NO_DWARF: return "no-dwarf";
	case LD_ERR_LOOKUP: return "lookup";
	case LD_ERR_INVALID: return "invalid";
	case LD_ERR_NOT_FOUND: return "not-found";
	case LD_ERR_CORRUPT: return "corrupt";
	}
	return "unknown";
}
