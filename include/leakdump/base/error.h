/* SPDX-License-Identifier: MIT */
/*
 * Errors are values.  A function that can fail returns a struct ld_error *:
 * NULL means success.  The caller owns a returned error and releases it with
 * ld_error_destroy(), which accepts NULL and the static ld_error_nomem.
 */
#ifndef LD_ERROR_H
#define LD_ERROR_H

#include <stdint.h>

enum ld_error_code {
	LD_ERR_NOMEM = 1,	/* allocation failed */
	LD_ERR_FAULT,		/* target memory unreadable at ->address */
	LD_ERR_OS,		/* system call failed; ->errnum holds errno */
	LD_ERR_FORMAT,		/* malformed ELF, DWARF, pclntab or runtime data */
	LD_ERR_NOT_GO,		/* the binary is not a Go program */
	LD_ERR_UNSUPPORTED,	/* Go version, arch or feature not supported */
	LD_ERR_MISMATCH,	/* core file does not belong to the executable */
	LD_ERR_NO_DWARF,	/* the binary carries no DWARF */
	LD_ERR_LOOKUP,		/* symbol, type, member or constant not found */
	LD_ERR_INVALID,		/* bad argument from the caller */
	LD_ERR_NOT_FOUND,	/* asked-for object (e.g. goroutine id) absent */
	LD_ERR_CORRUPT,		/* a runtime structure does not make sense */
};

struct ld_error {
	enum ld_error_code code;
	int errnum;		/* LD_ERR_OS only */
	uint64_t address;	/* LD_ERR_FAULT (and CORRUPT): offending address */
	char *message;		/* one line, no trailing newline; owned */
};

/* Static out-of-memory error: never allocated, never freed. */
extern struct ld_error ld_error_nomem;

struct ld_error *ld_error_create(enum ld_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct ld_error *ld_error_fault(uint64_t address, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* errnum is an errno value; its strerror() text is appended. */
struct ld_error *ld_error_os(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefix err->message with "prefix: " and return err (for adding context). */
struct ld_error *ld_error_wrap(struct ld_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ld_error_destroy(struct ld_error *err);
/* Short stable name of a code ("fault", "not-go", ...). Static string. */
const char *ld_error_code_name(enum ld_error_code code);

#endif
