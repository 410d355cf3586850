#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Regenerate the fuzz seed corpora, tests/fuzz/corpus/<target>/, from real
fixture builds and gcores (the e2e harness builds and runs them):

  pcln        small, self-consistent pclntabs cut from a fixture's
              .gopclntab: windows of consecutive functions with their
              names, cutab and file slices, pc-value tables and inline trees
  buildinfo   the fixture's .go.buildinfo section
  core        a gcore's ELF and program headers and its notes, with the
              PT_LOADs' bytes dropped (the first kept for one page)
  elf         the fixture reduced to its small sections, and a small
              gcc-built file whose DWARF has runtime-like structures
              (tools/fuzz-dwarf-seed.c)
  goroutines  allgs, the g structs, their sudogs and hchans, the tops of
              their stacks and runtime.semtable, read from a gcore; and the
              same with each g parked on a stack of its own in the text of
              the synthetic session the target runs in
  discover    the moduledata, the code of the runtime functions discovery
              follows, the data/bss they reference and the texts the data's
              strings point at, from a gcore

Files named regress-* are inputs that once failed (kept, never rewritten).

Run from the repository:
  LEAKDUMP_E2E_WORK=/work/e2e-work /usr/bin/python3 tools/fuzz-seeds.py
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import harness  # noqa: E402

CORPUS = ROOT / "tests" / "fuzz" / "corpus"
# (Go release, fixture): one core each
WORLDS = [("1.26", "blocking"), ("1.27", "parked")]
MAX_GS = 48
STACK_TOP = 1024
REGION_CAP = 48 << 10
FUNC_CAP = 4096
MAX_STRING_RUNS = 160
DISCOVER_NAMES = [      # tests/fuzz/fuzz_discover.c's fuzz_names, in order
    "runtime.(*activeSweep).end", "runtime.(*mheap).freeSpanLocked",
    "runtime.(*mheap).initSpan", "runtime.(*waitReason).String",
    "runtime.allgadd", "runtime.atomicAllG", "runtime.checkdead",
    "runtime.createfing", "runtime.finalizercommit", "runtime.findObject",
    "runtime.findRunnable", "runtime.forEachG", "runtime.forEachGRace",
    "runtime.freeSpecial", "runtime.gcMarkTinyAllocs",
    "runtime.goroutineheader", "runtime.greyobject", "runtime.handoffp",
    "runtime.isSystemGoroutine", "runtime.iterate_finq",
    "runtime.markroot", "runtime.markrootSpans", "runtime.pollWork",
    "runtime.procresize", "runtime.queuefinalizer",
    "runtime.runFinalizers", "runtime.runfinq", "runtime.spanOfHeap",
    "runtime.sysmon", "runtime.waitReason.String",
    "runtime.wakeNetPoller", "runtime.wakefing",
]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


# ---- ELF files -------------------------------------------------------------

def sections(data):
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", data, 0x3c)
    shdrs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + 64 * i)
             for i in range(shnum)]
    stroff = shdrs[shstrndx][4]
    out = {}
    for sh in shdrs:
        name = data[stroff + sh[0]:data.index(b"\0", stroff + sh[0])]
        out[name.decode()] = sh
    return out


def section_bytes(data, name):
    sh = sections(data)[name]
    return data[sh[4]:sh[4] + sh[5]]


def phdrs(data):
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phnum, = struct.unpack_from("<H", data, 0x38)
    return [list(struct.unpack_from("<IIQQQQQQ", data, phoff + 56 * i))
            for i in range(phnum)]


class Memory:
    """Reads by address: the core's PT_LOADs, else the executable's."""

    def __init__(self, core, exe):
        self.parts = []
        for blob in (core, exe):
            for p in phdrs(blob):
                if p[0] == 1 and p[5]:
                    self.parts.append((p[3], p[5], blob, p[2]))

    def read(self, addr, n):
        for va, filesz, blob, off in self.parts:
            if va <= addr and addr + n <= va + filesz:
                return blob[off + addr - va:off + addr - va + n]
        return None


# ---- the pclntab -----------------------------------------------------------

def varint(b, o):
    v = shift = 0
    while True:
        c = b[o]
        o += 1
        v |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            return v, o


def pcvalue(b, o):
    """(length, values) of the pc-value table at b[o:]."""
    start, val, first, vals = o, -1, True, []
    while True:
        uv, o = varint(b, o)
        if uv == 0 and not first:
            return o - start, vals
        first = False
        val += -((uv + 1) >> 1) if uv & 1 else uv >> 1
        _, o = varint(b, o)
        vals.append(val)


class Pcln:
    def __init__(self, tab, gofunc):
        self.b, self.gofunc = tab, gofunc
        (self.magic, _, _, self.minlc, self.ptr, self.nfunc, self.nfiles,
         self.text_start, self.nameoff, self.cuoff, self.fileoff,
         self.pcoff, self.lnoff) = struct.unpack_from("<IBBBBQQQQQQQQ", tab, 0)

    def ftab(self, i):
        return struct.unpack_from("<II", self.b, self.lnoff + 8 * i)

    def func(self, i):
        b, o = self.b, self.lnoff + self.ftab(i)[1]
        f = list(struct.unpack_from("<IiiIIIIIIiBBBB", b, o))
        npc, nfd = f[7], f[13]
        pcd = list(struct.unpack_from("<%dI" % npc, b, o + 44))
        fd = list(struct.unpack_from("<%dI" % nfd, b, o + 44 + 4 * npc))
        return f, pcd, fd

    def cstr(self, off):
        return self.b[off:self.b.index(b"\0", off)]

    def name(self, nameoff):
        return self.cstr(self.nameoff + nameoff).decode()

    def names(self):
        return {self.name(self.func(i)[0][1]): self.ftab(i)[0]
                for i in range(self.nfunc)}

    def find(self, name):
        for i in range(self.nfunc):
            if self.name(self.func(i)[0][1]) == name:
                return i
        raise KeyError(name)


def mini_pcln(p, first, count):
    """A pclntab of functions [first, first+count) of p, consistent on its
    own: names, cutab slices, file names and tables copied and renumbered;
    the inline trees appended after the records, where funcdata offsets
    (relative to the table itself, as fuzz_pcln reads them) find them."""
    names, names_at = bytearray(), {}
    cutab, files, files_at = [], bytearray(), {}
    pctab, pc_at = bytearray(b"\0"), {0: 0}
    recs, gofunc = [], bytearray()

    def name(off):
        if off not in names_at:
            names_at[off] = len(names)
            names.extend(p.cstr(p.nameoff + off) + b"\0")
        return names_at[off]

    def table(off):
        if off not in pc_at:
            n, _ = pcvalue(p.b, p.pcoff + off)
            pc_at[off] = len(pctab)
            pctab.extend(p.b[p.pcoff + off:p.pcoff + off + n])
        return pc_at[off]

    for i in range(first, first + count):
        f, pcd, fd = p.func(i)
        nfiles = 1 + max([v for v in pcvalue(p.b, p.pcoff + f[5])[1]
                          if v >= 0] or [0]) if f[5] else 0
        cu = len(cutab)
        for k in range(nfiles):
            old = u32(p.b, p.cuoff + 4 * (f[8] + k))
            if old != 0xffffffff and old not in files_at:
                files_at[old] = len(files)
                files.extend(p.cstr(p.fileoff + old) + b"\0")
            cutab.append(files_at.get(old, 0xffffffff))
        f[1] = name(f[1])
        f[4], f[5], f[6] = table(f[4]), table(f[5]), table(f[6])
        f[8] = cu
        inl = 0
        if len(pcd) > 2 and pcd[2]:
            inl = 1 + max(pcvalue(p.b, p.pcoff + pcd[2])[1] + [-1])
        pcd = [table(t) for t in pcd]
        newfd = [0xffffffff] * len(fd)
        if len(fd) > 3 and fd[3] != 0xffffffff and inl and p.gofunc:
            tree = bytearray()
            for k in range(inl):
                fid, noff, ppc, line = struct.unpack_from(
                    "<B3xiii", p.gofunc, fd[3] + 16 * k)
                tree += struct.pack("<B3xiii", fid, name(noff), ppc, line)
            newfd[3] = len(gofunc)
            gofunc.extend(tree)
        recs.append((p.ftab(i)[0], f, pcd, newfd))
    end_entry = p.ftab(first + count)[0]

    names.extend(b"\0" * (-len(names) % 4))
    files.extend(b"\0" * (-len(files) % 8))
    pctab.extend(b"\0" * (-len(pctab) % 8))
    hdr = 72
    o_names = hdr
    o_cu = o_names + len(names)
    o_files = o_cu + 4 * len(cutab)
    o_pc = o_files + len(files)
    o_ln = o_pc + len(pctab)
    ftab = bytearray()
    body = bytearray()
    base = 8 * (count + 1)
    for entry, f, pcd, fd in recs:
        ftab += struct.pack("<II", entry, base + len(body))
        body += struct.pack("<IiiIIIIIIiBBBB", *f[:7], len(pcd), *f[8:13],
                            len(fd))
        body += struct.pack("<%dI" % len(pcd), *pcd)
        body += struct.pack("<%dI" % len(fd), *fd)
        body += b"\0" * (-len(body) % 4)
    ftab += struct.pack("<II", end_entry, 0)
    o_go = o_ln + len(ftab) + len(body)
    out = bytearray(struct.pack("<IBBBBQQQQQQQQ", p.magic, 0, 0, p.minlc,
                                p.ptr, count, len(cutab), p.text_start,
                                o_names, o_cu, o_files, o_pc, o_ln))
    out += names + struct.pack("<%dI" % len(cutab), *cutab) + files + pctab
    out += ftab + body
    # rebase the inline trees' funcdata offsets to the whole input
    fixed = bytearray(out)
    pos = o_ln + base
    for entry, f, pcd, fd in recs:
        fdo = pos + 44 + 4 * len(pcd)
        for k, v in enumerate(fd):
            if v != 0xffffffff:
                struct.pack_into("<I", fixed, fdo + 4 * k, o_go + v)
        pos += 44 + 4 * len(pcd) + 4 * len(fd)
    return bytes(fixed + gofunc)


# ---- gdb: layouts and symbols ----------------------------------------------

GDB_QUERY = r'''
import gdb, json
def off(t, path):
    ty, o = gdb.lookup_type(t), 0
    for m in path.split("."):
        f = [f for f in ty.strip_typedefs().fields() if f.name == m][0]
        o += f.bitpos // 8
        ty = f.type
    return o
def sym(n):
    s = gdb.lookup_global_symbol(n) or gdb.lookup_static_symbol(n)
    return [int(s.value().address), s.type.sizeof]
md = ["text", "etext", "noptrdata", "enoptrdata", "data", "edata", "bss",
      "ebss", "noptrbss", "enoptrbss", "gofunc"]
out = {
  "g_size": gdb.lookup_type("runtime.g").sizeof,
  "sudog_size": gdb.lookup_type("runtime.sudog").sizeof,
  "hchan_size": gdb.lookup_type("runtime.hchan").sizeof,
  "md_size": gdb.lookup_type("runtime.moduledata").sizeof,
  "g": {m: off("runtime.g", m) for m in
        ["stack.lo", "stack.hi", "sched.sp", "sched.pc", "sched.bp",
         "waiting"]},
  "sudog": {m: off("runtime.sudog", m) for m in ["c", "waitlink"]},
  "md": {m: off("runtime.moduledata", m) for m in md},
  "sym": {n: sym(n) for n in ["runtime.allgs", "runtime.allglen",
          "runtime.firstmoduledata", "runtime.semtable"]},
}
print("JSON" + json.dumps(out))
'''


def gdb_facts(exe):
    with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
        f.write(GDB_QUERY)
        f.flush()
        r = subprocess.run(["gdb", "-batch", "-nx", str(exe), "-ex",
                            "python exec(open(%r).read())" % f.name],
                           capture_output=True, text=True, timeout=120)
    for line in r.stdout.splitlines():
        if line.startswith("JSON"):
            return json.loads(line[4:])
    raise RuntimeError("gdb: " + r.stdout + r.stderr)


# ---- seeds -----------------------------------------------------------------

def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)
    print("%-12s %-24s %7d bytes" % (target, name, len(data)))


def seg(addr, data):
    return struct.pack("<QI", addr, len(data)) + data


def core_seed(core):
    """Headers and notes only; the first PT_LOAD keeps one page."""
    ph = phdrs(core)
    notes = b"".join(core[p[2]:p[2] + p[5]] for p in ph if p[0] == 4)
    first = next(p for p in ph if p[0] == 1 and p[5])
    page = core[first[2]:first[2] + min(first[5], 4096)]
    hdr = bytearray(core[:64])
    struct.pack_into("<QQ", hdr, 0x20, 64, 0)          # e_phoff, e_shoff
    struct.pack_into("<HHH", hdr, 0x3a, 64, 0, 0)      # no sections
    struct.pack_into("<H", hdr, 0x38, len(ph))
    off_notes = 64 + 56 * len(ph)
    off_page = off_notes + len(notes)
    out = bytearray(hdr)
    note_at = off_notes
    for p in ph:
        q = list(p)
        if q[0] == 4:
            q[2] = note_at
            note_at += q[5]
        elif p is first:
            q[2], q[5] = off_page, len(page)
        elif q[0] == 1:
            q[2], q[5] = 0, 0
        out += struct.pack("<IIQQQQQQ", *q)
    return bytes(out + notes + page)


# tests/unit/synth: the text of the synthetic session fuzz_goroutines
# runs in (synth_session.h, synth_blocking.h's function order), so that
# stacks unwind through real frames: every function is 0x40 bytes, its
# frame 0x48 bytes from +4 on.
SS_TEXT, SS_STACK_LO, SLOT = 0x401000, 0xc000100000, 0x800
SBF_GOPARK, SBF_RTMAIN, SBF_GOEXIT, SBF_WORKER = 0, 5, 6, 7


def synth_stack(g, i, g_off):
    """Point g at a stack of its own in the synthetic session's stack
    area, holding gopark <- main.worker (or runtime.main) <- goexit."""
    lo = SS_STACK_LO + SLOT * (i % 16)
    sp = lo + 0x80
    callers = [SBF_WORKER if i else SBF_RTMAIN, SBF_GOEXIT]
    words = bytearray(SLOT)
    at = sp
    for k, f in enumerate(callers):
        ret = SS_TEXT + 0x40 * f + (0x15 if k == 0 else 1)
        struct.pack_into("<Q", words, at + 0x40 - lo, ret)
        at += 0x48
    for name, v in (("stack.lo", lo), ("stack.hi", lo + SLOT),
                    ("sched.sp", sp), ("sched.bp", 0),
                    ("sched.pc", SS_TEXT + 0x40 * SBF_GOPARK + 0x15)):
        struct.pack_into("<Q", g, g_off[name], v)
    return seg(lo, bytes(words))


def goroutines_seed(mem, facts, layout, flags, synth=False):
    sym = facts["sym"]
    allgs_at, allglen_at = sym["runtime.allgs"][0], sym["runtime.allglen"][0]
    hdr = struct.pack("<QQBB6x", allgs_at, allglen_at, layout, flags)
    slice_ = mem.read(allgs_at, 24)
    ptr, n = u64(slice_, 0), min(u64(slice_, 8), MAX_GS)
    out = bytearray(hdr)
    out += seg(allgs_at, slice_[:8] + struct.pack("<QQ", n, n))
    out += seg(allglen_at, struct.pack("<Q", n))
    arr = mem.read(ptr, 8 * n)
    out += seg(ptr, arr)
    g_off, sg_off = facts["g"], facts["sudog"]
    for i in range(n):
        ga = u64(arr, 8 * i)
        g = mem.read(ga, facts["g_size"])
        if g is None:
            continue
        if synth:
            g = bytearray(g)
            out += synth_stack(g, i, g_off)
            g = bytes(g)
        out += seg(ga, g)
        sp, hi = u64(g, g_off["sched.sp"]), u64(g, g_off["stack.hi"])
        if sp and hi > sp and not synth:
            top = mem.read(sp, min(STACK_TOP, hi - sp))
            if top:
                out += seg(sp, top)
        sg, seen = u64(g, g_off["waiting"]), set()
        while sg and sg not in seen and len(seen) < 8:
            seen.add(sg)
            s = mem.read(sg, facts["sudog_size"])
            if s is None:
                break
            out += seg(sg, s)
            c = u64(s, sg_off["c"])
            h = mem.read(c, facts["hchan_size"]) if c else None
            if h:
                out += seg(c, h)
            sg = u64(s, sg_off["waitlink"])
    st, size = sym["runtime.semtable"]
    out += seg(st, mem.read(st, size))
    return bytes(out)


def discover_seed(mem, facts, pcln, layout):
    md_at = facts["sym"]["runtime.firstmoduledata"][0]
    md = mem.read(md_at, facts["md_size"])
    mo = facts["md"]
    text, etext = u64(md, mo["text"]), u64(md, mo["etext"])
    names = pcln.names()
    entries = [names.get(n, 0xffffffff) for n in DISCOVER_NAMES]
    hdr = struct.pack("<QQQQB7x", text, etext - text, md_at, 0, layout)
    hdr += struct.pack("<%dI" % len(entries), *entries)
    out = bytearray(hdr) + seg(md_at, md)
    ends = sorted(set(names.values()))
    for e in entries:
        if e == 0xffffffff:
            continue
        nxt = next((x for x in ends if x > e), e + FUNC_CAP)
        code = mem.read(text + e, min(nxt - e, FUNC_CAP))
        if code:
            out += seg(text + e, code)
    for lo, hi in (("noptrdata", "enoptrdata"), ("data", "edata"),
                   ("bss", "ebss"), ("noptrbss", "enoptrbss")):
        a, b = u64(md, mo[lo]), u64(md, mo[hi])
        # the runtime's own variables come first in each (ordered by
        # package), so the head of each region holds what is looked for
        chunk = mem.read(a, min(b - a, REGION_CAP))
        if chunk:
            out += seg(a, chunk)
            if lo == "data":
                data = chunk
    # the texts the data's strings point at (wait reasons, statuses, ...)
    spans = []
    for o in range(0, len(data) - 15, 8):
        ptr, n = u64(data, o), u64(data, o + 8)
        if 0 < n < 256 and mem.read(ptr, n) and not text <= ptr < etext:
            spans.append([ptr, ptr + n])
    runs = []
    for lo_, hi_ in sorted(spans):
        if runs and lo_ <= runs[-1][1] + 512:
            runs[-1][1] = max(runs[-1][1], hi_)
        else:
            runs.append([lo_, hi_])
    for lo_, hi_ in runs[:MAX_STRING_RUNS]:
        out += seg(lo_, mem.read(lo_, hi_ - lo_))
    # allgs and the first goroutines it holds (the slice is validated by
    # them), allglen and semtable, wherever the region cap left them
    sym = facts["sym"]
    allgs, allglen = sym["runtime.allgs"][0], sym["runtime.allglen"][0]
    sl = mem.read(allgs, 24)
    n = min(u64(sl, 8), 4)
    arr = mem.read(u64(sl, 0), 8 * n)
    # whole pages: discovery reads data and bss a page at a time
    for a in (allgs, allglen):
        out += seg(a & ~0xfff, mem.read(a & ~0xfff, 0x1000))
    out += seg(allgs, sl[:8] + struct.pack("<QQ", n, n))
    out += seg(allglen, struct.pack("<Q", n))
    out += seg(u64(sl, 0), arr)
    for i in range(n):
        ga = u64(arr, 8 * i)
        out += seg(ga, mem.read(ga, facts["g_size"]))
    st, size = sym["runtime.semtable"]
    out += seg(st, mem.read(st, size))
    return bytes(out)


def dwarf_seed(exe):
    src = ROOT / "tools" / "fuzz-dwarf-seed.c"
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "seed"
        subprocess.run(["gcc", "-g", "-O0", "-nostdlib", "-static",
                        "-gdwarf-4", "-o", str(out), str(src)], check=True)
        bi = Path(d) / "bi"
        bi.write_bytes(section_bytes(exe.read_bytes(), ".go.buildinfo"))
        subprocess.run(["objcopy", "--add-section", ".go.buildinfo=%s" % bi,
                        str(out)], check=True)
        data = out.read_bytes().replace(b"runtime_", b"runtime.")
    return data


def reduced_elf(exe):
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "small"
        subprocess.run(["objcopy", "--only-section=.note.go.buildid",
                        "--only-section=.go.buildinfo",
                        "--only-section=.note.gnu.build-id",
                        str(exe), str(out)], check=True)
        return out.read_bytes()


def main():
    # regress-*: inputs that once failed (committed by hand), kept
    for t in ("pcln", "buildinfo", "core", "elf", "goroutines", "discover"):
        for f in (CORPUS / t).glob("*"):
            if not f.name.startswith("regress-"):
                f.unlink()
    for k, (version, fixture) in enumerate(WORLDS):
        minor = int(version.split(".")[1])
        # ext/go/layouts_gen.c holds one table per release from 1.21 on
        layout = minor - 21
        exe = harness.build(version, fixture)
        blob = exe.read_bytes()
        facts = gdb_facts(exe)
        tag = "go%s-%s" % (version, fixture)
        sec = sections(blob)
        with tempfile.TemporaryDirectory() as d:
            fx = harness.FixtureProcess(exe, Path(d) / "out").wait_ready()
            try:
                core_path = harness.gcore(fx.pid, Path(d) / "core")
            finally:
                fx.stop()
            core = core_path.read_bytes()
        mem = Memory(core, blob)
        md_at = facts["sym"]["runtime.firstmoduledata"][0]
        gofunc_va = u64(mem.read(md_at, facts["md_size"]),
                        facts["md"]["gofunc"])
        sh = sec[".gopclntab"]
        ro = next(s for s in sec.values()
                  if s[3] <= gofunc_va < s[3] + s[5] and s[1] == 1)
        gofunc = blob[ro[4] + gofunc_va - ro[3]:ro[4] + ro[5]]
        pcln = Pcln(blob[sh[4]:sh[4] + sh[5]], gofunc)
        for fn, cnt in (("main.main", 12), ("runtime.gopark", 16),
                        ("runtime.goexit", 4)):
            i = pcln.find(fn)
            i = max(0, min(i - cnt // 2, pcln.nfunc - cnt - 1))
            write("pcln", "%s-%s" % (tag, fn.split(".")[-1]),
                  mini_pcln(pcln, i, cnt))
        write("buildinfo", tag, section_bytes(blob, ".go.buildinfo"))
        write("core", tag, core_seed(core))
        write("goroutines", tag,
              goroutines_seed(mem, facts, layout, 0 if k == 0 else 0x1d))
        # the same runtime structures, parked in the synthetic text
        write("goroutines", tag + "-synth-stacks",
              goroutines_seed(mem, facts, layout, 2 if k == 0 else 0x05,
                              synth=True))
        write("discover", tag, discover_seed(mem, facts, pcln, layout))
        write("elf", tag + "-small", reduced_elf(exe))
        if k == 0:
            write("elf", "dwarf-runtime-like", dwarf_seed(exe))


if __name__ == "__main__":
    main()
