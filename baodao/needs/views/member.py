"""The service list on the member's phone (also a team leader's and a unit secretary's): what fits
first, claim, start, read the beneficiary's contact once the work is under way (recorded), report
done, withdraw or decline."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from baodao.accounts.models import Actor, AuthedHttpRequest
from baodao.core.http import act, int_or_none, page_of
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Category
from baodao.needs import access, forms, hooks, selectors, services
from baodao.needs.models import Claim, Demand
from baodao.needs.views.common import Page, demand_context


@login_required
@require_GET
def items(request: AuthedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    qs = _in_state(selectors.items_for_user(request.user, category_id=int_or_none(request.GET.get("category"))), status)
    page = page_of(request, selectors.fitting_first(request.user, qs))
    ctx = {"items": page.object_list, "page": page, "status": status, "category": request.GET.get("category", "")}
    held = selectors.held_claims(request.user).select_related("demand__category", "demand__place__parent")
    ctx["mine"] = list(held.order_by("-created_at"))
    ctx["categories"] = directory_selectors.active_categories(Category.Kind.INTENTION)
    return render(request, "needs/items.html", ctx)


def _in_state(qs: QuerySet[Demand], status: str) -> QuerySet[Demand]:
    """`open`: the items still to claim (a free slot); a state's name: those in it; else all."""
    if status == "open":
        return qs.filter(status__in=Demand.CLAIMABLE, claimed_slots__lt=F("slots"))
    return qs.filter(status=status) if status in Demand.Status.values else qs


def _render(
    request: AuthedHttpRequest, pk: int, errors: list[str] | None = None, *, revealed: bool = False
) -> HttpResponse:
    d = access.get_demand_for_view(request.user, pk)
    ctx = {**demand_context(request.user, d, revealed=revealed), **_claim_context(request.user, d)}
    response = render(request, "needs/item.html", {**ctx, "errors": errors or []}, status=422 if errors else 200)
    if revealed:
        # The contact was read for this response only: no copy in a cache or the back button.
        response["Cache-Control"] = "no-store"
    return response


def _claim_context(user: Actor, d: Demand) -> dict[str, object]:
    """What the item's page offers the user: the claim held (and whether its contact may be read,
    or was), the parties the user may claim for, the form to report it done and the one to log
    the service against the claim."""
    held = selectors.live_claim_of(user, d)
    d.may_reveal = held is not None and not d.pii_full and selectors.contact_revealable(held, d)
    parties = access.claim_parties(user, d) if d.status in Demand.CLAIMABLE and d.free_slots else []
    return {
        "held": held,
        "read_before": held is not None and held.reveals.exists(),
        "parties": [(access.party_key(p), str(p)) for p in parties],
        "done_form": forms.DoneForm(),
        # Logging the hours (and the aid) against the claim, and reporting done in the same step.
        "log": hooks.claim_log_form.call(user, held) if held is not None else None,
    }


@login_required
@require_GET
def item(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _render(request, pk)


def _back(pk: int) -> str:
    return reverse("needs:item", args=[pk])


def _page(request: AuthedHttpRequest, pk: int) -> Page:
    return lambda errors: _render(request, pk, errors)


@login_required
@require_POST
def claim(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    ask = access.get_item_for_claim(request.user, pk, party=request.POST.get("party", ""))
    return act(
        request,
        lambda: services.item_claim(demand=ask.demand, party=ask.party, by=request.user),
        ok=_("认领成功，请按约定时间办理"),
        then=_back(pk),
        refused=_page(request, pk),
    )


@login_required
@require_POST
def withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_claim_for_party(request.user, pk)
    form = forms.ReasonForm(request.POST)
    return act(
        request,
        lambda: services.claim_withdraw(claim=c, by=request.user, reason=form.cleaned_data["reason"]),
        form=form,
        ok=_("已撤回认领"),
        then=_back(c.demand_id),
        refused=_page(request, c.demand_id),
    )


@login_required
@require_POST
def contact(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """查看联系方式: the page again with the beneficiary's full contact, the reading recorded for
    the community's staff; refused (422) before the work starts and once it is done."""
    c = access.get_claim_for_contact(request.user, pk)

    def reveal() -> HttpResponse:
        services.contact_reveal(claim=c, by=request.user)
        return _render(request, c.demand_id, revealed=True)

    return act(request, reveal, ok=None, then=None, refused=_page(request, c.demand_id))


@login_required
@require_POST
def decline(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_claim_for_party(request.user, pk)
    form = forms.ReasonForm(request.POST)
    return act(
        request,
        lambda: services.claim_decline(claim=c, by=request.user, reason=form.cleaned_data["reason"]),
        form=form,
        ok=_("已拒绝派单，社区会另行安排"),
        then=_back(c.demand_id),
        refused=_page(request, c.demand_id),
    )


@login_required
@require_POST
def start(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_claim_for_party(request.user, pk)
    return act(
        request,
        lambda: services.item_start(claim=c, by=request.user),
        ok=_("已开始办理"),
        then=_back(c.demand_id),
        refused=_page(request, c.demand_id),
    )


@login_required
@require_POST
def done(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c: Claim = access.get_claim_for_party(request.user, pk)
    form = forms.DoneForm(request.POST, request.FILES)
    return act(
        request,
        lambda: services.item_done(
            claim=c,
            by=request.user,
            note=form.cleaned_data["note"],
            photos=form.cleaned_data["photos"],
        ),
        form=form,
        ok=_("已报告完成，等待居民验收和社区销号"),
        then=_back(c.demand_id),
        refused=_page(request, c.demand_id),
    )
