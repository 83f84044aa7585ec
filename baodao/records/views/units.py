"""A unit's year in its communities (DOMAIN.md §3.3): 实事, the party lecture, joint theme party
days, the work team's weekly visits and the public commitments, each beside its rule; for the
unit's secretary (who also logs the unit's own records and makes commitments) and the staff of
the communities it is assigned to (who mark commitments kept)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from baodao.accounts.models import AuthedHttpRequest, User
from baodao.core.http import act, int_or_none, year_asked
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Category, Place, Unit
from baodao.records import access, forms, obligations, selectors, services
from baodao.records.models import Commitment, Team


@login_required
@require_GET
def unit_year(request: AuthedHttpRequest) -> HttpResponse:
    unit, is_secretary = access.get_unit_for_obligations(request.user, int_or_none(request.GET.get("unit")))
    year = year_asked(request.GET.get("year"))
    rows = obligations.unit_year(unit, year)
    commitments = selectors.unit_commitments(unit, year)
    ctx = {"unit": unit, "year": year, "rows": rows, "commitments": commitments, "is_secretary": is_secretary}
    ctx["keeps"] = {c.pk for c in commitments if access.may_keep_commitment(request.user, c)}
    ctx["changes"] = {c.pk for c in commitments if access.may_change_commitment(request.user, c)}
    ctx.update(_unit_year_forms(unit, [r.community for r in rows], is_secretary))
    return render(request, "records/unit_year.html", ctx)


def _unit_year_forms(unit: Unit, communities: list[Place], is_secretary: bool) -> dict[str, object]:
    """What the page's forms offer: the unit's communities, the activity and team types, its own
    teams and, for its secretary, the members who may lead a new one."""
    return {
        "commitment_max": Commitment._meta.get_field("text").max_length,
        "log_form": forms.UnitLogForm(),
        "kinds": directory_selectors.active_categories(Category.Kind.ACTIVITY_TYPE),
        "communities": communities,
        "unit_teams": selectors.unit_teams(unit),
        "team_types": directory_selectors.active_categories(Category.Kind.TEAM_TYPE),
        "reported_members": selectors.reported_members_of_unit(unit, communities) if is_secretary else [],
    }


@login_required
@require_POST
def unit_team_create(request: AuthedHttpRequest) -> HttpResponse:
    """The unit's secretary forms the unit's own 服务队 / 突击队 in a community it is assigned to."""
    unit, community = access.get_unit_community_for_secretary(
        request.user, int_or_none(request.POST.get("unit")), int_or_none(request.POST.get("community"))
    )
    return act(
        request,
        lambda: _unit_team(request.user, unit, community, request.POST),
        ok=lambda team: _("已组建%(t)s，本单位党员可在手机上加入") % {"t": team.name},
        then=lambda team: reverse("records:team", args=[team.pk]),
        refused=_back(unit.pk),
    )


def _unit_team(user: User, unit: Unit, community: Place, post: QueryDict) -> Team:
    """The unit's own team of the type chosen, led by one of the unit's members."""
    kind = directory_selectors.category_of(Category.Kind.TEAM_TYPE, int_or_none(post.get("kind")))
    leader = selectors.member_of_unit(unit, int_or_none(post.get("leader")))
    if kind is None or leader is None:
        raise ValidationError(_("请选择服务队类型和本单位的队长"))
    name = post.get("name", "")
    return services.team_create(community=community, kind=kind, name=name, leader=leader, by=user, unit=unit)


def _back(unit_id: int) -> str:
    return f"{reverse('records:unit_year')}?unit={unit_id}"


@login_required
@require_POST
def unit_log(request: AuthedHttpRequest) -> HttpResponse:
    unit, community = access.get_unit_community_for_secretary(
        request.user, int_or_none(request.POST.get("unit")), int_or_none(request.POST.get("community"))
    )
    form = forms.UnitLogForm(request.POST)
    kind = directory_selectors.category_of(Category.Kind.ACTIVITY_TYPE, int_or_none(request.POST.get("kind")))
    return act(
        request,
        lambda: services.record_log_unit(
            unit=unit, community=community, kind=kind, by=request.user, **form.cleaned_data
        ),
        form=form,
        ok=_("单位纪实已登记，待社区确认"),
        then=_back(unit.pk),
    )


@login_required
@require_POST
def commitment_make(request: AuthedHttpRequest) -> HttpResponse:
    unit, community = access.get_unit_community_for_secretary(
        request.user, int_or_none(request.POST.get("unit")), int_or_none(request.POST.get("community"))
    )
    return act(
        request,
        lambda: services.commitment_make(
            unit=unit, community=community, text=request.POST.get("text", ""), by=request.user
        ),
        ok=_("承诺已公开，社区公示栏可见"),
        then=_back(unit.pk),
    )


@login_required
@require_POST
def commitment_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_commitment_for_change(request.user, pk)
    return act(
        request,
        lambda: services.commitment_edit(commitment=c, text=request.POST.get("text", ""), by=request.user),
        ok=_("承诺已修改，社区公示栏同步更新"),
        then=_back(c.unit_id),
    )


@login_required
@require_POST
def commitment_withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_commitment_for_change(request.user, pk)
    return act(
        request,
        lambda: services.commitment_withdraw(commitment=c, by=request.user),
        ok=_("承诺已撤回，不再在社区公示栏公开"),
        then=_back(c.unit_id),
    )


@login_required
@require_POST
def commitment_keep(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_commitment_for_keep(request.user, pk)
    return act(
        request,
        lambda: services.commitment_keep(commitment=c, by=request.user, note=request.POST.get("note", "")),
        ok=_("已标记为兑现"),
        then=_back(c.unit_id),
    )


@login_required
@require_GET
def first_secretary(request: AuthedHttpRequest) -> HttpResponse:
    """A first secretary's year: weekly visits to the compound and trainings, against the rules."""
    member = access.get_member_for_service(request.user)
    year = timezone.localdate().year
    rows = [obligations.first_secretary_year(t, year) for t in selectors.first_secretary_terms(member)]
    return render(request, "records/first_secretary.html", {"rows": rows, "year": year})
