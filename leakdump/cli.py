"""leakdump without a debugger: the command line.

    leakdump core EXE CORE [COMMAND] [ARGS...]
    leakdump pid PID [COMMAND] [ARGS...]
    leakdump diff OLD.json NEW.json [--format text|json|html] [--output FILE]
    leakdump watch PID [--interval 30s] [--samples 4] [--prove] ...

COMMAND is one of leakdump.commands (leak-dump by default) with the same
options and output as in GDB: this is one more host (CliHost) in front of
the same command layer.  A live process is stopped by the native stopper
(_leakdump.Stopped: ptrace seize and interrupt, every thread), read, and
let go as soon as leak-dump has read what it needs (before it formats:
the header's cost line says how long the process was paused), or, for
the other commands, as soon as their output is made.

Exit status: 0 done, 1 leaks found (--fail-on-leak, with --prove), 2 error
(one line "leak-dump: ..." on stderr).
"""

import json
import os
import shlex
import signal
import sys
import time

from leakdump import _leakdump
from leakdump import commands as _commands
from leakdump import snapshot as _snapshot
from leakdump.host import CORE, LIVE, Host, Target, UsageError

EXIT_OK, EXIT_LEAKS, EXIT_ERROR = 0, 1, 2

USAGE = """usage: leakdump core EXE CORE [COMMAND] [ARGS...]
       leakdump pid PID [COMMAND] [ARGS...]
       leakdump diff OLD.json NEW.json [--format text|json|html] [--output FILE]
       leakdump watch PID [--interval 30s] [--samples 4] [--prove]
                      [--all] [--format text|json|html] [--output FILE]
       leakdump {core|pid} --help | leakdump COMMAND --help"""

HELP = USAGE + """

Goroutine dumps of a Go program's core file or live process, without a
debugger: the commands and output of leakdump in GDB.

  core EXE CORE   read the core file CORE of the executable EXE
  pid PID         stop every thread of process PID (ptrace), read it, and
                  leave it exactly as it was: running, or stopped if it was
                  stopped; the stop lasts while the memory is read, not
                  while the output is formatted or printed
  diff OLD NEW    compare two snapshots (leak-dump --format json reports):
                  per group of (state, stack, creator), largest growth
                  first, the counts, the change, the rate per minute, the
                  new goroutines and the ones stuck in the same place
  watch PID       leak-watch on process PID: SAMPLES snapshots INTERVAL
                  apart, the process running freely in between (see
                  `leakdump watch --help`)

COMMAND (default leak-dump):
%s
  --fail-on-leak (leak-dump --prove) exit 1 when any goroutine is leaked

Exit status: 0 done, 1 leaks found (--fail-on-leak), 2 error (one line
"leak-dump: ..." on stderr).  `leakdump core --help` shows leak-dump's
options."""

FAIL_ON_LEAK_HELP = """
  --fail-on-leak exit with status 1 when --prove finds a goroutine leaked
                 (proven, or suspected when the report lists gaps); for
                 a CI or health check
Exit status: 0 done, 1 leaks found (--fail-on-leak), 2 error."""


def _summaries():
    return "\n".join("  %-14s %s" % (c.name, c.help.splitlines()[0])
                     for c in _commands.COMMANDS)


def _command_help(name):
    """A command's help as GDB shows it; leak-dump's with the CLI option."""
    text = _commands.BY_NAME[name].help
    if name == "leak-dump":
        text = text.replace("\nWorks on live processes (gdb -p PID) and core "
                            "files (gdb EXE CORE).", "")
        text = text.rstrip("\n") + "\n" + FAIL_ON_LEAK_HELP
    return text


MODE_HELP = {
    "core": """usage: leakdump core EXE CORE [COMMAND] [ARGS...]

Run COMMAND (default leak-dump) on CORE, a core file (gcore, or the
kernel's) of the Go executable EXE.
""",
    "pid": """usage: leakdump pid PID [COMMAND] [ARGS...]

Run COMMAND (default leak-dump) on the live Go process PID: every thread
is stopped with ptrace (seize and interrupt), its registers and memory
are read, and the process is let go exactly as it was (a stopped process
stays stopped, a signal on its way is delivered) as soon as leak-dump has
read what it needs, before its output is formatted (the header's cost
line gives the pause).  Needs the right to ptrace PID (same user, or
root; Yama's ptrace_scope).
""",
}


DIFF_HELP = """usage: leakdump diff OLD.json NEW.json [--format text|json|html] [--output FILE]

Compare two snapshots of one program (leak-dump --format json reports,
live or from cores): groups are matched by state, stack and creator and
listed largest growth first with the count before and after, the change,
the rate per minute (from the time each snapshot records), the goroutines
that are new and those that sat in the same place in both (stuck).  The
same as leak-dump --diff OLD.json with NEW taken now."""

WATCH_HELP = """usage: leakdump watch PID [--interval 30s] [--samples 4] [--prove] [--all]
                      [--format text|json|html] [--output FILE]

""" + "\n".join(_commands.LEAK_WATCH_HELP.splitlines()[4:]).lstrip("\n") + """
Each sample stops every thread (ptrace), reads, and resumes.  Exit
status: 0 done, 2 error."""


def _diff(argv, stdout, stderr):
    parser = _commands._Parser(prog="leakdump diff", add_help=False)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--format", default="text",
                        choices=("text", "json", "html"))
    parser.add_argument("--output")
    try:
        args = parser.parse_args(argv)
        doc = _snapshot.diff(args.old, args.new)
        text = _commands.emit(doc, args.format, args.output)
    except (UsageError, ValueError, OSError) as exc:
        stderr.write("leak-dump: %s\n" % exc)
        return EXIT_ERROR
    _write_out(text, stdout)
    return EXIT_OK


def _sample(pid, exe, prove, include_all, stops):
    """One snapshot of process pid: stopped, read, resumed, then parsed
    (the process runs meanwhile).  stops gets how long it was stopped."""
    _commands.binary_for(exe)          # read once, before the stop
    t0 = time.monotonic()
    stopped = _leakdump.Stopped(pid)
    try:
        host = CliHost(Target(LIVE, exe, pid=pid, threads=stopped.threads))
        layer = _commands.Commands(host)
        text = _commands.snapshot_text(layer, prove, include_all)
    finally:
        stopped.resume()
        stops.append(time.monotonic() - t0)
    return json.loads(text)


def _watch(argv, stdout, stderr):
    words = list(argv)
    if not words or words[0].startswith("-"):
        stderr.write("leak-dump: usage: leakdump watch PID [OPTIONS] "
                     "(leakdump watch --help)\n")
        return EXIT_ERROR
    pid_word = words.pop(0)
    if not pid_word.isdigit() or int(pid_word) <= 0:
        stderr.write("leak-dump: not a process id: '%s'\n" % pid_word)
        return EXIT_ERROR
    pid = int(pid_word)
    old = {}
    try:
        args = _commands.parse_leak_watch(words)
        exe = _executable(pid)
        # TERM and HUP end the watch like Ctrl-C: the process runs on.
        for sig in (signal.SIGTERM, signal.SIGHUP):
            old[sig] = signal.signal(sig, _terminate)

        stops = []

        def progress(text):
            if stops:
                text = text.rstrip("\n") + " (stopped %.2f s)\n" % stops[-1]
            stderr.write(text)
            stderr.flush()

        doc = _snapshot.watch(
            lambda prove: _sample(pid, exe, prove, args.all, stops),
            time.sleep, args.samples, args.interval, args.prove, progress)
        text = _commands.emit(doc, args.format, args.output)
    except (_leakdump.Error, UsageError, ValueError, OSError) as exc:
        stderr.write("leak-dump: %s\n" % exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        stderr.write("leak-dump: watch interrupted before two samples; "
                     "process %d is running\n" % pid)
        return EXIT_ERROR
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if doc.get("interrupted"):
        stderr.write("leak-dump: watch interrupted after %d samples; "
                     "process %d is running\n" % (len(doc["samples"]), pid))
    try:
        _write_out(text, stdout)
    except BrokenPipeError:
        pass
    return EXIT_OK


class CliHost(Host):
    """leakdump.host.Host for the command line: one target, described up
    front; output and the error line are kept until the target is let go
    (see main), then printed."""

    def __init__(self, target):
        self.target = target
        self.out = []
        self.failed = None

    def describe(self):
        return self.target

    def write(self, text):
        self.out.append(text)

    def error(self, line):
        self.failed = line

    def evaluate_address(self, expr):
        raise UsageError("cannot evaluate %s: without a debugger, give the "
                         "address (as leak-dump prints it)" % expr)


def _executable(pid):
    """The executable of a live process: its path, or /proc/PID/exe
    itself when the file was deleted or replaced since it started."""
    link = "/proc/%d/exe" % pid
    try:
        path = os.readlink(link)
    except FileNotFoundError:
        if os.path.exists("/proc/%d" % pid):
            raise UsageError("process %d has no executable (a kernel thread, "
                             "or exiting)" % pid) from None
        raise UsageError("no process %d" % pid) from None
    except OSError as exc:
        raise UsageError("cannot read %s: %s" % (link, exc.strerror)) from None
    if path.endswith(" (deleted)") or not os.path.isfile(path):
        return link
    try:
        if os.stat(path) != os.stat(link):
            return link
    except OSError:
        return link
    return path


class _Fail(Exception):
    """Ends main with EXIT_ERROR after printing its line."""


def _split(argv):
    """argv -> (mode, target words, command, its args, fail_on_leak), or a
    help text to print (str)."""
    if not argv:
        raise _Fail("no target: leakdump core EXE CORE ... or leakdump pid "
                    "PID ... (leakdump --help)")
    mode, rest = argv[0], list(argv[1:])
    if mode in ("-h", "--help", "help"):
        return HELP % _summaries()
    if mode in _commands.BY_NAME and rest[:1] in (["-h"], ["--help"]):
        return _command_help(mode)
    if mode in ("diff", "watch"):
        if "-h" in rest or "--help" in rest:
            return DIFF_HELP if mode == "diff" else WATCH_HELP
        return mode, rest
    if mode not in MODE_HELP:
        raise _Fail("unknown mode '%s': leakdump core EXE CORE ... or "
                    "leakdump pid PID ... (leakdump --help)" % mode)
    nwords = 2 if mode == "core" else 1
    words = rest[:nwords]
    if any(w in ("-h", "--help") for w in words):
        return MODE_HELP[mode] + "\n" + _command_help("leak-dump")
    if len(words) < nwords or any(w.startswith("-") for w in words):
        raise _Fail("usage: leakdump %s" % (
            "core EXE CORE [COMMAND] [ARGS...]" if mode == "core"
            else "pid PID [COMMAND] [ARGS...]"))
    args = rest[nwords:]
    command = "leak-dump"
    if args and args[0] in _commands.BY_NAME:
        command = args.pop(0)
    elif args and not args[0].startswith("-"):
        raise _Fail("unknown command '%s' (%s)" % (
            args[0], ", ".join(c.name for c in _commands.COMMANDS)))
    if "-h" in args or "--help" in args:
        return _command_help(command)
    if command == "leak-watch":
        if mode != "pid":
            raise _Fail("leak-watch watches a live process: leakdump watch "
                        "PID")
        return "watch", [words[0]] + args
    fail_on_leak = "--fail-on-leak" in args
    if fail_on_leak:
        if command != "leak-dump":
            raise _Fail("--fail-on-leak is an option of leak-dump")
        args = [a for a in args if a != "--fail-on-leak"]
        try:
            prove = _commands.parse_leak_dump(shlex.join(args)).prove
        except UsageError:
            prove = True    # leak-dump itself names what is wrong
        if not prove:
            raise _Fail("--fail-on-leak decides on --prove's verdicts "
                        "(add --prove)")
    if mode == "pid":
        if not words[0].isdigit() or int(words[0]) <= 0:
            raise _Fail("not a process id: '%s'" % words[0])
    return mode, words, command, args, fail_on_leak


def _write_out(text, stream):
    """Write text as the native side made it (UTF-8, whatever the
    locale says)."""
    data = text.encode("utf-8", "surrogateescape")
    buf = getattr(stream, "buffer", None)
    if buf is not None:
        stream.flush()
        buf.write(data)
        buf.flush()
    else:
        stream.write(text)
        stream.flush()


def _terminate(signum, frame):
    raise KeyboardInterrupt


def run(argv, stdout=None, stderr=None):
    """The command line without sys.exit: its exit status."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        parsed = _split(argv)
    except _Fail as exc:
        stderr.write("leak-dump: %s\n" % exc)
        return EXIT_ERROR
    if isinstance(parsed, str):
        _write_out(parsed.rstrip("\n") + "\n", stdout)
        return EXIT_OK
    if len(parsed) == 2:
        return (_diff if parsed[0] == "diff" else _watch)(parsed[1], stdout,
                                                           stderr)
    mode, words, command, args, fail_on_leak = parsed
    stopped = None
    old = {}
    try:
        if mode == "core":
            host = CliHost(Target(CORE, words[0], core=words[1]))
        else:
            pid = int(words[0])
            # Let a TERM or HUP go through the finally below: the stop
            # is undone (and any held signal delivered) before leaving.
            for sig in (signal.SIGTERM, signal.SIGHUP):
                old[sig] = signal.signal(sig, _terminate)
            exe = _executable(pid)
            # Read the executable while the process still runs: the
            # stop lasts only while its memory is read.
            _commands.binary_for(exe)
            stopped = _leakdump.Stopped(pid)
            host = CliHost(Target(LIVE, exe, pid=pid,
                                  threads=stopped.threads))
        layer = _commands.Commands(host)
        layer.want_verdicts = fail_on_leak
        layer.release = stopped
        layer.invoke(command, shlex.join(args))
        # leak-dump let the process go when its reads were done; the
        # other commands' output is made: let it go before printing.
        if stopped is not None:
            stopped.resume()
            stopped = None
    except (_leakdump.Error, UsageError) as exc:
        stderr.write("leak-dump: %s\n" % exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        stderr.write("leak-dump: interrupted\n")
        return EXIT_ERROR
    finally:
        if stopped is not None:
            try:
                stopped.resume()
            except _leakdump.Error as exc:
                stderr.write("leak-dump: %s\n" % exc)
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if host.failed:
        stderr.write(host.failed + "\n")
        return EXIT_ERROR
    try:
        for text in host.out:
            _write_out(text, stdout)
    except BrokenPipeError:
        # `leakdump ... | head`: the reader had enough.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
        except (OSError, AttributeError, ValueError):
            pass
        return EXIT_OK
    if fail_on_leak and layer.verdicts and layer.verdicts.get("leaked"):
        return EXIT_LEAKS
    return EXIT_OK


def main(argv=None):
    """Entry point of the `leakdump` script and `python3 -m leakdump`."""
    return run(sys.argv[1:] if argv is None else argv)
