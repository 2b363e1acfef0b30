"""The read log is append-only: PostgreSQL refuses UPDATE and DELETE of its rows.

The function is shared: registry's change history gets the same trigger (registry 0004). SQLite
has no such guard (it is the demo database; the admin refuses these edits on both).
"""

from django.db import migrations, models

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION sejahtera_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def append_only(table: str) -> tuple[str, str]:
    """SQL making ``table`` append-only on PostgreSQL, and SQL undoing it."""
    trigger = f"{table}_append_only"
    return (
        f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION sejahtera_refuse_audit_change();",
        f"DROP TRIGGER IF EXISTS {trigger} ON {table};",
    )


def run_on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the SQL's % signs are its own

    return run


CREATE, DROP = append_only("accounts_sensitiveaccess")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_apitoken"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="region",
            field=models.ForeignKey(
                blank=True,
                help_text="Required for regional roles; empty means the whole country.",
                null=True,
                on_delete=models.deletion.PROTECT,
                to="registry.region",
                verbose_name="region scope",
            ),
        ),
        migrations.RunPython(
            run_on_postgresql(REFUSE_FUNCTION + CREATE),
            run_on_postgresql(DROP + "DROP FUNCTION IF EXISTS sejahtera_refuse_audit_change();"),
        ),
    ]
