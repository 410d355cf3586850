"""The read-only promise, checked: in one GDB session attached to a live
fixture, every writable mapping and every thread's registers are
checksummed before and after the leakdump commands (every format,
--prove, --why, the object commands); the target never runs in between,
so any difference is a write of ours.  After GDB detaches, the fixture
still answers and has all its goroutines."""

import re
from pathlib import Path

import harness

HELPER = Path(__file__).with_name("readonly_check.py")


def test_dumps_leave_the_target_unchanged(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, "blocking", args=[])
    obj = fp.info["objects"]
    out = tmp_path / "out"
    commands = ["source %s" % HELPER, "ld-checksum before",
                "leak-dump --output %s.txt" % out,
                "leak-dump --format go --output %s.go" % out,
                "leak-dump --format json --output %s.json" % out,
                "leak-dump --group-by blocker --output %s.blk" % out,
                "leak-dump --prove --why --format json --output %s.prove" % out,
                "go-goroutines --all",
                "go-bt 1",
                "go-chan %s" % obj["full"],
                "go-mutex %s" % obj["mu"],
                "ld-checksum after"]
    r = harness.run_gdb(harness.live_target(fp.pid), commands)
    sums = dict((m.group(1), m.group(2, 3, 4)) for m in re.finditer(
        r"^ld-checksum (\w+) (\w+) (\w+) (\d+)$", r.output, re.M))
    assert set(sums) == {"before", "after"}, r.describe()
    assert not [e for e in r.error_lines() if e.startswith("leak-dump")], r.describe()
    for suffix in ("txt", "go", "json", "blk", "prove"):
        assert Path("%s.%s" % (out, suffix)).stat().st_size > 0
    before, after = sums["before"], sums["after"]
    assert before[0] == after[0], "writable memory changed across the dumps"
    assert before[1] == after[1], "registers changed across the dumps"
    assert before[2] == after[2], "thread count changed"
    # Detached, the fixture runs on unharmed.
    assert fp.ping().strip() == "goroutines=%d" % fp.info["goroutines"], \
        "fixture unhealthy after detach"
