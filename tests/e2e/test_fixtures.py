"""Self-checks of the fixtures and their oracles: no leak-dump needed.

They pin down the fixture protocol and that each oracle really exercises
what the tool tests rely on (states, elision, inlining, arguments, ...).
"""

import collections
import re

import pytest

import expectations as X
import godump


def _oracle(fp):
    return godump.parse(fp.oracle_text)


def test_protocol(go_version, fixture_name, spawn):
    fp = spawn(go_version, fixture_name)
    for f in ("oracle.txt", "writer", "info.json", "pid", "ready"):
        assert (fp.outdir / f).exists(), f
    info = fp.info
    assert info["fixture"] == fixture_name
    assert info["goversion"].startswith("go" + go_version), info
    dump = _oracle(fp)
    # The writer is the first goroutine printed and the only one running.
    assert next(iter(dump)) == fp.writer
    running = [g.goid for g in dump.values()
               if g.state in ("running", "runnable")]
    assert running == [fp.writer], running
    assert len(dump) == info["goroutines"], (len(dump), info)
    # The process answers signals and keeps its goroutine count.
    assert fp.ping() == "goroutines=%d\n" % info["goroutines"]
    assert fp.ping() == "goroutines=%d\n" % info["goroutines"]
    st = fp.proc_status()
    assert st["TracerPid"] == "0"


@pytest.mark.fixtures("parked")
def test_parked_oracle(go_version, fixture_name, spawn):
    fp = spawn(go_version, fixture_name)
    dump = _oracle(fp)
    by_fn = collections.defaultdict(list)
    unexplained = []
    for g in dump.values():
        if g.goid == fp.writer:
            continue
        fn = g.user_function()
        if fn is None:
            if not g.functions() or not g.functions()[0].startswith(X.STD_PARKED_PREFIXES):
                unexplained.append(g.header)
            continue
        by_fn[fn].append(g)
    for fn, (count, states) in X.PARKED.items():
        gs = by_fn.pop(fn, [])
        assert len(gs) == count, (fn, [g.header for g in gs])
        for g in gs:
            assert g.state in states, (fn, g.header)
    for prefix, count in X.PARKED_PREFIXES.items():
        got = [fn for fn in list(by_fn) if fn.startswith(prefix)]
        assert sum(len(by_fn.pop(fn)) for fn in got) == count, got
    assert not by_fn, "unexpected goroutines: %s" % sorted(by_fn)
    assert not unexplained, unexplained
    assert fp.info["expected"] == sum(c for c, _ in X.PARKED.values()) + \
        sum(X.PARKED_PREFIXES.values())


def _one(dump, fn):
    gs = [g for g in dump.values() if g.user_function() == fn]
    assert len(gs) == 1, (fn, [g.header for g in gs])
    return gs[0]


@pytest.mark.fixtures("parked")
def test_parked_oracle_features(go_version, fixture_name, spawn):
    """The traceback features the tool must reproduce are really there."""
    fp = spawn(go_version, fixture_name)
    dump = _oracle(fp)

    # Deep stacks: <= 100 frames printed whole, more elided as 50 + 50.
    deep = sorted((g for g in dump.values() if g.user_function() == "main.recurse"),
                  key=lambda g: len(g.frames))
    shallow, elided = deep
    assert shallow.elided == 0 and len(shallow.frames) == X.RECURSE_DEPTHS[0] + 1
    assert elided.elided == X.RECURSE_DEPTHS[1] + 1 - X.TRACEBACK_INNER - X.TRACEBACK_OUTER
    assert len(elided.frames) == X.TRACEBACK_INNER + X.TRACEBACK_OUTER
    assert elided.elided_line_index == X.TRACEBACK_INNER
    assert "...%d frames elided..." % elided.elided in elided.lines

    # Inlined frames print "(...)" and no PC offset.
    g = _one(dump, "main.inlRecv")
    assert [f.function for f in g.frames if f.inlined][-2:] == ["main.inlRecv", "main.inlMiddle"]
    assert g.frames[-1].function == "main.inlOuter" and not g.frames[-1].inlined
    assert any(f.inlined for f in _one(dump, "main.inlLock").frames)

    # Argument printing: too many words, too deep, strings, floats, '?'.
    assert _one(dump, "main.argsMany").frames[0].args.endswith(", ...")
    assert "{...}" in _one(dump, "main.argsNested").frames[0].args
    assert _one(dump, "main.argsStrings").frames[0].args.startswith("{0x")
    assert _one(dump, "main.argsNone").frames[0].args == ""
    assert any("?" in g.frames[0].args for g in dump.values()
               if (g.user_function() or "").startswith("main.args"))

    # Names: methods, generics, closures.
    assert "main.(*box[...]).wait" in [g.user_function() for g in dump.values()]
    assert any(g.user_function().startswith("main.startClosures.func")
               for g in dump.values() if g.user_function())

    # created by ... in goroutine N: chains, and a creator that is gone.
    spawners = [g for g in dump.values() if g.user_function() == "main.spawner"]
    parents = {g.created_in for g in spawners if g.created_by == "main.spawner"}
    assert len(parents) == 3 and parents <= {g.goid for g in spawners}
    orphan = _one(dump, "main.orphan")
    assert orphan.created_by == "main.shortLived" and orphan.created_in not in dump

    # Locked to thread, panicking, syscall.
    assert _one(dump, "main.lockedToThread").locked
    assert "panic" in _one(dump, "main.blockWhilePanicking.func1").functions()
    assert _one(dump, "main.blockRawSyscall").state == "syscall"

    # The fixture is still fine and its listener serves.
    assert fp.connect() == b"hello from parked\n"


@pytest.mark.fixtures("many")
def test_many_oracle(go_version, fixture_name, spawn):
    fp = spawn(go_version, fixture_name)
    dump = _oracle(fp)
    kinds = fp.info["kinds"]
    assert sorted(kinds) == sorted(X.MANY_KINDS)
    assert sum(kinds.values()) == fp.info["n"] == 1000
    bodies = collections.defaultdict(set)
    counts = collections.Counter()
    for g in dump.values():
        fn = g.user_function()
        if fn in kinds:
            counts[fn] += 1
            assert g.state in X.MANY_STATES[fn], g.header
            bodies[fn].add("\n".join(g.lines[1:]))
    assert dict(counts) == kinds
    # Every goroutine of a kind prints the same body: one group per kind.
    assert all(len(b) == 1 for b in bodies.values()), \
        {k: len(v) for k, v in bodies.items()}


@pytest.mark.fixtures("many")
def test_many_without_oracle(go_version, fixture_name, spawn):
    fp = spawn(go_version, fixture_name, args=["2500"],
               env={"LEAKDUMP_NO_ORACLE": "1"})
    assert not (fp.outdir / "oracle.txt").exists()
    assert fp.info["kinds"]["main.manyChanRecv"] == 500
    assert fp.ping() == "goroutines=%d\n" % fp.info["goroutines"]


@pytest.mark.fixtures("parked")
def test_compare_oracle_with_itself(go_version, fixture_name, spawn):
    """The comparison accepts the oracle and catches a one-byte change."""
    fp = spawn(go_version, fixture_name)
    text = fp.oracle_text
    oracle = godump.parse(text)
    res = godump.compare(oracle, godump.parse(text), skip=[fp.writer])
    assert res.ok, res.report()
    assert res.compared >= len(oracle) - 4
    target = _one(oracle, "main.inlRecv")
    # One byte changed in one argument word (some releases already print
    # the word with a "?", so flip its last hex digit instead of adding one).
    mutated = re.sub(r"(main\.inlOuter\(0x[0-9a-f]*)([0-9a-f])",
                     lambda m: m.group(1) + ("1" if m.group(2) != "1" else "2"),
                     text, count=1)
    assert mutated != text
    res = godump.compare(oracle, godump.parse(mutated), skip=[fp.writer])
    assert not res.ok and "goroutine %d" % target.goid in res.problems[0]
    assert "+main.inlOuter(" in res.first_diff
