"""The service list as the office files it: an .xlsx ledger (staff, the beneficiary masked as the
viewer's scope decides; the download is audited) and an A4 PDF per community to pin up (no
personal data: the need, where, the state and who took it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.units import mm

from baodao.core.pdf import build_pdf, cn_date, grid, para
from baodao.core.privacy import mask_name
from baodao.directory.models import Place
from baodao.needs.models import Claim, Demand


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


LEDGER_HEADERS = [
    gettext_lazy("编号"),
    gettext_lazy("需求"),
    gettext_lazy("类型"),
    gettext_lazy("类别"),
    gettext_lazy("收集渠道"),
    gettext_lazy("小区问题"),
    gettext_lazy("社区"),
    gettext_lazy("小区/楼栋"),
    gettext_lazy("居民"),
    gettext_lazy("状态"),
    gettext_lazy("办理规模"),
    gettext_lazy("认领"),
    gettext_lazy("认领方"),
    gettext_lazy("提交时间"),
    gettext_lazy("发布时间"),
    gettext_lazy("完成时间"),
    gettext_lazy("销号时间"),
    gettext_lazy("居民验收"),
    gettext_lazy("评价"),
    gettext_lazy("原因"),
]


def _parties(d: Demand, *, public: bool) -> str:
    names = []
    for c in d.claims.all():
        if c.status not in Claim.LIVE:
            continue
        name = c.party_name
        names.append(mask_name(name) if public and c.party == Claim.Party.MEMBER else name)
    return "、".join(names)


def ledger_rows(demands: Iterable[Demand]) -> Iterator[list[object]]:
    """Rows of the xlsx ledger; `shown_name` set per viewer (selectors.show_beneficiary) first,
    claims prefetched with their parties."""
    for d in demands:
        done = d.status in (Demand.Status.DONE, Demand.Status.CLOSED)
        yield [
            d.pk,
            d.title,
            d.get_kind_display(),
            d.category.name,
            d.get_channel_display(),
            d.get_governance_display() if d.governance else "",
            d.community.name,
            d.place.residence_label,
            d.shown_name,
            d.get_status_display(),
            d.get_size_display(),
            f"{d.claimed_slots}/{d.slots}",
            _parties(d, public=False),
            _when(d.created_at),
            _when(d.published_at),
            _when(d.done_at),
            _when(d.closed_at),
            d.get_acceptance_display() if done else "",
            d.rating or "",
            d.reason,
        ]


def service_list_pdf(community: Place, open_items: list[Demand], closed_items: list[Demand]) -> bytes:
    """The community's service list on A4, to pin up: open items and those closed lately."""
    today = timezone.localdate()
    header = [_("编号"), _("需求"), _("类别"), _("小区/楼栋"), _("状态"), _("认领方")]
    widths = [14 * mm, 56 * mm, 22 * mm, 32 * mm, 22 * mm, 28 * mm]

    def rows(items: list[Demand]) -> list[list[str]]:
        return [
            [
                str(d.pk),
                d.title,
                d.category.name,
                d.place.residence_label,
                d.status_label,
                _parties(d, public=True) or "—",
            ]
            for d in items
        ]

    flow = [
        para(_("%(c)s 社区服务清单") % {"c": community.name}, "title"),
        para(
            _("%(d)s 印制 · 群众点单、社区派单、党员接单 · 办理进展可扫社区公示二维码查看") % {"d": cn_date(today)},
            "small",
        ),
        para(_("待办服务项目（%(n)s）") % {"n": len(open_items)}, "heading"),
        grid(header, rows(open_items) or [["—", _("暂无"), "", "", "", ""]], widths),
        para(_("近期已销号（%(n)s）") % {"n": len(closed_items)}, "heading"),
        grid(header, rows(closed_items) or [["—", _("暂无"), "", "", "", ""]], widths),
    ]
    return build_pdf(flow, title=_("%(c)s 社区服务清单") % {"c": community.name}, author=community.name)
