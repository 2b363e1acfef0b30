"""Retention (privacy.retention): a person's record notes when it was anonymised, and the
append-only change history lets exactly that redaction through — an UPDATE in a transaction
that has set ``sejahtera.anonymising`` — and still refuses every other change or deletion."""

import importlib

from django.db import migrations, models

# The guard as accounts 0005 made it: what undoing this migration puts back.
REFUSE_ALWAYS = importlib.import_module(
    "sejahtera.accounts.migrations.0005_audit_trail_append_only"
).REFUSE_FUNCTION

REFUSE_EXCEPT_REDACTION = """
CREATE OR REPLACE FUNCTION sejahtera_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'registry_changerecord'
       AND current_setting('sejahtera.anonymising', true) = 'on' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_reference_lists"),
        ("accounts", "0011_audit_trail_chained"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="anonymised_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(
            _on_postgresql(REFUSE_EXCEPT_REDACTION), _on_postgresql(REFUSE_ALWAYS)
        ),
    ]
