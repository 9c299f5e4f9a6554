"""Benchmark: the team workspace page of an inspection with 2,000 activities, 500 problems and
200 组务会 minutes (with the other stay records: weekly reports, 重要情况报告, the 动员会).

Builds the demo city (scale 1) into its own data dir once, then grows the team leader's
inspection to 2,000 activities and 500 problems with working papers; counts the page's
SQL queries for the small and the grown inspection (they must be equal), then runs gunicorn
(2 workers, loopback) and measures the workspace (first page, later pages, a filter) and a
problem page with 4 concurrent clients from a second process.

    .venv/bin/python bench/bench_workspace.py [--duration 10] [--port 8140] [--data-dir DIR]

Target (issues 4 and 11): workspace p95 <= 100 ms with 2,000 activities, 500 problems and
200 minutes; constant query count.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PYTHON,
    ROOT,
    _env,
    account_login,
    ensure_data,
    load,
    login_cookie,
    print_table,
    start_server,
)

P95_TARGET_MS = 100
ACTIVITIES = 2000
PROBLEMS = 500
MINUTES = 200

GROW = r"""
import json, os, sys
import django
django.setup()
from datetime import date, timedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.conf import settings
settings.ALLOWED_HOSTS = ["*"]
from tests.cast import client_for
from xuncha.org.models import User
from xuncha.plans.models import Inspection
from xuncha.inspections.models import Activity, Problem, TaxonomyCategory, WorkingPaper
from xuncha.inspections.stay_models import ImportantReport, TeamMeeting, WeeklyReport

n_act, n_prob, n_min = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
leader = User.objects.get(username="team_leader")
insp = Inspection.objects.filter(team__members__inspector__user=leader).order_by("pk").first()
client = client_for(leader)
url = f"/inspections/{insp.pk}/"

def count():
    client.get(url)
    with CaptureQueriesContext(connection) as q:
        assert client.get(url).status_code == 200
    return len(q)

def sizes():
    return (Activity.objects.filter(inspection=insp).count(), Problem.objects.filter(inspection=insp).count(),
            TeamMeeting.objects.filter(inspection=insp).count())

before = (*sizes(), count())
have_a = Activity.objects.filter(inspection=insp).count()
kinds = ["interview", "document_review", "visit", "discussion", "meeting"]
Activity.objects.bulk_create(
    Activity(inspection=insp, kind=kinds[i % 5], title=f"了解情况记录 {i}", held_on=insp.start + timedelta(days=i % 40),
             summary="记录内容" * 20, created_by=leader, interviewee="某某" if i % 5 == 0 else "")
    for i in range(max(0, n_act - have_a))
)
unit = insp.units.first()
cats = list(TaxonomyCategory.objects.filter(level=2))
have_p = Problem.objects.filter(inspection=insp).count()
rows = Problem.objects.bulk_create(
    Problem(inspection=insp, unit=unit, number=f"{have_p + i + 1:03d}", title=f"问题 {have_p + i + 1}",
            description="问题描述" * 10, category=cats[i % len(cats)], created_by=leader,
            state="approved" if i % 2 else "draft")
    for i in range(max(0, n_prob - have_p))
)
WorkingPaper.objects.bulk_create(
    WorkingPaper(problem=p, inspection=insp, number=p.number, title=p.title, facts="事实" * 50,
                 drafter=leader, state="signed" if i % 2 else "drafting")
    for i, p in enumerate(rows)
)
have_m = TeamMeeting.objects.filter(inspection=insp).count()
TeamMeeting.objects.bulk_create(
    TeamMeeting(inspection=insp, held_on=insp.start + timedelta(days=i % 40), topic=f"组务会 第{have_m + i + 1}次",
                attendees="组长、副组长、组员", resolutions="议定事项" * 20, assignments="分工" * 10,
                recorded_by=leader)
    for i in range(max(0, n_min - have_m))
)
WeeklyReport.objects.bulk_create(
    WeeklyReport(inspection=insp, week_start=insp.start + timedelta(days=7 * i),
                 week_end=insp.start + timedelta(days=7 * i + 6), progress="本周进展" * 20, created_by=leader)
    for i in range(6)
    if not WeeklyReport.objects.filter(inspection=insp, week_start=insp.start + timedelta(days=7 * i)).exists()
)
ImportantReport.objects.bulk_create(
    ImportantReport(inspection=insp, title=f"重要情况报告 {i}", reported_on=insp.start + timedelta(days=3 * i),
                    situation="情况" * 40, created_by=leader)
    for i in range(10)
)
after = (*sizes(), count())
problem = Problem.objects.filter(inspection=insp).order_by("pk").first()
print(json.dumps({"inspection": insp.pk, "problem": problem.pk, "before": before, "after": after}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8140)
    parser.add_argument(
        "--data-dir", default=str(Path(tempfile.gettempdir()) / "xuncha-bench-workspace")
    )
    parser.add_argument("--tool", choices=["wrk", "python"], default=None)
    args = parser.parse_args()

    accounts = ensure_data(args.data_dir, scale=1)
    grown = subprocess.run(  # noqa: S603
        [PYTHON, "-c", GROW, str(ACTIVITIES), str(PROBLEMS), str(MINUTES)],
        cwd=ROOT,
        env={**_env(args.data_dir), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    if grown.returncode:
        sys.exit(grown.stderr)
    info = json.loads(grown.stdout.strip().splitlines()[-1])
    (acts0, probs0, mins0, q0), (acts1, probs1, mins1, q1) = info["before"], info["after"]
    print(
        f"queries per workspace page: {q0} with {acts0} activities/{probs0} problems/{mins0} minutes, "
        f"{q1} with {acts1}/{probs1}/{mins1}",
        flush=True,
    )

    rows = []
    with start_server(args.data_dir, args.port) as server:
        cookie = login_cookie(args.port, **account_login(accounts["team_leader"]))
        base = server.base
        pk = info["inspection"]

        def measure(name, path):
            load(base + path, cookie, args.concurrency, min(2, args.duration), tool=args.tool)
            figures = load(base + path, cookie, args.concurrency, args.duration, tool=args.tool)
            rows.append((name, figures))
            print(f"  {name}: {figures['rps']:.0f} req/s, p95 {figures['p95']:.1f} ms", flush=True)
            return figures

        floor = measure("/ping (floor)", "/ping")
        main_page = measure("workspace, first page", f"/inspections/{pk}/")
        measure("workspace, page 40/10", f"/inspections/{pk}/?apage=40&ppage=10")
        measure("workspace, kind filter", f"/inspections/{pk}/?kind=interview&pstate=approved")
        measure("problem + paper page", f"/inspections/problems/{info['problem']}/")
        rss = server.worker_rss_mb()

    print()
    print(
        f"{acts1} activities, {probs1} problems, {mins1} minutes; gunicorn 2 workers; load generator {rows[0][1]['tool']}"
    )
    print_table(rows, floor["rps"])
    print("warm worker memory: " + ", ".join(f"{mb:.0f} MB" for mb in rss.values()))
    ok = main_page["p95"] <= P95_TARGET_MS and q0 == q1 and all(f["errors"] == 0 for _, f in rows)
    print(f"target p95 <= {P95_TARGET_MS} ms and constant queries: {'met' if ok else 'NOT met'}")
    out = ROOT / "bench" / "results" / f"workspace-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "queries": [q0, q1],
                "activities": acts1,
                "problems": probs1,
                "minutes": mins1,
                "rows": [[n, f] for n, f in rows],
                "rss_mb": list(rss.values()),
                "pid": os.getpid(),
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
