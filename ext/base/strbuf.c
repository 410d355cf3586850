// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/strbuf.h"

static bool strbuf_reserve(struct ld_strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1, cap;
	char *p;

	if (sb->oom)
		return false;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(sb->data, cap);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->data = p;
	sb->cap = cap;
	return true;
}

void ld_strbuf_append(struct ld_strbuf *sb, const char *s, size_t n)
{
	if (!strbuf_reserve(sb, n))
		return;
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void ld_strbuf_puts(struct ld_strbuf *sb, const char *s)
{
	ld_strbuf_append(sb, s, strlen(s));
}

void ld_strbuf_putc(struct ld_strbuf *sb, char c)
{
	ld_strbuf_append(sb, &c, 1);
}

void ld_strbuf_printf(struct ld_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void ld_strbuf_hex(struct ld_strbuf *sb, uint64_t x)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20];
	int i = sizeof(tmp);

	do {
		tmp[--i] = digits[x & 0xf];
		x >>= 4;
	} while (x);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	ld_strbuf_append(sb, tmp + i, sizeof(tmp) - (size_t)i);
}

void ld_strbuf_udec(struct ld_strbuf *sb, uint64_t x)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	ld_strbuf_append(sb, tmp + i, sizeof(tmp) - (size_t)i);
}

void ld_strbuf_dec(struct ld_strbuf *sb, int64_t x)
{
	if (x < 0) {
		ld_strbuf_putc(sb, '-');
		ld_strbuf_udec(sb, (uint64_t)0 - (uint64_t)x);
		return;
	}
	ld_strbuf_udec(sb, (uint64_t)x);
}

void ld_strbuf_json_str(struct ld_strbuf *sb, const char *s)
{
	ld_strbuf_putc(sb, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			ld_strbuf_putc(sb, '\\');
			ld_strbuf_putc(sb, (char)c);
		} else if (c < 0x20) {
			ld_strbuf_printf(sb, "\\u%04x", c);
		} else {
			ld_strbuf_putc(sb, (char)c);
		}
	}
	ld_strbuf_putc(sb, '"');
}

void ld_strbuf_reset(struct ld_strbuf *sb)
{
	sb->len = 0;
	if (sb->data)
		sb->data[0] = '\0';
}

void ld_strbuf_release(struct ld_strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}

struct ld_error *ld_strbuf_error(const struct ld_strbuf *sb)
{
	return sb->oom ? &ld_error_nomem : NULL;
}

struct ld_error *ld_strbuf_flush(struct ld_strbuf *sb, FILE *f)
{
	if (sb->oom)
		return &ld_error_nomem;
	if (sb->len && fwrite(sb->data, 1, sb->len, f) != sb->len)
		return ld_error_os(errno, "write");
	ld_strbuf_reset(sb);
	return NULL;
}
