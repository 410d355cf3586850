"""Seeded corruption of real cores: variants of a fixture core with bytes
changed in one goroutine's g, its stack, its sudog, a channel, an allgs
entry, allglen or the notes.  Every output format runs on each variant:

  * never a crash, a hang, a Python traceback, or more than one error
    line per command, and every error line is "leak-dump: ...";
  * never a silent empty result: a dump that succeeds lists goroutines;
  * damage confined to one goroutine (its g, stack, sudog, allgs entry)
    and damage to a channel cost at most that goroutine: the dump still
    succeeds in every format and every other goroutine's --format go block
    is byte-identical to the runtime's own dump.

LEAKDUMP_CORRUPT_VARIANTS sets the number of variants per release
(default 24, cheap enough for CI); LEAKDUMP_CORRUPT_SEED the seed."""

import json
import os
import random
import struct

import pytest

import godump
import harness

VARIANTS = int(os.environ.get("LEAKDUMP_CORRUPT_VARIANTS", "24"))
SEED = int(os.environ.get("LEAKDUMP_CORRUPT_SEED", "20261206"))
EDGES = sorted({harness.go_versions()[0], harness.go_versions()[-1]})
# gdb (default) or cli: which host runs the variants.
HOST = os.environ.get("LEAKDUMP_E2E_HOST", "gdb")

# Kinds whose damage is confined to one goroutine (or, for a channel, to
# no goroutine's stack): strict checks apply.
STRICT = {"g", "stack", "sudog", "allgs_entry", "hchan"}
KINDS = ["g", "stack", "sudog", "allgs_entry", "hchan", "allglen", "notes"]


class Core:
    def __init__(self, path):
        self.path = path
        self.loads = harness.core_loads(path)
        self.f = open(path, "r+b")

    def offset(self, addr):
        for l in self.loads:
            if l.vaddr <= addr < l.vaddr + l.filesz:
                return l.offset + addr - l.vaddr
        return None

    def read(self, addr, n):
        off = self.offset(addr)
        if off is None:
            return None
        self.f.seek(off)
        return self.f.read(n)

    def u64(self, addr):
        b = self.read(addr, 8)
        return struct.unpack("<Q", b)[0] if b and len(b) == 8 else None

    def note_range(self):
        with open(self.path, "rb") as f:
            eh = f.read(64)
            phoff, = struct.unpack_from("<Q", eh, 32)
            phentsize, phnum = struct.unpack_from("<HH", eh, 54)
            f.seek(phoff)
            ph = f.read(phentsize * phnum)
        for i in range(phnum):
            p_type, _, off, _, _, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", ph,
                                                                   i * phentsize)
            if p_type == 4:
                return off, filesz
        raise AssertionError("no PT_NOTE")

    def write_file(self, off, data):
        self.f.seek(off)
        old = self.f.read(len(data))
        self.f.seek(off)
        self.f.write(data)
        self.f.flush()
        return old


def _garbage(rng):
    return rng.choice([
        struct.pack("<Q", 0),
        struct.pack("<Q", 0xffffffffffffffff),
        struct.pack("<Q", rng.getrandbits(64)),
        struct.pack("<Q", 0xc000000000 + rng.getrandbits(24) * 8),
        struct.pack("<Q", 0x7fffffff0000 + rng.getrandbits(12) * 8),
        struct.pack("<Q", 1 << 40),
        bytes(rng.getrandbits(8) for _ in range(8)),
    ])


class World:
    """What the variants are drawn from: one core and its goroutines."""

    def __init__(self, exe, core, doc, oracle):
        self.exe, self.core, self.doc, self.oracle = exe, core, doc, oracle
        self.gs = {g["id"]: g for g in doc["goroutines"]}
        self.g_fields, self.g_size = harness.struct_layout(exe, "runtime.g")
        _, self.sudog_size = harness.struct_layout(exe, "runtime.sudog")
        _, self.hchan_size = harness.struct_layout(exe, "runtime.hchan")
        self.allgs = harness.symbol(exe, "runtime.allgs")
        self.allglen = harness.symbol(exe, "runtime.allglen")
        self.chans = [int(o["address"], 16) for o in doc.get("objects", [])
                      if o.get("kind") == "chan" and o.get("address")]
        self.users = sorted(gid for gid, g in oracle.items()
                            if gid != 1 and g.parked and g.user_function())

    def variant(self, rng, kind):
        """[(file offset, bytes)], the victim goroutine id or None."""
        c = self.core
        victim = rng.choice(self.users)
        g = int(self.gs[victim]["g"], 16)
        if kind == "g":
            addr = g + 8 * rng.randrange(self.g_size // 8)
        elif kind == "stack":
            lo, hi = (int(x, 16) for x in self.gs[victim]["stack"])
            addr = hi - 8 * rng.randrange(1, min(512, (hi - lo) // 8))
        elif kind == "sudog":
            waiters = [gid for gid in self.users
                       if c.u64(int(self.gs[gid]["g"], 16) + self.g_fields["waiting"])]
            if not waiters:
                return None, None
            victim = rng.choice(waiters)
            sg = c.u64(int(self.gs[victim]["g"], 16) + self.g_fields["waiting"])
            addr = sg + 8 * rng.randrange(self.sudog_size // 8)
        elif kind == "allgs_entry":
            arr = c.u64(self.allgs)
            idx = next(i for i in range(c.u64(self.allgs + 8))
                       if c.u64(arr + 8 * i) == g)
            addr = arr + 8 * idx
        elif kind == "hchan":
            if not self.chans:
                return None, None
            victim = None
            addr = rng.choice(self.chans) + 8 * rng.randrange(self.hchan_size // 8)
        elif kind == "allglen":
            victim = None
            addr = self.allglen
        else:   # notes: bytes anywhere in the note segment
            off, size = c.note_range()
            pos = off + rng.randrange(size - 8)
            return [(pos, _garbage(rng))], None
        off = c.offset(addr)
        if off is None:
            return None, None
        return [(off, _garbage(rng))], victim


class CliResult:
    """The command line's runs of one variant, shaped like a GdbResult."""

    def __init__(self, runs):
        self.stdout = "".join(r.stdout.decode(errors="replace") for r in runs)
        self.stderr = "".join(r.stderr.decode(errors="replace") for r in runs)

    def error_lines(self):
        return [l for l in self.stderr.splitlines() if l.strip()]


def _run_variant(w, tmp, prove):
    files = {f: tmp / ("v." + f) for f in ("go", "json", "txt", "prove")}
    for f in files.values():
        if f.exists():
            f.unlink()
    opts = [["--format", "go", "--output", files["go"]],
            ["--format", "json", "--output", files["json"]],
            ["--output", files["txt"]]]
    if prove:
        opts.append(["--prove", "--format", "json", "--output", files["prove"]])
    cmds = ["leak-dump " + " ".join(map(str, o)) for o in opts]
    if HOST == "cli":
        # Under make asan-e2e: the sanitized extension, without GDB.
        runs = [harness.run_cli(["core", w.exe, w.core.path] + o, timeout=120)
                for o in opts]
        return CliResult(runs), cmds, files
    r = harness.run_gdb(harness.core_target(w.exe, w.core.path), cmds, timeout=120)
    return r, cmds, files


def _problems(w, r, cmds, files, victim, kind, writer):
    out = []
    text = r.stdout + r.stderr
    if "Traceback" in text or "Python Exception" in text:
        out.append("a Python traceback")
    errors = r.error_lines()
    if any(not e.startswith("leak-dump: ") for e in errors):
        out.append("error lines not of the form 'leak-dump: ...': %s" % errors)
    if len(errors) > len(cmds):
        out.append("more than one error line per command: %s" % errors)
    if files["json"].exists():
        doc = json.loads(files["json"].read_text())
        if not doc["goroutines"]:
            out.append("a silent empty result")
    if kind in STRICT:
        for name in ("go", "json", "txt"):
            if not files[name].exists():
                out.append("--format %s failed: %s" % (name, errors))
        if files["go"].exists():
            ours = godump.parse(files["go"].read_text(), strict=False)
            res = godump.compare(w.oracle, ours,
                                 skip=[writer] + ([victim] if victim else []))
            if not res.ok:
                out.append("other goroutines changed:\n" + res.report(limit=5))
    return out


def test_seeded_corruption(go_version, builds, spawn, tool, tmp_path):
    if go_version not in EDGES:
        pytest.skip("corruption variants run on the oldest and newest release only")
    exe = builds.exe(go_version, "blocking")
    fp = spawn(go_version, "blocking", args=[])
    core_path = harness.gcore(fp.pid, tmp_path / "corrupt.core")
    fp.stop()
    core = Core(core_path)
    try:
        doc = json.loads(harness.leak_dump_to_file(
            harness.core_target(exe, core_path), tmp_path / "before.json", fmt="json"))
        w = World(exe, core, doc, godump.parse(fp.oracle_text))
        rng = random.Random("%s-%s" % (SEED, go_version))
        failures, tried = [], 0
        for i in range(VARIANTS):
            kind = KINDS[i % len(KINDS)]
            edits, victim = w.variant(rng, kind)
            if not edits:
                continue
            saved = [(off, core.write_file(off, data)) for off, data in edits]
            try:
                r, cmds, files = _run_variant(w, tmp_path, prove=i % 4 == 0)
                probs = _problems(w, r, cmds, files, victim, kind, fp.writer)
            finally:
                for off, old in reversed(saved):
                    core.write_file(off, old)
            tried += 1
            if probs:
                failures.append("variant %d (%s, victim %s, edits %s):\n  %s" % (
                    i, kind, victim, [(hex(o), d.hex()) for o, d in edits],
                    "\n  ".join(probs)))
        print("corruption go%s: %d variants, %d channels, %d user goroutines" % (
            go_version, tried, len(w.chans), len(w.users)))
        assert tried >= VARIANTS * 3 // 4, "only %d variants could be made" % tried
        assert not failures, "\n".join(failures)
    finally:
        core.f.close()
        core_path.unlink()
