"""Bulk inserts fill the SQLite name index in one statement instead of row by row.

The insert trigger of migration 0006 skips its row while ``registry_person_name_paused`` has a
row; a bulk insert adds one inside its own transaction (no other connection ever sees it), then
adds the batch's names to the index with one ``INSERT … SELECT``, about twenty times cheaper
than the trigger row by row (``registry.services.bulk``). PostgreSQL needs none of this.
"""

import importlib

from django.db import migrations

NAME_SEARCH = importlib.import_module("sejahtera.registry.migrations.0006_person_name_search_sqlite")
ROW_BY_ROW_INSERT = NAME_SEARCH.CREATE[1]  # the trigger as migration 0006 made it
run = NAME_SEARCH.run  # statements run on SQLite only

PAUSED_TRIGGER = [
    "CREATE TABLE registry_person_name_paused (id INTEGER PRIMARY KEY)",
    "DROP TRIGGER registry_person_name_insert",
    "CREATE TRIGGER registry_person_name_insert AFTER INSERT ON registry_person "
    "WHEN NOT EXISTS (SELECT 1 FROM registry_person_name_paused) BEGIN "
    "INSERT INTO registry_person_name(rowid, full_name) VALUES (new.id, new.full_name); END",
]
ROW_BY_ROW_TRIGGER = [
    "DROP TRIGGER registry_person_name_insert",
    ROW_BY_ROW_INSERT,
    "DROP TABLE registry_person_name_paused",
]


class Migration(migrations.Migration):
    dependencies = [("registry", "0013_household_review")]
    operations = [migrations.RunPython(run(PAUSED_TRIGGER), run(ROW_BY_ROW_TRIGGER))]
