"""Pages of the figures: the three coverages by area (drill-down, chart, Excel) and the laggard lists."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.models import AuthedHttpRequest
from baodao.core.excel import xlsx_response
from baodao.core.http import int_or_none, page_of, recent_years, year_asked
from baodao.directory.models import Place
from baodao.stats import access, coverage, exports, selectors

UNITS_PAGE_SIZE = 100  # the coverage page's units table


@login_required
@require_GET
def coverage_view(request: AuthedHttpRequest) -> HttpResponseBase:
    area = access.get_area_for_figures(request.user, int_or_none(request.GET.get("place")))
    total, rows = coverage.area_coverage(request.user, area)
    if request.GET.get("export") == "xlsx":
        name = f"{area.name}{_('三个全覆盖')}.xlsx"
        rows_out = exports.coverage_rows(area, total, rows)
        return xlsx_response(name, [str(h) for h in exports.COVERAGE_HEADERS], rows_out, _("三个全覆盖"))[0]
    page = Paginator(selectors.coverage_units(request.user, area), UNITS_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"area": area, "total": total, "rows": rows, "page": page, "no_export": True}
    ctx |= selectors.coverage_page(request.user, area, rows, list(page.object_list))
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
    area, year = selectors.asked(request.user, request.GET.get("place"), request.GET.get("year"))
    ctx = {
        "area": area,
        "year": year,
        "years": recent_years(),
        "ancestors": selectors.ancestors_seen(request.user, area),
        "is_community": area.kind == Place.Kind.COMMUNITY,
        **vars(selectors.need_figures(request.user, area, year)),  # f, children, overdue
    }
    return render(request, "stats/needs.html", ctx)


@login_required
@require_GET
def behind_view(request: AuthedHttpRequest) -> HttpResponseBase:
    """Who is behind this year's minimums (DOMAIN.md §3.3: 5 activities, 20 hours by default), read
    from the counters: the reported members of an area the user sees whole (admins, community
    staff), or of the user's unit (its secretary); 100 a page, with each sub-area's count."""
    year = year_asked(request.GET.get("year"))
    unit = access.get_unit_for_behind(request.user, int_or_none(request.GET.get("unit")))
    area = None if unit is not None else selectors.asked(request.user, request.GET.get("place"), None)[0]
    behind = selectors.behind(area, unit, year)
    page = behind.paginator().get_page(request.GET.get("page"))
    ctx: dict[str, object] = {"area": area, "unit": unit, "year": year, "years": recent_years(), "page": page}
    ctx |= {"need": behind.need, "need_hours": behind.need.minutes // 60, "children": behind.children}
    return render(request, "stats/behind.html", {**ctx, "rows": selectors.behind_rows(page.object_list, year)})


@login_required
@require_GET
def ranking_view(request: AuthedHttpRequest) -> HttpResponseBase:
    """Optional (a rule switch, off by default — DOMAIN.md §5: points rankings must not be made
    compulsory): the area's reported members by this year's confirmed hours, from the counters.
    While the switch is off the page does not exist (404)."""
    area = access.get_area_for_need_figures(request.user, int_or_none(request.GET.get("place")))
    year, rows = selectors.ranking(area)
    page = page_of(request, rows)
    return render(request, "stats/ranking.html", {"area": area, "year": year, "rows": page.object_list, "page": page})


@login_required
@require_GET
def records_view(request: AuthedHttpRequest) -> HttpResponseBase:
    """The service record's figures of an area (DOMAIN.md §3.3): activities held, confirmed records
    and hours, how many were confirmed despite integrity flags, and the aid given — from the
    community and unit tallies — with the sub-areas side by side and the units by aid given."""
    area, year = selectors.asked(request.user, request.GET.get("place"), request.GET.get("year"))
    ctx = {
        "area": area,
        "year": year,
        "years": recent_years(),
        "is_community": area.kind == Place.Kind.COMMUNITY,
        "ancestors": selectors.ancestors_seen(request.user, area),
        **vars(selectors.record_figures(request.user, area, year)),  # f, children, held, units, pending, confirms
    }
    return render(request, "stats/records.html", ctx)
