"""Reads of the figures, one place for the staff pages and the stats API alike: which area and year
are asked, the three lists' and the service record's figures of an area beside its sub-areas, who
is behind a page at a time, the optional ranking, the coverage page's units. A page and an API call
asking the same thing read the same rows, paged the same way."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import Actor
from baodao.core.http import int_or_none, year_asked
from baodao.core.numbers import hours_number
from baodao.core.rules import get_rule_int
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Place, Unit
from baodao.directory.selectors import city_of
from baodao.needs import selectors as needs_selectors
from baodao.records import selectors as records_selectors
from baodao.records.models import Activity, Record
from baodao.reporting.models import MemberReport
from baodao.stats import access, coverage, needs_counts, service_counts
from baodao.stats import record_figures as records_figures
from baodao.stats.models import ServiceYear

BEHIND_PAGE_SIZE = 100


def _number(value: str | int | None) -> int | None:
    return int_or_none(value) if isinstance(value, str | None) else value


def asked(user: Actor, place: str | int | None, year: str | int | None, *, strict: bool = False) -> tuple[Place, int]:
    """The area and the year of the figures asked for, as a page's query string has them or as the
    API parsed them: an area the user sees whole, a community or above (stats.access), and a year
    as core.http.year_asked reads it (`strict`: the API's 400 for one outside the window)."""
    area = access.get_area_for_need_figures(user, _number(place))
    return area, year_asked(year, strict=strict)


def sub_areas(area: Place, limit: int | None = None) -> list[Place]:
    """The areas side by side under `area` (none under a community; buildings never)."""
    if area.kind == Place.Kind.COMMUNITY:
        return []
    children = area.children.exclude(kind=Place.Kind.BUILDING).order_by("sort_key")
    return list(children[:limit] if limit else children)


def ancestors_seen(user: Actor, area: Place) -> list[Place]:
    """The areas above `area` the user sees: the figures pages' breadcrumbs."""
    return list(directory_selectors.places_for_user(user).filter(pk__in=area.ancestor_ids()[:-1]))


# --- the three lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFiguresOf:
    f: needs_counts.NeedFigures
    overdue: int
    children: list[tuple[Place, needs_counts.NeedFigures]] = field(default_factory=list)


def need_figures(user: Actor, area: Place, year: int, *, children: bool = True) -> NeedFiguresOf:
    """The three lists' figures of the area (the counters), its overdue items and, with
    `children`, each sub-area's figures."""
    return NeedFiguresOf(
        f=needs_counts.figures(area, year),
        overdue=needs_selectors.overdue_in_area(user, area),
        children=[(c, needs_counts.figures(c, year)) for c in sub_areas(area)] if children else [],
    )


# --- the service record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordFiguresOf:
    f: records_figures.RecordFigures
    children: list[tuple[Place, records_figures.RecordFigures]]
    held: int  # activities closed this year
    units: list[tuple[Unit, records_figures.UnitYearTotal]]
    pending: int | None  # records waiting, for a community
    confirms: bool  # the user confirms there: the pending figure links to the desk


def activities_held(area: Place, year: int) -> int:
    """Activities of the area's communities closed in `year`."""
    start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    held = Activity.objects.filter(
        status=Activity.Status.CLOSED, starts_at__gte=start, starts_at__lt=start.replace(year=year + 1)
    )
    if area.kind == Place.Kind.COMMUNITY:
        return held.filter(community=area).count()
    return held.filter(community__path__startswith=area.path).count()


def record_figures(user: Actor, area: Place, year: int) -> RecordFiguresOf:
    """The service record's figures of the area (the community and unit tallies) beside its
    sub-areas', the activities held, the units by aid given and, for a community, the records
    still waiting for confirmation."""
    total, kids = records_figures.record_figures(area, year, sub_areas(area, 300))
    is_community = area.kind == Place.Kind.COMMUNITY
    return RecordFiguresOf(
        f=total,
        children=kids,
        held=activities_held(area, year),
        units=records_figures.units_by_aid(area, year),
        pending=Record.objects.filter(community=area, status=Record.Status.PENDING).count() if is_community else None,
        confirms=is_community and records_selectors.confirming_communities(user).filter(pk=area.pk).exists(),
    )


# --- who is behind --------------------------------------------------------------------------------


class CountedPaginator(Paginator):
    """A paginator told its count (from the counters) instead of counting the list."""

    def __init__(self, object_list: object, per_page: int, *, count: int | None = None) -> None:
        super().__init__(object_list, per_page)  # type: ignore[arg-type]
        self._known = count

    @property
    def count(self) -> int:
        return self._known if self._known is not None else super().count


@dataclass(frozen=True)
class Behind:
    """Reported members behind the year's minimums, of an area or of a unit, in list order."""

    reports: QuerySet[MemberReport]
    need: service_counts.Minimums
    total: int | None  # from the counters for an area; a unit's list is counted when paged
    children: list[tuple[Place, int]]

    def paginator(self) -> CountedPaginator:
        return CountedPaginator(self.reports, BEHIND_PAGE_SIZE, count=self.total)


def behind(area: Place | None, unit: Unit | None, year: int, *, children: bool = True) -> Behind:
    """Who is behind in the unit (its secretary) or else in the area, read from the counters; with
    `children`, each sub-area's count. Above a community the list runs in member order (an index
    walk that stops at the page); within one, by name."""
    if unit is not None or area is None:
        assert unit is not None
        reports = service_counts.behind_for_unit(unit, year).select_related("member__unit", "community")
        return Behind(reports.order_by("member_id"), service_counts.minimums(None), None, [])
    order = ("member__name", "member_id") if area.kind == Place.Kind.COMMUNITY else ("member_id",)
    return Behind(
        reports=service_counts.behind_reports(area, year).select_related("member__unit", "community").order_by(*order),
        need=service_counts.minimums(area),
        total=service_counts.behind_count(area, year),
        children=[(c, service_counts.behind_count(c, year)) for c in sub_areas(area, 200)] if children else [],
    )


def behind_rows(reports: Iterable[MemberReport], year: int) -> list[tuple[MemberReport, int, float]]:
    """Each report of a page with the member's confirmed activities and hours this year."""
    reports = list(reports)
    counts = service_counts.counts_by_member([r.member_id for r in reports], year)
    return [(r, counts[r.member_id][0], hours_number(counts[r.member_id][1])) for r in reports]


# --- the ranking ----------------------------------------------------------------------------------


def ranking(area: Place) -> tuple[int, QuerySet[ServiceYear]]:
    """This year and the area's reported members by its confirmed hours — only where the city's
    rule switches the ranking on (DOMAIN.md §5: never compulsory); else there is none (404)."""
    if not get_rule_int("points_ranking_enabled", city=city_of(area)):
        raise Http404(_("未开启服务时长排名"))
    year = timezone.localdate().year
    return year, service_counts.ranking(area, year)


# --- coverage -------------------------------------------------------------------------------------


def coverage_page(user: Actor, area: Place, rows: list[Any], units: list[Unit]) -> dict[str, object]:
    """What the coverage page shows beside the area's rows: each unit of the page with its members'
    coverage, the chart of each sub-area's three rates, the target, the areas above, and how many
    first secretaries' terms end soon."""
    rates = coverage.unit_member_coverage(user, units)
    chart = {
        "names": [r.place.name if r.place else "" for r in rows],
        "units": [r.units.percent or 0 for r in rows],
        "members": [r.members.percent or 0 for r in rows],
        "compounds": [r.compounds.percent or 0 for r in rows],
    }
    return {
        "unit_rows": [(u, rates.get(u.pk)) for u in units],
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "target": coverage.target_percent(area),
        "ancestors": ancestors_seen(user, area),
        "ending": coverage.terms_ending(user, area).count(),
    }


def coverage_units(user: Actor, area: Place) -> QuerySet[Unit]:
    """The units of the coverage page's table: those the user sees with an office in the area."""
    return coverage.units_qs(user).filter(Q(area__startswith=area.path)).order_by("code")
