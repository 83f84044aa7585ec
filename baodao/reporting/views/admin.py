"""Admins' pages of 双报到: assigning units to communities, the commitment text, and the dynamic
management of a member (move, status, leave the unit) posted from the member page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act, int_or_none
from baodao.directory import selectors as directory_selectors
from baodao.directory.display import member_page_context
from baodao.directory.models import Member, Place, Unit
from baodao.directory.selectors import city_of
from baodao.reporting import access, forms, selectors, services
from baodao.reporting.views.common import functions_form_of, unit_functions_post

ASSIGN_PAGE_SIZE = 100


# --- assignment ----------------------------------------------------------------------------------


@login_required
@require_GET
def assign_list(request: AuthedHttpRequest) -> HttpResponse:
    units = access.assignable_units(request.user, q=request.GET.get("q", ""))
    page = Paginator(units, ASSIGN_PAGE_SIZE).get_page(request.GET.get("page"))
    current = selectors.current_assignments_of(list(page.object_list))
    rows = [(u, current.get(u.pk)) for u in page.object_list]
    return render(request, "reporting/assign_list.html", {"rows": rows, "page": page, "no_export": True})


@login_required
@require_http_methods(["GET", "POST"])
def assign_unit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(selectors.units_for_assignment(request.user), pk=pk)
    if request.method == "GET":
        return _assign_page(request, unit)
    candidates = selectors.assignment_candidates(request.user, unit)
    wanted = int_or_none(request.POST.get("community"))
    community = next((c.community for c in candidates if c.community.pk == wanted), None)
    if community is None:
        return _assign_page(request, unit, error=_("请选择一个社区"))
    return act(
        request,
        lambda: services.unit_assign(
            unit=unit, community=community, by=request.user, note=request.POST.get("note", "")
        ),
        ok=_("已将 %(u)s 分配到 %(c)s") % {"u": unit.name, "c": community.name},
        then=reverse("reporting:assign_list"),
        refused=lambda errors: _assign_page(request, unit, error="；".join(errors)),
    )


@login_required
@require_POST
def assign_unit_functions(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The assigning admin sets a unit's functions, which the community matching reads."""
    unit = get_object_or_404(selectors.units_for_assignment(request.user), pk=pk)
    return unit_functions_post(
        request,
        unit,
        then=reverse("reporting:assign_unit", args=[unit.pk]),
        page=lambda form: _assign_page(request, unit, functions_form=form),
    )


def _assign_page(
    request: AuthedHttpRequest,
    unit: Unit,
    *,
    error: str | None = None,
    functions_form: forms.UnitFunctionsForm | None = None,
) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    # Filtered here without script; with it, static/js/baodao.js filters the rows as one types.
    candidates = selectors.assignment_candidates(request.user, unit, q=q)
    ctx = {"unit": unit, "q": q, "candidates": candidates, "functions": selectors.unit_functions(unit), "error": error}
    ctx["functions_form"] = functions_form or functions_form_of(unit)
    ctx["history"] = unit.assignments.select_related("community").order_by("-start_on", "-id")
    return render(request, "reporting/assign_unit.html", ctx, status=422 if error or functions_form else 200)


# --- the commitment text -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def commitment(request: AuthedHttpRequest) -> HttpResponse:
    """The city admin edits the city's 服务承诺书 (new reports sign it; old ones keep theirs)."""
    city = access.get_city_for_commitment(request.user)
    row = selectors.commitment_template_of(city)
    form = forms.CommitmentForm(
        request.POST if request.method == "POST" else None,
        initial={"text": row.text if row else services.DEFAULT_COMMITMENT},
    )
    ctx = {"city": city, "form": form, "custom": row is not None, "preview": services.commitment_text(city=city)}
    return act(
        request,
        lambda: services.commitment_template_set(city=city, text=form.cleaned_data["text"], by=request.user),
        form=form,
        ok=_("服务承诺书已保存"),
        then=reverse("reporting:commitment"),
        refused=lambda errors: render(request, "reporting/commitment.html", ctx, status=422 if errors else 200),
    )


@login_required
@require_POST
def commitment_reset(request: AuthedHttpRequest) -> HttpResponse:
    """Back to the default text (the city's own row goes; reports already signed keep theirs)."""
    city = access.get_city_for_commitment(request.user)
    services.commitment_template_set(city=city, text=None, by=request.user)
    messages.success(request, _("已恢复默认服务承诺书"))
    return redirect("reporting:commitment")


# --- dynamic management (动态管理), posted from the member page ------------------------------------


@login_required
@require_POST
def member_move(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Moving house: the report follows the member to the new community (or stays, if the same).

    The new residence is picked from suggestions (its id); typed without picking, a name or code
    that names exactly one compound or building of the city is taken too."""
    member = access.get_member_for_management(request.user, pk)

    def move() -> str:
        residence = _residence_picked(member, request.POST)
        before = selectors.active_report_of(member)
        report = services.member_move(member=member, residence=residence, by=request.user)
        note = _("已迁居至 %(p)s") % {"p": residence.name}
        if report is not None and before is not None and report.pk == before.pk:
            note += _("，仍在 %(c)s 报到，无需社区重新确认") % {"c": report.community.name}
        elif report is not None:
            note += _("，报到已转至 %(c)s 待确认") % {"c": report.community.name}
        return note

    return _managed(request, member, move)


def _residence_picked(member: Member, post: QueryDict) -> Place:
    """The new residence, anywhere in the member's city (not only within the manager's area):
    picked by id among the city's compounds and buildings, or typed as what names exactly one."""
    city = city_of(member.residence)
    picked = int_or_none(post.get("residence"))
    typed = post.get("residence_text", "") or post.get("residence_code", "")
    if picked is not None:
        residence = directory_selectors.residence_in_city(city, picked)
    else:
        residence = directory_selectors.pick_one(directory_selectors.residences_in_city(city, typed), typed)
    if residence is not None:
        return residence
    if typed.strip():
        raise ValidationError(_("没有唯一对应“%(c)s”的小区或楼栋，请从输入框下方的建议中选择") % {"c": typed.strip()})
    raise ValidationError(_("请选择新居住的小区或楼栋"))


@login_required
@require_POST
def member_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Retired, transferred out, left: the status ends the member's report."""
    member = access.get_member_for_management(request.user, pk)

    def set_status() -> str:
        services.member_set_status(member=member, status=request.POST.get("status", ""), by=request.user)
        return _("状态已更新为 %(s)s") % {"s": member.get_status_display()}

    return _managed(request, member, set_status)


@login_required
@require_POST
def member_leave(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Leaving for another unit of the city: the report ends and the new unit issues a certificate."""
    member = access.get_member_for_management(request.user, pk)

    def leave() -> str:
        unit, party_org = services.member_leave_unit_by_code(
            member=member,
            unit_code=_unit_code_picked(member, request.POST),
            party_org_name=request.POST.get("party_org_name", ""),
            by=request.user,
        )
        return _("已调至 %(u)s %(o)s，原报到已结束，请新单位签发报到证") % {"u": unit.name, "o": party_org.name}

    return _managed(request, member, leave)


def _unit_code_picked(member: Member, post: QueryDict) -> str:
    """The code of the unit the member leaves for: picked by id among the units the picker offers
    (active, in the member's city: the id of one elsewhere reads as none chosen — the refusal must
    not echo another city's unit code), or typed as what names exactly one."""
    city = city_of(member.residence)
    unit_code = post.get("unit_text", "") or post.get("unit_code", "")
    picked = int_or_none(post.get("unit"))
    if picked is not None:
        unit = directory_selectors.unit_in_city(city, picked)
        unit_code = unit.code if unit is not None else ""
    else:
        found = directory_selectors.pick_one(directory_selectors.units_in_city(city, unit_code), unit_code)
        if found is None and unit_code.strip():
            raise ValidationError(_("没有唯一对应“%(c)s”的单位，请从输入框下方的建议中选择") % {"c": unit_code.strip()})
        unit_code = found.code if found is not None else ""
    if not unit_code.strip():
        raise ValidationError(_("请选择调往的单位"))
    return unit_code


@login_required
@require_GET
def member_move_suggest(request: AuthedHttpRequest, pk: int) -> JsonResponse:
    """Suggestions for the move's picker: compounds and buildings of the member's city."""
    member = access.get_member_for_management(request.user, pk)
    found = directory_selectors.residences_in_city(city_of(member.residence), request.GET.get("q", ""))
    labels = directory_selectors.place_labels(found)
    return JsonResponse({"results": [{"id": p.pk, "label": labels[p.pk], "code": p.code} for p in found]})


@login_required
@require_GET
def member_leave_suggest(request: AuthedHttpRequest, pk: int) -> JsonResponse:
    """Suggestions for the new unit's picker: active units of the member's city."""
    member = access.get_member_for_management(request.user, pk)
    found = directory_selectors.units_in_city(city_of(member.residence), request.GET.get("q", ""))
    return JsonResponse({"results": [{"id": u.pk, "label": u.name, "code": u.code} for u in found]})


def _managed(request: AuthedHttpRequest, member: Member, step: Callable[[], str]) -> HttpResponse:
    """Run one management service: back to the member page saying what changed, or the page
    again (422) saying why not."""
    return act(
        request,
        step,
        ok=lambda note: note,
        then=reverse("directory:member_detail", args=[member.pk]),
        refused=lambda errors: _member_page(request, member, errors),
    )


def _member_page(request: AuthedHttpRequest, member: Member, errors: list[str]) -> HttpResponse:
    """The member page re-rendered (422) after a refused action, with why as a flashed error."""
    messages.error(request, "；".join(errors))
    return render(request, "directory/member_detail.html", member_page_context(request.user, member), status=422)
