"""The `xuncha` console command: Django management with short names for daily use.

xuncha demo [--port N] [--scale N]   build the demo city and start web server + task worker
xuncha serve [--port N]              web server (gunicorn) for production
xuncha worker                        task worker (django-tasks database backend)
xuncha check                         system checks (add --deploy for production)
xuncha audit verify                  walk the audit hash chain
xuncha <any manage.py command>       e.g. xuncha migrate, xuncha createsuperuser
"""

import os
import sys

ALIASES = {
    "worker": ["db_worker"],
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    if args[0] == "audit" and len(args) > 1:
        args = [f"audit_{args[1]}", *args[2:]]
    elif args[0] in ALIASES:
        args = [*ALIASES[args[0]], *args[1:]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xuncha", *args])


if __name__ == "__main__":
    main()
