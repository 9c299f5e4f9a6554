"""The PostgreSQL pass drops its test databases: a session a test leaves open is found and
ended before the drop (tests/conftest.py), so no "being accessed by other users"."""

import psycopg
import pytest
from django.db import connection

from tests.pg_sessions import end_sessions, other_sessions

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def test_a_session_left_open_is_found_and_ended():
    s = connection.settings_dict
    stray = psycopg.connect(
        host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"], dbname=s["NAME"]
    )
    pid = stray.info.backend_pid
    with connection.cursor() as cursor:
        assert pid in [row[0] for row in other_sessions(cursor, s["NAME"])]
        end_sessions(cursor, [pid])
    with pytest.raises(psycopg.OperationalError):
        stray.execute("SELECT 1")
    stray.close()
    with connection.cursor() as cursor:
        assert pid not in [row[0] for row in other_sessions(cursor, s["NAME"])]
