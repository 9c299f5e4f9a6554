"""Benchmark: generate and download the inspection report for 200 problems.

Target (issue 4): ≤ 2 s. Measures draft_generate (gather + text) and draft_export
(render .docx with watermark + audit) separately and together, several runs.
Run: .venv/bin/python bench/bench_report.py  (throw-away SQLite DB, or DATABASE_URL).
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XUNCHA_DATA_DIR", tempfile.mkdtemp(prefix="xc-bench-report-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from xuncha.inspections.models import Problem, TaxonomyCategory, WorkingPaper  # noqa: E402
from xuncha.org.models import Office, Role, RoleAssignment, Unit, User  # noqa: E402
from xuncha.plans.models import (  # noqa: E402
    AnnualPlan,
    Inspection,
    Inspector,
    Round,
    Team,
    TeamMember,
    Term,
)
from xuncha.reports import services  # noqa: E402
from xuncha.reports.officialdoc import layout_of  # noqa: E402

N_PROBLEMS = int(os.environ.get("BENCH_PROBLEMS", "200"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def build():
    city = Office.objects.create(name="基准市委巡察办", level="city", region="基准市")
    unit = Unit.objects.create(name="基准市交通运输局", kind="department", office=city)
    term = Term.objects.create(
        office=city, name="第一届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    plan = AnnualPlan.objects.create(term=term, year=2026, state="approved")
    rnd = Round.objects.create(plan=plan, number=1, start=date(2026, 3, 2), end=date(2026, 5, 29))
    inspection = Inspection.objects.create(
        office=city, round=rnd, start=rnd.start, end=rnd.end, stage="report"
    )
    inspection.units.add(unit)
    user = User.objects.create_user(
        username="bench",
        password="x",  # noqa: S106
        full_name="基准组长",
        office=city,
    )
    RoleAssignment.objects.create(user=user, role=Role.OFFICE_STAFF, office=city)
    team = Team.objects.create(inspection=inspection, name="第一巡察组")
    inspector = Inspector.objects.create(office=city, user=user, name="基准组长")
    TeamMember.objects.create(team=team, inspector=inspector, role="leader")
    cats = list(TaxonomyCategory.objects.filter(version__code="2024", level=2).order_by("pk"))
    for i in range(N_PROBLEMS):
        p = Problem.objects.create(
            inspection=inspection,
            unit=unit,
            number=f"{i + 1:03d}",
            title=f"第{i + 1}个问题：落实有关规定不严格，存在违规情况",
            description="经查阅2025年度会议记录、财务凭证和相关台账，发现相关制度执行不到位，"
            "涉及金额若干万元，群众反映较为强烈。" * 2,
            category=cats[i % len(cats)],
            state="approved",
            in_feedback=True,
            created_by=user,
        )
        WorkingPaper.objects.create(
            problem=p,
            inspection=inspection,
            number=f"DG{i + 1:03d}",
            title=p.title,
            state="signed",
            drafter=user,
            leader_signed_by=user,
        )
    return inspection, user


def main():
    call_command("migrate", verbosity=0)
    inspection, user = build()
    gen, exp, total = [], [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        draft = services.draft_generate(inspection=inspection, kind="report", actor=user)
        t1 = time.perf_counter()
        _name, data = services.draft_export(draft=draft, actor=user)
        t2 = time.perf_counter()
        gen.append(t1 - t0)
        exp.append(t2 - t1)
        total.append(t2 - t0)
    layout = layout_of(data)
    assert draft.problem_count == N_PROBLEMS, draft.problem_count
    assert (
        sum("第" in p["text"] and "个问题" in p["text"] for p in layout["paragraphs"]) == N_PROBLEMS
    )
    print(
        f"problems={N_PROBLEMS} runs={RUNS} docx={len(data) // 1024} KiB "
        f"headings={len(layout['headings'])}"
    )
    print(f"generate: median {statistics.median(gen) * 1000:.0f} ms, max {max(gen) * 1000:.0f} ms")
    print(f"export:   median {statistics.median(exp) * 1000:.0f} ms, max {max(exp) * 1000:.0f} ms")
    print(
        f"total:    median {statistics.median(total) * 1000:.0f} ms, max {max(total) * 1000:.0f} ms "
        f"(target ≤ 2000 ms) {'OK' if max(total) <= 2 else 'SLOW'}"
    )


if __name__ == "__main__":
    main()
