"""Who may DO what with the three lists: one helper per action, for the pages and the API alike.

Each finds the object among what the user sees (needs.selectors, directory.scope) — out of sight is
Http404, the same as missing — and then asks whether this user may take this action on it: seen but
not allowed is PermissionDenied with a message the API passes on. Services trust their caller asked
here; they keep the domain's rules (states, slots, deadlines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from baodao.accounts.models import Actor
from baodao.core.http import int_or_none
from baodao.directory import scope
from baodao.directory.access import denied
from baodao.directory.models import Member, Place, Resident, Unit, UnitAssignment, WorkTeam
from baodao.directory.selectors import community_of
from baodao.needs import selectors
from baodao.needs.models import Claim, Demand
from baodao.reporting.models import MemberReport

# --- residents ------------------------------------------------------------------------------------


def get_own_resident(user: Actor) -> Resident:
    """The resident a resident account submits as."""
    resident = Resident.objects.filter(pk__in=scope.scope_for(user).resident_ids).select_related("residence").first()
    if resident is None:
        raise denied(_("只有居民账号可以提交需求；没有账号可扫描社区二维码提交"))
    return resident


def get_resident_for_demand(user: Actor) -> tuple[Resident, Place]:
    """Submit a demand, or see what is like it: a resident account, about the community the
    resident lives in (the page and the API alike). Returns the resident and that community."""
    resident = get_own_resident(user)
    community = community_of(resident.residence)
    if community is None:
        raise denied(_("您的居住地不在任何社区内，请联系社区更正"))
    return resident, community


def get_demand_for_view(user: Actor, pk: int) -> Demand:
    return get_object_or_404(
        selectors.visible_demands(user).select_related("community", "place__parent", "category", "resident__residence"),
        pk=pk,
    )


def is_asker(user: Actor, demand: Demand) -> bool:
    s = scope.scope_for(user)
    return (demand.resident_id is not None and demand.resident_id in s.resident_ids) or (
        demand.resident_id is None and demand.created_by_id is not None and demand.created_by_id == user.pk
    )


def get_demand_for_answer(user: Actor, pk: int) -> Demand:
    """Accept, reopen, rate or withdraw: only the resident who asked (not a follower, not staff)."""
    demand = get_demand_for_view(user, pk)
    if not is_asker(user, demand):
        raise denied(_("只有提出需求的居民可以验收、重新打开、评价或撤回"))
    return demand


def get_demand_for_follow(user: Actor, pk: int) -> Demand:
    demand = get_demand_for_view(user, pk)
    if not scope.scope_for(user).resident_ids:
        raise denied(_("只有居民可以点“我也需要”"))
    return demand


# --- staff ----------------------------------------------------------------------------------------


def require_staff(user: Actor) -> None:
    s = scope.scope_for(user)
    if not (s.superuser or s.place_grants):
        raise denied()


def get_demand_for_review(user: Actor, pk: int) -> Demand:
    """Accept, reject, merge, dispatch, declare unable: the community's staff, an admin above it,
    or the secretary of the compound the demand is about."""
    demand = get_object_or_404(
        selectors.staff_demands(user).select_related("community", "place__parent", "category", "resident__residence"),
        pk=pk,
    )
    if not scope.can_review_at(user, demand.place):
        raise denied(_("只有本社区工作人员或所在小区党支部书记可以处理该需求"))
    return demand


def may_merge_into(user: Actor, target: Demand) -> bool:
    """A demand may be merged into `target` only by someone who may review `target` too: staff
    merge within what they manage (a compound's secretary within the compound), never into
    another grid's demand they merely see. Expects `place` loaded."""
    return scope.can_review_at(user, target.place)


def get_demand_for_merge_into(user: Actor, demand: Demand, pk: int | None) -> Demand:
    """The demand `demand` is merged into: one the user sees (else 404, as a missing one) and may
    review, as `demand` itself (get_demand_for_review) — both sides checked here."""
    target = get_object_or_404(selectors.staff_demands(user).select_related("community", "place"), pk=pk or 0)
    if not may_merge_into(user, target):
        raise denied(_("只能并入您负责处理的需求"))
    return target


def may_close(user: Actor, demand: Demand) -> bool:
    """销号: the community's own staff (an admin above does not close for it)."""
    return scope.is_community_staff_of(user, demand.community)


def get_demand_for_close(user: Actor, pk: int) -> Demand:
    """销号 a demand among those the user sees as staff (else 404), if the user may (may_close)."""
    demand = get_object_or_404(selectors.staff_demands(user).select_related("community"), pk=pk)
    if not may_close(user, demand):
        raise denied(_("只有社区工作人员可以销号"))
    return demand


# --- claims ---------------------------------------------------------------------------------------

Party = Member | WorkTeam | Unit

# Who may take an item of each size: a member an individual one; a team or a unit a group one;
# a unit (or a team with it) a unit-level 实事.
SIZE_PARTIES: dict[str, tuple[str, ...]] = {
    Demand.Size.PERSON: (Claim.Party.MEMBER,),
    Demand.Size.TEAM: (Claim.Party.TEAM, Claim.Party.UNIT),
    Demand.Size.UNIT: (Claim.Party.UNIT, Claim.Party.TEAM),
}


def member_serves(member: Member, community: Place) -> bool:
    """A member may take items of a community he or she is reported to (confirmed) and in service."""
    return (
        member.status == Member.Status.IN_SERVICE
        and MemberReport.objects.filter(
            member=member, community=community, status=MemberReport.Status.CONFIRMED
        ).exists()
    )


def team_serves(team: WorkTeam, community: Place) -> bool:
    return team.is_active and team.community_id == community.pk


def unit_serves(unit: Unit, community: Place) -> bool:
    return (
        unit.is_active and UnitAssignment.objects.filter(unit=unit, community=community, ended_on__isnull=True).exists()
    )


def party_serves(party: Party, demand: Demand) -> bool:
    if isinstance(party, Member):
        return Claim.Party.MEMBER in SIZE_PARTIES[demand.size] and member_serves(party, demand.community)
    if isinstance(party, WorkTeam):
        return Claim.Party.TEAM in SIZE_PARTIES[demand.size] and team_serves(party, demand.community)
    return Claim.Party.UNIT in SIZE_PARTIES[demand.size] and unit_serves(party, demand.community)


def claim_parties(user: Actor, demand: Demand) -> list[Party]:
    """Everyone the user may claim this item as: himself, a team he leads, a unit he is secretary of."""
    s = scope.scope_for(user)
    out: list[Party] = []
    out += [m for m in Member.objects.filter(pk__in=s.member_ids) if party_serves(m, demand)]
    teams = scope.led_team_ids(user)
    out += [t for t in WorkTeam.objects.filter(pk__in=teams) if party_serves(t, demand)]
    out += [u for u in Unit.objects.filter(pk__in=s.unit_ids) if party_serves(u, demand)]
    return out


@dataclass(frozen=True)
class ClaimAsk:
    demand: Demand
    party: Party


def get_item_for_claim(user: Actor, pk: int, *, party: str = "") -> ClaimAsk:
    """The item and the party the user claims it as (`party`: "member", "team:<id>", "unit:<id>",
    or empty for the first the user may use)."""
    demand = get_object_or_404(selectors.service_list(user).select_related("community"), pk=pk)
    parties = claim_parties(user, demand)
    if not parties:
        raise denied(_why_no_party(demand))
    if not party:
        return ClaimAsk(demand, parties[0])
    for p in parties:
        if party_key(p) == party:
            return ClaimAsk(demand, p)
    raise denied(_("不能以所选身份认领该服务项目"))


def party_key(party: Party) -> str:
    """How a form names the party one claims as: "member", "team:<id>" or "unit:<id>"."""
    if isinstance(party, Member):
        return "member"
    return f"{'team' if isinstance(party, WorkTeam) else 'unit'}:{party.pk}"


def _why_no_party(demand: Demand) -> str:
    if demand.size == Demand.Size.PERSON:
        return _("只有已向本社区报到的在职党员可以认领该服务项目")
    if demand.size == Demand.Size.TEAM:
        return _("该服务项目需要组团认领：请由本社区工作队队长或联系本社区的单位党组织书记认领")
    return _("该服务项目是单位实事：请由联系本社区的单位党组织书记认领")


def get_claim_for_party(user: Actor, pk: int) -> Claim:
    """Withdraw, decline, start or report done: whoever acts for the claim's party."""
    return get_object_or_404(
        selectors.held_claims(user).select_related("demand__community", "member", "team", "unit"), pk=pk
    )


def get_claim_for_contact(user: Actor, pk: int) -> Claim:
    """查看联系方式: whoever acts for the claim's party (the member, the team's leader, the unit's
    secretary) — the same people who start and report it; the service decides whether the work
    is under way."""
    return get_claim_for_party(user, pk)


def require_reveals_viewer(user: Actor) -> None:
    """The page of contact readings: staff (each sees the items of the communities they work on)."""
    require_staff(user)


def _dispatch_sets(user: Actor, demand: Demand) -> dict[str, QuerySet[Member] | QuerySet[WorkTeam] | QuerySet[Unit]]:
    """Whom the user may dispatch the item to, by kind of party: those who serve its community and
    fit its size, among what the user sees (needs.selectors, from directory.scope)."""
    sets: dict[str, QuerySet[Member] | QuerySet[WorkTeam] | QuerySet[Unit]] = {
        Claim.Party.MEMBER: selectors.dispatch_members(user, demand),
        Claim.Party.TEAM: selectors.dispatch_teams(user, demand),
        Claim.Party.UNIT: selectors.dispatch_units(user, demand),
    }
    return {kind: sets[kind] for kind in SIZE_PARTIES[demand.size]}


def get_dispatch_party(user: Actor, demand: Demand, *, party: str, party_id: int | None) -> Party:
    """The party the staff dispatch to, by kind and id: one of the item's candidates, else a 404
    that names nothing (as a missing id)."""
    qs = _dispatch_sets(user, demand).get(party)
    obj = qs.filter(pk=party_id or 0).first() if qs is not None else None
    if obj is None:
        raise Http404
    return obj


def _kind_label(kind: str) -> str:
    labels: dict[str, str] = {Claim.Party.MEMBER: _("党员"), Claim.Party.TEAM: _("工作队"), Claim.Party.UNIT: _("单位")}
    return labels[kind]


def get_dispatch_pick(user: Actor, demand: Demand, *, pick: str, text: str) -> Party:
    """The party chosen in the dispatch picker: `pick` ("member:<id>", "team:<id>", "unit:<id>")
    from its suggestions, or without script the `text` typed, when it names exactly one candidate."""
    if pick:
        kind, _sep, pk = pick.partition(":")
        return get_dispatch_party(user, demand, party=kind, party_id=int_or_none(pk))
    name = text.strip()[:50]
    if not name:
        raise denied(_("请从提示中选择派单对象"))
    found: list[Party] = []
    for qs in _dispatch_sets(user, demand).values():
        found += list(qs.filter(name=name)[:2])
    if not found:
        raise denied(_("本社区可派单的党员、工作队和单位中没有“%(n)s”，请从提示中选择") % {"n": name})
    if len(found) > 1:
        raise denied(_("有多个“%(n)s”，请从提示中选择") % {"n": name})
    return found[0]


def dispatch_choices(user: Actor, demand: Demand, q: str, *, limit: int = 10) -> list[dict[str, object]]:
    """The picker's suggestions: candidates whose name contains `q`, as {id, label, code}."""
    q = q.strip()[:50]
    if not q:
        return []
    out: list[dict[str, object]] = []
    for kind, qs in _dispatch_sets(user, demand).items():
        rows = qs.filter(name__icontains=q).order_by("name", "pk")
        if kind == Claim.Party.MEMBER:
            rows = cast("QuerySet[Member]", rows).select_related("unit")
        for obj in rows[:limit]:
            label = f"{obj.name} · {obj.unit.name}" if isinstance(obj, Member) else obj.name
            out.append({"id": f"{kind}:{obj.pk}", "label": label, "code": _kind_label(kind)})
    return out[:limit]


def get_unit_for_figures(user: Actor, pk: int | None) -> Unit:
    """A unit's part in the three lists: its secretaries (their own unit when `pk` is empty) and
    the admins above its office."""
    s = scope.scope_for(user)
    if pk is None:
        pk = min(s.unit_ids) if s.unit_ids else None
    if pk is None:
        raise denied(_("请从单位页面进入"))
    unit = get_object_or_404(scope.units_for_user(user).select_related("office_place"), pk=pk)
    if not scope.can_manage_work_teams(user, unit):
        raise denied(_("只有本单位党组织书记和上级管理员可以查看"))
    return unit
