"""Durability: submit thousands of reports while gunicorn is killed with SIGKILL and restarted.

Clients submit continuously (each with its own solved proof-of-work token); a killer sends
SIGKILL to the gunicorn master and all its workers every few seconds, then starts a new
server. A client whose connection breaks retries with a new token. At the end every
receipt the clients received is looked up again in a fresh process: each must be present
and readable, and no code may map to two rows or appear twice. Rows that were committed
but whose receipt never reached the client (the kill came between COMMIT and the answer)
are counted and reported; they are not duplicates, since a retry is a new report.

    .venv/bin/python bench/durability.py [--receipts 2000] [--kill-every 3] [--port N]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/durability.py --data-dir DIR

Exit status 0 when nothing was lost or duplicated.
"""

import argparse
import http.client
import json
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_intake import _solve, submit, verify
from bench.common import PYTHON, ROOT, _env, free_port, gunicorn_argv, spawn, stop, wait_until_ours

DATA_DIR = Path(tempfile.gettempdir()) / "xuncha-durability"
ENV = {
    "XUNCHA_POW_COST": "100",
    "XUNCHA_POW_PREFIX": "0",
    "XUNCHA_RATE_PER_SOURCE": "0/h",
    "XUNCHA_RATE_SITE": "0/h",
}

SETUP = """
import django; django.setup()
from datetime import date, timedelta
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
from django.utils import timezone
from xuncha.org.models import Office, Unit
from xuncha.plans.models import AnnualPlan, Inspection, Round, Term
from xuncha.petitions.models import Announcement, Submission
today = timezone.localdate()
a = Announcement.objects.filter(state="published", cutoff__gte=today).first()
if a is None:
    office = Office.objects.create(name="耐久测试市委巡察办", level="city")
    unit = Unit.objects.create(name="耐久测试局", kind="department", office=office)
    term = Term.objects.create(office=office, name="第十三届", start=date(2024, 1, 1), end=date(2028, 12, 31))
    plan = AnnualPlan.objects.create(term=term, year=today.year, state="approved")
    rnd = Round.objects.create(plan=plan, number=1, start=today - timedelta(days=10), end=today + timedelta(days=60))
    insp = Inspection.objects.create(office=office, round=rnd, start=rnd.start, end=rnd.end, stage="investigation")
    insp.units.add(unit)
    a = Announcement.objects.create(inspection=insp, state="published", title="耐久测试公告", period_start=rnd.start,
        period_end=rnd.end, scope="受理范围", cutoff=today + timedelta(days=50))
print(json.dumps({"announcement": a.pk, "online": Submission.objects.filter(channel="online").count()}))
"""


def prepare(data_dir: Path) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-c", "import json\n" + SETUP],
        cwd=ROOT,
        env={**_env(data_dir), **ENV},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


class Gunicorn:
    """The server under test; restarted after every SIGKILL, always checked to be ours."""

    def __init__(self, data_dir: Path, port: int = 0, workers: int = 2):
        self.data_dir, self.port, self.workers = data_dir, port or free_port(), workers
        self.process = None
        self.log_path = data_dir / "durability-gunicorn.log"
        self.log = open(self.log_path, "a")

    def start(self):
        self.process, nonce = spawn(
            gunicorn_argv(self.port, self.workers),
            env={**_env(self.data_dir), **ENV},
            log_file=self.log,
        )
        try:
            wait_until_ours(self.port, nonce, self.process, log=self.log_path)
        except BaseException:
            self.stop()
            raise

    def kill9(self):
        stop(self.process, signal.SIGKILL)

    def stop(self):
        stop(self.process)
        self.log.flush()


def challenges(port, n):
    out = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(n):
        conn.request("GET", "/public/pow/")
        out.append(json.loads(conn.getresponse().read()))
    return out


def run(
    data_dir: Path, port: int, receipts_wanted: int, kill_every: float, clients: int = 6
) -> dict:
    info = prepare(data_dir)
    ann, before = info["announcement"], info["online"]
    server = Gunicorn(data_dir, port)
    port = server.port
    server.start()
    try:
        return _load(server, data_dir, port, ann, before, receipts_wanted, kill_every, clients)
    finally:
        server.stop()


def _load(server, data_dir, port, ann, before, receipts_wanted, kill_every, clients) -> dict:
    from concurrent.futures import ProcessPoolExecutor

    budget = int(receipts_wanted * 1.2) + 100
    with ProcessPoolExecutor() as pool:
        tokens = list(pool.map(_solve, challenges(port, budget), chunksize=32))
    codes, failures, kills, replays = [], [0], [0], [0]
    lock = threading.Lock()
    stop = threading.Event()

    def client(seed):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = seed
        while not stop.is_set():
            with lock:
                # Keep going until the server has been killed at least once: a run
                # that never killed it would prove nothing.
                if (len(codes) >= receipts_wanted and kills[0]) or not tokens:
                    return
                token = tokens.pop()
            try:
                status, code, _ms = submit(conn, ann, token, n, n % 10 == 0)
                n += clients
            except (OSError, http.client.HTTPException):
                # The server died under us. The token goes back: if the report was
                # committed, its reuse is refused as a replay (and counted below).
                with lock:
                    failures[0] += 1
                    tokens.append(token)
                conn.close()
                time.sleep(0.3)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            with lock:
                if status == 200 and code:
                    codes.append(code)
                else:
                    failures[0] += 1
                    replays[0] += status == 400

    def killer():
        rng = random.Random(7)
        try:
            while not stop.wait(kill_every * rng.uniform(0.5, 1.5)):
                server.kill9()
                kills[0] += 1
                time.sleep(0.2)
                server.start()
        finally:
            stop.set()  # a server that would not restart ends the run instead of hanging it

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    k = threading.Thread(target=killer)
    started = time.monotonic()
    for t in threads:
        t.start()
    k.start()
    for t in threads:
        t.join()
    stop.set()
    k.join()
    server.stop()
    check = verify(data_dir, codes, ENV)
    return {
        "receipts": len(codes),
        "kills": kills[0],
        "failed_requests": failures[0],
        "refused_replays_after_kill": replays[0],
        "seconds": round(time.monotonic() - started, 1),
        "lost": check["missing"] + check["unreadable"],
        "duplicated_codes": len(codes) - check["distinct_codes"],
        "found_rows": check["found"],
        "committed_without_delivered_receipt": check["online_total"] - before - len(codes),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=2000)
    parser.add_argument(
        "--kill-every", type=float, default=3.0, help="seconds between SIGKILLs (±50 %%)"
    )
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--data-dir", default=str(DATA_DIR))
    args = parser.parse_args()
    result = run(Path(args.data_dir), args.port, args.receipts, args.kill_every)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    ok = (
        result["lost"] == 0
        and result["duplicated_codes"] == 0
        and result["found_rows"] == result["receipts"]
    )
    print("durability:", "OK (nothing lost, nothing duplicated)" if ok else "FAILED")
    out = ROOT / "bench" / "results" / f"durability-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
