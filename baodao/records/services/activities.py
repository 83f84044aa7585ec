"""Activities created, signed up to, cancelled and closed (seats: services.seats)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import apply, apply_many
from baodao.directory.models import Category, Member, Place, Unit
from baodao.needs.models import Demand
from baodao.notifications.services import group_post
from baodao.records.models import (
    Activity,
    Record,
    Signup,
    Team,
)
from baodao.records.transitions import RecordError, activities, signups

from .attendance import _attendance_record
from .common import _local
from .counting import min_attendance
from .seats import _take_seat

# An activity is published at most this far ahead: a date a year off is a typo, not a plan.
ACTIVITY_MAX_AHEAD = dt.timedelta(days=366)


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


def activity_signup(*, activity: Activity, member: Member, by: User, now: dt.datetime | None = None) -> Signup:
    """报名: a seat, exact under contention (see the module's docstring)."""
    now = now or timezone.now()
    with transaction.atomic():
        return _take_seat(activity, member, by=by, now=now, started_ok=False)


def signup_cancel(*, signup: Signup, by: User, now: dt.datetime | None = None) -> Signup:
    """Cancel before the start: the seat goes back."""
    now = now or timezone.now()

    def not_started(row: Signup) -> None:
        if row.starts_at <= now:
            raise RecordError(_("活动已开始，不能取消报名"))

    with transaction.atomic():
        Activity.objects.select_for_update().filter(pk=signup.activity_id).first()  # the activity first, as a seat
        row = apply(signups, "cancel", signup, by=by, changes={"cancelled_at": now}, check=not_started)
        Activity.objects.filter(pk=row.activity_id).update(signed_up=F("signed_up") - 1)
    return row


def activity_close(*, activity: Activity, by: User, now: dt.datetime | None = None) -> dict[str, int]:
    """结束考勤: who signed up and never checked in is a no-show; who checked in and not out gets a
    record up to the activity's end, flagged; the activity is closed."""
    now = now or timezone.now()
    out = {"no_show": 0, "not_out": 0}

    def ended(row: Activity) -> None:
        if row.ends_at > now:
            raise RecordError(_("活动尚未结束，结束后才能结束考勤"))

    with transaction.atomic():
        row = apply(activities, "close", activity, by=by, changes={"closed_at": now}, check=ended)
        out["no_show"] = len(apply_many(signups, "no_show", row.signups.filter(status=Signup.Status.SIGNED), by=by))
        for signup in (
            row.signups.select_for_update().filter(status=Signup.Status.CHECKED_IN).select_related("member", "activity")
        ):
            signup.checkout_at = row.ends_at
            flag = {"code": "no_checkout", "text": _("未扫码签退，按活动结束时间计算")}
            _attendance_record(signup, by=by, source=Record.Source.ACTIVITY, extra_flags=[flag])
            out["not_out"] += 1
    return out


def activity_cancel(*, activity: Activity, by: User) -> Activity:
    def nobody_came(row: Activity) -> None:
        if row.signups.filter(
            status__in=(Signup.Status.CHECKED_IN, Signup.Status.ATTENDED, Signup.Status.SHORT)
        ).exists():
            raise RecordError(_("已有党员签到，不能取消活动；请结束考勤"))

    now = timezone.now()
    with transaction.atomic():
        row = apply(activities, "cancel", activity, by=by, changes={"signed_up": 0}, check=nobody_came)
        signed = row.signups.filter(status=Signup.Status.SIGNED)
        apply_many(signups, "void", signed, by=by, changes=lambda s: {"cancelled_at": now})
    return row
