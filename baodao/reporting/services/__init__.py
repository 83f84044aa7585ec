"""Writes of 双报到, one module per thing the pages show: unit reports (units), report certificates
(certificates), members' accounts and mobile changes (activation), member reports
(member_reports), dynamic management (dynamic) and the commitment text (commitments). The public
names are the same as when this was one module: `from baodao.reporting import services`.

Every function here raises ReportError for a refused step.
"""

from __future__ import annotations

from baodao.reporting.transitions import ReportError

from .activation import (
    RosterMobileMismatch,
    member_activate,
    member_activate_by_roster,
    mobile_change_request_approve,
    mobile_change_request_refuse,
    mobile_change_request_submit,
)
from .certificates import (
    TOKEN_SALT,
    BatchIssue,
    certificate_from_token,
    certificate_issue,
    certificate_token,
    certificates_batch_plan,
    certificates_issue_batch,
)
from .commitments import (
    COMMITMENT_MAX_LENGTH,
    DEFAULT_COMMITMENT,
    commitment_template_set,
    commitment_text,
    commitment_text_error,
)
from .common import RESIDENCE_KINDS
from .dynamic import (
    STATUS_END_REASON,
    member_leave_unit,
    member_leave_unit_by_code,
    member_move,
    member_set_status,
    reports_follow_moved_place,
)
from .member_reports import (
    member_report_return,
    member_report_submit,
    member_report_unit_approve,
    member_reports_confirm,
)
from .units import unit_assign, unit_functions_set, unit_report_confirm, unit_report_return, unit_report_submit

__all__ = [
    "BatchIssue",
    "COMMITMENT_MAX_LENGTH",
    "DEFAULT_COMMITMENT",
    "RESIDENCE_KINDS",
    "ReportError",
    "RosterMobileMismatch",
    "STATUS_END_REASON",
    "TOKEN_SALT",
    "certificate_from_token",
    "certificate_issue",
    "certificate_token",
    "certificates_batch_plan",
    "certificates_issue_batch",
    "commitment_template_set",
    "commitment_text",
    "commitment_text_error",
    "member_activate",
    "member_activate_by_roster",
    "member_leave_unit",
    "member_leave_unit_by_code",
    "member_move",
    "member_report_return",
    "member_report_submit",
    "member_report_unit_approve",
    "member_reports_confirm",
    "member_set_status",
    "mobile_change_request_approve",
    "mobile_change_request_refuse",
    "mobile_change_request_submit",
    "reports_follow_moved_place",
    "unit_assign",
    "unit_functions_set",
    "unit_report_confirm",
    "unit_report_return",
    "unit_report_submit",
]
