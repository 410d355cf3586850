"""A goroutine running on a CPU is unwound from its thread's registers (the
runtime's own dump says "stack unavailable" for it), live and from a core."""

import json
import re

import harness

SPIN_SRC = harness.FIXTURES / "running" / "main.go"


def _spin_line() -> int:
    for n, line in enumerate(SPIN_SRC.read_text().splitlines(), 1):
        if "// spinLine" in line:
            return n
    raise AssertionError("spinLine marker missing")


def _check_spinner(text: str, goid: int, where: str) -> None:
    m = re.search(r"^goroutine %d \[running\]:\n(.*?)(?:\n\n|\Z)" % goid, text,
                  re.S | re.M)
    assert m, "%s: spinner goroutine %d not printed as running:\n%s" % (where, goid, text)
    block = m.group(1)
    assert "stack unavailable" not in block, block
    lines = block.splitlines()
    # Stopped inside the loop body's atomic add: the traceback shows that
    # inlined call first (sync/atomic.(*Int64).Add(...), its type.go line),
    # as the runtime's own traceback would, then main.spin.
    if lines[0] == "sync/atomic.(*Int64).Add(...)":
        assert harness_file_line(lines[1])[0].endswith("/sync/atomic/type.go"), block
        lines = lines[2:]
    assert lines[0].startswith("main.spin("), "%s: top frame is not main.spin:\n%s" % (where, block)
    # The thread stopped somewhere in the loop: its header or its body.
    file, line = harness_file_line(lines[1])
    assert file == str(SPIN_SRC) and line in (_spin_line() - 1, _spin_line()), \
        "%s: %r" % (where, lines[1])
    assert any(l.startswith("created by main.main in goroutine 1") for l in lines), block


def harness_file_line(line: str):
    m = re.match(r"^\t(.*):(\d+)(?: \+0x[0-9a-f]+)?$", line)
    assert m, line
    return m.group(1), int(m.group(2))


def test_running_goroutine_from_registers(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, "running", args=[])
    goid = int((fp.outdir / "spinner").read_text())
    live = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "live.txt")
    _check_spinner(live, goid, "live go%s" % go_version)
    core = harness.gcore(fp.pid, tmp_path / "running.core")
    try:
        ours = harness.leak_dump_to_file(harness.core_target(fp.exe, core),
                                         tmp_path / "core.txt")
        _check_spinner(ours, goid, "core go%s" % go_version)
        js = harness.leak_dump_to_file(harness.core_target(fp.exe, core),
                                       tmp_path / "core.json", fmt="json")
    finally:
        core.unlink()
    doc = json.loads(js)
    g = [x for x in doc["goroutines"] if x["id"] == goid]
    assert g and g[0]["status"] == "running" and g[0]["thread"], g
