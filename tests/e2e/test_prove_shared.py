"""Leak verdicts on leaks the way services have them: many goroutines on
ONE dropped primitive per kind (tests/fixtures/sharedleak).

Go 1.27's own goroutineleak profile is the oracle: run on the same process
after ours, every goroutine it reports must be leaked for us and none the
fixture keeps reachable may be, with main parked in select {}, in a sleep
loop and in a channel receive.  Builds of older releases must find the same
leaks (the 1.27 answer, which is the fixture's construction), live and from
a core.
"""

import json
import re

import pytest

import harness
from test_prove import _leak_profile

FIXTURE = "sharedleak"
PER_KIND = "1000"


def _roles(info):
    return {int(g): role for role, ids in info["ids"].items() for g in ids}


def _expected(role):
    return role.split(":")[0].replace("held", "may-wake")


def _why(target, tmp_path, gids):
    """What --why says keeps each of gids (a few) from being leaked."""
    doc = json.loads(harness.leak_dump_to_file(
        target, tmp_path / "why.json", fmt="json", extra="--prove --why"))
    by = {g["id"]: g for g in doc["goroutines"]}
    return "\n".join("goroutine %d: %s" % (gid, " -> ".join(
        "%s %s%s" % (st["kind"], st.get("symbol") or st.get("function") or
                     st.get("type") or "", st.get("address", ""))
        for st in by.get(gid, {}).get("why") or [])) for gid in gids)


def _check(info, doc, where, target=None, tmp_path=None):
    verdicts = {g["id"]: g["verdict"] for g in doc["goroutines"]}
    wrong = {}
    for gid, role in sorted(_roles(info).items()):
        if verdicts.get(gid) != _expected(role):
            wrong.setdefault(role, []).append("%d: %s" % (gid, verdicts.get(gid)))
    if wrong and target is not None:
        firsts = [int(v[0].split(":")[0]) for v in wrong.values()][:4]
        where += "\n" + _why(target, tmp_path, firsts)
    assert not wrong, "%s: wrong verdicts:\n%s" % (where, "\n".join(
        "%s (%d): %s" % (r, len(v), ", ".join(v[:5])) for r, v in sorted(wrong.items())))
    assert doc["prove"]["proven"], (where, doc["prove"])
    constructed = sum(len(ids) for r, ids in info["ids"].items() if r.startswith("leaked:"))
    leaked = {g["id"] for g in doc["goroutines"] if g["verdict"] == "leaked"}
    assert len(leaked - {1}) == constructed, (where, len(leaked), constructed)


@pytest.mark.parametrize("main", ["select", "sleep", "recv"])
def test_shared_leaks_agree_with_the_runtime(go_version, spawn, tool, tmp_path, main):
    if go_version != harness.go_versions()[-1]:
        pytest.skip("the runtime's own detector: the newest release")
    fp = spawn(go_version, FIXTURE, args=[PER_KIND, main])
    ours = json.loads(harness.leak_dump_to_file(
        harness.live_target(fp.pid), tmp_path / "ours.json", fmt="json", extra="--prove"))
    # Ours first: the runtime's run marks its leaks _Gleaked.
    _check(fp.info, ours, "live go%s main=%s" % (go_version, main),
           harness.live_target(fp.pid), tmp_path)
    prof = _leak_profile(fp)
    if prof.startswith("unsupported"):
        pytest.skip("go%s has no goroutineleak profile" % go_version)
    theirs = {int(m.group(1)) for m in
              re.finditer(r"^goroutine (\d+) .*\(leaked\)", prof, re.M)}
    leaked = {g["id"] for g in ours["goroutines"] if g["verdict"] == "leaked"}
    missed = sorted(theirs - leaked)
    roles = _roles(fp.info)
    assert not missed, "the runtime found %d leaks we did not, e.g. %s" % (
        len(missed), [(g, roles.get(g)) for g in missed[:10]])
    held = {g for g, r in roles.items() if not r.startswith("leaked:")}
    assert not theirs & held and not leaked & held


def test_shared_leaks_every_release(go_version, spawn, tool, tmp_path):
    fp = spawn(go_version, FIXTURE, args=[PER_KIND, "select"])
    live = json.loads(harness.leak_dump_to_file(
        harness.live_target(fp.pid), tmp_path / "live.json", fmt="json", extra="--prove"))
    _check(fp.info, live, "live go%s" % go_version, harness.live_target(fp.pid), tmp_path)
    with harness.taken_core(fp.pid, fp.exe, tmp_path / "shared.core") as target:
        doc = json.loads(harness.leak_dump_to_file(
            target, tmp_path / "core.json", fmt="json", extra="--prove"))
        _check(fp.info, doc, "core go%s" % go_version, target, tmp_path)


def test_shared_leaks_stripped(go_version, spawn, builds, tool, tmp_path):
    """Production builds (no symbols, no DWARF): the runtime's off-heap
    roots (allfin, gcCleanups from Go 1.25, allp) are discovered from
    code, walked as structures rather than swept, and the verdicts are
    those of the unstripped build, live and from a core."""
    exe = builds.exe(go_version, FIXTURE, variant="stripped", ldflags="-s -w")
    fp = spawn(go_version, FIXTURE, args=[PER_KIND, "select"], exe=exe)
    live_target = harness.live_target(fp.pid)
    live = json.loads(harness.leak_dump_to_file(
        live_target, tmp_path / "live.json", fmt="json", extra="--prove"))
    assert live["prove"]["offheap"]["swept"] is None, live["prove"]["offheap"]
    _check(fp.info, live, "live go%s stripped" % go_version, live_target, tmp_path)
    with harness.taken_core(fp.pid, exe, tmp_path / "shared-stripped.core") as target:
        doc = json.loads(harness.leak_dump_to_file(
            target, tmp_path / "core.json", fmt="json", extra="--prove"))
        assert doc["prove"]["offheap"]["swept"] is None, doc["prove"]["offheap"]
        _check(fp.info, doc, "core go%s stripped" % go_version, target, tmp_path)
