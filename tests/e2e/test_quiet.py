"""quiet.gdb: with the settings the README documents, `gdb -p PID -batch
-ex leak-dump` prints leak-dump's output and nothing of GDB's own (thread
events, the frame of the attach, the runtime-gdb.py auto-load warning, the
detach); without them the same run does show that chatter, so the check
below is not vacuous."""

import re
import subprocess

import harness

QUIET = harness.REPO / "quiet.gdb"

CHATTER = re.compile(r"^\[New (LWP|Thread) |^\[Inferior \d+ .*detached\]|auto-loading has been "
                     r"declined|^\[Thread debugging using libthread_db|^Using host libthread_db|"
                     r"^warning: |add-auto-load-safe-path|"
                     r"^(0x[0-9a-f]+ in )?[\w./*()]+ \(.*\) (at|from) \S+$|^\d+\t")


def _gdb(pid, quiet):
    argv = [harness.GDB, "-nx", "-batch"]
    if quiet:
        argv += ["-ix", str(QUIET)]
    argv += ["-x", str(harness.GDBINIT), "-p", str(pid), "-ex", "leak-dump"]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       errors="replace", timeout=harness.GDB_TIMEOUT, start_new_session=True)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    return p.stdout, p.stderr


def test_quiet_settings(go_version, spawn, tool):
    fp = spawn(go_version, "parked")
    out, err = _gdb(fp.pid, quiet=False)
    noisy = [l for l in (out + err).splitlines() if CHATTER.search(l)]
    assert any(l.startswith("[New LWP") for l in noisy), out[:1000] + err[:1000]
    out, err = _gdb(fp.pid, quiet=True)
    assert not err, err
    assert out.startswith("leak-dump: pid %d " % fp.pid), out[:1000]
    assert not [l for l in out.splitlines() if CHATTER.search(l)], out[:3000]
    assert fp.alive() and fp.ping()
