"""The downloadable template of each roster kind, made for the user who downloads it.

- The data sheet: the header row (required columns marked * and shaded), each header with a
  comment that says what the column takes, text format on code, ID and mobile columns, and a
  dropdown (data validation) on every coded column — places, units and party organizations of the
  user's scope, shown as "名称（编码）", and the fixed choices (types, 是/否). The importer reads a
  chosen "名称（编码）", a code, or a name unique in the scope (importing.names).
- "选项", a hidden sheet holding the dropdowns' lists.
- "说明", the instructions: each column's rule and example, and how the file is checked.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from baodao.accounts.models import User
from baodao.directory.importing.columns import (
    KIND_LABELS,
    ORG_KIND_LABELS,
    PLACE_KIND_NAMES,
    RESIDENCE_KINDS,
    TEMPLATES,
    UNIT_KIND_LABELS,
)
from baodao.directory.models import Category, Place
from baodao.directory.scope import places_for_user, units_for_user

# More choices than this make a dropdown nobody scrolls and a slow download: the column then takes
# a typed code or name (the header's comment says so).
MAX_CHOICES = 20_000
LISTS_SHEET = "选项"
MULTI = "多个用“、”分隔"


def _labelled(rows: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{name}（{code}）" for code, name in rows]


def _choices(kind: str, user: User | None) -> dict[int, tuple[list[str], bool]]:
    """Column index -> (the dropdown's values, strict): strict lists refuse anything else; the
    others only suggest (a code or a name typed instead is still read)."""
    fixed_yes_no = (["是", "否"], True)
    if kind == "places":
        kinds = [PLACE_KIND_NAMES[k] for k in PLACE_KIND_NAMES if k != Place.Kind.PROVINCE]
        out = {2: (kinds, True)}
        if user is not None:
            out[3] = (_places(user, "place"), False)
        return out
    if kind == "units":
        out = {2: (list(UNIT_KIND_LABELS), True), 4: fixed_yes_no, 6: (list(ORG_KIND_LABELS), True)}
        if user is not None:
            out[3] = (_places(user, "place"), False)
        return out
    if kind == "members":
        if user is None:
            return {}
        units = units_for_user(user).filter(is_active=True).order_by("code")
        orgs = sorted(set(units.values_list("party_orgs__name", flat=True)) - {None})
        return {
            3: (_labelled(list(units.values_list("code", "name")[: MAX_CHOICES + 1])), False),
            4: (orgs[: MAX_CHOICES + 1], False),
            5: (_places(user, "residence"), False),
        }
    if kind == "residents" and user is not None:
        return {2: (_places(user, "residence"), False)}
    return {}


def _places(user: User, what: str) -> list[str]:
    rows = places_for_user(user).filter(kind__in=RESIDENCE_KINDS) if what == "residence" else places_for_user(user)
    return _labelled(list(rows.order_by("path").values_list("code", "name")[: MAX_CHOICES + 1]))


def _category_names(kind: str) -> list[str]:
    return list(
        Category.objects.filter(kind=kind, is_active=True).order_by("sort_order", "name").values_list("name", flat=True)
    )


def template_workbook(kind: str, user: User | None = None) -> bytes:
    """The .xlsx template for `kind`, with the dropdowns of `user`'s scope (none without a user)."""
    columns = TEMPLATES[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = str(KIND_LABELS[kind])
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE9D9")
    choices = _choices(kind, user)
    multi = _multi_choices(kind)
    list_col = 0
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=col.title)
        cell.font = bold
        if col.required:
            cell.fill = required_fill
        ws.column_dimensions[letter].width = col.width
        if col.text:
            # Text format for the whole column (a column style, applied by Excel and WPS to new
            # cells): otherwise Excel turns an 18-digit ID number into 4.20102E+17 and loses digits.
            ws.column_dimensions[letter].number_format = "@"
        note = col.rule
        values, strict = choices.get(i - 1, ([], False))
        if i - 1 in multi:
            values, strict = multi[i - 1], False
        if values and len(values) <= MAX_CHOICES:
            list_col += 1
            lists.cell(row=1, column=list_col, value=col.header)
            for r, value in enumerate(values, start=2):
                lists.cell(row=r, column=list_col, value=value)
            ref = f"'{LISTS_SHEET}'!${get_column_letter(list_col)}$2:${get_column_letter(list_col)}${len(values) + 1}"
            if i - 1 in multi:
                note += f"。可选：见隐藏的“{LISTS_SHEET}”表（{MULTI}）"
            else:
                dv = DataValidation(type="list", formula1=ref, allow_blank=not col.required)
                dv.showErrorMessage = strict  # a list that only suggests still takes a typed code or name
                dv.errorTitle = "请从下拉列表中选择"
                dv.error = f"“{col.header}”只能是下拉列表中的值"
                dv.promptTitle = col.header
                dv.prompt = ("请从下拉列表中选择" if strict else "可从下拉列表选择，也可填写编码或名称")[:255]
                dv.showInputMessage = True
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}10001")
                note += "。" + (
                    "请从下拉列表中选择"
                    if strict
                    else "可从下拉列表中选择（名称（编码）），也可直接填写编码，或在您管辖范围内唯一的名称"
                )
        elif values:
            note += f"。选项超过 {MAX_CHOICES} 个，未提供下拉列表：请填写编码或唯一的名称"
        cell.comment = Comment(note, "双报到", width=320, height=140)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet("说明")
    notes.append(["列名", "是否必填", "填写说明", "示例"])
    for c in notes[1]:
        c.font = bold
    for col in columns:
        notes.append([col.header, "必填" if col.required else "选填", col.rule, col.example])
    notes.append([])
    for line in (
        "第一行是表头，请勿修改；从第二行起每行一条数据。带 * 的列必填。把鼠标停在表头上可看到该列的填写说明。",
        "带下拉箭头的列可直接选择；地点、单位的列选出的是“名称（编码）”，也可以只填编码，或填在您管辖范围内唯一的名称。",
        "下拉列表只包含您管辖范围内的地点、单位和党组织（以下载模板时为准）。",
        "导入前会逐行校验：任何一行有错，全部不写入（除非选择“只导入校验通过的行”），错误会列出行号和原因。",
    ):
        notes.append(["", "", line])
    for letter, width in (("A", 18), ("B", 10), ("C", 80), ("D", 24)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))  # data, 说明, then the hidden lists
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _multi_choices(kind: str) -> dict[int, list[str]]:
    """Columns that take several category names: their choices are listed, not validated."""
    if kind == "members":
        return {8: _category_names(Category.Kind.SKILL), 9: _category_names(Category.Kind.INTENTION)}
    if kind == "residents":
        return {4: _category_names(Category.Kind.SPECIAL_GROUP)}
    return {}
