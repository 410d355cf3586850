/* SPDX-License-Identifier: MIT */
/*
 * The Go toolchain version and module information that `go build` embeds in
 * every binary (Go 1.18+ layout): a 32-byte header starting with the magic
 * "\xff Go buildinf:", then two uvarint-length-prefixed strings.  It lives in
 * the .go.buildinfo section, which survives stripping.
 *
 * Ownership: strings returned through char ** are malloc'd and owned by the
 * caller (free()).  On error nothing is returned through them (they are set
 * to NULL).  Errors are owned by the caller.
 */
#ifndef LD_BUILDINFO_H
#define LD_BUILDINFO_H

#include <stddef.h>
#include <stdint.h>

#include "leakdump/target/binary.h"
#include "leakdump/base/error.h"

/*
 * Read bin's build info: *go_version like "go1.26.10", *mod_info the module
 * text ("path\t...\nmod\t...\n", without the 16-byte sentinels cmd/go wraps
 * it in; "" when there is none).  Either pointer may be NULL if unwanted.
 * Looks in .go.buildinfo, else scans writable PT_LOAD segments for the magic
 * at 16-byte alignment.  LD_ERR_NOT_GO when there is no build info,
 * LD_ERR_FORMAT when it is truncated or malformed, LD_ERR_UNSUPPORTED for
 * the pre-1.18 pointer layout or big-endian data.
 */
struct ld_error *ld_buildinfo_read(const struct ld_binary *bin,
				   char **go_version, char **mod_info);

/*
 * Parse build info from the len bytes at data, which must start with the
 * magic (the contents of .go.buildinfo).  Same results as above; LD_ERR_NOT_GO
 * when the magic is absent.
 */
struct ld_error *ld_buildinfo_parse(const uint8_t *data, size_t len,
				    char **go_version, char **mod_info);

/*
 * Split a Go version string: "go1.26.10" -> 1, 26, 10; "go1.27" -> 1, 27, 0;
 * "go1.26rc1" / "go1.26beta2" -> 1, 26, 0.  Trailing text after a space or
 * '-' ("go1.26.10 X:boringcrypto") is ignored.  Returns 0 on success, -1 for
 * anything else, including "devel ..." builds.  Any out pointer may be NULL.
 */
int ld_go_version_parse(const char *v, int *major, int *minor, int *patch);

#endif
