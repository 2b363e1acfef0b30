"""The payment ledger is append-only: the database refuses to change an entry (and, on
PostgreSQL, to delete one; SQLite keeps DELETE for the test suite's flush, and the ledger's
foreign keys protect it from cascades)."""

from django.db import migrations

POSTGRESQL = [
    """CREATE FUNCTION programmes_ledger_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'the payment ledger is append-only';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER programmes_ledger_append_only BEFORE UPDATE OR DELETE
    ON programmes_ledgerentry FOR EACH ROW EXECUTE FUNCTION programmes_ledger_append_only()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER programmes_ledger_append_only ON programmes_ledgerentry",
    "DROP FUNCTION programmes_ledger_append_only()",
]
SQLITE = [
    """CREATE TRIGGER programmes_ledger_append_only BEFORE UPDATE ON programmes_ledgerentry
    BEGIN SELECT RAISE(ABORT, 'the payment ledger is append-only'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER programmes_ledger_append_only"]


def forwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL if postgresql else SQLITE:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_REVERSE if postgresql else SQLITE_REVERSE:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("programmes", "0004_disbursement")]
    operations = [migrations.RunPython(forwards, backwards)]
