"""Heap metadata (ext/prove/heap.c) on gcores of tests/fixtures/heap.

A small C driver (tests/fixtures/heap/cdriver/heapquery.c, built here
against build/libleakdump.a) opens the core and classifies addresses.  For
every object the fixture allocated (small size classes with and without
pointers, pointerful objects carrying a malloc header, large objects) the
address must be an allocated object whose slot starts at the address (or 8
bytes below it, the malloc header of Go 1.22+) and is at least as large as
what was asked for; interior pointers must map to the same slot; a stack
variable and a global must not be heap objects; every object must lie in a
span the iterator reports; nothing may be unreadable or corrupt.

Run for the binary with DWARF, without (-ldflags=-w: layouts from the
generated tables), and fully stripped (-ldflags='-s -w', also as a PIE:
runtime.mheap_ is found by ext/go/discover_heap.c).
"""

import json
import shlex
import subprocess

import pytest

import harness

FIXTURE = "heap"
DRIVER_SRC = harness.FIXTURES / FIXTURE / "cdriver" / "heapquery.c"
LIB = harness.REPO / "build" / "libleakdump.a"
CFLAGS = ["-std=gnu11", "-D_GNU_SOURCE", "-I" + str(harness.REPO / "include"),
          "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", "-Wshadow",
          "-Wformat=2", "-O2", "-g"]
HEADER = 8          # mallocHeaderSize (Go 1.22+)
MAX_SMALL = 32768   # the largest size class
PAGE = 8192


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not LIB.exists():
        pytest.fail("%s missing: run make first" % LIB)
    out = tmp_path_factory.mktemp("heapquery") / "heapquery"
    cmd = ["cc", *CFLAGS, "-o", str(out), str(DRIVER_SRC), str(LIB), "-ldw", "-lelf"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "building the driver failed: %s\n%s%s" % (
        shlex.join(cmd), r.stdout, r.stderr)
    return out


def _query(driver, exe, core, addrs):
    r = subprocess.run([str(driver), str(exe), str(core), *["%#x" % a for a in addrs]],
                       capture_output=True, text=True, timeout=120)
    return r


def _parse(text):
    answers, spans, stats = {}, [], {}
    for line in text.splitlines():
        f = line.split()
        if f[0] == "span":
            spans.append(tuple(int(x, 0) for x in f[1:]))
        elif f[0] == "stats":
            stats = {k: int(v) for k, v in (x.split("=") for x in f[1:])}
        else:
            addr = int(f[0], 0)
            if len(f) == 4:
                answers[addr] = (f[1], int(f[2], 0), int(f[3]))
            else:
                answers[addr] = (f[1], None, None)
    return answers, spans, stats


def _has_header(go_version, obj):
    minor = int(go_version.split(".")[1])
    return (minor >= 22 and obj["pointers"] and 512 < obj["size"] <= MAX_SMALL - HEADER)


def _run(spawn, builds, version, variant, tmp_path, driver, addrs_of, ldflags="",
         flags=()):
    """gcore the fixture built as variant, query addrs_of(info) on the core
    and delete the core at once (a core of this fixture is over 1 GB)."""
    exe = builds.exe(version, FIXTURE, variant=variant, ldflags=ldflags, flags=flags)
    fp = spawn(version, FIXTURE, args=[], env={"LEAKDUMP_NO_ORACLE": "1"}, exe=exe)
    core = tmp_path / ("heap-%s.core" % (variant or "dwarf"))
    try:
        harness.gcore(fp.pid, core)
        fp.stop()
        info = fp.info
        return info, _query(driver, exe, core, addrs_of(info))
    finally:
        if core.exists():
            core.unlink()


def _addrs(info):
    addrs = [int(info["stack"], 0), int(info["global"], 0)]
    for o in info["objects"]:
        a = int(o["addr"], 0)
        addrs += [a, a + o["size"] // 2, a + o["size"] - 1]
    return addrs


VARIANTS = {
    "dwarf": dict(),
    "nodwarf": dict(ldflags="-w"),
    "stripped": dict(ldflags="-s -w"),
    "stripped-pie": dict(ldflags="-s -w", flags=("-buildmode=pie",)),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_heap_objects(go_version, variant, spawn, builds, driver, tmp_path):
    info, r = _run(spawn, builds, go_version, "" if variant == "dwarf" else variant,
                   tmp_path, driver, _addrs, **VARIANTS[variant])
    where = "go%s %s" % (go_version, variant)
    objs = info["objects"]
    stack, glob = int(info["stack"], 0), int(info["global"], 0)
    assert stack, "%s: the fixture did not record its stack address" % where
    assert r.returncode == 0, "%s: heapquery failed:\n%s%s" % (where, r.stdout, r.stderr)
    answers, spans, stats = _parse(r.stdout)

    bad = {k: v for k, v in stats.items()
           if k not in ("arenas", "spans") and v}
    assert not bad, "%s: heap metadata problems: %s" % (where, stats)
    assert stats["arenas"] >= 1 and spans, "%s: no spans found" % where
    assert answers[stack][0] == "not-heap", "%s: stack %#x: %s" % (where, stack, answers[stack])
    assert answers[glob][0] == "not-heap", "%s: global %#x: %s" % (where, glob, answers[glob])

    for o in objs:
        a, size = int(o["addr"], 0), o["size"]
        what = "%s: %s at %#x (%d bytes)" % (where, o["name"], a, size)
        kind, base, slot = answers[a]
        assert kind == "object", "%s: %s" % (what, answers[a])
        want = a - HEADER if _has_header(go_version, o) else a
        assert base == want, "%s: base %#x, want %#x" % (what, base, want)
        assert base + slot >= a + size, "%s: slot %d bytes too small" % (what, slot)
        if size <= MAX_SMALL - HEADER:
            assert slot <= MAX_SMALL, "%s: slot %d" % (what, slot)
        else:
            assert slot < size + PAGE, "%s: large slot %d" % (what, slot)
        for inner in (a + size // 2, a + size - 1):
            assert answers[inner] == answers[a], "%s: interior %#x -> %s" % (
                what, inner, answers[inner])
        # The iterator reports the span holding it.
        holders = [s for s in spans if s[0] <= base < s[0] + s[1] * PAGE]
        assert len(holders) == 1, "%s: spans holding it: %s" % (what, holders)
        sbase, npages, elemsize, nelems, _, spanclass = holders[0]
        assert (base - sbase) % elemsize == 0 and slot <= elemsize, \
            "%s: not a slot of span %s" % (what, holders[0])
        if size > MAX_SMALL:
            assert spanclass >> 1 == 0 and nelems == 1, "%s: large span %s" % (
                what, holders[0])
    # Spans are reported once each, by address within an arena, without overlap.
    ordered = sorted(spans)
    for prev, nxt in zip(ordered, ordered[1:]):
        assert prev[0] + prev[1] * PAGE <= nxt[0], "%s: spans overlap: %s %s" % (
            where, prev, nxt)

