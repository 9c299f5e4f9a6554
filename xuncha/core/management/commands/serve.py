"""`xuncha serve`: the production web server (gunicorn) in the foreground.

Run it and `xuncha worker` as two services (systemd units, containers) behind a
reverse proxy that terminates TLS; see README.md "生产部署".
"""

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 9)


def gunicorn_argv(*, bind: str, workers: int, timeout: int = 60) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "xuncha.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        # Recycle workers now and then so that slow memory growth cannot accumulate.
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        "--access-logfile",
        "-",
    ]


class Command(BaseCommand):
    help = (
        "以 gunicorn 启动生产 Web 服务（需 XUNCHA_PRODUCTION=1；后台任务请另行运行 xuncha worker）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="端口，默认 8000")
        parser.add_argument(
            "--host", default="127.0.0.1", help="监听地址，默认 127.0.0.1（由反向代理转发）"
        )
        parser.add_argument(
            "--workers", type=int, default=default_workers(), help="Web 进程数，默认 2×CPU+1"
        )
        parser.add_argument("--timeout", type=int, default=60, help="单个请求超时秒数")

    def handle(self, *args, port, host, workers, timeout, **options):
        if workers < 1:
            raise CommandError("--workers 必须是正整数。")
        if not settings.PRODUCTION:
            self.stderr.write(
                "提示：未设置 XUNCHA_PRODUCTION=1，正以开发配置运行（不要用于生产环境）。"
            )
        argv = gunicorn_argv(bind=f"{host}:{port}", workers=workers, timeout=timeout)
        self.stdout.write(f"启动 gunicorn：{host}:{port}，{workers} 个进程")
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606  (replace this process: signals go to gunicorn)
