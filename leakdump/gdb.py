"""GDB commands for leakdump.  Glue only: parse arguments, describe the
target to the native core, print its answer.  Errors are one line."""

import argparse
import os
import re
import shlex

import gdb  # pylint: disable=import-error

from leakdump import _leakdump


class LeakdumpUsage(Exception):
    """A command-line mistake: printed as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise LeakdumpUsage(message)

    def exit(self, status=0, message=None):
        raise LeakdumpUsage(message or "bad arguments")


def _core_path():
    """The core file GDB has open, from 'info target', or None."""
    text = gdb.execute("info target", to_string=True)
    m = re.search(r"Local core dump file:\s*\n\s*`(.*)', file type", text)
    return m.group(1) if m else None


def _thread_registers(inferior):
    """(tid, [regs]) for every thread, read through GDB without changing
    the user's selected thread or frame for good."""
    threads = []
    try:
        old_thread = gdb.selected_thread()
    except gdb.error:
        old_thread = None
    old_frame = None
    try:
        old_frame = gdb.selected_frame()
    except gdb.error:
        pass
    try:
        for thread in inferior.threads():
            tid = thread.ptid[1] or thread.ptid[0]
            try:
                thread.switch()
                frame = gdb.newest_frame()
                regs = []
                for name in _leakdump.register_names():
                    try:
                        regs.append(int(frame.read_register(name)) &
                                    0xffffffffffffffff)
                    except (gdb.error, ValueError):
                        regs.append(0)
                threads.append((tid, regs))
            except gdb.error:
                continue
    finally:
        if old_thread is not None and old_thread.is_valid():
            old_thread.switch()
            if old_frame is not None and old_frame.is_valid():
                old_frame.select()
    return threads


class _Target:
    """The native session for GDB's current inferior, reused until the
    target changes (a new objfile, the inferior resuming, a new core)."""
    session = None
    key = None

    @classmethod
    def invalidate(cls, *_args):
        cls.session = None
        cls.key = None

    @classmethod
    def get(cls):
        inferior = gdb.selected_inferior()
        exe = gdb.current_progspace().filename
        if not exe:
            raise _leakdump.Error("no executable loaded (use 'file EXE')")
        if inferior.pid == 0 and not inferior.threads():
            raise _leakdump.Error("no process or core file")
        core = _core_path()
        debug_dirs = _debug_file_directory()
        key = (exe, core, inferior.pid, inferior.num, debug_dirs)
        if cls.session is not None and cls.key == key:
            return cls.session
        if core:
            # The core's own NT_PRSTATUS notes hold what GDB would read
            # for each thread; asking GDB costs it a frame unwind each.
            session = _leakdump.Session("core", exe, core=core,
                                        pid=inferior.pid,
                                        debug_dirs=debug_dirs)
        elif inferior.pid and os.path.exists("/proc/%d/mem" % inferior.pid) \
                and _is_local():
            threads = _thread_registers(inferior)
            session = _leakdump.Session("live", exe, pid=inferior.pid,
                                        threads=threads,
                                        debug_dirs=debug_dirs)
        else:
            def read(addr, size, _inf=inferior):
                return bytes(_inf.read_memory(addr, size))
            threads = _thread_registers(inferior)
            session = _leakdump.Session("callback", exe, pid=inferior.pid,
                                        threads=threads, read=read,
                                        debug_dirs=debug_dirs)
        cls.session, cls.key = session, key
        return session


def _debug_file_directory():
    """GDB's debug-file-directory (colon-separated), where the native
    side looks for separate debug files; None to use its default."""
    try:
        dirs = gdb.parameter("debug-file-directory")
    except (gdb.error, RuntimeError):
        return None
    return dirs or None


def _is_local():
    """True when the inferior runs on this machine (not gdbserver)."""
    try:
        conn = gdb.selected_inferior().connection
    except AttributeError:
        return True
    return conn is None or conn.type == "native"


def _run(fn):
    try:
        text = fn()
    except _leakdump.Error as exc:
        raise gdb.GdbError("leak-dump: %s" % exc) from None
    except LeakdumpUsage as exc:
        raise gdb.GdbError("leak-dump: %s" % exc) from None
    except (OSError, ValueError) as exc:
        raise gdb.GdbError("leak-dump: %s" % exc) from None
    if text:
        gdb.write(text)


class LeakDump(gdb.Command):
    """Dump the goroutines of the Go program being debugged, grouped.

Usage: leak-dump [--format text|go|json] [--output FILE] [--all]
                 [--group-by stack|blocker] [--no-blocking] [--prove]

  --format text  groups of goroutines with the same state and stack,
                 largest first (default), each with what it is blocked on
                 (channel, mutex, WaitGroup, Cond, fd, timer, syscall)
  --format go    every goroutine exactly as the Go runtime prints it
                 (pprof goroutine debug=2)
  --format json  machine-readable groups and goroutines
  --output FILE  write to FILE instead of the terminal
  --all          include runtime-internal goroutines
  --group-by blocker
                 group by the object waited on, whatever the stacks
  --no-blocking  skip blocking objects (faster on huge dumps)
  --prove        leak verdicts: mark what the program can still reach
                 (conservatively, over the whole heap) and report every
                 goroutine as leaked (nothing reachable can wake it:
                 a proof), may-wake or live, leaked groups first, with
                 the stack and heap memory each leak pins

Works on live processes (gdb -p PID) and core files (gdb EXE CORE).
Never writes to the target."""

    def __init__(self):
        super().__init__("leak-dump", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        parser = _Parser(prog="leak-dump", add_help=False)
        parser.add_argument("--format", default="text",
                            choices=("text", "go", "json"))
        parser.add_argument("--output")
        parser.add_argument("--all", action="store_true")
        parser.add_argument("--group-by", default="stack",
                            choices=("stack", "blocker"))
        parser.add_argument("--no-blocking", action="store_true")
        parser.add_argument("--prove", action="store_true")

        def run():
            args = parser.parse_args(shlex.split(arg))
            session = _Target.get()
            return session.report(format=args.format, all=args.all,
                                  output=args.output, group_by=args.group_by,
                                  blocking=not args.no_blocking,
                                  prove=args.prove)
        _run(run)


class GoBt(gdb.Command):
    """Print one goroutine's stack, as the Go runtime would.

Usage: go-bt GOID

Works on core files too: the goroutine is unwound from its saved context
(or its thread's registers if it is running)."""

    def __init__(self):
        super().__init__("go-bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        def run():
            words = shlex.split(arg)
            if len(words) != 1 or not words[0].isdigit():
                raise LeakdumpUsage("usage: go-bt GOID")
            return _Target.get().goroutine(int(words[0]))
        _run(run)


class GoGoroutines(gdb.Command):
    """List goroutines: one line each with id, state and top user frame.

Usage: go-goroutines [--all]"""

    def __init__(self):
        super().__init__("go-goroutines", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        def run():
            words = shlex.split(arg)
            if words not in ([], ["--all"]):
                raise LeakdumpUsage("usage: go-goroutines [--all]")
            return _Target.get().list(all=bool(words))
        _run(run)


def _address(expr):
    """An address from a number or a GDB expression: a pointer's value,
    or the address of a variable (a sync.Mutex declared in a struct)."""
    text = expr.strip()
    if not text:
        raise LeakdumpUsage("an address or expression is needed")
    try:
        return int(text, 0)
    except ValueError:
        pass
    value, first_error = None, None
    # GDB's Go parser wants package-qualified names quoted ('main.mu');
    # an unqualified name is tried in package main too.
    quoted = re.sub(r"(?<!['\w])([A-Za-z_][\w/]*\.[A-Za-z_]\w*)", r"'\1'", text)
    for candidate in (text, quoted,
                      re.sub(r"^([&*]*)([A-Za-z_]\w*)$", r"\1'main.\2'", text)):
        try:
            value = gdb.parse_and_eval(candidate)
            break
        except gdb.error as exc:
            first_error = first_error or exc
    if value is None:
        raise LeakdumpUsage("cannot evaluate %s: %s" % (text, first_error)) from None
    code = value.type.strip_typedefs().code
    if code in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_INT):
        return int(value) & 0xffffffffffffffff
    if value.address is not None:
        return int(value.address)
    raise LeakdumpUsage("%s is neither a pointer nor in memory" % text)


class GoChan(gdb.Command):
    """Show a channel: element type, capacity, buffered elements, waiters.

Usage: go-chan EXPR|ADDR

EXPR is evaluated by GDB (a chan variable, or any pointer to an hchan);
ADDR is the channel's address, as leak-dump prints it."""

    def __init__(self):
        super().__init__("go-chan", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        _run(lambda: _Target.get().object("chan", _address(arg)))


class GoMutex(gdb.Command):
    """Show a sync.Mutex or sync.RWMutex: state, waiters, candidate holders.

Usage: go-mutex EXPR|ADDR

Go records no owner; candidate holders are goroutines not waiting on the
mutex whose live stack holds its address."""

    def __init__(self):
        super().__init__("go-mutex", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        _run(lambda: _Target.get().object("mutex", _address(arg)))


def register():
    LeakDump()
    GoChan()
    GoMutex()
    GoBt()
    GoGoroutines()
    gdb.events.cont.connect(_Target.invalidate)
    gdb.events.new_objfile.connect(_Target.invalidate)
    gdb.events.exited.connect(_Target.invalidate)
    try:
        gdb.events.inferior_call.connect(_Target.invalidate)
        gdb.events.memory_changed.connect(_Target.invalidate)
    except AttributeError:
        pass
