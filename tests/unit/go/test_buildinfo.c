// SPDX-License-Identifier: MIT
/*
 * Go build info parsing, on small ELF files written here with libelf.  The
 * struct ld_binary is filled by hand (only ->elf is read by buildinfo.c), so
 * this test does not depend on ext/binary.c.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gelf.h>

#include "leakdump/go/buildinfo.h"

#define MAGIC		"\xff Go buildinf:"
#define VADDR		0x500000

/* Any 16 bytes do: only the '\n' just before the end sentinel is checked. */
static const char sentinel[] = "0123456789abcdef";
static const char modtext[] = "path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\n";

struct blob {
	uint8_t buf[1024];
	size_t len;
};

static void put(struct blob *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->buf));
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put_uvarint(struct blob *b, uint64_t v)
{
	uint8_t c;

	do {
		c = v & 0x7f;
		v >>= 7;
		if (v)
			c |= 0x80;
		put(b, &c, 1);
	} while (v);
}

static void put_string(struct blob *b, const char *s, size_t n)
{
	put_uvarint(b, n);
	put(b, s, n);
}

/* The 32-byte header: magic, pointer size 8, flags, padding. */
static void put_header(struct blob *b, uint8_t flags)
{
	uint8_t hdr[32] = { 0 };

	memcpy(hdr, MAGIC, 14);
	hdr[14] = 8;
	hdr[15] = flags;
	put(b, hdr, sizeof(hdr));
}

/* A well-formed blob: version, then modtext between sentinels. */
static void make_blob(struct blob *b, const char *version)
{
	char mod[256];

	b->len = 0;
	put_header(b, 2);
	put_string(b, version, strlen(version));
	snprintf(mod, sizeof(mod), "%s%s%s", sentinel, modtext, sentinel);
	put_string(b, mod, strlen(mod));
}

struct elf_file {
	int fd;
	struct ld_binary bin;
};

static void add_shstrtab(Elf *elf, Elf64_Ehdr *ehdr, const char *name)
{
	static char strs[64];
	Elf_Scn *scn = elf_newscn(elf);
	Elf64_Shdr *shdr = elf64_getshdr(scn);
	Elf_Data *data = elf_newdata(scn);
	size_t nlen = name ? strlen(name) + 1 : 0;

	memset(strs, 0, sizeof(strs));
	if (name)
		memcpy(strs + 1, name, nlen);
	memcpy(strs + 1 + nlen, ".shstrtab", sizeof(".shstrtab"));
	data->d_buf = strs;
	data->d_size = 1 + nlen + sizeof(".shstrtab");
	data->d_type = ELF_T_BYTE;
	data->d_align = 1;
	shdr->sh_type = SHT_STRTAB;
	shdr->sh_name = 1 + nlen;
	ehdr->e_shstrndx = elf_ndxscn(scn);
}

static Elf64_Shdr *add_section(Elf *elf, const struct blob *b)
{
	Elf_Scn *scn = elf_newscn(elf);
	Elf64_Shdr *shdr = elf64_getshdr(scn);
	Elf_Data *data = elf_newdata(scn);

	data->d_buf = (void *)b->buf;
	data->d_size = b->len;
	data->d_type = ELF_T_BYTE;
	data->d_align = 16;
	shdr->sh_name = 1;
	shdr->sh_type = SHT_PROGBITS;
	shdr->sh_flags = SHF_ALLOC | SHF_WRITE;
	shdr->sh_addr = VADDR;
	shdr->sh_addralign = 16;
	return shdr;
}

/* Cover the section with a writable PT_LOAD (after layout is known). */
static void add_segment(Elf *elf, const Elf64_Shdr *shdr)
{
	Elf64_Phdr *ph = elf64_getphdr(elf);

	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_W;
	ph->p_offset = shdr->sh_offset;
	ph->p_vaddr = ph->p_paddr = shdr->sh_addr;
	ph->p_filesz = ph->p_memsz = shdr->sh_size;
	ph->p_align = 16;
	elf_flagphdr(elf, ELF_C_SET, ELF_F_DIRTY);
}

/*
 * Write an ELF file holding b in a section called name (none if name is
 * NULL), optionally inside a writable PT_LOAD, and open it for reading.
 */
static void write_elf(struct elf_file *f, const char *name,
		      const struct blob *b, bool segment)
{
	char path[] = "/tmp/ld-test-buildinfo-XXXXXX";
	Elf64_Shdr *shdr = NULL;
	Elf64_Ehdr *ehdr;
	Elf *elf;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	f->fd = mkstemp(path);
	assert_true(f->fd >= 0);
	unlink(path);
	elf = elf_begin(f->fd, ELF_C_WRITE, NULL);
	assert_non_null(elf);
	ehdr = elf64_newehdr(elf);
	ehdr->e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr->e_type = ET_EXEC;
	ehdr->e_machine = EM_X86_64;
	ehdr->e_version = EV_CURRENT;
	if (segment)
		assert_non_null(elf64_newphdr(elf, 1));
	if (name)
		shdr = add_section(elf, b);
	add_shstrtab(elf, ehdr, name);
	assert_true(elf_update(elf, ELF_C_NULL) >= 0);
	if (segment)
		add_segment(elf, shdr);
	assert_true(elf_update(elf, ELF_C_WRITE) > 0);
	elf_end(elf);

	memset(&f->bin, 0, sizeof(f->bin));
	f->bin.elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	assert_non_null(f->bin.elf);
}

static void close_elf(struct elf_file *f)
{
	elf_end(f->bin.elf);
	close(f->fd);
}

static void expect_read(struct elf_file *f, const char *version,
			const char *mod)
{
	char *v = NULL, *m = NULL;
	struct ld_error *err;

	err = ld_buildinfo_read(&f->bin, &v, &m);
	if (err)
		fail_msg("ld_buildinfo_read: %s", err->message);
	assert_string_equal(v, version);
	assert_string_equal(m, mod);
	free(v);
	free(m);
}

static void expect_read_error(struct elf_file *f, enum ld_error_code code)
{
	char *v = (char *)1, *m = (char *)1;
	struct ld_error *err;

	err = ld_buildinfo_read(&f->bin, &v, &m);
	assert_non_null(err);
	assert_int_equal(err->code, code);
	assert_null(v);
	assert_null(m);
	ld_error_destroy(err);
}

static void test_section(void **state)
{
	struct elf_file f;
	struct blob b;

	make_blob(&b, "go1.26.10");
	write_elf(&f, ".go.buildinfo", &b, false);
	expect_read(&f, "go1.26.10", modtext);
	close_elf(&f);
}

/* Section headers name something else: found by scanning the segment. */
static void test_segment_scan(void **state)
{
	struct elf_file f;
	struct blob b;

	make_blob(&b, "go1.27.3");
	write_elf(&f, ".data", &b, true);
	expect_read(&f, "go1.27.3", modtext);
	close_elf(&f);
}

static void test_no_buildinfo(void **state)
{
	struct elf_file f;
	struct blob b;

	/* Magic present, but neither in .go.buildinfo nor in a segment. */
	make_blob(&b, "go1.26.10");
	write_elf(&f, ".data", &b, false);
	expect_read_error(&f, LD_ERR_NOT_GO);
	close_elf(&f);

	/* No sections besides .shstrtab, no segments. */
	write_elf(&f, NULL, &b, false);
	expect_read_error(&f, LD_ERR_NOT_GO);
	close_elf(&f);
}

static void test_truncated_section(void **state)
{
	struct elf_file f;
	struct blob b;

	/* The version length says 9 bytes but the section ends after 4. */
	b.len = 0;
	put_header(&b, 2);
	put_uvarint(&b, 9);
	put(&b, "go1.", 4);
	write_elf(&f, ".go.buildinfo", &b, false);
	expect_read_error(&f, LD_ERR_FORMAT);
	close_elf(&f);
}

static void expect_parse_error(const struct blob *b, enum ld_error_code code)
{
	char *v = NULL, *m = NULL;
	struct ld_error *err;

	err = ld_buildinfo_parse(b->buf, b->len, &v, &m);
	assert_non_null(err);
	assert_int_equal(err->code, code);
	assert_null(v);
	assert_null(m);
	ld_error_destroy(err);
}

static void test_parse_corrupt(void **state)
{
	static const uint8_t cont = 0x80, ff = 0xff;
	struct blob b;
	int i;

	/* A varint whose continuation bit runs off the end. */
	b.len = 0;
	put_header(&b, 2);
	put(&b, &cont, 1);
	expect_parse_error(&b, LD_ERR_FORMAT);

	/* Eleven continuation bytes: longer than any uint64. */
	b.len = 0;
	put_header(&b, 2);
	for (i = 0; i < 11; i++)
		put(&b, &ff, 1);
	expect_parse_error(&b, LD_ERR_FORMAT);

	/* The version is fine, the modinfo length is huge. */
	b.len = 0;
	put_header(&b, 2);
	put_string(&b, "go1.26.10", 9);
	put_uvarint(&b, 1ull << 40);
	expect_parse_error(&b, LD_ERR_FORMAT);

	/* Header cut short after the magic. */
	b.len = 0;
	put(&b, MAGIC, 14);
	put(&b, "\x08\x02", 2);
	expect_parse_error(&b, LD_ERR_FORMAT);

	/* Empty version string. */
	b.len = 0;
	put_header(&b, 2);
	put_string(&b, "", 0);
	put_string(&b, "", 0);
	expect_parse_error(&b, LD_ERR_FORMAT);
}

static void test_parse_layouts(void **state)
{
	struct blob b;

	/* Pre-1.18: pointers instead of inline strings. */
	b.len = 0;
	put_header(&b, 0);
	expect_parse_error(&b, LD_ERR_UNSUPPORTED);

	b.len = 0;
	put_header(&b, 3);
	expect_parse_error(&b, LD_ERR_UNSUPPORTED);

	b.len = 0;
	put(&b, "\xff Go buildinX", 14);
	expect_parse_error(&b, LD_ERR_NOT_GO);
}

/* Module text without sentinels (e.g. GOFLAGS=-buildvcs=false, no module). */
static void test_parse_no_modinfo(void **state)
{
	char *v = NULL, *m = NULL;
	struct blob b;

	b.len = 0;
	put_header(&b, 2);
	put_string(&b, "go1.24.4", 8);
	put_string(&b, "", 0);
	assert_null(ld_buildinfo_parse(b.buf, b.len, &v, &m));
	assert_string_equal(v, "go1.24.4");
	assert_string_equal(m, "");
	free(v);
	free(m);

	/* Callers may ask for the version only. */
	make_blob(&b, "go1.26.10");
	assert_null(ld_buildinfo_parse(b.buf, b.len, &v, NULL));
	assert_string_equal(v, "go1.26.10");
	free(v);
}

static void expect_version(const char *s, int ma, int mi, int pa)
{
	int a = -1, b = -1, c = -1;

	assert_int_equal(ld_go_version_parse(s, &a, &b, &c), 0);
	assert_int_equal(a, ma);
	assert_int_equal(b, mi);
	assert_int_equal(c, pa);
}

static void test_version_parse(void **state)
{
	expect_version("go1.26.10", 1, 26, 10);
	expect_version("go1.27", 1, 27, 0);
	expect_version("go1.26rc1", 1, 26, 0);
	expect_version("go1.25beta2", 1, 25, 0);
	expect_version("go1.24.4 X:boringcrypto", 1, 24, 4);
	expect_version("go1.26.0-custom", 1, 26, 0);
	assert_int_equal(ld_go_version_parse("go1.26.1", NULL, NULL, NULL), 0);
	assert_int_equal(ld_go_version_parse("devel go1.27-abcdef", NULL, NULL,
					     NULL), -1);
	assert_int_equal(ld_go_version_parse("go1", NULL, NULL, NULL), -1);
	assert_int_equal(ld_go_version_parse("go1.", NULL, NULL, NULL), -1);
	assert_int_equal(ld_go_version_parse("go1.26.", NULL, NULL, NULL), -1);
	assert_int_equal(ld_go_version_parse("go1.26x", NULL, NULL, NULL), -1);
	assert_int_equal(ld_go_version_parse("", NULL, NULL, NULL), -1);
	assert_int_equal(ld_go_version_parse(NULL, NULL, NULL, NULL), -1);
	assert_int_equal(ld_go_version_parse("go1.99999999999", NULL, NULL,
					     NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_section),
		cmocka_unit_test(test_segment_scan),
		cmocka_unit_test(test_no_buildinfo),
		cmocka_unit_test(test_truncated_section),
		cmocka_unit_test(test_parse_corrupt),
		cmocka_unit_test(test_parse_layouts),
		cmocka_unit_test(test_parse_no_modinfo),
		cmocka_unit_test(test_version_parse),
	};

	return cmocka_run_group_tests_name("buildinfo", tests, NULL, NULL);
}
