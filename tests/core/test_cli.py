"""The `xuncha` console command maps short names onto Django management commands."""

import pytest
from django.core.management import get_commands

from xuncha import cli
from xuncha.core.management.commands.serve import gunicorn_argv


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["worker"], ["task_worker"]),
        (["worker", "--interval", "2"], ["task_worker", "--interval", "2"]),
        (["audit", "verify"], ["audit_verify"]),
        (["audit", "verify", "--verbosity", "2"], ["audit_verify", "--verbosity", "2"]),
        (["audit", "--help"], ["audit", "--help"]),
        (["demo", "--port", "8111", "--scale", "10"], ["demo", "--port", "8111", "--scale", "10"]),
        (["serve", "--workers", "4"], ["serve", "--workers", "4"]),
        (["check", "--deploy"], ["check", "--deploy"]),
        (["migrate"], ["migrate"]),
    ],
)
def test_translate(args, expected):
    assert cli.translate(args) == expected


def test_commands_behind_the_names_exist():
    commands = get_commands()
    for name in ("demo", "serve", "task_worker", "db_worker", "check", "migrate"):
        assert name in commands, name


def test_help_lists_the_commands(capsys):
    cli.main([])
    out = capsys.readouterr().out
    for word in ("xuncha demo", "xuncha serve", "xuncha worker", "xuncha check", "audit verify"):
        assert word in out


def test_check_runs_django_checks(capsys):
    cli.main(["check"])
    assert "no issues" in capsys.readouterr().out


def test_serve_runs_gunicorn_bound_as_asked():
    argv = gunicorn_argv(bind="127.0.0.1:8112", workers=3)
    assert argv[1:4] == ["-m", "gunicorn", "xuncha.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8112"
    assert argv[argv.index("--workers") + 1] == "3"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("XUNCHA_AUDIT_HASH", "md5", "XUNCHA_AUDIT_HASH"),
        ("DATABASE_URL", "postgress://xuncha@127.0.0.1/xuncha", "DATABASE_URL"),
        ("XUNCHA_SESSION_IDLE_MINUTES", "half an hour", "XUNCHA_SESSION_IDLE_MINUTES"),
    ],
)
@pytest.mark.parametrize("entry", [["-m", "xuncha.cli"], ["manage.py"]])
def test_a_wrong_setting_is_one_chinese_line_and_exit_2(tmp_path, variable, value, named, entry):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "XUNCHA_DATA_DIR": str(tmp_path), variable: value}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(  # noqa: S603
        [sys.executable, *entry, "check"], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("配置错误：") and named in lines[0]


def test_readme_names_the_public_channel_and_the_county_admins_second_factor():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    assert "`/public/`" in readme
    county_admin = next(line for line in readme.splitlines() if "`county_admin`" in line)
    assert "two-factor" in county_admin
    env = (Path(__file__).resolve().parents[2] / ".env.example").read_text("utf-8")
    assert "XUNCHA_HOME_TODO_CACHE_SECONDS=" in env
