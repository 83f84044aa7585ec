"""Writes of 双报到: unit reports, certificates, member reports, dynamic management."""

from __future__ import annotations

import datetime as dt
import secrets
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import Role, RoleAssignment, User
from baodao.accounts.services import user_create
from baodao.core import crypto, rules
from baodao.core.privacy import mask_mobile
from baodao.core.transitions import apply, apply_many
from baodao.core.validators import mobile_error
from baodao.directory import services as directory_services
from baodao.directory.models import Category, Member, PartyOrg, Place, Unit, UnitAssignment
from baodao.directory.services import community_of
from baodao.reporting import notices
from baodao.reporting.models import (
    Certificate,
    CommitmentTemplate,
    MemberReport,
    MobileChangeRequest,
    ReportEvent,
    UnitReport,
)
from baodao.reporting.transitions import ReportError, member_reports, mobile_requests, unit_reports

TOKEN_SALT = "baodao.reporting.certificate"
RESIDENCE_KINDS = (Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING)

DEFAULT_COMMITMENT = (
    "本人自愿到居住地社区报到，接受社区党组织的管理和监督。承诺：亮明党员身份，"
    "积极参加社区组织的志愿服务和活动，每年参加社区活动不少于{activities}次、累计服务不少于{hours}小时；"
    "认领并落实服务项目，带头遵守居民公约，发挥先锋模范作用。"
)


# --- helpers ------------------------------------------------------------------------------------


COMMITMENT_MAX_LENGTH = 2000


def commitment_text(*, city: Place | None) -> str:
    """The city's 服务承诺书, with {activities} and {hours} filled in from the city's rules."""
    row = CommitmentTemplate.objects.filter(city=city).first() if city is not None else None
    text = row.text if row else DEFAULT_COMMITMENT
    # str.replace, not format(): a city's own text may hold other braces.
    return text.replace("{activities}", str(rules.get_rule_int("member_min_activities_per_year", city=city))).replace(
        "{hours}", str(rules.get_rule_int("member_min_hours_per_year", city=city))
    )


def commitment_text_error(text: str) -> str | None:
    """Why a city's commitment text is refused (shared by the page, the admin and the service)."""
    if not text.strip():
        return _("请填写服务承诺书内容")
    if len(text.strip()) > COMMITMENT_MAX_LENGTH:
        return _("服务承诺书不能超过 %(n)d 字") % {"n": COMMITMENT_MAX_LENGTH}
    return None


@transaction.atomic
def commitment_template_set(*, city: Place, text: str | None, by: User | None) -> CommitmentTemplate | None:
    """A city's own 服务承诺书 text (None: back to the default). Reports keep the text they signed."""
    if city.kind != Place.Kind.CITY:
        raise ReportError({"city": _("服务承诺书按市设置，请选择一个市")})
    if text is None:
        for row in CommitmentTemplate.objects.filter(city=city):
            row.delete()  # row by row: the audit log sees it
        return None
    text = text.strip()
    if err := commitment_text_error(text):
        raise ReportError({"text": err})
    row = CommitmentTemplate.objects.filter(city=city).first() or CommitmentTemplate(city=city)
    row.text = text
    row.save()
    return row


def _event(
    *,
    kind: str,
    actor: User | None,
    note: str = "",
    unit_report: UnitReport | None = None,
    member_report: MemberReport | None = None,
    at: dt.datetime | None = None,
) -> ReportEvent:
    event = ReportEvent.objects.create(
        kind=kind, actor=actor, note=note[:200], unit_report=unit_report, member_report=member_report
    )
    if at is not None:
        # What happened before the report existed (assignment, certificate) goes on its timeline
        # at the time it happened.
        ReportEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


def _revoke_open_certificates(member: Member) -> None:
    # Row by row (at most one is open), so the audit log sees each revocation; update() would not.
    for cert in Certificate.objects.filter(member=member, status=Certificate.Status.ISSUED):
        cert.status = Certificate.Status.REVOKED
        cert.save(update_fields=["status"])


def _number(prefix: str) -> str:
    return f"{prefix}{timezone.localdate():%Y%m%d}{secrets.token_hex(4).upper()}"


# --- unit assignment and unit reports -----------------------------------------------------------


@transaction.atomic
def unit_assign(*, unit: Unit, community: Place, by: User, note: str = "") -> UnitAssignment:
    """Assign (or re-assign) a unit to a community. An active report to the old community ends."""
    current = UnitAssignment.objects.filter(unit=unit, ended_on__isnull=True).first()
    if current and current.community_id == community.pk:
        raise ReportError(_("该单位已分配到此社区"))
    assignment = directory_services.unit_assign(unit=unit, community=community, note=note)
    active = UnitReport.objects.filter(unit=unit, status__in=unit_reports["end"].sources)
    apply_many(
        unit_reports, "end", active, by=by, changes=lambda r: {"ended_at": timezone.now()}, note=_("联系社区已调整")
    )
    return assignment


@transaction.atomic
def unit_functions_set(*, unit: Unit, functions: Iterable[Category], by: User) -> Unit:
    """The unit's functions (its standing supply list), matched against communities' open demand."""
    functions = list(functions)
    if any(c.kind != Category.Kind.INTENTION for c in functions):
        raise ReportError({"functions": _("单位职能只能从服务类别中选择")})
    unit.functions.set(functions)
    return unit


@transaction.atomic
def unit_report_submit(
    *,
    unit: Unit,
    by: User,
    contact_name: str,
    contact_phone: str,
    report_date: dt.date,
    unit_signatory: str,
    unit_resources: str,
    community_demands: str,
    resource_tags: Iterable[Category] = (),
    demand_tags: Iterable[Category] = (),
    joins_big_committee: bool = True,
) -> UnitReport:
    assignment = UnitAssignment.objects.filter(unit=unit, ended_on__isnull=True).select_related("community").first()
    if assignment is None:
        raise ReportError(_("本单位尚未分配联系社区，请联系市直机关工委"))
    if err := mobile_error(contact_phone):
        raise ReportError({"contact_phone": err})
    if UnitReport.objects.filter(unit=unit, status__in=["submitted", "confirmed"]).exists():
        raise ReportError(_("本单位已向社区报到，无需重复提交"))
    returned = UnitReport.objects.filter(unit=unit, community=assignment.community, status="returned").first()
    fields = {
        "contact_name": contact_name.strip(),
        "contact_phone": contact_phone.strip(),
        "report_date": report_date,
        "unit_signatory": unit_signatory.strip(),
        "unit_resources": unit_resources.strip(),
        "community_demands": community_demands.strip(),
        "joins_big_committee": joins_big_committee,
    }
    if returned:
        for k, v in fields.items():
            setattr(returned, k, v)
        returned.status = UnitReport.Status.SUBMITTED
        returned.return_reason = ""
        returned.submitted_by = by
        returned.save()
        report, kind = returned, ReportEvent.Kind.RESUBMITTED
    else:
        report = UnitReport.objects.create(
            unit=unit, community=assignment.community, assignment=assignment, submitted_by=by, **fields
        )
        kind = ReportEvent.Kind.SUBMITTED
    report.resource_tags.set(resource_tags)
    report.demand_tags.set(demand_tags)
    if kind == ReportEvent.Kind.SUBMITTED:
        start = dt.datetime.combine(assignment.start_on, dt.time.min, tzinfo=timezone.get_current_timezone())
        _event(
            kind=ReportEvent.Kind.ASSIGNED,
            actor=None,
            note=_("包保联系%(c)s（%(d)s 起）")
            % {"c": assignment.community.name, "d": assignment.start_on.isoformat()},
            unit_report=report,
            at=min(start, timezone.now()),
        )
    _event(kind=kind, actor=by, unit_report=report)
    notices.unit_report_submitted(report, by)
    return report


@transaction.atomic
def unit_report_confirm(*, report: UnitReport, by: User, community_signatory: str) -> UnitReport:
    def check(row: UnitReport) -> None:
        if not community_signatory.strip():
            raise ReportError({"community_signatory": _("请填写社区党组织书记姓名")})

    changes = {"community_signatory": community_signatory.strip(), "decided_by": by, "decided_at": timezone.now()}
    return apply(unit_reports, "confirm", report, by=by, check=check, changes=changes)


@transaction.atomic
def unit_report_return(*, report: UnitReport, by: User, reason: str) -> UnitReport:
    reason = reason.strip()[:200]
    changes = {"return_reason": reason, "decided_by": by, "decided_at": timezone.now()}
    return apply(unit_reports, "return", report, by=by, check=_reason_given(reason), changes=changes, note=reason)


def _reason_given(reason: str) -> Callable[[object], None]:
    """The check of a return or refusal: a reason is required (after the status check, as before)."""

    def check(row: object) -> None:
        if not reason:
            raise ReportError({"reason": _("退回时请填写原因")})

    return check


# --- certificates -------------------------------------------------------------------------------


def certificate_token(certificate: Certificate) -> str:
    # No timestamp in the token: the certificate's deadline is the expiry, so the same certificate
    # always prints the same QR code (a reprint does not invalidate the first print).
    return signing.Signer(salt=TOKEN_SALT).sign_object([certificate.pk, certificate.nonce], compress=True)


def certificate_from_token(token: str) -> Certificate:
    """The open certificate a token stands for, or a ReportError saying why not (in Chinese)."""
    try:
        pk, nonce = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
        if not isinstance(pk, int) or not isinstance(nonce, str):
            raise TypeError("unexpected token payload")
    except (signing.BadSignature, ValueError, TypeError, zlib.error) as exc:
        # zlib.error: a correctly signed value whose payload is not ours (e.g. a timestamped token).
        raise ReportError(_("报到证二维码无效，请向单位党组织索取新的报到证")) from exc
    cert = Certificate.objects.select_related("member", "unit", "community").filter(pk=pk, nonce=nonce).first()
    if cert is None or cert.status == Certificate.Status.REVOKED:
        raise ReportError(_("该报到证已作废，请向单位党组织索取新的报到证"))
    if cert.status == Certificate.Status.USED:
        raise ReportError(_("该报到证已使用，您已提交过报到"))
    if cert.deadline < timezone.localdate():
        raise ReportError(_("该报到证已过期（报到期限 %(d)s），请向单位党组织重新申领") % {"d": cert.deadline})
    return cert


def _certificate_for(member: Member, by: User, today: dt.date) -> Certificate:
    community = community_of(member.residence)
    if community is None:
        raise ReportError(_("%(name)s 的居住地不在任何社区内，请先更正居住地") % {"name": member.name})
    days = rules.get_rule_int("report_deadline_days", city=directory_services.city_of(community))
    _revoke_open_certificates(member)
    cert = Certificate.objects.create(
        member=member,
        unit_id=member.unit_id,
        community=community,
        number=_number("BDZ"),
        nonce=secrets.token_hex(8),
        deadline=today + dt.timedelta(days=days),
        issued_by=by,
    )
    return cert


def _check_can_issue(member: Member) -> None:
    if member.status != Member.Status.IN_SERVICE:
        raise ReportError(_("%(name)s 不是在职党员，无需报到") % {"name": member.name})
    if MemberReport.objects.filter(member=member, status__in=MemberReport.ACTIVE).exists():
        raise ReportError(_("%(name)s 已报到或正在报到中") % {"name": member.name})


@transaction.atomic
def certificate_issue(*, member: Member, by: User) -> Certificate:
    """Issue (or re-issue: the older one is revoked) a report certificate to one member."""
    _check_can_issue(member)
    return _certificate_for(member, by, timezone.localdate())


@dataclass
class BatchIssue:
    """What a batch issue did: the new certificates (to print), the valid ones it left alone (the
    members already hold one; re-issuing is an explicit action per member), and the members it had
    to leave out, with the reason."""

    issued: list[Certificate] = field(default_factory=list)
    kept: list[Certificate] = field(default_factory=list)
    skipped: list[tuple[Member, str]] = field(default_factory=list)  # (member, reason in Chinese)


def certificates_batch_plan(*, unit: Unit) -> tuple[list[Member], list[Certificate]]:
    """Who a batch issue is for: the in-service members of the unit with no active report and no
    certificate in date, and the certificates in date that it keeps (what the confirmation counts)."""
    today = timezone.localdate()
    members = list(
        Member.objects.filter(unit=unit, status=Member.Status.IN_SERVICE)
        .exclude(reports__status__in=MemberReport.ACTIVE)
        .select_related("residence")
        .order_by("party_org_id", "id")
    )
    open_certs = {
        c.member_id: c
        for c in Certificate.objects.filter(unit=unit, status=Certificate.Status.ISSUED, deadline__gte=today)
    }
    return [m for m in members if m.pk not in open_certs], [open_certs[m.pk] for m in members if m.pk in open_certs]


@transaction.atomic
def certificates_issue_batch(*, unit: Unit, by: User) -> BatchIssue:
    """Certificates for every in-service member of the unit who has not reported and holds none in
    date (`certificates_batch_plan`). A member who cannot get one (a residence outside every
    community) is skipped with the reason; the others are issued."""
    today = timezone.localdate()
    members, kept = certificates_batch_plan(unit=unit)
    out = BatchIssue(kept=kept)
    for m in members:
        try:
            with transaction.atomic():  # a savepoint: a refused member leaves nothing behind
                out.issued.append(_certificate_for(m, by, today))
        except ReportError as exc:
            out.skipped.append((m, "；".join(exc.messages)))
    return out


# --- member accounts and reports ----------------------------------------------------------------


@transaction.atomic
def member_activate(*, certificate: Certificate, mobile: str, password: str) -> User:
    """First visit from a certificate: the member proves the mobile on the roster and sets a password."""
    member = certificate.member
    if member.user_id:
        raise ReportError(_("您已开通账号，请直接登录"))
    if crypto.lookup_hash(mobile.strip()) != member.mobile_hash:
        raise ReportError({"mobile": _("手机号与单位登记的不一致，请联系单位党组织核对")})
    username = f"m{member.pk}"
    user = user_create(
        username=username,
        password=password,
        display_name=member.name,
        mobile=member.mobile,
        roles=[{"role": Role.MEMBER, "member": member}],
    )
    member.user = user
    member.save(update_fields=["user"])
    return user


class RosterMobileMismatch(ReportError):
    """The ID number is on the roster but the mobile is not the one registered: the member may ask
    the unit to take the new mobile (mobile_change_request_submit)."""


def _roster_member(id_number: str) -> Member:
    member = Member.objects.filter(id_hash=crypto.lookup_hash(id_number.strip().upper())).first()
    if member is None:
        raise ReportError({"id_number": _("党员名册中没有该身份证号，请联系所在单位党组织登记后再报到")})
    return member


def _check_mobile_request_allowed(member: Member, mobile_hash: str) -> None:
    """Why a member whose mobile does not match may not ask (again) for the new one, if so."""
    if member.user_id:
        raise ReportError(_("身份证号和手机号与党员名册不一致。您已开通账号，请直接登录，或联系所在单位党组织核对"))
    pending = MobileChangeRequest.objects.filter(member=member, status=MobileChangeRequest.Status.PENDING).first()
    if pending is not None:
        if pending.mobile_hash == mobile_hash:
            raise ReportError(
                _("您的手机号变更申请已于%(d)s提交，正在等待所在单位党组织审核，审核通过后即可用新手机号报到")
                % {"d": timezone.localtime(pending.created_at).strftime("%Y-%m-%d")}
            )
        raise ReportError(_("该身份证号已有一份待审核的手机号变更申请，请等待所在单位党组织审核"))
    refused = (
        MobileChangeRequest.objects.filter(
            member=member, mobile_hash=mobile_hash, status=MobileChangeRequest.Status.REFUSED
        )
        .order_by("-decided_at", "-id")
        .first()
    )
    if refused is not None:
        raise ReportError(
            _("所在单位党组织未通过您的手机号变更申请（原因：%(r)s），如有疑问请联系单位党组织") % {"r": refused.reason}
        )


def _member_user_create(member: Member, *, password: str) -> User:
    user = user_create(
        username=f"m{member.pk}",
        password=password,
        display_name=member.name,
        mobile=member.mobile,
        roles=[{"role": Role.MEMBER, "member": member}],
    )
    member.user = user
    member.save(update_fields=["user"])
    return user


@transaction.atomic
def member_activate_by_roster(*, id_number: str, mobile: str, password: str) -> User:
    """Self-report without a certificate: the ID number and mobile must match the roster.

    An ID number on the roster with another mobile raises RosterMobileMismatch (the member may ask
    the unit to approve the new mobile), or says how the member's earlier request stands.
    """
    member = _roster_member(id_number)
    mobile_hash = crypto.lookup_hash(mobile.strip())
    if member.mobile_hash != mobile_hash:
        _check_mobile_request_allowed(member, mobile_hash)
        raise RosterMobileMismatch(
            {
                "mobile": _(
                    "身份证号和手机号与党员名册不一致：名册登记的不是这个手机号。如已更换手机号，"
                    "请勾选“申请以新手机号报到”后再提交，由所在单位党组织审核"
                )
            }
        )
    if member.user_id:
        raise ReportError(_("您已开通账号，请直接登录"))
    return _member_user_create(member, password=password)


def _unit_secretaries(unit_id: int) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(role=Role.UNIT_SECRETARY, is_active=True, unit_id=unit_id, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )


def _tell_unit_secretaries(request: MobileChangeRequest, *, step: str, title: str, body: str) -> None:
    from baodao.notifications.services import notify

    url = f"{reverse('reporting:ledger')}?status=unit_approval#mobile-requests"
    for ra in _unit_secretaries(request.member.unit_id):
        notify(user=ra.user, title=title, body=body, url=url, dedupe_key=f"mobile-request:{request.pk}:{step}")


@transaction.atomic
def mobile_change_request_submit(
    *, id_number: str, mobile: str, password: str, community: Place
) -> MobileChangeRequest:
    """A member on the roster with a changed mobile asks to report with the new one.

    At most one request waits per member (a constraint); a mobile the unit refused is not asked
    for again. The unit's secretaries are told; nothing else changes until one of them decides.
    """
    if community.kind != Place.Kind.COMMUNITY:
        raise ReportError(_("请从社区的扫码报到页面提交"))
    mobile = mobile.strip()
    if err := mobile_error(mobile):
        raise ReportError({"mobile": err})
    member = _roster_member(id_number)
    mobile_hash = crypto.lookup_hash(mobile)
    if member.mobile_hash == mobile_hash:
        raise ReportError({"mobile": _("手机号与党员名册一致，无需申请，请直接核对并开通账号")})
    if member.status != Member.Status.IN_SERVICE:
        raise ReportError(_("名册中您不是在职党员，无需报到；如有变动请联系所在单位党组织"))
    _check_mobile_request_allowed(member, mobile_hash)
    if User.objects.filter(mobile_hash=mobile_hash).exists():
        raise ReportError({"mobile": _("该手机号已被其他账号使用，请换一个手机号或联系所在单位党组织")})
    try:
        with transaction.atomic():
            request = MobileChangeRequest.objects.create(
                member=member,
                community=community,
                mobile=mobile,
                mobile_hash=mobile_hash,
                password_hash=make_password(password),
            )
    except IntegrityError as exc:  # a double submit raced past the check above
        raise ReportError(_("该身份证号已有一份待审核的手机号变更申请，请等待所在单位党组织审核")) from exc
    _tell_unit_secretaries(
        request,
        step="submitted",
        title=_("%(name)s申请以新手机号报到") % {"name": member.name},
        body=_(
            "%(name)s（%(org)s）扫描%(c)s的报到海报报到，但手机号与名册不一致，申请改用新手机号 %(m)s。"
            "请核实后在报到台账中审核通过或退回。"
        )
        % {"name": member.name, "org": member.party_org.name, "c": community.name, "m": mask_mobile(mobile)},
    )
    return request


@transaction.atomic
def mobile_change_request_approve(*, request: MobileChangeRequest, by: User) -> MobileChangeRequest:
    """The unit secretary vouches for the new mobile: the roster takes it (encrypted, re-hashed),
    the member's account opens with the password chosen in the request."""
    members: list[Member] = []

    def check(row: MobileChangeRequest) -> None:
        member = Member.objects.select_for_update().get(pk=row.member_id)
        if member.user_id:
            raise ReportError(_("%(name)s 已开通账号，无需审核") % {"name": member.name})
        if User.objects.filter(mobile_hash=row.mobile_hash).exists():
            raise ReportError(_("该手机号已被其他账号使用，请退回并告知党员换一个手机号"))
        directory_services.member_update(member=member, mobile=row.mobile)
        # The password was validated and hashed when the member chose it; a random one stands in
        # until the stored hash replaces it.
        user = _member_user_create(member, password=secrets.token_urlsafe(24))
        user.password = row.password_hash
        user.save(update_fields=["password"])
        members.append(member)

    changes = {"decided_by": by, "decided_at": timezone.now(), "password_hash": ""}
    request = apply(mobile_requests, "approve", request, by=by, check=check, changes=changes)
    member = members[0]
    _tell_unit_secretaries(
        request,
        step="approved",
        title=_("已通过%(name)s的手机号变更申请") % {"name": member.name},
        body=_("%(by)s审核通过：名册手机号已更新，%(name)s的账号已开通，可登录后到%(c)s报到。")
        % {"by": by.display_name or by.username, "name": member.name, "c": request.community.name},
    )
    return request


@transaction.atomic
def mobile_change_request_refuse(*, request: MobileChangeRequest, by: User, reason: str) -> MobileChangeRequest:
    """The unit secretary refuses, with a reason the member reads on the self-report page."""
    if not reason.strip():
        raise ReportError({"reason": _("退回时请填写原因")})
    changes = {"reason": reason.strip()[:200], "decided_by": by, "decided_at": timezone.now(), "password_hash": ""}
    request = apply(mobile_requests, "refuse", request, by=by, changes=changes)
    _tell_unit_secretaries(
        request,
        step="refused",
        title=_("已退回%(name)s的手机号变更申请") % {"name": request.member.name},
        body=_("%(by)s退回了%(name)s的手机号变更申请，原因：%(r)s。名册未作改动。")
        % {"by": by.display_name or by.username, "name": request.member.name, "r": request.reason},
    )
    return request


@transaction.atomic
def member_report_submit(
    *,
    member: Member,
    community: Place,
    residence: Place,
    room: str,
    skills: Iterable[Category],
    intentions: Iterable[Category],
    team_types: Iterable[Category],
    commitment_accepted: bool,
    certificate: Certificate | None = None,
) -> MemberReport:
    """Step 2: register at the residence community, choose skills and teams, sign the commitment."""
    team_types = list(team_types)
    errors: dict[str, str] = {}
    if member.status != Member.Status.IN_SERVICE:
        raise ReportError(_("只有在职党员需要报到"))
    if residence.kind not in RESIDENCE_KINDS or not residence.path.startswith(community.path):
        errors["residence"] = _("居住地必须是%(c)s内的小区、网格或楼栋") % {"c": community.name}
    city = directory_services.city_of(community)
    min_teams = rules.get_rule_int("member_min_teams", city=city)
    if len(team_types) < min_teams:
        errors["team_types"] = _("请至少选择 %(n)d 个志愿服务队类型") % {"n": min_teams}
    if not commitment_accepted:
        errors["commitment"] = _("请阅读并签署服务承诺书")
    if errors:
        raise ReportError(errors)
    if certificate is not None:
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status != Certificate.Status.ISSUED or certificate.member_id != member.pk:
            raise ReportError(_("该报到证已使用或已作废"))
    if MemberReport.objects.filter(member=member, status__in=MemberReport.ACTIVE).exists():
        raise ReportError(_("您已提交过报到，无需重复提交"))
    returned = MemberReport.objects.filter(member=member, status=MemberReport.Status.RETURNED).first()
    # A report returned by this community is corrected and resubmitted in place (same row).
    resubmitted = returned if returned and returned.community_id == community.pk else None
    # A resubmission is still the report its certificate started: the certificate (used up by the
    # first submission, so the member comes back through the community's page) vouched for the
    # community, and the report keeps source=certificate.
    by_certificate = certificate is not None or (
        resubmitted is not None and resubmitted.source == MemberReport.Source.CERTIFICATE
    )
    # Self-reporting members matched the roster at activation; the unit approves only what the
    # roster did not vouch for: a report to a community other than the one the roster names.
    roster_community = community_of(member.residence)
    needs_unit = not by_certificate and (roster_community is None or roster_community.pk != community.pk)
    status = MemberReport.Status.UNIT_APPROVAL if needs_unit else MemberReport.Status.PENDING
    fields = {
        "unit_id": member.unit_id,
        "certificate": certificate or (resubmitted.certificate if resubmitted else None),
        "source": MemberReport.Source.CERTIFICATE if by_certificate else MemberReport.Source.SELF,
        "community": community,
        "residence": residence,
        "room": room.strip()[:50],
        "commitment_text": commitment_text(city=city),
        "status": status,
        "return_reason": "",
    }
    try:
        with transaction.atomic():
            if resubmitted is not None:
                for k, v in fields.items():
                    setattr(resubmitted, k, v)
                resubmitted.submitted_at = timezone.now()
                resubmitted.save()
                report, kind = resubmitted, ReportEvent.Kind.RESUBMITTED
            else:
                report = MemberReport.objects.create(member=member, **fields)
                kind = ReportEvent.Kind.SUBMITTED
    except IntegrityError as exc:  # a double submit raced past the check above
        raise ReportError(_("您已提交过报到，无需重复提交")) from exc
    report.team_types.set(team_types)
    if status != MemberReport.Status.UNIT_APPROVAL:  # a new address waits for the unit's approval
        member.residence = residence
        member.save(update_fields=["residence"])
    member.skills.set(skills)
    member.intentions.set(intentions)
    if certificate is not None:
        certificate.status = Certificate.Status.USED
        certificate.save(update_fields=["status"])
        _event(
            kind=ReportEvent.Kind.CERTIFICATE,
            actor=certificate.issued_by,
            note=certificate.number,
            member_report=report,
            at=certificate.issued_at,
        )
    _event(kind=kind, actor=member.user, member_report=report)
    notices.member_report_submitted(report, member.user)
    return report


@transaction.atomic
def member_report_unit_approve(*, report: MemberReport, by: User) -> MemberReport:
    report = apply(member_reports, "unit_approve", report, by=by)
    report.member.residence = report.residence
    report.member.save(update_fields=["residence"])
    return report


@transaction.atomic
def member_reports_confirm(*, reports: Iterable[MemberReport], by: User) -> int:
    """Step 3: the community confirms (many at once); each receipt goes to the unit's ledger."""
    now = timezone.now()
    rows = apply_many(
        member_reports,
        "confirm",
        list(reports),
        by=by,
        changes=lambda r: {"decided_by": by, "decided_at": now, "receipt_number": _number("HZ")},
    )
    ReportEvent.objects.bulk_create(
        [ReportEvent(kind=ReportEvent.Kind.RECEIPT, actor=by, member_report=r, note=r.receipt_number) for r in rows]
    )
    return len(rows)


@transaction.atomic
def member_report_return(*, report: MemberReport, by: User, reason: str) -> MemberReport:
    reason = reason.strip()[:200]
    changes = {"return_reason": reason, "decided_by": by, "decided_at": timezone.now()}
    return apply(member_reports, "return", report, by=by, check=_reason_given(reason), changes=changes, note=reason)


def _end_active(member: Member, reason: str, by: User | None) -> MemberReport | None:
    report = MemberReport.objects.select_for_update().filter(member=member, status__in=MemberReport.ACTIVE).first()
    if report is None:
        return None
    changes = {"ended_at": timezone.now(), "end_reason": reason}
    return apply(member_reports, "end", report, by=by, changes=changes, note=lambda r: r.get_end_reason_display())


@transaction.atomic
def reports_follow_moved_place(*, place: Place, by: User | None = None) -> int:
    """A compound, grid or building was moved under another community (place_move, admin): the
    active reports and open certificates of the members living there now belong to that community.
    The members did not move, so a confirmed report stays confirmed; its timeline says where it came
    from, and the audit log keeps the old community. Returns the reports moved.

    A community or an area above one takes its residences along unchanged: nothing to do."""
    if place.kind not in (Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING):
        return 0
    new = community_of(place)  # every residence under a compound lies in the compound's community
    if new is None:
        return 0
    reports = list(
        MemberReport.objects.select_for_update()
        .filter(status__in=MemberReport.ACTIVE, residence__path__startswith=place.path)
        .exclude(community=new)
        .select_related("community")
        .order_by("pk")
    )
    for report in reports:
        old = report.community
        report.community = new
        report.save(update_fields=["community"])  # save(): the audit log keeps the old community
        _event(
            kind=ReportEvent.Kind.TRANSFERRED,
            actor=by,
            note=_("所在小区由%(old)s划归%(new)s") % {"old": old.name, "new": new.name},
            member_report=report,
        )
    certificates = Certificate.objects.filter(
        status=Certificate.Status.ISSUED, member__residence__path__startswith=place.path
    ).exclude(community=new)
    for cert in certificates:
        cert.community = new
        cert.save(update_fields=["community"])
    return len(reports)


@transaction.atomic
def member_move(*, member: Member, residence: Place, by: User | None, room: str = "") -> MemberReport | None:
    """Moving house moves the report: the old one ends, a new one goes to the new community for
    confirmation, carrying the member's teams and commitment. A move within the same community
    only updates the residence of the report (an event on its timeline). Returns the member's
    report now in force (None when the member had not reported)."""
    if residence.kind not in RESIDENCE_KINDS:
        raise ReportError({"residence": _("居住地应为小区、网格或楼栋")})
    community = community_of(residence)
    if community is None:
        raise ReportError({"residence": _("新居住地不在任何社区内")})
    active = MemberReport.objects.select_for_update().filter(member=member, status__in=MemberReport.ACTIVE).first()
    if active is not None and active.community_id == community.pk:
        # Same community: the report stays as it is (confirmed stays confirmed); the community is
        # not asked to confirm a second time (DOMAIN.md §5, no extra burden on communities).
        before = active.residence
        active.residence, active.room = residence, room.strip()[:50]
        active.save(update_fields=["residence", "room"])
        member.residence = residence
        member.save(update_fields=["residence"])
        _event(
            kind=ReportEvent.Kind.MOVED,
            actor=by,
            note=_("由 %(a)s 迁至 %(b)s") % {"a": before.residence_label, "b": residence.residence_label},
            member_report=active,
        )
        return active
    old = _end_active(member, MemberReport.EndReason.MOVED, by)
    member.residence = residence
    member.save(update_fields=["residence"])
    if old is None:
        return None
    new = MemberReport.objects.create(
        member=member,
        unit_id=member.unit_id,
        source=old.source,
        community=community,
        residence=residence,
        room=room,
        commitment_text=old.commitment_text,
        status=MemberReport.Status.PENDING,
    )
    new.team_types.set(old.team_types.all())
    _event(kind=ReportEvent.Kind.SUBMITTED, actor=by, note=_("搬家后转至新社区"), member_report=new)
    return new


STATUS_END_REASON: dict[str, str] = {
    Member.Status.RETIRED: MemberReport.EndReason.RETIRED,
    Member.Status.TRANSFERRED: MemberReport.EndReason.TRANSFERRED,
}


@transaction.atomic
def member_set_status(*, member: Member, status: str, by: User | None) -> Member:
    """Retiring or transferring ends the report and takes the member out of every denominator."""
    if status not in Member.Status.values:
        raise ReportError({"status": _("未知状态")})
    member.status = status
    member.save(update_fields=["status"])
    if status != Member.Status.IN_SERVICE:
        _end_active(member, STATUS_END_REASON[status], by)
        _revoke_open_certificates(member)
    return member


@transaction.atomic
def member_leave_unit(*, member: Member, unit: Unit, party_org: PartyOrg, by: User | None) -> Member:
    """Leaving the unit for another one ends the report; the new unit issues a new certificate."""
    if party_org.unit_id != unit.pk:
        raise ReportError({"party_org": _("党组织不属于该单位")})
    if unit.pk == member.unit_id:
        raise ReportError({"unit": _("%(name)s 已在%(unit)s，无需调整") % {"name": member.name, "unit": unit.name}})
    _end_active(member, MemberReport.EndReason.LEFT_UNIT, by)
    _revoke_open_certificates(member)
    member.unit, member.party_org = unit, party_org
    member.save(update_fields=["unit", "party_org"])
    return member


@transaction.atomic
def member_leave_unit_by_code(
    *, member: Member, unit_code: str, party_org_name: str = "", by: User | None
) -> tuple[Unit, PartyOrg]:
    """member_leave_unit with the new unit given by its code (and the party organization by name,
    blank for the unit's first one), as typed on the member page or sent to the API."""
    from baodao.reporting.selectors import leave_target

    unit, party_org = leave_target(member, unit_code=unit_code, party_org_name=party_org_name)
    if unit is None:
        raise ReportError({"unit": _("找不到编码为 %(c)s 的单位（须为本市在册单位）") % {"c": unit_code.strip()}})
    if party_org is None:
        raise ReportError(
            {"party_org": _("%(u)s 没有名为 %(o)s 的党组织") % {"u": unit.name, "o": party_org_name.strip()}}
        )
    member_leave_unit(member=member, unit=unit, party_org=party_org, by=by)
    return unit, party_org
