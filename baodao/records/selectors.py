"""Reads of the service record, scoped by directory.scope: the activities a user sees, the
records a user sees, what waits for the community's confirmation, a member's own record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from baodao.accounts.models import Actor
from baodao.directory import scope
from baodao.directory.models import Member, Place
from baodao.needs.models import Demand
from baodao.records.models import Activity, Pairing, Record, RecordEvent, Signup, Team, TeamClaim, TeamMember
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


def live_pairings(member: Member) -> QuerySet[Pairing]:
    """The member's live pairings; the household's details are the member's to see while paired."""
    return Pairing.objects.filter(member=member, ended_on__isnull=True).select_related("resident__residence")


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
