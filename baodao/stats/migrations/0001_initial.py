# The coverage tallies moved here from reporting (reporting 0005 drops them from its state):
# the tables exist already, so this only takes them into the state, then renames them.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("directory", "0004_unit_functions"),
        ("reporting", "0004_reportevent_moved_kind"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CoverageMark",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("place_id", models.BigIntegerField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "verbose_name": "覆盖率待重算",
                        "verbose_name_plural": "覆盖率待重算",
                        "db_table": "reporting_coveragemark",
                    },
                ),
                migrations.CreateModel(
                    name="CoverageTally",
                    fields=[
                        (
                            "place",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="directory.place",
                            ),
                        ),
                        ("path", models.CharField(db_index=True, max_length=255)),
                        ("units_total", models.PositiveIntegerField(default=0)),
                        ("units_done", models.PositiveIntegerField(default=0)),
                        ("members_total", models.PositiveIntegerField(default=0)),
                        ("members_done", models.PositiveIntegerField(default=0)),
                        ("compounds_total", models.PositiveIntegerField(default=0)),
                        ("compounds_done", models.PositiveIntegerField(default=0)),
                        ("fresh_until", models.DateField(blank=True, null=True)),
                        ("counted_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "verbose_name": "覆盖率计数",
                        "verbose_name_plural": "覆盖率计数",
                        "db_table": "reporting_coveragetally",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="CoverageMark", table=None),
        migrations.AlterModelTable(name="CoverageTally", table=None),
    ]
