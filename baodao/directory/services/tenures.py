"""Who holds what, for how long: units assigned to communities, first secretaries, work teams,
leader links and heads of places — each a tenure that starts and ends."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypeVar

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.core import rules
from baodao.directory.models import (
    FirstSecretaryTerm,
    HeadAppointment,
    LeaderLink,
    Member,
    Place,
    Resident,
    Tenure,
    Unit,
    UnitAssignment,
    WorkTeam,
    WorkTeamMembership,
)
from baodao.directory.selectors import city_of, community_path

from .roster import roster_changed_at, roster_places

if TYPE_CHECKING:
    from baodao.accounts.models import User


def _end_tenures(qs: QuerySet[Any], on: dt.date) -> None:
    """End current appointments row by row, so each ending is in the audit log (update() is not)."""
    for row in qs:
        row.ended_on = on
        row.save(update_fields=["ended_on"])
        roster_changed_at(*roster_places(row))


@transaction.atomic
def unit_assign(*, unit: Unit, community: Place, start_on: dt.date | None = None, note: str = "") -> UnitAssignment:
    """Assign a unit to a community, ending its current assignment (history is kept)."""
    if community.kind != Place.Kind.COMMUNITY:
        raise ValidationError({"community": _("只能分配到社区")})
    today = start_on or timezone.localdate()
    _end_tenures(UnitAssignment.objects.filter(unit=unit, ended_on__isnull=True), today)
    row = UnitAssignment.objects.create(unit=unit, community=community, start_on=today, note=note)
    roster_changed_at(*roster_places(row))
    return row


T = TypeVar("T", bound=Tenure)


def _tenure_end(row: T, on: dt.date | None) -> T:
    """End one appointment; the row stays (history), with the day it ended."""
    on = on or timezone.localdate()
    if row.ended_on is not None:
        raise ValidationError({"ended_on": _("该任职已经结束")})
    if on < row.start_on:
        raise ValidationError({"ended_on": _("结束日期不能早于开始日期")})
    row.ended_on = on
    row.save(update_fields=["ended_on"])
    roster_changed_at(*roster_places(row))
    return row


def _check_in_service(member: Member) -> None:
    if member.status != Member.Status.IN_SERVICE:
        raise ValidationError({"member": _("该党员已离退休或调出，不能任职")})


@transaction.atomic
def first_secretary_appoint(*, member: Member, place: Place, start_on: dt.date) -> FirstSecretaryTerm:
    """Appoint a first secretary; the term ends after the city's term rule (default 2 years).
    The current term of the place ends on the new start day and keeps its row."""
    if place.kind not in (Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.COMMUNITY):
        raise ValidationError({"place": _("第一书记只能任职于社区、小区或网格")})
    _check_in_service(member)
    current = FirstSecretaryTerm.objects.select_for_update().filter(place=place, ended_on__isnull=True)
    if any(t.start_on > start_on for t in current):
        raise ValidationError({"start_on": _("开始日期不能早于现任第一书记的任职开始日期")})
    years = rules.get_rule_int("first_secretary_term_years", city=city_of(place))
    _end_tenures(current, start_on)
    term = FirstSecretaryTerm.objects.create(
        member=member, place=place, start_on=start_on, end_on=start_on + relativedelta(years=years)
    )
    roster_changed_at(place.pk)
    return term


@transaction.atomic
def first_secretary_end(*, term: FirstSecretaryTerm, on: dt.date | None = None) -> FirstSecretaryTerm:
    return _tenure_end(term, on)


@transaction.atomic
def work_team_create(*, unit: Unit, community: Place, name: str = "") -> WorkTeam:
    """联系社区工作队: one active team per unit and community it is currently assigned to."""
    if community.kind != Place.Kind.COMMUNITY:
        raise ValidationError({"community": _("工作队只能联系社区")})
    if not UnitAssignment.objects.filter(unit=unit, community=community, ended_on__isnull=True).exists():
        raise ValidationError({"community": _("该单位当前未包保联系此社区")})
    if WorkTeam.objects.filter(unit=unit, community=community, is_active=True).exists():
        raise ValidationError({"community": _("该单位在此社区已有工作队")})
    name = name.strip() or _("%(unit)s联系%(community)s工作队") % {"unit": unit.name, "community": community.name}
    if len(name) > 100:
        raise ValidationError({"name": _("名称不超过100个字")})
    return WorkTeam.objects.create(unit=unit, community=community, name=name)


@transaction.atomic
def work_team_member_add(
    *,
    team: WorkTeam,
    member: Member,
    role: str = WorkTeamMembership.Role.MEMBER,
    start_on: dt.date | None = None,
) -> WorkTeamMembership:
    if not team.is_active:
        raise ValidationError({"team": _("该工作队已撤销")})
    if member.unit_id != team.unit_id:
        raise ValidationError({"member": _("只能选派本单位的党员")})
    _check_in_service(member)
    if role not in WorkTeamMembership.Role.values:
        raise ValidationError({"role": _("未知职务")})
    if WorkTeamMembership.objects.filter(team=team, member=member, ended_on__isnull=True).exists():
        raise ValidationError({"member": _("该党员已在工作队中")})
    return WorkTeamMembership.objects.create(
        team=team, member=member, role=role, start_on=start_on or timezone.localdate()
    )


@transaction.atomic
def work_team_member_end(*, membership: WorkTeamMembership, on: dt.date | None = None) -> WorkTeamMembership:
    return _tenure_end(membership, on)


@transaction.atomic
def leader_link_add(
    *,
    community: Place,
    leader_name: str,
    title: str,
    user: User | None = None,
    start_on: dt.date | None = None,
) -> LeaderLink:
    """A city leader (市级领导) links a community; one leader may link several communities."""
    leader_name, title = leader_name.strip(), title.strip()
    errors: dict[str, str] = {}
    if community.kind != Place.Kind.COMMUNITY:
        errors["community"] = _("市级领导只能联系社区")
    if not leader_name or len(leader_name) > 50:
        errors["leader_name"] = _("领导姓名不能为空，且不超过50个字")
    if not title or len(title) > 100:
        errors["title"] = _("职务不能为空，且不超过100个字")
    if (
        not errors
        and LeaderLink.objects.filter(community=community, leader_name=leader_name, ended_on__isnull=True).exists()
    ):
        errors["leader_name"] = _("该领导已联系此社区")
    if errors:
        raise ValidationError(errors)
    return LeaderLink.objects.create(
        community=community, leader_name=leader_name, title=title, user=user, start_on=start_on or timezone.localdate()
    )


@transaction.atomic
def leader_link_end(*, link: LeaderLink, on: dt.date | None = None) -> LeaderLink:
    return _tenure_end(link, on)


# Where each of the 三长 serves. The model has no household label, so a 户长 is appointed on the
# building; several 户长 per building, one current 院长 per compound and 楼长 per building.
HEAD_PLACE_KINDS: dict[str, set[str]] = {
    HeadAppointment.Kind.COMPOUND_HEAD: {Place.Kind.COMPOUND, Place.Kind.GRID},
    HeadAppointment.Kind.BUILDING_HEAD: {Place.Kind.BUILDING},
    HeadAppointment.Kind.HOUSEHOLD_HEAD: {Place.Kind.BUILDING},
}


SINGLE_HEADS = {HeadAppointment.Kind.COMPOUND_HEAD, HeadAppointment.Kind.BUILDING_HEAD}


@transaction.atomic
def head_appoint(
    *,
    kind: str,
    place: Place,
    person_name: str = "",
    member: Member | None = None,
    resident: Resident | None = None,
    start_on: dt.date | None = None,
) -> HeadAppointment:
    """Appoint a 院长 / 楼长 / 户长. A new 院长 or 楼长 ends the current one (history is kept)."""
    if kind not in HEAD_PLACE_KINDS:
        raise ValidationError({"kind": _("未知的三长类型")})
    if place.kind not in HEAD_PLACE_KINDS[kind]:
        where = _("小区或网格") if kind == HeadAppointment.Kind.COMPOUND_HEAD else _("楼栋")
        raise ValidationError(
            {"place": _("%(kind)s只能任职于%(where)s") % {"kind": HeadAppointment.Kind(kind).label, "where": where}}
        )
    if member is not None and resident is not None:
        raise ValidationError({"person_name": _("请选择党员或居民其中之一")})
    person = member or resident
    person_name = (person.name if person is not None else person_name).strip()
    if not person_name or len(person_name) > 50:
        raise ValidationError({"person_name": _("姓名不能为空，且不超过50个字")})
    if person is not None and not person.residence.path.startswith(community_path(place)):
        raise ValidationError({"person_name": _("三长应由居住在本社区的党员或居民担任")})
    start_on = start_on or timezone.localdate()
    current = HeadAppointment.objects.select_for_update().filter(kind=kind, place=place, ended_on__isnull=True)
    if kind in SINGLE_HEADS:
        if any(h.start_on > start_on for h in current):
            raise ValidationError({"start_on": _("开始日期不能早于现任者的任职开始日期")})
        _end_tenures(current, start_on)
    elif current.filter(person_name=person_name, member=member, resident=resident).exists():
        raise ValidationError({"person_name": _("此人已是该楼栋的户长")})
    return HeadAppointment.objects.create(
        kind=kind, place=place, person_name=person_name, member=member, resident=resident, start_on=start_on
    )


@transaction.atomic
def head_end(*, appointment: HeadAppointment, on: dt.date | None = None) -> HeadAppointment:
    return _tenure_end(appointment, on)
