"""leakdump's Python API: goroutines, groups and blocking objects as objects.

The same API works in a plain Python program and inside a debugger:

    import leakdump

    with leakdump.open_core("./server", "core.1234") as s:   # or open_pid(pid)
        for g in s.goroutines():          # lazy: a million in a few seconds
            print(g.id, g.state, g.wait_minutes, g.frames[0].function)
        for grp in s.groups(prove=True):  # the groups of the text report
            print(grp.count, grp.state, grp.verdict, grp.frames[0].function)
        for obj in s.objects():           # what goroutines wait on
            print(obj.kind, obj.address, obj.waiter_ids)
        print(s.report(format="json"))    # the reports of `leak-dump`

    # inside GDB (after `source gdbinit`), the debugger's current target:
    #   (gdb) python import leakdump; s = leakdump.current()

Field names and values are those of the json report (`leak-dump --format
json`): `state` is the same text ("chan receive"), ids the same numbers,
addresses the same "0x..." strings (int(x, 16) gives the number), absent
values None.  Each object's as_dict() is its json entry.

What is lazy, and what it costs:

  * goroutines() reads the decoded goroutine records in batches: no stack
    is unwound and no target memory is read per goroutine.
  * g.frames, g.created_by and g.error unwind that one goroutine, once.
  * g.group, g.blocking and g.verdict, groups() and objects() read the
    grouping model (stacks of every goroutine, blocking objects, and with
    prove the verdict pass over the heap).  It is built once per set of
    options (all, prove) and kept while the session is open.

A Goroutine, Group or Object is only valid while its Session is open.
"""

import json
import os

from leakdump import _leakdump
from leakdump import commands as _commands

Error = _leakdump.Error

# goroutine_rows() tuple positions
_INDEX, _ID, _STATE, _STATUS, _WAIT, _PARENT, _TID, _G, _LO, _HI, \
    _LOCKED, _SYSTEM, _WAIT_SINCE = range(13)

_BATCH = 4096


def _hex(v):
    return "0x%x" % v


class Frame:
    """One visible frame, innermost first, as the json report's group
    "frames" entries: function (the raw symbol, "main.f[go.shape.int]"),
    file, line, pc ("0x..." of the physical frame) and inlined."""

    __slots__ = ("function", "file", "line", "_pc", "inlined")

    def __init__(self, function, file, line, pc, inlined):
        self.function = function
        self.file = file
        self.line = line
        self._pc = pc
        self.inlined = inlined

    @property
    def pc(self):
        return _hex(self._pc)

    def as_dict(self):
        return {"function": self.function, "file": self.file,
                "line": self.line, "pc": self.pc, "inlined": self.inlined}

    def __eq__(self, other):
        return isinstance(other, Frame) and self.as_dict() == other.as_dict()

    def __hash__(self):
        return hash((self.function, self.file, self.line, self._pc))

    def __repr__(self):
        return "Frame(%s %s:%d)" % (self.function, self.file, self.line)


class _Record:
    """A json report entry read as attributes; a name of FIELDS that this
    entry lacks (an option's field, another kind's field) reads None."""

    __slots__ = ("_d",)
    FIELDS = ()

    def __init__(self, d):
        self._d = d

    def __getattr__(self, name):
        try:
            return self._d[name]
        except KeyError:
            if name in self.FIELDS:
                return None
            raise AttributeError("%s has no field %r" %
                                 (type(self).__name__, name)) from None

    def as_dict(self):
        """The json report's entry (a copy)."""
        return json.loads(json.dumps(self._d))

    def __eq__(self, other):
        return type(other) is type(self) and self._d == other._d

    __hash__ = None

    def __dir__(self):
        return sorted(set(self.FIELDS) | set(self._d) | {"as_dict"})


class Object(_Record):
    """A blocking object, as the json report's "objects" entries (and
    each goroutine's "blocking" entries): kind ("chan", "mutex",
    "rwmutex", "waitgroup", "cond", "sema", "fd", "timer", "syscall"),
    address, and the kind's fields: for channels op (in a goroutine's
    blocking list), nil, elem_type, cap, len, closed, senders,
    receivers; for mutexes locked, starving, woken, candidate_holders;
    waiters; fd and mode; when and fires_in_ns; number, name and args;
    note says what could not be read.  Id lists in a goroutine's blocking
    list are cut at 16 (the *_count fields stay exact), as in the report.
    """

    __slots__ = ()
    FIELDS = ("kind", "address", "note", "op", "nil", "elem_type", "cap",
              "len", "closed", "senders_count", "receivers_count",
              "senders", "receivers", "sema", "locked", "starving", "woken",
              "state_waiters", "readers", "writer_waiting", "write_locked",
              "readers_waiting", "counter", "candidate_holders",
              "waiters_count", "waiters", "fd", "mode", "describes", "when",
              "fires_in_ns", "number", "name", "args")

    @property
    def waiter_ids(self):
        """Every goroutine id waiting on it (senders, receivers and
        waiters), ascending."""
        ids = set()
        for k in ("senders", "receivers", "waiters"):
            ids.update(self._d.get(k) or ())
        return sorted(ids)

    def __repr__(self):
        return "Object(%s %s, %d waiting)" % (self.kind, self.address,
                                              len(self.waiter_ids))


class Group(_Record):
    """A group of goroutines with the same state, visible stack, creator
    (and with prove, verdict), as the json report's "groups" entries: id,
    count, state, wait_minutes ([min, max]), frames (Frame list),
    created_by ({"function", "file", "line"} or None), goroutines (ids);
    with prove also verdict ("leaked", "may-wake", "live"), proven,
    verdicts (counts) and pins (what a leaked group keeps alive)."""

    __slots__ = ("_frames",)
    FIELDS = ("id", "count", "state", "wait_minutes", "frames", "created_by",
              "goroutines", "verdict", "proven", "verdicts", "pins", "why")

    def __init__(self, d):
        super().__init__(d)
        self._frames = [Frame(f["function"], f["file"], f["line"],
                              int(f["pc"], 16), f["inlined"])
                        for f in d["frames"]]

    @property
    def frames(self):
        return self._frames

    def __repr__(self):
        top = self._frames[0].function if self._frames else "?"
        return "Group(%d x %s in %s)" % (self.count, self.state, top)


class Goroutine:
    """One goroutine, as the json report's "goroutines" entries.

    Cheap (read at iteration): id, state (the runtime's wait reason or
    status text, "chan receive"), status ("waiting", "running", ...),
    wait_minutes, created_by_goroutine, thread (OS thread id or None), g
    (the runtime.g's address), stack (["0x lo", "0x hi"]),
    locked_to_thread, stack_bytes, system.

    Unwound on first access, once: frames (Frame list, innermost first:
    the frames of its group), created_by ({"function", "file", "line"} of
    the go statement, or None), error (why its stack could not be read
    whole, or None).

    From the session's grouping model: group (the json group id),
    blocking (Object list), verdict and verdict_reason (None unless the
    session was asked to prove: goroutines(prove=True) or prove()).
    """

    __slots__ = ("_s", "_r", "_f")

    def __init__(self, session, row):
        self._s = session
        self._r = row
        self._f = None

    id = property(lambda self: self._r[_ID], doc="goroutine id")
    state = property(lambda self: self._r[_STATE],
                     doc="status text as the runtime prints it")
    status = property(lambda self: self._r[_STATUS], doc="broad status")
    wait_minutes = property(lambda self: self._r[_WAIT])
    wait_since_ns = property(lambda self: self._r[_WAIT_SINCE],
                             doc="the runtime's waitsince (its nanotime), "
                             "or None when it recorded none")
    created_by_goroutine = property(lambda self: self._r[_PARENT])
    thread = property(lambda self: self._r[_TID])
    locked_to_thread = property(lambda self: self._r[_LOCKED])
    system = property(lambda self: self._r[_SYSTEM])

    @property
    def g(self):
        return _hex(self._r[_G])

    @property
    def stack(self):
        return [_hex(self._r[_LO]), _hex(self._r[_HI])]

    @property
    def stack_bytes(self):
        return self._r[_HI] - self._r[_LO]

    def _unwound(self):
        if self._f is None:
            frames, error, cb = self._s._native().goroutine_frames(
                self._r[_INDEX])
            self._f = ([Frame(*f) for f in frames], error,
                       None if cb is None else
                       {"function": cb[0], "file": cb[1], "line": cb[2]})
        return self._f

    @property
    def frames(self):
        return self._unwound()[0]

    @property
    def error(self):
        return self._unwound()[1]

    @property
    def created_by(self):
        return self._unwound()[2]

    def _extra(self):
        s = self._s
        return s._native().goroutine_extra(self._r[_INDEX], s._all,
                                           s._proved)

    @property
    def group(self):
        return self._extra()[0]

    @property
    def blocking(self):
        text = self._extra()[1]
        return [Object(d) for d in json.loads(text)] if text else []

    @property
    def verdict(self):
        return self._extra()[2] if self._s._proved else None

    @property
    def verdict_reason(self):
        return self._extra()[3] if self._s._proved else None

    def as_dict(self):
        """The json report's entry for this goroutine (without --why)."""
        group, blocking, verdict, reason, _ = self._extra()
        d = {"id": self.id, "group": group, "state": self.state,
             "status": self.status, "wait_minutes": self.wait_minutes,
             "wait_since_ns": self.wait_since_ns,
             "created_by_goroutine": self.created_by_goroutine,
             "thread": self.thread, "g": self.g, "stack": self.stack,
             "locked_to_thread": self.locked_to_thread,
             "stack_bytes": self.stack_bytes, "system": self.system,
             "error": self.error}
        if self._s._proved:
            d["verdict"] = verdict
            d["verdict_reason"] = reason
        d["blocking"] = json.loads(blocking) if blocking else []
        return d

    def __repr__(self):
        return "Goroutine(%d [%s])" % (self.id, self.state)


class Session:
    """One Go target: a core file, a stopped process, or a debugger's
    current target.  Made by open_core(), open_pid() or current().

    A session opened by open_core() or open_pid() is closed by close(),
    by leaving a `with` block, or when it is garbage collected; a process
    opened by open_pid() stays stopped until then.  A current() session
    belongs to the debugger and close() only detaches this object."""

    def __init__(self, native, stopped=None):
        self._n = native
        self._stopped = stopped
        self._resumed = None
        self._released = False      # report(resume=True) let it go
        self._all = False
        self._proved = False

    # -- lifetime

    def _native(self):
        if self._n is None:
            raise Error("the session is closed")
        return self._n

    def close(self):
        """Let the target go: a process opened by open_pid() resumes."""
        self._n = None
        stopped, self._stopped = self._stopped, None
        if stopped is not None:
            self._resumed = stopped
            stopped.resume()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:   # pylint: disable=broad-except
            pass

    @property
    def closed(self):
        return self._n is None

    # -- goroutines

    def goroutines(self, all=False, prove=False):  # noqa: A002
        """Iterate the goroutines in the runtime's allgs order (as the json
        report lists them): runtime-internal ones only with all=True.
        prove=True also gives each its verdict (the pass over the heap
        runs once, on the first g.verdict).  all and prove also choose
        the grouping g.group, g.blocking and g.verdict read."""
        native = self._native()
        self._all = bool(all)
        if prove:
            self._proved = True
        n = native.goroutine_count()
        for start in range(0, n, _BATCH):
            for row in native.goroutine_rows(start, _BATCH):
                if all or not row[_SYSTEM]:
                    yield Goroutine(self, row)

    def goroutine(self, goid):
        """The goroutine with this id (runtime-internal ones too), or
        None."""
        for g in self.goroutines(all=True):
            if g.id == goid:
                return g
        return None

    def count(self, all=False):  # noqa: A002
        """How many goroutines goroutines(all) yields."""
        native = self._native()
        if all:
            return native.goroutine_count()
        return sum(1 for g in self.goroutines(all=False))

    def prove(self):
        """Run the leak verdict pass (once): from now on g.verdict and
        objects() read the proved model.  Returns the session."""
        self._proved = True
        self._native().model_json("objects", self._all, True)
        return self

    # -- groups and objects

    def groups(self, prove=False, all=False, group_by="stack"):  # noqa: A002
        """The groups of the text and json reports, biggest first (with
        prove: leaked, then may-wake, then live)."""
        if group_by != "stack":
            raise ValueError("groups() groups by stack; objects() lists "
                             "the goroutines by what they wait on")
        if prove:
            self._proved = True
        text = self._native().model_json("groups", bool(all), bool(prove))
        return [Group(d) for d in json.loads(text)]

    def objects(self, all=None):  # noqa: A002
        """The blocking objects (channels, mutexes, ...), each with the ids
        of the goroutines waiting on it, as the json report's "objects".
        all (default: as the last goroutines() call) includes runtime
        goroutines' stacks in the search for mutex holders."""
        a = self._all if all is None else bool(all)
        text = self._native().model_json("objects", a, self._proved)
        return [Object(d) for d in json.loads(text)] if text != "null" else []

    # -- what the commands print

    def report(self, format="text", all=False, group_by="stack",  # noqa: A002
               blocking=True, prove=False, why=False, output=None,
               state=None, function=None, min_wait=None, resume=False):
        """A leak-dump report as text: format "text", "go" (the runtime's
        own dump), "json" or "html"; with output=PATH written there instead
        ("pprof" needs output).  group_by: "stack", "blocker" or
        "label:KEY".  Filters as leak-dump's: state and function are POSIX
        extended regexes, min_wait seconds or a Go duration ("5m").

        resume=True (a session of open_pid()): let the process go as soon
        as the report has read what it needs, before it is formatted; the
        header's cost line then gives the pause.  The session is a
        snapshot from then on: what it read before still answers
        (goroutines(), the models groups() and objects() already built),
        another report() raises, reads of the process fail."""
        kw = {}
        if state is not None:
            kw["state"] = state
        if function is not None:
            kw["function"] = function
        if min_wait is not None:
            if isinstance(min_wait, str):
                from leakdump.commands import parse_duration
                min_wait = parse_duration(min_wait)
            kw["min_wait"] = float(min_wait)
        native = self._native()
        if self._released:
            raise Error("the process was resumed after a report: open it "
                        "again for another")
        if resume and self._stopped is not None:
            kw["release"] = self._stopped
            self._released = True
        return native.report(format=format, all=all, output=output,
                             group_by=group_by, blocking=blocking,
                             prove=prove, why=why, **kw)

    @property
    def paused(self):
        """Seconds an open_pid() process was stopped, once resumed
        (report(resume=True) or close()); None before, or for other
        sessions."""
        stopped = self._stopped or self._resumed
        return getattr(stopped, "paused", None)

    def snapshot(self, all=False, prove=False):  # noqa: A002
        """The json report as a dict: a snapshot for leakdump.snapshot's
        diff() and series() (it records when it was taken)."""
        return json.loads(self.report(format="json", all=all,
                                      blocking=prove, prove=prove))

    def info(self):
        """{"go_version", "goroutines" (all of them), "threads",
        "load_bias"}."""
        return self._native().info()

    @property
    def go_version(self):
        return self.info()["go_version"]

    def __repr__(self):
        if self._n is None:
            return "Session(closed)"
        return "Session(%s)" % self._n.info().get("go_version")


def open_core(exe, core, debug_dirs=None):
    """A Session over a core file of a Go program and its executable."""
    for path in (exe, core):
        if not os.path.exists(path):
            raise Error("%s: no such file" % path)
    # Many cores of one executable: it is read once.
    return Session(_leakdump.Session(
        "core", str(exe), core=str(core), debug_dirs=debug_dirs,
        binary=_commands.binary_for(str(exe), debug_dirs)))


def _exe_of(pid):
    link = "/proc/%d/exe" % pid
    try:
        path = os.readlink(link)
    except OSError as exc:
        raise Error("process %d: %s" % (pid, exc.strerror)) from None
    # A replaced or deleted executable is still readable through the link.
    return path if os.path.exists(path) else link


def open_pid(pid, debug_dirs=None):
    """A Session over a running Go process, stopped (ptrace) until the
    session is closed (close(), the end of a `with` block, or garbage
    collection).  Needs permission to ptrace it."""
    if not hasattr(_leakdump, "Stopped"):
        raise Error("open_pid needs _leakdump.Stopped, which this build "
                    "of leakdump lacks")
    pid = int(pid)
    exe = _exe_of(pid)
    # Read the executable while the process still runs.
    binary = _commands.binary_for(exe, debug_dirs)
    stopped = _leakdump.Stopped(pid)
    try:
        native = _leakdump.Session("live", exe, pid=pid,
                                   threads=stopped.threads(),
                                   debug_dirs=debug_dirs, binary=binary)
    except BaseException:
        stopped.resume()
        raise
    return Session(native, stopped=stopped)


_current = None     # (native session, its Session)


def current():
    """Inside a debugger with leakdump loaded (GDB: `source gdbinit`), the
    Session of its current target: the one the leak-dump commands use.
    Ask again after the target moves (continue, step): the session is a
    snapshot."""
    global _current  # pylint: disable=global-statement
    from leakdump import commands
    from leakdump.host import CommandError
    cmds = commands.latest()
    if cmds is None:
        raise Error("leakdump.current() works inside a debugger with "
                    "leakdump loaded; use open_core() or open_pid()")
    try:
        native = cmds.session()
    except CommandError as exc:
        raise Error(str(exc)) from None
    if _current is None or _current[0] is not native:
        _current = (native, Session(native))
    return _current[1]
