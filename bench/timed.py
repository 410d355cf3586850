# GDB Python helper for bench/run.sh: `bench-timed FILE COMMAND...` runs
# COMMAND with gdb.execute and writes the seconds it took to FILE, so the
# time spent inside the command is separated from gdb's start-up and
# attach/core-loading cost.
import time

import gdb  # pylint: disable=import-error


class BenchTimed(gdb.Command):
    """bench-timed FILE COMMAND...: run COMMAND, write its wall time to FILE."""

    def __init__(self):
        super().__init__("bench-timed", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        path, _, command = arg.strip().partition(" ")
        t0 = time.time()
        try:
            gdb.execute(command, from_tty=False)
        except gdb.error as exc:
            with open(path, "w") as f:
                f.write("error %s\n" % str(exc).replace("\n", " "))
            raise
        elapsed = time.time() - t0
        with open(path, "w") as f:
            f.write("%.6f\n" % elapsed)


BenchTimed()
