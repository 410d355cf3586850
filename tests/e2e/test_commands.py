"""The host-neutral command layer (leakdump.commands, leakdump.host)
without any debugger: a fake host describes the target, collects what is
printed and the error lines.  Most tests need only the built native module;
the last opens a real core through it."""

import subprocess
import sys
import time

import pytest

import harness

sys.path.insert(0, str(harness.REPO))

from leakdump import _leakdump, commands, host  # noqa: E402
from leakdump.host import CORE, LIVE, REMOTE, Target, UsageError  # noqa: E402


class FakeHost(host.Host):
    """A host whose target is whatever the test says."""

    def __init__(self, target=None, addresses=None):
        self.target = target or Target()
        self.addresses = addresses or {}
        self.out, self.errors, self.described = [], [], 0

    def describe(self):
        self.described += 1
        return self.target

    def write(self, text):
        self.out.append(text)

    def error(self, line):
        self.errors.append(line)

    def evaluate_address(self, expr):
        if expr in self.addresses:
            return self.addresses[expr]
        return super().evaluate_address(expr)


class FakeSession:
    def __init__(self, *args, **kw):
        self.args, self.kw, self.calls = args, kw, []

    def report(self, **kw):
        self.calls.append(("report", kw))
        return "report\n"

    def goroutine(self, goid):
        self.calls.append(("goroutine", goid))
        return "goroutine %d\n" % goid

    def list(self, **kw):
        self.calls.append(("list", kw))
        return "list\n"

    def object(self, kind, addr):
        self.calls.append(("object", kind, addr))
        return "%s %#x\n" % (kind, addr)

    def resolve(self, expr, pointer=False):
        self.calls.append(("resolve", expr, pointer))
        if expr == "main.nosuch":
            raise _leakdump.Error("no global variable main.nosuch in /x/exe")
        return 0xc000abc000


@pytest.fixture
def sessions(monkeypatch):
    """Every native Session the layer makes, as FakeSessions."""
    made = []

    def make(*args, **kw):
        s = FakeSession(*args, **kw)
        made.append(s)
        return s
    monkeypatch.setattr(commands._leakdump, "Session", make)
    return made


def _core(**kw):
    return Target(CORE, "/x/exe", core="/x/core", pid=7, **kw)


def _invoke(target, cmd, arg="", **kw):
    h = FakeHost(target, **kw)
    layer = commands.Commands(h)
    layer.invoke(cmd, arg)
    return h, layer


# --- the layer knows no debugger ------------------------------------------

def test_no_debugger_imported():
    code = ("import sys; sys.path.insert(0, %r); "
            "import leakdump.commands, leakdump.host; "
            "assert 'gdb' not in sys.modules and 'lldb' not in sys.modules"
            % str(harness.REPO))
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_commands_names_order_and_help():
    assert [c.name for c in commands.COMMANDS] == [
        "leak-dump", "go-chan", "go-mutex", "go-bt", "go-goroutines",
        "leak-watch"]
    cats = {c.name: c.category for c in commands.COMMANDS}
    assert cats == {"leak-dump": "stack", "go-bt": "stack",
                    "go-goroutines": "stack", "go-chan": "data",
                    "go-mutex": "data", "leak-watch": "stack"}
    for c in commands.COMMANDS:
        assert "Usage: %s" % c.name in c.help
        assert not c.help.endswith("\n")
    lead = commands.BY_NAME["leak-dump"].help
    for opt in ("--format", "--output", "--all", "--group-by",
                "--no-blocking", "--prove", "pprof", "--pprof-labels"):
        assert opt in lead


# --- arguments --------------------------------------------------------------

def test_leak_dump_defaults():
    a = commands.parse_leak_dump("")
    assert (a.format, a.output, a.all, a.group_by, a.no_blocking, a.prove) == \
        ("text", None, False, "stack", False, False)


def test_leak_dump_options(sessions):
    h, _ = _invoke(_core(), "leak-dump",
                   "--format json --output '/tmp/a b' --all --group-by blocker "
                   "--no-blocking --prove --why")
    assert h.errors == [] and h.out == ["report\n"]
    assert sessions[0].calls == [("report", dict(
        format="json", all=True, output="/tmp/a b", group_by="blocker",
        blocking=False, prove=True, why=True))]


def test_leak_dump_pprof(sessions):
    h, _ = _invoke(_core(), "leak-dump",
                   "--format pprof --output p.pb.gz --prove --pprof-labels")
    assert h.errors == []
    assert sessions[0].calls == [("report", dict(
        format="pprof", all=False, output="p.pb.gz", group_by="stack",
        blocking=True, prove=True, why=False, pprof_labels=True))]


def test_leak_dump_filters(sessions):
    h, _ = _invoke(_core(), "leak-dump",
                   "--format html --output r.html --state 'chan (send|receive)' "
                   "--function '^main\\.' --min-wait 1h30m --group-by 'label:req id'")
    assert h.errors == []
    assert sessions[0].calls == [("report", dict(
        format="html", all=False, output="r.html", group_by="label:req id",
        blocking=True, prove=False, why=False, state="chan (send|receive)",
        function="^main\\.", min_wait=5400.0))]


@pytest.mark.parametrize("text,seconds", [
    ("90s", 90), ("5m", 300), ("1h30m", 5400), ("1.5h", 5400), ("0s", 0),
    ("0", 0), ("250ms", 0.25), ("2h0m0s", 7200)])
def test_durations(text, seconds):
    assert commands.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("cmd,arg,line", [
    ("leak-dump", "--format xml",
     "leak-dump: argument --format: invalid choice: 'xml' "
     "(choose from 'text', 'go', 'json', 'pprof', 'html')"),
    ("leak-dump", "--format html",
     "leak-dump: --format html writes a page: give --output FILE"),
    ("leak-dump", "--min-wait 5x",
     "leak-dump: --min-wait: a duration like 90s, 5m or 1h30m, not '5x'"),
    ("leak-dump", "--min-wait 5",
     "leak-dump: --min-wait: a duration like 90s, 5m or 1h30m, not '5'"),
    ("leak-dump", "--state ''", "leak-dump: --state: empty regular expression"),
    ("leak-dump", "--group-by lbl",
     "leak-dump: --group-by: stack, blocker or label:KEY, not 'lbl'"),
    ("leak-dump", "--group-by label:",
     "leak-dump: --group-by: stack, blocker or label:KEY, not 'label:'"),
    ("leak-dump", "--group-by label:x --format go",
     "leak-dump: --group-by label groups text, json and html (pprof: --pprof-labels)"),
    ("leak-dump", "--bogus", "leak-dump: unrecognized arguments: --bogus"),
    ("leak-dump", "--help", "leak-dump: unrecognized arguments: --help"),
    ("leak-dump", "'x", "leak-dump: No closing quotation"),
    ("leak-dump", "--group-by", "leak-dump: argument --group-by: expected one argument"),
    ("leak-dump", "--why", "leak-dump: --why explains --prove's verdicts (add --prove)"),
    ("leak-dump", "--format pprof",
     "leak-dump: --format pprof writes a binary profile: give --output FILE"),
    ("leak-dump", "--format pprof --output x --prove --why",
     "leak-dump: --why's paths print in text or json, not in pprof"),
    ("leak-dump", "--pprof-labels --output x",
     "leak-dump: --pprof-labels labels samples of --format pprof"),
    ("go-bt", "", "leak-dump: usage: go-bt GOID"),
    ("go-bt", "x", "leak-dump: usage: go-bt GOID"),
    ("go-bt", "1 2", "leak-dump: usage: go-bt GOID"),
    ("go-bt", "-1", "leak-dump: usage: go-bt GOID"),
    ("go-goroutines", "--x", "leak-dump: usage: go-goroutines [--all]"),
    ("go-goroutines", "--all --all", "leak-dump: usage: go-goroutines [--all]"),
])
def test_usage_errors_before_the_target(sessions, cmd, arg, line):
    # No executable: the argument mistake is still what is reported.
    h, _ = _invoke(Target(), cmd, arg)
    assert h.errors == [line] and h.out == []
    assert sessions == []


@pytest.mark.parametrize("cmd", ["leak-dump", "go-goroutines", "go-bt 1",
                                 "go-chan 0x10", "go-mutex mu", "go-chan"])
def test_no_executable_no_process(sessions, cmd):
    name, _, arg = cmd.partition(" ")
    h, _ = _invoke(Target(), name, arg)
    assert h.errors == ["leak-dump: no executable loaded (use 'file EXE')"]
    h, _ = _invoke(Target(exe="/x/exe"), name, arg)
    assert h.errors == ["leak-dump: no process or core file"]
    assert sessions == []


def test_go_bt_and_goroutines(sessions):
    h, layer = _invoke(_core(), "go-bt", " 17 ")
    layer.invoke("go-goroutines", "")
    layer.invoke("go-goroutines", "--all")
    assert h.out == ["goroutine 17\n", "list\n", "list\n"]
    assert sessions[0].calls == [("goroutine", 17), ("list", {"all": False}),
                                 ("list", {"all": True})]


# --- addresses --------------------------------------------------------------

def test_addresses(sessions):
    h, layer = _invoke(_core(), "go-chan", " 0x10 ",
                       addresses={"main.full": 0xc000123000})
    layer.invoke("go-mutex", "4096")
    layer.invoke("go-chan", "main.full")
    layer.invoke("go-chan", "  ")
    layer.invoke("go-mutex", "nosuch")
    assert h.out == ["chan 0x10\n", "mutex 0x1000\n", "chan 0xc000123000\n"]
    assert h.errors == ["leak-dump: an address or expression is needed",
                        "leak-dump: cannot evaluate nosuch: not an address"]


class NoExpressionsHost(FakeHost):
    """A host without an expression evaluator (LLDB)."""
    evaluate_address = host.Host.evaluate_address


def test_names_resolved_natively_without_expressions(sessions):
    h = NoExpressionsHost(_core())
    layer = commands.Commands(h)
    layer.invoke("go-chan", "main.full")
    layer.invoke("go-mutex", " &mu ")
    layer.invoke("go-mutex", "0x20")
    layer.invoke("go-mutex", "main.nosuch")
    assert h.out == ["chan 0xc000abc000\n", "mutex 0xc000abc000\n", "mutex 0x20\n"]
    assert h.errors == ["leak-dump: no global variable main.nosuch in /x/exe"]
    # A chan variable holds a pointer; a Mutex variable of unknown type is
    # taken to be the mutex.
    assert [c for c in sessions[0].calls if c[0] == "resolve"] == [
        ("resolve", "main.full", True), ("resolve", "&mu", False),
        ("resolve", "main.nosuch", False)]


def test_address_errors_after_the_target(sessions):
    # go-chan's expression needs the target: its error comes second.
    h, _ = _invoke(Target(), "go-chan", "")
    assert h.errors == ["leak-dump: no executable loaded (use 'file EXE')"]


# --- errors -----------------------------------------------------------------

@pytest.mark.parametrize("exc", [_leakdump.Error("native says no"),
                                 OSError("native says no"),
                                 ValueError("native says no"),
                                 commands.CommandError("native says no"),
                                 UsageError("native says no")])
def test_errors_are_one_line(monkeypatch, exc):
    def fail(*a, **kw):
        raise exc
    monkeypatch.setattr(commands._leakdump, "Session", fail)
    h, _ = _invoke(_core(), "leak-dump")
    assert h.errors == ["leak-dump: native says no"] and h.out == []


def test_other_exceptions_propagate(monkeypatch):
    def fail(*a, **kw):
        raise KeyError("bug")
    monkeypatch.setattr(commands._leakdump, "Session", fail)
    with pytest.raises(KeyError):
        _invoke(_core(), "leak-dump")


def test_host_error_may_raise(sessions):
    class Raising(FakeHost):
        def error(self, line):
            raise RuntimeError(line)
    layer = commands.Commands(Raising(Target()))
    with pytest.raises(RuntimeError, match="^leak-dump: no executable"):
        layer.invoke("go-goroutines", "")


def test_real_native_errors():
    h, _ = _invoke(Target(CORE, "/nonexistent/exe", core="/nonexistent/core"),
                   "go-goroutines")
    assert h.errors == ["leak-dump: opening /nonexistent/exe: No such file or directory"]


def test_empty_output_is_not_written(monkeypatch):
    class Quiet(FakeSession):
        def report(self, **kw):
            return ""
    monkeypatch.setattr(commands._leakdump, "Session", Quiet)
    h, _ = _invoke(_core(), "leak-dump", "--output /dev/null")
    assert h.out == [] and h.errors == []


# --- sessions ---------------------------------------------------------------

def test_session_per_kind(sessions):
    asked = []

    def threads():
        asked.append(1)
        return [(5, [0] * 27)]

    def read(addr, size):
        return b"\0" * size

    _invoke(_core(threads=threads, debug_dirs="/d"), "go-goroutines")
    assert asked == []      # a core's registers come from its notes
    _invoke(Target(LIVE, "/x/exe", pid=7, threads=threads, debug_dirs="/d"),
            "go-goroutines")
    _invoke(Target(REMOTE, "/x/exe", pid=7, threads=threads, read=read),
            "go-goroutines")
    assert asked == [1, 1]
    core, live, remote = sessions
    assert core.args == ("core", "/x/exe")
    # No such executable: no Binary read ahead (the session says why).
    assert core.kw == dict(core="/x/core", pid=7, debug_dirs="/d",
                           binary=None)
    # A live or remote session's time on the target starts before its
    # threads are asked for (the cost line's "target read").
    for s in (live, remote):
        assert 0 < s.kw.pop("started") <= time.monotonic()
    assert live.args == ("live", "/x/exe")
    assert live.kw == dict(pid=7, threads=[(5, [0] * 27)], debug_dirs="/d",
                           binary=None)
    assert remote.args == ("callback", "/x/exe")
    assert remote.kw == dict(pid=7, threads=[(5, [0] * 27)], read=read,
                             debug_dirs=None, binary=None)


def test_binary_read_once(monkeypatch, tmp_path):
    """An executable is read once while the file is unchanged (a watch's
    samples, a debugger's stops, many cores of one binary), again when it
    changes, and per debug-file directory."""
    opened = []

    class FakeBinary:
        def __init__(self, exe, debug_dirs=None):
            opened.append((exe, debug_dirs))
    monkeypatch.setattr(commands._leakdump, "Binary", FakeBinary)
    monkeypatch.setattr(commands, "_binary", None)
    exe = tmp_path / "server"
    exe.write_bytes(b"one")
    first = commands.binary_for(str(exe))
    assert commands.binary_for(str(exe)) is first
    assert opened == [(str(exe), None)]
    other = commands.binary_for(str(exe), "/debug")
    assert other is not first and len(opened) == 2
    exe.write_bytes(b"two, longer")          # rebuilt in place
    assert commands.binary_for(str(exe), "/debug") is not other
    assert len(opened) == 3
    assert commands.binary_for(str(tmp_path / "gone")) is None
    assert len(opened) == 3


def test_session_cache(sessions):
    h = FakeHost(_core())
    layer = commands.Commands(h)
    for _ in range(3):
        layer.invoke("go-goroutines", "")
    assert len(sessions) == 1
    h.target = _core(generation=1)            # the target moved
    layer.invoke("go-goroutines", "")
    assert len(sessions) == 2
    layer.forget()                            # the host says so
    layer.invoke("go-goroutines", "")
    assert len(sessions) == 3
    for change in (dict(debug_dirs="/other"), dict(instance=2)):
        h.target = _core(generation=1, **change)
        layer.invoke("go-goroutines", "")
    h.target = Target(CORE, "/x/exe", core="/x/other.core", pid=7, generation=1)
    layer.invoke("go-goroutines", "")
    assert len(sessions) == 6
    assert h.errors == []


def test_failed_open_keeps_nothing(monkeypatch):
    calls = []

    def opener(target):
        calls.append(target)
        if len(calls) == 1:
            raise _leakdump.Error("first fails")
        return FakeSession()
    layer = commands.Commands(FakeHost(_core()),
                              cache=commands.SessionCache(opener))
    layer.invoke("go-goroutines", "")
    layer.invoke("go-goroutines", "")
    layer.invoke("go-goroutines", "")
    assert len(calls) == 2
    assert layer.host.errors == ["leak-dump: first fails"]
    assert layer.host.out == ["list\n", "list\n"]


def test_process_kind(tmp_path):
    import os
    assert host.process_kind(os.getpid(), True) == LIVE
    assert host.process_kind(os.getpid(), False) == REMOTE
    assert host.process_kind(0, True) == REMOTE


def test_target_key_and_repr():
    a = _core(threads=lambda: [], read=None)
    b = _core()
    assert a.key() == b.key()
    assert "threads" not in repr(a) and "core='/x/core'" in repr(a)


# --- a real core, no debugger -------------------------------------------------

@pytest.mark.fixtures("parked")
def test_real_core_without_a_debugger(go_version, fixture_name, cores, tmp_path):
    exe, core, fp = cores.get(go_version, fixture_name)
    h = FakeHost(Target(CORE, str(exe), core=str(core)))
    layer = commands.Commands(h)
    layer.invoke("go-goroutines", "")
    first = layer.cache.session
    layer.invoke("go-bt", "1")
    layer.invoke("leak-dump", "--format go --output %s" % (tmp_path / "go.txt"))
    layer.invoke("go-bt", "999999")
    assert layer.cache.session is first         # one session for all
    assert h.errors == ["leak-dump: no goroutine with id 999999"], h.errors
    listing, bt = h.out[0], h.out[1]
    assert "goroutine 1" in bt or bt.startswith("goroutine 1 ")
    assert "main.main" in bt
    assert len(listing.splitlines()) >= 2
    dump = (tmp_path / "go.txt").read_text()
    assert dump.startswith("goroutine ") and "main.main" in dump
    # The same dump as the native module gives directly.
    direct = _leakdump.Session("core", str(exe), core=str(core))
    assert direct.list(all=False) == listing
    assert direct.goroutine(1) == bt
