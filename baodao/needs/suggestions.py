"""Who could take a service item and what a community can draw on (reads of the three lists, split
from needs.selectors, which still answers to these names): the suggestions, ranked with their
reasons; whom the staff may dispatch an item to (the picker's candidates); the supply list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import Actor
from baodao.directory import scope
from baodao.directory.models import Category, Member, Place, Unit, UnitAssignment, WorkTeam
from baodao.needs.models import Claim, Demand
from baodao.reporting.models import MemberReport, UnitReport

# --- suggestions: who could take an item, and why ---------------------------------------------------


@dataclass
class Suggestion:
    party: str  # "member", "team", "unit"
    pk: int
    name: str
    reasons: list[str]
    rank: tuple[int, ...]


def _open_claims(field: str, ids: list[int]) -> dict[int, int]:
    rows = (
        Claim.objects.filter(**{f"{field}_id__in": ids}, status__in=(Claim.Status.CLAIMED, Claim.Status.STARTED))
        .values(f"{field}_id")
        .annotate(n=Count("id"))
    )
    return {r[f"{field}_id"]: r["n"] for r in rows}


def _year_claims(field: str, ids: list[int], year: int) -> dict[int, int]:
    rows = (
        Claim.objects.filter(**{f"{field}_id__in": ids}, created_at__year=year, status__in=Claim.LIVE)
        .values(f"{field}_id")
        .annotate(n=Count("id"))
    )
    return {r[f"{field}_id"]: r["n"] for r in rows}


def suggestions(user: Actor, demand: Demand, *, limit: int = 10) -> list[Suggestion]:
    """Who could take the item, ranked with the reasons said: for an individual item, members
    reported to the community with a matching intention or skill, nearest first (same building >
    same compound > same community), then fewest open claims; for a group or unit item, the
    community's work teams and the units assigned to it whose functions match. Drawn from the
    dispatch picker's candidates (dispatch_members/teams/units), so a suggestion names nobody the
    user does not see and its 派单 is never refused."""
    year = timezone.localdate().year
    out: list[Suggestion] = []
    category = demand.category
    if demand.size == Demand.Size.PERSON:
        members = list(
            dispatch_members(user, demand)
            .filter(Q(intentions=category) | Q(skills__name=category.name))
            .distinct()
            .select_related("residence")[:500]
        )
        ids = [m.pk for m in members]
        open_n, year_n = _open_claims("member", ids), _year_claims("member", ids, year)
        wants = set(
            Member.intentions.through.objects.filter(member_id__in=ids, category=category).values_list(
                "member_id", flat=True
            )
        )
        target = demand.place
        compound = target if target.kind != Place.Kind.BUILDING else target.parent
        for m in members:
            reasons = (
                [_("服务意愿: %(c)s") % {"c": category.name}]
                if m.pk in wants
                else [_("特长: %(c)s") % {"c": category.name}]
            )
            if m.residence_id == target.pk and target.kind == Place.Kind.BUILDING:
                near, reasons = 0, [*reasons, _("同一楼栋")]
            elif compound is not None and (m.residence_id == compound.pk or m.residence.parent_id == compound.pk):
                near, reasons = 1, [*reasons, _("同一小区")]
            else:
                near, reasons = 2, [*reasons, _("同一社区")]
            reasons.append(_("本年已认领 %(n)s 件") % {"n": year_n.get(m.pk, 0)})
            if open_n.get(m.pk):
                reasons.append(_("在办 %(n)s 件") % {"n": open_n[m.pk]})
            out.append(
                Suggestion(
                    "member", m.pk, m.name, reasons, (near, open_n.get(m.pk, 0), 0 if m.pk in wants else 1, m.pk)
                )
            )
    else:
        teams = list(dispatch_teams(user, demand).select_related("unit").prefetch_related("unit__functions"))
        open_t = _open_claims("team", [t.pk for t in teams])
        for t in teams:
            matches = category in t.unit.functions.all()
            reasons = [_("联系本社区的工作队")]
            if matches:
                reasons.insert(0, _("单位职能: %(c)s") % {"c": category.name})
            reasons.append(_("在办 %(n)s 件") % {"n": open_t.get(t.pk, 0)})
            out.append(
                Suggestion(
                    "team",
                    t.pk,
                    t.name,
                    reasons,
                    (0 if matches else 1, open_t.get(t.pk, 0), 0 if demand.size == Demand.Size.TEAM else 1, t.pk),
                )
            )
        units = list(dispatch_units(user, demand).prefetch_related("functions"))
        open_u, year_u = _open_claims("unit", [u.pk for u in units]), _year_claims("unit", [u.pk for u in units], year)
        for u in units:
            matches = category in u.functions.all()
            reasons = [_("包保联系本社区")]
            if matches:
                reasons.insert(0, _("单位职能: %(c)s") % {"c": category.name})
            reasons.append(_("本年已认领 %(n)s 件") % {"n": year_u.get(u.pk, 0)})
            out.append(
                Suggestion(
                    "unit",
                    u.pk,
                    u.name,
                    reasons,
                    (0 if matches else 1, open_u.get(u.pk, 0), 0 if demand.size == Demand.Size.UNIT else 1, u.pk),
                )
            )
    out.sort(key=lambda s: s.rank)
    return out[:limit]


# --- whom the staff may dispatch an item to (the picker's candidates) ------------------------------


def dispatch_members(user: Actor, demand: Demand) -> QuerySet[Member]:
    """Members in service whose report to the item's community is confirmed, among those the user
    sees (a compound's secretary: the members living in the compound)."""
    reported = MemberReport.objects.filter(community=demand.community_id, status=MemberReport.Status.CONFIRMED)
    return scope.members_for_user(user).filter(pk__in=reported.values("member_id"), status=Member.Status.IN_SERVICE)


def dispatch_teams(user: Actor, demand: Demand) -> QuerySet[WorkTeam]:
    """The active liaison work teams of the item's community, of units the user sees."""
    return WorkTeam.objects.filter(
        community=demand.community_id, is_active=True, unit__in=scope.units_for_user(user).values("pk")
    )


def dispatch_units(user: Actor, demand: Demand) -> QuerySet[Unit]:
    """The active units assigned to the item's community, among those the user sees."""
    assigned = UnitAssignment.objects.filter(community=demand.community_id, ended_on__isnull=True)
    return scope.units_for_user(user).filter(pk__in=assigned.values("unit_id"), is_active=True)


# --- the supply list (供给清单 / 资源清单) ------------------------------------------------------------


@dataclass
class UnitSupply:
    unit_name: str
    functions: list[str]
    resources: str  # what the co-building agreement lists (单位资源清单)
    open_claims: int


@dataclass
class MemberSupply:
    name: str
    unit_name: str
    place: str
    skills: list[str]
    intentions: list[str]


def supply(
    community: Place, *, q: str = "", category: Category | None = None
) -> tuple[list[UnitSupply], QuerySet[Member]]:
    """What the community can draw on: each unit assigned to it (its functions and the resources
    its agreement lists) and each member reported to it (skills and service intentions) — one
    list made of what the units and members already declared, not a second copy. `q` searches
    names, functions, skills and the resources' text; `category` keeps those that offer it.
    The members come as a queryset (a community has hundreds: the page shows them a page at a
    time, each page's rows made by `member_supply_rows`)."""
    units = [
        a.unit
        for a in UnitAssignment.objects.filter(community=community, ended_on__isnull=True)
        .select_related("unit")
        .prefetch_related("unit__functions")
        .order_by("unit__code")
        if a.unit.is_active
    ]
    agreements = {
        r.unit_id: r
        for r in UnitReport.objects.filter(
            community=community, unit__in=units, status=UnitReport.Status.CONFIRMED
        ).prefetch_related("resource_tags")
    }
    open_n = _open_claims("unit", [u.pk for u in units])
    unit_rows = []
    for u in units:
        agreement = agreements.get(u.pk)
        tags = {c.name for c in u.functions.all()} | {
            c.name for c in (agreement.resource_tags.all() if agreement else [])
        }
        text = agreement.unit_resources if agreement else ""
        if category is not None and category.name not in tags:
            continue
        if q and q not in u.name and q not in text and not any(q in t for t in tags):
            continue
        unit_rows.append(UnitSupply(u.name, sorted(tags), text, open_n.get(u.pk, 0)))
    reported = MemberReport.objects.filter(community=community, status=MemberReport.Status.CONFIRMED)
    members = (
        Member.objects.filter(pk__in=reported.values("member_id"), status=Member.Status.IN_SERVICE)
        .select_related("unit", "residence__parent")
        .prefetch_related("skills", "intentions")
        .order_by("name", "pk")
    )
    if category is not None:
        members = members.filter(Q(intentions=category) | Q(skills__name=category.name)).distinct()
    if q:
        members = members.filter(
            Q(name__icontains=q) | Q(skills__name__icontains=q) | Q(intentions__name__icontains=q)
        ).distinct()
    return unit_rows, members


def member_supply_rows(members: Iterable[Member]) -> list[MemberSupply]:
    """The supply list's rows of these members (from `supply`, units, residences and categories loaded)."""
    return [
        MemberSupply(
            m.name,
            m.unit.name,
            m.residence.residence_label,
            [c.name for c in m.skills.all()],
            [c.name for c in m.intentions.all()],
        )
        for m in members
    ]
