"""Fast, typo-tolerant name search on PostgreSQL: a trigram index on lower(full_name).

SQLite (demo, development) has no pg_trgm: migration 0006 gives it an FTS5 trigram index.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registry_person_name_trgm "
        "ON registry_person USING gin (lower(full_name) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS registry_person_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
