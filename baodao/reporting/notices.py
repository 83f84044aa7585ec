"""Who hears of each step of 双报到, and what they read (件件有回音).

Every step that someone waits on sends a message, in the inbox and through the outside channels,
once the step has committed: a member's report submitted → the community's staff (or the unit's
secretaries, while it waits for the unit); confirmed → the member, and the unit's secretaries with
the receipt; returned → the member with the reason, and the unit's secretaries; a unit's report
submitted → the community's staff; confirmed or returned → the unit's secretaries. Nobody is told
of a step they took themselves. The transition table names who hears (`Transition.tell`); this
module says what they read.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import Transition
from baodao.directory.models import Place, Unit
from baodao.notifications import selectors as recipients
from baodao.notifications.services import notify
from baodao.reporting.models import MemberReport, UnitReport

# Who hears, as the transition tables name them.
MEMBER, UNIT, COMMUNITY = "党员", "单位党组织书记", "社区工作人员"


def community_staff(community: Place) -> list[User]:
    return recipients.community_staff(community).users


def unit_secretaries(unit: Unit) -> list[User]:
    return recipients.unit_secretaries(unit).users


def _send(users: Iterable[User], by: User | None, *, title: str, body: str, url: str) -> None:
    # Each step happens once (its transaction committed once): no dedupe key is needed.
    for user in users:
        if by is None or user.pk != by.pk:
            notify(user=user, title=title, body=body, url=url)


def _pending_url(community_id: int) -> str:
    return f"{reverse('reporting:pending')}?community={community_id}"


# --- member reports -------------------------------------------------------------------------------


def member_report_waiting(report: MemberReport, by: User | None) -> None:
    """A report now waits for a decision: the community's staff, or the unit's secretaries first."""
    who = {"m": report.member.name, "u": report.unit.name}
    if report.status == MemberReport.Status.UNIT_APPROVAL:
        _send(
            unit_secretaries(report.unit),
            by,
            title=_("%(m)s 的报到待单位审核") % who,
            body=_("%(m)s 扫社区二维码报到，需要本单位审核后再由社区确认。") % who,
            url=f"{reverse('reporting:ledger')}?status=unit_approval",
        )
        return
    _send(
        community_staff(report.community),
        by,
        title=_("新的党员报到待确认：%(m)s（%(u)s）") % who,
        body=_("%(m)s（%(u)s）已向本社区报到，请核对后确认或退回。") % who,
        url=_pending_url(report.community_id),
    )


def announce_member_report(report: MemberReport, t: Transition, by: User | None) -> None:
    """The member-report workflow's announcer (reporting.transitions)."""
    report = MemberReport.objects.select_related("member", "unit", "community").get(pk=report.pk)
    who = {"m": report.member.name, "c": report.community.name, "r": report.return_reason, "n": report.receipt_number}
    mine = reverse("reporting:my_report")
    ledger = reverse("reporting:ledger")
    member = recipients.member_users(report.member_id).users
    if t.name in ("unit_approve", "resubmit", "resubmit_to_unit"):
        member_report_waiting(report, by)
    elif t.name == "confirm":
        _send(member, by, title=_("您的报到已确认"), body=_("%(c)s已确认您的报到。") % who, url=mine)
        _send(
            unit_secretaries(report.unit),
            by,
            title=_("%(m)s 已在%(c)s报到") % who,
            body=_("回执 %(n)s 已归入本单位报到台账。") % who,
            url=ledger,
        )
    elif t.name == "return":
        _send(
            member,
            by,
            title=_("您的报到被退回"),
            body=_("退回原因：%(r)s。请按原因修改后重新提交。") % who,
            url=mine,
        )
        _send(
            unit_secretaries(report.unit),
            by,
            title=_("%(m)s 的报到被退回") % who,
            body=_("退回原因：%(r)s") % who,
            url=ledger,
        )


def member_report_submitted(report: MemberReport, by: User | None) -> None:
    """Called by member_report_submit: once committed, the report's first readers hear of it."""
    transaction.on_commit(lambda: member_report_waiting(report, by), robust=True)


# --- unit reports ---------------------------------------------------------------------------------


def unit_report_waiting(report: UnitReport, by: User | None) -> None:
    """A unit's report waits for the community: its staff hear of it."""
    who = {"u": report.unit.name}
    _send(
        community_staff(report.community),
        by,
        title=_("%(u)s 提交了单位报到") % who,
        body=_("%(u)s 已提交单位党组织报到和共建协议，请核对后确认或退回。") % who,
        url=_pending_url(report.community_id),
    )


def unit_report_submitted(report: UnitReport, by: User | None) -> None:
    """Called by unit_report_submit: the community's staff hear of it once committed."""
    transaction.on_commit(lambda: unit_report_waiting(report, by), robust=True)


def announce_unit_report(report: UnitReport, t: Transition, by: User | None) -> None:
    """The unit-report workflow's announcer (reporting.transitions)."""
    report = UnitReport.objects.select_related("unit", "community").get(pk=report.pk)
    who = {"c": report.community.name, "r": report.return_reason}
    page = reverse("reporting:unit_report")
    if t.name == "resubmit":
        unit_report_waiting(report, by)
    elif t.name == "confirm":
        _send(
            unit_secretaries(report.unit),
            by,
            title=_("单位报到已确认"),
            body=_("%(c)s已确认本单位报到，共建协议可打印。") % who,
            url=page,
        )
    elif t.name == "return":
        _send(
            unit_secretaries(report.unit),
            by,
            title=_("单位报到被退回"),
            body=_("%(c)s退回了本单位报到，原因：%(r)s。请修改后重新提交。") % who,
            url=page,
        )
