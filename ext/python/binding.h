/* SPDX-License-Identifier: MIT */
/*
 * What the binding's files share: the native Session object (module.c)
 * and the Python API's accessors over it (api.c, used by leakdump/api.py).
 */
#ifndef LD_PY_BINDING_H
#define LD_PY_BINDING_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "leakdump/model/session.h"

struct ld_py_api;

typedef struct {
	PyObject_HEAD
	struct ld_session *s;
	PyObject *read;		/* callback target: callable(addr, size) */
	struct ld_py_api *api;	/* api.c's caches, made on first use */
	PyObject *binary;	/* the Binary it was opened with, or NULL */
} SessionObject;

/* Raise leakdump._leakdump.Error for err (consumed); returns NULL. */
PyObject *ld_py_raise(struct ld_error *err);

/*
 * _leakdump.Binary (binary.c): an executable opened ahead of its target.
 * ld_py_binary_prepared() gives a Binary object's ld_prepared (owned by
 * the object), or sets TypeError and gives NULL.
 */
extern PyTypeObject ld_py_binary_type;
const struct ld_prepared *ld_py_binary_prepared(PyObject *o);

/* Frees self->api (the model it caches points into self->s). */
void ld_py_api_release(SessionObject *self);

PyObject *ld_py_goroutine_count(SessionObject *self, PyObject *unused);
PyObject *ld_py_goroutine_rows(SessionObject *self, PyObject *args);
PyObject *ld_py_goroutine_frames(SessionObject *self, PyObject *args);
PyObject *ld_py_goroutine_extra(SessionObject *self, PyObject *args);
PyObject *ld_py_model_json(SessionObject *self, PyObject *args);

#define LD_PY_API_METHODS						\
	{ "goroutine_count", (PyCFunction)ld_py_goroutine_count,	\
	  METH_NOARGS,							\
	  "goroutine_count() -> int: goroutines in allgs, system ones too" }, \
	{ "goroutine_rows", (PyCFunction)ld_py_goroutine_rows,		\
	  METH_VARARGS,							\
	  "goroutine_rows(start, n) -> list of (index, id, state, status, " \
	  "wait_minutes, created_by_goroutine, thread, g, stack_lo, "	\
	  "stack_hi, locked_to_thread, system)" },			\
	{ "goroutine_frames", (PyCFunction)ld_py_goroutine_frames,	\
	  METH_VARARGS,							\
	  "goroutine_frames(index) -> ([(function, file, line, pc, "	\
	  "inlined)], error, created_by)" },				\
	{ "goroutine_extra", (PyCFunction)ld_py_goroutine_extra,	\
	  METH_VARARGS,							\
	  "goroutine_extra(index, all, prove) -> (group, blocking json, " \
	  "verdict, verdict_reason, error)" },				\
	{ "model_json", (PyCFunction)ld_py_model_json, METH_VARARGS,	\
	  "model_json(part, all, prove) -> str: the json report's "	\
	  "'groups' or 'objects' array" }

#endif
