"""leak-dump --format json against the oracle.

The shape leak-dump writes (extra fields are ignored):
  {"target": {...},
   "totals": {"goroutines": N, ...},
   "groups": [{"id": 3, "count": K, "state": "chan send",
               "frames": [{"function": "main.f", "file": ..., "line": ...,
                           "inlined": false}, ...],
               "created_by": {...},
               "goroutines": [18, ...]}, ...],
   "goroutines": [{"id": 18, "group": 3, "state": "chan send", ...}, ...]}
Group members may also be objects with an "id".
"""

import json

import pytest

import godump
import harness

ALIASES = {
    "goroutines": ("goroutines", "members"),
    "id": ("id", "goid"),
    "state": ("state", "status", "wait_reason", "waitreason"),
    "frames": ("frames", "stack"),
    "function": ("function", "func", "name"),
}


def _get(obj, key, default=KeyError):
    for k in ALIASES.get(key, (key,)):
        if k in obj:
            return obj[k]
    if default is KeyError:
        raise KeyError("%s (tried %s) not in %s" % (key, ALIASES.get(key), sorted(obj)))
    return default


def print_name(name):
    """The runtime's funcNameForPrint: type arguments print as "[...]".

    JSON may carry the full symbol ("main.f[go.shape.int]"); the runtime
    also prints runtime.gopanic as "panic"."""
    if name == "runtime.gopanic":
        return "panic"
    i, j = name.find("["), name.rfind("]")
    if i < 0 or j < i:
        return name
    return name[:i] + "[...]" + name[j + 1:]


def _state_of(status):
    """Oracle status "chan receive, 2 minutes, locked to thread" -> "chan receive"."""
    return status.split(",")[0].strip()


@pytest.mark.parametrize("mode", ["live", "core"])
def test_json_matches_oracle(go_version, fixture_name, mode, spawn, cores, tool, tmp_path):
    fp, target = harness.mode_target(mode, go_version, fixture_name, spawn, cores)
    text = harness.leak_dump_to_file(target, tmp_path / "ours.json", fmt="json")
    doc = json.loads(text)
    oracle = godump.parse(fp.oracle_text)

    assert doc["totals"]["goroutines"] == len(oracle)
    groups = doc["groups"]
    per_id = {int(_get(m, "id")): m for m in doc.get("goroutines", [])
              if isinstance(m, dict)}

    def member_id(m):
        return int(m) if isinstance(m, int) else int(_get(m, "id"))

    assert sum(len(_get(g, "goroutines")) for g in groups) == len(oracle)
    where = {}
    for grp in groups:
        members = _get(grp, "goroutines")
        if "count" in grp:
            assert grp["count"] == len(members), grp.get("count")
        for m in members:
            goid = member_id(m)
            assert goid not in where, "goroutine %d listed twice" % goid
            where[goid] = (grp, per_id.get(goid, m if isinstance(m, dict) else {}))
    if per_id:
        assert sorted(per_id) == sorted(where)

    for goid, want in oracle.items():
        assert goid in where, "goroutine %d [%s] missing from the JSON" % (goid, want.status)
        if goid == fp.writer:
            continue
        grp, m = where[goid]
        state = _get(m, "state", None) or _get(grp, "state")
        if want.parked:
            assert state == _state_of(want.status), (goid, state, want.status)
        names = [print_name(_get(f, "function")) for f in _get(grp, "frames")]
        expect = want.functions()
        if want.elided:
            # JSON carries the whole stack; the text elides the middle.
            n = want.elided_line_index
            assert len(names) == len(expect) + want.elided, (goid, len(names))
            assert names[:n] == expect[:n] and names[-(len(expect) - n):] == expect[n:], goid
        else:
            assert names == expect, (goid, names, expect)
