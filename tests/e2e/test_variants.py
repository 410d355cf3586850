"""Build variants production uses: no DWARF (-ldflags=-w: layouts come from
leakdump's per-release tables), PIE (a load bias, live and in cores), and
fully stripped (-ldflags='-s -w': no symbol table either, so the runtime's
globals are found by ext/go/discover_*.c), with and without PIE.  The
runtime's own dump is the oracle, as for the default build."""

import pytest

import godump
import harness

VARIANTS = {
    "nodwarf": dict(ldflags="-w"),
    "pie": dict(flags=("-buildmode=pie",)),
    "stripped": dict(ldflags="-s -w"),
    "stripped-pie": dict(ldflags="-s -w", flags=("-buildmode=pie",)),
}


def _check(fp, ours, where):
    res = godump.compare(godump.parse(fp.oracle_text), godump.parse(ours),
                         skip=[fp.writer])
    assert res.ok, "%s: our dump differs from the runtime's:\n%s" % (where, res.report())
    assert res.compared > 20


@pytest.mark.fixtures("parked")
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_matches_oracle(go_version, fixture_name, variant, spawn, builds,
                                tool, tmp_path):
    exe = builds.exe(go_version, fixture_name, variant=variant, **VARIANTS[variant])
    fp = spawn(go_version, fixture_name, exe=exe)
    where = "go%s %s" % (go_version, variant)
    live = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "live.txt")
    _check(fp, live, "live " + where)
    core = harness.gcore(fp.pid, tmp_path / "v.core")
    try:
        ours = harness.leak_dump_to_file(harness.core_target(exe, core),
                                         tmp_path / "core.txt")
    finally:
        core.unlink()
    _check(fp, ours, "core " + where)
