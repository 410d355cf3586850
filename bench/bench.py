"""leakdump benchmark driver (run through bench/run.sh, with /usr/bin/python3).

For each N: start the `many` fixture with N parked goroutines; time
`leak-dump` on the live process; gcore it, kill it, warm the page cache and
time `leak-dump` on the core; time Delve's `goroutines -group userloc` on the
same core; delete the core.  Prints a table and writes a small JSON file.

Every measured command runs under /usr/bin/time -f '%e %M' (wall seconds,
peak RSS in KB of the whole process), in its own session so that a timeout
(or a process growing past the RSS limit) kills it and all its children.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def session_rss_kb(sid):
    """Sum of the RSS of every process in session SID."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[3]) != sid:
                continue
            with open("/proc/%s/statm" % name) as f:
                total += int(f.read().split()[1]) * PAGE // 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


def kill_session(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def measure(cmd, timeout, max_rss_mb, out_path, stdin_data=None):
    """Run CMD under /usr/bin/time.  Returns a dict with status ("ok",
    "exit N", "timeout", "rss-limit"), wall_s and rss_mb."""
    tfile = out_path + ".time"
    if os.path.exists(tfile):
        os.unlink(tfile)
    full = ["/usr/bin/time", "-f", "%e %M", "-o", tfile] + cmd
    t0 = time.time()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(
            full, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            start_new_session=True)
        if stdin_data is not None:
            try:
                proc.stdin.write(stdin_data)
                proc.stdin.close()
            except BrokenPipeError:
                pass
        status = None
        peak_watch = 0
        try:
            while True:
                try:
                    proc.wait(timeout=1.0)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if time.time() - t0 > timeout:
                    status = "timeout"
                    kill_session(proc)
                    break
                rss = session_rss_kb(proc.pid)
                peak_watch = max(peak_watch, rss)
                if max_rss_mb and rss > max_rss_mb * 1024:
                    status = "rss-limit"
                    kill_session(proc)
                    break
        except BaseException:
            # Interrupted (SIGTERM/SIGINT): take the measured command down too.
            kill_session(proc)
            raise
    wall_py = time.time() - t0
    res = {"status": status or "ok", "wall_s": round(wall_py, 2),
           "rss_mb": round(peak_watch / 1024, 1)}
    if status is None:
        try:
            with open(tfile) as f:
                lines = f.read().strip().splitlines()
            m = re.match(r"^([\d.]+) (\d+)$", lines[-1])
            res["wall_s"] = float(m.group(1))
            res["rss_mb"] = round(int(m.group(2)) / 1024, 1)
            for line in lines[:-1]:
                if "exited with non-zero status" in line or "Command terminated" in line:
                    res["status"] = "exit %d" % proc.returncode
        except (OSError, AttributeError, IndexError):
            res["status"] = "exit %s" % proc.returncode
        if proc.returncode != 0 and res["status"] == "ok":
            res["status"] = "exit %d" % proc.returncode
    return res


class Bench:
    def __init__(self, args):
        self.a = args
        self.work = args.work
        self.fixture = None
        self.core = None
        os.makedirs(os.path.join(self.work, "logs"), exist_ok=True)
        os.makedirs(os.path.join(self.work, "cores"), exist_ok=True)

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    # -- fixture -------------------------------------------------------
    def start_fixture(self, n):
        out = self.path("logs", "many-%d.out" % n)
        ready = self.path("many.ready")
        for p in (ready,):
            if os.path.exists(p):
                os.unlink(p)
        t0 = time.time()
        with open(out, "wb") as f:
            argv = [self.a.many, "-ready", ready]
            if self.a.heap_mb:
                argv += ["-heap", str(self.a.heap_mb)]
            if self.a.prove:
                argv += ["-leak"]
            if self.a.io:
                argv += ["-io", str(self.a.io)]
            self.fixture = subprocess.Popen(
                argv + [str(n)], stdout=f,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        with open(self.path("fixture.pid"), "w") as f:
            f.write("%d\n" % self.fixture.pid)
        while True:
            if self.fixture.poll() is not None:
                raise RuntimeError("fixture exited early (%s): see %s"
                                   % (self.fixture.returncode, out))
            with open(out, "rb") as f:
                if b"\nready\n" in f.read():
                    break
            if time.time() - t0 > self.a.timeout:
                raise RuntimeError("fixture not ready after %ds" % self.a.timeout)
            time.sleep(0.2)
        startup = time.time() - t0
        with open("/proc/%d/status" % self.fixture.pid) as f:
            rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        log("fixture N=%d pid %d ready in %.1fs, RSS %.0f MB"
            % (n, self.fixture.pid, startup, rss / 1024))
        return {"pid": self.fixture.pid, "startup_s": round(startup, 2),
                "rss_mb": round(rss / 1024, 1)}

    def kill_fixture(self):
        if self.fixture is not None:
            kill_session(self.fixture)
            self.fixture = None
        try:
            os.unlink(self.path("fixture.pid"))
        except FileNotFoundError:
            pass

    def remove_core(self):
        if self.core and os.path.exists(self.core):
            os.unlink(self.core)
        self.core = None

    # -- measurements --------------------------------------------------
    def gdb_cmd(self, target, with_dump, timing_file=None, extra="",
                gdbinit=None):
        cmd = self.gdb_argv(gdbinit) + ["-x", self.a.timed] + target
        if with_dump:
            cmd += ["-ex", "bench-timed %s leak-dump --output %s%s"
                    % (timing_file, self.dump_file(timing_file), extra)]
        return cmd

    def gdb_argv(self, gdbinit=None):
        """gdb -nx -batch with this checkout's quiet.gdb (read before the
        attach: no thread events, no runtime-gdb.py warning) and gdbinit."""
        root = os.path.dirname(os.path.abspath(self.a.gdbinit))
        return ["gdb", "-nx", "-batch", "-ix", os.path.join(root, "quiet.gdb"),
                "-x", gdbinit or self.a.gdbinit]

    @staticmethod
    def dump_file(timing_file):
        """Where a timed run's report goes: its header has the cost line
        (read by cost()); beside the timing file."""
        return timing_file + ".dump" if timing_file else os.devnull

    def lldb_cmd(self, target, with_dump, timing_file=None, extra="",
                 command=None):
        """The same in LLDB (leakdump_lldb.py beside gdbinit): a core
        target [EXE, CORE] becomes EXE -c CORE."""
        if len(target) == 2 and not target[0].startswith("-"):
            target = [target[0], "-c", target[1]]
        root = os.path.dirname(os.path.abspath(self.a.gdbinit))
        cmd = [self.a.lldb, "--batch", "-x", "-Q",
               "-O", "settings set thread-stop-format ''",
               "-O", "settings set stop-line-count-before 0",
               "-O", "settings set stop-line-count-after 0",
               "-O", "settings set stop-disassembly-display never",
               "-O", "command script import %s" % os.path.join(root, "leakdump_lldb.py"),
               "-O", "command script import %s" % self.a.timed_lldb] + target
        if command:
            cmd += ["-o", command]
        elif with_dump:
            cmd += ["-o", "bench-timed %s leak-dump --output %s%s"
                    % (timing_file, self.dump_file(timing_file), extra)]
        return cmd

    def leakdump_runs(self, n, mode, target, extra="", gdbinit=None,
                      host="gdb"):
        """RUNS timed runs of leak-dump and RUNS debugger-only runs, in GDB
        or (host "lldb") in LLDB."""
        runs, base = [], []
        gdbinit = gdbinit or self.a.gdbinit

        def command(with_dump, tf=None):
            if host == "lldb":
                return self.lldb_cmd(target, with_dump, tf, extra)
            return self.gdb_cmd(target, with_dump, tf, extra, gdbinit)
        for i in range(self.a.runs):
            tf = self.path("logs", "cmd-%d-%s-%d.txt" % (n, mode, i))
            if os.path.exists(tf):
                os.unlink(tf)
            r = measure(command(True, tf),
                        self.a.timeout,
                        self.a.max_rss_mb,
                        self.path("logs", "gdb-%d-%s-%d.out" % (n, mode, i)))
            r["load"] = loadavg()[0]
            r.update(cost(self.dump_file(tf)))
            try:
                with open(tf) as f:
                    txt = f.read().strip()
                if txt.startswith("error"):
                    r["status"] = txt
                else:
                    r["cmd_s"] = round(float(txt), 3)
            except (OSError, ValueError):
                r["cmd_s"] = None
                if r["status"] == "ok":
                    r["status"] = "no timing (see logs)"
            log("leak-dump %s N=%d run %d: %s" % (mode, n, i + 1, r))
            runs.append(r)
        for i in range(self.a.runs):
            r = measure(command(False), self.a.timeout,
                        self.a.max_rss_mb,
                        self.path("logs", "gdb-%d-%s-base-%d.out" % (n, mode, i)))
            log("gdb only %s N=%d run %d: %s" % (mode, n, i + 1, r))
            base.append(r)
        # One untimed run that keeps the grouped report, as a sanity check
        # that every goroutine was seen.
        report = self.path("logs", "report-%d-%s.txt" % (n, mode))
        if host == "lldb":
            argv = self.lldb_cmd(target, False,
                                 command="leak-dump --output %s" % report)
        else:
            argv = (self.gdb_argv(gdbinit) + target
                    + ["-ex", "leak-dump --output %s" % report])
        subprocess.run(argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=self.a.timeout, check=False)
        seen = None
        try:
            with open(report) as f:
                m = re.search(r"([\d,]+) goroutines", f.readline())
            seen = int(m.group(1).replace(",", ""))
        except (OSError, AttributeError, ValueError):
            pass
        res = {"runs": runs, "gdb_only": base, "goroutines": seen}
        if not self.a.skip_cli and gdbinit == self.a.gdbinit:
            res["cli"] = self.cli_runs(n, mode, target, extra)
        return res

    def cli_runs(self, n, mode, target, extra=""):
        """RUNS timed runs of the same leak-dump through the command line
        (`python3 -m leakdump core EXE CORE` / `pid PID`): no GDB start-up,
        no GDB core loading; a live process is stopped with ptrace."""
        root = os.path.dirname(os.path.abspath(self.a.gdbinit))
        where = (["pid", target[1]] if target[0] == "-p"
                 else ["core"] + list(target))
        runs = []
        for i in range(self.a.runs):
            dump = self.path("logs", "cli-%d-%s-%d.dump" % (n, mode, i))
            cmd = ["/usr/bin/python3", "-m", "leakdump"] + where + \
                ["--output", dump] + extra.split()
            cwd = os.getcwd()
            os.chdir(root)      # `-m leakdump` from the checkout
            try:
                r = measure(cmd, self.a.timeout, self.a.max_rss_mb,
                            self.path("logs", "cli-%d-%s-%d.out" % (n, mode, i)))
            finally:
                os.chdir(cwd)
            r["load"] = loadavg()[0]
            r.update(cost(dump))
            log("leakdump cli %s N=%d run %d: %s" % (mode, n, i + 1, r))
            runs.append(r)
        return runs

    def delve_runs(self, n):
        runs = []
        init = self.path("dlv.init")
        with open(init, "w") as f:
            f.write("goroutines -group userloc\nexit\n")
        cmd = [self.a.dlv, "core", "--check-go-version=false",
               "--allow-non-terminal-interactive=true", "--init", init,
               self.a.many, self.core]
        seen = None
        for i in range(self.a.runs):
            out = self.path("logs", "dlv-%d-%d.out" % (n, i))
            # 'y' answers any "kill the process?" style prompt on exit.
            r = measure(cmd, self.a.delve_timeout, self.a.max_rss_mb, out,
                        stdin_data=b"y\ny\ny\n")
            r["load"] = loadavg()[0]
            try:
                with open(out, errors="replace") as f:
                    totals = [int(x) for x in
                              re.findall(r"^\s*Total: (\d+)", f.read(), re.M)]
                if totals:
                    r["goroutines"] = sum(totals)
                    seen = sum(totals)
            except OSError:
                pass
            log("delve core N=%d run %d: %s" % (n, i + 1, r))
            runs.append(r)
            if r["status"] != "ok" or r["wall_s"] > self.a.delve_repeat_under:
                break
        return {"runs": runs, "goroutines": seen}

    def prove_stats(self, n, mode, target):
        """One untimed --prove run in JSON: what the marking covered, and
        its speed in bytes scanned (heap objects + roots) per second."""
        out = self.path("logs", "prove-%d-%s.json" % (n, mode))
        subprocess.run(self.gdb_argv() + target
                       + ["-ex", "leak-dump --prove --format json --output %s" % out],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=self.a.timeout, check=False)
        try:
            with open(out) as f:
                doc = json.load(f)
            pv = doc["prove"]
        except (OSError, ValueError, KeyError):
            return None
        finally:
            if os.path.exists(out):
                os.unlink(out)
        # Ground truth: the fixture leaks only in main.leaked and main.nilChan.
        by_fn = {"expected": 0, "other": 0}
        for g in doc["groups"]:
            if g.get("verdict") != "leaked":
                continue
            fns = {f["function"] for f in g["frames"]}
            ok = fns & {"main.leaked", "main.nilChan"}
            by_fn["expected" if ok else "other"] += g["count"]
        pv["leaked_by_construction"] = by_fn["expected"]
        pv["leaked_elsewhere"] = by_fn["other"]
        del doc
        scanned = pv["scanned_bytes"] + pv["root_bytes"]
        pv["bytes_per_second"] = round(scanned / pv["seconds"]) if pv["seconds"] else None
        log("prove %s N=%d: %s" % (mode, n, pv))
        return pv

    def api_runs(self, n):
        """The Python API over the same core (bench/api_iter.py): open,
        iterate s.goroutines() reading id/state/wait_minutes, and again
        with g.frames[0].function; wall and RSS of the whole process."""
        out = self.path("logs", "api-%d.out" % n)
        r = measure(["/usr/bin/python3", self.a.api_iter, self.a.many,
                     self.core, "--runs", str(self.a.runs)],
                    self.a.timeout, self.a.max_rss_mb, out)
        try:
            with open(out) as f:
                r.update(json.loads(f.read().strip().splitlines()[-1]))
        except (OSError, ValueError, IndexError):
            pass
        log("api N=%d: %s" % (n, r))
        return r

    def measured(self, res, n, mode, target, extra=""):
        """leak-dump runs of this checkout, then of the baseline checkout
        (--baseline) on the same target, as mode and mode@base."""
        res[mode] = self.leakdump_runs(n, mode, target, extra)
        if self.a.baseline:
            res[mode + "@base"] = self.leakdump_runs(
                n, mode + "@base", target, extra,
                os.path.join(self.a.baseline, "gdbinit"))

    # -- one N -----------------------------------------------------------
    def compare_outputs(self, n):
        """The baseline's and this checkout's dumps of the core in text, go
        and json, byte for byte: a core does not change, and neither may
        what leak-dump says of it.  (--prove is left out: its summary
        says how long marking took.)"""
        same = {}
        forms = [("text", ""), ("go", " --format go"), ("json", " --format json")]
        for name, extra in forms:
            outs = []
            for tag, gdbinit in (("base", os.path.join(self.a.baseline, "gdbinit")),
                                 ("head", self.a.gdbinit)):
                out = self.path("logs", "compare-%d-%s-%s.txt" % (n, name, tag))
                if os.path.exists(out):
                    os.unlink(out)
                subprocess.run(self.gdb_argv(gdbinit) + [self.a.many, self.core]
                               + ["-ex", "leak-dump --output %s%s" % (out, extra)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=self.a.timeout, check=False)
                try:
                    with open(out, "rb") as f:
                        outs.append(f.read())
                except OSError:
                    outs.append(None)
            ok = outs[0] is not None and outs[0] == outs[1]
            same[name] = ok
            log("same output N=%d %s: %s (%s bytes)" % (
                n, name, ok, outs[1] and len(outs[1])))
        return same

    def one(self, n):
        res = {"n": n}
        res["fixture"] = self.start_fixture(n)
        pid = res["fixture"]["pid"]
        log("live N=%d" % n)
        self.measured(res, n, "live", ["-p", str(pid)])
        if self.a.lldb:
            res["live-lldb"] = self.leakdump_runs(n, "live-lldb", ["-p", str(pid)],
                                                  host="lldb")
        if self.a.prove:
            res["live-prove"] = self.leakdump_runs(n, "live-prove", ["-p", str(pid)],
                                                   " --prove")
            res["live-prove"]["stats"] = self.prove_stats(n, "live", ["-p", str(pid)])

        self.core = self.path("cores", "core.%d" % pid)
        log("gcore -> %s" % self.core)
        g = measure(["gdb", "-nx", "-batch", "-p", str(pid),
                     "-ex", "gcore %s" % self.core], self.a.timeout, 0,
                    self.path("logs", "gcore-%d.out" % n))
        if not os.path.exists(self.core):
            raise RuntimeError("gcore failed: %s" % g)
        g["size_mb"] = round(os.path.getsize(self.core) / 2**20)
        res["gcore"] = {"wall_s": g["wall_s"], "size_mb": g["size_mb"]}
        log("gcore: %s" % g)
        self.kill_fixture()

        t0 = time.time()
        subprocess.run("cat '%s' > /dev/null" % self.core, shell=True, check=True)
        log("page cache warmed in %.1fs" % (time.time() - t0))
        self.measured(res, n, "core", [self.a.many, self.core])
        if self.a.baseline:
            res["same_output"] = self.compare_outputs(n)
        if self.a.lldb:
            res["core-lldb"] = self.leakdump_runs(
                n, "core-lldb", [self.a.many, self.core], host="lldb")
        # The same without blocking objects (--no-blocking): the cost of
        # naming every waited-on object is the difference.
        self.measured(res, n, "core-noblock", [self.a.many, self.core],
                      " --no-blocking")
        if self.a.api_iter:
            res["api"] = self.api_runs(n)
        if self.a.prove:
            res["core-prove"] = self.leakdump_runs(
                n, "core-prove", [self.a.many, self.core], " --prove")
            res["core-prove"]["stats"] = self.prove_stats(
                n, "core", [self.a.many, self.core])
        res["delve"] = self.delve_runs(n) if not self.a.skip_delve else {
            "runs": [], "goroutines": None}
        self.remove_core()
        return res


# LLDB's rows right after GDB's on the same target.
MODES = [m + b for m in ("live", "live-lldb", "live-prove", "core", "core-lldb",
                         "core-noblock", "core-prove")
         for b in ("", "@base")]


COST = re.compile(r"^  cost: (process paused|target read) ([\d.]+) s .* ([\d.]+) s in all"
                  r"(?:, output aside \S+ read ([\d.]+ [kMG]?B) in ([\d,]+) transfer)?")


def cost(path):
    """The cost line of a text report's header: {"pause_s": stop to
    resume (the command line), or "target_s": the time the dump read the
    target a debugger holds, "cost_total_s"}; {} for a core, a report
    without the line (an older checkout) or no report."""
    try:
        with open(path, errors="replace") as f:
            head = [f.readline() for _ in range(12)]
    except OSError:
        return {}
    for line in head:
        m = COST.match(line)
        if m:
            key = "pause_s" if m.group(1) == "process paused" else "target_s"
            res = {key: float(m.group(2)), "cost_total_s": float(m.group(3))}
            if m.group(4):
                res["read"] = m.group(4)
                res["transfers"] = int(m.group(5).replace(",", ""))
            return res
    return {}


def median(runs, key):
    v = sorted(r[key] for r in runs if r.get("status") == "ok" and r.get(key) is not None)
    return v[len(v) // 2] if v else None


def best(runs, key="wall_s"):
    ok = [r for r in runs if r.get("status") == "ok" and r.get(key) is not None]
    return min(ok, key=lambda r: r[key]) if ok else None


def fmt(x, spec="%.2f"):
    return "-" if x is None else spec % x


def table(results):
    head = ("N", "mode", "leakdump wall s", "leakdump RSS MB", "in-command s",
            "target s", "debugger-only s", "cli wall s", "cli RSS MB",
            "cli pause s", "cli/gdb", "delve wall s", "delve RSS MB",
            "delve/leakdump")
    rows = []
    for res in results:
        d = best(res["delve"]["runs"])
        dfail = None
        if d is None and res["delve"]["runs"]:
            dfail = res["delve"]["runs"][-1]["status"]
        for mode in MODES:
            if mode not in res:
                continue
            b = best(res[mode]["runs"])
            c = best(res[mode]["runs"], "cmd_s")
            g = best(res[mode]["gdb_only"])
            rss = max((r["rss_mb"] for r in res[mode]["runs"]
                       if r.get("status") == "ok"), default=None)
            if mode.startswith("core"):
                if d is not None:
                    dw, dr = fmt(d["wall_s"]), fmt(d["rss_mb"], "%.0f")
                    ratio = ("%.1fx" % (d["wall_s"] / b["wall_s"])) if b else "-"
                else:
                    dw, dr, ratio = (dfail or "-"), "-", "-"
            else:
                dw, dr, ratio = "n/a", "n/a", "n/a"
            # The command line (no debugger) beside GDB: cli/gdb is its
            # best wall time over GDB's best (leak-dump in GDB, start-up
            # and core loading included).
            cli = best(res[mode].get("cli", []))
            if cli is not None:
                cw, cr = fmt(cli["wall_s"]), fmt(cli["rss_mb"], "%.0f")
                cratio = ("%.2f" % (cli["wall_s"] / b["wall_s"])) if b else "-"
            else:
                cw = cr = cratio = "-" if not res[mode].get("cli") else "failed"
            # Medians: the time on the target (GDB, LLDB: open to last
            # read) and the command line's pause (stop to resume).
            rows.append((str(res["n"]), mode,
                         fmt(b["wall_s"]) if b else "failed",
                         fmt(rss, "%.0f"), fmt(c["cmd_s"] if c else None, "%.3f"),
                         fmt(median(res[mode]["runs"], "target_s"), "%.3f"),
                         fmt(g["wall_s"] if g else None), cw, cr,
                         fmt(median(res[mode].get("cli", []), "pause_s"), "%.3f"),
                         cratio, dw, dr, ratio))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def details(results):
    out = []
    for res in results:
        n = res["n"]
        f = res["fixture"]
        out.append("N=%d: fixture ready in %.1fs, RSS %.0f MB; gcore %.1fs, "
                   "core %d MB" % (n, f["startup_s"], f["rss_mb"],
                                   res["gcore"]["wall_s"], res["gcore"]["size_mb"]))
        if "same_output" in res:
            out.append("  the core's dumps, baseline and this checkout, byte for byte: %s"
                       % ", ".join("%s %s" % (k, "same" if v else "DIFFERENT")
                                   for k, v in res["same_output"].items()))
        for mode in MODES:
            if mode not in res:
                continue
            m = res[mode]
            if m.get("stats"):
                st = m["stats"]
                out.append("  %s marking: heap %d MB, %d objects, scanned %d MB "
                           "objects + %d MB roots in %.2f s (%.0f MB/s); "
                           "verdicts %s; proven %s; leaked by construction %s, "
                           "elsewhere %s" % (
                               mode, st["heap_bytes"] >> 20, st["objects"],
                               st["scanned_bytes"] >> 20, st["root_bytes"] >> 20,
                               st["seconds"], (st["bytes_per_second"] or 0) / 1e6,
                               st["verdicts"], st["proven"],
                               st.get("leaked_by_construction"),
                               st.get("leaked_elsewhere")))
            out.append("  %s leak-dump runs (wall s / RSS MB / in-command s): %s"
                       % (mode, ", ".join("%s/%s/%s%s" % (
                           fmt(r["wall_s"]), fmt(r["rss_mb"], "%.0f"),
                           fmt(r.get("cmd_s"), "%.3f"),
                           "" if r["status"] == "ok" else " [%s]" % r["status"])
                           for r in m["runs"])))
            if m.get("cli"):
                out.append("  %s leakdump cli runs (wall s / RSS MB / pause s): %s" % (
                    mode, ", ".join("%s/%s/%s%s" % (
                        fmt(r["wall_s"]), fmt(r["rss_mb"], "%.0f"),
                        fmt(r.get("pause_s"), "%.3f"),
                        "" if r["status"] == "ok" else " [%s]" % r["status"])
                        for r in m["cli"])))
            out.append("  %s %s-only runs (wall s / RSS MB): %s; goroutines "
                       "reported: %s" % (mode, "lldb" if "lldb" in mode else "gdb",
                                         ", ".join(
                           "%s/%s" % (fmt(r["wall_s"]), fmt(r["rss_mb"], "%.0f"))
                           for r in m["gdb_only"]), m["goroutines"]))
        for mode in ("live", "core"):
            g, l = (best(res.get(m, {}).get("runs", [])) for m in (mode, mode + "-lldb"))
            if g and l:
                gc, lc = (best(res[m]["runs"], "cmd_s") for m in (mode, mode + "-lldb"))
                out.append("  %s: LLDB/GDB wall %.2f (%.2fs vs %.2fs), in-command "
                           "%s" % (mode, l["wall_s"] / g["wall_s"], l["wall_s"],
                                   g["wall_s"],
                                   "%.2f" % (lc["cmd_s"] / gc["cmd_s"])
                                   if gc and lc and gc["cmd_s"] else "-"))
        api = res.get("api")
        if api:
            out.append("  python API (%s): open %s s, iterate %s s (%s us/goroutine), "
                       "with frames[0] %s s (%s us/goroutine); process %s s, RSS %s MB"
                       % (api.get("status"), fmt(api.get("open_s"), "%.3f"),
                          fmt(api.get("iter_s"), "%.3f"),
                          fmt(api.get("iter_us_per_g"), "%.3f"),
                          fmt(api.get("iter_frames_s"), "%.3f"),
                          fmt(api.get("iter_frames_us_per_g"), "%.3f"),
                          fmt(api.get("wall_s")), fmt(api.get("rss_mb"), "%.0f")))
        out.append("  delve runs (wall s / RSS MB): %s; goroutines reported: %s"
                   % (", ".join("%s/%s%s" % (
                       fmt(r["wall_s"]), fmt(r["rss_mb"], "%.0f"),
                       "" if r["status"] == "ok" else " [%s]" % r["status"])
                       for r in res["delve"]["runs"]), res["delve"]["goroutines"]))
    return "\n".join(out)


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              timeout=60).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def dlv_version(dlv):
    try:
        out = subprocess.run([dlv, "version"], capture_output=True, text=True,
                             timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"Version: (\S+)", out)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ns", nargs="*", type=int, default=[100000, 1000000])
    ap.add_argument("--many", required=True)
    ap.add_argument("--dlv", required=True)
    ap.add_argument("--gdbinit", required=True)
    ap.add_argument("--timed", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--go-version", default=None)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--delve-timeout", type=int, default=600)
    ap.add_argument("--delve-repeat-under", type=float, default=60.0,
                    help="repeat delve (up to --runs) only while a run takes "
                         "less than this many seconds")
    ap.add_argument("--heap-mb", type=int, default=0,
                    help="the fixture also keeps this much reachable heap")
    ap.add_argument("--prove", action="store_true",
                    help="leaky fixture; also time leak-dump --prove")
    ap.add_argument("--skip-delve", action="store_true")
    ap.add_argument("--io", type=int, default=0,
                    help="the fixture's -io: goroutines reading sockets")
    ap.add_argument("--api-iter", default=None,
                    help="bench/api_iter.py: also time the Python API on the core")
    ap.add_argument("--skip-cli", action="store_true",
                    help="do not time the command line (leakdump core/pid)")
    ap.add_argument("--baseline", default=None,
                    help="another built checkout: its leak-dump is measured "
                         "on the same fixture and core (modes ending @base)")
    ap.add_argument("--lldb", default="",
                    help="LLDB to time beside GDB (live-lldb, core-lldb); "
                         "empty: none")
    ap.add_argument("--timed-lldb", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "timed_lldb.py"))
    ap.add_argument("--max-rss-mb", type=int, default=16000,
                    help="kill a measured command whose RSS passes this")
    a = ap.parse_args()
    a.many = os.path.abspath(a.many)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    bench = Bench(a)
    started = time.time()
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpus": os.cpu_count(),
        "mem_gb": round(os.sysconf("SC_PHYS_PAGES") * PAGE / 2**30, 1),
        "loadavg_start": loadavg(),
        "go": a.go_version,
        "gdb": version(["gdb", "--version"]),
        "delve": dlv_version(a.dlv),
        "lldb": a.lldb and version([a.lldb, "--version"]),
        "leakdump_commit": version(["git", "-C", os.path.dirname(a.gdbinit),
                                    "rev-parse", "--short", "HEAD"]),
        "runs": a.runs,
        "baseline_commit": a.baseline and version(
            ["git", "-C", a.baseline, "rev-parse", "--short", "HEAD"]),
    }
    results = []
    try:
        for n in a.ns:
            log("=== N=%d" % n)
            results.append(bench.one(n))
    finally:
        bench.kill_fixture()
        bench.remove_core()
    meta["loadavg_end"] = loadavg()
    meta["total_s"] = round(time.time() - started, 1)
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
        f.write("\n")
    print()
    print(table(results))
    print()
    print(details(results))
    print()
    print("machine: %d CPUs, %.0f GB; load average %s at start, %s at end "
          "(other work may share the machine); total %.0fs"
          % (meta["cpus"], meta["mem_gb"], meta["loadavg_start"],
             meta["loadavg_end"], meta["total_s"]))
    print("JSON: %s" % a.json)


if __name__ == "__main__":
    main()
