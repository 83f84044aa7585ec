"""Volunteer teams (服务队): the community's staff create them by type with a leader from the reported
members; members join on the phone (the types they chose when reporting are joined already); each
team's page shows its members, activities and this year's confirmed hours."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.forms import Form
from baodao.core.http import int_or_none, page_of
from baodao.core.numbers import hours_number
from baodao.directory.models import Category, Member, Place
from baodao.needs.models import Demand
from baodao.records import access, selectors, services
from baodao.records.models import Activity, Record, Team, TeamMember
from baodao.reporting.models import MemberReport


class TeamForm(Form):
    kind = forms.ModelChoiceField(label=gettext_lazy("服务队类型"), queryset=Category.objects.none())
    name = forms.CharField(label=gettext_lazy("名称（可不填）"), max_length=100, required=False)
    leader = forms.ModelChoiceField(label=gettext_lazy("队长"), queryset=Member.objects.none())

    def __init__(self, *args: object, community: Place, **kw: object) -> None:
        super().__init__(*args, **kw)
        self.fields["kind"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            kind=Category.Kind.TEAM_TYPE, is_active=True
        ).order_by("sort_order", "id")
        reported = MemberReport.objects.filter(community=community, status=MemberReport.Status.CONFIRMED)
        self.fields["leader"].queryset = Member.objects.filter(  # type: ignore[attr-defined]
            pk__in=reported.values("member_id")
        ).order_by("name")


def _year_minutes(team: Team) -> int:
    year = timezone.localdate().year
    members = team.memberships.filter(left_at__isnull=True).values("member_id")
    rows = Record.objects.filter(
        member_id__in=members, community=team.community, status=Record.Status.CONFIRMED, starts_at__year=year
    )
    return rows.aggregate(m=Sum("minutes"))["m"] or 0


@login_required
@require_http_methods(["GET", "POST"])
def teams(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.team_communities(request.user)
    pk = int_or_none(request.GET.get("community") or request.POST.get("community"))
    community = access.get_community_for_teams(request.user, pk)
    form = TeamForm(request.POST or None, community=community)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                team = services.team_create(
                    community=community,
                    kind=form.cleaned_data["kind"],
                    name=form.cleaned_data["name"],
                    leader=form.cleaned_data["leader"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("服务队已建立，报到时选择该类型的 %(n)s 名党员已自动加入") % {"n": team.memberships.count() - 1},
                )
                return redirect(reverse("records:team", args=[team.pk]))
    rows = list(
        Team.objects.filter(community=community)
        .select_related("kind")
        .annotate(n=Count("memberships", filter=Q(memberships__left_at__isnull=True)))
        .order_by("kind__sort_order", "name")
    )
    leaders = {
        tm.team_id: tm.member.name
        for tm in TeamMember.objects.filter(
            team__community=community, role=TeamMember.Role.LEADER, left_at__isnull=True
        ).select_related("member")
    }
    for t in rows:
        t.leader_name = leaders.get(t.pk, "")  # type: ignore[attr-defined]
    return render(
        request,
        "records/teams.html",
        {"communities": choices[:300], "community": community, "rows": rows, "form": form},
        status=status,
    )


@login_required
@require_GET
def team(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    t = access.get_team_for_view(request.user, pk)
    members = list(
        t.memberships.filter(left_at__isnull=True).select_related("member__unit").order_by("-role", "joined_at")
    )
    # Three lists that grow with the years, each paged by its own parameter.
    claimable = selectors.team_claimable(t) if access.leads_team(request.user, t) else Demand.objects.none()
    activities = Activity.objects.filter(team=t).order_by("-starts_at", "-id")
    return render(
        request,
        "records/team.html",
        {
            "t": t,
            "members": members,
            "activities": page_of(request, activities, param="activities"),
            "hours": hours_number(_year_minutes(t)),
            "may_manage": access.may_manage_team(request.user, t),
            "claims": page_of(request, selectors.team_claims(t), param="claims"),
            "claimable": page_of(request, claimable, param="claimable"),
        },
    )


@login_required
@require_POST
def team_claim(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The leader claims a group item for the team."""
    t = access.get_team_for_claim(request.user, pk)
    demand = access.get_demand_for_team_claim(t, int_or_none(request.POST.get("demand")))
    try:
        services.team_item_claim(team=t, demand=demand, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已为%(t)s认领「%(d)s」") % {"t": t.name, "d": demand.title})
    return redirect(reverse("records:team", args=[pk]))


@login_required
@require_POST
def team_leader(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    t = access.get_team_for_manage(request.user, pk)
    member = access.get_team_member_for_leader(t, int_or_none(request.POST.get("member")))
    try:
        services.team_set_leader(team=t, member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("队长已改为%(m)s") % {"m": member.name})
    return redirect(reverse("records:team", args=[pk]))


@login_required
@require_GET
def join_list(request: AuthedHttpRequest) -> HttpResponse:
    """The member's phone: the community's teams and the member's unit's own there, join or leave."""
    member = access.get_member_for_service(request.user)
    community = selectors.reported_community(member)
    rows = (
        Team.objects.filter(Q(unit__isnull=True) | Q(unit_id=member.unit_id), community=community, is_active=True)
        .select_related("kind", "unit")
        .order_by("-unit_id", "kind__sort_order")
        if community
        else Team.objects.none()
    )
    mine = set(selectors.teams_of(member).values_list("pk", flat=True))
    return render(request, "records/join.html", {"rows": rows, "mine": mine, "community": community})


@login_required
@require_POST
def join(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    t, member = access.get_team_for_join(request.user, pk)
    try:
        services.team_join(team=t, member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已加入%(t)s") % {"t": t.name})
    return redirect("records:join_list")


@login_required
@require_POST
def leave(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    t, member = access.get_team_for_join(request.user, pk)
    try:
        services.team_leave(team=t, member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已退出%(t)s") % {"t": t.name})
    return redirect("records:join_list")
