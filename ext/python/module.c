// SPDX-License-Identifier: MIT
/*
 * leakdump._leakdump: the thin Python layer over the C core.  Each method
 * converts its arguments, calls one core function and converts the result;
 * ld_error values become leakdump._leakdump.Error exceptions here and only
 * here.
 */
#include "python/binding.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/blocking/blocking.h"
#include "leakdump/prove/prove.h"
#include "leakdump/report/report.h"
#include "leakdump/model/resolve.h"
#include "leakdump/model/session.h"
#include "leakdump/target/ptrace.h"

static PyObject *LeakdumpError;

/* Raise Error(message) with .code and .address; consumes err. */
static PyObject *raise_error(struct ld_error *err)
{
	PyObject *exc, *code, *addr;

	if (err->code == LD_ERR_NOMEM) {
		ld_error_destroy(err);
		return PyErr_NoMemory();
	}
	exc = PyObject_CallFunction(LeakdumpError, "s", err->message);
	if (exc) {
		code = PyUnicode_FromString(ld_error_code_name(err->code));
		addr = PyLong_FromUnsignedLongLong(err->address);
		if (code && addr) {
			PyObject_SetAttrString(exc, "code", code);
			PyObject_SetAttrString(exc, "address", addr);
		}
		Py_XDECREF(code);
		Py_XDECREF(addr);
		PyErr_SetObject(LeakdumpError, exc);
		Py_DECREF(exc);
	}
	ld_error_destroy(err);
	return NULL;
}

PyObject *ld_py_raise(struct ld_error *err)
{
	return raise_error(err);
}

/* Memory callback into Python: read(addr, size) -> bytes. */
static struct ld_error *py_read(void *arg, uint64_t addr, void *buf,
				size_t len)
{
	SessionObject *self = arg;
	PyObject *res;
	char *data;
	Py_ssize_t n;

	res = PyObject_CallFunction(self->read, "Kn", (unsigned long long)addr,
				    (Py_ssize_t)len);
	if (!res || PyBytes_AsStringAndSize(res, &data, &n) < 0 ||
	    (size_t)n < len) {
		PyErr_Clear();
		Py_XDECREF(res);
		return ld_error_fault(addr, "cannot read target memory at 0x%llx",
				      (unsigned long long)addr);
	}
	memcpy(buf, data, len);
	Py_DECREF(res);
	return NULL;
}

/* threads: sequence of (tid, sequence of register values in arch order) */
static int parse_threads(PyObject *seq, struct ld_thread_regs **ret,
			 size_t *nret)
{
	PyObject *fast = PySequence_Fast(seq, "threads must be a sequence");
	struct ld_thread_regs *v;
	Py_ssize_t n;

	if (!fast)
		return -1;
	n = PySequence_Fast_GET_SIZE(fast);
	v = calloc(n ? (size_t)n : 1, sizeof(*v));
	if (!v) {
		Py_DECREF(fast);
		PyErr_NoMemory();
		return -1;
	}
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *item = PySequence_Fast_GET_ITEM(fast, i), *regs;
		int tid;

		if (!PyArg_ParseTuple(item, "iO", &tid, &regs))
			goto fail;
		regs = PySequence_Fast(regs, "registers must be a sequence");
		if (!regs)
			goto fail;
		v[i].tid = tid;
		for (Py_ssize_t r = 0; r < PySequence_Fast_GET_SIZE(regs) &&
				       r < LD_MAX_REGS; r++) {
			v[i].regs[r] = PyLong_AsUnsignedLongLongMask(
				PySequence_Fast_GET_ITEM(regs, r));
			v[i].nregs = (uint32_t)r + 1;
		}
		Py_DECREF(regs);
		if (PyErr_Occurred())
			goto fail;
	}
	Py_DECREF(fast);
	*ret = v;
	*nret = (size_t)n;
	return 0;
fail:
	free(v);
	Py_DECREF(fast);
	return -1;
}

static int Session_init(SessionObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "kind", "exe", "core", "pid", "threads",
				  "read", "load_bias", "debug_dirs", "started",
				  "binary", NULL };
	double started = 0;
	const char *kind, *exe, *core = NULL, *debug_dirs = NULL;
	PyObject *threads = Py_None, *read = Py_None, *binary = Py_None;
	const struct ld_prepared *prep = NULL;
	struct ld_target_spec spec = { 0 };
	struct ld_thread_regs *regs = NULL;
	unsigned long long bias = 0;
	struct ld_error *err;
	size_t nregs = 0;
	int pid = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "ss|ziOOKzdO", kwlist, &kind,
					 &exe, &core, &pid, &threads, &read,
					 &bias, &debug_dirs, &started, &binary))
		return -1;
	if (binary != Py_None && !(prep = ld_py_binary_prepared(binary)))
		return -1;
	if (!strcmp(kind, "live")) {
		spec.kind = LD_TARGET_LIVE;
	} else if (!strcmp(kind, "core")) {
		spec.kind = LD_TARGET_CORE;
	} else if (!strcmp(kind, "callback")) {
		spec.kind = LD_TARGET_CALLBACK;
		if (!PyCallable_Check(read)) {
			PyErr_SetString(PyExc_TypeError,
					"callback targets need read=callable");
			return -1;
		}
		Py_INCREF(read);
		self->read = read;
		spec.read = py_read;
		spec.read_arg = self;
	} else {
		PyErr_SetString(PyExc_ValueError,
				"kind must be live, core or callback");
		return -1;
	}
	if (threads != Py_None && parse_threads(threads, &regs, &nregs))
		return -1;
	spec.exe_path = exe;
	spec.core_path = core;
	spec.pid = pid;
	spec.threads = regs;
	spec.nthreads = nregs;
	spec.load_bias = bias;
	spec.debug_dirs = debug_dirs;
	err = ld_session_open_prepared(&spec, prep, &self->s);
	free(regs);
	if (err) {
		raise_error(err);
		return -1;
	}
	/* The session borrows the binary's ELF and DWARF: keep it. */
	if (prep && self->s->borrowed_binary) {
		Py_INCREF(binary);
		Py_XSETREF(self->binary, binary);
	}
	/* When the host began reading the target (its threads' registers). */
	if (started > 0 && started < self->s->opened_at)
		self->s->opened_at = started;
	return 0;
}

static void Session_dealloc(SessionObject *self)
{
	ld_py_api_release(self);
	ld_session_destroy(self->s);
	Py_XDECREF(self->binary);
	Py_XDECREF(self->read);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static int check_open(SessionObject *self)
{
	if (self->s)
		return 0;
	PyErr_SetString(PyExc_RuntimeError, "session is not open");
	return -1;
}

/*
 * Run fn writing to a FILE: the named output file, or a memory stream
 * whose contents are returned as str.
 */
typedef struct ld_error *report_fn(SessionObject *self, void *arg, FILE *out);

static PyObject *with_output(SessionObject *self, const char *path,
			     report_fn *fn, void *arg)
{
	struct ld_error *err;
	char *buf = NULL;
	size_t len = 0;
	PyObject *res;
	FILE *out;

	if (check_open(self))
		return NULL;
	out = path ? fopen(path, "w") : open_memstream(&buf, &len);
	if (!out)
		return PyErr_SetFromErrnoWithFilename(PyExc_OSError, path);
	err = fn(self, arg, out);
	if (fclose(out) && !err && path)
		err = ld_error_os(errno, "%s", path);
	if (err) {
		free(buf);
		return raise_error(err);
	}
	if (path) {
		free(buf);
		Py_RETURN_NONE;
	}
	res = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)len, "replace");
	free(buf);
	return res;
}

/* Stopped's state, which report(release=) lets go (see below). */
typedef struct {
	PyObject_HEAD
	struct ld_stopped *st;
	int pid;
	double paused;		/* seconds of the last stop; < 0: none yet */
	struct ld_error *late;	/* a resume from a report that failed */
} StoppedObject;

/* Detach; the stop's length goes in self->paused. */
static struct ld_error *stopped_resume(StoppedObject *self)
{
	double at;
	struct ld_error *err;

	if (!self->st)
		return NULL;
	at = self->st->stopped_at;
	err = ld_ptrace_resume(self->st);
	self->st = NULL;
	self->paused = ld_seconds() - at;
	return err;
}

/* ld_report_release_fn: a report's reads are done, let the process go. */
static double stopped_release(void *arg, double *stopped_at)
{
	StoppedObject *self = arg;

	if (!self->st)
		return -1;
	*stopped_at = self->st->stopped_at;
	self->late = stopped_resume(self);
	return self->paused;
}

static PyTypeObject StoppedType;

static struct ld_error *do_report(SessionObject *self, void *arg, FILE *out)
{
	return ld_report(self->s, arg, out);
}

static PyObject *Session_report(SessionObject *self, PyObject *args,
				PyObject *kw)
{
	static char *kwlist[] = { "format", "all", "output", "group_by",
				  "blocking", "prove", "why", "pprof_labels",
				  "totals", "state", "function", "min_wait",
				  "release", NULL };
	PyObject *release = Py_None;
	const char *format = "text", *output = NULL, *group_by = "stack";
	double min_wait = 0;
	struct ld_report_totals totals = { 0 };
	struct ld_report_opts opts = { 0 };
	int all = 0, blocking = 1, prove = 0, why = 0, pprof_labels = 0;
	int want_totals = 0;
	PyObject *text;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|spzspppppzzdO", kwlist,
					 &format, &all, &output, &group_by,
					 &blocking, &prove, &why,
					 &pprof_labels, &want_totals,
					 &opts.filter.state,
					 &opts.filter.function, &min_wait,
					 &release))
		return NULL;
	if (release != Py_None) {
		if (!PyObject_TypeCheck(release, &StoppedType)) {
			PyErr_SetString(PyExc_TypeError,
					"release must be a Stopped or None");
			return NULL;
		}
		/* The reads done, the process goes (and the memory is sealed). */
		opts.release = stopped_release;
		opts.release_arg = release;
	}
	if (!strcmp(group_by, "blocker")) {
		opts.group_by = LD_GROUP_BLOCKER;
	} else if (!strncmp(group_by, "label:", 6) && group_by[6]) {
		opts.filter.label = group_by + 6;	/* groups by stack too */
	} else if (strcmp(group_by, "stack")) {
		PyErr_Format(PyExc_ValueError,
			     "unknown grouping '%s' (stack, blocker or label:KEY)",
			     group_by);
		return NULL;
	}
	if (!(min_wait >= 0 && min_wait < 1e9)) {
		PyErr_SetString(PyExc_ValueError,
				"min_wait: seconds, at least 0");
		return NULL;
	}
	opts.filter.min_wait_ns = (int64_t)(min_wait * 1e9);
	opts.no_blocking = !blocking;
	opts.prove = prove;
	opts.why = why;
	opts.pprof_labels = pprof_labels;
	if (!strcmp(format, "text")) {
		opts.format = LD_FORMAT_TEXT;
	} else if (!strcmp(format, "go")) {
		opts.format = LD_FORMAT_GO;
	} else if (!strcmp(format, "json")) {
		opts.format = LD_FORMAT_JSON;
	} else if (!strcmp(format, "pprof")) {
		opts.format = LD_FORMAT_PPROF;
	} else if (!strcmp(format, "html")) {
		opts.format = LD_FORMAT_HTML;
	} else {
		PyErr_Format(PyExc_ValueError,
			     "unknown format '%s' (text, go, json, pprof or html)",
			     format);
		return NULL;
	}
	/* A binary profile is no text to return. */
	if (opts.format == LD_FORMAT_PPROF && !output) {
		PyErr_SetString(PyExc_ValueError,
				"--format pprof writes a binary profile: give --output FILE");
		return NULL;
	}
	if (pprof_labels && opts.format != LD_FORMAT_PPROF) {
		PyErr_SetString(PyExc_ValueError,
				"--pprof-labels labels samples of --format pprof");
		return NULL;
	}
	opts.all = all;
	if (want_totals)
		opts.totals = &totals;
	text = with_output(self, output, do_report, &opts);
	if (!text || !want_totals)
		return text;
	if (!totals.proved)
		return Py_BuildValue("(NO)", text, Py_None);
	return Py_BuildValue("(N{s:K,s:K,s:K,s:O})", text,
			     ld_verdict_name(LD_VERDICT_LEAKED),
			     (unsigned long long)totals.verdicts[LD_VERDICT_LEAKED],
			     ld_verdict_name(LD_VERDICT_MAY_WAKE),
			     (unsigned long long)totals.verdicts[LD_VERDICT_MAY_WAKE],
			     ld_verdict_name(LD_VERDICT_LIVE),
			     (unsigned long long)totals.verdicts[LD_VERDICT_LIVE],
			     "proven", totals.proven ? Py_True : Py_False);
}

static struct ld_error *do_goroutine(SessionObject *self, void *arg,
				     FILE *out)
{
	return ld_report_goroutine(self->s, *(unsigned long long *)arg, out);
}

static PyObject *Session_goroutine(SessionObject *self, PyObject *args)
{
	unsigned long long goid;

	if (!PyArg_ParseTuple(args, "K", &goid))
		return NULL;
	return with_output(self, NULL, do_goroutine, &goid);
}

struct object_args {
	int kind;
	unsigned long long addr;
};

static struct ld_error *do_object(SessionObject *self, void *arg, FILE *out)
{
	struct object_args *a = arg;

	return ld_report_object(self->s, a->kind, a->addr, out);
}

static PyObject *Session_object(SessionObject *self, PyObject *args)
{
	struct object_args a;
	const char *kind;

	if (!PyArg_ParseTuple(args, "sK", &kind, &a.addr))
		return NULL;
	if (!strcmp(kind, "chan")) {
		a.kind = LD_BK_CHAN;
	} else if (!strcmp(kind, "mutex")) {
		a.kind = LD_BK_MUTEX;
	} else {
		PyErr_Format(PyExc_ValueError, "unknown kind '%s'", kind);
		return NULL;
	}
	return with_output(self, NULL, do_object, &a);
}

static PyObject *Session_resolve(SessionObject *self, PyObject *args)
{
	const char *expr;
	int pointer = 0;
	uint64_t addr;
	struct ld_error *err;

	if (check_open(self) || !PyArg_ParseTuple(args, "s|p", &expr, &pointer))
		return NULL;
	err = ld_session_resolve(self->s, expr, pointer, &addr);
	if (err)
		return raise_error(err);
	return PyLong_FromUnsignedLongLong(addr);
}

static struct ld_error *do_list(SessionObject *self, void *arg, FILE *out)
{
	return ld_report_list(self->s, *(int *)arg, out);
}

static PyObject *Session_list(SessionObject *self, PyObject *args,
			      PyObject *kw)
{
	static char *kwlist[] = { "all", NULL };
	int all = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|p", kwlist, &all))
		return NULL;
	return with_output(self, NULL, do_list, &all);
}

static PyObject *Session_info(SessionObject *self, PyObject *unused)
{
	struct ld_error *err;

	if (check_open(self))
		return NULL;
	err = ld_session_load_goroutines(self->s);
	if (err)
		return raise_error(err);
	return Py_BuildValue("{s:s,s:n,s:n,s:K}", "go_version",
			     self->s->rt->go_version, "goroutines",
			     (Py_ssize_t)self->s->ngs, "threads",
			     (Py_ssize_t)self->s->nthreads, "load_bias",
			     (unsigned long long)self->s->bias);
}

static PyMethodDef Session_methods[] = {
	{ "report", (PyCFunction)(void (*)(void))Session_report,
	  METH_VARARGS | METH_KEYWORDS,
	  "report(format='text', all=False, output=None, group_by='stack', "
	  "blocking=True, prove=False, why=False, pprof_labels=False, "
	  "state=None, function=None, min_wait=0 (seconds), "
	  "totals=False, release=None) -> str or None; with totals, (that, "
	  "verdicts) where verdicts is None without prove, else {'leaked': n, "
	  "'may-wake': n, 'live': n, 'proven': bool}; release: the Stopped "
	  "holding the process, resumed as soon as the report has read what "
	  "it needs (the session is a snapshot from then on)" },
	{ "goroutine", (PyCFunction)Session_goroutine, METH_VARARGS,
	  "goroutine(goid) -> str: one goroutine's traceback" },
	{ "list", (PyCFunction)(void (*)(void))Session_list,
	  METH_VARARGS | METH_KEYWORDS,
	  "list(all=False) -> str: one line per goroutine" },
	{ "object", (PyCFunction)Session_object, METH_VARARGS,
	  "object(kind, addr) -> str: a channel or mutex, its waiters" },
	{ "resolve", (PyCFunction)Session_resolve, METH_VARARGS,
	  "resolve(expr, pointer=False) -> int: the address a global "
	  "variable's name denotes ([&|*]package.name); pointer: whether a "
	  "variable of unknown type (no DWARF) holds a pointer" },
	{ "info", (PyCFunction)Session_info, METH_NOARGS,
	  "info() -> dict" },
	LD_PY_API_METHODS,
	{ NULL, NULL, 0, NULL },
};

static PyTypeObject SessionType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "leakdump._leakdump.Session",
	.tp_basicsize = sizeof(SessionObject),
	.tp_dealloc = (destructor)Session_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Session(kind, exe, core=None, pid=0, threads=None, read=None, load_bias=0, debug_dirs=None, started=0): started, time.monotonic() when the host began reading the target, starts the time the cost line reports",
	.tp_methods = Session_methods,
	.tp_init = (initproc)Session_init,
	.tp_new = PyType_GenericNew,
};

/*
 * Stopped(pid): every thread of a live process stopped through ptrace
 * (ld_ptrace_stop) until resume(), exiting a with block, or dealloc.
 */
static int Stopped_init(StoppedObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "pid", NULL };
	struct ld_error *err;
	int pid;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "i", kwlist, &pid))
		return -1;
	if (self->st) {
		PyErr_SetString(PyExc_RuntimeError, "already stopped");
		return -1;
	}
	self->paused = -1;
	err = ld_ptrace_stop(pid, &self->st);
	if (err) {
		raise_error(err);
		return -1;
	}
	self->pid = pid;
	return 0;
}

static PyObject *Stopped_resume(StoppedObject *self, PyObject *unused)
{
	struct ld_error *err = stopped_resume(self);

	if (!err) {
		err = self->late;
		self->late = NULL;
	}
	if (err)
		return raise_error(err);
	Py_RETURN_NONE;
}

static void Stopped_dealloc(StoppedObject *self)
{
	ld_error_destroy(ld_ptrace_resume(self->st));
	ld_error_destroy(self->late);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Stopped_threads(StoppedObject *self, PyObject *unused)
{
	PyObject *list;

	if (!self->st) {
		PyErr_SetString(PyExc_RuntimeError, "process is not stopped");
		return NULL;
	}
	list = PyList_New((Py_ssize_t)self->st->nthreads);
	for (size_t i = 0; list && i < self->st->nthreads; i++) {
		const struct ld_thread_regs *r = &self->st->regs[i];
		PyObject *regs = PyTuple_New(r->nregs), *item = NULL;

		for (uint32_t j = 0; regs && j < r->nregs; j++) {
			PyObject *v = PyLong_FromUnsignedLongLong(r->regs[j]);

			if (!v) {
				Py_CLEAR(regs);
				break;
			}
			PyTuple_SET_ITEM(regs, j, v);
		}
		if (regs)
			item = Py_BuildValue("(iN)", (int)r->tid, regs);
		if (!item) {
			Py_CLEAR(list);
			break;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	return list;
}

static PyObject *Stopped_enter(StoppedObject *self, PyObject *unused)
{
	Py_INCREF(self);
	return (PyObject *)self;
}

static PyObject *Stopped_exit(StoppedObject *self, PyObject *args)
{
	PyObject *res = Stopped_resume(self, NULL);

	if (!res)
		return NULL;
	Py_DECREF(res);
	Py_RETURN_FALSE;
}

static PyObject *Stopped_get_pid(StoppedObject *self, void *closure)
{
	return PyLong_FromLong(self->pid);
}

static PyObject *Stopped_get_stopped(StoppedObject *self, void *closure)
{
	return PyBool_FromLong(self->st != NULL);
}

static PyObject *Stopped_get_paused(StoppedObject *self, void *closure)
{
	if (self->paused < 0)
		Py_RETURN_NONE;
	return PyFloat_FromDouble(self->paused);
}

static PyMethodDef Stopped_methods[] = {
	{ "threads", (PyCFunction)Stopped_threads, METH_NOARGS,
	  "threads() -> [(tid, registers)]: registers in register_names() "
	  "order" },
	{ "resume", (PyCFunction)Stopped_resume, METH_NOARGS,
	  "resume(): detach every thread, leaving the process as it was "
	  "(idempotent)" },
	{ "__enter__", (PyCFunction)Stopped_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)Stopped_exit, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef Stopped_getset[] = {
	{ "pid", (getter)Stopped_get_pid, NULL, "the process id", NULL },
	{ "stopped", (getter)Stopped_get_stopped, NULL,
	  "True until resume()", NULL },
	{ "paused", (getter)Stopped_get_paused, NULL,
	  "seconds from the stop to the resume (None until resumed)", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyTypeObject StoppedType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "leakdump._leakdump.Stopped",
	.tp_basicsize = sizeof(StoppedObject),
	.tp_dealloc = (destructor)Stopped_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Stopped(pid): every thread of process pid stopped (ptrace "
		  "seize and interrupt) until resume() or the end of a with "
		  "block; threads() gives their registers.  Resume it from "
		  "the thread that made it: the kernel's tracer is a thread.",
	.tp_methods = Stopped_methods,
	.tp_getset = Stopped_getset,
	.tp_init = (initproc)Stopped_init,
	.tp_new = PyType_GenericNew,
};

/* register_names(machine=None): the arch's names in NT_PRSTATUS order. */
static PyObject *register_names(PyObject *self, PyObject *args,
				PyObject *kwargs)
{
	static char *kwlist[] = { "machine", NULL };
	PyObject *machine = Py_None, *names;
	const struct ld_arch *a;
	unsigned long m = EM_X86_64;	/* no target yet: the default */

	if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O", kwlist, &machine))
		return NULL;
	if (machine != Py_None) {
		m = PyLong_AsUnsignedLong(machine);
		if (m == (unsigned long)-1 && PyErr_Occurred())
			return NULL;
	}
	a = m <= UINT16_MAX ? ld_arch_for_machine((uint16_t)m) : NULL;
	if (!a)
		return raise_error(ld_error_create(LD_ERR_UNSUPPORTED,
						   "ELF machine %lu is not supported",
						   m));
	names = PyTuple_New(a->nregs);
	for (unsigned int i = 0; names && i < a->nregs; i++) {
		PyObject *n = PyUnicode_FromString(a->reg_names[i]);

		if (!n) {
			Py_CLEAR(names);
			break;
		}
		PyTuple_SET_ITEM(names, i, n);
	}
	return names;
}

static PyMethodDef module_methods[] = {
	{ "register_names", (PyCFunction)(void (*)(void))register_names,
	  METH_VARARGS | METH_KEYWORDS,
	  "register_names(machine=None) -> tuple of str: the registers of "
	  "the arch of ELF machine (default amd64), in core (NT_PRSTATUS) "
	  "order" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "leakdump._leakdump",
	.m_doc = "Native core of leakdump.",
	.m_size = -1,
	.m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__leakdump(void)
{
	PyObject *m;

	if (PyType_Ready(&SessionType) < 0 || PyType_Ready(&StoppedType) < 0 ||
	    PyType_Ready(&ld_py_binary_type) < 0)
		return NULL;
	m = PyModule_Create(&module);
	if (!m)
		return NULL;
	LeakdumpError = PyErr_NewException("leakdump._leakdump.Error", NULL,
					   NULL);
	Py_INCREF(&SessionType);
	Py_INCREF(&StoppedType);
	Py_INCREF(&ld_py_binary_type);
	if (!LeakdumpError ||
	    PyModule_AddObject(m, "Binary", (PyObject *)&ld_py_binary_type) < 0 ||
	    PyModule_AddObject(m, "Session", (PyObject *)&SessionType) < 0 ||
	    PyModule_AddObject(m, "Stopped", (PyObject *)&StoppedType) < 0 ||
	    PyModule_AddObject(m, "Error", LeakdumpError) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	Py_INCREF(LeakdumpError);
	return m;
}
