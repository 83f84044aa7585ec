"""Service certificates (服务证明): issued on the confirmed record, revoked, and whom to ask about one."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.directory.models import Member, Place
from baodao.notifications.selectors import community_staff
from baodao.records.models import (
    Record,
    ServiceCertificate,
)
from baodao.records.transitions import RecordConflict, RecordError


def certificate_issue(
    *, member: Member, community: Place, starts_on: dt.date, ends_on: dt.date, by: User
) -> ServiceCertificate:
    """志愿服务记录证明 of the member's confirmed records in the community over the period."""
    from collections import defaultdict

    if ends_on < starts_on:
        raise RecordError(_("截止日期不能早于起始日期"))
    if ends_on > timezone.localdate():
        raise RecordError(_("截止日期不能晚于今天"))
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(starts_on, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = Record.objects.filter(
        member=member, community=community, status=Record.Status.CONFIRMED, starts_at__gte=start, starts_at__lt=end
    ).select_related("kind")
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    activities = logged = 0
    for r in rows:
        k = by_kind[r.kind.name if r.kind else _("其他服务")]
        k[0] += 1
        k[1] += r.minutes
        activities += r.counts_as_activity
        logged += r.source == Record.Source.LOGGED
    if not by_kind:
        raise RecordError(_("该时段内在%(c)s没有经社区确认的服务纪实，不能出具证明") % {"c": community.name})
    contact = certificate_contact(community, by)
    with transaction.atomic():
        cert = ServiceCertificate.objects.create(
            number=f"ZY{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}",
            token=secrets.token_urlsafe(16)[:22],
            member=member,
            community=community,
            starts_on=starts_on,
            ends_on=ends_on,
            records=sum(v[0] for v in by_kind.values()),
            activities=activities,
            logged=logged,
            minutes=sum(v[1] for v in by_kind.values()),
            summary=sorted(([k, v[0], v[1]] for k, v in by_kind.items()), key=lambda x: -x[2]),
            contact=contact,
            issued_by=by,
        )
    return cert


def certificate_contact(community: Place, issuer: User | None) -> str:
    """出具单位联系人 of a certificate: a staff member of the issuing community (the issuer when the
    issuer is one, else one with a mobile first), by name and mobile — a name alone when no staff
    account has a mobile; "" only when the community has no staff account at all."""
    staff = community_staff(community).users
    if not staff:
        return ""
    # The issuer first, then whoever can be called (the mobile is encrypted: read per user).
    staff.sort(key=lambda u: (issuer is None or u.pk != issuer.pk, not u.mobile))
    first = staff[0]
    return " ".join(x for x in (first.display_name or first.username, first.mobile) if x)[:100]


def certificate_revoke(*, certificate: ServiceCertificate, by: User, reason: str) -> ServiceCertificate:
    if not reason.strip():
        raise RecordError(_("请填写作废原因"))
    with transaction.atomic():
        row = ServiceCertificate.objects.select_for_update().get(pk=certificate.pk)
        if row.revoked_at is not None:
            raise RecordConflict(_("该证明已作废"))
        row.revoked_at = timezone.now()
        row.revoke_reason = reason.strip()[:200]
        row.save(update_fields=["revoked_at", "revoke_reason"])
    return row
