// SPDX-License-Identifier: MIT
/*
 * Opening a target: executable, DWARF, runtime layout, memory, pclntab and
 * the runtime's own name tables.  Goroutine decoding lives in goroutines.c.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/util.h"
#include "leakdump/go/buildinfo.h"
#include "leakdump/go/discover.h"
#include "leakdump/model/session.h"

#define MAX_NAME_TABLE 4096
#define MAX_NAME_LEN 256

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void ld_session_destroy(struct ld_session *s)
{
	if (!s)
		return;
	if (s->ucache_destroy)
		s->ucache_destroy(s->ucache);
	free(s->batch);
	free(s->gs);
	ld_u64map_release(&s->bubbles);
	free_strings(s->notes, s->nnotes);
	free_strings(s->wait_reasons, s->nwait_reasons);
	free_strings(s->status_names, s->nstatus_names);
	free(s->idle_in_synctest);
	free(s->threads);
	ld_pcln_destroy(s->pcln);
	free(s->rt);
	/* The memory may point into the target's mapping: it goes first. */
	ld_mem_destroy(s->mem);
	ld_target_close(&s->target);
	if (!s->borrowed_binary) {
		ld_dwarf_destroy(s->dw);
		ld_binary_destroy(s->bin);
	}
	free(s);
}

/* Read a [n]string array from the target into malloc'd C strings. */
static struct ld_error *read_string_table(struct ld_session *s, uint64_t addr,
					  uint64_t n, char ***ret,
					  size_t *nret)
{
	struct ld_error *err;
	uint64_t *words;
	char **v;

	if (n > MAX_NAME_TABLE)
		return ld_error_create(LD_ERR_CORRUPT,
				       "string table at 0x%llx too long",
				       (unsigned long long)addr);
	words = malloc(n * 16);
	v = calloc(n, sizeof(*v));
	if (!words || !v) {
		free(words);
		free(v);
		return &ld_error_nomem;
	}
	err = ld_mem_read(s->mem, addr, words, n * 16);
	for (uint64_t i = 0; !err && i < n; i++)
		err = ld_mem_read_string(s->mem, words[2 * i],
					 words[2 * i + 1], MAX_NAME_LEN,
					 &v[i]);
	free(words);
	if (err) {
		free_strings(v, n);
		return err;
	}
	*ret = v;
	*nret = n;
	return NULL;
}

static struct ld_error *copy_threads(struct ld_session *s,
				     const struct ld_thread_regs *t, size_t n)
{
	if (!n)
		return NULL;
	s->threads = malloc(n * sizeof(*t));
	if (!s->threads)
		return &ld_error_nomem;
	memcpy(s->threads, t, n * sizeof(*t));
	s->nthreads = n;
	return NULL;
}

static struct ld_error *open_memory(struct ld_session *s,
				    const struct ld_target_spec *spec)
{
	struct ld_error *err;

	err = ld_mem_create(&s->mem);
	if (!err)
		err = ld_target_open(&s->target, spec, s->bin, s->mem);
	if (err)
		return err;
	s->bias = s->target.bias;
	s->pid = s->target.pid;
	if (!spec->nthreads)
		err = copy_threads(s, s->target.threads, s->target.nthreads);
	return err;
}

/* The file bytes of the section containing addr (unrelocated), to its end. */
static bool section_bytes_from(const struct ld_binary *bin, uint64_t addr,
			       const uint8_t **data, size_t *size)
{
	struct ld_section sec;

	if (!ld_binary_section_at(bin, addr, &sec))
		return false;
	*data = sec.data + (addr - sec.addr);
	*size = sec.addr + sec.size - addr;
	return true;
}

static struct ld_error *md_word(struct ld_session *s, int64_t off,
				uint64_t *ret)
{
	uint64_t md = s->rt->firstmoduledata + s->bias;

	return ld_mem_read_u64(s->mem, md + (uint64_t)off, ret);
}

static struct ld_error *open_pclntab(struct ld_session *s)
{
	struct ld_pcln_config cfg = { 0 };
	uint64_t pchdr, gofunc;
	struct ld_error *err;

	err = md_word(s, s->rt->md.pc_header, &pchdr);
	if (!err)
		err = md_word(s, s->rt->md.text, &s->text);
	if (!err)
		err = md_word(s, s->rt->md.etext, &s->etext);
	if (!err)
		err = md_word(s, s->rt->md.gofunc, &gofunc);
	if (!err)
		err = md_word(s, s->rt->md.types, &s->types);
	if (!err && s->rt->md.rodata >= 0)
		err = md_word(s, s->rt->md.rodata, &s->rodata);
	if (err)
		return ld_error_wrap(err, "reading runtime.firstmoduledata");
	if (!section_bytes_from(s->bin, pchdr - s->bias, &cfg.data, &cfg.size))
		return ld_error_create(LD_ERR_FORMAT,
				       "pclntab at 0x%llx is not in the executable file",
				       (unsigned long long)pchdr);
	if (!section_bytes_from(s->bin, gofunc - s->bias, &cfg.gofunc,
				&cfg.gofunc_size))
		return ld_error_create(LD_ERR_FORMAT,
				       "go:func.* at 0x%llx is not in the executable file",
				       (unsigned long long)gofunc);
	cfg.text_start = s->text;
	s->gofunc = cfg.gofunc;
	s->gofunc_size = cfg.gofunc_size;
	err = ld_pcln_open(&cfg, &s->pcln);
	if (err)
		return err;
	ld_rt_resolve_funcids(s->rt, s->pcln);
	return NULL;
}

/*
 * An executable without DWARF: look for its separate debug file (by build
 * id, then .gnu_debuglink) and take DWARF from it, and its symbol table when
 * the executable has none.  Its addresses are the executable's.  *syms is
 * the binary to take symbols from.  Failing to find or use one is no error:
 * the layout tables and discovery remain; why is left in *note, for when
 * they fail too.
 */
struct ld_prepared {
	char *exe_path, *debug_dirs;	/* debug_dirs may be NULL */
	struct ld_binary *bin;
	struct ld_dwarf *dw;
	struct ld_rt *rt;		/* copied into each session */
	const struct ld_arch *arch;
	bool cgo_disabled;
};

static struct ld_error *use_debug_file(struct ld_prepared *b,
				       const char *debug_dirs,
				       const struct ld_binary **syms,
				       struct ld_error **note)
{
	const struct ld_binary *dbg;
	struct ld_error *err;

	err = ld_binary_find_debug(b->bin, debug_dirs);
	if (err == &ld_error_nomem)
		return err;
	if (err) {
		/* Nothing to find is not worth a note. */
		if (err->code == LD_ERR_LOOKUP)
			ld_error_destroy(err);
		else
			*note = err;
		return NULL;
	}
	dbg = b->bin->debug;
	if (dbg->has_dwarf) {
		err = ld_dwarf_open(dbg->elf, &b->dw);
		if (err == &ld_error_nomem)
			return err;
		if (err)
			*note = ld_error_wrap(err, "separate debug file %s",
					      dbg->path);
	}
	if (!b->bin->has_symtab && dbg->has_symtab)
		*syms = dbg;
	return NULL;
}

/* err, with "(note)" appended: why a separate debug file was not used. */
static struct ld_error *add_note(struct ld_error *err, struct ld_error *note)
{
	struct ld_error *ret;

	if (!note || err == &ld_error_nomem)
		return err;
	ret = ld_error_create(err->code, "%s (%s)", err->message,
			      note->message);
	if (ret == &ld_error_nomem)
		return err;
	ret->errnum = err->errnum;
	ret->address = err->address;
	ld_error_destroy(err);
	return ret;
}

static struct ld_error *open_binary(struct ld_prepared *s, const char *path,
				    const char *debug_dirs)
{
	char *version = NULL, *modinfo = NULL;
	const struct ld_binary *syms;
	struct ld_error *err, *note = NULL;

	err = ld_binary_open(path, &s->bin);
	if (err)
		return err;
	s->arch = ld_arch_for_machine(s->bin->machine);
	if (!s->arch)
		return ld_error_create(LD_ERR_UNSUPPORTED,
				       "%s: only linux/amd64 is supported",
				       path);
	err = ld_buildinfo_read(s->bin, &version, &modinfo);
	if (err) {
		if (err->code == LD_ERR_NOT_GO) {
			ld_error_destroy(err);
			return ld_error_create(LD_ERR_NOT_GO,
					       "%s is not a Go program (no Go build info)",
					       path);
		}
		return err;
	}
	/* Pure Go: every mapping outside the heap is the runtime's own. */
	s->cgo_disabled = modinfo && strstr(modinfo, "\tCGO_ENABLED=0\n");
	free(modinfo);
	/*
	 * Without DWARF (here or in a separate debug file), layouts come from
	 * the per-release tables; without a symbol table too,
	 * ext/go/discover_*.c find the runtime's globals.
	 */
	syms = s->bin;
	if (s->bin->has_dwarf)
		err = ld_dwarf_open(s->bin->elf, &s->dw);
	else
		err = use_debug_file(s, debug_dirs, &syms, &note);
	if (!err)
		err = ld_rt_resolve(syms, s->dw, version, &s->rt);
	if (err && err != &ld_error_nomem && !s->bin->has_dwarf &&
	    (s->dw || syms != s->bin)) {
		/* The debug file did not do: try without it. */
		err = add_note(ld_error_wrap(err, "with separate debug file %s",
					     s->bin->debug->path), note);
		ld_error_destroy(note);
		note = err;
		ld_dwarf_destroy(s->dw);
		s->dw = NULL;
		err = ld_rt_resolve(s->bin, NULL, version, &s->rt);
	}
	if (err)
		err = add_note(err, note);
	ld_error_destroy(note);
	free(version);
	return err;
}

/* A read whose failure only means "no": the error is dropped. */
static bool read_ok(struct ld_session *s, uint64_t addr, void *buf,
		    size_t len)
{
	struct ld_error *err = ld_mem_read(s->mem, addr, buf, len);

	ld_error_destroy(err);
	return !err;
}

/* Is GODEBUG tracebacklabels on?  Scans the runtime's dbgvars table. */
static bool read_traceback_labels(struct ld_session *s)
{
	const struct ld_rt *rt = s->rt;
	uint64_t slice[2], p, sv[2], ap;
	bool on = false;
	uint32_t val;
	char *name;

	if (!rt->dbgvars || !read_ok(s, rt->dbgvars + s->bias, slice,
				     sizeof(slice)))
		return false;
	for (uint64_t i = 0; i < slice[1] && i < 256 && !on; i++) {
		struct ld_error *err = ld_mem_read_u64(s->mem, slice[0] + 8 * i,
						       &p);

		if (!err)
			err = ld_mem_read(s->mem, p + (uint64_t)rt->dbgvar_name,
					  sv, sizeof(sv));
		if (!err)
			err = ld_mem_read_string(s->mem, sv[0], sv[1], 64,
						 &name);
		if (err) {
			ld_error_destroy(err);
			return false;
		}
		if (!strcmp(name, "tracebacklabels") &&
		    read_ok(s, p + (uint64_t)rt->dbgvar_atomic, &ap, 8) &&
		    ap && read_ok(s, ap, &val, 4))
			on = val == 1;
		free(name);
	}
	return on;
}

/* runtime.isIdleInSynctest, parallel to waitReasonStrings. */
static void read_idle_in_synctest(struct ld_session *s)
{
	uint64_t addr = s->rt->is_idle_in_synctest;

	if (!addr || !s->nwait_reasons)
		return;
	s->idle_in_synctest = malloc(s->nwait_reasons);
	if (s->idle_in_synctest &&
	    !read_ok(s, addr + s->bias, s->idle_in_synctest, s->nwait_reasons)) {
		free(s->idle_in_synctest);
		s->idle_in_synctest = NULL;
	}
}

/* The parts of s that discovery in stripped binaries reads. */
static struct ld_discover_ctx discover_ctx(const struct ld_session *s)
{
	return (struct ld_discover_ctx){
		.arch = s->arch,
		.bin = s->bin,
		.mem = s->mem,
		.pcln = s->pcln,
		.rt = s->rt,
		.bias = s->bias,
		.etext = s->etext,
	};
}

void ld_prepared_destroy(struct ld_prepared *p)
{
	if (!p)
		return;
	free(p->rt);
	ld_dwarf_destroy(p->dw);
	ld_binary_destroy(p->bin);
	free(p->exe_path);
	free(p->debug_dirs);
	free(p);
}

struct ld_error *ld_session_prepare(const char *exe_path,
				    const char *debug_dirs,
				    struct ld_prepared **ret)
{
	struct ld_prepared *p = calloc(1, sizeof(*p));
	struct ld_error *err;

	*ret = NULL;
	if (!p)
		return &ld_error_nomem;
	p->exe_path = strdup(exe_path);
	p->debug_dirs = debug_dirs ? strdup(debug_dirs) : NULL;
	if (!p->exe_path || (debug_dirs && !p->debug_dirs)) {
		ld_prepared_destroy(p);
		return &ld_error_nomem;
	}
	err = open_binary(p, exe_path, debug_dirs);
	if (err) {
		ld_prepared_destroy(p);
		return err;
	}
	*ret = p;
	return NULL;
}

static bool same_dirs(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* b's parts into s (its runtime knowledge apart: see take_binary). */
static void use_binary(struct ld_session *s, const struct ld_prepared *b)
{
	s->bin = b->bin;
	s->dw = b->dw;
	s->arch = b->arch;
	s->cgo_disabled = b->cgo_disabled;
}

/*
 * The session's binary: borrowed from p, else opened here and owned.  The
 * runtime knowledge is each session's own: discovery fills it in.
 */
static struct ld_error *take_binary(struct ld_session *s,
				    const struct ld_target_spec *spec,
				    const struct ld_prepared *p)
{
	struct ld_prepared own = { 0 };
	struct ld_error *err;

	if (p && !strcmp(p->exe_path, spec->exe_path) &&
	    same_dirs(p->debug_dirs, spec->debug_dirs)) {
		s->rt = malloc(sizeof(*s->rt));
		if (!s->rt)
			return &ld_error_nomem;
		memcpy(s->rt, p->rt, sizeof(*s->rt));
		use_binary(s, p);
		s->borrowed_binary = true;
		return NULL;
	}
	err = open_binary(&own, spec->exe_path, spec->debug_dirs);
	use_binary(s, &own);
	s->rt = own.rt;
	return err;
}

struct ld_error *ld_session_open(const struct ld_target_spec *spec,
				 struct ld_session **ret)
{
	return ld_session_open_prepared(spec, NULL, ret);
}

struct ld_error *ld_session_open_prepared(const struct ld_target_spec *spec,
					  const struct ld_prepared *p,
					  struct ld_session **ret)
{
	struct ld_session *s = calloc(1, sizeof(*s));
	struct ld_error *err;

	if (!s)
		return &ld_error_nomem;
	s->opened_at = ld_seconds();
	s->pid = spec->pid;
	err = take_binary(s, spec, p);
	if (!err)
		err = copy_threads(s, spec->threads, spec->nthreads);
	if (!err)
		err = open_memory(s, spec);
	if (!err && s->rt->stripped) {
		struct ld_discover_ctx dc = discover_ctx(s);

		err = ld_discover_moduledata(&dc);
	}
	if (!err)
		err = open_pclntab(s);
	if (!err && s->rt->stripped) {
		/* again: the pclntab and etext are known now */
		struct ld_discover_ctx dc = discover_ctx(s);

		err = ld_discover_runtime_vars(&dc);
	}
	if (!err)
		err = read_string_table(s, s->rt->wait_reason_strings + s->bias,
					s->rt->wait_reason_count,
					&s->wait_reasons, &s->nwait_reasons);
	if (!err)
		err = read_string_table(s, s->rt->g_status_strings + s->bias,
					s->rt->g_status_count,
					&s->status_names, &s->nstatus_names);
	if (!err && s->rt->fing_status)
		err = ld_mem_read_u32(s->mem, s->rt->fing_status + s->bias,
				      &s->fing_status);
	if (err) {
		ld_session_destroy(s);
		return err;
	}
	s->traceback_labels = read_traceback_labels(s);
	read_idle_in_synctest(s);
	/* Else raised to the newest runtime timestamp when loading gs. */
	if (!ld_target_now(&s->target, &s->now))
		s->now_estimated = true;
	s->taken_at = ld_target_wall(&s->target);
	*ret = s;
	return NULL;
}

void ld_session_trim(struct ld_session *s)
{
	ld_target_trim(&s->target);
}

void ld_session_prefetch_stacks(struct ld_session *s, size_t first, size_t n,
				const uint32_t *only, size_t nonly)
{
	struct ld_mem_iov v[LD_BATCH];
	struct ld_stack_batch *b;
	size_t k = 0;

	/* Batching copies out of a mapping would only add a copy. */
	if (ld_target_mapped(&s->target))
		return;
	if (!s->batch && !(s->batch = malloc(sizeof(*s->batch))))
		return;
	b = s->batch;
	if (n > LD_BATCH)
		n = LD_BATCH;
	b->first = first;
	b->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct ld_goroutine *g = &s->gs[first + i];
		uint64_t end = g->sp + LD_STACK_PREFETCH;

		if (end > g->stack_hi)
			end = g->stack_hi;
		v[i].addr = g->sp;
		v[i].buf = b->buf + i * LD_STACK_PREFETCH;
		v[i].len = g->sp >= g->stack_lo && g->sp < end &&
			   !(g->flags & LD_G_NO_STACK) ? end - g->sp : 0;
		v[i].ok = false;
		/* A subset walk: only its own goroutines (ascending). */
		if (only) {
			while (k < nonly && only[k] < first + i)
				k++;
			if (k == nonly || only[k] != first + i)
				v[i].len = 0;
		}
	}
	ld_mem_read_batch(s->mem, v, n);
	for (size_t i = 0; i < n; i++) {
		b->lo[i] = v[i].addr;
		b->len[i] = v[i].ok ? (uint32_t)v[i].len : 0;
	}
}

struct ld_error *ld_session_read_stack(struct ld_session *s,
				       const struct ld_goroutine *g,
				       uint64_t addr, uint64_t *ret)
{
	const struct ld_stack_batch *b = s->batch;
	size_t i;

	if (b && g >= s->gs && (size_t)(g - s->gs) - b->first < b->n) {
		i = (size_t)(g - s->gs) - b->first;
		if (addr >= b->lo[i] && addr + 8 <= b->lo[i] + b->len[i]) {
			memcpy(ret, b->buf + i * LD_STACK_PREFETCH +
				    (addr - b->lo[i]), 8);
			return NULL;
		}
	}
	return ld_mem_read_u64(s->mem, addr, ret);
}

const uint8_t *ld_session_stack_window(const struct ld_session *s,
				      const struct ld_goroutine *g,
				      uint64_t addr, size_t len)
{
	const struct ld_stack_batch *b = s->batch;
	size_t i;

	if (!b || g < s->gs || (size_t)(g - s->gs) - b->first >= b->n)
		return NULL;
	i = (size_t)(g - s->gs) - b->first;
	if (addr < b->lo[i] || addr + len > b->lo[i] + b->len[i])
		return NULL;
	return b->buf + i * LD_STACK_PREFETCH + (addr - b->lo[i]);
}

const struct ld_thread_regs *ld_session_thread(const struct ld_session *s,
					       int32_t tid)
{
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return &s->threads[i];
	return NULL;
}
