"""The commands through LLDB (leakdump_lldb.py): the runtime's own dump is
the oracle, live (lldb -p PID) and on a gcore (lldb EXE -c CORE), and on
the same core every command prints the same bytes as in GDB.

Run on Go 1.21, 1.24 and 1.27 of the versions the harness gives (all of
the given ones when it gives none of those); the blocking-object, running
and --prove fixtures on the newest of them.  Skipped only when lldb-19 is
not installed (scripts/setup-deps.sh installs it).
"""

import json
import os
import subprocess
import sys
import time

import pytest

import godump
import harness
import test_blocking
import test_debugfile
import test_prove
import test_remote
import test_running

LLDB_RELEASES = ("1.21", "1.24", "1.27")
SEP = "@@leakdump-lldb-test@@"


def _versions():
    given = harness.go_versions()
    return [v for v in given if v in LLDB_RELEASES] or given


VERSIONS = _versions()
NEWEST = VERSIONS[-1]


@pytest.fixture(scope="session")
def lldb(tool):
    if not harness.which(harness.LLDB):
        pytest.skip("%s is not installed (scripts/setup-deps.sh installs "
                    "lldb-19 and python3-lldb-19)" % harness.LLDB)
    return harness.LLDB


def _lldb_dump(target, out, fmt="go", extra=""):
    return harness.leak_dump_to_file(target, out, fmt=fmt, extra=extra,
                                     run=harness.run_lldb)


def _check_oracle(fp, ours, where):
    res = godump.compare(godump.parse(fp.oracle_text), godump.parse(ours),
                         skip=[fp.writer])
    assert res.ok, "%s: LLDB's dump differs from the runtime's:\n%s" % (where, res.report())
    assert res.compared > 20


def _sections(run, target, commands):
    """Each command's stdout, run in one debugger: separators between them
    (LLDB's attach or core-load messages come before the first)."""
    if run is not harness.run_gdb:
        sep = "script print(%r)" % SEP
    else:
        sep = "echo %s\\n" % SEP
    cmds = []
    for c in commands:
        cmds += [sep, c]
    cmds.append(sep)
    r = run(target, cmds)
    assert "Traceback" not in r.output and not r.error_lines() and r.returncode == 0, \
        r.describe()
    parts = r.stdout.split(SEP + "\n")
    assert len(parts) == len(commands) + 2, r.describe()
    return dict(zip(commands, parts[1:-1]))


@pytest.mark.parametrize("variant", ["default", "stripped"])
@pytest.mark.parametrize("version", VERSIONS, ids=["go" + v for v in VERSIONS])
def test_lldb_dump_matches_oracle(version, variant, lldb, spawn, builds, tmp_path):
    """--format go through LLDB is the runtime's dump, live and on a core;
    on the core every format is GDB's, byte for byte."""
    kw = {} if variant == "default" else dict(variant="stripped", ldflags="-s -w")
    exe = builds.exe(version, "parked", **kw)
    fp = spawn(version, "parked", exe=exe)
    where = "go%s %s" % (version, variant)
    live = _lldb_dump(harness.live_target(fp.pid), tmp_path / "live.txt")
    _check_oracle(fp, live, "live " + where)
    # LLDB detached and the program runs on.
    assert fp.alive() and fp.ping()
    with harness.taken_core(fp.pid, exe, tmp_path / "p.core") as target:
        ours = _lldb_dump(target, tmp_path / "core.txt")
        _check_oracle(fp, ours, "core " + where)
        assert ours == harness.leak_dump_to_file(target, tmp_path / "gdb.txt")
        text = _lldb_dump(target, tmp_path / "core-text.txt", fmt="text")
        assert text == harness.leak_dump_to_file(target, tmp_path / "gdb-text.txt",
                                                 fmt="text")
        assert "main.orphan" in text


def _object_commands(obj, ids):
    return ["go-bt %s" % ids["holder"][0], "go-bt %s" % ids["recv_events"][0],
            "go-goroutines", "go-goroutines --all",
            "go-chan %s" % obj["full"], "go-chan %s" % obj["events"],
            "go-chan %s" % obj["signals"],
            "go-mutex %s" % obj["mu"], "go-mutex %s" % obj["rwRead"]]


# A name, and the address command it must print the same as.
BY_NAME = [("go-chan main.full", "full"), ("go-chan events", "events"),
           ("go-chan *main.signals", "signals"), ("go-mutex main.mu", "mu"),
           ("go-mutex &mu", "mu"), ("go-mutex main.rwRead", "rwRead")]


def _check_by_name(obj, got, where):
    for named, key in BY_NAME:
        kind = named.split()[0]
        assert got[named] == got["%s %s" % (kind, obj[key])], (where, named, got)


def test_lldb_blocking_objects(lldb, spawn, tmp_path):
    """go-bt, go-goroutines, go-chan and go-mutex (by address and by a
    global's name) as in GDB, and the blocking objects of leak-dump."""
    fp = spawn(NEWEST, "blocking", args=[])
    info, obj = fp.info, fp.info["objects"]
    live = json.loads(_lldb_dump(harness.live_target(fp.pid), tmp_path / "live.json",
                                 fmt="json"))
    # Includes the syscall a thread is in: orig_rax, from /proc.
    test_blocking._check(info, live, live=True)
    by_address = _object_commands(obj, info["ids"])
    names = [n for n, _ in BY_NAME]
    got = _sections(harness.run_lldb, harness.live_target(fp.pid), by_address + names)
    _check_by_name(obj, got, "live")
    full = got["go-chan %s" % obj["full"]]
    assert full.startswith("chan []uint8 %s (buffered 2/2, open; 0 receivers, 2 senders)\n"
                           % obj["full"]), full
    for gid in info["ids"]["send_full"]:
        assert "goroutine %s [chan send]  main.sendFull" % gid in full
    assert got["go-mutex %s" % obj["mu"]].startswith(
        "sync.Mutex %s (locked; 2 waiters; candidate holders: goroutine %s)"
        % (obj["mu"], info["ids"]["holder"][0]))
    with harness.taken_core(fp.pid, fp.exe, tmp_path / "b.core") as target:
        mine = _sections(harness.run_lldb, target, by_address + names)
        gdbs = _sections(harness.run_gdb, target,
                         by_address + ["go-chan main.full", "go-mutex main.mu"])
        doc = json.loads(_lldb_dump(target, tmp_path / "core.json", fmt="json"))
    test_blocking._check(info, doc, live=False)
    for c in by_address:
        assert mine[c] == gdbs[c], (c, mine[c], gdbs[c])
        assert mine[c].strip(), c
    _check_by_name(obj, mine, "core")
    assert mine["go-chan main.full"] == gdbs["go-chan main.full"]
    assert mine["go-mutex main.mu"] == gdbs["go-mutex main.mu"]


def test_lldb_names_need_symbols(lldb, spawn, builds):
    """A stripped binary has no names: one line saying so, and a failed
    batch; addresses still work."""
    exe = builds.exe(NEWEST, "blocking", variant="stripped", ldflags="-s -w")
    fp = spawn(NEWEST, "blocking", args=[], exe=exe)
    obj = fp.info["objects"]
    r = harness.run_lldb(harness.live_target(fp.pid), ["go-chan %s" % obj["full"]])
    assert r.returncode == 0 and not r.error_lines(), r.describe()
    assert "chan []uint8 %s (buffered 2/2" % obj["full"] in r.stdout
    r = harness.run_lldb(harness.live_target(fp.pid), ["go-chan main.full"])
    assert r.returncode != 0 and "Traceback" not in r.output, r.describe()
    errors = r.error_lines()
    assert len(errors) == 1 and "main.full" in errors[0] and "stripped" in errors[0], \
        r.describe()


def test_lldb_running_goroutine(lldb, spawn, tmp_path):
    """A goroutine on a CPU is unwound from the registers LLDB gives."""
    fp = spawn(NEWEST, "running", args=[])
    goid = int((fp.outdir / "spinner").read_text())
    live = _lldb_dump(harness.live_target(fp.pid), tmp_path / "live.txt")
    test_running._check_spinner(live, goid, "lldb live go%s" % NEWEST)


def test_lldb_prove(lldb, spawn, tmp_path):
    """--prove's verdicts through LLDB: right by construction live, and
    GDB's bytes on the same core."""
    fp = spawn(NEWEST, test_prove.FIXTURE, args=[])
    info = fp.info
    live = json.loads(_lldb_dump(harness.live_target(fp.pid), tmp_path / "live.json",
                                 fmt="json", extra="--prove"))
    test_prove._check(info, live, "lldb live go%s" % NEWEST)
    with harness.taken_core(fp.pid, fp.exe, tmp_path / "lp.core") as target:
        doc = _lldb_dump(target, tmp_path / "core.json", fmt="json", extra="--prove")
        test_prove._check(info, json.loads(doc), "lldb core go%s" % NEWEST)
        text = _lldb_dump(target, tmp_path / "core.txt", fmt="text", extra="--prove")
        test_prove._check_text(info, text)
        assert text == harness.leak_dump_to_file(target, tmp_path / "gdb.txt", fmt="text",
                                                 extra="--prove")


def test_lldb_errors_and_signals(lldb, spawn, cores):
    """Every failure is one line "leak-dump: ..." and fails the batch;
    SIGURG is passed silently."""
    exe, core, _ = cores.get(NEWEST, "parked")
    target = harness.core_target(exe, core)
    for cmd, words in (("go-bt 987654321", "987654321"),
                       ("leak-dump --format nope", "--format"),
                       ("go-goroutines --bad", "usage"),
                       ("go-mutex main.nosuch", "main.nosuch"),
                       ("leak-dump --output /nonexistent/dir/x", "/nonexistent/dir/x")):
        r = harness.run_lldb(target, [cmd, "go-goroutines"])
        assert r.returncode != 0 and "Traceback" not in r.output, r.describe()
        errors = r.error_lines()
        assert len(errors) == 1 and words in errors[0], (cmd, r.describe())
        assert " main.orphan " not in r.stdout, "the batch went on after an error"
    r = harness.run_lldb([], ["leak-dump"])
    assert r.returncode != 0
    assert r.error_lines() == ["leak-dump: no executable loaded (use 'file EXE')"], \
        r.describe()
    fp = spawn(NEWEST, "parked")
    kind = ("script import leakdump.lldb_host as h; "
            "print('KIND %s' % h.HOST.describe().kind)")
    r = harness.run_lldb(harness.live_target(fp.pid), ["process handle SIGURG", kind])
    rows = [l.split() for l in r.stdout.splitlines() if l.startswith("SIGURG")]
    assert rows == [["SIGURG", "true", "false", "false"]], r.describe()
    # A process this LLDB traces is read through /proc, not LLDB.
    assert "KIND live\n" in r.stdout, r.describe()
    assert "KIND core\n" in harness.run_lldb(target, [kind]).stdout
    # Loaded after the attach: the process already there passes it too.
    r = harness.run_lldb(harness.live_target(fp.pid), [
        "command script import %s" % harness.LLDB_LOADER, "process handle SIGURG"],
        loader=False)
    rows = [l.split() for l in r.stdout.splitlines() if l.startswith("SIGURG")]
    assert rows == [["SIGURG", "true", "false", "false"]], r.describe()


def _registers(run, pid, statement):
    r = run(harness.live_target(pid), [statement])
    assert r.returncode == 0 and "Traceback" not in r.output, r.describe()
    line = [l for l in r.stdout.splitlines() if l.startswith("REGS ")]
    assert len(line) == 1, r.describe()
    return {tid: regs for tid, regs in json.loads(line[0][5:])}


def test_lldb_registers_are_gdbs(lldb, spawn):
    """The registers LLDB gives the native side, in its order, are GDB's
    (orig_rax from /proc, rflags as eflags, fs_base) for every thread that
    sleeps in a system call, so stays put between the two attaches."""
    fp = spawn(NEWEST, "parked")
    sys.path.insert(0, str(harness.REPO))
    from leakdump import _leakdump   # pylint: disable=import-outside-toplevel
    names = list(_leakdump.register_names())
    mine = _registers(harness.run_lldb, fp.pid,
                      "script import json, leakdump.lldb_host as h; print('REGS ' + "
                      "json.dumps(h._thread_registers(lldb.process, True)))")
    gdbs = _registers(harness.run_gdb, fp.pid,
                      "python import json, gdb, leakdump.gdb as g; print('REGS ' + "
                      "json.dumps(g._thread_registers(gdb.selected_inferior())))")
    assert sorted(mine) == sorted(gdbs)
    nr = names.index("orig_rax")
    steady = [tid for tid, regs in gdbs.items() if regs[nr] == 202]   # futex
    assert steady, gdbs
    for tid in steady:
        for i, name in enumerate(names):
            if name in ("orig_rax", "rip", "rsp", "eflags", "fs_base", "cs", "ss"):
                assert mine[tid][i] == gdbs[tid][i], (tid, name, mine[tid], gdbs[tid])



@pytest.mark.skipif(harness.which("gdbserver") is None, reason="no gdbserver")
def test_lldb_remote_target(lldb, spawn, tmp_path):
    """A process LLDB reaches through gdbserver is read through LLDB's
    memory API (its mappings unlisted: suspicions, not proofs)."""
    fp = spawn(NEWEST, "parked")
    port = test_remote._free_port()
    log = tmp_path / "gdbserver.log"
    server = harness.start_process(
        ["gdbserver", "--once", "--attach", "127.0.0.1:%d" % port, str(fp.pid)], log)
    try:
        deadline = time.monotonic() + 30
        while "Listening on port" not in log.read_text():
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "gdbserver did not start"
            time.sleep(0.05)
        out, prove = tmp_path / "ours.txt", tmp_path / "prove.json"
        r = harness.run_lldb([str(fp.exe)], [
            "gdb-remote 127.0.0.1:%d" % port,
            "leak-dump --format go --output %s" % out,
            "leak-dump --prove --format json --output %s" % prove,
            "process detach"])
        assert r.returncode == 0 and not r.error_lines(), r.describe()
        assert "Traceback" not in r.output, r.describe()
    finally:
        harness.stop_process(server)
    _check_oracle(fp, out.read_text(), "lldb gdb-remote go%s" % NEWEST)
    pv = json.loads(prove.read_text())["prove"]
    assert not pv["proven"] and "not listed" in pv["gaps"], pv
    assert fp.ping()


@pytest.mark.skipif(test_debugfile.OBJCOPY is None, reason="needs objcopy")
def test_lldb_debug_file_search_paths(lldb, spawn, builds, tmp_path):
    """A fully stripped executable whose symbols are in a separate debug
    file under LLDB's target.debug-file-search-paths: names resolve from
    it (as in GDB with debug-file-directory), and only because of it."""
    built = builds.exe(NEWEST, "parked", variant="buildid",
                       ldflags=test_debugfile._ldflags(NEWEST))
    build_id = test_debugfile._build_id(built)
    assert build_id
    exe, debug = test_debugfile._split(built, tmp_path, "all")
    root = tmp_path / "debug-root"
    test_debugfile._place_by_build_id(debug, root, build_id)
    debug.unlink()
    fp = spawn(NEWEST, "parked", exe=exe)
    cmds = ["go-chan main.never", "go-mutex main.mu"]
    with harness.taken_core(fp.pid, exe, tmp_path / "d.core") as target:
        gdbs = _sections(harness.run_gdb, test_debugfile._with_dirs(root, target), cmds)
        setting = "settings set target.debug-file-search-paths %s" % root
        mine = _sections(lambda t, c: harness.run_lldb(t, c, settings=[setting]),
                         target, cmds)
        assert mine == gdbs and mine["go-chan main.never"].startswith("chan int 0x"), mine
        r = harness.run_lldb(target, cmds[:1])
        assert r.returncode != 0 and "stripped" in r.error_lines()[0], r.describe()


def test_lldb_from_lldbinit(lldb, spawn, tmp_path):
    """Loaded from ~/.lldbinit, before any target: the commands are there
    and the process attached afterwards passes SIGURG."""
    fp = spawn(NEWEST, "parked")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".lldbinit").write_text("command script import %s\n" % harness.LLDB_LOADER)
    env = dict(os.environ, HOME=str(home))
    r = subprocess.run([harness.LLDB, "--batch", "-Q", "-p", str(fp.pid),
                        "-o", "process handle SIGURG", "-o", "go-goroutines"],
                       env=env, capture_output=True, text=True,
                       timeout=harness.GDB_TIMEOUT, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and "Traceback" not in r.stdout + r.stderr, r
    rows = [l.split() for l in r.stdout.splitlines() if l.startswith("SIGURG")]
    assert rows == [["SIGURG", "true", "false", "false"]], r.stdout
    assert " main.orphan " in r.stdout, r.stdout


def test_lldb_python_api_current(lldb, cores, tmp_path):
    """leakdump.current() inside LLDB is the Session of LLDB's target: its
    goroutines are the JSON report's, taken through the same session."""
    exe, core, _ = cores.get(NEWEST, "parked")
    out = tmp_path / "api.json"
    script = ("import json, leakdump; s = leakdump.current(); "
              "json.dump([[g.id, g.state] for g in s.goroutines()], open(%r, 'w'))"
              % str(out))
    r = harness.run_lldb(harness.core_target(exe, core),
                         ["script " + script,
                          "leak-dump --format json --output %s" % (tmp_path / "r.json")])
    assert r.returncode == 0 and not r.error_lines(), r.describe()
    doc = json.loads((tmp_path / "r.json").read_text())
    want = [[g["id"], g["state"]] for g in doc["goroutines"]]
    got = json.loads(out.read_text())
    assert got == want and len(got) > 20
