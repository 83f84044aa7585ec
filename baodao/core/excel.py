"""Excel helpers: streamed .xlsx downloads with Chinese headers (openpyxl write-only mode)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import IO
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(
    path: str | IO[bytes], headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "Sheet1"
) -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(bold=True)
        header_cells.append(c)
    ws.append(header_cells)
    n = 0
    for row in rows:
        ws.append(list(row))
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
