"""Units assigned to communities and their reports (单位报到): submitted, confirmed, returned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import apply, apply_many
from baodao.core.validators import mobile_error
from baodao.directory import services as directory_services
from baodao.directory.models import Category, Place, Unit, UnitAssignment
from baodao.reporting import notices
from baodao.reporting.models import (
    ReportEvent,
    UnitReport,
)
from baodao.reporting.transitions import ReportError, unit_reports

from .common import _event, _reason_given


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
        # Corrected in place: the transition writes the timeline and tells the community.
        changes = {**fields, "return_reason": "", "submitted_by": by}
        report, kind = apply(unit_reports, "resubmit", returned, by=by, changes=changes), ReportEvent.Kind.RESUBMITTED
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
