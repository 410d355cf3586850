"""Time leak-dump's formats against each other on one live process.

    /usr/bin/python3 bench/formats.py [--go 1.27] [--runs 3] [--core] N

Starts the `many` fixture with N parked goroutines (built by the e2e
harness), then times `leakdump pid PID --format F --output FILE` (or, with
--core, on a gcore of it) for text, pprof and html (and any --formats),
best of --runs, and prints each format's time relative to text's.  The
goal (issue #13): pprof and html within 20% of text at 1M goroutines.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import harness  # noqa: E402


def timed(argv):
    t = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(argv), r.stderr[-2000:]))
    return time.monotonic() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--go", default="1.27")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--core", action="store_true")
    ap.add_argument("--formats", default="text,pprof,html")
    args = ap.parse_args()

    exe = harness.build(args.go, "many")
    work = Path(tempfile.mkdtemp(prefix="ld-formats-"))
    fp = harness.FixtureProcess(exe, work / "fixture", [str(args.n)])
    fp.wait_ready(timeout=900)
    target = ["pid", str(fp.pid)]
    try:
        if args.core:
            core = harness.gcore(fp.pid, work / "many.core", timeout=1800)
            fp.stop()
            target = ["core", str(exe), str(core)]
        results = {}
        for fmt in args.formats.split(","):
            out = work / ("out." + fmt)
            best = min(timed([sys.executable, "-m", "leakdump"] + target +
                             ["--format", fmt, "--output", str(out)])
                       for _ in range(args.runs))
            results[fmt] = (best, out.stat().st_size)
        base = results.get("text", (None,))[0]
        print("%d goroutines, %s, best of %d" % (args.n, "core" if args.core else "live",
                                                 args.runs))
        for fmt, (t, size) in results.items():
            rel = " (%+.0f%% vs text)" % ((t / base - 1) * 100) if base else ""
            print("  %-6s %7.2f s  %10d bytes%s" % (fmt, t, size, rel))
    finally:
        fp.stop()
        for p in work.rglob("*.core"):
            p.unlink()


if __name__ == "__main__":
    os.chdir(REPO)
    main()
