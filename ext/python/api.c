// SPDX-License-Identifier: MIT
/*
 * The accessors leakdump/api.py builds its objects on: goroutine fields in
 * batches (a million must iterate in seconds, so no JSON on that path),
 * one goroutine's frames on demand, and the grouping model built once per
 * set of options and kept while the session lives, for groups, objects,
 * per-goroutine blocking objects and verdicts.  Every value is the one the
 * json report prints for the same session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/model/traceback.h"
#include "leakdump/prove/prove.h"
#include "leakdump/report/json.h"
#include "leakdump/report/model.h"
#include "python/binding.h"

/* Status texts come from a few session tables: one str per pointer. */
#define TEXT_CACHE 64

struct ld_py_api {
	struct ld_report_model *model;
	bool model_all, model_prove;
	struct ld_visible_frame *frames;	/* LD_REPORT_MAX_FRAMES */
	size_t walks;				/* frame walks, for trimming */
	const char *text_key[TEXT_CACHE];
	PyObject *text_val[TEXT_CACHE];
};

void ld_py_api_release(SessionObject *self)
{
	struct ld_py_api *a = self->api;

	if (!a)
		return;
	ld_report_model_destroy(a->model);
	free(a->frames);
	for (int i = 0; i < TEXT_CACHE; i++)
		Py_XDECREF(a->text_val[i]);
	free(a);
	self->api = NULL;
}

/* The session with its goroutines loaded, and the API's caches. */
static struct ld_py_api *ready(SessionObject *self)
{
	struct ld_error *err;

	if (!self->s) {
		PyErr_SetString(PyExc_RuntimeError, "session is not open");
		return NULL;
	}
	err = ld_session_load_goroutines(self->s);
	if (err) {
		ld_py_raise(err);
		return NULL;
	}
	if (!self->api) {
		self->api = calloc(1, sizeof(*self->api));
		if (!self->api) {
			PyErr_NoMemory();
			return NULL;
		}
	}
	return self->api;
}

/* A new reference to text as str, shared per pointer. */
static PyObject *text(struct ld_py_api *a, const char *t)
{
	size_t h = ((uintptr_t)t >> 3) % TEXT_CACHE;

	if (a->text_key[h] != t) {
		PyObject *v = PyUnicode_DecodeUTF8(t, (Py_ssize_t)strlen(t),
						   "replace");

		if (!v)
			return NULL;
		Py_XDECREF(a->text_val[h]);
		a->text_key[h] = t;
		a->text_val[h] = v;
	}
	Py_INCREF(a->text_val[h]);
	return a->text_val[h];
}

static PyObject *int_or_none(unsigned long long v)
{
	if (v)
		return PyLong_FromUnsignedLongLong(v);
	Py_RETURN_NONE;
}

PyObject *ld_py_goroutine_count(SessionObject *self, PyObject *unused)
{
	if (!ready(self))
		return NULL;
	return PyLong_FromSize_t(self->s->ngs);
}

static PyObject *row(SessionObject *self, struct ld_py_api *a, size_t i)
{
	const struct ld_session *s = self->s;
	const struct ld_goroutine *g = &s->gs[i];
	PyObject *t = PyTuple_New(13), *v[13];

	if (!t)
		return NULL;
	v[0] = PyLong_FromSize_t(i);
	v[1] = PyLong_FromUnsignedLongLong(g->goid);
	v[2] = text(a, ld_goroutine_status_text(s, g));
	v[3] = text(a, ld_goroutine_state_name(s, g));
	v[4] = PyLong_FromLongLong(ld_goroutine_wait_minutes(s, g));
	v[5] = int_or_none(g->parent_goid);
	v[6] = g->tid ? PyLong_FromLong(g->tid) : Py_NewRef(Py_None);
	v[7] = PyLong_FromUnsignedLongLong(g->addr);
	v[8] = PyLong_FromUnsignedLongLong(g->stack_lo);
	v[9] = PyLong_FromUnsignedLongLong(g->stack_hi);
	v[10] = PyBool_FromLong(g->flags & LD_G_LOCKED);
	v[11] = PyBool_FromLong(g->flags & LD_G_SYSTEM);
	v[12] = int_or_none(g->waitsince > 0 ?
			     (unsigned long long)g->waitsince : 0);
	for (int k = 0; k < 13; k++) {
		if (!v[k]) {
			for (int j = k + 1; j < 13; j++)
				Py_XDECREF(v[j]);
			Py_DECREF(t);
			return NULL;
		}
		PyTuple_SET_ITEM(t, k, v[k]);
	}
	return t;
}

PyObject *ld_py_goroutine_rows(SessionObject *self, PyObject *args)
{
	Py_ssize_t start, n;
	struct ld_py_api *a;
	PyObject *list;

	if (!PyArg_ParseTuple(args, "nn", &start, &n))
		return NULL;
	a = ready(self);
	if (!a)
		return NULL;
	if (start < 0 || n < 0)
		return PyErr_Format(PyExc_IndexError, "negative range");
	if ((size_t)start > self->s->ngs)
		start = (Py_ssize_t)self->s->ngs;
	if ((size_t)n > self->s->ngs - (size_t)start)
		n = (Py_ssize_t)(self->s->ngs - (size_t)start);
	list = PyList_New(n);
	for (Py_ssize_t k = 0; list && k < n; k++) {
		PyObject *r = row(self, a, (size_t)(start + k));

		if (!r)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, k, r);
	}
	return list;
}

static int goroutine_index(SessionObject *self, Py_ssize_t i)
{
	if (i >= 0 && (size_t)i < self->s->ngs)
		return 0;
	PyErr_Format(PyExc_IndexError, "no goroutine at index %zd", i);
	return -1;
}

static PyObject *frame_tuple(const struct ld_visible_frame *f)
{
	return Py_BuildValue("(ssiKO)", f->name ? f->name : "?",
			     f->file ? f->file : "?", (int)f->line,
			     (unsigned long long)f->pc,
			     f->inlined ? Py_True : Py_False);
}

/* (frames, walk error or None, created_by (function, file, line) or None) */
PyObject *ld_py_goroutine_frames(SessionObject *self, PyObject *args)
{
	struct ld_visible_frame cf;
	const char *werr = NULL;
	struct ld_goroutine *g;
	PyObject *list, *cb;
	struct ld_py_api *a;
	Py_ssize_t i;
	uint32_t n;

	if (!PyArg_ParseTuple(args, "n", &i))
		return NULL;
	a = ready(self);
	if (!a || goroutine_index(self, i))
		return NULL;
	if (!a->frames) {
		a->frames = malloc(LD_REPORT_MAX_FRAMES * sizeof(*a->frames));
		if (!a->frames)
			return PyErr_NoMemory();
	}
	/* A long walk over a mapped core keeps its resident set flat. */
	if (++a->walks % LD_TRIM_EVERY == 0)
		ld_session_trim(self->s);
	g = &self->s->gs[i];
	n = ld_report_goroutine_frames(self->s, g, a->frames, &werr);
	list = PyList_New(n);
	for (uint32_t k = 0; list && k < n; k++) {
		PyObject *f = frame_tuple(&a->frames[k]);

		if (!f)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, k, f);
	}
	if (!list)
		return NULL;
	if (ld_traceback_created_by(self->s, g, &cf))
		cb = Py_BuildValue("(ssi)", cf.name ? cf.name : "?",
				   cf.file ? cf.file : "?", (int)cf.line);
	else
		cb = Py_NewRef(Py_None);
	if (!cb) {
		Py_DECREF(list);
		return NULL;
	}
	/* The note (a failed walk's, or the goroutine's own) as json says. */
	return Py_BuildValue("(NzN)", list, ld_goroutine_note(self->s, g), cb);
}

/* The model for these options: the cached one, else built anew. */
static struct ld_report_model *model(SessionObject *self, int all, int prove)
{
	const struct ld_report_model_opts mo = { .all = all, .prove = prove };
	struct ld_py_api *a = ready(self);
	struct ld_error *err;

	if (!a)
		return NULL;
	if (a->model && a->model_all == !!all && a->model_prove == !!prove)
		return a->model;
	/* Both may be large: the old one goes first. */
	ld_report_model_destroy(a->model);
	a->model = NULL;
	err = ld_report_model_build(self->s, &mo, &a->model);
	if (err) {
		ld_py_raise(err);
		return NULL;
	}
	a->model_all = all;
	a->model_prove = prove;
	return a->model;
}

/* (group or None, blocking json, verdict or None, reason or None, error) */
PyObject *ld_py_goroutine_extra(SessionObject *self, PyObject *args)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	const char *verdict = NULL, *why = NULL;
	struct ld_report_model *m;
	int all = 0, prove = 0;
	PyObject *group, *res;
	Py_ssize_t i;

	if (!PyArg_ParseTuple(args, "n|pp", &i, &all, &prove))
		return NULL;
	m = model(self, all, prove);
	if (!m || goroutine_index(self, i))
		return NULL;
	if (m->g_group[i] == LD_REPORT_NONE)
		group = Py_NewRef(Py_None);
	else
		group = PyLong_FromUnsignedLong(m->g_group[i]);
	if (!group)
		return NULL;
	if (m->blk)
		ld_report_json_blocking(self->s, m, (size_t)i, &sb);
	if (m->pv) {
		verdict = ld_verdict_name(m->pv->verdict[i]);
		why = ld_report_why_text(m->pv->why[i]);
	}
	res = Py_BuildValue("(Ns#zzz)", group, sb.data ? sb.data : "",
			    (Py_ssize_t)sb.len, verdict, why,
			    ld_goroutine_note(self->s, &self->s->gs[i]));
	ld_strbuf_release(&sb);
	return res;
}

PyObject *ld_py_model_json(SessionObject *self, PyObject *args)
{
	struct ld_report_model *m;
	enum ld_json_part part;
	int all = 0, prove = 0;
	struct ld_error *err;
	const char *name;
	char *buf = NULL;
	size_t len = 0;
	PyObject *res;
	FILE *out;

	if (!PyArg_ParseTuple(args, "s|pp", &name, &all, &prove))
		return NULL;
	if (!strcmp(name, "groups")) {
		part = LD_JSON_GROUPS;
	} else if (!strcmp(name, "objects")) {
		part = LD_JSON_OBJECTS;
	} else {
		return PyErr_Format(PyExc_ValueError,
				    "unknown part '%s' (groups or objects)",
				    name);
	}
	m = model(self, all, prove);
	if (!m)
		return NULL;
	out = open_memstream(&buf, &len);
	if (!out)
		return PyErr_NoMemory();
	err = ld_report_json_part(self->s, m, part, out);
	fclose(out);
	if (err) {
		free(buf);
		return ld_py_raise(err);
	}
	res = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)len, "replace");
	free(buf);
	return res;
}
