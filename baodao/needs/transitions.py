"""The status tables of a demand and its service item, from submission to closure (销号), and of each
party's claim on the item, run by core.transitions. `python manage.py transitions` prints them;
tests/test_transitions.py walks the demand's as a matrix (every transition from every state, by
every role). A claim's steps write the item's timeline (DemandEvent)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from baodao.accounts.models import User
from baodao.core.transitions import Transition, Workflow
from baodao.needs import notices, signals
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.notices import CLAIMANTS, COMMUNITY, FOLLOWERS, RESIDENT


class NeedError(ValidationError):
    """A refused step of the three lists, with a message fit to show the user (400)."""

    status = 400


class NeedConflict(NeedError):
    """A step refused because someone else got there first or the item is taken (409)."""

    status = 409


class NeedLimit(NeedError):
    """A step refused because the person reached a daily limit (a rule row) (429)."""

    status = 429


def _record(row: Demand, t: Transition, by: User | None, note: str) -> None:
    DemandEvent.objects.create(demand=row, kind=t.event, actor=by, note=note[:300])


S = Demand.Status
E = DemandEvent.Kind
STAFF = _("社区工作人员、上级管理员")
PARTY = _("认领方（党员、服务队队长、单位党组织书记）或被派单方")

DEMAND = [
    Transition(
        "accept", (S.PENDING,), S.PUBLISHED, STAFF, _("该需求不是待审核状态"), E.ACCEPTED, (RESIDENT, FOLLOWERS)
    ),
    Transition("reject", (S.PENDING,), S.REJECTED, STAFF, _("该需求不是待审核状态"), E.REJECTED, (RESIDENT,)),
    Transition(
        "merge",
        (S.PENDING, S.PUBLISHED),
        S.MERGED,
        STAFF,
        _("只有待审核或已发布、尚无人认领的需求可以合并"),
        E.MERGED,
        (RESIDENT, FOLLOWERS),
    ),
    Transition(
        "withdraw",
        (S.PENDING, S.PUBLISHED),
        S.WITHDRAWN,
        _("提交需求的居民"),
        _("该需求%(s)s，不能撤回；如不再需要请联系社区"),
        E.WITHDRAWN,
        (COMMUNITY,),
    ),
    Transition(
        "claim",
        (S.PUBLISHED, S.CLAIMED),
        S.CLAIMED,
        PARTY,
        _("该服务项目当前不能认领"),
        E.CLAIMED,
        (RESIDENT, COMMUNITY),
    ),
    Transition(
        "dispatch",
        (S.PUBLISHED, S.CLAIMED, S.DISPATCHED),
        S.DISPATCHED,
        STAFF,
        _("该服务项目当前不能派单"),
        E.DISPATCHED,
        (RESIDENT, CLAIMANTS),
    ),
    Transition(
        "relist",
        (S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS),
        S.PUBLISHED,
        _("系统（最后一个认领撤回、被拒绝或超期释放时）"),
        _("该服务项目不在办理中"),
        "",
        (COMMUNITY,),
    ),
    Transition(
        "start", (S.CLAIMED, S.DISPATCHED), S.IN_PROGRESS, PARTY, _("该服务项目不是待办理状态"), E.STARTED, (RESIDENT,)
    ),
    Transition(
        "done",
        (S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS),
        S.DONE,
        PARTY,
        _("该服务项目不在办理中"),
        E.DONE,
        (RESIDENT, FOLLOWERS, COMMUNITY),
    ),
    Transition(
        "close",
        (S.DONE,),
        S.CLOSED,
        _("社区工作人员"),
        _("只有已完成、等待居民验收的服务项目可以销号"),
        E.CLOSED,
        (RESIDENT, FOLLOWERS, CLAIMANTS),
    ),
    Transition(
        "reopen",
        (S.DONE, S.CLOSED),
        S.IN_PROGRESS,
        _("提交需求的居民（验收期限内）"),
        _("该需求%(s)s，不能重新打开"),
        E.REOPENED,
        (CLAIMANTS, COMMUNITY),
    ),
    Transition(
        "unable",
        (S.PENDING, S.PUBLISHED, S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS),
        S.UNABLE,
        STAFF,
        _("该需求已办结或已关闭"),
        E.UNABLE,
        (RESIDENT, FOLLOWERS, CLAIMANTS),
    ),
]


def _moved(row: Demand, old: str, before: Demand) -> None:
    """Every status change, under the row's lock: stats keeps its counters by it."""
    signals.demand_moved.send(sender=Demand, demand=row, old=old, new=row.status, before=before)


demands = Workflow(
    Demand, DEMAND, initial=(S.PENDING,), record=_record, announce=notices.announce, moved=_moved, error=NeedError
)


def _claim_record(row: Claim, t: Transition, by: User | None, note: str) -> None:
    DemandEvent.objects.create(demand_id=row.demand_id, kind=t.event, actor=by, note=note[:300])


K = Claim.Status
MOVED_ON = _("该认领当前为“%(s)s”，不能再办理这一步")
CLAIM = [
    Transition("start", (K.CLAIMED, K.STARTED), K.STARTED, PARTY, _("该认领不在办理中")),
    Transition("done", (K.CLAIMED, K.STARTED), K.DONE, PARTY, MOVED_ON),
    Transition(
        "withdraw",
        (K.CLAIMED, K.STARTED),
        K.WITHDRAWN,
        _("认领方（每天限次数）"),
        MOVED_ON,
        E.CLAIM_WITHDRAWN,
        (COMMUNITY,),
    ),
    Transition("decline", (K.CLAIMED,), K.DECLINED, _("被派单方（开始办理前）"), MOVED_ON, E.DECLINED, (COMMUNITY,)),
    Transition(
        "release",
        (K.CLAIMED, K.STARTED),
        K.RELEASED,
        _("系统（超过规定天数无进展时）"),
        MOVED_ON,
        E.RELEASED,
        (CLAIMANTS, COMMUNITY),
    ),
    Transition("end", (K.CLAIMED, K.STARTED, K.DONE), K.ENDED, _("系统（服务项目无法办理时）"), MOVED_ON),
    Transition("reopen", (K.DONE,), K.STARTED, _("系统（居民重新打开服务项目时）"), MOVED_ON),
]

claims = Workflow(
    Claim, CLAIM, initial=(K.CLAIMED,), record=_claim_record, announce=notices.announce_claim, error=NeedConflict
)
