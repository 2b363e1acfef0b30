"""Complaints about a whole province went to a regency office "32" that nobody reads: they go
to the province's office (``domain.participation.route``)."""

from django.db import migrations
from django.db.models.functions import Length


def to_the_province(apps, schema_editor):
    Complaint = apps.get_model("grievances", "Complaint")
    Complaint.objects.annotate(code_length=Length("office_region_code")).filter(
        level="regency", code_length__lt=4
    ).update(level="province")


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0006_proposal_member_cells_sealed"),
    ]

    operations = [
        migrations.RunPython(to_the_province, migrations.RunPython.noop),
    ]
