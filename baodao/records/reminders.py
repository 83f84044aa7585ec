"""The record's part of the daily `send_reminders` (registered in RecordsConfig.ready()): the
organizer of an activity over for more than the rule's days and never closed is reminded once
(Decidim's lesson: meetings left open), and the community's staff hear once a week of records
waiting for their confirmation."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.core.rules import get_rule_int
from baodao.directory import scope
from baodao.directory.models import Place
from baodao.directory.selectors import city_of
from baodao.notifications.selectors import community_staff
from baodao.notifications.services import notify
from baodao.records.models import Activity, Record


def _moment(today: dt.date) -> dt.datetime:
    if today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(today, dt.time(9)))


def remind_unclosed(*, now: dt.datetime) -> int:
    sent = 0
    cities: dict[int, int] = {}
    rows = Activity.objects.filter(status=Activity.Status.OPEN, ends_at__lt=now - dt.timedelta(days=1))
    for a in rows.select_related("community", "organizer").order_by("ends_at", "id"):
        if a.community_id not in cities:
            cities[a.community_id] = get_rule_int("activity_close_reminder_days", city=city_of(a.community))
        if a.ends_at > now - dt.timedelta(days=cities[a.community_id]):
            continue
        sent += bool(
            notify(
                user=a.organizer,
                title=_("活动「%(t)s」已结束 %(d)s 天，请结束考勤") % {"t": a.title, "d": (now - a.ends_at).days},
                body=_("结束考勤后，未签到的记为未到，签到的党员服务时长才能交社区确认。"),
                url=reverse("records:activity", args=[a.pk]),
                dedupe_key=f"records-unclosed:{a.pk}",
            )
        )
    return sent


def remind_pending(*, now: dt.datetime) -> int:
    """One message a week per community with records waiting for confirmation, to its staff."""
    waiting = Counter(
        Record.objects.filter(status=Record.Status.PENDING).values_list("community_id", flat=True).order_by()
    )
    if not waiting:
        return 0
    week = now.strftime("%G-W%V")
    sent = 0
    communities = Place.objects.in_bulk(list(waiting))
    for place_id, user in ((p, u) for p, users in community_staff(list(waiting)).items() for u in users):
        community = communities[place_id]
        if not scope.is_community_staff_of(user, community):
            continue
        sent += bool(
            notify(
                user=user,
                title=_("%(c)s有 %(n)s 条服务纪实待确认") % {"c": community.name, "n": waiting[community.pk]},
                url=f"{reverse('records:pending')}?community={community.pk}",
                dedupe_key=f"records-pending:{community.pk}:{week}",
            )
        )
    return sent


def daily(today: dt.date) -> dict[str, int]:
    now = _moment(today)
    return {"records_unclosed": remind_unclosed(now=now), "records_pending": remind_pending(now=now)}
