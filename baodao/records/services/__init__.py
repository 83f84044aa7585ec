"""Writes of the service record, one module per thing the pages show: activities (activities),
attendance by the rotating code or by hand (attendance), service logged and its confirmation by
the community (logged), service logged against a claim of the three lists (claimed), certificates,
teams, pairings, call-ups, commitments and leader visits.
Callers asked records.access first (who may); these functions keep the domain's rules (capacity,
overlaps, the code's window, states). The public names are the same as when this was one module:
`from baodao.records import services; services.record_log(...)`.

Every function here raises RecordError (400) or RecordConflict (409) for a refused step.
"""

from __future__ import annotations

from baodao.records.transitions import RecordConflict, RecordError

from .activities import (
    ACTIVITY_MAX_AHEAD,
    activity_cancel,
    activity_close,
    activity_create,
    activity_signup,
    signup_cancel,
)
from .attendance import attendance_mark, check_code, checkin, checkin_scanned, checkout, checkout_scanned
from .callups import callup_answer, callup_attend, callup_close, callup_create, callup_headcount, callup_members
from .certificates import certificate_contact, certificate_issue, certificate_revoke
from .claimed import claim_log, donor_of
from .commitments import commitment_edit, commitment_keep, commitment_make, commitment_withdraw
from .common import MAX_MINUTES, MAX_PHOTOS, STICKY_FLAGS, Aid
from .counting import counts_as_activity, min_attendance
from .flags import flags_for
from .leader_visits import leader_visit_decide, leader_visit_log
from .logged import own_record, record_confirm, record_edit, record_log, record_log_unit, record_return, records_confirm
from .pairings import pairing_create, pairing_end
from .teams import team_create, team_item_claim, team_join, team_leave, team_set_leader, teams_join_chosen

__all__ = [
    "ACTIVITY_MAX_AHEAD",
    "Aid",
    "MAX_MINUTES",
    "MAX_PHOTOS",
    "RecordConflict",
    "RecordError",
    "STICKY_FLAGS",
    "activity_cancel",
    "activity_close",
    "activity_create",
    "activity_signup",
    "attendance_mark",
    "callup_answer",
    "callup_attend",
    "callup_close",
    "callup_create",
    "callup_headcount",
    "callup_members",
    "certificate_contact",
    "certificate_issue",
    "certificate_revoke",
    "check_code",
    "checkin",
    "checkin_scanned",
    "checkout",
    "checkout_scanned",
    "claim_log",
    "commitment_edit",
    "commitment_keep",
    "commitment_make",
    "commitment_withdraw",
    "counts_as_activity",
    "donor_of",
    "flags_for",
    "leader_visit_decide",
    "leader_visit_log",
    "min_attendance",
    "own_record",
    "pairing_create",
    "pairing_end",
    "record_confirm",
    "record_edit",
    "record_log",
    "record_log_unit",
    "record_return",
    "records_confirm",
    "signup_cancel",
    "team_create",
    "team_item_claim",
    "team_join",
    "team_leave",
    "team_set_leader",
    "teams_join_chosen",
]
