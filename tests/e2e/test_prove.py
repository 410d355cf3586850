"""Leak verdicts (leak-dump --prove) against ground truth by construction.

The `leakproof` fixture parks goroutines on every kind of primitive (chan
receive, send, select, nil channels, select{}, Mutex, RWMutex Lock and
RLock, WaitGroup, Cond): once on a primitive nothing can reach any more,
and once per holder on a primitive kept reachable from a global, a live
goroutine's stack, a heap structure under a global, a pending timer, and an
object with a finalizer.  Every dropped one must be "leaked", no held one
may be (zero false positives), live and from a core.

Go 1.27's own goroutineleak profile is a second oracle on the same
process: every goroutine the runtime calls leaked must be leaked for us
too, and none the fixture keeps reachable may be.  After the runtime's run
those goroutines are _Gleaked and must still be reported leaked.
"""

import json
import os
import re
import signal
import struct
import time

import pytest

import harness

FIXTURE = "leakproof"


def _expected(role):
    if role.startswith("leaked:"):
        return "leaked"
    if role == "holder":
        return "live"
    return "may-wake"


def _check(info, doc, where):
    verdicts = {g["id"]: g["verdict"] for g in doc["goroutines"]}
    wrong = []
    for role, ids in sorted(info["ids"].items()):
        for gid in ids:
            got = verdicts.get(int(gid))
            if got != _expected(role):
                wrong.append("%s goroutine %s: %s (want %s)" % (role, gid, got, _expected(role)))
    assert not wrong, "%s:\n%s" % (where, "\n".join(wrong))
    roles = {r.split(":")[1] for r in info["ids"] if r.startswith("leaked:")}
    assert roles >= {"chan_recv", "chan_send", "select", "mutex", "rwmutex_lock",
                     "rwmutex_rlock", "waitgroup", "cond", "nil_recv", "nil_send",
                     "select_none"}
    pv = doc["prove"]
    assert pv["proven"] and pv["gaps"] is None, (where, pv)
    # Go 1.24+: every object precisely, the masks the runtime builds on
    # first use (runtime.p's on 1.27; none yet: the fixture runs no GC)
    # built by us.
    minor = int(re.match(r"go1\.(\d+)", doc["target"]["go_version"]).group(1))
    if minor >= 24:
        assert pv["conservative_objects"] == 0, (where, pv)
    assert pv["finalizers"] >= 8 and pv["iterations"] >= 1 and pv["objects"] > 0
    assert pv["verdicts"]["leaked"] == sum(
        len(v) for r, v in info["ids"].items() if r.startswith("leaked:")), (where, pv)
    # Groups: leaked first, each with what it pins.
    order = [g["verdict"] for g in doc["groups"]]
    assert order == sorted(order, key=["leaked", "may-wake", "live", "none"].index), order
    for g in doc["groups"]:
        assert g["verdicts"][g["verdict"]] == g["count"]
        if g["verdict"] == "leaked":
            assert g["pins"]["stack_bytes"] >= 2048 * g["count"], g
            if g["state"] not in ("chan receive (nil chan)", "chan send (nil chan)",
                                  "select (no cases)"):
                assert g["pins"]["heap_bytes"] > 0 and g["pins"]["top_types"], g


def _check_text(info, text):
    lines = text.splitlines()
    firsts = [l for l in lines if re.match(r"^(LEAKED|\d)", l)]
    assert firsts and firsts[0].startswith("LEAKED "), text[:2000]
    n_leaked = sum(1 for l in firsts if l.startswith("LEAKED "))
    assert all(l.startswith("LEAKED ") for l in firsts[:n_leaked])
    assert not any(l.startswith("LEAKED") for l in firsts[n_leaked:])
    assert re.search(r"^  verdicts \(proven\): \d+ leaked · \d+ may wake · \d+ live$", text, re.M)
    assert re.search(r"^LEAKED 1 × \[chan receive\] on chan int 0x[0-9a-f]+ — unreachable; "
                     r"pins [\d.]+ kB stacks \+ \d+ B heap", text, re.M), text[:3000]
    assert re.search(r"^LEAKED 1 × \[select \(no cases\)\] — can never proceed", text, re.M)


def _leak_profile(fp, timeout=30):
    """SIGUSR2: the fixture writes the runtime's goroutineleak profile."""
    n = len(list(fp.outdir.glob("leakprof.*"))) + 1
    path = fp.outdir / ("leakprof.%d" % n)
    os.kill(fp.pid, signal.SIGUSR2)
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert fp.alive(), fp.log_text()
        assert time.monotonic() < deadline, "no goroutineleak profile"
        time.sleep(0.05)
    return path.read_text()


def test_prove_live_and_core(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, FIXTURE, args=[])
    info = fp.info
    live = json.loads(harness.leak_dump_to_file(
        harness.live_target(fp.pid), tmp_path / "live.json", fmt="json", extra="--prove"))
    _check(info, live, "live go%s" % go_version)
    text = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "live.txt",
                                     fmt="text", extra="--prove")
    _check_text(info, text)
    by = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "by.txt",
                                   fmt="text", extra="--prove --group-by blocker")
    assert re.search(r"^LEAKED 1 × blocked on sync\.WaitGroup 0x[0-9a-f]+ \(counter 1", by,
                     re.M), by[:3000]
    # One dropped WaitGroup, five held ones: only the dropped one is LEAKED.
    wgs = re.findall(r"^(LEAKED )?1 × blocked on sync\.WaitGroup ", by, re.M)
    assert sorted(wgs) == ["", "", "", "", "", "LEAKED "], wgs
    with harness.taken_core(fp.pid, fp.exe, tmp_path / "lp.core") as target:
        doc = json.loads(harness.leak_dump_to_file(
            target, tmp_path / "core.json", fmt="json", extra="--prove"))
    _check(info, doc, "core go%s" % go_version)
    assert fp.alive() and fp.ping()


@pytest.mark.parametrize("variant,ldflags,flags", [
    ("stripped", "-s -w", ()),
    ("stripped-pie", "-s -w", ("-buildmode=pie",)),
])
def test_prove_stripped(go_version, spawn, builds, tool, tmp_path, variant, ldflags, flags):
    """Production builds: no symbols, no DWARF (globals discovered, layouts
    from the per-release tables)."""
    exe = builds.exe(go_version, FIXTURE, variant=variant, ldflags=ldflags, flags=flags)
    fp = spawn(go_version, FIXTURE, args=[], exe=exe)
    doc = json.loads(harness.leak_dump_to_file(
        harness.live_target(fp.pid), tmp_path / "live.json", fmt="json", extra="--prove"))
    _check(fp.info, doc, "live go%s %s" % (go_version, variant))
    with harness.taken_core(fp.pid, exe, tmp_path / "s.core") as target:
        doc = json.loads(harness.leak_dump_to_file(
            target, tmp_path / "core.json", fmt="json", extra="--prove"))
    _check(fp.info, doc, "core go%s %s" % (go_version, variant))


def test_runtime_leak_profile_agrees(go_version, spawn, tool, tmp_path):
    """Go 1.27's goroutineleak profile, on the same process, after ours."""
    fp = spawn(go_version, FIXTURE, args=[])
    info = fp.info
    ours = json.loads(harness.leak_dump_to_file(
        harness.live_target(fp.pid), tmp_path / "ours.json", fmt="json", extra="--prove"))
    prof = _leak_profile(fp)
    if prof.startswith("unsupported"):
        pytest.skip("go%s has no goroutineleak profile" % go_version)
    theirs = {int(m.group(1)) for m in
              re.finditer(r"^goroutine (\d+) .*\(leaked\)", prof, re.M)}
    assert theirs, prof[:2000]
    leaked = {g["id"] for g in ours["goroutines"] if g["verdict"] == "leaked"}
    assert theirs <= leaked, "the runtime found leaks we did not: %s" % sorted(theirs - leaked)
    held = {int(g) for r, ids in info["ids"].items() if not r.startswith("leaked:")
            for g in ids}
    assert not theirs & held
    # The runtime has now marked them _Gleaked; still leaked for us.
    after = json.loads(harness.leak_dump_to_file(
        harness.live_target(fp.pid), tmp_path / "after.json", fmt="json", extra="--prove"))
    why = {g["id"]: (g["verdict"], g["verdict_reason"]) for g in after["goroutines"]}
    for gid in theirs:
        assert why[gid] == ("leaked", "marked leaked by the runtime"), (gid, why[gid])


def test_prove_needs_blocking_objects(go_version, spawn, tool):
    if go_version != harness.go_versions()[-1]:
        pytest.skip("argument check: one release is enough")
    fp = spawn(go_version, FIXTURE, args=[])
    r = harness.run_gdb(harness.live_target(fp.pid), ["leak-dump --prove --no-blocking",
                                                      "leak-dump --prove --format go"])
    assert "--prove needs blocking objects" in r.output, r.describe()
    assert "--prove reports in text or json" in r.output, r.describe()
    assert "Traceback" not in r.output
    assert fp.ping()


def _drop_high_mapping(core):
    """Mark the largest writable PT_LOAD above 0x7f0000000000 (thread
    stacks, mmap'd runtime memory) as not saved: p_filesz = 0, as a core
    filter or a full disk leaves it."""
    high = [l for l in harness.core_loads(core)
            if l.flags & 2 and l.vaddr >= 0x7f0000000000 and l.filesz]
    assert high, "no writable high mapping in the core"
    victim = max(high, key=lambda l: l.filesz)
    with open(core, "r+b") as f:
        f.seek(victim.phdr + 32)        # p_filesz
        f.write(struct.pack("<Q", 0))


def test_prove_with_memory_missing_from_the_core(go_version, spawn, tool, tmp_path):
    """Memory the core did not save (a coredump filter, a full disk): the
    marking meets memory it cannot read, says so, and downgrades every leak
    to a suspicion; it never fails or pretends to a proof."""
    fp = spawn(go_version, FIXTURE, args=[])
    core = harness.gcore(fp.pid, tmp_path / "cut.core")
    try:
        _drop_high_mapping(core)
        doc = json.loads(harness.leak_dump_to_file(
            harness.core_target(fp.exe, core), tmp_path / "cut.json", fmt="json",
            extra="--prove"))
        text = harness.leak_dump_to_file(harness.core_target(fp.exe, core),
                                         tmp_path / "cut.txt", fmt="text", extra="--prove")
    finally:
        core.unlink()
    pv = doc["prove"]
    assert not pv["proven"] and pv["gaps"], pv
    # What the mapping held decides which gap: runtime memory the marking
    # walks (unreadable bytes) or the heap's own metadata (spans).
    assert pv["unreadable_bytes"] > 0 or pv["spans_unreadable"] > 0, pv
    assert not any(g["proven"] for g in doc["groups"])
    assert re.search(r"^  verdicts \(suspected\): ", text, re.M), text[:1500]
    assert re.search(r"^  gaps: .+ — \"leaked\" is a suspicion, not a proof$", text, re.M), \
        text[:1500]
    assert re.search(r"^LEAKED\? ", text, re.M) and not re.search(r"^LEAKED ", text, re.M)



def _hex(v):
    return int(v, 16)


def _check_why(info, doc, where):
    """The --why path of every held goroutine: root first, then heap
    objects, the last one holding what it waits on."""
    gs = {g["id"]: g for g in doc["goroutines"]}
    holders = {int(g) for g in info["ids"]["holder"]}
    for role, ids in sorted(info["ids"].items()):
        if not role.startswith("held:"):
            continue
        how = role.split(":")[2]
        for gid in ids:
            g = gs[int(gid)]
            path = g["why"]
            assert path, (where, role, g)
            objs = path[1:]
            assert objs and all(s["kind"] == "object" for s in objs), (where, role, path)
            # The last object holds the primitive waited on.
            last, obj = objs[-1], g["blocking"][0]
            prim = _hex(obj["address"])
            assert _hex(last["address"]) <= prim < _hex(last["address"]) + last["size"], \
                (where, role, path, obj)
            if obj["kind"] == "chan":
                assert last["offset"] == 0 and last["type"] == "chan int", (where, role, path)
            root = path[0]
            if how == "global":
                # globals []any: its backing array, then the primitive's object
                assert root["kind"] == "data" and root["symbol"] == "main.globals", \
                    (where, role, path)
                assert len(objs) == 2, (where, role, path)
            elif how == "heap":
                # registry (a static struct) -> map -> group -> node -> object
                assert root["kind"] == "data" and root["symbol"] != "main.globals", \
                    (where, role, path)
                assert len(objs) >= 4, (where, role, path)
            elif how == "stack":
                assert root["kind"] == "stack" and root["goroutine"] in holders, \
                    (where, role, path)
                assert root["function"] == "main.sleeper" and root["woken_by"] is None, \
                    (where, role, path)
            elif how == "finalizer":
                assert root["kind"] == "finalizer", (where, role, path)


def test_prove_why(go_version, spawn, tool, tmp_path):
    """--why: the first path from a root to each may-wake primitive."""
    fp = spawn(go_version, FIXTURE, args=[])
    info = fp.info
    doc = json.loads(harness.leak_dump_to_file(
        harness.live_target(fp.pid), tmp_path / "why.json", fmt="json",
        extra="--prove --why"))
    _check(info, doc, "live go%s --why" % go_version)
    _check_why(info, doc, "live go%s" % go_version)
    for g in doc["groups"]:
        assert ("why" in g) == (g["verdict"] == "may-wake"), g
    assert not any("why" in g for g in doc["goroutines"] if g["verdict"] != "may-wake")
    text = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "why.txt",
                                     fmt="text", extra="--prove --why")
    assert re.search(r"^    why: data main\.globals → \? 0x[0-9a-f]+ \+0x[0-9a-f]+ → "
                     r"chan int 0x[0-9a-f]+$", text, re.M), text[:3000]
    firsts = [l for l in text.splitlines() if re.match(r"^(LEAKED|\d)", l)]
    n_may = sum(1 for l in firsts if "may wake: what it waits on is reachable" in l)
    assert n_may and len(re.findall(r"^    why: ", text, re.M)) == n_may, text[:3000]
    by = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "whyb.txt",
                                   fmt="text", extra="--prove --why --group-by blocker")
    assert re.search(r"^1 × blocked on sync\.WaitGroup 0x[0-9a-f]+ .*\n    why: "
                     r"goroutine \d+ stack in main\.sleeper at 0x", by, re.M), by[:3000]
    assert not re.search(r"^LEAKED.*\n    why:", by, re.M)
    plain = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "plain.txt",
                                      fmt="text", extra="--prove")
    assert "why:" not in plain
    r = harness.run_gdb(harness.live_target(fp.pid), ["leak-dump --why"])
    assert "--why explains --prove" in r.output and "Traceback" not in r.output, r.describe()
    # From a core, the same paths.
    with harness.taken_core(fp.pid, fp.exe, tmp_path / "why.core") as target:
        doc = json.loads(harness.leak_dump_to_file(
            target, tmp_path / "core.json", fmt="json", extra="--prove --why"))
    _check_why(info, doc, "core go%s" % go_version)
    assert fp.alive() and fp.ping()
