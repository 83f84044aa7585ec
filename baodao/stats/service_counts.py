"""Counters of the service record (ARCHITECTURE.md: counters, not aggregates): each member's
confirmed records, activities attended and minutes per year, moved by records.signals.record_counted in the transaction
that confirms, returns or edits a record; `recount` rebuilds them from the records and reports the
drift; `behind` answers "who is behind" for any area from them and the confirmed reports.

The two minimums read what they name (DOMAIN.md §3.3): the 5-activity rule counts the confirmed
records that are activities attended (Record.counts_as_activity — never self-logged service, never
an attendance shorter than the rule's minimum), the 20-hour rule the minutes of all confirmed service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from baodao.core.numbers import hours_number
from baodao.core.rules import get_rule_int
from baodao.directory.models import Member, Place, Unit
from baodao.directory.selectors import city_of
from baodao.records import signals
from baodao.records.models import Record
from baodao.reporting.models import MemberReport
from baodao.stats.models import ServiceMet, ServiceTally, ServiceYear, UnitServiceTally

FULL_REWRITE_OVER = 1000


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
    _bump_row(ServiceMet, {"place_id": place_id, "year": year}, lambda: {"path": path}, {"n": delta})


def bump(member_id: int, year: int, records: int, minutes: int, activities: int = 0) -> None:
    """Move the member's year by (records, activities, minutes), in the caller's transaction; when
    the year crosses the minimums (either way), the member's community's met-count moves too."""
    row = ServiceYear.objects.select_for_update().filter(member_id=member_id, year=year).first()
    if row is None:
        try:
            with transaction.atomic():
                row = ServiceYear.objects.create(member_id=member_id, year=year)
        except IntegrityError:  # created meanwhile by a concurrent confirmation
            row = ServiceYear.objects.select_for_update().get(member_id=member_id, year=year)
    before = (row.activities, row.minutes)
    after = (row.activities + activities, row.minutes + minutes)
    ServiceYear.objects.filter(pk=row.pk).update(
        records=F("records") + records, activities=F("activities") + activities, minutes=F("minutes") + minutes
    )
    home = _reported_community(member_id)
    if home is None:
        return
    need = minimums(Place(pk=home[0], path=home[1]))
    was, now = _meets(before, need), _meets(after, need)
    if was != now:
        bump_met(home[0], home[1], year, 1 if now else -1)


def _bump_row(
    model: type[models.Model],
    keys: dict[str, object],
    create: Callable[[], dict[str, object]],
    moves: dict[str, Any],
) -> None:
    """Add `moves` to the row at `keys` by a conditional UPDATE (exact under contention), making the
    row when it is missing (a concurrent maker wins, then we add). `create` gives the new row's other
    columns; it runs only when the row is made."""
    rows = model.objects.filter(**keys)  # type: ignore[attr-defined]
    updates = {k: F(k) + v for k, v in moves.items()}
    if rows.update(**updates):
        return
    try:
        with transaction.atomic():
            model.objects.create(**keys, **create(), **moves)  # type: ignore[attr-defined]
    except IntegrityError:
        rows.update(**updates)


def tally(record: Record, sign: int) -> None:
    """Move the record's community-year and unit-year tallies, in the caller's transaction."""
    year = record.year
    moves: dict[str, Any] = {
        "records": sign,
        "minutes": sign * record.minutes,
        "aid_count": sign * record.aid_count,
        "aid_money": sign * record.aid_money,
    }

    def path() -> dict[str, object]:  # only for a community's first counted record of the year
        return {"path": Place.objects.filter(pk=record.community_id).values_list("path", flat=True).first() or ""}

    _bump_row(
        ServiceTally,
        {"place_id": record.community_id, "year": year},
        path,
        {**moves, "flagged": sign if record.flags else 0},
    )
    _bump_row(
        UnitServiceTally,
        {"unit_id": record.unit_id, "community_id": record.community_id, "year": year},
        dict,
        moves,
    )


def _counted(sender: type, record: Record, sign: int, **kwargs: object) -> None:
    tally(record, sign)
    if record.member_id is None:
        return
    bump(record.member_id, record.year, sign, sign * record.minutes, sign if record.counts_as_activity else 0)


_OLD_STATUS = "_serviceyear_old_status"


def _report_pre_save(sender: type, instance: MemberReport, **kw: object) -> None:
    old = (
        MemberReport.objects.filter(pk=instance.pk).values_list("status", "community_id").first()
        if instance.pk
        else None
    )
    setattr(instance, _OLD_STATUS, old)


def _report_saved(sender: type, instance: MemberReport, **kw: object) -> None:
    """A report confirmed (or no longer confirmed): a member who met this year counts (or stops
    counting) for the community."""
    old = getattr(instance, _OLD_STATUS, None)
    was = old is not None and old[0] == MemberReport.Status.CONFIRMED
    now = instance.status == MemberReport.Status.CONFIRMED
    if was == now:
        return
    year = timezone.localdate().year
    values = (
        ServiceYear.objects.filter(member_id=instance.member_id, year=year).values_list("activities", "minutes").first()
    )
    if values is None:
        return
    community = Place.objects.only("path").get(pk=old[1] if was and old else instance.community_id)
    if _meets(values, minimums(community)):
        bump_met(community.pk, community.path, year, 1 if now else -1)


def connect_signals() -> None:
    signals.record_counted.connect(_counted, dispatch_uid="stats.service_counts")
    pre_save.connect(_report_pre_save, sender=MemberReport, dispatch_uid="stats.service_counts.pre")
    post_save.connect(_report_saved, sender=MemberReport, dispatch_uid="stats.service_counts.post")
    signals.member_progress.provide(progress)


# A member's year: (records, activities attended, minutes).
Year = tuple[int, int, int]
NO_YEAR: Year = (0, 0, 0)


@dataclass(frozen=True)
class Drift:
    member_id: int
    year: int
    stored: Year
    actual: Year

    def __str__(self) -> str:
        return f"member {self.member_id} {self.year}: {self.stored} -> {self.actual}"


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


@dataclass(frozen=True)
class MetDrift:
    place_id: int
    year: int
    stored: int
    actual: int

    def __str__(self) -> str:
        return f"community {self.place_id} {self.year} met: {self.stored} -> {self.actual}"


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


@dataclass(frozen=True)
class TallyDrift:
    kind: str  # "community" or "unit"
    key: int
    year: int
    stored: tuple[object, ...]
    actual: tuple[object, ...]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.year} tally: {self.stored} -> {self.actual}"


AREA_FIELDS = ("records", "minutes", "flagged", "aid_count", "aid_money")
ZERO_AREA = (0, 0, 0, 0, Decimal(0))
ZERO_UNIT = (0, 0, 0, Decimal(0))
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


def _recount_tallies(fix: bool) -> list[TallyDrift]:
    area, unit = actual_tallies()
    area_stored = {
        (r[0], r[1]): (r[2], r[3], r[4], r[5], Decimal(r[6]))
        for r in ServiceTally.objects.values_list(
            "place_id", "year", "records", "minutes", "flagged", "aid_count", "aid_money"
        )
    }
    unit_stored = {
        (r[0], r[1], r[2]): (r[3], r[4], r[5], Decimal(r[6]))
        for r in UnitServiceTally.objects.values_list(
            "unit_id", "community_id", "year", "records", "minutes", "aid_count", "aid_money"
        )
    }
    drift = [
        TallyDrift("community", k[0], k[1], area_stored.get(k, ZERO_AREA), area.get(k, ZERO_AREA))
        for k in sorted(set(area) | set(area_stored))
        if area_stored.get(k, ZERO_AREA) != area.get(k, ZERO_AREA)
    ] + [
        TallyDrift("unit", k[0], k[2], unit_stored.get(k, ZERO_UNIT), unit.get(k, ZERO_UNIT))
        for k in sorted(set(unit) | set(unit_stored))
        if unit_stored.get(k, ZERO_UNIT) != unit.get(k, ZERO_UNIT)
    ]
    if fix and drift:
        paths = dict(Place.objects.filter(pk__in={p for p, _y in area}).values_list("pk", "path"))
        with transaction.atomic():
            ServiceTally.objects.all().delete()
            ServiceTally.objects.bulk_create(
                [
                    ServiceTally(place_id=p, path=paths.get(p, ""), year=y, **dict(zip(AREA_FIELDS, v, strict=True)))
                    for (p, y), v in area.items()
                ],
                batch_size=5000,
            )
            UnitServiceTally.objects.all().delete()
            UnitServiceTally.objects.bulk_create(
                [
                    UnitServiceTally(unit_id=u, community_id=p, year=y, **dict(zip(UNIT_FIELDS, v, strict=True)))
                    for (u, p, y), v in unit.items()
                ],
                batch_size=5000,
            )
    return drift


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


def recount(*, fix: bool = True) -> list[Drift | MetDrift | TallyDrift]:
    actual = actual_counts()
    stored = {(r.member_id, r.year): (r.records, r.activities, r.minutes) for r in ServiceYear.objects.all()}
    drift: list[Drift | MetDrift] = [
        Drift(m, y, stored.get((m, y), NO_YEAR), actual.get((m, y), NO_YEAR))
        for m, y in sorted(set(actual) | set(stored))
        if stored.get((m, y), NO_YEAR) != actual.get((m, y), NO_YEAR)
    ]
    met = actual_met(actual)
    met_stored = {(r.place_id, r.year): r.n for r in ServiceMet.objects.all()}
    met_drift = [
        MetDrift(p, y, met_stored.get((p, y), 0), met.get((p, y), 0))
        for p, y in sorted(set(met) | set(met_stored))
        if met_stored.get((p, y), 0) != met.get((p, y), 0)
    ]
    if fix and (drift or met_drift):
        with transaction.atomic():
            if len(drift) > FULL_REWRITE_OVER:
                ServiceYear.objects.all().delete()
                ServiceYear.objects.bulk_create(
                    [
                        ServiceYear(member_id=m, year=y, records=n, activities=a, minutes=mi)
                        for (m, y), (n, a, mi) in actual.items()
                    ],
                    batch_size=5000,
                )
            else:
                for d in drift:
                    assert isinstance(d, Drift)
                    ServiceYear.objects.update_or_create(
                        member_id=d.member_id,
                        year=d.year,
                        defaults={"records": d.actual[0], "activities": d.actual[1], "minutes": d.actual[2]},
                    )
                ServiceYear.objects.filter(records=0, activities=0, minutes=0).delete()
            if met_drift:
                paths = dict(Place.objects.filter(pk__in={p for p, _y in met}).values_list("pk", "path"))
                ServiceMet.objects.all().delete()
                ServiceMet.objects.bulk_create(
                    [ServiceMet(place_id=p, path=paths.get(p, ""), year=y, n=n) for (p, y), n in met.items() if n],
                    batch_size=5000,
                )
    return [*drift, *met_drift, *_recount_tallies(fix)]


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
