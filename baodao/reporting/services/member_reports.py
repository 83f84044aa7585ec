"""Members' reports (党员报到): submitted, approved by the unit, confirmed or returned by the community."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core import rules
from baodao.core.transitions import apply, apply_many
from baodao.directory import selectors as directory_selectors
from baodao.directory import services as directory_services
from baodao.directory.models import Category, Member, Place
from baodao.directory.selectors import community_of
from baodao.reporting import notices
from baodao.reporting.models import (
    Certificate,
    MemberReport,
    ReportEvent,
)
from baodao.reporting.transitions import ReportError, certificates, member_reports

from .certificates import _number
from .commitments import commitment_text
from .common import RESIDENCE_KINDS, _event, _reason_given


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
    city = directory_selectors.city_of(community)
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
                # Corrected in place: the transition writes the timeline and tells who decides next.
                name = "resubmit_to_unit" if needs_unit else "resubmit"
                changes = {k: v for k, v in fields.items() if k != "status"} | {"submitted_at": timezone.now()}
                report = apply(member_reports, name, resubmitted, by=member.user, changes=changes)
                kind = ReportEvent.Kind.RESUBMITTED
            else:
                report = MemberReport.objects.create(member=member, **fields)
                kind = ReportEvent.Kind.SUBMITTED
    except IntegrityError as exc:  # a double submit raced past the check above
        raise ReportError(_("您已提交过报到，无需重复提交")) from exc
    report.team_types.set(team_types)
    if status != MemberReport.Status.UNIT_APPROVAL:  # a new address waits for the unit's approval
        directory_services.member_settle(member=member, residence=residence)
    member.skills.set(skills)
    member.intentions.set(intentions)
    if certificate is not None:
        apply(certificates, "use", certificate, by=member.user, locked=True)  # locked above
        _event(
            kind=ReportEvent.Kind.CERTIFICATE,
            actor=certificate.issued_by,
            note=certificate.number,
            member_report=report,
            at=certificate.issued_at,
        )
    if kind == ReportEvent.Kind.SUBMITTED:
        _event(kind=kind, actor=member.user, member_report=report)
        notices.member_report_submitted(report, member.user)
    return report


@transaction.atomic
def member_report_unit_approve(*, report: MemberReport, by: User) -> MemberReport:
    report = apply(member_reports, "unit_approve", report, by=by)
    directory_services.member_settle(member=report.member, residence=report.residence)
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
