"""Blocking objects: leak-dump names the exact primitive every parked
goroutine of the `blocking` fixture waits on (the fixture prints their
addresses with %p and records the waiters' goroutine ids), with its decoded
state and all of its waiters, live and from a core."""

import json
import re

import pytest

import harness


def _ids(info, name):
    return sorted(int(x) for x in info["ids"][name])


def _blocking(doc):
    return {g["id"]: g.get("blocking", []) for g in doc["goroutines"]}


def _one(blocks, gid, kind):
    objs = [b for b in blocks[gid] if b["kind"] == kind]
    assert len(objs) == 1, "goroutine %d: %r" % (gid, blocks[gid])
    return objs[0]


def _live_doc(fp, tmp_path):
    """leak-dump's JSON report of the running fixture."""
    return json.loads(harness.leak_dump_to_file(harness.live_target(fp.pid),
                                                tmp_path / "live.json", fmt="json"))


def _core_doc(fp, exe, tmp_path):
    """leak-dump's JSON report from a gcore of the fixture (then deleted)."""
    core = harness.gcore(fp.pid, tmp_path / "blocking.core")
    try:
        return json.loads(harness.leak_dump_to_file(harness.core_target(exe, core),
                                                    tmp_path / "core.json", fmt="json"))
    finally:
        core.unlink()


def _check(info, doc, live):
    obj = info["objects"]
    blocks = _blocking(doc)

    recv = _ids(info, "recv_events")
    for gid in recv:
        b = _one(blocks, gid, "chan")
        assert b["address"] == obj["events"]
        assert (b["op"], b["elem_type"], b["cap"], b["len"], b["closed"]) == \
            ("recv", "*main.Event", 0, 0, False)
        assert sorted(b["receivers"]) == recv and b["senders"] == []

    send = _ids(info, "send_full")
    for gid in send:
        b = _one(blocks, gid, "chan")
        assert b["address"] == obj["full"]
        assert (b["op"], b["elem_type"], b["cap"], b["len"]) == ("send", "[]uint8", 2, 2)
        assert sorted(b["senders"]) == send and b["receivers"] == []

    gid, = _ids(info, "recv_signals")
    b = _one(blocks, gid, "chan")
    assert (b["address"], b["elem_type"], b["receivers"]) == (obj["signals"], "struct {}", [gid])

    gid, = _ids(info, "select")
    cases = {b["address"]: b for b in blocks[gid]}
    assert set(cases) == {obj["selA"], obj["selB"]}
    assert (cases[obj["selA"]]["op"], cases[obj["selA"]]["elem_type"]) == ("select-recv", "int")
    assert (cases[obj["selB"]]["op"], cases[obj["selB"]]["elem_type"]) == ("select-send", "string")
    assert cases[obj["selA"]]["receivers"] == [gid]
    assert cases[obj["selB"]]["senders"] == [gid]

    for name, op in (("recv_nil", "recv"), ("send_nil", "send")):
        gid, = _ids(info, name)
        b = _one(blocks, gid, "chan")
        assert (b["nil"], b["address"], b["op"]) == (True, "0x0", op)

    holder, = _ids(info, "holder")
    waiters = _ids(info, "lock_mu")
    for gid in waiters:
        b = _one(blocks, gid, "mutex")
        assert b["address"] == obj["mu"]
        assert b["locked"] is True
        assert sorted(b["waiters"]) == waiters
        assert b["state_waiters"] == len(waiters)
        assert holder in b["candidate_holders"]
        assert not set(waiters) & set(b["candidate_holders"])

    gid, = _ids(info, "lock_rw")
    b = _one(blocks, gid, "rwmutex")
    assert (b["address"], b["readers"], b["writer_waiting"], b["waiters"]) == \
        (obj["rwRead"], 1, True, [gid])

    readers = _ids(info, "rlock_rw")
    for gid in readers:
        b = _one(blocks, gid, "rwmutex")
        assert (b["address"], b["write_locked"], b["readers_waiting"]) == \
            (obj["rwWrite"], True, len(readers))
        assert sorted(b["waiters"]) == readers

    wg = _ids(info, "wait_wg")
    for gid in wg:
        b = _one(blocks, gid, "waitgroup")
        assert (b["address"], b["counter"], b["state_waiters"]) == (obj["wg"], 1, len(wg))
        assert sorted(b["waiters"]) == wg

    cond = _ids(info, "wait_cond")
    for gid in cond:
        b = _one(blocks, gid, "cond")
        assert b["address"] == obj["cond"] and sorted(b["waiters"]) == cond

    gid, = _ids(info, "accept")
    b = _one(blocks, gid, "fd")
    assert b["mode"] == "read" and b["fd"] >= 3
    if live:
        assert b["describes"] == "TCP %s LISTEN" % obj["listener"]

    gid, = _ids(info, "sleep")
    b = _one(blocks, gid, "timer")
    if live:
        assert 3000e9 < b["fires_in_ns"] <= 3600e9

    gid, = _ids(info, "syscall_read")
    b = _one(blocks, gid, "syscall")
    assert b["name"] == "read" and int(b["args"][0], 16) == int(obj["pipe_fd"])


def test_blocking_objects(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, "blocking", args=[])
    info = fp.info
    live = _live_doc(fp, tmp_path)
    _check(info, live, live=True)
    text = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "live.txt",
                                     fmt="text")
    assert ("blocked on: chan *main.Event %s (unbuffered, open; 3 receivers, 0 senders)"
            % info["objects"]["events"]) in text
    by = harness.leak_dump_to_file(harness.live_target(fp.pid), tmp_path / "by.txt",
                                   fmt="text", extra="--group-by blocker")
    assert re.search(r"^2 × blocked on sync\.Mutex %s \(locked" % info["objects"]["mu"],
                     by, re.M), by
    doc = _core_doc(fp, fp.exe, tmp_path)
    _check(info, doc, live=False)


def test_go_chan_and_go_mutex(go_version, spawn, tool):
    fp = spawn(go_version, "blocking", args=[])
    obj = fp.info["objects"]
    r = harness.run_gdb(harness.live_target(fp.pid), [
        "go-chan %s" % obj["full"],
        "go-mutex %s" % obj["mu"],
        "go-chan 0x10",
    ])
    out = r.output
    assert ("chan []uint8 %s (buffered 2/2, open; 0 receivers, 2 senders)" % obj["full"]) in out
    assert "buffer (2 of 2, element size 24):" in out
    for gid in fp.info["ids"]["send_full"]:
        assert "goroutine %s [chan send]  main.sendFull" % gid in out
    mutex_lines = [l for l in out.splitlines() if l.startswith("sync.Mutex")]
    assert ("sync.Mutex %s (locked; 2 waiters; candidate holders: goroutine %s)"
            % (obj["mu"], fp.info["ids"]["holder"][0])) in out, mutex_lines
    errors = r.error_lines()
    assert len(errors) == 1 and errors[0].startswith("leak-dump:") and "0x10" in errors[0]


@pytest.mark.parametrize("variant", ["stripped", "stripped-pie"])
def test_blocking_objects_stripped(go_version, variant, spawn, builds, tool, tmp_path):
    """Fully stripped (-ldflags='-s -w'), as an executable and as a PIE:
    runtime.semtable is found by ext/go/discover_heap.c, so the sync
    primitives (and everything else) are reported as with symbols."""
    flags = ("-buildmode=pie",) if variant == "stripped-pie" else ()
    exe = builds.exe(go_version, "blocking", variant=variant, ldflags="-s -w",
                     flags=flags)
    fp = spawn(go_version, "blocking", args=[], exe=exe)
    info = fp.info
    live = _live_doc(fp, tmp_path)
    _check(info, live, live=True)
    doc = _core_doc(fp, exe, tmp_path)
    _check(info, doc, live=False)


CROWD = 6000


def _check_crowd(info, doc):
    """Every crowd goroutine (crowd.go) waits on its own objects only."""
    blocks = _blocking(doc)
    crowd = info["crowd"]
    assert len(crowd) == CROWD
    for gid, (kind, *addrs) in crowd.items():
        gid = int(gid)
        got = blocks[gid]
        if kind == "recv":
            assert [(b["kind"], b["address"], b["op"], b["receivers"])
                    for b in got] == [("chan", addrs[0], "recv", [gid])], got
        elif kind == "select":
            assert sorted((b["kind"], b["address"], b["op"]) for b in got) == \
                sorted([("chan", addrs[0], "select-recv"),
                        ("chan", addrs[1], "select-send")]), got
        else:
            assert [(b["kind"], b["address"], b["locked"], b["waiters"])
                    for b in got] == [("mutex", addrs[0], True, [gid])], got


def test_blocking_objects_behind_a_crowd(go_version, spawn, tool, tmp_path):
    """6,000 goroutines parked first, each on objects of its own: the
    blocking walk then has its read-ahead thread (ext/blocking/ahead.c)
    well ahead of it by the time it reaches the recorded goroutines, in
    the core's mapping and, live, in pages it read itself (the channel
    headers copied out).  Every goroutine still gets exactly its objects,
    live and from the core."""
    fp = spawn(go_version, "blocking", args=[str(CROWD)])
    info = fp.info
    live = _live_doc(fp, tmp_path)
    doc = _core_doc(fp, fp.exe, tmp_path)
    for d, is_live in ((live, True), (doc, False)):
        _check(info, d, live=is_live)
        _check_crowd(info, d)
