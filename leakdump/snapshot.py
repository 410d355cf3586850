"""Snapshots, diffs and growth watches, whatever the host.

A leak-dump JSON report is a snapshot: its "target" says when it was taken
("taken_at", RFC 3339 UTC; "monotonic_ns", the target's own nanotime when
it could be read).  series() matches the groups of two or more snapshots by
(state, stack, creator) and says how each changed:

    doc = series([json.loads(old), json.loads(new)])
    print(render_text(doc))

doc is {"samples": [{"taken_at", "monotonic_ns", "goroutines"}, ...],
"groups": [{"state", "frames": [{"function", "file", "line"}],
"created_by", "counts": [n1, n2, ...], "change", "per_minute", "trend",
"new": [ids], "stuck": [ids]}, ...]}, largest growth first.

A group is "growing" when it grew in every interval, "shrinking" when it
ended smaller than it started, else "steady".  "new" are the ids in the
last snapshot's group and not in the first's; "stuck" the ids in the group
in every snapshot whose wait did not restart (the runtime's waitsince,
once it recorded one, stayed the same: it is cleared when the goroutine
runs, and set by the garbage collector for those that wait).  A goroutine that woke and went back
to the very same wait between two snapshots without the runtime noting it
still counts as stuck: more samples narrow that down.

This module imports only the standard library.
"""

import datetime
import json
import os
import time

GROWING, SHRINKING, STEADY = "growing", "shrinking", "steady"

# Ids listed per group in the text output (the JSON has them all).
_TEXT_IDS = 6
# Frames shown per group in the text output.
_TEXT_FRAMES = 4


class SnapshotError(ValueError):
    """A document that is no leak-dump JSON report."""


def parse_time(text):
    """RFC 3339 -> seconds since the epoch (float), or None."""
    if not text:
        return None
    try:
        t = text.replace("Z", "+00:00").replace("z", "+00:00")
        return datetime.datetime.fromisoformat(t).timestamp()
    except (ValueError, AttributeError):
        return None


def format_time(seconds):
    """Seconds since the epoch -> RFC 3339 UTC (microseconds)."""
    dt = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _str(v):
    return v if isinstance(v, str) else None


def _int(v):
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _frame(f):
    if not isinstance(f, dict):
        return None
    return {"function": _str(f.get("function")), "file": _str(f.get("file")),
            "line": _int(f.get("line"))}


def _group(g):
    """A report group as the diff reads it; None when it is no group."""
    if not isinstance(g, dict):
        return None
    out = {"state": _str(g.get("state")),
           "frames": [f for f in map(_frame, g.get("frames") or [] if
                                     isinstance(g.get("frames"), list) else [])
                      if f],
           "created_by": _frame(g.get("created_by")),
           "goroutines": [i for i in (g.get("goroutines") if
                                      isinstance(g.get("goroutines"), list)
                                      else []) if _int(i) is not None]}
    if isinstance(g.get("verdict"), str):
        out["verdict"] = g["verdict"]
    return out


def _clean(doc):
    """The parts of a report the diff reads, each of the type it expects:
    a report from anywhere is untrusted input (a wrong type is dropped,
    never an exception further on)."""
    target = doc.get("target") if isinstance(doc.get("target"), dict) else {}
    totals = doc.get("totals") if isinstance(doc.get("totals"), dict) else {}
    mono = _int(target.get("monotonic_ns"))
    return {
        "target": {"taken_at": _str(target.get("taken_at")),
                   "monotonic_ns": mono,
                   "now_estimated": target.get("now_estimated") is True,
                   "pid": _int(target.get("pid")),
                   "executable": _str(target.get("executable"))},
        "totals": {"goroutines": _int(totals.get("goroutines"))},
        "groups": [g for g in map(_group, doc["groups"]) if g],
        "goroutines": [{"id": g["id"],
                        "wait_since_ns": _int(g.get("wait_since_ns"))}
                       for g in (doc.get("goroutines") if
                                 isinstance(doc.get("goroutines"), list)
                                 else [])
                       if isinstance(g, dict) and _int(g.get("id")) is not None],
    }


def load(source):
    """A report from a path, JSON text or an already parsed dict; only
    the parts a diff reads, each of the expected type."""
    if isinstance(source, dict):
        doc = source
    elif not isinstance(source, (str, bytes, os.PathLike)):
        raise SnapshotError("not a leak-dump JSON report: a %s"
                            % type(source).__name__)
    else:
        if isinstance(source, os.PathLike):
            source = os.fspath(source)
        if isinstance(source, bytes):
            source = source.decode("utf-8", "surrogateescape")
        text = source
        if not source.lstrip().startswith("{"):
            try:
                with open(source, encoding="utf-8",
                          errors="surrogateescape") as f:
                    text = f.read()
            except OSError as exc:
                raise SnapshotError("%s: %s" % (source, exc.strerror)) \
                    from None
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise SnapshotError("%s: not JSON (%s)" % (
                source if text is not source else "snapshot", exc)) from None
    if isinstance(doc, dict) and "samples" in doc and "target" not in doc:
        raise SnapshotError("a diff or watch, not a snapshot: diff two "
                            "leak-dump --format json reports")
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise SnapshotError("not a leak-dump JSON report (leak-dump "
                            "--format json): no \"groups\"")
    return _clean(doc)


def _frame_key(f):
    return (f.get("function"), f.get("file"), f.get("line"))


def _creator_key(c):
    return _frame_key(c) if isinstance(c, dict) else None


def group_key(group):
    """What makes two groups of two snapshots the same: state, stack (no
    arguments, no pcs) and creator."""
    frames = group.get("frames") or []
    return (group.get("state"), tuple(_frame_key(f) for f in frames),
            _creator_key(group.get("created_by")))


class _Snap:
    """One report reduced to what a diff needs."""

    def __init__(self, doc):
        doc = load(doc)
        target = doc.get("target") or {}
        self.taken_at = target.get("taken_at")
        self.wall = parse_time(self.taken_at)
        mono = target.get("monotonic_ns")
        self.mono = mono if isinstance(mono, int) and mono > 0 else None
        # A core's nanotime is an estimate: good for wait minutes, not
        # for rates.
        self.mono_exact = self.mono is not None and \
            not target.get("now_estimated")
        self.pid = target.get("pid")
        self.executable = target.get("executable")
        totals = doc.get("totals") or {}
        self.goroutines = totals.get("goroutines")
        self.groups = {}      # key -> {"group": first such group, "ids": []}
        for g in doc["groups"]:
            if not isinstance(g, dict):
                continue
            entry = self.groups.setdefault(group_key(g),
                                           {"group": g, "ids": []})
            entry["ids"].extend(i for i in g.get("goroutines") or []
                                if isinstance(i, int))
        if self.goroutines is None:
            self.goroutines = sum(len(e["ids"]) for e in self.groups.values())
        self.since = {}
        for g in doc.get("goroutines") or []:
            if isinstance(g, dict) and isinstance(g.get("id"), int):
                self.since[g["id"]] = g.get("wait_since_ns")

    def sample(self):
        return {"taken_at": self.taken_at, "monotonic_ns": self.mono,
                "goroutines": self.goroutines}


def _elapsed(a, b):
    """Seconds from snapshot a to b: the target's own clock when both
    read it, else the wall clocks; None when unknown."""
    if a.mono_exact and b.mono_exact and b.mono > a.mono:
        return (b.mono - a.mono) / 1e9
    if a.wall is not None and b.wall is not None and b.wall > a.wall:
        return b.wall - a.wall
    return None


def _trend(counts):
    if len(counts) >= 2 and all(y > x for x, y in zip(counts, counts[1:])):
        return GROWING
    if counts[-1] < counts[0]:
        return SHRINKING
    return STEADY


def _stuck(snaps, key):
    """Ids in the group in every snapshot, their wait never restarted."""
    first = snaps[0].groups[key]["ids"]
    out = []
    for gid in first:
        since = snaps[0].since.get(gid)
        ok = True
        for s in snaps[1:]:
            e = s.groups.get(key)
            if e is None or gid not in e.setdefault("set", set(e["ids"])):
                ok = False
                break
            other = s.since.get(gid)
            # The runtime clears waitsince whenever the goroutine runs:
            # a recorded wait that changed or vanished was a new one.
            if since is not None and other != since:
                ok = False
                break
            since = other
        if ok:
            out.append(gid)
    return out


def series(snapshots):
    """Two or more reports (dicts, paths or JSON text), oldest first -> the
    diff/watch document (see the module's docstring)."""
    snaps = [_Snap(s) for s in snapshots]
    if len(snaps) < 2:
        raise SnapshotError("a diff needs two snapshots")
    if snaps[0].executable and snaps[-1].executable and \
            snaps[0].executable != snaps[-1].executable and \
            snaps[0].pid != snaps[-1].pid:
        warnings = ["the snapshots are of different programs (%s, %s)" %
                    (snaps[0].executable, snaps[-1].executable)]
    else:
        warnings = []
    elapsed = _elapsed(snaps[0], snaps[-1])
    if elapsed is None:
        warnings.append("the snapshots' times are unknown or out of order: "
                        "no rates")
    keys = []
    seen = set()
    for s in snaps:
        for k in s.groups:
            if k not in seen:
                seen.add(k)
                keys.append(k)
    groups = []
    for k in keys:
        counts = [len(s.groups[k]["ids"]) if k in s.groups else 0
                  for s in snaps]
        newest = snaps[-1].groups.get(k)
        model = (newest or next(s.groups[k] for s in snaps
                                if k in s.groups))["group"]
        change = counts[-1] - counts[0]
        per_minute = None
        if elapsed:
            per_minute = round(change * 60.0 / elapsed, 3)
        old_ids = set(snaps[0].groups[k]["ids"]) if k in snaps[0].groups \
            else set()
        new = [i for i in newest["ids"] if i not in old_ids] if newest \
            else []
        stuck = _stuck(snaps, k) if all(k in s.groups for s in snaps) \
            else []
        groups.append({
            "state": model.get("state"),
            "frames": [{"function": f.get("function"), "file": f.get("file"),
                        "line": f.get("line")}
                       for f in model.get("frames") or []],
            "created_by": ({"function": model["created_by"].get("function"),
                            "file": model["created_by"].get("file"),
                            "line": model["created_by"].get("line")}
                           if isinstance(model.get("created_by"), dict)
                           else None),
            "counts": counts,
            "change": change,
            "per_minute": per_minute,
            "trend": _trend(counts),
            "new": sorted(new),
            "stuck": sorted(stuck),
        })
        if newest and "verdict" in newest["group"]:
            # --prove ran on the last snapshot.
            groups[-1]["verdict"] = newest["group"]["verdict"]
    # Largest growth first; then the biggest groups.
    groups.sort(key=lambda g: (g["trend"] != GROWING, -g["change"],
                               -g["counts"][-1]))
    doc = {"samples": [s.sample() for s in snaps],
           "elapsed_seconds": round(elapsed, 6) if elapsed else None,
           "groups": groups}
    if warnings:
        doc["warnings"] = warnings
    return doc


def diff(old, new):
    """series() of two snapshots."""
    return series([old, new])


def growing(doc):
    """The groups of a series document that grew in every interval."""
    return [g for g in doc["groups"] if g["trend"] == GROWING]


# ---------------------------------------------------------------------------
# text

def _short(path):
    """The last two components of a file path, as the text report."""
    if not path:
        return "?"
    parts = path.split("/")
    return "/".join(parts[-2:]) if len(parts) > 2 else path


def _ids(ids):
    shown = ", ".join(str(i) for i in ids[:_TEXT_IDS])
    if len(ids) > _TEXT_IDS:
        shown += ", ..."
    return shown


def _rate(g):
    if g["per_minute"] is None:
        return ""
    return ", %s%s/min" % ("+" if g["per_minute"] >= 0 else "−",
                           "{:,.1f}".format(abs(g["per_minute"])))


def _n(v):
    return "{:,}".format(v)


def _group_text(g, out):
    counts = " → ".join(_n(c) for c in g["counts"])
    line = "\n%s (%s%s%s) × [%s]" % (
        counts, "+" if g["change"] >= 0 else "−", _n(abs(g["change"])),
        _rate(g), g["state"])
    if g.get("verdict"):
        line += "   %s" % g["verdict"]
    c = g["created_by"]
    if c:
        line += "   created by %s at %s:%s" % (
            c["function"], _short(c["file"]), c["line"])
    out.append(line + "\n")
    extra = []
    if g["new"]:
        extra.append("new: %s (%s)" % (_n(len(g["new"])), _ids(g["new"])))
    if g["stuck"]:
        extra.append("stuck: %s (%s)" % (_n(len(g["stuck"])),
                                         _ids(g["stuck"])))
    if extra:
        out.append("    " + " · ".join(extra) + "\n")
    for f in g["frames"][:_TEXT_FRAMES]:
        out.append("    %-40s %s:%s\n" % ((f["function"] or "?") + "()",
                                          _short(f["file"]), f["line"]))
    if len(g["frames"]) > _TEXT_FRAMES:
        out.append("    ... %d more frames\n" %
                   (len(g["frames"]) - _TEXT_FRAMES))


def render_text(doc, all_groups=False):
    """The text of a diff or watch: the growing groups first with their
    rate, then the ones that shrank, then (all_groups) the steady ones;
    the stuck goroutines of every group are counted."""
    samples = doc["samples"]
    out = []
    head = "leakdump: %d snapshots" % len(samples)
    if doc.get("elapsed_seconds"):
        head += " over %.1f s" % doc["elapsed_seconds"]
    out.append(head + " (%s → %s); goroutines %s\n" % (
        samples[0].get("taken_at") or "?", samples[-1].get("taken_at") or "?",
        " → ".join(_n(s["goroutines"]) if isinstance(s.get("goroutines"), int)
                   else "?" for s in samples)))
    if doc.get("interrupted"):
        out.append("(interrupted after %d samples)\n" % len(samples))
    for w in doc.get("warnings") or []:
        out.append("warning: %s\n" % w)
    by = {GROWING: [], SHRINKING: [], STEADY: []}
    for g in doc["groups"]:
        by[g["trend"]].append(g)
    every = "grew" if len(samples) == 2 else "growing in every interval"
    if by[GROWING]:
        out.append("\n== %s: %d group%s\n" % (
            every, len(by[GROWING]), "" if len(by[GROWING]) == 1 else "s"))
        for g in by[GROWING]:
            _group_text(g, out)
    else:
        out.append("\nno group %s\n" % (
            "grew" if len(samples) == 2 else "grew in every interval"))
    if by[SHRINKING]:
        out.append("\n== shrank: %d group%s\n" % (
            len(by[SHRINKING]), "" if len(by[SHRINKING]) == 1 else "s"))
        for g in by[SHRINKING]:
            _group_text(g, out)
    steady = by[STEADY]
    stuck = sum(len(g["stuck"]) for g in doc["groups"])
    if all_groups:
        out.append("\n== steady: %d group%s\n" % (
            len(steady), "" if len(steady) == 1 else "s"))
        for g in steady:
            _group_text(g, out)
    else:
        out.append("\n%d steady group%s (%s goroutines)" % (
            len(steady), "" if len(steady) == 1 else "s",
            _n(sum(g["counts"][-1] for g in steady))))
    out.append("%s%s goroutine%s stuck in the same place in every "
               "snapshot\n" % ("\n" if all_groups else "; ", _n(stuck),
                               "" if stuck == 1 else "s"))
    return "".join(out)


def render(doc, fmt="text"):
    """doc as "text" or "json"."""
    if fmt == "json":
        return json.dumps(doc, indent=1) + "\n"
    return render_text(doc)


# ---------------------------------------------------------------------------
# the watch

def parse_duration(text):
    """"30s", "500ms", "2m", "1h" or plain seconds -> seconds (float > 0)."""
    t = str(text).strip().lower()
    scale = 1.0
    for suffix, mult in (("ms", 1e-3), ("s", 1.0), ("m", 60.0),
                         ("h", 3600.0)):
        if t.endswith(suffix):
            t, scale = t[:-len(suffix)], mult
            break
    try:
        v = float(t) * scale
    except ValueError:
        raise ValueError("not a duration: '%s' (30s, 500ms, 2m)" % text) \
            from None
    if not v > 0 or v > 7 * 86400:
        raise ValueError("not a duration: '%s' (30s, 500ms, 2m)" % text)
    return v


def stamp(doc, stopped):
    """Date a report by when its target was stopped, stopped being
    (CLOCK_MONOTONIC ns, wall clock ns) as a host measured it: a debugger
    reads a while after it stops the target, and not always as long.  The
    monotonic clock is that of a local process (Go's nanotime), so it is
    replaced only where the report read the target's own."""
    target = doc.get("target")
    if not isinstance(target, dict) or not stopped:
        return doc
    mono, wall = stopped
    target["taken_at"] = format_time(wall / 1e9)
    if isinstance(target.get("monotonic_ns"), int) and \
            not target.get("now_estimated"):
        target["monotonic_ns"] = mono
    return doc


def watch(take, run_for, samples=4, interval=30.0, prove=False,
          progress=None):
    """Take samples snapshots interval seconds apart: take(prove) -> a
    report (dict) of the stopped target, run_for(seconds) lets it run
    between them.  --prove runs on the last sample only.  A
    KeyboardInterrupt ends the watch early: the samples so far are
    reported ("interrupted": true) if there are two, else it propagates.
    Returns the series() document plus "interval_seconds"."""
    docs = []
    interrupted = False
    try:
        for i in range(samples):
            if i:
                run_for(interval)
            t0 = time.monotonic()
            doc = take(prove and i == samples - 1)
            docs.append(doc)
            if progress:
                progress("leak-watch: sample %d/%d: %s goroutines, read in "
                         "%.2f s\n" % (i + 1, samples,
                                       (doc.get("totals") or {})
                                       .get("goroutines", "?"),
                                       time.monotonic() - t0))
    except KeyboardInterrupt:
        interrupted = True
        if len(docs) < 2:
            raise
    out = series(docs)
    out["interval_seconds"] = interval
    if interrupted:
        out["interrupted"] = True
    return out
