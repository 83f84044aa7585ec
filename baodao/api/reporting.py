"""API for 双报到: the member's steps and the community's actions, scoped exactly as the web."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from baodao.api.common import AuthedRequest, Id
from baodao.directory.models import Category, Member, Place
from baodao.reporting import access, selectors, services
from baodao.reporting.models import Certificate, MemberReport

router = Router(tags=["reporting"])


class CertificateOut(Schema):
    number: str
    member_name: str = Field(alias="member.name")
    unit_name: str = Field(alias="unit.name")
    community_id: int
    community_name: str = Field(alias="community.name")
    deadline: dt.date


class ReportIn(Schema):
    token: str | None = Field(None, max_length=500)
    community_id: Id | None = None
    residence_id: Id
    room: str = Field("", max_length=50)
    skill_ids: list[Id] = []
    intention_ids: list[Id] = []
    team_type_ids: list[Id] = []
    commitment: bool = False


class ReportOut(Schema):
    id: int
    member_name: str = Field(alias="member.name")
    unit_name: str = Field(alias="unit.name")
    community_id: int
    community_name: str = Field(alias="community.name")
    residence_id: int
    residence_name: str = Field(alias="residence.name")
    status: str
    status_label: str
    source: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    return_reason: str
    receipt_number: str

    @staticmethod
    def resolve_status_label(obj: MemberReport) -> str:
        return obj.status_label


class ReturnIn(Schema):
    reason: str = Field(..., max_length=200)


class ConfirmIn(Schema):
    ids: list[Id]


class ConfirmOut(Schema):
    confirmed: int


def _refuse(exc: ValidationError) -> HttpError:
    return HttpError(400, "；".join(exc.messages))


def _own_member(request: AuthedRequest) -> Member:
    return access.get_member_for_report(request.auth)


@router.get("/certificate/{token}", response=CertificateOut, auth=None)
def certificate_read(request: HttpRequest, token: str) -> Certificate:
    """What a certificate says; the token itself is the proof of holding it."""
    try:
        cert = services.certificate_from_token(token)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return cert


@router.post("/reports", response={201: ReportOut})
def report_submit(request: AuthedRequest, payload: ReportIn) -> Status:
    member = _own_member(request)
    certificate = None
    try:
        if payload.token:
            certificate = services.certificate_from_token(payload.token)
            access.require_certificate_holder(request.auth, certificate)
            community = certificate.community
        elif payload.community_id:
            community = get_object_or_404(Place, pk=payload.community_id, kind=Place.Kind.COMMUNITY)
        else:
            raise HttpError(400, "请提供报到证令牌或报到社区")
        residence = Place.objects.filter(pk=payload.residence_id).first()
        if residence is None:
            raise HttpError(400, "居住地不存在")
        report = services.member_report_submit(
            member=member,
            community=community,
            residence=residence,
            room=payload.room,
            skills=Category.objects.filter(pk__in=payload.skill_ids, kind=Category.Kind.SKILL),
            intentions=Category.objects.filter(pk__in=payload.intention_ids, kind=Category.Kind.INTENTION),
            team_types=Category.objects.filter(pk__in=payload.team_type_ids, kind=Category.Kind.TEAM_TYPE),
            commitment_accepted=payload.commitment,
            certificate=certificate,
        )
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return Status(201, selectors.member_reports_for_user(request.auth).get(pk=report.pk))


@router.get("/status", response=list[ReportOut])
def report_status(request: AuthedRequest) -> QuerySet[MemberReport]:
    member = _own_member(request)
    return selectors.member_reports_for_user(request.auth).filter(member=member).order_by("-submitted_at")


@router.get("/pending", response=list[ReportOut])
def pending(request: AuthedRequest, community: Id | None = None) -> QuerySet[MemberReport]:
    """Members' reports waiting for the caller's confirmation: of `community`, else of all the
    communities the caller acts for (as the web page; one out of sight is a 404)."""
    access.require_report_confirmer(request.auth)
    communities = (
        [access.get_community_for_decisions(request.auth, community)]
        if community is not None
        else list(selectors.actionable_communities(request.auth))
    )
    return selectors.member_reports_for_user(request.auth, status=MemberReport.Status.PENDING).filter(
        community__in=communities
    )


@router.post("/confirm", response=ConfirmOut)
def confirm(request: AuthedRequest, payload: ConfirmIn) -> dict[str, int]:
    reports = access.member_reports_for_confirmation(request.auth, payload.ids)
    if not reports:
        raise HttpError(404, "没有可确认的报到")
    return {"confirmed": services.member_reports_confirm(reports=reports, by=request.auth)}


@router.post("/reports/{report_id}/return", response=ReportOut)
def return_report(request: AuthedRequest, report_id: Id, payload: ReturnIn) -> MemberReport:
    report = access.get_member_report_for_return(request.auth, report_id)
    try:
        services.member_report_return(report=report, by=request.auth, reason=payload.reason)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return selectors.member_reports_for_user(request.auth).get(pk=report.pk)


class LeaveIn(Schema):
    unit_code: str = Field(..., max_length=32)
    party_org_name: str = Field("", max_length=100)


class LeaveOut(Schema):
    member_id: int
    unit_code: str
    unit_name: str
    party_org_name: str
    ended_report_id: int | None


@router.post("/members/{member_id}/leave", response=LeaveOut)
def member_leave(request: AuthedRequest, member_id: Id, payload: LeaveIn) -> dict[str, object]:
    """Leaving the unit for another one in the city: the report ends, open certificates are revoked.

    For those who manage the member (unit secretary, community staff where the member lives,
    admins above either), as on the member page; a member out of scope is a 404.
    """
    member = access.get_member_for_management(request.auth, member_id)
    active = selectors.active_report_of(member)
    try:
        unit, party_org = services.member_leave_unit_by_code(
            member=member, unit_code=payload.unit_code, party_org_name=payload.party_org_name, by=request.auth
        )
    except ValidationError as exc:
        raise _refuse(exc) from exc
    return {
        "member_id": member.pk,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "party_org_name": party_org.name,
        "ended_report_id": active.pk if active else None,
    }
