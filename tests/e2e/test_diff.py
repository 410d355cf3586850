"""Snapshots, diffs and growth watches (leakdump/snapshot.py) on the growing
fixture: goroutines leaked at RATE per second (main.growingLeak, each
blocked forever) beside a steady pool of workers, and on SIGWINCH exactly
BURST more of another stack (main.growingBurst).

  * diff of two gcores of one process: every group's counts are exactly
    those of the runtime-format dump of each core (an independent parse),
    the leaking group's new and stuck ids are the set differences, and its
    rate is RATE within 10%; `leakdump diff` and GDB's `leak-dump --diff`
    give the same JSON;
  * watch (CLI, GDB, LLDB): the leaking group, alone, grows in every
    interval at RATE within 10%; the process runs between samples (its
    count grows by the rate, not by the samples) and is left running;
  * Ctrl-C (SIGINT to the CLI watch) reports what it has and leaves the
    process running;
  * `go tool pprof -base` between two exports around a burst: exactly
    +BURST on growingBurst's stack, 0 elsewhere.
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
from test_pprof import _diff as pprof_diff

sys.path.insert(0, str(harness.REPO))

from leakdump import snapshot  # noqa: E402

PY = "/usr/bin/python3"
_VS = harness.go_versions()
VERSIONS = sorted({_VS[0], _VS[-1]}, key=lambda v: [int(x) for x in v.split(".")])

RATE = 20.0          # leaked goroutines per second (the fixture's default)
PER_MINUTE = RATE * 60
LEAK = "main.growingLeak"
BURST = "main.growingBurst"


def leakdump(*args, timeout=harness.GDB_TIMEOUT):
    env = dict(os.environ, PYTHONPATH=str(harness.REPO))
    return subprocess.run([PY, "-m", "leakdump", *map(str, args)],
                          capture_output=True, env=env, timeout=timeout,
                          cwd=str(harness.REPO))


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stderr.decode(errors="replace"))
    return r.stdout.decode()


def _not_stopped(fp):
    state = fp.proc_status()["State"]
    assert not state.startswith(("T", "t")), state
    fp.ping()


def _top(doc, function):
    return [g for g in doc["groups"] if g["frames"] and
            g["frames"][0]["function"] == function]


def _check_schema(doc, nsamples):
    assert len(doc["samples"]) == nsamples
    for s in doc["samples"]:
        assert set(s) >= {"taken_at", "goroutines"}
        assert s["taken_at"].endswith("Z") and "T" in s["taken_at"]
        assert isinstance(s["goroutines"], int)
    for g in doc["groups"]:
        assert set(g) >= {"state", "frames", "created_by", "counts", "change",
                          "per_minute", "trend", "new", "stuck"}
        assert len(g["counts"]) == nsamples
        assert g["change"] == g["counts"][-1] - g["counts"][0]
        assert g["trend"] in ("growing", "shrinking", "steady")
        for f in g["frames"]:
            assert set(f) == {"function", "file", "line"}


def _check_watch(doc, nsamples, interval):
    """The leaking group alone grows, at RATE within 10%."""
    _check_schema(doc, nsamples)
    growing = [g for g in doc["groups"] if g["trend"] == "growing"]
    assert [g["frames"][0]["function"] for g in growing] == [LEAK], \
        json.dumps(doc["groups"], indent=1)[:3000]
    g = growing[0]
    assert abs(g["per_minute"] - PER_MINUTE) <= 0.1 * PER_MINUTE, g["per_minute"]
    assert all(b > a for a, b in zip(g["counts"], g["counts"][1:]))
    # No leaked goroutine ever exits: the new ones are the growth, and
    # every one of the first sample is still there, stuck.
    assert len(g["new"]) == g["change"]
    assert len(g["stuck"]) == g["counts"][0]
    assert g["created_by"]["function"] == "main.leaker"
    # The process ran between samples for about the interval each time.
    assert doc["elapsed_seconds"] >= (nsamples - 1) * interval * 0.95
    # The steady pool: present, never growing.
    workers = _top(doc, "main.growingWorker")
    assert workers and all(w["trend"] != "growing" for w in workers)


def _go_dump_groups(exe, core):
    """top function -> set of goroutine ids, from the runtime-format dump."""
    gs = godump.parse(ok(leakdump("core", exe, core, "--format", "go")))
    out = {}
    for g in gs.values():
        fns = [f.function for f in g.frames
               if not f.function.startswith("runtime.")]
        out.setdefault(fns[0] if fns else None, set()).add(g.goid)
    return out


@pytest.mark.parametrize("version", VERSIONS)
def test_diff_two_cores_exact(version, spawn, tool, tmp_path):
    fp = spawn(version, "growing")
    time.sleep(0.5)
    # Each gcore stops the process somewhere inside its window.
    windows = []
    for name in ("a.core", "b.core"):
        t0 = time.time()
        core = harness.gcore(fp.pid, tmp_path / name)
        windows.append((t0, time.time()))
        if name == "a.core":
            a = core
            time.sleep(3)
        else:
            b = core
    _not_stopped(fp)
    docs = []
    for core, name in ((a, "a.json"), (b, "b.json")):
        ok(leakdump("core", fp.exe, core, "--format", "json", "--output",
                    tmp_path / name))
        docs.append(json.loads((tmp_path / name).read_text()))
        assert docs[-1]["target"]["taken_at"].endswith("Z")
    ga, gb = _go_dump_groups(fp.exe, a), _go_dump_groups(fp.exe, b)
    a.unlink()
    b.unlink()
    text = ok(leakdump("diff", tmp_path / "a.json", tmp_path / "b.json"))
    doc = json.loads(ok(leakdump("diff", tmp_path / "a.json", tmp_path / "b.json",
                                 "--format", "json")))
    _check_schema(doc, 2)
    assert [s["goroutines"] for s in doc["samples"]] == \
        [d["totals"]["goroutines"] for d in docs]
    # Every group's counts are those of its top function in each dump
    # (the fixture's stacks are one group per top function, the running
    # goroutines aside).
    for g in doc["groups"]:
        fn = g["frames"][0]["function"] if g["frames"] else None
        if g["state"] in ("running", "runnable") or fn not in ga or fn not in gb:
            continue
        same = [h for h in doc["groups"] if h["frames"] and
                h["frames"][0]["function"] == fn]
        if len(same) == 1:
            assert g["counts"] == [len(ga[fn]), len(gb[fn])], (fn, g)
    leak = _top(doc, LEAK)
    assert len(leak) == 1, leak
    leak = leak[0]
    assert leak["counts"] == [len(ga[LEAK]), len(gb[LEAK])]
    assert leak["new"] == sorted(gb[LEAK] - ga[LEAK])
    assert leak["stuck"] == sorted(ga[LEAK] & gb[LEAK]) == sorted(ga[LEAK])
    assert leak["trend"] == "growing" and doc["groups"][0] is not None
    assert doc["groups"][0]["frames"][0]["function"] == LEAK   # largest growth first
    # A core's time is when its file was created (gcore and the kernel
    # create it right after stopping the process): inside the gcore's
    # window, and the rate is the change over those times.
    times = [snapshot.parse_time(d["target"]["taken_at"]) for d in docs]
    for t, (t0, t1) in zip(times, windows):
        assert t0 - 0.05 <= t <= t1 + 0.05, (t, t0, t1)
    assert doc["elapsed_seconds"] == pytest.approx(times[1] - times[0], abs=2e-6)
    assert leak["per_minute"] == pytest.approx(
        leak["change"] * 60 / (times[1] - times[0]), abs=1e-2)
    # How far apart the two stops really were is known only to within the
    # gcore windows (wide on a loaded machine): the fixture's rate over
    # that span bounds the change the two cores must show.
    shortest = windows[1][0] - windows[0][1]
    longest = windows[1][1] - windows[0][0]
    assert RATE * shortest - 2 <= leak["change"] <= RATE * longest + 2, \
        (leak["change"], shortest, longest)
    assert "%d → %d (+%d" % (len(ga[LEAK]), len(gb[LEAK]), leak["change"]) in text
    assert LEAK in text


@pytest.mark.parametrize("version", VERSIONS[-1:])
def test_diff_gdb_same_as_cli(version, spawn, tool, tmp_path):
    """leak-dump --diff OLD in GDB = leakdump diff OLD NEW, NEW taken by
    the same GDB session (one snapshot)."""
    fp = spawn(version, "growing")
    old = tmp_path / "old.json"
    ok(leakdump("pid", fp.pid, "--format", "json", "--output", old))
    time.sleep(1.5)
    new, gdb_diff = tmp_path / "new.json", tmp_path / "gdb.json"
    r = harness.run_gdb(harness.live_target(fp.pid), [
        "leak-dump --format json --output %s" % new,
        "leak-dump --diff %s --format json --output %s" % (old, gdb_diff)])
    assert not r.error_lines() and gdb_diff.exists(), r.describe()
    cli = json.loads(ok(leakdump("diff", old, new, "--format", "json")))
    assert json.loads(gdb_diff.read_text()) == cli
    assert _top(cli, LEAK)[0]["trend"] == "growing"
    # Live snapshots read the target's own clock.
    assert all(isinstance(s["monotonic_ns"], int) for s in cli["samples"])
    _not_stopped(fp)


@pytest.mark.parametrize("version", VERSIONS)
def test_watch_cli(version, spawn, tool, tmp_path):
    fp = spawn(version, "growing")
    r = leakdump("watch", fp.pid, "--interval", "2s", "--samples", "3",
                 "--format", "json")
    doc = json.loads(ok(r))
    _check_watch(doc, 3, 2.0)
    progress = r.stderr.decode().splitlines()
    assert [l.split(":")[1].strip() for l in progress] == \
        ["sample 1/3", "sample 2/3", "sample 3/3"], progress
    _not_stopped(fp)
    # text: the growing group with its rate
    text = ok(leakdump("pid", fp.pid, "leak-watch", "--interval", "1s",
                       "--samples", "2"))
    assert "== grew: 1 group" in text and LEAK in text
    _not_stopped(fp)


@pytest.mark.parametrize("version", VERSIONS[-1:])
def test_watch_gdb(version, spawn, tool, tmp_path):
    fp = spawn(version, "growing")
    out = tmp_path / "w.json"
    r = harness.run_gdb(harness.live_target(fp.pid), [
        "leak-watch --interval 2s --samples 3 --format json --output %s" % out])
    assert not r.error_lines() and out.exists(), r.describe()
    assert "sample 3/3" in r.stderr
    _check_watch(json.loads(out.read_text()), 3, 2.0)
    _not_stopped(fp)


@pytest.mark.parametrize("version", VERSIONS[-1:])
def test_watch_lldb(version, spawn, tool, tmp_path):
    if not harness.which(harness.LLDB):
        pytest.skip("%s is not installed" % harness.LLDB)
    fp = spawn(version, "growing")
    out = tmp_path / "w.json"
    r = harness.run_lldb(harness.live_target(fp.pid), [
        "leak-watch --interval 2s --samples 3 --format json --output %s" % out])
    assert not r.error_lines() and out.exists(), r.describe()
    _check_watch(json.loads(out.read_text()), 3, 2.0)
    _not_stopped(fp)


def _default_sigint():
    # A shell starts background jobs with SIGINT ignored, and Python then
    # installs no handler: give the watch the Ctrl-C a terminal would.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _watch_proc(pid, *args):
    env = dict(os.environ, PYTHONPATH=str(harness.REPO))
    return subprocess.Popen([PY, "-m", "leakdump", "watch", str(pid), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=str(harness.REPO),
                            preexec_fn=_default_sigint)


def _wait_line(p, want, timeout=30):
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = p.stderr.readline().decode()
        lines.append(line)
        if want in line:
            return lines
        if not line:
            break
    raise AssertionError("no %r in %r" % (want, lines))


def _interrupt_after(p, line):
    """Ctrl-C the watch p once it printed line; its (stdout, stderr)."""
    try:
        _wait_line(p, line)
        p.send_signal(signal.SIGINT)
        return p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()


@pytest.mark.parametrize("version", VERSIONS[-1:])
def test_watch_ctrl_c(version, spawn, tool, tmp_path):
    fp = spawn(version, "growing")
    # Interrupted after two samples: those are reported.
    p = _watch_proc(fp.pid, "--interval", "1s", "--samples", "50", "--format", "json")
    out, err = _interrupt_after(p, "sample 2/50")
    assert p.returncode == 0, err
    doc = json.loads(out)
    assert doc["interrupted"] is True and len(doc["samples"]) in (2, 3)
    assert _top(doc, LEAK)[0]["trend"] == "growing"
    assert b"is running" in err
    _not_stopped(fp)
    # Interrupted before two: one error line, the process runs on.
    p = _watch_proc(fp.pid, "--interval", "30s", "--samples", "3")
    out, err = _interrupt_after(p, "sample 1/3")
    assert p.returncode == 2 and out == b""
    assert err.decode().strip().splitlines()[-1].startswith("leak-dump: watch interrupted"), err
    _not_stopped(fp)


def test_diff_bad_input(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{\"x\": 1}")
    r = leakdump("diff", bad, bad)
    assert r.returncode == 2
    assert r.stderr.decode().startswith("leak-dump: not a leak-dump JSON report")
    r = leakdump("diff", tmp_path / "missing.json", bad)
    assert r.returncode == 2 and r.stderr.decode().count("\n") == 1
    r = leakdump("watch", "1", "--samples", "1")
    assert r.returncode == 2 and b"--samples" in r.stderr


@pytest.mark.parametrize("version", VERSIONS[-1:])
def test_pprof_base_burst(version, spawn, tool, tmp_path):
    """-base between exports before and after exactly k more leakers."""
    k = 7
    fp = spawn(version, "growing", args=["0", "0", str(k)])
    before, after = tmp_path / "before.pb.gz", tmp_path / "after.pb.gz"
    ok(leakdump("pid", fp.pid, "--format", "pprof", "--output", before))
    os.kill(fp.pid, signal.SIGWINCH)
    deadline = time.monotonic() + 20
    while not (fp.outdir / "burst.1").exists():
        assert time.monotonic() < deadline, fp.log_text()
        time.sleep(0.02)
    ok(leakdump("pid", fp.pid, "--format", "pprof", "--output", after))
    growth = pprof_diff(before, after, tmp_path / "d.pb.gz")
    assert list(growth.values()) == [k], growth
    (stack,) = growth
    assert [f for f, _ in stack if not f.startswith("runtime.")][0] == BURST, stack
    _not_stopped(fp)


@pytest.mark.parametrize("version", VERSIONS[-1:])
def test_api_snapshots(version, spawn, tool, tmp_path):
    """Session.snapshot() and snapshot.diff() from Python."""
    import leakdump as api
    fp = spawn(version, "growing")
    with api.open_pid(fp.pid) as s:
        a = s.snapshot()
    time.sleep(1.5)
    with api.open_pid(fp.pid) as s:
        b = s.snapshot()
    doc = snapshot.diff(a, b)
    _check_schema(doc, 2)
    leak = _top(doc, LEAK)[0]
    assert leak["trend"] == "growing" and doc["groups"][0] is leak
    assert abs(leak["per_minute"] - PER_MINUTE) <= 0.1 * PER_MINUTE, leak
    assert json.loads(snapshot.render(doc, "json")) == doc
    _not_stopped(fp)


@pytest.mark.parametrize("version", VERSIONS[-1:])
def test_watch_gdb_ctrl_c(version, spawn, tool, tmp_path):
    """Ctrl-C (SIGINT to GDB) during an interval: the samples so far are
    reported and the process runs on."""
    fp = spawn(version, "growing")
    out = tmp_path / "w.json"
    p = subprocess.Popen([harness.GDB, "-nx", "-batch", "-x", str(harness.GDBINIT),
                          "-p", str(fp.pid), "-ex",
                          "leak-watch --interval 2s --samples 50 --format json "
                          "--output %s" % out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         preexec_fn=_default_sigint)
    try:
        _wait_line(p, "sample 2/50")
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    doc = json.loads(out.read_text())
    assert doc["interrupted"] is True and len(doc["samples"]) == 2
    assert _top(doc, LEAK)[0]["trend"] == "growing"
    _not_stopped(fp)


# --- the series logic on hand-made reports (no target) ---------------------

def _report(t, mono, groups, since=None):
    """A minimal json report: groups as (state, function, ids)."""
    since = since or {}
    return {
        "target": {"taken_at": snapshot.format_time(t), "monotonic_ns": mono,
                   "now_estimated": mono is None, "pid": 7, "executable": "/x"},
        "totals": {"goroutines": sum(len(ids) for _, _, ids in groups)},
        "groups": [{"state": st, "frames": [{"function": fn, "file": "/a.go",
                                               "line": 3, "pc": "0x1"}],
                    "created_by": None, "goroutines": ids}
                   for st, fn, ids in groups],
        "goroutines": [{"id": i, "wait_since_ns": since.get(i)}
                       for _, _, ids in groups for i in ids]}


def test_series_logic():
    a = _report(1000.0, 5 * 10**9, [("chan receive", "f", [1, 2]),
                                    ("select", "g", [3, 4, 5]),
                                    ("sleep", "h", [6])], since={1: 10, 2: 11})
    b = _report(1030.0, 35 * 10**9, [("chan receive", "f", [1, 2, 7]),
                                     ("select", "g", [3]),
                                     ("sleep", "h", [6]),
                                     ("running", "k", [8])], since={1: 10, 2: 99})
    doc = snapshot.diff(a, b)
    _check_schema(doc, 2)
    by = {g["frames"][0]["function"]: g for g in doc["groups"]}
    assert [g["frames"][0]["function"] for g in doc["groups"]][:2] == ["f", "k"]
    f = by["f"]
    # 30 s of the targets' own clock; goroutine 2's wait restarted.
    assert (f["counts"], f["change"], f["per_minute"], f["trend"]) == \
        ([2, 3], 1, 2.0, "growing")
    assert (f["new"], f["stuck"]) == ([7], [1])
    assert (by["g"]["counts"], by["g"]["trend"], by["g"]["stuck"]) == \
        ([3, 1], "shrinking", [3])
    assert (by["h"]["trend"], by["h"]["stuck"]) == ("steady", [6])
    assert (by["k"]["counts"], by["k"]["new"]) == ([0, 1], [8])
    # Without exact monotonic clocks: the wall clocks.
    a["target"]["now_estimated"] = True
    doc = snapshot.diff(a, b)
    assert doc["elapsed_seconds"] == 30.0
    # Three samples: growing means every interval.
    c = _report(1060.0, 65 * 10**9, [("chan receive", "f", [1, 2, 7]),
                                     ("select", "g", [3, 9])])
    doc = snapshot.series([a, b, c])
    by = {g["frames"][0]["function"]: g for g in doc["groups"]}
    assert by["f"]["trend"] == "steady" and by["f"]["counts"] == [2, 3, 3]
    assert by["g"]["trend"] == "shrinking" and by["h"]["counts"] == [1, 1, 0]
    assert not snapshot.growing(doc)
    text = snapshot.render_text(doc)
    assert "no group grew in every interval" in text
    # Bad input: one clear error.
    with pytest.raises(snapshot.SnapshotError):
        snapshot.diff(a, {"groups": None})
    with pytest.raises(snapshot.SnapshotError):
        snapshot.series([a])
    for bad in ("0s", "-1s", "x", "1y"):
        with pytest.raises(ValueError):
            snapshot.parse_duration(bad)
    assert snapshot.parse_duration("500ms") == 0.5
    assert snapshot.parse_duration("2m") == 120.0


@pytest.mark.parametrize("version", VERSIONS[-1:])
def test_watch_and_diff_as_html(version, spawn, tool, tmp_path):
    """A real watch and a real diff rendered with --format html load in
    headless chromium with no error, and the counts the page shows are the
    JSON's: the watch's samples and every group's counts."""
    from test_html import load
    fp = spawn(version, "growing")
    page = tmp_path / "watch.html"
    ok(leakdump("watch", fp.pid, "--interval", "1s", "--samples", "3",
                "--format", "html", "--output", page))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    ok(leakdump("pid", fp.pid, "--format", "json", "--output", a))
    time.sleep(1.5)
    ok(leakdump("pid", fp.pid, "--format", "json", "--output", b))
    diff_json = json.loads(ok(leakdump("diff", a, b, "--format", "json")))
    diff_page = tmp_path / "diff.html"
    ok(leakdump("diff", a, b, "--format", "html", "--output", diff_page))
    _not_stopped(fp)
    dom = load(page, tmp_path)
    rows = dom.find("tr", "group")
    assert len(rows) >= 2
    grew = [r for r in rows if r["data-counts"].split(",")[-1] != r["data-counts"].split(",")[0]]
    assert grew, [r["data-counts"] for r in rows]
    assert len(dom.find("tr", "sample")) == 3
    dom = load(diff_page, tmp_path)
    got = sorted(r["data-counts"] for r in dom.find("tr", "group"))
    want = sorted(",".join(str(c) for c in g["counts"]) for g in diff_json["groups"])
    assert got == want
