"""Coverage tallies: the three coverages above community level, summed from per-community counts.

Counting a province live means a million members with an EXISTS each (seconds, see
bench/province_coverage.py). Instead every unit, in-service member and compound/grid counts in
one `CoverageTally` row: the community on its area's path, or the area itself when no community
is above it. A street, district, city or province is then the sum of the tallies under its path.

Exactness (nobody counted twice or left out):
- every change that can move a figure leaves a `CoverageMark` on the places it touched, in the
  same transaction as the change, when its domain event arrives (stats.receivers): a place's
  roster changed (directory.signals.roster_changed: members, units, assignments, first-secretary
  terms, compounds), a member's or unit's report moved into or out of "confirmed"
  (reporting.signals);
- bulk writes (roster import, demo loader, a moved subtree) mark everything;
- before summing, `refresh()` recounts the marked communities (and those whose first-secretary
  terms lapsed since they were counted) from the record and deletes exactly the marks it read;
  a change committed meanwhile keeps its mark for the next read. Recounts take one lock, so two
  readers never write counts out of order; the rows are written by stats.counters.write;
- `python manage.py recount` (the family `COVERAGE`) recounts everything and reports drift
  (nightly, as a belt to the braces).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import F, Min, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from baodao.directory.models import Member, Place, Unit, path_segment
from baodao.directory.selectors import first_secretary_terms_in_force
from baodao.directory.services import unit_places
from baodao.reporting.models import MemberReport, UnitReport
from baodao.stats import counters
from baodao.stats.counted import compounds_base, members_base, units_base
from baodao.stats.models import CoverageMark, CoverageTally

SEG = len(path_segment(1))
# Areas whose figures are read from the tallies; a community and below are counted live.
TALLIED_KINDS = frozenset({Place.Kind.PROVINCE, Place.Kind.CITY, Place.Kind.DISTRICT, Place.Kind.STREET})
# More marked places than this and one full recount is cheaper than one per community.
FULL_RECOUNT_OVER = 300
LOCK_KEY = 0x6264_636F  # "bdco": PostgreSQL advisory lock of the recount
COUNTS = ("units_total", "units_done", "members_total", "members_done", "compounds_total", "compounds_done")


# --- marks --------------------------------------------------------------------------------------


def mark(*place_ids: int | None) -> None:
    """The tallies of these places' communities must be recounted before the next read."""
    ids = {p for p in place_ids if p is not None}
    if ids:
        CoverageMark.objects.bulk_create([CoverageMark(place_id=p) for p in ids])


def mark_everything() -> None:
    """After a bulk write that bypassed the signals: the next read recounts everything."""
    CoverageMark.objects.create(place_id=None)


# --- what each event marks (connected in stats.receivers) ------------------------------------------


def member_report_moved(report: MemberReport) -> None:
    """A member counts as reported while the report is confirmed: the residence's tally is recounted."""
    mark(Member.objects.filter(pk=report.member_id).values_list("residence_id", flat=True).first())


def unit_report_moved(report: UnitReport) -> None:
    """A unit counts as reported while its report is confirmed: where the unit counts is recounted."""
    mark(report.community_id, *unit_places(report.unit_id))


# --- counting -----------------------------------------------------------------------------------


def _segment_ids(path: str) -> Iterable[int]:
    for i in range(0, len(path), SEG):
        yield int(path[i : i + SEG - 1], 36)


def _key_of(path: str, communities: set[int]) -> str:
    """The tally a thing whose area has this path counts in (returned as the tally's path)."""
    for n, pk in enumerate(_segment_ids(path), start=1):
        if pk in communities:
            return path[: n * SEG]
    return path


def _communities_on(paths: Iterable[str]) -> set[int]:
    ids = {pk for path in paths for pk in _segment_ids(path)}
    return set(Place.objects.filter(pk__in=ids, kind=Place.Kind.COMMUNITY).values_list("pk", flat=True))


@dataclass
class _Counts:
    units_total: int = 0
    units_done: int = 0
    members_total: int = 0
    members_done: int = 0
    compounds_total: int = 0
    compounds_done: int = 0
    fresh_until: dt.date | None = None


def _grouped(qs: QuerySet, area: Q) -> Iterable[tuple[str, int, int]]:
    from django.db.models import Count

    rows = (
        qs.filter(area)
        .values("area")
        .annotate(total=Count("pk"), n=Count("pk", filter=Q(done=True)))
        .order_by()
        .values_list("area", "total", "n")
    )
    return rows.iterator(chunk_size=20_000)


def _count(area: Q, communities: set[int], today: dt.date) -> dict[str, _Counts]:
    """Counts per tally path of everything whose area matches `area` (a Q on the `area` path)."""
    out: dict[str, _Counts] = {}

    def at(path: str | None) -> _Counts | None:
        if not path:  # a place being created has no path yet; its own save marks it again
            return None
        key = _key_of(path, communities)
        if key not in out:
            out[key] = _Counts()
        return out[key]

    for name, qs in (
        ("units", units_base(Unit.objects.all())),
        ("members", members_base(Member.objects.all())),
        ("compounds", compounds_base(Place.objects.all(), today=today)),
    ):
        for path, total, done in _grouped(qs, area):
            c = at(path)
            if c is not None:
                setattr(c, f"{name}_total", getattr(c, f"{name}_total") + total)
                setattr(c, f"{name}_done", getattr(c, f"{name}_done") + done)
    ends = (
        first_secretary_terms_in_force(today)
        .filter(end_on__isnull=False, place__kind__in=[Place.Kind.COMPOUND, Place.Kind.GRID])
        .annotate(area=F("place__path"))
        .filter(area)
        .values("area")
        .annotate(first_end=Min("end_on"))
        .order_by()
        .values_list("area", "first_end")
    )
    for path, first_end in ends:
        c = at(path)
        if c is not None and (c.fresh_until is None or first_end < c.fresh_until):
            c.fresh_until = first_end
    return out


def _rows(counts: dict[str, _Counts]) -> dict[counters.Key, counters.Values]:
    """The counts by tally path as rows of the family (keyed by the tally's place)."""
    return {(list(_segment_ids(path))[-1],): tuple(vars(c)[f] for f in VALUES) for path, c in counts.items()}


def _recount_all(today: dt.date) -> None:
    communities = set(Place.objects.filter(kind=Place.Kind.COMMUNITY).values_list("pk", flat=True))
    counters.write(COVERAGE, _rows(_count(Q(), communities, today)))


def _recount(place_ids: set[int], today: dt.date) -> None:
    paths = [p for p in Place.objects.filter(pk__in=place_ids).values_list("path", flat=True) if p]
    communities = _communities_on(paths)
    keys = {_key_of(p, communities) for p in paths}
    if not keys:
        return
    # A community's tally holds everything under it; any other tally only its own place.
    area = Q()
    exact = []
    for key in keys:
        if list(_segment_ids(key))[-1] in communities:
            area |= Q(area__startswith=key)
        else:
            exact.append(key)
    if exact:
        area |= Q(area__in=exact)
    counts = {k: c for k, c in _count(area, communities, today).items() if k in keys}
    counters.write(COVERAGE, _rows(counts), [(list(_segment_ids(k))[-1],) for k in keys])


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def refresh(*, today: dt.date | None = None, everything: bool = False) -> int:
    """Recount what the marks and the lapsed terms say; returns the number of marks consumed."""
    today = today or timezone.localdate()
    if not everything and not _pending(today):
        return 0
    with transaction.atomic():
        _lock()
        # Read again under the lock: another reader may have done the work meanwhile.
        marks = list(CoverageMark.objects.values_list("pk", "place_id"))
        places = {p for _, p in marks if p is not None}
        places |= set(CoverageTally.objects.filter(fresh_until__lt=today).values_list("place_id", flat=True))
        if everything or len(places) > FULL_RECOUNT_OVER or any(p is None for _, p in marks) or not _built():
            _recount_all(today)
        elif places:
            _recount(places, today)
        CoverageMark.objects.filter(pk__in=[pk for pk, _ in marks]).delete()
    return len(marks)


def _built() -> bool:
    return CoverageTally.objects.exists()


def _pending(today: dt.date) -> bool:
    return CoverageMark.objects.exists() or CoverageTally.objects.filter(fresh_until__lt=today).exists() or not _built()


def _counted_now() -> dict[counters.Key, counters.Values]:
    communities = set(Place.objects.filter(kind=Place.Kind.COMMUNITY).values_list("pk", flat=True))
    return _rows(_count(Q(), communities, timezone.localdate()))


VALUES = (*COUNTS, "fresh_until")
# The coverage tallies as a family of counters: `recount` first consumes the marks, as a read does,
# then compares every tally with a count of the record.
COVERAGE = counters.Family("coverage", CoverageTally, ("place_id",), VALUES, _counted_now, "place_id", refresh)


# --- reading ------------------------------------------------------------------------------------


def summed(place: Place, child_len: int) -> dict[str, dict[str, int]]:
    """Sums of the tallies under `place`, per child path prefix (the place's own tally under its path)."""
    refresh()
    rows = (
        CoverageTally.objects.filter(path__startswith=place.path)
        .annotate(key=Substr("path", 1, child_len))
        .values("key")
        .annotate(**{f: Sum(f) for f in COUNTS})
        .order_by()
    )
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        row = cast("dict[str, Any]", r)  # the sums are named by COUNTS, which the checker cannot see
        out[row["key"]] = {f: row[f] or 0 for f in COUNTS}
    return out
