"""Roster import from .xlsx (places, units with party orgs, members, residents) and export rows.

An import reads the whole sheet (calamine, or openpyxl read-only where calamine would read a cell
differently or the file is not a plain .xlsx), validates every row against maps loaded once, and
then writes in one transaction with bulk inserts (COPY on PostgreSQL) — all rows, or none when any
row fails (unless the user asked for the valid rows only). Headers and kind labels are a file
format, so they are plain Chinese constants, not translated UI text; messages to the user go
through gettext.

Where a job runs: on a Celery worker when REDIS_URL is set; otherwise (tasks eager, `make run`) in
a background thread of the web process, so the upload returns at once and the job page shows the
progress; tests import synchronously (IMPORT_RUN_IN_THREAD off). See `tasks.import_start`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

try:
    from python_calamine import CalamineWorkbook, SheetTypeEnum
except ImportError:  # pragma: no cover - a venv made before the requirement: openpyxl reads alone
    CalamineWorkbook = SheetTypeEnum = None

from baodao.accounts.models import SecurityEvent, User
from baodao.accounts.scope import (
    can_manage_master_data,
    member_pii_visible,
    places_for_user,
    resident_pii_visible,
    residents_for_user,
    scope_for,
)
from baodao.accounts.services import security_event_record
from baodao.core import crypto
from baodao.core.privacy import mask_address, mask_flags, mask_id_number, mask_mobile
from baodao.core.validators import (
    birth_date_from_id,
    gender_from_id,
    id_number_error,
    mobile_error,
    normalize_id_number,
)
from baodao.directory.models import Category, ImportJob, Member, PartyOrg, Place, Resident, Unit
from baodao.directory.services import PLACE_LEVEL, party_org_nesting_ok, places_bulk_create

BATCH = 2000
LOOKUP_CHUNK = 900  # stays under SQLite's bound-parameter limit on every version
PROGRESS_EVERY = 1000
MAX_ROWS = 200_000

# --- file format --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str  # without the "*" that marks a required column in the template
    required: bool
    rule: str
    example: str = ""
    width: int = 14
    text: bool = False  # formatted as text in the template, so Excel keeps ID numbers whole

    @property
    def title(self) -> str:
        return self.header + ("*" if self.required else "")


PLACE_KIND_LABELS = {
    "省": Place.Kind.PROVINCE,
    "市": Place.Kind.CITY,
    "区(县)": Place.Kind.DISTRICT,
    "区": Place.Kind.DISTRICT,
    "县": Place.Kind.DISTRICT,
    "区县": Place.Kind.DISTRICT,
    "街道": Place.Kind.STREET,
    "乡镇": Place.Kind.STREET,
    "社区": Place.Kind.COMMUNITY,
    "小区": Place.Kind.COMPOUND,
    "片区": Place.Kind.GRID,
    "网格": Place.Kind.GRID,
    "楼栋": Place.Kind.BUILDING,
}
PLACE_KIND_NAMES = {
    Place.Kind.PROVINCE: "省",
    Place.Kind.CITY: "市",
    Place.Kind.DISTRICT: "区(县)",
    Place.Kind.STREET: "街道",
    Place.Kind.COMMUNITY: "社区",
    Place.Kind.COMPOUND: "小区",
    Place.Kind.GRID: "网格",
    Place.Kind.BUILDING: "楼栋",
}
RESIDENCE_KINDS = {Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING}
UNIT_KIND_LABELS = {
    "机关": Unit.Kind.ORGAN,
    "事业单位": Unit.Kind.INSTITUTION,
    "国有企业": Unit.Kind.SOE,
    "非公企业": Unit.Kind.PRIVATE,
    "社会组织": Unit.Kind.SOCIAL,
}
UNIT_KIND_NAMES = {v: k for k, v in UNIT_KIND_LABELS.items()}
ORG_KIND_LABELS = {
    "党委": PartyOrg.Kind.COMMITTEE,
    "党总支": PartyOrg.Kind.GENERAL_BRANCH,
    "党支部": PartyOrg.Kind.BRANCH,
}
ORG_KIND_NAMES = {v: k for k, v in ORG_KIND_LABELS.items()}
YES_NO = {"是": True, "否": False, "": True}
LIST_SPLIT = re.compile(r"[、,，;；]+")
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")

TEMPLATES: dict[str, list[Column]] = {
    "places": [
        Column(
            "编码", True, "地点的唯一编码（建议用行政区划代码加序号），不能与已有编码重复", "420102001001", 18, True
        ),
        Column("名称", True, "地点名称，最多100字", "阳光小区", 20),
        Column("类型", True, "市、区(县)、街道、社区、小区、网格、楼栋 之一", "小区", 10),
        Column(
            "上级编码",
            False,
            "上级地点的编码：可以是系统中您管辖范围内的地点，也可以是本文件中的另一行；"
            "上级的层级必须高于本地点（如社区的上级是街道）。只有最高层级的地点可以不填",
            "420102001",
            18,
            True,
        ),
        Column("排序", False, "整数，数字小的排在前面；可不填", "1", 8),
    ],
    "units": [
        Column(
            "单位编码",
            True,
            "单位的唯一编码（如统一社会信用代码）；同一单位的多个党组织各占一行，重复填写单位信息",
            "",
            20,
            True,
        ),
        Column("单位名称", True, "单位全称，最多100字", "市司法局", 22),
        Column("单位类型", True, "机关、事业单位、国有企业、非公企业、社会组织 之一", "机关", 12),
        Column("办公地点编码", True, "单位办公所在地点的编码，须在您的管辖范围内", "420102001", 18, True),
        Column("党组织关系在本地", False, "是 或 否；不填视为“是”（驻地单位填“否”）", "是", 10),
        Column("党组织名称", True, "该单位下党组织的名称，同一单位内不能重复", "市司法局机关第一党支部", 26),
        Column("党组织类型", True, "党委、党总支、党支部 之一", "党支部", 12),
        Column(
            "上级党组织名称",
            False,
            "同一单位内、本文件中另一行的党组织名称；党支部的上级可以是党委或党总支，党总支的上级是党委",
            "市司法局机关党委",
            26,
        ),
    ],
    "members": [
        Column("姓名", True, "最多50字", "张三", 10),
        Column(
            "身份证号", True, "18位居民身份证号，末位X请大写；请将单元格设为文本，避免Excel改成科学计数法", "", 22, True
        ),
        Column("手机号", True, "11位手机号", "13800000000", 14, True),
        Column("单位编码", True, "系统中已有单位的编码", "", 20, True),
        Column("党组织名称", True, "该单位下已有党组织的名称", "市司法局机关第一党支部", 26),
        Column("居住地编码", True, "居住的小区、网格或楼栋的编码，须在您的管辖范围内", "420102001001", 18, True),
        Column("详细地址", False, "如 3栋2单元501", "3栋2单元501", 20),
        Column("入党日期", False, "YYYY-MM-DD，如 2005-07-01；也可以是Excel日期", "2005-07-01", 12),
        Column("兴趣特长", False, "系统中已有的兴趣特长名称，多个用“、”或“,”分隔", "", 20),
        Column("服务意愿", False, "系统中已有的服务意愿名称，多个用“、”或“,”分隔", "", 20),
    ],
    "residents": [
        Column("姓名", True, "最多50字", "李四", 10),
        Column("手机号", False, "11位手机号，可不填", "13900000000", 14, True),
        Column("居住地编码", True, "居住的小区、网格或楼栋的编码，须在您的管辖范围内", "420102001001", 18, True),
        Column("详细地址", False, "如 3栋2单元501", "3栋2单元501", 20),
        Column("特殊群体", False, "系统中已有的特殊群体名称，多个用“、”或“,”分隔，如 空巢老人、残疾人", "空巢老人", 20),
    ],
}
KIND_LABELS = {
    "places": gettext_lazy("地点"),
    "units": gettext_lazy("单位及党组织"),
    "members": gettext_lazy("在职党员"),
    "residents": gettext_lazy("居民"),
}


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number as the user sees it (the header is row 1)
    column: str
    message: str


@dataclass
class ImportResult:
    kind: str
    total_rows: int = 0
    created: int = 0
    rejected: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def rejected_row_count(self) -> int:
        return len({e.row for e in self.rejected})


class FileProblem(Exception):
    """The file as a whole cannot be imported (not an .xlsx, wrong headers, no data)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


Progress = Callable[[int, int], None]


class _Bar:
    """One bar over the three phases, in steps per row: reading 1, checking 2, writing 7.

    The weights follow the times measured on PostgreSQL with the bench's 100,000 members (reading
    with calamine ~10%, checking ~20%, writing and checking the foreign keys ~70%).
    """

    READ, CHECK, WRITE = 1, 2, 7
    PER_ROW = READ + CHECK + WRITE

    def __init__(self, report: Progress) -> None:
        self.report = report
        self.n = 0
        self.read_done = 0

    def read(self, done: int, estimate: int) -> None:
        if done > self.read_done:  # openpyxl reading again what calamine began: no step back
            self.read_done = done
            self.report(done * self.READ, max(estimate, done) * self.PER_ROW)

    def checked(self, done: int) -> None:
        self.report(self.n * self.READ + done * self.CHECK, self.n * self.PER_ROW)

    def written(self, done: int) -> None:
        before = self.n * (self.READ + self.CHECK)
        self.report(min(before + done * self.WRITE, self.n * self.PER_ROW), self.n * self.PER_ROW)

    def finish(self) -> None:
        self.report(self.n * self.PER_ROW, self.n * self.PER_ROW)


class _Errors:
    """Collects row errors; knows which rows are bad."""

    def __init__(self) -> None:
        self.items: list[RowError] = []
        self.bad: set[int] = set()

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append(RowError(row, column, message))
        self.bad.add(row)


# --- template -----------------------------------------------------------------------------------


def template_workbook(kind: str) -> bytes:
    """The .xlsx template for `kind`: a data sheet with the header row and a "说明" sheet."""
    columns = TEMPLATES[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = str(KIND_LABELS[kind])
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE9D9")
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.title)
        cell.font = bold
        if col.required:
            cell.fill = required_fill
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        if col.text:
            # Text format for the whole column (a column style, applied by Excel and WPS to new
            # cells): otherwise Excel turns an 18-digit ID number into 4.20102E+17 and loses digits.
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"

    notes = wb.create_sheet("说明")
    notes.append(["列名", "是否必填", "填写说明", "示例"])
    for c in notes[1]:
        c.font = bold
    for col in columns:
        notes.append([col.header, "必填" if col.required else "选填", col.rule, col.example])
    notes.append([])
    notes.append(["", "", "第一行是表头，请勿修改；从第二行起每行一条数据。带 * 的列必填。"])
    notes.append(["", "", "导入前会逐行校验：任何一行有错，全部不写入（除非选择“只导入校验通过的行”）。"])
    for letter, width in (("A", 18), ("B", 10), ("C", 80), ("D", 24)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- reading ------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """Cell value → stripped str; dates stay dates; whole floats lose their ".0" (codes, mobiles)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        # Beyond 15 digits Excel has already lost the last digits: keep the float so the
        # validation can say so instead of blaming the check digit.
        return value if abs(value) >= 1e15 else str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value
    return str(value).strip()


def _header_name(value: Any) -> str:
    return str(value).strip().rstrip("*＊").strip() if value is not None else ""


ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>]")


def _count_rows(ws: Any) -> int:
    """Rows of a sheet without a <dimension> element (files written by openpyxl, some other tools),
    by scanning the XML bytes: only for the progress bar, so any failure just means "unknown"."""
    try:
        src = ws._get_source()  # openpyxl's read-only sheet: the zip member's stream
    except Exception:
        return 0
    count, rest = 0, b""
    with src:
        while chunk := src.read(1 << 20):
            buf = rest + chunk
            cut = buf.rfind(b"<")  # a tag may straddle two chunks: keep it for the next round
            if cut < 0:
                rest = b""
                continue
            count += len(ROW_TAG.findall(buf, 0, cut))
            rest = buf[cut:]
    count += len(ROW_TAG.findall(rest))
    return max(count - 1, 0)


class _UseOpenpyxl(Exception):
    """The fast reader would lose something openpyxl keeps: read the file with openpyxl."""


ERROR_CELL_TAGS = (b't="e"', b"t='e'")


def _calamine_fits(zf: zipfile.ZipFile) -> bool:
    """Whether calamine reads these worksheets as openpyxl would, in memory we can spare.

    calamine reads error cells (#N/A, #DIV/0!…) as empty, where openpyxl gives the error text,
    which the checks then name (a blank optional cell would pass). And it reads the whole sheet
    before we see a row, where openpyxl stops at MAX_ROWS: a sheet of far more rows goes to openpyxl.
    """
    rows = 0
    for name in zf.namelist():
        if not name.startswith("xl/worksheets/"):
            continue
        rest = b""
        with zf.open(name) as src:
            while chunk := src.read(1 << 20):
                buf = rest + chunk
                if any(tag in buf for tag in ERROR_CELL_TAGS):
                    return False
                rows += chunk.count(b"<row")  # a tag cut by the chunk boundary is missed: a guard only
                if rows > 2 * MAX_ROWS:
                    return False
                rest = buf[-8:]
    return True


def _calamine_sheet(data: bytes) -> tuple[Iterator[Sequence[Any]], int] | None:
    """Rows of the first worksheet read with calamine (Rust; ~15 times faster than openpyxl's
    read-only mode) and an estimate of their count; None when calamine does not apply: openpyxl
    then reads the file, or says what is wrong with it in the same words as always."""
    if CalamineWorkbook is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            # calamine also reads .xls, .xlsb and .ods: those must keep being refused.
            if "xl/workbook.xml" not in zf.namelist() or not _calamine_fits(zf):
                return None
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        index = next((i for i, m in enumerate(wb.sheets_metadata) if m.typ == SheetTypeEnum.WorkSheet), None)
        if index is None:
            return None
        sheet = wb.get_sheet_by_index(index)
        end = sheet.end  # (last row, last column), 0-based; None for an empty sheet
        # iter_rows starts at A1 whatever the first used cell, like openpyxl: the row numbers in
        # the messages are the ones Excel shows.
        return iter(sheet.iter_rows()), end[0] if end else 0
    except Exception:  # anything calamine dislikes, openpyxl reads or explains
        return None


def _clean_fast(value: Any) -> Any:
    """_clean for calamine's values, giving what _clean gives for openpyxl's: calamine reads empty
    cells as "", every number as a float, and a date cell at midnight as a date."""
    kind = type(value)
    if kind is str:
        return value.strip()
    if kind is float and value.is_integer():
        if abs(value) >= 1e15:
            # openpyxl keeps an integer written in full as an int (all 18 digits of an ID number
            # typed by a program); calamine has made it a float.
            raise _UseOpenpyxl
        return str(int(value))
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)  # noqa: DTZ001 - naive, as openpyxl's
    return _clean(value)


def _read_rows(file: Any, columns: list[Column], bar: _Bar) -> list[tuple[int, list[Any]]]:
    """(Excel row number, values in template column order) for every non-empty data row."""
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    fast = _calamine_sheet(data)
    if fast is not None:
        try:
            return _sheet_rows(fast[0], fast[1], columns, bar, _clean_fast)
        except _UseOpenpyxl:
            pass
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a foreign or broken file
        raise FileProblem(
            _("无法读取文件：请上传 Excel 2007 及以上版本的 .xlsx 文件（不支持 .xls、.csv 等格式），并确认文件未损坏。")
        ) from exc
    try:
        if not wb.worksheets:
            raise FileProblem(_("文件中没有工作表。"))
        ws = wb.worksheets[0]
        estimate = max(ws.max_row - 1, 0) if ws.max_row else _count_rows(ws)
        return _sheet_rows(ws.iter_rows(values_only=True), estimate, columns, bar, _clean)
    finally:
        wb.close()


def _sheet_rows(
    rows_iter: Iterator[Sequence[Any]], estimate: int, columns: list[Column], bar: _Bar, clean: Callable[[Any], Any]
) -> list[tuple[int, list[Any]]]:
    try:
        header = next(rows_iter, None)
        if header is None or not any(v not in (None, "") for v in header):
            raise FileProblem(_("第一个工作表是空的：第一行应为模板的表头。请下载模板后填写。"), row=1)
        names = [_header_name(v) for v in header]
        index = {}
        for pos, name in enumerate(names):
            if name and name not in index:
                index[name] = pos
        missing = [c.header for c in columns if c.header not in index]
        if missing:
            raise FileProblem(
                _("表头与模板不一致，缺少列：%(cols)s。请下载最新模板，第一行表头不要修改。")
                % {"cols": "、".join(missing)},
                row=1,
            )
        positions = [index[c.header] for c in columns]
        width = max(positions) + 1
        out: list[tuple[int, list[Any]]] = []
        for rownum, raw in enumerate(rows_iter, start=2):
            if raw is None:
                continue
            if len(raw) < width:
                raw = tuple(raw) + (None,) * (width - len(raw))
            values = [clean(raw[p]) for p in positions]
            if not any(values):  # all "": every other cleaned value (a date, a float) is truthy
                continue
            out.append((rownum, values))
            if len(out) > MAX_ROWS:
                raise FileProblem(_("单个文件最多 %(n)s 行数据，请拆分后分批导入。") % {"n": f"{MAX_ROWS:,}"})
            if len(out) % PROGRESS_EVERY == 0:
                bar.read(len(out), estimate)
    except (FileProblem, _UseOpenpyxl):
        raise
    except Exception as exc:  # a damaged sheet fails while it is being read, not when opened
        raise FileProblem(_("文件内容已损坏，无法读取。请在Excel中打开并另存为 .xlsx 后重试。")) from exc
    if not out:
        raise FileProblem(_("文件中没有数据：请从第二行起填写数据。"), row=1)
    return out


# --- shared lookups -----------------------------------------------------------------------------


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _places_in_scope(user: User, codes: Iterable[str]) -> dict[str, Place]:
    """Places with these codes that the user may see; out of scope looks the same as missing."""
    codes = sorted({c for c in codes if c})
    found: dict[str, Place] = {}
    base = places_for_user(user).only("id", "code", "kind", "path", "depth", "name")
    for chunk in _chunks(codes, LOOKUP_CHUNK):
        for p in base.filter(code__in=chunk):
            found[p.code] = p
    return found


def _existing_values(model: type, field: str, values: list[str]) -> set[str]:
    """Which of these values the field already holds. On PostgreSQL in one query with an array
    (chunks of IN (%s, …) spent seconds on 100,000 ID hashes); elsewhere in chunks under
    SQLite's limit on bound parameters."""
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        column, table = qn(model._meta.get_field(field).column), qn(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)", [values])  # noqa: S608
            return {r[0] for r in cursor.fetchall()}
    found: set[str] = set()
    for chunk in _chunks(values, LOOKUP_CHUNK):
        found.update(model._default_manager.filter(**{f"{field}__in": chunk}).values_list(field, flat=True))
    return found


def _category_map(kind: str) -> dict[str, int]:
    return dict(Category.objects.filter(kind=kind, is_active=True).values_list("name", "id"))


def _category_ids(value: str, names: dict[str, int], row: int, column: str, label: str, errors: _Errors) -> list[int]:
    if not value:
        return []
    wanted = [n.strip() for n in LIST_SPLIT.split(str(value)) if n.strip()]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        errors.add(
            row,
            column,
            _("未知的%(label)s：%(names)s（请使用系统中已有的名称）") % {"label": label, "names": "、".join(unknown)},
        )
        return []
    return sorted({names[n] for n in wanted})


def _required(values: list[Any], columns: list[Column], row: int, errors: _Errors) -> None:
    for col, v in zip(columns, values, strict=True):
        if col.required and v == "":
            errors.add(row, col.header, _("必填项不能为空"))


def _too_long(value: str, limit: int, row: int, column: str, errors: _Errors) -> bool:
    if len(value) > limit:
        errors.add(row, column, _("不能超过%(n)s个字") % {"n": limit})
        return True
    return False


def _as_text(value: Any) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _parse_date(value: Any) -> dt.date | None:
    """A real Excel date, an Excel serial number or YYYY-MM-DD (also / . 年月日); None if invalid."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    if re.fullmatch(r"\d{5}", value):
        serial = from_excel(int(value))
        return serial.date() if serial else None
    m = DATE_RE.match(value)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _mark_duplicates(groups: dict[Any, list[int]], column: str, message: str, errors: _Errors) -> None:
    """Every row of a group of two or more is named, with the other rows' numbers."""
    for rows in groups.values():
        if len(rows) < 2:
            continue
        for r in rows:
            others = "、".join(str(o) for o in rows if o != r)
            errors.add(r, column, message % {"rows": others})


# --- members ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _MemberRow:
    row: int
    name: str
    id_number: str
    id_hash: str
    mobile: str
    unit_id: int
    party_org_id: int
    residence_id: int
    address: str
    joined: dt.date | None
    skills: list[int]
    intentions: list[int]


def _members_plan(
    rows: list[tuple[int, list[Any]]], user: User, errors: _Errors, tick: Callable[[int], None]
) -> list[_MemberRow]:
    cols = TEMPLATES["members"]
    h = [c.header for c in cols]
    unit_codes = sorted({str(_as_text(v[3])) for _, v in rows if v[3] != ""})
    units: dict[str, int] = {}
    for chunk in _chunks(unit_codes, LOOKUP_CHUNK):
        units.update(Unit.objects.filter(code__in=chunk).values_list("code", "id"))
    orgs: dict[tuple[int, str], int] = {}
    for chunk in _chunks(sorted(units.values()), LOOKUP_CHUNK):
        for unit_id, name, pk in PartyOrg.objects.filter(unit_id__in=chunk).values_list("unit_id", "name", "id"):
            orgs[(unit_id, name)] = pk
    places = _places_in_scope(user, (str(_as_text(v[5])) for _, v in rows))
    skills = _category_map(Category.Kind.SKILL)
    intentions = _category_map(Category.Kind.INTENTION)
    today = timezone.localdate()
    skill_label, intention_label = _("兴趣特长"), _("服务意愿")

    plan: list[_MemberRow] = []
    by_hash: dict[str, list[int]] = defaultdict(list)
    for i, (row, v) in enumerate(rows, start=1):
        if i % PROGRESS_EVERY == 0:
            tick(i)
        name, idn, mobile, ucode, oname, pcode, addr, joined_raw, skill_names, intention_names = (
            x if k == 7 or type(x) is str else _as_text(x)
            for k, x in enumerate(v)  # the date keeps its Excel type
        )
        _required(v, cols, row, errors)
        if name:
            _too_long(name, 50, row, h[0], errors)
        id_hash = ""
        if isinstance(v[1], float):
            errors.add(row, h[1], _("身份证号被Excel存成了数字，末几位已丢失：请把该列设为文本格式后重新填写"))
        elif idn:
            idn = normalize_id_number(idn)
            if err := id_number_error(idn):
                errors.add(row, h[1], err)
            else:
                id_hash = crypto.lookup_hash(idn)
                by_hash[id_hash].append(row)
        if mobile and (err := mobile_error(mobile)):
            errors.add(row, h[2], err)
        unit_id = org_id = place_id = 0
        if ucode:
            unit_id = units.get(ucode, 0)
            if not unit_id:
                errors.add(row, h[3], _("单位编码「%(code)s」不存在") % {"code": ucode})
        if oname and unit_id:
            org_id = orgs.get((unit_id, oname), 0)
            if not org_id:
                errors.add(
                    row, h[4], _("单位「%(unit)s」下没有名为「%(org)s」的党组织") % {"unit": ucode, "org": oname}
                )
        if pcode:
            place = places.get(pcode)
            if place is None:
                errors.add(row, h[5], _("居住地编码「%(code)s」不存在或不在您的管辖范围内") % {"code": pcode})
            elif place.kind not in RESIDENCE_KINDS:
                errors.add(
                    row,
                    h[5],
                    _("居住地「%(code)s」是%(kind)s，应为小区、网格或楼栋")
                    % {"code": pcode, "kind": PLACE_KIND_NAMES[place.kind]},
                )
            else:
                place_id = place.pk
        joined = None
        if joined_raw != "":
            joined = _parse_date(joined_raw)
            if joined is None:
                errors.add(row, h[7], _("日期格式应为 YYYY-MM-DD，如 2005-07-01"))
            elif joined > today:
                errors.add(row, h[7], _("入党日期不能晚于今天"))
            elif id_hash and joined < birth_date_from_id(idn):
                errors.add(row, h[7], _("入党日期早于出生日期"))
        skill_ids = _category_ids(skill_names, skills, row, h[8], skill_label, errors)
        intention_ids = _category_ids(intention_names, intentions, row, h[9], intention_label, errors)
        if row not in errors.bad:
            plan.append(
                _MemberRow(
                    row, name, idn, id_hash, mobile, unit_id, org_id, place_id, addr, joined, skill_ids, intention_ids
                )
            )

    _mark_duplicates(by_hash, h[1], _("身份证号在文件中重复（与第%(rows)s行相同）"), errors)
    existing = _existing_values(Member, "id_hash", sorted(by_hash))
    for hsh in existing:
        for r in by_hash[hsh]:
            errors.add(r, h[1], _("该身份证号已登记为其他党员"))
    return [m for m in plan if m.row not in errors.bad]


def _insert_sql(model: type, columns: list[str]) -> str:
    qn = connection.ops.quote_name
    return "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table), ", ".join(qn(c) for c in columns), ", ".join(["%s"] * len(columns))
    )


MEMBER_INSERT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "id_hash",
    "mobile",
    "mobile_hash",
    "unit",
    "party_org",
    "residence",
    "address_detail",
    "status",
    "joined_party_on",
    "created_at",
)


def _members_write(plan: list[_MemberRow], tick: Callable[[int], None]) -> int:
    """Raw inserts: measured here, bulk_create spent ~40% of the import compiling SQL.

    The plan holds the values normalised and the ID hash made as member_fill_secrets does (a test
    holds them equal), so each value is hashed once; the encrypted columns are encrypted as the
    field's get_prep_value does for a text value.
    """
    meta = Member._meta
    columns = [meta.get_field(n).column for n in MEMBER_INSERT_FIELDS]
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    in_service = Member.Status.IN_SERVICE.value
    encrypt, lookup_hash = crypto.encrypt, crypto.lookup_hash

    def values(p: _MemberRow) -> tuple:
        idn = p.id_number
        return (
            p.name,
            gender_from_id(idn),
            ops.adapt_datefield_value(birth_date_from_id(idn)),
            encrypt(idn),
            p.id_hash,
            encrypt(p.mobile),
            lookup_hash(p.mobile),
            p.unit_id,
            p.party_org_id,
            p.residence_id,
            encrypt(p.address) if p.address else "",
            in_service,
            ops.adapt_datefield_value(p.joined),
            now,
        )

    links = ((Member.skills.through, "skills"), (Member.intentions.through, "intentions"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _members_copy(cursor, plan, columns, values, links, tick)
            return len(plan)
        for batch in _chunks(plan, BATCH):
            cursor.executemany(_insert_sql(Member, columns), [values(p) for p in batch])
            # The new keys, found by the unique hash (portable: no reliance on RETURNING order).
            found: dict[str, int] = {}
            for chunk in _chunks([p.id_hash for p in batch], LOOKUP_CHUNK):
                found.update(Member.objects.filter(id_hash__in=chunk).values_list("id_hash", "pk"))
            for through, attr in links:
                pairs = [(found[p.id_hash], c) for p in batch for c in getattr(p, attr)]
                if pairs:
                    cursor.executemany(_insert_sql(through, ["member_id", "category_id"]), pairs)
            tick(len(batch))
    return len(plan)


def _members_copy(
    cursor: Any,
    plan: list[_MemberRow],
    columns: list[str],
    values: Callable[[_MemberRow], tuple],
    links: Iterable[tuple[type, str]],
    tick: Callable[[int], None],
) -> None:
    """PostgreSQL: the members in one COPY under keys taken from the table's sequence beforehand,
    then their skills and intentions in one COPY each. One stream, so the server inserts while we
    encrypt the next rows (a COPY per batch waited for the server at the end of every batch)."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [Member._meta.db_table, Member._meta.pk.column, len(plan)],
    )
    pks = [r[0] for r in cursor.fetchall()]
    n, ticked = len(plan), 0

    def reached(share: float) -> None:  # the bar, in rows, at this share of the writing
        nonlocal ticked
        if (now := int(n * share)) > ticked:
            tick(now - ticked)
            ticked = now

    # Shares of the writing measured on the bench: the members 40%, their links 10%, and the
    # foreign key checks 50%.
    with _pg_copy(cursor, Member, ["id", *columns]) as copy:
        for i, (pk, p) in enumerate(zip(pks, plan, strict=True), start=1):
            copy.write_row((pk, *values(p)))
            if i % BATCH == 0:
                reached(0.4 * i / n)
    reached(0.4)
    for share, (through, attr) in zip((0.45, 0.5), links, strict=True):
        with _pg_copy(cursor, through, ["member_id", "category_id"]) as copy:
            for pk, p in zip(pks, plan, strict=True):
                for c in getattr(p, attr):
                    copy.write_row((pk, c))
        reached(share)
    # Django makes foreign keys DEFERRABLE INITIALLY DEFERRED, so PostgreSQL would check the keys
    # of every new row in the COMMIT, after the bar is full: check them here, then back to the
    # initial mode (every deferrable constraint here is one of Django's foreign keys).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    reached(1)


@contextlib.contextmanager
def _pg_copy(cursor: Any, model: type, columns: list[str]) -> Iterator[Any]:
    """A COPY … FROM STDIN into the table (PostgreSQL); psycopg errors come out as Django's (an
    IntegrityError the import catches)."""
    qn = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(qn(model._meta.db_table), ", ".join(qn(c) for c in columns))
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        yield copy


# --- residents ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _ResidentRow:
    row: int
    name: str
    mobile: str
    residence_id: int
    address: str
    groups: list[int]


def _residents_plan(
    rows: list[tuple[int, list[Any]]], user: User, errors: _Errors, tick: Callable[[int], None]
) -> list[_ResidentRow]:
    cols = TEMPLATES["residents"]
    h = [c.header for c in cols]
    places = _places_in_scope(user, (str(_as_text(v[2])) for _, v in rows))
    groups = _category_map(Category.Kind.SPECIAL_GROUP)
    group_label = _("特殊群体")
    plan: list[_ResidentRow] = []
    # A resident has no unique key; with a mobile, the same name and mobile twice is a duplicate.
    by_person: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (row, v) in enumerate(rows, start=1):
        if i % PROGRESS_EVERY == 0:
            tick(i)
        name, mobile, pcode, addr, group_names = (_as_text(x) for x in v)
        _required(v, cols, row, errors)
        if name:
            _too_long(name, 50, row, h[0], errors)
        if mobile:
            if err := mobile_error(mobile):
                errors.add(row, h[1], err)
            elif name:
                by_person[(name, crypto.lookup_hash(mobile))].append(row)
        place_id = 0
        if pcode:
            place = places.get(pcode)
            if place is None:
                errors.add(row, h[2], _("居住地编码「%(code)s」不存在或不在您的管辖范围内") % {"code": pcode})
            elif place.kind not in RESIDENCE_KINDS:
                errors.add(
                    row,
                    h[2],
                    _("居住地「%(code)s」是%(kind)s，应为小区、网格或楼栋")
                    % {"code": pcode, "kind": PLACE_KIND_NAMES[place.kind]},
                )
            else:
                place_id = place.pk
        group_ids = _category_ids(group_names, groups, row, h[4], group_label, errors)
        if row not in errors.bad:
            plan.append(_ResidentRow(row, name, mobile, place_id, addr, group_ids))
    _mark_duplicates(by_person, h[1], _("姓名和手机号在文件中重复（与第%(rows)s行相同）"), errors)
    hashes = sorted({k[1] for k in by_person})
    existing: set[tuple[str, str]] = set()
    for chunk in _chunks(hashes, LOOKUP_CHUNK):
        # Within the user's scope only: no unique key forces a wider look, so none is taken.
        existing.update(residents_for_user(user).filter(mobile_hash__in=chunk).values_list("name", "mobile_hash"))
    for key in existing & set(by_person):
        for r in by_person[key]:
            errors.add(r, h[1], _("该居民（姓名和手机号相同）已登记"))
    return [p for p in plan if p.row not in errors.bad]


def _residents_write(plan: list[_ResidentRow], tick: Callable[[int], None]) -> int:
    link = Resident.special_groups.through
    for batch in _chunks(plan, BATCH):
        objs = [
            Resident(
                name=p.name,
                mobile=p.mobile,
                mobile_hash=crypto.lookup_hash(p.mobile),
                residence_id=p.residence_id,
                address_detail=p.address,
            )
            for p in batch
        ]
        Resident.objects.bulk_create(objs, batch_size=BATCH)
        link.objects.bulk_create(
            [link(resident_id=o.pk, category_id=c) for o, p in zip(objs, batch, strict=True) for c in p.groups],
            batch_size=BATCH,
        )
        tick(len(batch))
    return len(plan)


# --- places -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _PlaceRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str
    sort_order: int


def _places_plan(
    rows: list[tuple[int, list[Any]]], user: User, errors: _Errors, tick: Callable[[int], None]
) -> list[_PlaceRow]:
    cols = TEMPLATES["places"]
    h = [c.header for c in cols]
    codes = [str(_as_text(v[0])) for _, v in rows]
    taken: set[str] = set()
    for chunk in _chunks(sorted(set(codes)), LOOKUP_CHUNK):
        # Any existing code, in scope or not: codes are unique across the whole system.
        taken.update(Place.objects.filter(code__in=chunk).values_list("code", flat=True))
    parents_db = _places_in_scope(user, (str(_as_text(v[3])) for _, v in rows))
    top_allowed = scope_for(user).superuser

    parsed: dict[int, _PlaceRow] = {}
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, (row, v) in enumerate(rows, start=1):
        if i % PROGRESS_EVERY == 0:
            tick(i)
        code, name, label, parent_code, sort_raw = (_as_text(x) for x in v)
        _required(v, cols, row, errors)
        if code:
            by_code[code].append(row)
            if not _too_long(code, 32, row, h[0], errors) and code in taken:
                errors.add(row, h[0], _("编码「%(code)s」已被使用") % {"code": code})
        if name:
            _too_long(name, 100, row, h[1], errors)
        kind = ""
        if label:
            kind = PLACE_KIND_LABELS.get(label.replace("（", "(").replace("）", ")"), "")
            if not kind:
                errors.add(row, h[2], _("类型应为 市、区(县)、街道、社区、小区、网格、楼栋 之一"))
        if not parent_code and not top_allowed:
            errors.add(row, h[3], _("上级编码不能为空（只有系统管理员可以新增最高层级的地点）"))
        sort_order = 0
        if sort_raw != "":
            try:
                sort_order = int(str(sort_raw))
            except ValueError:
                errors.add(row, h[4], _("排序应为整数"))
        parsed[row] = _PlaceRow(row, code, name, kind, parent_code, sort_order)
    _mark_duplicates(by_code, h[0], _("编码在文件中重复（与第%(rows)s行相同）"), errors)

    file_rows = {p.code: p for p in parsed.values() if len(by_code.get(p.code, ())) == 1}
    for p in parsed.values():
        if not p.parent_code or not p.kind:
            continue
        parent_kind = None
        if p.parent_code == p.code:
            errors.add(p.row, h[3], _("上级编码不能是本行的编码"))
            continue
        if p.parent_code in parents_db:
            parent_kind = parents_db[p.parent_code].kind
        elif p.parent_code in file_rows:
            parent_kind = file_rows[p.parent_code].kind
        elif p.parent_code not in by_code:
            errors.add(p.row, h[3], _("上级编码「%(code)s」不存在或不在您的管辖范围内") % {"code": p.parent_code})
            continue
        if parent_kind and PLACE_LEVEL[parent_kind] >= PLACE_LEVEL[p.kind]:
            errors.add(
                p.row,
                h[3],
                _("上级「%(code)s」是%(parent)s，不能作为%(kind)s的上级")
                % {"code": p.parent_code, "parent": PLACE_KIND_NAMES[parent_kind], "kind": PLACE_KIND_NAMES[p.kind]},
            )

    # A row whose parent row in the file is rejected cannot be written either (valid-only mode).
    changed = True
    while changed:
        changed = False
        for p in parsed.values():
            if p.row in errors.bad or p.parent_code not in by_code or p.parent_code in parents_db:
                continue
            parent_rows = by_code[p.parent_code]
            if any(r in errors.bad for r in parent_rows):
                errors.add(p.row, h[3], _("上级「%(code)s」所在的行有错误") % {"code": p.parent_code})
                changed = True
    return [p for p in parsed.values() if p.row not in errors.bad]


def _places_write(plan: list[_PlaceRow], user: User, tick: Callable[[int], None]) -> int:
    by_code = {p.code: p for p in plan}
    known: dict[str, Place] = _places_in_scope(user, (p.parent_code for p in plan if p.parent_code not in by_code))
    pending = list(plan)
    while pending:
        # One level at a time: places_bulk_create needs the parents' paths.
        level = [p for p in pending if not p.parent_code or p.parent_code in known]
        pending = [p for p in pending if p.parent_code and p.parent_code not in known]
        if not level:
            raise RuntimeError("place import plan has rows whose parent is never created")
        objs = [
            Place(
                kind=p.kind,
                code=p.code,
                name=p.name,
                sort_order=p.sort_order,
                parent=known[p.parent_code] if p.parent_code else None,
            )
            for p in level
        ]
        places_bulk_create(objs)
        for o in objs:
            known[o.code] = o
        tick(len(objs))
    return len(plan)


# --- units and party orgs -----------------------------------------------------------------------


@dataclass(slots=True)
class _OrgRow:
    row: int
    unit_code: str
    unit_name: str
    unit_kind: str
    office_code: str
    local: bool
    org_name: str
    org_kind: str
    parent_name: str


def _units_plan(
    rows: list[tuple[int, list[Any]]], user: User, errors: _Errors, tick: Callable[[int], None]
) -> list[_OrgRow]:
    cols = TEMPLATES["units"]
    h = [c.header for c in cols]
    codes = sorted({str(_as_text(v[0])) for _, v in rows if v[0] != ""})
    taken: set[str] = set()
    for chunk in _chunks(codes, LOOKUP_CHUNK):
        taken.update(Unit.objects.filter(code__in=chunk).values_list("code", flat=True))
    offices = _places_in_scope(user, (str(_as_text(v[3])) for _, v in rows))

    parsed: list[_OrgRow] = []
    first_of_unit: dict[str, _OrgRow] = {}
    by_org: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (row, v) in enumerate(rows, start=1):
        if i % PROGRESS_EVERY == 0:
            tick(i)
        ucode, uname, ukind_label, ocode, local_label, oname, okind_label, parent_name = (_as_text(x) for x in v)
        _required(v, cols, row, errors)
        if ucode and not _too_long(ucode, 32, row, h[0], errors) and ucode in taken:
            errors.add(row, h[0], _("单位编码「%(code)s」已存在（导入只新增单位）") % {"code": ucode})
        if uname:
            _too_long(uname, 100, row, h[1], errors)
        ukind = UNIT_KIND_LABELS.get(ukind_label, "")
        if ukind_label and not ukind:
            errors.add(row, h[2], _("单位类型应为 机关、事业单位、国有企业、非公企业、社会组织 之一"))
        if ocode:
            office = offices.get(ocode)
            if office is None:
                errors.add(row, h[3], _("办公地点编码「%(code)s」不存在或不在您的管辖范围内") % {"code": ocode})
        local = YES_NO.get(local_label)
        if local is None:
            errors.add(row, h[4], _("应填“是”或“否”"))
            local = True
        if oname:
            _too_long(oname, 100, row, h[5], errors)
        okind = ORG_KIND_LABELS.get(okind_label, "")
        if okind_label and not okind:
            errors.add(row, h[6], _("党组织类型应为 党委、党总支、党支部 之一"))
        item = _OrgRow(row, ucode, uname, ukind, ocode, local, oname, okind, parent_name)
        parsed.append(item)
        if ucode:
            first = first_of_unit.setdefault(ucode, item)
            if first is not item and (first.unit_name, first.unit_kind, first.office_code, first.local) != (
                uname,
                ukind,
                ocode,
                local,
            ):
                errors.add(row, h[0], _("同一单位编码的单位信息与第%(row)s行不一致") % {"row": first.row})
            if oname:
                by_org[(ucode, oname)].append(row)
    _mark_duplicates(by_org, h[5], _("同一单位内党组织名称重复（与第%(rows)s行相同）"), errors)

    orgs = {(p.unit_code, p.org_name): p for p in parsed if len(by_org.get((p.unit_code, p.org_name), ())) == 1}
    for p in parsed:
        if not p.parent_name or not p.unit_code:
            continue
        parent = orgs.get((p.unit_code, p.parent_name))
        if parent is None or parent is p:
            errors.add(p.row, h[7], _("上级党组织「%(name)s」不是本文件中同一单位的另一行") % {"name": p.parent_name})
        elif parent.org_kind and p.org_kind and not party_org_nesting_ok(parent.org_kind, p.org_kind):
            errors.add(
                p.row,
                h[7],
                _("%(parent)s不能作为%(kind)s的上级")
                % {"parent": ORG_KIND_NAMES[parent.org_kind], "kind": ORG_KIND_NAMES[p.org_kind]},
            )
    # Committees may nest, so a loop is possible: walk up from each row.
    for p in parsed:
        seen = {p.row}
        cur = p
        while cur.parent_name and (up := orgs.get((cur.unit_code, cur.parent_name))) is not None and up is not cur:
            if up.row in seen:
                errors.add(p.row, h[7], _("上级党组织形成循环"))
                break
            seen.add(up.row)
            cur = up
    # In valid-only mode, an org whose parent row is rejected is rejected too.
    changed = True
    while changed:
        changed = False
        for p in parsed:
            if p.row in errors.bad or not p.parent_name:
                continue
            parent = orgs.get((p.unit_code, p.parent_name))
            if parent is not None and parent.row in errors.bad:
                errors.add(p.row, h[7], _("上级党组织「%(name)s」所在的行有错误") % {"name": p.parent_name})
                changed = True
    return [p for p in parsed if p.row not in errors.bad]


def _units_write(plan: list[_OrgRow], user: User, tick: Callable[[int], None]) -> int:
    offices = _places_in_scope(user, {p.office_code for p in plan})
    units: dict[str, Unit] = {}
    for p in plan:
        if p.unit_code not in units:
            units[p.unit_code] = Unit(
                code=p.unit_code,
                name=p.unit_name,
                kind=p.unit_kind,
                office_place=offices[p.office_code],
                party_relation_local=p.local,
            )
    Unit.objects.bulk_create(list(units.values()), batch_size=BATCH)
    made: dict[tuple[str, str], PartyOrg] = {}
    pending = list(plan)
    while pending:
        level = [p for p in pending if not p.parent_name or (p.unit_code, p.parent_name) in made]
        pending = [p for p in pending if p.parent_name and (p.unit_code, p.parent_name) not in made]
        if not level:
            raise RuntimeError("unit import plan has party orgs whose parent is never created")
        objs = [
            PartyOrg(
                unit=units[p.unit_code],
                kind=p.org_kind,
                name=p.org_name,
                parent=made[(p.unit_code, p.parent_name)] if p.parent_name else None,
            )
            for p in level
        ]
        PartyOrg.objects.bulk_create(objs, batch_size=BATCH)
        for p, o in zip(level, objs, strict=True):
            made[(p.unit_code, p.org_name)] = o
        tick(len(objs))
    return len(plan)


# --- the import ---------------------------------------------------------------------------------


def _planner(kind: str) -> Callable:
    return {"members": _members_plan, "residents": _residents_plan, "places": _places_plan, "units": _units_plan}[kind]


def _write(kind: str, plan: list, user: User, tick: Callable[[int], None]) -> int:
    if kind == "members":
        return _members_write(plan, tick)
    if kind == "residents":
        return _residents_write(plan, tick)
    if kind == "places":
        return _places_write(plan, user, tick)
    return _units_write(plan, user, tick)


def import_xlsx(
    *,
    kind: str,
    file: Any,
    user: User,
    valid_only: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate every row of an .xlsx roster, then write all of it (or, if asked, the valid rows).

    Never raises for a bad file: the problem comes back as a single error of the result.
    """
    if kind not in TEMPLATES:
        raise ValueError(f"unknown import kind {kind!r}")
    result = ImportResult(kind=kind)
    bar = _Bar(progress or (lambda done, total: None))
    if not can_manage_master_data(user):
        result.rejected.append(RowError(0, "", _("您没有导入基础数据的权限")))
        return result
    try:
        rows = _read_rows(file, TEMPLATES[kind], bar)
    except FileProblem as problem:
        result.rejected.append(RowError(problem.row, "", problem.message))
        _record(result, user)
        return result

    n = bar.n = result.total_rows = len(rows)
    bar.checked(0)
    errors = _Errors()
    plan = _planner(kind)(rows, user, errors, bar.checked)
    del rows
    order = {c.header: i for i, c in enumerate(TEMPLATES[kind])}
    result.rejected = sorted(errors.items, key=lambda e: (e.row, order.get(e.column, 99)))

    if plan and (valid_only or not errors.bad):
        written = n - len(plan)  # rejected rows have nothing left to do

        def tick(count: int) -> None:
            nonlocal written
            written += count
            bar.written(written)

        try:
            with transaction.atomic():
                result.created = _write(kind, plan, user, tick)
        except IntegrityError:
            # Someone wrote the same keys between our check and our insert; nothing was written.
            result.created = 0
            result.rejected.append(
                RowError(0, "", _("写入时发现重复数据（可能有人同时导入了相同的数据），未写入任何数据，请重新导入。"))
            )
        else:
            result.committed = True
    bar.finish()
    _record(result, user)
    return result


def _record(result: ImportResult, user: User) -> None:
    security_event_record(
        kind=SecurityEvent.Kind.IMPORT,
        user=user,
        what=_("导入%(kind)s：共%(total)s行，写入%(created)s行，错误%(bad)s行")
        % {
            "kind": KIND_LABELS[result.kind],
            "total": result.total_rows,
            "created": result.created,
            "bad": result.rejected_row_count,
        },
        row_count=result.created,
    )


# --- export rows (the list views write the file and record the export) ---------------------------

MEMBER_EXPORT_HEADERS = [c.header for c in TEMPLATES["members"]] + [
    "性别",
    "出生日期",
    "状态",
    "单位名称",
    "居住地名称",
]
UNIT_EXPORT_HEADERS = [c.header for c in TEMPLATES["units"]] + ["办公地点名称"]
RESIDENT_EXPORT_HEADERS = [c.header for c in TEMPLATES["residents"]] + ["居住地名称"]
PLACE_EXPORT_HEADERS = [c.header for c in TEMPLATES["places"]] + ["上级名称"]


def _names(items: Iterable[Category]) -> str:
    return "、".join(c.name for c in items)


def member_export_rows(members_qs: QuerySet[Member], user: User) -> Iterator[list[Any]]:
    """Rows in the import template's column order (so a full export re-imports), masked where the
    user does not manage the member."""
    qs = members_qs.select_related("residence", "unit__office_place", "party_org").prefetch_related(
        "skills", "intentions"
    )
    for m in qs.iterator(chunk_size=BATCH):
        full = member_pii_visible(user, m)
        yield [
            m.name,
            m.id_number if full else mask_id_number(m.id_number),
            m.mobile if full else mask_mobile(m.mobile),
            m.unit.code,
            m.party_org.name,
            m.residence.code,
            m.address_detail if full else mask_address(m.address_detail),
            m.joined_party_on,
            _names(m.skills.all()),
            _names(m.intentions.all()),
            str(m.get_gender_display()),
            m.birth_date if full else None,
            str(m.get_status_display()),
            m.unit.name,
            m.residence.name,
        ]


def resident_export_rows(residents_qs: QuerySet[Resident], user: User) -> Iterator[list[Any]]:
    qs = residents_qs.select_related("residence").prefetch_related("special_groups")
    for r in qs.iterator(chunk_size=BATCH):
        full = resident_pii_visible(user, r)
        groups = _names(r.special_groups.all())
        yield [
            r.name,
            r.mobile if full else mask_mobile(r.mobile),
            r.residence.code,
            r.address_detail if full else mask_address(r.address_detail),
            # Hardship and health groups are personal data too.
            groups if full else mask_flags(groups),
            r.residence.name,
        ]


def unit_export_rows(units_qs: QuerySet[Unit], user: User | None = None) -> Iterator[list[Any]]:
    """One row per party org (a unit without orgs gets one row), as in the import template."""
    qs = units_qs.select_related("office_place").prefetch_related(
        Prefetch("party_orgs", queryset=PartyOrg.objects.select_related("parent").order_by("id"))
    )
    for u in qs.iterator(chunk_size=BATCH):
        head = [
            u.code,
            u.name,
            UNIT_KIND_NAMES.get(u.kind, u.kind),
            u.office_place.code,
            "是" if u.party_relation_local else "否",
        ]
        orgs = list(u.party_orgs.all())
        if not orgs:
            yield [*head, "", "", "", u.office_place.name]
        for o in orgs:
            yield [
                *head,
                o.name,
                ORG_KIND_NAMES.get(o.kind, o.kind),
                o.parent.name if o.parent else "",
                u.office_place.name,
            ]


def place_export_rows(places_qs: QuerySet[Place], user: User | None = None) -> Iterator[list[Any]]:
    for p in places_qs.select_related("parent").iterator(chunk_size=BATCH):
        yield [
            p.code,
            p.name,
            PLACE_KIND_NAMES.get(p.kind, p.kind),
            p.parent.code if p.parent else "",
            p.sort_order,
            p.parent.name if p.parent else "",
        ]


# --- jobs ---------------------------------------------------------------------------------------


def import_job_create(*, user: User, kind: str, file: Any, valid_only: bool = False) -> ImportJob:
    """Store the upload and run the import after the commit (see `tasks.import_start` for where)."""
    from baodao.directory.tasks import import_start  # tasks imports this module

    if kind not in TEMPLATES:
        raise ValueError(f"unknown import kind {kind!r}")
    job = ImportJob(user=user, kind=kind, valid_only=valid_only, filename=(getattr(file, "name", "") or "")[:200])
    job.file.save("upload.xlsx", file, save=False)
    job.save()
    transaction.on_commit(lambda: import_start(job.pk))
    return job
