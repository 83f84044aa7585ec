"""Public pages (no login): the bulletin board of a community and its printable poster.

Nothing here reads the session or sets a cookie, so a reverse proxy may cache the answers.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from baodao.directory.models import Place
from baodao.reporting.documents import bulletin_poster_pdf
from baodao.reporting.public import community_bulletin

CACHE_SECONDS = 300


def _community(code: str) -> Place:
    return get_object_or_404(Place, code=code, kind=Place.Kind.COMMUNITY)


@require_safe
@cache_control(public=True, max_age=CACHE_SECONDS)
def community(request: HttpRequest, code: str) -> HttpResponse:
    bulletin = community_bulletin(_community(code))
    context = {
        "bulletin": bulletin,
        "poster_url": reverse("public:poster", args=[bulletin.code]),
        # The page has no form: an empty token keeps base.html from setting a CSRF cookie.
        "csrf_token": "",
    }
    return render(request, "public/community.html", context)


@require_safe
@cache_control(public=True, max_age=CACHE_SECONDS)
def poster(request: HttpRequest, code: str) -> HttpResponse:
    bulletin = community_bulletin(_community(code))
    page_url = request.build_absolute_uri(reverse("public:community", args=[bulletin.code]))
    response = HttpResponse(bulletin_poster_pdf(bulletin, page_url), content_type="application/pdf")
    safe_code = re.sub(r"[^A-Za-z0-9_-]", "", bulletin.code)
    response["Content-Disposition"] = f'inline; filename="bulletin-{safe_code}.pdf"'
    return response
