# CoverageTally and CoverageMark now belong to the stats app (stats 0001 takes over their tables).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0004_reportevent_moved_kind"),
        ("stats", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CoverageMark"),
                migrations.DeleteModel(name="CoverageTally"),
            ],
            database_operations=[],
        ),
    ]
