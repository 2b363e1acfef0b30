"""A case's region is its household's village, kept in step when the household moves
(``cases.services.follow_moved_households``); cases whose household moved before that are
put right here."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def follow_households(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Household = apps.get_model("registry", "Household")
    village = Household.objects.filter(pk=OuterRef("household_id")).values("village_id")[:1]
    Case.objects.exclude(region_code=Subquery(village)).update(region_code=Subquery(village))


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_assessment_conditions_sealed")]

    operations = [migrations.RunPython(follow_households, migrations.RunPython.noop)]
