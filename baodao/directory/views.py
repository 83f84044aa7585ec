"""Pages of master data. Thin: parse input, call a selector or one service, render."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.models import Actor, AuthedHttpRequest
from baodao.core.dates import window_error
from baodao.core.http import act, int_or_none, page_of
from baodao.directory import access, exports, scope, selectors, services
from baodao.directory.display import member_page_context, page_parts, show_member_pii, show_resident_pii
from baodao.directory.models import (
    Category,
    FirstSecretaryTerm,
    HeadAppointment,
    LeaderLink,
    Member,
    Place,
    Unit,
    WorkTeam,
    WorkTeamMembership,
)

PAGE_SIZE = 50
EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell


def _within(request: AuthedHttpRequest) -> Place | None:
    """Optional ?place= filter, itself scoped: a place out of scope is a 404."""
    pk = int_or_none(request.GET.get("place"))
    if pk is None:
        return None
    return get_object_or_404(selectors.places_for_user(request.user), pk=pk)


def _export(
    request: AuthedHttpRequest, name: str, headers: Sequence[object], rows_iter: Iterable[Sequence[object]]
) -> HttpResponseBase:
    return audited_xlsx_response(request, name=name, headers=headers, rows=rows_iter)


def _staff_only(request: AuthedHttpRequest) -> None:
    access.require_staff(request.user)


# --- places -------------------------------------------------------------------------------------


@login_required
@require_GET
def place_list(request: AuthedHttpRequest) -> HttpResponseBase:
    _staff_only(request)
    qs = selectors.places_for_user(
        request.user, q=request.GET.get("q", ""), kind=request.GET.get("kind", ""), within=_within(request)
    )
    if request.GET.get("export") == "xlsx":
        return _export(request, _("区域"), exports.PLACE_EXPORT_HEADERS, exports.place_export_rows(qs))
    searching = any(request.GET.get(k) for k in ("q", "kind", "place", "page", "view"))
    ctx: dict[str, object] = {"kinds": Place.Kind.choices, "searching": searching}
    if searching:  # what matches, flat, each with the names above it
        ctx["page"] = page = page_of(request, qs)
        selectors.show_path_labels(list(page.object_list))
    else:  # the tree: what the user sees at the top, one level open; deeper levels load when opened
        ctx["tree"] = selectors.place_tree(request.user)
    return render(request, "directory/place_list.html", ctx)


@login_required
@require_GET
def place_children(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    """One level of the place tree (htmx, when a node is opened)."""
    _staff_only(request)
    place = get_object_or_404(selectors.places_for_user(request.user), pk=pk)
    nodes = selectors.place_tree_children(request.user, place)
    return render(request, "directory/_place_tree.html", {"nodes": nodes})


_DATE_LABELS = {"start_on": gettext_lazy("开始日期"), "ended_on": gettext_lazy("结束日期")}


def _date(value: str | None, field: str) -> dt.date | None:
    """An optional YYYY-MM-DD from a form (empty means today, decided by the service), inside the
    window of dates that may be entered (core.dates)."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: _("日期格式应为 年-月-日，如 2025-03-01")}) from None
    error = window_error(day, str(_DATE_LABELS.get(field, field)))
    if error is not None:
        raise ValidationError({field: error})
    return day


@login_required
@require_GET
def place_detail(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    _staff_only(request)
    return _place_page(request, get_object_or_404(selectors.places_for_user(request.user), pk=pk))


def _place_page(request: AuthedHttpRequest, place: Place, errors: list[str] | None = None) -> HttpResponse:
    """The place page; also re-rendered (422, with `errors`) by the appointments posted from it."""
    user = request.user
    ancestors = list(selectors.places_for_user(user).filter(pk__in=place.ancestor_ids()[:-1]))
    ctx = {
        "place": place,
        "ancestors": ancestors,
        "children": selectors.place_children_stats(user, place),
        "appointments": selectors.place_appointments(user, place),
        "can_appoint": scope.can_manage_appointments(user, place),
        "can_link_leaders": place.kind == Place.Kind.COMMUNITY and scope.can_link_city_leaders(user, place),
        "head_kinds": [
            (k, HeadAppointment.Kind(k).label) for k, kinds in services.HEAD_PLACE_KINDS.items() if place.kind in kinds
        ],
        "first_secretary_place": place.kind in (Place.Kind.COMMUNITY, Place.Kind.COMPOUND, Place.Kind.GRID),
        "errors": errors,
    }
    return render(request, "directory/place_detail.html", ctx, status=422 if errors else 200)


def _place_post(
    request: AuthedHttpRequest, pk: int, allowed: Callable[[Actor, Place], Place], step: Callable[[Place], object]
) -> HttpResponse:
    """One appointment posted from a place page: the place among those seen (else 404), `allowed`
    asks access (403), `step` calls one service; saved → the page, refused → the page with 422."""
    _staff_only(request)
    place = allowed(request.user, get_object_or_404(selectors.places_for_user(request.user), pk=pk))
    return act(
        request,
        lambda: step(place),
        ok=_("已保存"),
        then=reverse("directory:place_detail", args=[place.pk]),
        refused=lambda errors: _place_page(request, place, errors),
    )


@login_required
@require_POST
def place_fs_appoint(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Appoint a first secretary (the one in office, if any, ends the day before)."""
    post = request.POST

    def appoint(place: Place) -> None:
        member = _picked_member(request)
        start_on = _date(post.get("start_on"), "start_on") or timezone.localdate()
        services.first_secretary_appoint(member=member, place=place, start_on=start_on)

    return _place_post(request, pk, access.get_place_for_appointments, appoint)


def _picked_member(request: AuthedHttpRequest) -> Member:
    """The member chosen from the picker's suggestions (member_id), or typed (member: a name, ID
    number or mobile that names one member in scope)."""
    picked = int_or_none(request.POST.get("member_id"))
    if picked is not None:
        found = selectors.members_for_user(request.user).filter(pk=picked).first()
        if found is None:
            raise ValidationError({"member": _("在您的管辖范围内未找到该党员")})
        return found
    return selectors.member_pick_for_user(request.user, request.POST.get("member", ""))


@login_required
@require_GET
def place_member_suggest(request: AuthedHttpRequest, pk: int) -> JsonResponse:
    """Suggestions for the appointment pickers of a place: in-service members in the user's scope."""
    _staff_only(request)
    access.get_place_for_appointments(request.user, get_object_or_404(selectors.places_for_user(request.user), pk=pk))
    q = request.GET.get("q", "").strip()
    if not q:
        return JsonResponse({"results": []})
    found = list(
        selectors.members_for_user(request.user, q=q, status=Member.Status.IN_SERVICE)[: selectors.SUGGESTIONS]
    )
    return JsonResponse(
        {"results": [{"id": m.pk, "label": f"{m.name} · {m.unit.name}", "code": m.residence.name} for m in found]}
    )


@login_required
@require_POST
def place_fs_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def end(place: Place) -> None:
        term = get_object_or_404(FirstSecretaryTerm, pk=int_or_none(request.POST.get("id")), place=place)
        services.first_secretary_end(term=term, on=_date(request.POST.get("ended_on"), "ended_on"))

    return _place_post(request, pk, access.get_place_for_appointments, end)


@login_required
@require_POST
def place_head_appoint(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Appoint a compound, building or household head (三长): a named person or a member."""
    post = request.POST

    def appoint(place: Place) -> None:
        chosen = post.get("member_id", "").strip() or post.get("member", "").strip()
        services.head_appoint(
            kind=post.get("kind", ""),
            place=place,
            person_name=post.get("person_name", ""),
            member=_picked_member(request) if chosen else None,
            start_on=_date(post.get("start_on"), "start_on"),
        )

    return _place_post(request, pk, access.get_place_for_appointments, appoint)


@login_required
@require_POST
def place_head_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def end(place: Place) -> None:
        head = get_object_or_404(HeadAppointment, pk=int_or_none(request.POST.get("id")), place=place)
        services.head_end(appointment=head, on=_date(request.POST.get("ended_on"), "ended_on"))

    return _place_post(request, pk, access.get_place_for_appointments, end)


@login_required
@require_POST
def place_leader_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Link a city leader to a community (city admins)."""
    post = request.POST

    def add(place: Place) -> None:
        services.leader_link_add(
            community=place,
            leader_name=post.get("leader_name", ""),
            title=post.get("title", ""),
            start_on=_date(post.get("start_on"), "start_on"),
        )

    return _place_post(request, pk, access.get_community_for_leader_links, add)


@login_required
@require_POST
def place_leader_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def end(place: Place) -> None:
        link = get_object_or_404(LeaderLink, pk=int_or_none(request.POST.get("id")), community=place)
        services.leader_link_end(link=link, on=_date(request.POST.get("ended_on"), "ended_on"))

    return _place_post(request, pk, access.get_community_for_leader_links, end)


# --- units --------------------------------------------------------------------------------------


@login_required
@require_GET
def unit_list(request: AuthedHttpRequest) -> HttpResponseBase:
    _staff_only(request)
    qs = selectors.units_for_user(
        request.user, q=request.GET.get("q", ""), kind=request.GET.get("kind", ""), community=_within(request)
    )
    if request.GET.get("export") == "xlsx":
        return _export(request, _("单位"), exports.UNIT_EXPORT_HEADERS, exports.unit_export_rows(qs))
    page = page_of(request, qs)
    counts = selectors.unit_member_counts(request.user, list(page.object_list))
    for u in page.object_list:
        u.member_count = counts.get(u.pk, 0)
    return render(request, "directory/unit_list.html", {"page": page, "kinds": Unit.Kind.choices})


@login_required
@require_GET
def unit_detail(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    _staff_only(request)
    return _unit_page(request, get_object_or_404(selectors.units_for_user(request.user), pk=pk))


def _unit_page(request: AuthedHttpRequest, unit: Unit, errors: list[str] | None = None) -> HttpResponse:
    """The unit page; also re-rendered (422, with `errors`) by the work-team changes posted from it."""
    ctx = {
        "unit": unit,
        "roles": WorkTeamMembership.Role.choices,
        "errors": errors,
        **selectors.unit_page(request.user, unit),
    }
    ctx["can_manage_teams"] = scope.can_manage_work_teams(request.user, unit)
    return render(request, "directory/unit_detail.html", ctx, status=422 if errors else 200)


def _unit_post(request: AuthedHttpRequest, pk: int, step: Callable[[Unit], object]) -> HttpResponse:
    """One work-team change posted from a unit page: seen (else 404), allowed (else 403), one
    service; saved → the page, refused → the page with 422."""
    _staff_only(request)
    unit = get_object_or_404(selectors.units_for_user(request.user), pk=pk)
    access.get_unit_for_work_teams(request.user, unit)
    return act(
        request,
        lambda: step(unit),
        ok=_("已保存"),
        then=reverse("directory:unit_detail", args=[unit.pk]),
        refused=lambda errors: _unit_page(request, unit, errors),
    )


@login_required
@require_POST
def unit_team_create(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Form the unit's work team for the community it is assigned to."""

    def create(unit: Unit) -> None:
        row = unit.assignments.filter(ended_on__isnull=True).select_related("community").first()
        if row is None:
            raise ValidationError(_("该单位尚未分配联系社区"))
        services.work_team_create(unit=unit, community=row.community, name=request.POST.get("name", ""))

    return _unit_post(request, pk, create)


@login_required
@require_POST
def unit_team_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Add one of the unit's members to one of its work teams."""
    post = request.POST

    def add(unit: Unit) -> None:
        team = get_object_or_404(WorkTeam, pk=int_or_none(post.get("team")), unit=unit)
        services.work_team_member_add(
            team=team,
            member=selectors.member_pick_for_user(request.user, post.get("member", ""), unit_id=unit.pk),
            role=post.get("role", WorkTeamMembership.Role.MEMBER),
            start_on=_date(post.get("start_on"), "start_on"),
        )

    return _unit_post(request, pk, add)


@login_required
@require_POST
def unit_team_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def end(unit: Unit) -> None:
        ms = get_object_or_404(WorkTeamMembership, pk=int_or_none(request.POST.get("id")), team__unit=unit)
        services.work_team_member_end(membership=ms, on=_date(request.POST.get("ended_on"), "ended_on"))

    return _unit_post(request, pk, end)


# --- members ------------------------------------------------------------------------------------


@login_required
@require_GET
def member_list(request: AuthedHttpRequest) -> HttpResponseBase:
    _staff_only(request)
    qs = selectors.members_for_user(
        request.user,
        q=request.GET.get("q", ""),
        unit_id=int_or_none(request.GET.get("unit")),
        status=request.GET.get("status", ""),
        within=_within(request),
    )
    if request.GET.get("export") == "xlsx":
        return _export(
            request, _("在职党员"), exports.MEMBER_EXPORT_HEADERS, exports.member_export_rows(qs, request.user)
        )
    page = page_of(request, qs)
    show_member_pii(request.user, page.object_list)
    return render(request, "directory/member_list.html", {"page": page, "statuses": Member.Status.choices})


@login_required
@require_GET
def member_detail(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    member = get_object_or_404(selectors.members_for_user(request.user), pk=pk)
    return render(request, "directory/member_detail.html", member_page_context(request.user, member))


# --- residents ----------------------------------------------------------------------------------


@login_required
@require_GET
def resident_list(request: AuthedHttpRequest) -> HttpResponseBase:
    _staff_only(request)
    qs = selectors.residents_for_user(
        request.user,
        q=request.GET.get("q", ""),
        group_id=int_or_none(request.GET.get("group")),
        within=_within(request),
    )
    if request.GET.get("export") == "xlsx":
        return _export(
            request, _("居民"), exports.RESIDENT_EXPORT_HEADERS, exports.resident_export_rows(qs, request.user)
        )
    page = page_of(request, qs)
    show_resident_pii(request.user, page.object_list)
    selectors.show_resident_groups(list(page.object_list))
    groups = selectors.active_categories(Category.Kind.SPECIAL_GROUP)
    return render(request, "directory/resident_list.html", {"page": page, "groups": groups})


@login_required
@require_GET
def resident_detail(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    resident = get_object_or_404(selectors.residents_for_user(request.user), pk=pk)
    show_resident_pii(request.user, [resident])
    groups = list(resident.special_groups.all()) if resident.pii_full else []
    return render(request, "directory/resident_detail.html", {"resident": resident, "groups": groups})


# --- rules and audit ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rule_list(request: AuthedHttpRequest) -> HttpResponse:
    city = access.get_city_for_rules(request.user)
    if request.method == "GET":
        return _rules_page(request, city)
    key = request.POST.get("key", "")
    return act(
        request,
        lambda: services.rule_set(key=key, value=_number(request.POST.get("value", "")), city=city),
        ok=_("规则已保存"),
        then=reverse("directory:rule_list"),
        refused=lambda errors: _rules_page(request, city, (key, "；".join(errors))),
    )


def _number(value: str) -> Decimal:
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("请输入数字")) from None


def _rules_page(request: AuthedHttpRequest, city: Place | None, error: tuple[str, str] | None = None) -> HttpResponse:
    """The city's rules, each with its value (its own or the default); a refused value (422) is
    named beside its key."""
    ctx = {
        "city": city,
        "rows": selectors.rules_of_city(city),
        "error": error,
        "parts": page_parts("rules", request.user),
    }
    return render(request, "directory/rule_list.html", ctx, status=422 if error else 200)


@login_required
@require_GET
def audit(request: AuthedHttpRequest) -> HttpResponseBase:
    access.require_audit_reader(request.user)
    tab = request.GET.get("tab", "security")
    qs = selectors.audit_entries_for_user(request.user, tab)
    if qs is None:
        raise Http404
    if request.GET.get("export") == "xlsx":
        # The entries of the page (same tab, same scope), all of them; the export is itself audited.
        if tab == "changes":
            return _export(request, _("审计日志-数据变更"), _audit_change_headers(), _audit_change_rows(qs))
        return _export(request, _("审计日志-登录与导出"), _audit_security_headers(), _audit_security_rows(qs))
    return render(request, "directory/audit.html", {"tab": tab, "page": page_of(request, qs)})


def _audit_time(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _audit_security_headers() -> list[str]:
    return [_("时间"), _("事件"), _("账号"), "IP", _("内容"), _("行数")]


def _audit_security_rows(qs: QuerySet) -> Iterator[list[object]]:
    for e in qs.iterator(chunk_size=2000):
        yield [_audit_time(e.created_at), e.get_kind_display(), e.username, e.ip_address or "", e.what, e.row_count]


def _audit_change_headers() -> list[str]:
    return [_("时间"), _("操作人"), _("对象"), _("操作"), _("变更")]


def _audit_change_rows(qs: QuerySet) -> Iterator[list[object]]:
    for e in qs.iterator(chunk_size=2000):
        changes = json.dumps(e.changes_dict, ensure_ascii=False)
        yield [
            _audit_time(e.timestamp),
            str(e.actor) if e.actor else "—",
            f"{e.content_type.name} · {e.object_repr}",
            e.get_action_display(),
            changes[:EXCEL_CELL_LIMIT],
        ]


@login_required
@require_http_methods(["GET", "POST"])
def category_list(request: AuthedHttpRequest) -> HttpResponse:
    access.require_category_editor(request.user)
    if request.method == "GET":
        return _categories_page(request)
    return act(
        request,
        lambda: _category_change(request.POST),
        ok=_("已保存"),
        then=reverse("directory:category_list"),
        refused=lambda errors: _categories_page(request, errors),
    )


def _category_change(post: QueryDict) -> None:
    """Switch a category on or off (`toggle`: its id), or add one (`kind`, `name`)."""
    if "toggle" in post:
        category = get_object_or_404(Category, pk=int_or_none(post.get("toggle")))
        services.category_set_active(category=category, active=not category.is_active)
    else:
        services.category_add(kind=post.get("kind", ""), name=post.get("name", ""))


def _categories_page(request: AuthedHttpRequest, errors: list[str] | None = None) -> HttpResponse:
    categories = selectors.all_categories()
    groups = [(label, [c for c in categories if c.kind == kind]) for kind, label in Category.Kind.choices]
    ctx = {"groups": groups, "kinds": Category.Kind.choices, "errors": errors or []}
    return render(request, "directory/category_list.html", ctx, status=422 if errors else 200)
