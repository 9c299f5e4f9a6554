"""A small run of bench/durability.py: SIGKILL gunicorn mid-load; no receipt lost or doubled.

The server helpers must talk only to the server they started: a free port, a per-run nonce
that /ping names, and the whole process group stopped on every way out."""

import http.server
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from bench import common
from bench.durability import Gunicorn, run


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_gone(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_receipts_survive_sigkill(tmp_path):
    result = run(tmp_path / "data", 0, receipts_wanted=40, kill_every=0.8, clients=4)
    assert result["kills"] >= 1
    assert result["receipts"] >= 40
    assert result["lost"] == 0
    assert result["duplicated_codes"] == 0
    assert result["found_rows"] == result["receipts"]


class _Impostor(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_a_stray_server_on_the_port_is_not_taken_for_ours(tmp_path):
    """Another process answering /ping with 200 on the port must not pass for our server."""
    impostor = http.server.HTTPServer(("127.0.0.1", 0), _Impostor)
    thread = threading.Thread(target=impostor.serve_forever, daemon=True)
    thread.start()
    port = impostor.server_address[1]
    data = tmp_path / "data"
    data.mkdir()
    server = Gunicorn(data, port)
    try:
        with pytest.raises(RuntimeError):
            server.start()  # ours cannot bind, exits; the impostor's 200 is not accepted
        assert server.process.poll() is not None
    finally:
        server.stop()
        impostor.shutdown()
        impostor.server_close()


def test_server_group_is_stopped_even_when_the_runner_is_killed(tmp_path):
    """A runner killed with SIGKILL (no finally, no atexit) still takes its gunicorn down."""
    data = tmp_path / "data"
    data.mkdir()
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(common.ROOT)!r})
        from pathlib import Path
        from bench.durability import Gunicorn
        g = Gunicorn(Path({str(data)!r}))
        g.start()
        print(g.process.pid, g.port, flush=True)
        time.sleep(600)
        """
    )
    runner = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=common.ROOT,
        env=common._env(data),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = runner.stdout.readline()
        assert line, "the runner did not start its server"
        pid, port = map(int, line.split())
        assert _alive(pid)
        assert common.request(port, "GET", "/ping")[0] == 200
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
        assert _wait_gone(pid), "gunicorn outlived the killed runner"
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
        try:  # never leave a server behind, whatever failed above
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, NameError, UnboundLocalError):
            pass
