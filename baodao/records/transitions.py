"""The status tables of the record app, run by core.transitions.

A service record (纪实): the community confirms or returns a pending record; a returned one is
corrected and sent again (a new version, the old one kept in the timeline). Who hears of each step
is named here (件件有回音), what they read is in records.notices. Counting moves with the status
(`_moved`), in the same transaction. Corrections that keep the status (staff mending a pending or
confirmed record) are no transition: services.record_edit writes them, and their counts move by the
difference.

Then the activity and its sign-ups (attendance), the call-up, the unit's yearly commitment and the
city leader's visit: none of them writes a timeline of its own or moves a counter — an attendance
counts through the record it makes.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from baodao.accounts.models import User
from baodao.core.transitions import Transition, Workflow
from baodao.records import notices, signals
from baodao.records.models import Activity, Callup, Commitment, LeaderVisit, Record, RecordEvent, Signup
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

records = Workflow(
    Record, RECORD, initial=(S.PENDING,), record=_event, announce=notices.announce, moved=_moved, error=RecordConflict
)


A = Activity.Status
ACTIVITY = [
    Transition("close", (A.OPEN,), A.CLOSED, _("活动组织者、社区工作人员（或上级管理员），活动结束后"), _("活动%(s)s")),
    Transition(
        "cancel", (A.OPEN,), A.CANCELLED, _("活动组织者、社区工作人员（或上级管理员），尚无人签到时"), _("活动%(s)s")
    ),
]
activities = Workflow(Activity, ACTIVITY, initial=(A.OPEN,), error=RecordConflict)

G = Signup.Status
# The state's own label reads after 该报名 (已签到, 已取消, 未到): no 已 before it.
ATTENDANCE = (G.SIGNED, G.CHECKED_IN, G.NO_SHOW)
ATTENDED_BY = _("党员扫签退码；活动组织者手工登记；系统（结束考勤时已签到未签退的）")
SIGNUP = [
    Transition("cancel", (G.SIGNED,), G.CANCELLED, _("报名的党员，活动开始前"), _("该报名%(s)s，不能取消")),
    Transition("check_in", (G.SIGNED,), G.CHECKED_IN, _("报名的党员扫签到码"), _("该报名%(s)s")),
    Transition("attend", ATTENDANCE, G.ATTENDED, ATTENDED_BY, _("该报名%(s)s，考勤已登记")),
    Transition("short", ATTENDANCE, G.SHORT, ATTENDED_BY, _("该报名%(s)s，考勤已登记")),
    Transition("no_show", (G.SIGNED,), G.NO_SHOW, _("系统（结束考勤时，报名未签到的）"), _("该报名%(s)s")),
    Transition("void", (G.SIGNED,), G.CANCELLED, _("系统（活动取消时）"), _("该报名%(s)s")),
]
signups = Workflow(Signup, SIGNUP, initial=(G.SIGNED,), error=RecordConflict)

C = Callup.Status
CALLUP = [Transition("close", (C.OPEN,), C.CLOSED, _("社区工作人员（或上级管理员）"), _("该动员已结束"))]
callups = Workflow(Callup, CALLUP, initial=(C.OPEN,), error=RecordConflict)

P = Commitment.Status
COMMITMENT = [
    Transition("withdraw", (P.PROMISED,), P.WITHDRAWN, _("作出承诺的单位党组织书记"), _("该承诺%(s)s，不能再撤回")),
    Transition("keep", (P.PROMISED,), P.DONE, _("承诺所在社区的工作人员"), _("该承诺%(s)s，不能再确认兑现")),
]
commitments = Workflow(Commitment, COMMITMENT, initial=(P.PROMISED,), error=RecordConflict)

V = LeaderVisit.Status
VISIT_DECIDERS = _("被调研社区的工作人员（不能是登记人或市级领导本人）")
LEADER_VISIT = [
    Transition("confirm", (V.PENDING,), V.CONFIRMED, VISIT_DECIDERS, _("该调研记录%(s)s")),
    Transition("return", (V.PENDING,), V.RETURNED, VISIT_DECIDERS, _("该调研记录%(s)s")),
]
leader_visits = Workflow(LeaderVisit, LEADER_VISIT, initial=(V.PENDING,), error=RecordConflict)
