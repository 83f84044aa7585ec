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

from baodao.accounts.models import AuthedHttpRequest, User
from baodao.core.http import act, int_or_none, page_of
from baodao.directory.models import Member, Place
from baodao.needs.models import Demand
from baodao.records import access, forms, selectors, services, signals
from baodao.records.models import Activity, Record, Signup

SCAN_SALT = "records.scan"
SCAN_MAX_AGE = 180  # seconds between opening the scanned link and pressing the button


@login_required
@require_GET
def home(request: AuthedHttpRequest) -> HttpResponse:
    member = access.get_member_for_service(request.user)
    year = timezone.localdate().year
    community = selectors.reported_community(member)
    # Two lists, each paged by its own parameter: the activities ahead, this year's records.
    upcoming = page_of(request, selectors.upcoming_for_member(request.user, member), param="upcoming")
    records = page_of(request, selectors.own_records(member, year=year))
    ctx: dict[str, object] = {"member": member, "community": community}
    ctx["upcoming"] = _with_signups(member, list(upcoming.object_list))
    ctx |= {"upcoming_page": upcoming, "records": records.object_list, "page": records}
    ctx["progress"] = signals.member_progress.call(member, year, place=community)
    ctx["pairings"] = list(selectors.live_pairings(member))
    return render(request, "records/home.html", ctx)


def _with_signups(member: Member, upcoming: list[Activity]) -> list[Activity]:
    """Each activity ahead with the member's sign-up (`mine`) and whether the member may join."""
    signups = selectors.member_signups(member)
    joinable = access.joinable(member, upcoming)
    for a in upcoming:
        a.mine = signups.get(a.pk)  # type: ignore[attr-defined]
        a.may_join = a.pk in joinable  # type: ignore[attr-defined]
    return upcoming


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
    if (member := _own_member(request.user)) is not None:
        ctx.update(mine=selectors.member_signups(member).get(activity.pk), may_join=access.may_join(member, activity))
    if access.may_run(request.user, activity):
        form = attendance_form or forms.AttendanceForm(user=request.user, activity=activity)
        ctx.update(runs=True, signups=selectors.activity_signups(activity), attendance_form=form)
    refused = bool(errors) or (attendance_form is not None and bool(attendance_form.errors))
    return render(request, "records/activity.html", ctx, status=422 if refused else 200)


def _own_member(user: User) -> Member | None:
    """The user's own member row, or None for a user who is not a member."""
    try:
        return access.get_member_for_service(user)
    except PermissionDenied:  # not a member's account: the page without the member's part
        return None


@login_required
@require_GET
def activity(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _activity_page(request, pk)


def _back_to_activity(request: AuthedHttpRequest, pk: int) -> dict[str, Any]:
    """Where an action on the activity's page goes: back to it, or the page again with why (422)."""
    return {
        "then": reverse("records:activity", args=[pk]),
        "refused": lambda errors: _activity_page(request, pk, errors),
    }


@login_required
@require_POST
def signup(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity, member = access.get_activity_for_join(request.user, pk)
    return act(
        request,
        lambda: services.activity_signup(activity=activity, member=member, by=request.user),
        ok=_("报名成功"),
        then=reverse("records:activity", args=[pk]),
        refused=lambda errors: _activity_page(request, pk, errors),
    )


@login_required
@require_POST
def cancel(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity, member = access.get_activity_for_join(request.user, pk)
    mine = selectors.member_signups(member).get(activity.pk)
    if mine is None:
        return _activity_page(request, pk, [_("您没有报名该活动")])
    return act(
        request,
        lambda: services.signup_cancel(signup=mine, by=request.user),
        ok=_("已取消报名"),
        then=reverse("records:activity", args=[pk]),
        refused=lambda errors: _activity_page(request, pk, errors),
    )


@login_required
@require_http_methods(["GET", "POST"])
def scan(request: AuthedHttpRequest, pk: int, action: str, slot: int, signature: str) -> HttpResponse:
    """The URL in the rotating QR code. GET checks the code and asks the member to confirm (a link
    opened must not write by itself); the confirmation carries a short-lived token bound to this
    member, so the code may turn over while the member reads the page."""
    activity, member = access.get_activity_for_join(request.user, pk)
    scanned = [activity.pk, action, slot, signature, request.user.pk]
    if request.method == "GET":
        return _scan_page(request, activity, scanned)
    return act(
        request,
        lambda: _scan_done(request.user, member, activity, scanned, request.POST.get("token", "")),
        ok=lambda done: _scan_said(activity, done),
        then=reverse("records:activity", args=[activity.pk]),
        refused=lambda errors: render(
            request, "records/scan.html", {"a": activity, "action": action, "errors": errors}, status=422
        ),
    )


def _scan_page(
    request: AuthedHttpRequest, activity: Activity, scanned: list, errors: list[str] | None = None
) -> HttpResponse:
    """The page to confirm a scanned code with (its token), or why not (422): the code is checked
    as the page opens; `errors` say why a confirmation was refused."""
    _pk, action, slot, signature, _user = scanned
    ctx: dict[str, Any] = {"a": activity, "action": action}
    if errors is None:
        try:
            services.check_code(activity, action, slot, signature, timezone.now())
        except ValidationError as exc:
            errors = exc.messages
    if errors:
        return render(request, "records/scan.html", {**ctx, "errors": errors}, status=422)
    return render(request, "records/scan.html", {**ctx, "token": signing.dumps(scanned, salt=SCAN_SALT)})


def _scan_done(user: User, member: Member, activity: Activity, scanned: list, token: str) -> Signup | Record:
    """The member's confirmation of a scan: its token must be the one the scan's page gave this
    member for this code, and recent; then the check-in (the sign-up) or check-out (the record)."""
    try:
        if signing.loads(token, salt=SCAN_SALT, max_age=SCAN_MAX_AGE) != scanned:
            raise signing.BadSignature
    except signing.BadSignature:
        raise ValidationError(_("二维码已过期或无效，请重新扫描组织者手机上当前显示的二维码")) from None
    if scanned[1] == "in":
        return services.checkin_scanned(activity=activity, member=member, by=user)
    return services.checkout_scanned(activity=activity, member=member, by=user)


def _scan_said(activity: Activity, done: Signup | Record) -> tuple[int, str]:
    """What the member reads after a scan: checked in; or how long the service was, and whether it
    counts as attending (too short: hours only)."""
    if not isinstance(done, Record):
        return messages.SUCCESS, _("签到成功：%(t)s") % {"t": activity.title}
    if done.counts_as_activity:
        return messages.SUCCESS, _("签退成功，本次服务 %(m)s 分钟，待社区确认") % {"m": done.minutes}
    return messages.WARNING, _("已签退：在场 %(m)s 分钟，不足 %(l)s 分钟，计入服务时长但不计为参加活动") % {
        "m": done.minutes,
        "l": services.min_attendance(activity.community),
    }


def _log_page(request: AuthedHttpRequest, form: forms.LogForm, status: int = 200) -> HttpResponse:
    return render(request, "records/log.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def log(request: AuthedHttpRequest) -> HttpResponse:
    """Log service done outside an activity; from a held service item it is pre-filled."""
    member, community = access.get_member_for_log(request.user)
    demand = access.get_demand_for_record(request.user, member, int_or_none(request.GET.get("demand")))
    if request.method == "GET":
        return _log_page(request, forms.LogForm(initial=_log_initial(demand), community=community, member=member))
    form = forms.LogForm(request.POST, community=community, member=member)
    return act(
        request,
        lambda: _logged(request.user, form.cleaned_data, member, community, request.FILES.getlist("photos")),
        form=form,
        ok=_("已登记，待社区确认后计入服务时长"),
        then=reverse("records:home"),
        refused=lambda _errors: _log_page(request, form, 422),
    )


def _log_initial(demand: Demand | None) -> dict[str, Any]:
    """The log form pre-filled from the service item the member holds."""
    if demand is None:
        return {}
    beneficiary = _("服务项目：%(t)s") % {"t": demand.title}
    return {"content": demand.title, "place": demand.place_id, "demand": demand.pk, "beneficiary": beneficiary}


def _logged(user: User, data: dict[str, Any], member: Member, community: Place, photos: list[Any]) -> Record:
    """The service the member logged, with its photos, the pairing visited and the aid given."""
    item = access.get_demand_for_record(user, member, data.get("demand"))
    return services.record_log(
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
        claim=selectors.claim_of_record(member, item),
        photos=photos,
        pairing=data.get("pairing"),
        aid=services.Aid(
            items=data.get("aid_items") or "",
            count=data.get("aid_count") or 0,
            money=data.get("aid_money") or Decimal(0),
            donor_kind=data.get("donor_kind") or "",
            donor_name=data.get("donor_name") or "",
        ),
        by=user,
    )


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
