"""Separate debug files, as distributions ship them: the executable stripped
(of DWARF only, or of everything), its DWARF and symbols in a file found by
GNU build id under DIR/.build-id/xx/yyyy.debug, or through .gnu_debuglink,
with DIR GDB's debug-file-directory.  The runtime's own dump is the oracle,
live and on a gcore.  A debug file that does not belong to the executable
must be ignored, the dump then coming from the layout tables and discovery.

Go's linker writes a GNU build id only when asked: -B gobuildid (derived
from the Go build id, Go 1.22 on) or -B 0x<hex>."""

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import godump
import harness

OBJCOPY = shutil.which("objcopy")
pytestmark = pytest.mark.skipif(OBJCOPY is None, reason="needs objcopy")


def _minor(version):
    return int(version.split(".")[1])


def _hex_id(version, what):
    return hashlib.sha1(("leakdump %s %s" % (version, what)).encode()).hexdigest()


def _ldflags(version):
    if _minor(version) >= 22:
        return "-B gobuildid"
    return "-B 0x" + _hex_id(version, "buildid")


def _build_id(path):
    """The GNU build id of an ELF file, as lower-case hex (or None)."""
    data = Path(path).read_bytes()
    # Go puts .note.gnu.build-id in the first page; so does objcopy's copy.
    m = re.search(rb"\x04\x00\x00\x00(.)\x00\x00\x00\x03\x00\x00\x00GNU\x00",
                  data[:1 << 16], re.S)
    if not m:
        return None
    n = m.group(1)[0]
    return data[m.end():m.end() + n].hex()


def _objcopy(*args):
    r = subprocess.run([OBJCOPY, *map(str, args)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, "objcopy %s failed:\n%s%s" % (
        " ".join(map(str, args)), r.stdout, r.stderr)


def _has_section(path, name):
    r = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True,
                       text=True, timeout=60)
    return (" %s " % name) in r.stdout


def _split(exe, workdir, strip):
    """exe's debug file and exe stripped (--strip-debug or --strip-all)
    with a .gnu_debuglink to it, in workdir/bin/ (same base name, for the
    core's pr_fname); returns (stripped exe, debug file)."""
    bindir = workdir / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    debug = workdir / (exe.name + ".debug")
    out = bindir / exe.name
    _objcopy("--only-keep-debug", exe, debug)
    _objcopy("--strip-" + strip, exe, out)
    # objcopy records the debug file's base name and its CRC32.
    _objcopy("--add-gnu-debuglink=" + str(debug), out)
    assert not _has_section(out, ".debug_info")
    assert _has_section(out, ".symtab") == (strip == "debug")
    assert _has_section(out, ".gnu_debuglink")
    assert _has_section(debug, ".debug_info")
    return out, debug


def _place_by_build_id(debug, root, build_id):
    dest = root / ".build-id" / build_id[:2] / (build_id[2:] + ".debug")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(debug, dest)
    return dest


def _place_by_debuglink(debug, root, exe):
    """DIR + the executable's absolute directory + the debuglink name."""
    dest = Path(str(root) + str(exe.parent.resolve())) / debug.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(debug, dest)
    return dest


def _with_dirs(root, target):
    return ["-iex", "set debug-file-directory %s" % root] + list(target)


# What the native session keeps open: is the debug file mapped?
_PROBE = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
from leakdump import _leakdump
exe, core, dirs, debug = sys.argv[2:6]
s = _leakdump.Session("core", exe, core=core, debug_dirs=dirs)
info = s.info()
maps = open("/proc/self/maps").read()
print(json.dumps({"mapped": os.path.realpath(debug) in maps,
                  "goroutines": info["goroutines"]}))
"""


def _probe(exe, core, dirs, debug):
    r = subprocess.run([sys.executable, "-c", _PROBE, str(harness.REPO),
                        str(exe), str(core), str(dirs), str(debug)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "native session failed:\n%s%s" % (r.stdout,
                                                                  r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def _check(fp, ours, where):
    res = godump.compare(godump.parse(fp.oracle_text), godump.parse(ours),
                         skip=[fp.writer])
    assert res.ok, "%s: our dump differs from the runtime's:\n%s" % (where, res.report())
    assert res.compared > 20


def _dump(target, out, debug):
    """leak-dump in GDB, as harness.leak_dump_to_file; also whether the
    native session (GDB itself maps no debug file) has debug mapped."""
    if out.exists():
        out.unlink()
    probe = ("python print('MAPPED=' + str(int(any(%r in l for l in "
             "open('/proc/self/maps')))))" % str(debug.resolve()))
    r = harness.run_gdb(target, ["leak-dump --format go --output %s" % out,
                                 probe])
    assert "Traceback" not in r.output, r.describe()
    assert not r.error_lines(), r.describe()
    assert out.exists(), "leak-dump wrote no %s\n%s" % (out, r.describe())
    m = re.search(r"^MAPPED=([01])$", r.stdout, re.M)
    assert m, r.describe()
    return out.read_text(), m.group(1) == "1"


def _dump_live_and_core(fp, exe, root, tmp_path, where, debug, used):
    """Dump live and from a gcore with debug-file-directory = root, and
    check debug was (or was not) used; returns the core (the caller
    deletes it)."""
    live, mapped = _dump(_with_dirs(root, harness.live_target(fp.pid)),
                         tmp_path / "live.txt", debug)
    _check(fp, live, "live " + where)
    assert mapped == used, "live %s: %s %s" % (
        where, debug, "not used" if used else "used")
    core = harness.gcore(fp.pid, tmp_path / "d.core")
    ours, mapped = _dump(_with_dirs(root, harness.core_target(exe, core)),
                         tmp_path / "core.txt", debug)
    _check(fp, ours, "core " + where)
    assert mapped == used, "core %s: %s %s" % (
        where, debug, "not used" if used else "used")
    return core


CASES = {
    # how the debug file is found, how much the executable was stripped
    "build-id-strip-debug": ("build-id", "debug"),
    "build-id-strip-all": ("build-id", "all"),
    "debuglink-strip-all": ("debuglink", "all"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_debug_file_matches_oracle(go_version, case, spawn, builds, tool,
                                   tmp_path):
    how, strip = CASES[case]
    built = builds.exe(go_version, "parked", variant="buildid",
                       ldflags=_ldflags(go_version))
    build_id = _build_id(built)
    assert build_id, "go %s -ldflags=%r wrote no GNU build id" % (
        go_version, _ldflags(go_version))
    exe, debug = _split(built, tmp_path, strip)
    assert _build_id(exe) == build_id == _build_id(debug)
    root = tmp_path / "debug-root"
    root.mkdir()
    if how == "build-id":
        placed = _place_by_build_id(debug, root, build_id)
    else:
        placed = _place_by_debuglink(debug, root, exe)
    debug.unlink()   # only where GDB's debug-file-directory leads
    fp = spawn(go_version, "parked", exe=exe)
    where = "go%s %s" % (go_version, case)
    core = _dump_live_and_core(fp, exe, root, tmp_path, where, placed, True)
    try:
        # The debug file is what the native session used...
        got = _probe(exe, core, root, placed)
        assert got["mapped"], "%s: debug file %s not used" % (where, placed)
        # ...and only because debug-file-directory led there.
        got = _probe(exe, core, tmp_path / "elsewhere", placed)
        assert not got["mapped"], where
    finally:
        core.unlink()


def test_wrong_build_id_ignored(go_version, spawn, builds, tool, tmp_path):
    """A debug file for another build (same code, another build id) at the
    executable's build-id path and at its debuglink name is not used: the
    dump comes from the tables and discovery, and still matches."""
    built = builds.exe(go_version, "parked", variant="buildid",
                       ldflags=_ldflags(go_version))
    other = builds.exe(go_version, "parked", variant="otherid",
                       ldflags="-B 0x" + _hex_id(go_version, "other"))
    build_id = _build_id(built)
    assert build_id and _build_id(other) and build_id != _build_id(other)
    exe, debug = _split(built, tmp_path, "all")
    wrong = tmp_path / "wrong.debug"
    _objcopy("--only-keep-debug", other, wrong)
    root = tmp_path / "debug-root"
    root.mkdir()
    placed = _place_by_build_id(wrong, root, build_id)
    # The debuglink's CRC is the right file's: this one fails it.
    shutil.copyfile(wrong, _place_by_debuglink(debug, root, exe))
    shutil.copyfile(wrong, exe.parent / debug.name)
    debug.unlink()
    fp = spawn(go_version, "parked", exe=exe)
    where = "go%s wrong build id" % go_version
    core = _dump_live_and_core(fp, exe, root, tmp_path, where, placed, False)
    try:
        got = _probe(exe, core, root, placed)
        assert not got["mapped"], "%s: %s was used" % (where, placed)
        assert got["goroutines"] > 20
    finally:
        core.unlink()
