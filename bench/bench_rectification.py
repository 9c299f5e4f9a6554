"""Benchmark: the office's rectification overview over 50,000 measures.

Target (issue 6): p95 ≤ 200 ms with a constant number of queries, whatever the filters.
Builds a throw-away SQLite DB (or PostgreSQL with DATABASE_URL) with one city office,
BENCH_UNITS units, one plan per unit, 5 feedback problems per plan and
BENCH_MEASURES measures (default 50,000), then times the overview page in-process
(Django test client, as the office's staff) for several filters.
Run: .venv/bin/python bench/bench_rectification.py
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XUNCHA_DATA_DIR", tempfile.mkdtemp(prefix="xc-bench-rect-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from xuncha.org.models import Office, Role, RoleAssignment, Unit, User  # noqa: E402

N_MEASURES = int(os.environ.get("BENCH_MEASURES", "50000"))
N_UNITS = int(os.environ.get("BENCH_UNITS", "1000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
TODAY = date(2026, 11, 26)


def p95(values):
    values = sorted(values)
    return values[max(0, round(len(values) * 0.95) - 1)]


def build():
    from xuncha.inspections.models import Problem, TaxonomyCategory
    from xuncha.plans.models import AnnualPlan, Inspection, Round, Term
    from xuncha.rectification.models import Measure, RectificationPlan

    city = Office.objects.create(name="基准市委巡察办", level="city", region="基准市")
    staff = User.objects.create_user(
        "bench_staff", password=None, office=city, full_name="基准干事"
    )
    from django.utils import timezone

    staff.must_change_password = False
    staff.password_changed_at = timezone.now()
    staff.save()
    RoleAssignment.objects.create(user=staff, role=Role.OFFICE_STAFF, office=city)
    Unit.objects.bulk_create(
        Unit(name=f"基准单位{i:04d}", kind="department", office=city) for i in range(N_UNITS)
    )
    units = list(Unit.objects.filter(office=city).order_by("pk"))
    for u in units:
        u.path = f"{u.pk:08d}/"
    Unit.objects.bulk_update(units, ["path"])
    term = Term.objects.create(
        office=city, name="第十三届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    plan = AnnualPlan.objects.create(term=term, year=2026, state="approved")
    rnd = Round.objects.create(plan=plan, number=1, start=date(2026, 3, 2), end=date(2026, 5, 29))
    category = TaxonomyCategory.objects.filter(level=2).first()
    inspections = Inspection.objects.bulk_create(
        Inspection(
            office=city,
            round=rnd,
            start=rnd.start,
            end=rnd.end,
            stage="rectification",
            feedback_date=date(2026, 6, 1),
        )
        for _ in units
    )
    for insp, unit in zip(inspections, units, strict=True):
        insp.units.add(unit)
    problems = Problem.objects.bulk_create(
        Problem(
            inspection=insp,
            unit=unit,
            number=f"{k + 1:03d}",
            title=f"问题{k + 1}",
            category=category,
            state="approved",
            in_feedback=True,
            created_by=staff,
        )
        for insp, unit in zip(inspections, units, strict=True)
        for k in range(5)
    )
    plans = RectificationPlan.objects.bulk_create(
        RectificationPlan(
            office=city,
            inspection=insp,
            unit=unit,
            feedback_date=date(2026, 6, 1),
            due_date=date(2026, 7, 1),
            report_due_date=date(2026, 8, 1),
            state="adopted",
        )
        for insp, unit in zip(inspections, units, strict=True)
    )
    per_plan = max(1, N_MEASURES // len(plans))
    states = ["open", "open", "pending", "returned", "closed"]
    batch = []
    for i, plan_ in enumerate(plans):
        for k in range(per_plan):
            batch.append(
                Measure(
                    plan=plan_,
                    problem=problems[i * 5 + k % 5],
                    content=f"整改措施{k}：建立健全制度并落实到位",
                    responsible_leader="局长",
                    lead_department="办公室",
                    responsible_person="张三",
                    deadline=TODAY + timedelta(days=(i * 7 + k * 13) % 240 - 120),
                    state=states[(i + k) % 5],
                )
            )
        if len(batch) >= 10000:
            Measure.objects.bulk_create(batch)
            batch = []
    Measure.objects.bulk_create(batch)
    return staff


def main():
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    staff = build()
    from xuncha.rectification.models import Measure

    print(
        f"built {Measure.objects.count()} measures in {time.monotonic() - started:.1f} s ({connection.vendor})"
    )
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(staff)
    urls = [
        "/rectification/",
        "/rectification/?light=red",
        "/rectification/?light=yellow",
        "/rectification/?state=pending",
        "/rectification/?unit=5&state=open",
        "/rectification/?q=制度&page=50",
    ]
    ok = True
    for url in urls:
        client.get(url)
        times, queries = [], set()
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.status_code
            queries.add(len(ctx.captured_queries))
        figure = p95(times)
        ok &= figure <= 200 and len(queries) == 1
        print(
            f"{url:40s} p50 {statistics.median(times):7.1f} ms  p95 {figure:7.1f} ms  queries {sorted(queries)}"
        )
    print("target p95 ≤ 200 ms, constant queries:", "MET" if ok else "NOT MET")


if __name__ == "__main__":
    main()
