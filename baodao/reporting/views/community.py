"""Community staff's pages: reports waiting for confirmation, confirm or return them, agreements."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act, int_or_none, page_of
from baodao.core.privacy import mask_address
from baodao.directory import scope
from baodao.directory.models import Place
from baodao.reporting import access, exports, forms, selectors, services
from baodao.reporting.documents import agreement_pdf as render_pdf
from baodao.reporting.models import MemberReport


def _community_of(request: AuthedHttpRequest) -> Place | None:
    """The community a staff member acts for (?community=), or None: all the communities of a
    user above several (a street, a district, the city)."""
    wanted = request.GET.get("community") or request.POST.get("community")
    return access.get_communities_for_decisions(request.user, wanted)


def _pending_url(community_id: int | None) -> str:
    which = community_id if community_id is not None else access.ALL_COMMUNITIES
    return f"{reverse('reporting:pending')}?community={which}"


@login_required
@require_GET
def pending(request: AuthedHttpRequest) -> HttpResponseBase:
    community = _community_of(request)
    if request.GET.get("export") == "xlsx":
        title = _("待确认报到")
        reports = _waiting(request, community)
        return audited_xlsx_response(
            request,
            name=f"{community.name if community else _('全部社区')}{title}",
            headers=exports.PENDING_HEADERS,
            rows=exports.pending_rows(reports),
            what=title,
        )
    return _pending_page(request, community)


def _waiting(request: AuthedHttpRequest, community: Place | None) -> QuerySet[MemberReport]:
    """Members' reports waiting for `community`, or for every community the user acts for, grouped
    by community (in tree order), the longest waiting first within each."""
    reports = selectors.member_reports_for_user(request.user, status=MemberReport.Status.PENDING, community=community)
    if community is None:
        reports = reports.filter(community__in=selectors.actionable_communities(request.user)).order_by(
            "community__path", "submitted_at", "id"
        )
    return reports


def _pending_page(request: AuthedHttpRequest, community: Place | None, status: int = 200) -> HttpResponse:
    """What waits for `community` (None: all the user's communities); also re-rendered (422) by the
    page's POST actions on bad input."""
    communities = selectors.actionable_communities(request.user)
    ctx: dict[str, object] = {
        "community": community,
        "communities": communities.order_by("path"),
        "all_value": access.ALL_COMMUNITIES,
    }
    ctx["unit_reports"] = selectors.unit_reports_waiting(request.user, community, communities)
    # Long lists (a street's or a district's), each paged by its own parameter.
    ctx["reports"] = page_of(request, _waiting(request, community))
    overdue = selectors.overdue_for_community(request.user, community) if community is not None else None
    ctx["overdue"] = page_of(request, overdue, param="overdue") if overdue is not None else None
    return render(request, "reporting/pending.html", ctx, status=status)


@login_required
@require_POST
def confirm_members(request: AuthedHttpRequest) -> HttpResponse:
    community = _community_of(request)
    ids = [i for i in (int_or_none(x) for x in request.POST.getlist("report")) if i]
    # Of the ticked reports, those waiting for a community this user acts for (one or all).
    reports = [r for r in access.member_reports_for_confirmation(request.user, ids) if community in (None, r.community)]

    def confirm() -> int:
        if not reports:
            raise ValidationError(_("请先勾选要确认的报到"))
        return services.member_reports_confirm(reports=reports, by=request.user)

    return act(
        request,
        confirm,
        ok=lambda n: _("已确认 %(n)d 名党员报到，回执已送达所在单位") % {"n": n},
        then=_pending_url(community.pk if community is not None else None),
        refused=lambda errors: _refused(request, community, errors),
    )


@login_required
@require_POST
def return_member(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    report = access.get_member_report_for_return(request.user, pk)
    return _decide(
        request,
        report.community,
        forms.ReturnForm(request.POST),
        lambda data: services.member_report_return(report=report, by=request.user, reason=data["reason"]),
        _("已退回 %(name)s 的报到") % {"name": report.member.name},
    )


@login_required
@require_POST
def unit_report_confirm(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Confirm a unit's report: the co-building agreement is signed and can be printed."""
    report = access.get_unit_report_for_decision(request.user, pk)
    return _decide(
        request,
        report.community,
        forms.ConfirmUnitForm(request.POST),
        lambda data: services.unit_report_confirm(
            report=report, by=request.user, community_signatory=data["community_signatory"]
        ),
        _("已确认 %(u)s 报到，共建协议可打印") % {"u": report.unit.name},
    )


@login_required
@require_POST
def unit_report_return(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Send a unit's report back, with the reason the unit secretary reads."""
    report = access.get_unit_report_for_decision(request.user, pk)
    return _decide(
        request,
        report.community,
        forms.ReturnForm(request.POST),
        lambda data: services.unit_report_return(report=report, by=request.user, reason=data["reason"]),
        _("已退回 %(u)s 的报到") % {"u": report.unit.name},
    )


def _decide(
    request: AuthedHttpRequest,
    community: Place,
    form: forms.ReturnForm | forms.ConfirmUnitForm,
    decide: Callable[[dict], object],
    done: str,
) -> HttpResponse:
    """A decision from the pending page: back to it, or the page again with 422 when refused."""
    return act(
        request,
        lambda: decide(form.cleaned_data),
        form=form,
        ok=done,
        then=_pending_url(community.pk),
        refused=lambda errors: _refused(request, community, errors),
    )


def _refused(request: AuthedHttpRequest, community: Place | None, errors: list[str]) -> HttpResponse:
    """The pending page again (422), with why the action was refused as a flashed error."""
    messages.error(request, "；".join(errors))
    return _pending_page(request, community, status=422)


@login_required
@require_GET
def report_detail(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    report = get_object_or_404(
        selectors.member_reports_for_user(request.user).select_related(
            "member__residence", "member__unit__office_place"
        ),
        pk=pk,
    )
    events = report.events.select_related("actor")
    # The room the member typed is an address: in full only for those who manage the member.
    room = report.room if scope.member_pii_visible(request.user, report.member) else mask_address(report.room)
    return render(
        request,
        "reporting/report_detail.html",
        {"report": report, "events": events, "team_types": list(report.team_types.all()), "room": room},
    )


# --- signed co-building agreements (community staff, admins and the unit alike) -------------------


@login_required
@require_GET
def agreements(request: AuthedHttpRequest) -> HttpResponseBase:
    """Signed co-building agreements (in force or ended), for community staff, admins and units."""
    access.require_agreements_reader(request.user)
    page = Paginator(selectors.agreements_for_user(request.user), 100).get_page(request.GET.get("page"))
    return render(request, "reporting/agreements.html", {"page": page, "no_export": True})


@login_required
@require_GET
def agreement_pdf(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:

    report = get_object_or_404(selectors.agreements_for_user(request.user), pk=pk)
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{report.pk}.pdf"'
    return response
