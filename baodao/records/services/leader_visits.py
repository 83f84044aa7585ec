"""Visits of linked city leaders (领导联系社区): logged, then decided by the community."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import apply
from baodao.directory.models import LeaderLink, Place
from baodao.records.models import (
    LeaderVisit,
)
from baodao.records.transitions import RecordConflict, RecordError, leader_visits


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
    # Who logged it and whose link it is never change: read before the row's lock.
    mine = LeaderVisit.objects.filter(pk=visit.pk).values_list("logged_by_id", "link__user_id").get()
    if by.pk in mine:
        raise RecordError(_("不能确认或退回自己登记的调研"))
    changes = {"decided_by": by, "decided_at": now or timezone.now(), "return_reason": "" if confirm else reason[:200]}
    return apply(leader_visits, "confirm" if confirm else "return", visit, by=by, changes=changes)
