"""Audited exports: every download of a scoped list that may hold personal data is an export event
(等保: who exported what, how many rows). Here, beside the audit trail it writes, rather than in
core behind a hook: an export must never go out unrecorded because a receiver was not connected."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.http import FileResponse, HttpRequest

from baodao.accounts.models import SecurityEvent
from baodao.accounts.services import client_ip, security_event_record
from baodao.core.excel import xlsx_response


def audited_xlsx_response(
    request: HttpRequest, *, name: str, headers: Sequence[object], rows: Iterable[Sequence], what: str | None = None
) -> FileResponse:
    """An .xlsx download of `name` whose rows are recorded as an export (等保: who exported what,
    how many rows) — every scoped list that may hold personal data goes out through here."""
    sheet = str(name).replace("/", "、")  # "/" is refused in sheet titles and file names
    response, n = xlsx_response(f"{sheet}.xlsx", [str(h) for h in headers], rows, sheet_title=sheet)
    security_event_record(
        kind=SecurityEvent.Kind.EXPORT,
        user=request.user if request.user.is_authenticated else None,
        ip=client_ip(request),
        what=str(what or name),
        row_count=n,
    )
    return response
