"""The last quarter's reminders of the annual minimums (issue 11 §4), part of the daily
`send_reminders` (registered in StatsConfig.ready()): from the quarter's first day, once a month,
each reported member behind this year's minimums hears what is left, and each unit secretary how
many of the unit's members are behind. Reminders only of a real obligation (DOMAIN.md §5: no
daily nagging)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from baodao.core.numbers import hours_text
from baodao.notifications.selectors import member_users, unit_secretaries
from baodao.notifications.services import notify
from baodao.reporting.models import MemberReport
from baodao.stats import service_counts
from baodao.stats.models import ServiceYear

LAST_QUARTER_FROM = 10  # October: the last three months of the year


def remind_behind(*, today: dt.date) -> dict[str, int]:
    if today.month < LAST_QUARTER_FROM:
        return {"records_behind_members": 0, "records_behind_units": 0}
    year, month = today.year, f"{today:%Y-%m}"
    need = service_counts.minimums(None)
    reports = MemberReport.objects.filter(service_counts.behind_q(year, need))
    done = {
        m: (n, mi)
        for m, n, mi in ServiceYear.objects.filter(year=year, member__in=reports.values("member_id")).values_list(
            "member_id", "activities", "minutes"
        )
    }
    members = 0
    # Every member behind counts for the unit, with an account or not.
    per_unit: Counter[int] = Counter(
        dict(
            reports.values_list("member__unit_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("member__unit_id", "n")
        )
    )
    url = reverse("records:home")
    accounts = member_users(reports.values("member_id"))
    for report in reports.filter(member_id__in=list(accounts)).select_related("member"):
        member = report.member
        n, minutes = done.get(member.pk, (0, 0))
        left_a, left_h = max(0, need.activities - n), max(0, need.minutes - minutes)
        for user in accounts[member.pk]:
            members += bool(
                notify(
                    user=user,
                    title=_("今年的社区服务还差一些"),
                    body=_("%(y)s 年已确认参加活动 %(n)s 次、服务 %(h)s 小时；还需 %(a)s 次、%(l)s 小时。")
                    % {"y": year, "n": n, "h": hours_text(minutes), "a": left_a, "l": hours_text(left_h)},
                    url=url,
                    dedupe_key=f"records-behind:{member.pk}:{month}",
                )
            )
    units = 0
    behind_url = reverse("stats:behind")
    for unit_id, user in ((u, s) for u, users in unit_secretaries(list(per_unit)).items() for s in users):
        units += bool(
            notify(
                user=user,
                title=_("本单位有 %(n)s 名报到党员今年服务未达标") % {"n": per_unit[unit_id]},
                url=f"{behind_url}?unit={unit_id}",
                dedupe_key=f"records-behind-unit:{unit_id}:{month}",
            )
        )
    return {"records_behind_members": members, "records_behind_units": units}


def daily(today: dt.date) -> dict[str, int]:
    return remind_behind(today=today)
