"""Unit tests of the dump parser and comparison (no Go, no gdb)."""

import pytest

import godump

SAMPLE = """\
goroutine 1 [running]:
main.main()
\t/src/main.go:10 +0x1d

goroutine 7 [chan receive, 3 minutes, locked to thread]:
main.(*server[...]).serve(0xc000010000, {0x4b1e2a?, 0x5}, ...)
\t/src/main.go:12 +0x25
main.inl(...)
\t/src/main.go:20
...17 frames elided...
main.outer({{...}})
\t/src/main.go:30 +0x6b
created by main.main in goroutine 1
\t/src/main.go:40 +0x99

goroutine 8 [syscall]:
syscall.Syscall(0x0, 0x8, 0xc0000a0000, 0x10)
\t/go/src/syscall/syscall_linux.go:74 +0x25
created by main.main in goroutine 1
\t/src/main.go:41 +0x10

goroutine 9 [select (no cases)]:
main.f.func1()
\t/src/main.go:50 +0x14
created by main.f
\t/src/main.go:49 +0x20
"""


def test_parse_blocks():
    d = godump.parse(SAMPLE)
    assert list(d) == [1, 7, 8, 9]
    g = d[7]
    assert g.state == "chan receive" and g.wait_minutes == 3 and g.locked
    assert g.parked and not d[1].parked and not d[8].parked and d[9].parked
    assert g.functions() == ["main.(*server[...]).serve", "main.inl", "main.outer"]
    assert g.frames[0].args == "0xc000010000, {0x4b1e2a?, 0x5}, ..."
    assert g.frames[0].pc_offset == 0x25 and g.frames[0].line == 12
    assert g.frames[1].inlined and not g.frames[0].inlined
    assert g.elided == 17 and g.elided_line_index == 2
    assert g.created_by == "main.main" and g.created_in == 1
    assert g.created_file_line == "\t/src/main.go:40 +0x99"
    assert d[9].created_by == "main.f" and d[9].created_in is None
    assert g.text.startswith("goroutine 7 [") and g.text.endswith("+0x99\n")
    assert len(g.lines) == 10


def test_split_call():
    assert godump.split_call("main.(*T).m(0x1, {0x2, 0x3})") == ("main.(*T).m", "0x1, {0x2, 0x3}")
    assert godump.split_call("main.g[...](...)") == ("main.g[...]", "...")
    assert godump.split_call("panic({0x54c3a0?, 0x591f30?})") == ("panic", "{0x54c3a0?, 0x591f30?}")
    assert godump.split_call("main.f()") == ("main.f", "")


def test_parse_errors():
    with pytest.raises(godump.DumpError):
        godump.parse("junk\n" + SAMPLE)
    assert list(godump.parse("junk\n" + SAMPLE, strict=False)) == [1, 7, 8, 9]
    with pytest.raises(godump.DumpError):
        godump.parse(SAMPLE + "\n" + SAMPLE)


def test_header_variants():
    assert godump.parse_header("goroutine 12 [IO wait]:") == (12, "IO wait")
    assert godump.parse_header(
        "goroutine 3 gp=0xc000003340 m=nil [GC worker (idle)]:") == (3, "GC worker (idle)")
    with pytest.raises(godump.DumpError):
        godump.parse_header("goroutine x [running]:")


def _replace(text, old, new):
    assert old in text
    return text.replace(old, new, 1)


def test_compare_ok_and_skip():
    o = godump.parse(SAMPLE)
    ours = _replace(SAMPLE, "goroutine 1 [running]:", "goroutine 1 [select]:")
    res = godump.compare(o, godump.parse(ours), skip=[1])
    assert res.ok, res.report()
    assert res.compared == 2


def test_compare_detects_frame_difference():
    o = godump.parse(SAMPLE)
    res = godump.compare(o, godump.parse(_replace(SAMPLE, ":20\n", ":21\n")))
    assert not res.ok
    assert res.problems == ["goroutine 7 [chan receive, 3 minutes, locked to thread] differs"]
    assert "-\t/src/main.go:20" in res.first_diff and "+\t/src/main.go:21" in res.first_diff


def test_compare_detects_header_difference():
    o = godump.parse(SAMPLE)
    res = godump.compare(o, godump.parse(_replace(SAMPLE, "3 minutes, ", "")))
    assert not res.ok and "differs" in res.problems[0]


def test_compare_missing_and_extra():
    o = godump.parse(SAMPLE)
    without9 = SAMPLE[:SAMPLE.index("goroutine 9")]
    extra = SAMPLE + "\ngoroutine 99 [chan send]:\nmain.x()\n\t/a.go:1 +0x1\n"
    running = SAMPLE + "\ngoroutine 98 [runnable]:\nmain.y()\n\t/a.go:2 +0x1\n"
    res = godump.compare(o, godump.parse(without9))
    assert res.problems == ["goroutine 9 [select (no cases)] missing"]
    res = godump.compare(o, godump.parse(extra))
    assert len(res.problems) == 1 and "extra goroutine 99" in res.problems[0]
    assert godump.compare(o, godump.parse(running)).ok


def test_compare_syscall_presence_only():
    o = godump.parse(SAMPLE)
    changed = _replace(SAMPLE, "0xc0000a0000, 0x10)", "0xc0000a0000, 0x11)")
    assert godump.compare(o, godump.parse(changed)).ok
    gone = _replace(SAMPLE, "goroutine 8 [syscall]", "goroutine 8 [chan send]")
    assert not godump.compare(o, godump.parse(gone)).ok


def test_subsequence():
    assert godump.is_subsequence(["a", "c"], ["a", "b", "c"]) == (True, 2)
    assert godump.is_subsequence(["c", "a"], ["a", "b", "c"]) == (False, 1)
