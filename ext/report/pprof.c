// SPDX-License-Identifier: MIT
/*
 * The "pprof" format: a gzipped profile.proto goroutine profile shaped
 * like runtime/pprof's own (pprof.Lookup("goroutine").WriteTo(w, 0)),
 * encoded by libprotobuf-c from proto/profile.proto and compressed by
 * zlib.
 *
 * As the runtime's: period and sample type goroutine/count; every
 * physical frame (runtime frames too, wrappers elided, runtime.goexit
 * dropped) is one Location at its symbolization pc (the call, not the
 * return address), its inlined calls as several Lines innermost first;
 * functions by symbol name with file and start line; one mapping, the
 * executable, with its build id.  One sample per distinct (locations,
 * labels), valued by its number of goroutines.  The labels are the
 * state ("chan receive"), the kind of object waited on, the --prove
 * verdict and, when asked, the goroutine's own pprof labels; none of
 * them varies with time (no wait minutes, ids or addresses), so two
 * exports of one binary subtract cleanly with `go tool pprof -base`.
 */
#include <errno.h>
#include <time.h>
#include <zlib.h>

#include <gelf.h>

#include "profile.pb-c.h"

#include "leakdump/base/util.h"
#include "leakdump/blocking/blocking.h"
#include "leakdump/model/labels.h"
#include "leakdump/model/unwind.h"
#include "leakdump/prove/prove.h"
#include "leakdump/report/model.h"
#include "leakdump/report/report.h"
#include "report/report_priv.h"

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__ValueType pb_value_type;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Label pb_label;
typedef Perftools__Profiles__Mapping pb_mapping;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Line pb_line;
typedef Perftools__Profiles__Function pb_function;

/*
 * Interned byte strings: the string table, and the samples' keys (their
 * location ids and label string indexes as uint64 words).  Each blob
 * is NUL-terminated in the arena so strings can be handed out as is,
 * and starts 8-aligned.
 */
struct blob {
	size_t off, len;
	uint64_t hash;
};

struct blobtab {
	char *arena;
	size_t used, cap;
	struct blob *ent;
	size_t n, cap_ent;
	uint32_t *slot;		/* index + 1; 0 is empty */
	size_t nslot;		/* a power of two */
};

/* What the walk collects; indexes are 0-based, profile ids 1-based. */
struct pp {
	struct ld_session *s;
	const struct ld_report_opts *o;
	const struct ld_report_model *m;
	struct blobtab strs, keys;
	int64_t *count;			/* per key: goroutines */
	uint32_t *first_g;		/* per key: its first goroutine */
	size_t cap_count, cap_first;
	struct ld_u64map loc_of_pc;	/* sym pc -> location index + 1 */
	uint64_t *loc_pc;
	size_t *loc_line;		/* first line of each location */
	uint32_t *loc_nlines;
	size_t nlocs, cap_locs, cap_loc_line, cap_loc_nlines;
	uint64_t *line_func;		/* lines: function id, line */
	int64_t *line_no;
	size_t nlines, cap_lines, cap_line_no;
	uint32_t *func_of_str;		/* name string -> function id */
	size_t cap_func_of_str;
	int64_t *func_name, *func_file, *func_start;
	size_t nfuncs, cap_fn, cap_ff, cap_fs;
	uint64_t *key;			/* the goroutine being keyed */
	size_t nkey, cap_key;
	int64_t k_state, k_blocking, k_verdict;
	/* per model shape: its locations in shape_locs (at + 1; 0: none yet) */
	size_t *shape_at;
	uint32_t *shape_n;
	uint64_t *shape_locs;
	size_t nshape_locs, cap_shape_locs;
	/* the last state and blocking kind texts and their string ids: the
	 * texts come from a few tables, so pointers repeat */
	const char *memo_text[2];
	int64_t memo_id[2];
};

static uint64_t fnv(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static bool blob_rehash(struct blobtab *t)
{
	size_t n = t->nslot ? t->nslot * 2 : 256;
	uint32_t *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		size_t j = t->ent[i].hash & (n - 1);

		while (slot[j])
			j = (j + 1) & (n - 1);
		slot[j] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
	return true;
}

/* The index of (p, len) in t, added if new; -1 when out of memory. */
static int64_t blob_intern(struct blobtab *t, const void *p, size_t len,
			   bool *added)
{
	uint64_t h = fnv(p, len);
	struct blob *b;
	size_t j;

	*added = false;
	if (t->n + 1 > t->nslot / 2 && !blob_rehash(t))
		return -1;
	for (j = h & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1)) {
		b = &t->ent[t->slot[j] - 1];
		if (b->hash == h && b->len == len &&
		    !memcmp(t->arena + b->off, p, len))
			return t->slot[j] - 1;
	}
	if (t->n >= UINT32_MAX - 1 ||
	    !ld_grow((void **)&t->ent, &t->cap_ent, t->n + 1, sizeof(*b)) ||
	    !ld_grow((void **)&t->arena, &t->cap, t->used + len + 8, 1))
		return -1;
	b = &t->ent[t->n];
	b->off = t->used;
	b->len = len;
	b->hash = h;
	memcpy(t->arena + t->used, p, len);
	t->arena[t->used + len] = '\0';
	/* Blobs start 8-aligned: keys are read back as uint64_t words. */
	t->used = (t->used + len + 8) & ~(size_t)7;
	t->slot[j] = (uint32_t)++t->n;
	*added = true;
	return (int64_t)t->n - 1;
}

static void blob_release(struct blobtab *t)
{
	free(t->arena);
	free(t->ent);
	free(t->slot);
}

static int64_t str_n(struct pp *p, const char *str, size_t len)
{
	bool added;

	return blob_intern(&p->strs, str, len, &added);
}

static int64_t str(struct pp *p, const char *s)
{
	return str_n(p, s ? s : "", s ? strlen(s) : 0);
}

static bool key_push(struct pp *p, uint64_t w)
{
	if (!ld_grow((void **)&p->key, &p->cap_key, p->nkey + 1,
		     sizeof(*p->key)))
		return false;
	p->key[p->nkey++] = w;
	return true;
}

/* The function id of a logical frame; 0 when out of memory. */
static uint64_t function(struct pp *p, const struct ld_logical_frame *lf)
{
	int64_t name = str(p, lf->name), file;
	size_t have = p->cap_func_of_str;

	if (name < 0)
		return 0;
	if (!ld_grow((void **)&p->func_of_str, &p->cap_func_of_str,
		     (size_t)name + 1, sizeof(*p->func_of_str)))
		return 0;
	memset(p->func_of_str + have, 0,
	       (p->cap_func_of_str - have) * sizeof(*p->func_of_str));
	if (p->func_of_str[name])
		return p->func_of_str[name];
	file = str(p, lf->file);
	if (file < 0 ||
	    !ld_grow((void **)&p->func_name, &p->cap_fn, p->nfuncs + 1, 8) ||
	    !ld_grow((void **)&p->func_file, &p->cap_ff, p->nfuncs + 1, 8) ||
	    !ld_grow((void **)&p->func_start, &p->cap_fs, p->nfuncs + 1, 8))
		return 0;
	p->func_name[p->nfuncs] = name;
	p->func_file[p->nfuncs] = file;
	p->func_start[p->nfuncs] = lf->start_line;
	p->func_of_str[name] = (uint32_t)++p->nfuncs;
	return p->nfuncs;
}

/*
 * The physical frame u is at: its location id, 0 when tracebackPCs
 * would leave every logical frame of it out (an elided wrapper;
 * runtime.goexit, which pprof drops), -1 when out of memory.  Lines are
 * those of the first goroutine seen at this pc, as the runtime caches
 * them.
 */
static int64_t location(struct pp *p, struct ld_unwinder *u)
{
	const struct ld_rt_funcids *fid = &p->s->rt->fid;
	const struct ld_frame_info *fi = ld_unwind_frame_info(u);
	uint64_t pc = ld_unwind_sym_pc(u);
	uint64_t known = ld_u64map_get(&p->loc_of_pc, pc);
	size_t first = p->nlines, kept = 0;

	for (uint32_t i = 0; i < fi->nframes; i++) {
		const struct ld_logical_frame *lf = &fi->frames[i];
		int callee = u->callee_funcid;
		uint64_t fn;

		u->callee_funcid = lf->funcid;
		if (lf->funcid == fid->wrapper && callee != fid->gopanic &&
		    callee != fid->sigpanic && callee != fid->panicwrap)
			continue;
		if (!strcmp(lf->name, "runtime.goexit"))
			continue;
		kept++;
		if (known)
			continue;
		fn = function(p, lf);
		if (!fn ||
		    !ld_grow((void **)&p->line_func, &p->cap_lines,
			     p->nlines + 1, 8) ||
		    !ld_grow((void **)&p->line_no, &p->cap_line_no,
			     p->nlines + 1, 8))
			return -1;
		p->line_func[p->nlines] = fn;
		p->line_no[p->nlines++] = lf->line;
	}
	if (!kept || known)
		return kept ? (int64_t)known : 0;
	if (!ld_grow((void **)&p->loc_pc, &p->cap_locs, p->nlocs + 1, 8) ||
	    !ld_grow((void **)&p->loc_line, &p->cap_loc_line, p->nlocs + 1,
		     sizeof(size_t)) ||
	    !ld_grow((void **)&p->loc_nlines, &p->cap_loc_nlines,
		     p->nlocs + 1, 4) ||
	    !ld_u64map_put(&p->loc_of_pc, pc, p->nlocs + 1))
		return -1;
	p->loc_pc[p->nlocs] = pc;
	p->loc_line[p->nlocs] = first;
	p->loc_nlines[p->nlocs] = (uint32_t)(p->nlines - first);
	return (int64_t)++p->nlocs;
}

/* A label (key, value) into the key being built. */
static bool label(struct pp *p, int64_t k, const char *v, size_t len)
{
	int64_t vi = str_n(p, v, len);

	return vi >= 0 && key_push(p, (uint64_t)k) && key_push(p, (uint64_t)vi);
}

/* label() for a table text, its string id memoized by pointer in slot. */
static bool label_text(struct pp *p, int slot, int64_t k, const char *v)
{
	if (p->memo_text[slot] != v) {
		int64_t vi = str(p, v);

		if (vi < 0)
			return false;
		p->memo_text[slot] = v;
		p->memo_id[slot] = vi;
	}
	return key_push(p, (uint64_t)k) &&
	       key_push(p, (uint64_t)p->memo_id[slot]);
}

/* The goroutine's labels, after its locations: count, then pairs. */
static struct ld_error *labels(struct pp *p, uint32_t gi)
{
	const struct ld_goroutine *g = &p->s->gs[gi];
	const char *state = ld_goroutine_status_text(p->s, g);
	size_t at = p->nkey, npairs;
	struct ld_label *ul = NULL;
	struct ld_error *err = NULL;
	size_t nul = 0;
	bool ok;

	ok = key_push(p, 0) && label_text(p, 0, p->k_state, state);
	if (ok && p->m->blk) {
		unsigned int n;
		const struct ld_blocker *b = ld_blocking_of(p->m->blk, gi, &n);

		if (n) {
			const char *kind = ld_block_kind_name(
				p->m->blk->objs[b[0].obj].kind);

			ok = label_text(p, 1, p->k_blocking, kind);
		}
	}
	if (ok && p->m->pv) {
		const char *v = ld_verdict_name(p->m->pv->verdict[gi]);

		ok = label(p, p->k_verdict, v, strlen(v));
	}
	if (ok && p->o->pprof_labels) {
		err = ld_goroutine_labels(p->s, g, &ul, &nul);
		if (err) {
			/* A goroutine whose labels are unreadable keeps
			 * its sample, without them, and says why. */
			ld_goroutine_set_note(p->s, &p->s->gs[gi],
					      err->message);
			ld_error_destroy(err);
			err = NULL;
		}
		for (size_t i = 0; ok && i < nul; i++) {
			int64_t k = str_n(p, ul[i].key, ul[i].key_len);

			ok = k >= 0 && label(p, k, ul[i].value,
					     ul[i].value_len);
		}
		ld_labels_free(ul, nul);
	}
	if (!ok)
		return &ld_error_nomem;
	npairs = (p->nkey - at - 1) / 2;
	p->key[at] = npairs;
	return NULL;
}

/* The locations just keyed (p->key[1..]) as those of shape sh. */
static bool remember_shape(struct pp *p, uint32_t sh)
{
	size_t n = p->nkey - 1;

	if (!ld_grow((void **)&p->shape_locs, &p->cap_shape_locs,
		     p->nshape_locs + n + 1, sizeof(*p->shape_locs)))
		return false;
	memcpy(p->shape_locs + p->nshape_locs, p->key + 1, n * sizeof(*p->key));
	p->shape_at[sh] = p->nshape_locs + 1;
	p->shape_n[sh] = (uint32_t)n;
	p->nshape_locs += n;
	return true;
}

/* One goroutine: its key (locations, labels) counted once. */
static struct ld_error *add_goroutine(struct pp *p, uint32_t gi)
{
	const struct ld_goroutine *g = &p->s->gs[gi];
	struct ld_unwinder u;
	struct ld_error *err;
	int64_t k;
	bool added;

	uint32_t sh = p->m->g_shape[gi];

	p->nkey = 0;
	if (!key_push(p, 0))
		return &ld_error_nomem;
	/* A shape the model already saw unwinds to the same locations. */
	if (sh != LD_REPORT_NONE && p->shape_at && p->shape_at[sh]) {
		const uint64_t *locs = p->shape_locs + p->shape_at[sh] - 1;

		for (uint32_t i = 0; i < p->shape_n[sh]; i++)
			if (!key_push(p, locs[i]))
				return &ld_error_nomem;
	} else if (!(g->flags & LD_G_NO_STACK)) {
		ld_unwind_init(&u, p->s, g, g->pc, g->sp,
			       (g->flags & LD_G_HAS_REGS) ? LD_UNWIND_TRAP : 0);
		for (; ld_unwind_valid(&u); ld_unwind_next(&u)) {
			int64_t loc = location(p, &u);

			if (loc < 0 || (loc && !key_push(p, (uint64_t)loc)))
				return &ld_error_nomem;
		}
		if (u.error)
			ld_goroutine_set_note(p->s, &p->s->gs[gi], u.error);
		else if (sh != LD_REPORT_NONE && p->shape_at &&
			 !remember_shape(p, sh))
			return &ld_error_nomem;
	}
	p->key[0] = p->nkey - 1;
	err = labels(p, gi);
	if (err)
		return err;
	k = blob_intern(&p->keys, p->key, p->nkey * sizeof(*p->key), &added);
	if (k < 0 ||
	    !ld_grow((void **)&p->count, &p->cap_count, p->keys.n, 8) ||
	    !ld_grow((void **)&p->first_g, &p->cap_first, p->keys.n, 4))
		return &ld_error_nomem;
	if (added) {
		p->count[k] = 0;
		p->first_g[k] = gi;
	}
	p->count[k]++;
	return NULL;
}

/* The executable's first executable PT_LOAD, as /proc/PID/maps shows it. */
static bool text_segment(const struct ld_session *s, uint64_t *start,
			 uint64_t *limit, uint64_t *offset)
{
	const uint64_t page = 4096;
	size_t n;

	if (!s->bin->elf || elf_getphdrnum(s->bin->elf, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(s->bin->elf, (int)i, &ph) ||
		    ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		*start = (ph.p_vaddr & ~(page - 1)) + s->bias;
		*limit = ((ph.p_vaddr + ph.p_memsz + page - 1) & ~(page - 1)) +
			 s->bias;
		*offset = ph.p_offset & ~(page - 1);
		return true;
	}
	return false;
}

/* The GNU build id in hex, as the runtime's elfBuildID; else Go's. */
static int64_t build_id(struct pp *p)
{
	const struct ld_binary *bin = p->s->bin;
	char hex[2 * sizeof(bin->gnu_build_id) + 1];

	if (!bin->gnu_build_id_len)
		return str(p, bin->go_build_id);
	for (size_t i = 0; i < bin->gnu_build_id_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", bin->gnu_build_id[i]);
	return str_n(p, hex, 2 * bin->gnu_build_id_len);
}

/* Samples by count, biggest first, then by their first goroutine. */
static int cmp_sample(const void *a, const void *b, void *arg)
{
	const struct pp *p = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (p->count[x] != p->count[y])
		return p->count[x] < p->count[y] ? 1 : -1;
	if (p->first_g[x] != p->first_g[y])
		return p->first_g[x] < p->first_g[y] ? -1 : 1;
	return 0;
}

/* gzip (RFC 1952) of data to out. */
static struct ld_error *write_gzip(const uint8_t *data, size_t len,
				   FILE *out)
{
	uint8_t buf[1 << 16];
	struct ld_error *err = NULL;
	z_stream z = { 0 };
	int rc;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return &ld_error_nomem;
	z.next_in = (uint8_t *)data;
	do {
		size_t chunk = len > (1u << 30) ? (1u << 30) : len;

		z.avail_in = (uInt)chunk;
		len -= chunk;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			rc = deflate(&z, len ? Z_NO_FLUSH : Z_FINISH);
			if (rc == Z_STREAM_ERROR) {
				err = ld_error_create(LD_ERR_INVALID,
						      "zlib: %s", z.msg ?
						      z.msg : "stream error");
				goto out;
			}
			if (fwrite(buf, 1, sizeof(buf) - z.avail_out, out) !=
			    sizeof(buf) - z.avail_out) {
				err = ld_error_os(errno, "writing the profile");
				goto out;
			}
		} while (z.avail_out == 0);
	} while (len);
out:
	deflateEnd(&z);
	return err;
}

/* Build the Profile message over what p collected, pack, compress. */
static struct ld_error *emit(struct pp *p, FILE *out)
{
	pb_profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	pb_value_type type = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	pb_value_type *types[1] = { &type };
	pb_mapping map = PERFTOOLS__PROFILES__MAPPING__INIT;
	pb_mapping *maps[1] = { &map };
	size_t nkeys = p->keys.n, nlabels = 0, nids = 0;
	pb_sample *samples = NULL, **psamples = NULL;
	pb_location *locs = NULL, **plocs = NULL;
	pb_function *funcs = NULL, **pfuncs = NULL;
	pb_line *lines = NULL, **plines = NULL;
	pb_label *lbls = NULL, **plbls = NULL;
	uint64_t *ids = NULL, start = 0, limit = 0, offset = 0;
	int64_t *values = NULL, comment;
	char **strings = NULL, note[160];
	size_t *order = NULL, len;
	struct ld_error *err = NULL;
	bool have_text;
	uint8_t *buf = NULL;
	struct timespec ts;

	type.type = str(p, "goroutine");
	type.unit = str(p, "count");
	have_text = text_segment(p->s, &start, &limit, &offset);
	map.id = 1;
	map.memory_start = have_text ? start : 0;
	map.memory_limit = have_text ? limit : 0;
	map.file_offset = have_text ? offset : 0;
	map.filename = str(p, p->s->bin->path);
	map.build_id = build_id(p);
	map.has_functions = map.has_filenames = map.has_line_numbers =
		map.has_inline_frames = true;
	if (p->s->pid)
		snprintf(note, sizeof(note),
			 "leakdump goroutine profile of %s pid %d, %s",
			 target_kind_name(p->s), p->s->pid,
			 p->s->rt->go_version);
	else
		snprintf(note, sizeof(note),
			 "leakdump goroutine profile of %s, %s",
			 target_kind_name(p->s), p->s->rt->go_version);
	comment = str(p, note);
	if (type.type < 0 || type.unit < 0 || map.filename < 0 ||
	    map.build_id < 0 || comment < 0)
		return &ld_error_nomem;

	for (size_t k = 0; k < nkeys; k++) {
		const uint64_t *key = (const uint64_t *)(p->keys.arena +
							 p->keys.ent[k].off);

		nids += key[0];
		nlabels += key[key[0] + 1];
	}
	order = calloc(nkeys ? nkeys : 1, sizeof(*order));
	samples = calloc(nkeys ? nkeys : 1, sizeof(*samples));
	psamples = calloc(nkeys ? nkeys : 1, sizeof(*psamples));
	values = calloc(nkeys ? nkeys : 1, sizeof(*values));
	ids = calloc(nids ? nids : 1, sizeof(*ids));
	lbls = calloc(nlabels ? nlabels : 1, sizeof(*lbls));
	plbls = calloc(nlabels ? nlabels : 1, sizeof(*plbls));
	locs = calloc(p->nlocs ? p->nlocs : 1, sizeof(*locs));
	plocs = calloc(p->nlocs ? p->nlocs : 1, sizeof(*plocs));
	lines = calloc(p->nlines ? p->nlines : 1, sizeof(*lines));
	plines = calloc(p->nlines ? p->nlines : 1, sizeof(*plines));
	funcs = calloc(p->nfuncs ? p->nfuncs : 1, sizeof(*funcs));
	pfuncs = calloc(p->nfuncs ? p->nfuncs : 1, sizeof(*pfuncs));
	strings = calloc(p->strs.n, sizeof(*strings));
	if (!order || !samples || !psamples || !values || !ids || !lbls ||
	    !plbls || !locs || !plocs || !lines || !plines || !funcs ||
	    !pfuncs || !strings) {
		err = &ld_error_nomem;
		goto out;
	}

	for (size_t k = 0; k < nkeys; k++)
		order[k] = k;
	qsort_r(order, nkeys, sizeof(*order), cmp_sample, p);
	nids = nlabels = 0;
	for (size_t i = 0; i < nkeys; i++) {
		size_t k = order[i];
		const uint64_t *key = (const uint64_t *)(p->keys.arena +
							 p->keys.ent[k].off);
		const uint64_t *pairs = key + key[0] + 2;
		pb_sample *sm = &samples[i];

		perftools__profiles__sample__init(sm);
		values[i] = p->count[k];
		sm->n_value = 1;
		sm->value = &values[i];
		sm->n_location_id = key[0];
		sm->location_id = ids + nids;
		memcpy(ids + nids, key + 1, key[0] * sizeof(*ids));
		nids += key[0];
		sm->n_label = key[key[0] + 1];
		sm->label = plbls + nlabels;
		for (size_t j = 0; j < sm->n_label; j++) {
			pb_label *l = &lbls[nlabels];

			perftools__profiles__label__init(l);
			l->key = (int64_t)pairs[2 * j];
			l->str = (int64_t)pairs[2 * j + 1];
			plbls[nlabels++] = l;
		}
		psamples[i] = sm;
	}
	for (size_t i = 0; i < p->nlines; i++) {
		perftools__profiles__line__init(&lines[i]);
		lines[i].function_id = p->line_func[i];
		lines[i].line = p->line_no[i];
		plines[i] = &lines[i];
	}
	for (size_t i = 0; i < p->nlocs; i++) {
		perftools__profiles__location__init(&locs[i]);
		locs[i].id = i + 1;
		locs[i].mapping_id = have_text && p->loc_pc[i] >= start &&
				     p->loc_pc[i] < limit;
		locs[i].address = p->loc_pc[i];
		locs[i].n_line = p->loc_nlines[i];
		locs[i].line = plines + p->loc_line[i];
		plocs[i] = &locs[i];
	}
	for (size_t i = 0; i < p->nfuncs; i++) {
		perftools__profiles__function__init(&funcs[i]);
		funcs[i].id = i + 1;
		funcs[i].name = funcs[i].system_name = p->func_name[i];
		funcs[i].filename = p->func_file[i];
		funcs[i].start_line = p->func_start[i];
		pfuncs[i] = &funcs[i];
	}
	for (size_t i = 0; i < p->strs.n; i++)
		strings[i] = p->strs.arena + p->strs.ent[i].off;

	prof.n_sample_type = 1;
	prof.sample_type = types;
	prof.period_type = &type;
	prof.period = 1;
	prof.n_sample = nkeys;
	prof.sample = psamples;
	prof.n_mapping = 1;
	prof.mapping = maps;
	prof.n_location = p->nlocs;
	prof.location = plocs;
	prof.n_function = p->nfuncs;
	prof.function = pfuncs;
	prof.n_string_table = p->strs.n;
	prof.string_table = strings;
	prof.n_comment = 1;
	prof.comment = &comment;
	/* When it was written: not a sample key, -base ignores it. */
	if (!clock_gettime(CLOCK_REALTIME, &ts))
		prof.time_nanos = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;

	len = perftools__profiles__profile__get_packed_size(&prof);
	buf = malloc(len ? len : 1);
	if (!buf) {
		err = &ld_error_nomem;
		goto out;
	}
	perftools__profiles__profile__pack(&prof, buf);
	err = write_gzip(buf, len, out);
out:
	free(buf);
	free(order);
	free(samples);
	free(psamples);
	free(values);
	free(ids);
	free(lbls);
	free(plbls);
	free(locs);
	free(plocs);
	free(lines);
	free(plines);
	free(funcs);
	free(pfuncs);
	free(strings);
	return err;
}

static void pp_release(struct pp *p)
{
	blob_release(&p->strs);
	blob_release(&p->keys);
	free(p->count);
	free(p->first_g);
	ld_u64map_release(&p->loc_of_pc);
	free(p->loc_pc);
	free(p->loc_line);
	free(p->loc_nlines);
	free(p->line_func);
	free(p->line_no);
	free(p->func_of_str);
	free(p->func_name);
	free(p->func_file);
	free(p->func_start);
	free(p->key);
	free(p->shape_at);
	free(p->shape_n);
	free(p->shape_locs);
}

struct ld_error *ld_report_emit_pprof(struct ld_session *s,
				      const struct ld_report_opts *o,
				      const struct ld_report_model *m,
				      FILE *out)
{
	struct pp p = { .s = s, .o = o, .m = m };
	struct ld_error *err = NULL;

	/* The string table starts with "", as the format requires. */
	if (str(&p, "") != 0) {
		err = &ld_error_nomem;
		goto out;
	}
	p.k_state = str(&p, "state");
	p.k_blocking = str(&p, "blocking");
	p.k_verdict = str(&p, "verdict");
	if (p.k_state < 0 || p.k_blocking < 0 || p.k_verdict < 0) {
		err = &ld_error_nomem;
		goto out;
	}
	/* Without memory for the memo every stack is walked. */
	p.shape_at = calloc(m->nshapes + 1, sizeof(*p.shape_at));
	p.shape_n = calloc(m->nshapes + 1, sizeof(*p.shape_n));
	if (!p.shape_at || !p.shape_n) {
		free(p.shape_at);
		free(p.shape_n);
		p.shape_at = NULL;
		p.shape_n = NULL;
	}
	for (size_t gi = 0; gi < s->ngs && !err; gi++)
		if (p.m->g_group[gi] != LD_REPORT_NONE)	/* shown, kept */
			err = add_goroutine(&p, (uint32_t)gi);
	if (!err)
		err = emit(&p, out);
out:
	pp_release(&p);
	return err;
}
