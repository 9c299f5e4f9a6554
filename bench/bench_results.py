"""Benchmark: the use-of-results ledger (成果运用台账) over 10,000 decisions, page and API.

Target (issue 12): p95 ≤ 150 ms for the ledger page and the API list, with a constant
number of queries whatever the filters. Builds a throw-away SQLite DB (or PostgreSQL with
DATABASE_URL) with one city office, BENCH_INSPECTIONS inspections (one unit each) and
BENCH_DECISIONS ledger items (default 10,000) of every kind and state, then times the
ledger page and the API in-process (Django test client, as the office's staff).
Run: .venv/bin/python bench/bench_results.py
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XUNCHA_DATA_DIR", tempfile.mkdtemp(prefix="xc-bench-results-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from xuncha.org.models import Office, Role, RoleAssignment, Unit, User  # noqa: E402

N_DECISIONS = int(os.environ.get("BENCH_DECISIONS", "10000"))
N_INSPECTIONS = int(os.environ.get("BENCH_INSPECTIONS", "200"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
TODAY = date(2026, 11, 26)


def p95(values):
    values = sorted(values)
    return values[max(0, round(len(values) * 0.95) - 1)]


def build():
    from django.utils import timezone

    from xuncha.plans.models import AnnualPlan, Inspection, Round, Term
    from xuncha.rectification.models import ResultItem

    city = Office.objects.create(name="基准市委巡察办", level="city", region="基准市")
    staff = User.objects.create_user(
        "bench_staff",
        password=None,
        office=city,
        full_name="基准干事",
        must_change_password=False,
        password_changed_at=timezone.now(),
    )
    RoleAssignment.objects.create(user=staff, role=Role.OFFICE_STAFF, office=city)
    Unit.objects.bulk_create(
        Unit(name=f"基准单位{i:04d}", kind="department", office=city) for i in range(N_INSPECTIONS)
    )
    units = list(Unit.objects.filter(office=city).order_by("pk"))
    for u in units:
        u.path = f"{u.pk:08d}/"
    Unit.objects.bulk_update(units, ["path"])
    recipient = Unit.objects.create(name="基准市纪委监委", kind="department", office=city)
    term = Term.objects.create(
        office=city, name="第十三届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    plan = AnnualPlan.objects.create(term=term, year=2026, state="approved")
    rnd = Round.objects.create(plan=plan, number=1, start=date(2026, 3, 2), end=date(2026, 5, 29))
    inspections = Inspection.objects.bulk_create(
        Inspection(office=city, round=rnd, start=rnd.start, end=rnd.end, stage="rectification")
        for _ in units
    )
    for insp, unit in zip(inspections, units, strict=True):
        insp.units.add(unit)
    kinds = ResultItem.Kind.values
    states = ["decided", "sent", "sent", "replied", "concluded"]
    batch = []
    for i in range(N_DECISIONS):
        k = i % len(inspections)
        decided = date(2026, 6, 1) + timedelta(days=i % 150)
        batch.append(
            ResultItem(
                office=city,
                inspection=inspections[k],
                unit=units[k],
                kind=kinds[i % len(kinds)],
                subject=f"成果运用事项{i}：督促落实整改并书面回复",
                recipient=recipient,
                recipient_name=recipient.name,
                decided_on=decided,
                due_date=decided + timedelta(days=(i * 7) % 90),
                state=states[i % len(states)],
                created_by=staff,
            )
        )
        if len(batch) >= 5000:
            ResultItem.objects.bulk_create(batch)
            batch = []
    ResultItem.objects.bulk_create(batch)
    return staff, inspections


def main():
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    staff, inspections = build()
    from xuncha.rectification.models import ResultItem

    print(
        f"built {ResultItem.objects.count()} decisions in {time.monotonic() - started:.1f} s "
        f"({connection.vendor})"
    )
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(staff)
    insp = inspections[7].pk
    urls = [
        "/rectification/results/",
        "/rectification/results/?light=red",
        "/rectification/results/?light=yellow",
        "/rectification/results/?kind=talk&state=sent",
        f"/rectification/results/?inspection={insp}",
        "/rectification/results/?q=督促&page=100",
        "/api/v1/rectification/results",
        "/api/v1/rectification/results?kind=org_referral&limit=200",
        f"/api/v1/rectification/results?inspection_id={insp}",
        "/api/v1/rectification/results?offset=9000&limit=100",
        "/api/v1/rectification/results/stats",
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
            assert response.status_code == 200, (url, response.status_code)
            queries.add(len(ctx.captured_queries))
        figure = p95(times)
        ok &= figure <= 150 and len(queries) == 1
        print(
            f"{url:58s} p50 {statistics.median(times):7.1f} ms  p95 {figure:7.1f} ms  "
            f"queries {sorted(queries)}"
        )
    print("target p95 ≤ 150 ms, constant queries:", "MET" if ok else "NOT MET")


if __name__ == "__main__":
    main()
