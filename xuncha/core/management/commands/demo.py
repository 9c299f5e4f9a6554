"""`xuncha demo`: build the demo city once, then run web server and task worker together.

The web server is gunicorn with two workers on loopback, the same server as in
production, so the demo shows real behaviour (DEBUG off, static files by WhiteNoise,
concurrent requests against SQLite in WAL mode); runserver would be single-process,
auto-reloading and "not for production", which hides exactly what a demo should show.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from xuncha.core.demo import DEMO_APPS, DemoContext, build_all

MARKER = "demo-built.json"
ACCOUNTS_FILE = "demo-accounts.json"
HEARTBEAT_SECONDS = 60


class Command(BaseCommand):
    help = "构建演示城市（只构建一次）并同时启动 Web 服务与后台任务进程"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="端口，默认 8000")
        parser.add_argument("--scale", type=int, default=1, help="数据量倍数，默认 1")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子，默认 2026")
        parser.add_argument("--reset", action="store_true", help="删除已有数据后重新构建")
        parser.add_argument("--no-serve", action="store_true", help="只构建数据，不启动服务")
        parser.add_argument("--workers", type=int, default=2, help="Web 进程数，默认 2")
        parser.add_argument(
            "--apps",
            default="",
            help="只构建这些应用的演示数据，逗号分隔（开发与测试用），默认全部",
        )

    def handle(self, *args, port, scale, seed, reset, no_serve, workers, apps, **options):
        if settings.PRODUCTION:
            raise CommandError("生产环境 (XUNCHA_PRODUCTION=1) 不能运行演示命令。")
        if scale < 1:
            raise CommandError("--scale 必须是正整数。")
        only = [a.strip() for a in apps.split(",") if a.strip()] or None
        unknown = set(only or []) - set(DEMO_APPS)
        if unknown:
            raise CommandError(
                f"未知的应用：{', '.join(sorted(unknown))}；可选 {', '.join(DEMO_APPS)}"
            )
        data_dir = settings.DATA_DIR
        data_dir.mkdir(parents=True, exist_ok=True)
        # WhiteNoise warns when STATIC_ROOT is missing; the demo serves from the finders.
        os.makedirs(settings.STATIC_ROOT, exist_ok=True)
        self.stdout.write(f"数据目录：{data_dir}")
        if reset:
            self._reset(data_dir)
        self.stdout.write("更新数据库结构 (migrate) …")
        call_command("migrate", interactive=False, verbosity=0)  # and the cache table

        accounts = self._load_or_build(data_dir, seed=seed, scale=scale, apps=only)
        (data_dir / ACCOUNTS_FILE).write_text(
            json.dumps(accounts, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        url = f"http://127.0.0.1:{port}/"
        self._print_accounts(accounts, data_dir / ACCOUNTS_FILE)
        if no_serve:
            return
        connections.close_all()
        self._serve(port=port, workers=workers, url=url)

    # --- data ------------------------------------------------------------------

    def _reset(self, data_dir):
        self.stdout.write("删除已有演示数据 (--reset) …")
        connections.close_all()
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            db = str(settings.DATABASES["default"]["NAME"])
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
        elif connection.vendor == "postgresql":
            # Not `flush`: it would also delete the reference data that data migrations
            # created (problem codes, ...). Start from an empty schema and migrate again.
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE")
                cursor.execute("CREATE SCHEMA public")
            connections.close_all()
        else:
            raise CommandError("--reset 只支持 SQLite 与 PostgreSQL；请手动清空数据库。")
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
        for name in (MARKER, ACCOUNTS_FILE):
            (data_dir / name).unlink(missing_ok=True)

    def _load_or_build(self, data_dir, *, seed, scale, apps=None) -> dict:
        from xuncha.org.models import Office

        marker = data_dir / MARKER
        if marker.exists() and Office.objects.exists():
            built = json.loads(marker.read_text(encoding="utf-8"))
            self.stdout.write(
                f"演示数据已存在（种子 {built['seed']}，倍数 {built['scale']}，"
                f"构建于 {built['built_at']}），直接使用；如需重建请加 --reset。"
            )
            accounts_file = data_dir / ACCOUNTS_FILE
            if accounts_file.exists():
                return json.loads(accounts_file.read_text(encoding="utf-8"))
            return built.get("accounts", {})
        if Office.objects.exists():
            raise CommandError(
                "数据库中已有数据，但不是一次完整构建的演示数据。"
                "请加 --reset 删除后重建（注意：会清空该数据库）。"
            )
        started = time.monotonic()
        self.stdout.write(f"构建演示城市（种子 {seed}，倍数 {scale}）…")
        ctx = DemoContext(seed=seed, scale=scale, log=self.stdout.write)
        try:
            build_all(ctx, apps)
        except Exception as error:
            raise CommandError(
                f"演示数据构建失败：{error!r}。修复后请用 --reset 重新构建。"
            ) from error
        # Fresh planner statistics after a bulk load: without them SQLite ignores the
        # indexes the coverage and register queries rely on.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        marker.write_text(
            json.dumps(
                {
                    "seed": seed,
                    "scale": scale,
                    "apps": apps or DEMO_APPS,
                    "built_at": datetime.now().isoformat(timespec="seconds"),
                    "accounts": ctx.accounts,
                },
                ensure_ascii=False,
                default=str,
                indent=2,
            ),
            encoding="utf-8",
        )
        self.stdout.write(f"演示数据构建完成，用时 {time.monotonic() - started:.1f} 秒。")
        return ctx.accounts

    def _print_accounts(self, accounts, path):
        self.stdout.write("")
        self.stdout.write("演示账号（所有账号密码相同，仅供演示）：")
        for key, account in accounts.items():
            line = f"  {account.get('label', key):<14}用户名 {account['username']:<20}密码 {account['password']}"
            self.stdout.write(line)
            if account.get("totp_secret"):
                self.stdout.write(
                    f"  {'':<14}双因素验证密钥 {account['totp_secret']}"
                    "（在手机验证器中“手动输入密钥”添加，基于时间）"
                )
        self.stdout.write(f"账号清单已写入 {path}")

    # --- processes ---------------------------------------------------------------

    def _serve(self, *, port, workers, url):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "xuncha.settings",
            "XUNCHA_DATA_DIR": str(settings.DATA_DIR),
        }
        web = subprocess.Popen(  # noqa: S603  (fixed argument list, no shell)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "xuncha.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "xuncha.cli", "worker"],
            env=env,
        )
        children = {"Web 服务": web, "后台任务进程": worker}
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"演示系统已启动：{url}"))
        self.stdout.write(
            "Web 服务 (gunicorn) 与后台任务进程 (task_worker) 已启动；按 Ctrl-C 停止。"
        )
        next_beat = 0.0
        failed = None
        try:
            while not stopping:
                for label, child in children.items():
                    if child.poll() is not None:
                        failed = f"{label}意外退出（退出码 {child.returncode}）"
                        stopping = True
                if not stopping and time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + HEARTBEAT_SECONDS
                    self._heartbeat()
                time.sleep(0.5)
        finally:
            self.stdout.write("正在停止 Web 服务与后台任务进程 …")
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 15
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            connections.close_all()
        if failed:
            raise CommandError(failed)
        self.stdout.write("已停止。")

    def _heartbeat(self):
        from xuncha.core.status import enqueue_heartbeat

        try:
            enqueue_heartbeat()
        except Exception as error:  # a busy database must not stop the demo
            self.stderr.write(f"心跳任务未能入队：{error!r}")
        finally:
            connections.close_all()
