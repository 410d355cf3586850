"""Parse and compare Go runtime goroutine dumps.

The text is what runtime.Stack(buf, true) / pprof.Lookup("goroutine").
WriteTo(w, 2) print: blocks separated by blank lines, each

    goroutine 7 [chan receive, 3 minutes, locked to thread]:
    main.f(0x1, {0x4b1e2a?, 0x5})
    \t/src/main.go:12 +0x25
    main.g(...)
    \t/src/main.go:20
    ...17 frames elided...
    created by main.main in goroutine 1
    \t/src/main.go:30 +0x6b

This module is plain Python (no pytest) so it can be unit-tested alone.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

# "goroutine N [status]:"; newer runtimes at GOTRACEBACK>=system insert
# " gp=0x... m=N mp=0x..." between the id and the bracket: tolerate that.
# Labels follow the state inside the brackets on Go 1.26 (" labels:{...}")
# and after them on Go 1.27 (" {...}").
HEADER_RE = re.compile(r"^goroutine (\d+)((?: [^\[\]]*?)?) \[(.*?)(?: labels:\{.*\})?\](?: \{.*\})?:$")
ELIDED_RE = re.compile(r"^\.\.\.(\d+) frames elided\.\.\.$")
ADDITIONAL_ELIDED = "...additional frames elided..."
CREATED_RE = re.compile(r"^created by (.+?)(?: in goroutine (\d+))?$")
MINUTES_RE = re.compile(r"^(\d+) minutes$")
FILE_RE = re.compile(r"^\t(.*):(\d+)(?: \+0x([0-9a-f]+))?$")

# Statuses that are not wait reasons (runtime's gStatusStrings, plus the
# "_Gscan" decorated forms); everything else in the bracket is a waitReason.
NOT_PARKED = ("running", "runnable", "syscall", "idle", "dead", "copystack",
              "preempted", "moribund_unused", "enqueue_unused")


class DumpError(ValueError):
    pass


@dataclasses.dataclass
class Frame:
    function: str          # "main.(*server).serve", "main.genericRecv[...]"
    args: str              # the text between the outer parentheses, or "..."
    call_line: str         # the whole function line
    file_line: str         # the whole "\tfile:line +0xoff" line (may be "")
    file: str = ""
    line: int = 0
    pc_offset: Optional[int] = None  # None for inlined frames

    @property
    def inlined(self) -> bool:
        return self.args == "..." and self.pc_offset is None


@dataclasses.dataclass
class Goroutine:
    goid: int
    header: str
    status: str            # everything between the brackets
    state: str             # the first component: "chan receive", "running"
    wait_minutes: int      # 0 when not printed
    locked: bool           # ", locked to thread"
    extra: List[str]       # other bracket components (e.g. "durable")
    lines: List[str]       # the whole block, header first, no blank line
    frames: List[Frame]
    elided: int            # N from "...N frames elided...", 0 if none
    elided_line_index: Optional[int]   # index in frames where elision sits
    additional_elided: bool
    created_by: Optional[str]
    created_in: Optional[int]
    created_file_line: Optional[str]

    @property
    def parked(self) -> bool:
        """True when the status is a wait reason (the goroutine is parked)."""
        return not is_not_parked(self.state)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def functions(self) -> List[str]:
        return [f.function for f in self.frames]

    def user_function(self, prefix: str = "main.") -> Optional[str]:
        """The innermost frame whose function starts with prefix."""
        for f in self.frames:
            if f.function.startswith(prefix):
                return f.function
        return None


def is_not_parked(state: str) -> bool:
    s = state.strip()
    if s.endswith(" (scan)"):
        s = s[: -len(" (scan)")]
    return s in NOT_PARKED


def split_call(line: str) -> Tuple[str, str]:
    """Split "pkg.(*T[...]).m(0x1, {0x2})" into name and argument text.

    The argument list is the last balanced parenthesised group; function
    names can contain parentheses themselves ("main.(*server).serve").
    """
    if not line.endswith(")"):
        return line, ""
    depth = 0
    for i in range(len(line) - 1, -1, -1):
        c = line[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
            if depth == 0:
                return line[:i], line[i + 1:-1]
    return line, ""


def parse_header(line: str) -> Tuple[int, str]:
    m = HEADER_RE.match(line)
    if not m:
        raise DumpError("not a goroutine header: %r" % line)
    return int(m.group(1)), m.group(3)


def _block(lines: List[str]) -> Goroutine:
    goid, status = parse_header(lines[0])
    parts = [p.strip() for p in status.split(",")]
    state = parts[0]
    minutes, locked, extra = 0, False, []
    for p in parts[1:]:
        m = MINUTES_RE.match(p)
        if m:
            minutes = int(m.group(1))
        elif p == "locked to thread":
            locked = True
        else:
            extra.append(p)
    g = Goroutine(goid=goid, header=lines[0], status=status, state=state,
                  wait_minutes=minutes, locked=locked, extra=extra,
                  lines=list(lines), frames=[], elided=0,
                  elided_line_index=None, additional_elided=False,
                  created_by=None, created_in=None, created_file_line=None)
    i = 1
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        m = ELIDED_RE.match(line)
        if m:
            g.elided = int(m.group(1))
            g.elided_line_index = len(g.frames)
            i += 1
            continue
        if line == ADDITIONAL_ELIDED:
            g.additional_elided = True
            i += 1
            continue
        m = CREATED_RE.match(line)
        if m and not line.startswith("\t"):
            g.created_by = m.group(1)
            g.created_in = int(m.group(2)) if m.group(2) else None
            if nxt.startswith("\t"):
                g.created_file_line = nxt
                i += 1
            i += 1
            continue
        if line.startswith("\t"):
            # e.g. "\tgoroutine running on other thread; stack unavailable"
            i += 1
            continue
        name, args = split_call(line)
        fr = Frame(function=name, args=args, call_line=line, file_line="")
        if nxt.startswith("\t"):
            fr.file_line = nxt
            fm = FILE_RE.match(nxt)
            if fm:
                fr.file, fr.line = fm.group(1), int(fm.group(2))
                fr.pc_offset = int(fm.group(3), 16) if fm.group(3) else None
            i += 1
        g.frames.append(fr)
        i += 1
    return g


def parse(text: str, strict: bool = True) -> Dict[int, Goroutine]:
    """Parse a dump into {goid: Goroutine}, in dump order.

    Lines outside goroutine blocks are an error when strict, else ignored.
    A goroutine id appearing twice is always an error.
    """
    out: Dict[int, Goroutine] = {}
    cur: List[str] = []

    def flush():
        if cur:
            g = _block(cur)
            if g.goid in out:
                raise DumpError("goroutine %d appears twice" % g.goid)
            out[g.goid] = g
            cur.clear()

    for n, line in enumerate(text.split("\n"), 1):
        if HEADER_RE.match(line):
            flush()
            cur.append(line)
        elif line == "":
            flush()
        elif cur:
            cur.append(line)
        elif strict:
            raise DumpError("line %d outside any goroutine block: %r" % (n, line))
    flush()
    return out


@dataclasses.dataclass
class Comparison:
    problems: List[str]
    first_diff: str = ""
    compared: int = 0      # goroutines compared byte for byte

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self, limit: int = 40) -> str:
        out = ["%d problem(s):" % len(self.problems)]
        out += ["  " + p for p in self.problems[:limit]]
        if len(self.problems) > limit:
            out.append("  ... and %d more" % (len(self.problems) - limit))
        if self.first_diff:
            out.append("first mismatching goroutine (- oracle, + ours):")
            out.append(self.first_diff)
        return "\n".join(out)


def block_diff(want: Goroutine, got: Goroutine) -> str:
    return "".join(difflib.unified_diff(
        [l + "\n" for l in want.lines], [l + "\n" for l in got.lines],
        "oracle/goroutine-%d" % want.goid, "ours/goroutine-%d" % got.goid,
        lineterm="\n"))


def compare(oracle: Dict[int, Goroutine], ours: Dict[int, Goroutine],
            skip: Iterable[int] = ()) -> Comparison:
    """Compare our dump with the runtime's own.

    * every goroutine parked in the oracle (status is a wait reason) must be
      in ours with a byte-identical block (header, frames, created-by);
    * goroutines in syscall in the oracle must be present with the same
      state; running/runnable ones in the oracle are not checked;
    * ours may hold no goroutine absent from the oracle unless its header
      says running or runnable;
    * goroutines in skip (the one that wrote the oracle) are ignored.
    """
    skip = set(skip)
    res = Comparison(problems=[])
    for goid, want in oracle.items():
        if goid in skip:
            continue
        got = ours.get(goid)
        if want.parked:
            if got is None:
                res.problems.append("goroutine %d [%s] missing" % (goid, want.status))
                continue
            res.compared += 1
            if got.lines != want.lines:
                res.problems.append("goroutine %d [%s] differs" % (goid, want.status))
                if not res.first_diff:
                    res.first_diff = block_diff(want, got)
        elif want.state == "syscall":
            if got is None:
                res.problems.append("goroutine %d [syscall] missing" % goid)
            elif got.state != want.state:
                res.problems.append("goroutine %d: state %r, oracle %r"
                                    % (goid, got.state, want.state))
    for goid, got in ours.items():
        if goid in oracle or goid in skip:
            continue
        if got.state.startswith("running") or got.state.startswith("runnable"):
            continue
        res.problems.append("extra goroutine %d [%s] (%s) not in the oracle"
                            % (goid, got.status, got.user_function() or
                               (got.frames[0].function if got.frames else "?")))
    return res


def is_subsequence(needles: Sequence[str], haystack: Sequence[str]) -> Tuple[bool, int]:
    """Whether needles occur in haystack in order; returns (ok, matched)."""
    j = 0
    for h in haystack:
        if j < len(needles) and h == needles[j]:
            j += 1
    return j == len(needles), j
