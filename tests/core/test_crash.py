"""Crash tests (issue 15 §6): the web server and the task worker killed with SIGKILL.

A real installation in a temporary data dir (SQLite; a PostgreSQL database of its own when
DATABASE_URL points at PostgreSQL) runs as subprocesses:

- **web**: `xuncha serve` (gunicorn, two workers, a free loopback port, checked to be ours
  by the nonce /ping returns) takes public submissions from three clients; after a random
  moment the whole process group gets SIGKILL, and the next round starts a new server. A
  request whose connection broke is sent again later with the same proof-of-work token:
  a 200 means the first attempt never committed, a refusal as a replay means it did. So
  every new row is accounted for: rows = receipts delivered + replays refused, and every
  delivered receipt is found exactly once (public submissions have no audit entry: the
  reporter stays anonymous). A third of the requests are audited API writes (a unit
  created with a bearer token): every 201 is there once, an unanswered one at most once,
  each with exactly one audit entry.
- **worker**: ROUNDS statistics exports (one signed package, file and audit entry per
  reporting office) and ROUNDS topic recomputations are queued; the worker gets SIGKILL at
  a random moment after it started a job, up to 2 × ROUNDS times, and each new worker takes
  back what the dead one left running (reclaim: its process is gone) before going on. In
  the end every job succeeded, each office has exactly versions 1..ROUNDS with one file and
  one audit entry each, no `.part` file is left, and the topics cover every submission once.

At the end `xuncha audit verify` walks the audit chain: intact.

Bounded for CI (XUNCHA_CRASH_ROUNDS, default 3 rounds of each); the long form:
    XUNCHA_CRASH_ROUNDS=50 .venv/bin/pytest -q -n 0 tests/core/test_crash.py -s
The figures are printed (-s shows them).
"""

import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.bench_intake import _solve, submit
from bench.common import PYTHON, ROOT, free_port, spawn, stop, wait_until_ours
from bench.durability import ENV as INTAKE_ENV

ROUNDS = int(os.environ.get("XUNCHA_CRASH_ROUNDS", "3"))
OFFICES = 30  # offices that report upward: the export writes one package for each
CLIENTS = 3
SEED = int(os.environ.get("XUNCHA_CRASH_SEED", "15"))

ENV = {
    **INTAKE_ENV,
    "PYTHONUNBUFFERED": "1",
    "XUNCHA_TASK_HEARTBEAT_SECONDS": "1",
    "XUNCHA_TASK_STALE_SECONDS": "30",
    # Killed again and again, a job must still get done: here no death count fails it (the
    # third-death rule is tests/core/test_worker_reclaim.py's).
    "XUNCHA_TASK_MAX_ATTEMPTS": "1000",
}

MIGRATE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
print("{}")
"""

SETUP = """
import json
import django
django.setup()
from datetime import date, timedelta
from django.utils import timezone
from xuncha.org.models import Office, Unit, User
from xuncha.plans.models import AnnualPlan, Inspection, Round, Term
from xuncha.petitions.models import Announcement
from xuncha.stats.models import Counterpart
today = timezone.localdate()
office = Office.objects.create(name="崩溃测试市委巡察办", level="city")
unit = Unit.objects.create(name="江州市交通运输局", kind="department", office=office)
term = Term.objects.create(office=office, name="第十三届", start=date(2024, 1, 1), end=date(2028, 12, 31))
plan = AnnualPlan.objects.create(term=term, year=today.year, state="approved")
rnd = Round.objects.create(plan=plan, number=1, start=today - timedelta(days=10), end=today + timedelta(days=60))
insp = Inspection.objects.create(office=office, round=rnd, start=rnd.start, end=rnd.end, stage="investigation")
insp.units.add(unit)
a = Announcement.objects.create(inspection=insp, state="published", title="崩溃测试公告",
    period_start=rnd.start, period_end=rnd.end, scope="受理范围", cutoff=today + timedelta(days=50))
admin = User.objects.create_user("crash-admin", password="x" * 16, must_change_password=False,
    password_changed_at=timezone.now())
from xuncha.org.models import RoleAssignment
from xuncha.org.services import token_create
RoleAssignment.objects.create(user=admin, role="office_admin", office=office)
_token, raw = token_create(name="崩溃测试", actor=admin)
for i in range(OFFICES):
    county = Office.objects.create(name=f"崩溃测试第{i + 1}县委巡察办", level="county", parent=office)
    Counterpart.objects.create(owner=county, direction="higher", name="上级巡察机构",
        public_key="k" * 43, registered_by=admin)
print(json.dumps({"announcement": a.pk, "office": office.pk, "token": raw}))
"""

ENQUEUE = """
import json, sys
import django
django.setup()
from xuncha.analytics.models import TopicRun
from xuncha.analytics.tasks_topics import topics_recompute
from xuncha.stats.tasks import stats_export_scheduled
ids = []
for _ in range(int(sys.argv[1])):
    ids.append(str(stats_export_scheduled.enqueue(period="2026Q1").id))
    ids.append(str(topics_recompute.enqueue(TopicRun.objects.create().pk).id))
print(json.dumps({"ids": ids}))
"""

WAIT = """
import json, sys, time
import django
django.setup()
from django_tasks_db.models import DBTaskResult
ids = json.loads(sys.argv[1])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    rows = DBTaskResult.objects.filter(pk__in=ids).exclude(status__in=["SUCCESSFUL", "FAILED"])
    if not rows.exists():
        break
    time.sleep(0.2)
from collections import Counter
print(json.dumps(Counter(DBTaskResult.objects.filter(pk__in=ids).values_list("status", flat=True))))
"""

VERIFY = """
import json, sys
from collections import Counter
import django
django.setup()
from django_tasks_db.models import DBTaskResult
from xuncha.analytics.models import Topic, TopicMember, TopicRun
from xuncha.org.models import Unit
from xuncha.audit.models import Action, AuditEntry
from xuncha.audit.services import verify_chain
from xuncha.petitions import services
from xuncha.petitions.models import Submission
from xuncha.stats.models import ExportedPackage
from xuncha.stats.services import outbox_dir
args = json.load(open(sys.argv[1]))
found, missing = set(), 0
for code in args["codes"]:
    s = services.find_by_receipt(code)
    if s is None:
        missing += 1
    else:
        found.add(s.pk)
subs = list(Submission.objects.filter(channel="online").values_list("pk", flat=True))
created = Counter(
    AuditEntry.objects.filter(action=Action.CREATE, object_type="petitions.submission")
    .values_list("object_id", flat=True)
)
units = Counter(Unit.objects.filter(name__startswith="崩溃测试单位").values_list("name", flat=True))
unit_pks = {str(pk): n for pk, n in Unit.objects.filter(name__startswith="崩溃测试单位").values_list("pk", "name")}
unit_created = Counter(
    AuditEntry.objects.filter(action=Action.CREATE, object_type="org.unit", object_id__in=list(unit_pks))
    .values_list("object_id", flat=True)
)
versions = {}
for owner, version in ExportedPackage.objects.values_list("owner_id", "version"):
    versions.setdefault(owner, []).append(version)
folder = outbox_dir()
files = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
count, problem = verify_chain(write_checkpoint=False)
print(json.dumps({
    "receipts_found": len(found), "receipts_missing": missing, "online_rows": len(subs),
    "submission_audit": {"rows_with_one": sum(1 for s in subs if created[str(s)] == 1),
                         "rows_with_more": sum(1 for s in subs if created[str(s)] > 1)},
    "acked_units_missing": [n for n in args["units"] if units[n] != 1],
    "unacked_units_committed": sum(1 for n in args["unsure_units"] if units[n] == 1),
    "units_twice": [n for n, c in units.items() if c > 1],
    "units": sum(units.values()),
    "unit_audit": sorted(Counter(unit_created[pk] for pk in unit_pks).items()),
    "tasks": {str(t): s for t, s in DBTaskResult.objects.filter(pk__in=args["tasks"]).values_list("id", "status")},
    "task_claims": {str(t): len(w) for t, w in DBTaskResult.objects.filter(pk__in=args["tasks"]).values_list("id", "worker_ids")},
    "exports": ExportedPackage.objects.count(),
    "export_audit": AuditEntry.objects.filter(action=Action.EXPORT).count(),
    "versions": sorted(sorted(v) for v in versions.values()),
    "files": len([f for f in files if f.endswith(".json")]),
    "part_files": len([f for f in files if f.endswith(".part")]),
    "topic_runs": list(TopicRun.objects.values_list("state", flat=True)),
    "topic_members": TopicMember.objects.count(),
    "topic_sizes": sum(Topic.objects.values_list("size", flat=True)),
    "audit_entries": count, "audit_problem": str(problem) if problem else None,
}, default=str))
"""


@dataclass
class Installation:
    data: Path
    env: dict
    announcement: int = 0
    office: int = 0
    token: str = ""
    figures: dict = field(default_factory=dict)

    def python(self, script: str, *args: str, timeout: float = 300) -> dict:
        out = subprocess.run(  # noqa: S603
            [PYTHON, "-c", script, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.strip().splitlines()[-1])


def _pg_url(url: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + name))


def _pg(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def _pg_has(url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def _schema_digest() -> str:
    """Changes with any migration: a migrated template is reused only while it matches."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "xuncha").glob("*/migrations/*.py")):
        h.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return h.hexdigest()[:12]


def _migrated_template(env: dict, pg_url: str | None) -> Path:
    """A migrated empty installation, built once per schema and copied for each run
    (migrating takes most of a minute on a busy machine): a data dir (the SQLite file), and
    on PostgreSQL a template database beside it. Built under a temporary name, then renamed,
    so a run that dies midway leaves nothing half-made behind."""
    digest = _schema_digest()
    vendor = "pg" if pg_url else "sqlite"
    template = Path(tempfile.gettempdir()) / f"xuncha-crash-template-{vendor}-{digest}"
    db = f"xuncha_crash_tpl_{digest}"
    if (template / "ready").exists() and (not pg_url or _pg_has(pg_url, db)):
        return template
    building = Path(tempfile.mkdtemp(prefix="xuncha-crash-build-"))
    run_env = {**env, "XUNCHA_DATA_DIR": str(building)}
    if pg_url:
        temp_db = f"{db}_{os.getpid()}"
        _pg(pg_url, f'DROP DATABASE IF EXISTS "{temp_db}"', f'CREATE DATABASE "{temp_db}"')
        run_env["DATABASE_URL"] = _pg_url(pg_url, temp_db)
    try:
        Installation(data=building, env=run_env).python(MIGRATE, timeout=900)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        if pg_url:
            _pg(pg_url, f'DROP DATABASE IF EXISTS "{temp_db}" WITH (FORCE)')
        raise
    if pg_url:
        _pg(
            pg_url,
            f'DROP DATABASE IF EXISTS "{db}"',
            f'ALTER DATABASE "{temp_db}" RENAME TO "{db}"',
        )
    (building / "ready").write_text(digest)
    try:
        building.rename(template)
    except OSError:  # another run made it meanwhile
        shutil.rmtree(building, ignore_errors=True)
    return template


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    data = tmp_path_factory.mktemp("crash")
    env = {
        **os.environ,
        **ENV,
        "XUNCHA_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "xuncha.settings",
    }
    env.pop("XUNCHA_TEST_DB_NAME", None)
    url = os.environ.get("DATABASE_URL", "")
    pg_url = url if url.startswith("postgres") else None
    env.pop("DATABASE_URL", None)
    started = time.monotonic()
    template = _migrated_template(env, pg_url)
    shutil.copytree(template, data, dirs_exist_ok=True)
    (data / "static").mkdir(exist_ok=True)
    pg_name = None
    if pg_url:
        pg_name = f"{os.environ.get('XUNCHA_TEST_DB_NAME', 'test_xuncha')}_crash"
        _pg(
            pg_url,
            f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)',
            f'CREATE DATABASE "{pg_name}" TEMPLATE "xuncha_crash_tpl_{_schema_digest()}"',
        )
        env["DATABASE_URL"] = _pg_url(pg_url, pg_name)
    inst = Installation(data=data, env=env)
    info = inst.python(SETUP.replace("OFFICES", str(OFFICES)))
    inst.announcement, inst.office, inst.token = info["announcement"], info["office"], info["token"]
    inst.figures["setup_seconds"] = round(time.monotonic() - started, 1)
    try:
        yield inst
    finally:
        if pg_name:
            _pg(pg_url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


# --- processes -------------------------------------------------------------------------


class Process:
    """A server or worker of ours: its own process group, a log, stopped on every way out."""

    def __init__(self, inst: Installation, name: str):
        self.inst, self.name, self.process, self.starts = inst, name, None, 0

    @property
    def log_path(self) -> Path:
        return self.inst.data / f"{self.name}-{self.starts}.log"

    def _spawn(self, argv):
        self.starts += 1
        with self.log_path.open("w") as log:
            self.process, nonce = spawn(argv, env=self.inst.env, log_file=log)
        return nonce

    def kill9(self):
        stop(self.process, signal.SIGKILL)

    def stop(self):
        stop(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Web(Process):
    def __init__(self, inst):
        super().__init__(inst, "web")
        self.port = free_port()

    def start(self):
        nonce = self._spawn(
            [PYTHON, "-m", "xuncha.cli", "serve", "--port", str(self.port), "--workers", "2"]
        )
        try:
            wait_until_ours(self.port, nonce, self.process, log=self.log_path)
        except BaseException:
            self.stop()
            raise


class TaskWorker(Process):
    def __init__(self, inst):
        super().__init__(inst, "worker")

    def start(self):
        options = ["--interval", "0.2", "--no-startup-delay", "--no-reload", "--verbosity", "1"]
        self._spawn([PYTHON, "-m", "xuncha.cli", "worker", *options])

    def wait_for_any_start(self, task_ids: set[str], timeout: float = 120):
        """Wait until the worker started one of these tasks; returns a function listing the
        tasks a log shows started."""
        pattern = re.compile(r"id=(\S+) path=\S+ state=RUNNING")

        def running(log: str) -> list[str]:
            return [t for t in pattern.findall(log) if t in task_ids]

        deadline = time.monotonic() + timeout
        while not running(self.log()):
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited: {self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no task started in time: {self.log()[-3000:]}")
            time.sleep(0.02)
        return running


# --- web: submissions while the server is killed -------------------------------------------


def _challenges(port: int, n: int) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out = []
    for _ in range(n):
        conn.request("GET", "/public/pow/")
        out.append(json.loads(conn.getresponse().read()))
    conn.close()
    return out


def _create_unit(conn, inst: Installation, name: str) -> int:
    """An audited write through the API (a bearer token): POST /api/v1/org/units."""
    body = json.dumps({"name": name, "kind": "department", "office_id": inst.office})
    conn.request(
        "POST",
        "/api/v1/org/units",
        body=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {inst.token}"},
    )
    response = conn.getresponse()
    response.read()
    return response.status


def _web_rounds(inst: Installation, rng: random.Random) -> dict:
    web = Web(inst)
    figures = {
        "rounds": ROUNDS,
        "kills": 0,
        "broken_requests": 0,
        "refused_replays": 0,
        "unexpected": [],
    }
    codes: list[str] = []
    units: list[str] = []  # units whose 201 arrived
    unsure_units: list[str] = []  # units whose request broke: committed or not, never twice
    pending: list[str] = []  # tokens of requests whose answer never arrived
    lock = threading.Lock()
    started = time.monotonic()
    try:
        web.start()
        tokens = [_solve(c) for c in _challenges(web.port, 40 + 40 * ROUNDS)]
        n = [0]

        def outcome(status, code, retry):
            if status == 200 and code:
                codes.append(code)
            elif status == 400 and retry:  # only the retry of a committed request
                figures["refused_replays"] += 1
            else:
                figures["unexpected"].append(status)

        def client(stop_event):
            conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=15)
            while not stop_event.is_set():
                with lock:
                    if pending:
                        token, retry = pending.pop(), True
                    elif tokens:
                        token, retry = tokens.pop(), False
                    else:
                        return
                    n[0] += 1
                    k = n[0]
                try:
                    if k % 3 == 0 and not retry:
                        name = f"崩溃测试单位{k}"
                        try:
                            status = _create_unit(conn, inst, name)
                        except (OSError, http.client.HTTPException):
                            with lock:
                                unsure_units.append(name)
                                tokens.append(token)
                            raise
                        with lock:
                            tokens.append(token)  # not used by this request
                            if status == 201:
                                units.append(name)
                            else:
                                figures["unexpected"].append(status)
                        continue
                    status, code, _ms = submit(conn, inst.announcement, token, k, k % 7 == 0)
                except (OSError, http.client.HTTPException):
                    with lock:
                        if k % 3 or retry:
                            pending.append(token)
                        figures["broken_requests"] += 1
                    return  # the server is gone; the next round has a new one
                with lock:
                    # A replay can only be the retry of a request that did commit.
                    outcome(status, code, retry)

        for _round in range(ROUNDS):
            if _round:
                web.start()
            stop_event = threading.Event()
            threads = [threading.Thread(target=client, args=(stop_event,)) for _ in range(CLIENTS)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.8, 2.0))
            web.kill9()
            figures["kills"] += 1
            stop_event.set()
            for t in threads:
                t.join(timeout=30)
        # Settle: every request still without an answer is sent again until it has one.
        web.start()
        stop_event = threading.Event()
        tokens.clear()
        while pending:
            client(stop_event)
        web.stop()
    finally:
        web.stop()
    figures["acknowledged"] = len(codes)
    figures["distinct_receipts"] = len(set(codes))
    figures["seconds"] = round(time.monotonic() - started, 1)
    figures["codes"] = codes
    figures["api_acknowledged"] = len(units)
    figures["api_unanswered"] = len(unsure_units)
    figures["units"], figures["unsure_units"] = units, unsure_units
    return figures


# --- worker: jobs killed midway ------------------------------------------------------------


def _worker_rounds(inst: Installation, rng: random.Random) -> dict:
    """Queue ROUNDS exports and ROUNDS recomputations, then kill the worker ROUNDS × 2
    times at a random moment once it has started a job; each new worker first takes back
    what the dead one left running. A last worker finishes the queue."""
    tasks = inst.python(ENQUEUE, str(ROUNDS))["ids"]
    finished = re.compile(r"id=(\S+) path=\S+ state=(?:SUCCESSFUL|FAILED)")
    figures = {"rounds": ROUNDS, "jobs": len(tasks), "kills": 0, "killed_mid_job": 0}
    started = time.monotonic()
    done: set[str] = set()
    worker = TaskWorker(inst)
    try:
        for _kill in range(2 * ROUNDS):
            worker.start()
            running = worker.wait_for_any_start(set(tasks) - done)
            time.sleep(rng.uniform(0.05, 1.5))
            worker.kill9()
            figures["kills"] += 1
            done |= set(finished.findall(worker.log()))
            figures["killed_mid_job"] += bool(set(running(worker.log())) - done)
            if done >= set(tasks):
                break
        worker.start()
        # The database, not the log, says what is finished: a kill can land between the
        # commit of a task's result and its log line.
        figures["final"] = inst.python(WAIT, json.dumps(tasks))
        worker.stop()
    finally:
        worker.stop()
    figures["seconds"] = round(time.monotonic() - started, 1)
    figures["tasks"] = tasks
    return figures


def test_nothing_acknowledged_is_lost_or_applied_twice(installation):
    inst = installation
    rng = random.Random(SEED)
    web = _web_rounds(inst, rng)
    work = _worker_rounds(inst, rng)
    started = time.monotonic()
    args = inst.data / "verify.json"
    args.write_text(
        json.dumps(
            {
                "codes": web["codes"],
                "units": web["units"],
                "unsure_units": web["unsure_units"],
                "tasks": work["tasks"],
            }
        )
    )
    check = inst.python(VERIFY, str(args))
    figures = {
        "database": "postgresql" if "DATABASE_URL" in inst.env else "sqlite",
        "setup_seconds": inst.figures["setup_seconds"],
        "web": {k: v for k, v in web.items() if k not in ("codes", "units", "unsure_units")},
        "worker": {k: v for k, v in work.items() if k != "tasks"},
        "check": check,
        "verify_seconds": round(time.monotonic() - started, 1),
    }
    print("\ncrash figures:", json.dumps(figures, ensure_ascii=False, indent=1))

    # Web: every delivered receipt found once; every new row is a receipt or a refused replay.
    assert web["kills"] == ROUNDS
    assert web["unexpected"] == [], "answers other than a receipt or a refused replay"
    assert web["acknowledged"] > 0
    assert web["distinct_receipts"] == web["acknowledged"], "a receipt was delivered twice"
    assert check["receipts_missing"] == 0, "an acknowledged submission was lost"
    assert check["receipts_found"] == web["acknowledged"]
    assert check["online_rows"] == web["acknowledged"] + web["refused_replays"]
    # Public submissions are not audited (the reporter stays anonymous): none twice.
    assert check["submission_audit"]["rows_with_more"] == 0
    # API writes: every 201 present once, an unanswered one at most once, one audit entry each.
    assert web["api_acknowledged"] > 0
    assert check["acked_units_missing"] == [], "an acknowledged API write was lost"
    assert check["units_twice"] == []
    assert check["units"] == web["api_acknowledged"] + check["unacked_units_committed"]
    assert check["unit_audit"] == [[1, check["units"]]]

    # Worker: every job finished exactly once, whatever moment the kill came.
    assert set(check["tasks"].values()) == {"SUCCESSFUL"}, check["tasks"]
    assert work["killed_mid_job"] >= 1, "no kill landed while a job ran: nothing was tested"
    assert sum(check["task_claims"].values()) > len(work["tasks"]), "no job was taken back"
    assert check["exports"] == OFFICES * ROUNDS
    assert check["export_audit"] == OFFICES * ROUNDS
    assert check["versions"] == [list(range(1, ROUNDS + 1))] * OFFICES
    assert check["files"] == OFFICES * ROUNDS and check["part_files"] == 0
    assert check["topic_runs"] == ["done"] * ROUNDS
    assert check["topic_members"] == check["online_rows"] == check["topic_sizes"]

    # The audit chain survived every kill.
    assert check["audit_problem"] is None
    assert check["audit_entries"] >= check["units"] + check["export_audit"]
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "xuncha.cli", "audit", "verify"],
        cwd=ROOT,
        env=inst.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "审计链完好" in out.stdout
