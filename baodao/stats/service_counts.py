"""Counters of the service record (ARCHITECTURE.md: counters, not aggregates): each member's
confirmed records and minutes per year, moved by records.signals.record_counted in the transaction
that confirms, returns or edits a record; `recount` rebuilds them from the records and reports the
drift; `behind` answers "who is behind" for any area from them and the confirmed reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from baodao.core.rules import get_rule_int
from baodao.directory.models import Member, Place, Unit
from baodao.directory.services import city_of
from baodao.records import signals
from baodao.records.models import Record
from baodao.reporting.models import MemberReport
from baodao.stats.models import ServiceYear

FULL_REWRITE_OVER = 1000


def bump(member_id: int, year: int, records: int, minutes: int) -> None:
    rows = ServiceYear.objects.filter(member_id=member_id, year=year)
    if rows.update(records=F("records") + records, minutes=F("minutes") + minutes):
        return
    try:
        with transaction.atomic():
            ServiceYear.objects.create(member_id=member_id, year=year, records=records, minutes=minutes)
    except IntegrityError:  # created meanwhile by a concurrent confirmation
        rows.update(records=F("records") + records, minutes=F("minutes") + minutes)


def _counted(sender: type, record: Record, sign: int, **kwargs: object) -> None:
    if record.member_id is None:
        return
    bump(record.member_id, record.year, sign, sign * record.minutes)


def connect_signals() -> None:
    signals.record_counted.connect(_counted, dispatch_uid="stats.service_counts")
    signals.member_progress.provide(progress)


@dataclass(frozen=True)
class Drift:
    member_id: int
    year: int
    stored: tuple[int, int]
    actual: tuple[int, int]


def actual_counts() -> dict[tuple[int, int], tuple[int, int]]:
    rows = Record.objects.filter(status=Record.Status.CONFIRMED, member__isnull=False)
    # The year in the deployment's time zone (Django extracts in the current one), as Record.year.
    rows = rows.annotate(y=ExtractYear("starts_at"))
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for member_id, year, n, minutes in (
        rows.values_list("member_id", "y")
        .annotate(n=Count("id"), m=Sum("minutes"))
        .order_by()
        .values_list("member_id", "y", "n", "m")
    ):
        out[(member_id, year)] = (n, minutes or 0)
    return out


def recount(*, fix: bool = True) -> list[Drift]:
    actual = actual_counts()
    stored = {(r.member_id, r.year): (r.records, r.minutes) for r in ServiceYear.objects.all()}
    drift = [
        Drift(m, y, stored.get((m, y), (0, 0)), actual.get((m, y), (0, 0)))
        for m, y in sorted(set(actual) | set(stored))
        if stored.get((m, y), (0, 0)) != actual.get((m, y), (0, 0))
    ]
    if fix and drift:
        with transaction.atomic():
            if len(drift) > FULL_REWRITE_OVER:
                ServiceYear.objects.all().delete()
                ServiceYear.objects.bulk_create(
                    [ServiceYear(member_id=m, year=y, records=n, minutes=mi) for (m, y), (n, mi) in actual.items()],
                    batch_size=5000,
                )
            else:
                for d in drift:
                    ServiceYear.objects.update_or_create(
                        member_id=d.member_id, year=d.year, defaults={"records": d.actual[0], "minutes": d.actual[1]}
                    )
                ServiceYear.objects.filter(records=0, minutes=0).delete()
    return drift


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
    year: int
    records: int
    minutes: int
    need: Minimums

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def need_hours(self) -> int:
        return self.need.minutes // 60

    @property
    def activities_percent(self) -> int:
        return min(100, 100 * self.records // max(1, self.need.activities))

    @property
    def hours_percent(self) -> int:
        return min(100, 100 * self.minutes // max(1, self.need.minutes))

    @property
    def met(self) -> bool:
        return self.records >= self.need.activities and self.minutes >= self.need.minutes


def progress(member: Member, year: int, *, place: Place | None = None) -> Progress:
    row = ServiceYear.objects.filter(member=member, year=year).values_list("records", "minutes").first()
    records, minutes = row or (0, 0)
    return Progress(year, records, minutes, minimums(place or member.residence))


def behind_q(year: int, need: Minimums) -> Q:
    """Reported members (a confirmed report) whose year's counter misses either minimum — no row
    at all is nothing done."""
    met = ServiceYear.objects.filter(
        member_id=OuterRef("member_id"), year=year, records__gte=need.activities, minutes__gte=need.minutes
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
    out: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for m, n, mi in ServiceYear.objects.filter(member_id__in=member_ids, year=year).values_list(
        "member_id", "records", "minutes"
    ):
        out[m] = (n, mi)
    return out


def behind_for_unit(unit: Unit, year: int) -> QuerySet[MemberReport]:
    """The unit's members reported (confirmed) anywhere who are behind this year."""
    return MemberReport.objects.filter(behind_q(year, minimums(None)), member__unit=unit)
