/* SPDX-License-Identifier: MIT */
/*
 * Tiny ELF writer for unit tests: synthetic executables and core files
 * built byte by byte, so tests know exactly what the parsers must find.
 * Header-only (static functions) because every non-test .c file in
 * tests/unit is linked into every unit test.
 */
#ifndef LD_SYNTH_CORE_H
#define LD_SYNTH_CORE_H

#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct ld_synth_buf {
	uint8_t *p;
	size_t len, cap;
};

/* One program header; data (filesz bytes) is copied at offset if set. */
struct ld_synth_seg {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
	const void *data;
};

static void synth_reserve(struct ld_synth_buf *b, size_t len)
{
	if (len <= b->cap)
		return;
	b->cap = len * 2 + 64;
	b->p = realloc(b->p, b->cap);
	assert_non_null(b->p);
}

/* Make b at least len bytes long, zero-filling the new part. */
static void synth_extend(struct ld_synth_buf *b, size_t len)
{
	if (len <= b->len)
		return;
	synth_reserve(b, len);
	memset(b->p + b->len, 0, len - b->len);
	b->len = len;
}

static void synth_put(struct ld_synth_buf *b, const void *data, size_t n)
{
	synth_reserve(b, b->len + n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void synth_pad(struct ld_synth_buf *b, size_t align)
{
	synth_extend(b, (b->len + align - 1) / align * align);
}

static void synth_note(struct ld_synth_buf *b, const char *name,
		       uint32_t type, const void *desc, size_t descsz)
{
	uint32_t hdr[3] = { strlen(name) + 1, descsz, type };

	synth_put(b, hdr, sizeof(hdr));
	synth_put(b, name, strlen(name) + 1);
	synth_pad(b, 4);
	synth_put(b, desc, descsz);
	synth_pad(b, 4);
}

static void synth_free(struct ld_synth_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ELF header and program headers at the start, segment data after. */
static void synth_elf(struct ld_synth_buf *out, uint16_t type,
		      uint64_t entry, const struct ld_synth_seg *segs,
		      size_t n)
{
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = type, .e_machine = EM_X86_64,
		.e_version = EV_CURRENT, .e_entry = entry,
		.e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = n,
	};
	size_t i;

	synth_extend(out, sizeof(eh) + n * sizeof(Elf64_Phdr));
	for (i = 0; i < n; i++) {
		const struct ld_synth_seg *s = &segs[i];
		Elf64_Phdr ph = {
			.p_type = s->type, .p_flags = s->flags,
			.p_offset = s->offset, .p_vaddr = s->vaddr,
			.p_paddr = s->vaddr, .p_filesz = s->filesz,
			.p_memsz = s->memsz, .p_align = s->align,
		};

		if (s->data) {
			synth_extend(out, s->offset + s->filesz);
			memcpy(out->p + s->offset, s->data, s->filesz);
		}
		memcpy(out->p + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
	}
	memcpy(out->p, &eh, sizeof(eh));
}

/* Write len bytes of b to dir/name; returns the malloc'd path. */
static char *synth_write(const char *dir, const char *name, const void *buf,
			 size_t len)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) >= 0);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static char *synth_tmpdir(void)
{
	char *dir = strdup("/tmp/leakdump-test-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Remove the files a test wrote, then the directory. */
static void synth_rmdir(char *dir, char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (paths[i])
			unlink(paths[i]);
		free(paths[i]);
	}
	rmdir(dir);
	free(dir);
}

#endif
