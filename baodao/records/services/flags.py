"""Integrity flags (诚信标记) on a record: what its times, place and photos say about it, and its neighbours'."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.core.numbers import hours_text
from baodao.core.rules import get_rule_int
from baodao.directory.selectors import city_of
from baodao.records.models import (
    Record,
    RecordPhoto,
    Signup,
)

from .common import _local


def flags_for(
    record: Record,
    *,
    photo_hashes: Sequence[str] = (),
    extra: Sequence[dict[str, str]] = (),
    now: dt.datetime | None = None,
) -> list[dict[str, str]]:
    """Why a confirmer should look twice, each flag explaining itself. They never block."""
    now = now or timezone.now()
    flags: list[dict[str, str]] = list(extra)
    city = city_of(record.community)
    if record.member_id:
        live = Record.objects.filter(member_id=record.member_id).exclude(status=Record.Status.RETURNED)
        if record.pk:
            live = live.exclude(pk=record.pk)
        clash = live.filter(starts_at__lt=record.ends_at, ends_at__gt=record.starts_at).order_by("starts_at").first()
        if clash is not None:
            flags.append(
                {
                    "code": "overlap",
                    "text": _("与同一党员的另一条纪实时间重叠：%(c)s（%(s)s—%(e)s）")
                    % {"c": clash.content[:30], "s": _local(clash.starts_at), "e": _local(clash.ends_at)},
                }
            )
        day = timezone.localtime(record.starts_at).date()
        day_start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        same_day = live.filter(starts_at__gte=day_start, starts_at__lt=day_start + dt.timedelta(days=1))
        total = (same_day.aggregate(m=Sum("minutes"))["m"] or 0) + record.minutes
        limit = get_rule_int("record_max_hours_per_day", city=city)
        if total > limit * 60:
            flags.append(
                {
                    "code": "day_hours",
                    "text": _("%(d)s 当天合计服务 %(h)s 小时，超过 %(l)s 小时")
                    % {"d": day.isoformat(), "h": hours_text(total), "l": limit},
                }
            )
        if record.source == Record.Source.LOGGED:
            elsewhere = (
                Signup.objects.filter(member_id=record.member_id, checkin_at__isnull=False)
                .filter(checkin_at__lt=record.ends_at)
                .filter(Q(checkout_at__gt=record.starts_at) | Q(checkout_at__isnull=True, ends_at__gt=record.starts_at))
                .select_related("activity")
                .first()
            )
            if elsewhere is not None:
                flags.append(
                    {
                        "code": "checked_in_elsewhere",
                        "text": _("登记时段内该党员正在「%(t)s」签到（%(p)s）")
                        % {"t": elsewhere.activity.title, "p": elsewhere.activity.address or elsewhere.activity.place},
                    }
                )
    if photo_hashes:
        reused = RecordPhoto.objects.filter(sha256__in=photo_hashes)
        if record.pk:
            reused = reused.exclude(record_id=record.pk)
        other = reused.select_related("record").first()
        if other is not None:
            flags.append(
                {
                    "code": "photo_reused",
                    "text": _("照片与 %(d)s 的另一条纪实「%(c)s」相同")
                    % {
                        "d": timezone.localtime(other.record.starts_at).date().isoformat(),
                        "c": other.record.content[:30],
                    },
                }
            )
    late = get_rule_int("record_late_days", city=city)
    if record.source == Record.Source.LOGGED and now - record.ends_at > dt.timedelta(days=late):
        flags.append(
            {
                "code": "late",
                "text": _("服务结束 %(n)s 天后才登记（超过 %(l)s 天）") % {"n": (now - record.ends_at).days, "l": late},
            }
        )
    if record.activity_id and record.activity is not None and record.minutes > record.activity.minutes:
        flags.append(
            {
                "code": "longer_than_activity",
                "text": _("时长 %(m)s 分钟超过活动时长 %(a)s 分钟")
                % {"m": record.minutes, "a": record.activity.minutes},
            }
        )
    return flags


def _flag_neighbours(record: Record) -> None:
    """A new record that overlaps older pending ones flags them too: the confirmer of either sees it."""
    if not record.member_id:
        return
    older = Record.objects.filter(
        member_id=record.member_id,
        status=Record.Status.PENDING,
        starts_at__lt=record.ends_at,
        ends_at__gt=record.starts_at,
    ).exclude(pk=record.pk)
    for row in older:
        if any(f.get("code") == "overlap" for f in row.flags):
            continue
        row.flags = [
            *row.flags,
            {
                "code": "overlap",
                "text": _("与同一党员的另一条纪实时间重叠：%(c)s（%(s)s—%(e)s）")
                % {"c": record.content[:30], "s": _local(record.starts_at), "e": _local(record.ends_at)},
            },
        ]
        row.save(update_fields=["flags"])
