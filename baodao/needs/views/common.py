"""What the needs pages share: the detail context, the demand's form and its submission, the photo view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import timezone

from baodao.accounts.models import Actor, User
from baodao.core import uploads
from baodao.directory.models import Place
from baodao.needs import access, forms, hooks, selectors, services
from baodao.needs.models import Claim, Demand, DemandPhoto


def demand_context(user: Actor, demand: Demand, *, revealed: bool = False) -> dict[str, Any]:
    """The facts every detail page shows of a demand, masked for the viewer (`revealed`: the
    viewer's reading of the contact was just recorded, services.contact_reveal)."""
    selectors.show_beneficiary(user, [demand], revealed=frozenset({demand.pk}) if revealed else frozenset())
    deadline = services.accept_deadline(demand) if demand.status in (Demand.Status.DONE, Demand.Status.CLOSED) else None
    claims = list(demand.claims.select_related("member", "team", "unit").order_by("created_at", "id"))
    served(demand, claims)
    return {
        "d": demand,
        "events": selectors.timeline(demand, hide_residents=not demand.pii_full),
        "photos": list(demand.photos.all()),
        "claims": claims,
        "accept_deadline": deadline,
        "may_reopen": deadline is not None
        and timezone.now() <= deadline
        and demand.acceptance == Demand.Acceptance.WAITING,
    }


def served(demand: Demand | None, claims: list[Claim]) -> None:
    """Set `served` on the demand and each claim: the service logged for them in `records` (the
    confirmed hours and aid, the records still waiting), read through needs.hooks."""
    by_demand, by_claim = hooks.service_done.call([demand.pk] if demand else [], [c.pk for c in claims])
    if demand is not None:
        demand.served = by_demand.get(demand.pk) or hooks.ServiceDone()
    for c in claims:
        c.served = by_claim.get(c.pk) or hooks.ServiceDone()


Page = Callable[[list[str]], HttpResponse]

CHECK_SIMILAR = "check-similar"  # the name of the "先看看有没有相同的需求" button


def checks_similar(request: HttpRequest) -> bool:
    """The demand's form was posted by "先看看有没有相同的需求" (without script; with it, htmx asks
    the hint alone and the page stays as it is): show the similar demands, keep what was typed,
    save nothing. A POST, so the resident's words stay out of the URL and the history."""
    return request.method == "POST" and CHECK_SIMILAR in request.POST


def demand_form(
    form_class: type[forms.DemandForm],
    request: HttpRequest,
    *,
    community: Place,
    hint: str,
    initial: dict[str, Any] | None = None,
) -> forms.DemandForm:
    """The demand's form of a phone or staff page: bound to a real submission; after 先看看 an
    unbound form showing what was typed (nothing is refused before it is submitted); else empty.
    While the need is typed, `hint` is asked for the demands like it (forms.hint_while_typing)."""
    if request.method == "POST" and not checks_similar(request):
        form = form_class(request.POST, request.FILES, community=community)
    elif request.method == "POST":
        typed = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", CHECK_SIMILAR)}
        form = form_class(community=community, initial={**(initial or {}), **typed})
    else:
        form = form_class(community=community, initial=initial or {})
    forms.hint_while_typing(form, hint)
    return form


def photos_again(request: HttpRequest) -> int:
    """How many photos a 先看看 post carried: a file input cannot be filled again by the server,
    so the page asks for them again, saying how many (with script the choice is never lost)."""
    return len(request.FILES.getlist("photos")) if checks_similar(request) else 0


def submit_demand(form: forms.DemandForm, *, by: User | None, community: Place, **extra: Any) -> Demand:  # noqa: ANN401
    """The demand a phone's, a poster's or a desk's form describes, submitted: each of the form's
    fields is a field of the demand; `extra` what the page knows besides (the resident)."""
    return services.demand_submit(by=by, community=community, **form.cleaned_data, **extra)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A demand's photo, for whoever may open the demand (never public: it may show the person)."""
    row = get_object_or_404(DemandPhoto, pk=pk)
    access.get_demand_for_view(request.user, row.demand_id)
    return uploads.serve(row.image)  # a placeholder when the file is gone (a restore without the uploads)
