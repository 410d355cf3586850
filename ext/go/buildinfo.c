// SPDX-License-Identifier: MIT
/*
 * Go build info (Go 1.18+).  Layout, as written by cmd/link:
 *
 *   0  14 bytes  magic "\xff Go buildinf:"
 *   14 1 byte    pointer size
 *   15 1 byte    flags: 1 = big-endian, 2 = strings inline
 *   32 ...       uvarint length + Go version, uvarint length + module info
 *
 * Without flag 2 (before Go 1.18) offset 16 holds two pointers to Go string
 * headers instead; that layout is not supported.
 *
 * The library reads it through libelf on bin->elf only, so it depends on no
 * other part of struct ld_binary.
 */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/go/buildinfo.h"

#define BI_MAGIC		"\xff Go buildinf:"
#define BI_MAGIC_LEN		14
#define BI_HDR_LEN		32
#define BI_ALIGN		16
#define BI_FLAG_BIG_ENDIAN	0x1
#define BI_FLAG_INLINE		0x2
#define UVARINT_MAX_BYTES	10

/*
 * cmd/go brackets the module text between two 16-byte sentinels; the text
 * itself always ends in '\n'.  Anything else means "no module info".
 */
#define MOD_SENTINEL_LEN	16

/* Decode a uvarint at *pos; advance *pos.  -1 when truncated or too long. */
static int read_uvarint(const uint8_t *data, size_t len, size_t *pos,
			uint64_t *ret)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < UVARINT_MAX_BYTES && *pos < len; i++) {
		uint8_t b = data[(*pos)++];

		/* The tenth byte may only contribute the top bit. */
		if (i == UVARINT_MAX_BYTES - 1 && b > 1)
			return -1;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -1;
}

/* Read one length-prefixed string into a new NUL-terminated copy. */
static struct ld_error *read_string(const uint8_t *data, size_t len,
				    size_t *pos, const char *what,
				    const uint8_t **str, size_t *slen)
{
	uint64_t n;

	if (read_uvarint(data, len, pos, &n) < 0)
		return ld_error_create(LD_ERR_FORMAT,
				       "buildinfo: bad %s length", what);
	if (n > len - *pos)
		return ld_error_create(LD_ERR_FORMAT,
				       "buildinfo: %s runs past the end", what);
	*str = data + *pos;
	*slen = n;
	*pos += n;
	return NULL;
}

static char *copy_string(const uint8_t *s, size_t n)
{
	char *ret = malloc(n + 1);

	if (ret) {
		memcpy(ret, s, n);
		ret[n] = '\0';
	}
	return ret;
}

/* Strip cmd/go's sentinels off the module text (see MOD_SENTINEL_LEN). */
static void strip_sentinels(const uint8_t **mod, size_t *len)
{
	if (*len > 2 * MOD_SENTINEL_LEN &&
	    (*mod)[*len - MOD_SENTINEL_LEN - 1] == '\n') {
		*mod += MOD_SENTINEL_LEN;
		*len -= 2 * MOD_SENTINEL_LEN;
	} else {
		*len = 0;
	}
}

static struct ld_error *check_header(const uint8_t *data, size_t len)
{
	uint8_t flags;

	if (len < BI_MAGIC_LEN || memcmp(data, BI_MAGIC, BI_MAGIC_LEN) != 0)
		return ld_error_create(LD_ERR_NOT_GO, "no Go build info");
	if (len < BI_HDR_LEN)
		return ld_error_create(LD_ERR_FORMAT,
				       "buildinfo: truncated header");
	flags = data[BI_MAGIC_LEN + 1];
	if (!(flags & BI_FLAG_INLINE))
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "buildinfo: pre-Go 1.18 layout");
	if (flags & BI_FLAG_BIG_ENDIAN)
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "buildinfo: big-endian");
	return NULL;
}

struct ld_error *ld_buildinfo_parse(const uint8_t *data, size_t len,
				    char **go_version, char **mod_info)
{
	const uint8_t *ver, *mod;
	size_t pos = BI_HDR_LEN, vlen, mlen;
	struct ld_error *err;
	char *v = NULL, *m = NULL;

	if (go_version)
		*go_version = NULL;
	if (mod_info)
		*mod_info = NULL;
	err = check_header(data, len);
	if (!err)
		err = read_string(data, len, &pos, "version", &ver, &vlen);
	if (!err)
		err = read_string(data, len, &pos, "modinfo", &mod, &mlen);
	if (err)
		return err;
	if (!vlen || memchr(ver, '\0', vlen))
		return ld_error_create(LD_ERR_FORMAT,
				       "buildinfo: bad version string");
	strip_sentinels(&mod, &mlen);
	if (go_version && !(v = copy_string(ver, vlen)))
		return &ld_error_nomem;
	if (mod_info && !(m = copy_string(mod, mlen))) {
		free(v);
		return &ld_error_nomem;
	}
	if (go_version)
		*go_version = v;
	if (mod_info)
		*mod_info = m;
	return NULL;
}

/* The file bytes of the section called name, or NULL. */
static const uint8_t *section_bytes(Elf *elf, const char *name, size_t *len)
{
	const uint8_t *file;
	size_t shstrndx, fsize;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	file = (const uint8_t *)elf_rawfile(elf, &fsize);
	if (!file || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *sname;

		if (!gelf_getshdr(scn, &shdr))
			return NULL;
		sname = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!sname || strcmp(sname, name) != 0)
			continue;
		if (shdr.sh_type == SHT_NOBITS || shdr.sh_offset > fsize ||
		    shdr.sh_size > fsize - shdr.sh_offset)
			return NULL;
		*len = shdr.sh_size;
		return file + shdr.sh_offset;
	}
	return NULL;
}

/* Look for the magic at 16-byte aligned addresses in one segment. */
static const uint8_t *scan_segment(const uint8_t *file, size_t fsize,
				   const GElf_Phdr *ph, size_t *len)
{
	uint64_t off, skip;

	if (ph->p_offset > fsize || ph->p_filesz > fsize - ph->p_offset)
		return NULL;
	skip = (BI_ALIGN - ph->p_vaddr % BI_ALIGN) % BI_ALIGN;
	for (off = skip; off + BI_MAGIC_LEN <= ph->p_filesz; off += BI_ALIGN) {
		const uint8_t *p = file + ph->p_offset + off;

		if (memcmp(p, BI_MAGIC, BI_MAGIC_LEN) == 0) {
			*len = ph->p_filesz - off;
			return p;
		}
	}
	return NULL;
}

/* Where the section header table was stripped: the writable segments. */
static const uint8_t *scan_segments(Elf *elf, size_t *len)
{
	const uint8_t *file, *found;
	size_t phnum, fsize, i;
	GElf_Phdr ph;

	file = (const uint8_t *)elf_rawfile(elf, &fsize);
	if (!file || elf_getphdrnum(elf, &phnum) != 0)
		return NULL;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_W))
			continue;
		found = scan_segment(file, fsize, &ph, len);
		if (found)
			return found;
	}
	return NULL;
}

struct ld_error *ld_buildinfo_read(const struct ld_binary *bin,
				   char **go_version, char **mod_info)
{
	const uint8_t *data;
	size_t len = 0;

	if (go_version)
		*go_version = NULL;
	if (mod_info)
		*mod_info = NULL;
	if (!bin || !bin->elf)
		return ld_error_create(LD_ERR_INVALID, "no binary");
	data = section_bytes(bin->elf, ".go.buildinfo", &len);
	if (!data)
		data = scan_segments(bin->elf, &len);
	if (!data)
		return ld_error_create(LD_ERR_NOT_GO, "no Go build info");
	return ld_buildinfo_parse(data, len, go_version, mod_info);
}

/* Parse a decimal number at *s, advancing it.  -1 if none or too large. */
static int parse_num(const char **s, int *ret)
{
	const char *p = *s;
	long v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 1000000)
			return -1;
	}
	*s = p;
	*ret = (int)v;
	return 0;
}

/* After the numbers: end, a pre-release tag, or ignorable trailing text. */
static bool version_tail_ok(const char *p)
{
	if (!*p || *p == ' ' || *p == '-')
		return true;
	return strncmp(p, "rc", 2) == 0 || strncmp(p, "beta", 4) == 0;
}

int ld_go_version_parse(const char *v, int *major, int *minor, int *patch)
{
	int ma, mi, pa = 0;
	const char *p = v;

	if (!p || strncmp(p, "go", 2) != 0)
		return -1;
	p += 2;
	if (parse_num(&p, &ma) < 0 || *p++ != '.' || parse_num(&p, &mi) < 0)
		return -1;
	if (*p == '.' && (p++, parse_num(&p, &pa) < 0))
		return -1;
	if (!version_tail_ok(p))
		return -1;
	if (major)
		*major = ma;
	if (minor)
		*minor = mi;
	if (patch)
		*patch = pa;
	return 0;
}
