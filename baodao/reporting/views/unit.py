"""The unit secretary's pages: the unit's report and agreement, its ledger, certificates, approvals."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act, int_or_none, page_of
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Unit
from baodao.reporting import access, exports, forms, selectors, services
from baodao.reporting.documents import certificates_pdf as render_pdf
from baodao.reporting.models import Certificate, UnitReport
from baodao.reporting.views.common import functions_form_of, unit_functions_post


def certificate_url(request: AuthedHttpRequest, certificate: Certificate) -> str:
    return request.build_absolute_uri(reverse("reporting:register", args=[services.certificate_token(certificate)]))


# --- the unit's own report ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def unit_report(request: AuthedHttpRequest) -> HttpResponse:
    unit = access.get_unit_for_secretary(request.user)
    if request.method == "GET":
        return _unit_report_page(request, unit)
    form = forms.UnitReportForm(request.POST)
    if selectors.active_unit_report(unit) is not None:
        messages.error(request, _("本单位已向社区报到，无需重复提交"))
        return _unit_report_page(request, unit, report_form=form)
    return act(
        request,
        lambda: services.unit_report_submit(unit=unit, by=request.user, **form.cleaned_data),
        form=form,
        ok=_("已提交，等待社区确认"),
        then=reverse("reporting:unit_report"),
        refused=lambda _errors: _unit_report_page(request, unit, report_form=form),
    )


@login_required
@require_POST
def unit_functions(request: AuthedHttpRequest) -> HttpResponse:
    """The unit secretary sets the unit's functions (what it can offer a community)."""
    unit = access.get_unit_for_secretary(request.user)
    return unit_functions_post(
        request,
        unit,
        then=reverse("reporting:unit_report"),
        page=lambda form: _unit_report_page(request, unit, functions_form=form),
    )


def _unit_report_page(
    request: AuthedHttpRequest,
    unit: Unit,
    functions_form: forms.UnitFunctionsForm | None = None,
    report_form: forms.UnitReportForm | None = None,
) -> HttpResponse:
    """The unit's report page; a bound form passed in is shown with its errors (422). After a
    return, the form starts from what the returned report said."""
    active = selectors.active_unit_report(unit)
    history = selectors.unit_report_history(unit)
    returned = history.filter(status=UnitReport.Status.RETURNED).first() if active is None else None
    ctx = {
        "unit": unit,
        "assignment": directory_selectors.current_assignment_of(unit),
        "active": active,
        "form": report_form or forms.UnitReportForm(initial=_initial_after(returned) if returned else None),
        "history": history,
        "functions_form": functions_form or functions_form_of(unit),
    }
    bound = report_form is not None or functions_form is not None
    return render(request, "reporting/unit_report.html", ctx, status=422 if bound else 200)


def _initial_after(returned: UnitReport) -> dict[str, object]:
    """The unit report form filled in from a returned report, to mend and send again."""
    fields = ("contact_name", "contact_phone", "unit_signatory", "unit_resources", "community_demands")
    initial: dict[str, object] = {name: getattr(returned, name) for name in fields}
    initial.update(resource_tags=list(returned.resource_tags.all()), demand_tags=list(returned.demand_tags.all()))
    return initial


# --- the ledger and its certificates ------------------------------------------------------------


@login_required
@require_GET
def ledger(request: AuthedHttpRequest) -> HttpResponseBase:
    unit = access.get_unit_for_secretary(request.user)
    if request.GET.get("export") == "xlsx":
        rows = _ledger_rows(request, unit)
        return audited_xlsx_response(
            request,
            name=f"{unit.name}报到台账",
            headers=exports.LEDGER_HEADERS,
            rows=exports.ledger_rows(rows),
            what=_("报到台账"),
        )
    return _ledger_page(request, unit)


def _ledger_rows(request: AuthedHttpRequest, unit: Unit) -> list[selectors.LedgerRow]:
    wanted = request.GET.get("status", "")
    rows = selectors.unit_ledger(unit)
    return [r for r in rows if r.status == wanted] if wanted else rows


def _ledger_page(
    request: AuthedHttpRequest, unit: Unit, status: int = 200, errors: list[str] | None = None
) -> HttpResponse:
    """The ledger of `unit`; also re-rendered (422) by the ledger's POST actions on bad input,
    each of the `errors` a message above it."""
    for error in errors or []:
        messages.error(request, error)
    everyone = selectors.unit_ledger(unit)
    wanted = request.GET.get("status", "")
    page = page_of(request, [r for r in everyone if r.status == wanted] if wanted else everyone)
    ctx = {"unit": unit, "total": len(everyone), "page": page, "rows": page.object_list, "wanted": wanted}
    ctx |= {"counts": selectors.ledger_counts(everyone), **selectors.waiting_for_unit(request.user, unit)}
    return render(request, "reporting/ledger.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificates_issue(request: AuthedHttpRequest) -> HttpResponse:
    """GET: what a batch issue would do, to confirm (how many certificates, how many members keep
    theirs). POST: issue for one member (member=<id>; a re-issue revokes the old certificate, whose
    QR code then opens nothing) or, confirmed, for every member not yet reported (batch)."""
    unit = access.get_unit_for_secretary(request.user)
    if request.method == "GET":
        members, kept = services.certificates_batch_plan(unit=unit)
        ctx = {"unit": unit, "to_issue": members, "kept": kept}
        return render(request, "reporting/certificates_issue.html", ctx)
    member_id = int_or_none(request.POST.get("member"))
    return act(
        request,
        lambda: _issue(request, unit, member_id),
        ok=None,  # _issue says what was issued, kept and left out
        then=lambda batch: (
            f"{reverse('reporting:ledger')}?printed={','.join(str(c.pk) for c in batch.issued)}"
            if batch.issued
            else reverse("reporting:ledger")
        ),
        refused=lambda errors: _ledger_page(request, unit, status=422, errors=errors),
    )


def _issue(request: AuthedHttpRequest, unit: Unit, member_id: int | None) -> services.BatchIssue:
    """Issue for one member of the unit (404 for another's) or for every member not yet reported,
    and say what came of it."""
    if member_id:
        member = get_object_or_404(unit.members.all(), pk=member_id)
        batch = services.BatchIssue(issued=[services.certificate_issue(member=member, by=request.user)])
    else:
        batch = services.certificates_issue_batch(unit=unit, by=request.user)
    for level, text in _issued_said(batch):
        messages.add_message(request, level, text)
    return batch


def _issued_said(batch: services.BatchIssue) -> list[tuple[int, str]]:
    """What the secretary reads after issuing: who was left out and why, how many were issued and
    how many kept theirs (or that nobody needed one)."""
    said = []
    if batch.skipped:
        who = "；".join(reason for _m, reason in batch.skipped)
        said.append((messages.WARNING, _("以下 %(n)d 名党员未签发：%(who)s") % {"n": len(batch.skipped), "who": who}))
    done = _("签发 %(n)d 张报到证") % {"n": len(batch.issued)}
    if batch.kept:
        done += _("，跳过 %(k)d 名已有报到证的党员") % {"k": len(batch.kept)}
    if batch.issued:
        said.append((messages.SUCCESS, done))
    elif not batch.skipped:
        said.append((messages.INFO, done if batch.kept else _("没有需要签发报到证的党员")))
    return said


@login_required
@require_GET
def certificates_pdf(request: AuthedHttpRequest) -> HttpResponseBase:

    access.require_unit_secretary(request.user)
    ids = [i for i in (int_or_none(x) for x in request.GET.get("ids", "").split(",")) if i]
    certs = selectors.certificates_to_print(request.user, ids)
    if not certs:
        messages.error(request, _("没有可打印的报到证"))
        return redirect("reporting:ledger")
    pdf = render_pdf(certs, lambda c: certificate_url(request, c))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="certificates.pdf"'
    return response


# --- decisions that wait for the unit -----------------------------------------------------------


@login_required
@require_POST
def unit_approve(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Approve a member's self-report that waits for the unit (the community confirms it next)."""
    report = access.get_member_report_for_unit_approval(request.user, pk)
    return _decided(
        request,
        report.unit,
        lambda: services.member_report_unit_approve(report=report, by=request.user),
        _("已审核通过 %(name)s 的报到") % {"name": report.member.name},
    )


@login_required
@require_POST
def unit_return(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Send a member's self-report back, with the reason the member reads."""
    report = access.get_member_report_for_unit_approval(request.user, pk)
    return _returned(
        request,
        report.unit,
        lambda reason: services.member_report_return(report=report, by=request.user, reason=reason),
        _("已退回 %(name)s 的报到") % {"name": report.member.name},
    )


@login_required
@require_POST
def mobile_request_approve(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Approve a member's new mobile: the roster takes it and the account opens. Another unit's
    request is a 404."""
    req = access.get_mobile_request_for_decision(request.user, pk)
    return _decided(
        request,
        req.member.unit,
        lambda: services.mobile_change_request_approve(request=req, by=request.user),
        _("已通过 %(name)s 的手机号变更申请，账号已开通") % {"name": req.member.name},
    )


@login_required
@require_POST
def mobile_request_refuse(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Refuse a member's new mobile, with the reason the member reads on the self-report page."""
    req = access.get_mobile_request_for_decision(request.user, pk)
    return _returned(
        request,
        req.member.unit,
        lambda reason: services.mobile_change_request_refuse(request=req, by=request.user, reason=reason),
        _("已退回 %(name)s 的手机号变更申请") % {"name": req.member.name},
    )


def _decided(
    request: AuthedHttpRequest,
    unit: Unit,
    decide: Callable[[], object],
    done: str,
    form: forms.ReturnForm | None = None,
) -> HttpResponse:
    """A decision on the ledger: back to the ledger, or the ledger again with 422 saying why."""
    return act(
        request,
        decide,
        form=form,
        ok=done,
        then=reverse("reporting:ledger"),
        refused=lambda errors: _ledger_page(request, unit, status=422, errors=["；".join(errors)]),
    )


def _returned(request: AuthedHttpRequest, unit: Unit, refuse: Callable[[str], object], done: str) -> HttpResponse:
    """A return on the ledger, which needs a reason (422 on the ledger without one)."""
    form = forms.ReturnForm(request.POST)
    return _decided(request, unit, lambda: refuse(form.cleaned_data["reason"]), done, form=form)
