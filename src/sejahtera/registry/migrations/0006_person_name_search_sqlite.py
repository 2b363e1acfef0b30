"""Typo-tolerant name search on SQLite (the embedded default): an FTS5 trigram index of
``registry_person.full_name``, kept current by triggers. It narrows a search to the names that
share a trigram with the query; ``domain.names.name_similarity`` then ranks them as pg_trgm
does on PostgreSQL, which has its own index (migration 0002) and needs none of this.
"""

from django.db import migrations

CREATE = [
    "CREATE VIRTUAL TABLE registry_person_name USING fts5("
    "full_name, content='registry_person', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER registry_person_name_insert AFTER INSERT ON registry_person BEGIN "
    "INSERT INTO registry_person_name(rowid, full_name) VALUES (new.id, new.full_name); END",
    "CREATE TRIGGER registry_person_name_delete AFTER DELETE ON registry_person BEGIN "
    "INSERT INTO registry_person_name(registry_person_name, rowid, full_name) "
    "VALUES ('delete', old.id, old.full_name); END",
    "CREATE TRIGGER registry_person_name_update AFTER UPDATE OF full_name ON registry_person "
    "BEGIN INSERT INTO registry_person_name(registry_person_name, rowid, full_name) "
    "VALUES ('delete', old.id, old.full_name); "
    "INSERT INTO registry_person_name(rowid, full_name) VALUES (new.id, new.full_name); END",
    "INSERT INTO registry_person_name(registry_person_name) VALUES ('rebuild')",
]
DROP = [
    "DROP TRIGGER IF EXISTS registry_person_name_insert",
    "DROP TRIGGER IF EXISTS registry_person_name_delete",
    "DROP TRIGGER IF EXISTS registry_person_name_update",
    "DROP TABLE IF EXISTS registry_person_name",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_import_run_heartbeat")]
    operations = [migrations.RunPython(run(CREATE), run(DROP))]
