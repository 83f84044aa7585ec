"""Seats of an activity, taken exactly under contention.

Sign-up is exact under contention (ephios' lesson: lock in a fixed order). The activity's row is
locked first, then the member's: the seat is taken by one conditional UPDATE
(`signed_up < capacity`), a partial unique constraint keeps one live sign-up per member per
activity, and the overlap check runs under the member's row lock, so two sign-ups of one member
cannot both pass it. A CheckConstraint keeps `signed_up <= capacity` whatever happens.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.directory.models import Member
from baodao.records.models import (
    Activity,
    Signup,
)
from baodao.records.transitions import RecordConflict, RecordError

from .common import _local


def _why_full(activity_id: int, now: dt.datetime, *, started_ok: bool) -> RecordError:
    row = Activity.objects.get(pk=activity_id)
    if row.status != Activity.Status.OPEN:
        return RecordError(_("活动%(s)s，不能报名") % {"s": row.get_status_display()})
    # A walk-in (check-in, a mark by hand) may take a seat after the start: it was refused for want of one.
    if row.starts_at <= now and not started_ok:
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
        raise _why_full(activity.pk, now, started_ok=started_ok)
    try:
        with transaction.atomic():
            return Signup.objects.create(
                activity=activity, member=member, starts_at=activity.starts_at, ends_at=activity.ends_at
            )
    except IntegrityError as exc:
        raise RecordConflict(_("已报名该活动，不能重复报名")) from exc
