"""The activity types (DOMAIN.md §3.3, issue 11 §1), seeded; admins edit the list."""

from django.db import migrations

NAMES = "主题党日 志愿服务 党课 文明创建 环境整治 宣讲 应急 结对帮扶 三长履职 其他".split()


def seed(apps, schema_editor):
    Category = apps.get_model("directory", "Category")
    for i, name in enumerate(NAMES):
        Category.objects.get_or_create(kind="activity_type", name=name, defaults={"sort_order": (i + 1) * 10})


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial"), ("directory", "0007_alter_category_kind_alter_rule_key")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
