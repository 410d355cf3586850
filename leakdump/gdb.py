"""GDB's adapter for the leakdump commands: only GDB calls.

The commands themselves (options, help, sessions, one-line errors) are in
leakdump.commands, which knows no debugger.  Here GDB describes its target
(leakdump.host.Target), prints, fails a command with gdb.GdbError, and
evaluates expressions; one gdb.Command per command forwards to the layer.
"""

import re
import threading
import time

import gdb  # pylint: disable=import-error

from leakdump import _leakdump
from leakdump import commands as _commands
from leakdump.host import (CORE, REMOTE, CommandError, Host, Target,
                           UsageError, process_kind)


def _core_path(inferior):
    """The core file GDB has open for inferior, or None.

    GDB 17 says it directly (gdb.Inferior.corefile).  GDB 13.1, the one
    we ship against, has no structured API for it: gdb.Inferior,
    gdb.Progspace and gdb.TargetConnection offer no file name, and the
    connection only tells that a core is open (its type is "core").  So
    the path is parsed from 'info target', here and only here, and only
    when the connection is a core (or GDB is too old to say)."""
    if hasattr(gdb, "Corefile"):
        corefile = getattr(inferior, "corefile", None)
        return corefile.filename if corefile is not None else None
    try:
        if inferior.connection is None or inferior.connection.type != "core":
            return None
    except AttributeError:
        pass   # a GDB without connections (before 11): ask 'info target'
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
    names = _leakdump.register_names()
    try:
        for thread in inferior.threads():
            tid = thread.ptid[1] or thread.ptid[0]
            try:
                thread.switch()
                frame = gdb.newest_frame()
                regs = []
                for name in names:
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


def _debug_file_directory():
    """GDB's debug-file-directory (colon-separated), where the native
    side looks for separate debug files; None to use its default."""
    try:
        dirs = gdb.parameter("debug-file-directory")
    except (gdb.error, RuntimeError):
        return None
    return dirs or None


def _is_local(inferior):
    """True when the inferior runs on this machine (not gdbserver)."""
    try:
        conn = inferior.connection
    except AttributeError:
        return True
    return conn is None or conn.type == "native"


class GdbHost(Host):
    """leakdump.host.Host for GDB's selected inferior."""

    def __init__(self):
        # Bumped by GDB's events whenever the target moves.
        self.generation = 0

    def moved(self):
        self.generation += 1

    def describe(self):
        inferior = gdb.selected_inferior()
        exe = gdb.current_progspace().filename
        if not exe:
            return Target()
        if inferior.pid == 0 and not inferior.threads():
            return Target(exe=exe)
        core = _core_path(inferior)
        if core:
            kind = CORE
        else:
            kind = process_kind(inferior.pid, _is_local(inferior))
        read = None
        if kind == REMOTE:
            def read(addr, size, _inf=inferior):
                return bytes(_inf.read_memory(addr, size))
        return Target(kind, exe, core=core, pid=inferior.pid,
                      threads=lambda: _thread_registers(inferior), read=read,
                      debug_dirs=_debug_file_directory(),
                      instance=inferior.num, generation=self.generation)

    def write(self, text):
        gdb.write(text)

    def error(self, line):
        raise gdb.GdbError(line)

    def evaluate_address(self, expr):
        """A pointer's value, or the address of a variable (a sync.Mutex
        declared in a struct), from a GDB expression."""
        value, first_error = None, None
        # GDB's Go parser wants package-qualified names quoted
        # ('main.mu'); an unqualified name is tried in package main too.
        quoted = re.sub(r"(?<!['\w])([A-Za-z_][\w/]*\.[A-Za-z_]\w*)", r"'\1'",
                        expr)
        for candidate in (expr, quoted,
                          re.sub(r"^([&*]*)([A-Za-z_]\w*)$", r"\1'main.\2'",
                                 expr)):
            try:
                value = gdb.parse_and_eval(candidate)
                break
            except gdb.error as exc:
                first_error = first_error or exc
        if value is None:
            raise UsageError("cannot evaluate %s: %s" % (expr, first_error))
        code = value.type.strip_typedefs().code
        if code in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_INT):
            return int(value) & 0xffffffffffffffff
        if value.address is not None:
            return int(value.address)
        raise UsageError("%s is neither a pointer nor in memory" % expr)


    def run_for(self, seconds):
        """Continue the inferior for seconds, then interrupt it: a timer
        thread posts 'interrupt' to GDB's event loop, which runs while
        'continue' waits (batch mode too).  A stop before that (the
        user's Ctrl-C, a breakpoint, a signal) ends the watch as an
        interruption."""
        target = self.describe()
        if target.kind == CORE or not target.pid:
            raise UsageError("leak-watch needs a live process (a core "
                             "file does not change; diff two snapshots)")
        fired = threading.Event()
        done = threading.Event()

        when = []

        def interrupt():
            when.append((time.monotonic_ns(), time.time_ns()))
            fired.set()
            try:
                gdb.execute("interrupt", to_string=True)
            except gdb.error:
                pass   # it stopped by itself meanwhile

        def timer():
            if not done.wait(seconds):
                gdb.post_event(interrupt)

        threading.Thread(target=timer, daemon=True).start()
        try:
            gdb.execute("continue", to_string=True)
        except gdb.error as exc:
            raise CommandError("cannot let the process run: %s" % exc) \
                from None
        finally:
            done.set()
        inferior = gdb.selected_inferior()
        if inferior.pid == 0:
            raise CommandError("the process exited during the watch")
        if not fired.is_set():
            raise KeyboardInterrupt
        return when[0]

    def release(self):
        """A watch was interrupted: let the process run on (in the
        background, when GDB can; else it stays stopped under GDB)."""
        try:
            if gdb.selected_inferior().pid:
                gdb.execute("continue &", to_string=True)
        except gdb.error:
            pass


HOST = GdbHost()
COMMANDS = _commands.Commands(HOST)

_CATEGORIES = {"stack": gdb.COMMAND_STACK, "data": gdb.COMMAND_DATA}


class _Command(gdb.Command):
    """Forwards one command to leakdump.commands; the help GDB shows is the
    subclass's __doc__, the command's help text."""
    spec = None

    def __init__(self):
        super().__init__(self.spec.name, _CATEGORIES[self.spec.category])

    def invoke(self, arg, from_tty):
        COMMANDS.invoke(self.spec.name, arg)


# GDB's command objects, one per command (LeakDump, GoChan, ...).
CLASSES = _commands.command_classes(_Command)


def _target_moved(*_args):
    """The target resumed, loaded a file, exited or had its memory
    written: a new generation, and the old session is let go now."""
    HOST.moved()
    COMMANDS.forget()


def register():
    for cls in CLASSES.values():
        cls()
    gdb.events.cont.connect(_target_moved)
    gdb.events.new_objfile.connect(_target_moved)
    gdb.events.exited.connect(_target_moved)
    try:
        gdb.events.inferior_call.connect(_target_moved)
        gdb.events.memory_changed.connect(_target_moved)
    except AttributeError:
        pass
