"""leak-dump --format go on a real, stripped, third-party Go program.

The program is Debian's own build of Prometheus (no symbols, no DWARF,
externally linked with libc), fetched with scripts/fetch-debian-program.sh and
run from the cache without being installed.  It serves net/http/pprof on its
web port, so the runtime's own debug=2 dump of it is the oracle.

A live server is not frozen between the oracle and our attach, so the
comparison is built to tell a goroutine that moved from a wrong dump:

  1. oracle A = GET /debug/pprof/goroutine?debug=2
  2. leak-dump --format go on the live process, at once; then a gcore of it
     and leak-dump on the core
  3. oracle B = the same GET again (the witness of what moved)

Every goroutine parked in A is then, in our dump,
  * identical to A: a match;
  * absent: it exited after A (explained when B lacks it too);
  * under another header (state/wait changed): explained when B's header
    differs from A's too, or ours equals B;
  * under the same header with another stack: explained only when B shows
    that goroutine moved (B's block differs from A's) or ours equals B.
Goroutines running/runnable in A are not compared (A's own server goroutine
is running); one in a syscall in A must still be in a syscall in ours unless
B shows it left.  Ours may hold goroutines absent from A when
they were created after it (in B, or not parked).  The test requires no
unexplained difference and at least MIN_MATCH of A's parked goroutines
matched byte for byte (godump.compare on the rest is then clean); the whole
A/attach/B sequence is retried once before failing.  The target is kept
quiet (no scrape targets, no rules, hour-long intervals) and is left to
settle past its 5 s tickers first, so nearly every goroutine is stable.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import godump
import harness

FETCH_SCRIPT = harness.REPO / "scripts" / "fetch-debian-program.sh"
FETCH_TIMEOUT = 600
HTTP_TIMEOUT = 10
READY_TIMEOUT = 60
SETTLE = float(os.environ.get("LEAKDUMP_THIRDPARTY_SETTLE", "7"))
MIN_MATCH = 0.90
# The minor releases of the go-versions file.
SUPPORTED_GO = {int(v.split(".")[1]) for v in harness.read_go_versions()}

PROM_CONFIG = """\
global:
  scrape_interval: 1h
  evaluation_interval: 1h
scrape_configs: []
"""

# package[/suite] -> what to run from it.  trixie's prometheus is built with
# go1.24, sid's (at the time of writing) with go1.27.
PROGRAMS = {
    "prometheus/trixie": "usr/bin/prometheus",
    "prometheus/sid": "usr/bin/prometheus",
}


# ---------------------------------------------------------------------------
# the binary

def _sections(path: Path) -> Dict[str, Tuple[int, int, int]]:
    """ELF64 LE section name -> (addr, offset, size)."""
    with open(path, "rb") as f:
        eh = f.read(64)
        if eh[:4] != b"\x7fELF" or eh[4] != 2 or eh[5] != 1:
            raise AssertionError("%s: not a 64-bit little-endian ELF" % path)
        shoff, = struct.unpack_from("<Q", eh, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", eh, 0x3A)
        f.seek(shoff)
        raw = f.read(shentsize * shnum)
        hdrs = [struct.unpack_from("<IIQQQQ", raw, i * shentsize)
                for i in range(shnum)]
        _, _, _, _, stroff, strsize = hdrs[shstrndx]
        f.seek(stroff)
        names = f.read(strsize)
    out = {}
    for name, _, _, addr, off, size in hdrs:
        n = names[name:names.index(b"\0", name)].decode()
        out[n] = (addr, off, size)
    return out


def _go_version(path: Path, secs: Dict[str, Tuple[int, int, int]]) -> str:
    """The Go version recorded in .go.buildinfo (Go 1.18+ inline format)."""
    if ".go.buildinfo" not in secs:
        raise AssertionError("%s has no .go.buildinfo" % path)
    _, off, size = secs[".go.buildinfo"]
    with open(path, "rb") as f:
        f.seek(off)
        bi = f.read(size)
    if not bi.startswith(b"\xff Go buildinf:") or not bi[15] & 2:
        raise AssertionError("%s: unknown buildinfo format" % path)
    n, shift, i = 0, 0, 32
    while True:
        b = bi[i]
        n |= (b & 0x7F) << shift
        shift += 7
        i += 1
        if not b & 0x80:
            break
    return bi[i:i + n].decode()


class Program:
    def __init__(self, spec: str):
        self.spec = spec
        try:
            r = subprocess.run([str(FETCH_SCRIPT), spec], capture_output=True,
                               text=True, timeout=FETCH_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.skip("fetching Debian package %s timed out after %ss"
                        % (spec, FETCH_TIMEOUT))
        if r.returncode != 0:
            pytest.skip("cannot fetch Debian package %s (no access to the "
                        "archive?): %s" % (spec, (r.stderr or r.stdout).strip()[-500:]))
        self.root = Path(r.stdout.strip().splitlines()[-1])
        self.exe = self.root / PROGRAMS[spec]
        assert self.exe.is_file(), "%s: %s not in the package" % (spec, self.exe)
        deb = self.root / ".deb"
        self.deb = deb.read_text().strip() if deb.exists() else spec
        secs = _sections(self.exe)
        self.go_version = _go_version(self.exe, secs)
        self.unstripped = sorted(n for n in secs
                                 if n == ".symtab" or n.startswith((".debug_", ".zdebug_")))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> Tuple[int, str]:
    req = urllib.request.Request(url, headers={"Connection": "close"})
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""


class Server:
    """Prometheus on 127.0.0.1:PORT with a quiet config; killed by stop()."""

    def __init__(self, prog: Program, workdir: Path):
        self.prog, self.workdir = prog, workdir
        workdir.mkdir(parents=True, exist_ok=True)
        cfg = workdir / "prometheus.yml"
        cfg.write_text(PROM_CONFIG)
        self.port = _free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = workdir / "server.log"
        env = {k: v for k, v in os.environ.items()
               if k not in ("GODEBUG", "GOTRACEBACK", "GOMAXPROCS")}
        self.proc = harness.start_process(
            [str(prog.exe), "--config.file=" + str(cfg),
             "--storage.tsdb.path=" + str(workdir / "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port],
            self.log, env=env, cwd=str(workdir))
        self.pid = self.proc.pid

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("%s exited with %s before serving:\n%s"
                                     % (self.prog.exe, self.proc.returncode, self.log_text()))
            try:
                if _get(self.base + "/-/ready")[0] == 200:
                    return
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError("%s not ready after %ss:\n%s"
                                     % (self.prog.exe, READY_TIMEOUT, self.log_text()))
            time.sleep(0.2)

    def goroutines(self) -> str:
        status, text = _get(self.base + "/debug/pprof/goroutine?debug=2")
        assert status == 200, "GET /debug/pprof/goroutine?debug=2: HTTP %s" % status
        return text

    def stop(self) -> None:
        harness.stop_process(self.proc)


@pytest.fixture
def server_factory(tmp_path):
    started: List[Server] = []

    def _make(prog: Program) -> Server:
        s = Server(prog, tmp_path / ("server%d" % len(started)))
        started.append(s)
        return s

    yield _make
    for s in started:
        s.stop()


# ---------------------------------------------------------------------------
# comparison

class Verdict:
    def __init__(self, where: str):
        self.where = where
        self.parked = 0
        self.syscalls = 0      # in a syscall in A: only the state is checked
        self.matched = 0
        self.not_compared: List[str] = []   # not parked in A
        self.explained: List[str] = []
        self.unexplained: List[str] = []
        self.diffs: List[str] = []
        self.compare_report = ""

    @property
    def ratio(self) -> float:
        return self.matched / self.parked if self.parked else 0.0

    @property
    def ok(self) -> bool:
        return (not self.unexplained and self.parked > 0
                and self.ratio >= MIN_MATCH and not self.compare_report)

    def summary(self) -> str:
        out = ["%s: %d/%d parked goroutines match byte for byte (%.0f%%), "
               "%d in a syscall, %d explained difference(s), %d unexplained"
               % (self.where, self.matched, self.parked, 100 * self.ratio,
                  self.syscalls, len(self.explained), len(self.unexplained))]
        if self.not_compared:
            out.append("  not compared (running/runnable in the oracle): "
                       + ", ".join(self.not_compared))
        out += ["  explained: " + e for e in self.explained]
        out += ["  UNEXPLAINED: " + e for e in self.unexplained]
        if self.compare_report:
            out.append("  godump.compare: " + self.compare_report)
        out += self.diffs[:5]
        return "\n".join(out)


def _fn(g: godump.Goroutine) -> str:
    return g.frames[0].function if g.frames else "?"


def judge(a: Dict[int, godump.Goroutine], b: Dict[int, godump.Goroutine],
          ours: Dict[int, godump.Goroutine], where: str) -> Verdict:
    v = Verdict(where)
    skip = set()
    for goid, want in a.items():
        if not want.parked:
            got, later = ours.get(goid), b.get(goid)
            if want.state == "syscall":
                # godump.compare checks it is there, still in a syscall.
                v.syscalls += 1
                if got is not None and got.state == want.state:
                    continue
                desc = "goroutine %d [syscall] %s: ours %s" % (
                    goid, _fn(want), "absent" if got is None else "[%s]" % got.status)
                if later is None or later.state != want.state:
                    v.explained.append(desc + " (moved: the later oracle differs too)")
                else:
                    v.unexplained.append(desc + ", yet still in a syscall later")
            else:
                v.not_compared.append("%d [%s] %s" % (goid, want.status, _fn(want)))
            skip.add(goid)
            continue
        v.parked += 1
        got, later = ours.get(goid), b.get(goid)
        if got is not None and got.lines == want.lines:
            v.matched += 1
            continue
        skip.add(goid)
        moved = later is None or later.lines != want.lines
        desc = "goroutine %d [%s] %s" % (goid, want.status, _fn(want))
        if got is None:
            (v.explained if later is None else v.unexplained).append(
                desc + ": absent from ours" +
                (" (exited: absent from the later oracle too)" if later is None
                 else " but still in the later oracle"))
        elif later is not None and got.lines == later.lines:
            v.explained.append(desc + ": ours equals the later oracle [%s]"
                               % later.status)
        elif got.header != want.header:
            (v.explained if moved else v.unexplained).append(
                desc + ": ours [%s]%s" % (got.status, " (moved: the later "
                                          "oracle differs too)" if moved else
                                          ", yet the later oracle is unchanged"))
        else:
            (v.explained if moved else v.unexplained).append(
                desc + ": same header, other stack" +
                (" (moved: the later oracle differs too)" if moved else
                 ", and the later oracle equals the first"))
        if got is not None:
            v.diffs.append(godump.block_diff(want, got))
    for goid, got in ours.items():
        if goid in a:
            continue
        skip.add(goid)
        desc = "goroutine %d [%s] %s" % (goid, got.status, _fn(got))
        if goid in b or not got.parked:
            v.explained.append(desc + ": created after the first oracle")
        else:
            v.unexplained.append(desc + ": in ours only, parked, in neither oracle")
    # What is left must be clean by the suite's own comparison.
    res = godump.compare(a, ours, skip=skip)
    if not res.ok:
        v.compare_report = res.report()
    elif res.compared != v.matched:
        v.compare_report = ("compared %d, matched %d" % (res.compared, v.matched))
    return v


def _parse(text: str, what: str) -> Dict[int, godump.Goroutine]:
    try:
        return godump.parse(text)
    except godump.DumpError as e:
        pytest.fail("%s does not parse: %s\n%s" % (what, e, text[:3000]))


def _attempt(prog: Program, srv: Server, out: Path, with_core: bool) -> List[Verdict]:
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    a_text = srv.goroutines()
    live_text = harness.leak_dump_to_file(harness.live_target(srv.pid), out / "live.txt")
    t_live = time.monotonic() - t0
    core_text = None
    if with_core:
        core = harness.gcore(srv.pid, out / "prometheus.core")
    b_text = srv.goroutines()
    t_b = time.monotonic() - t0
    if with_core:
        try:
            core_text = harness.leak_dump_to_file(
                harness.core_target(prog.exe, core), out / "core.txt")
        finally:
            core.unlink()
    (out / "oracle-a.txt").write_text(a_text)
    (out / "oracle-b.txt").write_text(b_text)
    a, b = _parse(a_text, "oracle A"), _parse(b_text, "oracle B")
    verdicts = [judge(a, b, _parse(live_text, "our live dump"), ours_where(
        prog, "live", t_live))]
    if core_text is not None:
        verdicts.append(judge(a, b, _parse(core_text, "our core dump"),
                              ours_where(prog, "core", t_b)))
    return verdicts


def ours_where(prog: Program, kind: str, delay: float) -> str:
    return "%s %s (%s, %s), %s dump taken within %.2fs of the oracle" % (
        prog.spec, prog.deb, prog.go_version, "stripped" if not prog.unstripped
        else "NOT stripped", kind, delay)


@pytest.mark.parametrize("spec", sorted(PROGRAMS))
def test_thirdparty_matches_its_own_pprof(spec, tool, server_factory, tmp_path):
    start = time.monotonic()
    prog = Program(spec)
    minor = prog.go_version.split(".")
    if (len(minor) < 2 or minor[0] != "go1"
            or int("".join(c for c in minor[1] if c.isdigit()) or 0) not in SUPPORTED_GO):
        pytest.skip("%s is built with %s, outside leak-dump's go1.%d-1.%d"
                    % (spec, prog.go_version, min(SUPPORTED_GO), max(SUPPORTED_GO)))
    assert not prog.unstripped, ("%s is meant to be stripped, yet has %s"
                                 % (prog.exe, prog.unstripped))
    srv = server_factory(prog)
    srv.wait_ready()
    time.sleep(SETTLE)   # past the startup work and the 5 s reload tickers
    reports = []
    for attempt in (1, 2):
        verdicts = _attempt(prog, srv, tmp_path / ("attempt%d" % attempt),
                            with_core=True)
        assert srv.proc.poll() is None, "the server died:\n" + srv.log_text()
        reports += ["attempt %d:\n%s" % (attempt, v.summary()) for v in verdicts]
        if all(v.ok for v in verdicts):
            break
    print("\n\n".join(reports))
    print("%s: %.1fs in all" % (spec, time.monotonic() - start))
    assert all(v.ok for v in verdicts), (
        "leak-dump disagrees with %s's own /debug/pprof/goroutine?debug=2 "
        "beyond what moved between the snapshots:\n\n%s"
        % (spec, "\n\n".join(reports)))
