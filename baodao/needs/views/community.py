"""The community staff's pages (dense tables): the demand list by state, entering demands collected
offline, review (accept, reject, merge), suggestions and dispatch, unable, close; overdue items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.exports import audited_xlsx_response
from baodao.accounts.models import Actor, AuthedHttpRequest
from baodao.core.http import act, int_or_none, page_of, refusal
from baodao.directory import scope
from baodao.directory import selectors as directory_selectors
from baodao.directory.importing.plan import FileProblem
from baodao.directory.models import Category, Place
from baodao.needs import access, exports, forms, importing, selectors, services
from baodao.needs.access import Party
from baodao.needs.models import Demand
from baodao.needs.views.common import Page, checks_similar, demand_context, demand_form, photos_again, submit_demand

BATCH_MAX = 200
IMPORT_MAX_BYTES = 10 * 1024 * 1024
LEDGER_MAX = 100_000  # a community's ledger is hundreds of rows a year; a city's a few thousand


@dataclass(frozen=True)
class Desk:
    """The communities a staff page offers (at most CHOICES + 1, enough to know there are more)
    and the one chosen (`?community=`), if any."""

    communities: list[Place]
    community: Place | None

    def context(self, **more: object) -> dict[str, object]:
        return {"communities": self.communities, "community": self.community, **more}


def _desk(request: AuthedHttpRequest, *, first: bool = False) -> Desk:
    """The staff page's communities; `first`: the first of them when none is chosen."""
    qs = selectors.communities_for_entry(request.user)
    pk = int_or_none(request.GET.get("community"))
    communities, community = list(qs[: selectors.CHOICES + 1]), qs.filter(pk=pk).first() if pk else None
    return Desk(communities, community or (communities[0] if first and communities else None))


@login_required
@require_GET
def review(request: AuthedHttpRequest) -> HttpResponseBase:
    access.require_staff(request.user)
    desk = _desk(request)
    status = _status_asked(request.GET.get("status", Demand.Status.PENDING))
    # The figures page links here with an area, a channel, a category and a year collected.
    area = _area_asked(request)
    qs = _review_list(request.user, request.GET, status=status, community=desk.community, area=area)
    if request.GET.get("export") == "xlsx":
        return _ledger_xlsx(request, qs, desk.community)
    page = page_of(request, qs)
    rows = list(page.object_list)
    selectors.show_beneficiary(request.user, rows)
    ctx = desk.context(page=page, demands=rows, status=status, q=request.GET.get("q", ""), area=area)
    return render(request, "needs/review.html", {**ctx, **_tabs(request.user, desk.community)})


def _review_list(
    user: Actor, query: QueryDict, *, status: str, community: Place | None, area: Place | None
) -> QuerySet[Demand]:
    """The review list as the query string filters it: state, words, channel, category, year collected."""
    qs = selectors.staff_list(
        user,
        status="" if status == "all" else status,
        community=community,
        q=query.get("q", "")[:60],
        area=area,
        channel=query.get("channel", "")[:8],
        category_id=int_or_none(query.get("category")),
    )
    year = int_or_none(query.get("year"))
    return qs.filter(created_at__year=year) if year else qs


def _status_asked(status: str) -> str:
    """`all`, or one or more of the demand's states (comma-separated); anything else: pending."""
    if status != "all" and not set(status.split(",")) <= set(Demand.Status.values):
        return Demand.Status.PENDING
    return status


def _area_asked(request: AuthedHttpRequest) -> Place | None:
    """The optional `?area=` narrowing a list, among the places the user sees (else 404)."""
    if (area_pk := int_or_none(request.GET.get("area"))) is None:
        return None
    return get_object_or_404(scope.places_for_user(request.user), pk=area_pk)


def _tabs(user: Actor, community: Place | None) -> dict[str, object]:
    """The review list's tabs: each state with how many demands are in it, the total, and how many
    claims were withdrawn after their contact was read."""
    counts = dict(
        selectors.staff_list(user, community=community).values_list("status").annotate(n=Count("id")).order_by()
    )
    tabs = [(value, label, counts.get(value, 0)) for value, label in Demand.Status.choices]
    flagged = selectors.flagged_withdrawals_count(user, community=community)
    return {"tabs": tabs, "total": sum(counts.values()), "flagged_count": flagged}


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
    desk = _desk(request)
    if desk.community is None and len(desk.communities) != 1:
        return redirect(f"{reverse('needs:review')}?status=all")
    community = desk.community or desk.communities[0]
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
    desk = _desk(request)
    qs = selectors.overdue_for_user(request.user, community=desk.community)
    if (area := _area_asked(request)) is not None:
        qs = qs.filter(community__path__startswith=area.path)
    page = page_of(request, qs)
    ctx = desk.context(page=page, demands=page.object_list, rules=selectors.overdue_rules(desk.community))
    return render(request, "needs/overdue.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def entry(request: AuthedHttpRequest) -> HttpResponse:
    """Enter a demand collected by a door-knocking group, a WeChat group, a questionnaire, a street walk."""
    access.require_staff(request.user)
    desk = _desk(request, first=True)
    if (community := desk.community) is None:
        return render(request, "needs/entry.html", {"communities": []})
    hint = f"{reverse('needs:similar')}?community={community.pk}"
    form = demand_form(forms.EntryForm, request, community=community, hint=hint)
    if request.method == "POST" and not checks_similar(request):
        return act(
            request,
            lambda: submit_demand(form, by=request.user, community=community),
            form=form,
            ok=_("需求已录入"),
            then=lambda d: reverse("needs:manage", args=[d.pk]),
            refused=lambda _errors: _entry_page(request, form, desk, status=422),
        )
    return _entry_page(request, form, desk)


def _entry_page(request: AuthedHttpRequest, form: forms.DemandForm, desk: Desk, status: int = 200) -> HttpResponse:
    """The entry form (again, with its errors: 422), and the demands like the title typed."""
    assert desk.community is not None  # the page asks for one first
    text = request.POST.get("title", "")[:60] if request.method == "POST" else ""
    ctx = desk.context(form=form, checked=bool(text))
    ctx["similar"] = selectors.similar_demands(desk.community, text, include_unreviewed=True) if text.strip() else []
    ctx["photos_again"] = photos_again(request)
    return render(request, "needs/entry.html", ctx, status=status)


def _render(request: AuthedHttpRequest, pk: int, errors: list[str] | None = None) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    ctx = {**demand_context(request.user, d), **_review_context(request.user, d), "errors": errors or []}
    return render(request, "needs/manage.html", ctx, status=422 if errors else 200)


def _review_context(user: Actor, d: Demand) -> dict[str, object]:
    """What the reviewer's page offers beside the demand: the demands like it (and those it may be
    merged into), the parties suggested, the forms, whether it may be closed, who read the contact."""
    similar = selectors.similar_demands(
        d.community, d.title + d.description[:60], exclude=d.pk, include_unreviewed=True
    )
    reveals = selectors.reveals_of(d)
    return {
        "similar": similar,
        "suggestions": selectors.suggestions(user, d)
        if d.status in (*Demand.CLAIMABLE, Demand.Status.DISPATCHED)
        else [],
        "accept_form": forms.AcceptForm(initial={"size": d.size, "slots": d.slots, "category": d.category_id}),
        "category_form": forms.CategoryForm(initial={"category": d.category_id}),
        # 并入 is offered only where the merge would be allowed (a compound's secretary: its own
        # compound) and for demands alike enough to be the same need (the service checks both too).
        "merge_into": {
            s.demand.pk
            for s in similar
            if selectors.merge_similarity(d, s.demand) >= selectors.MERGE_MIN_SIMILARITY
            and access.may_merge_into(user, s.demand)
        },
        "may_close": d.status == Demand.Status.DONE and access.may_close(user, d),
        "reveals": reveals,
        "revealed_claims": {r.claim_id for r in reveals},
    }


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
    return act(
        request,
        lambda: services.demand_accept(demand=d, by=request.user, **form.cleaned_data),
        form=form,
        ok=_("已受理并发布到服务清单"),
        then=_back(pk),
        refused=_page(request, pk),
    )


@login_required
@require_POST
def reject(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    form = forms.ReasonForm(request.POST)
    return act(
        request,
        lambda: services.demand_reject(demand=d, by=request.user, reason=form.cleaned_data["reason"]),
        form=form,
        ok=_("已告知居民不予受理的原因"),
        then=_back(pk),
        refused=_page(request, pk),
    )


@login_required
@require_POST
def merge(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    form = forms.MergeForm(request.POST)

    def run() -> Demand:
        into = access.get_demand_for_merge_into(request.user, d, form.cleaned_data["into"])
        services.demand_merge(demand=d, into=into, by=request.user)
        return into

    return act(request, run, form=form, ok=_("已合并"), then=lambda into: _back(into.pk), refused=_page(request, pk))


@login_required
@require_POST
def recategorize(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_review(request.user, pk)
    form = forms.CategoryForm(request.POST)
    return act(
        request,
        lambda: services.demand_recategorize(demand=d, category=form.cleaned_data["category"], by=request.user),
        form=form,
        ok=lambda _r: _("类别已改为“%(c)s”") % {"c": form.cleaned_data["category"].name},
        then=_back(pk),
        refused=_page(request, pk),
    )


@login_required
@require_POST
def dispatch(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """派单 to a suggested party (party + party_id) or to one chosen in the picker (`pick`, or the
    name typed without script): only the item's candidates in the user's scope; another id is a 404."""
    d = access.get_demand_for_review(request.user, pk)
    picked = "pick" in request.POST or "pick_text" in request.POST
    form = None if picked else forms.DispatchForm(request.POST)

    def run() -> Party:
        party = _picked_party(request, d) if form is None else _party(request, d, form.cleaned_data)
        services.item_dispatch(demand=d, party=party, by=request.user)
        return party

    return act(
        request,
        run,
        form=form,
        ok=lambda party: _("已派单给 %(p)s") % {"p": party},
        then=_back(pk),
        refused=_page(request, pk),
    )


def _picked_party(request: AuthedHttpRequest, d: Demand) -> Party:
    """The party chosen in the picker; one not among the item's candidates is said on the page."""
    try:
        return access.get_dispatch_pick(
            request.user, d, pick=request.POST.get("pick", ""), text=request.POST.get("pick_text", "")
        )
    except PermissionDenied as exc:
        raise ValidationError(str(exc)) from exc


def _party(request: AuthedHttpRequest, d: Demand, data: dict[str, Any]) -> Party:
    return access.get_dispatch_party(request.user, d, party=data["party"], party_id=data["party_id"])


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
    return act(
        request,
        lambda: services.item_unable(demand=d, by=request.user, reason=form.cleaned_data["reason"]),
        form=form,
        ok=_("已标记为无法办理，并告知居民原因"),
        then=_back(pk),
        refused=_page(request, pk),
    )


@login_required
@require_POST
def close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    d = access.get_demand_for_close(request.user, pk)
    return act(
        request,
        lambda: services.item_close(demand=d, by=request.user),
        ok=_("已销号"),
        then=_back(pk),
        refused=_page(request, pk),
    )


@login_required
@require_GET
def supply(request: AuthedHttpRequest) -> HttpResponse:
    """The supply list (供给清单): the units and members the community can draw on, searchable."""
    access.require_staff(request.user)
    desk = _desk(request, first=True)
    category = directory_selectors.category_of(Category.Kind.INTENTION, int_or_none(request.GET.get("category")))
    q = request.GET.get("q", "").strip()[:30]
    units, members = selectors.supply(desk.community, q=q, category=category) if desk.community else ([], [])
    page = page_of(request, members)
    ctx = desk.context(units=units, members=selectors.member_supply_rows(page.object_list), page=page, q=q)
    ctx |= {"category": category, "categories": directory_selectors.active_categories(Category.Kind.INTENTION)}
    return render(request, "needs/supply.html", ctx)


@login_required
@require_GET
def contact_readings(request: AuthedHttpRequest) -> HttpResponse:
    """Who read which beneficiary's contact and when (查看联系方式), on the items of the communities
    the user works on; `?flagged=1` keeps the claims withdrawn after the reading."""
    access.require_reveals_viewer(request.user)
    desk = _desk(request)
    flagged = request.GET.get("flagged") == "1"
    page = page_of(request, selectors.reveals_for_user(request.user, community=desk.community, flagged=flagged))
    ctx = desk.context(page=page, reveals=list(page.object_list), flagged=flagged)
    ctx["flagged_count"] = selectors.flagged_withdrawals_count(request.user, community=desk.community)
    return render(request, "needs/contact_readings.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def import_demands(request: AuthedHttpRequest) -> HttpResponse:
    """Import demands collected offline from the .xlsx template: all rows or none, each bad cell
    named with its row number."""
    access.require_staff(request.user)
    desk = _desk(request, first=True)
    community, ctx = desk.community, desk.context(columns=importing.COLUMNS)
    if community is not None and request.GET.get("template"):
        return _import_template(community)
    if community is None or request.method == "GET":
        return render(request, "needs/import.html", ctx)
    failed: dict[str, object] = {}  # the file's bad cells, for the table
    return act(
        request,
        lambda: _import_file(request, community, failed),
        ok=lambda n: _("已导入 %(n)s 条需求，待审核") % {"n": n},
        then=f"{reverse('needs:review')}?community={community.pk}",
        refused=lambda errors: render(
            request, "needs/import.html", {**ctx, **failed, "problem": "" if failed else errors[0]}, status=422
        ),
    )


def _import_template(community: Place) -> HttpResponse:
    response = HttpResponse(
        importing.template_xlsx(community),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="demands-template-{community.code}.xlsx"'
    return response


def _import_file(request: AuthedHttpRequest, community: Place, failed: dict[str, object]) -> int:
    """The uploaded file imported whole (how many demands), or refused: no file, too large, a file
    that is not the template, or rows with errors (put in `failed`: each cell and why)."""
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError(_("请选择要导入的 .xlsx 文件"))
    if (upload.size or 0) > IMPORT_MAX_BYTES:
        raise ValidationError(_("文件太大：不超过 %(mb)s MB") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)})
    try:
        outcome = importing.demands_import(file=upload, community=community, by=request.user)
    except FileProblem as exc:
        raise ValidationError(exc.message) from exc
    if outcome.errors:
        failed.update(errors=outcome.errors, rows=outcome.rows)
        raise ValidationError(_("整份文件未导入"))
    return outcome.created


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
    ok, refused = _each(ids, get, step)
    messages.success(request, done % {"n": ok})
    if refused:
        messages.error(request, _("未处理：%(r)s") % {"r": "；".join(refused)})
    return redirect(back)


def _each(ids: list[int], get: Callable[[int], Demand], step: Callable[[Demand], object]) -> tuple[int, list[str]]:
    """How many of the demands the step went through for, and why each other one was refused."""
    ok, refused = 0, []
    for pk in ids:
        try:
            step(get(pk))
            ok += 1
        except (ValidationError, PermissionDenied, Http404) as exc:
            refused.append(_("需求 #%(pk)s：%(why)s") % {"pk": pk, "why": refusal(exc)})
    return ok, refused


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
