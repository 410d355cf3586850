"""Targets GDB reaches through a remote protocol (gdbserver on loopback):
memory comes through GDB's own memory API, the fallback reader."""

import json
import socket
import subprocess
import time

import pytest

import godump
import harness


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(harness.which("gdbserver") is None, reason="no gdbserver")
@pytest.mark.fixtures("parked")
def test_gdbserver_matches_oracle(go_version, fixture_name, spawn, tool, tmp_path):
    fp = spawn(go_version, fixture_name)
    port = _free_port()
    server = harness.start_process(
        ["gdbserver", "--once", "--attach", "127.0.0.1:%d" % port, str(fp.pid)],
        tmp_path / "gdbserver.log")
    try:
        deadline = time.monotonic() + 30
        while "Listening on port" not in (tmp_path / "gdbserver.log").read_text():
            assert server.poll() is None, (tmp_path / "gdbserver.log").read_text()
            assert time.monotonic() < deadline, "gdbserver did not start"
            time.sleep(0.05)
        out = tmp_path / "ours.txt"
        prove = tmp_path / "prove.json"
        r = harness.run_gdb([str(fp.exe)], [
            "target remote 127.0.0.1:%d" % port,
            "leak-dump --format go --output %s" % out,
            "leak-dump --prove --format json --output %s" % prove,
            "detach",
        ])
        assert "Traceback" not in r.output, r.describe()
        assert not r.error_lines(), r.describe()
        ours = out.read_text()
        # Through a remote stub the target's mappings cannot be listed, so
        # memory outside the Go heap goes unscanned: suspicions, not proofs.
        pv = json.loads(prove.read_text())["prove"]
        assert not pv["proven"] and "not listed" in pv["gaps"], pv
    finally:
        harness.stop_process(server)
    res = godump.compare(godump.parse(fp.oracle_text), godump.parse(ours),
                         skip=[fp.writer])
    assert res.ok, "gdbserver go%s: dump differs:\n%s" % (go_version, res.report())
    assert res.compared > 20
    assert fp.ping()
