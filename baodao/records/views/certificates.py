"""志愿服务记录证明: the member (or community staff for a member) issues and prints a numbered
certificate of confirmed service; anyone holding it scans its QR code to the public page that says
whether it is genuine and not revoked (masked name, hours, issuer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.forms import Form
from baodao.core.privacy import mask_name
from baodao.records import access, documents, services
from baodao.records.models import ServiceCertificate


class PeriodForm(Form):
    starts_on = forms.DateField(
        label=gettext_lazy("起始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=gettext_lazy("截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    member = forms.IntegerField(required=False, widget=forms.HiddenInput)


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
    form = PeriodForm(request.POST or None, initial={**_initial(), "member": request.GET.get("member")})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                cert = services.certificate_issue(
                    member=member,
                    community=community,
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("证明已出具，编号 %(n)s") % {"n": cert.number})
                return redirect(reverse("records:certificate", args=[cert.pk]))
    rows = ServiceCertificate.objects.filter(member=member).select_related("community").order_by("-issued_at")
    return render(
        request,
        "records/certificates.html",
        {"form": form, "member": member, "community": community, "rows": rows},
        status=status,
    )


@login_required
@require_GET
def certificate(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cert = access.get_certificate_for_view(request.user, pk)
    return render(
        request,
        "records/certificate.html",
        {"c": cert, "verify_url": _verify_url(request, cert), "may_revoke": access.may_revoke(request.user, cert)},
    )


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
    try:
        services.certificate_revoke(certificate=cert, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return render(
            request,
            "records/certificate.html",
            {"c": cert, "verify_url": _verify_url(request, cert), "may_revoke": True, "errors": exc.messages},
            status=422,
        )
    messages.success(request, _("证明已作废，核验页将显示“已作废”"))
    return redirect(reverse("records:certificate", args=[pk]))


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: is this certificate genuine? Masked name, hours, issuer, and whether it was revoked.
    A token that matches nothing says so (404)."""
    cert = get_object_or_404(ServiceCertificate.objects.select_related("member", "community"), token=token)
    response = render(
        request,
        "records/verify.html",
        {"c": cert, "name": mask_name(cert.member.name)},
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
