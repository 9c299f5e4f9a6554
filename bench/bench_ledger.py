"""Benchmark: ledger export of 10,000 measures (streamed, bounded memory) and its import.

Targets (issue 6): export ≤ 3 s in bounded memory; import of the same sheet ≤ 10 s.
Builds a throw-away SQLite DB (or PostgreSQL with DATABASE_URL) with one plan of
BENCH_ROWS measures (default 10,000), exports it as the liaison would, measures time and
the growth of peak RSS, then imports the file back with every 10th row's
responsible person changed (a real change report) and measures that.
Run: .venv/bin/python bench/bench_ledger.py
"""

import io
import os
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XUNCHA_DATA_DIR", tempfile.mkdtemp(prefix="xc-bench-ledger-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

N_ROWS = int(os.environ.get("BENCH_ROWS", "10000"))


def build():
    from xuncha.core.workdays import is_working_day
    from xuncha.inspections.models import Problem, TaxonomyCategory
    from xuncha.org.models import Office, Role, RoleAssignment, Unit, User
    from xuncha.plans.models import AnnualPlan, Inspection, Round, Term
    from xuncha.rectification.models import Measure, RectificationPlan

    city = Office.objects.create(name="基准市委巡察办", level="city")
    unit = Unit.objects.create(name="基准市交通运输局", kind="department", office=city)
    liaison = User.objects.create_user(
        "bench_liaison",
        password=None,
        unit=unit,
        must_change_password=False,
        password_changed_at=timezone.now(),
    )
    RoleAssignment.objects.create(user=liaison, role=Role.UNIT_LIAISON, unit=unit)
    term = Term.objects.create(
        office=city, name="第十三届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    rnd = Round.objects.create(
        plan=AnnualPlan.objects.create(term=term, year=2026),
        number=1,
        start=date(2026, 3, 2),
        end=date(2026, 5, 29),
    )
    insp = Inspection.objects.create(
        office=city,
        round=rnd,
        start=rnd.start,
        end=rnd.end,
        stage="rectification",
        feedback_date=date(2026, 6, 1),
    )
    insp.units.add(unit)
    category = TaxonomyCategory.objects.filter(level=2).first()
    problems = Problem.objects.bulk_create(
        Problem(
            inspection=insp,
            unit=unit,
            number=f"{k + 1:03d}",
            title=f"问题{k + 1}",
            category=category,
            state="approved",
            in_feedback=True,
            created_by=liaison,
        )
        for k in range(200)
    )
    from xuncha.inspections.models import WorkingPaper

    WorkingPaper.objects.bulk_create(
        WorkingPaper(
            problem=p,
            inspection=insp,
            number=p.number,
            title=p.title,
            state="signed",
            drafter=liaison,
        )
        for p in problems
    )
    plan = RectificationPlan.objects.create(
        office=city,
        inspection=insp,
        unit=unit,
        feedback_date=date(2026, 6, 1),
        due_date=date(2026, 7, 1),
        report_due_date=date(2026, 8, 1),
    )
    days = [
        d for d in (date(2026, 7, 1) + timedelta(days=i) for i in range(200)) if is_working_day(d)
    ]
    Measure.objects.bulk_create(
        Measure(
            plan=plan,
            problem=problems[i % 200],
            content=f"整改措施{i}：全面清理并建立长效机制，确保问题整改到位。",
            responsible_leader="分管副局长",
            lead_department="财务科",
            responsible_person="张三",
            deadline=days[i % len(days)],
            expected_outcome="问题全部整改到位",
            long_term=i % 17 == 0,
        )
        for i in range(N_ROWS)
    )
    return plan, liaison


def main():
    from openpyxl import load_workbook

    from xuncha.rectification import exports, ledger

    call_command("migrate", verbosity=0)
    plan, liaison = build()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    path = exports.ledger_export(
        title="基准台账",
        measures=plan.measures.all(),
        actor=liaison,
        obj=plan,
        problems=exports.plan_problem_rows(plan),
    )
    export_s = time.perf_counter() - t
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    size = os.path.getsize(path)
    print(
        f"export {N_ROWS} rows: {export_s:.2f} s, file {size / 1e6:.1f} MB, peak RSS grew {grown:.1f} MB"
    )
    wb = load_workbook(path)
    ws = wb[ledger.LEDGER_SHEET]
    for row in range(3, ws.max_row + 1, 10):
        ws.cell(row=row, column=9, value="李四")
    buf = io.BytesIO()
    wb.save(buf)
    os.unlink(path)
    buf.seek(0)
    t = time.perf_counter()
    report = exports.ledger_import(plan=plan, file=buf, actor=liaison)
    import_s = time.perf_counter() - t
    print(
        f"import {N_ROWS} rows: {import_s:.2f} s, changed {len(report.changed)}, unchanged {report.unchanged}, errors {len(report.errors)}"
    )
    ok = export_s <= 3 and import_s <= 10 and not report.errors and grown < 100
    print("targets export ≤ 3 s (bounded memory), import ≤ 10 s:", "MET" if ok else "NOT MET")


if __name__ == "__main__":
    main()
