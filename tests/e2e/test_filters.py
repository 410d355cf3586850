"""leak-dump's filters (--state, --function, --min-wait) and --group-by
label:KEY against the runtime's own dump.

The `many` fixture holds a known mix (chan receive/send, select, mutex,
WaitGroup waiters, ...).  For each filter, the goroutines oracle.txt says
match (its state text, any of its frames' functions) must be exactly the
ones every format shows: the go format's blocks byte for byte, the json
groups' and goroutines' ids, the text groups' counts, and the pprof
samples' values.  The oracle's writer is left out on both sides (running
in the oracle, back in protocol.Serve when leak-dump looks).

--min-wait: the fixtures run with GC off, so no wait start is ever
recorded; 0s keeps everything and 1m keeps nothing (a goroutine without a
recorded wait never passes a positive --min-wait).  The minutes arithmetic
itself is tested on synthetic goroutines (tests/unit/report/test_filter.c).
"""

import json
import re
import sys

import pytest

import godump
import harness
import test_pprof

sys.path.insert(0, str(harness.REPO))
import leakdump  # noqa: E402

FILTERS = [
    ("--state 'chan receive'", r"chan receive", None),
    ("--function 'main\\.manyMutex$'", None, r"main\.manyMutex$"),
    ("--state '^select' --function 'main\\.many'", r"^select", r"main\.many"),
]


def _expected(oracle, writer, state_re, func_re):
    keep = set()
    for goid, g in oracle.items():
        if goid == writer:
            continue
        if state_re and not re.search(state_re, g.state):
            continue
        if func_re and not any(re.search(func_re, f.function) for f in g.frames):
            continue
        keep.add(goid)
    return keep


def _run(target, cmds):
    r = harness.run_gdb(target, cmds)
    assert "Traceback" not in r.output, r.describe()
    assert not r.error_lines(), r.describe()
    return r


def _text_counts(text):
    """Sum of the group lines' counts of a text report."""
    n = 0
    for line in text.splitlines():
        m = re.match(r"^([\d,]+) × \[", line)
        if m:
            n += int(m.group(1).replace(",", ""))
    return n


@pytest.mark.parametrize("mode", ["live", "core"])
def test_filters_select_what_the_runtime_dump_says(go_version, mode, spawn,
                                                   cores, tool, tmp_path):
    fp, target = harness.mode_target(mode, go_version, "many", spawn, cores)
    oracle = godump.parse(fp.oracle_text)
    writer = fp.writer
    cmds, outs = [], []
    for i, (opts, _, _) in enumerate(FILTERS):
        o = {f: tmp_path / ("%d.%s" % (i, f)) for f in ("go", "json", "text", "pb.gz")}
        outs.append(o)
        cmds += ["leak-dump --format go --output %s %s" % (o["go"], opts),
                 "leak-dump --format json --output %s %s" % (o["json"], opts),
                 "leak-dump --output %s %s" % (o["text"], opts),
                 "leak-dump --format pprof --output %s %s" % (o["pb.gz"], opts)]
    _run(target, cmds)
    shown_total = sum(1 for goid in oracle if goid != writer)
    for (opts, state_re, func_re), o in zip(FILTERS, outs):
        want = _expected(oracle, writer, state_re, func_re)
        assert want, "filter %s selects nothing in the oracle" % opts

        ours = godump.parse(o["go"].read_text())
        ours.pop(writer, None)
        assert set(ours) == want, (opts, sorted(set(ours) ^ want)[:20])
        for goid in want:
            if oracle[goid].parked:
                assert ours[goid].text == oracle[goid].text, (opts, goid)

        doc = json.loads(o["json"].read_text())
        ids = [i for grp in doc["groups"] for i in grp["goroutines"]]
        assert len(ids) == len(set(ids))
        got = set(ids) - {writer}
        assert got == want, (opts, sorted(got ^ want)[:20])
        assert {g["id"] for g in doc["goroutines"]} - {writer} == want
        flt = doc["totals"]["filtered"]
        assert flt["shown"] == len(ids) and flt["of"] >= shown_total, flt
        assert flt["filters"].split()[0] in opts

        text = o["text"].read_text()
        assert _text_counts(text) == len(ids), opts
        m = re.search(r"filtered: ([\d,]+) of ([\d,]+) goroutines shown \((.*)\)", text)
        assert m and int(m.group(1).replace(",", "")) == len(ids), text[:600]

        prof = test_pprof.decode(o["pb.gz"])
        n = sum(s.value[0] for s in prof.samples
                if not test_pprof._has(test_pprof.frames(prof, s),
                                       "leakdump.test/protocol.Serve"))
        assert n == len(want), opts


def test_min_wait_and_bad_filters(go_version, cores, tool, tmp_path):
    exe, core, fp = cores.get(go_version, "many")
    target = harness.core_target(exe, core)
    all_json, zero, minute = (tmp_path / n for n in ("all.json", "zero.json", "minute.json"))
    r = harness.run_gdb(target, [
        "leak-dump --format json --output %s" % all_json,
        "leak-dump --format json --output %s --min-wait 0s" % zero,
        "leak-dump --format json --output %s --min-wait 1m" % minute,
        "leak-dump --state '('",
        "leak-dump --min-wait 5 minutes",
        "leak-dump --group-by label:x --format go"])
    assert "Traceback" not in r.output, r.describe()
    errors = r.error_lines()
    assert len(errors) == 3, r.describe()
    assert "--state" in errors[0] and "regular expression" in errors[0], errors
    assert "--min-wait" in errors[1] or "unrecognized" in errors[1], errors
    assert "--group-by label" in errors[2], errors

    a, z, m = (json.loads(p.read_text()) for p in (all_json, zero, minute))
    # The fixtures never GC: no goroutine has a recorded wait start.
    assert all(g["wait_minutes"] == 0 for g in a["goroutines"])
    assert [g["goroutines"] for g in z["groups"]] == [g["goroutines"] for g in a["groups"]]
    assert z["totals"]["filtered"] is None
    assert m["groups"] == [] and m["goroutines"] == []
    assert m["totals"]["filtered"] == {"shown": 0, "of": len(a["goroutines"]),
                                       "filters": "--min-wait 1m0s"}

    # The Python API takes the same filters.
    oracle = godump.parse(fp.oracle_text)
    want = _expected(oracle, fp.writer, r"^chan send$", r"main\.many")
    with leakdump.open_core(exe, core) as s:
        doc = json.loads(s.report("json", state="^chan send$", function=r"main\.many",
                                  min_wait="0s"))
        assert {i for g in doc["groups"] for i in g["goroutines"]} == want
        assert json.loads(s.report("json", min_wait=60))["groups"] == []
        with pytest.raises(Exception, match="--state: bad regular expression"):
            s.report(state="[")


@pytest.mark.parametrize("mode", ["live", "core"])
def test_group_by_label(go_version, mode, spawn, cores, tool, tmp_path):
    """The parked fixture runs blockLabelled under pprof.Do with labels
    tenant="acme/eu_1.2" and "req id"="x\\"1\\n\u00e9": exactly that
    goroutine is in a group labelled so; every other one has none."""
    fp, target = harness.mode_target(mode, go_version, "parked", spawn, cores)
    oracle = godump.parse(fp.oracle_text)
    labelled = {goid for goid, g in oracle.items()
                if "main.blockLabelled" in g.functions()}
    assert len(labelled) == 1
    out, txt = tmp_path / "l.json", tmp_path / "l.txt"
    _run(target, ["leak-dump --format json --group-by 'label:req id' --output %s" % out,
                  "leak-dump --group-by label:tenant --output %s" % txt])
    doc = json.loads(out.read_text())
    seen = set()
    for grp in doc["groups"]:
        assert grp["label"]["key"] == "req id"
        if grp["label"]["value"] is not None:
            assert grp["label"]["value"] == "x\"1\n\u00e9"
            seen |= set(grp["goroutines"])
    assert seen == labelled
    # Groups of one label value come first, the unlabelled ones after.
    assert doc["groups"][0]["label"]["value"] is not None
    text = txt.read_text()
    lines = [ln for ln in text.splitlines() if "label tenant=acme/eu_1.2" in ln]
    assert len(lines) == 1 and lines[0].startswith("1 × [chan receive"), text[:2000]
    assert "(no tenant label)" in text


def test_filters_in_lldb(go_version, cores, tool, tmp_path):
    """The filters and --format html through LLDB's adapter (the same
    command layer): the same goroutines as the oracle says."""
    if not harness.which(harness.LLDB):
        pytest.skip("%s is not installed" % harness.LLDB)
    exe, core, fp = cores.get(go_version, "many")
    out, page = tmp_path / "l.json", tmp_path / "l.html"
    r = harness.run_lldb(harness.core_target(exe, core), [
        "leak-dump --format json --output %s --state '^chan send$' "
        "--function 'main[.]many'" % out,
        "leak-dump --format html --output %s --state '^chan send$'" % page])
    assert "Traceback" not in r.output and not r.error_lines(), r.describe()
    want = _expected(godump.parse(fp.oracle_text), fp.writer, r"^chan send$",
                     r"main\.many")
    doc = json.loads(out.read_text())
    assert {i for g in doc["groups"] for i in g["goroutines"]} == want
    counts = [int(c) for c in re.findall(r'data-count="(\d+)"', page.read_text())]
    assert counts == [g["count"] for g in doc["groups"]]
