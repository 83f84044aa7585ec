"""Excel rows (and the table rows the pages show) of the figures: the coverage table and the lists
of who is behind, with personal data masked as scope decides."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baodao.accounts.models import Actor
from baodao.core.privacy import mask_mobile
from baodao.directory import scope
from baodao.directory.models import Place
from baodao.stats import coverage
from baodao.stats.coverage import AreaCoverage

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


def coverage_rows(area: Place, total: AreaCoverage, rows: Sequence[AreaCoverage]) -> list[list[object]]:
    """Each sub-area's three coverages side by side, and the area's own figures last (no personal data)."""

    def row(name: str, figures: AreaCoverage) -> list[object]:
        out: list[object] = [name]
        for f in (figures.units, figures.members, figures.compounds):
            out += [f.total, f.done, f.percent if f.percent is not None else ""]
        return out

    return [row(r.place.name if r.place else "", r) for r in rows] + [row(_("%(a)s合计") % {"a": area.name}, total)]


LAGGARD_KINDS = {
    "units": gettext_lazy("未报到单位"),
    "members": gettext_lazy("未报到党员"),
    "compounds": gettext_lazy("未配备第一书记的小区/网格"),
    "terms": gettext_lazy("任期即将届满的第一书记"),
}


def laggard_table(
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
