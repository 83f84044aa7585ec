"""Excel rows of 双报到: the unit's ledger and the community's waiting reports, as each files them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy

from baodao.reporting.models import MemberReport
from baodao.reporting.selectors import LedgerRow


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


# The ledger's export columns (the xlsx the unit files); the page shows the same facts.
LEDGER_HEADERS = [
    "姓名",
    "党组织",
    "居住地",
    "状态",
    "报到证编号",
    "报到期限",
    "报到社区",
    "提交时间",
    "确认时间",
    "回执编号",
]


def ledger_rows(rows: Iterable[LedgerRow]) -> Iterator[list[object]]:
    for r in rows:
        residence = r.member.residence
        yield [
            r.member.name,
            r.member.party_org.name,
            f"{residence.parent.name if residence.parent else ''} {residence.name}",
            r.status_label,
            r.certificate.number if r.certificate else "",
            r.certificate.deadline.isoformat() if r.certificate else "",
            r.report.community.name if r.report else (r.certificate.community.name if r.certificate else ""),
            _when(r.report.submitted_at) if r.report else "",
            _when(r.report.decided_at) if r.report and r.report.status == "confirmed" else "",
            r.report.receipt_number if r.report else "",
        ]


PENDING_HEADERS = [
    gettext_lazy("姓名"),
    gettext_lazy("单位"),
    gettext_lazy("居住小区/楼栋"),
    gettext_lazy("门牌号"),
    gettext_lazy("方式"),
    gettext_lazy("提交时间"),
]


def pending_rows(reports: Iterable[MemberReport]) -> Iterator[list[object]]:
    for r in reports:
        yield [
            r.member.name,
            r.unit.name,
            r.residence.residence_label,
            r.room,
            r.get_source_display(),
            _when(r.submitted_at),
        ]
