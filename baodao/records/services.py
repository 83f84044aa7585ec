"""Writes of the service record: activities created, signed up to and cancelled, attendance by the
rotating code or by hand, activities closed, service logged, and records confirmed or returned by
the community. Callers asked records.access first (who may); these functions keep the domain's
rules (capacity, overlaps, the code's window, states).

Sign-up is exact under contention (ephios' lesson: lock in a fixed order). The activity's row is
locked first, then the member's: the seat is taken by one conditional UPDATE
(`signed_up < capacity`), a partial unique constraint keeps one live sign-up per member per
activity, and the overlap check runs under the member's row lock, so two sign-ups of one member
cannot both pass it. A CheckConstraint keeps `signed_up <= capacity` whatever happens.

Counting: a confirmed record is counted (records.signals.record_counted, +1), a confirmed record
returned or edited is uncounted first (-1) — in the same transaction, so stats' counters move
exactly when the change commits. A record counts as an activity attended (Record.counts_as_activity)
only when it is an attendance — scanned, marked by hand, a call-up — of at least the rule's minimum
minutes (`record_min_attendance_minutes`); the same test wherever an attendance is made or mended.

Attendance that cannot have happened is refused, the same way by the scan, the API and the
organizer's hand: a check-out before the activity starts, a check-in after it ended. Attendance
that did happen but was shorter than the minimum is recorded as it was, flagged `short_attendance`,
its sign-up marked 时长不足 — and it never counts as an activity attended.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.images import MAX_PHOTO_BYTES, clean_photo
from baodao.core.numbers import hours_text
from baodao.core.rules import get_rule_int
from baodao.core.transitions import apply
from baodao.directory.models import Category, LeaderLink, Member, Place, Unit
from baodao.directory.services import city_of
from baodao.needs.models import Demand
from baodao.notifications.services import group_post
from baodao.records import codes, dates, signals
from baodao.records.models import (
    Activity,
    Callup,
    CallupAnswer,
    Commitment,
    LeaderVisit,
    Pairing,
    Record,
    RecordEvent,
    RecordPhoto,
    ServiceCertificate,
    Signup,
    Team,
    TeamClaim,
    TeamMember,
)
from baodao.records.transitions import RecordConflict, RecordError
from baodao.records.transitions import records as record_flow

__all__ = ["RecordConflict", "RecordError"]  # refused steps, raised by every function here

MAX_PHOTOS = 6
MAX_MINUTES = 24 * 60
# Flags that come from how the record was made, not from its times: an edit keeps them.
STICKY_FLAGS = ("photo_reused", "outside_activity", "no_checkout")


@dataclass
class Aid:
    """Aid given during a service: what and how many, money in yuan, and who gave it."""

    items: str = ""
    count: int = 0
    money: Decimal = Decimal(0)
    donor_kind: str = ""
    donor_name: str = ""

    def check(self) -> None:
        if self.count < 0 or self.money < 0:
            raise RecordError(_("帮扶物资件数和资金不能为负数"))
        if self.money > Decimal("10000000"):
            raise RecordError(_("帮扶资金数额过大，请核对"))
        if self.donor_kind and self.donor_kind not in Record.Donor.values:
            raise RecordError(_("请选择捐助方类型"))
        if (self.count or self.money) and not self.donor_kind:
            raise RecordError(_("登记帮扶物资或资金时请选择捐助方"))


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def _local(value: dt.datetime) -> str:
    return dates.when(value)  # with the year when it is not this year's


# An activity is published at most this far ahead: a date a year off is a typo, not a plan.
ACTIVITY_MAX_AHEAD = dt.timedelta(days=366)


# --- activities -----------------------------------------------------------------------------------


def activity_create(
    *,
    community: Place,
    place: Place,
    kind: Category,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    by: User,
    description: str = "",
    address: str = "",
    audience: str = Activity.Audience.COMMUNITY,
    units: Iterable[Unit] = (),
    team: Team | None = None,
    demand: Demand | None = None,
    organizer_unit: Unit | None = None,
    now: dt.datetime | None = None,
) -> Activity:
    _check_schedule(community, starts_at, ends_at, now=now or timezone.now())
    if capacity < 1:
        raise RecordError(_("人数上限至少为 1"))
    if not (place.path.startswith(community.path)):
        raise RecordError(_("活动地点不在该社区内"))
    if kind.kind != Category.Kind.ACTIVITY_TYPE:
        raise RecordError(_("请选择活动类型"))
    units = list(units)
    if audience == Activity.Audience.UNITS and not units:
        raise RecordError(_("请选择可以报名的单位"))
    if audience == Activity.Audience.TEAM and (team is None or team.community_id != community.pk):
        raise RecordError(_("请选择本社区的服务队"))
    if demand is not None and demand.community_id != community.pk:
        raise RecordError(_("关联的服务项目不属于该社区"))
    with transaction.atomic():
        activity = Activity.objects.create(
            community=community,
            place=place,
            address=address.strip()[:100],
            kind=kind,
            title=title.strip()[:100],
            description=description.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            audience=audience,
            team=team if audience == Activity.Audience.TEAM else None,
            demand=demand,
            organizer=by,
            organizer_unit=organizer_unit,
            secret=secrets.token_hex(16),
        )
        if audience == Activity.Audience.UNITS:
            activity.units.set(units)
        group_post(
            place_id=community.pk,
            text=_("【社区活动】%(t)s\n%(w)s，%(p)s\n限 %(n)s 人，请在“双报到”报名。")
            % {"t": activity.title, "w": _local(starts_at), "p": address or place.name, "n": capacity},
        )
    return activity


def min_attendance(community: Place) -> int:
    """Minutes on site for an attendance to count as an activity attended (a rule row)."""
    return get_rule_int("record_min_attendance_minutes", city=city_of(community))


def _check_schedule(community: Place, starts_at: dt.datetime, ends_at: dt.datetime, *, now: dt.datetime) -> None:
    """An activity is published to be attended: not already over, not more than a year ahead, its
    end after its start, long enough to be attended (each message names its field, and the web
    form shows it under that field)."""
    if ends_at <= starts_at:
        raise RecordError({"ends_at": [_("结束时间必须晚于开始时间")]})
    if ends_at <= now:
        raise RecordError({"ends_at": [_("结束时间 %(e)s 已经过去：不能发布已经结束的活动") % {"e": _local(ends_at)}]})
    if starts_at > now + ACTIVITY_MAX_AHEAD:
        raise RecordError(
            {
                "starts_at": [
                    _("开始时间 %(s)s 在一年以后：活动最多提前一年发布，请核对年份")
                    % {"s": timezone.localtime(starts_at).strftime("%Y-%m-%d")}
                ]
            }
        )
    if ends_at - starts_at > dt.timedelta(days=1):
        raise RecordError({"ends_at": [_("结束时间距开始超过 24 小时：一次活动不超过 24 小时，多日活动请分天创建")]})
    least = min_attendance(community)
    if ends_at - starts_at < dt.timedelta(minutes=least):
        raise RecordError(
            {
                "ends_at": [
                    _("结束时间距开始不足 %(m)s 分钟：在场不足 %(m)s 分钟不计为参加活动，活动至少 %(m)s 分钟")
                    % {"m": least}
                ]
            }
        )


def _why_full(activity_id: int, now: dt.datetime) -> RecordError:
    row = Activity.objects.get(pk=activity_id)
    if row.status != Activity.Status.OPEN:
        return RecordError(_("活动%(s)s，不能报名") % {"s": row.get_status_display()})
    if row.starts_at <= now:
        return RecordError(_("活动已开始，不能再报名"))
    return RecordConflict(_("名额已满（%(n)s/%(c)s）") % {"n": row.signed_up, "c": row.capacity})


def _overlapping(member: Member, start: dt.datetime, end: dt.datetime, *, activity: Activity) -> Signup | None:
    return (
        Signup.objects.filter(member=member, status__in=Signup.LIVE, starts_at__lt=end, ends_at__gt=start)
        .exclude(activity=activity)
        .select_related("activity")
        .first()
    )


def _take_seat(activity: Activity, member: Member, *, by: User, now: dt.datetime, started_ok: bool) -> Signup:
    """Inside a transaction: lock the activity, then the member (the fixed order), take a seat by a
    conditional UPDATE and write the sign-up — or raise with nothing written."""
    Activity.objects.select_for_update().filter(pk=activity.pk).first()
    Member.objects.select_for_update().filter(pk=member.pk).first()
    clash = _overlapping(member, activity.starts_at, activity.ends_at, activity=activity)
    if clash is not None:
        raise RecordConflict(
            _("您已报名同一时间的活动「%(t)s」（%(s)s—%(e)s），不能同时参加")
            % {"t": clash.activity.title, "s": _local(clash.starts_at), "e": _local(clash.ends_at)}
        )
    seats = Activity.objects.filter(pk=activity.pk, status=Activity.Status.OPEN, signed_up__lt=F("capacity"))
    if not started_ok:
        seats = seats.filter(starts_at__gt=now)
    if not seats.update(signed_up=F("signed_up") + 1):
        raise _why_full(activity.pk, now)
    try:
        with transaction.atomic():
            return Signup.objects.create(
                activity=activity, member=member, starts_at=activity.starts_at, ends_at=activity.ends_at
            )
    except IntegrityError as exc:
        raise RecordConflict(_("已报名该活动，不能重复报名")) from exc


def activity_signup(*, activity: Activity, member: Member, by: User, now: dt.datetime | None = None) -> Signup:
    """报名: a seat, exact under contention (see the module's docstring)."""
    now = now or timezone.now()
    with transaction.atomic():
        return _take_seat(activity, member, by=by, now=now, started_ok=False)


def signup_cancel(*, signup: Signup, by: User, now: dt.datetime | None = None) -> Signup:
    """Cancel before the start: the seat goes back."""
    now = now or timezone.now()
    with transaction.atomic():
        Activity.objects.select_for_update().filter(pk=signup.activity_id).first()
        row = Signup.objects.select_for_update().get(pk=signup.pk)
        if row.status != Signup.Status.SIGNED:
            raise RecordConflict(_("该报名已%(s)s，不能取消") % {"s": row.get_status_display()})
        if row.starts_at <= now:
            raise RecordError(_("活动已开始，不能取消报名"))
        row.status = Signup.Status.CANCELLED
        row.cancelled_at = now
        row.save(update_fields=["status", "cancelled_at"])
        Activity.objects.filter(pk=row.activity_id).update(signed_up=F("signed_up") - 1)
    return row


# --- attendance -----------------------------------------------------------------------------------


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


def _served(activity: Activity, start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime, int]:
    """The part of [start, end] inside the activity's span, and its minutes."""
    s, e = max(start, activity.starts_at), min(end, activity.ends_at)
    return s, max(e, s), _minutes(s, max(e, s))


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
        if row.status != Signup.Status.SIGNED:
            raise RecordConflict(
                _("您已于 %(t)s 签到") % {"t": _local(row.checkin_at)}
                if row.checkin_at
                else _("该报名已%(s)s") % {"s": row.get_status_display()}
            )
        row.status = Signup.Status.CHECKED_IN
        row.checkin_at = now
        row.save(update_fields=["status", "checkin_at"])
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
    signup.status = Signup.Status.ATTENDED if record.counts_as_activity else Signup.Status.SHORT
    signup.save(update_fields=["status", "checkin_at", "checkout_at", "manual_reason", "manual_by"])
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


def activity_close(*, activity: Activity, by: User, now: dt.datetime | None = None) -> dict[str, int]:
    """结束考勤: who signed up and never checked in is a no-show; who checked in and not out gets a
    record up to the activity's end, flagged; the activity is closed."""
    now = now or timezone.now()
    out = {"no_show": 0, "not_out": 0}
    with transaction.atomic():
        row = Activity.objects.select_for_update().get(pk=activity.pk)
        if row.status != Activity.Status.OPEN:
            raise RecordConflict(_("活动%(s)s") % {"s": row.get_status_display()})
        if row.ends_at > now:
            raise RecordError(_("活动尚未结束，结束后才能结束考勤"))
        out["no_show"] = row.signups.filter(status=Signup.Status.SIGNED).update(status=Signup.Status.NO_SHOW)
        for signup in (
            row.signups.select_for_update().filter(status=Signup.Status.CHECKED_IN).select_related("member", "activity")
        ):
            signup.checkout_at = row.ends_at
            flag = {"code": "no_checkout", "text": _("未扫码签退，按活动结束时间计算")}
            _attendance_record(signup, by=by, source=Record.Source.ACTIVITY, extra_flags=[flag])
            out["not_out"] += 1
        row.status = Activity.Status.CLOSED
        row.closed_at = now
        row.save(update_fields=["status", "closed_at"])
    return out


def activity_cancel(*, activity: Activity, by: User) -> Activity:
    with transaction.atomic():
        row = Activity.objects.select_for_update().get(pk=activity.pk)
        if row.status != Activity.Status.OPEN:
            raise RecordConflict(_("活动%(s)s") % {"s": row.get_status_display()})
        if row.signups.filter(
            status__in=(Signup.Status.CHECKED_IN, Signup.Status.ATTENDED, Signup.Status.SHORT)
        ).exists():
            raise RecordError(_("已有党员签到，不能取消活动；请结束考勤"))
        row.signups.filter(status=Signup.Status.SIGNED).update(
            status=Signup.Status.CANCELLED, cancelled_at=timezone.now()
        )
        row.status = Activity.Status.CANCELLED
        row.signed_up = 0
        row.save(update_fields=["status", "signed_up"])
    return row


# --- logged service -------------------------------------------------------------------------------


def _photos(record: Record, photos: Sequence[IO[bytes]]) -> list[str]:
    """Store the photos re-encoded; return the hashes of the bytes as uploaded."""
    if len(photos) > MAX_PHOTOS:
        raise RecordError(_("照片最多 %(n)s 张") % {"n": MAX_PHOTOS})
    hashes = []
    for i, upload in enumerate(photos, 1):
        data = upload.read(MAX_PHOTO_BYTES + 1)
        clean = clean_photo(io.BytesIO(data), name=_("第 %(i)s 张照片") % {"i": i})
        digest = hashlib.sha256(data).hexdigest()
        RecordPhoto.objects.create(record=record, image=clean, sha256=digest)
        hashes.append(digest)
    return hashes


def record_log(
    *,
    member: Member,
    community: Place,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    content: str,
    by: User,
    place: Place | None = None,
    address: str = "",
    beneficiary: str = "",
    kind: Category | None = None,
    demand: Demand | None = None,
    photos: Sequence[IO[bytes]] = (),
    now: dt.datetime | None = None,
    pairing: Pairing | None = None,
    aid: Aid | None = None,
) -> Record:
    """A member logs service done outside an activity (a claimed item, a visit to a paired
    household, a 三长 duty), with the aid given if any. Pending until the community confirms it;
    flagged, never blocked."""
    now = now or timezone.now()
    aid = aid or Aid()
    aid.check()
    if pairing is not None and (pairing.member_id != member.pk or pairing.ended_on is not None):
        raise RecordError(_("只能登记本人正在进行的结对帮扶走访"))
    if not content.strip():
        raise RecordError(_("请填写服务内容"))
    if ends_at <= starts_at:
        raise RecordError(_("结束时间必须晚于开始时间"))
    if ends_at > now + dt.timedelta(minutes=5):
        raise RecordError(_("不能登记尚未发生的服务"))
    if _minutes(starts_at, ends_at) > MAX_MINUTES:
        raise RecordError(_("一条纪实不超过 24 小时；多日服务请分天登记"))
    if place is not None and not place.path.startswith(community.path):
        raise RecordError(_("服务地点不在该社区内"))
    if demand is not None and demand.community_id != community.pk:
        raise RecordError(_("关联的服务项目不属于该社区"))
    with transaction.atomic():
        record = Record(
            member=member,
            unit_id=member.unit_id,
            community=community,
            place=place,
            address=address.strip()[:100],
            kind=kind,
            demand=demand,
            starts_at=starts_at,
            ends_at=ends_at,
            minutes=_minutes(starts_at, ends_at),
            content=content.strip(),
            beneficiary=beneficiary.strip()[:200],
            source=Record.Source.LOGGED,
            logged_by=by,
            pairing=pairing,
            aid_items=aid.items.strip()[:200],
            aid_count=aid.count,
            aid_money=aid.money,
            donor_kind=aid.donor_kind,
            donor_name=aid.donor_name.strip()[:100],
        )
        record.save()
        hashes = _photos(record, photos)
        record.flags = flags_for(record, photo_hashes=hashes, now=now)
        record.save(update_fields=["flags"])
        _flag_neighbours(record)
        RecordEvent.objects.create(record=record, kind=RecordEvent.Kind.LOGGED, actor=by)
    return record


# --- integrity flags ------------------------------------------------------------------------------


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


# --- confirmation ---------------------------------------------------------------------------------


def own_record(record: Record, by: User) -> bool:
    """A confirmer may not confirm a record they logged or one of themselves."""
    member_id = getattr(getattr(by, "member", None), "pk", None)
    return record.logged_by_id == by.pk or (member_id is not None and record.member_id == member_id)


def _pending_row(record: Record, by: User, *, refused_own: str) -> Record:
    """Lock the record's row and refuse the decision of whoever logged it or is its member."""
    row = Record.objects.select_for_update().get(pk=record.pk)
    if own_record(row, by):
        raise RecordError(refused_own)
    return row


def record_confirm(*, record: Record, by: User, now: dt.datetime | None = None) -> Record:
    """确认: the record counts from now (records.transitions counts it and tells its owner)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _pending_row(record, by, refused_own=_("不能确认自己登记或自己的纪实"))
        if row.status != Record.Status.PENDING:
            raise RecordConflict(_("该纪实%(s)s") % {"s": row.get_status_display()})
        return apply(
            record_flow, "confirm", row, by=by, changes={"decided_by": by, "decided_at": now, "return_reason": ""}
        )


def records_confirm(*, records: Iterable[Record], by: User) -> tuple[list[Record], list[tuple[Record, str]]]:
    """Batch confirmation: each record in its own transaction; the refused ones are named."""
    done: list[Record] = []
    refused: list[tuple[Record, str]] = []
    for record in records:
        try:
            done.append(record_confirm(record=record, by=by))
        except RecordError as exc:
            refused.append((record, "；".join(exc.messages)))
    return done, refused


def record_return(*, record: Record, by: User, reason: str, now: dt.datetime | None = None) -> Record:
    """退回 with a reason the owner reads (and is told of, with a link to mend it); a confirmed
    record returned stops counting."""
    reason = reason.strip()
    if not reason:
        raise RecordError(_("请填写退回原因"))
    now = now or timezone.now()
    with transaction.atomic():
        row = _pending_row(record, by, refused_own=_("不能处理自己登记或自己的纪实"))
        if row.status == Record.Status.RETURNED:
            raise RecordConflict(_("该纪实已退回"))
        return apply(
            record_flow,
            "return",
            row,
            by=by,
            changes={"decided_by": by, "decided_at": now, "return_reason": reason[:200]},
            note=reason[:300],
        )


def _version_of(row: Record) -> dict[str, object]:
    """A version of the record as it was, kept in the timeline event of the correction that replaced it."""
    s, e = timezone.localtime(row.starts_at), timezone.localtime(row.ends_at)
    return {
        "version": row.version,
        "when": f"{s:%Y-%m-%d %H:%M}—{e:%H:%M}" if s.date() == e.date() else f"{s:%Y-%m-%d %H:%M}—{e:%Y-%m-%d %H:%M}",
        "starts_at": s.isoformat(),
        "ends_at": e.isoformat(),
        "minutes": row.minutes,
        "content": row.content,
        "beneficiary": row.beneficiary,
        "address": row.address,
        "place": str(row.place) if row.place_id else "",
        "kind": str(row.kind) if row.kind_id else "",
        "status": row.status,
        "return_reason": row.return_reason,
        "counts_as_activity": row.counts_as_activity,
        "flags": row.flags,
    }


_UNCHANGED = object()


def record_edit(
    *,
    record: Record,
    by: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    content: str,
    beneficiary: str = "",
    place: Place | None | object = _UNCHANGED,
    address: str | None = None,
    kind: Category | None | object = _UNCHANGED,
    now: dt.datetime | None = None,
) -> Record:
    """Correct a record: a new version, the one it replaces kept in the timeline event. A returned
    record corrected goes back to pending (the `resubmit` transition: the community's staff hear of
    it); a pending or confirmed one (corrected by staff) keeps its status, and a confirmed one's
    counts move by the difference. Callers asked records.access who may (a member mends only what
    the member logged)."""
    now = now or timezone.now()
    if ends_at <= starts_at:
        raise RecordError({"ends_at": [_("结束时间必须晚于开始时间")]})
    if ends_at > now + dt.timedelta(minutes=5):
        raise RecordError({"ends_at": [_("结束时间晚于现在：不能登记尚未发生的服务")]})
    if _minutes(starts_at, ends_at) > MAX_MINUTES:
        raise RecordError({"ends_at": [_("一条纪实不超过 24 小时；多日服务请分天登记")]})
    if not content.strip():
        raise RecordError({"content": [_("请填写服务内容")]})
    with transaction.atomic():
        row = Record.objects.select_for_update(of=("self",)).select_related("activity", "community").get(pk=record.pk)
        if isinstance(place, Place) and not place.path.startswith(row.community.path):
            raise RecordError({"place": [_("服务地点不在该社区内")]})
        if row.activity_id:
            _check_attended_span(row.activity, starts_at, ends_at, ("starts_at", "ends_at"))  # type: ignore[arg-type]
        previous = _version_of(row)
        was = dates.span(row.starts_at, row.ends_at)
        counted = row.status == Record.Status.CONFIRMED
        if counted:
            signals.record_counted.send(sender=Record, record=row, sign=-1)
        row.starts_at, row.ends_at = starts_at, ends_at
        if row.activity_id:
            _s, _e, minutes = _served(row.activity, starts_at, ends_at)  # type: ignore[arg-type]
            row.minutes = minutes
        else:
            row.minutes = _minutes(starts_at, ends_at)
        row.content = content.strip()
        row.beneficiary = beneficiary.strip()[:200]
        if place is not _UNCHANGED:
            row.place = place  # type: ignore[assignment]
        if address is not None:
            row.address = address.strip()[:100]
        if kind is not _UNCHANGED:
            row.kind = kind  # type: ignore[assignment]
        row.version += 1
        kept = [f for f in row.flags if f.get("code") in STICKY_FLAGS]
        row.flags = flags_for(row, extra=kept, now=now)
        _set_counting(row)
        row.save()
        note = _("第 %(v)s 版：%(o)s → %(n)s") % {
            "v": row.version,
            "o": was,
            "n": dates.span(row.starts_at, row.ends_at),
        }
        if row.status == Record.Status.RETURNED:
            # The version replaced goes into the resubmission's timeline event (transitions._event
            # reads it from the row the transition locked).
            return apply(
                record_flow,
                "resubmit",
                row,
                by=by,
                note=note,
                check=lambda locked: setattr(locked, "_previous_version", previous),
            )
        RecordEvent.objects.create(record=row, kind=RecordEvent.Kind.EDITED, actor=by, note=note, previous=previous)
        if counted:
            signals.record_counted.send(sender=Record, record=row, sign=1)
    return row


# --- the service-record certificate ----------------------------------------------------------------


def certificate_issue(
    *, member: Member, community: Place, starts_on: dt.date, ends_on: dt.date, by: User
) -> ServiceCertificate:
    """志愿服务记录证明 of the member's confirmed records in the community over the period."""
    from collections import defaultdict

    if ends_on < starts_on:
        raise RecordError(_("截止日期不能早于起始日期"))
    if ends_on > timezone.localdate():
        raise RecordError(_("截止日期不能晚于今天"))
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(starts_on, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = Record.objects.filter(
        member=member, community=community, status=Record.Status.CONFIRMED, starts_at__gte=start, starts_at__lt=end
    ).select_related("kind")
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    activities = logged = 0
    for r in rows:
        k = by_kind[r.kind.name if r.kind else _("其他服务")]
        k[0] += 1
        k[1] += r.minutes
        activities += r.counts_as_activity
        logged += r.source == Record.Source.LOGGED
    if not by_kind:
        raise RecordError(_("该时段内在%(c)s没有经社区确认的服务纪实，不能出具证明") % {"c": community.name})
    contact = certificate_contact(community, by)
    with transaction.atomic():
        cert = ServiceCertificate.objects.create(
            number=f"ZY{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}",
            token=secrets.token_urlsafe(16)[:22],
            member=member,
            community=community,
            starts_on=starts_on,
            ends_on=ends_on,
            records=sum(v[0] for v in by_kind.values()),
            activities=activities,
            logged=logged,
            minutes=sum(v[1] for v in by_kind.values()),
            summary=sorted(([k, v[0], v[1]] for k, v in by_kind.items()), key=lambda x: -x[2]),
            contact=contact,
            issued_by=by,
        )
    return cert


def certificate_contact(community: Place, issuer: User | None) -> str:
    """出具单位联系人 of a certificate: a staff member of the issuing community (the issuer when the
    issuer is one, else one with a mobile first), by name and mobile — a name alone when no staff
    account has a mobile; "" only when the community has no staff account at all."""
    from baodao.accounts.models import Role, RoleAssignment

    grants = RoleAssignment.objects.filter(
        role=Role.COMMUNITY_STAFF, place=community, is_active=True, user__is_active=True
    ).select_related("user")
    staff = list(dict.fromkeys(ra.user for ra in grants.order_by("id")))
    if not staff:
        return ""
    # The issuer first, then whoever can be called (the mobile is encrypted: read per user).
    staff.sort(key=lambda u: (issuer is None or u.pk != issuer.pk, not u.mobile))
    first = staff[0]
    return " ".join(x for x in (first.display_name or first.username, first.mobile) if x)[:100]


def certificate_revoke(*, certificate: ServiceCertificate, by: User, reason: str) -> ServiceCertificate:
    if not reason.strip():
        raise RecordError(_("请填写作废原因"))
    with transaction.atomic():
        row = ServiceCertificate.objects.select_for_update().get(pk=certificate.pk)
        if row.revoked_at is not None:
            raise RecordConflict(_("该证明已作废"))
        row.revoked_at = timezone.now()
        row.revoke_reason = reason.strip()[:200]
        row.save(update_fields=["revoked_at", "revoke_reason"])
    return row


# --- volunteer teams (服务队) -----------------------------------------------------------------------


def _join(team: Team, member: Member, role: str = TeamMember.Role.MEMBER) -> TeamMember | None:
    """Add the member to the team unless already in it; None when already in."""
    try:
        with transaction.atomic():
            return TeamMember.objects.create(team=team, member=member, role=role)
    except IntegrityError:
        return None


def team_create(
    *, community: Place, kind: Category, name: str, leader: Member, by: User, unit: Unit | None = None
) -> Team:
    """A community's volunteer team of a type, its leader chosen from the reported members (队长负责制).
    Members reported to the community who chose this type when reporting join at once: what the
    registration asked is not asked twice.

    With `unit`: the unit's own 服务队 / 突击队 in a community it is assigned to [seed 001], led by
    one of its members reported there; only the unit's members join it (they join on the phone)."""
    from baodao.directory.models import UnitAssignment
    from baodao.reporting.models import MemberReport

    if kind.kind != Category.Kind.TEAM_TYPE:
        raise RecordError(_("请选择服务队类型"))
    default = f"{unit.name}{kind.name}服务队" if unit else f"{community.name}{kind.name}服务队"
    name = name.strip() or default
    reported = MemberReport.objects.filter(community=community, status=MemberReport.Status.CONFIRMED)
    if not reported.filter(member=leader).exists():
        raise RecordError(_("队长须是已向本社区报到的党员"))
    if unit is not None:
        if leader.unit_id != unit.pk:
            raise RecordError(_("单位服务队的队长须是本单位的党员"))
        if not UnitAssignment.objects.filter(unit=unit, community=community, ended_on__isnull=True).exists():
            raise RecordError(_("只能在本单位联系的社区组建服务队"))
    try:
        with transaction.atomic():
            team = Team.objects.create(community=community, unit=unit, kind=kind, name=name[:100], created_by=by)
            TeamMember.objects.create(team=team, member=leader, role=TeamMember.Role.LEADER)
            if unit is None:
                chose = reported.filter(team_types=kind).exclude(member=leader).select_related("member")
                for report in chose:
                    _join(team, report.member)
    except IntegrityError as exc:
        raise RecordConflict(_("本社区已有名为「%(n)s」的服务队") % {"n": name}) from exc
    return team


def team_join(*, team: Team, member: Member, by: User) -> TeamMember:
    if not team.is_active:
        raise RecordError(_("该服务队已停用"))
    if team.unit_id is not None and member.unit_id != team.unit_id:
        raise RecordError(_("「%(t)s」是单位服务队，只有本单位的党员可以加入") % {"t": team.name})
    row = _join(team, member)
    if row is None:
        raise RecordConflict(_("已是「%(t)s」的队员") % {"t": team.name})
    return row


def team_leave(*, team: Team, member: Member, by: User) -> TeamMember:
    with transaction.atomic():
        row = TeamMember.objects.select_for_update().filter(team=team, member=member, left_at__isnull=True).first()
        if row is None:
            raise RecordConflict(_("不是「%(t)s」的队员") % {"t": team.name})
        if row.role == TeamMember.Role.LEADER:
            raise RecordError(_("队长不能直接退出，请社区先另选队长"))
        row.left_at = timezone.now()
        row.save(update_fields=["left_at"])
    return row


def team_set_leader(*, team: Team, member: Member, by: User) -> TeamMember:
    """A new leader, chosen by the community among the team's members; the old one stays a member."""
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()
        row = TeamMember.objects.filter(team=team, member=member, left_at__isnull=True).first()
        if row is None:
            raise RecordError(_("队长须先是本队队员"))
        TeamMember.objects.filter(team=team, role=TeamMember.Role.LEADER, left_at__isnull=True).update(
            role=TeamMember.Role.MEMBER
        )
        row.role = TeamMember.Role.LEADER
        row.save(update_fields=["role"])
    return row


def teams_join_chosen(*, report: object) -> int:
    """On a confirmed report: join the community's teams of the types the member chose (not units'
    own teams: those are joined by their unit's members themselves)."""
    from baodao.reporting.models import MemberReport

    assert isinstance(report, MemberReport)
    teams = Team.objects.filter(
        community_id=report.community_id, unit__isnull=True, is_active=True, kind__in=report.team_types.all()
    )
    return sum(_join(t, report.member) is not None for t in teams)


# --- pairing (结对帮扶) -------------------------------------------------------------------------------


def pairing_create(*, member: Member, resident: object, need: str, by: User) -> Pairing:
    """The community pairs a reported member with a resident household in need."""
    from baodao.directory.models import Resident
    from baodao.directory.services import community_of
    from baodao.reporting.models import MemberReport

    assert isinstance(resident, Resident)
    if not need.strip():
        raise RecordError(_("请填写帮扶需求"))
    community = community_of(resident.residence)
    if (
        community is None
        or not MemberReport.objects.filter(
            member=member, community=community, status=MemberReport.Status.CONFIRMED
        ).exists()
    ):
        raise RecordError(_("结对党员须已向该户所在社区报到"))
    try:
        with transaction.atomic():
            return Pairing.objects.create(
                member=member,
                resident=resident,
                community=community,
                need=need.strip()[:200],
                started_on=timezone.localdate(),
                created_by=by,
            )
    except IntegrityError as exc:
        raise RecordConflict(_("%(m)s已与该户结对") % {"m": member.name}) from exc


def pairing_end(*, pairing: Pairing, by: User) -> Pairing:
    with transaction.atomic():
        row = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if row.ended_on is not None:
            raise RecordConflict(_("该结对已结束"))
        row.ended_on = timezone.localdate()
        row.save(update_fields=["ended_on"])
    return row


# --- urgent call-ups (应急动员) ------------------------------------------------------------------------


def callup_members(callup: Callup) -> QuerySet[Member]:
    """Who is called: a team's members, else the members reported to the community (living in the
    compound when one is named)."""
    from baodao.reporting.models import MemberReport

    if callup.team_id:
        return Member.objects.filter(
            volunteer_teams__team_id=callup.team_id, volunteer_teams__left_at__isnull=True
        ).distinct()
    reported = MemberReport.objects.filter(community_id=callup.community_id, status=MemberReport.Status.CONFIRMED)
    members = Member.objects.filter(pk__in=reported.values("member_id"), status=Member.Status.IN_SERVICE)
    if callup.place_id and callup.place is not None:
        members = members.filter(residence__path__startswith=callup.place.path)
    return members


def callup_create(
    *,
    community: Place,
    title: str,
    address: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    needed: int,
    by: User,
    place: Place | None = None,
    team: Team | None = None,
) -> Callup:
    if not title.strip() or not address.strip():
        raise RecordError(_("请填写任务和集合地点"))
    if ends_at <= starts_at:
        raise RecordError(_("结束时间必须晚于开始时间"))
    if needed < 1:
        raise RecordError(_("需要人数至少为 1"))
    if place is not None and not place.path.startswith(community.path):
        raise RecordError(_("小区不在该社区内"))
    if team is not None and team.community_id != community.pk:
        raise RecordError(_("请选择本社区的服务队"))
    with transaction.atomic():
        group_post(
            place_id=community.pk,
            text=_("【应急动员】%(t)s\n%(w)s，%(a)s，需要 %(n)s 人。能到场的请在“双报到”回复。")
            % {"t": title.strip(), "w": _local(starts_at), "a": address.strip(), "n": needed},
        )
        callup = Callup.objects.create(
            community=community,
            place=place,
            team=team,
            title=title.strip()[:100],
            address=address.strip()[:100],
            starts_at=starts_at,
            ends_at=ends_at,
            needed=needed,
            created_by=by,
        )
    _tell_called(callup)
    return callup


def _tell_called(callup: Callup) -> None:
    """Everyone called hears of it (in-app and the outside channels), once, after the commit."""
    from django.urls import reverse

    from baodao.accounts.models import Role, RoleAssignment
    from baodao.notifications.services import notify

    members = callup_members(callup).values("pk")
    users = RoleAssignment.objects.filter(role=Role.MEMBER, is_active=True, member_id__in=members).select_related(
        "user"
    )
    url = reverse("records:callup", args=[callup.pk])
    for ra in users:
        notify(
            user=ra.user,
            title=_("应急动员：%(t)s") % {"t": callup.title},
            body=_("%(w)s，%(a)s，需要 %(n)s 人。能否到场？请在手机上回复。")
            % {"w": _local(callup.starts_at), "a": callup.address, "n": callup.needed},
            url=url,
            dedupe_key=f"callup:{callup.pk}",
        )


def callup_answer(*, callup: Callup, member: Member, coming: bool, by: User) -> CallupAnswer:
    """能到场 / 来不了: one answer per member, changeable while the call-up is open."""
    with transaction.atomic():
        row = Callup.objects.select_for_update().get(pk=callup.pk)
        if row.status != Callup.Status.OPEN or row.ends_at <= timezone.now():
            raise RecordConflict(_("该动员已结束"))
        answer, _created = CallupAnswer.objects.update_or_create(
            callup=callup, member=member, defaults={"coming": coming}
        )
    return answer


def callup_headcount(callup: Callup) -> dict[str, int]:
    rows = callup.answers.all()
    return {
        "called": callup_members(callup).count(),
        "coming": rows.filter(coming=True).count(),
        "not_coming": rows.filter(coming=False).count(),
        "attended": rows.filter(attended=True).count(),
    }


def callup_attend(*, callup: Callup, members: Iterable[Member], by: User) -> int:
    """Who came: each gets a record of the call-up (pending, as every record); returns how many."""
    made = 0
    with transaction.atomic():
        Callup.objects.select_for_update().filter(pk=callup.pk).first()
        called = set(callup_members(callup).values_list("pk", flat=True))
        for member in members:
            if member.pk not in called:
                raise RecordError(_("%(m)s不在这次动员的范围内") % {"m": member.name})
            answer, _c = CallupAnswer.objects.get_or_create(callup=callup, member=member, defaults={"coming": True})
            if answer.attended:
                continue
            answer.attended = True
            answer.save(update_fields=["attended"])
            record = Record(
                member=member,
                unit_id=member.unit_id,
                community_id=callup.community_id,
                place_id=callup.place_id,
                address=callup.address,
                callup=callup,
                starts_at=callup.starts_at,
                ends_at=callup.ends_at,
                minutes=_minutes(callup.starts_at, callup.ends_at),
                content=_("应急动员：%(t)s") % {"t": callup.title},
                source=Record.Source.CALLUP,
                logged_by=by,
            )
            record.flags = flags_for(record)
            _set_counting(record)
            record.save()
            _flag_neighbours(record)
            RecordEvent.objects.create(record=record, kind=RecordEvent.Kind.MANUAL, actor=by, note=_("应急动员到场"))
            made += 1
    return made


def callup_close(*, callup: Callup, by: User) -> Callup:
    with transaction.atomic():
        row = Callup.objects.select_for_update().get(pk=callup.pk)
        if row.status != Callup.Status.OPEN:
            raise RecordConflict(_("该动员已结束"))
        row.status = Callup.Status.CLOSED
        row.save(update_fields=["status"])
    return row


# --- a unit's own records and public commitments ----------------------------------------------------


def record_log_unit(
    *,
    unit: Unit,
    community: Place,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    content: str,
    by: User,
    kind: Category | None = None,
    now: dt.datetime | None = None,
) -> Record:
    """A unit's own record (its 实事, a party lecture, a theme party day): pending until the
    community confirms it, as every record."""
    now = now or timezone.now()
    if not content.strip():
        raise RecordError(_("请填写服务内容"))
    if ends_at <= starts_at:
        raise RecordError(_("结束时间必须晚于开始时间"))
    if ends_at > now + dt.timedelta(minutes=5):
        raise RecordError(_("不能登记尚未发生的服务"))
    with transaction.atomic():
        record = Record.objects.create(
            unit=unit,
            community=community,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            minutes=_minutes(starts_at, ends_at),
            content=content.strip(),
            source=Record.Source.LOGGED,
            logged_by=by,
        )
        RecordEvent.objects.create(record=record, kind=RecordEvent.Kind.LOGGED, actor=by)
    return record


def _within(text: str, field: str, what: str) -> str:
    """`text` stripped, refused (never cut) when longer than the model's field allows."""
    limit = getattr(Commitment._meta.get_field(field), "max_length", None) or 0
    text = text.strip()
    if len(text) > limit:
        raise RecordError(
            _("%(w)s不能超过 %(n)s 字（现有 %(m)s 字），请精简后再提交") % {"w": what, "n": limit, "m": len(text)}
        )
    return text


def commitment_make(*, unit: Unit, community: Place, text: str, by: User, year: int | None = None) -> Commitment:
    text = _within(text, "text", _("承诺内容"))
    if not text:
        raise RecordError(_("请填写承诺内容"))
    return Commitment.objects.create(
        unit=unit,
        community=community,
        year=year or timezone.localdate().year,
        text=text,
        created_by=by,
    )


def _promised(commitment: Commitment, doing: str) -> Commitment:
    """The commitment's row, locked, while it is still only promised (else refused, saying why)."""
    row = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if row.status != Commitment.Status.PROMISED:
        raise RecordConflict(_("该承诺%(s)s，不能再%(d)s") % {"s": row.get_status_display(), "d": doing})
    return row


def commitment_edit(*, commitment: Commitment, text: str, by: User) -> Commitment:
    """The unit rewords a commitment before it is kept (the bulletin shows the new words)."""
    text = _within(text, "text", _("承诺内容"))
    if not text:
        raise RecordError(_("请填写承诺内容"))
    with transaction.atomic():
        row = _promised(commitment, _("修改"))
        row.text = text
        row.save(update_fields=["text"])
    return row


def commitment_withdraw(*, commitment: Commitment, by: User) -> Commitment:
    """The unit withdraws a commitment before it is kept: off the bulletin and the year's count,
    kept on the unit's page as withdrawn."""
    with transaction.atomic():
        row = _promised(commitment, _("撤回"))
        row.status = Commitment.Status.WITHDRAWN
        row.save(update_fields=["status"])
    return row


def commitment_keep(*, commitment: Commitment, by: User, note: str) -> Commitment:
    """The community marks a commitment kept (兑现), with what was done."""
    note = _within(note, "done_note", _("兑现情况"))
    with transaction.atomic():
        row = _promised(commitment, _("确认兑现"))
        row.status = Commitment.Status.DONE
        row.done_note = note
        row.done_at = timezone.now()
        row.save(update_fields=["status", "done_note", "done_at"])
    return row


# --- city leaders' weekly visits (市级领导调研) ------------------------------------------------------


def leader_visit_log(
    *, link: LeaderLink, place: Place, visited_on: dt.date, content: str, by: User, today: dt.date | None = None
) -> LeaderVisit:
    """The leader (or the community's staff for the leader) logs a visit to a compound of the linked
    community; pending until the community confirms it. One a day per compound (409 on a second)."""
    content = content.strip()
    if not content:
        raise RecordError(_("请填写调研内容"))
    today = today or timezone.localdate()
    if visited_on > today:
        raise RecordError(_("调研日期不能晚于今天"))
    if visited_on < link.start_on:
        raise RecordError(_("调研日期早于联系该社区的开始日期（%(d)s）") % {"d": link.start_on})
    community = link.community
    # A compound, or a grid where the community is organized by grids (网格 stand for compounds).
    if place.kind not in (Place.Kind.COMPOUND, Place.Kind.GRID) or not place.path.startswith(community.path):
        raise RecordError(_("调研地点须是%(c)s的小区或网格") % {"c": community.name})
    try:
        with transaction.atomic():
            return LeaderVisit.objects.create(
                link=link, community=community, place=place, visited_on=visited_on, content=content[:2000], logged_by=by
            )
    except IntegrityError as exc:
        raise RecordConflict(_("%(p)s %(d)s 的调研已登记") % {"p": place.name, "d": visited_on}) from exc


def leader_visit_decide(
    *, visit: LeaderVisit, by: User, confirm: bool, reason: str = "", now: dt.datetime | None = None
) -> LeaderVisit:
    """确认 or 退回 (with a reason) a pending visit; never by whoever logged it or by the leader."""
    reason = reason.strip()
    if not confirm and not reason:
        raise RecordError(_("请填写退回原因"))
    with transaction.atomic():
        row = LeaderVisit.objects.select_for_update(of=("self",)).select_related("link").get(pk=visit.pk)
        if row.logged_by_id == by.pk or row.link.user_id == by.pk:
            raise RecordError(_("不能确认或退回自己登记的调研"))
        if row.status != LeaderVisit.Status.PENDING:
            raise RecordConflict(_("该调研记录已%(s)s") % {"s": row.get_status_display()})
        row.status = LeaderVisit.Status.CONFIRMED if confirm else LeaderVisit.Status.RETURNED
        row.decided_by = by
        row.decided_at = now or timezone.now()
        row.return_reason = "" if confirm else reason[:200]
        row.save(update_fields=["status", "decided_by", "decided_at", "return_reason"])
    return row


# --- a volunteer team claims a group item ---------------------------------------------------------


def team_item_claim(*, team: Team, demand: Demand, by: User) -> TeamClaim:
    """The team's leader claims a group item (组团认领) of the team's community for the team. The
    claim is the three lists' own, taken exactly as any claim (row lock, conditional update,
    constraints); held by the leader, marked as the team's. 409 when full or already held."""
    from baodao.needs import services as needs_services

    if not team.is_active:
        raise RecordError(_("该服务队已停用"))
    if demand.size != Demand.Size.TEAM:
        raise RecordError(_("服务队只能认领“组团认领”的服务项目"))
    if demand.community_id != team.community_id:
        raise RecordError(_("只能认领本社区的服务项目"))
    leader = (
        TeamMember.objects.filter(team=team, role=TeamMember.Role.LEADER, left_at__isnull=True)
        .select_related("member")
        .first()
    )
    if leader is None:
        raise RecordError(_("服务队还没有队长，请社区先指定队长"))
    with transaction.atomic():
        claim = needs_services.item_claim(demand=demand, party=leader.member, by=by)
        return TeamClaim.objects.create(team=team, claim=claim)
