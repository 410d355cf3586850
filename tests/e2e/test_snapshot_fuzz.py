"""The snapshot reader (leakdump/snapshot.py: `leak-dump --diff`,
`leakdump diff`) takes JSON files from anywhere: seeded mutations of a
real report (values of the wrong type, missing and extra keys, truncated
and flipped bytes) must give a diff or one SnapshotError, never another
exception, in every output form (text, json, html).  The Python twin of
the C parsers' libFuzzer targets; LEAKDUMP_SNAPSHOT_FUZZ sets the number
of mutants (default 400)."""

import copy
import json
import os
import random
import sys

import harness

sys.path.insert(0, str(harness.REPO))
from leakdump import snapshot  # noqa: E402

MUTANTS = int(os.environ.get("LEAKDUMP_SNAPSHOT_FUZZ", "400"))

ODD_VALUES = [None, True, 0, -1, 2**70, 1.5, float("nan"), "", "x" * 300,
              "2026-13-45T99:99:99Z", [], [1, [2]], {}, {"a": [None]},
              [{"function": None}], {"function": {"nested": 1}}]


def _nodes(doc, path=()):
    yield path, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _nodes(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:6]):
            yield from _nodes(v, path + (i,))


def _set(doc, path, value):
    if not path:
        return value
    cur = doc
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return doc


def _mutate(rng, doc):
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 4)):
        nodes = list(_nodes(doc))
        path, node = rng.choice(nodes)
        how = rng.randrange(4)
        if how == 0:
            doc = _set(doc, path, copy.deepcopy(rng.choice(ODD_VALUES)))
        elif how == 1 and isinstance(node, dict) and node:
            del node[rng.choice(list(node))]
        elif how == 2 and isinstance(node, list) and node:
            node.append(copy.deepcopy(rng.choice(node + ODD_VALUES)))
        elif how == 3 and isinstance(node, dict):
            node[rng.choice(["groups", "target", "frames", "counts", "state",
                             "created_by", "goroutines", "samples"])] = \
                copy.deepcopy(rng.choice(ODD_VALUES))
    return doc


def _bytes_mutant(rng, text):
    b = bytearray(text.encode())
    if rng.random() < 0.5:
        return bytes(b[:rng.randrange(len(b))])
    for _ in range(rng.randint(1, 8)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _diff_all_forms(old, new):
    doc = snapshot.diff(old, new)
    for fmt in ("text", "json", "html"):
        out = snapshot.render(doc, fmt)
        assert isinstance(out, str)


def test_snapshot_reader_survives_mutants(cores, tool, tmp_path):
    version = harness.go_versions()[-1]
    exe, core, _ = cores.get(version, "many")
    text = harness.leak_dump_to_file(harness.core_target(exe, core),
                                     tmp_path / "r.json", fmt="json")
    base = json.loads(text)
    _diff_all_forms(base, base)           # the real thing diffs
    rng = random.Random(20261206)
    failures = []
    for i in range(MUTANTS):
        if i % 5 == 4:
            mutant = _bytes_mutant(rng, text)
            src = tmp_path / "m.json"
            src.write_bytes(mutant)
            new = src
        else:
            new = _mutate(rng, base)
        try:
            _diff_all_forms(base, new)
            _diff_all_forms(new, base)
        except snapshot.SnapshotError:
            pass
        except Exception as exc:  # noqa: BLE001 - what the test is for
            failures.append("mutant %d: %s: %s" % (i, type(exc).__name__, exc))
    assert not failures, "\n".join(failures[:20])
