"""GDB helper for test_readonly.py: `ld-checksum LABEL` prints one line,
"ld-checksum LABEL MEM REGS", the SHA-256 of every writable mapping of
the inferior (read through /proc/PID/mem while GDB holds it stopped) and
of every thread's registers.  Taken before and after the leakdump commands
in one GDB session, in which the target never runs, the two must agree."""

import hashlib

import gdb  # pylint: disable=import-error


def _memory_digest(pid):
    h = hashlib.sha256()
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb") as mem:
        for line in maps:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            perms = fields[1]
            name = fields[5] if len(fields) > 5 else ""
            if "w" not in perms or name in ("[vvar]", "[vvar_vclock]"):
                continue
            h.update(fields[0].encode())
            for addr in range(lo, hi, 1 << 20):
                n = min(1 << 20, hi - addr)
                try:
                    mem.seek(addr)
                    h.update(mem.read(n))
                except OSError:
                    h.update(b"unreadable")
    return h.hexdigest()


_REGS = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
         "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags", "fs_base",
         "gs_base", "orig_rax")


def _register_digest(inferior):
    h = hashlib.sha256()
    old = gdb.selected_thread()
    try:
        for t in sorted(inferior.threads(), key=lambda t: t.ptid[1]):
            t.switch()
            frame = gdb.newest_frame()
            h.update(str(t.ptid[1]).encode())
            for r in _REGS:
                try:
                    h.update(b"%s=%x;" % (r.encode(),
                                          int(frame.read_register(r)) & (2**64 - 1)))
                except (gdb.error, ValueError):
                    h.update(b"%s=?;" % r.encode())
    finally:
        old.switch()
    return h.hexdigest()


class Checksum(gdb.Command):
    def __init__(self):
        super().__init__("ld-checksum", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        inf = gdb.selected_inferior()
        gdb.write("ld-checksum %s %s %s %d\n" % (
            arg, _memory_digest(inf.pid), _register_digest(inf),
            len(inf.threads())))


Checksum()
