"""The yearly obligations beyond a member's minimums (DOMAIN.md §3.3, §2), counted live from the
record (a unit has tens of records a year in a community; a first secretary a few a week):

- a unit, per community it is assigned to: 实事 done (closed unit-level service items it claimed),
  the party lecture given in the community (a 党课 activity it organized, held), joint theme party
  days (主题党日 activities it organized, held), its liaison work team's weekly visits (weeks in
  which a team member has a confirmed record in the community), and its public commitments made
  and kept;
- a first secretary: the weeks with a confirmed record in the compound, and trainings attended
  (a confirmed record of a 培训 activity).
Each figure sits beside its rule's number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from baodao.core.rules import get_rule_int
from baodao.directory.models import FirstSecretaryTerm, Place, Unit, UnitAssignment, WorkTeamMembership
from baodao.directory.services import city_of
from baodao.needs.models import Claim, Demand
from baodao.records.models import Activity, Commitment, Record


def _span(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def weeks_so_far(year: int) -> int:
    """Whole weeks of the year up to today (all 52 for a past year)."""
    today = timezone.localdate()
    if year < today.year:
        return 52
    return max(1, (today - dt.date(year, 1, 1)).days // 7 + 1)


def _weeks(rows: object) -> int:
    weeks = {timezone.localtime(s).isocalendar()[:2] for s in rows.values_list("starts_at", flat=True)}  # type: ignore[attr-defined]
    return len(weeks)


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
        commitments = Commitment.objects.filter(unit=unit, community=community, year=year)
        out.append(
            UnitYear(
                community=community,
                projects=projects,
                projects_needed=get_rule_int("unit_min_projects_per_community_per_year", city=city),
                lectures=held.filter(kind__name="党课").count(),
                lectures_needed=get_rule_int("unit_min_party_lectures_per_year", city=city),
                theme_days=held.filter(kind__name="主题党日").count(),
                visit_weeks=_weeks(visits),
                weeks=weeks_so_far(year),
                visits_per_week_needed=get_rule_int("work_team_visits_per_week", city=city),
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
    trainings: int
    trainings_needed: int


def first_secretary_year(term: FirstSecretaryTerm, year: int) -> SecretaryYear:
    start, end = _span(year)
    mine = Record.objects.filter(
        member_id=term.member_id, status=Record.Status.CONFIRMED, starts_at__gte=start, starts_at__lt=end
    )
    in_compound = mine.filter(place__path__startswith=term.place.path)
    return SecretaryYear(
        term=term,
        visit_weeks=_weeks(in_compound),
        weeks=weeks_so_far(year),
        trainings=mine.filter(kind__name="培训").count(),
        trainings_needed=get_rule_int("first_secretary_trainings_per_year", city=city_of(term.place)),
    )
