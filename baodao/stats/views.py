"""Pages of the figures: the three coverages by area (drill-down, chart, Excel) and the laggard lists."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.models import AuthedHttpRequest
from baodao.core.excel import xlsx_response
from baodao.core.http import int_or_none, page_of
from baodao.core.numbers import hours_number
from baodao.core.rules import get_rule_int
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Place
from baodao.directory.selectors import city_of
from baodao.needs import selectors as needs_selectors
from baodao.records import selectors as records_selectors
from baodao.records.models import Activity, Record
from baodao.stats import access, coverage, exports, needs_counts, record_figures, service_counts

UNITS_PAGE_SIZE = 100  # the coverage page's units table


@login_required
@require_GET
def coverage_view(request: AuthedHttpRequest) -> HttpResponseBase:
    area = access.get_area_for_figures(request.user, int_or_none(request.GET.get("place")))
    total, rows = coverage.area_coverage(request.user, area)
    if request.GET.get("export") == "xlsx":
        title = _("三个全覆盖")
        headers = [str(h) for h in exports.COVERAGE_HEADERS]
        response, _n = xlsx_response(
            f"{area.name}{title}.xlsx", headers, exports.coverage_rows(area, total, rows), title
        )
        return response
    units_page = Paginator(
        coverage.units_qs(request.user).filter(Q(area__startswith=area.path)).order_by("code"), UNITS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    units = list(units_page.object_list)
    unit_rates = coverage.unit_member_coverage(request.user, units)
    chart = {
        "names": [r.place.name if r.place else "" for r in rows],
        "units": [r.units.percent or 0 for r in rows],
        "members": [r.members.percent or 0 for r in rows],
        "compounds": [r.compounds.percent or 0 for r in rows],
    }
    ancestors = list(directory_selectors.places_for_user(request.user).filter(pk__in=area.ancestor_ids()[:-1]))
    ctx = {
        "area": area,
        "total": total,
        "rows": rows,
        "unit_rows": [(u, unit_rates.get(u.pk)) for u in units],
        "page": units_page,
        "no_export": True,
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "target": coverage.target_percent(area),
        "ancestors": ancestors,
        "ending": coverage.terms_ending(request.user, area).count(),
    }
    return render(request, "stats/coverage.html", ctx)


@login_required
@require_GET
def laggards(request: AuthedHttpRequest, kind: str) -> HttpResponseBase:
    area = access.get_area_for_figures(request.user, int_or_none(request.GET.get("place")))
    access.require_known_list(kind, exports.LAGGARD_KINDS)
    qs, headers, row = exports.laggard_table(request.user, kind, area)
    title = str(exports.LAGGARD_KINDS[kind])
    if request.GET.get("export") == "xlsx":
        lines = (row(x) for x in qs.iterator(chunk_size=2000))
        return audited_xlsx_response(request, name=f"{area.name}{title}", headers=headers, rows=lines, what=title)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    rows = [row(x) for x in page.object_list]
    ctx = {"area": area, "kind": kind, "title": title, "headers": headers, "page": page, "rows": rows}
    return render(request, "stats/laggards.html", ctx)


@login_required
@require_GET
def needs_view(request: AuthedHttpRequest) -> HttpResponseBase:
    """The three lists' figures of an area (DOMAIN.md §3.6), read from the counters, each linking
    to the list it counts; its sub-areas side by side to find who is behind."""
    area = access.get_area_for_need_figures(request.user, int_or_none(request.GET.get("place")))
    this_year = timezone.localdate().year
    year = int_or_none(request.GET.get("year")) or this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    total = needs_counts.figures(area, year)
    children = []
    if area.kind != Place.Kind.COMMUNITY:
        for child in area.children.exclude(kind=Place.Kind.BUILDING).order_by("sort_key"):
            children.append((child, needs_counts.figures(child, year)))
    ancestors = list(directory_selectors.places_for_user(request.user).filter(pk__in=area.ancestor_ids()[:-1]))
    ctx = {
        "area": area,
        "year": year,
        "years": list(range(this_year, this_year - 5, -1)),
        "f": total,
        "children": children,
        "ancestors": ancestors,
        "overdue": needs_selectors.overdue_in_area(request.user, area),
        "is_community": area.kind == Place.Kind.COMMUNITY,
    }
    return render(request, "stats/needs.html", ctx)


class CountedPaginator(Paginator):
    """A paginator told its count (from the counters) instead of counting the list."""

    def __init__(self, object_list: object, per_page: int, *, count: int | None = None) -> None:
        super().__init__(object_list, per_page)  # type: ignore[arg-type]
        self._known = count

    @property
    def count(self) -> int:
        return self._known if self._known is not None else super().count


@login_required
@require_GET
def behind_view(request: AuthedHttpRequest) -> HttpResponseBase:
    """Who is behind this year's minimums (DOMAIN.md §3.3: 5 activities, 20 hours by default), read
    from the counters: the reported members of an area the user sees whole (admins, community
    staff), or of the user's unit (its secretary); 100 a page, with each sub-area's count."""
    this_year = timezone.localdate().year
    year = int_or_none(request.GET.get("year")) or this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    unit = access.get_unit_for_behind(request.user, int_or_none(request.GET.get("unit")))
    if unit is not None:
        area = None
        reports = service_counts.behind_for_unit(unit, year)
        need = service_counts.minimums(None)
        children: list[tuple[Place, int]] = []
    else:
        area = access.get_area_for_need_figures(request.user, int_or_none(request.GET.get("place")))
        reports = service_counts.behind_reports(area, year)
        need = service_counts.minimums(area)
        children = []
        if area.kind != Place.Kind.COMMUNITY:
            for child in area.children.exclude(kind=Place.Kind.BUILDING).order_by("sort_key")[:200]:
                children.append((child, service_counts.behind_count(child, year)))
    # Above a community the list runs in member order (an index walk that stops at the page);
    # within one, by name. The total comes from the counters, not from counting the list.
    order = ("member__name", "member_id") if area is not None and area.kind == Place.Kind.COMMUNITY else ("member_id",)
    total = service_counts.behind_count(area, year) if area is not None else None
    page = CountedPaginator(
        reports.select_related("member__unit", "community").order_by(*order), 100, count=total
    ).get_page(request.GET.get("page"))
    counts = service_counts.counts_by_member([r.member_id for r in page.object_list], year)
    rows = [(r, counts[r.member_id][0], hours_number(counts[r.member_id][1])) for r in page.object_list]
    return render(
        request,
        "stats/behind.html",
        {
            "area": area,
            "unit": unit,
            "year": year,
            "years": list(range(this_year, this_year - 5, -1)),
            "need": need,
            "need_hours": need.minutes // 60,
            "page": page,
            "rows": rows,
            "children": children,
        },
    )


@login_required
@require_GET
def ranking_view(request: AuthedHttpRequest) -> HttpResponseBase:
    """Optional (a rule switch, off by default — DOMAIN.md §5: points rankings must not be made
    compulsory): the area's reported members by this year's confirmed hours, from the counters.
    While the switch is off the page does not exist (404)."""
    area = access.get_area_for_need_figures(request.user, int_or_none(request.GET.get("place")))
    if not get_rule_int("points_ranking_enabled", city=city_of(area)):
        raise Http404(_("未开启服务时长排名"))
    year = timezone.localdate().year
    page = page_of(request, service_counts.ranking(area, year))
    return render(request, "stats/ranking.html", {"area": area, "year": year, "rows": page.object_list, "page": page})


@login_required
@require_GET
def records_view(request: AuthedHttpRequest) -> HttpResponseBase:
    """The service record's figures of an area (DOMAIN.md §3.3): activities held, confirmed records
    and hours, how many were confirmed despite integrity flags, and the aid given — from the
    community and unit tallies — with the sub-areas side by side and the units by aid given."""
    area = access.get_area_for_need_figures(request.user, int_or_none(request.GET.get("place")))
    this_year = timezone.localdate().year
    year = int_or_none(request.GET.get("year")) or this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    children = (
        list(area.children.exclude(kind=Place.Kind.BUILDING).order_by("sort_key")[:300])
        if area.kind != Place.Kind.COMMUNITY
        else []
    )
    total, kids = record_figures.record_figures(area, year, children)
    start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    held = Activity.objects.filter(
        status=Activity.Status.CLOSED, starts_at__gte=start, starts_at__lt=start.replace(year=year + 1)
    )
    held = (
        held.filter(community=area)
        if area.kind == Place.Kind.COMMUNITY
        else held.filter(community__path__startswith=area.path)
    )
    is_community = area.kind == Place.Kind.COMMUNITY
    pending = Record.objects.filter(community=area, status=Record.Status.PENDING).count() if is_community else None
    # The figure links to the confirmation desk only for those who confirm there.
    confirms = is_community and records_selectors.confirming_communities(request.user).filter(pk=area.pk).exists()
    ancestors = list(directory_selectors.places_for_user(request.user).filter(pk__in=area.ancestor_ids()[:-1]))
    return render(
        request,
        "stats/records.html",
        {
            "area": area,
            "year": year,
            "years": list(range(this_year, this_year - 5, -1)),
            "f": total,
            "held": held.count(),
            "children": kids,
            "units": record_figures.units_by_aid(area, year),
            "pending": pending,
            "confirms": confirms,
            "is_community": is_community,
            "ancestors": ancestors,
        },
    )
