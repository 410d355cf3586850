#!/usr/bin/python3
"""Triage a folder of Go core files into one table, one row per core.

    examples/triage_cores.py [--exe EXE] [--prove] [--json FILE|-] FOLDER

Columns: the core, its Go version, how many goroutines it has, its biggest
group (how many goroutines, their state, and the innermost function outside
the runtime they are in), and with --prove how many goroutines are proven
leaked (nothing the program can still reach can wake them).  --json writes
the same rows as a JSON list (to stdout with "-"), with the biggest group's
frames and ids.

Cores are the files of FOLDER whose first bytes say ELF core (any name).
The executable of each core, first found wins:

  1. --exe EXE, for every core;
  2. NAME.core -> NAME, beside it (server.core is a core of ./server);
  3. a file or symlink CORE.exe beside the core (core.1234.exe);
  4. the executable the core itself names (its NT_FILE note: the file
     mapped first), if that path exists here.

A core that cannot be read is a row with its error; the others go on.
Exit status: 0, or 1 when no core could be read.

Uses the leakdump Python API (import leakdump); run it with the Python
leakdump's native module is built for (/usr/bin/python3 here) from a
checkout (it finds ../leakdump) or with leakdump installed.
"""

import argparse
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import leakdump  # noqa: E402

RUNTIME_PREFIXES = ("runtime.", "internal/", "runtime/internal/")


def is_core(path):
    """An ELF file of type ET_CORE."""
    try:
        with open(path, "rb") as f:
            head = f.read(18)
    except OSError:
        return False
    return len(head) == 18 and head[:4] == b"\x7fELF" and \
        struct.unpack_from("<H", head, 16)[0] == 4


def _notes(f, ph_off, ph_num, ph_size):
    """(type, name, desc) of every note of an ELF64 little-endian core."""
    f.seek(ph_off)
    table = f.read(ph_num * ph_size)
    for i in range(ph_num):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", table, i * ph_size)
        if p_type != 4:    # PT_NOTE
            continue
        f.seek(p_offset)
        data = f.read(min(p_filesz, 64 << 20))
        pos = 0
        while pos + 12 <= len(data):
            namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
            pos += 12
            name = data[pos:pos + namesz]
            pos += (namesz + 3) & ~3
            desc = data[pos:pos + descsz]
            pos += (descsz + 3) & ~3
            yield ntype, name, desc


def exe_from_core(core):
    """The first file an NT_FILE note maps (the executable), or None."""
    try:
        with open(core, "rb") as f:
            eh = f.read(64)
            if eh[4] != 2 or eh[5] != 1:     # ELF64, little-endian only
                return None
            ph_off, = struct.unpack_from("<Q", eh, 32)
            ph_size, ph_num = struct.unpack_from("<HH", eh, 54)
            for ntype, name, desc in _notes(f, ph_off, ph_num, ph_size):
                if ntype != 0x46494c45 or not name.startswith(b"CORE"):
                    continue
                count, _ = struct.unpack_from("<QQ", desc, 0)
                names = desc[16 + 24 * count:].split(b"\0")
                return names[0].decode(errors="replace") if names else None
    except (OSError, struct.error, IndexError):
        return None
    return None


def find_exe(core, exe=None):
    """The executable for core by the rules of the module docstring."""
    if exe:
        return exe
    base = os.path.basename(core)
    folder = os.path.dirname(core)
    if base.endswith(".core") and len(base) > 5:
        cand = os.path.join(folder, base[:-5])
        if os.path.isfile(cand):
            return cand
    if os.path.exists(core + ".exe"):
        return core + ".exe"
    named = exe_from_core(core)
    if named and os.path.isfile(named):
        return named
    return None


def top_function(frames):
    """The innermost frame outside the runtime (else the innermost)."""
    for f in frames:
        if not f.function.startswith(RUNTIME_PREFIXES):
            return f.function
    return frames[0].function if frames else "?"


def triage(core, exe=None, prove=False):
    """One row: a dict of the table's columns (and "error")."""
    row = {"core": core, "executable": None, "go_version": None,
           "goroutines": None, "biggest": None, "leaked": None,
           "error": None}
    row["executable"] = find_exe(core, exe)
    if row["executable"] is None:
        row["error"] = "no executable (see the naming rule: --help)"
        return row
    try:
        with leakdump.open_core(row["executable"], core) as s:
            row["go_version"] = s.go_version
            groups = s.groups(prove=prove)
            row["goroutines"] = sum(g.count for g in groups)
            if groups:
                big = max(groups, key=lambda g: (g.count, -g.id))
                row["biggest"] = {
                    "count": big.count, "state": big.state,
                    "function": top_function(big.frames),
                    "frames": [f.as_dict() for f in big.frames],
                    "goroutines": big.goroutines[:16],
                    "verdict": big.verdict,
                }
            if prove:
                row["leaked"] = sum(g.count for g in groups
                                    if g.verdict == "leaked")
    except (leakdump.Error, OSError, ValueError) as exc:
        row["error"] = str(exc)
    return row


def table(rows, prove):
    head = ["core", "go", "goroutines", "biggest group"]
    if prove:
        head.append("leaked")
    lines = []
    for r in rows:
        if r["error"]:
            cells = [os.path.basename(r["core"]), "-", "-",
                     "error: " + r["error"]]
            if prove:
                cells.append("-")
        else:
            b = r["biggest"]
            big = "%d x [%s] %s" % (b["count"], b["state"], b["function"]) \
                if b else "-"
            cells = [os.path.basename(r["core"]), r["go_version"],
                     str(r["goroutines"]), big]
            if prove:
                cells.append(str(r["leaked"]))
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) if lines else len(h)
              for i, h in enumerate(head)]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
    out += ["  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
            for cells in lines]
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--exe", help="the executable of every core")
    ap.add_argument("--prove", action="store_true",
                    help="count proven leaks (a pass over each heap)")
    ap.add_argument("--json", metavar="FILE",
                    help="also write the rows as JSON ('-': stdout only)")
    a = ap.parse_args(argv)
    if not os.path.isdir(a.folder):
        print("triage: %s: not a folder" % a.folder, file=sys.stderr)
        return 2
    cores = sorted(os.path.join(a.folder, n) for n in os.listdir(a.folder)
                   if is_core(os.path.join(a.folder, n)))
    rows = [triage(c, a.exe, a.prove) for c in cores]
    if a.json == "-":
        json.dump(rows, sys.stdout, indent=1)
        print()
    else:
        print(table(rows, a.prove))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(rows, f, indent=1)
                f.write("\n")
    return 0 if any(not r["error"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
