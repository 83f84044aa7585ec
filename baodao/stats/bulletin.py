"""The public bulletin of a community (公示, DOMAIN.md §3.3 and §4 "public"): who serves here.

What goes out is a closed list of names and titles. Members are loaded with `.only(...)` so that
their encrypted ID numbers, mobiles and addresses are never even read for a public page; nothing
about residents is read at all. The number of queries is fixed, however many units serve here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.utils import timezone

from baodao.directory.models import (
    LeaderLink,
    Place,
    UnitAssignment,
    WorkTeam,
    WorkTeamMembership,
)
from baodao.directory.selectors import area_names, first_secretary_terms_in_force
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.selectors import pinned_querysets, public_name
from baodao.records.models import Commitment

COMPOUND_KINDS = (Place.Kind.COMPOUND, Place.Kind.GRID)


@dataclass(frozen=True)
class LeaderEntry:
    name: str
    title: str


@dataclass(frozen=True)
class TeamMemberEntry:
    name: str
    is_leader: bool


@dataclass(frozen=True)
class TeamEntry:
    name: str
    members: list[TeamMemberEntry]


@dataclass(frozen=True)
class UnitEntry:
    name: str
    teams: list[TeamEntry]


@dataclass(frozen=True)
class FirstSecretaryEntry:
    place_name: str
    place_kind: str  # label: 社区 / 小区 / 网格
    member_name: str | None  # None: no first secretary in office (shown as vacant)
    unit_name: str | None
    is_compound: bool = True

    @property
    def place_label(self) -> str:
        """小区 names say what they are; a grid or the community itself gets its kind added."""
        return self.place_name if self.is_compound else f"{self.place_name}（{self.place_kind}）"


@dataclass(frozen=True)
class CommitmentEntry:
    """A unit's public commitment (公开承诺) for the year, and whether the community says it was kept."""

    unit_name: str
    text: str
    state: str = ""


@dataclass(frozen=True)
class PublicItem:
    """A service item as the public board shows it: the need, where, how far it got — never who
    asked (a masked name only if the resident allowed it), never a phone or an address."""

    pk: int
    title: str
    category: str
    place: str
    status: str
    status_label: str
    taken: int
    slots: int
    asked_by: str
    published_on: dt.date | None
    closed_on: dt.date | None


@dataclass(frozen=True)
class UnitProjects:
    """A linked unit's 实事 in the community this year (its claims and its teams')."""

    unit_name: str
    titles: list[str]


@dataclass
class CommunityBulletin:
    code: str
    name: str
    street_name: str
    district_name: str
    leaders: list[LeaderEntry] = field(default_factory=list)
    units: list[UnitEntry] = field(default_factory=list)
    first_secretaries: list[FirstSecretaryEntry] = field(default_factory=list)
    commitments: list[CommitmentEntry] = field(default_factory=list)
    open_items: list[PublicItem] = field(default_factory=list)
    closed_items: list[PublicItem] = field(default_factory=list)
    # The pages those items are of: their totals and the links to the other pages.
    open_page: Page[Demand] | None = None
    closed_page: Page[Demand] | None = None
    unit_projects: list[UnitProjects] = field(default_factory=list)

    @property
    def area(self) -> str:
        return " ".join(n for n in (self.district_name, self.street_name) if n)


def community_heading(community: Place) -> CommunityBulletin:
    """The community's name and area (district, street) alone, in one query: what a poster of the
    community prints above its QR code. The lists of the bulletin stay empty."""
    if community.kind != Place.Kind.COMMUNITY:
        raise ValueError("a bulletin belongs to a community")
    district, street = area_names(community)
    return CommunityBulletin(code=community.code, name=community.name, street_name=street, district_name=district)


def community_bulletin(
    community: Place, *, page: str | None = None, closed_page: str | None = None
) -> CommunityBulletin:
    """Everything the bulletin board of `community` shows, in a dozen queries; its service list's
    `page`-th page of open items and `closed_page`-th of those closed lately."""
    bulletin = community_heading(community)
    bulletin.leaders = [
        LeaderEntry(name=link.leader_name, title=link.title)
        for link in LeaderLink.objects.filter(community=community, ended_on__isnull=True)
        .only("leader_name", "title")
        .order_by("start_on", "id")
    ]

    assignments = (
        UnitAssignment.objects.filter(community=community, ended_on__isnull=True)
        .select_related("unit")
        .only("unit__name", "unit__code")
        .order_by("unit__code")
    )
    memberships = (
        WorkTeamMembership.objects.filter(ended_on__isnull=True)
        .select_related("member")
        .only("team_id", "role", "member__name")
        # Leader first, then in the order they joined.
        .order_by("role", "start_on", "id")  # "leader" sorts before "member"
    )
    teams = (
        WorkTeam.objects.filter(community=community, is_active=True)
        .only("unit_id", "name")
        .order_by("id")
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="current_memberships"))
    )
    teams_by_unit: dict[int, list[TeamEntry]] = {}
    for team in teams:
        entry = TeamEntry(
            name=team.name,
            members=[
                TeamMemberEntry(name=m.member.name, is_leader=m.role == WorkTeamMembership.Role.LEADER)
                for m in team.current_memberships
            ],
        )
        teams_by_unit.setdefault(team.unit_id, []).append(entry)
    bulletin.units = [UnitEntry(name=a.unit.name, teams=teams_by_unit.get(a.unit_id, [])) for a in assignments]

    terms = {
        t.place_id: t
        for t in first_secretary_terms_in_force()
        .filter(place__path__startswith=community.path)
        .select_related("member__unit")
        .only("place_id", "member__name", "member__unit__name")
    }
    # The community's own first secretary (a unit head), then every compound/grid, vacant or not.
    places = [community] + list(
        Place.objects.filter(path__startswith=community.path, kind__in=COMPOUND_KINDS)
        .only("kind", "name", "path")
        .order_by("sort_order", "path")
    )
    for place in places:
        term = terms.get(place.pk)
        if place.pk == community.pk and term is None:
            continue
        bulletin.first_secretaries.append(
            FirstSecretaryEntry(
                place_name=place.name,
                place_kind=str(place.get_kind_display()),
                member_name=term.member.name if term else None,
                unit_name=term.member.unit.name if term else None,
                is_compound=place.kind == Place.Kind.COMPOUND,
            )
        )
    bulletin.open_page, bulletin.closed_page = public_items(community, page=page, closed_page=closed_page)
    bulletin.open_items = [_public(d) for d in bulletin.open_page]
    bulletin.closed_items = [_public(d) for d in bulletin.closed_page]
    bulletin.unit_projects = unit_projects(community)
    bulletin.commitments = [
        CommitmentEntry(unit_name=c.unit.name, text=c.text, state=str(c.get_status_display()))
        for c in Commitment.objects.filter(community=community, year=timezone.localdate().year)
        .exclude(status=Commitment.Status.WITHDRAWN)
        .select_related("unit")
        .only("unit__name", "text", "status")
        .order_by("unit__code", "id")
    ]
    return bulletin


PUBLIC_ITEMS = 50


def _public(d: Demand) -> PublicItem:
    return PublicItem(
        pk=d.pk,
        title=d.title,
        category=d.category.name,
        place=d.place.residence_label,
        status=d.status,
        status_label=d.status_label,
        taken=d.claimed_slots,
        slots=d.slots,
        asked_by=public_name(d),
        published_on=timezone.localtime(d.published_at).date() if d.published_at else None,
        closed_on=timezone.localtime(d.closed_at).date() if d.closed_at else None,
    )


def public_items(
    community: Place, *, page: str | None = None, closed_page: str | None = None
) -> tuple[Page[Demand], Page[Demand]]:
    """The community's open service items, and those closed lately (the same as the pinned list),
    PUBLIC_ITEMS a page: the `page`-th and the `closed_page`-th (each page says the list's total)."""
    open_rows, closed = pinned_querysets(community, with_claims=False)
    return Paginator(open_rows, PUBLIC_ITEMS).get_page(page), Paginator(closed, PUBLIC_ITEMS).get_page(closed_page)


def public_item(community: Place, pk: int) -> tuple[PublicItem, list[tuple[dt.datetime, str]]] | None:
    """One item of the service list and its progress (steps and dates only: no names, no notes)."""
    d = (
        Demand.objects.filter(community=community, pk=pk, status__in=PUBLIC_STATES)
        .select_related("category", "place__parent", "resident")
        .first()
    )
    if d is None:
        return None
    steps = [(e.created_at, e.get_kind_display()) for e in d.events.exclude(kind__in=PRIVATE_EVENTS)]
    return _public(d), steps


PUBLIC_STATES = (*Demand.OPEN, Demand.Status.DONE, Demand.Status.CLOSED, Demand.Status.UNABLE)
# Steps a public page leaves out: who followed, reminders (they say nothing about the work).
PRIVATE_EVENTS = (DemandEvent.Kind.FOLLOWED, DemandEvent.Kind.REMINDED)


def unit_projects(community: Place) -> list[UnitProjects]:
    """Each unit linked to the community and the items it (or its work team) took there this year."""
    year = timezone.localdate().year
    claims = Claim.objects.filter(
        demand__community=community,
        status__in=Claim.LIVE,
        created_at__year=year,
        party__in=(Claim.Party.UNIT, Claim.Party.TEAM),
    ).select_related("unit", "team__unit", "demand")
    # An item taken by a unit and by its work team (or two of its teams: a group item has several
    # slots) is one project of the unit, listed once; units are told apart by id, not by name.
    names: dict[int, str] = {}
    by_unit: dict[int, dict[int, str]] = {}
    for c in claims.order_by("created_at", "id"):
        unit = c.unit if c.unit is not None else (c.team.unit if c.team is not None else None)
        if unit is not None:
            names[unit.pk] = unit.name
            by_unit.setdefault(unit.pk, {}).setdefault(c.demand_id, c.demand.title)
    return [
        UnitProjects(names[pk], list(titles.values()))
        for pk, titles in sorted(by_unit.items(), key=lambda kv: (names[kv[0]], kv[0]))
    ]
