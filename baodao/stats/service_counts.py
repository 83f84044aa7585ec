"""Counters of the service record (ARCHITECTURE.md: counters, not aggregates): each member's
confirmed records, activities attended and minutes per year, moved by stats.counters when
records.signals.record_counted tells of a record confirmed, returned or edited (in that transaction);
the communities' met-counts, moved too when reporting tells of a report confirmed, ended or
transferred; the families that recount them (`python manage.py recount`); `behind` answers "who is
behind" for any area from them and the confirmed reports.

The two minimums read what they name (DOMAIN.md §3.3): the 5-activity rule counts the confirmed
records that are activities attended (Record.counts_as_activity — never self-logged service, never
an attendance shorter than the rule's minimum), the 20-hour rule the minutes of all confirmed service.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from baodao.core.numbers import hours_number
from baodao.core.rules import get_rule_int
from baodao.directory.models import Member, Place, Unit
from baodao.directory.selectors import city_of
from baodao.records.models import Record
from baodao.reporting.models import MemberReport
from baodao.stats import counters
from baodao.stats.models import ServiceMet, ServiceTally, ServiceYear, UnitServiceTally


def _reported_community(member_id: int) -> tuple[int, str] | None:
    row = (
        MemberReport.objects.filter(member_id=member_id, status=MemberReport.Status.CONFIRMED)
        .order_by("-decided_at", "-id")
        .values_list("community_id", "community__path")
        .first()
    )
    return row


def _meets(values: tuple[int, int], need: Minimums) -> bool:
    """`values` is (activities attended, minutes of all service)."""
    return values[0] >= need.activities and values[1] >= need.minutes


def bump_met(place_id: int, path: str, year: int, delta: int) -> None:
    counters.move(ServiceMet, {"place_id": place_id, "year": year}, {"n": delta}, lambda: {"path": path})


def bump(member_id: int, year: int, records: int, minutes: int, activities: int = 0) -> None:
    """Move the member's year by (records, activities, minutes), in the caller's transaction; when
    the year crosses the minimums (either way), the member's community's met-count moves too."""
    keys = {"member_id": member_id, "year": year}
    row = counters.locked(ServiceYear, keys)  # read under the lock: a concurrent confirmation waits
    assert isinstance(row, ServiceYear)
    before = (row.activities, row.minutes)
    after = (row.activities + activities, row.minutes + minutes)
    counters.move(ServiceYear, keys, {"records": records, "activities": activities, "minutes": minutes})
    home = _reported_community(member_id)
    if home is None:
        return
    need = minimums(Place(pk=home[0], path=home[1]))
    was, now = _meets(before, need), _meets(after, need)
    if was != now:
        bump_met(home[0], home[1], year, 1 if now else -1)


def tally(record: Record, sign: int) -> None:
    """Move the record's community-year and unit-year tallies, in the caller's transaction."""
    year = record.year
    moves: dict[str, Any] = {
        "records": sign,
        "minutes": sign * record.minutes,
        "aid_count": sign * record.aid_count,
        "aid_money": sign * record.aid_money,
    }
    counters.move(
        ServiceTally,
        {"place_id": record.community_id, "year": year},
        {**moves, "flagged": sign if record.flags else 0},
        lambda: counters.path_of(record.community_id),  # a community's first counted record of the year
    )
    counters.move(
        UnitServiceTally, {"unit_id": record.unit_id, "community_id": record.community_id, "year": year}, moves
    )


# --- what each event moves (connected in stats.receivers) ---------------------------------------------


def counted(record: Record, sign: int) -> None:
    """A confirmed record starts (+1) or stops (-1) counting: its tallies and its member's year."""
    tally(record, sign)
    if record.member_id is None:
        return
    bump(record.member_id, record.year, sign, sign * record.minutes, sign if record.counts_as_activity else 0)


def _move_met(member_id: int, community_id: int, sign: int) -> None:
    """The member starts (+1) or stops (-1) counting for the community: each year of theirs that
    meets the community's minimums moves its met-count."""
    community = Place.objects.only("path", "parent").get(pk=community_id)
    need = minimums(community)
    # Locked as `bump` locks them: a record confirmed meanwhile waits, then sees this report.
    years = ServiceYear.objects.select_for_update().filter(member_id=member_id)
    for year, activities, minutes in years.values_list("year", "activities", "minutes"):
        if _meets((activities, minutes), need):
            bump_met(community.pk, community.path, year, sign)


def report_moved(report: MemberReport, old: str, before: MemberReport) -> None:
    """A report confirmed (or no longer confirmed): the member counts (or stops counting) for the
    community in the met-counts of every year they met."""
    was, now = old == MemberReport.Status.CONFIRMED, report.status == MemberReport.Status.CONFIRMED
    if was != now:
        _move_met(report.member_id, before.community_id if was else report.community_id, 1 if now else -1)


def report_transferred(report: MemberReport, old_community_id: int) -> None:
    """A confirmed report now belongs to another community (its compound moved): so do its met-counts."""
    if report.status == MemberReport.Status.CONFIRMED:
        _move_met(report.member_id, old_community_id, -1)
        _move_met(report.member_id, report.community_id, 1)


# A member's year: (records, activities attended, minutes).
Year = tuple[int, int, int]
NO_YEAR: Year = (0, 0, 0)


def actual_counts() -> dict[tuple[int, int], Year]:
    rows = Record.objects.filter(status=Record.Status.CONFIRMED, member__isnull=False)
    # The year in the deployment's time zone (Django extracts in the current one), as Record.year.
    rows = rows.annotate(y=ExtractYear("starts_at"))
    out: dict[tuple[int, int], Year] = {}
    for member_id, year, n, a, minutes in (
        rows.values_list("member_id", "y")
        .annotate(n=Count("id"), a=Count("id", filter=Q(counts_as_activity=True)), m=Sum("minutes"))
        .order_by()
        .values_list("member_id", "y", "n", "a", "m")
    ):
        out[(member_id, year)] = (n, a, minutes or 0)
    return out


def actual_met(years: dict[tuple[int, int], Year]) -> dict[tuple[int, int], int]:
    """Per (community, year): the members reported there (confirmed) whose year meets the minimums
    of the community's city."""
    homes: dict[int, int] = {}
    for member_id, community_id in (
        MemberReport.objects.filter(status=MemberReport.Status.CONFIRMED)
        .order_by("member_id", "decided_at", "id")
        .values_list("member_id", "community_id")
        .iterator(chunk_size=20000)
    ):
        homes[member_id] = int(community_id)  # the latest confirmed report, as _reported_community
    needs: dict[int, Minimums] = {}
    out: dict[tuple[int, int], int] = defaultdict(int)
    places = {}
    for (member_id, year), values in years.items():
        home = homes.get(member_id)
        if home is None:
            continue
        if home not in needs:
            places[home] = Place.objects.only("path", "parent").get(pk=home)
            needs[home] = minimums(places[home])
        if _meets((values[1], values[2]), needs[home]):
            out[(home, year)] += 1
    return out


AREA_FIELDS = ("records", "minutes", "flagged", "aid_count", "aid_money")
UNIT_FIELDS = ("records", "minutes", "aid_count", "aid_money")


def actual_tallies() -> tuple[dict[tuple[int, int], tuple], dict[tuple[int, int, int], tuple]]:
    """The community-year and unit-year tallies as the confirmed records say they are."""
    rows = Record.objects.filter(status=Record.Status.CONFIRMED).annotate(y=ExtractYear("starts_at")).order_by()
    sums = {"n": Count("id"), "m": Sum("minutes"), "c": Sum("aid_count"), "a": Sum("aid_money")}
    area: dict[tuple[int, int], tuple] = {}
    for p, y, n, m, f, c, a in (
        rows.values("community_id", "y")
        .annotate(**sums, f=Count("id", filter=~Q(flags=[])))
        .values_list("community_id", "y", "n", "m", "f", "c", "a")
    ):
        area[(p, y)] = (n, m or 0, f, c or 0, Decimal(a or 0))
    unit: dict[tuple[int, int, int], tuple] = {}
    by_unit = rows.values("unit_id", "community_id", "y").annotate(**sums)
    for u, p, y, n, m, c, a in by_unit.values_list("unit_id", "community_id", "y", "n", "m", "c", "a"):
        unit[(u, p, y)] = (n, m or 0, c or 0, Decimal(a or 0))
    return area, unit


def rebuild_by_sql() -> None:
    """Rebuild every counter of the record from scratch on PostgreSQL — the member years and the
    community and unit tallies by one INSERT … SELECT … GROUP BY each, the met-counts from the member
    years — for a bulk load of millions of records (the province demo), where comparing row by row
    as `recount` does costs minutes. Afterwards `recount(fix=False)` finds nothing."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("rebuild_by_sql is PostgreSQL's; elsewhere use recount()")
    tz = settings.TIME_ZONE
    year = f"extract(year FROM rr.starts_at AT TIME ZONE '{tz}')::int"
    sums = "count(*), coalesce(sum(rr.minutes), 0), coalesce(sum(rr.aid_count), 0), coalesce(sum(rr.aid_money), 0)"
    with transaction.atomic(), connection.cursor() as cur:
        for table in ("stats_serviceyear", "stats_servicemet", "stats_servicetally", "stats_unitservicetally"):
            cur.execute(f"DELETE FROM {table}")
        cur.execute(
            f"""INSERT INTO stats_serviceyear (member_id, year, records, activities, minutes)
            SELECT rr.member_id, {year}, count(*), count(*) FILTER (WHERE rr.counts_as_activity),
              coalesce(sum(rr.minutes), 0) FROM records_record rr
            WHERE rr.status = 'confirmed' AND rr.member_id IS NOT NULL GROUP BY 1, 2"""
        )
        cur.execute(
            f"""INSERT INTO stats_servicetally (place_id, path, year, records, minutes, aid_count, aid_money, flagged)
            SELECT rr.community_id, c.path, {year}, {sums}, count(*) FILTER (WHERE rr.flags <> '[]'::jsonb)
            FROM records_record rr JOIN directory_place c ON c.id = rr.community_id
            WHERE rr.status = 'confirmed' GROUP BY 1, 2, 3"""
        )
        cur.execute(
            f"""INSERT INTO stats_unitservicetally (unit_id, community_id, year, records, minutes, aid_count, aid_money)
            SELECT rr.unit_id, rr.community_id, {year}, {sums} FROM records_record rr
            WHERE rr.status = 'confirmed' GROUP BY 1, 2, 3"""
        )
        years = {
            (m, y): (n, a, mi)
            for m, y, n, a, mi in ServiceYear.objects.values_list(
                "member_id", "year", "records", "activities", "minutes"
            )
        }
        met = actual_met(years)
        paths = dict(Place.objects.filter(pk__in={p for p, _y in met}).values_list("pk", "path"))
        ServiceMet.objects.bulk_create(
            [ServiceMet(place_id=p, path=paths.get(p, ""), year=y, n=n) for (p, y), n in met.items() if n],
            batch_size=5000,
        )
    with connection.cursor() as cur:
        for table in ("stats_serviceyear", "stats_servicemet", "stats_servicetally", "stats_unitservicetally"):
            cur.execute(f"ANALYZE {table}")


def _met() -> dict[counters.Key, counters.Values]:
    return {k: (n,) for k, n in actual_met(actual_counts()).items()}


YEARS = counters.Family(
    "member year", ServiceYear, ("member_id", "year"), ("records", "activities", "minutes"), actual_counts
)
MET = counters.Family("met", ServiceMet, ("place_id", "year"), ("n",), _met, place="place_id")
AREA_TALLY = counters.Family(
    "community tally", ServiceTally, ("place_id", "year"), AREA_FIELDS, lambda: actual_tallies()[0], place="place_id"
)
UNIT_TALLY = counters.Family(
    "unit tally", UnitServiceTally, ("unit_id", "community_id", "year"), UNIT_FIELDS, lambda: actual_tallies()[1]
)
RECORD_FAMILIES = (YEARS, MET, AREA_TALLY, UNIT_TALLY)


def recount(*, fix: bool = True) -> list[counters.Drift]:
    """Compare the service record's counters with the confirmed records and (by default) set them right."""
    return counters.recount(RECORD_FAMILIES, fix=fix)


# --- progress and who is behind --------------------------------------------------------------------


@dataclass(frozen=True)
class Minimums:
    activities: int
    minutes: int


def minimums(place: Place | None) -> Minimums:
    city = city_of(place) if place is not None else None
    return Minimums(
        get_rule_int("member_min_activities_per_year", city=city),
        get_rule_int("member_min_hours_per_year", city=city) * 60,
    )


@dataclass(frozen=True)
class Progress:
    """A member's year against the minimums: activities attended (the 5-activity rule), minutes of
    all confirmed service (the 20-hour rule) and how many confirmed records there are in all."""

    year: int
    activities: int
    minutes: int
    need: Minimums
    records: int = 0

    @property
    def hours(self) -> float:
        return hours_number(self.minutes)

    @property
    def need_hours(self) -> int:
        return self.need.minutes // 60

    @property
    def activities_percent(self) -> int:
        return min(100, 100 * self.activities // max(1, self.need.activities))

    @property
    def hours_percent(self) -> int:
        return min(100, 100 * self.minutes // max(1, self.need.minutes))

    @property
    def met(self) -> bool:
        return _meets((self.activities, self.minutes), self.need)


def progress(member: Member, year: int, *, place: Place | None = None) -> Progress:
    row = ServiceYear.objects.filter(member=member, year=year).values_list("records", "activities", "minutes").first()
    records, activities, minutes = row or NO_YEAR
    return Progress(year, activities, minutes, minimums(place or member.residence), records)


def behind_q(year: int, need: Minimums) -> Q:
    """Reported members (a confirmed report) whose year's counter misses either minimum — no row
    at all is nothing done."""
    met = ServiceYear.objects.filter(
        member_id=OuterRef("member_id"), year=year, activities__gte=need.activities, minutes__gte=need.minutes
    )
    return Q(status=MemberReport.Status.CONFIRMED) & ~Q(Exists(met))


def behind_reports(area: Place, year: int) -> QuerySet[MemberReport]:
    """The confirmed reports of the area whose members are behind this year, with their counts."""
    need = minimums(area)
    reports = MemberReport.objects.filter(behind_q(year, need))
    reports = (
        reports.filter(community=area)
        if area.kind == Place.Kind.COMMUNITY
        else reports.filter(community__path__startswith=area.path)
    )
    return reports


def counts_by_member(member_ids: list[int], year: int) -> dict[int, tuple[int, int]]:
    """(activities attended, minutes) of each member's year."""
    out: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for m, n, mi in ServiceYear.objects.filter(member_id__in=member_ids, year=year).values_list(
        "member_id", "activities", "minutes"
    ):
        out[m] = (n, mi)
    return out


def behind_for_unit(unit: Unit, year: int) -> QuerySet[MemberReport]:
    """The unit's members reported (confirmed) anywhere who are behind this year."""
    return MemberReport.objects.filter(behind_q(year, minimums(None)), member__unit=unit)


def behind_count(area: Place, year: int) -> int:
    """How many reported members of the area are behind: the confirmed reports less the met-counts
    under the area's path (counters, not an anti-join)."""
    reports = MemberReport.objects.filter(status=MemberReport.Status.CONFIRMED)
    met = ServiceMet.objects.filter(year=year)
    if area.kind == Place.Kind.COMMUNITY:
        reports, met = reports.filter(community=area), met.filter(place=area)
    else:
        reports, met = reports.filter(community__path__startswith=area.path), met.filter(path__startswith=area.path)
    return reports.count() - (met.aggregate(n=Sum("n"))["n"] or 0)


def ranking(area: Place, year: int) -> QuerySet[ServiceYear]:
    """Members reported to the area by this year's confirmed minutes (the optional ranking)."""
    reported = MemberReport.objects.filter(status=MemberReport.Status.CONFIRMED)
    reported = (
        reported.filter(community=area)
        if area.kind == Place.Kind.COMMUNITY
        else reported.filter(community__path__startswith=area.path)
    )
    return (
        ServiceYear.objects.filter(year=year, member_id__in=reported.values("member_id"))
        .select_related("member__unit")
        .order_by("-minutes", "member_id")
    )
