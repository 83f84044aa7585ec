"""The record at the community's desk (and the organizer's phone): activities and their rotating
code screen, attendance by hand, closing; records waiting for confirmation, confirmed in batches
or returned with a reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest, User
from baodao.core import qr
from baodao.core.http import act, int_or_none, page_of
from baodao.directory.models import Place
from baodao.records import access, codes, forms, selectors, services
from baodao.records.models import Activity, Record
from baodao.records.views.member import _activity_page


def _community_pk(request: AuthedHttpRequest) -> int | None:
    return int_or_none(request.GET.get("community") or request.POST.get("community"))


@login_required
@require_GET
def activities(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.organizer_communities(request.user)
    community = access.get_community_for_organizing(request.user, _community_pk(request))
    ctx = {"communities": choices[:300], "community": community, **selectors.activity_desk(request.user, community)}
    ctx["page"] = page_of(request, selectors.community_activities(request.user, community))
    # The link to the community's teams and call-ups shows by those pages' own guard.
    ctx["manages"] = selectors.team_communities(request.user).filter(pk=community.pk).exists()
    return render(request, "records/activities.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def new_activity(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.organizer_communities(request.user)
    community = access.get_community_for_organizing(request.user, _community_pk(request))
    form = forms.ActivityForm(request.POST or None, community=community)
    ctx = {"form": form, "community": community, "communities": choices[:300]}
    return act(
        request,
        lambda: _organized(request.user, community, form.cleaned_data),
        form=form,
        ok=_("活动已发布"),
        then=lambda a: reverse("records:activity", args=[a.pk]),
        refused=lambda errors: render(request, "records/activity_form.html", ctx, status=422 if errors else 200),
    )


def _organized(user: User, community: Place, data: dict[str, Any]) -> Activity:
    """The activity created as the form describes it, where the user may organise one; the unit
    that organises it is the user's, if the user organises for a unit."""
    try:
        access.get_place_for_organizing(user, community, data["place"].pk)
    except PermissionDenied as exc:  # seen, not allowed there: said beside the place, as a form error
        raise ValidationError({"place": str(exc)}) from None
    units = selectors.organizing_units(user, community)
    return services.activity_create(community=community, organizer_unit=units.first(), by=user, **data)


def _code_context(request: AuthedHttpRequest, a: Activity, action: str) -> dict[str, Any]:
    code = codes.current(a, action)
    url = request.build_absolute_uri(code.path)
    svg = qr.make(url).svg_inline(scale=8, border=2, dark="#000", light="#fff")
    left = max(1, int((code.expires_at - timezone.now()).total_seconds()))
    return {"a": a, "action": action, "svg": svg, "url": url, "left": left, "period": codes.period_seconds(a)}


@login_required
@require_GET
def code_screen(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    """The organizer's phone or a screen: the current code, turned over every N seconds (htmx asks
    for the next; without JS the page refreshes itself)."""
    a = access.get_activity_for_running(request.user, pk)
    if action not in codes.ACTIONS:
        raise Http404  # no such screen, as any other path
    ctx = _code_context(request, a, action)
    template = "records/_code.html" if request.headers.get("HX-Request") else "records/code.html"
    response = render(request, template, ctx)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def attendance(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """手工登记考勤: a refusal re-shows the form with each message under the field it names."""
    a = access.get_activity_for_running(request.user, pk)
    # An id the organizer may not see is a 404 like a missing one, before the form says anything.
    if (member_id := int_or_none(request.POST.get("member"))) is not None:
        access.get_member_for_attendance(request.user, a, member_id)
    form = forms.AttendanceForm(request.POST, user=request.user, activity=a)
    return act(
        request,
        lambda: services.attendance_mark(activity=a, by=request.user, **form.cleaned_data),
        form=form,
        ok=_marked,
        then=reverse("records:activity", args=[pk]),
        refused=lambda _errors: _activity_page(request, pk, attendance_form=form),
    )


def _marked(record: Record) -> tuple[int, str]:
    """What the organizer reads after marking attendance by hand: counted, or too short to be."""
    name = record.member.name if record.member else ""
    if record.counts_as_activity:
        return messages.SUCCESS, _("已手工登记%(m)s的考勤，待社区确认") % {"m": name}
    return messages.WARNING, _("已手工登记%(m)s的考勤：在场 %(n)s 分钟，不足 %(l)s 分钟，不计为参加活动") % {
        "m": name,
        "n": record.minutes,
        "l": services.min_attendance(record.community),
    }


@login_required
@require_POST
def close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    a = access.get_activity_for_running(request.user, pk)
    return act(
        request,
        lambda: services.activity_close(activity=a, by=request.user),
        ok=lambda out: _("考勤已结束：未到 %(n)s 人，未签退 %(o)s 人") % {"n": out["no_show"], "o": out["not_out"]},
        then=reverse("records:activity", args=[pk]),
        refused=lambda errors: _activity_page(request, pk, errors),
    )


@login_required
@require_POST
def cancel_activity(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    a = access.get_activity_for_running(request.user, pk)
    return act(
        request,
        lambda: services.activity_cancel(activity=a, by=request.user),
        ok=_("活动已取消，已报名的党员会看到"),
        then=reverse("records:activity", args=[pk]),
        refused=lambda errors: _activity_page(request, pk, errors),
    )


# --- confirmation ---------------------------------------------------------------------------------


def _pending_page(request: AuthedHttpRequest, errors: list[str] | None = None) -> HttpResponse:
    choices = selectors.confirming_communities(request.user)
    community = access.get_community_for_confirming(request.user, _community_pk(request))
    flagged = request.GET.get("flagged") == "1"
    rows = selectors.pending_list(request.user, community=community, flagged=flagged)
    ctx = {"communities": choices[:300], "community": community, "flagged": flagged, "errors": errors or []}
    ctx |= {"page": page_of(request, rows, size=100), "return_form": forms.ReturnForm()}
    return render(request, "records/pending.html", ctx, status=422 if errors else 200)


@login_required
@require_GET
def pending(request: AuthedHttpRequest) -> HttpResponse:
    return _pending_page(request)


@login_required
@require_POST
def confirm(request: AuthedHttpRequest) -> HttpResponse:
    """确认所选: each record in its own transaction; the refused ones are named."""
    ids = [i for i in (int_or_none(x) for x in request.POST.getlist("ids")) if i is not None]
    rows = access.records_for_decision(request.user, ids)
    if not rows:
        return _pending_page(request, [_("请先勾选要确认的纪实")])
    done, refused = services.records_confirm(records=rows, by=request.user)
    if done:
        messages.success(request, ngettext("已确认 %(n)s 条纪实", "已确认 %(n)s 条纪实", len(done)) % {"n": len(done)})
    if refused:
        return _pending_page(
            request, [f"{r.member.name if r.member else r.unit.name} {r.content[:20]}：{why}" for r, why in refused]
        )
    back = reverse("records:pending")
    community = request.POST.get("community")
    return redirect(f"{back}?community={community}" if community else back)


@login_required
@require_POST
def return_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    row = access.get_record_for_decision(request.user, pk)
    form = forms.ReturnForm(request.POST)
    return act(
        request,
        lambda: services.record_return(record=row, by=request.user, reason=form.cleaned_data["reason"]),
        form=form,
        ok=_("已退回，党员会看到原因"),
        then=f"{reverse('records:pending')}?community={row.community_id}",
        refused=lambda errors: _pending_page(request, errors),
    )
