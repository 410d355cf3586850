"""leakdump without a debugger: `python3 -m leakdump core|pid ...`.

The same bytes as the GDB commands on the same core; a live process
against the runtime's own dump; a process left exactly as it was (its
writable memory, each thread's registers and state checksummed before and
after); the exit codes; `pip install .` gives a working `leakdump`.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

import godump
import harness

PY = "/usr/bin/python3"


class Run:
    def __init__(self, argv, p):
        self.argv, self.returncode = argv, p.returncode
        self.stdout, self.stderr = p.stdout, p.stderr.decode(errors="replace")

    def describe(self):
        return "$ %s\nexit %s\n--- stdout\n%s\n--- stderr\n%s" % (
            " ".join(map(str, self.argv)), self.returncode,
            self.stdout[-3000:].decode(errors="replace"), self.stderr[-3000:])


def leakdump(*args, argv0=None, env=None, cwd=None, timeout=harness.GDB_TIMEOUT):
    """Run the command line; stdout as bytes (what a user's file gets)."""
    argv = list(argv0 or [PY, "-m", "leakdump"]) + [str(a) for a in args]
    p = subprocess.run(argv, cwd=cwd or harness.CLI_HOME, env=harness.cli_env(env),
                       stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout)
    return Run(argv, p)


def ok(r):
    assert r.returncode == 0 and not r.stderr, r.describe()
    return r.stdout


def one_error(r, pattern):
    """Exit 2 and exactly one stderr line, "leak-dump: ..."."""
    assert r.returncode == 2, r.describe()
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("leak-dump: "), r.describe()
    assert re.search(pattern, lines[0], re.I), (pattern, lines[0])
    assert not r.stdout, r.describe()


# ---------------------------------------------------------------------------
# the same bytes as GDB on the same core

def _gdb_outputs(target, tmp_path, cmds):
    """Each command's output as GDB's leak-dump writes it (--output for
    leak-dump; the others through GDB's own logging to a file)."""
    gcmds, files = [], []
    for i, cmd in enumerate(cmds):
        out = tmp_path / ("gdb-%d.out" % i)
        files.append(out)
        if cmd.startswith("leak-dump"):
            gcmds.append("%s --output %s" % (cmd, out))
        else:
            gcmds += ["set logging file %s" % out, "set logging overwrite on",
                      "set logging redirect on", "set logging enabled on", cmd,
                      "set logging enabled off"]
    r = harness.run_gdb(target, gcmds)
    assert not r.error_lines() and "Traceback" not in r.output, r.describe()
    return [f.read_bytes() for f in files]


COMMANDS = ["leak-dump", "leak-dump --format go", "leak-dump --format json",
            "leak-dump --group-by blocker", "go-goroutines --all"]


def _same_as_gdb(exe, core, tmp_path, extra=()):
    cmds = COMMANDS + list(extra)
    gdb = _gdb_outputs(harness.core_target(exe, core), tmp_path, cmds)
    for cmd, want in zip(cmds, gdb):
        got = ok(leakdump("core", exe, core, *cmd.split()))
        assert want, "GDB's %s wrote nothing" % cmd
        # json: nothing differs (the executable is the same path, the
        # target kind "core" in both), so it too is compared byte for byte.
        assert got == want, "%s differs from GDB's on %s:\n--- gdb\n%s\n--- cli\n%s" % (
            cmd, core, want[:2000].decode(errors="replace"),
            got[:2000].decode(errors="replace"))
    return gdb


@pytest.mark.fixtures("parked")
def test_core_same_bytes_as_gdb(go_version, fixture_name, cores, tool, tmp_path):
    exe, core, fp = cores.get(go_version, fixture_name)
    text = ok(leakdump("core", exe, core)).decode()
    # One goroutine's stack and one channel, by what the dump names.
    goid = godump.parse(fp.oracle_text)
    gid = sorted(g for g in goid if g != fp.writer)[0]
    chan = re.search(r"\bchan \S+ (0x[0-9a-f]+)", text)
    assert chan, text[:3000]
    _same_as_gdb(exe, core, tmp_path, ["go-bt %d" % gid, "go-chan %s" % chan.group(1)])
    # --output writes the same bytes as stdout.
    out = tmp_path / "cli.txt"
    assert ok(leakdump("core", exe, core, "--format", "go", "--output", out)) == b""
    assert out.read_bytes() == ok(leakdump("core", exe, core, "--format", "go"))


def test_core_same_bytes_as_gdb_stripped(go_version, spawn, builds, tool, tmp_path):
    exe = builds.exe(go_version, "parked", variant="stripped", ldflags="-s -w")
    fp = spawn(go_version, "parked", exe=exe)
    with harness.taken_core(fp.pid, exe, tmp_path / "s.core") as target:
        _same_as_gdb(exe, target[1], tmp_path)


# ---------------------------------------------------------------------------
# a live process

def test_pid_matches_oracle(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, "parked")
    ours = ok(leakdump("pid", fp.pid, "--format", "go")).decode()
    oracle = godump.parse(fp.oracle_text)
    res = godump.compare(oracle, godump.parse(ours), skip=[fp.writer])
    assert res.ok, "leakdump pid differs from the runtime's dump:\n" + res.report()
    assert fp.writer in godump.parse(ours) and res.compared > 0
    st = fp.proc_status()
    assert st["TracerPid"] == "0" and not st["State"].startswith(("T", "t")), st
    assert fp.connect() == b"hello from parked\n"


# What legitimately differs between two dumps of one live process a moment
# apart: how long until a timer fires, and what the dump cost (a pause for
# the command line, the time on the target for GDB).
def _mask_timers(data):
    data = re.sub(rb"fires in [\d.]+ s", b"fires in N s", data)
    data = re.sub(rb"(?m)^  cost: .*\n", b"  cost: N\n", data)
    data = re.sub(rb'"cost":\{[^}]*\},', b'"cost":N,', data)
    data = re.sub(rb'"taken_at":"[^"]*","monotonic_ns":\d+', b'"taken_at":T', data)
    return re.sub(rb'"fires_in_ns":-?\d+', b'"fires_in_ns":N', data)


def test_pid_same_as_gdb(go_version, spawn, tool, tmp_path):
    """The same dump as GDB attached to the same process: byte for byte in
    the runtime's format; text and json up to the timers' time left."""
    fp = spawn(go_version, "parked")
    cmds = ["leak-dump --format go", "leak-dump", "leak-dump --format json"]
    gdb = _gdb_outputs(harness.live_target(fp.pid), tmp_path, cmds)
    for cmd, want in zip(cmds, gdb):
        got = ok(leakdump("pid", fp.pid, *cmd.split()[1:]))
        if "json" in cmd or cmd == "leak-dump":
            got, want = _mask_timers(got), _mask_timers(want)
        assert got == want, "%s differs from GDB's:\n--- gdb\n%s\n--- cli\n%s" % (
            cmd, want[:2000].decode(errors="replace"), got[:2000].decode(errors="replace"))
    assert b"fires in" in gdb[1]


_COST = re.compile(rb"^  cost: (process paused|target read) ([\d.]+) s \((.*?)\) "
                   rb"\xc2\xb7 ([\d.]+) s in all, output aside "
                   rb"\xc2\xb7 read ([\d.]+) ([kMG]?B) in ([\d,]+) transfers?$", re.M)
_UNIT = {b"B": 1, b"kB": 1e3, b"MB": 1e6, b"GB": 1e9}


def _read_figures(m, doc):
    """The bytes and transfers a cost line says were read; they must cover
    at least every goroutine's g struct (over 300 bytes on every release)
    when the dump opened its session."""
    gs = doc["totals"]["goroutines"] + doc["totals"]["hidden"]
    nbytes = float(m.group(5)) * _UNIT[m.group(6)]
    reads = int(m.group(7).replace(b",", b""))
    assert reads >= 1 and nbytes >= 300 * gs, (m.group(0), gs)
    return nbytes, reads


def test_pid_reports_pause(go_version, spawn, tool, tmp_path, cores):
    """The pause is in the header and the json: the command line knows
    it exactly (stop to resume), GDB says how long the dump read the
    target it holds; a core has no pause and no cost line."""
    fp = spawn(go_version, "blocking", args=[])
    t0 = time.monotonic()
    text = ok(leakdump("pid", fp.pid))
    wall = time.monotonic() - t0
    m = _COST.search(text)
    assert m and m.group(1) == b"process paused" and m.group(3) == b"stop to resume", text[:600]
    pause, total = float(m.group(2)), float(m.group(4))
    assert 0 < pause <= total < wall, (pause, total, wall)
    doc = json.loads(ok(leakdump("pid", fp.pid, "--format", "json")))
    assert set(doc["cost"]) == {"pause_s", "total_s", "reads", "read_bytes"}, doc["cost"]
    assert 0 < doc["cost"]["pause_s"] <= doc["cost"]["total_s"] < wall
    # Two dumps of the same parked fixture: the same reads, within rounding.
    nbytes, reads = _read_figures(m, doc)
    assert 0.9 * doc["cost"]["read_bytes"] <= nbytes <= 1.1 * doc["cost"]["read_bytes"], doc
    assert 0.9 * doc["cost"]["reads"] <= reads <= 1.1 * doc["cost"]["reads"], doc
    st = fp.proc_status()
    assert st["TracerPid"] == "0" and not st["State"].startswith(("T", "t")), st
    assert fp.ping()
    gdb = _gdb_outputs(harness.live_target(fp.pid), tmp_path,
                       ["leak-dump", "leak-dump --format json"])
    m = _COST.search(gdb[0])
    assert m and m.group(1) == b"target read" and b"debugger holds" in m.group(3), gdb[0][:600]
    gdoc = json.loads(gdb[1])
    assert set(gdoc["cost"]) == {"target_s", "total_s", "reads", "read_bytes"}
    # The second command of the stop reuses the session the first read.
    nbytes, reads = _read_figures(m, gdoc)
    assert gdoc["cost"]["read_bytes"] < nbytes and gdoc["cost"]["reads"] < reads, gdoc
    exe, core, _ = cores.get(go_version, "parked")
    assert b"cost:" not in ok(leakdump("core", exe, core))
    assert "cost" not in json.loads(ok(leakdump("core", exe, core, "--format", "json")))


def _threads(pid):
    return sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))


def _thread_state(pid, tid):
    with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def _snapshot(pid):
    """Every writable mapping's bytes (hashed), and per thread its state
    and /proc/.../syscall (system call, arguments, sp and pc)."""
    maps = []
    with open("/proc/%d/maps" % pid) as f, open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in f:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if fields[1][1] != "w":
                continue
            h = hashlib.sha256()
            pos = lo
            while pos < hi:
                n = min(hi - pos, 1 << 20)
                mem.seek(pos)
                try:
                    h.update(mem.read(n))
                except OSError as exc:     # an unbacked page: note it
                    h.update(b"unreadable %d" % exc.errno)
                pos += n
            maps.append((fields[0], fields[1], h.hexdigest()))
    threads = {}
    for tid in _threads(pid):
        with open("/proc/%d/task/%d/syscall" % (pid, tid)) as f:
            threads[tid] = (_thread_state(pid, tid), f.read())
    return maps, threads


def _wait_all_stopped(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while not all(_thread_state(pid, t) == "T" for t in _threads(pid)):
        assert time.monotonic() < deadline, "SIGSTOP did not stop every thread"
        time.sleep(0.02)


def test_pid_leaves_stopped_process_unchanged(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, "parked")
    before_pong = fp.ping()
    os.kill(fp.pid, signal.SIGSTOP)
    try:
        _wait_all_stopped(fp.pid)
        before = _snapshot(fp.pid)
        assert len(before[0]) > 3 and before[1]
        out = ok(leakdump("pid", fp.pid, "--format", "go")).decode()
        assert "goroutine %d " % fp.writer in out
        after = _snapshot(fp.pid)
        assert after[1] == before[1], "threads' state or registers changed"
        assert after[0] == before[0], "writable memory changed"
        st = fp.proc_status()
        assert st["TracerPid"] == "0" and st["State"].startswith("T"), st
    finally:
        os.kill(fp.pid, signal.SIGCONT)
    assert fp.ping() == before_pong
    assert fp.connect() == b"hello from parked\n"
    assert fp.alive()


def test_pid_keeps_running_process_running(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, "parked")
    before_pong = fp.ping()
    threads = _threads(fp.pid)
    first = ok(leakdump("pid", fp.pid, "--format", "go"))
    assert _threads(fp.pid) == threads
    st = fp.proc_status()
    assert st["TracerPid"] == "0" and not st["State"].startswith(("T", "t", "Z")), st
    assert fp.ping() == before_pong
    # Nothing moved: a second dump is the same.
    assert ok(leakdump("pid", fp.pid, "--format", "go")) == first
    assert fp.connect() == b"hello from parked\n"


# ---------------------------------------------------------------------------
# exit codes

def test_exit_codes_prove(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, "leakproof", args=[])
    n_leaked = sum(len(v) for r, v in fp.info["ids"].items() if r.startswith("leaked:"))
    r = leakdump("pid", fp.pid, "--prove", "--fail-on-leak", "--format", "json")
    assert r.returncode == 1 and not r.stderr, r.describe()
    assert json.loads(r.stdout)["prove"]["verdicts"]["leaked"] == n_leaked
    text = leakdump("pid", fp.pid, "--prove", "--fail-on-leak")
    assert text.returncode == 1 and re.search(rb"^LEAKED ", text.stdout, re.M), text.describe()
    # Without --fail-on-leak the leaks are reported, and that is success.
    assert b"LEAKED " in ok(leakdump("pid", fp.pid, "--prove"))
    one_error(leakdump("pid", fp.pid, "--fail-on-leak"), r"--prove")
    one_error(leakdump("pid", fp.pid, "go-goroutines", "--fail-on-leak"), r"leak-dump")
    assert fp.alive() and fp.ping()


def test_exit_code_no_leak(go_version, spawn, tool):
    fp = spawn(go_version, "many")
    r = leakdump("pid", fp.pid, "--prove", "--fail-on-leak", "--format", "json")
    assert r.returncode == 0 and not r.stderr, r.describe()
    assert json.loads(r.stdout)["prove"]["verdicts"]["leaked"] == 0


@pytest.fixture
def sleeper(tmp_path):
    p = harness.start_process(["sleep", "300"], tmp_path / "sleep.log")
    yield p
    harness.stop_process(p)


def test_exit_code_errors(go_version, sleeper, cores, builds, tool, tmp_path):
    one_error(leakdump("pid", sleeper.pid), r"not a Go program")
    st = open("/proc/%d/status" % sleeper.pid).read()
    assert "TracerPid:\t0\n" in st and sleeper.poll() is None
    exe, core, _ = cores.get(go_version, "parked")
    one_error(leakdump("core", exe, tmp_path / "missing.core"), r"missing\.core")
    one_error(leakdump("core", builds.exe(go_version, "many"), core),
              r"build.?id|mismatch|does not match|doesn't match")
    one_error(leakdump("pid", 999999999), r"no process")
    one_error(leakdump("core", exe, core, "--format", "xml"), r"xml")
    one_error(leakdump("core", exe, core, "go-bt", "999999"), r"999999|not found")
    one_error(leakdump("core", exe, core, "go-bogus"), r"unknown command")
    one_error(leakdump("core", exe), r"usage")
    one_error(leakdump(), r"leakdump core")


def test_help():
    top = ok(leakdump("--help")).decode()
    assert "leakdump core EXE CORE" in top and "leakdump pid PID" in top
    assert "--fail-on-leak" in top
    for mode in ("core", "pid"):
        text = ok(leakdump(mode, "--help")).decode()
        assert "--format text" in text and "--fail-on-leak" in text
    assert "Usage: go-bt GOID" in ok(leakdump("core", "x", "y", "go-bt", "--help")).decode()


# ---------------------------------------------------------------------------
# installed with pip (Debian's), not from the checkout

def test_pip_install(cores, tool, tmp_path):
    """Once, on the newest release: a build of the whole extension."""
    go_version = harness.go_versions()[-1]
    src = tmp_path / "src"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=harness.REPO,
                           capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if f.startswith("tests/") or not os.path.isfile(harness.REPO / f):
            continue
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(harness.REPO / f, src / f)
    target = tmp_path / "site"
    r = subprocess.run([PY, "-m", "pip", "install", "--quiet", "--no-build-isolation",
                        "--break-system-packages", "--no-deps", "--no-index",
                        "--target", str(target), str(src)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    script = target / "bin" / "leakdump"
    assert script.exists(), sorted(os.listdir(target))
    env = dict(os.environ, PYTHONPATH=str(target))
    exe, core, _ = cores.get(go_version, "parked")
    got = leakdump("core", exe, core, "--format", "go", argv0=[str(script)], env=env,
                   cwd=tmp_path)
    assert ok(got) == ok(leakdump("core", exe, core, "--format", "go"))
    assert b"leakdump pid PID" in ok(leakdump("--help", argv0=[str(script)], env=env,
                                             cwd=tmp_path))
