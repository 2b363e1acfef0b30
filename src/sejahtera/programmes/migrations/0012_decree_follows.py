"""A draft names the decree in force when it was prepared; approval compares ids, not clock
times. Drafts prepared before take the programme's decree approved last before them."""

import django.db.models.deletion
from django.db import migrations, models


def follow_the_decree_in_force(apps, schema_editor):
    Decree = apps.get_model("programmes", "Decree")
    for draft in Decree.objects.filter(status="draft"):
        draft.follows = (
            Decree.objects.filter(
                programme=draft.programme, status="approved", decided_at__lt=draft.prepared_at
            )
            .order_by("-decided_at", "-pk")
            .first()
        )
        draft.save(update_fields=["follows"])


class Migration(migrations.Migration):

    dependencies = [
        ('programmes', '0011_decree_amended_by'),
    ]

    operations = [
        migrations.AddField(
            model_name='decree',
            name='follows',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='programmes.decree'),
        ),
        migrations.RunPython(follow_the_decree_in_force, migrations.RunPython.noop),
    ]
