"""Report certificates (报到证): issued one by one or in a batch, revoked, found again by their token."""

from __future__ import annotations

import datetime as dt
import secrets
import zlib
from dataclasses import dataclass, field

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core import rules
from baodao.core.transitions import apply_many
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Member, Unit
from baodao.directory.selectors import community_of
from baodao.reporting.models import (
    Certificate,
    MemberReport,
)
from baodao.reporting.transitions import ReportError, certificates

TOKEN_SALT = "baodao.reporting.certificate"


def _revoke_open_certificates(member: Member) -> None:
    # Row by row (at most one is open), so the audit log sees each revocation; update() would not.
    apply_many(certificates, "revoke", Certificate.objects.filter(member=member, status=Certificate.Status.ISSUED))


def _number(prefix: str) -> str:
    return f"{prefix}{timezone.localdate():%Y%m%d}{secrets.token_hex(4).upper()}"


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
    days = rules.get_rule_int("report_deadline_days", city=directory_selectors.city_of(community))
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
