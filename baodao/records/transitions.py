"""The status table of a service record (纪实), run by core.transitions: the community confirms or
returns a pending record; a returned one is corrected and sent again (a new version, the old one
kept in the timeline). Who hears of each step is named here (件件有回音), what they read is in
records.notices. Counting moves with the status (`_moved`), in the same transaction.

Corrections that keep the status (staff mending a pending or confirmed record) are no transition:
services.record_edit writes them, and their counts move by the difference.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from baodao.accounts.models import User
from baodao.core.transitions import Transition, Workflow
from baodao.records import notices, signals
from baodao.records.models import Record, RecordEvent
from baodao.records.notices import COMMUNITY, OWNER


class RecordError(ValidationError):
    """A refused step of the record, with a message fit to show the user (400)."""

    status = 400


class RecordConflict(RecordError):
    """Refused because the activity is full, the seat is taken or the row moved on (409)."""

    status = 409


def _event(row: Record, t: Transition, by: User | None, note: str) -> None:
    # A resubmission keeps the version it replaced (set on the locked row by services.record_edit).
    previous = getattr(row, "_previous_version", None) or {}
    RecordEvent.objects.create(record=row, kind=t.event, actor=by, note=note[:300], previous=previous)


def _moved(row: Record, old: str, before: Record) -> None:
    """A confirmed record counts; one that stops being confirmed stops counting (as it was)."""
    if old == Record.Status.CONFIRMED:
        signals.record_counted.send(sender=Record, record=before, sign=-1)
    if row.status == Record.Status.CONFIRMED:
        signals.record_counted.send(sender=Record, record=row, sign=1)


S = Record.Status
E = RecordEvent.Kind
STAFF = _("服务所在社区的工作人员（不能是登记人或本人）")

RECORD = [
    Transition("confirm", (S.PENDING,), S.CONFIRMED, STAFF, _("该纪实不是待确认状态"), E.CONFIRMED, (OWNER,)),
    Transition("return", (S.PENDING, S.CONFIRMED), S.RETURNED, STAFF, _("该纪实已退回"), E.RETURNED, (OWNER,)),
    Transition(
        "resubmit",
        (S.RETURNED,),
        S.PENDING,
        _("纪实本人（党员；单位的纪实由单位党组织书记）或社区工作人员，修改后"),
        _("只有被退回的纪实可以修改后重新提交"),
        E.RESUBMITTED,
        (COMMUNITY,),
    ),
]

records = Workflow(Record, RECORD, record=_event, announce=notices.announce, moved=_moved, error=RecordConflict)
