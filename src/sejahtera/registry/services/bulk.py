"""Batch writes keyed on ``external_id``, the fast way each database allows.

Rows are tuples in ``columns`` order, or an Arrow table with the columns in that order (the
import's batches). ``insert``: rows believed new. PostgreSQL: ``COPY`` straight into the table;
SQLite: ``executemany``. ``upsert``: rows that may exist. PostgreSQL: ``COPY`` into a temporary
staging table, then one ``INSERT … SELECT … ON CONFLICT``; SQLite: ``executemany`` of
``INSERT … ON CONFLICT``. An upsert bumps ``version`` and leaves ``created_at`` and
``source_import`` as they were.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection, transaction
from django.db.models import Model

PRESERVED_ON_UPDATE = frozenset({"external_id", "created_at", "source_import_id", "version"})
# Arrow quotes every string, so an empty string stays one; NULL is an unquoted empty field.
ARROW_COPY_CSV = pa_csv.WriteOptions(include_header=False, quoting_style="needed")

Rows: TypeAlias = "Sequence[Sequence[Any]] | pa.Table"


def _async_commit(cursor: Any) -> None:
    # Don't wait for the WAL flush of each batch: after a server crash the last batches may be
    # lost, never half-written, and re-running the import restores them.
    cursor.execute("SET LOCAL synchronous_commit = off")


def python_rows(rows: Rows) -> Sequence[Sequence[Any]]:
    """The rows as tuples of Python values (dates, decimals, ...)."""
    if isinstance(rows, pa.Table):
        return list(zip(*(column.to_pylist() for column in rows.columns), strict=True))
    return rows


def _copy(cursor: Any, table: str, column_list: str, rows: Rows) -> None:
    """``COPY`` rows into ``table``, encoded by Arrow or the csv module (C), not row by row.

    In COPY's CSV format an unquoted empty field is NULL, which is what the csv module writes for
    None; it would write an empty string the same way, so rows holding one go through psycopg's
    own row encoder instead (rare: the format turns empty cells into None).
    """
    # psycopg's copy() bypasses Django's cursor wrapper: translate its errors (a unique
    # violation into IntegrityError) as Django does.
    with connection.wrap_database_errors:
        _copy_rows(cursor, table, column_list, rows)


def _copy_rows(cursor: Any, table: str, column_list: str, rows: Rows) -> None:
    if isinstance(rows, pa.Table):
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(rows, sink, ARROW_COPY_CSV)
        with cursor.cursor.copy(
            f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(sink.getvalue())
        return
    plain: list[Sequence[Any]] = []
    awkward: list[Sequence[Any]] = []
    for row in rows:
        (awkward if "" in row else plain).append(row)
    if plain:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(plain)
        with cursor.cursor.copy(
            f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(buffer.getvalue())
    if awkward:
        with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            for row in awkward:
                copy.write_row(row)


def insert(model: type[Model], columns: Sequence[str], rows: Rows) -> None:
    """Insert ``rows``; raises IntegrityError if one of them exists after all."""
    if not len(rows):
        return
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _async_commit(cursor)
            _copy(cursor, table, column_list, rows)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"
            if model._meta.db_table == "registry_person":
                _insert_persons_sqlite(cursor, sql, python_rows(rows))
            else:
                cursor.executemany(sql, python_rows(rows))


def _insert_persons_sqlite(cursor: Any, sql: str, rows: Any) -> None:
    """Persons on SQLite, their names added to the search index in one statement: the index's
    row-by-row trigger pauses for this transaction alone (migration 0014)."""
    with transaction.atomic():
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM registry_person")
        (last,) = cursor.fetchone()
        cursor.execute("INSERT INTO registry_person_name_paused DEFAULT VALUES")
        cursor.executemany(sql, rows)
        # new rows get ids above every earlier one (AUTOINCREMENT)
        cursor.execute(
            "INSERT INTO registry_person_name(rowid, full_name) "
            "SELECT id, full_name FROM registry_person WHERE id > %s",
            [last],
        )
        cursor.execute("DELETE FROM registry_person_name_paused")


def upsert(model: type[Model], columns: Sequence[str], rows: Rows) -> None:
    """Insert ``rows`` or update the row with the same external_id."""
    if not len(rows):
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
            _async_commit(cursor)
            stage = "registry_upsert_stage"
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
            cursor.execute(
                f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "
                f"SELECT {column_list} FROM {table} WITH NO DATA"
            )
            _copy(cursor, stage, column_list, rows)
            cursor.execute(
                f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {stage} {conflict}"
            )
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({column_list}) VALUES ({placeholders}) {conflict}",
                python_rows(rows),
            )


def without_jit() -> None:
    """No JIT compilation for the rest of this transaction (PostgreSQL). A bulk statement runs
    for seconds, and compiling its plan took about as long as running it: 1.1 s of a 3.5 s
    batch of 92,126 payments."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def analyse(table: str) -> None:
    """Fresh planner statistics after a bulk write (PostgreSQL), so that the statements after
    it do not plan for the table as it was before."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
