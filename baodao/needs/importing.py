"""Demands collected offline (door-knocking groups, WeChat groups, questionnaires, street walks) and
typed into the .xlsx template, imported for one community: every row checked first, each bad cell
reported with its row number and reason, and then all rows written or none (the roster import's
reader and error list, directory.importing)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from baodao.accounts.models import User
from baodao.core.validators import mobile_error
from baodao.directory.importing.columns import Column
from baodao.directory.importing.plan import FileProblem, ProgressBar, RowError, RowErrors, as_text
from baodao.directory.importing.readers import read_rows
from baodao.directory.models import Category, Place
from baodao.needs import services
from baodao.needs.models import Demand

MAX_ROWS = 2_000  # a community's offline collection of a season; larger files are split

COLUMNS = [
    Column("小区/楼栋", True, "本社区的小区、网格或楼栋名称，如“安一小区”或“安一小区 1栋”", "安一小区", 18),
    Column("收集渠道", True, "敲门组、微信群、问卷、走街巷、来电来访", "敲门组", 10),
    Column("类别", True, "需求类别，见“可选值”表", "环境整治", 10),
    Column("需求", True, "一句话说清需要什么，60 字以内", "楼道堆满杂物需要清理", 30),
    Column("类型", False, "微心愿、微诉求、微梦想，默认微心愿", "微诉求", 8),
    Column("小区问题", False, "小区整体问题填：十乱、十怨、十患、十盼", "十乱", 8),
    Column("详细说明", False, "1000 字以内", "3栋楼道堆放纸箱，有消防隐患", 30),
    Column("居民姓名", False, "为某位居民提出时填；小区整体问题不填", "", 10),
    Column("居民手机号", False, "11 位手机号；填了姓名时必填", "", 14, text=True),
    Column("希望时间", False, "如：周末上午", "", 12),
]
CHANNELS = {str(label): value for value, label in Demand.Channel.choices if value != Demand.Channel.RESIDENT}
KINDS = {str(label): value for value, label in Demand.Kind.choices}
GOVERNANCE = {str(label): value for value, label in Demand.Governance.choices if value}


def places_of(community: Place) -> dict[str, Place]:
    """The names a row may use for a place of the community: its own name and, for a building,
    "小区 楼栋" as people say it."""
    out: dict[str, Place] = {}
    kinds = (Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING)
    for p in Place.objects.filter(path__startswith=community.path, kind__in=kinds).select_related("parent"):
        out.setdefault(p.residence_label, p)
        out.setdefault(p.name, p)
    return out


def template_xlsx(community: Place) -> bytes:
    """The template: the header (required columns marked *), one example row, drop-downs, and a
    second sheet with the values each column takes."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("需求")
    ws.append([c.title for c in COLUMNS])
    ws.append([c.example for c in COLUMNS])
    for i, c in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="C8161D" if c.required else "6B7280")
        ws.column_dimensions[cell.column_letter].width = c.width
    values = wb.create_sheet(_("可选值"))
    lists = {
        "小区/楼栋": sorted({p.residence_label for p in places_of(community).values()}),
        "收集渠道": list(CHANNELS),
        "类别": list(
            Category.objects.filter(kind=Category.Kind.INTENTION, is_active=True)
            .order_by("sort_order", "id")
            .values_list("name", flat=True)
        ),
        "类型": list(KINDS),
        "小区问题": list(GOVERNANCE),
    }
    for col, (header, items) in enumerate(lists.items(), start=1):
        values.cell(row=1, column=col, value=header)
        for row, item in enumerate(items, start=2):
            values.cell(row=row, column=col, value=item)
        letter = values.cell(row=1, column=col).column_letter
        target = [c.header for c in COLUMNS].index(header) + 1
        dv = DataValidation(type="list", formula1=f"'{values.title}'!${letter}$2:${letter}${len(items) + 1}")
        target_letter = ws.cell(row=2, column=target).column_letter
        dv.add(f"{target_letter}2:{target_letter}{MAX_ROWS + 1}")
        ws.add_data_validation(dv)
    notes = wb.create_sheet(_("说明"))
    for c in COLUMNS:
        notes.append([c.title, c.rule])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class ImportOutcome:
    rows: int
    created: int
    errors: list[RowError]


def demands_import(*, file: IO[bytes], community: Place, by: User) -> ImportOutcome:
    """Check every row, then write all of them (each through services.demand_submit, so the
    timeline, the counters and the staff's inbox are as for one typed in) or none."""
    rows = read_rows(file, COLUMNS, ProgressBar(lambda done, total: None))
    if not rows:
        raise FileProblem(_("文件中没有数据行：请在模板第二行起填写需求。"), row=2)
    if len(rows) > MAX_ROWS:
        raise FileProblem(_("一次最多导入 %(n)s 行，请拆分文件。") % {"n": MAX_ROWS})
    places = places_of(community)
    categories = {c.name: c for c in Category.objects.filter(kind=Category.Kind.INTENTION, is_active=True)}
    errors = RowErrors()
    plans = []
    for rownum, values in rows:
        place_name, channel, category, title, kind, governance, description, name, mobile, when = (
            "" if v in (None, "") else str(as_text(v)).strip() for v in values
        )
        for column, value in zip(COLUMNS[:4], (place_name, channel, category, title), strict=True):
            if not value:
                errors.add(rownum, column.header, _("%(c)s必填") % {"c": column.header})
        if place_name and place_name not in places:
            errors.add(rownum, "小区/楼栋", _("本社区没有“%(v)s”，请从“可选值”表中选择") % {"v": place_name})
        if channel and channel not in CHANNELS:
            errors.add(rownum, "收集渠道", _("收集渠道应为：%(v)s") % {"v": "、".join(CHANNELS)})
        if category and category not in categories:
            errors.add(rownum, "类别", _("没有“%(v)s”这个类别，请从“可选值”表中选择") % {"v": category})
        if len(title) > 60:
            errors.add(rownum, "需求", _("需求最多 60 个字（现在 %(n)s 个）") % {"n": len(title)})
        if kind and kind not in KINDS:
            errors.add(rownum, "类型", _("类型应为：%(v)s") % {"v": "、".join(KINDS)})
        if governance and governance not in GOVERNANCE:
            errors.add(rownum, "小区问题", _("小区问题应为：%(v)s") % {"v": "、".join(GOVERNANCE)})
        if len(description) > 1000:
            errors.add(rownum, "详细说明", _("详细说明最多 1000 个字"))
        if name and not mobile:
            errors.add(rownum, "居民手机号", _("填了居民姓名，请填写手机号，办理进展会短信告知"))
        if mobile and (problem := mobile_error(mobile)):
            errors.add(rownum, "居民手机号", str(problem))
        if len(name) > 50 or len(when) > 60:
            errors.add(rownum, "居民姓名" if len(name) > 50 else "希望时间", _("内容过长"))
        plans.append((rownum, place_name, channel, category, title, kind, governance, description, name, mobile, when))
    if errors.items:
        return ImportOutcome(len(rows), 0, sorted(errors.items, key=lambda e: (e.row, e.column)))
    with transaction.atomic():
        for _rownum, place_name, channel, category, title, kind, governance, description, name, mobile, when in plans:
            services.demand_submit(
                by=by,
                community=community,
                place=places[place_name],
                category=categories[category],
                title=title,
                description=description,
                kind=KINDS.get(kind, Demand.Kind.WISH),
                channel=CHANNELS[channel],
                governance=GOVERNANCE.get(governance, ""),
                preferred_time=when,
                contact_name=name,
                contact_mobile=mobile,
            )
    return ImportOutcome(len(rows), len(plans), [])
