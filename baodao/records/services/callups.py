"""Call-ups (召集令): members called to a task, their answers, the headcount, attendance and closing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import apply
from baodao.directory.models import Member, Place
from baodao.notifications.selectors import member_users
from baodao.notifications.services import group_post, notify
from baodao.records.models import (
    Callup,
    CallupAnswer,
    Record,
    RecordEvent,
    Team,
)
from baodao.records.transitions import RecordConflict, RecordError, callups
from baodao.reporting.models import MemberReport

from .common import _local, _minutes
from .counting import _set_counting
from .flags import _flag_neighbours, flags_for


def callup_members(callup: Callup) -> QuerySet[Member]:
    """Who is called: a team's members, else the members reported to the community (living in the
    compound when one is named)."""

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
    url = reverse("records:callup", args=[callup.pk])
    for user in member_users(callup_members(callup).values("pk")).users:
        notify(
            user=user,
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
    return apply(callups, "close", callup, by=by)
