"""LLDB helper for bench/run.sh (`command script import` it): `bench-timed
FILE COMMAND...` runs COMMAND and writes the seconds it took to FILE, as
bench/timed.py does in GDB, so the time inside the command is separated
from LLDB's start-up and attach/core-loading cost."""

import time

import lldb  # pylint: disable=import-error


def bench_timed(debugger, arg, exe_ctx, result, internal_dict):
    path, _, command = arg.strip().partition(" ")
    inner = lldb.SBCommandReturnObject()
    t0 = time.time()
    debugger.GetCommandInterpreter().HandleCommand(command, exe_ctx, inner)
    elapsed = time.time() - t0
    with open(path, "w") as f:
        if inner.Succeeded():
            f.write("%.6f\n" % elapsed)
        else:
            f.write("error %s\n" % inner.GetError().replace("\n", " "))
    result.Print(inner.GetOutput() or "")
    if not inner.Succeeded():
        result.SetError(inner.GetError().strip() or "failed")


def __lldb_init_module(debugger, internal_dict):
    debugger.HandleCommand("command script add -o -f %s.bench_timed bench-timed"
                           % __name__)
