"""Benchmark: download of the signed archive package of an inspection with 500 problems
and 1 GB of attachments, from a real gunicorn worker.

Target (issue 12 §6): the package is streamed (never built in memory), the serving
worker's peak RSS ≤ 200 MB. The script builds a throw-away SQLite DB in a temporary data
folder: one inspection with 500 problems and their working papers, 200 activities and
BENCH_MB (default 1024) MiB of attachments in BENCH_FILE_MB (default 64) MiB files;
archives it (立卷归档, timed); starts gunicorn with one worker (bench/common.py), logs in
as office staff through the login form, downloads the package in 1 MiB reads while a
thread samples the worker's RSS (VmRSS) every 50 ms, writes it to disk, and verifies it
(`xuncha.archive.package.verify`). Prints the figures.

Run: .venv/bin/python bench/bench_archive.py   (needs ≈ 2.2 × BENCH_MB of free disk)
"""

import hashlib
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR") or tempfile.mkdtemp(prefix="xc-bench-archive-"))
os.environ["XUNCHA_DATA_DIR"] = str(DATA_DIR)
os.environ.pop("DATABASE_URL", None)  # the server (bench.common._env) uses SQLite in DATA_DIR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")

from bench.common import login_cookie, rss_mb, start_server  # noqa: E402

TOTAL_MB = int(os.environ.get("BENCH_MB", "1024"))
FILE_MB = int(os.environ.get("BENCH_FILE_MB", "64"))
PROBLEMS = int(os.environ.get("BENCH_PROBLEMS", "500"))
PASSWORD = "Bench#Archive2026"  # noqa: S105 (a throw-away account on loopback)
PORT_RANGE = range(45000, 46000)


def vm_hwm_mb(pid="self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return -1.0


def build():
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from xuncha.archive import services
    from xuncha.inspections.models import (
        Activity,
        Attachment,
        Problem,
        TaxonomyCategory,
        WorkingPaper,
    )
    from xuncha.org.models import Office, Role, RoleAssignment, Unit, User
    from xuncha.plans.models import AnnualPlan, Inspection, Round, Term

    call_command("migrate", verbosity=0)
    city = Office.objects.create(name="基准市委巡察办", level="city", region="基准市")
    unit = Unit.objects.create(name="基准市交通运输局", kind="city_department", office=city)
    term = Term.objects.create(
        office=city, name="第一届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    plan = AnnualPlan.objects.create(term=term, year=2026, state="approved")
    rnd = Round.objects.create(plan=plan, number=1, start=date(2026, 3, 2), end=date(2026, 5, 29))
    inspection = Inspection.objects.create(
        office=city, round=rnd, start=rnd.start, end=rnd.end, stage="evaluation"
    )
    inspection.units.add(unit)
    users = {}
    for name, role in [("bench_admin", Role.OFFICE_ADMIN), ("bench_staff", Role.OFFICE_STAFF)]:
        users[name] = User.objects.create_user(
            username=name,
            password=PASSWORD,
            full_name=name,
            office=city,
            must_change_password=False,
            password_changed_at=timezone.now(),
        )
        RoleAssignment.objects.create(user=users[name], role=role, office=city)
    user = users["bench_admin"]
    acts = Activity.objects.bulk_create(
        [
            Activity(
                inspection=inspection,
                kind="visit",
                title=f"走访{i}",
                held_on=rnd.start,
                summary="走访记录" * 50,
                created_by=user,
            )
            for i in range(200)
        ]
    )
    cats = list(TaxonomyCategory.objects.filter(level=2))
    problems = Problem.objects.bulk_create(
        [
            Problem(
                inspection=inspection,
                unit=unit,
                number=f"{i:03d}",
                title=f"问题{i}",
                description="具体表现" * 40,
                category=cats[i % len(cats)],
                state="approved",
                in_feedback=True,
                created_by=user,
            )
            for i in range(PROBLEMS)
        ]
    )
    papers = WorkingPaper.objects.bulk_create(
        [
            WorkingPaper(
                problem=p,
                inspection=inspection,
                number=p.number,
                title=p.title,
                facts="事实摘要" * 60,
                state="filed",
                drafter=user,
            )
            for p in problems
        ]
    )
    media = Path(settings.MEDIA_ROOT)
    n_files = max(1, TOTAL_MB // FILE_MB)
    block = os.urandom(1 << 20)
    for i in range(n_files):
        sha = hashlib.sha256()
        tmp = media / "inspections" / "tmp" / str(i)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            for j in range(FILE_MB):
                chunk = block[:-8] + (i * 100000 + j).to_bytes(8, "big")  # distinct content
                f.write(chunk)
                sha.update(chunk)
        digest = sha.hexdigest()
        final = f"inspections/{digest[:2]}/{digest}"
        (media / final).parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, media / final)
        Attachment.objects.create(
            inspection=inspection,
            file=final,
            sha256=digest,
            size=FILE_MB << 20,
            content_type="application/pdf",
            original_name=f"证据材料{i}.pdf",
            paper=papers[i % len(papers)] if i % 2 else None,
            activity=acts[i % len(acts)] if not i % 2 else None,
            uploaded_by=user,
        )
    t0 = time.perf_counter()
    archive = services.archive_create(inspection=inspection, actor=user)
    seconds = time.perf_counter() - t0
    return inspection.pk, archive, seconds


def _port() -> int:
    import socket

    for port in PORT_RANGE:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 45000-45999")


def reset_hwm(pid) -> bool:
    """Reset the worker's VmHWM (peak RSS) so it covers the download only: the login's
    Argon2 hash (tens of MB by design) would otherwise set the peak."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def download(server, cookie, inspection_id, target):
    pid = server.worker_pids()[0]
    hwm_reset = reset_hwm(pid)
    baseline = rss_mb(pid)
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    t0 = time.perf_counter()
    first_byte = None
    size = 0
    try:
        conn.request(
            "GET", f"/archive/inspection/{inspection_id}/package/", headers={"Cookie": cookie}
        )
        response = conn.getresponse()
        if response.status != 200:
            raise SystemExit(f"download answered HTTP {response.status}")
        with open(target, "wb") as out:
            while block := response.read(1 << 20):
                if first_byte is None:
                    first_byte = time.perf_counter() - t0
                out.write(block)
                size += len(block)
    finally:
        conn.close()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - t0
    peak[0] = max(peak[0], rss_mb(pid))
    return {
        "seconds": round(seconds, 1),
        "first_byte_s": round(first_byte or 0, 2),
        "bytes": size,
        "mib_per_s": round(size / 1048576 / seconds, 1),
        "worker_rss_before_mb": round(baseline, 1),
        "worker_rss_peak_mb": round(peak[0], 1),
        "worker_hwm_mb": round(vm_hwm_mb(pid), 1) if hwm_reset else None,
    }


def main():
    t0 = time.perf_counter()
    inspection_id, archive, archive_s = build()
    print(
        f"built {PROBLEMS} problems, {TOTAL_MB} MiB of attachments in "
        f"{time.perf_counter() - t0:.0f} s; archived {archive.number}: {archive.item_count} "
        f"records, {archive.file_count} files in {archive_s:.1f} s",
        flush=True,
    )
    from xuncha.archive import package

    target = DATA_DIR / "package.zip"
    # A sync worker does not tell the arbiter it is alive while one response streams: the
    # gunicorn timeout (30 s by default, 60 s in `xuncha serve`) bounds a download's time.
    timeout = {"GUNICORN_CMD_ARGS": f"--timeout {os.environ.get('BENCH_TIMEOUT', '900')}"}
    with start_server(DATA_DIR, _port(), workers=1, extra_env=timeout) as server:
        cookie = login_cookie(server.port, "bench_staff", PASSWORD)
        figures = download(server, cookie, inspection_id, target)
    print(f"download: {json.dumps(figures, ensure_ascii=False)}", flush=True)
    t1 = time.perf_counter()
    verified = package.verify(target)
    print(
        f"verify: {verified.files} files, {verified.bytes / 1048576:.0f} MiB in "
        f"{time.perf_counter() - t1:.1f} s; bench process peak RSS {vm_hwm_mb():.0f} MB"
    )
    ok = figures["worker_rss_peak_mb"] <= 200 and (figures["worker_hwm_mb"] or 0) <= 200
    print(
        f"serving worker peak RSS {figures['worker_rss_peak_mb']} MB "
        f"(VmHWM since the login {figures['worker_hwm_mb']} MB; target ≤ 200 MB) {'OK' if ok else 'OVER'}"
    )
    target.unlink()


if __name__ == "__main__":
    main()
