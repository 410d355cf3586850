"""go-bt GOID prints the same frames as the runtime does for that goroutine."""

import pytest

import godump
import harness

# Goroutines worth a backtrace: inlining, arguments, generics, a mutex
# (runtime frames), a child created by a goroutine, elision, panics.
PICKS = ("main.inlRecv", "main.argsStrings", "main.argsMany", "main.(*box[...]).wait",
         "main.inlLock", "main.orphan", "main.recurse", "main.blockWhilePanicking.func1",
         "main.blockAccept")


def _marker(goid):
    return "==go-bt %d==" % goid


@pytest.mark.fixtures("parked")
@pytest.mark.parametrize("mode", ["live", "core"])
def test_go_bt_matches_oracle(go_version, fixture_name, mode, spawn, cores, tool):
    fp, target = harness.mode_target(mode, go_version, fixture_name, spawn, cores)
    oracle = godump.parse(fp.oracle_text)
    picked = [g for g in oracle.values() if g.user_function() in PICKS]
    assert len(picked) >= len(PICKS)
    cmds = []
    for g in picked:
        cmds += ["echo %s\\n" % _marker(g.goid), "go-bt %d" % g.goid]
    cmds.append("echo ==end==\\n")
    r = harness.run_gdb(target, cmds)
    assert "Traceback" not in r.output and not r.error_lines(), r.describe()
    out = r.stdout
    assert "==end==" in out, r.describe()
    for g in picked:
        start = out.index(_marker(g.goid))
        end = out.index("==", start + len(_marker(g.goid)))
        section = [l.strip() for l in out[start:end].splitlines()[1:]]
        # Every frame line and file line of the oracle block, in order
        # (the elision marker aside: go-bt may print the whole stack).
        want = []
        for f in g.frames:
            want += [f.call_line.strip(), f.file_line.strip()]
        ok, n = godump.is_subsequence(want, section)
        assert ok, ("go-bt %d (%s): expected line %d %r not found in order\n%s"
                    % (g.goid, g.user_function(), n, want[n] if n < len(want) else None,
                       "\n".join(section[:80])))
