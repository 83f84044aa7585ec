"""志愿服务记录证明: the member (or community staff for a member) issues and prints a numbered
certificate of confirmed service; anyone holding it scans its QR code to the public page that says
whether it is genuine and not revoked (masked name, hours, issuer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act
from baodao.core.privacy import mask_name
from baodao.records import access, documents, forms, selectors, services
from baodao.records.models import ServiceCertificate


def _initial() -> dict[str, Any]:
    today = timezone.localdate()
    return {"starts_on": dt.date(today.year, 1, 1), "ends_on": today}


@login_required
@require_http_methods(["GET", "POST"])
def certificates(request: AuthedHttpRequest) -> HttpResponse:
    """The member's certificates and the form to issue one (community staff: for a member of the
    community, chosen by `?member=`)."""
    member, community = access.get_member_for_certificate(
        request.user, request.GET.get("member") or request.POST.get("member")
    )
    form = forms.PeriodForm(request.POST or None, initial={**_initial(), "member": request.GET.get("member")})
    ctx = {"form": form, "member": member, "community": community, "rows": selectors.certificates_of(member)}
    return act(
        request,
        lambda: services.certificate_issue(
            member=member,
            community=community,
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            by=request.user,
        ),
        form=form,
        ok=lambda cert: _("证明已出具，编号 %(n)s") % {"n": cert.number},
        then=lambda cert: reverse("records:certificate", args=[cert.pk]),
        refused=lambda errors: render(request, "records/certificates.html", ctx, status=422 if errors else 200),
    )


@login_required
@require_GET
def certificate(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cert = access.get_certificate_for_view(request.user, pk)
    return _certificate_page(request, cert, may_revoke=access.may_revoke(request.user, cert))


def _certificate_page(
    request: AuthedHttpRequest, cert: ServiceCertificate, *, may_revoke: bool, errors: list[str] | None = None
) -> HttpResponse:
    """The certificate; again (422) with why a revocation was refused."""
    ctx = {"c": cert, "verify_url": _verify_url(request, cert), "may_revoke": may_revoke}
    if errors is not None:
        ctx["errors"] = errors
    return render(request, "records/certificate.html", ctx, status=422 if errors else 200)


def _verify_url(request: HttpRequest, cert: ServiceCertificate) -> str:
    return request.build_absolute_uri(reverse("records:verify", args=[cert.token]))


@login_required
@require_GET
def certificate_pdf(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cert = access.get_certificate_for_view(request.user, pk)
    response = HttpResponse(documents.certificate_pdf(cert, _verify_url(request, cert)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="service-certificate-{cert.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def certificate_revoke(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cert = access.get_certificate_for_revoke(request.user, pk)
    return act(
        request,
        lambda: services.certificate_revoke(certificate=cert, by=request.user, reason=request.POST.get("reason", "")),
        ok=_("证明已作废，核验页将显示“已作废”"),
        then=reverse("records:certificate", args=[pk]),
        refused=lambda errors: _certificate_page(request, cert, may_revoke=True, errors=errors),
    )


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: is this certificate genuine? Masked name, hours, issuer, and whether it was revoked.
    A token that matches nothing says so (404)."""
    cert = get_object_or_404(selectors.certificates_to_verify(), token=token)
    response = render(
        request,
        "records/verify.html",
        {"c": cert, "name": mask_name(cert.member.name)},
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
