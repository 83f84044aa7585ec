"""Who sees what: the ONLY place that decides it (DOMAIN.md §4).

Every selector and every view asks here. A user may hold several role assignments; what they see
is the union of what each assignment grants. Out of scope is treated like missing (404).

Place-scoped roles see the subtree of their place (one index range on Place.path). Admin roles
(city / district / street) also see units whose office is under their place and those units'
members; community staff and compound secretaries see the people who live under their place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from baodao.accounts.models import ADMIN_ROLES, PLACE_ROLES, Actor, Role, RoleAssignment, User
from baodao.directory.models import (
    LeaderLink,
    Member,
    Place,
    Resident,
    Unit,
    UnitAssignment,
    WorkTeam,
    WorkTeamMembership,
)

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    superuser: bool = False
    # (role, place path) for every place-scoped assignment
    place_grants: tuple[tuple[str, str], ...] = ()
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    member_ids: frozenset[int] = field(default_factory=frozenset)
    resident_ids: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    # The active RoleAssignment rows themselves (place/unit/member/resident loaded), for pages that
    # show the user's own roles without asking the database again.
    assignments: tuple[RoleAssignment, ...] = field(default=(), compare=False)

    @property
    def admin_paths(self) -> list[str]:
        return [p for r, p in self.place_grants if r in ADMIN_ROLES]

    @property
    def place_paths(self) -> list[str]:
        return [p for _, p in self.place_grants]

    @property
    def is_staff_like(self) -> bool:
        return self.superuser or bool(self.place_grants or self.unit_ids)


def scope_for(user: Actor) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_baodao_scope", None)
    if cached is not None:
        return cached
    grants: list[tuple[str, str]] = []
    units: set[int] = set()
    members: set[int] = set()
    residents: set[int] = set()
    roles: set[str] = set()
    rows = list(RoleAssignment.objects.filter(user=user, is_active=True).select_related("place"))

    for ra in rows:
        roles.add(ra.role)
        if ra.role in PLACE_ROLES and ra.place is not None:
            grants.append((ra.role, ra.place.path))
        elif ra.role == Role.UNIT_SECRETARY and ra.unit_id is not None:
            units.add(ra.unit_id)
        elif ra.role == Role.MEMBER and ra.member_id is not None:
            members.add(ra.member_id)
        elif ra.role == Role.RESIDENT and ra.resident_id is not None:
            residents.add(ra.resident_id)
    scope = Scope(
        superuser=user.is_superuser,
        place_grants=tuple(grants),
        unit_ids=frozenset(units),
        member_ids=frozenset(members),
        resident_ids=frozenset(residents),
        roles=frozenset(roles),
        assignments=tuple(rows),
    )
    user._baodao_scope = scope  # type: ignore[attr-defined]  # cached on the user object for this request
    return scope


def _any_prefix(lookup: str, paths: list[str]) -> Q:
    q = NOTHING
    for p in paths:
        q |= Q(**{f"{lookup}__startswith": p})
    return q


def _ancestor_ids(paths: list[str]) -> set[int]:
    return {int(s, 36) for p in paths for s in p.split(".") if s}


# --- places -------------------------------------------------------------------------------------


def sees_whole_area(user: Actor, place: Place) -> bool:
    """True when everything under `place` is in the user's scope: every compound, every member who
    lives there and every unit whose community (or office, while unassigned) is there. Such a user's
    figures for the area are the area's own, so they may be read from area-wide counts."""
    scope = scope_for(user)
    return scope.superuser or any(place.path.startswith(path) for _, path in scope.place_grants)


def places_for_user(user: Actor) -> QuerySet[Place]:
    scope = scope_for(user)
    qs = Place.objects.all()
    if scope.superuser:
        return qs
    q = _any_prefix("path", scope.place_paths)
    if scope.unit_ids:
        # A unit secretary sees the communities its unit is assigned to, and what is under them.
        paths = list(
            Place.objects.filter(
                unit_assignments__unit_id__in=scope.unit_ids, unit_assignments__ended_on__isnull=True
            ).values_list("path", flat=True)
        )
        q |= _any_prefix("path", paths)
    own = list(Member.objects.filter(pk__in=scope.member_ids).values_list("residence__path", flat=True))
    own += list(Resident.objects.filter(pk__in=scope.resident_ids).values_list("residence__path", flat=True))
    if own:
        # Members and residents see where they live and the places above it.
        q |= Q(pk__in=_ancestor_ids(own))
    return qs.filter(q)


# --- units --------------------------------------------------------------------------------------


def _units_q(scope: Scope) -> Q:
    paths = scope.place_paths
    q = NOTHING
    if paths:
        current = UnitAssignment.objects.filter(ended_on__isnull=True)
        q |= _any_prefix("office_place__path", paths)
        q |= Q(pk__in=current.filter(_any_prefix("community__path", paths)).values("unit_id"))
        # A compound's secretary also sees the units assigned to the community above the compound.
        q |= Q(pk__in=current.filter(community_id__in=_ancestor_ids(paths)).values("unit_id"))
    if scope.unit_ids:
        q |= Q(pk__in=scope.unit_ids)
    if scope.member_ids:
        q |= Q(pk__in=Member.objects.filter(pk__in=scope.member_ids).values("unit_id"))
    return q


def units_for_user(user: Actor) -> QuerySet[Unit]:
    scope = scope_for(user)
    if scope.superuser:
        return Unit.objects.all()
    return Unit.objects.filter(_units_q(scope))


# --- members ------------------------------------------------------------------------------------


def _members_q(scope: Scope) -> Q:
    # Subqueries on the place and unit ids rather than an OR across two joins: PostgreSQL then
    # reads two index ranges instead of scanning every member (bench/province_scope.py).
    q = NOTHING
    if scope.place_paths:
        q |= Q(residence_id__in=Place.objects.filter(_any_prefix("path", scope.place_paths)).values("pk"))
    if scope.admin_paths:
        q |= Q(unit_id__in=Unit.objects.filter(_any_prefix("office_place__path", scope.admin_paths)).values("pk"))
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    if scope.member_ids:
        q |= Q(pk__in=scope.member_ids)
    return q


def members_for_user(user: Actor) -> QuerySet[Member]:
    scope = scope_for(user)
    if scope.superuser:
        return Member.objects.all()
    return Member.objects.filter(_members_q(scope))


def member_pii_visible(user: Actor, member: Member) -> bool:
    """Full ID number / mobile / address only for those who manage the person.

    The member's unit secretary, the community staff where the member lives, admins above either,
    and the member. Compound secretaries and everyone else see masked values. Expects
    `residence` and `unit__office_place` to be loaded (select_related) to stay query-free.
    """
    return member.pk in scope_for(user).member_ids or can_manage_member(user, member)


def members_with_pii_for_user(user: Actor) -> QuerySet[Member]:
    """The members for whom `member_pii_visible` holds, as a queryset: a search by a full ID
    number or mobile finds only these (for anyone else it would confirm a guessed number)."""
    scope = scope_for(user)
    if scope.superuser:
        return Member.objects.all()
    q = NOTHING
    if scope.member_ids:
        q |= Q(pk__in=scope.member_ids)
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    for role, path in scope.place_grants:
        if role == Role.COMPOUND_SECRETARY:
            continue
        q |= Q(residence__path__startswith=path)
        if role in ADMIN_ROLES:
            q |= Q(unit__office_place__path__startswith=path)
    return Member.objects.filter(q)


def can_manage_member(user: Actor, member: Member) -> bool:
    """Change a member's status or residence: the unit secretary, the community staff where the
    member lives, and admins above either (the people who see the member's full data)."""
    scope = scope_for(user)
    if scope.superuser or member.unit_id in scope.unit_ids:
        return True
    for role, path in scope.place_grants:
        if role == Role.COMPOUND_SECRETARY:
            continue
        if member.residence.path.startswith(path):
            return True
        if role in ADMIN_ROLES and member.unit.office_place.path.startswith(path):
            return True
    return False


# --- residents ----------------------------------------------------------------------------------


def residents_for_user(user: Actor) -> QuerySet[Resident]:
    scope = scope_for(user)
    if scope.superuser:
        return Resident.objects.all()
    q = _any_prefix("residence__path", scope.place_paths)
    if scope.resident_ids:
        q |= Q(pk__in=scope.resident_ids)
    return Resident.objects.filter(q)


def resident_pii_visible(user: Actor, resident: Resident) -> bool:
    scope = scope_for(user)
    if scope.superuser or resident.pk in scope.resident_ids:
        return True
    return any(
        role != Role.COMPOUND_SECRETARY and resident.residence.path.startswith(path)
        for role, path in scope.place_grants
    )


def residents_with_pii_for_user(user: Actor) -> QuerySet[Resident]:
    """The residents for whom `resident_pii_visible` holds, as a queryset (filters on hardship
    flags must not reveal who is flagged to those who see the flags masked)."""
    scope = scope_for(user)
    if scope.superuser:
        return Resident.objects.all()
    q = _any_prefix("residence__path", [p for r, p in scope.place_grants if r != Role.COMPOUND_SECRETARY])
    if scope.resident_ids:
        q |= Q(pk__in=scope.resident_ids)
    return Resident.objects.filter(q)


# --- writes -------------------------------------------------------------------------------------


def can_manage_master_data(user: Actor) -> bool:
    """Import and edit places, units, members, residents: admins and community staff."""
    scope = scope_for(user)
    return scope.superuser or any(r in ADMIN_ROLES or r == Role.COMMUNITY_STAFF for r, _ in scope.place_grants)


def rule_city_for(user: Actor) -> Place | None:
    """The city whose rules this user edits: a city admin's city (the first, if several)."""
    scope = scope_for(user)
    paths = [p for r, p in scope.place_grants if r == Role.CITY_ADMIN]
    if not paths:
        return None
    return Place.objects.filter(path__in=paths, kind=Place.Kind.CITY).order_by("path").first()


def can_edit_categories(user: Actor) -> bool:
    """Category lists (skills, intentions, special groups, team types) are deployment-wide: the
    superuser and city admins edit them; every change is in the audit log."""
    scope = scope_for(user)
    return scope.superuser or Role.CITY_ADMIN in scope.roles


def home_city(user: Actor) -> Place | None:
    """The city a user works in (their first place, unit office or residence), for per-city rules."""
    scope = scope_for(user)
    paths = list(scope.place_paths)
    if not paths:
        paths += list(Unit.objects.filter(pk__in=scope.unit_ids).values_list("office_place__path", flat=True)[:1])
        paths += list(Member.objects.filter(pk__in=scope.member_ids).values_list("residence__path", flat=True)[:1])
        paths += list(Resident.objects.filter(pk__in=scope.resident_ids).values_list("residence__path", flat=True)[:1])
    if not paths:
        return None
    return Place.objects.filter(pk__in=_ancestor_ids(paths[:1]), kind=Place.Kind.CITY).order_by("-depth").first()


def home_city_id(user: Actor) -> int | None:
    city = home_city(user)
    return city.pk if city else None


def can_view_audit(user: Actor) -> bool:
    # The same people as the category lists today; two names because the two may part.
    return can_edit_categories(user)


def audit_actors_for_user(user: Actor) -> QuerySet[User] | None:
    """Whose audit entries (changes, logins, exports) the user may read; None means everyone's.

    The superuser (who runs the deployment) reads all. A city admin reads what was done by the
    accounts of the city: anyone who holds or held a role on a place in the city, as secretary of
    a unit with its office there, or as a member or resident living there. Entries of another city
    sharing the deployment, and failed logins to names that are nobody's, are not theirs.
    """
    scope = scope_for(user)
    if scope.superuser:
        return None
    paths = [p for r, p in scope.place_grants if r == Role.CITY_ADMIN]
    if not paths:
        return User.objects.none()
    q = NOTHING
    for lookup in (
        "place__path",
        "unit__office_place__path",
        "member__residence__path",
        "member__unit__office_place__path",
        "resident__residence__path",
    ):
        q |= _any_prefix(lookup, paths)
    return User.objects.filter(pk__in=RoleAssignment.objects.filter(q).values("user_id"))


# --- accounts whose password an admin may reset -------------------------------------------------


def may_reset_passwords(user: Actor) -> bool:
    """City, district and street admins (and the superuser) reset the passwords of the accounts beneath them."""
    scope = scope_for(user)
    return scope.superuser or bool(scope.admin_paths)


def password_reset_users_for_user(user: Actor) -> QuerySet[User]:
    """The accounts whose password the user may reset: active accounts (never a superuser, never
    the user's own) whose every active role lies strictly beneath one of the user's admin places —
    a place role on a place below it, the secretary of a unit with its office there, a member who
    lives or works there, a resident who lives there. An admin of the same level (another street
    admin of the street) or above is not theirs; nor is an account with any role elsewhere (its
    other admin would not know). Accounts with no role at all are the superuser's.
    """
    scope = scope_for(user)
    if not isinstance(user, User):
        return User.objects.none()
    users = User.objects.filter(is_active=True, is_superuser=False).exclude(pk=user.pk)
    if scope.superuser:
        return users
    paths = scope.admin_paths
    if not paths:
        return users.none()
    beneath = NOTHING
    for p in paths:
        beneath |= Q(place__path__startswith=p) & ~Q(place__path=p)
    allowed = (
        Q(role__in=sorted(r.value for r in PLACE_ROLES)) & beneath
        | Q(role=Role.UNIT_SECRETARY) & _any_prefix("unit__office_place__path", paths)
        | Q(role=Role.MEMBER)
        & (_any_prefix("member__residence__path", paths) | _any_prefix("member__unit__office_place__path", paths))
        | Q(role=Role.RESIDENT) & _any_prefix("resident__residence__path", paths)
    )
    active = RoleAssignment.objects.filter(is_active=True)
    return users.filter(pk__in=active.filter(allowed).values("user_id")).exclude(
        pk__in=active.exclude(allowed).values("user_id")
    )


# --- rows of the domain apps -------------------------------------------------------------------


def _community_q(scope: Scope, field: str) -> Q:
    """Rows tied to a community: staff and admins above it see them; compound secretaries too
    (their compound lies inside the community, so they see what is reported to it)."""
    paths = scope.place_paths
    q = _any_prefix(f"{field}__path", paths)
    ancestors = _ancestor_ids([p for r, p in scope.place_grants if r == Role.COMPOUND_SECRETARY])
    if ancestors:
        q |= Q(**{f"{field}_id__in": ancestors})
    return q


def rows_q(
    user: Actor,
    *,
    community: str | None = None,
    community_admins: str | None = None,
    unit: str | None = None,
    member: str | None = None,
    resident: str | None = None,
) -> Q:
    """Which rows of a domain app's model the user sees, through the relations the model names.

    A domain app's selector calls this with its own relation paths, e.g. a member report with
    `community="community", unit="unit", member="member"`; the result is a Q on that model, the
    union of what each relation grants:
    - `community`: a FK to a community: its staff and the admins above it, and the secretaries of
      the compounds inside it;
    - `community_admins`: a FK to a community seen only by the admins above it (city, district,
      street), not by its staff;
    - `unit`: a FK to a unit: the unit's secretaries;
    - `member` / `resident`: a FK to a member / resident: that person.
    The superuser sees every row (an empty Q); a user with none of these relations sees none.
    """
    scope = scope_for(user)
    if scope.superuser:
        return Q()
    q = NOTHING
    if community is not None:
        q |= _community_q(scope, community)
    if community_admins is not None:
        q |= _any_prefix(f"{community_admins}__path", scope.admin_paths)
    if unit is not None and scope.unit_ids:
        q |= Q(**{f"{unit}_id__in": scope.unit_ids})
    if member is not None and scope.member_ids:
        q |= Q(**{f"{member}_id__in": scope.member_ids})
    if resident is not None and scope.resident_ids:
        q |= Q(**{f"{resident}_id__in": scope.resident_ids})
    return q


# --- the service list (三张清单) -------------------------------------------------------------------


def led_team_ids(user: Actor) -> set[int]:
    """The liaison work teams the user's member record currently leads (队长负责制)."""
    scope = scope_for(user)
    if not scope.member_ids:
        return set()
    return set(
        WorkTeamMembership.objects.filter(
            member_id__in=scope.member_ids, role=WorkTeamMembership.Role.LEADER, ended_on__isnull=True
        ).values_list("team_id", flat=True)
    )


def serving_q(user: Actor, community: str) -> Q:
    """Rows tied to a community (`community` a FK to it) on the service list this user sees:
    a member or a resident the community he or she lives in; a unit secretary the communities the
    unit is assigned to; a team leader the team's community; staff and admins what `rows_q` grants."""
    scope = scope_for(user)
    if scope.superuser:
        return Q()
    q = _community_q(scope, community)
    if scope.member_ids:
        homes = list(Member.objects.filter(pk__in=scope.member_ids).values_list("residence__path", flat=True))
        q |= Q(**{f"{community}_id__in": _ancestor_ids(homes)})
        teams = led_team_ids(user)
        if teams:
            led = WorkTeam.objects.filter(pk__in=teams).values("community_id")
            q |= Q(**{f"{community}_id__in": led})
    if scope.unit_ids:
        current = UnitAssignment.objects.filter(unit_id__in=scope.unit_ids, ended_on__isnull=True)
        q |= Q(**{f"{community}_id__in": current.values("community_id")})
    if scope.resident_ids:
        # Residents read their community's service list (what the public board shows, too).
        homes = list(Resident.objects.filter(pk__in=scope.resident_ids).values_list("residence__path", flat=True))
        q |= Q(**{f"{community}_id__in": _ancestor_ids(homes)})
    return q


def holder_q(user: Actor, *, member: str, team: str, unit: str) -> Q:
    """Rows (claims) held by the user: as the member, as a leader of the team, as the unit's
    secretary. Holding a claim shows nothing of the beneficiary by itself: the holder reads the
    contact only by a recorded reading while the work is under way (needs.services.contact_reveal)."""
    scope = scope_for(user)
    q = NOTHING
    if scope.member_ids:
        q |= Q(**{f"{member}_id__in": scope.member_ids})
        teams = led_team_ids(user)
        if teams:
            q |= Q(**{f"{team}_id__in": teams})
    if scope.unit_ids:
        q |= Q(**{f"{unit}_id__in": scope.unit_ids})
    return q


def place_pii_visible(user: Actor, place: Place) -> bool:
    """Contact details given for a place (a poster submission without a roster record): the
    people who manage the residents there, as for `resident_pii_visible`."""
    scope = scope_for(user)
    return scope.superuser or any(
        role != Role.COMPOUND_SECRETARY and place.path.startswith(path) for role, path in scope.place_grants
    )


def can_review_at(user: Actor, place: Place) -> bool:
    """Review residents' demands about a place: the staff of its community (or an admin above),
    and the secretary of the compound it lies in."""
    scope = scope_for(user)
    return scope.superuser or any(
        (r in (Role.COMMUNITY_STAFF, Role.COMPOUND_SECRETARY) or r in ADMIN_ROLES) and place.path.startswith(p)
        for r, p in scope.place_grants
    )


def communities_reviewed_by(user: Actor) -> QuerySet[Place]:
    """The communities where `can_review_at` holds for the community itself or for a compound in
    it: those under the user's staff and admin grants, and the community of a compound whose
    secretary the user is — one query, whatever the number of communities."""
    scope = scope_for(user)
    communities = Place.objects.filter(kind=Place.Kind.COMMUNITY)
    if scope.superuser:
        return communities
    paths = [p for r, p in scope.place_grants if r == Role.COMMUNITY_STAFF or r in ADMIN_ROLES]
    q = _any_prefix("path", paths)
    compounds = [p for r, p in scope.place_grants if r == Role.COMPOUND_SECRETARY]
    if compounds:
        q |= Q(pk__in=_ancestor_ids(compounds))
    return communities.filter(q)


def is_community_staff_of(user: Actor, community: Place) -> bool:
    """The community's own staff (销号 is theirs alone)."""
    scope = scope_for(user)
    return scope.superuser or any(
        r == Role.COMMUNITY_STAFF and community.path.startswith(p) for r, p in scope.place_grants
    )


def communities_confirmed_by(user: Actor) -> QuerySet[Place]:
    """The communities whose service records the user confirms (逐项确认): the community's own
    staff — not the member's unit, not an admin above (the community vouches for what happened in
    it)."""
    scope = scope_for(user)
    communities = Place.objects.filter(kind=Place.Kind.COMMUNITY)
    if scope.superuser:
        return communities
    paths = [p for r, p in scope.place_grants if r == Role.COMMUNITY_STAFF]
    return communities.filter(_any_prefix("path", paths)) if paths else communities.none()


def communities_managed_by(user: Actor) -> QuerySet[Place]:
    """The communities whose staff or admins above the user is (teams, pairings, call-ups, group
    robots are theirs to manage)."""
    scope = scope_for(user)
    communities = Place.objects.filter(kind=Place.Kind.COMMUNITY)
    if scope.superuser:
        return communities.order_by("sort_key")
    paths = [p for r, p in scope.place_grants if r == Role.COMMUNITY_STAFF or r in ADMIN_ROLES]
    return communities.filter(_any_prefix("path", paths)).order_by("sort_key") if paths else communities.none()


# --- who acts where -----------------------------------------------------------------------------


def can_act_for_community(user: Actor, community: Place) -> bool:
    """Confirm or return reports to a community: its staff, or an admin above it."""
    scope = scope_for(user)
    return scope.superuser or any(
        (r == Role.COMMUNITY_STAFF or r in ADMIN_ROLES) and community.path.startswith(p) for r, p in scope.place_grants
    )


def can_manage_appointments(user: Actor, place: Place) -> bool:
    """Appoint or end first secretaries and 三长 at a place: the staff of the community it lies in,
    or an admin above it (compound secretaries are appointed, they do not appoint)."""
    return can_act_for_community(user, place)


def leader_links_of(user: Actor) -> QuerySet[LeaderLink]:
    """The current city-leader links in which the user is the leader (市级领导 linked to a community)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return LeaderLink.objects.none()
    return LeaderLink.objects.filter(user=user, ended_on__isnull=True)


def leader_links_for_user(user: Actor) -> QuerySet[LeaderLink]:
    """The links whose weekly visits the user sees: the user's own, and those of the communities the
    user is staff of or an admin above (the city that links its leaders follows their visits)."""
    scope = scope_for(user)
    links = LeaderLink.objects.filter(ended_on__isnull=True)
    if scope.superuser:
        return links
    paths = [p for r, p in scope.place_grants if r == Role.COMMUNITY_STAFF or r in ADMIN_ROLES]
    own = Q(user=user) if getattr(user, "is_authenticated", False) else NOTHING
    return links.filter(own | _any_prefix("community__path", paths))


def can_link_city_leaders(user: Actor, community: Place) -> bool:
    """Link city leaders (市级领导) to a community: the city admin above it."""
    scope = scope_for(user)
    return scope.superuser or any(r == Role.CITY_ADMIN and community.path.startswith(p) for r, p in scope.place_grants)


def can_manage_work_teams(user: Actor, unit: Unit) -> bool:
    """Add or end members of a unit's liaison work teams: the unit's secretary, or an admin above
    the unit's office. Expects `office_place` to be loaded."""
    scope = scope_for(user)
    if scope.superuser or unit.pk in scope.unit_ids:
        return True
    return any(unit.office_place.path.startswith(p) for p in scope.admin_paths)


def can_act_for_unit(user: Actor, unit: Unit) -> bool:
    """Issue certificates, submit the unit's report, approve self-reports: the unit's secretary."""
    scope = scope_for(user)
    return scope.superuser or unit.pk in scope.unit_ids


def _assigner_paths(scope: Scope) -> list[str]:
    return [p for r, p in scope.place_grants if r in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN)]


def assignable_units_for_user(user: Actor) -> QuerySet[Unit]:
    """Units the user may assign to a community: the city admin's, or a district admin's own units."""
    scope = scope_for(user)
    if scope.superuser:
        return Unit.objects.all()
    return Unit.objects.filter(_any_prefix("office_place__path", _assigner_paths(scope)))


def may_assign_units(user: Actor) -> bool:
    """Whether the user assigns any units at all (the 分配社区 link): city and district admins."""
    scope = scope_for(user)
    return scope.superuser or bool(_assigner_paths(scope))


def can_assign_units(user: Actor, unit: Unit) -> bool:
    scope = scope_for(user)
    office = unit.office_place.path
    return scope.superuser or any(office.startswith(p) for p in _assigner_paths(scope))
