// SPDX-License-Identifier: MIT
/*
 * Binary(exe, debug_dirs=None): an executable opened ahead of its target
 * (ld_session_prepare), for Session(..., binary=): a live process is then
 * stopped only once its ELF, DWARF and layouts are read, and sessions of
 * one executable share them.
 */
#include "python/binding.h"

typedef struct {
	PyObject_HEAD
	struct ld_prepared *p;
} BinaryObject;

static int Binary_init(BinaryObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "exe", "debug_dirs", NULL };
	const char *exe, *debug_dirs = NULL;
	struct ld_error *err;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|z", kwlist, &exe,
					 &debug_dirs))
		return -1;
	ld_prepared_destroy(self->p);
	self->p = NULL;
	err = ld_session_prepare(exe, debug_dirs, &self->p);
	if (err) {
		ld_py_raise(err);
		return -1;
	}
	return 0;
}

static void Binary_dealloc(BinaryObject *self)
{
	ld_prepared_destroy(self->p);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

PyTypeObject ld_py_binary_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "leakdump._leakdump.Binary",
	.tp_basicsize = sizeof(BinaryObject),
	.tp_dealloc = (destructor)Binary_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Binary(exe, debug_dirs=None): an executable opened ahead "
		  "of its target (ELF, build info, DWARF, runtime layouts), "
		  "for Session(..., binary=): no stop lasts while they are "
		  "read, and several sessions share them.",
	.tp_init = (initproc)Binary_init,
	.tp_new = PyType_GenericNew,
};

const struct ld_prepared *ld_py_binary_prepared(PyObject *o)
{
	if (!PyObject_TypeCheck(o, &ld_py_binary_type) ||
	    !((BinaryObject *)o)->p) {
		PyErr_SetString(PyExc_TypeError,
				"binary must be an opened Binary");
		return NULL;
	}
	return ((BinaryObject *)o)->p;
}
