"""Excel helpers: streamed .xlsx downloads with Chinese headers (openpyxl write-only mode)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import IO
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Text that a spreadsheet program reads as a formula, or as DDE, when it starts with one of these
# (OWASP "CSV injection"): a name, an address or a typed room number like "=HYPERLINK(...)" must
# arrive as the text it is, never as something Excel runs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """`value` as it may be written to a cell: text starting like a formula gets a leading
    apostrophe (the OWASP rule); numbers, dates and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_xlsx(
    path: str | IO[bytes], headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "Sheet1"
) -> int:
    """Every export's workbook: bold headers, then the rows, each cell neutralised (so no text
    starts with "=", which openpyxl would store as a formula: every text cell is stored as text)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=neutralised(h))
        c.font = Font(bold=True)
        header_cells.append(c)
    ws.append(header_cells)
    n = 0
    for row in rows:
        ws.append([neutralised(v) for v in row])
        n += 1
    wb.save(path)
    return n


def xlsx_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "Sheet1"
) -> tuple[FileResponse, int]:
    """Build an .xlsx download; returns the response and the number of data rows written."""
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    n = write_xlsx(tmp, headers, rows, sheet_title)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX_MIME)
    # RFC 5987: Chinese file names survive every current browser.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response, n
