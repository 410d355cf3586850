"""Failures are one clean line starting with "leak-dump:", never a traceback."""

import re

import pytest

import harness


def _one_error(r, pattern=None):
    assert "Traceback" not in r.output, r.describe()
    assert "Python Exception" not in r.output, r.describe()
    errs = r.error_lines()
    assert len(errs) == 1, "expected exactly one leak-dump: line\n" + r.describe()
    assert len(errs[0]) > len("leak-dump: "), errs
    if pattern:
        assert re.search(pattern, errs[0], re.I), (pattern, errs[0])
    return errs[0]


@pytest.fixture
def sleeper(tmp_path):
    p = harness.start_process(["sleep", "300"], tmp_path / "sleep.log")
    yield p
    harness.stop_process(p)


@pytest.mark.parametrize("cmd", ["leak-dump", "leak-dump --format go --output {out}",
                                 "go-goroutines", "go-bt 1"])
def test_not_a_go_process(sleeper, tool, tmp_path, cmd):
    r = harness.run_gdb(harness.live_target(sleeper.pid),
                        [cmd.format(out=tmp_path / "out.txt")])
    _one_error(r)
    assert sleeper.poll() is None, "sleep died"


@pytest.mark.fixtures("parked")
def test_core_with_wrong_executable(go_version, fixture_name, cores, builds, tool, tmp_path):
    _, core, _ = cores.get(go_version, "parked")
    other = builds.exe(go_version, "many")
    r = harness.run_gdb(harness.core_target(other, core),
                        ["leak-dump --format go --output %s" % (tmp_path / "out.txt")])
    _one_error(r, r"build.?id|mismatch|does not match|doesn't match")


@pytest.mark.fixtures("parked")
@pytest.mark.parametrize("cmd,pattern", [
    ("go-bt 999999", r"999999|not found|no goroutine"),
    ("leak-dump --format xml", r"format|xml"),
])
def test_bad_arguments(go_version, fixture_name, spawn, tool, cmd, pattern):
    fp = spawn(go_version, fixture_name)
    r = harness.run_gdb(harness.live_target(fp.pid), [cmd])
    _one_error(r, pattern)
    assert fp.ping()
