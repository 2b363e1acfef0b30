"""One pending graduation proposal per case, kept by the database. Two proposals made at the
same moment could both stay pending before the services locked the case: the older ones are
rejected first (as a newer proposal rejects them), so the constraint can be made."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Max


def reject_all_but_the_newest_pending(apps, schema_editor):
    GraduationRequest = apps.get_model("cases", "GraduationRequest")
    pending = GraduationRequest.objects.filter(status="pending").order_by()
    newest = pending.values("case_id").annotate(newest=Max("id")).values_list("newest", flat=True)
    pending.exclude(id__in=list(newest)).update(status="rejected")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0014_case_region_follows_household'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(reject_all_but_the_newest_pending, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='graduationrequest',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('case',), name='one_pending_graduation_per_case'),
        ),
    ]
