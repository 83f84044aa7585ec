"""What the record does when a lower layer tells it of a change (connected in RecordsConfig.ready())."""

from __future__ import annotations

from baodao.records.services import teams_join_chosen
from baodao.reporting import signals as reporting_signals
from baodao.reporting.models import MemberReport


def report_moved(sender: type, report: MemberReport, old: str, **kw: object) -> None:
    """A report confirmed: the member joins the community's teams of the types chosen when reporting
    (the registration asked; the member is not asked twice). In the confirmation's transaction."""
    if report.status == MemberReport.Status.CONFIRMED:
        teams_join_chosen(report=report)


def connect() -> None:
    reporting_signals.member_report_moved.connect(report_moved, dispatch_uid="records.report_moved")
