"""Benchmark: the office's home dashboard at demo scale ×10, cold and warm.

Targets (issue 13): the office dashboard p95 ≤ 300 ms with a warm cache, ≤ 2 s cold, and
a constant query count. Cold: the per-user caches are dropped before each request (an
audited write does the same), so the page computes every figure; warm: the same page
again (figures from the cache). Each role's home is measured the same way. The query
count is printed per request; tests/stats/test_dashboard.py checks that it does not grow
with the data.

Works on a copy of the scale-10 demo folder (bench/common.py builds it on first use) and
runs in process through Django's test client, like bench_stats.py.
Run: .venv/bin/python bench/bench_dashboard.py [--data-dir DIR] [--repeat 20]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WARM_P95_MS = 300
COLD_MS = 2000


def _p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cold", type=int, default=3, help="cold requests per account")
    parser.add_argument("--roles", default="", help="comma-separated account keys")
    args = parser.parse_args()
    from bench.common import DEFAULT_DATA_DIR, ensure_data

    source = Path(args.data_dir) if args.data_dir else DEFAULT_DATA_DIR
    if not (source / "demo-built.json").exists():
        ensure_data(source, scale=args.scale)
    work = Path(tempfile.mkdtemp(prefix="xc-bench-dash-"))
    try:
        shutil.copytree(source, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns("uploads"))
        os.environ["XUNCHA_DATA_DIR"] = str(work)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")
        run(args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args):
    import django

    django.setup()
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xuncha.core import cache
    from xuncha.inspections.models import Problem
    from xuncha.org.models import User
    from xuncha.petitions.models import Submission
    from xuncha.plans.models import Inspection
    from xuncha.rectification.models import Measure

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    print(
        f"data: {Inspection.objects.count()} inspections, {Problem.objects.count()} problems, "
        f"{Measure.objects.count()} measures, {Submission.objects.count()} submissions",
        flush=True,
    )
    keys = [k for k in args.roles.split(",") if k] or [
        "office_staff",
        "office_admin",
        "leading_group",
        "county_staff",
        "team_member",
        "unit_liaison",
        "custodian",
        "auditor",
        "sysadmin",
    ]
    rows = []
    for key in keys:
        user = User.objects.filter(username=key).first()
        if user is None:
            continue
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        assert client.get("/").status_code == 200
        cold, cold_q = [], set()
        for _ in range(args.cold):
            cache.bump()
            caches["local"].clear()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/").status_code == 200
            cold.append((time.perf_counter() - started) * 1000)
            cold_q.add(len(ctx.captured_queries))
        warm, warm_q = [], set()
        for _ in range(args.repeat):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/").status_code == 200
            warm.append((time.perf_counter() - started) * 1000)
            warm_q.add(len(ctx.captured_queries))
        row = (key, max(cold), statistics.median(warm), _p95(warm), cold_q, warm_q)
        rows.append(row)
        print(
            f"  {key}: cold max {row[1]:.0f} ms ({sorted(cold_q)} queries), "
            f"warm p50 {row[2]:.1f} ms p95 {row[3]:.1f} ms ({sorted(warm_q)} queries)",
            flush=True,
        )
    print()
    print(f"{'account':22} {'cold max ms':>11} {'warm p50':>9} {'warm p95':>9}  queries cold/warm")
    for key, c, p50, p95, cq, wq in rows:
        print(f"{key:22} {c:11.0f} {p50:9.1f} {p95:9.1f}  {sorted(cq)}/{sorted(wq)}")
    office = [r for r in rows if r[0] == "office_staff"] or rows[:1]
    if office:
        key, c, _p50, p95, cq, wq = office[0]
        print()
        for label, ok, detail in [
            (f"office dashboard warm p95 <= {WARM_P95_MS} ms", p95 <= WARM_P95_MS, f"{p95:.1f} ms"),
            (f"office dashboard cold <= {COLD_MS} ms", c <= COLD_MS, f"{c:.0f} ms"),
            ("constant query count", len(cq) == 1 and len(wq) == 1, f"{sorted(cq)}/{sorted(wq)}"),
        ]:
            print(f"  [{'OK' if ok else 'MISS'}] {label}: {detail}")
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (2 shared cores)")


if __name__ == "__main__":
    main()
