"""The start-up check of the SQLite library (the key checks are in tests/test_sealing.py)."""

from django.db import connection

from sejahtera.registry.checks import sqlite_recent_enough


def test_an_sqlite_too_old_for_the_registrys_sql_stops_every_command():
    assert sqlite_recent_enough(version=(3, 40, 1)) == []
    [error] = sqlite_recent_enough(version=(3, 34, 1))
    assert error.id == "sejahtera.E002"
    assert "3.34.1 is too old" in error.msg
    assert "3.35.0" in error.msg
    assert connection.vendor == "sqlite"  # the suite's first database: the check applies
