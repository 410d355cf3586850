"""The Python API (leakdump.api) against the json report and the runtime.

On a core of a fixture, every object the API gives must equal the json
report's entry for it, taken from another session of the same core: each
Goroutine (id, state, status, wait_minutes, created_by_goroutine, thread,
g, stack, frames against its group's frames, blocking, error), the groups,
the objects, and with prove the verdicts (on sharedleak, whose leaks are
known by construction).  The runtime's own dump is the oracle for the set
of goroutine ids and their states.  current() is checked inside GDB, and
open_pid() on a live fixture when the native module can stop a process.

Runs for the oldest and newest Go release of LEAKDUMP_GO_VERSIONS, on the
shared cores plus one stripped build.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import godump
import harness
from test_prove_shared import _expected, _roles

sys.path.insert(0, str(harness.REPO))

import leakdump  # noqa: E402
from leakdump import _leakdump  # noqa: E402

_VS = harness.go_versions()
API_VERSIONS = sorted({_VS[0], _VS[-1]}, key=lambda v: [int(x) for x in v.split(".")])

GOROUTINE_FIELDS = ("id", "group", "state", "status", "wait_minutes",
                    "created_by_goroutine", "thread", "g", "stack",
                    "locked_to_thread", "stack_bytes", "system", "error")

needs_stopped = pytest.mark.skipif(not hasattr(_leakdump, "Stopped"),
                                   reason="needs _leakdump.Stopped")


def _json(exe, core, **opts):
    with leakdump.open_core(exe, core) as s:
        return json.loads(s.report(format="json", **opts))


def _check_goroutines(s, doc, prove=False):
    """Every API goroutine equals its json entry, field by field."""
    want = doc["goroutines"]
    groups = doc["groups"]
    got = list(s.goroutines(prove=prove))
    assert len(want) > 10, len(want)
    assert [g.id for g in got] == [w["id"] for w in want]
    for g, w in zip(got, want):
        for f in GOROUTINE_FIELDS:
            assert getattr(g, f) == w[f], (g.id, f, getattr(g, f), w[f])
        grp = groups[w["group"]]
        assert [fr.as_dict() for fr in g.frames] == grp["frames"], g.id
        assert g.created_by == grp["created_by"], g.id
        assert [o.as_dict() for o in g.blocking] == w["blocking"], g.id
        if prove:
            assert (g.verdict, g.verdict_reason) == (w["verdict"],
                                                     w["verdict_reason"]), g.id
        else:
            assert g.verdict is None
        assert g.as_dict() == w, g.id
    return got


def _check_model(s, doc, prove=False):
    assert [g.as_dict() for g in s.groups(prove=prove)] == doc["groups"]
    objs = s.objects()
    assert [o.as_dict() for o in objs] == doc["objects"]
    for o, w in zip(objs, doc["objects"]):
        ids = set(w.get("senders", []) + w.get("receivers", []) +
                  w.get("waiters", []))
        assert o.waiter_ids == sorted(ids)


def _check_oracle(got, fp):
    """Ids and states against the runtime's own dump of the process."""
    oracle = godump.parse(fp.oracle_text)
    assert {g.id for g in got} == set(oracle)
    for g in got:
        want = oracle[g.id]
        if g.id != fp.writer and want.parked:
            assert g.state == want.state, (g.id, g.state, want.status)
            assert g.wait_minutes == want.wait_minutes, g.id
            assert g.locked_to_thread == want.locked, g.id
        names = [f.function for f in g.frames]
        if g.id != fp.writer and not want.elided and not want.additional_elided:
            assert [godump_name(n) for n in names] == want.functions(), g.id


def godump_name(name):
    """The runtime prints type arguments as "[...]", gopanic as panic."""
    if name == "runtime.gopanic":
        return "panic"
    i, j = name.find("["), name.rfind("]")
    return name if i < 0 or j < i else name[:i] + "[...]" + name[j + 1:]


@pytest.mark.parametrize("version", API_VERSIONS)
@pytest.mark.parametrize("fixture", ["many", "blocking"])
def test_api_agrees_with_json(version, fixture, cores, tool):
    exe, core, fp = cores.get(version, fixture)
    doc = _json(exe, core)
    with leakdump.open_core(exe, core) as s:
        got = _check_goroutines(s, doc)
        _check_model(s, doc)
        assert s.info()["go_version"] == doc["target"]["go_version"]
        assert s.count() == doc["totals"]["goroutines"]
        n_all = sum(1 for _ in s.goroutines(all=True))
        assert n_all == s.info()["goroutines"] == s.count(all=True)
        g = got[-1]
        assert s.goroutine(g.id).as_dict() == g.as_dict()
        assert s.goroutine(10 ** 12) is None
    _check_oracle(got, fp)
    # With the runtime's goroutines: the --all report.
    doc_all = _json(exe, core, all=True)
    with leakdump.open_core(exe, core) as s:
        assert [g.as_dict() for g in s.goroutines(all=True)] == doc_all["goroutines"]
        assert [g.as_dict() for g in s.groups(all=True)] == doc_all["groups"]
    assert s.closed
    with pytest.raises(leakdump.Error, match="closed"):
        s.groups()


@pytest.mark.parametrize("version", API_VERSIONS[-1:])
def test_api_stripped(version, builds, spawn, tool, tmp_path):
    exe = builds.exe(version, "parked", variant="stripped", ldflags="-s -w")
    fp = spawn(version, "parked", exe=exe)
    core = harness.gcore(fp.pid, tmp_path / "stripped.core")
    try:
        doc = _json(exe, core)
        with leakdump.open_core(exe, core) as s:
            got = _check_goroutines(s, doc)
            _check_model(s, doc)
    finally:
        core.unlink()
    _check_oracle(got, fp)


@pytest.mark.parametrize("version", API_VERSIONS[-1:])
def test_api_prove(version, cores, tool):
    exe, core, fp = cores.get(version, "sharedleak")
    doc = _json(exe, core, prove=True)
    with leakdump.open_core(exe, core) as s:
        got = _check_goroutines(s, doc, prove=True)
        _check_model(s, doc, prove=True)
        verdicts = {g.id: g.verdict for g in got}
        plain = _json(exe, core)
        assert [g.as_dict() for g in s.groups()] == plain["groups"]
    # The fixture's construction: what it dropped is leaked, what it
    # holds may wake.
    roles = _roles(fp.info)
    wrong = {gid: (role, verdicts.get(gid)) for gid, role in roles.items()
             if verdicts.get(gid) != _expected(role)}
    assert not wrong, sorted(wrong.items())[:10]
    assert sum(1 for v in verdicts.values() if v == "leaked") >= \
        sum(1 for r in roles.values() if r.startswith("leaked:"))


def test_api_current_in_gdb(cores, tool):
    exe, core, _ = cores.get(API_VERSIONS[-1], "many")
    doc = _json(exe, core)
    script = ("python import leakdump, json; s = leakdump.current(); "
              "print('API', json.dumps([[g.id, g.state, g.frames[0].function] "
              "for g in s.goroutines()])); "
              "print('SAME', leakdump.current() is s)")
    r = harness.run_gdb(harness.core_target(exe, core), [script])
    line = [ln for ln in r.output.splitlines() if ln.startswith("API ")]
    assert line, r.describe()
    got = json.loads(line[0][4:])
    groups = doc["groups"]
    assert got == [[w["id"], w["state"], groups[w["group"]]["frames"][0]["function"]]
                   for w in doc["goroutines"]]
    assert "SAME True" in r.output, r.describe()


def test_api_current_outside_a_debugger():
    code = ("import leakdump\ntry:\n    leakdump.current()\n"
            "except leakdump.Error as e:\n    print('ERR', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, cwd=str(harness.REPO), timeout=60)
    assert "ERR leakdump.current() works inside a debugger" in out.stdout, out


def test_api_bad_input(tmp_path):
    with pytest.raises(leakdump.Error, match="no such file"):
        leakdump.open_core(tmp_path / "nope", tmp_path / "nope.core")
    junk = tmp_path / "junk"
    junk.write_bytes(b"\0" * 4096)
    with pytest.raises(leakdump.Error):
        leakdump.open_core(junk, junk)


def test_open_pid_without_stopped():
    if hasattr(_leakdump, "Stopped"):
        pytest.skip("_leakdump.Stopped exists")
    with pytest.raises(leakdump.Error, match="Stopped"):
        leakdump.open_pid(os.getpid())


def _proc_state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


@needs_stopped
def test_open_pid(spawn, tool):
    fp = spawn(API_VERSIONS[-1], "many")
    with leakdump.open_pid(fp.pid) as s:
        assert _proc_state(fp.pid) == "t"
        doc = json.loads(s.report(format="json"))
        got = _check_goroutines(s, doc)
        _check_model(s, doc)
        assert doc["target"]["kind"] == "live"
    assert _proc_state(fp.pid) != "t"
    fp.ping()   # it runs again
    _check_oracle(got, fp)
    # Garbage collection lets it go too.
    s = leakdump.open_pid(fp.pid)
    assert _proc_state(fp.pid) == "t"
    del s
    assert _proc_state(fp.pid) != "t"


@needs_stopped
def test_open_pid_resume_early(spawn, tool):
    """report(resume=True) lets the process go once the reads are done:
    it runs while the session is still open, the header gives the pause,
    and the report is the one a stopped process gives."""
    fp = spawn(API_VERSIONS[-1], "many")
    with leakdump.open_pid(fp.pid) as s:
        held = s.report(format="go")
        assert s.paused is None and _proc_state(fp.pid) == "t"
    with leakdump.open_pid(fp.pid) as s:
        text = s.report(resume=True)
        assert _proc_state(fp.pid) != "t"
        fp.ping()   # it runs, the session still open
        assert 0 < s.paused < 60
        assert "  cost: process paused %.3f s (stop to resume)" % s.paused in text
        with pytest.raises(leakdump.Error, match="resumed"):
            s.report()
    with leakdump.open_pid(fp.pid) as s:
        assert s.report(format="go", resume=True) == held
        assert _proc_state(fp.pid) != "t"


class _SignalStopped:
    """The _leakdump.Stopped contract, faked with SIGSTOP/SIGCONT (no
    registers: every goroutine of the fixture is parked), so that
    open_pid's own logic is checked before the native type exists."""

    made = []

    def __init__(self, pid):
        self.pid = pid
        self.resumed = 0
        os.kill(pid, signal.SIGSTOP)
        deadline = time.monotonic() + 10
        while _proc_state(pid) != "T" and time.monotonic() < deadline:
            time.sleep(0.01)
        _SignalStopped.made.append(self)

    def threads(self):
        return []

    def resume(self):
        if not self.resumed:
            os.kill(self.pid, signal.SIGCONT)
        self.resumed += 1


def test_open_pid_contract(spawn, tool, monkeypatch):
    """open_pid against the Stopped contract: the process stays stopped
    while the session is open, and is resumed by close(), by garbage
    collection, and when the session cannot be made."""
    monkeypatch.setattr(_leakdump, "Stopped", _SignalStopped, raising=False)
    fp = spawn(API_VERSIONS[-1], "many")
    with leakdump.open_pid(fp.pid) as s:
        assert _proc_state(fp.pid) == "T"
        doc = json.loads(s.report(format="json"))
        assert doc["target"]["kind"] == "live" and doc["target"]["pid"] == fp.pid
        assert doc["target"]["executable"] == str(fp.exe)
        got = _check_goroutines(s, doc)
        _check_model(s, doc)
    assert _SignalStopped.made[-1].resumed == 1
    assert _proc_state(fp.pid) != "T"
    fp.ping()
    _check_oracle(got, fp)
    s = leakdump.open_pid(fp.pid)
    del s
    assert _SignalStopped.made[-1].resumed == 1
    # Not a Go program: the error, and the process runs on.
    other = subprocess.Popen(["sleep", "60"])
    try:
        with pytest.raises(leakdump.Error):
            leakdump.open_pid(other.pid)
        assert _SignalStopped.made[-1].resumed == 1
        assert _proc_state(other.pid) != "T"
    finally:
        other.kill()
        other.wait()
    with pytest.raises(leakdump.Error, match="process 999999999"):
        leakdump.open_pid(999999999)
