"""Who hears of each step of a service record, and what they read (件件有回音).

A record returned or confirmed tells its owner — the member's accounts, or for a unit's own record
the unit's secretaries — in the inbox and through the outside channels; a returned record's notice
opens the correction page, so the owner mends it and sends it again from there. A corrected record
sent again tells the community's staff. Nobody is told of a step they took themselves; nothing goes
out for a step that was rolled back (core.transitions announces after commit).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import Transition
from baodao.notifications import selectors as recipients
from baodao.notifications.services import notify
from baodao.records.dates import when
from baodao.records.models import Record

# Who hears, as the transition table names them.
OWNER, COMMUNITY = "纪实本人（党员或单位党组织书记）", "社区工作人员"


def owners(record: Record) -> list[User]:
    """The member's accounts; for a unit's own record, the unit's secretaries."""
    if record.member_id is not None:
        return recipients.member_users(record.member_id).users
    return recipients.unit_secretaries(record.unit_id).users


def owner_may_correct(record: Record) -> bool:
    """What the owner may mend: what the owner logged. An attendance (check-in, marked by hand, a
    call-up) is the organizer's or the community's to correct — its times are what was seen."""
    return record.source == Record.Source.LOGGED


def _send(users: Iterable[User], by: User | None, *, title: str, body: str, url: str) -> None:
    for user in users:
        if by is None or user.pk != by.pk:
            notify(user=user, title=title, body=body, url=url)


def announce(record: Record, t: Transition, by: User | None) -> None:
    """The record workflow's announcer (records.transitions)."""
    row = Record.objects.select_related("community").get(pk=record.pk)
    what = {
        "c": row.content[:30],
        "w": when(row.starts_at),
        "m": row.minutes,
        "p": row.community.name,
        "r": row.return_reason,
        "v": row.version,
    }
    page = reverse("records:record", args=[row.pk])
    if t.name == "confirm":
        if row.counts_as_activity:
            counted = _("计入服务时长和参加活动次数")
        elif row.source == Record.Source.LOGGED:
            counted = _("计入服务时长（自行登记的服务不计参加活动次数）")
        else:
            counted = _("计入服务时长；在场时间不足，不计参加活动次数")
        _send(
            owners(row),
            by,
            title=_("服务纪实已确认：%(c)s") % what,
            body=_("%(w)s，%(m)s 分钟，已经%(p)s确认，") % what + counted + _("。"),
            url=page,
        )
    elif t.name == "return":
        if owner_may_correct(row):
            body = _("退回原因：%(r)s。请打开纪实，按原因修改后重新提交。") % what
            url = reverse("records:record_edit", args=[row.pk])
        else:
            body = _("退回原因：%(r)s。这条纪实来自活动签到或组织者登记，如有错误请联系活动组织者或社区更正。") % what
            url = page
        _send(owners(row), by, title=_("服务纪实被退回：%(c)s") % what, body=body, url=url)
    elif t.name == "resubmit":
        _send(
            recipients.community_staff(row.community_id).users,
            by,
            title=_("纪实已修改，待重新确认：%(c)s") % what,
            body=_("%(w)s，%(m)s 分钟；按退回原因修改后重新提交（第 %(v)s 版）。") % what,
            url=page,
        )
