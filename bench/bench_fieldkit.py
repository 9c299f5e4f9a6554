"""Benchmark: field-kit export and import of an inspection with 1 GB of attachments.

Target (issue 4): export streams in bounded memory, peak RSS ≤ 200 MB. The parent builds
a throw-away SQLite DB with one inspection, 200 activities, 50 problems and attachments
totalling BENCH_MB (default 1024) MiB; then runs export and import each in a fresh
subprocess and reads that process's peak RSS (VmHWM from /proc/self/status).
Run: .venv/bin/python bench/bench_fieldkit.py   (needs ≈3× BENCH_MB of free disk)
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XUNCHA_DATA_DIR", tempfile.mkdtemp(prefix="xc-bench-fieldkit-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")

TOTAL_MB = int(os.environ.get("BENCH_MB", "1024"))
FILE_MB = int(os.environ.get("BENCH_FILE_MB", "64"))


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return -1.0


def setup_django():
    import django

    django.setup()


def build():
    from django.conf import settings
    from django.core.management import call_command

    from xuncha.inspections.models import (
        Activity,
        Attachment,
        Problem,
        TaxonomyCategory,
        WorkingPaper,
    )
    from xuncha.org.models import Office, Unit, User
    from xuncha.plans.models import AnnualPlan, Inspection, Round, Term

    call_command("migrate", verbosity=0)
    city = Office.objects.create(name="基准市委巡察办", level="city", region="基准市")
    unit = Unit.objects.create(name="基准市交通运输局", kind="department", office=city)
    term = Term.objects.create(
        office=city, name="第一届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    plan = AnnualPlan.objects.create(term=term, year=2026, state="approved")
    rnd = Round.objects.create(plan=plan, number=1, start=date(2026, 3, 2), end=date(2026, 5, 29))
    inspection = Inspection.objects.create(office=city, round=rnd, start=rnd.start, end=rnd.end)
    inspection.units.add(unit)
    user = User.objects.create_user(username="bench", password="x", full_name="基准", office=city)  # noqa: S106
    acts = Activity.objects.bulk_create(
        [
            Activity(
                inspection=inspection,
                kind="interview",
                title=f"谈话{i}",
                held_on=rnd.start,
                summary="谈话记录" * 50,
                created_by=user,
            )
            for i in range(200)
        ]
    )
    cats = list(TaxonomyCategory.objects.filter(version__code="2024", level=2))
    for i in range(50):
        p = Problem.objects.create(
            inspection=inspection,
            unit=unit,
            number=f"{i:03d}",
            title=f"问题{i}",
            category=cats[i % len(cats)],
            created_by=user,
        )
        WorkingPaper.objects.create(
            problem=p, inspection=inspection, number=f"DG{i:03d}", title=p.title, drafter=user
        )
    media = Path(settings.MEDIA_ROOT)
    n_files = max(1, TOTAL_MB // FILE_MB)
    block = os.urandom(1 << 20)
    for i in range(n_files):
        sha = hashlib.sha256()
        rel = f"inspections/tmp/{i}"
        path = media / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            for j in range(FILE_MB):
                chunk = block[:-8] + (i * 100000 + j).to_bytes(8, "big")  # distinct content
                f.write(chunk)
                sha.update(chunk)
        digest = sha.hexdigest()
        final = f"inspections/{digest[:2]}/{digest}"
        (media / final).parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, media / final)
        Attachment.objects.create(
            inspection=inspection,
            file=final,
            sha256=digest,
            size=FILE_MB << 20,
            content_type="application/octet-stream",
            original_name=f"录音{i}.bin",
            activity=acts[i % len(acts)],
            uploaded_by=user,
        )
    return inspection.pk


def child(mode: str, inspection_id: int, package: str):
    setup_django()
    from xuncha.inspections import fieldkit
    from xuncha.org.models import User
    from xuncha.plans.models import Inspection

    before = vm_hwm_mb()
    t0 = time.perf_counter()
    if mode == "export":
        with open(package, "wb") as out:
            info = fieldkit.export_package(Inspection.objects.get(pk=inspection_id), out)
        detail = {"files": info.files, "bytes": info.bytes}
    else:
        result = fieldkit.import_package(package, actor=User.objects.get(username="bench"))
        detail = {"files": result.files, "created": sum(result.created.values())}
    print(
        json.dumps(
            {
                "mode": mode,
                "seconds": round(time.perf_counter() - t0, 1),
                "hwm_mb_after_setup": round(before, 1),
                "hwm_mb": round(vm_hwm_mb(), 1),
                **detail,
            }
        )
    )


def run_child(mode, inspection_id, package):
    out = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, __file__, "--child", mode, str(inspection_id), package],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    setup_django()
    from django.conf import settings

    t0 = time.perf_counter()
    inspection_id = build()
    print(f"built {TOTAL_MB} MiB of attachments in {time.perf_counter() - t0:.0f} s")
    package = str(Path(settings.DATA_DIR) / "bench.xcfk")
    exp = run_child("export", inspection_id, package)
    size = os.path.getsize(package)
    print(f"export: {exp}  package={size / 1048576:.0f} MiB")
    # import into the same system after removing the rows and files (a full merge)
    from xuncha.inspections.models import Activity, Attachment, Problem

    for a in Attachment.objects.filter(inspection_id=inspection_id):
        a.file.delete(save=False)
    Attachment.objects.filter(inspection_id=inspection_id).delete()
    Problem.objects.filter(inspection_id=inspection_id).delete()
    Activity.objects.filter(inspection_id=inspection_id).delete()
    imp = run_child("import", inspection_id, package)
    print(f"import: {imp}")
    ok = exp["hwm_mb"] <= 200 and imp["hwm_mb"] <= 200
    print(
        f"peak RSS export {exp['hwm_mb']} MB, import {imp['hwm_mb']} MB (target ≤ 200 MB) "
        f"{'OK' if ok else 'OVER'}"
    )


if __name__ == "__main__":
    main()
