"""A token keeps the role and region its user had when it was made, and every token expires:
existing tokens take their user's present role and region and expire 90 days after the
upgrade (CHANGELOG)."""

from datetime import timedelta

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def adopt_user_scope(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    expiry = timezone.now() + timedelta(days=90)
    for token in ApiToken.objects.select_related("user"):
        token.role = token.user.role
        token.region_id = token.user.region_id
        token.expires_at = token.expires_at or expiry
        token.save(update_fields=["role", "region", "expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0014_submission_answer_sealed"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="role",
            field=models.CharField(default="", max_length=32, verbose_name="role"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apitoken",
            name="region",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.region",
                verbose_name="region scope",
            ),
        ),
        migrations.RunPython(adopt_user_scope, migrations.RunPython.noop),
    ]
