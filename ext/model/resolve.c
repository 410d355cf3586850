// SPDX-License-Identifier: MIT
/*
 * Global variables by name (see leakdump/model/resolve.h): what LLDB's
 * go-chan and go-mutex are given instead of a Go expression.
 */
#include <stdio.h>
#include <string.h>

#include "leakdump/model/resolve.h"

#define MAX_NAME 512

/* The binary whose .symtab describes the executable, or NULL. */
static const struct ld_binary *symbols(const struct ld_session *s)
{
	if (s->bin->has_symtab)
		return s->bin;
	if (s->bin->debug && s->bin->debug->has_symtab)
		return s->bin->debug;
	return NULL;
}

/*
 * name's unrelocated address; *pointer is 1 or 0 when DWARF says whether
 * the variable holds a pointer, -1 when only the symbol table knew it.
 */
static bool lookup(struct ld_session *s, const char *name, uint64_t *addr,
		   int *pointer)
{
	const struct ld_binary *syms = symbols(s);
	struct ld_error *err;
	bool ptr;

	if (s->dw) {
		err = ld_dwarf_variable_pointer(s->dw, name, addr, &ptr);
		if (!err) {
			*pointer = ptr;
			return true;
		}
		ld_error_destroy(err);
	}
	if (syms) {
		err = ld_binary_symbol(syms, name, addr, NULL);
		if (!err) {
			*pointer = -1;
			return true;
		}
		ld_error_destroy(err);
	}
	return false;
}

static bool valid_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= MAX_NAME - sizeof("main."))
		return false;
	for (; *name; name++)
		if ((unsigned char)*name <= ' ' || *name == '&' ||
		    *name == '*' || *name == '\'' || *name == '"')
			return false;
	return true;
}

struct ld_error *ld_session_resolve(struct ld_session *s, const char *expr,
				    bool pointer_default, uint64_t *ret)
{
	char qualified[MAX_NAME];
	const char *name = expr;
	uint64_t addr, value;
	struct ld_error *err;
	int pointer;
	char prefix = 0;

	if (*name == '&' || *name == '*')
		prefix = *name++;
	if (!valid_name(name))
		return ld_error_create(LD_ERR_INVALID,
				       "cannot evaluate %s: give an address, or a global variable's name ([&|*]package.name)",
				       expr);
	if (!s->dw && !symbols(s))
		return ld_error_create(LD_ERR_LOOKUP,
				       "cannot resolve %s: %s has no symbol table or DWARF (stripped); give an address (leak-dump prints them)",
				       expr, s->bin->path);
	/*
	 * An unqualified name is package main's, as in Go source, before a
	 * C global of that name (cgo).
	 */
	snprintf(qualified, sizeof(qualified), "main.%s", name);
	if ((strchr(name, '.') || !lookup(s, qualified, &addr, &pointer)) &&
	    !lookup(s, name, &addr, &pointer))
		return ld_error_create(LD_ERR_LOOKUP,
				       "no global variable %s in %s", name,
				       s->bin->path);
	addr += s->bias;
	if (prefix == '&' ||
	    (!prefix && (pointer == 0 || (pointer < 0 && !pointer_default)))) {
		*ret = addr;
		return NULL;
	}
	err = ld_mem_read_u64(s->mem, addr, &value);
	if (err)
		return ld_error_wrap(err, "reading %s", name);
	*ret = value;
	return NULL;
}
