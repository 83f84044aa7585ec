"""Reads of the service record, scoped by directory.scope: the activities a user sees, the
records a user sees, what waits for the community's confirmation, a member's own record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from baodao.accounts.models import Actor, User
from baodao.core.rules import CityRef, get_rule_int
from baodao.directory import scope
from baodao.directory.models import FirstSecretaryTerm, LeaderLink, Member, Place, Unit, UnitAssignment
from baodao.needs.hooks import ServiceDone
from baodao.needs.models import Claim, Demand
from baodao.records.models import (
    Activity,
    Callup,
    Commitment,
    LeaderVisit,
    Pairing,
    Record,
    RecordEvent,
    ServiceCertificate,
    Signup,
    Team,
    TeamClaim,
    TeamMember,
)
from baodao.reporting.models import MemberReport
from baodao.reporting.selectors import visible_member_reports


def activities_for_user(user: Actor) -> QuerySet[Activity]:
    """Activities of the communities the user serves in or manages (members and residents: where
    they live; unit secretaries: where the unit is assigned; staff: their area), and those the
    user organized."""
    q = scope.serving_q(user, "community")
    if not q:  # the superuser: every row (an empty Q ORed with anything would narrow it)
        return Activity.objects.all()
    if getattr(user, "is_authenticated", False):
        q |= Q(organizer_id=user.pk)
    return Activity.objects.filter(q)


def is_own_record(record: Record, user: Actor) -> bool:
    """The user logged the record, or it is the record of a member the user acts as (a member role):
    confirming, returning or mending it as staff takes a second person."""
    if record.logged_by_id == user.pk:
        return True
    return record.member_id is not None and record.member_id in scope.scope_for(user).member_ids


def members_seen(user: Actor, *lists: QuerySet) -> QuerySet[Member]:
    """The members whose names the user may read, to look up an id the user sends: those the
    directory shows the user, those whose report to a community the user sees, and those on a list
    the user runs (`lists`: member ids, e.g. an activity's sign-ups or a call-up's answers). A
    refusal may name a member found here; any other id is out of sight (404, as a missing one)."""
    q = Q(pk__in=scope.members_for_user(user).values("pk")) | Q(pk__in=visible_member_reports(user).values("member_id"))
    for rows in lists:
        q |= Q(pk__in=rows)
    return Member.objects.filter(q)


def upcoming_for_member(user: Actor, member: Member, *, now: dt.datetime | None = None) -> QuerySet[Activity]:
    """Open activities not yet over in the communities the member is reported to, soonest first."""
    now = now or timezone.now()
    reported = MemberReport.objects.filter(member=member, status=MemberReport.Status.CONFIRMED).values("community_id")
    return (
        Activity.objects.filter(community_id__in=reported, status=Activity.Status.OPEN, ends_at__gt=now)
        .select_related("kind", "place", "community")
        .order_by("starts_at", "id")
    )


def attendance_lists(activity: Activity) -> list[QuerySet]:
    """The lists an organizer runs for an activity (member ids): its sign-ups and, for a team's
    activity, the team's live members. Their names are the organizer's to read (members_seen)."""
    lists: list[QuerySet] = [activity.signups.exclude(status=Signup.Status.CANCELLED).values("member_id")]
    if activity.audience == Activity.Audience.TEAM:
        team = activity.team_id or 0  # a team activity always names its team
        lists.append(TeamMember.objects.filter(team_id=team, left_at__isnull=True).values("member_id"))
    return lists


def attendance_candidates(user: Actor, activity: Activity) -> QuerySet[Member]:
    """Whom the organizer may mark present by hand: the members the activity is for (as
    access.joinable says: reported to its community and in service, narrowed to its units or its
    team) whose names the organizer may read, less those whose attendance is already recorded."""
    reported = MemberReport.objects.filter(community_id=activity.community_id, status=MemberReport.Status.CONFIRMED)
    rows = Member.objects.filter(pk__in=reported.values("member_id"), status=Member.Status.IN_SERVICE)
    if activity.audience == Activity.Audience.UNITS:
        rows = rows.filter(unit__in=activity.units.all())
    elif activity.audience == Activity.Audience.TEAM:
        team = activity.team_id or 0
        live = TeamMember.objects.filter(team_id=team, left_at__isnull=True)
        rows = rows.filter(pk__in=live.values("member_id"))
    rows = rows.filter(pk__in=members_seen(user, *attendance_lists(activity)).values("pk"))
    done = Signup.objects.filter(activity=activity, status__in=(Signup.Status.ATTENDED, Signup.Status.SHORT))
    return rows.exclude(pk__in=done.values("member_id")).select_related("unit").order_by("name", "pk")


def member_signups(member: Member) -> dict[int, Signup]:
    return {
        s.activity_id: s
        for s in Signup.objects.filter(member=member).exclude(status=Signup.Status.CANCELLED).order_by("id")
    }


def activity_signups(activity: Activity) -> list[Signup]:
    """The activity's sign-ups not cancelled, in the order made (its organizer's list)."""
    return list(activity.signups.exclude(status=Signup.Status.CANCELLED).select_related("member").order_by("id"))


def records_for_user(user: Actor) -> QuerySet[Record]:
    """Records of the user's area (community staff, compound secretaries, admins above), of the
    unit's members (the unit's secretary) and the user's own."""
    return Record.objects.filter(scope.rows_q(user, community="community", unit="unit", member="member"))


def pending_for_user(user: Actor, *, community: Place | None = None) -> QuerySet[Record]:
    """What waits for this user's confirmation: pending records of the communities where the user
    is community staff (the community confirms, not the member's unit)."""
    communities = confirming_communities(user)
    rows = Record.objects.filter(status=Record.Status.PENDING, community__in=communities)
    if community is not None:
        rows = rows.filter(community=community)
    return rows.select_related("member", "unit", "community", "place", "activity", "signup", "kind", "logged_by")


def confirming_communities(user: Actor) -> QuerySet[Place]:
    return scope.communities_confirmed_by(user)


def organizer_communities(user: Actor) -> QuerySet[Place]:
    """Communities the user may create activities in: where the user reviews (staff, a compound's
    secretary, admins above) and, for a unit secretary, those the unit is assigned to."""
    s = scope.scope_for(user)
    q = scope.communities_reviewed_by(user)
    if s.unit_ids:
        assigned = UnitAssignment.objects.filter(unit_id__in=s.unit_ids, ended_on__isnull=True).values("community_id")
        q = q | Place.objects.filter(pk__in=assigned)
    return q.distinct().order_by("sort_key")


def organizing_units(user: Actor, community: Place) -> QuerySet[Unit]:
    """The units a unit secretary organizes joint activities for in this community (assigned to it)."""
    ids = scope.scope_for(user).unit_ids
    assigned = UnitAssignment.objects.filter(community=community, ended_on__isnull=True).values("unit_id")
    return Unit.objects.filter(pk__in=ids).filter(pk__in=assigned)


def team_communities(user: Actor) -> QuerySet[Place]:
    """Communities whose teams, pairings and call-ups the user manages: its staff, or an admin above it."""
    return scope.communities_managed_by(user)


def reported_community(member: Member) -> Place | None:
    """The community the member is reported to (confirmed), where the member's service is recorded."""
    report = (
        MemberReport.objects.filter(member=member, status=MemberReport.Status.CONFIRMED)
        .select_related("community")
        .order_by("-decided_at", "-id")
        .first()
    )
    return report.community if report else None


def own_records(member: Member, *, year: int | None = None) -> QuerySet[Record]:
    rows = Record.objects.filter(member=member)
    if year:
        tz = timezone.get_current_timezone()
        start, end = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
        rows = rows.filter(starts_at__gte=start, starts_at__lt=end)
    return rows.select_related("activity", "community", "kind", "demand").order_by("-starts_at", "-id")


def record_events(record: Record) -> list[RecordEvent]:
    return list(record.events.select_related("actor"))


def teams_of(member: Member) -> QuerySet[Team]:
    return Team.objects.filter(memberships__member=member, memberships__left_at__isnull=True, is_active=True)


def teams_to_join(member: Member, city: CityRef) -> int:
    """How many more volunteer teams the member is asked to join (the city's `member_min_teams`)."""
    return max(0, get_rule_int("member_min_teams", city=city) - teams_of(member).count())


def live_pairings(member: Member) -> QuerySet[Pairing]:
    """The member's live pairings; the household's details are the member's to see while paired."""
    return Pairing.objects.filter(member=member, ended_on__isnull=True).select_related("resident__residence")


def year_minutes_of_team(team: Team, year: int) -> int:
    """The confirmed minutes the team's current members served in its community in `year`."""
    members = team.memberships.filter(left_at__isnull=True).values("member_id")
    rows = Record.objects.filter(
        member_id__in=members, community=team.community, status=Record.Status.CONFIRMED, starts_at__year=year
    )
    return rows.aggregate(m=Sum("minutes"))["m"] or 0


def community_teams(community: Place) -> list[Team]:
    """The community's teams by type, each with its number of members (`n`) and its leader's name."""
    rows: list[Team] = list(
        Team.objects.filter(community=community)
        .select_related("kind")
        .annotate(n=Count("memberships", filter=Q(memberships__left_at__isnull=True)))
        .order_by("kind__sort_order", "name")
    )
    leaders = {
        tm.team_id: tm.member.name
        for tm in TeamMember.objects.filter(
            team__community=community, role=TeamMember.Role.LEADER, left_at__isnull=True
        ).select_related("member")
    }
    for t in rows:
        t.leader_name = leaders.get(t.pk, "")  # type: ignore[attr-defined]
    return rows


def team_members(team: Team) -> list[TeamMember]:
    """The team's current members, its leader first, then by when they joined."""
    return list(
        team.memberships.filter(left_at__isnull=True).select_related("member__unit").order_by("-role", "joined_at")
    )


def team_activities(team: Team) -> QuerySet[Activity]:
    return Activity.objects.filter(team=team).order_by("-starts_at", "-id")


def joinable_teams(member: Member, community: Place | None) -> QuerySet[Team]:
    """The active teams a member may join in the community reported to: the community's own and
    those of the member's unit there (the unit's first)."""
    if community is None:
        return Team.objects.none()
    return (
        Team.objects.filter(Q(unit__isnull=True) | Q(unit_id=member.unit_id), community=community, is_active=True)
        .select_related("kind", "unit")
        .order_by("-unit_id", "kind__sort_order")
    )


def unit_teams(unit: Unit) -> QuerySet[Team]:
    """The unit's own active teams in the communities it serves, each with its number of members."""
    return (
        Team.objects.filter(unit=unit, is_active=True)
        .select_related("community", "kind")
        .annotate(n=Count("memberships", filter=Q(memberships__left_at__isnull=True)))
        .order_by("community__sort_key", "name")
    )


def unit_commitments(unit: Unit, year: int) -> QuerySet[Commitment]:
    return Commitment.objects.filter(unit=unit, year=year).select_related("community").order_by("id")


def reported_members_of_unit(unit: Unit, communities: list[Place], limit: int = 500) -> QuerySet[Member]:
    """The unit's members confirmed in one of `communities` (a leader for the unit's own team)."""
    return (
        Member.objects.filter(
            unit=unit, reports__status=MemberReport.Status.CONFIRMED, reports__community__in=communities
        )
        .distinct()
        .order_by("name")[:limit]
    )


def member_of_unit(unit: Unit, pk: int | None) -> Member | None:
    return Member.objects.filter(pk=pk or 0, unit=unit).first()


def first_secretary_terms(member: Member) -> QuerySet[FirstSecretaryTerm]:
    """The member's terms as first secretary still in office."""
    return FirstSecretaryTerm.objects.filter(member=member, ended_on__isnull=True).select_related("place")


def community_callups(community: Place) -> QuerySet[Callup]:
    return Callup.objects.filter(community=community).order_by("-starts_at", "-id")


def community_pairings(community: Place) -> QuerySet[Pairing]:
    """The community's pairings, live ones first, each with its number of visits."""
    return (
        Pairing.objects.filter(community=community)
        .select_related("member", "resident")
        .annotate(visit_count=Count("visits"))
        .order_by("ended_on", "-started_on", "-id")
    )


def visits_to_decide(user: User) -> QuerySet[LeaderVisit]:
    """Leaders' visits waiting for the user's community to confirm — not those the user logged or
    made (nobody confirms their own)."""
    decidable = scope.communities_confirmed_by(user)
    return (
        LeaderVisit.objects.filter(status=LeaderVisit.Status.PENDING, community__in=decidable)
        .exclude(logged_by=user)
        .exclude(link__user=user)
        .select_related("link", "place", "community")
        .order_by("visited_on", "id")
    )


def visits_of(links: QuerySet[LeaderLink]) -> QuerySet[LeaderVisit]:
    return (
        LeaderVisit.objects.filter(link__in=links.values("pk"))
        .select_related("link", "place")
        .order_by("-visited_on", "-id")
    )


def certificates_of(member: Member) -> QuerySet[ServiceCertificate]:
    return ServiceCertificate.objects.filter(member=member).select_related("community").order_by("-issued_at")


def certificates_to_verify() -> QuerySet[ServiceCertificate]:
    """Every certificate, for the public page a certificate's QR code opens (by its token)."""
    return ServiceCertificate.objects.select_related("member", "community")


def records_of(*, member: Member | None = None, unit: Unit | None = None) -> QuerySet[Record]:
    """A member's or a unit's records (the ledgers; exports.year_records picks the year)."""
    return Record.objects.filter(member=member) if member is not None else Record.objects.filter(unit=unit)


def community_activities(user: Actor, community: Place) -> QuerySet[Activity]:
    """The community's activities the user sees, the latest first."""
    return (
        activities_for_user(user)
        .filter(community=community)
        .select_related("kind", "place")
        .order_by("-starts_at", "-id")
    )


def activity_desk(user: Actor, community: Place) -> dict[str, object]:
    """The figures above the community's activities: this year's aid recorded (items, money),
    the records waiting and whether the user confirms them there (the figure links to the desk)."""
    year = timezone.localdate().year
    aid_count, aid_money = aid_totals(Record.objects.filter(community=community, starts_at__year=year))
    return {
        "year": year,
        "aid_count": aid_count,
        "aid_money": aid_money,
        "pending": pending_for_user(user, community=community).count(),
        "confirms": confirming_communities(user).filter(pk=community.pk).exists(),
    }


def pending_list(user: Actor, *, community: Place | None = None, flagged: bool = False) -> QuerySet[Record]:
    """The confirmation desk's list (web and API): the records waiting for the user, the longest
    waiting first; `flagged`: those with integrity flags only."""
    rows = pending_for_user(user, community=community).order_by("starts_at", "id")
    return rows.exclude(flags=[]) if flagged else rows


def aid_totals(rows: QuerySet[Record]) -> tuple[int, Decimal]:
    """Aid items and money of the confirmed records among `rows`."""
    got = rows.filter(status=Record.Status.CONFIRMED).aggregate(n=Sum("aid_count"), m=Sum("aid_money"))
    return got["n"] or 0, got["m"] or Decimal(0)


def team_claimable(team: Team) -> QuerySet[Demand]:
    """Group items (组团认领) of the team's community with a slot left, soonest published first."""
    return Demand.objects.filter(
        community_id=team.community_id,
        size=Demand.Size.TEAM,
        status__in=(Demand.Status.PUBLISHED, Demand.Status.CLAIMED),
        claimed_slots__lt=F("slots"),
    ).order_by("published_at", "id")


def team_claims(team: Team) -> QuerySet[TeamClaim]:
    return TeamClaim.objects.filter(team=team).select_related("claim__demand").order_by("-created_at", "-id")


# --- the service logged for claimed items (read by the three lists' pages through needs.hooks) -------


def service_done(
    demand_ids: Iterable[int], claim_ids: Iterable[int]
) -> tuple[dict[int, ServiceDone], dict[int, ServiceDone]]:
    """The service logged for the items and for the claims: each one's confirmed records (how
    many, their minutes and aid) and how many still wait; a returned record is neither. Records of
    an item count for the item whether or not they point at one of its claims."""
    demand_ids, claim_ids = list(demand_ids), list(claim_ids)
    if not demand_ids and not claim_ids:
        return {}, {}
    rows = Record.objects.filter(Q(demand_id__in=demand_ids) | Q(claim_id__in=claim_ids)).exclude(
        status=Record.Status.RETURNED
    )
    by_demand: dict[int, ServiceDone] = {}
    by_claim: dict[int, ServiceDone] = {}
    wanted_d, wanted_c = set(demand_ids), set(claim_ids)

    def into(demand_id: int | None, claim_id: int | None) -> list[ServiceDone]:
        out = []
        if demand_id in wanted_d:
            out.append(by_demand.setdefault(demand_id, ServiceDone()))
        if claim_id in wanted_c:
            out.append(by_claim.setdefault(claim_id, ServiceDone()))
        return out

    sums = rows.values("demand_id", "claim_id", "status").annotate(
        n=Count("id"), m=Sum("minutes"), c=Sum("aid_count"), a=Sum("aid_money")
    )
    for r in sums.order_by():
        for done in into(r["demand_id"], r["claim_id"]):
            if r["status"] == Record.Status.PENDING:
                done.pending += r["n"]
                continue
            done.records += r["n"]
            done.minutes += r["m"] or 0
            done.aid_count += r["c"] or 0
            done.aid_money += r["a"] or Decimal(0)
    confirmed_items = rows.filter(status=Record.Status.CONFIRMED).exclude(aid_items="")
    for demand_id, claim_id, text in confirmed_items.order_by("starts_at", "id").values_list(
        "demand_id", "claim_id", "aid_items"
    ):
        for done in into(demand_id, claim_id):
            done.aid_items = "、".join(x for x in (done.aid_items, text) if x)[:200]
    return by_demand, by_claim


def claim_of_record(member: Member, demand: Demand | None) -> Claim | None:
    """The claim a member's record of `demand` is done under: the member's own claim on it, else
    the claim of a volunteer team the member is in (组团认领, held by its leader) — the live one
    first, then the latest."""
    if demand is None:
        return None
    mine = Q(member=member) | Q(
        volunteer_team_claim__team__memberships__member=member,
        volunteer_team_claim__team__memberships__left_at__isnull=True,
    )
    live = Case(When(status__in=Claim.LIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return Claim.objects.filter(mine, demand=demand).annotate(live=live).order_by("live", "-created_at", "-id").first()
