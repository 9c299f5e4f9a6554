"""Benchmark: the coverage page for a city at 10× demo volume (≈6,000 units, 5 terms).

Target (issue 3): p95 ≤ 150 ms; a constant number of queries whatever the unit count.
Run: .venv/bin/python bench/bench_coverage.py  (uses a throw-away SQLite DB, or
DATABASE_URL for PostgreSQL). bench/common.py did not exist when this was written, so
the timing helpers are local.
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XUNCHA_DATA_DIR", tempfile.mkdtemp(prefix="xc-bench-cov-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from xuncha.org.models import Office, Role, RoleAssignment, Unit, User  # noqa: E402
from xuncha.plans import coverage  # noqa: E402
from xuncha.plans.models import AnnualPlan, Inspection, Round, Term  # noqa: E402

N_UNITS = int(os.environ.get("BENCH_UNITS", "6000"))
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
AS_OF = date(2026, 11, 26)


def p95(values):
    values = sorted(values)
    return values[max(0, int(len(values) * 0.95) - 1)]


def build():
    city = Office.objects.create(name="基准市委巡察办", level="city", region="基准市")
    kinds = ["department", "township", "enterprise", "school", "hospital", "village", "other"]
    Unit.objects.bulk_create(
        [
            Unit(
                name=f"单位{i}",
                kind=kinds[i % len(kinds)] if i % 2 else "village",
                office=city,
                district=f"第{i % 12}区",
            )
            for i in range(N_UNITS)
        ],
        batch_size=1000,
    )
    units = list(Unit.objects.filter(office=city).order_by("pk"))
    merged = units[: N_UNITS // 50]
    for u in merged:
        u.successor, u.status = units[-1 - (u.pk % 100)], "merged"
    Unit.objects.bulk_update(merged, ["successor", "status"], batch_size=1000)
    through = Inspection.units.through
    current = None
    for t in range(5):  # five terms of history
        start = date(2004 + 5 * t, 1, 1)
        term = Term.objects.create(
            office=city, name=f"第{t + 9}届", start=start, end=date(start.year + 4, 12, 31)
        )
        current = term
        for year in range(start.year, start.year + 5):
            if date(year, 1, 1) > AS_OF:
                break
            plan = AnnualPlan.objects.create(term=term, year=year, state="approved")
            rnd = Round.objects.create(
                plan=plan, number=1, start=date(year, 3, 1), end=date(year, 11, 30)
            )
            batch = []
            for i in range(N_UNITS // 12):
                s = date(year, 3, 1) + timedelta(days=(i * 7) % 200)
                batch.append(
                    Inspection(
                        office=city,
                        round=rnd,
                        kind=["regular", "special", "village", "revisit"][i % 4],
                        start=s,
                        end=s + timedelta(days=40),
                        feedback_date=s + timedelta(days=80),
                        # Counted only once stationed: past ones archived, the rest waiting.
                        stage="archived" if s <= AS_OF else "preparation",
                    )
                )
            Inspection.objects.bulk_create(batch, batch_size=1000)
            rows = []
            for j, insp in enumerate(batch):
                for k in range(2):  # 一托二
                    rows.append(
                        through(
                            inspection_id=insp.pk,
                            unit_id=units[(j * 2 + k + year * 37) % N_UNITS].pk,
                        )
                    )
            through.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    user = User.objects.create_user(username="bench", password="Bench#2026pass", office=city)  # noqa: S106
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save()
    RoleAssignment.objects.create(user=user, role=Role.OFFICE_STAFF, office=city)
    return current, user


def main():
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    t0 = time.perf_counter()
    term, user = build()
    print(
        f"数据：{Unit.objects.count()} 个单位，{Inspection.objects.count()} 次巡察，5 届，用时 {time.perf_counter() - t0:.1f}s"
    )
    with connection.cursor() as cursor:  # statistics, as PostgreSQL's autovacuum keeps them
        cursor.execute("ANALYZE")
    compute_ms = []
    for _ in range(RUNS):
        t = time.perf_counter()
        coverage.compute(term, AS_OF)
        compute_ms.append((time.perf_counter() - t) * 1000)
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        result = coverage.compute(term, AS_OF)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    page_ms = []
    url = f"/plans/coverage/?term={term.pk}"
    for _ in range(RUNS):
        t = time.perf_counter()
        r = client.get(url)
        page_ms.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.status_code
    print(
        f"覆盖率 {result.total.rate}%（{result.total.covered}/{result.total.due}），查询数 {len(queries)}"
    )
    print(f"compute: median {statistics.median(compute_ms):.1f} ms, p95 {p95(compute_ms):.1f} ms")
    print(
        f"page   : median {statistics.median(page_ms):.1f} ms, p95 {p95(page_ms):.1f} ms (target p95 ≤ 150 ms)"
    )


def http_main(port=0, duration=10.0):
    """The coverage page over HTTP on the scale-10 demo city (bench/common.py, gunicorn)."""
    from bench.common import (
        DEFAULT_DATA_DIR,
        account_login,
        ensure_data,
        load,
        login_cookie,
        start_server,
    )

    accounts = ensure_data(DEFAULT_DATA_DIR, scale=10)
    with start_server(DEFAULT_DATA_DIR, port) as server:
        cookie = login_cookie(server.port, **account_login(accounts["office_staff"]))
        for path in ["/plans/coverage/", "/plans/"]:
            load(server.base + path, cookie, 4, 2)  # warm
            f = load(server.base + path, cookie, 4, duration)
            print(
                f"{path}: {f['rps']:.0f} req/s, p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms, "
                f"errors {f['errors']} ({f['tool']})"
            )


if __name__ == "__main__":
    if "--http" in sys.argv:
        http_main()
    else:
        main()
