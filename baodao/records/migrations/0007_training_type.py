"""The activity type 培训 (a first secretary attends street-level training at least once a year,
DOMAIN.md §2 [seed 000]): seeded beside the others; admins edit the list."""

from django.db import migrations


def seed(apps, schema_editor):
    Category = apps.get_model("directory", "Category")
    Category.objects.get_or_create(kind="activity_type", name="培训", defaults={"sort_order": 95})


class Migration(migrations.Migration):
    dependencies = [("records", "0006_commitments")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
