"""What counts as an activity attended, and the span an attendance may cover.

A record counts as an activity attended (Record.counts_as_activity) only when it is an attendance —
scanned, marked by hand, a call-up — of at least the rule's minimum minutes
(`record_min_attendance_minutes`); the same test wherever an attendance is made or mended.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from baodao.core.rules import get_rule_int
from baodao.directory.models import Place
from baodao.directory.selectors import city_of
from baodao.records.models import (
    Activity,
    Record,
)
from baodao.records.transitions import RecordError

from .common import _local, _minutes


def min_attendance(community: Place) -> int:
    """Minutes on site for an attendance to count as an activity attended (a rule row)."""
    return get_rule_int("record_min_attendance_minutes", city=city_of(community))


def _served(activity: Activity, start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime, int]:
    """The part of [start, end] inside the activity's span, and its minutes."""
    s, e = max(start, activity.starts_at), min(end, activity.ends_at)
    return s, max(e, s), _minutes(s, max(e, s))


def _check_attended_span(
    activity: Activity,
    checkin_at: dt.datetime,
    checkout_at: dt.datetime,
    fields: tuple[str, str] = ("checkin_at", "checkout_at"),
) -> None:
    """Attendance marked (or corrected) by hand that cannot have happened is refused, as the scan
    refuses it: out before the start, in after the end. `fields` name the form's two times."""
    if checkout_at <= activity.starts_at:
        raise RecordError(
            {
                fields[1]: [
                    _("签退时间 %(o)s 不晚于活动开始时间 %(s)s：活动开始前离开不算参加活动，请核对")
                    % {"o": _local(checkout_at), "s": _local(activity.starts_at)}
                ]
            }
        )
    if checkin_at >= activity.ends_at:
        raise RecordError(
            {
                fields[0]: [
                    _("签到时间 %(i)s 不早于活动结束时间 %(e)s：活动结束后到场不算参加活动，请核对")
                    % {"i": _local(checkin_at), "e": _local(activity.ends_at)}
                ]
            }
        )


def counts_as_activity(record: Record) -> bool:
    """An attendance (scanned, by hand, a call-up) of at least the rule's minimum minutes; never
    service the member logged. Asked wherever a record is made or mended."""
    if record.source == Record.Source.LOGGED:
        return False
    return record.minutes >= min_attendance(record.community)


def _short_flag(record: Record) -> dict[str, str]:
    return {
        "code": "short_attendance",
        "text": _("在场 %(m)s 分钟，不足 %(l)s 分钟：计入服务时长，不计为参加活动")
        % {"m": record.minutes, "l": min_attendance(record.community)},
    }


def _set_counting(record: Record) -> None:
    """Decide whether the record counts as an activity attended, and flag it when an attendance
    does not (the confirmer sees why; the flag never blocks)."""
    record.counts_as_activity = counts_as_activity(record)
    record.flags = [f for f in record.flags if f.get("code") != "short_attendance"]
    if record.source != Record.Source.LOGGED and not record.counts_as_activity:
        record.flags.append(_short_flag(record))
