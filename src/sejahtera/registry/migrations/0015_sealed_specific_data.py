"""A person's specific fields sealed at rest (docs/decisions/0020-sealed-specific-data.md).

The eleven columns become one sealed value per person (``specific_data``), and their values in
the change history are sealed where they stand. Reversible: going back opens them again.
"""

import importlib

from django.db import migrations

import sejahtera.sealing
from sejahtera.sealing import SPECIFIC_NAMES, open_person, reseal, seal_person, unseal

BATCH = 5000

# The history's append-only guard (migration 0011) lets a re-sealing through as well: an UPDATE
# in a transaction that has set ``sejahtera.resealing`` (this migration, `privacy rotate-keys`).
REDACTION_MIGRATION = importlib.import_module(
    "sejahtera.registry.migrations.0011_person_anonymised_on"
)
REFUSE_EXCEPT_REDACTION = REDACTION_MIGRATION.REFUSE_EXCEPT_REDACTION
_on_postgresql = REDACTION_MIGRATION._on_postgresql
REFUSE_EXCEPT_MAINTENANCE = """
CREATE OR REPLACE FUNCTION sejahtera_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'registry_changerecord'
       AND (current_setting('sejahtera.anonymising', true) = 'on'
            OR current_setting('sejahtera.resealing', true) = 'on') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def seal_persons(apps, schema_editor):
    connection = schema_editor.connection
    columns = ", ".join(SPECIFIC_NAMES)
    known = " OR ".join(f"{name} IS NOT NULL" for name in SPECIFIC_NAMES)
    with connection.cursor() as reader:
        reader.execute(f"SELECT id, {columns} FROM registry_person WHERE {known} ORDER BY id")
        while rows := reader.fetchmany(BATCH):
            sealed = [
                (seal_person(dict(zip(SPECIFIC_NAMES, values, strict=True))), pk)
                for pk, *values in rows
            ]
            with connection.cursor() as writer:
                writer.executemany(
                    "UPDATE registry_person SET specific_data = %s WHERE id = %s", sealed
                )
    ChangeRecord = apps.get_model("registry", "ChangeRecord")
    reseal(ChangeRecord, ChangeRecord._meta.get_field("changes"))


def open_persons(apps, schema_editor):
    connection = schema_editor.connection
    assignments = ", ".join(f"{name} = %s" for name in SPECIFIC_NAMES)
    with connection.cursor() as reader:
        reader.execute(
            "SELECT id, specific_data FROM registry_person "
            "WHERE specific_data IS NOT NULL ORDER BY id"
        )
        while rows := reader.fetchmany(BATCH):
            opened = [(*open_person(token).values(), pk) for pk, token in rows]
            with connection.cursor() as writer:
                writer.executemany(
                    f"UPDATE registry_person SET {assignments} WHERE id = %s", opened
                )
    ChangeRecord = apps.get_model("registry", "ChangeRecord")
    unseal(ChangeRecord, ChangeRecord._meta.get_field("changes"))


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0014_person_name_index_paused"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="specific_data",
            field=sejahtera.sealing.SealedPersonData(
                blank=True, editable=False, null=True
            ),
        ),
        migrations.AlterField(
            model_name="changerecord",
            name="changes",
            field=sejahtera.sealing.SealedSpecificCells(
                default=dict, purpose=b"change-history"
            ),
        ),
        migrations.RunPython(
            _on_postgresql(REFUSE_EXCEPT_MAINTENANCE), _on_postgresql(REFUSE_EXCEPT_REDACTION)
        ),
        migrations.RunPython(seal_persons, open_persons),
        *(migrations.RemoveField(model_name="person", name=name) for name in SPECIFIC_NAMES),
    ]
