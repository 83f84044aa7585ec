"""The service record's figures, from the tallies kept with each confirmed record (service_counts
moves them): an area's records, hours, flagged share and aid, and each child area's; the units of an
area by their aid; one unit's figures of a year — what it took and did of the three lists and the aid
of its confirmed records, the same tallies the area's table reads (aid is stored once, on the record).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from baodao.core.numbers import hours_number
from baodao.directory.models import Place, Unit
from baodao.needs.selectors import unit_claim_counts
from baodao.stats.models import ServiceTally, UnitServiceTally


@dataclass
class RecordFigures:
    records: int = 0
    minutes: int = 0
    flagged: int = 0
    aid_count: int = 0
    aid_money: Decimal = Decimal(0)

    @property
    def hours(self) -> float:
        return hours_number(self.minutes)

    @property
    def flagged_percent(self) -> float | None:
        return round(100 * self.flagged / self.records, 1) if self.records else None

    def add(self, n: int, m: int, f: int, c: int, a: Decimal) -> None:
        self.records += n
        self.minutes += m
        self.flagged += f
        self.aid_count += c
        self.aid_money += a


def _tallies_under(area: Place, year: int) -> QuerySet[ServiceTally]:
    rows = ServiceTally.objects.filter(year=year)
    return rows.filter(place=area) if area.kind == Place.Kind.COMMUNITY else rows.filter(path__startswith=area.path)


def record_figures(area: Place, year: int, children: list[Place] | None = None) -> tuple[RecordFigures, list]:
    """The area's confirmed service this year — records, hours, how many were confirmed with
    integrity flags, aid items and money — and each child area's, from the community tallies (one
    read of at most one row per community, bucketed by path)."""
    total = RecordFigures()
    kids = [(c, RecordFigures()) for c in children or []]
    for path, n, m, f, c, a in _tallies_under(area, year).values_list(
        "path", "records", "minutes", "flagged", "aid_count", "aid_money"
    ):
        total.add(n, m, f, c, a)
        for child, fig in kids:
            if path.startswith(child.path):
                fig.add(n, m, f, c, a)
                break
    return total, kids


def units_by_aid(area: Place, year: int, limit: int = 50) -> list[tuple[Unit, UnitYearTotal]]:
    """The units whose office is in the area, by this year's aid money then confirmed records,
    wherever they served (their community tallies summed)."""
    rows = (
        UnitServiceTally.objects.filter(year=year, unit__office_place__path__startswith=area.path)
        .values("unit_id")
        .annotate(r=Sum("records"), m=Sum("minutes"), c=Sum("aid_count"), a=Sum("aid_money"))
        .order_by("-a", "-r", "unit_id")[:limit]
    )
    totals = [(row["unit_id"], UnitYearTotal(row["r"], row["m"], row["c"], row["a"])) for row in rows]
    units = Unit.objects.in_bulk([u for u, _t in totals])
    return [(units[u], t) for u, t in totals]


@dataclass(frozen=True)
class UnitYearTotal:
    records: int
    minutes: int
    aid_count: int
    aid_money: Decimal


@dataclass(frozen=True)
class UnitFigures:
    """A unit's year: its claims (taken and done, by party: the unit, its work teams, its members),
    its 单位实事 and residents' average rating; the aid of its confirmed service records."""

    taken: dict[str, int]
    done: dict[str, int]
    aid_money: Decimal
    aid_items: int  # pieces (件) of aid
    projects: int
    average_rating: float | None


def unit_figures(unit_id: int, year: int) -> UnitFigures:
    """One unit's figures of `year` (the unit secretary's page; needs.hooks.unit_figures): the
    claims counted live in the three lists, the aid from the unit's tallies — the confirmed records
    of its members and its own, wherever they served, as `units_by_aid` reads them."""
    claims = unit_claim_counts(unit_id, year)
    aid = UnitServiceTally.objects.filter(unit_id=unit_id, year=year).aggregate(c=Sum("aid_count"), a=Sum("aid_money"))
    return UnitFigures(
        claims.taken,
        claims.done,
        Decimal(aid["a"] or 0),
        aid["c"] or 0,
        claims.projects,
        claims.average_rating,
    )
