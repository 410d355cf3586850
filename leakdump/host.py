"""What a debugger host gives the leakdump commands, and nothing else.

A host is the program the commands run inside: GDB today (leakdump.gdb),
later LLDB or a plain command line.  It implements the small interface
below; leakdump.commands does the rest (arguments, help, sessions, error
lines) without knowing which host it talks to.

This module imports only the standard library.
"""

import os
import sys

# Target kinds, as a host describes them.
CORE = "core"      # a core file: the native side reads it (and its notes)
LIVE = "live"      # a process on this machine: read through /proc/PID/mem
REMOTE = "remote"  # anything else (gdbserver, ...): read through the host


class CommandError(Exception):
    """A failure the commands report as one line, "leak-dump: MESSAGE"."""


class UsageError(CommandError):
    """A command-line mistake (arguments, an expression)."""


class Target:
    """One description of what the host is debugging.

    kind        CORE, LIVE or REMOTE; None when there is neither a process
                nor a core file
    exe         path of the executable; None when none is loaded
    core        path of the core file (kind CORE), else None
    pid         process id (0 when unknown)
    threads     a callable returning [(tid, [registers])] with the
                registers in the core's register order (Linux amd64 user
                regs); called only when a session is made for a LIVE or
                REMOTE target, since asking a debugger for them is slow
    read        a callable read(addr, size) -> bytes, the memory-read
                fallback of a REMOTE target; None otherwise
    debug_dirs  where separate debug files are looked for (colon-
                separated), None for the native default
    instance    what else tells two targets apart in the host (GDB's
                inferior number); any hashable value
    generation  changes whenever the target moves (resumed, memory
                written, a file loaded): a cached session is not reused
                across generations
    """

    __slots__ = ("kind", "exe", "core", "pid", "threads", "read",
                 "debug_dirs", "instance", "generation")

    def __init__(self, kind=None, exe=None, core=None, pid=0, threads=None,
                 read=None, debug_dirs=None, instance=None, generation=0):
        self.kind = kind
        self.exe = exe
        self.core = core
        self.pid = pid
        self.threads = threads
        self.read = read
        self.debug_dirs = debug_dirs
        self.instance = instance
        self.generation = generation

    def key(self):
        """What identifies a reusable session for this target."""
        return (self.kind, self.exe, self.core, self.pid, self.instance,
                self.debug_dirs, self.generation)

    def __repr__(self):
        return "Target(%s)" % ", ".join(
            "%s=%r" % (k, getattr(self, k)) for k in self.__slots__
            if k not in ("threads", "read"))


def process_kind(pid, local):
    """LIVE when pid is a process on this machine whose memory can be read
    directly, else REMOTE: the rule every host applies to a process."""
    if pid and local and os.path.exists("/proc/%d/mem" % pid):
        return LIVE
    return REMOTE


class Host:
    """The interface a debugger adapter implements (subclass it, or provide
    the same methods).  leakdump.commands calls only these."""

    def describe(self):
        """The current Target.  Cheap: whatever is slow to gather (thread
        registers) goes into Target.threads as a callable."""
        raise NotImplementedError

    def write(self, text):
        """Print a command's output."""
        raise NotImplementedError

    def error(self, line):
        """Report a failed command: line is one line, "leak-dump: ...".
        A host may raise here to make the command fail (GDB does)."""
        raise NotImplementedError

    def evaluate_address(self, expr):
        """The address an expression of the host's language denotes: a
        pointer's value, or the address of a variable.  Raise UsageError
        when it cannot be evaluated.  A host without expressions keeps this
        default (numbers only)."""
        raise UsageError("cannot evaluate %s: not an address" % expr)

    def run_for(self, seconds):
        """leak-watch's interval: let the target run freely for seconds,
        then stop it again for the next sample.  Return when it was
        stopped, (time.monotonic_ns(), time.time_ns()) taken as the stop
        was asked for, or None if unknown.  Raise CommandError when it
        cannot run (a core file); on KeyboardInterrupt (the user's
        Ctrl-C) leave it running and let the exception through."""
        raise CommandError("cannot let the target run from this host")

    def release(self):
        """A watch was interrupted: leave the target running (a debugger
        detaches or continues it).  Nothing by default."""

    def progress(self, text):
        """A line of progress (a watch's samples): to stderr, so that the
        output proper stays clean."""
        sys.stderr.write(text)
        sys.stderr.flush()
