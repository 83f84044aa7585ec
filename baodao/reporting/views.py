"""Pages of 双报到. Thin: parse input, call a selector or one service, render."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms as forms_lib
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.services import client_ip
from baodao.core import ratelimit, rules
from baodao.directory import scope
from baodao.directory.models import Member, Place, Unit, UnitAssignment
from baodao.reporting import access, forms, selectors, services
from baodao.reporting.models import Certificate, MemberReport, MobileChangeRequest, UnitReport


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


def _form_messages(form: forms_lib.Form) -> str:
    """The errors of a small action form, as one line for a flash message."""
    return "；".join(m for errs in form.errors.values() for m in errs)


def _form_errors(form: forms_lib.Form, exc: ValidationError) -> None:
    """Put a service's errors on the form: field errors where the field exists, else non-field."""
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _unit_of(request: HttpRequest) -> Unit:
    return access.get_unit_for_secretary(request.user)


def _community_of(request: HttpRequest) -> Place:
    """The community a staff member acts for: ?community= among those allowed, else the first."""
    pk = _int(request.GET.get("community") or request.POST.get("community"))
    return access.get_community_for_decisions(request.user, pk)


def certificate_url(request: HttpRequest, certificate: Certificate) -> str:
    return request.build_absolute_uri(reverse("reporting:register", args=[services.certificate_token(certificate)]))


# --- unit secretary ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def unit_report(request: HttpRequest) -> HttpResponse:
    unit = _unit_of(request)
    if request.method == "POST" and request.POST.get("action") == "functions":
        return _unit_functions_post(
            request, unit, "reporting:unit_report", lambda f: _unit_report_page(request, unit, f)
        )
    active = UnitReport.objects.filter(unit=unit, status__in=["submitted", "confirmed"]).first()
    form = forms.UnitReportForm(request.POST or None)
    if request.method == "POST":
        if active is not None:
            messages.error(request, _("本单位已向社区报到，无需重复提交"))
        elif form.is_valid():
            try:
                services.unit_report_submit(unit=unit, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已提交，等待社区确认"))
                return redirect("reporting:unit_report")
        return _unit_report_page(request, unit, report_form=form)
    return _unit_report_page(request, unit)


def _unit_functions_post(
    request: HttpRequest, unit: Unit, back: str, page: Callable[[forms_lib.Form], HttpResponse]
) -> HttpResponse:
    """Save the unit's functions (unit secretary or assigning admin); `page(form)` re-renders (422)."""
    access.get_unit_for_functions(request.user, unit)
    form = forms.UnitFunctionsForm(request.POST)
    if form.is_valid():
        try:
            services.unit_functions_set(unit=unit, functions=form.cleaned_data["functions"], by=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("单位职能已保存"))
            return redirect(back, *([unit.pk] if back == "reporting:assign_unit" else []))
    return page(form)


def _unit_report_page(
    request: HttpRequest,
    unit: Unit,
    functions_form: forms.UnitFunctionsForm | None = None,
    report_form: forms.UnitReportForm | None = None,
) -> HttpResponse:
    """The unit's report page; a bound form passed in is shown with its errors (422)."""
    assignment = unit.assignments.filter(ended_on__isnull=True).select_related("community").first()
    active = UnitReport.objects.filter(unit=unit, status__in=["submitted", "confirmed"]).first()
    history = (
        UnitReport.objects.filter(unit=unit)
        .select_related("community")
        .prefetch_related("events__actor", "resource_tags", "demand_tags")
        .order_by("-submitted_at")
    )
    form = report_form or forms.UnitReportForm()
    returned = history.filter(status=UnitReport.Status.RETURNED).first() if active is None else None
    if returned is not None and report_form is None:
        form = forms.UnitReportForm(
            initial={
                "contact_name": returned.contact_name,
                "contact_phone": returned.contact_phone,
                "unit_signatory": returned.unit_signatory,
                "unit_resources": returned.unit_resources,
                "community_demands": returned.community_demands,
                "resource_tags": list(returned.resource_tags.all()),
                "demand_tags": list(returned.demand_tags.all()),
            }
        )
    ctx = {
        "unit": unit,
        "assignment": assignment,
        "active": active,
        "form": form,
        "history": history,
        "functions_form": functions_form or forms.UnitFunctionsForm(initial={"functions": list(unit.functions.all())}),
    }
    bound = report_form is not None or functions_form is not None
    return render(request, "reporting/unit_report.html", ctx, status=422 if bound else 200)


@login_required
@require_GET
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from baodao.reporting.documents import agreement_pdf as render_pdf

    report = get_object_or_404(selectors.agreements_for_user(request.user), pk=pk)
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{report.pk}.pdf"'
    return response


@login_required
@require_GET
def agreements(request: HttpRequest) -> HttpResponse:
    """Signed co-building agreements (in force or ended), for community staff, admins and units."""
    access.require_agreements_reader(request.user)
    page = Paginator(selectors.agreements_for_user(request.user), 100).get_page(request.GET.get("page"))
    return render(request, "reporting/agreements.html", {"page": page, "no_export": True})


# The ledger's export columns (the xlsx the unit files); the page shows the same facts.
LEDGER_HEADERS = [
    "姓名",
    "党组织",
    "居住地",
    "状态",
    "报到证编号",
    "报到期限",
    "报到社区",
    "提交时间",
    "确认时间",
    "回执编号",
]


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    return _ledger_page(request, _unit_of(request))


def _ledger_page(request: HttpRequest, unit: Unit, status: int = 200) -> HttpResponse:
    """The ledger of `unit`; also re-rendered (422) by the ledger's POST actions on bad input."""
    rows = selectors.unit_ledger(unit)
    wanted = request.GET.get("status", "")
    if wanted:
        rows = [r for r in rows if r.status == wanted]
    if request.method == "GET" and request.GET.get("export") == "xlsx":

        def fmt(value: object) -> str:
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

        data = (
            [
                r.member.name,
                r.member.party_org.name,
                f"{r.member.residence.parent.name if r.member.residence.parent else ''} {r.member.residence.name}",
                r.status_label,
                r.certificate.number if r.certificate else "",
                r.certificate.deadline.isoformat() if r.certificate else "",
                r.report.community.name if r.report else (r.certificate.community.name if r.certificate else ""),
                fmt(r.report.submitted_at) if r.report else "",
                fmt(r.report.decided_at) if r.report and r.report.status == "confirmed" else "",
                r.report.receipt_number if r.report else "",
            ]
            for r in rows
        )
        return audited_xlsx_response(
            request, name=f"{unit.name}报到台账", headers=LEDGER_HEADERS, rows=data, what=_("报到台账")
        )
    counts: dict[str, int] = {}
    for r in selectors.unit_ledger(unit) if wanted else rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    ctx = {
        "unit": unit,
        "rows": rows,
        "counts": [(k, v, counts.get(k, 0)) for k, v in selectors.LedgerStatus.LABELS.items()],
        "wanted": wanted,
        "approvals": selectors.member_reports_for_user(request.user, status=MemberReport.Status.UNIT_APPROVAL).filter(
            unit=unit
        ),
        "mobile_requests": selectors.mobile_change_requests_for_user(
            request.user, status=MobileChangeRequest.Status.PENDING
        ).filter(member__unit=unit),
    }
    return render(request, "reporting/ledger.html", ctx, status=status)


@login_required
@require_POST
def certificates_issue(request: HttpRequest) -> HttpResponse:
    """Issue for one member (member=<id>) or for every member not yet reported (batch)."""
    unit = _unit_of(request)
    member_id = _int(request.POST.get("member"))
    skipped: list[tuple[Member, str]] = []
    try:
        if member_id:
            member = get_object_or_404(Member.objects.filter(unit=unit), pk=member_id)
            certs = [services.certificate_issue(member=member, by=request.user)]
        else:
            batch = services.certificates_issue_batch(unit=unit, by=request.user)
            certs, skipped = batch.issued, batch.skipped
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
        return _ledger_page(request, unit, status=422)
    if skipped:
        messages.warning(
            request,
            _("以下 %(n)d 名党员未签发：%(who)s")
            % {"n": len(skipped), "who": "；".join(reason for _m, reason in skipped)},
        )
    if not certs:
        if not skipped:
            messages.info(request, _("没有需要签发报到证的党员"))
        return redirect("reporting:ledger")
    messages.success(request, _("已签发 %(n)d 份报到证") % {"n": len(certs)})
    ids = ",".join(str(c.pk) for c in certs)
    return redirect(f"{reverse('reporting:ledger')}?printed={ids}")


@login_required
@require_GET
def certificates_pdf(request: HttpRequest) -> HttpResponse:
    from baodao.reporting.documents import certificates_pdf as render_pdf

    access.require_unit_secretary(request.user)
    ids = [i for i in (_int(x) for x in request.GET.get("ids", "").split(",")) if i]
    certs = list(
        selectors.visible_certificates(request.user)
        .filter(pk__in=ids, status=Certificate.Status.ISSUED, unit_id__in=scope.scope_for(request.user).unit_ids)
        .select_related("member__party_org", "member__residence__parent", "unit", "community")
        .order_by("member__party_org_id", "member_id")
    )
    if not certs:
        messages.error(request, _("没有可打印的报到证"))
        return redirect("reporting:ledger")
    pdf = render_pdf(certs, lambda c: certificate_url(request, c))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="certificates.pdf"'
    return response


@login_required
@require_POST
def unit_approve(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_member_report_for_unit_approval(request.user, pk)
    name = {"name": report.member.name}
    return _unit_decision(
        request,
        report.unit,
        approve=lambda: services.member_report_unit_approve(report=report, by=request.user),
        refuse=lambda reason: services.member_report_return(report=report, by=request.user, reason=reason),
        approved=_("已审核通过 %(name)s 的报到") % name,
        refused=_("已退回 %(name)s 的报到") % name,
    )


@login_required
@require_POST
def mobile_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit secretary approves a member's new mobile (the roster takes it, the account opens)
    or refuses it with a reason. Another unit's request is a 404."""
    req = access.get_mobile_request_for_decision(request.user, pk)
    name = {"name": req.member.name}
    return _unit_decision(
        request,
        req.member.unit,
        approve=lambda: services.mobile_change_request_approve(request=req, by=request.user),
        refuse=lambda reason: services.mobile_change_request_refuse(request=req, by=request.user, reason=reason),
        approved=_("已通过 %(name)s 的手机号变更申请，账号已开通") % name,
        refused=_("已退回 %(name)s 的手机号变更申请") % name,
    )


def _unit_decision(
    request: HttpRequest,
    unit: Unit,
    *,
    approve: Callable[[], object],
    refuse: Callable[[str], object],
    approved: str,
    refused: str,
) -> HttpResponse:
    """A unit secretary's approve-or-return on the ledger: the ledger again, with 422, when refused."""
    action = request.POST.get("action")
    try:
        if action == "approve":
            approve()
            messages.success(request, approved)
        elif action == "return":
            form = forms.ReturnForm(request.POST)
            if not form.is_valid():
                messages.error(request, _form_messages(form))
                return _ledger_page(request, unit, status=422)
            refuse(form.cleaned_data["reason"])
            messages.success(request, refused)
        else:
            messages.error(request, _("请选择审核通过或退回"))
            return _ledger_page(request, unit, status=422)
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
        return _ledger_page(request, unit, status=422)
    return redirect("reporting:ledger")


# --- community staff --------------------------------------------------------------------------------


@login_required
@require_GET
def pending(request: HttpRequest) -> HttpResponse:
    return _pending_page(request, _community_of(request))


def _pending_page(request: HttpRequest, community: Place, status: int = 200) -> HttpResponse:
    reports = selectors.member_reports_for_user(request.user, status=MemberReport.Status.PENDING, community=community)
    if request.method == "GET" and request.GET.get("export") == "xlsx":
        return _pending_export(request, community, reports)
    unit_reports = selectors.unit_reports_for_user(request.user, status=UnitReport.Status.SUBMITTED).filter(
        community=community
    )
    ctx = {
        "community": community,
        "communities": selectors.actionable_communities(request.user),
        "reports": reports,
        "unit_reports": unit_reports.prefetch_related("resource_tags", "demand_tags"),
        "overdue": selectors.overdue_for_community(request.user, community),
    }
    return render(request, "reporting/pending.html", ctx, status=status)


PENDING_HEADERS = [
    gettext_lazy("姓名"),
    gettext_lazy("单位"),
    gettext_lazy("居住小区/楼栋"),
    gettext_lazy("门牌号"),
    gettext_lazy("方式"),
    gettext_lazy("提交时间"),
]


def _pending_export(request: HttpRequest, community: Place, reports: Iterable[MemberReport]) -> HttpResponse:
    """The reports waiting for confirmation, as the community files them; recorded as an export."""

    def row(r: MemberReport) -> list:
        submitted = timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M")
        return [r.member.name, r.unit.name, r.residence.residence_label, r.room, r.get_source_display(), submitted]

    title = _("待确认报到")
    rows = (row(r) for r in reports)
    return audited_xlsx_response(
        request, name=f"{community.name}{title}", headers=PENDING_HEADERS, rows=rows, what=title
    )


@login_required
@require_POST
def confirm_members(request: HttpRequest) -> HttpResponse:
    community = _community_of(request)
    ids = [i for i in (_int(x) for x in request.POST.getlist("report")) if i]
    reports = list(
        selectors.member_reports_for_user(request.user, status=MemberReport.Status.PENDING, community=community).filter(
            pk__in=ids
        )
    )
    if not reports:
        messages.error(request, _("请先勾选要确认的报到"))
        return _pending_page(request, community, status=422)
    n = services.member_reports_confirm(reports=reports, by=request.user)
    messages.success(request, _("已确认 %(n)d 名党员报到，回执已送达所在单位") % {"n": n})
    return redirect(f"{reverse('reporting:pending')}?community={community.pk}")


@login_required
@require_POST
def return_member(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_member_report_for_return(request.user, pk)
    form = forms.ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_messages(form))
        return _pending_page(request, report.community, status=422)
    try:
        services.member_report_return(report=report, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
        return _pending_page(request, report.community, status=422)
    messages.success(request, _("已退回 %(name)s 的报到") % {"name": report.member.name})
    return redirect(f"{reverse('reporting:pending')}?community={report.community_id}")


@login_required
@require_POST
def decide_unit(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_unit_report_for_decision(request.user, pk)
    action = request.POST.get("action")
    if action == "confirm":
        form = forms.ConfirmUnitForm(request.POST)
    elif action == "return":
        form = forms.ReturnForm(request.POST)
    else:
        messages.error(request, _("请选择确认或退回"))
        return _pending_page(request, report.community, status=422)
    if not form.is_valid():
        messages.error(request, _form_messages(form))
        return _pending_page(request, report.community, status=422)
    try:
        if action == "return":
            services.unit_report_return(report=report, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("已退回 %(u)s 的报到") % {"u": report.unit.name})
        else:
            services.unit_report_confirm(
                report=report, by=request.user, community_signatory=form.cleaned_data["community_signatory"]
            )
            messages.success(request, _("已确认 %(u)s 报到，共建协议可打印") % {"u": report.unit.name})
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
        return _pending_page(request, report.community, status=422)
    return redirect(f"{reverse('reporting:pending')}?community={report.community_id}")


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(selectors.member_reports_for_user(request.user), pk=pk)
    events = report.events.select_related("actor")
    return render(
        request,
        "reporting/report_detail.html",
        {"report": report, "events": events, "team_types": list(report.team_types.all())},
    )


# --- admins: assignment -----------------------------------------------------------------------------


ASSIGN_PAGE_SIZE = 100


@login_required
@require_GET
def assign_list(request: HttpRequest) -> HttpResponse:
    units = access.assignable_units(request.user, q=request.GET.get("q", ""))
    page = Paginator(units, ASSIGN_PAGE_SIZE).get_page(request.GET.get("page"))
    current = {
        a.unit_id: a
        for a in UnitAssignment.objects.filter(unit__in=list(page.object_list), ended_on__isnull=True).select_related(
            "community"
        )
    }
    rows = [(u, current.get(u.pk)) for u in page.object_list]
    return render(request, "reporting/assign_list.html", {"rows": rows, "page": page, "no_export": True})


@login_required
@require_http_methods(["GET", "POST"])
def assign_unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(selectors.units_for_assignment(request.user), pk=pk)
    if request.method == "POST" and request.POST.get("action") == "functions":
        return _unit_functions_post(
            request, unit, "reporting:assign_unit", lambda f: _assign_page(request, unit, functions_form=f)
        )
    error = None
    if request.method == "POST":
        candidates = selectors.assignment_candidates(request.user, unit)
        community = next(
            (c.community for c in candidates if c.community.pk == _int(request.POST.get("community"))), None
        )
        if community is None:
            error = _("请选择一个社区")
        else:
            try:
                services.unit_assign(unit=unit, community=community, by=request.user, note=request.POST.get("note", ""))
            except ValidationError as exc:
                error = "；".join(_errors(exc))
            else:
                messages.success(request, _("已将 %(u)s 分配到 %(c)s") % {"u": unit.name, "c": community.name})
                return redirect("reporting:assign_list")
    return _assign_page(request, unit, error=error)


def _assign_page(
    request: HttpRequest, unit: Unit, *, error: str | None = None, functions_form: forms.UnitFunctionsForm | None = None
) -> HttpResponse:
    history = unit.assignments.select_related("community").order_by("-start_on", "-id")
    ctx = {
        "unit": unit,
        "candidates": selectors.assignment_candidates(request.user, unit),
        "functions": selectors.unit_functions(unit),
        "functions_form": functions_form or forms.UnitFunctionsForm(initial={"functions": list(unit.functions.all())}),
        "history": history,
        "error": error,
    }
    return render(request, "reporting/assign_unit.html", ctx, status=422 if error or functions_form else 200)


@login_required
@require_http_methods(["GET", "POST"])
def commitment(request: HttpRequest) -> HttpResponse:
    """The city admin edits the city's 服务承诺书 (new reports sign it; old ones keep theirs)."""
    city = access.get_city_for_commitment(request.user)
    row = selectors.commitment_template_of(city)
    form = forms.CommitmentForm(
        request.POST or None, initial={"text": row.text if row else services.DEFAULT_COMMITMENT}
    )
    if request.method == "POST":
        reset = request.POST.get("action") == "reset"
        if reset or form.is_valid():
            try:
                services.commitment_template_set(
                    city=city, text=None if reset else form.cleaned_data["text"], by=request.user
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已恢复默认服务承诺书") if reset else _("服务承诺书已保存"))
                return redirect("reporting:commitment")
    ctx = {"city": city, "form": form, "custom": row is not None, "preview": services.commitment_text(city=city)}
    return render(request, "reporting/commitment.html", ctx, status=422 if form.errors else 200)


# --- member (phone) ---------------------------------------------------------------------------------


def _registration(
    request: HttpRequest, *, member: Member, community: Place, certificate: Certificate | None
) -> HttpResponse:
    from baodao.directory.services import city_of

    form = forms.RegisterForm(
        request.POST or None,
        community=community,
        min_teams=rules.get_rule_int("member_min_teams", city=city_of(community)),
        initial={
            "residence": member.residence if member.residence.path.startswith(community.path) else None,
            "skills": list(member.skills.all()),
            "intentions": list(member.intentions.all()),
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.member_report_submit(
                    member=member,
                    community=community,
                    residence=form.cleaned_data["residence"],
                    room=form.cleaned_data["room"],
                    skills=form.cleaned_data["skills"],
                    intentions=form.cleaned_data["intentions"],
                    team_types=form.cleaned_data["team_types"],
                    commitment_accepted=form.cleaned_data["commitment"],
                    certificate=certificate,
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("报到已提交，等待社区确认"))
                return redirect("reporting:my_report")
        status = 422
    ctx = {
        "form": form,
        "residence_groups": form.residence_groups(),
        "member": member,
        "community": community,
        "certificate": certificate,
        "commitment": services.commitment_text(city=city_of(community)),
    }
    return render(request, "reporting/register.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, token: str) -> HttpResponse:
    """The certificate's QR/link. Activates the account on first visit, then shows the form."""
    try:
        certificate = services.certificate_from_token(token)
    except ValidationError as exc:
        return render(request, "reporting/token_error.html", {"errors": _errors(exc)}, status=400)
    member = certificate.member
    if not request.user.is_authenticated:
        if member.user_id:
            messages.info(request, _("请先登录，再完成报到"))
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        form = forms.ActivateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user = services.member_activate(
                    certificate=certificate, mobile=form.cleaned_data["mobile"], password=form.cleaned_data["password"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                login(request, user, backend="baodao.accounts.backends.UsernameOrMobileBackend")
                return redirect(request.path)
        ctx = {"form": form, "certificate": certificate, "member_name": member.name}
        return render(request, "reporting/activate.html", ctx, status=422 if request.method == "POST" else 200)
    if member.user_id != request.user.pk:
        return render(
            request, "reporting/token_error.html", {"errors": [_("该报到证不属于当前登录的账号")]}, status=403
        )
    return _registration(request, member=member, community=certificate.community, certificate=certificate)


@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, code: str) -> HttpResponse:
    """From a community's QR poster: report without a certificate, matched against the roster."""
    community = get_object_or_404(Place, code=code, kind=Place.Kind.COMMUNITY)
    if not request.user.is_authenticated:
        form = forms.RosterActivateForm(request.POST or None)
        ctx = {"form": form, "community": community, "mismatch": False}
        # Each failed check tells whether an ID number is on the roster: a client gets a few an hour.
        attempts = f"self-report:{client_ip(request)}"
        if request.method == "POST" and ratelimit.is_limited(
            attempts, limit=settings.SELF_REPORT_CHECKS_PER_HOUR, window_seconds=3600
        ):
            form.is_valid()
            form.add_error(None, _("核对失败次数过多，请一小时后再试，或联系所在单位党组织核对名册"))
            return render(request, "reporting/self_activate.html", ctx, status=429)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                user = services.member_activate_by_roster(
                    id_number=data["id_number"], mobile=data["mobile"], password=data["password"]
                )
            except services.RosterMobileMismatch as exc:
                # A changed phone: with the box ticked, the request goes to the unit secretary.
                if not data["request_change"]:
                    _form_errors(form, exc)
                    ctx["mismatch"] = True
                else:
                    try:
                        services.mobile_change_request_submit(
                            id_number=data["id_number"],
                            mobile=data["mobile"],
                            password=data["password"],
                            community=community,
                        )
                    except ValidationError as exc2:
                        _form_errors(form, exc2)
                    else:
                        return render(request, "reporting/self_activate.html", {**ctx, "requested": True})
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                login(request, user, backend="baodao.accounts.backends.UsernameOrMobileBackend")
                return redirect(request.path)
            # Whatever the roster said no to counts against the client's attempts.
            ratelimit.count_attempt(attempts, window_seconds=3600)
        return render(request, "reporting/self_activate.html", ctx, status=422 if request.method == "POST" else 200)
    member = access.get_own_member(request.user)
    return _registration(request, member=member, community=community, certificate=None)


@login_required
@require_GET
def my_report(request: HttpRequest) -> HttpResponse:
    member = access.get_own_member(request.user)
    reports = (
        selectors.member_reports_for_user(request.user)
        .filter(member=member)
        .prefetch_related("events__actor", "team_types")
        .order_by("-submitted_at")
    )
    certificate = selectors.open_certificate_of(member)
    ctx = {
        "member": member,
        "reports": reports,
        "certificate": certificate,
        # Old reports (ended, returned) do not hide an open certificate: the reminders link here.
        "show_certificate": certificate is not None and not any(r.is_active for r in reports),
        "certificate_link": (
            reverse("reporting:register", args=[services.certificate_token(certificate)]) if certificate else None
        ),
    }
    return render(request, "reporting/my_report.html", ctx)


# --- dynamic management (动态管理) -------------------------------------------------------------------


@login_required
@require_POST
def member_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """Moving house, retiring, transfer, leaving the unit: forms on the member page, one service each."""
    from baodao.directory.services import city_of

    member = access.get_member_for_management(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "move":
            code = request.POST.get("residence_code", "").strip()
            # Members move anywhere in their city, not only within the manager's own area.
            city = city_of(member.residence)
            residence = Place.objects.filter(code=code, path__startswith=city.path if city else "").first()
            if residence is None:
                messages.error(request, _("找不到编码为 %(c)s 的小区或楼栋") % {"c": code})
                return _member_page(request, member, status=422)
            before = selectors.active_report_of(member)
            report = services.member_move(member=member, residence=residence, by=request.user)
            note = _("已迁居至 %(p)s") % {"p": residence.name}
            if report is not None and before is not None and report.pk == before.pk:
                note += _("，仍在 %(c)s 报到，无需社区重新确认") % {"c": report.community.name}
            elif report is not None:
                note += _("，报到已转至 %(c)s 待确认") % {"c": report.community.name}
            messages.success(request, note)
        elif action == "status":
            services.member_set_status(member=member, status=request.POST.get("status", ""), by=request.user)
            messages.success(request, _("状态已更新为 %(s)s") % {"s": member.get_status_display()})
        elif action == "leave":
            unit, party_org = services.member_leave_unit_by_code(
                member=member,
                unit_code=request.POST.get("unit_code", ""),
                party_org_name=request.POST.get("party_org_name", ""),
                by=request.user,
            )
            messages.success(
                request,
                _("已调至 %(u)s %(o)s，原报到已结束，请新单位签发报到证") % {"u": unit.name, "o": party_org.name},
            )
        else:
            messages.error(request, _("未知操作"))
            return _member_page(request, member, status=422)
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
        return _member_page(request, member, status=422)
    return redirect("directory:member_detail", pk=member.pk)


def _member_page(request: HttpRequest, member: Member, status: int) -> HttpResponse:
    """The member page (directory) re-rendered after a refused action, with the flashed error."""
    from baodao.directory.views import render_member_detail

    return render_member_detail(request, member, status=status)
