"""A unit's year in its communities (DOMAIN.md §3.3): 实事, the party lecture, joint theme party
days, the work team's weekly visits and the public commitments, each beside its rule; for the
unit's secretary (who also logs the unit's own records and makes commitments) and the staff of
the communities it is assigned to (who mark commitments kept)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import int_or_none
from baodao.directory.models import Category, FirstSecretaryTerm, Member
from baodao.records import access, forms, obligations, services
from baodao.records.models import Commitment, Team
from baodao.reporting.models import MemberReport


@login_required
@require_GET
def unit_year(request: AuthedHttpRequest) -> HttpResponse:
    unit, is_secretary = access.get_unit_for_obligations(request.user, int_or_none(request.GET.get("unit")))
    this_year = timezone.localdate().year
    year = int_or_none(request.GET.get("year")) or this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    rows = obligations.unit_year(unit, year)
    commitments = Commitment.objects.filter(unit=unit, year=year).select_related("community").order_by("id")
    return render(
        request,
        "records/unit_year.html",
        {
            "unit": unit,
            "year": year,
            "rows": rows,
            "commitments": commitments,
            "is_secretary": is_secretary,
            "keeps": {c.pk for c in commitments if access.may_keep_commitment(request.user, c)},
            "changes": {c.pk for c in commitments if access.may_change_commitment(request.user, c)},
            "commitment_max": Commitment._meta.get_field("text").max_length,
            "log_form": forms.UnitLogForm(),
            "kinds": Category.objects.filter(kind=Category.Kind.ACTIVITY_TYPE, is_active=True).order_by("sort_order"),
            "communities": [r.community for r in rows],
            "unit_teams": Team.objects.filter(unit=unit, is_active=True)
            .select_related("community", "kind")
            .annotate(n=Count("memberships", filter=Q(memberships__left_at__isnull=True)))
            .order_by("community__sort_key", "name"),
            "team_types": Category.objects.filter(kind=Category.Kind.TEAM_TYPE, is_active=True).order_by("sort_order"),
            "reported_members": Member.objects.filter(
                unit=unit,
                reports__status=MemberReport.Status.CONFIRMED,
                reports__community__in=[r.community for r in rows],
            )
            .distinct()
            .order_by("name")[:500]
            if is_secretary
            else [],
        },
    )


@login_required
@require_POST
def unit_team_create(request: AuthedHttpRequest) -> HttpResponse:
    """The unit's secretary forms the unit's own 服务队 / 突击队 in a community it is assigned to."""
    unit, community = access.get_unit_community_for_secretary(
        request.user, int_or_none(request.POST.get("unit")), int_or_none(request.POST.get("community"))
    )
    kind = Category.objects.filter(pk=int_or_none(request.POST.get("kind")) or 0, kind=Category.Kind.TEAM_TYPE).first()
    leader = Member.objects.filter(pk=int_or_none(request.POST.get("leader")) or 0, unit=unit).first()
    if kind is None or leader is None:
        messages.error(request, _("请选择服务队类型和本单位的队长"))
        return redirect(_back(unit.pk))
    try:
        team = services.team_create(
            community=community, kind=kind, name=request.POST.get("name", ""), leader=leader, by=request.user, unit=unit
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(_back(unit.pk))
    messages.success(request, _("已组建%(t)s，本单位党员可在手机上加入") % {"t": team.name})
    return redirect(reverse("records:team", args=[team.pk]))


def _back(unit_id: int) -> str:
    return f"{reverse('records:unit_year')}?unit={unit_id}"


def _step(request: AuthedHttpRequest, call: Callable[[], object], *, ok: str, unit_id: int) -> HttpResponse:
    """One action of the unit's year page: the service's refusal or `ok` as a message, then back."""
    try:
        call()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, ok)
    return redirect(_back(unit_id))


@login_required
@require_POST
def unit_log(request: AuthedHttpRequest) -> HttpResponse:
    unit, community = access.get_unit_community_for_secretary(
        request.user, int_or_none(request.POST.get("unit")), int_or_none(request.POST.get("community"))
    )
    form = forms.UnitLogForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(m) for errs in form.errors.values() for m in errs))
        return redirect(_back(unit.pk))
    kind = Category.objects.filter(
        pk=int_or_none(request.POST.get("kind")) or 0, kind=Category.Kind.ACTIVITY_TYPE
    ).first()
    return _step(
        request,
        lambda: services.record_log_unit(
            unit=unit,
            community=community,
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            content=form.cleaned_data["content"],
            kind=kind,
            by=request.user,
        ),
        ok=_("单位纪实已登记，待社区确认"),
        unit_id=unit.pk,
    )


@login_required
@require_POST
def commitment_make(request: AuthedHttpRequest) -> HttpResponse:
    unit, community = access.get_unit_community_for_secretary(
        request.user, int_or_none(request.POST.get("unit")), int_or_none(request.POST.get("community"))
    )
    return _step(
        request,
        lambda: services.commitment_make(
            unit=unit, community=community, text=request.POST.get("text", ""), by=request.user
        ),
        ok=_("承诺已公开，社区公示栏可见"),
        unit_id=unit.pk,
    )


@login_required
@require_POST
def commitment_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_commitment_for_change(request.user, pk)
    return _step(
        request,
        lambda: services.commitment_edit(commitment=c, text=request.POST.get("text", ""), by=request.user),
        ok=_("承诺已修改，社区公示栏同步更新"),
        unit_id=c.unit_id,
    )


@login_required
@require_POST
def commitment_withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_commitment_for_change(request.user, pk)
    return _step(
        request,
        lambda: services.commitment_withdraw(commitment=c, by=request.user),
        ok=_("承诺已撤回，不再在社区公示栏公开"),
        unit_id=c.unit_id,
    )


@login_required
@require_POST
def commitment_keep(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_commitment_for_keep(request.user, pk)
    return _step(
        request,
        lambda: services.commitment_keep(commitment=c, by=request.user, note=request.POST.get("note", "")),
        ok=_("已标记为兑现"),
        unit_id=c.unit_id,
    )


@login_required
@require_GET
def first_secretary(request: AuthedHttpRequest) -> HttpResponse:
    """A first secretary's year: weekly visits to the compound and trainings, against the rules."""
    member = access.get_member_for_service(request.user)
    year = timezone.localdate().year
    terms = FirstSecretaryTerm.objects.filter(member=member, ended_on__isnull=True).select_related("place")
    rows = [obligations.first_secretary_year(t, year) for t in terms]
    return render(request, "records/first_secretary.html", {"rows": rows, "year": year})
