"""The table of the database cache (API rate counts), created as `createcachetable` would."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_programme_manager")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
