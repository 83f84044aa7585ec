"""The self-report poster (扫码报到): a public PDF (no login) that leads in-service members to their
community's self-report page, served among the public bulletin's pages (/p/, stats.public_urls).

It is public like the bulletin's: it carries no personal data (the community's name, instructions
and a QR code of a page that is itself open to anyone), communities print it to hang up, and units
and streets print it too; the roster check happens on the page it opens. Nothing here reads the
session or sets a cookie, so a reverse proxy may cache the answer.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from baodao.directory.models import Place
from baodao.directory.selectors import area_names
from baodao.reporting.documents import self_report_poster_pdf

CACHE_SECONDS = 300


@require_safe
@cache_control(public=True, max_age=CACHE_SECONDS)
def self_report_poster(request: HttpRequest, code: str) -> HttpResponse:
    community = get_object_or_404(Place, code=code, kind=Place.Kind.COMMUNITY)
    url = request.build_absolute_uri(reverse("reporting:self_report", args=[community.code]))
    area = " ".join(n for n in area_names(community) if n)
    response = HttpResponse(
        self_report_poster_pdf(community_name=community.name, area=area, url=url), content_type="application/pdf"
    )
    safe_name = re.sub(r"[^A-Za-z0-9_-]", "", f"self-report-{community.code}")
    response["Content-Disposition"] = f'inline; filename="{safe_name}.pdf"'
    return response
