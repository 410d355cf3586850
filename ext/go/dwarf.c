// SPDX-License-Identifier: MIT
/*
 * DWARF lookups for Go (and, for the tests, C) binaries via libdw.
 *
 * Go puts every named type, global variable and constant at the top level of
 * some compile unit, with the package-qualified name directly in DW_AT_name
 * ("runtime.g", "runtime.allgs", "runtime._Gwaiting").  So one pass over the
 * top-level DIEs of all units, never descending into functions, finds
 * everything we need; lookups afterwards are a hash probe.
 *
 * Go compresses its .debug_* sections (SHF_COMPRESSED, zlib); libdw
 * decompresses them itself in dwarf_begin_elf(), so nothing here cares.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/go/dwarf.h"

/*
 * Sanity bounds on walks over input data.  libdw's iterators always advance,
 * but a corrupt file could still make them long; these are far above what
 * any real binary has (a large Go binary has ~10^5 top-level DIEs).
 */
#define MAX_UNITS		(1u << 20)
#define MAX_SIBLINGS		(1u << 24)
#define MAX_TYPE_CHAIN		64	/* typedef/const/volatile links */
#define MAX_PATH_DEPTH		64	/* components in a member path */
#define MAX_ANON_DEPTH		8	/* nested anonymous C struct members */

enum entry_kind {
	KIND_TYPE = 1,
	KIND_VAR,
	KIND_CONST,
};

/*
 * One name in the index.  name points into libdw's string data, which lives
 * as long as the Dwarf handle, so the index copies no strings.
 */
struct entry {
	const char *name;	/* NULL: empty slot */
	uint32_t hash;
	uint8_t kind;
	bool decl;		/* a type that is only a declaration */
	bool ptr;		/* a variable whose type is pointer-shaped */
	uint64_t val;		/* DIE offset, address or constant bits */
};

struct ld_dwarf {
	Dwarf *dwarf;
	Elf *copy_elf;		/* see private_copy(); NULL when unused */
	char *copy_image;
	struct entry *slots;
	size_t cap;		/* power of two */
	size_t count;
	const char *producer;	/* first Go producer, in libdw's data */
};

/* FNV-1a over the name, seeded with the kind so kinds do not collide. */
static uint32_t name_hash(const char *name, uint8_t kind)
{
	uint32_t h = 2166136261u ^ kind;

	for (; *name; name++) {
		h ^= (uint8_t)*name;
		h *= 16777619u;
	}
	return h;
}

/* The slot holding (kind, name), or the empty slot where it would go. */
static struct entry *index_probe(struct entry *slots, size_t cap,
				 const char *name, uint32_t hash, uint8_t kind)
{
	size_t mask = cap - 1;
	size_t i = hash & mask;
	size_t n;

	/* The table is never full (load <= 1/2), so this finds a slot. */
	for (n = 0; n < cap; n++, i = (i + 1) & mask) {
		struct entry *e = &slots[i];

		if (!e->name)
			return e;
		if (e->hash == hash && e->kind == kind &&
		    strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

static int index_grow(struct ld_dwarf *dw)
{
	size_t cap = dw->cap ? dw->cap * 2 : 4096;
	struct entry *slots = calloc(cap, sizeof(*slots));
	size_t i;

	if (!slots)
		return -1;
	for (i = 0; i < dw->cap; i++) {
		struct entry *old = &dw->slots[i];

		if (old->name)
			*index_probe(slots, cap, old->name, old->hash,
				     old->kind) = *old;
	}
	free(dw->slots);
	dw->slots = slots;
	dw->cap = cap;
	return 0;
}

/*
 * Add (kind, name) -> val.  The first definition of a name wins; a type seen
 * only as a declaration (an incomplete C struct) gives way to a later
 * definition.  Returns -1 only on allocation failure.
 */
static int index_add(struct ld_dwarf *dw, const char *name, uint8_t kind,
		     bool decl, bool ptr, uint64_t val)
{
	uint32_t hash = name_hash(name, kind);
	struct entry *e;

	if ((dw->count + 1) * 2 > dw->cap && index_grow(dw) < 0)
		return -1;
	e = index_probe(dw->slots, dw->cap, name, hash, kind);
	if (e->name && !(e->decl && !decl))
		return 0;
	if (!e->name)
		dw->count++;
	*e = (struct entry){
		.name = name, .hash = hash, .kind = kind, .decl = decl,
		.ptr = ptr, .val = val,
	};
	return 0;
}

static const struct entry *index_find(const struct ld_dwarf *dw,
				      const char *name, uint8_t kind)
{
	const struct entry *e;

	if (!dw->cap)
		return NULL;
	e = index_probe(dw->slots, dw->cap, name, name_hash(name, kind), kind);
	return e && e->name ? e : NULL;
}

/*
 * Go writes DW_AT_location as DW_FORM_block1 even in DWARF 4 and 5 units,
 * where libdw's dwarf_getlocation() takes a block to be a location list and
 * fails.  So decode the one expression we accept, DW_OP_addr <address>,
 * from the raw block (little-endian: leakdump reads little-endian ELF only).
 */
static bool block_static_addr(Dwarf_Die *die, Dwarf_Attribute *attr,
			      uint64_t *addr)
{
	Dwarf_Block block;
	Dwarf_Die cu;
	uint8_t addr_size;
	uint64_t v = 0;
	unsigned int i;

	if (dwarf_formblock(attr, &block) != 0 ||
	    !dwarf_diecu(die, &cu, &addr_size, NULL) ||
	    (addr_size != 4 && addr_size != 8) ||
	    block.length != 1u + addr_size || block.data[0] != DW_OP_addr)
		return false;
	for (i = addr_size; i > 0; i--)
		v = v << 8 | block.data[i];
	*addr = v;
	return true;
}

/* The static address of a variable whose location is one DW_OP_addr. */
static bool die_static_addr(Dwarf_Die *die, uint64_t *addr)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t nops;

	if (!dwarf_attr(die, DW_AT_location, &attr))
		return false;
	if (dwarf_getlocation(&attr, &ops, &nops) != 0)
		return block_static_addr(die, &attr, addr);
	if (nops != 1 || ops[0].atom != DW_OP_addr)
		return false;
	*addr = ops[0].number;
	return true;
}

static bool die_const_value(Dwarf_Die *die, int64_t *value)
{
	Dwarf_Attribute attr;
	Dwarf_Sword v;

	if (!dwarf_attr(die, DW_AT_const_value, &attr) ||
	    dwarf_formsdata(&attr, &v) != 0)
		return false;
	*value = v;
	return true;
}

/* C enumerators live one level down, inside their enumeration type. */
static int index_enumerators(struct ld_dwarf *dw, Dwarf_Die *type)
{
	Dwarf_Die child;
	unsigned int n = 0;
	int64_t value;

	if (dwarf_child(type, &child) != 0)
		return 0;
	do {
		const char *name = dwarf_diename(&child);

		if (dwarf_tag(&child) == DW_TAG_enumerator && name &&
		    die_const_value(&child, &value) &&
		    index_add(dw, name, KIND_CONST, false, false,
				      (uint64_t)value) < 0)
			return -1;
	} while (++n < MAX_SIBLINGS && dwarf_siblingof(&child, &child) == 0);
	return 0;
}

/*
 * Is die's type, through typedefs and qualifiers, a pointer?  In Go that
 * is a pointer, a chan or a map (a typedef of a pointer to the runtime's
 * hchan or map header): a variable one dereferences to reach the object.
 */
static bool type_is_pointer(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Die type = *die;
	unsigned int n;

	for (n = 0; n < MAX_TYPE_CHAIN; n++) {
		if (!dwarf_attr_integrate(&type, DW_AT_type, &attr) ||
		    !dwarf_formref_die(&attr, &type))
			return false;
		switch (dwarf_tag(&type)) {
		case DW_TAG_pointer_type:
			return true;
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
			continue;
		default:
			return false;
		}
	}
	return false;
}

static int index_die(struct ld_dwarf *dw, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	int tag = dwarf_tag(die);
	uint64_t addr;
	int64_t value;

	if (tag == DW_TAG_enumeration_type &&
	    index_enumerators(dw, die) < 0)
		return -1;
	if (!name)
		return 0;
	switch (tag) {
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
	case DW_TAG_enumeration_type:
	case DW_TAG_typedef:
	case DW_TAG_base_type:
	case DW_TAG_pointer_type:
		return index_add(dw, name, KIND_TYPE,
				 dwarf_hasattr(die, DW_AT_declaration), false,
				 dwarf_dieoffset(die));
	case DW_TAG_variable:
		if (!die_static_addr(die, &addr))
			return 0;
		return index_add(dw, name, KIND_VAR, false,
				 type_is_pointer(die), addr);
	case DW_TAG_constant:
		if (!die_const_value(die, &value))
			return 0;
		return index_add(dw, name, KIND_CONST, false, false,
				      (uint64_t)value);
	default:
		return 0;
	}
}

static bool producer_is_go(const char *p)
{
	return p && (strstr(p, "Go cmd/compile") || strstr(p, " go1."));
}

static int index_unit(struct ld_dwarf *dw, Dwarf_Die *cudie)
{
	Dwarf_Attribute attr;
	Dwarf_Die die;
	unsigned int n = 0;

	if (!dw->producer) {
		const char *p = dwarf_formstring(dwarf_attr(cudie,
					DW_AT_producer, &attr));

		if (producer_is_go(p))
			dw->producer = p;
	}
	if (dwarf_child(cudie, &die) != 0)
		return 0;
	do {
		if (index_die(dw, &die) < 0)
			return -1;
	} while (++n < MAX_SIBLINGS && dwarf_siblingof(&die, &die) == 0);
	return 0;
}

static struct ld_error *index_build(struct ld_dwarf *dw)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	unsigned int n = 0;
	int ret = 0;

	while (n++ < MAX_UNITS &&
	       (ret = dwarf_get_units(dw->dwarf, cu, &cu, NULL, &unit_type,
				      &cudie, NULL)) == 0) {
		if (index_unit(dw, &cudie) < 0)
			return &ld_error_nomem;
	}
	if (ret < 0)
		return ld_error_create(LD_ERR_FORMAT, "DWARF units: %s",
				       dwarf_errmsg(-1));
	return NULL;
}

/*
 * A 64- or 32-bit section header's flags, and where libelf keeps it.  On
 * x86 libelf hands out headers in place in the image even at an odd
 * e_shoff, so the field is copied out, never read through the struct.
 */
static const void *shdr_flags(Elf_Scn *scn, bool is64, uint64_t *flags)
{
	const char *sh;
	uint32_t f32;

	*flags = 0;
	if (is64) {
		sh = (const char *)elf64_getshdr(scn);
		if (sh)
			memcpy(flags, sh + offsetof(Elf64_Shdr, sh_flags),
			       sizeof(*flags));
	} else {
		sh = (const char *)elf32_getshdr(scn);
		if (sh) {
			memcpy(&f32, sh + offsetof(Elf32_Shdr, sh_flags),
			       sizeof(f32));
			*flags = f32;
		}
	}
	return sh;
}

/*
 * libdw decompresses SHF_COMPRESSED sections (all of Go's .debug_*) with
 * elf_compress(), which rewrites the section header in place.  An Elf from
 * elf_memory() keeps its section headers inside the caller's image, which
 * may be a read-only mapping: that write would fault.  Only then does libdw
 * get a private, writable copy of the image.
 */
static bool needs_private_copy(Elf *elf)
{
	const char *raw, *ident = elf_getident(elf, NULL);
	Elf_Scn *scn = NULL;
	uint64_t flags;
	size_t size;
	bool is64;

	raw = elf_rawfile(elf, &size);
	if (!raw || !ident)
		return false;
	is64 = ident[EI_CLASS] == ELFCLASS64;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *sh = shdr_flags(scn, is64, &flags);

		if (sh >= raw && sh < raw + size && (flags & SHF_COMPRESSED))
			return true;
	}
	return false;
}

static struct ld_error *private_copy(struct ld_dwarf *dw, Elf **elf)
{
	const char *raw;
	size_t size;

	raw = elf_rawfile(*elf, &size);
	dw->copy_image = malloc(size);
	if (!dw->copy_image)
		return &ld_error_nomem;
	memcpy(dw->copy_image, raw, size);
	dw->copy_elf = elf_memory(dw->copy_image, size);
	if (!dw->copy_elf)
		return ld_error_create(LD_ERR_FORMAT, "ELF copy: %s",
				       elf_errmsg(-1));
	*elf = dw->copy_elf;
	return NULL;
}

struct ld_error *ld_dwarf_open(Elf *elf, struct ld_dwarf **ret)
{
	struct ld_dwarf *dw;
	struct ld_error *err;

	*ret = NULL;
	if (!elf)
		return ld_error_create(LD_ERR_INVALID, "no ELF handle");
	dw = calloc(1, sizeof(*dw));
	if (!dw)
		return &ld_error_nomem;
	if (needs_private_copy(elf)) {
		err = private_copy(dw, &elf);
		if (err) {
			ld_dwarf_destroy(dw);
			return err;
		}
	}
	dw->dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dw->dwarf) {
		err = ld_error_create(LD_ERR_NO_DWARF, "no DWARF: %s",
				      dwarf_errmsg(-1));
		ld_dwarf_destroy(dw);
		return err;
	}
	err = index_build(dw);
	if (err) {
		ld_dwarf_destroy(dw);
		return err;
	}
	*ret = dw;
	return NULL;
}

void ld_dwarf_destroy(struct ld_dwarf *dw)
{
	if (!dw)
		return;
	dwarf_end(dw->dwarf);
	elf_end(dw->copy_elf);
	free(dw->copy_image);
	free(dw->slots);
	free(dw);
}

/* Follow typedefs and C qualifiers down to the underlying type. */
static struct ld_error *strip_typedefs(Dwarf_Die *die)
{
	unsigned int n;

	for (n = 0; n < MAX_TYPE_CHAIN; n++) {
		Dwarf_Attribute attr;
		int tag = dwarf_tag(die);

		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
		    tag != DW_TAG_volatile_type)
			return NULL;
		if (!dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type,
							    &attr), die))
			return ld_error_create(LD_ERR_FORMAT,
					       "typedef %s has no type",
					       dwarf_diename(die) ?: "?");
	}
	return ld_error_create(LD_ERR_FORMAT, "typedef chain too long");
}

static struct ld_error *type_die(struct ld_dwarf *dw, const char *type,
				 Dwarf_Die *die)
{
	const struct entry *e = index_find(dw, type, KIND_TYPE);

	if (!e)
		return ld_error_create(LD_ERR_LOOKUP, "no type %s", type);
	if (!dwarf_offdie(dw->dwarf, e->val, die))
		return ld_error_create(LD_ERR_FORMAT, "bad DIE for type %s",
				       type);
	return NULL;
}

/*
 * Byte size of a type.  Go's pointer types carry no DW_AT_byte_size, so they
 * get the unit's address size.
 */
static struct ld_error *die_size(Dwarf_Die *die, uint64_t *size)
{
	Dwarf_Word sz;
	Dwarf_Die cu;
	uint8_t addr_size;

	if (dwarf_aggregate_size(die, &sz) == 0) {
		*size = sz;
		return NULL;
	}
	if (dwarf_tag(die) == DW_TAG_pointer_type &&
	    dwarf_diecu(die, &cu, &addr_size, NULL)) {
		*size = addr_size;
		return NULL;
	}
	return ld_error_create(LD_ERR_FORMAT, "no size for type %s",
			       dwarf_diename(die) ?: "?");
}

struct ld_error *ld_dwarf_type_size(struct ld_dwarf *dw, const char *type,
				    uint64_t *size)
{
	struct ld_error *err;
	Dwarf_Die die;

	err = type_die(dw, type, &die);
	if (!err)
		err = die_size(&die, size);
	return err;
}

static bool is_aggregate(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	       tag == DW_TAG_class_type;
}

/* DW_AT_data_member_location: a constant, or DWARF 2's plus_uconst block. */
static bool member_offset(Dwarf_Die *member, uint64_t *off)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;
	Dwarf_Op *ops;
	size_t nops;

	if (!dwarf_attr(member, DW_AT_data_member_location, &attr)) {
		*off = 0;	/* union members have none */
		return true;
	}
	if (dwarf_formudata(&attr, &w) == 0) {
		*off = w;
		return true;
	}
	if (dwarf_getlocation(&attr, &ops, &nops) == 0 && nops == 1 &&
	    ops[0].atom == DW_OP_plus_uconst) {
		*off = ops[0].number;
		return true;
	}
	return false;
}

/* The type DIE of a member, with typedefs stripped. */
static struct ld_error *member_type(Dwarf_Die *member, Dwarf_Die *type)
{
	Dwarf_Attribute attr;

	if (!dwarf_formref_die(dwarf_attr_integrate(member, DW_AT_type, &attr),
			       type))
		return ld_error_create(LD_ERR_FORMAT, "member %s has no type",
				       dwarf_diename(member) ?: "?");
	return strip_typedefs(type);
}

/*
 * Find the member called name (len bytes, not NUL-terminated) in aggregate
 * agg.  Members of anonymous C structs/unions are searched too, adding their
 * offset.  On success *member is the member DIE and *off its offset.
 */
static bool find_member(Dwarf_Die *agg, const char *name, size_t len,
			unsigned int depth, Dwarf_Die *member, uint64_t *off)
{
	Dwarf_Die child, type;
	unsigned int n = 0;
	uint64_t base;

	if (depth > MAX_ANON_DEPTH || dwarf_child(agg, &child) != 0)
		return false;
	do {
		const char *cname = dwarf_diename(&child);
		struct ld_error *err;

		if (dwarf_tag(&child) != DW_TAG_member ||
		    !member_offset(&child, &base))
			continue;
		if (cname) {
			if (strncmp(cname, name, len) != 0 || cname[len])
				continue;
			*member = child;
			*off = base;
			return true;
		}
		err = member_type(&child, &type);
		if (err) {
			ld_error_destroy(err);
			continue;
		}
		if (is_aggregate(dwarf_tag(&type)) &&
		    find_member(&type, name, len, depth + 1, member, off)) {
			*off += base;
			return true;
		}
	} while (++n < MAX_SIBLINGS && dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* Step from aggregate *die into its member comp; *die becomes its type. */
static struct ld_error *member_step(Dwarf_Die *die, const char *comp,
				    size_t len, const char *type,
				    uint64_t *offset)
{
	Dwarf_Die member;
	uint64_t off;

	if (!is_aggregate(dwarf_tag(die)))
		return ld_error_create(LD_ERR_LOOKUP,
				       "%s: %.*s is not in a struct", type,
				       (int)len, comp);
	if (!find_member(die, comp, len, 0, &member, &off))
		return ld_error_create(LD_ERR_LOOKUP, "%s has no member %.*s",
				       type, (int)len, comp);
	*offset += off;
	return member_type(&member, die);
}

struct ld_error *ld_dwarf_member(struct ld_dwarf *dw, const char *type,
				 const char *member, uint64_t *offset,
				 uint64_t *size)
{
	const char *comp = member;
	struct ld_error *err;
	unsigned int depth;
	uint64_t off = 0;
	Dwarf_Die die;

	err = type_die(dw, type, &die);
	if (!err)
		err = strip_typedefs(&die);
	for (depth = 0; !err && depth < MAX_PATH_DEPTH; depth++) {
		const char *dot = strchr(comp, '.');
		size_t len = dot ? (size_t)(dot - comp) : strlen(comp);

		if (!len)
			return ld_error_create(LD_ERR_INVALID,
					       "bad member path %s", member);
		err = member_step(&die, comp, len, type, &off);
		if (!dot)
			break;
		comp = dot + 1;
	}
	if (!err && depth == MAX_PATH_DEPTH)
		err = ld_error_create(LD_ERR_INVALID, "member path too long");
	if (!err)
		err = die_size(&die, size);
	if (err)
		return err;
	*offset = off;
	return NULL;
}

struct ld_error *ld_dwarf_variable(struct ld_dwarf *dw, const char *name,
				   uint64_t *addr)
{
	const struct entry *e = index_find(dw, name, KIND_VAR);

	if (!e)
		return ld_error_create(LD_ERR_LOOKUP, "no variable %s", name);
	*addr = e->val;
	return NULL;
}

struct ld_error *ld_dwarf_variable_pointer(struct ld_dwarf *dw,
					   const char *name, uint64_t *addr,
					   bool *pointer)
{
	const struct entry *e = index_find(dw, name, KIND_VAR);

	if (!e)
		return ld_error_create(LD_ERR_LOOKUP, "no variable %s", name);
	*addr = e->val;
	*pointer = e->ptr;
	return NULL;
}

struct ld_error *ld_dwarf_constant(struct ld_dwarf *dw, const char *name,
				   int64_t *value)
{
	const struct entry *e = index_find(dw, name, KIND_CONST);

	if (!e)
		return ld_error_create(LD_ERR_LOOKUP, "no constant %s", name);
	*value = (int64_t)e->val;
	return NULL;
}

const char *ld_dwarf_go_producer(struct ld_dwarf *dw)
{
	return dw->producer;
}
