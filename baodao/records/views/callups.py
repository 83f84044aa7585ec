"""应急动员: staff call the members of a community, a compound or a team; members answer on the phone;
the headcount is live on the staff's page (htmx asks every few seconds); who came gets a record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act, int_or_none, page_of
from baodao.directory.models import Place
from baodao.records import access, forms, selectors, services

HEADCOUNT_EVERY = 5  # seconds between the live headcount's refreshes


@login_required
@require_http_methods(["GET", "POST"])
def callups(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.team_communities(request.user)
    pk = int_or_none(request.GET.get("community") or request.POST.get("community"))
    community = access.get_community_for_callups(request.user, pk)
    form = forms.CallupForm(request.POST or None, community=community)
    return act(
        request,
        lambda: services.callup_create(community=community, by=request.user, **form.cleaned_data),
        form=form,
        ok=_("已发出动员"),
        then=lambda c: reverse("records:callup", args=[c.pk]),
        refused=lambda errors: _callups_page(request, choices, community, form, errors),
    )


def _callups_page(
    request: AuthedHttpRequest, choices: QuerySet[Place], community: Place, form: forms.CallupForm, errors: list[str]
) -> HttpResponse:
    """The page; again with the form's errors (422) after a refused post."""
    page = page_of(request, selectors.community_callups(community))
    ctx = {"communities": choices[:300], "community": community, "rows": page.object_list, "page": page}
    return render(request, "records/callups.html", {**ctx, "form": form}, status=422 if errors else 200)


@login_required
@require_GET
def callup(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c, member, runs = access.get_callup_for_view(request.user, pk)
    ctx = {"c": c, "count": services.callup_headcount(c), "every": HEADCOUNT_EVERY, "runs": runs}
    if request.headers.get("HX-Request"):
        return render(request, "records/_headcount.html", ctx)
    if member is not None:
        ctx["mine"] = c.answers.filter(member=member).first()
    if runs:
        ctx["answers"] = list(c.answers.select_related("member").order_by("-coming", "member__name"))
    return render(request, "records/callup.html", ctx)


@login_required
@require_POST
def callup_answer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c, member = access.get_callup_for_answer(request.user, pk)
    coming = request.POST.get("coming") == "1"
    return act(
        request,
        lambda: services.callup_answer(callup=c, member=member, coming=coming, by=request.user),
        ok=_("已回复：能到场") if coming else _("已回复：来不了"),
        then=reverse("records:callup", args=[pk]),
    )


@login_required
@require_POST
def callup_attend(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_callup_for_running(request.user, pk)
    ids = [i for i in (int_or_none(x) for x in request.POST.getlist("members")) if i is not None]
    members = access.get_members_for_callup_attend(request.user, c, ids)
    return act(
        request,
        lambda: services.callup_attend(callup=c, members=members, by=request.user),
        ok=lambda n: _("已登记 %(n)s 人到场，纪实待确认") % {"n": n},
        then=reverse("records:callup", args=[pk]),
    )


@login_required
@require_POST
def callup_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_callup_for_running(request.user, pk)
    return act(
        request,
        lambda: services.callup_close(callup=c, by=request.user),
        ok=_("动员已结束"),
        then=reverse("records:callup", args=[pk]),
    )
