"""The status tables of 双报到: unit reports, member reports, report certificates, mobile-change
requests (run by core.transitions). A report returned by the community is corrected and submitted
again in place (the same row, `resubmit`); a member's goes to the unit first when the roster does
not vouch for the community."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from baodao.accounts.models import User
from baodao.core.transitions import Transition, Workflow
from baodao.reporting import notices, signals
from baodao.reporting.models import Certificate, MemberReport, MobileChangeRequest, ReportEvent, UnitReport
from baodao.reporting.notices import COMMUNITY, MEMBER, UNIT


class ReportError(ValidationError):
    """A refused step of 双报到, with a message fit to show the user."""


def _record(row: UnitReport | MemberReport, t: Transition, by: User | None, note: str) -> None:
    target = {"unit_report": row} if isinstance(row, UnitReport) else {"member_report": row}
    ReportEvent.objects.create(kind=t.event, actor=by, note=note[:200], **target)


def _member_report_moved(row: MemberReport, old: str, before: MemberReport) -> None:
    """Named for the layers above (records joins the member's teams on confirmation, stats moves
    its coverage and met-counts), in the step's transaction."""
    signals.member_report_moved.send(sender=MemberReport, report=row, old=old, before=before)


def _unit_report_moved(row: UnitReport, old: str, before: UnitReport) -> None:
    """Named for stats, which marks the coverage tallies where the unit counts."""
    signals.unit_report_moved.send(sender=UnitReport, report=row, old=old)


U = UnitReport.Status
M = MemberReport.Status
R = MobileChangeRequest.Status
C = Certificate.Status
STAFF = _("社区工作人员、上级管理员")

UNIT_REPORT = [
    Transition(
        "confirm", (U.SUBMITTED,), U.CONFIRMED, STAFF, _("该报到不是待确认状态"), ReportEvent.Kind.CONFIRMED, (UNIT,)
    ),
    Transition(
        "return", (U.SUBMITTED,), U.RETURNED, STAFF, _("该报到不是待确认状态"), ReportEvent.Kind.RETURNED, (UNIT,)
    ),
    Transition(
        "end",
        (U.SUBMITTED, U.CONFIRMED),
        U.ENDED,
        _("市、区管理员（重新分配联系社区时）"),
        _("该报到已结束"),
        ReportEvent.Kind.ENDED,
    ),
    Transition(
        "resubmit",
        (U.RETURNED,),
        U.SUBMITTED,
        _("单位党组织书记（按退回原因修改后）"),
        _("只有被退回的报到可以修改后重新提交"),
        ReportEvent.Kind.RESUBMITTED,
        (COMMUNITY,),
    ),
]
MEMBER_REPORT = [
    Transition(
        "unit_approve",
        (M.UNIT_APPROVAL,),
        M.PENDING,
        _("单位党组织书记"),
        _("该报到不需要单位审核"),
        ReportEvent.Kind.UNIT_APPROVED,
        (COMMUNITY,),
    ),
    Transition(
        "confirm",
        (M.PENDING,),
        M.CONFIRMED,
        STAFF,
        _("该报到不是待确认状态"),
        ReportEvent.Kind.CONFIRMED,
        (MEMBER, UNIT),
    ),
    Transition(
        "return",
        (M.PENDING, M.UNIT_APPROVAL),
        M.RETURNED,
        _("社区工作人员、上级管理员；单位党组织书记（待单位审核时）"),
        _("该报到不是待确认状态"),
        ReportEvent.Kind.RETURNED,
        (MEMBER, UNIT),
    ),
    Transition(
        "end",
        (M.PENDING, M.UNIT_APPROVAL, M.CONFIRMED),
        M.ENDED,
        _("单位党组织书记、居住地社区工作人员、上级管理员（迁居、调离、退休等）"),
        _("该报到已结束"),
        ReportEvent.Kind.ENDED,
    ),
    Transition(
        "resubmit",
        (M.RETURNED,),
        M.PENDING,
        _("党员（按退回原因修改后）"),
        _("只有被退回的报到可以修改后重新提交"),
        ReportEvent.Kind.RESUBMITTED,
        (COMMUNITY,),
    ),
    Transition(
        "resubmit_to_unit",
        (M.RETURNED,),
        M.UNIT_APPROVAL,
        _("党员（按退回原因修改后，报到社区不是花名册上的居住社区时）"),
        _("只有被退回的报到可以修改后重新提交"),
        ReportEvent.Kind.RESUBMITTED,
        (UNIT,),
    ),
]
MOBILE_REQUEST = [
    Transition("approve", (R.PENDING,), R.APPROVED, _("党员所在单位党组织书记"), _("该申请已审核，无需重复处理")),
    Transition("refuse", (R.PENDING,), R.REFUSED, _("党员所在单位党组织书记"), _("该申请已审核，无需重复处理")),
]

CERTIFICATE = [
    Transition("use", (C.ISSUED,), C.USED, _("持证党员（凭报到证报到时）"), _("该报到证已使用或已作废")),
    Transition(
        "revoke",
        (C.ISSUED,),
        C.REVOKED,
        _("单位党组织书记（重新签发时）；系统（党员离退休、调出或离开单位时）"),
        _("该报到证已使用或已作废"),
    ),
]

unit_reports = Workflow(
    UnitReport,
    UNIT_REPORT,
    initial=(U.SUBMITTED,),
    record=_record,
    announce=notices.announce_unit_report,
    moved=_unit_report_moved,
    error=ReportError,
)
member_reports = Workflow(
    MemberReport,
    MEMBER_REPORT,
    initial=(M.PENDING, M.UNIT_APPROVAL),
    record=_record,
    announce=notices.announce_member_report,
    moved=_member_report_moved,
    error=ReportError,
)
mobile_requests = Workflow(MobileChangeRequest, MOBILE_REQUEST, initial=(R.PENDING,), error=ReportError)
certificates = Workflow(Certificate, CERTIFICATE, initial=(C.ISSUED,), error=ReportError)
