"""The read log becomes the audit trail: renamed, with the action, fields, purpose, client and
request id of each entry, and chained (accounts.audit). Existing reads are chained in their
order; on PostgreSQL the append-only trigger is held off for that one backfill."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

TABLE = "accounts_auditentry"


def _trigger(schema_editor, state: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} {state} TRIGGER accounts_auditentry_append_only")


def chain_existing_reads(apps, schema_editor):
    from sejahtera.accounts.audit import GENESIS, digest_of

    AuditEntry = apps.get_model("accounts", "AuditEntry")
    _trigger(schema_editor, "DISABLE")
    previous = GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator():
        entry.previous_digest = previous
        entry.digest = previous = digest_of(entry)
        entry.save(update_fields=["previous_digest", "digest"])
    _trigger(schema_editor, "ENABLE")


def rename_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TRIGGER accounts_sensitiveaccess_append_only ON {TABLE} "
                "RENAME TO accounts_auditentry_append_only"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_cache_table"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="sensitiveaccess", name="accounts_se_user_id_4b3d01_idx"),
        migrations.RenameModel("SensitiveAccess", "AuditEntry"),
        migrations.RunPython(rename_trigger, migrations.RunPython.noop),
        migrations.RenameField("auditentry", "accessed_at", "at"),
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, verbose_name="at"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="entity",
            field=models.CharField(max_length=80, verbose_name="record kind"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="record_ids",
            field=models.JSONField(default=list, verbose_name="record ids"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="path",
            field=models.CharField(max_length=300, verbose_name="where"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("read", "read specific data"),
                    ("write", "change submitted"),
                    ("export", "export"),
                    ("login", "login"),
                    ("login_failed", "failed login"),
                    ("denied", "refused or not found"),
                    ("command", "command"),
                ],
                default="read",
                max_length=20,
                verbose_name="action",
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="fields",
            field=models.JSONField(default=list, verbose_name="fields"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="purpose",
            field=models.CharField(blank=True, max_length=40, verbose_name="purpose"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="status",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="answer"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="client_address",
            field=models.CharField(blank=True, max_length=45, verbose_name="from address"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="request_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="previous_digest",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="digest",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_reads, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditentry",
            name="digest",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "ordering": ["-id"],
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit trail",
            },
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["user", "at"], name="accounts_au_user_id_a4a2d8_idx"),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["entity", "at"], name="accounts_au_entity_62d4cb_idx"),
        ),
        migrations.CreateModel(
            name="SensitiveAccess",
            fields=[],
            options={
                "verbose_name": "sensitive data access",
                "verbose_name_plural": "sensitive data accesses",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("accounts.auditentry",),
        ),
    ]
