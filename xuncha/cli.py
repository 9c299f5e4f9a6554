"""The `xuncha` console command: Django management with short names for daily use.

  xuncha demo [--port N] [--scale N] [--seed S] [--reset] [--no-serve] [--apps a,b]
                                   build the demo city once, start web server + task worker
  xuncha serve [--port N] [--workers N]
                                   web server (gunicorn) for production
  xuncha worker                    task worker (django-tasks database backend): db_worker's loop
                                   plus heartbeats; tasks a killed worker left running go back
                                   to the queue (failed after 3 deaths)
  xuncha check [--deploy]          system checks (--deploy for production settings)
  xuncha audit verify              walk the keyed audit chain and its signed checkpoints,
                                   report the first broken entry (then checkpoint the head)
  xuncha audit checkpoint [--enqueue]
                                   sign the audit chain head into the checkpoint file (hourly)
  xuncha unlock <username>         lift a login lockout (audited)
  xuncha rectification_sweep       daily reminders and overdue escalation (--enqueue: via worker)
  xuncha weekly_summary [--week 2026-W48] [--enqueue]
                                   weekly: each office's summary to its inbox (idempotent)
  xuncha fieldkit export|import    the encrypted, signed offline field kit of one inspection
  xuncha archive verify <file>     check a signed archive package (refuses a tampered one)
  xuncha stats export|import|rules-export|pubkey
                                   signed statistics and rules packages between installations
  xuncha backup [--out DIR] [--keys-out DIR]
                                   consistent online backup: database, uploads, manifest of
                                   SHA-256 checksums; the keys in a separate folder
  xuncha restore <backup> --keys <keys backup> [--check]
                                   restore into an empty installation, compare every table
                                   and file with the manifest, verify the audit chain
  xuncha <any manage.py command>   e.g. xuncha migrate, xuncha createsuperuser

Settings come from environment variables (see .env.example); the SQLite database lives
in XUNCHA_DATA_DIR (default ./data).
"""

import os
import sys

ALIASES = {
    "worker": ["task_worker"],
}


def translate(args: list[str]) -> list[str]:
    """The Django management arguments for `xuncha <args>`."""
    if args and args[0] == "audit" and len(args) > 1 and not args[1].startswith("-"):
        return [f"audit_{args[1]}", *args[2:]]
    if args and args[0] in ALIASES:
        return [*ALIASES[args[0]], *args[1:]]
    return list(args)


def run_django(argv: list[str]) -> None:
    """Django's command line, with a wrong environment variable reported as one Chinese line
    (exit status 2) instead of a traceback."""
    import traceback

    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from xuncha.core.env import SettingError

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        frames = traceback.extract_tb(error.__traceback__)
        from_settings = any(
            f.filename.endswith(os.path.join("xuncha", "settings.py")) for f in frames
        )
        if not (isinstance(error, SettingError) or from_settings):
            raise
        print(f"配置错误：{error}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    run_django(["xuncha", *translate(args)])


if __name__ == "__main__":
    main()
