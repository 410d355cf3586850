"""A cgo binary (tests/fixtures/cgo, built with CGO_ENABLED=1): goroutines in
cgo calls, C threads that never touch Go, C threads that call into Go (extra
Ms), a callback nested in a cgo call and a goroutine locked to its thread.

leak-dump --format go must match the runtime's own dump byte for byte, live
and on a gcore, for every goroutine the oracle shows except the writer;
unlike test_live, goroutines in syscall (the cgo call, the extra M back in
C) are compared byte for byte too: their stacks are as still as parked ones.
"""

import json
import os

import pytest

import godump
import harness

FIXTURE = "cgo"


def _by_function(dump, function):
    """The goroutines of a parsed dump with a frame in function."""
    return [g for g in dump.values()
            if any(f.function == function for f in g.frames)]


def _check(fp, ours_text, where):
    oracle = godump.parse(fp.oracle_text)
    try:
        ours = godump.parse(ours_text)
    except godump.DumpError as e:
        pytest.fail("%s: our dump does not parse: %s\n%s" % (where, e, ours_text[:3000]))
    res = godump.compare(oracle, ours, skip=[fp.writer])
    assert res.ok, "%s: our dump differs from the runtime's:\n%s" % (where, res.report())
    assert fp.writer in ours, "%s: the oracle writer %d is missing" % (where, fp.writer)
    # Syscall goroutines byte for byte as well.
    for goid, want in oracle.items():
        if goid == fp.writer or want.state != "syscall":
            continue
        got = ours[goid]
        assert got.lines == want.lines, "%s: goroutine %d [%s] differs:\n%s" % (
            where, goid, want.status, godump.block_diff(want, got))
    # Every case the fixture builds is in the oracle, as the runtime shows it.
    info = fp.info
    cgo_call = _by_function(oracle, info["cgo_call"])
    assert len(cgo_call) == 1 and cgo_call[0].state == "syscall", oracle.keys()
    assert cgo_call[0].frames[0].function.startswith("main._Cfunc_")
    extra = _by_function(oracle, info["extra_m"])
    assert len(extra) == 1 and extra[0].locked and extra[0].created_by is None
    nested = _by_function(oracle, info["nested"])
    assert len(nested) == 1 and nested[0].locked
    assert any(f.function.startswith("main._Cfunc_") for f in nested[0].frames)
    locked = _by_function(oracle, info["locked"])
    assert len(locked) == 1 and locked[0].locked
    in_c = [g for g in oracle.values()
            if g.state == "syscall" and g.locked and g.created_by is None and
            [f.function for f in g.frames] == [info["extra_m_in_c"]]]
    assert len(in_c) == 1, "%s: no extra M back in C in the oracle" % where
    assert res.compared >= 7


def test_cgo_live_matches_oracle(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, FIXTURE)
    ours = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "ours.txt")
    _check(fp, ours, "live go%s cgo" % go_version)


def test_cgo_core_matches_oracle(go_version, cores, tool, tmp_path):
    exe, core, fp = cores.get(go_version, FIXTURE)
    ours = harness.leak_dump_to_file(harness.core_target(exe, core), tmp_path / "ours.txt")
    _check(fp, ours, "core go%s cgo" % go_version)


def _cgo_call_goroutine(fp):
    oracle = godump.parse(fp.oracle_text)
    (g,) = _by_function(oracle, fp.info["cgo_call"])
    return g.goid


@pytest.mark.parametrize("mode", ["live", "core"])
def test_cgo_json_and_text(go_version, mode, spawn, cores, tool, tmp_path):
    fp, target = harness.mode_target(mode, go_version, FIXTURE, spawn, cores)
    goid = _cgo_call_goroutine(fp)
    doc = json.loads(harness.leak_dump_to_file(target, tmp_path / "o.json", fmt="json"))
    byid = {g["id"]: g for g in doc["goroutines"]}
    groups = {grp["id"]: grp for grp in doc["groups"]}

    def functions(g):
        return [f["function"] for f in groups[g["group"]]["frames"]]

    g = byid[goid]
    assert g["state"] == "syscall", g
    assert not g.get("error"), g
    fns = functions(g)
    assert fp.info["cgo_call"] in fns, fns
    assert fns[0].startswith("main._Cfunc_"), fns
    # The goroutine of the C thread that called back into Go and parked.
    (extra,) = [x for x in doc["goroutines"]
                if fp.info["extra_m"] in functions(x)]
    assert extra["state"] == "chan receive" and extra["locked_to_thread"], extra
    assert not any(x.get("error") for x in doc["goroutines"]), doc["goroutines"]

    text = harness.leak_dump_to_file(target, tmp_path / "o.txt", fmt="text")
    lines = text.splitlines()
    at = [i for i, l in enumerate(lines) if "goroutine %d" % goid in l and "[syscall" in l]
    assert at, text
    assert any(fp.info["cgo_call"] in l for l in lines[at[0]:at[0] + 8]), text


@pytest.mark.parametrize("mode", ["live", "core"])
def test_cgo_non_go_threads(go_version, mode, spawn, cores, tool, tmp_path):
    """Threads that are not Go's (one never touched Go; others sit in C)
    are in GDB's thread list; no command trips over them, none of them is
    taken for a goroutine's thread, and the live process is unharmed."""
    fp, target = harness.mode_target(mode, go_version, FIXTURE, spawn, cores)
    if mode == "live":
        before = fp.ping()
    plain = fp.info["plain_tid"]
    goid = _cgo_call_goroutine(fp)
    out = tmp_path / "o.json"
    # Select the non-Go thread first: leak-dump must not depend on it.
    r = harness.run_gdb(target, [
        "info threads",
        "thread find LWP %d" % plain,
        "python [t for t in gdb.selected_inferior().threads() "
        "if t.ptid[1] == %d][0].switch()" % plain,
        "leak-dump --format json --output %s" % out,
        "leak-dump",
        "go-goroutines",
        "go-bt %d" % goid,
        "thread",
    ])
    assert "Traceback" not in r.output, r.describe()
    assert not r.error_lines(), r.describe()
    assert "LWP %d" % plain in r.stdout, r.describe()
    # The user's selected thread is left alone.
    current = [l for l in r.stdout.splitlines() if l.startswith("[Current thread is")]
    assert current and "LWP %d)" % plain in current[-1], r.describe()
    assert "goroutine %d [syscall]" % goid in r.stdout, r.describe()
    doc = json.loads(out.read_text())
    assert all(g.get("thread") != plain for g in doc["goroutines"]), doc["goroutines"]
    if mode == "live":
        st = fp.proc_status()
        assert st["TracerPid"] == "0", st
        assert fp.ping() == before
        assert os.path.exists("/proc/%d/task/%d" % (fp.pid, plain))
        assert fp.alive()


@pytest.mark.parametrize("mode", ["live", "core"])
def test_cgo_prove_respects_c_memory(go_version, mode, spawn, cores, tool, tmp_path):
    """Channels whose only references are integers in C memory (a malloc'd
    block, a C static) are never the grounds of a leak verdict: leak-dump
    --prove scans the C side conservatively.  Every goroutine the fixture
    parks on a channel that stays reachable from Go is not leaked either."""
    fp, target = harness.mode_target(mode, go_version, FIXTURE, spawn, cores)
    doc = json.loads(harness.leak_dump_to_file(target, tmp_path / "p.json", fmt="json",
                                               extra="--prove"))
    verdict = {g["id"]: g["verdict"] for g in doc["goroutines"]}
    held = fp.info["held_in_c"]
    assert set(held) == {"c_heap", "c_static"}
    for name, gid in held.items():
        assert verdict[int(gid)] == "may-wake", (name, gid, verdict[int(gid)])
    assert doc["prove"]["proven"], doc["prove"]
    assert not [g for g, v in verdict.items() if v == "leaked"], verdict
