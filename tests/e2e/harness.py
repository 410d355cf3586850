"""Toolchains, fixture builds, fixture processes and gdb runs for the e2e tests.

Everything here has a timeout; every process started is registered and
killed at teardown (and at interpreter exit, as a last resort).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
WORK = Path(os.environ.get("LEAKDUMP_E2E_WORK", str(REPO / "tests" / "e2e" / ".work")))
CACHE = Path(os.environ.get("LEAKDUMP_CACHE", "/var/cache/leakdump"))
# LEAKDUMP_GDBINIT: test another build of the commands (or a stand-in).
GDBINIT = Path(os.environ.get("LEAKDUMP_GDBINIT", str(REPO / "gdbinit")))
# make asan-e2e: the command line (`python3 -m leakdump`) runs from the
# sanitized extension's own checkout with the sanitizer runtimes preloaded.
# (GDB itself hangs at start-up with them preloaded, so GDB tests do not.)
CLI_HOME = Path(os.environ.get("LEAKDUMP_E2E_CLI_HOME", str(REPO)))
CLI_PRELOAD = os.environ.get("LEAKDUMP_E2E_CLI_PRELOAD", "")


def cli_env(env: Optional[Dict[str, str]] = None) -> Optional[Dict[str, str]]:
    """The environment for a `python3 -m leakdump` subprocess."""
    if not CLI_PRELOAD:
        return env
    return dict(env if env is not None else os.environ, LD_PRELOAD=CLI_PRELOAD)


def run_cli(args: Sequence[str], env: Optional[Dict[str, str]] = None,
            timeout: float = 180) -> subprocess.CompletedProcess:
    """/usr/bin/python3 -m leakdump ARGS... in CLI_HOME; bytes out."""
    return subprocess.run(["/usr/bin/python3", "-m", "leakdump"] + [str(a) for a in args],
                          cwd=str(CLI_HOME), env=cli_env(env),
                          stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout)
GDB = os.environ.get("LEAKDUMP_GDB", "gdb")
# LLDB with Python 3.11 (Debian: lldb-19 + python3-lldb-19) and its loader.
LLDB = os.environ.get("LEAKDUMP_LLDB", "lldb-19")
LLDB_LOADER = REPO / "leakdump_lldb.py"
# Fixture paths are compiled into the binaries, so two checkouts sharing one
# LEAKDUMP_E2E_WORK must not build into the same folders (each would rebuild
# the other's fixtures under its running processes).
_CHECKOUT_TAG = ("" if WORK.is_relative_to(REPO)
                 else "-" + hashlib.sha256(str(REPO).encode()).hexdigest()[:8])


def read_go_versions() -> List[str]:
    """The supported Go releases, from the go-versions file (see there)."""
    lines = (REPO / "go-versions").read_text().splitlines()
    return [v for line in lines if not line.startswith("#") for v in line.split()]


DEFAULT_VERSIONS = " ".join(read_go_versions())
# Arguments each fixture runs with in the e2e tests.
FIXTURE_ARGS: Dict[str, List[str]] = {"parked": [], "many": ["1000"]}
# Fixtures with their own tests (not parametrized over FIXTURE_NAMES).
EXTRA_FIXTURES: Dict[str, List[str]] = {"running": [], "blocking": [], "cgo": [], "leakproof": [],
                                         "sharedleak": ["1000"], "growing": []}
# Fixtures that use cgo: built with CGO_ENABLED=1 (gcc), the rest with 0.
CGO_FIXTURES = {"cgo"}
FIXTURE_NAMES = sorted(FIXTURE_ARGS)

FETCH_TIMEOUT = 1200
BUILD_TIMEOUT = 600
READY_TIMEOUT = 60
GDB_TIMEOUT = int(os.environ.get("LEAKDUMP_GDB_TIMEOUT", "180"))


def go_versions() -> List[str]:
    return os.environ.get("LEAKDUMP_GO_VERSIONS", DEFAULT_VERSIONS).split()


def goroot(version: str) -> Path:
    return CACHE / ("go-" + version) / "usr" / "lib" / ("go-" + version)


def go_binary(version: str) -> Path:
    return goroot(version) / "bin" / "go"


def fetch_toolchains(versions: Sequence[str]) -> None:
    missing = [v for v in versions if not os.access(go_binary(v), os.X_OK)]
    if not missing:
        return
    subprocess.run([str(REPO / "scripts" / "fetch-go.sh"), *missing],
                   check=True, timeout=FETCH_TIMEOUT)
    for v in missing:
        if not os.access(go_binary(v), os.X_OK):
            raise RuntimeError("fetch-go.sh did not provide go %s" % v)


def _go_env(cgo: bool = False) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GO") and k != "CGO_ENABLED"}
    env.update(GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GO111MODULE="on",
               GOCACHE=str(WORK / "gocache"), GOPATH=str(WORK / "gopath"),
               GOENV="off", GOWORK="off", GOPROXY="off", GOSUMDB="off",
               CGO_ENABLED="1" if cgo else "0")
    return env


def _source_hash(src: Path, version: str, ldflags: str) -> str:
    h = hashlib.sha256()
    h.update(("go=%s\nldflags=%s\n" % (version, ldflags)).encode())
    if src.name in CGO_FIXTURES:
        h.update(b"cgo=1\n")
    h.update((goroot(version) / "VERSION").read_bytes())
    h.update(str(src).encode())  # paths end up in the binary and the dumps
    # The fixture and the shared protocol module it imports.
    for root in (src, FIXTURES / "protocol"):
        for p in sorted(root.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(root)).encode() + b"\0")
                h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def build(version: str, fixture: str, variant: str = "", ldflags: str = "",
          flags: Sequence[str] = ()) -> Path:
    """Build tests/fixtures/<fixture> (or another dir given as a path) with
    go <version> into .work/go<version>/<name>/<name>; skipped when the
    source hash is unchanged.  variant names a flavour (e.g. "nodwarf")."""
    src = Path(fixture) if os.sep in fixture else FIXTURES / fixture
    base = src.name
    name = base + ("-" + variant if variant else "")
    outdir = WORK / ("go" + version + _CHECKOUT_TAG) / name
    exe = outdir / base   # keep the program's own name (core's pr_fname)
    outdir.mkdir(parents=True, exist_ok=True)
    digest = _source_hash(src, version, ldflags + " ".join(flags))
    stamp = outdir / ".hash"
    with open(WORK / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if exe.exists() and stamp.exists() and stamp.read_text() == digest:
            return exe
        cmd = [str(go_binary(version)), "build", "-o", str(exe)]
        if ldflags:
            cmd.append("-ldflags=" + ldflags)
        cmd.extend(flags)
        cmd.append(".")
        r = subprocess.run(cmd, cwd=src, env=_go_env(base in CGO_FIXTURES),
                           capture_output=True,
                           text=True, timeout=BUILD_TIMEOUT)
        if r.returncode != 0:
            raise RuntimeError("go %s build %s failed:\n%s%s"
                               % (version, name, r.stdout, r.stderr))
        stamp.write_text(digest)
    return exe


# ---------------------------------------------------------------------------
# processes

_live: List[subprocess.Popen] = []


def _kill(p: subprocess.Popen) -> None:
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                p.kill()
            except ProcessLookupError:
                pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def kill_all() -> None:
    while _live:
        _kill(_live.pop())


atexit.register(kill_all)


def start_process(argv: Sequence[str], log: Path, env: Optional[Dict[str, str]] = None,
                  **kw) -> subprocess.Popen:
    """Start argv in its own session, output to log; registered for killing."""
    fh = open(log, "wb")
    try:
        p = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=fh,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             env=env, **kw)
    finally:
        fh.close()
    _live.append(p)
    return p


def stop_process(p: subprocess.Popen) -> None:
    _kill(p)
    if p in _live:
        _live.remove(p)


class FixtureProcess:
    """A running fixture that has completed the protocol (OUTDIR/ready)."""

    def __init__(self, exe: Path, outdir: Path, args: Sequence[str] = (),
                 env: Optional[Dict[str, str]] = None, **popen_kw):
        self.exe = Path(exe)
        self.outdir = Path(outdir)
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.args = list(args)
        e = dict(os.environ)
        e.setdefault("LEAKDUMP_FIXTURE_LIFETIME", "900")
        e.pop("GOTRACEBACK", None)
        e.pop("GODEBUG", None)
        # Go 1.26 prints pprof labels in headers only with this setting
        # (1.27 by default for go1.27 modules); older releases ignore it.
        e["GODEBUG"] = "tracebacklabels=1"
        e.update(env or {})
        self.log = self.outdir / "fixture.log"
        self.proc = start_process([str(self.exe), str(self.outdir), *self.args],
                                  self.log, env=e, **popen_kw)
        self.pid = self.proc.pid

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> "FixtureProcess":
        deadline = time.monotonic() + timeout
        ready = self.outdir / "ready"
        while not ready.exists():
            if self.proc.poll() is not None:
                raise RuntimeError("fixture %s exited with %s before ready:\n%s"
                                   % (self.exe, self.proc.returncode, self.log_text()))
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("fixture %s not ready after %ss:\n%s"
                                   % (self.exe, timeout, self.log_text()))
            time.sleep(0.02)
        pid = int((self.outdir / "pid").read_text())
        if pid != self.pid:
            raise RuntimeError("fixture wrote pid %d, started %d" % (pid, self.pid))
        return self

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    @property
    def oracle_text(self) -> str:
        return (self.outdir / "oracle.txt").read_text()

    @property
    def writer(self) -> int:
        return int((self.outdir / "writer").read_text())

    @property
    def info(self) -> dict:
        return json.loads((self.outdir / "info.json").read_text())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def proc_status(self) -> Dict[str, str]:
        out = {}
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
        return out

    def ping(self, timeout: float = 15) -> str:
        """SIGUSR1 the fixture and wait for its next pong file."""
        n = len(list(self.outdir.glob("pong.*"))) + 1
        pong = self.outdir / ("pong.%d" % n)
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while not pong.exists():
            if not self.alive():
                raise AssertionError("fixture died:\n" + self.log_text())
            if time.monotonic() > deadline:
                raise AssertionError("fixture did not answer SIGUSR1 within %ss" % timeout)
            time.sleep(0.02)
        return pong.read_text()

    def connect(self, timeout: float = 10) -> bytes:
        host, port = self.info["listener"].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=timeout) as s:
            s.settimeout(timeout)
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(100)
                if not chunk:
                    break
                data += chunk
            return data

    def stop(self) -> None:
        stop_process(self.proc)


# ---------------------------------------------------------------------------
# gdb

class GdbResult:
    def __init__(self, argv, returncode, stdout, stderr):
        self.argv, self.returncode = argv, returncode
        self.stdout, self.stderr = stdout, stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def error_lines(self) -> List[str]:
        # Errors go to stderr; stdout may hold a "leak-dump: pid ..." banner.
        return [l for l in self.stderr.splitlines() if l.startswith("leak-dump:")]

    def describe(self) -> str:
        return ("$ %s\nexit %s\n--- stdout\n%s\n--- stderr\n%s"
                % (" ".join(map(str, self.argv)), self.returncode,
                   self.stdout[-6000:], self.stderr[-6000:]))


def run_gdb(target: Sequence[str], commands: Sequence[str], gdbinit: bool = True,
            timeout: float = GDB_TIMEOUT) -> GdbResult:
    """gdb -nx -batch [-x gdbinit] TARGET... -ex CMD...; killed on timeout."""
    argv = [GDB, "-nx", "-batch"]
    if gdbinit:
        argv += ["-x", str(GDBINIT)]
    argv += list(target)
    for c in commands:
        argv += ["-ex", c]
    return _run_debugger(argv, GdbResult, timeout)


def _run_debugger(argv: List[str], result, timeout: float):
    """Run a batch debugger; result(argv, returncode, stdout, stderr).
    Killed, with what it printed, on timeout."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, errors="replace",
                         start_new_session=True)
    _live.append(p)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(p)
        out, err = p.communicate()
        raise AssertionError("%s timed out after %ss:\n%s" % (
            os.path.basename(argv[0]), timeout,
            result(argv, None, out or "", err or "").describe()))
    finally:
        if p in _live:
            _live.remove(p)
    return result(argv, p.returncode, out, err)


class LldbResult(GdbResult):
    def error_lines(self) -> List[str]:
        # LLDB prefixes a failed command's message with "error: ".
        return [l[len("error: "):] if l.startswith("error: ") else l
                for l in self.stderr.splitlines()
                if l.startswith(("leak-dump:", "error: leak-dump:"))]


# What batch use sets so that LLDB prints little besides our output (its
# attach and core-load messages remain).
LLDB_QUIET = ("settings set thread-stop-format ''",
              "settings set frame-format ''",
              "settings set stop-line-count-before 0",
              "settings set stop-line-count-after 0",
              "settings set stop-disassembly-display never")


def lldb_target(target: Sequence[str]) -> List[str]:
    """A run_gdb target (live_target, core_target) as LLDB's arguments."""
    target = [str(t) for t in target]
    if len(target) == 2 and not target[0].startswith("-"):
        return [target[0], "-c", target[1]]
    return target


def run_lldb(target: Sequence[str], commands: Sequence[str], loader: bool = True,
             timeout: float = GDB_TIMEOUT, settings: Sequence[str] = ()) -> LldbResult:
    """lldb --batch -x -Q [-O 'command script import leakdump_lldb.py']
    TARGET... -o CMD...; TARGET as for run_gdb; settings are LLDB commands
    run before the target is loaded; killed on timeout."""
    argv = [LLDB, "--batch", "-x", "-Q"]
    for c in LLDB_QUIET + tuple(settings):
        argv += ["-O", c]
    if loader:
        argv += ["-O", "command script import " + str(LLDB_LOADER)]
    argv += lldb_target(target)
    for c in commands:
        argv += ["-o", c]
    return _run_debugger(argv, LldbResult, timeout)


def live_target(pid: int) -> List[str]:
    return ["-p", str(pid)]


def core_target(exe: Path, core: Path) -> List[str]:
    return [str(exe), str(core)]


def mode_target(mode: str, go_version: str, fixture: str, spawn, cores):
    """(fixture process, debugger target) for a test run "live" (the
    fixture spawned now) or on a "core" (the fixture's shared core)."""
    if mode == "live":
        fp = spawn(go_version, fixture)
        return fp, live_target(fp.pid)
    exe, core, fp = cores.get(go_version, fixture)
    return fp, core_target(exe, core)


def gcore(pid: int, core: Path, timeout: float = GDB_TIMEOUT) -> Path:
    if core.exists():
        core.unlink()
    r = run_gdb(live_target(pid), ["gcore " + str(core)], gdbinit=False,
                timeout=timeout)
    if not core.exists() or core.stat().st_size == 0:
        raise AssertionError("gcore produced no core:\n" + r.describe())
    return core


@contextlib.contextmanager
def taken_core(pid: int, exe: Path, core: Path):
    """A gcore of pid, as a leak-dump target of exe; deleted on leaving
    (a Go program's core is large)."""
    gcore(pid, core)
    try:
        yield core_target(exe, core)
    finally:
        core.unlink()


def leak_dump_to_file(target: Sequence[str], out: Path, fmt: Optional[str] = "go",
                      extra: str = "", run=None) -> str:
    """Run leak-dump [--format FMT] --output OUT (in GDB, or run=run_lldb);
    assert success; return text."""
    if out.exists():
        out.unlink()
    cmd = "leak-dump"
    if fmt:
        cmd += " --format " + fmt
    cmd += " --output " + str(out)
    if extra:
        cmd += " " + extra
    r = (run or run_gdb)(target, [cmd])
    assert "Traceback" not in r.output, r.describe()
    assert run is None or r.returncode == 0, r.describe()
    assert not r.error_lines(), r.describe()
    assert out.exists(), "leak-dump wrote no %s\n%s" % (out, r.describe())
    return out.read_text()



CoreLoad = collections.namedtuple("CoreLoad", "vaddr memsz offset filesz flags phdr")


def core_loads(core: Path) -> List["CoreLoad"]:
    """Every PT_LOAD of an ELF64 core: where it maps (vaddr, memsz), where
    its bytes are in the file (offset, filesz), its p_flags, and the file
    offset of its program header (for tests that damage cores)."""
    with open(core, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phentsize, phnum = struct.unpack_from("<HH", eh, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    out = []
    for i in range(phnum):
        p_type, p_flags, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = \
            struct.unpack_from("<IIQQQQQQ", ph, i * phentsize)
        if p_type == 1:
            out.append(CoreLoad(p_vaddr, p_memsz, p_offset, p_filesz, p_flags,
                                phoff + i * phentsize))
    return out

def core_offset(loads: List["CoreLoad"], addr: int) -> int:
    """The file offset of address addr in a core (core_loads); raises
    when the core did not save it."""
    for l in loads:
        if l.vaddr <= addr < l.vaddr + l.filesz:
            return l.offset + addr - l.vaddr
    raise AssertionError("0x%x not saved in core" % addr)


def symbol(exe: Path, name: str) -> int:
    """A symbol's address in exe (nm)."""
    out = subprocess.run(["nm", str(exe)], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    raise AssertionError("%s not in %s" % (name, exe))


def struct_layout(exe: Path, name: str):
    """({field: offset}, total size) of struct name from exe's DWARF, as
    GDB prints it in C (ptype/o)."""
    r = subprocess.run([GDB, "-nx", "-batch", "-ex", "set language c",
                        "-ex", "ptype/o struct '%s'" % name, str(exe)],
                       capture_output=True, text=True, timeout=60)
    fields = {}
    for m in re.finditer(r"/\*\s+(\d+)\s+\|\s+\d+\s+\*/\s+.*?\b(\w+);", r.stdout):
        fields.setdefault(m.group(2), int(m.group(1)))
    size = re.search(r"total size \(bytes\):\s+(\d+)", r.stdout)
    assert fields and size, r.stdout[-2000:]
    return fields, int(size.group(1))


def kernel_writes_cores_here() -> bool:
    """The kernel writes a crashing process's core as ./core."""
    try:
        return Path("/proc/sys/kernel/core_pattern").read_text().strip() == "core"
    except OSError:
        return False


def _unlimited_core() -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def kernel_core(exe: Path, outdir: Path, args: Sequence[str] = ()):
    """Run fixture exe until ready, crash it (SIGABRT, GOTRACEBACK=crash)
    so that the kernel writes its core: (the FixtureProcess, the core's
    path).  Fails unless it died of the signal and left a core."""
    fp = FixtureProcess(exe, outdir, args, env={"GOTRACEBACK": "crash"},
                        cwd=str(outdir), preexec_fn=_unlimited_core)
    try:
        fp.wait_ready()
        os.kill(fp.pid, signal.SIGABRT)
        deadline = time.monotonic() + 120
        while fp.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert fp.proc.returncode is not None, "fixture did not die on SIGABRT"
        assert fp.proc.returncode == -signal.SIGABRT, fp.log_text()[-2000:]
    finally:
        fp.stop()
    core = outdir / "core"
    assert core.exists(), "no kernel core written in %s: %s" % (
        outdir, os.listdir(outdir))
    return fp, core


def require_tool() -> None:
    if not GDBINIT.exists():
        raise AssertionError("%s is missing: the leak-dump GDB commands are not "
                             "built yet (run `make` in %s)" % (GDBINIT, REPO))


def which(prog: str) -> Optional[str]:
    return shutil.which(prog)
