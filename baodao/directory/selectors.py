"""Reads of master data, always through directory.scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import Actor, RoleAssignment, SecurityEvent, User
from baodao.core import crypto
from baodao.core.privacy import mask_name
from baodao.core.rules import RULES
from baodao.core.validators import ID_RE, MOBILE_RE, normalize_id_number
from baodao.directory import scope
from baodao.directory.models import (
    Category,
    FirstSecretaryTerm,
    HeadAppointment,
    ImportJob,
    LeaderLink,
    Member,
    PartyOrg,
    Place,
    Resident,
    Rule,
    Unit,
    UnitAssignment,
    WorkTeam,
    WorkTeamMembership,
    path_segment,
)

PLACE_SEGMENT = len(path_segment(1))


def places_for_user(user: Actor, *, q: str = "", kind: str = "", within: Place | None = None) -> QuerySet[Place]:
    qs = scope.places_for_user(user).select_related("parent")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if kind:
        qs = qs.filter(kind=kind)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    # Each subtree together, siblings by (sort order, code); path breaks the rare tie.
    return qs.order_by("sort_key", "path")


def units_for_user(user: Actor, *, q: str = "", kind: str = "", community: Place | None = None) -> QuerySet[Unit]:
    qs = scope.units_for_user(user).select_related("office_place")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if kind:
        qs = qs.filter(kind=kind)
    if community is not None:
        qs = qs.filter(
            pk__in=UnitAssignment.objects.filter(
                ended_on__isnull=True, community__path__startswith=community.path
            ).values("unit_id")
        )
    return qs.order_by("code")


def _person_search(qs: QuerySet, q: str, *, with_id: bool, unmasked: QuerySet) -> QuerySet:
    """Names by substring; ID numbers and mobiles only by exact match (they are encrypted), and
    only among the people whose numbers the user sees in full (`unmasked`): to anyone else, a
    search would confirm a guessed number that the page shows masked."""
    q = q.strip()
    if with_id and ID_RE.match(normalize_id_number(q)):
        return qs.filter(id_hash=crypto.lookup_hash(normalize_id_number(q)), pk__in=unmasked.values("pk"))
    if MOBILE_RE.match(q):
        return qs.filter(mobile_hash=crypto.lookup_hash(q), pk__in=unmasked.values("pk"))
    return qs.filter(name__icontains=q)


def members_for_user(
    user: Actor,
    *,
    q: str = "",
    unit_id: int | None = None,
    status: str = "",
    within: Place | None = None,
) -> QuerySet[Member]:
    qs = scope.members_for_user(user).select_related("unit__office_place", "party_org", "residence__parent")
    if q:
        qs = _person_search(qs, q, with_id=True, unmasked=scope.members_with_pii_for_user(user))
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if status:
        qs = qs.filter(status=status)
    if within is not None:
        qs = qs.filter(residence__path__startswith=within.path)
    return qs.order_by("id")


def residents_for_user(
    user: Actor,
    *,
    q: str = "",
    group_id: int | None = None,
    within: Place | None = None,
) -> QuerySet[Resident]:
    qs = scope.residents_for_user(user).select_related("residence__parent")
    if q:
        qs = _person_search(qs, q, with_id=False, unmasked=scope.residents_with_pii_for_user(user))
    if group_id:
        # Hardship flags are personal data: only residents whose flags the user sees can match.
        qs = qs.filter(special_groups__id=group_id, pk__in=scope.residents_with_pii_for_user(user).values("pk"))
    if within is not None:
        qs = qs.filter(residence__path__startswith=within.path)
    return qs.order_by("id")


def show_resident_groups(residents: list[Resident]) -> None:
    """Set `group_names` on each resident of a page: the special groups (困难群众、空巢老人…), for
    those whose personal data the viewer sees in full (`pii_full`, set by display.show_resident_pii)."""
    ids = [r.pk for r in residents if r.pii_full]
    through = Resident.special_groups.through.objects.filter(resident_id__in=ids).select_related("category")
    by_resident: dict[int, list[str]] = {}
    for row in through:
        by_resident.setdefault(row.resident_id, []).append(row.category.name)
    for r in residents:
        r.group_names = by_resident.get(r.pk, [])  # type: ignore[attr-defined]


def active_categories(kind: str) -> QuerySet[Category]:
    """The categories of one kind offered in pickers and filters, in their order."""
    return Category.objects.filter(kind=kind, is_active=True).order_by("sort_order", "id")


def category_of(kind: str, pk: int | None) -> Category | None:
    """The category of `kind` a form or a query string names by id (active or not), else None."""
    return Category.objects.filter(kind=kind, pk=pk or 0).first()


def import_jobs_of(user: User) -> QuerySet[ImportJob]:
    """The roster imports the user started (each sees only their own)."""
    return ImportJob.objects.filter(user=user)


def all_categories() -> list[Category]:
    return list(Category.objects.all())


def rules_of_city(city: Place | None) -> list[dict[str, object]]:
    """Every rule with the city's own value, or the default where the city has none."""
    stored = {r.key: r for r in Rule.objects.filter(city=city)}
    return [
        {"key": k, "d": d, "value": stored[k].value if k in stored else d.default, "custom": k in stored}
        for k, d in RULES.items()
    ]


def audit_entries_for_user(user: Actor, tab: str) -> QuerySet | None:
    """The audit log's tab as the user may read it (directory.scope): `changes` (data changes) or
    `security` (logins and exports); None for any other tab."""
    from auditlog.models import LogEntry  # the audit app's models, loaded once the registry is ready

    actors = scope.audit_actors_for_user(user)
    if tab == "changes":
        qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
        return qs if actors is None else qs.filter(actor__in=actors)
    if tab == "security":
        events = SecurityEvent.objects.all()
        return events if actors is None else events.filter(user__in=actors)
    return None


def first_secretary_terms_in_force(today: dt.date | None = None) -> QuerySet[FirstSecretaryTerm]:
    """Terms not ended and not past their end date: a lapsed term covers nothing."""
    today = today or timezone.localdate()
    return FirstSecretaryTerm.objects.filter(ended_on__isnull=True).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=today)
    )


@dataclass
class ChildStats:
    place: Place
    counts: dict[str, int]
    first_secretary: FirstSecretaryTerm | None = None  # filled in by the community's home page


def place_children_stats(user: Actor, place: Place) -> list[ChildStats]:
    """Each child of `place` with counts of what lies under it, in a fixed number of queries.

    Counts group on the path prefix of the child level (one index range per metric), so the page
    costs the same for 3 districts or 300 compounds.
    """
    children = list(places_for_user(user).filter(parent=place).order_by("sort_order", "code"))
    if not children:
        return []
    plen = (place.depth + 1) * PLACE_SEGMENT + PLACE_SEGMENT

    def grouped(qs: QuerySet, path_field: str) -> dict[str, int]:
        rows = (
            qs.filter(**{f"{path_field}__startswith": place.path})
            .annotate(prefix=Substr(path_field, 1, plen))
            .values("prefix")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {r["prefix"]: r["n"] for r in rows}

    visible_places = places_for_user(user)
    communities = grouped(visible_places.filter(kind=Place.Kind.COMMUNITY), "path")
    compounds = grouped(visible_places.filter(kind__in=[Place.Kind.COMPOUND, Place.Kind.GRID]), "path")
    members = grouped(scope.members_for_user(user).filter(status=Member.Status.IN_SERVICE), "residence__path")
    residents = grouped(scope.residents_for_user(user), "residence__path")
    units = grouped(
        UnitAssignment.objects.filter(ended_on__isnull=True, unit__in=scope.units_for_user(user)),
        "community__path",
    )
    secretaries = grouped(first_secretary_terms_in_force().filter(place__in=visible_places), "place__path")
    out = []
    for child in children:
        key = child.path
        out.append(
            ChildStats(
                place=child,
                counts={
                    "communities": communities.get(key, 0),
                    "compounds": compounds.get(key, 0),
                    "units": units.get(key, 0),
                    "members": members.get(key, 0),
                    "residents": residents.get(key, 0),
                    "first_secretaries": secretaries.get(key, 0),
                },
            )
        )
    return out


def current_first_secretaries(places: list[Place]) -> dict[int, FirstSecretaryTerm]:
    terms = first_secretary_terms_in_force().filter(place__in=places).select_related("member__unit")
    return {t.place_id: t for t in terms}


def current_assignments(community: Place) -> QuerySet[UnitAssignment]:
    return (
        UnitAssignment.objects.filter(community=community, ended_on__isnull=True)
        .select_related("unit")
        .order_by("unit__code")
    )


def linked_units_with_members(user: Actor, community: Place) -> list[tuple[UnitAssignment, int]]:
    """The units assigned to the community now, each with its members in service the user sees
    living in the community."""
    counts = dict(
        members_for_user(user, within=community, status=Member.Status.IN_SERVICE)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(a, counts.get(a.unit_id, 0)) for a in current_assignments(community)]


def current_assignment_of(unit: Unit) -> UnitAssignment | None:
    """The community the unit is assigned to now (its assignment in force), if any."""
    return unit.assignments.filter(ended_on__isnull=True).select_related("community").first()


def party_orgs_of(unit: Unit) -> QuerySet[PartyOrg]:
    """The unit's party organisations, each with its members in service (`members_n`)."""
    return unit.party_orgs.annotate(
        members_n=Count("members", filter=Q(members__status=Member.Status.IN_SERVICE))
    ).order_by("id")


def assigned_units(community: Place) -> QuerySet[Unit]:
    """The units assigned to the community now, by name."""
    return Unit.objects.filter(pk__in=current_assignments(community).values("unit_id")).order_by("name")


def member_categories(member: Member) -> dict[str, list[str]]:
    """A member's skills and intentions by name, in one query (a union of the two link tables)."""
    skills = Member.skills.through.objects.filter(member=member).annotate(which=Value("skills"))
    intentions = Member.intentions.through.objects.filter(member=member).annotate(which=Value("intentions"))
    # "which" is the annotation above, which the type checker's plugin does not follow.
    rows = skills.values_list("which", "category__name").union(  # type: ignore[misc]
        intentions.values_list("which", "category__name"),  # type: ignore[misc]
        all=True,
    )
    out: dict[str, list[str]] = {"skills": [], "intentions": []}
    for which, name in rows:
        out[which].append(name)
    return out


def unit_member_counts(user: Actor, units: list[Unit]) -> dict[int, int]:
    """In-service members per unit, counting only the members the user may see."""
    return dict(
        scope.members_for_user(user)
        .filter(unit__in=[u.pk for u in units], status=Member.Status.IN_SERVICE)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def unit_page(user: Actor, unit: Unit) -> dict[str, object]:
    """The unit's page: its assignments (the latest first), its party organisations with their
    members the user sees (`n`), its work teams, and whether it may form the work team of the
    community it serves now (it has none there yet)."""
    assignments = list(unit.assignments.select_related("community").order_by("-start_on", "-id"))
    orgs = list(unit.party_orgs.select_related("parent").order_by("id"))
    counts = party_org_member_counts(user, unit)
    for o in orgs:
        o.n = counts.get(o.pk, 0)
    teams = unit_work_teams(user, unit)
    current = next((a for a in assignments if a.ended_on is None), None)
    can_create = current is not None and not any(t.is_active and t.community_id == current.community_id for t in teams)
    return {"assignments": assignments, "orgs": orgs, "teams": teams, "can_create_team": can_create}


def party_org_member_counts(user: Actor, unit: Unit) -> dict[int, int]:
    """Members per party organization of `unit`, counting only the members the user may see."""
    return dict(
        scope.members_for_user(user).filter(unit=unit).values_list("party_org_id").annotate(n=Count("pk")).order_by()
    )


def _current_first() -> list:
    # Current appointments first, then the most recent.
    return [F("ended_on").desc(nulls_first=True), "-start_on", "-id"]


def _show_member_names(user: Actor, rows: list, attr: str = "member") -> None:
    """Set `shown_name` on rows pointing at a member: the name when the member is in the user's
    scope, masked otherwise (a team or a term may hold people who live elsewhere)."""
    ids = {getattr(r, f"{attr}_id") for r in rows if getattr(r, f"{attr}_id")}
    visible = set(scope.members_for_user(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    for r in rows:
        person = getattr(r, attr)
        if person is None:
            r.shown_name = r.person_name
        else:
            r.shown_name = person.name if person.pk in visible else mask_name(person.name)


def unit_work_teams(user: Actor, unit: Unit) -> list[WorkTeam]:
    """The unit's work teams with current and past memberships (names per the user's scope)."""
    memberships = WorkTeamMembership.objects.select_related("member").order_by(*_current_first())
    teams = list(
        unit.work_teams.select_related("community")
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("-is_active", "id")
    )
    _show_member_names(user, [ms for t in teams for ms in t.memberships.all()])
    return teams


@dataclass
class PlaceAppointments:
    terms: list[FirstSecretaryTerm]
    heads: list[HeadAppointment]
    leader_links: list[LeaderLink]


def place_appointments(user: Actor, place: Place) -> PlaceAppointments:
    """First secretaries, 三长 and city leader links of a place, current ones first, with history."""
    terms = list(
        FirstSecretaryTerm.objects.filter(place=place).select_related("member__unit").order_by(*_current_first())
    )
    heads = list(
        HeadAppointment.objects.filter(place=place).select_related("member").order_by("kind", *_current_first())
    )
    links: list[LeaderLink] = []
    if place.kind == Place.Kind.COMMUNITY:
        links = list(LeaderLink.objects.filter(community=place).order_by(*_current_first()))
    _show_member_names(user, terms)
    _show_member_names(user, heads)
    return PlaceAppointments(terms=terms, heads=heads, leader_links=links)


def member_pick_for_user(user: Actor, q: str, *, unit_id: int | None = None) -> Member:
    """The one in-scope member matching an ID number, a mobile or a name (for appointment forms)."""
    q = q.strip()
    if not q:
        raise ValidationError({"member": _("请输入党员姓名或身份证号")})
    qs = members_for_user(user, q=q, unit_id=unit_id)
    found = list(qs[:2])
    if len(found) == 1:
        return found[0]
    exact = list(qs.filter(name=q)[:2]) if found else []
    if len(exact) == 1:
        return exact[0]
    if not found:
        raise ValidationError({"member": _("在您的管辖范围内未找到该党员")})
    raise ValidationError({"member": _("找到多名党员，请输入完整姓名或身份证号")})


def password_reset_users(user: Actor, *, q: str = "") -> QuerySet[User]:
    """The accounts the user may reset, by username or name, with their active roles loaded."""
    qs = scope.password_reset_users_for_user(user)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    roles = RoleAssignment.objects.filter(is_active=True).select_related("place", "unit", "member", "resident")
    return qs.prefetch_related(Prefetch("role_assignments", queryset=roles, to_attr="active_roles")).order_by(
        "username"
    )


# --- pickers: a place or a unit chosen by name or code, never typed as a code -------------------

SUGGESTIONS = 20
PickedT = TypeVar("PickedT", Place, Unit)
RESIDENCE_KINDS = (Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING)


def place_labels(places: list[Place]) -> dict[int, str]:
    """Each place with the names above it below the city ("安宁社区 › 安一小区 › 3栋"), in one query."""
    ids = {i for p in places for i in p.ancestor_ids()}
    names = dict(Place.objects.filter(pk__in=ids, depth__gt=1).values_list("pk", "name"))
    return {p.pk: " › ".join(names[i] for i in p.ancestor_ids() if i in names) or p.name for p in places}


def residence_in_city(city: Place | None, pk: int) -> Place | None:
    """The compound, grid or building of the city with id `pk`, else None (none elsewhere)."""
    return Place.objects.filter(pk=pk, kind__in=RESIDENCE_KINDS, path__startswith=city.path if city else "-").first()


def unit_in_city(city: Place | None, pk: int) -> Unit | None:
    """The active unit with id `pk` whose office is in the city, else None (none elsewhere)."""
    return Unit.objects.filter(pk=pk, is_active=True, office_place__path__startswith=city.path if city else "-").first()


def residences_in_city(city: Place | None, q: str) -> list[Place]:
    """Compounds, grids and buildings of the city whose name or code matches: where a member may
    move to (anywhere in the city, as member_move allows)."""
    q = q.strip()
    if city is None or not q:
        return []
    qs = Place.objects.filter(path__startswith=city.path, kind__in=RESIDENCE_KINDS)
    return list(qs.filter(Q(name__icontains=q) | Q(code__startswith=q)).order_by("path")[:SUGGESTIONS])


def units_in_city(city: Place | None, q: str) -> list[Unit]:
    """Active units with their office in the city whose name or code matches (a member's new unit)."""
    q = q.strip()
    if city is None or not q:
        return []
    qs = Unit.objects.filter(is_active=True, office_place__path__startswith=city.path)
    return list(qs.filter(Q(name__icontains=q) | Q(code__startswith=q)).order_by("code")[:SUGGESTIONS])


def place_tree(user: Actor) -> list[tuple[Place, int, list[tuple[Place, int]]]]:
    """The place tree as it opens: what the user sees at the top, each with its number of children
    and its children one level down (deeper levels load when opened)."""
    return [(node, n, place_tree_children(user, node) if n else []) for node, n in place_tree_children(user, None)]


def show_path_labels(places: list[Place]) -> None:
    """Set `path_label` on each place: its name with the names above it."""
    labels = place_labels(places)
    for p in places:
        p.path_label = labels[p.pk]  # type: ignore[attr-defined]


def place_tree_children(user: Actor, parent: Place | None) -> list[tuple[Place, int]]:
    """The places of the tree under `parent` (None: the top of what the user sees), each with how
    many children it has for the user, in two queries."""
    visible = scope.places_for_user(user)
    if parent is None:
        nodes = list(visible.exclude(parent__in=visible).order_by("depth", "sort_order", "code"))
    else:
        nodes = list(visible.filter(parent=parent).order_by("sort_order", "code"))
    counts = dict(
        visible.filter(parent__in=[n.pk for n in nodes]).values_list("parent_id").annotate(n=Count("pk")).order_by()
    )
    return [(n, counts.get(n.pk, 0)) for n in nodes]


def pick_one(candidates: list[PickedT], typed: str) -> PickedT | None:
    """What a person typed without choosing a suggestion: the one candidate whose name or code is
    exactly that, if only one is."""
    typed = typed.strip()
    exact = [c for c in candidates if typed in (c.name, c.code)]
    return exact[0] if len(exact) == 1 else None


def community_of(place: Place) -> Place | None:
    """The community a place lies in (the place itself if it is one); None above community level."""
    if place.kind == Place.Kind.COMMUNITY:
        return place
    return Place.objects.filter(pk__in=place.ancestor_ids(), kind=Place.Kind.COMMUNITY).first()


def places_in(community: Place) -> QuerySet[Place]:
    """The places an id sent for a demand, an activity, a call-up or a record of `community` is
    looked up among: the community and what lies under it (anything else is out of sight, a 404)."""
    return Place.objects.filter(path__startswith=community.path)


def community_path(place: Place) -> str:
    """The path of the community a place lies in (the place's own path above community level)."""
    community = community_of(place)
    return community.path if community else place.path


def city_of(place: Place) -> Place | None:
    """The nearest ancestor of kind city (or the place itself)."""
    ids = place.ancestor_ids()
    return Place.objects.filter(pk__in=ids, kind=Place.Kind.CITY).order_by("-depth").first()


def rule_rows(key: str, city_ids: Iterable[int | None] | None) -> dict[int | None, Decimal]:
    """The stored rows of a rule for these cities (None among them: the deployment's row), or every
    row when `city_ids` is None — what core.rules reads (the hook `rule_rows`, provided in ready())."""
    rows = Rule.objects.filter(key=key)
    if city_ids is not None:
        ids = list(city_ids)
        # `city_id__in=[x, None]` would silently drop the NULL: ask for the deployment row explicitly.
        q = Q(city_id__in=[c for c in ids if c is not None])
        if None in ids:
            q |= Q(city__isnull=True)
        rows = rows.filter(q)
    return {r.city_id: r.value for r in rows}


def area_names(community: Place) -> tuple[str, str]:
    """(district, street) names above a community, in one query: what its posters print above the QR."""
    kinds = {
        p.kind: p.name
        for p in Place.objects.filter(
            pk__in=community.ancestor_ids(), kind__in=[Place.Kind.STREET, Place.Kind.DISTRICT]
        ).only("kind", "name")
    }
    return kinds.get(Place.Kind.DISTRICT, ""), kinds.get(Place.Kind.STREET, "")
