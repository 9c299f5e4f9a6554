"""Shared helpers for benchmarks: demo data, a real gunicorn server, logged-in cookies, load.

Benchmarks are plain scripts (not part of the test suite). Each one:

    from bench.common import ensure_data, start_server, login_cookie, load
    accounts = ensure_data(data_dir, scale=10)          # builds once, then reuses
    with start_server(data_dir, port) as server:        # gunicorn, 2 workers, loopback
        cookie = login_cookie(port, **account_login(accounts["office_staff"]))
        figures = load(f"http://127.0.0.1:{port}/", cookie, concurrency=4, duration=10)

The load generator runs in a second process: `wrk` (Debian package `wrk`) when it is
installed, a C program whose own overhead is far below the server's; otherwise a small
Python client (http.client in threads) that prints a notice, since Python threads cap the
measurable throughput of very fast endpoints such as /ping.
"""

import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
DEFAULT_DATA_DIR = Path(tempfile.gettempdir()) / "xuncha-bench-scale10"


def _env(data_dir) -> dict:
    env = {
        **os.environ,
        "XUNCHA_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "xuncha.settings",
    }
    # SQLite in the data dir unless a PostgreSQL run is asked for explicitly.
    env.pop("DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    return env


# --- data and server ----------------------------------------------------------


def ensure_data(data_dir=DEFAULT_DATA_DIR, *, scale=10, seed=2026) -> dict:
    """Build the demo city at `scale` into data_dir once (reused later); return the accounts."""
    data_dir = Path(data_dir)
    marker = data_dir / "demo-built.json"
    if marker.exists():
        built = json.loads(marker.read_text("utf-8"))
        if built.get("scale") != scale or built.get("seed") != seed:
            raise SystemExit(
                f"{data_dir} holds scale {built.get('scale')} seed {built.get('seed')}; "
                f"remove it or choose another data dir"
            )
    else:
        print(f"building demo data (scale {scale}) into {data_dir} …", flush=True)
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            [
                PYTHON,
                "-m",
                "xuncha.cli",
                "demo",
                "--no-serve",
                "--scale",
                str(scale),
                "--seed",
                str(seed),
            ],
            cwd=ROOT,
            env=_env(data_dir),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"  built in {time.monotonic() - started:.0f} s", flush=True)
    return json.loads((data_dir / "demo-accounts.json").read_text("utf-8"))


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    workers: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the master)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def worker_rss_mb(self) -> dict[int, float]:
        return {pid: rss_mb(pid) for pid in self.worker_pids()}


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc/<pid>/status (VmRSS, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- our own server processes ------------------------------------------------------
#
# A test or benchmark must talk to the server it started, never to whatever else answers
# on a port: each server gets a free port (unless one is asked for), a per-run nonce that
# /ping returns in a header, its own process group, and is stopped on every way out —
# finally blocks, atexit, and the kernel's parent-death signal when the runner is killed.

NONCE_HEADER = "X-Xuncha-Server-Nonce"
_RUNNING: set = set()  # Popen objects of servers started here and not yet stopped


def free_port() -> int:
    """A port that nobody listens on now (the kernel's choice for port 0)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server gets SIGTERM when the process that started it dies (even by SIGKILL)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def spawn(argv, *, env, log_file, cwd=ROOT) -> tuple[subprocess.Popen, str]:
    """Start a server in its own process group; returns (process, nonce for /ping)."""
    import secrets

    nonce = secrets.token_hex(16)
    process = subprocess.Popen(  # noqa: S603
        argv,
        cwd=cwd,
        env={**env, "XUNCHA_SERVER_NONCE": nonce},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: a signal reaches master and workers
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )
    _RUNNING.add(process)
    return process, nonce


def is_ours(port: int, nonce: str) -> bool:
    """Whether the server answering /ping on this port is the one started with `nonce`."""
    try:
        status, headers, _body = request(port, "GET", "/ping", timeout=2)
    except (OSError, http.client.HTTPException):
        return False
    return (
        status == 200
        and dict((k.lower(), v) for k, v in headers).get(NONCE_HEADER.lower()) == nonce
    )


def wait_until_ours(port: int, nonce: str, process, *, timeout=60, log=None) -> None:
    """Wait until our server answers on the port; fail if it dies or another one answers."""
    deadline = time.monotonic() + timeout
    while not is_ours(port, nonce):
        if process.poll() is not None:
            tail = Path(log).read_text()[-2000:] if log else ""
            raise RuntimeError(f"server exited (port {port} taken?): see {log}\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"our server did not answer on port {port}: see {log}")
        time.sleep(0.1)


def stop(process, sig=signal.SIGTERM, timeout=15) -> None:
    """Stop the server's whole process group (master and workers); SIGKILL if it lingers."""
    if process is None:
        return
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    # Workers that outlived their master would still be in the group.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _RUNNING.discard(process)


def _stop_all():
    for process in list(_RUNNING):
        stop(process, timeout=5)


atexit.register(_stop_all)


def gunicorn_argv(port: int, workers: int) -> list[str]:
    return [
        PYTHON,
        "-m",
        "gunicorn",
        "xuncha.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]


@contextmanager
def start_server(data_dir=DEFAULT_DATA_DIR, port=0, *, workers=2, extra_env=None):
    """gunicorn with `workers` sync workers on 127.0.0.1:port (0: a free one); stopped on exit."""
    port = port or free_port()
    log = Path(data_dir) / f"gunicorn-{port}.log"
    env = {**_env(data_dir), **(extra_env or {})}
    with log.open("w") as log_file:
        process, nonce = spawn(gunicorn_argv(port, workers), env=env, log_file=log_file)
    server = Server(port=port, process=process, workers=workers, log=log)
    try:
        deadline = time.monotonic() + 60
        wait_until_ours(port, nonce, process, log=log)
        while len(server.worker_pids()) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start its workers: see {log}")
            time.sleep(0.2)
        yield server
    finally:
        stop(process)


# --- HTTP and login -------------------------------------------------------------------------


def request(port, method, path, *, body=None, headers=None, timeout=30):
    """One HTTP request on loopback: (status, headers as a list, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


class CookieJar:
    def __init__(self):
        self.cookies: dict[str, str] = {}

    def update(self, headers):
        for name, value in headers:
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key.strip()] = val.strip()

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)


def _csrf_token(html: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token in the form")
    return match.group(1).decode()


def _post_form(port, path, jar, fields):
    status, headers, body = request(port, "GET", path, headers={"Cookie": jar.header()})
    jar.update(headers)
    data = {"csrfmiddlewaretoken": _csrf_token(body), **fields}
    status, headers, body = request(
        port,
        "POST",
        path,
        body=urllib.parse.urlencode(data),
        headers={
            "Cookie": jar.header(),
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}{path}",
        },
    )
    jar.update(headers)
    return status, dict((k.lower(), v) for k, v in headers), body


def totp_now(secret_b32: str, at: float | None = None, step: int = 30) -> str:
    """RFC 6238 TOTP (SHA-1, 6 digits) for a base32 secret, as an authenticator app shows it."""
    key = base64.b32decode(secret_b32)
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def account_login(account: dict) -> dict:
    """The keyword arguments of login_cookie() for an entry of demo-accounts.json."""
    return {
        "username": account["username"],
        "password": account["password"],
        "totp_secret": account.get("totp_secret"),
    }


def login_cookie(port, username, password, totp_secret=None) -> str:
    """Log in through the real login form (and the TOTP step for administrators).

    Returns a Cookie header value for a session that reaches the home page.
    """
    jar = CookieJar()
    status, _headers, _body = _post_form(
        port, "/login/", jar, {"username": username, "password": password}
    )
    if status != 302:
        raise RuntimeError(f"login of {username} failed (HTTP {status})")
    if totp_secret:
        for attempt in range(2):
            status, _headers, _body = _post_form(
                port, "/otp/verify/", jar, {"token": totp_now(totp_secret)}
            )
            if status == 302:
                break
            if attempt == 0:  # the code of this 30 s step was used already: wait for the next
                time.sleep(30 - time.time() % 30 + 1)
        else:
            raise RuntimeError(f"TOTP step of {username} failed")
    status, _h, _body = request(port, "GET", "/", headers={"Cookie": jar.header()})
    if status != 200:
        raise RuntimeError(f"home page of {username} answered HTTP {status}")
    return jar.header()


# --- load ------------------------------------------------------------------------------------

_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"socket_errors":%d,' ..
    '"p50":%.3f,"p95":%.3f,"p99":%.3f,"mean":%.3f,"max":%.3f}\\n',
    summary.requests, summary.duration, e.status + e.timeout + e.connect, e.read + e.write,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000, latency.max / 1000))
end
"""
# errors = HTTP status >= 400, timeouts and refused connections. Read/write errors are
# reported apart: wrk closes the connections whose request is still in flight when the
# time is up, which slow pages always have.


@dataclass
class _Samples:
    latencies: list = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def load(url, cookie=None, concurrency=4, duration=10.0, *, tool=None) -> dict:
    """Hit `url` with `concurrency` clients for `duration` seconds from a second process.

    Returns {"rps", "p50", "p95", "p99", "mean", "requests", "errors", "tool"}; latencies in ms.
    """
    tool = tool or ("wrk" if shutil.which("wrk") else "python")
    if tool == "wrk":
        return _load_wrk(url, cookie, concurrency, duration)
    return _load_python(url, cookie, concurrency, duration)


def _load_wrk(url, cookie, concurrency, duration):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT)
    try:
        argv = [
            "wrk",
            f"-t{concurrency}",
            f"-c{concurrency}",
            f"-d{int(duration)}s",
            "-s",
            script.name,
        ]
        if cookie:
            argv += ["-H", f"Cookie: {cookie}"]
        out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        os.unlink(script.name)
    raw = json.loads(out.split("WRKJSON ", 1)[1].splitlines()[0])
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50": raw["p50"],
        "p95": raw["p95"],
        "p99": raw["p99"],
        "mean": raw["mean"],
        "requests": raw["requests"],
        "errors": raw["errors"],
        "socket_errors": raw["socket_errors"],
        "tool": "wrk",
    }


def _load_python(url, cookie, concurrency, duration):
    """Fallback client, run in a child process so that it does not share the caller's GIL."""
    code = (
        "import json,sys; from bench.common import _python_client; "
        "print(json.dumps(_python_client(*json.loads(sys.argv[1]))))"
    )
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-c", code, json.dumps([url, cookie, concurrency, duration])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def _percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def _python_client(url, cookie, concurrency, duration):
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    headers = {"Cookie": cookie} if cookie else {}
    samples = _Samples()
    stop_at = time.monotonic() + duration

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        local, errors = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            local.append((time.perf_counter() - started) * 1000)
        with samples.lock:
            samples.latencies.extend(local)
            samples.errors += errors

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    values = sorted(samples.latencies)
    return {
        "rps": len(values) / elapsed,
        "p50": _percentile(values, 50),
        "p95": _percentile(values, 95),
        "p99": _percentile(values, 99),
        "mean": sum(values) / len(values) if values else float("nan"),
        "requests": len(values),
        "errors": samples.errors,
        "socket_errors": 0,
        "tool": "python (http.client threads; caps throughput of very fast pages)",
    }


def print_table(rows, floor_rps=None):
    """rows: [(name, figures)]; prints rps, latencies and the ratio to the floor's rps."""
    print(
        f"{'page':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'vs floor':>10}{'errors':>8}"
    )
    for name, f in rows:
        ratio = f"{f['rps'] / floor_rps:.0%}" if floor_rps else ""
        print(
            f"{name:<34}{f['rps']:>9.0f}{f['p50']:>9.1f}{f['p95']:>9.1f}{f['p99']:>9.1f}"
            f"{ratio:>10}{f['errors']:>8}{'  (few samples)' if f['requests'] < 30 else ''}"
        )
