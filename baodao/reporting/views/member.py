"""The member's pages, on the phone: the certificate's link (activate, then register), the
community's self-report poster, and where the member's report stands."""

from __future__ import annotations

from typing import Any

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

from baodao.accounts.models import User
from baodao.accounts.services import client_ip
from baodao.core import ratelimit, rules
from baodao.core.http import act
from baodao.directory.models import Member, Place
from baodao.directory.selectors import city_of
from baodao.reporting import access, forms, selectors, services
from baodao.reporting.models import Certificate

# --- member (phone) ---------------------------------------------------------------------------------


def _registration(
    request: HttpRequest, *, member: Member, community: Place, certificate: Certificate | None
) -> HttpResponse:
    min_teams = rules.get_rule_int("member_min_teams", city=city_of(community))
    initial = _registration_initial(member, community)
    data = request.POST if request.method == "POST" else None
    form = forms.RegisterForm(data, community=community, min_teams=min_teams, initial=initial)
    return act(
        request,
        lambda: _report_submitted(member, community, certificate, form.cleaned_data),
        form=form,
        ok=_("报到已提交，等待社区确认"),
        then=reverse("reporting:my_report"),
        refused=lambda errors: _registration_page(request, form, member, community, certificate, errors),
    )


def _registration_initial(member: Member, community: Place) -> dict[str, object]:
    """The registration form starts from the roster: the member's residence (when it is in the
    community) and the skills and intentions on record."""
    in_community = member.residence.path.startswith(community.path)
    return {
        "residence": member.residence if in_community else None,
        "skills": list(member.skills.all()),
        "intentions": list(member.intentions.all()),
    }


def _report_submitted(
    member: Member, community: Place, certificate: Certificate | None, data: dict[str, Any]
) -> object:
    return services.member_report_submit(
        member=member,
        community=community,
        residence=data["residence"],
        room=data["room"],
        skills=data["skills"],
        intentions=data["intentions"],
        team_types=data["team_types"],
        commitment_accepted=data["commitment"],
        certificate=certificate,
    )


def _registration_page(
    request: HttpRequest,
    form: forms.RegisterForm,
    member: Member,
    community: Place,
    certificate: Certificate | None,
    errors: list[str],
) -> HttpResponse:
    """The registration form; again with its errors (422) after a refused post."""
    ctx = {"form": form, "residence_groups": form.residence_groups(), "member": member, "community": community}
    ctx.update(certificate=certificate, commitment=services.commitment_text(city=city_of(community)))
    return render(request, "reporting/register.html", ctx, status=422 if errors else 200)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, token: str) -> HttpResponse:
    """The certificate's QR/link. Activates the account on first visit, then shows the form."""
    try:
        certificate = services.certificate_from_token(token)
    except ValidationError as exc:
        return render(request, "reporting/token_error.html", {"errors": exc.messages}, status=400)
    if not request.user.is_authenticated:
        return _activate(request, certificate)
    try:
        access.require_certificate_holder(request.user, certificate, _("该报到证不属于当前登录的账号"))
    except PermissionDenied as exc:
        return render(request, "reporting/token_error.html", {"errors": [str(exc)]}, status=403)
    return _registration(request, member=certificate.member, community=certificate.community, certificate=certificate)


def _activate(request: HttpRequest, certificate: Certificate) -> HttpResponse:
    """The certificate's first visit, not signed in: set the account's mobile and password (an
    account already active signs in first)."""
    if certificate.member.user_id:
        messages.info(request, _("请先登录，再完成报到"))
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    form = forms.ActivateForm(request.POST if request.method == "POST" else None)
    ctx = {"form": form, "certificate": certificate, "member_name": certificate.member.name}
    return act(
        request,
        lambda: _signed_in(
            request, services.member_activate(certificate=certificate, **_credentials(form.cleaned_data))
        ),
        form=form,
        ok=None,
        then=request.path,
        refused=lambda errors: render(request, "reporting/activate.html", ctx, status=422 if errors else 200),
    )


def _activated(request: HttpRequest, certificate: Certificate, data: dict[str, Any]) -> User:
    return _signed_in(request, services.member_activate(certificate=certificate, **_credentials(data)))


def _credentials(data: dict[str, Any], *names: str) -> dict[str, str]:
    """The mobile and password typed (and the other `names`), as the activation services take them."""
    return {name: data[name] for name in ("mobile", "password", *names)}


def _signed_in(request: HttpRequest, user: User) -> User:
    login(request, user, backend="baodao.accounts.backends.UsernameOrMobileBackend")
    return user


@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, code: str) -> HttpResponse:
    """From a community's QR poster: report without a certificate, matched against the roster."""
    community = get_object_or_404(Place, code=code, kind=Place.Kind.COMMUNITY)
    if not request.user.is_authenticated:
        return _roster_activate(request, community)
    member = access.get_member_for_report(request.user)
    return _registration(request, member=member, community=community, certificate=None)


def _roster_activate(request: HttpRequest, community: Place) -> HttpResponse:
    """Not signed in: find oneself on the roster by ID number and mobile, and set a password. Each
    failed check tells whether an ID number is on the roster: a client gets a few an hour. A
    changed phone, with the box ticked, becomes a request to the unit secretary."""
    form = forms.RosterActivateForm(request.POST if request.method == "POST" else None)
    ctx = {"form": form, "community": community, "mismatch": False}
    attempts = f"self-report:{client_ip(request)}"
    if request.method == "POST" and ratelimit.is_limited(
        attempts, limit=settings.SELF_REPORT_CHECKS_PER_HOUR, window_seconds=3600
    ):
        form.is_valid()
        form.add_error(None, _("核对失败次数过多，请一小时后再试，或联系所在单位党组织核对名册"))
        return render(request, "reporting/self_activate.html", ctx, status=429)
    # Whatever the roster said no to counts against the client's attempts (a form refused first does not).
    counted = attempts if form.is_valid() else None
    return act(
        request,
        lambda: _roster_checked(request, form.cleaned_data, community, ctx),
        form=form,
        ok=None,
        then=request.path,
        refused=lambda errors: _roster_refused(request, ctx, errors, counted),
    )


def _roster_checked(
    request: HttpRequest, data: dict[str, Any], community: Place, ctx: dict[str, object]
) -> User | HttpResponse:
    """The account opened (and signed in) by the roster's match; or, the mobile not the roster's
    and the change asked for, the request filed (its page); or a refusal (`ctx["mismatch"]`
    when only the mobile differs)."""
    credentials = _credentials(data, "id_number")
    try:
        return _signed_in(request, services.member_activate_by_roster(**credentials))
    except services.RosterMobileMismatch:
        if not data["request_change"]:
            ctx["mismatch"] = True
            raise
    services.mobile_change_request_submit(**credentials, community=community)
    return render(request, "reporting/self_activate.html", {**ctx, "requested": True})


def _roster_refused(
    request: HttpRequest, ctx: dict[str, object], errors: list[str], counted: str | None
) -> HttpResponse:
    if errors and counted is not None:
        ratelimit.count_attempt(counted, window_seconds=3600)
    return render(request, "reporting/self_activate.html", ctx, status=422 if errors else 200)


@login_required
@require_GET
def my_report(request: HttpRequest) -> HttpResponse:
    member = access.get_member_for_report(request.user)
    reports = selectors.own_reports(request.user, member)
    certificate = selectors.open_certificate_of(member)
    ctx: dict[str, object] = {"member": member, "reports": reports, "certificate": certificate}
    # Old reports (ended, returned) do not hide an open certificate: the reminders link here.
    ctx["show_certificate"] = certificate is not None and not any(r.is_active for r in reports)
    if certificate is not None:
        ctx["certificate_link"] = reverse("reporting:register", args=[services.certificate_token(certificate)])
    return render(request, "reporting/my_report.html", ctx)
