"""Public pages (no login): the bulletin board of a community and its printable poster (the
self-report poster among them is 双报到's: reporting.public_views).

Nothing here reads the session or sets a cookie, so a reverse proxy may cache the answers.
"""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from baodao.directory.models import Place
from baodao.stats.bulletin import community_bulletin, community_heading, public_item
from baodao.stats.documents import bulletin_poster_pdf

CACHE_SECONDS = 300


def _community(code: str) -> Place:
    return get_object_or_404(Place, code=code, kind=Place.Kind.COMMUNITY)


@require_safe
@cache_control(public=True, max_age=CACHE_SECONDS)
def community(request: HttpRequest, code: str) -> HttpResponse:
    bulletin = community_bulletin(_community(code), page=request.GET.get("page"), closed_page=request.GET.get("closed"))
    context = {
        "bulletin": bulletin,
        "poster_url": reverse("public:poster", args=[bulletin.code]),
        "self_report_url": reverse("reporting:self_report", args=[bulletin.code]),
        # The page has no form: an empty token keeps base.html from setting a CSRF cookie.
        "csrf_token": "",
    }
    return render(request, "stats/public/community.html", context)


@require_safe
@cache_control(public=True, max_age=CACHE_SECONDS)
def item(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """One item of the community's service list and how far it got: the steps and their dates,
    never who asked, who took it or what they wrote."""
    community = _community(code)
    found = public_item(community, pk)
    if found is None:
        raise Http404
    row, steps = found
    context = {"heading": community_heading(community), "item": row, "steps": steps, "csrf_token": ""}
    return render(request, "stats/public/item.html", context)


@require_safe
@cache_control(public=True, max_age=CACHE_SECONDS)
def poster(request: HttpRequest, code: str) -> HttpResponse:
    bulletin = community_bulletin(_community(code))
    page_url = request.build_absolute_uri(reverse("public:community", args=[bulletin.code]))
    return _pdf(bulletin_poster_pdf(bulletin, page_url), f"bulletin-{bulletin.code}")


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    safe_name = re.sub(r"[^A-Za-z0-9_-]", "", name)
    response["Content-Disposition"] = f'inline; filename="{safe_name}.pdf"'
    return response
