"""The unit secretary's page of the three lists: what the unit, its work teams and its members
took and did this year (the unit's 实事 among them), each figure a link to its list below, and its
confirmed aid (stats' figure, from the service records)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import int_or_none, page_of, recent_years, year_asked
from baodao.needs import access, hooks, selectors
from baodao.needs.views.common import served


@login_required
@require_GET
def unit_part(request: AuthedHttpRequest) -> HttpResponse:
    unit = access.get_unit_for_figures(request.user, int_or_none(request.GET.get("unit")))
    year = year_asked(request.GET.get("year"))
    party = request.GET.get("party", "")
    party = party if party in selectors.UNIT_PARTIES else ""
    done = request.GET.get("done") == "1"
    page = page_of(request, selectors.unit_claims(unit.pk, year=year, party=party, done=done))
    claims = list(page.object_list)
    served(None, claims)
    ctx = {"unit": unit, "year": year, "years": recent_years(), "party": party, "done": done, "no_export": True}
    ctx |= {"f": hooks.unit_figures.call(unit.pk, year), "page": page, "claims": claims}
    return render(request, "needs/unit.html", ctx)
