"""Pages of the figures: the three coverages by area (drill-down, chart, Excel) and the laggard lists."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.models import Actor
from baodao.core.excel import xlsx_response
from baodao.core.http import int_or_none
from baodao.core.privacy import mask_mobile
from baodao.directory import access, scope
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Place
from baodao.stats import coverage
from baodao.stats.coverage import AreaCoverage

UNITS_PAGE_SIZE = 100  # the coverage page's units table


def _area(request: HttpRequest) -> Place:
    pk = int_or_none(request.GET.get("place"))
    places = directory_selectors.places_for_user(request.user)
    if pk:
        return get_object_or_404(places, pk=pk)
    top = places.exclude(kind=Place.Kind.BUILDING).order_by("depth", "path").first()
    if top is None:
        raise PermissionDenied
    return top


@login_required
@require_GET
def coverage_view(request: HttpRequest) -> HttpResponse:
    access.require_staff(request.user)
    area = _area(request)
    total, rows = coverage.area_coverage(request.user, area)
    if request.GET.get("export") == "xlsx":
        return _coverage_export(area, total, rows)
    units_page = Paginator(
        coverage.units_qs(request.user).filter(area__startswith=area.path).order_by("code"), UNITS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    units = list(units_page.object_list)
    unit_rates = coverage.unit_member_coverage(request.user, units)
    chart = {
        "names": [r.place.name for r in rows],
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


COVERAGE_HEADERS = [
    gettext_lazy("区域"),
    gettext_lazy("单位数"),
    gettext_lazy("已报到单位"),
    gettext_lazy("单位报到率%"),
    gettext_lazy("在职党员"),
    gettext_lazy("已报到党员"),
    gettext_lazy("党员报到率%"),
    gettext_lazy("小区/网格"),
    gettext_lazy("有第一书记"),
    gettext_lazy("第一书记覆盖率%"),
]


def _coverage_export(area: Place, total: AreaCoverage, rows: Sequence[AreaCoverage]) -> HttpResponse:
    """Each sub-area's three coverages side by side, and the area's own figures last (no personal data)."""

    def row(name: str, figures: AreaCoverage) -> list[object]:
        out = [name]
        for f in (figures.units, figures.members, figures.compounds):
            out += [f.total, f.done, f.percent if f.percent is not None else ""]
        return out

    title = _("三个全覆盖")
    lines = [row(r.place.name, r) for r in rows] + [row(_("%(a)s合计") % {"a": area.name}, total)]
    response, _n = xlsx_response(f"{area.name}{title}.xlsx", [str(h) for h in COVERAGE_HEADERS], lines, title)
    return response


LAGGARD_KINDS = {
    "units": gettext_lazy("未报到单位"),
    "members": gettext_lazy("未报到党员"),
    "compounds": gettext_lazy("未配备第一书记的小区/网格"),
    "terms": gettext_lazy("任期即将届满的第一书记"),
}


def _laggard_table(
    user: Actor, kind: str, area: Place
) -> tuple[QuerySet[Any], list[str], Callable[[Any], Sequence[object]]]:
    """(queryset, headers, row function) of one laggard list."""
    if kind == "units":
        return (
            coverage.laggard_units(user, area),
            ["单位编码", "单位名称", "类型", "办公地点"],
            lambda u: (u.code, u.name, u.get_kind_display(), u.office_place.name),
        )
    if kind == "members":
        return (
            coverage.laggard_members(user, area).select_related("unit__office_place"),
            ["单位", "党组织", "姓名", "居住地", "手机号"],
            lambda m: (
                m.unit.name,
                m.party_org.name,
                m.name,
                f"{m.residence.parent.name if m.residence.parent else ''} {m.residence.name}",
                m.mobile if scope.member_pii_visible(user, m) else mask_mobile(m.mobile),
            ),
        )
    if kind == "compounds":
        return (
            coverage.laggard_compounds(user, area).order_by("path"),
            ["编码", "名称", "类型", "所属社区"],
            lambda p: (p.code, p.name, p.get_kind_display(), p.parent.name if p.parent else ""),
        )
    return (
        coverage.terms_ending(user, area),
        ["小区/网格", "所属社区", "第一书记", "单位", "任期开始", "任期届满"],
        lambda t: (
            t.place.name,
            t.place.parent.name if t.place.parent else "",
            t.member.name,
            t.member.unit.name,
            t.start_on.isoformat(),
            t.end_on.isoformat() if t.end_on else "",
        ),
    )


@login_required
@require_GET
def laggards(request: HttpRequest, kind: str) -> HttpResponse:
    access.require_staff(request.user)
    if kind not in LAGGARD_KINDS:
        raise PermissionDenied
    area = _area(request)
    qs, headers, row = _laggard_table(request.user, kind, area)
    title = str(LAGGARD_KINDS[kind])
    if request.GET.get("export") == "xlsx":
        rows = (row(x) for x in qs.iterator(chunk_size=2000))
        return audited_xlsx_response(request, name=f"{area.name}{title}", headers=headers, rows=rows, what=title)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    rows = [row(x) for x in page.object_list]
    ctx = {"area": area, "kind": kind, "title": title, "headers": headers, "page": page, "rows": rows}
    return render(request, "stats/laggards.html", ctx)
