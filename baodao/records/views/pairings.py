"""结对帮扶: the community pairs a reported member with a resident household in need; the member logs
each visit as a record pointing at the pairing. The household's details are shown to the staff who
manage the resident and to the paired member while paired (the three lists' privacy rule)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act, int_or_none, page_of
from baodao.directory.models import Place
from baodao.records import access, forms, selectors, services
from baodao.records.models import Pairing


@login_required
@require_http_methods(["GET", "POST"])
def pairings(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.team_communities(request.user)
    pk = int_or_none(request.GET.get("community") or request.POST.get("community"))
    community = access.get_community_for_pairings(request.user, pk)
    form = forms.PairingForm(request.POST or None, community=community)
    return act(
        request,
        lambda: services.pairing_create(by=request.user, **form.cleaned_data),
        form=form,
        ok=_("已结对"),
        then=f"{reverse('records:pairings')}?community={community.pk}",
        refused=lambda errors: _pairings_page(request, choices, community, form, errors),
    )


def _pairings_page(
    request: AuthedHttpRequest, choices: QuerySet[Place], community: Place, form: forms.PairingForm, errors: list[str]
) -> HttpResponse:
    """The page; again with the form's errors (422) after a refused post."""
    page = page_of(request, selectors.community_pairings(community))
    ctx = {"communities": choices[:300], "community": community, "rows": page.object_list, "page": page}
    return render(request, "records/pairings.html", {**ctx, "form": form}, status=422 if errors else 200)


@login_required
@require_POST
def pairing_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    pairing = get_object_or_404(Pairing.objects.filter(community__in=selectors.team_communities(request.user)), pk=pk)
    return act(
        request,
        lambda: services.pairing_end(pairing=pairing, by=request.user),
        ok=_("结对已结束"),
        then=f"{reverse('records:pairings')}?community={pairing.community_id}",
    )
