"""Volunteer teams (服务队): the community's staff create them by type with a leader from the reported
members; members join on the phone (the types they chose when reporting are joined already); each
team's page shows its members, activities and this year's confirmed hours."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act, int_or_none, page_of
from baodao.core.numbers import hours_number
from baodao.directory.models import Place
from baodao.records import access, forms, selectors, services
from baodao.records.models import Team


@login_required
@require_http_methods(["GET", "POST"])
def teams(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.team_communities(request.user)
    pk = int_or_none(request.GET.get("community") or request.POST.get("community"))
    community = access.get_community_for_teams(request.user, pk)
    form = forms.TeamForm(request.POST or None, community=community)
    return act(
        request,
        lambda: services.team_create(community=community, by=request.user, **form.cleaned_data),
        form=form,
        ok=_formed,
        then=lambda team: reverse("records:team", args=[team.pk]),
        refused=lambda errors: _teams_page(request, choices, community, form, errors),
    )


def _formed(team: Team) -> str:
    """A new team's members: those reported who chose its type joined it already, with its leader."""
    return _("服务队已建立，报到时选择该类型的 %(n)s 名党员已自动加入") % {"n": team.memberships.count() - 1}


def _teams_page(
    request: AuthedHttpRequest, choices: QuerySet[Place], community: Place, form: forms.TeamForm, errors: list[str]
) -> HttpResponse:
    """The page; again with the form's errors (422) after a refused post."""
    ctx = {"communities": choices[:300], "community": community, "rows": selectors.community_teams(community)}
    return render(request, "records/teams.html", {**ctx, "form": form}, status=422 if errors else 200)


@login_required
@require_GET
def team(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    t = access.get_team_for_view(request.user, pk)
    hours = hours_number(selectors.year_minutes_of_team(t, timezone.localdate().year))
    ctx = {"t": t, "members": selectors.team_members(t), "hours": hours}
    ctx["may_manage"] = access.may_manage_team(request.user, t)
    # Three lists that grow with the years, each paged by its own parameter.
    claimable = selectors.team_claimable(t)
    claimable = claimable if access.leads_team(request.user, t) else claimable.none()
    ctx["activities"] = page_of(request, selectors.team_activities(t), param="activities")
    ctx["claims"] = page_of(request, selectors.team_claims(t), param="claims")
    ctx["claimable"] = page_of(request, claimable, param="claimable")
    return render(request, "records/team.html", ctx)


@login_required
@require_POST
def team_claim(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The leader claims a group item for the team."""
    t = access.get_team_for_claim(request.user, pk)
    demand = access.get_demand_for_team_claim(t, int_or_none(request.POST.get("demand")))
    return act(
        request,
        lambda: services.team_item_claim(team=t, demand=demand, by=request.user),
        ok=_("已为%(t)s认领「%(d)s」") % {"t": t.name, "d": demand.title},
        then=reverse("records:team", args=[pk]),
    )


@login_required
@require_POST
def team_leader(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    t = access.get_team_for_manage(request.user, pk)
    member = access.get_team_member_for_leader(t, int_or_none(request.POST.get("member")))
    return act(
        request,
        lambda: services.team_set_leader(team=t, member=member, by=request.user),
        ok=_("队长已改为%(m)s") % {"m": member.name},
        then=reverse("records:team", args=[pk]),
    )


@login_required
@require_GET
def join_list(request: AuthedHttpRequest) -> HttpResponse:
    """The member's phone: the community's teams and the member's unit's own there, join or leave."""
    member = access.get_member_for_service(request.user)
    community = selectors.reported_community(member)
    rows = selectors.joinable_teams(member, community)
    mine = set(selectors.teams_of(member).values_list("pk", flat=True))
    return render(request, "records/join.html", {"rows": rows, "mine": mine, "community": community})


@login_required
@require_POST
def join(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    t, member = access.get_team_for_join(request.user, pk)
    return act(
        request,
        lambda: services.team_join(team=t, member=member, by=request.user),
        ok=_("已加入%(t)s") % {"t": t.name},
        then=reverse("records:join_list"),
    )


@login_required
@require_POST
def leave(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    t, member = access.get_team_for_join(request.user, pk)
    return act(
        request,
        lambda: services.team_leave(team=t, member=member, by=request.user),
        ok=_("已退出%(t)s") % {"t": t.name},
        then=reverse("records:join_list"),
    )
