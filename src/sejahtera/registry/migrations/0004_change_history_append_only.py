"""The change history is append-only: PostgreSQL refuses UPDATE and DELETE of its rows (the
trigger function comes from accounts 0005), and the users and import runs it names are
protected from deletion."""

import importlib

from django.conf import settings
from django.db import migrations, models

audit = importlib.import_module("sejahtera.accounts.migrations.0005_audit_trail_append_only")
CREATE, DROP = audit.append_only("registry_changerecord")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_audit_trail_append_only"),
        ("registry", "0003_districthouseholdfigure_districtpersonfigure_and_more"),
    ]

    operations = [
        migrations.AlterField(
            model_name="changerecord",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="changerecord",
            name="import_run",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                to="registry.importrun",
            ),
        ),
        migrations.RunPython(
            audit.run_on_postgresql(CREATE), audit.run_on_postgresql(DROP)
        ),
    ]
