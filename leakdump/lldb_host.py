"""LLDB's adapter for the leakdump commands: only LLDB calls.

The commands themselves (options, help, sessions, one-line errors) are in
leakdump.commands, which knows no debugger.  Here LLDB describes its
selected target (leakdump.host.Target), prints through the command's
result object and fails a command there; one command class per command
forwards to the layer.  Loaded by ../leakdump_lldb.py (this module is not
named lldb.py: that would shadow LLDB's own module).

What differs from GDB:
- LLDB has no Go expressions: go-chan and go-mutex take an address or a
  symbol name, which the native core resolves from the binary
  (leakdump.commands.address falls back to it).
- LLDB has no orig_rax: on a local live target the kernel says which
  system call a stopped thread is in (/proc/PID/task/TID/syscall).
- LLDB reads memory 30-60x slower than /proc/PID/mem: its reads are the
  fallback of remote targets only.
"""

import os
import re
import sys
import threading
import time

import lldb  # pylint: disable=import-error

from leakdump import _leakdump
from leakdump import commands as _commands
from leakdump.host import (CORE, REMOTE, CommandError, Host, Target,
                           UsageError, process_kind)

# LLDB's names for the registers whose core (NT_PRSTATUS) name differs.
_LLDB_NAMES = {"eflags": "rflags"}

# Where the native side looks for separate debug files by default; LLDB's
# own search paths come first when the user set any.
_DEFAULT_DEBUG_DIR = "/usr/lib/debug"


def _ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            # comm may hold blanks and parentheses: fields follow the last ')'
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _tracer(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _is_local(pid):
    """True when LLDB debugs pid on this machine: its tracer is this LLDB
    or the lldb-server this LLDB started (a child of ours).  A process of
    the same number traced by someone else is another machine's."""
    tracer = _tracer(pid)
    me = os.getpid()
    return tracer != 0 and (tracer == me or _ppid(tracer) == me)


def _syscall_number(pid, tid):
    """The system call a stopped thread is in (the kernel's orig_rax), -1
    when none or running, 0 when unknown."""
    try:
        with open("/proc/%d/task/%d/syscall" % (pid, tid)) as f:
            first = f.read().split(None, 1)[0]
    except (OSError, IndexError):
        return 0
    try:
        return int(first) & 0xffffffffffffffff
    except ValueError:
        return 0xffffffffffffffff   # "running"


def _thread_registers(process, local):
    """(tid, [regs]) for every thread, in _leakdump.register_names() order;
    a register LLDB does not have is 0."""
    names = _leakdump.register_names()
    pid = process.GetProcessID()
    threads = []
    for thread in process:
        tid = thread.GetThreadID()
        frame = thread.GetFrameAtIndex(0)
        if not frame.IsValid():
            continue
        # The general-purpose set holds all of them (fs_base and gs_base
        # too); the floating-point and vector sets are not read.
        values = {}
        for regset in frame.GetRegisters():
            for reg in regset:
                values.setdefault(reg.GetName(), reg)
            if all(_LLDB_NAMES.get(n, n) in values for n in names
                   if n != "orig_rax"):
                break
        regs = []
        for name in names:
            if name == "orig_rax":
                regs.append(_syscall_number(pid, tid) if local else 0)
                continue
            reg = values.get(_LLDB_NAMES.get(name, name))
            regs.append(reg.GetValueAsUnsigned(0) & 0xffffffffffffffff
                        if reg is not None else 0)
        threads.append((tid, regs))
    return threads


def _debug_dirs(debugger):
    """LLDB's target.debug-file-search-paths before the default
    directory, colon-separated; None (the native default) when unset."""
    try:
        value = debugger.GetInternalVariableValue(
            "target.debug-file-search-paths", debugger.GetInstanceName())
        text = "\n".join(value.GetStringAtIndex(i)
                         for i in range(value.GetSize()))
    except Exception:  # pylint: disable=broad-except
        return None
    # LLDB shows a file list as "[0]: /a\n[1]: /b".
    dirs = [d.strip() for d in
            re.findall(r"\[\d+\]: (.*?)(?=\s*\[\d+\]: |\s*$)", text, re.S)]
    dirs = [d for d in dirs if d]
    return ":".join(dirs + [_DEFAULT_DEBUG_DIR]) if dirs else None


def _remote_reader(process):
    def read(addr, size):
        error = lldb.SBError()
        data = process.ReadMemory(addr, size, error)
        if not error.Success() or data is None or len(data) < size:
            raise OSError("cannot read target memory at 0x%x" % addr)
        return bytes(data)
    return read


class LldbHost(Host):
    """leakdump.host.Host for LLDB's selected target, while one command
    runs (its debugger and result object are set by the command)."""

    def __init__(self):
        self.debugger = None
        self.result = None

    def describe(self):
        debugger = self.debugger or lldb.debugger
        target = debugger.GetSelectedTarget()
        if not target.IsValid() or not target.GetExecutable().IsValid():
            return Target()
        exe = target.GetExecutable().fullpath
        process = target.GetProcess()
        state = process.GetState() if process.IsValid() else None
        if state in (None, lldb.eStateInvalid, lldb.eStateUnloaded,
                     lldb.eStateDetached, lldb.eStateExited):
            return Target(exe=exe)
        if state not in (lldb.eStateStopped, lldb.eStateCrashed,
                         lldb.eStateSuspended):
            # Its memory and threads would change under the reads.
            raise CommandError("the process is running: stop it first "
                               "(process interrupt)")
        pid = process.GetProcessID()
        generation = process.GetStopID(True)
        instance = process.GetUniqueID()
        core = process.GetCoreFile()
        if core.IsValid() and core.fullpath:
            return Target(CORE, exe, core=core.fullpath, pid=pid,
                          debug_dirs=_debug_dirs(debugger),
                          instance=instance, generation=generation)
        local = _is_local(pid)
        kind = process_kind(pid, local)
        read = _remote_reader(process) if kind == REMOTE else None
        return Target(kind, exe, pid=pid,
                      threads=lambda: _thread_registers(process, local),
                      read=read, debug_dirs=_debug_dirs(debugger),
                      instance=instance, generation=generation)

    def run_for(self, seconds):
        """Continue the process for seconds, then stop it: in LLDB's
        synchronous mode Continue() returns at the next stop, which a
        timer thread makes with SendAsyncInterrupt() (meant to be called
        from another thread).  A stop before that ends the watch as an
        interruption."""
        debugger = self.debugger or lldb.debugger
        process = debugger.GetSelectedTarget().GetProcess()
        if not process.IsValid() or process.GetCoreFile().IsValid():
            raise UsageError("leak-watch needs a live process (a core "
                             "file does not change; diff two snapshots)")
        fired = threading.Event()
        done = threading.Event()

        when = []

        def timer():
            if not done.wait(seconds):
                when.append((time.monotonic_ns(), time.time_ns()))
                fired.set()
                process.SendAsyncInterrupt()

        was_async = debugger.GetAsync()
        debugger.SetAsync(False)
        threading.Thread(target=timer, daemon=True).start()
        try:
            error = process.Continue()
        finally:
            done.set()
            debugger.SetAsync(was_async)
        if error.Fail():
            raise CommandError("cannot let the process run: %s" %
                               error.GetCString())
        if process.GetState() in (lldb.eStateExited, lldb.eStateDetached):
            raise CommandError("the process exited during the watch")
        if not fired.is_set():
            raise KeyboardInterrupt
        return when[0]

    def release(self):
        """A watch was interrupted: let the process run on."""
        debugger = self.debugger or lldb.debugger
        process = debugger.GetSelectedTarget().GetProcess()
        if process.IsValid() and process.GetState() == lldb.eStateStopped:
            was_async = debugger.GetAsync()
            debugger.SetAsync(True)
            try:
                process.Continue()
            finally:
                debugger.SetAsync(was_async)

    def progress(self, text):
        sys.stderr.write(text)
        sys.stderr.flush()

    def write(self, text):
        self.result.Print(text)

    def error(self, line):
        self.result.SetError(line)


HOST = LldbHost()
COMMANDS = _commands.Commands(HOST)


class _Command:
    """One LLDB command (`command script add -c`) forwarding to
    leakdump.commands.  Whatever happens becomes one line "leak-dump: ..."
    in the result object, never a traceback: LLDB would print it and still
    count the command as a success."""
    spec = None

    def __init__(self, debugger, internal_dict):
        pass

    def __call__(self, debugger, command, exe_ctx, result):
        HOST.debugger, HOST.result = debugger, result
        try:
            COMMANDS.invoke(self.spec.name, command)
        except Exception as exc:  # pylint: disable=broad-except
            result.SetError("leak-dump: %s" % (exc or type(exc).__name__))
        except KeyboardInterrupt:
            result.SetError("leak-dump: interrupted")
        finally:
            HOST.debugger = HOST.result = None

    def get_short_help(self):
        return self.spec.help.split("\n", 1)[0]

    def get_long_help(self):
        # LLDB prints the short help above it: the rest after the summary.
        return self.spec.help.split("\n", 1)[-1].lstrip("\n")


# LLDB's command classes, one per command (LeakDump, GoChan, ...); the
# loader (leakdump_lldb.py) makes them its attributes for LLDB to find.
CLASSES = _commands.command_classes(_Command)

# Go preempts goroutines with SIGURG: stopping on it would stop a busy
# program every few milliseconds.
SIGURG_HANDLING = "process handle SIGURG -p true -s false -n false"


def _handle_in(debugger, target, command):
    """Run an LLDB command in target's context, output discarded."""
    ret = lldb.SBCommandReturnObject()
    ctx = lldb.SBExecutionContext(target)
    debugger.GetCommandInterpreter().HandleCommand(command, ctx, ret)
    return ret.Succeeded()


def pass_sigurg(debugger):
    """SIGURG passed silently: in the dummy target (which every new target
    copies) and in every target already there."""
    targets = [debugger.GetTargetAtIndex(i)
               for i in range(debugger.GetNumTargets())]
    if hasattr(debugger, "GetDummyTarget"):
        targets.append(debugger.GetDummyTarget())
    for target in targets:
        process = target.GetProcess()
        if process.IsValid():
            signals = process.GetUnixSignals()
            number = signals.GetSignalNumberFromName("SIGURG")
            if number > 0:
                signals.SetShouldSuppress(number, False)
                signals.SetShouldStop(number, False)
                signals.SetShouldNotify(number, False)
        # The target's own record, for the processes it will have.
        _handle_in(debugger, target, SIGURG_HANDLING)


def register(debugger, module):
    """Add the commands to debugger; module is the name LLDB imported the
    loader as (the classes are reached through it)."""
    for name, cls in CLASSES.items():
        debugger.HandleCommand(
            "command script add -o -c %s.%s %s" % (module, cls.__name__,
                                                    name))
    pass_sigurg(debugger)
