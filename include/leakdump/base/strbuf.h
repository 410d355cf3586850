/* SPDX-License-Identifier: MIT */
/*
 * A growable byte buffer for building output.  The buffer owns its storage;
 * ld_strbuf_release() frees it.  Appends that fail to allocate set ->oom
 * and are dropped, so callers check once at the end (ld_strbuf_error()).
 */
#ifndef LD_STRBUF_H
#define LD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leakdump/base/error.h"

struct ld_strbuf {
	char *data;		/* NUL-terminated when len > 0 */
	size_t len, cap;
	bool oom;
};

#define LD_STRBUF_INIT { NULL, 0, 0, false }

void ld_strbuf_append(struct ld_strbuf *sb, const char *s, size_t n);
void ld_strbuf_puts(struct ld_strbuf *sb, const char *s);
void ld_strbuf_putc(struct ld_strbuf *sb, char c);
void ld_strbuf_printf(struct ld_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Go's runtime print(hex(x)): "0x" followed by lowercase hex digits. */
void ld_strbuf_hex(struct ld_strbuf *sb, uint64_t x);
void ld_strbuf_dec(struct ld_strbuf *sb, int64_t x);
void ld_strbuf_udec(struct ld_strbuf *sb, uint64_t x);
/* JSON string literal with quotes and escapes. */
void ld_strbuf_json_str(struct ld_strbuf *sb, const char *s);
void ld_strbuf_reset(struct ld_strbuf *sb);	/* len = 0, keep storage */
void ld_strbuf_release(struct ld_strbuf *sb);
/* &ld_error_nomem if any append failed, else NULL. */
struct ld_error *ld_strbuf_error(const struct ld_strbuf *sb);
/* Write the contents to f and reset; LD_ERR_OS on a write error. */
struct ld_error *ld_strbuf_flush(struct ld_strbuf *sb, FILE *f);

#endif
