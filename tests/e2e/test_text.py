"""The default (grouped text) output of `leak-dump`."""

import re

import pytest

import expectations as X
import godump
import harness


def _paragraphs(text):
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def _number_in(line, n):
    """n appears in line as a number of its own (thousands separators ok)."""
    line = re.sub(r"(?<=\d)[,_ ](?=\d{3}\b)", "", line)
    return re.search(r"(?<![\w.])%d(?![\w.])" % n, line) is not None


@pytest.mark.fixtures("many")
def test_text_groups_many(go_version, fixture_name, spawn, tool):
    fp = spawn(go_version, fixture_name)
    kinds = fp.info["kinds"]          # from the fixture's own construction
    assert sum(kinds.values()) == 1000
    r = harness.run_gdb(harness.live_target(fp.pid), ["leak-dump"])
    assert "Traceback" not in r.output and not r.error_lines(), r.describe()
    out = r.stdout
    paras = _paragraphs(out)
    for fn, count in kinds.items():
        # Grouped: the function appears once per group, not once per goroutine.
        assert 1 <= out.count(fn + "(") + out.count(fn + "\n") + out.count(fn + " ") <= 4, \
            (fn, r.describe())
        mine = [p for p in paras if fn in p]
        assert mine, "no group mentions %s\n%s" % (fn, r.describe())
        first_lines = [p.lstrip("\n").splitlines()[0] for p in mine]
        assert any(_number_in(l, count) for l in first_lines), \
            "no group line for %s with count %d: %s\n%s" % (fn, count, first_lines, out[-4000:])
    assert _number_in(out, 1000) or _number_in(out, len(godump.parse(fp.oracle_text))), \
        "total not printed\n" + out[-4000:]


@pytest.mark.fixtures("parked")
def test_text_mentions_every_parked_function(go_version, fixture_name, spawn, tool):
    fp = spawn(go_version, fixture_name)
    r = harness.run_gdb(harness.live_target(fp.pid), ["leak-dump"])
    assert "Traceback" not in r.output and not r.error_lines(), r.describe()
    for fn in X.PARKED:
        assert fn in r.stdout, (fn, r.describe())
