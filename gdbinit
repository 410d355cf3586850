# leakdump: load with `gdb -x /path/to/leakdump/gdbinit` or `source` it
# from ~/.gdbinit.  Build first: `make` in the checkout.
python
import os as _ld_os
import sys as _ld_sys


def _ld_find_home():
    # GDB keeps this script open while it runs it: find it among our fds.
    home = _ld_os.environ.get("LEAKDUMP_HOME")
    if home:
        return home
    for fd in _ld_os.listdir("/proc/self/fd"):
        try:
            path = _ld_os.readlink("/proc/self/fd/" + fd)
        except OSError:
            continue
        if _ld_os.path.basename(path) != "gdbinit":
            continue
        base = _ld_os.path.dirname(path)
        if _ld_os.path.exists(_ld_os.path.join(base, "leakdump", "gdb.py")):
            return base
    return None


_ld_home = _ld_find_home()
if _ld_home is None:
    gdb.write("leakdump: cannot locate the checkout; set LEAKDUMP_HOME\n",
              gdb.STDERR)
else:
    if _ld_home not in _ld_sys.path:
        _ld_sys.path.insert(0, _ld_home)
    try:
        import leakdump.gdb as _ld_gdb
        _ld_gdb.register()
    except ImportError as _ld_exc:
        gdb.write("leakdump: %s (run 'make' in %s)\n" % (_ld_exc, _ld_home),
                  gdb.STDERR)
end
