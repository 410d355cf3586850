"""The leakdump commands, whatever the debugger: leak-dump, go-bt,
go-goroutines, go-chan and go-mutex.

Here are their options, their help texts, the one session per target they
share, and the rule that every failure is one line, "leak-dump: ...".  The
debugger itself is behind a leakdump.host.Host (leakdump.gdb is GDB's).
This module imports only the native module and the standard library:

    layer = Commands(host)
    layer.invoke("go-bt", "17")      # prints through host.write, or
                                     # reports host.error("leak-dump: ...")
    layer.forget()                   # the target moved: drop the session
"""

import argparse
import json
import os
import re
import shlex
import time

from leakdump import _leakdump
from leakdump import snapshot as _snapshot
from leakdump.host import (CORE, LIVE, REMOTE, CommandError,  # noqa: F401
                           Host, UsageError)

# The native Session's name for each kind of target.
_NATIVE_KIND = {CORE: "core", LIVE: "live", REMOTE: "callback"}

# What a command may fail with; each becomes one line.
_ONE_LINE_ERRORS = (_leakdump.Error, CommandError, OSError, ValueError)
# (snapshot.SnapshotError is a ValueError.)


# ---------------------------------------------------------------------------
# help texts (GDB shows them verbatim for `help COMMAND`; the first line is
# the summary in `help stack` and `apropos`)

LEAK_DUMP_HELP = """Dump the goroutines of the Go program being debugged, grouped.

Usage: leak-dump [--format text|go|json] [--output FILE] [--all]
                 [--group-by stack|blocker|label:KEY] [--no-blocking]
                 [--prove [--why]] [FILTERS]
       leak-dump --diff OLD.json [--format text|json|html] [--output FILE]
       leak-dump --format pprof --output FILE.pb.gz [--all]
                 [--no-blocking] [--prove] [--pprof-labels] [FILTERS]
       leak-dump --format html --output FILE.html [--prove] [FILTERS]
FILTERS: [--state REGEX] [--function REGEX] [--min-wait DURATION]

  --format text  groups of goroutines with the same state and stack,
                 largest first (default), each with what it is blocked on
                 (channel, mutex, WaitGroup, Cond, fd, timer, syscall)
  --format go    every goroutine exactly as the Go runtime prints it
                 (pprof goroutine debug=2)
  --format json  machine-readable groups and goroutines
  --format pprof a goroutine profile for `go tool pprof` (gzipped
                 profile.proto, like runtime/pprof's): one sample per
                 stack and labels (state, blocking kind, verdict with
                 --prove); needs --output.  Two exports of one binary
                 subtract with `go tool pprof -base OLD NEW`
  --format html  one self-contained page (no network) to open in a
                 browser: the header, groups largest first with their
                 stacks folded (click to unfold), blocking objects and
                 verdicts; needs --output
  --pprof-labels with --format pprof: also the goroutines' own pprof
                 labels (they split samples, so -base diffs less)
  --state REGEX  only goroutines whose state, as printed ("chan
                 receive", "sync.Mutex.Lock", "select", "running"),
                 matches REGEX (POSIX extended, unanchored)
  --function REGEX
                 only goroutines with a frame (inlined ones too) whose
                 function name matches REGEX ("^main[.]worker$")
  --min-wait DURATION
                 only goroutines blocked at least DURATION (Go syntax:
                 90s, 5m, 1h30m).  The runtime records when a wait began
                 only at a GC, so a goroutine without a recorded wait
                 start never passes a positive --min-wait
  (the filters apply to every format; the header says how many of how
  many goroutines they kept)
  --output FILE  write to FILE instead of the terminal
  --diff OLD.json
                 compare with an earlier snapshot (a --format json
                 report: it records when it was taken): groups matched
                 by state, stack and creator, largest growth first, with
                 the counts before and after, the change, the rate per
                 minute, the goroutines that are new and those stuck in
                 the same place in both; text, json or html
  --all          include runtime-internal goroutines
  --group-by blocker
                 group by the object waited on, whatever the stacks
  --group-by label:KEY
                 split groups by the goroutines' pprof label KEY (biggest
                 value first; "(no KEY label)" for those without it)
  --no-blocking  skip blocking objects (faster on huge dumps)
  --prove        leak verdicts: mark what the program can still reach
                 (conservatively, over the whole heap) and report every
                 goroutine as leaked (nothing reachable can wake it:
                 a proof), may-wake or live, leaked groups first, with
                 the stack and heap memory each leak pins
  --why          with --prove: for every may-wake group, the first path
                 of references marking found from a root (a global, a
                 goroutine's stack, registers, a finalizer, memory
                 outside the heap) to what it waits on, one hop per
                 step with address, offset and type; tells a real
                 reference from a stale word (costs memory per marked
                 object)

Works on live processes (gdb -p PID) and core files (gdb EXE CORE).
Never writes to the target."""

GO_BT_HELP = """Print one goroutine's stack, as the Go runtime would.

Usage: go-bt GOID

Works on core files too: the goroutine is unwound from its saved context
(or its thread's registers if it is running)."""

GO_GOROUTINES_HELP = """List goroutines: one line each with id, state and top user frame.

Usage: go-goroutines [--all]"""

GO_CHAN_HELP = """Show a channel: element type, capacity, buffered elements, waiters.

Usage: go-chan EXPR|ADDR

EXPR is evaluated by GDB (a chan variable, or any pointer to an hchan);
ADDR is the channel's address, as leak-dump prints it.  LLDB, which has
no Go expressions, takes a global variable's name instead (main.events,
or events for package main; &NAME its address, *NAME the pointer in it)."""

GO_MUTEX_HELP = """Show a sync.Mutex or sync.RWMutex: state, waiters, candidate holders.

Usage: go-mutex EXPR|ADDR

EXPR is evaluated by GDB; LLDB takes a global variable's name (main.mu;
a *sync.Mutex variable gives the mutex it points to when the binary has
DWARF, *NAME says so without).  Go records no owner; candidate holders are goroutines not waiting on the
mutex whose live stack holds its address."""


# ---------------------------------------------------------------------------
# arguments

class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of printing and exiting."""

    def error(self, message):
        raise UsageError(message)

    def exit(self, status=0, message=None):
        raise UsageError(message or "bad arguments")


def leak_dump_parser():
    """The options of leak-dump (no --help: the host has its own help)."""
    parser = _Parser(prog="leak-dump", add_help=False)
    parser.add_argument("--format", default="text",
                        choices=("text", "go", "json", "pprof", "html"))
    parser.add_argument("--output")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--group-by", default="stack", type=_grouping)
    parser.add_argument("--no-blocking", action="store_true")
    parser.add_argument("--prove", action="store_true")
    parser.add_argument("--why", action="store_true")
    parser.add_argument("--pprof-labels", action="store_true")
    parser.add_argument("--state", type=_regex("--state"))
    parser.add_argument("--function", type=_regex("--function"))
    parser.add_argument("--min-wait", type=parse_duration)
    parser.add_argument("--diff")
    return parser


def _grouping(arg):
    if arg in ("stack", "blocker") or (arg.startswith("label:") and arg[6:]):
        return arg
    raise UsageError("--group-by: stack, blocker or label:KEY, not %r" % arg)


def _regex(opt):
    def check(arg):
        # The core compiles POSIX extended regexes; this only refuses
        # the empty one early (it would match everything).
        if not arg:
            raise UsageError("%s: empty regular expression" % opt)
        return arg
    return check


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3,
                   "s": 1, "m": 60, "h": 3600}


def parse_duration(arg):
    """A Go duration ("90s", "5m", "1h30m", "1.5h") -> seconds (float)."""
    text = arg.strip()
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)", text)
    if not text or "".join(n + u for n, u in parts) != text:
        if text in ("0",):
            return 0.0
        raise UsageError("--min-wait: a duration like 90s, 5m or 1h30m, "
                         "not %r" % arg)
    return sum(float(n) * _DURATION_UNITS[u] for n, u in parts)


LEAK_WATCH_HELP = """Watch a live Go program's goroutine groups grow.

Usage: leak-watch [--interval 30s] [--samples 4] [--prove] [--all]
                  [--format text|json|html] [--output FILE]

Takes SAMPLES snapshots INTERVAL apart (30s, 500ms, 2m), letting the
process run freely between them (each sample stops it only as long as one
leak-dump does), then reports the groups (state, stack, creator) that grew
in every interval with their rate per minute, the ones that shrank or
held, and the goroutines stuck in the same place through all samples.
--prove gives the last sample's groups their leak verdicts.  Progress
goes to stderr; Ctrl-C ends the watch early (the samples so far are
reported) and leaves the process running."""


def _duration(text):
    return _snapshot.parse_duration(text)


_duration.__name__ = "duration"     # argparse's "invalid duration value"


def leak_watch_parser():
    """The options of leak-watch (and of the command line's watch)."""
    parser = _Parser(prog="leak-watch", add_help=False)
    parser.add_argument("--interval", default="30s", type=_duration)
    parser.add_argument("--samples", default=4, type=int)
    parser.add_argument("--prove", action="store_true")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--format", default="text",
                        choices=("text", "json", "html"))
    parser.add_argument("--output")
    return parser


def parse_leak_watch(arg):
    """leak-watch's argument string (or word list) -> Namespace."""
    words = shlex.split(arg) if isinstance(arg, str) else list(arg)
    args = leak_watch_parser().parse_args(words)
    if args.samples < 2 or args.samples > 10000:
        raise UsageError("--samples: at least 2 (a watch compares them)")
    return args


def emit(doc, fmt, output):
    """A diff or watch document as fmt; written to output if given
    (then nothing to print but a line saying so)."""
    if fmt == "html":
        from leakdump import html as _html
        text = _html.render_series(doc)
    else:
        text = _snapshot.render(doc, fmt)
    if not output:
        return text
    with open(output, "w", encoding="utf-8",
              errors="surrogateescape") as f:
        f.write(text)
    return ""


def parse_leak_dump(arg):
    """leak-dump's argument string -> argparse.Namespace."""
    return leak_dump_parser().parse_args(shlex.split(arg))


def parse_goid(arg):
    """go-bt's argument string -> the goroutine id."""
    words = shlex.split(arg)
    if len(words) != 1 or not words[0].isdigit():
        raise UsageError("usage: go-bt GOID")
    return int(words[0])


def parse_goroutines(arg):
    """go-goroutines' argument string -> include runtime goroutines?"""
    words = shlex.split(arg)
    if words not in ([], ["--all"]):
        raise UsageError("usage: go-goroutines [--all]")
    return bool(words)


def address(host, expr, session=None, pointer=False):
    """An address from a number, or from an expression the host
    evaluates (a pointer's value, the address of a variable).  A host
    without expressions (LLDB) gets the native core's: a global's name,
    [&|*]package.name, resolved from the binary; pointer says whether a
    variable of unknown type holds a pointer (see Session.resolve)."""
    text = expr.strip()
    if not text:
        raise UsageError("an address or expression is needed")
    try:
        return int(text, 0)
    except ValueError:
        pass
    if session is not None and \
            type(host).evaluate_address is Host.evaluate_address:
        return session.resolve(text, pointer)
    return host.evaluate_address(text)


# ---------------------------------------------------------------------------
# sessions

def _require(target):
    """A target a session can be made for, or the one-line reason not."""
    if not target.exe:
        raise CommandError("no executable loaded (use 'file EXE')")
    if target.kind is None:
        raise CommandError("no process or core file")


_binary = None      # (identity, _leakdump.Binary): the last executable read


def binary_for(exe, debug_dirs=None):
    """exe read (ELF, build info, DWARF, the runtime's layouts) once for
    as long as the file is unchanged: sessions share it, a watch's samples
    and a debugger's stops do not read it again, and a live process can
    be stopped only once it is read.  None when exe cannot be stat'ed (the
    session then says why it cannot be opened)."""
    global _binary
    try:
        st = os.stat(exe)
    except OSError:
        return None
    key = (exe, debug_dirs, st.st_dev, st.st_ino, st.st_mtime_ns,
           st.st_size)
    if _binary is None or _binary[0] != key:
        _binary = None
        _binary = (key, _leakdump.Binary(exe, debug_dirs))
    return _binary[1]


def open_session(target):
    """A new native session for a described target."""
    _require(target)
    kind = _NATIVE_KIND[target.kind]
    if target.kind == CORE:
        # The core's own NT_PRSTATUS notes hold every thread's registers;
        # asking the host would cost a frame unwind per thread.
        return _leakdump.Session(kind, target.exe, core=target.core,
                                 pid=target.pid,
                                 debug_dirs=target.debug_dirs,
                                 binary=binary_for(target.exe,
                                                   target.debug_dirs))
    binary = binary_for(target.exe, target.debug_dirs)
    # The dump's time on the target starts with asking for its threads.
    started = time.monotonic()
    threads = target.threads() if target.threads else []
    if target.kind == LIVE:
        return _leakdump.Session(kind, target.exe, pid=target.pid,
                                 threads=threads, started=started,
                                 debug_dirs=target.debug_dirs,
                                 binary=binary)
    return _leakdump.Session(kind, target.exe, pid=target.pid,
                             threads=threads, read=target.read,
                             started=started, debug_dirs=target.debug_dirs,
                             binary=binary)


class SessionCache:
    """One native session, reused while the target's key (what it is, and
    its generation) stays the same."""

    def __init__(self, opener=open_session):
        self._open = opener
        self.session = None
        self.key = None

    def get(self, target):
        _require(target)
        key = target.key()
        if self.session is not None and self.key == key:
            return self.session
        # Let the old session go before the new one is built: both may
        # be large.
        self.session = self.key = None
        session = self._open(target)
        self.session, self.key = session, key
        return session

    def forget(self):
        self.session = None
        self.key = None


# ---------------------------------------------------------------------------
# the commands

class Command:
    """One command: its name, its help, GDB's category for it ("stack" or
    "data") and run(commands, arg) -> text to print."""

    def __init__(self, name, category, help_text, run):
        self.name = name
        self.category = category
        self.help = help_text
        self.run = run


def _leak_dump(cmds, arg):
    args = parse_leak_dump(arg)
    if args.why and not args.prove:
        raise UsageError("--why explains --prove's verdicts (add --prove)")
    if args.format == "pprof" and not args.output:
        raise UsageError("--format pprof writes a binary profile: "
                         "give --output FILE")
    if args.why and args.format == "pprof":
        raise UsageError("--why's paths print in text or json, not in pprof")
    if args.pprof_labels and args.format != "pprof":
        raise UsageError("--pprof-labels labels samples of --format pprof")
    if args.format == "html" and not args.output:
        raise UsageError("--format html writes a page: give --output FILE")
    if args.group_by.startswith("label:") and args.format in ("go", "pprof"):
        raise UsageError("--group-by label groups text, json and html "
                         "(pprof: --pprof-labels)")
    if args.diff:
        return _leak_dump_diff(cmds, args)
    kw = dict(format=args.format, all=args.all, output=args.output,
              group_by=args.group_by, blocking=not args.no_blocking,
              prove=args.prove, why=args.why)
    for name in ("state", "function"):
        if getattr(args, name) is not None:
            kw[name] = getattr(args, name)
    if args.min_wait:
        kw["min_wait"] = args.min_wait
    if args.pprof_labels:
        kw["pprof_labels"] = True
    if cmds.release is not None:
        kw["release"] = cmds.release
    cmds.verdicts = None
    if not (cmds.want_verdicts and args.prove):
        return cmds.session().report(**kw)
    text, cmds.verdicts = cmds.session().report(totals=True, **kw)
    return text


def _leak_dump_diff(cmds, args):
    if args.format not in ("text", "json", "html"):
        raise UsageError("--diff prints text, json or html")
    if args.group_by != "stack":
        raise UsageError("--diff matches groups by stack")
    old = _snapshot.load(args.diff)
    new = take_snapshot(cmds, args.prove, args.all, forget=False)
    return emit(_snapshot.diff(old, new), args.format, args.output)


def snapshot_text(cmds, prove=False, include_all=False, forget=True):
    """The current target's json report (a snapshot), as text."""
    if forget:
        cmds.forget()
    return cmds.session().report(format="json", all=include_all,
                                 blocking=prove, prove=prove)


def take_snapshot(cmds, prove=False, include_all=False, forget=True):
    """The current target's json report, parsed (a snapshot)."""
    return json.loads(snapshot_text(cmds, prove, include_all, forget))


def _leak_watch(cmds, arg):
    args = parse_leak_watch(arg)
    host = cmds.host
    if host.describe().kind == CORE:
        raise UsageError("leak-watch needs a live process (a core file "
                         "does not change; diff two snapshots with "
                         "leak-dump --diff)")

    stopped = [None]

    def run_for(seconds):
        try:
            stopped[0] = host.run_for(seconds)
        finally:
            cmds.forget()

    def take(prove):
        doc = take_snapshot(cmds, prove, args.all)
        return _snapshot.stamp(doc, stopped[0])

    try:
        # The process may have been stopped for a while (attached, at a
        # breakpoint): a first short run makes every sample follow a stop
        # whose time is known.
        run_for(0.05)
        doc = _snapshot.watch(take, run_for, args.samples, args.interval,
                              args.prove, host.progress)
    except KeyboardInterrupt:
        host.release()
        raise CommandError("leak-watch interrupted before two samples; "
                           "the process is running") from None
    if doc.get("interrupted"):
        host.release()
    return emit(doc, args.format, args.output)


# The arguments are checked before the target is looked at, except for
# go-chan and go-mutex: their expression needs the target.

def _go_bt(cmds, arg):
    goid = parse_goid(arg)
    return cmds.session().goroutine(goid)


def _go_goroutines(cmds, arg):
    include_all = parse_goroutines(arg)
    return cmds.session().list(all=include_all)


def _go_chan(cmds, arg):
    session = cmds.session()
    # A chan variable always holds a pointer to its hchan.
    return session.object("chan", address(cmds.host, arg, session, True))


def _go_mutex(cmds, arg):
    session = cmds.session()
    return session.object("mutex", address(cmds.host, arg, session, False))


# In the order hosts register them.
COMMANDS = (
    Command("leak-dump", "stack", LEAK_DUMP_HELP, _leak_dump),
    Command("go-chan", "data", GO_CHAN_HELP, _go_chan),
    Command("go-mutex", "data", GO_MUTEX_HELP, _go_mutex),
    Command("go-bt", "stack", GO_BT_HELP, _go_bt),
    Command("go-goroutines", "stack", GO_GOROUTINES_HELP, _go_goroutines),
    Command("leak-watch", "stack", LEAK_WATCH_HELP, _leak_watch),
)

BY_NAME = {c.name: c for c in COMMANDS}


def command_classes(base):
    """A host's command classes, one subclass of base per command in
    COMMANDS' order: {command name: class}.  Each class is named after its
    command (leak-dump: LeakDump), its __doc__ is the help text and .spec
    the command's spec, so an adapter lists no command itself."""
    return {c.name: type("".join(w.capitalize() for w in c.name.split("-")),
                         (base,), {"__doc__": c.help, "spec": c})
            for c in COMMANDS}


_LATEST = None    # the Commands made last: leakdump.current() asks it


def latest():
    """The Commands instance made most recently (a debugger adapter makes
    one when it loads), or None outside a debugger."""
    return _LATEST


class Commands:
    """The commands bound to one host, with the session they share."""

    # Set by a host that acts on leak-dump --prove's verdicts (the command
    # line's --fail-on-leak): each such leak-dump then leaves their counts
    # in .verdicts ({"leaked": N, "may-wake": N, "live": N, "proven": B}).
    want_verdicts = False
    verdicts = None
    # Set by a host that stopped the process itself (the command line's
    # _leakdump.Stopped): leak-dump resumes it as soon as its reads are
    # done, before formatting, and reports the pause it caused.
    release = None

    def __init__(self, host, cache=None):
        global _LATEST  # pylint: disable=global-statement
        self.host = host
        self.cache = cache or SessionCache()
        _LATEST = self

    def session(self):
        """The native session for the host's current target."""
        return self.cache.get(self.host.describe())

    def forget(self):
        """Drop the cached session (the host saw the target move)."""
        self.cache.forget()

    def run(self, name, arg):
        """Run a command: its output text; CommandError and the native
        errors propagate (invoke() turns them into one line)."""
        return BY_NAME[name].run(self, arg)

    def invoke(self, name, arg):
        """Run a command as a host does: print its output, or report its
        failure as one line "leak-dump: ..." through host.error."""
        try:
            text = self.run(name, arg)
        except _ONE_LINE_ERRORS as exc:
            line = "leak-dump: %s" % exc
        else:
            if text:
                self.host.write(text)
            return
        self.host.error(line)
