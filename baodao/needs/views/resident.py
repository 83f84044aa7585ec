"""The resident's pages, on the phone: ask (with the similar demands shown first), follow one's
demands, accept, reopen, rate — with an account, or by the poster's link without one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.accounts.services import client_ip
from baodao.core import ratelimit
from baodao.core.http import act, int_or_none, page_of
from baodao.directory import scope
from baodao.directory.models import Place
from baodao.needs import access, forms, selectors, services
from baodao.needs.models import Demand
from baodao.needs.views.common import Page, checks_similar, demand_context, demand_form, photos_again, submit_demand

POSTER_LIMIT = 10  # poster submissions per address per hour, as the self-report page


def _similar(community: Place, text: str, *, include_unreviewed: bool = False) -> list[selectors.Similar]:
    """The hint: published demands only (a resident's or a passer-by's), unless the caller is staff."""
    return selectors.similar_demands(community, text, include_unreviewed=include_unreviewed) if text.strip() else []


def _typed(request: HttpRequest) -> str:
    return request.POST.get("title", "")[:60] if request.method == "POST" else ""


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: AuthedHttpRequest) -> HttpResponse:
    resident, community = access.get_resident_for_demand(request.user)
    initial = {"place": resident.residence}
    form = demand_form(forms.DemandForm, request, community=community, hint=reverse("needs:similar"), initial=initial)
    if checks_similar(request):
        return _ask_page(request, "needs/submit.html", form, community)
    return act(
        request,
        lambda: submit_demand(form, by=request.user, community=community, resident=resident),
        form=form,
        ok=_("需求已提交，社区审核后会发布到服务清单"),
        then=lambda demand: reverse("needs:demand", args=[demand.pk]),
        refused=lambda errors: _ask_page(request, "needs/submit.html", form, community, errors),
    )


def _ask_page(
    request: HttpRequest, template: str, form: forms.DemandForm, community: Place, errors: Sequence[str] = ()
) -> HttpResponse:
    """The phone's or the poster's form to ask (again, with its errors: 422), and the published
    demands like the title typed."""
    text = _typed(request)
    ctx = {"form": form, "community": community, "similar": _similar(community, text), "checked": bool(text)}
    return render(request, template, {**ctx, "photos_again": photos_again(request)}, status=422 if errors else 200)


@login_required
@require_POST
def similar(request: AuthedHttpRequest) -> HttpResponse:
    """The similar-demand hint while typing and on 先看看 (htmx, POST: the words stay out of URLs
    and logs): for a resident the community's published demands most like it (other residents'
    demands before review are theirs and the staff's), for staff (`?community=`) every open one."""
    s = access.get_resident_for_demand(request.user) if not request.GET.get("community") else None
    if s is not None:
        community = s[1]
    else:
        access.require_staff(request.user)
        community = get_object_or_404(
            selectors.communities_for_entry(request.user),
            pk=int_or_none(request.GET.get("community")) or 0,
        )
    rows = _similar(community, _typed(request), include_unreviewed=s is None)
    ctx = {"similar": rows, "checked": True, "resident": s is not None, "staff": s is None}
    return render(request, "needs/_similar.html", ctx)


@login_required
@require_GET
def mine(request: AuthedHttpRequest) -> HttpResponse:
    page = page_of(request, selectors.resident_list(request.user))
    return render(request, "needs/mine.html", {"demands": page.object_list, "page": page})


def _render(request: AuthedHttpRequest, pk: int, errors: list[str] | None = None) -> HttpResponse:
    d = access.get_demand_for_view(request.user, pk)
    ctx: dict[str, Any] = demand_context(request.user, d)
    s = scope.scope_for(request.user)
    ctx["asker"] = access.is_asker(request.user, d)
    ctx["following"] = d.followers.filter(user=request.user).exists()
    ctx["may_follow"] = bool(s.resident_ids) and not ctx["asker"] and d.status in Demand.FOLLOWABLE
    ctx["reopen_form"] = forms.ReopenForm()
    ctx["rate_form"] = forms.RateForm()
    ctx["errors"] = errors or []
    return render(request, "needs/demand.html", ctx, status=422 if errors else 200)


@login_required
@require_GET
def demand(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _render(request, pk)


def _back(pk: int) -> str:
    return reverse("needs:demand", args=[pk])


def _page(request: AuthedHttpRequest, pk: int) -> Page:
    return lambda errors: _render(request, pk, errors)


@login_required
@require_POST
def follow(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_follow(request.user, pk)

    def run() -> None:
        if not services.demand_follow(demand=d, by=request.user):
            raise ValidationError(_("您已经点过“我也需要”"))

    return act(request, run, ok=_("已记下：您也需要。办理进展会通知您"), then=_back(pk), refused=_page(request, pk))


@login_required
@require_POST
def accept(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_answer(request.user, pk)
    return act(
        request,
        lambda: services.demand_resident_accept(demand=d, by=request.user),
        ok=_("已验收，谢谢"),
        then=_back(pk),
        refused=_page(request, pk),
    )


@login_required
@require_POST
def reopen(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_answer(request.user, pk)
    form = forms.ReopenForm(request.POST)
    return act(
        request,
        lambda: services.demand_reopen(demand=d, by=request.user, comment=form.cleaned_data["comment"]),
        form=form,
        ok=_("已重新打开，认领方和社区会继续办理"),
        then=_back(pk),
        refused=_page(request, pk),
    )


@login_required
@require_POST
def rate(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_answer(request.user, pk)
    form = forms.RateForm(request.POST)
    return act(
        request,
        lambda: services.demand_rate(
            demand=d, by=request.user, stars=form.cleaned_data["stars"], comment=form.cleaned_data["comment"]
        ),
        form=form,
        ok=_("谢谢您的评价"),
        then=_back(pk),
        refused=_page(request, pk),
    )


@login_required
@require_POST
def withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_answer(request.user, pk)
    return act(
        request,
        lambda: services.demand_withdraw(demand=d, by=request.user),
        ok=_("需求已撤回"),
        then=_back(pk),
        refused=_page(request, pk),
    )


# --- the poster: without an account --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def poster(request: HttpRequest, code: str) -> HttpResponse:
    """The community's QR poster: a resident without an account asks with a name and a mobile, and
    follows the demand by the link shown (and texted) afterwards. Rate-limited per address."""
    community = get_object_or_404(Place, code=code, kind=Place.Kind.COMMUNITY)
    key = f"needs-poster:{client_ip(request)}"
    if request.method == "POST" and ratelimit.is_limited(key, limit=POSTER_LIMIT, window_seconds=3600):
        return render(request, "needs/poster.html", {"community": community, "limited": True}, status=429)
    hint = reverse("needs:poster_similar", args=[community.code])
    form = demand_form(forms.PosterDemandForm, request, community=community, hint=hint)
    if request.method == "GET" or checks_similar(request):
        return _ask_page(request, "needs/poster.html", form, community)
    ratelimit.count_attempt(key, window_seconds=3600)
    return act(
        request,
        lambda: submit_demand(form, by=None, community=community),
        form=form,
        ok=_("需求已提交。请收藏本页链接，随时查看办理进展"),
        then=lambda d: reverse("needs:follow_link", args=[d.follow_token]),
        refused=lambda errors: _ask_page(request, "needs/poster.html", form, community, errors),
    )


@require_POST
def poster_similar(request: HttpRequest, code: str) -> HttpResponse:
    """The poster page's hint (no login, POST as the resident's): published demands only, titles and places."""
    community = get_object_or_404(Place, code=code, kind=Place.Kind.COMMUNITY)
    rows = _similar(community, _typed(request))
    return render(request, "needs/_similar.html", {"similar": rows, "checked": True})


def _by_token(token: str) -> Demand:
    d = selectors.demand_by_token(token)
    if d is None:
        raise Http404
    return d


def _render_token(request: HttpRequest, token: str, errors: list[str] | None = None) -> HttpResponse:
    d = _by_token(token)
    ctx = demand_context(request.user, d)
    # The link's holder is the asker: the contact is theirs to read.
    d.shown_name, d.shown_mobile, d.pii_full = d.contact_name, d.contact_mobile, True
    ctx.update({"token": token, "asker": True, "reopen_form": forms.ReopenForm(), "rate_form": forms.RateForm()})
    ctx["errors"] = errors or []
    response = render(request, "needs/demand.html", ctx, status=422 if errors else 200)
    response["Referrer-Policy"] = "no-referrer"  # the link is the key: never sent on elsewhere
    return response


@require_GET
def follow_link(request: HttpRequest, token: str) -> HttpResponse:
    """The poster submitter's page: the demand, its timeline, and the answers once it is done."""
    return _render_token(request, token)


def _token_back(token: str) -> str:
    return reverse("needs:follow_link", args=[token])


def _token_page(request: HttpRequest, token: str) -> Page:
    return lambda errors: _render_token(request, token, errors)


@require_POST
def token_accept(request: HttpRequest, token: str) -> HttpResponse:
    d = _by_token(token)
    return act(
        request,
        lambda: services.demand_resident_accept(demand=d, by=None),
        ok=_("已验收，谢谢"),
        then=_token_back(token),
        refused=_token_page(request, token),
    )


@require_POST
def token_reopen(request: HttpRequest, token: str) -> HttpResponse:
    d = _by_token(token)
    form = forms.ReopenForm(request.POST)
    return act(
        request,
        lambda: services.demand_reopen(demand=d, by=None, comment=form.cleaned_data["comment"]),
        form=form,
        ok=_("已重新打开，认领方和社区会继续办理"),
        then=_token_back(token),
        refused=_token_page(request, token),
    )


@require_POST
def token_rate(request: HttpRequest, token: str) -> HttpResponse:
    d = _by_token(token)
    form = forms.RateForm(request.POST)
    return act(
        request,
        lambda: services.demand_rate(
            demand=d, by=None, stars=form.cleaned_data["stars"], comment=form.cleaned_data["comment"]
        ),
        form=form,
        ok=_("谢谢您的评价"),
        then=_token_back(token),
        refused=_token_page(request, token),
    )
