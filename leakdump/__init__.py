"""leakdump: goroutine dumps of live Go processes and core files, from GDB
or LLDB.

The work happens in the native module leakdump._leakdump (its Session:
report(), list(), goroutine(), object()).  Around it:

  leakdump.host      what a debugger host provides: the Target it describes,
                     the Host interface an adapter implements
  leakdump.commands  the commands, their options and help, one-line errors,
                     the session cache; no debugger imported
  leakdump.gdb       GDB's adapter: only GDB calls (loaded by ../gdbinit)
  leakdump.lldb_host LLDB's adapter: only LLDB calls (loaded by
                     ../leakdump_lldb.py)
  leakdump.api       the Python API, re-exported here: open_core(),
                     open_pid(), current() -> Session; Goroutine, Frame,
                     Group, Object (see its docstring)
  leakdump.snapshot  diffs and growth watches of json reports (snapshots):
                     diff(old, new), series([...]), render(doc, fmt);
                     Session.snapshot() takes one
"""

from leakdump.api import (Error, Frame, Goroutine, Group, Object,  # noqa: F401
                          Session, current, open_core, open_pid)

__all__ = ["open_core", "open_pid", "current", "Session", "Goroutine",
           "Frame", "Group", "Object", "Error"]
