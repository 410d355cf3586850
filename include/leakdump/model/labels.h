/* SPDX-License-Identifier: MIT */
/*
 * A goroutine's own pprof labels (runtime/pprof.Do, SetGoroutineLabels):
 * the key/value pairs g.labels points to, decoded as the binary's release
 * keeps them (rt->labels_slice: a sorted slice from Go 1.24, a
 * map[string]string before).
 *
 * The caller frees the returned array and its strings with
 * ld_labels_free().
 */
#ifndef LD_LABELS_H
#define LD_LABELS_H

#include <stddef.h>

#include "leakdump/base/error.h"
#include "leakdump/model/session.h"

/* At most this many labels per goroutine, each string at most ... */
#define LD_LABELS_MAX 1024
#define LD_LABEL_LEN_MAX 4096

struct ld_label {
	char *key;		/* NUL-terminated copies; may hold NULs */
	size_t key_len;
	char *value;
	size_t value_len;
};

/*
 * g's labels, sorted by key then value (a map has no order of its own):
 * *ret is NULL and *n 0 when g has none.  LD_ERR_CORRUPT when the label
 * set does not make sense (more than LD_LABELS_MAX, a string too long); a
 * read fault carries its address.  On error *ret is NULL.
 */
struct ld_error *ld_goroutine_labels(struct ld_session *s,
				     const struct ld_goroutine *g,
				     struct ld_label **ret, size_t *n);

void ld_labels_free(struct ld_label *l, size_t n);	/* NULL is fine */

#endif
