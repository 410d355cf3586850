"""leakdump: goroutine dumps of live Go processes and core files, from GDB.

The work happens in the native module leakdump._leakdump; leakdump.gdb
holds the GDB commands, which only parse arguments and print.
"""
