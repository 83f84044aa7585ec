"""Ledgers generated from the record, in the shape offices file (DOMAIN.md §5: never re-typed):
the member's 党员纪实手册 and the unit's branch work ledger (支部工作台账), each as .xlsx rows and
an A4 PDF. A ledger lists what the record says — pending and returned records too, marked as
such, since the office files what was done and what the community vouched for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from baodao.core.numbers import hours_number, hours_text
from baodao.core.pdf import build_pdf, grid, para
from baodao.directory.models import Member, Unit
from baodao.records.models import Record

HEADERS = [
    gettext_lazy("日期"),
    gettext_lazy("时间"),
    gettext_lazy("党员"),
    gettext_lazy("社区"),
    gettext_lazy("地点"),
    gettext_lazy("服务内容"),
    gettext_lazy("服务对象"),
    gettext_lazy("时长（小时）"),
    gettext_lazy("来源"),
    gettext_lazy("社区确认"),
    gettext_lazy("帮扶物资"),
    gettext_lazy("帮扶资金（元）"),
]


def year_records(rows: QuerySet[Record], year: int) -> QuerySet[Record]:
    tz = timezone.get_current_timezone()
    start, end = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
    return (
        rows.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("member", "unit", "community", "place", "decided_by")
        .order_by("starts_at", "id")
    )


def _state(r: Record) -> str:
    if r.status == Record.Status.CONFIRMED:
        who = r.decided_by.display_name or r.decided_by.username if r.decided_by else ""
        return _("已确认 %(d)s %(w)s") % {
            "d": f"{timezone.localtime(r.decided_at):%m-%d}" if r.decided_at else "",
            "w": who,
        }
    if r.status == Record.Status.RETURNED:
        return _("已退回：%(r)s") % {"r": r.return_reason}
    return _("待确认")


def rows_of(records: Iterable[Record]) -> Iterator[list[object]]:
    for r in records:
        start, end = timezone.localtime(r.starts_at), timezone.localtime(r.ends_at)
        yield [
            f"{start:%Y-%m-%d}",
            f"{start:%H:%M}—{end:%H:%M}",
            r.member.name if r.member else r.unit.name,
            r.community.name,
            " ".join(x for x in (r.place.name if r.place else "", r.address) if x),
            r.content,
            r.beneficiary,
            hours_number(r.minutes),
            r.get_source_display(),
            _state(r),
            " ".join(x for x in (r.aid_items, f"{r.aid_count} 件" if r.aid_count else "") if x),
            float(r.aid_money) if r.aid_money else "",
        ]


def _pdf(title: str, lines: list[str], records: list[Record]) -> bytes:
    confirmed = [r for r in records if r.status == Record.Status.CONFIRMED]
    story: list[Flowable] = [para(title, "title"), Spacer(1, 3 * mm)]
    story += [para(line, "body") for line in lines]
    story.append(
        para(
            _("全年纪实 %(n)s 条，经社区确认 %(c)s 条、%(h)s 小时。")
            % {"n": len(records), "c": len(confirmed), "h": hours_text(sum(r.minutes for r in confirmed))},
            "body",
        )
    )
    story.append(Spacer(1, 3 * mm))
    # The date and the times in one column that never breaks (core.pdf.grid keeps them on one line).
    table: list[list[str]] = [
        [f"{row[0]} {row[1]}", str(row[2]), str(row[5])[:40], hours_text(r.minutes), str(row[9])[:24]]
        for r, row in zip(records, rows_of(records), strict=True)
    ]
    header = [_("时间"), _("党员"), _("服务内容"), _("小时"), _("社区确认")]
    story.append(grid(header, table or [["—"] * 5], [46 * mm, 18 * mm, 60 * mm, 12 * mm, 38 * mm]))
    return build_pdf(story, title=title)


def member_handbook_pdf(member: Member, year: int, records: list[Record]) -> bytes:
    title = _("党员纪实手册（%(y)s 年）") % {"y": year}
    lines = [
        _("姓名：%(n)s　工作单位：%(u)s　所在党组织：%(o)s")
        % {"n": member.name, "u": member.unit.name, "o": member.party_org.name}
    ]
    return _pdf(title, lines, records)


def unit_ledger_pdf(unit: Unit, year: int, records: list[Record]) -> bytes:
    title = _("支部工作台账（%(y)s 年）") % {"y": year}
    lines = [_("单位：%(u)s") % {"u": unit.name}, _("本单位报到党员及单位在联系社区的服务纪实。")]
    return _pdf(title, lines, records)
