"""The examples built on the Python API, run as a user runs them.

examples/triage_cores.py on a folder with two shared cores (their
executables found by two of its naming rules) and a broken one: each row
must say what the json report of that core says (Go version, goroutines,
biggest group, leaked count with --prove) and the runtime's own dump
(how many goroutines); the broken core is a row with its error.

examples/ci_leak_check.py on the test binary of examples/ci-leak-demo:
the test that leaks (5 calls x 3 losers blocked sending) fails the run
and lists exactly those goroutines, the fixed one passes, a hanging one
fails at the timeout and shows where it hangs.
"""

import json
import subprocess
import sys

import pytest

import godump
import harness
from test_api import API_VERSIONS

sys.path.insert(0, str(harness.REPO))

import leakdump  # noqa: E402

PY = "/usr/bin/python3"
EXAMPLES = harness.REPO / "examples"


def _run(argv, timeout=300):
    return subprocess.run([PY, *map(str, argv)], capture_output=True,
                          text=True, timeout=timeout)


def test_triage_cores(cores, tool, tmp_path):
    v = API_VERSIONS[-1]
    exe1, core1, fp1 = cores.get(v, "many")
    exe2, core2, fp2 = cores.get(v, "blocking")
    folder = tmp_path / "cores"
    folder.mkdir()
    (folder / "many.core").symlink_to(core1)     # rule: NAME.core -> NAME
    (folder / "many").symlink_to(exe1)
    (folder / "core.blocking").symlink_to(core2)  # rule: the core's NT_FILE
    (folder / "README").write_text("not a core\n")
    with open(core1, "rb") as f:
        (folder / "broken.core").write_bytes(f.read(4096))
    out = tmp_path / "rows.json"
    r = _run([EXAMPLES / "triage_cores.py", "--prove", "--json", out, folder])
    assert r.returncode == 0, r.stderr
    rows = {row["core"].rsplit("/", 1)[1]: row
            for row in json.loads(out.read_text())}
    assert sorted(rows) == ["broken.core", "core.blocking", "many.core"]
    assert rows["broken.core"]["error"]
    for name, exe, core, fp in (("many.core", exe1, core1, fp1),
                                ("core.blocking", exe2, core2, fp2)):
        row = rows[name]
        assert row["error"] is None, row
        assert row["executable"] and \
            harness.Path(row["executable"]).resolve() == exe.resolve()
        with leakdump.open_core(exe, core) as s:
            doc = json.loads(s.report(format="json", prove=True))
        assert row["go_version"] == doc["target"]["go_version"]
        assert row["goroutines"] == doc["totals"]["goroutines"] == \
            len(godump.parse(fp.oracle_text))
        big = max(doc["groups"], key=lambda g: (g["count"], -g["id"]))
        assert (row["biggest"]["count"], row["biggest"]["state"]) == \
            (big["count"], big["state"])
        assert row["biggest"]["frames"] == big["frames"]
        assert row["leaked"] == doc["prove"]["verdicts"]["leaked"]
    # The table: a header and one line per core, errors included.
    t = _run([EXAMPLES / "triage_cores.py", "--exe", exe1, folder])
    lines = t.stdout.splitlines()
    assert lines[0].split()[:3] == ["core", "go", "goroutines"], t.stdout
    assert len(lines) == 4, t.stdout
    many = next(ln for ln in lines if ln.startswith("many.core"))
    assert many.split()[2] == str(rows["many.core"]["goroutines"])
    assert "error" in next(ln for ln in lines if ln.startswith("broken.core"))


@pytest.fixture(scope="module")
def demo_test(builds, tmp_path_factory):
    """examples/ci-leak-demo built with `go test -c`."""
    v = API_VERSIONS[-1]
    out = tmp_path_factory.mktemp("ci") / "demo.test"
    r = subprocess.run([str(harness.go_binary(v)), "test", "-c", "-o", str(out), "."],
                       cwd=EXAMPLES / "ci-leak-demo", env=harness._go_env(),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def _check(demo, tmp_path, test, *opts):
    res = tmp_path / "res.json"
    r = _run([EXAMPLES / "ci_leak_check.py", "--json", res, *opts, "--",
              demo, "-test.run", test, "-test.v"])
    return r, (json.loads(res.read_text()) if res.exists() else None)


def test_ci_leak_check_fails_a_leak(demo_test, tool, tmp_path):
    r, res = _check(demo_test, tmp_path, "^TestFirstOf$")
    assert r.returncode == 1, r.stderr
    assert "--- PASS: TestFirstOf" in r.stdout    # the tests' own output
    assert "15 goroutines leaked (proven) in 1 group" in r.stderr, r.stderr
    (leak,) = res["leaks"]
    assert (leak["count"], leak["state"], leak["verdict"]) == (15, "chan send", "leaked")
    assert leak["function"] == "cileakdemo.FirstOf.func1"
    assert leak["created_by"]["function"] == "cileakdemo.FirstOf"
    assert res["exit_code"] == 0 and res["stopped"] == "exit"
    # --any sees them too; --ignore leaves them out.
    r, res = _check(demo_test, tmp_path, "^TestFirstOf$", "--any")
    assert r.returncode == 1 and sum(g["count"] for g in res["leaks"]) == 15
    r, res = _check(demo_test, tmp_path, "^TestFirstOf$", "--any",
                    "--ignore", "FirstOf.func1")
    assert r.returncode == 0 and res["leaks"] == [], r.stderr


def test_ci_leak_check_passes_without_leak(demo_test, tool, tmp_path):
    r, res = _check(demo_test, tmp_path, "^TestFirstOfFixed$")
    assert r.returncode == 0, r.stderr
    assert "--- PASS: TestFirstOfFixed" in r.stdout
    assert res["leaks"] == [] and res["stopped"] == "exit"
    assert res["goroutines"] == 1     # main, in os.Exit
    r, res = _check(demo_test, tmp_path, "^TestFirstOfFixed$", "--any")
    assert r.returncode == 0 and res["leaks"] == [], r.stderr


def test_ci_leak_check_timeout(demo_test, tool, tmp_path):
    r, res = _check(demo_test, tmp_path, "^TestHangs$", "--timeout", "3")
    assert r.returncode == 1, r.stderr
    assert res["stopped"] == "timeout"
    assert "still running after 3" in r.stderr
    hang = [g for g in res["pending"] if any("TestHangs" in f for f in g["frames"])]
    assert hang and hang[0]["state"] == "sleep", res["pending"]
