"""Damaged targets, built the way the damage was found: a real core of a
fixture with some bytes changed (and put back after each case), or a kernel
core cut short.  One bad structure costs one goroutine, never the dump;
a wrong clock moves no one else's wait minutes; an empty goroutine list is
an error, not a clean empty dump; a truncated heap downgrades --prove to
"suspected" instead of failing it.

Run on the oldest and the newest supported release only (the damage is
release-independent; each case costs a core)."""

import contextlib
import json
import os
import struct

import pytest

import godump
import harness

EDGES = sorted({harness.go_versions()[0], harness.go_versions()[-1]})


def _edge_only(go_version):
    if go_version not in EDGES:
        pytest.skip("damage cases run on the oldest and newest release only")


@contextlib.contextmanager
def patched(core, edits):
    """Write edits [(vaddr, bytes)] into core; put the old bytes back on
    leaving, so one core serves every case."""
    loads = harness.core_loads(core)
    saved = []
    with open(core, "r+b") as f:
        try:
            for addr, data in edits:
                off = harness.core_offset(loads, addr)
                f.seek(off)
                saved.append((off, f.read(len(data))))
                f.seek(off)
                f.write(data)
            f.flush()
            yield
        finally:
            for off, old in reversed(saved):
                f.seek(off)
                f.write(old)


def _g_fields(exe):
    return harness.struct_layout(exe, "runtime.g")[0]


class Damage:
    """One fixture process's core, its oracle and its JSON before damage."""

    def __init__(self, fp, exe, core, tmp):
        self.fp, self.exe, self.core, self.tmp = fp, exe, core, tmp
        self.oracle = godump.parse(fp.oracle_text)
        self.before = self.json()
        self.g_of = {g["id"]: int(g["g"], 16) for g in self.before["goroutines"]}

    def target(self):
        return harness.core_target(self.exe, self.core)

    def run(self, *commands):
        return harness.run_gdb(self.target(), list(commands))

    def json(self, extra=""):
        return json.loads(harness.leak_dump_to_file(self.target(), self.tmp / "d.json",
                                                    fmt="json", extra=extra))

    def go(self):
        return godump.parse(harness.leak_dump_to_file(self.target(), self.tmp / "d.txt"),
                            strict=False)

    def victims(self, n):
        """n parked user goroutines (not goroutine 1), in id order."""
        ids = sorted(gid for gid, g in self.oracle.items()
                     if gid != 1 and g.parked and g.user_function())
        assert len(ids) >= n
        return ids[:n]


@pytest.fixture
def damage(request, go_version, builds, spawn, tool, tmp_path):
    """Damage(core of the parked fixture); the variant comes from the
    test's 'variant' parameter ("" or "stripped")."""
    _edge_only(go_version)
    variant = getattr(request, "param", "")
    kw = dict(variant=variant, ldflags="-s -w") if variant else {}
    exe = builds.exe(go_version, "parked", **kw)
    fp = spawn(go_version, "parked", exe=exe)
    core = harness.gcore(fp.pid, tmp_path / "hostile.core")
    fp.stop()
    try:
        yield Damage(fp, exe, core, tmp_path)
    finally:
        core.unlink()


def _others_unchanged(d, skip):
    res = godump.compare(d.oracle, d.go(), skip=[d.fp.writer] + list(skip))
    assert res.ok, res.report()
    assert res.compared >= len(d.oracle) - len(skip) - 3
    return res


# g field edits that once made a stripped dump fail as a whole.
BAD_G = {
    "stack_inverted": lambda lo, hi: (lo, lo - 0x1000),
    "stack_over_4gib": lambda lo, hi: (lo, lo + (8 << 30)),
}


@pytest.mark.parametrize("damage", ["stripped"], indirect=True)
@pytest.mark.parametrize("how", sorted(BAD_G) + ["status_out_of_range"])
def test_one_bad_g_costs_one_goroutine_stripped(damage, how, builds, go_version):
    d = damage
    victim, = d.victims(1)
    g = d.g_of[victim]
    if how == "status_out_of_range":
        # The stripped build has the same layout as the one with symbols.
        off = _g_fields(builds.exe(go_version, "parked"))["atomicstatus"]
        edits = [(g + off, struct.pack("<I", 0x7f))]
    else:
        lo, hi = (int(x, 16) for x in next(
            x["stack"] for x in d.before["goroutines"] if x["id"] == victim))
        edits = [(g, struct.pack("<QQ", *BAD_G[how](lo, hi)))]
    with patched(d.core, edits):
        _others_unchanged(d, [victim])
        r = d.run("leak-dump")
        assert r.returncode == 0 and not r.error_lines(), r.describe()


def _wait_minutes(dump, gid):
    return dump[gid].wait_minutes


def test_future_waitsince_moves_no_one_else(damage, go_version):
    """Two goroutines stamped by one (pretend) GC long ago, then a third
    stamped an hour past any clock: the first two keep their minutes."""
    d = damage
    a, b, c = d.victims(3)
    off = _g_fields(d.exe)["waitsince"]
    with open("/proc/uptime") as f:
        uptime_ns = int(float(f.read().split()[0]) * 1e9)
    long_ago = struct.pack("<q", 1)
    ahead = struct.pack("<q", uptime_ns + 3600 * 10**9)
    base = [(d.g_of[a] + off, long_ago), (d.g_of[b] + off, long_ago)]
    with patched(d.core, base):
        before = d.go()
    with patched(d.core, base + [(d.g_of[c] + off, ahead)]):
        after = d.go()
        doc = d.json()
        text = d.run("leak-dump").output
    minutes = _wait_minutes(before, a)
    assert minutes > 0, before[a].header
    assert _wait_minutes(after, a) == minutes and _wait_minutes(after, b) == minutes, \
        (before[a].header, after[a].header)
    assert _wait_minutes(after, c) == 0, after[c].header
    assert doc["target"]["now_outliers"] == 1, doc["target"]
    assert doc["target"]["now_source"], doc["target"]
    assert "1 implausible wait timestamps ignored" in text, text[:2000]
    # Every goroutine not stamped by hand is as the runtime printed it.
    res = godump.compare(d.oracle, after, skip=[d.fp.writer, a, b, c])
    assert res.ok, res.report()


def test_allglen_zero_still_lists_everyone(damage):
    d = damage
    allglen = harness.symbol(d.exe, "runtime.allglen")
    with patched(d.core, [(allglen, struct.pack("<Q", 0))]):
        _others_unchanged(d, [])
        doc = d.json()
        n = len(doc["goroutines"])
        assert n == len(d.before["goroutines"])
        assert any("allglen is 0 but runtime.allgs holds" in w
                   for w in doc["target"]["warnings"]), doc["target"]


def test_empty_allgs_is_an_error_not_an_empty_dump(damage):
    d = damage
    allglen = harness.symbol(d.exe, "runtime.allglen")
    allgs = harness.symbol(d.exe, "runtime.allgs")
    with patched(d.core, [(allglen, struct.pack("<Q", 0)),
                          (allgs + 8, struct.pack("<Q", 0))]):
        for cmd in ("leak-dump", "leak-dump --format json", "leak-dump --prove"):
            r = d.run(cmd)
            errors = r.error_lines()
            assert len(errors) == 1 and "no goroutines" in errors[0], r.describe()
            assert '"proven": true' not in r.output and "proven" not in r.output


@pytest.mark.skipif(not harness.kernel_writes_cores_here(),
                    reason="kernel core_pattern is not plain 'core'")
def test_truncated_core_downgrades_prove(go_version, builds, tool, tmp_path):
    """A kernel core cut short in the middle of the Go heap (a disk quota,
    a size limit): the notes survive, the heap's metadata and the rest do
    not.  The dump still runs, per goroutine; --prove runs and says
    suspected with the gaps named.  Cut before the goroutine list itself,
    no goroutine can be listed: one clear error per command."""
    _edge_only(go_version)
    exe = builds.exe(go_version, "parked")
    fp, core = harness.kernel_core(exe, tmp_path / "crash",
                                   harness.FIXTURE_ARGS["parked"])
    loads = harness.core_loads(core)
    heaps = [l for l in loads if l.filesz >= (4 << 20) and l.vaddr >= 0xc000000000
             or l.filesz >= (4 << 20) and 0x100000000000 <= l.vaddr < 0x700000000000]
    # Mid-heap, but past allgs, wherever the heap put it (one CI run found
    # it past the middle of the first heap segment).
    with open(core, "rb") as f:
        f.seek(harness.core_offset(loads, harness.symbol(exe, "runtime.allgs")))
        allgs, allglen = struct.unpack("<QQ", f.read(16))
    allgs_at = harness.core_offset(loads, allgs)
    kept = (allgs_at + 8 * allglen + 4095) & ~4095
    cut = next(c for c in (max(l.offset + l.filesz // 2, kept) for l in heaps)
               if any(l.offset < c < l.offset + l.filesz for l in heaps))
    os.truncate(core, cut)
    target = harness.core_target(exe, core)
    try:
        r = harness.run_gdb(target, ["leak-dump --prove --format json --output %s"
                                     % (tmp_path / "p.json"), "leak-dump --prove"])
        assert not r.error_lines(), r.describe()
        doc = json.loads((tmp_path / "p.json").read_text())
        os.truncate(core, allgs_at)
        lost = harness.run_gdb(target, ["leak-dump", "leak-dump --prove"])
        errors = lost.error_lines()
        assert len(errors) == 2 and all(
            "allgs" in e and "truncated" in e for e in errors), lost.describe()
    finally:
        core.unlink()
    pv = doc["prove"]
    assert pv["proven"] is False, pv
    assert pv["gaps"], pv
    assert "suspected" in r.output, r.output[-3000:]
    assert doc["goroutines"], "a truncated core still lists what it holds"
