"""The keys of the delivery tables written a million rows at a time are checked by the
database once per statement (decision 0022), and still refuse a key that names no row; the
rows they name are kept from deletion by the application (PROTECT) on either database."""

from __future__ import annotations

import io
from collections.abc import Callable
from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from sejahtera.programmes import disbursement
from sejahtera.programmes.models import (
    Batch,
    Decree,
    Entitlement,
    LedgerEntry,
    Payment,
    ResultImport,
    ResultLine,
)
from sejahtera.registry.services.bulk import insert

from .test_disbursement import result_file

pytestmark = pytest.mark.django_db

KEYS = import_module("sejahtera.programmes.migrations.0009_keys_checked_per_statement").KEYS
CHECKED = [(table, column) for table, keys in KEYS.items() for column, _ in keys]
NO_ROW = 987_654_321
# A copy of a row that no unique constraint refuses, so that only its key can be wrong.
DISTINCT_COPY = {
    "programmes_decreeline": {"subject": "'copy'"},
    "programmes_enrolment": {"subject": "'copy'"},
    "programmes_entitlement": {"subject": "'copy'", "nik": "NULL"},
    "programmes_payment": {"attempt": "attempt + 100", "status": "'failed'", "live": "FALSE"},
    "programmes_ledgerentry": {"attempt": "attempt + 100"},
}


@pytest.fixture
def every_table(manager, sembako, settings, tmp_path):
    """A decree, enrolments, a cycle, a batch paid by its result file: a row in each table."""
    settings.MEDIA_ROOT = tmp_path
    batch = disbursement.build_batches(manager, sembako)[0]
    content = result_file(batch.payments.all())
    disbursement.import_result(manager, batch, "result.csv", content)
    return Batch.objects.get(pk=batch.pk)


only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite, the demo's database, checks these keys by construction alone",
)


def refusal(write: Callable[[], object]) -> str:
    """The message of the IntegrityError that ``write`` raises (none fails the test)."""
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        write()
    return str(refused.value)


def names_no_row(table: str, column: str) -> str:
    return f"{table}.{column} = {NO_ROW} names no row"


def first_row(table: str) -> str:
    return f"(SELECT MIN(id) FROM {table})"


@only_postgresql
@pytest.mark.parametrize(("table", "column"), CHECKED)
def test_a_row_written_with_a_key_naming_no_row_is_refused(every_table, table, column):
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
        names = [c.name for c in description if c.name != "id"]
        values = DISTINCT_COPY.get(table, {}) | {column: str(NO_ROW)}
        quoted = {n: connection.ops.quote_name(n) for n in names}
        sql = (
            f"INSERT INTO {table} ({', '.join(quoted.values())}) "
            f"SELECT {', '.join(values.get(n, q) for n, q in quoted.items())} FROM {table} "
            f"WHERE id = {first_row(table)}"
        )
        assert names_no_row(table, column) in refusal(lambda: cursor.execute(sql))


@only_postgresql
@pytest.mark.parametrize(
    ("table", "column"), [key for key in CHECKED if key[0] != "programmes_ledgerentry"]
)  # the ledger refuses every change
def test_a_key_changed_to_name_no_row_is_refused(every_table, table, column):
    sql = f"UPDATE {table} SET {column} = {NO_ROW} WHERE id = {first_row(table)}"
    with connection.cursor() as cursor:
        assert names_no_row(table, column) in refusal(lambda: cursor.execute(sql))


@only_postgresql
def test_a_statement_of_many_rows_names_the_key_that_is_wrong(every_table):
    """One wrong key among the rows of one statement refuses the whole statement."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM programmes_payment")
        (payments,) = cursor.fetchone()
        assert payments > 1
        sql = (
            "UPDATE programmes_payment SET batch_id = CASE WHEN id = "
            f"{first_row('programmes_payment')} THEN {NO_ROW} ELSE batch_id END"
        )
        message = refusal(lambda: cursor.execute(sql))
        assert names_no_row("programmes_payment", "batch_id") in message
        cursor.execute(
            "SELECT COUNT(*) FROM programmes_payment WHERE batch_id = %s", [every_table.pk]
        )
        assert cursor.fetchone()[0] == every_table.lines


def test_the_rows_a_key_names_cannot_be_deleted_from_under_it(every_table):
    for parent in (every_table, Entitlement.objects.first(), Decree.objects.first()):
        with pytest.raises(ProtectedError), transaction.atomic():
            parent.delete()


@only_postgresql
def test_rows_copied_in_are_checked_too(every_table):
    """Result lines go in by COPY: the statement's transition table holds its rows as well."""
    columns = ("result_id", "line", "reference", "payment_number", "account_number", "amount",
               "outcome", "reason", "paid_on", "verdict", "column", "message")  # fmt: skip
    row = (NO_ROW, 2, "SJT0000000001", 1, "x", 1, "paid", "r", None, "applied", "c", "m")
    message = refusal(lambda: insert(ResultLine, columns, [row]))
    assert names_no_row("programmes_resultline", "result_id") in message


@only_postgresql
def test_a_dump_of_the_delivery_tables_loads_again(every_table, tmp_path):
    """The check is immediate, not deferred to the commit: ``loaddata`` writes the rows in the
    models' order, which puts every row after the rows it names."""
    counts = {m: m.objects.count() for m in (Payment, ResultImport, ResultLine, LedgerEntry)}
    dump = io.StringIO()
    call_command("dumpdata", "programmes", stdout=dump)
    (tmp_path / "programmes.json").write_text(dump.getvalue())
    tables = [t for t in connection.introspection.table_names() if t.startswith("programmes_")]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE wants no pending key checks
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    call_command("loaddata", str(tmp_path / "programmes.json"), verbosity=0)
    assert {m: m.objects.count() for m in counts} == counts
