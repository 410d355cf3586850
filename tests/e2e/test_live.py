"""leak-dump --format go on a live process and on its core vs the oracle."""

import pytest

import godump
import harness


def _check(oracle_text, writer, ours_text, where):
    oracle = godump.parse(oracle_text)
    try:
        ours = godump.parse(ours_text)
    except godump.DumpError as e:
        pytest.fail("%s: our dump does not parse: %s\n%s" % (where, e, ours_text[:3000]))
    res = godump.compare(oracle, ours, skip=[writer])
    assert res.ok, "%s: our dump differs from the runtime's:\n%s" % (where, res.report())
    assert writer in ours, "%s: the oracle writer %d is missing" % (where, writer)
    assert res.compared > 0


def test_live_matches_oracle(go_version, fixture_name, spawn, tool, tmp_path):
    fp = spawn(go_version, fixture_name)
    out = tmp_path / "ours.txt"
    ours = harness.leak_dump_to_file(harness.live_target(fp.pid), out)
    _check(fp.oracle_text, fp.writer, ours, "live go%s %s" % (go_version, fixture_name))


def test_core_matches_oracle(go_version, fixture_name, cores, tool, tmp_path):
    exe, core, fp = cores.get(go_version, fixture_name)
    out = tmp_path / "ours.txt"
    ours = harness.leak_dump_to_file(harness.core_target(exe, core), out)
    _check(fp.oracle_text, fp.writer, ours, "core go%s %s" % (go_version, fixture_name))


def test_live_dump_leaves_process_unharmed(go_version, fixture_name, spawn, tool, tmp_path):
    fp = spawn(go_version, fixture_name)
    before = fp.ping()
    first = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "1.txt")
    # Detached: not traced, not stopped, still answering, same goroutines.
    st = fp.proc_status()
    assert st["TracerPid"] == "0", st
    assert not st["State"].startswith(("T", "t", "Z")), st
    assert fp.ping() == before
    if fixture_name == "parked":
        assert fp.connect() == b"hello from parked\n"
    else:
        # A second dump of the untouched process is the same.
        second = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "2.txt")
        assert second == first
    assert fp.alive()
