# GDB's own chatter kept out of leak-dump's output.  Read it before GDB
# attaches or loads the core, since most of the chatter comes from the attach:
#     gdb -batch -ix /path/to/leakdump/quiet.gdb -x /path/to/leakdump/gdbinit \
#         -p PID -ex leak-dump
# or copy the lines you want into ~/.gdbinit (or ~/.config/gdb/gdbinit).
# Each one changes only what GDB prints, not what it does to the process.

# "[New LWP 1234]" for every thread of the process at attach.
set print thread-events off
# "[Inferior 1 (process 1234) detached]" when -batch ends.
set print inferior-events off
# The frame GDB stops in at attach ("runtime.futex () at ...", its source
# line), and thread switches.
set suppress-cli-notifications on
# The warning that Go's runtime-gdb.py "auto-loading has been declined by
# your `auto-load safe-path'".  This turns off every auto-loaded Python
# script (other libraries' pretty printers too); to load Go's instead, add
#     add-auto-load-safe-path /usr/lib/go-1.XX/src/runtime/runtime-gdb.py
# (its own goroutine commands then load, and the warning goes as well).
set auto-load python-scripts off
# No "--Type <RET> for more, q to quit--" in the middle of a long dump, and
# no "Quit anyway?" question at exit.
set pagination off
set confirm off
