"""Benchmark: the official quarterly table (.xlsx) and a county's statistics package.

Targets (issue 13): the quarterly .xlsx of the city (its own column and its six counties')
≤ 3 s; a county package of a year's figures imported (parsed, signature verified, replay
and gap checks, stored, audited) ≤ 2 s — at demo scale ×10.

Works on a copy of a demo data folder (default: the scale-10 city of bench/common.py,
built on first use; `--data-dir` to use another, e.g. one built with
`xuncha demo --no-serve --scale 10 --apps org,plans,inspections,reports,petitions,clues,rectification,stats`),
so the original stays untouched; runs in process, like bench_search.py.
Run: .venv/bin/python bench/bench_stats.py [--data-dir DIR] [--scale 10]
"""

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from bench.common import DEFAULT_DATA_DIR, ensure_data

    source = Path(args.data_dir) if args.data_dir else DEFAULT_DATA_DIR
    if not (source / "demo-built.json").exists():
        ensure_data(source, scale=args.scale)
    work = Path(tempfile.mkdtemp(prefix="xc-bench-stats-"))
    shutil.copytree(source, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns("uploads"))
    os.environ["XUNCHA_DATA_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)

    from xuncha.inspections.models import Problem
    from xuncha.org.models import Office, User
    from xuncha.petitions.models import Submission
    from xuncha.plans.models import Inspection
    from xuncha.rectification.models import Measure
    from xuncha.reports.watermark import watermark_text
    from xuncha.stats import exports, indicators, packages, services
    from xuncha.stats.models import Counterpart

    staff = User.objects.get(username="office_staff")
    city = Office.objects.get(level="city")
    year = max(Inspection.objects.dates("start", "year")).year - 1  # the last full year
    print(
        f"data: {Inspection.objects.count()} inspections, {Problem.objects.count()} problems, "
        f"{Measure.objects.count()} measures, {Submission.objects.count()} submissions; "
        f"year {year}"
    )
    # Quarterly tables of the city: filter + every indicator + the .xlsx, as the view does.
    times, sizes, queries = [], [], 0
    for quarter in (1, 2, 3, 4):
        for _ in range(args.repeat):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                flt = indicators.make_filter(staff, year=year, quarter=quarter)
                table = indicators.compute(flt)
                data = exports.table_xlsx(
                    table,
                    title=exports.official_title(f"{year}年第{quarter}季度"),
                    office_name=city.name,
                    watermark=watermark_text(staff),
                )
            times.append(time.perf_counter() - started)
            sizes.append(len(data))
            queries = max(queries, len(ctx.captured_queries))
    worst = max(times)
    print(
        f"quarterly .xlsx: median {statistics.median(times) * 1000:.0f} ms, "
        f"max {worst * 1000:.0f} ms, {queries} queries, {max(sizes) // 1024} KB "
        f"(target ≤ 3000 ms) {'OK' if worst <= 3 else 'MISSED'}"
    )
    started = time.perf_counter()
    flt = indicators.make_filter(staff, year=year)
    table = indicators.compute(flt)
    exports.table_xlsx(table, title="年度", office_name=city.name, watermark=watermark_text(staff))
    print(f"annual .xlsx: {(time.perf_counter() - started) * 1000:.0f} ms")

    # A county's package of a year's figures, signed by "its" installation, into the city.
    county = Office.objects.filter(parent=city).order_by("pk").first()
    key = packages.KeySigner(hashlib.sha256(b"bench-county").digest())
    if not Counterpart.objects.filter(owner=city, public_key=key.public).exists():
        services.counterpart_register(
            owner=city,
            direction="lower",
            name=f"{county.name}（基准）",
            public_key=key.public,
            office=county,
            actor=User.objects.get(username="office_admin"),
        )
    started = time.perf_counter()
    _exported, data = packages.stats_export(office=county, period=str(year), actor=None, signer=key)
    export_ms = (time.perf_counter() - started) * 1000
    imports = []
    for version in range(args.repeat):
        if version:  # a correction: a new version of the same year
            _exported, data = packages.stats_export(
                office=county, period=str(year), actor=None, signer=key
            )
        started = time.perf_counter()
        packages.package_import(owner=city, data=data, actor=staff)
        imports.append(time.perf_counter() - started)
    worst = max(imports)
    print(
        f"county package of {year} ({len(data)} bytes): export {export_ms:.0f} ms, "
        f"import median {statistics.median(imports) * 1000:.0f} ms, max {worst * 1000:.0f} ms "
        f"(target ≤ 2000 ms) {'OK' if worst <= 2 else 'MISSED'}"
    )
    started = time.perf_counter()
    services.rollup(root=city, period=str(year))
    print(f"roll-up of {year} with the package: {(time.perf_counter() - started) * 1000:.0f} ms")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
