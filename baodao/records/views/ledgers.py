"""The ledgers as downloads: the member's 党员纪实手册 (the member's own) and the unit's branch work
ledger (its secretary), each as .xlsx or A4 PDF for a year. The unit's ledger names members: its
downloads are audited as exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.models import AuthedHttpRequest, SecurityEvent
from baodao.accounts.services import client_ip, security_event_record
from baodao.core.excel import xlsx_response
from baodao.core.http import int_or_none, year_asked
from baodao.records import access, exports, selectors


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def handbook(request: AuthedHttpRequest) -> HttpResponseBase:
    member = access.get_member_for_service(request.user)
    year = year_asked(request.GET.get("year"))
    records = list(exports.year_records(selectors.records_of(member=member), year))
    if request.GET.get("format") == "pdf":
        return _pdf(exports.member_handbook_pdf(member, year, records), f"handbook-{year}")
    name = _("党员纪实手册%(y)s") % {"y": year}
    response, _n = xlsx_response(
        f"{name}.xlsx", [str(h) for h in exports.HEADERS], exports.rows_of(records), sheet_title=name
    )
    return response


@login_required
@require_GET
def unit_ledger(request: AuthedHttpRequest) -> HttpResponseBase:
    unit = access.get_unit_for_ledger(request.user, int_or_none(request.GET.get("unit")))
    year = year_asked(request.GET.get("year"))
    records = list(exports.year_records(selectors.records_of(unit=unit), year))
    name = _("%(u)s支部工作台账%(y)s") % {"u": unit.name, "y": year}
    if request.GET.get("format") == "pdf":
        security_event_record(
            kind=SecurityEvent.Kind.EXPORT, user=request.user, ip=client_ip(request), what=name, row_count=len(records)
        )
        return _pdf(exports.unit_ledger_pdf(unit, year, records), f"unit-ledger-{year}")
    return audited_xlsx_response(request, name=name, headers=exports.HEADERS, rows=exports.rows_of(records))
