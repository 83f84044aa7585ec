"""The service categories of demands, seeded (DOMAIN.md §3.2 [seed 000]); admins edit the list."""

from django.db import migrations

NAMES = "政策宣传 法律咨询 环境整治 文体活动 医疗卫生 心理疏导 帮扶慰问 养老助残 关爱儿童 治安巡防 矛盾调解 其他".split()


def seed(apps, schema_editor):
    Category = apps.get_model("directory", "Category")
    for i, name in enumerate(NAMES):
        Category.objects.get_or_create(kind="intention", name=name, defaults={"sort_order": (i + 1) * 10})


class Migration(migrations.Migration):
    dependencies = [("needs", "0001_initial"), ("directory", "0005_place_sort_key")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
