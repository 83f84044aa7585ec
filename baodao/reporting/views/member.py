"""The member's pages, on the phone: the certificate's link (activate, then register), the
community's self-report poster, and where the member's report stands."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from baodao.accounts.services import client_ip
from baodao.core import ratelimit, rules
from baodao.core.http import add_service_errors
from baodao.directory.models import Member, Place
from baodao.directory.selectors import city_of
from baodao.reporting import access, forms, selectors, services
from baodao.reporting.models import Certificate

# --- member (phone) ---------------------------------------------------------------------------------


def _registration(
    request: HttpRequest, *, member: Member, community: Place, certificate: Certificate | None
) -> HttpResponse:
    form = forms.RegisterForm(
        request.POST if request.method == "POST" else None,
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
                add_service_errors(form, exc)
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
        return render(request, "reporting/token_error.html", {"errors": exc.messages}, status=400)
    member = certificate.member
    if not request.user.is_authenticated:
        if member.user_id:
            messages.info(request, _("请先登录，再完成报到"))
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        form = forms.ActivateForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                user = services.member_activate(
                    certificate=certificate, mobile=form.cleaned_data["mobile"], password=form.cleaned_data["password"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                login(request, user, backend="baodao.accounts.backends.UsernameOrMobileBackend")
                return redirect(request.path)
        ctx = {"form": form, "certificate": certificate, "member_name": member.name}
        return render(request, "reporting/activate.html", ctx, status=422 if request.method == "POST" else 200)
    try:
        access.require_certificate_holder(request.user, certificate, _("该报到证不属于当前登录的账号"))
    except PermissionDenied as exc:
        return render(request, "reporting/token_error.html", {"errors": [str(exc)]}, status=403)
    return _registration(request, member=member, community=certificate.community, certificate=certificate)


@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, code: str) -> HttpResponse:
    """From a community's QR poster: report without a certificate, matched against the roster."""
    community = get_object_or_404(Place, code=code, kind=Place.Kind.COMMUNITY)
    if not request.user.is_authenticated:
        form = forms.RosterActivateForm(request.POST if request.method == "POST" else None)
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
                    add_service_errors(form, exc)
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
                        add_service_errors(form, exc2)
                    else:
                        return render(request, "reporting/self_activate.html", {**ctx, "requested": True})
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                login(request, user, backend="baodao.accounts.backends.UsernameOrMobileBackend")
                return redirect(request.path)
            # Whatever the roster said no to counts against the client's attempts.
            ratelimit.count_attempt(attempts, window_seconds=3600)
        return render(request, "reporting/self_activate.html", ctx, status=422 if request.method == "POST" else 200)
    member = access.get_member_for_report(request.user)
    return _registration(request, member=member, community=community, certificate=None)


@login_required
@require_GET
def my_report(request: HttpRequest) -> HttpResponse:
    member = access.get_member_for_report(request.user)
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
