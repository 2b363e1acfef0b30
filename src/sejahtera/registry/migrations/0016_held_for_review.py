"""Persons an import holds for review (issue #11), and whether a merge released one.

On SQLite, Django adds a NOT NULL column by rebuilding the table, which would drop the name
index's triggers (migrations 0006, 0014); ``ALTER TABLE … ADD COLUMN`` with a constant default
keeps them, and is what PostgreSQL does anyway (no rewrite since PostgreSQL 11).
"""

from django.db import migrations, models

COLUMN = "held_for_review"


def add_column(apps, schema_editor):
    false = "0" if schema_editor.connection.vendor == "sqlite" else "false"
    schema_editor.execute(
        f"ALTER TABLE registry_person ADD COLUMN {COLUMN} boolean DEFAULT {false} NOT NULL"
    )


def drop_column(apps, schema_editor):
    schema_editor.execute(f"ALTER TABLE registry_person DROP COLUMN {COLUMN}")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0015_sealed_specific_data"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_column, drop_column)],
            state_operations=[
                migrations.AddField(
                    model_name="person",
                    name=COLUMN,
                    field=models.BooleanField(db_default=False, default=False, editable=False),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("held_for_review", True)),
                fields=["held_for_review"],
                name="person_held",
            ),
        ),
        migrations.AddField(
            model_name="personmerge",
            name="survivor_was_held",
            field=models.BooleanField(default=False),
        ),
    ]
