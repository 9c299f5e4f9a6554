"""Sessions left on a PostgreSQL test database (used by the conftest's teardown)."""


def other_sessions(cursor, name: str) -> list[tuple]:
    """(pid, application_name, state, query) of every session on `name` but this one."""
    cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is frozen per transaction
    cursor.execute(
        "SELECT pid, application_name, state, left(query, 120) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        [name],
    )
    return cursor.fetchall()


def end_sessions(cursor, pids) -> None:
    for pid in pids:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
