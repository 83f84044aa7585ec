"""The record on the member's phone: this year's progress, the activities to sign up to, the
check-in and check-out by the organizer's rotating code, and the service the member logs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import int_or_none, page_of
from baodao.records import access, forms, selectors, services, signals
from baodao.records.models import Activity, Record

SCAN_SALT = "records.scan"
SCAN_MAX_AGE = 180  # seconds between opening the scanned link and pressing the button


@login_required
@require_GET
def home(request: AuthedHttpRequest) -> HttpResponse:
    member = access.get_member_for_service(request.user)
    year = timezone.localdate().year
    community = selectors.reported_community(member)
    signups = selectors.member_signups(member)
    # Two lists, each paged by its own parameter: the activities ahead, this year's records.
    upcoming_page = page_of(request, selectors.upcoming_for_member(request.user, member), param="upcoming")
    records_page = page_of(request, selectors.own_records(member, year=year))
    upcoming: list[Activity] = list(upcoming_page.object_list)
    joinable = access.joinable(member, upcoming)
    for a in upcoming:
        a.mine = signups.get(a.pk)  # type: ignore[attr-defined]
        a.may_join = a.pk in joinable  # type: ignore[attr-defined]
    return render(
        request,
        "records/home.html",
        {
            "member": member,
            "community": community,
            "progress": signals.member_progress.call(member, year, place=community),
            "upcoming": upcoming,
            "upcoming_page": upcoming_page,
            "records": records_page.object_list,
            "page": records_page,
            "pairings": list(selectors.live_pairings(member)),
        },
    )


def _activity_page(
    request: AuthedHttpRequest,
    pk: int,
    errors: list[str] | None = None,
    attendance_form: forms.AttendanceForm | None = None,
) -> HttpResponse:
    """The activity; for its organizer, the sign-ups and the manual attendance form (re-shown with
    its errors, and open, after a refused mark)."""
    activity = access.get_activity_for_view(request.user, pk)
    ctx: dict[str, Any] = {"a": activity, "errors": errors or []}
    member = None
    try:
        member = access.get_member_for_service(request.user)
    except PermissionDenied:  # not a member's account: the page without the member's part
        member = None
    if member is not None:
        ctx["mine"] = selectors.member_signups(member).get(activity.pk)
        ctx["may_join"] = access.may_join(member, activity)
    if access.may_run(request.user, activity):
        ctx["runs"] = True
        ctx["signups"] = list(activity.signups.exclude(status="cancelled").select_related("member").order_by("id"))
        ctx["attendance_form"] = attendance_form or forms.AttendanceForm(user=request.user, activity=activity)
    refused = bool(errors) or (attendance_form is not None and bool(attendance_form.errors))
    return render(request, "records/activity.html", ctx, status=422 if refused else 200)


@login_required
@require_GET
def activity(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _activity_page(request, pk)


def _act(request: AuthedHttpRequest, pk: int, action: Any, ok: str) -> HttpResponse:  # noqa: ANN401
    try:
        action()
    except ValidationError as exc:
        return _activity_page(request, pk, exc.messages)
    messages.success(request, ok)
    return redirect(reverse("records:activity", args=[pk]))


@login_required
@require_POST
def signup(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity, member = access.get_activity_for_join(request.user, pk)
    return _act(
        request,
        pk,
        lambda: services.activity_signup(activity=activity, member=member, by=request.user),
        _("报名成功"),
    )


@login_required
@require_POST
def cancel(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity, member = access.get_activity_for_join(request.user, pk)
    mine = selectors.member_signups(member).get(activity.pk)

    def go() -> None:
        if mine is None:
            raise services.RecordError(_("您没有报名该活动"))
        services.signup_cancel(signup=mine, by=request.user)

    return _act(request, pk, go, _("已取消报名"))


@login_required
@require_http_methods(["GET", "POST"])
def scan(request: AuthedHttpRequest, pk: int, action: str, slot: int, signature: str) -> HttpResponse:
    """The URL in the rotating QR code. GET checks the code and asks the member to confirm (a link
    opened must not write by itself); the confirmation carries a short-lived token bound to this
    member, so the code may turn over while the member reads the page."""
    activity, member = access.get_activity_for_join(request.user, pk)
    now = timezone.now()
    ctx: dict[str, Any] = {"a": activity, "action": action}
    if request.method == "GET":
        try:
            services.check_code(activity, action, slot, signature, now)
        except ValidationError as exc:
            ctx["errors"] = exc.messages
            return render(request, "records/scan.html", ctx, status=422)
        ctx["token"] = signing.dumps([activity.pk, action, slot, signature, request.user.pk], salt=SCAN_SALT)
        return render(request, "records/scan.html", ctx)
    try:
        data = signing.loads(request.POST.get("token", ""), salt=SCAN_SALT, max_age=SCAN_MAX_AGE)
        if data != [activity.pk, action, slot, signature, request.user.pk]:
            raise signing.BadSignature
    except signing.BadSignature:
        ctx["errors"] = [_("二维码已过期或无效，请重新扫描组织者手机上当前显示的二维码")]
        return render(request, "records/scan.html", ctx, status=422)
    try:
        if action == "in":
            services.checkin_scanned(activity=activity, member=member, by=request.user)
            messages.success(request, _("签到成功：%(t)s") % {"t": activity.title})
        else:
            record = services.checkout_scanned(activity=activity, member=member, by=request.user)
            if record.counts_as_activity:
                messages.success(request, _("签退成功，本次服务 %(m)s 分钟，待社区确认") % {"m": record.minutes})
            else:
                messages.warning(
                    request,
                    _("已签退：在场 %(m)s 分钟，不足 %(l)s 分钟，计入服务时长但不计为参加活动")
                    % {"m": record.minutes, "l": services.min_attendance(activity.community)},
                )
    except ValidationError as exc:
        ctx["errors"] = exc.messages
        return render(request, "records/scan.html", ctx, status=422)
    return redirect(reverse("records:activity", args=[activity.pk]))


def _log_page(request: AuthedHttpRequest, form: forms.LogForm, status: int = 200) -> HttpResponse:
    return render(request, "records/log.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def log(request: AuthedHttpRequest) -> HttpResponse:
    """Log service done outside an activity; from a held service item it is pre-filled."""
    member, community = access.get_member_for_log(request.user)
    initial: dict[str, Any] = {}
    demand = access.get_demand_for_record(request.user, member, int_or_none(request.GET.get("demand")))
    if demand is not None:
        initial = {"content": demand.title, "place": demand.place_id, "demand": demand.pk}
        initial["beneficiary"] = _("服务项目：%(t)s") % {"t": demand.title}
    if request.method == "GET":
        return _log_page(request, forms.LogForm(initial=initial, community=community, member=member))
    form = forms.LogForm(request.POST, community=community, member=member)
    if not form.is_valid():
        return _log_page(request, form, 422)
    data = form.cleaned_data
    item = access.get_demand_for_record(request.user, member, data.get("demand"))
    try:
        services.record_log(
            member=member,
            community=community,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            content=data["content"],
            place=data.get("place"),
            address=data.get("address", ""),
            beneficiary=data.get("beneficiary", ""),
            kind=data.get("kind"),
            demand=item,
            photos=request.FILES.getlist("photos"),
            pairing=data.get("pairing"),
            aid=services.Aid(
                items=data.get("aid_items") or "",
                count=data.get("aid_count") or 0,
                money=data.get("aid_money") or Decimal(0),
                donor_kind=data.get("donor_kind") or "",
                donor_name=data.get("donor_name") or "",
            ),
            by=request.user,
        )
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _log_page(request, form, 422)
    messages.success(request, _("已登记，待社区确认后计入服务时长"))
    return redirect("records:home")


@login_required
@require_GET
def record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    row = access.get_record_for_view(request.user, pk)
    return render(
        request,
        "records/record.html",
        {
            "r": row,
            "events": selectors.record_events(row),
            "photos": list(row.photos.all()),
            "may_decide": row.status == Record.Status.PENDING and access.may_confirm(request.user, row),
            "may_certify": access.may_confirm(request.user, row),
            "may_edit": access.may_edit(request.user, row),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Correct a record — a returned one is mended and sent again from here (the return's notice
    links here): a new version, the old one kept in the timeline."""
    row = access.get_record_for_edit(request.user, pk)
    form = forms.RecordEditForm(request.POST or None, record=row)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        extra: dict[str, Any] = {}
        if "place" in form.fields:
            extra = {"place": data.get("place"), "address": data.get("address") or "", "kind": data.get("kind")}
        try:
            services.record_edit(
                record=row,
                by=request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                content=data["content"],
                beneficiary=data.get("beneficiary") or "",
                **extra,
            )
        except ValidationError as exc:
            forms.add_refusal(form, exc)
        else:
            resent = row.status == Record.Status.RETURNED
            messages.success(request, _("已修改并重新提交，待社区确认") if resent else _("已修改，旧版本保留在记录中"))
            return redirect(reverse("records:record", args=[row.pk]))
    status = 422 if request.method == "POST" else 200
    return render(request, "records/record_edit.html", {"r": row, "form": form}, status=status)
