"""A payment's liveness (issued or paid) becomes a column of its own, kept equal to the status
by a check, and the only one an index reads: a result file settling a payment then changes no
indexed value. On PostgreSQL the table keeps a third of each page free, so that those updates
are written on the row's own page (HOT) instead of as new entries in every index. The batch
index loses the status (its filters read the batch's rows anyway) and the settling import's
key loses its index (the import's lines are read through their own)."""

import django.db.models.deletion
from django.db import migrations, models

NOT_LIVE = ("failed", "returned")


def mark_settled_dead(apps, schema_editor):
    apps.get_model("programmes", "Payment").objects.filter(status__in=NOT_LIVE).update(live=False)


def leave_free_space(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE programmes_payment SET (fillfactor = 70)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE programmes_payment RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0009_keys_checked_per_statement"),
        ("registry", "0016_held_for_review"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="payment",
            name="one_live_payment_per_entitlement",
        ),
        migrations.RemoveIndex(
            model_name="payment",
            name="programmes__batch_i_d094cd_idx",
        ),
        migrations.AddField(
            model_name="payment",
            name="live",
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(mark_settled_dead, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="result",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.resultimport",
            ),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["batch"], name="payment_batch"),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("live", True)),
                fields=("entitlement",),
                name="one_live_payment_per_entitlement",
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("live", True), ("status__in", ("issued", "paid"))),
                    models.Q(("live", False), ("status__in", NOT_LIVE)),
                    _connector="OR",
                ),
                name="payment_live_while_issued_or_paid",
            ),
        ),
        migrations.RunPython(leave_free_space, fill_pages),
    ]
