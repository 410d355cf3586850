"""Python API iteration benchmark (bench/run.sh runs it on its core; it also
runs alone):

    /usr/bin/python3 bench/api_iter.py EXE CORE [--runs 3]

Times, on one core and in one process: opening the session and loading the
goroutines (leakdump.open_core + the first goroutine count); iterating
s.goroutines() reading id, state and wait_minutes; the same also reading
g.frames[0].function (one stack unwound per goroutine).  Best of --runs
for the iterations (the session is opened once).  Prints one JSON object.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import leakdump  # noqa: E402


def iterate(s, frames):
    n = 0
    t0 = time.perf_counter()
    if frames:
        for g in s.goroutines():
            g.id, g.state, g.wait_minutes  # noqa: B018
            g.frames[0].function if g.frames else None  # noqa: B018
            n += 1
    else:
        for g in s.goroutines():
            g.id, g.state, g.wait_minutes  # noqa: B018
            n += 1
    return n, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("core")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    t0 = time.perf_counter()
    s = leakdump.open_core(a.exe, a.core)
    total = s.count(all=True)
    open_s = time.perf_counter() - t0
    res = {"goroutines_all": total, "open_s": round(open_s, 3)}
    for key, frames in (("iter", False), ("iter_frames", True)):
        best = None
        for _ in range(max(1, a.runs)):
            n, dt = iterate(s, frames)
            best = dt if best is None else min(best, dt)
        res["goroutines"] = n
        res[key + "_s"] = round(best, 3)
        res[key + "_us_per_g"] = round(best / n * 1e6, 3) if n else None
    s.close()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
