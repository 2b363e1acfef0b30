"""The keys of the tables written a million rows at a time are checked once per statement
instead of once per row at commit (decision 0022): on PostgreSQL, production's database, by a
statement trigger that looks up the distinct keys of the rows just written (a transition
table) and refuses a key that names no row, as the foreign key did. SQLite, the demo's
database, keeps no check: a trigger there naming another table would break Django's rebuilds
of that table.

The SQLite table rebuilds drop the ledger's append-only trigger (migration 0005): it is made
again here.
"""

import django.db.models.deletion
from django.db import migrations, models

# table: (column, the table it names) for each key checked per statement
KEYS = {
    "programmes_decreeline": [
        ("decree_id", "programmes_decree"),
        ("decision_id", "targeting_decision"),
    ],
    "programmes_enrolment": [
        ("start_decree_id", "programmes_decree"),
        ("end_decree_id", "programmes_decree"),
    ],
    "programmes_entitlement": [
        ("cycle_id", "programmes_cycle"),
        ("enrolment_id", "programmes_enrolment"),
    ],
    "programmes_payment": [
        ("batch_id", "programmes_batch"),
        ("entitlement_id", "programmes_entitlement"),
        ("result_id", "programmes_resultimport"),
    ],
    "programmes_ledgerentry": [
        ("entitlement_id", "programmes_entitlement"),
        ("payment_id", "programmes_payment"),
    ],
    "programmes_resultline": [("result_id", "programmes_resultimport")],
}

# The distinct keys of the statement's rows, each looked up once by the parent's primary key
# (of an UPDATE, only the keys it changed). "OFFSET 0" keeps the look-up a probe per key: as an
# anti-join, the planner may choose to read the whole parent table (every decision of a
# national run) to check a few thousand keys.
CHECK_FUNCTION = """
CREATE FUNCTION programmes_check_keys() RETURNS trigger AS $$
DECLARE
  i integer := 0;
  missing bigint;
  unchanged text := '';
BEGIN
  WHILE i < TG_NARGS LOOP
    IF TG_OP = 'UPDATE' THEN
      unchanged := format(' EXCEPT SELECT %1$I FROM before', TG_ARGV[i]);
    END IF;
    EXECUTE format(
      'SELECT n.k FROM (SELECT %1$I AS k FROM written WHERE %1$I IS NOT NULL%3$s) n '
      'WHERE NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.id = n.k OFFSET 0) LIMIT 1',
      TG_ARGV[i], TG_ARGV[i + 1], unchanged) INTO missing;
    IF missing IS NOT NULL THEN
      RAISE foreign_key_violation USING MESSAGE = format(
        '%s.%s = %s names no row of %s', TG_TABLE_NAME, TG_ARGV[i], missing, TG_ARGV[i + 1]);
    END IF;
    i := i + 2;
  END LOOP;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
SQLITE_LEDGER = """
CREATE TRIGGER programmes_ledger_append_only BEFORE UPDATE ON programmes_ledgerentry
BEGIN SELECT RAISE(ABORT, 'the payment ledger is append-only'); END"""


def postgresql_triggers():
    yield CHECK_FUNCTION
    for table, keys in KEYS.items():
        arguments = ", ".join(f"'{name}'" for pair in keys for name in pair)
        for event, transitions in (
            ("INSERT", "NEW TABLE AS written"),
            ("UPDATE", "OLD TABLE AS before NEW TABLE AS written"),
        ):
            yield (
                f"CREATE TRIGGER {table}_keys_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {transitions} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION programmes_check_keys({arguments})"
            )


def forwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in postgresql_triggers() if postgresql else [SQLITE_LEDGER]:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in KEYS:
            for event in ("insert", "update"):
                schema_editor.execute(f"DROP TRIGGER {table}_keys_{event} ON {table}")
        schema_editor.execute("DROP FUNCTION programmes_check_keys()")


def restore_sqlite_ledger(apps, schema_editor):
    """Undoing this migration rebuilds the ledger's table again, after which the append-only
    trigger is made again (this operation comes first, so it is undone last)."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_LEDGER, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0008_merged_reason"),
        ("registry", "0016_held_for_review"),
        ("targeting", "0008_facts_digests_keyed"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_ledger),
        migrations.AlterField(
            model_name="decreeline",
            name="decision",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="targeting.decision",
            ),
        ),
        migrations.AlterField(
            model_name="decreeline",
            name="decree",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="programmes.decree",
            ),
        ),
        migrations.AlterField(
            model_name="decreeline",
            name="household",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.household",
            ),
        ),
        migrations.AlterField(
            model_name="decreeline",
            name="person",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.person",
            ),
        ),
        migrations.AlterField(
            model_name="enrolment",
            name="end_decree",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.decree",
            ),
        ),
        migrations.AlterField(
            model_name="enrolment",
            name="start_decree",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.decree",
            ),
        ),
        migrations.AlterField(
            model_name="entitlement",
            name="cycle",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entitlements",
                to="programmes.cycle",
            ),
        ),
        migrations.AlterField(
            model_name="entitlement",
            name="enrolment",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.enrolment",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="entitlement",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.entitlement",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="payment",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.payment",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="batch",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="programmes.batch",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="entitlement",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.entitlement",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="result",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.resultimport",
            ),
        ),
        migrations.AlterField(
            model_name="resultline",
            name="result",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rows",
                to="programmes.resultimport",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
