"""Service teams (服务队): made, joined, left, led, and the items a team claims."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.directory.models import Category, Member, Place, Unit, UnitAssignment
from baodao.needs import services as needs_services
from baodao.needs.models import Demand
from baodao.records.models import (
    Team,
    TeamClaim,
    TeamMember,
)
from baodao.records.transitions import RecordConflict, RecordError
from baodao.reporting.models import MemberReport


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

    assert isinstance(report, MemberReport)
    teams = Team.objects.filter(
        community_id=report.community_id, unit__isnull=True, is_active=True, kind__in=report.team_types.all()
    )
    return sum(_join(t, report.member) is not None for t in teams)


def team_item_claim(*, team: Team, demand: Demand, by: User) -> TeamClaim:
    """The team's leader claims a group item (组团认领) of the team's community for the team. The
    claim is the three lists' own, taken exactly as any claim (row lock, conditional update,
    constraints); held by the leader, marked as the team's. 409 when full or already held."""

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
