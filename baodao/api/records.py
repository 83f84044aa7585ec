"""API of the service record for mini-program clients: members sign up, check in and out with the
scanned code, log service and read their progress; organizers create activities, show the current
code and mark attendance; community staff confirm or return records; admins read who is behind —
each action asked of records.access exactly as the web pages ask it.

A refused step is a 4xx with the reason in Chinese and nothing written: 409 when the activity is
full, the seat taken or the record already decided, 400 for anything else the domain refuses,
403 seen but not allowed, 404 out of sight.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from baodao.api.common import ApiPagination, AuthedRequest, Id, InputDateTime, check_year
from baodao.directory.models import Category
from baodao.directory.selectors import places_in
from baodao.records import access, codes, selectors, services
from baodao.records.models import Activity, Callup, Record, Signup, Team
from baodao.stats import service_counts

router = Router(tags=["records"])


def _refuse(exc: ValidationError) -> HttpError:
    return HttpError(getattr(exc, "status", 400), "；".join(exc.messages))


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    community_id: int
    community: str
    place: str
    address: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    signed_up: int
    audience: str
    status: str
    status_label: str

    @staticmethod
    def resolve_kind(obj: Activity) -> str:
        return obj.kind.name

    @staticmethod
    def resolve_community(obj: Activity) -> str:
        return obj.community.name

    @staticmethod
    def resolve_place(obj: Activity) -> str:
        return obj.place.name

    @staticmethod
    def resolve_status_label(obj: Activity) -> str:
        return obj.status_label


class SignupOut(Schema):
    id: int
    activity_id: int
    status: str
    status_label: str
    checkin_at: dt.datetime | None
    checkout_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(obj: Signup) -> str:
        return obj.get_status_display()


class FlagOut(Schema):
    code: str
    text: str


class RecordOut(Schema):
    id: int
    member_id: int | None
    member: str
    community_id: int
    activity_id: int | None
    demand_id: int | None
    claim_id: int | None = Field(None, description="所属认领（为认领的服务项目登记的纪实）")
    starts_at: dt.datetime
    ends_at: dt.datetime
    minutes: int
    content: str
    beneficiary: str
    source: str
    manual_reason: str
    status: str
    status_label: str
    return_reason: str
    flags: list[FlagOut]
    counts_as_activity: bool = Field(..., description="确认后是否计入参加活动次数（自行登记的服务只计时长）")
    version: int

    @staticmethod
    def resolve_member(obj: Record) -> str:
        return obj.member.name if obj.member else obj.unit.name

    @staticmethod
    def resolve_manual_reason(obj: Record) -> str:
        return obj.signup.manual_reason if obj.signup_id and obj.signup else ""

    @staticmethod
    def resolve_status_label(obj: Record) -> str:
        return obj.get_status_display()


# --- members --------------------------------------------------------------------------------------


@router.get("/activities", response=list[ActivityOut])
@paginate(ApiPagination)
def activities(request: AuthedRequest, upcoming: bool = True) -> QuerySet[Activity]:
    """Activities of the communities the caller serves in or manages; by default those not over."""
    rows = selectors.activities_for_user(request.auth).select_related("kind", "community", "place")
    if upcoming:
        rows = rows.filter(ends_at__gt=timezone.now(), status=Activity.Status.OPEN)
    return rows.order_by("starts_at", "id")


@router.post("/activities/{activity_id}/signup", response={201: SignupOut})
def signup(request: AuthedRequest, activity_id: Id) -> Status:
    activity, member = access.get_activity_for_join(request.auth, activity_id)
    try:
        row = services.activity_signup(activity=activity, member=member, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Status(201, row)


@router.post("/activities/{activity_id}/cancel", response=SignupOut)
def cancel(request: AuthedRequest, activity_id: Id) -> Signup:
    activity, member = access.get_activity_for_join(request.auth, activity_id)
    mine = selectors.member_signups(member).get(activity.pk)
    if mine is None:
        raise HttpError(409, "您没有报名该活动")
    try:
        return services.signup_cancel(signup=mine, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc


class ScanIn(Schema):
    code: str = Field(..., max_length=300, description="扫描到的二维码内容（网址）")


def _scanned(request: AuthedRequest, payload: ScanIn, action: str) -> tuple[Activity, object, int, str]:
    access.get_member_for_service(request.auth)
    parsed = codes.parse(payload.code)
    if parsed is None or parsed[1] != action:
        raise HttpError(400, "二维码已过期或无效，请扫描组织者手机上当前显示的二维码")
    pk, _action, slot, signature = parsed
    activity, member = access.get_activity_for_join(request.auth, pk)
    return activity, member, slot, signature


@router.post("/checkin", response=SignupOut)
def checkin(request: AuthedRequest, payload: ScanIn) -> Signup:
    activity, member, slot, signature = _scanned(request, payload, "in")
    try:
        return services.checkin(activity=activity, member=member, slot=slot, signature=signature, by=request.auth)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _refuse(exc) from exc


@router.post("/checkout", response=RecordOut)
def checkout(request: AuthedRequest, payload: ScanIn) -> Record:
    activity, member, slot, signature = _scanned(request, payload, "out")
    try:
        return services.checkout(activity=activity, member=member, slot=slot, signature=signature, by=request.auth)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _refuse(exc) from exc


@router.get("/mine", response=list[RecordOut])
@paginate(ApiPagination)
def mine(request: AuthedRequest, year: int | None = None) -> QuerySet[Record]:
    member = access.get_member_for_service(request.auth)
    check_year(year)
    return selectors.own_records(member, year=year).select_related("member", "unit", "signup")


class LogIn(Schema):
    starts_at: InputDateTime
    ends_at: InputDateTime
    content: str = Field(..., min_length=1, max_length=1000)
    place_id: Id | None = None
    address: str = Field("", max_length=100)
    beneficiary: str = Field("", max_length=200)
    kind_id: Id | None = None
    demand_id: Id | None = None


@router.post("/mine", response={201: RecordOut})
def log(request: AuthedRequest, payload: LogIn) -> Status:
    member, community = access.get_member_for_log(request.auth)
    place = get_object_or_404(places_in(community), pk=payload.place_id) if payload.place_id else None
    kind = (
        get_object_or_404(Category, pk=payload.kind_id, kind=Category.Kind.ACTIVITY_TYPE) if payload.kind_id else None
    )
    demand = access.get_demand_for_record(request.auth, member, payload.demand_id)
    try:
        row = services.record_log(
            member=member,
            community=community,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            content=payload.content,
            place=place,
            address=payload.address,
            beneficiary=payload.beneficiary,
            kind=kind,
            demand=demand,
            claim=selectors.claim_of_record(member, demand),
            by=request.auth,
        )
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Status(201, row)


class ProgressOut(Schema):
    year: int
    activities: int
    activities_needed: int
    hours: float
    hours_needed: int
    met: bool


@router.get("/progress", response=ProgressOut)
def progress(request: AuthedRequest, year: int | None = None) -> dict[str, object]:
    """This year's confirmed activities and hours against the minimums (5 / 20 by default)."""
    member = access.get_member_for_service(request.auth)
    p = service_counts.progress(member, check_year(year), place=selectors.reported_community(member))
    return {
        "year": p.year,
        "activities": p.activities,
        "activities_needed": p.need.activities,
        "hours": p.hours,
        "hours_needed": p.need_hours,
        "met": p.met,
    }


# --- organizers and staff -------------------------------------------------------------------------


class ActivityIn(Schema):
    community_id: Id
    place_id: Id
    kind_id: Id
    title: str = Field(..., min_length=1, max_length=100)
    starts_at: InputDateTime
    ends_at: InputDateTime
    capacity: int = Field(..., ge=1, le=10000)
    address: str = Field("", max_length=100)
    description: str = Field("", max_length=2000)
    audience: Activity.Audience = Activity.Audience.COMMUNITY
    unit_ids: list[Id] = Field([], max_length=200)


@router.post("/activities", response={201: ActivityOut})
def activity_create(request: AuthedRequest, payload: ActivityIn) -> Status:
    community = access.get_community_for_organizing(request.auth, payload.community_id)
    place = access.get_place_for_organizing(request.auth, community, payload.place_id)
    kind = get_object_or_404(Category, pk=payload.kind_id, kind=Category.Kind.ACTIVITY_TYPE)
    units = access.get_units_assigned_to(community, payload.unit_ids)
    try:
        row = services.activity_create(
            community=community,
            place=place,
            kind=kind,
            title=payload.title,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            capacity=payload.capacity,
            address=payload.address,
            description=payload.description,
            audience=payload.audience,
            units=units,
            organizer_unit=selectors.organizing_units(request.auth, community).first(),
            by=request.auth,
        )
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Status(201, Activity.objects.select_related("kind", "community", "place").get(pk=row.pk))


class CodeOut(Schema):
    action: str
    url: str
    expires_at: dt.datetime
    period_seconds: int


@router.get("/activities/{activity_id}/code", response=CodeOut)
def code(request: AuthedRequest, activity_id: Id, action: str = "in") -> dict[str, object]:
    """The current rotating code (show it as a QR code; ask again at `expires_at`)."""
    activity = access.get_activity_for_running(request.auth, activity_id)
    if action not in codes.ACTIONS:
        raise HttpError(400, "action 只能是 in（签到）或 out（签退）")
    c = codes.current(activity, action)
    return {
        "action": action,
        "url": request.build_absolute_uri(c.path),
        "expires_at": c.expires_at,
        "period_seconds": codes.period_seconds(activity),
    }


class AttendanceIn(Schema):
    member_id: Id
    checkin_at: InputDateTime
    checkout_at: InputDateTime
    reason: str = Field(..., max_length=200)


@router.post("/activities/{activity_id}/attendance", response={201: RecordOut})
def attendance(request: AuthedRequest, activity_id: Id, payload: AttendanceIn) -> Status:
    activity = access.get_activity_for_running(request.auth, activity_id)
    member = access.get_member_for_attendance(request.auth, activity, payload.member_id)
    try:
        row = services.attendance_mark(
            activity=activity,
            member=member,
            checkin_at=payload.checkin_at,
            checkout_at=payload.checkout_at,
            reason=payload.reason,
            by=request.auth,
        )
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Status(201, row)


@router.get("/pending", response=list[RecordOut])
@paginate(ApiPagination)
def pending(request: AuthedRequest, community: int | None = None, flagged: bool = False) -> QuerySet[Record]:
    """Records waiting for the caller's confirmation (community staff)."""
    access.require_record_confirmer(request.auth)
    place = access.get_community_for_confirming(request.auth, community) if community else None
    return selectors.pending_list(request.auth, community=place, flagged=flagged)


class ConfirmIn(Schema):
    ids: list[Id] = Field(..., min_length=1, max_length=500)


class ConfirmOut(Schema):
    confirmed: list[int]
    refused: dict[int, str]


@router.post("/confirm", response=ConfirmOut)
def confirm(request: AuthedRequest, payload: ConfirmIn) -> dict[str, object]:
    """Confirm a batch: each record in its own transaction. Records not waiting for the caller are
    refused by name (out of sight, or not this caller's community)."""
    rows = access.records_for_decision(request.auth, payload.ids)
    done, refused = services.records_confirm(records=rows, by=request.auth)
    found = {r.pk for r in rows}
    out: dict[int, str] = {r.pk: why for r, why in refused}
    out.update({pk: "不存在或不在您确认的范围内" for pk in payload.ids if pk not in found})
    if not done and out and len(out) == len(set(payload.ids)):
        raise HttpError(409 if found else 404, "；".join(f"#{k} {v}" for k, v in sorted(out.items())))
    return {"confirmed": [r.pk for r in done], "refused": out}


class ReturnIn(Schema):
    reason: str = Field(..., max_length=200)


class CorrectIn(Schema):
    starts_at: InputDateTime
    ends_at: InputDateTime
    content: str = Field(..., min_length=1, max_length=1000)
    beneficiary: str = Field("", max_length=200)
    place_id: Id | None = Field(None, description="只对自行登记的纪实有效")
    address: str | None = Field(None, max_length=100, description="只对自行登记的纪实有效")
    kind_id: Id | None = Field(None, description="只对自行登记的纪实有效")


@router.post("/{record_id}/correct", response=RecordOut)
def correct(request: AuthedRequest, record_id: Id, payload: CorrectIn) -> Record:
    """Correct a record: a new version, the old one kept in its timeline. A returned record goes back
    to pending (the community hears of it). The member mends what the member logged, while it is
    not confirmed; the community's staff any record of theirs."""
    row = access.get_record_for_edit(request.auth, record_id)
    extra: dict[str, object] = {}
    if row.source == Record.Source.LOGGED:
        if payload.place_id is not None:
            extra["place"] = get_object_or_404(places_in(row.community), pk=payload.place_id)
        if payload.kind_id is not None:
            extra["kind"] = get_object_or_404(Category, pk=payload.kind_id, kind=Category.Kind.ACTIVITY_TYPE)
        if payload.address is not None:
            extra["address"] = payload.address
    try:
        services.record_edit(
            record=row,
            by=request.auth,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            content=payload.content,
            beneficiary=payload.beneficiary,
            **extra,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Record.objects.select_related("member", "unit", "signup").get(pk=row.pk)


@router.post("/{record_id}/return", response=RecordOut)
def return_record(request: AuthedRequest, record_id: Id, payload: ReturnIn) -> Record:
    row = access.get_record_for_decision(request.auth, record_id)
    try:
        return services.record_return(record=row, by=request.auth, reason=payload.reason)
    except ValidationError as exc:
        raise _refuse(exc) from exc


# --- urgent call-ups ------------------------------------------------------------------------------


class CallupIn(Schema):
    community_id: Id
    title: str = Field(..., min_length=1, max_length=100)
    address: str = Field(..., min_length=1, max_length=100)
    starts_at: InputDateTime
    ends_at: InputDateTime
    needed: int = Field(..., ge=1, le=10000)
    place_id: Id | None = None
    team_id: Id | None = None


class CallupOut(Schema):
    id: int
    title: str
    address: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    needed: int
    status: str
    called: int
    coming: int
    not_coming: int
    attended: int


def _callup_out(c: Callup) -> dict[str, object]:
    return {
        "id": c.pk,
        "title": c.title,
        "address": c.address,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "needed": c.needed,
        "status": c.status,
        **services.callup_headcount(c),
    }


@router.post("/callups", response={201: CallupOut})
def callup_create(request: AuthedRequest, payload: CallupIn) -> Status:
    """应急动员: call the members reported to a community (a compound of it, or a team)."""
    community = access.get_community_for_callups(request.auth, payload.community_id)
    place = get_object_or_404(places_in(community), pk=payload.place_id) if payload.place_id else None
    team = get_object_or_404(Team.objects.filter(community=community), pk=payload.team_id) if payload.team_id else None
    try:
        c = services.callup_create(
            community=community,
            title=payload.title,
            address=payload.address,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            needed=payload.needed,
            place=place,
            team=team,
            by=request.auth,
        )
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Status(201, _callup_out(c))


class AnswerIn(Schema):
    coming: bool


@router.post("/callups/{callup_id}/answer", response=CallupOut)
def callup_answer(request: AuthedRequest, callup_id: Id, payload: AnswerIn) -> dict[str, object]:
    c, member = access.get_callup_for_answer(request.auth, callup_id)
    try:
        services.callup_answer(callup=c, member=member, coming=payload.coming, by=request.auth)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return _callup_out(c)
