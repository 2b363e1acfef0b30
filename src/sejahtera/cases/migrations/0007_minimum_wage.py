"""A regency's UMK becomes an official minimum wage of a regency (UMK) or a province (UMP),
citing the decree that set it."""

from django.db import migrations, models


def name_unsourced_wages(apps, schema_editor):
    """Rows entered in the admin before the table cite no decision: say so rather than pass
    them off as sourced."""
    wages = apps.get_model("cases", "MinimumWage")
    wages.objects.filter(instrument="").update(instrument="not recorded (entered by hand)")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_more_timeline_events"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="regencyminimumwage", name="umk_per_year"),
        migrations.RenameModel("RegencyMinimumWage", "MinimumWage"),
        migrations.RenameField("minimumwage", "regency", "region"),
        migrations.AddField(
            model_name="minimumwage",
            name="kind",
            field=models.CharField(
                choices=[("UMP", "UMP"), ("UMK", "UMK")],
                default="UMK",
                max_length=3,
                verbose_name="kind",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="minimumwage",
            name="instrument",
            field=models.CharField(default="", max_length=200, verbose_name="governor's decision"),
            preserve_default=False,
        ),
        migrations.RunPython(name_unsourced_wages, migrations.RunPython.noop),
        migrations.AddField(
            model_name="minimumwage",
            name="source_url",
            field=models.URLField(blank=True, max_length=300, verbose_name="source"),
        ),
        migrations.AlterModelOptions(
            name="minimumwage",
            options={
                "verbose_name": "minimum wage (UMK/UMP)",
                "verbose_name_plural": "minimum wages (UMK/UMP)",
            },
        ),
        migrations.AddConstraint(
            model_name="minimumwage",
            constraint=models.UniqueConstraint(fields=("region", "year"), name="wage_per_year"),
        ),
    ]
