"""Reading the sheet: calamine where it reads every cell as openpyxl would, openpyxl read-only otherwise."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import python_calamine
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from baodao.directory.importing.columns import Column
from baodao.directory.importing.plan import MAX_ROWS, PROGRESS_EVERY, FileProblem, ProgressBar

# calamine reads first; None (as a test sets it) leaves every file to openpyxl.
CalamineWorkbook: type[python_calamine.CalamineWorkbook] | None = python_calamine.CalamineWorkbook


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
        index = next(
            (i for i, m in enumerate(wb.sheets_metadata) if m.typ == python_calamine.SheetTypeEnum.WorkSheet), None
        )
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


def read_rows(file: Any, columns: list[Column], bar: ProgressBar) -> list[tuple[int, list[Any]]]:
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
    rows_iter: Iterator[Sequence[Any]],
    estimate: int,
    columns: list[Column],
    bar: ProgressBar,
    clean: Callable[[Any], Any],
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
