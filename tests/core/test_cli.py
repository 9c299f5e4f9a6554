"""The `xuncha` console command maps short names onto Django management commands."""

import pytest
from django.core.management import get_commands

from xuncha import cli
from xuncha.core.management.commands.serve import gunicorn_argv


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["worker"], ["db_worker"]),
        (["worker", "--interval", "2"], ["db_worker", "--interval", "2"]),
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
    for name in ("demo", "serve", "db_worker", "check", "migrate"):
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
