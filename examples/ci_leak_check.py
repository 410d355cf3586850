#!/usr/bin/python3
"""Fail a test run whose test binary leaks goroutines.

    go test -c -o pkg.test ./pkg
    examples/ci_leak_check.py [--any] [--ignore TEXT]... [--timeout S]
                              [--json FILE] -- ./pkg.test [-test.v ...]

Runs the test binary under GDB with leakdump loaded and stops it where the
tests are over: at os.Exit, which the generated test main calls with the
result, every test goroutine still there.  Then, inside GDB,
leakdump.current() gives the process as a leakdump Session and its groups
are checked:

  default  a group whose goroutines are proven leaked fails the run
           (groups(prove=True): nothing the program can still reach can
           wake them; goroutines that may still wake are not blamed);
  --any    any goroutine left besides main fails it (as goleak does).

--ignore TEXT leaves out groups with TEXT in one of their frames'
functions (repeatable).  If the tests are still running after --timeout
seconds (default 600), the process is interrupted where it hangs, checked
the same way, and the run fails.  The tests' own output goes to stdout
after the check; the leaked groups are listed on stderr (with --json also
written as JSON).

Exit status: 1 when goroutines leaked or the tests timed out; otherwise
the test binary's own exit status (non-zero when tests failed); 2 when
the check itself could not run.

Needs gdb and the Python leakdump's native module is built for
(/usr/bin/python3); finds leakdump's gdbinit at ../gdbinit (--gdbinit).
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GDBINIT = os.path.join(os.path.dirname(HERE), "gdbinit")
RUNTIME_PREFIXES = ("runtime.", "internal/", "runtime/internal/")


# ---------------------------------------------------------------------------
# inside GDB: leakdump.current() at the stop

def leaks_of(session, any_left, ignore):
    """The groups that fail the run, as dicts."""
    groups = session.groups(prove=not any_left)
    out = []
    for grp in groups:
        funcs = [f.function for f in grp.frames]
        if any(t in fn for t in ignore for fn in funcs):
            continue
        if any_left:
            if grp.goroutines == [1]:    # main, in os.Exit
                continue
        elif grp.verdict != "leaked":
            continue
        out.append({
            "count": grp.count, "state": grp.state, "verdict": grp.verdict,
            "function": next((f for f in funcs
                              if not f.startswith(RUNTIME_PREFIXES)),
                             funcs[0] if funcs else "?"),
            "frames": ["%s %s:%d" % (f.function, f.file, f.line)
                       for f in grp.frames],
            "created_by": grp.created_by,
            "goroutines": grp.goroutines[:20],
        })
    return out


def inside(result_path, timeout_flag, any_left, ignore):
    """Run by GDB once `run` returns: check, then let the process go."""
    import gdb  # pylint: disable=import-error,import-outside-toplevel
    import leakdump  # pylint: disable=import-outside-toplevel

    res = {"stopped": None, "leaks": [], "goroutines": None,
           "go_version": None, "exit_code": None, "error": None}
    if gdb.selected_inferior().pid == 0:
        res["stopped"] = "exited"    # ended without os.Exit (a crash)
    else:
        res["stopped"] = "timeout" if os.path.exists(timeout_flag) else "exit"
        try:
            s = leakdump.current()
            res["go_version"] = s.go_version
            res["goroutines"] = s.count()
            res["leaks"] = leaks_of(s, any_left, ignore)
            if res["stopped"] == "timeout":
                # What the tests were waiting for, leaked or not.
                res["pending"] = leaks_of(s, True, ignore)
        except (leakdump.Error, gdb.error) as exc:
            res["error"] = str(exc)
        if res["stopped"] == "exit":
            gdb.execute("delete")
            gdb.execute("continue", to_string=True)
        else:
            gdb.execute("kill", to_string=True)
    try:
        code = gdb.parse_and_eval("$_exitcode")
        res["exit_code"] = None if code.type.code == gdb.TYPE_CODE_VOID \
            else int(code)
    except gdb.error:
        pass
    with open(result_path, "w") as f:
        json.dump(res, f)


# ---------------------------------------------------------------------------
# outside: run GDB, interrupt on timeout, report

def gdb_child(gdb_pid):
    """The process GDB runs (its first child), or None."""
    try:
        with open("/proc/%d/task/%d/children" % (gdb_pid, gdb_pid)) as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    except OSError:
        return None


def run_checked(a, work):
    result = os.path.join(work, "result.json")
    flag = os.path.join(work, "timed-out")
    log = os.path.join(work, "test.log")
    me = os.path.abspath(__file__)
    call = ("python import runpy; runpy.run_path(%r, run_name='ci_inside')"
            "['inside'](*%r)" % (me, (result, flag, a.any, a.ignore)))
    run = "run %s > %s 2>&1" % (" ".join(shlex.quote(x) for x in a.args),
                                shlex.quote(log))
    argv = [a.gdb, "-nx", "-batch", "-x", a.gdbinit,
            "-ex", "set pagination off",
            "-ex", "set startup-with-shell on",
            "-ex", "handle SIGURG SIGPIPE SIGCHLD nostop noprint pass",
            "-ex", "break os.Exit",
            "-ex", run, "-ex", call, a.test]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=a.timeout)
    except subprocess.TimeoutExpired:
        open(flag, "w").close()
        child = gdb_child(p.pid)
        if child:
            os.kill(child, 2)      # SIGINT: GDB stops it where it is
        try:
            out, _ = p.communicate(timeout=max(60, a.timeout))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            out, _ = p.communicate()
    try:
        with open(log, errors="replace") as f:
            test_output = f.read()
    except OSError:
        test_output = ""
    try:
        with open(result) as f:
            res = json.load(f)
    except (OSError, ValueError):
        res = None
    return res, test_output, out


def print_groups(groups, what):
    err = sys.stderr
    n = sum(g["count"] for g in groups)
    print("ci-leak-check: %d goroutine%s %s in %d group%s:" % (
        n, "" if n == 1 else "s", what, len(groups),
        "" if len(groups) == 1 else "s"), file=err)
    for g in groups:
        ids = ", ".join(str(i) for i in g["goroutines"])
        print("  %d x [%s] %s  (goroutines %s%s)" % (
            g["count"], g["state"], g["function"], ids,
            ", ..." if g["count"] > len(g["goroutines"]) else ""),
            file=err)
        for fr in g["frames"]:
            print("      " + fr, file=err)
        if g["created_by"]:
            cb = g["created_by"]
            print("      created by %s at %s:%d" % (
                cb["function"], cb["file"], cb["line"]), file=err)


def report(res, a):
    err = sys.stderr
    if res["stopped"] == "timeout":
        print("ci-leak-check: the tests were still running after %ss"
              % a.timeout, file=err)
        if res.get("pending"):
            print_groups(res["pending"], "blocked or running then")
    if res["stopped"] == "exited":
        print("ci-leak-check: the test binary ended without os.Exit "
              "(exit code %s)" % res["exit_code"], file=err)
    if res["error"]:
        print("ci-leak-check: leakdump: %s" % res["error"], file=err)
    if res["leaks"]:
        print_groups(res["leaks"],
                     "left besides main" if a.any else "leaked (proven)")
    elif res["stopped"] == "exit" and not res["error"]:
        print("ci-leak-check: no goroutine %s" % (
            "left besides main" if a.any else "leaked"), file=err)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        usage="%(prog)s [options] -- TEST_BINARY [ARGS...]",
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--any", action="store_true",
                    help="fail on any goroutine left besides main")
    ap.add_argument("--ignore", action="append", default=[], metavar="TEXT",
                    help="leave out groups with TEXT in a frame's function")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", metavar="FILE", help="write the result as JSON")
    ap.add_argument("--gdb", default="gdb")
    ap.add_argument("--gdbinit", default=GDBINIT)
    ap.add_argument("test")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    if not os.access(a.test, os.X_OK):
        print("ci-leak-check: %s: not an executable" % a.test, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ci-leak-") as work:
        res, test_output, gdb_output = run_checked(a, work)
    sys.stdout.write(test_output)
    if res is None:
        print("ci-leak-check: the check did not run:\n" + gdb_output,
              file=sys.stderr)
        return 2
    report(res, a)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
    if res["leaks"] or res["stopped"] == "timeout":
        return 1
    if res["error"]:
        return 2
    return res["exit_code"] or 0


if __name__ == "__main__":
    sys.exit(main())
