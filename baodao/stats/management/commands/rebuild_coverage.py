"""python manage.py rebuild_coverage — `recount` for the coverage tallies alone (nightly from
cron, and after bulk changes): the marks are consumed as a read does, then every tally is compared
with a count of the record and set right.

The tallies are kept exact by the marks their domain events leave (baodao.stats.tallies); this is
the belt to those braces, and the way to build them for data loaded in bulk.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from baodao.stats.families import GROUPS, recount_and_report
from baodao.stats.models import CoverageTally


class Command(BaseCommand):
    help = "重算全部覆盖率计数（单位报到率、在职党员报到率、第一书记覆盖率）"

    def handle(self, *args: object, **options: object) -> None:
        start = time.monotonic()
        recount_and_report(self.stdout.write, GROUPS["rebuild_coverage"], check=False)
        self.stdout.write(
            f"覆盖率计数已重算：{CoverageTally.objects.count()} 个社区/地点，用时 {time.monotonic() - start:.1f} 秒"
        )
