"""The community staff's pages (dense tables): the demand list by state, entering demands collected
offline, review (accept, reject, merge), suggestions and dispatch, unable, close; overdue items."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import add_service_errors, int_or_none, page_of, refusal
from baodao.directory import scope
from baodao.directory.importing.plan import FileProblem
from baodao.directory.models import Category, Member, Place
from baodao.needs import access, exports, forms, importing, selectors, services
from baodao.needs.models import Demand
from baodao.needs.views.common import Page, act, checks_similar, demand_context, demand_form, form_refused, photos_again

BATCH_MAX = 200
IMPORT_MAX_BYTES = 10 * 1024 * 1024
LEDGER_MAX = 100_000  # a community's ledger is hundreds of rows a year; a city's a few thousand


def _community(request: AuthedHttpRequest) -> tuple[list[Place], Place | None]:
    """The communities offered (at most CHOICES + 1, enough to know there are more) and the one chosen."""
    qs = selectors.communities_for_entry(request.user)
    pk = int_or_none(request.GET.get("community"))
    chosen = qs.filter(pk=pk).first() if pk else None
    return list(qs[: selectors.CHOICES + 1]), chosen


@login_required
@require_GET
def review(request: AuthedHttpRequest) -> HttpResponseBase:
    access.require_staff(request.user)
    communities, community = _community(request)
    status = request.GET.get("status", Demand.Status.PENDING)
    if status != "all" and not set(status.split(",")) <= set(Demand.Status.values):
        status = Demand.Status.PENDING
    # The figures page links here with an area, a channel, a category and a year collected.
    area = None
    if (area_pk := int_or_none(request.GET.get("area"))) is not None:
        area = get_object_or_404(scope.places_for_user(request.user), pk=area_pk)
    year = int_or_none(request.GET.get("year"))
    qs = selectors.staff_list(
        request.user,
        status="" if status == "all" else status,
        community=community,
        q=request.GET.get("q", "")[:60],
        area=area,
        channel=request.GET.get("channel", "")[:8],
        category_id=int_or_none(request.GET.get("category")),
    )
    if year:
        qs = qs.filter(created_at__year=year)
    if request.GET.get("export") == "xlsx":
        return _ledger_xlsx(request, qs, community)
    page = page_of(request, qs)
    rows = list(page.object_list)
    selectors.show_beneficiary(request.user, rows)
    counts = dict(
        selectors.staff_list(request.user, community=community).values_list("status").annotate(n=Count("id")).order_by()
    )
    tabs = [(value, label, counts.get(value, 0)) for value, label in Demand.Status.choices]
    return render(
        request,
        "needs/review.html",
        {
            "page": page,
            "demands": rows,
            "status": status,
            "tabs": tabs,
            "total": sum(counts.values()),
            "communities": communities,
            "community": community,
            "q": request.GET.get("q", ""),
            "area": area,
            "flagged_count": selectors.flagged_withdrawals_count(request.user, community=community),
        },
    )


def _ledger_xlsx(request: AuthedHttpRequest, qs: QuerySet[Demand], community: Place | None) -> HttpResponseBase:
    """The list as filtered, as the .xlsx ledger (the beneficiary masked as the viewer's scope decides)."""
    rows = list(qs.prefetch_related("claims__member", "claims__team", "claims__unit")[:LEDGER_MAX])
    selectors.show_beneficiary(request.user, rows)
    name = f"{community.name if community else ''}{_('服务清单台账')}"
    return audited_xlsx_response(
        request, name=name, headers=exports.LEDGER_HEADERS, rows=exports.ledger_rows(rows), what=_("服务清单台账")
    )


@login_required
@require_GET
def ledger_pdf(request: AuthedHttpRequest) -> HttpResponseBase:
    """The community's service list on A4 (no personal data), what the office pins up."""
    access.require_staff(request.user)
    communities, community = _community(request)
    if community is None:
        if len(communities) != 1:
            return redirect(f"{reverse('needs:review')}?status=all")
        community = communities[0]
    open_items, closed_items = selectors.pinned_items(community)
    response = HttpResponse(
        exports.service_list_pdf(community, open_items, closed_items), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="service-list-{community.code}.pdf"'
    return response


@login_required
@require_GET
def overdue(request: AuthedHttpRequest) -> HttpResponse:
    access.require_staff(request.user)
    communities, community = _community(request)
    qs = selectors.overdue_for_user(request.user, community=community)
    if (area_pk := int_or_none(request.GET.get("area"))) is not None:
        area = get_object_or_404(scope.places_for_user(request.user), pk=area_pk)
        qs = qs.filter(community__path__startswith=area.path)
    page = page_of(request, qs)
    return render(
        request,
        "needs/overdue.html",
        {
            "page": page,
            "demands": page.object_list,
            "communities": communities,
            "community": community,
            "rules": selectors.overdue_rules(community),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry(request: AuthedHttpRequest) -> HttpResponse:
    """Enter a demand collected by a door-knocking group, a WeChat group, a questionnaire, a street walk."""
    access.require_staff(request.user)
    communities, community = _community(request)
    if community is None:
        community = communities[0] if communities else None
    if community is None:
        return render(request, "needs/entry.html", {"communities": []})
    form = demand_form(forms.EntryForm, request, community=community)
    forms.hint_while_typing(form, f"{reverse('needs:similar')}?community={community.pk}")
    status = 200
    if request.method == "POST" and not checks_similar(request):
        if form.is_valid():
            data = form.cleaned_data
            try:
                d = services.demand_submit(
                    by=request.user,
                    community=community,
                    place=data["place"],
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    kind=data["kind"],
                    channel=data["channel"],
                    governance=data["governance"],
                    preferred_time=data["preferred_time"],
                    show_name=data["show_name"],
                    contact_name=data["contact_name"],
                    contact_mobile=data["contact_mobile"],
                    photos=data["photos"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("需求已录入"))
                return redirect("needs:manage", d.pk)
        status = 422
    text = request.POST.get("title", "")[:60] if request.method == "POST" else ""
    similar = selectors.similar_demands(community, text, include_unreviewed=True) if text.strip() else []
    return render(
        request,
        "needs/entry.html",
        {
            "form": form,
            "communities": communities,
            "community": community,
            "similar": similar,
            "checked": bool(text),
            "photos_again": photos_again(request),
        },
        status=status,
    )


def _render(request: AuthedHttpRequest, pk: int, errors: list[str] | None = None) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    ctx = demand_context(request.user, d)
    ctx["similar"] = selectors.similar_demands(
        d.community, d.title + d.description[:60], exclude=d.pk, include_unreviewed=True
    )
    ctx["suggestions"] = (
        selectors.suggestions(request.user, d) if d.status in Demand.CLAIMABLE + (Demand.Status.DISPATCHED,) else []
    )
    ctx["accept_form"] = forms.AcceptForm(initial={"size": d.size, "slots": d.slots, "category": d.category_id})
    ctx["category_form"] = forms.CategoryForm(initial={"category": d.category_id})
    # 并入 is offered only where the merge would be allowed (a compound's secretary: its own
    # compound) and for demands alike enough to be the same need (the service checks both too).
    ctx["merge_into"] = {
        s.demand.pk
        for s in ctx["similar"]
        if selectors.merge_similarity(d, s.demand) >= selectors.MERGE_MIN_SIMILARITY
        and access.may_merge_into(request.user, s.demand)
    }
    ctx["may_close"] = d.status == Demand.Status.DONE and access.may_close(request.user, d)
    ctx["reveals"] = selectors.reveals_of(d)
    ctx["revealed_claims"] = {r.claim_id for r in ctx["reveals"]}
    ctx["errors"] = errors or []
    return render(request, "needs/manage.html", ctx, status=422 if errors else 200)


@login_required
@require_GET
def manage(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _render(request, pk)


def _back(pk: int) -> str:
    return reverse("needs:manage", args=[pk])


def _page(request: AuthedHttpRequest, pk: int) -> Page:
    return lambda errors: _render(request, pk, errors)


@login_required
@require_POST
def accept(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    form = forms.AcceptForm(request.POST)
    if not form.is_valid():
        return form_refused(form, _page(request, pk))
    data = form.cleaned_data
    return act(
        request,
        lambda: services.demand_accept(
            demand=d, by=request.user, size=data["size"], slots=data["slots"], category=data["category"]
        ),
        ok=_("已受理并发布到服务清单"),
        back=_back(pk),
        page=_page(request, pk),
    )


@login_required
@require_POST
def reject(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        return form_refused(form, _page(request, pk))
    return act(
        request,
        lambda: services.demand_reject(demand=d, by=request.user, reason=form.cleaned_data["reason"]),
        ok=_("已告知居民不予受理的原因"),
        back=_back(pk),
        page=_page(request, pk),
    )


@login_required
@require_POST
def merge(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        return form_refused(form, _page(request, pk))
    into = access.get_demand_for_merge_into(request.user, d, form.cleaned_data["into"])
    return act(
        request,
        lambda: services.demand_merge(demand=d, into=into, by=request.user),
        ok=_("已合并"),
        back=_back(into.pk),
        page=_page(request, pk),
    )


@login_required
@require_POST
def recategorize(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    form = forms.CategoryForm(request.POST)
    if not form.is_valid():
        return form_refused(form, _page(request, pk))
    category = form.cleaned_data["category"]
    return act(
        request,
        lambda: services.demand_recategorize(demand=d, category=category, by=request.user),
        ok=_("类别已改为“%(c)s”") % {"c": category.name},
        back=_back(pk),
        page=_page(request, pk),
    )


@login_required
@require_POST
def dispatch(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """派单 to a suggested party (party + party_id) or to one chosen in the picker (`pick`, or the
    name typed without script): only the item's candidates in the user's scope; another id is a 404."""
    d = access.get_demand_for_review(request.user, pk)
    if "pick" in request.POST or "pick_text" in request.POST:
        try:
            party = access.get_dispatch_pick(
                request.user, d, pick=request.POST.get("pick", ""), text=request.POST.get("pick_text", "")
            )
        except PermissionDenied as exc:
            return _page(request, pk)([str(exc)])
    else:
        form = forms.DispatchForm(request.POST)
        if not form.is_valid():
            return form_refused(form, _page(request, pk))
        party = access.get_dispatch_party(
            request.user, d, party=form.cleaned_data["party"], party_id=form.cleaned_data["party_id"]
        )
    return act(
        request,
        lambda: services.item_dispatch(demand=d, party=party, by=request.user),
        ok=_("已派单给 %(p)s") % {"p": party},
        back=_back(pk),
        page=_page(request, pk),
    )


@login_required
@require_GET
def dispatch_suggest(request: AuthedHttpRequest, pk: int) -> JsonResponse:
    """The dispatch picker's suggestions: the item's candidates whose name contains `q`."""
    d = access.get_demand_for_review(request.user, pk)
    return JsonResponse({"results": access.dispatch_choices(request.user, d, request.GET.get("q", ""))})


@login_required
@require_POST
def unable(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        return form_refused(form, _page(request, pk))
    return act(
        request,
        lambda: services.item_unable(demand=d, by=request.user, reason=form.cleaned_data["reason"]),
        ok=_("已标记为无法办理，并告知居民原因"),
        back=_back(pk),
        page=_page(request, pk),
    )


@login_required
@require_POST
def close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_close(request.user, pk)
    return act(
        request,
        lambda: services.item_close(demand=d, by=request.user),
        ok=_("已销号"),
        back=_back(pk),
        page=_page(request, pk),
    )


@login_required
@require_GET
def supply(request: AuthedHttpRequest) -> HttpResponse:
    """The supply list (供给清单): the units and members the community can draw on, searchable."""
    access.require_staff(request.user)
    communities, community = _community(request)
    community = community or (communities[0] if communities else None)
    category = Category.objects.filter(
        kind=Category.Kind.INTENTION, pk=int_or_none(request.GET.get("category")) or 0
    ).first()
    q = request.GET.get("q", "").strip()[:30]
    units, members = selectors.supply(community, q=q, category=category) if community else ([], Member.objects.none())
    page = page_of(request, members)
    categories = Category.objects.filter(kind=Category.Kind.INTENTION, is_active=True).order_by("sort_order", "id")
    return render(
        request,
        "needs/supply.html",
        {
            "communities": communities,
            "community": community,
            "units": units,
            "members": selectors.member_supply_rows(page.object_list),
            "page": page,
            "q": q,
            "category": category,
            "categories": categories,
        },
    )


@login_required
@require_GET
def contact_readings(request: AuthedHttpRequest) -> HttpResponse:
    """Who read which beneficiary's contact and when (查看联系方式), on the items of the communities
    the user works on; `?flagged=1` keeps the claims withdrawn after the reading."""
    access.require_reveals_viewer(request.user)
    communities, community = _community(request)
    flagged = request.GET.get("flagged") == "1"
    page = page_of(request, selectors.reveals_for_user(request.user, community=community, flagged=flagged))
    return render(
        request,
        "needs/contact_readings.html",
        {
            "page": page,
            "reveals": list(page.object_list),
            "flagged": flagged,
            "flagged_count": selectors.flagged_withdrawals_count(request.user, community=community),
            "communities": communities,
            "community": community,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_demands(request: AuthedHttpRequest) -> HttpResponse:
    """Import demands collected offline from the .xlsx template: all rows or none, each bad cell
    named with its row number."""
    access.require_staff(request.user)
    communities, community = _community(request)
    community = community or (communities[0] if communities else None)
    ctx: dict[str, object] = {"communities": communities, "community": community, "columns": importing.COLUMNS}
    if community is None:
        return render(request, "needs/import.html", ctx)
    if request.GET.get("template"):
        response = HttpResponse(
            importing.template_xlsx(community),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="demands-template-{community.code}.xlsx"'
        return response
    if request.method == "POST":
        upload = request.FILES.get("file")
        problem = ""
        if upload is None:
            problem = _("请选择要导入的 .xlsx 文件")
        elif (upload.size or 0) > IMPORT_MAX_BYTES:
            problem = _("文件太大：不超过 %(mb)s MB") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)}
        else:
            try:
                outcome = importing.demands_import(file=upload, community=community, by=request.user)
            except FileProblem as exc:
                problem = exc.message
            else:
                if not outcome.errors:
                    messages.success(request, _("已导入 %(n)s 条需求，待审核") % {"n": outcome.created})
                    return redirect(f"{reverse('needs:review')}?community={community.pk}")
                ctx.update({"errors": outcome.errors, "rows": outcome.rows})
        ctx["problem"] = problem
        return render(request, "needs/import.html", ctx, status=422)
    return render(request, "needs/import.html", ctx)


def _batch(
    request: AuthedHttpRequest, get: Callable[[int], Demand], step: Callable[[Demand], object], done: str
) -> HttpResponse:
    """Run one step on every ticked demand, each in its own transaction: those refused (someone
    decided one meanwhile, or it is not the user's) are named, the others go through."""
    access.require_staff(request.user)
    ids = [pk for pk in (int_or_none(v) for v in request.POST.getlist("demand")) if pk][:BATCH_MAX]
    back = request.POST.get("back", "")
    back = back if back.startswith("/needs/staff/") else reverse("needs:review")
    if not ids:
        messages.error(request, _("请先勾选需求"))
        return redirect(back)
    ok, refused = 0, []
    for pk in ids:
        try:
            step(get(pk))
            ok += 1
        except (ValidationError, PermissionDenied, Http404) as exc:
            refused.append(_("需求 #%(pk)s：%(why)s") % {"pk": pk, "why": refusal(exc)})
    messages.success(request, done % {"n": ok})
    if refused:
        messages.error(request, _("未处理：%(r)s") % {"r": "；".join(refused)})
    return redirect(back)


@login_required
@require_POST
def accept_many(request: AuthedHttpRequest) -> HttpResponse:
    """受理所选: each as an individual item with one slot (the size is changed on its page)."""
    return _batch(
        request,
        lambda pk: access.get_demand_for_review(request.user, pk),
        lambda d: services.demand_accept(demand=d, by=request.user, size=Demand.Size.PERSON, slots=1),
        _("已受理并发布 %(n)s 条"),
    )


@login_required
@require_POST
def close_many(request: AuthedHttpRequest) -> HttpResponse:
    """销号所选: the community's staff close the done items they ticked."""
    return _batch(
        request,
        lambda pk: access.get_demand_for_close(request.user, pk),
        lambda d: services.item_close(demand=d, by=request.user),
        _("已销号 %(n)s 条"),
    )
