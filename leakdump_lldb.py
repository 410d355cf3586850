"""leakdump for LLDB: `command script import /path/to/leakdump_lldb.py`
(or that line in ~/.lldbinit).  Build first: `make` in the checkout.

Adds leak-dump, leak-watch, go-bt, go-goroutines, go-chan and go-mutex (`help
leak-dump`), and makes LLDB pass Go's preemption signal (SIGURG) silently.
Needs an LLDB with Python 3.11 (Debian: lldb-19 with python3-lldb-19).
"""

import os
import sys

# The checkout is where this file is (or $LEAKDUMP_HOME).
_HOME = os.environ.get("LEAKDUMP_HOME") or \
    os.path.dirname(os.path.realpath(__file__))

try:
    if _HOME not in sys.path:
        sys.path.insert(0, _HOME)
    from leakdump.lldb_host import CLASSES, register
    # LLDB finds the command classes as attributes of this module.
    globals().update((cls.__name__, cls) for cls in CLASSES.values())
    _IMPORT_ERROR = None
except ImportError as exc:
    _IMPORT_ERROR = exc


def __lldb_init_module(debugger, internal_dict):
    if _IMPORT_ERROR is not None:
        sys.stderr.write("leakdump: %s (run 'make' in %s)\n"
                         % (_IMPORT_ERROR, _HOME))
        return
    register(debugger, __name__)
