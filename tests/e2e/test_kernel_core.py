"""A core written by the kernel (not gcore): it keeps only the ELF header
page of the executable's text, so pclntab and rodata must come from the
executable file.  The fixture crashes itself with GOTRACEBACK=crash after
writing its oracle; parked goroutines are unchanged by the crash.  Also run
on fully stripped builds (-ldflags='-s -w', with and without PIE), whose
runtime globals are found without symbols in what the kernel saved."""


import pytest

import godump
import harness


# Build variants run through a kernel core ("" is the default build).
VARIANTS = {
    "": dict(),
    "stripped": dict(ldflags="-s -w"),
    "stripped-pie": dict(ldflags="-s -w", flags=("-buildmode=pie",)),
}


@pytest.mark.skipif(not harness.kernel_writes_cores_here(),
                    reason="kernel core_pattern is not plain 'core'")
@pytest.mark.fixtures("parked")
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_kernel_core_matches_oracle(go_version, fixture_name, variant, builds, tool,
                                    tmp_path):
    exe = builds.exe(go_version, fixture_name, variant=variant, **VARIANTS[variant])
    fp, core = harness.kernel_core(exe, tmp_path / "crash",
                                   harness.FIXTURE_ARGS[fixture_name])
    try:
        ours = harness.leak_dump_to_file(harness.core_target(exe, core),
                                         tmp_path / "ours.txt")
    finally:
        core.unlink()
    oracle = godump.parse(fp.oracle_text)
    res = godump.compare(oracle, godump.parse(ours), skip=[fp.writer])
    assert res.ok, "kernel core go%s %s: dump differs from the runtime's:\n%s" % (
        go_version, variant or "default", res.report())
    assert res.compared > 20
