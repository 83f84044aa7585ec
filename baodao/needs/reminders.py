"""The three lists' part of the daily `send_reminders` (registered in NeedsConfig.ready()):
items done whose resident said nothing within the window count as accepted (shown as such, not as
satisfied); idle claims are reminded, then released back to the list; the community's staff hear
once a week of items published and still unclaimed past the rule's days."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.needs import notices, selectors, services
from baodao.needs.models import Demand
from baodao.notifications.services import notify

STAFF_REMINDER_EVERY = dt.timedelta(days=7)


def _moment(today: dt.date) -> dt.datetime:
    if today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(today, dt.time(9)))


def remind_unclaimed(*, now: dt.datetime) -> int:
    """One message per community to its staff: how many published items nobody has claimed past
    the rule's days (each item counted again only a week after its last reminder)."""
    by_community: dict[int, list[Demand]] = defaultdict(list)
    # A week counted in days, not hours: reminded any time on a day, again on the same weekday a
    # week later whatever the hour the daily run starts (it failed when it ran earlier in the day).
    day = timezone.localtime(now).date() - STAFF_REMINDER_EVERY + dt.timedelta(days=1)
    since = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    candidates = Demand.objects.filter(status=Demand.Status.PUBLISHED).filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lt=since)
    )
    for d in candidates.select_related("community"):
        rules = selectors.overdue_rules(d.community)
        if d.published_at and d.published_at < now - dt.timedelta(days=rules.unclaimed_days):
            by_community[d.community_id].append(d)
    sent = 0
    for rows in by_community.values():
        first = rows[0]
        # Keyed by the items told of, not the day only: a second run of a day tells what became due
        # since (what it told already is not due again for a week, by `reminded_at`).
        items = hashlib.sha256(",".join(str(d.pk) for d in rows).encode()).hexdigest()[:16]
        for user in notices.community_staff(first):
            sent += bool(
                notify(
                    user=user,
                    title=_("%(c)s有 %(n)s 个服务项目超期无人认领") % {"c": first.community.name, "n": len(rows)},
                    body="、".join(d.title for d in rows[:5]),
                    url=f"{reverse('needs:overdue')}?community={first.community_id}",
                    dedupe_key=f"needs-unclaimed:{first.community_id}:{now:%Y-%m-%d}:{items}",
                )
            )
        Demand.objects.filter(pk__in=[d.pk for d in rows]).update(reminded_at=now)
    return sent


def daily(today: dt.date) -> dict[str, int]:
    now = _moment(today)
    reminded, released = services.claims_remind_and_release(now=now)
    return {
        "needs_silent_accepted": services.demands_accept_silent(now=now),
        "needs_claims_reminded": reminded,
        "needs_claims_released": released,
        "needs_unclaimed_staff": remind_unclaimed(now=now),
    }
