"""Bad memory never takes the dump down: a core whose structures were
damaged on purpose still dumps, the damaged goroutines carry a note, and
every other goroutine still matches the runtime's own dump."""

import json
import struct

import pytest

import godump
import harness


@pytest.mark.skipif(harness.which("nm") is None, reason="no nm")
@pytest.mark.fixtures("parked")
def test_damaged_core_dumps_with_notes(go_version, fixture_name, spawn, tool, tmp_path):
    fp = spawn(go_version, fixture_name)
    core = harness.gcore(fp.pid, tmp_path / "damaged.core")
    fp.stop()
    try:
        js = json.loads(harness.leak_dump_to_file(
            harness.core_target(fp.exe, core), tmp_path / "before.json", fmt="json"))
        oracle = godump.parse(fp.oracle_text)
        # The goroutine whose stack we trample: the plain channel receiver.
        victim = next(gid for gid, g in oracle.items()
                      if g.frames and g.frames[0].function.startswith("main.blockChanRecv"))
        vg = next(g for g in js["goroutines"] if g["id"] == victim)
        lo, hi = (int(x, 16) for x in vg["stack"])
        loads = harness.core_loads(core)
        allgs = harness.symbol(fp.exe, "runtime.allgs")
        with open(core, "r+b") as f:
            f.seek(harness.core_offset(loads, lo))
            f.write(b"\x41" * (hi - lo))
            f.seek(harness.core_offset(loads, allgs))
            arr, n = struct.unpack("<QQ", f.read(16))
            assert n > 10
            # allgs[n-1] now points at unmapped memory.
            f.seek(harness.core_offset(loads, arr + 8 * (n - 1)))
            lost, = struct.unpack("<Q", f.read(8))
            f.seek(harness.core_offset(loads, arr + 8 * (n - 1)))
            f.write(struct.pack("<Q", 0xdead0000))
        lost_id = next(g["id"] for g in js["goroutines"] if int(g["g"], 16) == lost) \
            if any(int(g["g"], 16) == lost for g in js["goroutines"]) else None

        target = harness.core_target(fp.exe, core)
        after = json.loads(harness.leak_dump_to_file(target, tmp_path / "after.json",
                                                     fmt="json"))
        ours_go = harness.leak_dump_to_file(target, tmp_path / "after.txt")
        text = harness.leak_dump_to_file(target, tmp_path / "after-text.txt", fmt="text")
    finally:
        core.unlink()

    assert after["totals"]["unreadable"] == 1
    assert "allgs entries unreadable (first at 0xdead0000)" in text
    vg2 = next(g for g in after["goroutines"] if g["id"] == victim)
    assert vg2["error"], vg2
    assert "[leakdump: " in ours_go
    skip = [fp.writer, victim] + ([lost_id] if lost_id is not None else [])
    res = godump.compare(oracle, godump.parse(ours_go), skip=skip)
    assert res.ok, res.report()
    assert res.compared > 20
