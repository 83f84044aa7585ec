"""Attendance by the rotating code or by the organizer's hand.

A record counts as an activity attended (Record.counts_as_activity) only when it is an attendance —
scanned, marked by hand, a call-up — of at least the rule's minimum minutes
(`record_min_attendance_minutes`); the same test wherever an attendance is made or mended.

Attendance that cannot have happened is refused, the same way by the scan, the API and the
organizer's hand: a check-out before the activity starts, a check-in after it ended. Attendance
that did happen but was shorter than the minimum is recorded as it was, flagged `short_attendance`,
its sign-up marked 时长不足 — and it never counts as an activity attended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.rules import get_rule_int
from baodao.core.transitions import apply
from baodao.directory.models import Member
from baodao.directory.selectors import city_of
from baodao.records import codes
from baodao.records.models import (
    Activity,
    Record,
    RecordEvent,
    Signup,
)
from baodao.records.transitions import RecordConflict, RecordError, signups

from .common import _local
from .counting import _check_attended_span, _served, _set_counting
from .flags import _flag_neighbours, flags_for
from .seats import _take_seat


def _window(activity: Activity) -> dt.timedelta:
    return dt.timedelta(minutes=get_rule_int("record_checkin_window_minutes", city=city_of(activity.community)))


def _check_open(activity: Activity, now: dt.datetime) -> None:
    if activity.status != Activity.Status.OPEN:
        raise RecordError(_("活动%(s)s，不能签到签退") % {"s": activity.get_status_display()})
    w = _window(activity)
    if not (activity.starts_at - w <= now <= activity.ends_at + w):
        raise RecordError(
            _("不在签到时间内：活动 %(s)s—%(e)s，前后 %(m)s 分钟内可以扫码")
            % {"s": _local(activity.starts_at), "e": _local(activity.ends_at), "m": int(w.total_seconds() // 60)}
        )


def check_code(activity: Activity, action: str, slot: int, signature: str, now: dt.datetime) -> None:
    """The scanned code is the current one of this activity and action, inside the window."""
    if not codes.is_valid(activity, action, slot, signature, now=now):
        raise RecordError(_("二维码已过期或无效，请扫描组织者手机上当前显示的二维码"))
    _check_open(activity, now)


def checkin(
    *, activity: Activity, member: Member, slot: int, signature: str, by: User, now: dt.datetime | None = None
) -> Signup:
    """扫码签到: the member scans the code the organizer shows. A member who did not sign up is
    signed up on the spot while seats remain (a walk-in), under the same locks."""
    now = now or timezone.now()
    check_code(activity, "in", slot, signature, now)
    return checkin_scanned(activity=activity, member=member, by=by, now=now)


def checkin_scanned(*, activity: Activity, member: Member, by: User, now: dt.datetime | None = None) -> Signup:
    """Check in after the code was checked (the scan page checked it when it opened)."""
    now = now or timezone.now()
    _check_open(activity, now)
    if now >= activity.ends_at:
        raise RecordError(_("活动已于 %(e)s 结束，不能再签到") % {"e": _local(activity.ends_at)})
    with transaction.atomic():
        row = (
            Signup.objects.select_for_update()
            .filter(activity=activity, member=member)
            .exclude(status=Signup.Status.CANCELLED)
            .first()
        )
        if row is None:
            row = _take_seat(activity, member, by=by, now=now, started_ok=True)
        if row.checkin_at:
            raise RecordConflict(_("您已于 %(t)s 签到") % {"t": _local(row.checkin_at)})
        apply(signups, "check_in", row, by=by, changes={"checkin_at": now}, locked=True)
    return row


def checkout(
    *, activity: Activity, member: Member, slot: int, signature: str, by: User, now: dt.datetime | None = None
) -> Record:
    """扫码签退: the attendance becomes a pending record; the duration is check-out − check-in,
    capped by the activity's span."""
    now = now or timezone.now()
    check_code(activity, "out", slot, signature, now)
    return checkout_scanned(activity=activity, member=member, by=by, now=now)


def checkout_scanned(*, activity: Activity, member: Member, by: User, now: dt.datetime | None = None) -> Record:
    now = now or timezone.now()
    _check_open(activity, now)
    if now <= activity.starts_at:
        raise RecordError(
            _("活动 %(s)s 才开始，开始前不能签退：活动开始前离开不算参加活动") % {"s": _local(activity.starts_at)}
        )
    with transaction.atomic():
        row = (
            Signup.objects.select_for_update()
            .filter(activity=activity, member=member)
            .exclude(status=Signup.Status.CANCELLED)
            .first()
        )
        if row is None or row.checkin_at is None:
            raise RecordError(_("您还没有签到，请先扫签到码"))
        if row.status != Signup.Status.CHECKED_IN:
            raise RecordConflict(_("您已签退"))
        row.checkout_at = now
        record = _attendance_record(row, by=by, source=Record.Source.ACTIVITY)
        RecordEvent.objects.create(
            record=record, kind=RecordEvent.Kind.CHECKED_IN, actor=by, note=_local(row.checkin_at)
        )
        RecordEvent.objects.create(record=record, kind=RecordEvent.Kind.CHECKED_OUT, actor=by, note=_local(now))
    return record


def _attendance_record(signup: Signup, *, by: User, source: str, extra_flags: Sequence[dict[str, str]] = ()) -> Record:
    """The record of a check-out (or a mark by hand, or a close): the time inside the activity's
    span; the sign-up is 已参加, or 时长不足 when it does not count (and is saved here)."""
    activity = signup.activity
    member = signup.member
    assert signup.checkin_at is not None and signup.checkout_at is not None
    start, end, minutes = _served(activity, signup.checkin_at, signup.checkout_at)
    if minutes == 0:
        end = start + dt.timedelta(minutes=1)
    record = Record(
        member=member,
        unit_id=member.unit_id,
        community=activity.community,
        place=activity.place,
        address=activity.address,
        kind=activity.kind,
        activity=activity,
        signup=signup,
        demand=activity.demand,
        starts_at=start,
        ends_at=end,
        minutes=minutes,
        content=activity.title,
        beneficiary="",
        source=source,
        logged_by=by,
    )
    record.flags = flags_for(record, extra=extra_flags)
    _set_counting(record)
    record.save()
    # The sign-up is locked by every caller (or was just made in this transaction).
    times = {f: getattr(signup, f) for f in ("checkin_at", "checkout_at", "manual_reason", "manual_by")}
    apply(signups, "attend" if record.counts_as_activity else "short", signup, by=by, changes=times, locked=True)
    _flag_neighbours(record)
    return record


def attendance_mark(
    *,
    activity: Activity,
    member: Member,
    checkin_at: dt.datetime,
    checkout_at: dt.datetime,
    reason: str,
    by: User,
) -> Record:
    """The organizer marks a member present by hand (no phone, a dead battery): a reason is
    required; the sign-up keeps who marked it and why (audited), the record says 'manual' to the
    confirmer, and times outside the activity are flagged, not silently cut."""
    reason = reason.strip()
    if not reason:
        raise RecordError(_("手工登记考勤必须填写原因"))
    if checkout_at <= checkin_at:
        raise RecordError({"checkout_at": [_("签退时间必须晚于签到时间")]})
    now = timezone.now()
    if checkin_at > now or checkout_at > now + dt.timedelta(minutes=5):
        raise RecordError(
            {"checkout_at" if checkin_at <= now else "checkin_at": [_("不能登记尚未发生的考勤：时间晚于现在")]}
        )
    _check_attended_span(activity, checkin_at, checkout_at)
    with transaction.atomic():
        row = (
            Signup.objects.select_for_update()
            .filter(activity=activity, member=member)
            .exclude(status=Signup.Status.CANCELLED)
            .first()
        )
        if row is None:
            row = _take_seat(activity, member, by=by, now=timezone.now(), started_ok=True)
        if row.status in (Signup.Status.ATTENDED, Signup.Status.SHORT) or hasattr(row, "record"):
            raise RecordConflict(_("%(m)s的考勤已登记") % {"m": member.name})
        row.checkin_at = row.checkin_at or checkin_at
        row.checkout_at = checkout_at
        row.manual_reason = reason[:200]
        row.manual_by = by
        extra = []
        if checkin_at < activity.starts_at or checkout_at > activity.ends_at:
            extra.append(
                {
                    "code": "outside_activity",
                    "text": _("手工登记的时间 %(s)s—%(e)s 超出活动时间，已按活动时间计算")
                    % {"s": _local(checkin_at), "e": _local(checkout_at)},
                }
            )
        record = _attendance_record(row, by=by, source=Record.Source.MANUAL, extra_flags=extra)
        RecordEvent.objects.create(record=record, kind=RecordEvent.Kind.MANUAL, actor=by, note=reason[:300])
    return record
