"""Dynamic management (动态管理): members who move, change status or leave their unit,
and the reports that follow them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import apply
from baodao.directory import services as directory_services
from baodao.directory import transitions as directory_transitions
from baodao.directory.models import Member, PartyOrg, Place, Unit
from baodao.directory.selectors import community_of
from baodao.reporting import signals
from baodao.reporting.models import (
    Certificate,
    MemberReport,
    ReportEvent,
)
from baodao.reporting.selectors import leave_target
from baodao.reporting.transitions import ReportError, member_reports

from .certificates import _revoke_open_certificates
from .common import RESIDENCE_KINDS, _event


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
        signals.member_report_transferred.send(sender=MemberReport, report=report, old_community_id=old.pk)
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
        directory_services.member_settle(member=member, residence=residence)
        _event(
            kind=ReportEvent.Kind.MOVED,
            actor=by,
            note=_("由 %(a)s 迁至 %(b)s") % {"a": before.residence_label, "b": residence.residence_label},
            member_report=active,
        )
        return active
    old = _end_active(member, MemberReport.EndReason.MOVED, by)
    directory_services.member_settle(member=member, residence=residence)
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
    steps: dict[str, str] = {Member.Status.RETIRED: "retire", Member.Status.TRANSFERRED: "transfer"}
    step = steps.get(status, "reinstate")
    apply(directory_transitions.members, step, member, by=by)  # its `moved` tells the roster changed
    member.refresh_from_db(fields=["status"])  # the caller's copy says what it became
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

    unit, party_org = leave_target(member, unit_code=unit_code, party_org_name=party_org_name)
    if unit is None:
        raise ReportError({"unit": _("找不到编码为 %(c)s 的单位（须为本市在册单位）") % {"c": unit_code.strip()}})
    if party_org is None:
        raise ReportError(
            {"party_org": _("%(u)s 没有名为 %(o)s 的党组织") % {"u": unit.name, "o": party_org_name.strip()}}
        )
    member_leave_unit(member=member, unit=unit, party_org=party_org, by=by)
    return unit, party_org
