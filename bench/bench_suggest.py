"""Benchmark: team suggestion over a pool of 2,000 inspectors. Target ≤ 200 ms.

Run: .venv/bin/python bench/bench_suggest.py (throw-away SQLite DB, or DATABASE_URL).
bench/common.py did not exist when this was written, so the timing helpers are local.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XUNCHA_DATA_DIR", tempfile.mkdtemp(prefix="xc-bench-sug-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from xuncha.org.models import Office, Unit  # noqa: E402
from xuncha.plans.models import (  # noqa: E402
    AnnualPlan,
    EmploymentRecord,
    Inspection,
    Inspector,
    InspectorRelation,
    Round,
    Team,
    TeamMember,
    Term,
)
from xuncha.plans.suggest import suggest  # noqa: E402

POOL = int(os.environ.get("BENCH_POOL", "2000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def main():
    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    city = Office.objects.create(name="基准市委巡察办", level="city")
    Unit.objects.bulk_create(
        [Unit(name=f"单位{i}", kind="department", office=city) for i in range(600)]
    )
    units = list(Unit.objects.filter(office=city))
    for u in units:  # bulk_create skips save(): set the materialised paths
        u._set_path()
    Inspector.objects.bulk_create(
        [
            Inspector(
                office=city,
                name=f"干部{i}",
                home_unit=rng.choice(units),
                rank="四级调研员",
                expertise=rng.sample(Inspector.EXPERTISE, k=2),
            )
            for i in range(POOL)
        ],
        batch_size=1000,
    )
    people = list(Inspector.objects.filter(office=city))
    EmploymentRecord.objects.bulk_create(
        [
            EmploymentRecord(
                inspector=p, unit=rng.choice(units), start=date(2015, 1, 1), end=date(2023, 1, 1)
            )
            for p in people
        ]
    )
    InspectorRelation.objects.bulk_create(
        [
            InspectorRelation(inspector=p, kind="spouse", name="某", unit=rng.choice(units))
            for p in people[::3]
        ]
    )
    term = Term.objects.create(
        office=city, name="届", start=date(2024, 1, 1), end=date(2028, 12, 31)
    )
    plan = AnnualPlan.objects.create(term=term, year=2026)
    rnd = Round.objects.create(plan=plan, number=1, start=date(2026, 3, 1), end=date(2026, 12, 31))
    members = []
    for i in range(200):  # a busy year: 200 earlier teams
        s = date(2026, 3, 1) + timedelta(days=i)
        insp = Inspection.objects.create(
            office=city, round=rnd, start=s, end=s + timedelta(days=40)
        )
        insp.units.set([units[i]])
        team = Team.objects.create(inspection=insp, name=f"组{i}")
        members += [
            TeamMember(team=team, inspector=p, role="member") for p in rng.sample(people, 5)
        ]
    TeamMember.objects.bulk_create(members, batch_size=1000)
    # The training app's inputs: two courses each, a final office rating for every member.
    from xuncha.org.models import User
    from xuncha.training.models import Appraisal, TrainingRecord

    clerk = User.objects.create(username="bench_clerk")
    TrainingRecord.objects.bulk_create(
        [
            TrainingRecord(
                inspector=p,
                course="巡察业务培训",
                organiser="市委巡察办",
                start=date(2025, 1, 1) + timedelta(days=rng.randint(0, 500)),
                end=date(2026, 6, 1),
                hours=rng.choice([8, 16, 24]),
                recorded_by=clerk,
            )
            for p in people
            for _ in range(2)
        ],
        batch_size=1000,
    )
    Appraisal.objects.bulk_create(
        [
            Appraisal(
                member=m,
                source="office",
                state="final",
                rating=rng.choice(["excellent", "competent", "competent", "basic"]),
                author=clerk,
            )
            for m in TeamMember.objects.all()
        ],
        batch_size=1000,
    )
    target = Inspection.objects.create(
        office=city, round=rnd, start=date(2026, 9, 1), end=date(2026, 10, 31)
    )
    target.units.set(units[300:303])
    Team.objects.create(inspection=target, name="目标组")
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        out = suggest(target, ["纪检监察", "财务"], limit=20)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"干部库 {POOL} 人；推荐 {len(out)} 人，首位：{out[0].name} {out[0].reasons}")
    print(
        f"suggest: median {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, max {times[-1]:.1f} ms (target ≤ 200 ms)"
    )


if __name__ == "__main__":
    main()
