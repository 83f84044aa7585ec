"""Service logged against a claim of the three lists, from the claim's page (needs:item shows this
form through needs.hooks.claim_log_form): the hours and the aid of the work, pre-filled from the
claim, and — when the holder ticks it — the claim's share reported done in the same step."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from baodao.accounts.models import Actor, AuthedHttpRequest, User
from baodao.core.http import act
from baodao.needs.models import Claim
from baodao.records import access, forms, services
from baodao.records.models import Record


def log_form_for(user: Actor, claim: Claim) -> tuple[str, forms.ClaimLogForm]:
    """needs.hooks.claim_log_form: where the claim's page posts, and the form pre-filled."""
    return reverse("records:claim_log", args=[claim.pk]), forms.ClaimLogForm(claim=claim)


def _page(request: AuthedHttpRequest, claim: Claim, form: forms.ClaimLogForm, status: int = 200) -> HttpResponse:
    ctx: dict[str, Any] = {"claim": claim, "d": claim.demand, "form": form}
    return render(request, "records/claim_log.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def claim_log(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    claim = access.get_claim_for_log(request.user, pk)
    if request.method == "GET":
        return _page(request, claim, forms.ClaimLogForm(claim=claim))
    form = forms.ClaimLogForm(request.POST, request.FILES, claim=claim)
    return act(
        request,
        lambda: _logged(claim, request.user, form.cleaned_data),
        form=form,
        ok=lambda _record: (
            _("已登记并报告完成，纪实待社区确认后计入服务时长")
            if form.cleaned_data.get("done")
            else _("已登记，待社区确认后计入服务时长")
        ),
        then=reverse("needs:item", args=[claim.demand_id]),
        refused=lambda _errors: _page(request, claim, form, status=422),
    )


def _logged(claim: Claim, user: User, data: dict[str, Any]) -> Record:
    """The service logged against the claim, and its share reported done when the box is ticked."""
    return services.claim_log(
        claim=claim,
        by=user,
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        content=data["content"],
        place=data.get("place"),
        address=data.get("address") or "",
        beneficiary=data.get("beneficiary") or "",
        kind=data.get("kind"),
        aid=services.Aid(
            items=data.get("aid_items") or "",
            count=data.get("aid_count") or 0,
            money=data.get("aid_money") or Decimal(0),
            donor_kind=data.get("donor_kind") or "",
            donor_name=data.get("donor_name") or "",
        ),
        photos=data["photos"],
        done=bool(data.get("done")),
    )
