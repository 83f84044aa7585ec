"""The service list on the member's phone (also a team leader's and a unit secretary's): what fits
first, claim, start, read the beneficiary's contact once the work is under way (recorded), report
done, withdraw or decline."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import int_or_none, page_of
from baodao.directory.models import Category
from baodao.needs import access, forms, selectors, services
from baodao.needs.models import Claim, Demand
from baodao.needs.views.common import Page, act, demand_context, form_refused


@login_required
@require_GET
def items(request: AuthedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    qs = selectors.items_for_user(request.user, category_id=int_or_none(request.GET.get("category")))
    if status == "open":
        qs = qs.filter(status__in=Demand.CLAIMABLE, claimed_slots__lt=F("slots"))
    elif status in Demand.Status.values:
        qs = qs.filter(status=status)
    page = page_of(request, selectors.fitting_first(request.user, qs))
    mine = list(
        selectors.held_claims(request.user)
        .select_related("demand__category", "demand__place__parent")
        .order_by("-created_at")
    )
    categories = Category.objects.filter(kind=Category.Kind.INTENTION, is_active=True).order_by("sort_order", "id")
    return render(
        request,
        "needs/items.html",
        {
            "items": page.object_list,
            "page": page,
            "mine": mine,
            "status": status,
            "categories": categories,
            "category": request.GET.get("category", ""),
        },
    )


def _render(
    request: AuthedHttpRequest, pk: int, errors: list[str] | None = None, *, revealed: bool = False
) -> HttpResponse:
    d = access.get_demand_for_view(request.user, pk)
    ctx = demand_context(request.user, d, revealed=revealed)
    held = ctx["held"] = selectors.live_claim_of(request.user, d)
    d.may_reveal = held is not None and not d.pii_full and selectors.contact_revealable(held, d)
    ctx["read_before"] = held is not None and held.reveals.exists()
    parties = access.claim_parties(request.user, d) if d.status in Demand.CLAIMABLE and d.free_slots else []
    ctx["parties"] = [(access.party_key(p), str(p)) for p in parties]
    ctx["done_form"] = forms.DoneForm()
    ctx["errors"] = errors or []
    response = render(request, "needs/item.html", ctx, status=422 if errors else 200)
    if revealed:
        # The contact was read for this response only: no copy in a cache or the back button.
        response["Cache-Control"] = "no-store"
    return response


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
        back=_back(pk),
        page=_page(request, pk),
    )


@login_required
@require_POST
def withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_claim_for_party(request.user, pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        return form_refused(form, _page(request, c.demand_id))
    return act(
        request,
        lambda: services.claim_withdraw(claim=c, by=request.user, reason=form.cleaned_data["reason"]),
        ok=_("已撤回认领"),
        back=_back(c.demand_id),
        page=_page(request, c.demand_id),
    )


@login_required
@require_POST
def contact(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """查看联系方式: the page again with the beneficiary's full contact, the reading recorded for
    the community's staff; refused (422) before the work starts and once it is done."""
    c = access.get_claim_for_contact(request.user, pk)
    try:
        services.contact_reveal(claim=c, by=request.user)
    except ValidationError as exc:
        return _render(request, c.demand_id, exc.messages)
    return _render(request, c.demand_id, revealed=True)


@login_required
@require_POST
def decline(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_claim_for_party(request.user, pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        return form_refused(form, _page(request, c.demand_id))
    return act(
        request,
        lambda: services.claim_decline(claim=c, by=request.user, reason=form.cleaned_data["reason"]),
        ok=_("已拒绝派单，社区会另行安排"),
        back=_back(c.demand_id),
        page=_page(request, c.demand_id),
    )


@login_required
@require_POST
def start(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_claim_for_party(request.user, pk)
    return act(
        request,
        lambda: services.item_start(claim=c, by=request.user),
        ok=_("已开始办理"),
        back=_back(c.demand_id),
        page=_page(request, c.demand_id),
    )


@login_required
@require_POST
def done(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c: Claim = access.get_claim_for_party(request.user, pk)
    form = forms.DoneForm(request.POST, request.FILES)
    if not form.is_valid():
        return form_refused(form, _page(request, c.demand_id))
    data = form.cleaned_data
    return act(
        request,
        lambda: services.item_done(
            claim=c,
            by=request.user,
            note=data["note"],
            aid_items=data["aid_items"],
            aid_money=data["aid_money"] or Decimal(0),
            photos=data["photos"],
        ),
        ok=_("已报告完成，等待居民验收和社区销号"),
        back=_back(c.demand_id),
        page=_page(request, c.demand_id),
    )
