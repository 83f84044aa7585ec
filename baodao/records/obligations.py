"""The yearly obligations beyond a member's minimums (DOMAIN.md §3.3, §2), counted live from the
record (a unit has tens of records a year in a community; a first secretary a few a week):

- a unit, per community it is assigned to: 实事 done (closed unit-level service items it claimed),
  the party lecture given in the community (a 党课 activity it organized, held), joint theme party
  days (主题党日 activities it organized, held), its liaison work team's weekly visits (weeks in
  which a team member has a confirmed record in the community), and its public commitments made
  and kept;
- a first secretary: the weeks with a confirmed record in the compound, and trainings attended
  (a confirmed record of a 培训 activity);
- a city leader: the weeks with confirmed research visits (调研) to the linked community's compounds.
A week counts when it holds at least the rule's number of visits.
Each figure sits beside its rule's number."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from baodao.core.rules import get_rule_int
from baodao.directory.models import FirstSecretaryTerm, LeaderLink, Place, Unit, UnitAssignment, WorkTeamMembership
from baodao.directory.selectors import city_of
from baodao.needs.models import Claim, Demand
from baodao.records.models import Activity, Commitment, LeaderVisit, Record


def _span(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def weeks_so_far(year: int, since: dt.date | None = None) -> int:
    """Whole weeks of the year up to today (all 52 for a past year), counted from `since` when the
    appointment or link began during the year."""
    today = timezone.localdate()
    start = dt.date(year, 1, 1)
    if since is not None and since > start:
        start = since
    end = dt.date(year, 12, 31) if year < today.year else today
    if end < start:
        return 0
    if year < today.year and start == dt.date(year, 1, 1):
        return 52
    return max(1, (end - start).days // 7 + 1)


def _weeks_met(moments: Iterable[dt.datetime | dt.date], need: int) -> int:
    """The ISO weeks holding at least `need` of the moments (one a day counts once)."""
    per_week: Counter[tuple[int, int]] = Counter()
    days: set[dt.date] = set()
    for m in moments:
        day = timezone.localtime(m).date() if isinstance(m, dt.datetime) else m
        if day not in days:
            days.add(day)
            per_week[day.isocalendar()[:2]] += 1
    return sum(1 for n in per_week.values() if n >= max(1, need))


def _weeks(rows: QuerySet[Record], need: int = 1) -> int:
    return _weeks_met(rows.values_list("starts_at", flat=True), need)


@dataclass
class UnitYear:
    community: Place
    projects: int
    projects_needed: int
    lectures: int
    lectures_needed: int
    theme_days: int
    visit_weeks: int
    weeks: int
    visits_per_week_needed: int
    promised: int
    kept: int

    @property
    def projects_met(self) -> bool:
        return self.projects >= self.projects_needed

    @property
    def lectures_met(self) -> bool:
        return self.lectures >= self.lectures_needed


def unit_year(unit: Unit, year: int) -> list[UnitYear]:
    start, end = _span(year)
    out = []
    assigned = UnitAssignment.objects.filter(unit=unit).filter(ended_on__isnull=True).select_related("community")
    for a in assigned.order_by("community__sort_key"):
        community = a.community
        city = city_of(community)
        projects = (
            Claim.objects.filter(
                unit=unit,
                demand__community=community,
                demand__size=Demand.Size.UNIT,
                demand__status=Demand.Status.CLOSED,
                demand__closed_at__gte=start,
                demand__closed_at__lt=end,
            )
            .values("demand_id")
            .distinct()
            .count()
        )
        held = Activity.objects.filter(
            organizer_unit=unit,
            community=community,
            status=Activity.Status.CLOSED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        team_members = WorkTeamMembership.objects.filter(
            team__unit=unit, team__community=community, ended_on__isnull=True
        ).values("member_id")
        visits = Record.objects.filter(
            member_id__in=team_members,
            community=community,
            status=Record.Status.CONFIRMED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        commitments = Commitment.objects.filter(unit=unit, community=community, year=year).exclude(
            status=Commitment.Status.WITHDRAWN
        )
        per_week = get_rule_int("work_team_visits_per_week", city=city)
        out.append(
            UnitYear(
                community=community,
                projects=projects,
                projects_needed=get_rule_int("unit_min_projects_per_community_per_year", city=city),
                lectures=held.filter(kind__name="党课").count(),
                lectures_needed=get_rule_int("unit_min_party_lectures_per_year", city=city),
                theme_days=held.filter(kind__name="主题党日").count(),
                visit_weeks=_weeks(visits, per_week),
                weeks=weeks_so_far(year, since=a.start_on),
                visits_per_week_needed=per_week,
                promised=commitments.count(),
                kept=commitments.filter(status=Commitment.Status.DONE).count(),
            )
        )
    return out


@dataclass
class SecretaryYear:
    term: FirstSecretaryTerm
    visit_weeks: int
    weeks: int
    visits_per_week_needed: int
    trainings: int
    trainings_needed: int


def first_secretary_year(term: FirstSecretaryTerm, year: int) -> SecretaryYear:
    start, end = _span(year)
    mine = Record.objects.filter(
        member_id=term.member_id, status=Record.Status.CONFIRMED, starts_at__gte=start, starts_at__lt=end
    )
    in_compound = mine.filter(place__path__startswith=term.place.path)
    city = city_of(term.place)
    per_week = get_rule_int("first_secretary_visits_per_week", city=city)
    return SecretaryYear(
        term=term,
        visit_weeks=_weeks(in_compound, per_week),
        weeks=weeks_so_far(year, since=term.start_on),
        visits_per_week_needed=per_week,
        trainings=mine.filter(kind__name="培训").count(),
        trainings_needed=get_rule_int("first_secretary_trainings_per_year", city=city),
    )


@dataclass
class LeaderYear:
    link: LeaderLink
    visits: int
    visit_weeks: int
    weeks: int
    visits_per_week_needed: int
    pending: int

    @property
    def weeks_missed(self) -> int:
        return max(0, self.weeks - self.visit_weeks)


def leader_years(links: Iterable[LeaderLink], year: int) -> list[LeaderYear]:
    """Each link's year: confirmed visits, the weeks meeting the rule, visits still pending. One
    query for all the links' visits (a city has tens of links, each ~52 visits a year)."""
    links = list(links)
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    confirmed: dict[int, list[dt.date]] = {link.pk: [] for link in links}
    pending: Counter[int] = Counter()
    rows = LeaderVisit.objects.filter(
        link__in=[link.pk for link in links], visited_on__gte=start, visited_on__lt=end
    ).exclude(status=LeaderVisit.Status.RETURNED)
    for link_id, day, status in rows.values_list("link_id", "visited_on", "status"):
        if status == LeaderVisit.Status.CONFIRMED:
            confirmed[link_id].append(day)
        else:
            pending[link_id] += 1
    cities: dict[int, Place | None] = {}
    out = []
    for link in links:
        if link.community_id not in cities:
            cities[link.community_id] = city_of(link.community)
        per_week = get_rule_int("leader_visits_per_week", city=cities[link.community_id])
        out.append(
            LeaderYear(
                link=link,
                visits=len(confirmed[link.pk]),
                visit_weeks=_weeks_met(confirmed[link.pk], per_week),
                weeks=weeks_so_far(year, since=link.start_on),
                visits_per_week_needed=per_week,
                pending=pending[link.pk],
            )
        )
    return out
