"""Batch upserts keyed on ``external_id``, the fast way each database allows.

PostgreSQL: ``COPY`` into a temporary staging table, then one ``INSERT … SELECT … ON CONFLICT``.
SQLite: ``executemany`` of ``INSERT … ON CONFLICT``. Both bump ``version`` on an update and leave
``created_at`` and ``source_import`` as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

PRESERVED_ON_UPDATE = frozenset({"external_id", "created_at", "source_import_id", "version"})


def upsert(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) or update the row with the same external_id."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = [connection.ops.quote_name(c) for c in columns]
    column_list = ", ".join(quoted)
    updates = [
        f"{q} = excluded.{q}"
        for c, q in zip(columns, quoted, strict=True)
        if c not in PRESERVED_ON_UPDATE
    ]
    updates.append(f"version = {table}.version + 1")
    conflict = f"ON CONFLICT (external_id) DO UPDATE SET {', '.join(updates)}"

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = "registry_upsert_stage"
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
            cursor.execute(
                f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "
                f"SELECT {column_list} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY {stage} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {stage} {conflict}"
            )
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({column_list}) VALUES ({placeholders}) {conflict}", rows
            )
