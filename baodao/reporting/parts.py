"""What 双报到 adds to directory's pages (directory.display.PAGE_PARTS, added in ReportingConfig.ready()):
a member's latest reports and, for who may manage the member, the 动态管理 forms that post to the
actions here; the link to the commitment text on the rules page."""

from __future__ import annotations

from typing import Any

from baodao.accounts.models import Actor
from baodao.core.privacy import mask_address
from baodao.directory import scope
from baodao.directory.models import Member
from baodao.reporting.models import MemberReport


def member_part(user: Actor, member: Member) -> dict[str, Any]:
    reports = list(
        MemberReport.objects.filter(member=member).select_related("community").order_by("-submitted_at")[:10]
    )
    full = scope.member_pii_visible(user, member)
    for r in reports:  # the room typed at registration: an address, shown as the member's others are
        r.shown_room = r.room if full else mask_address(r.room)
    return {
        "template": "reporting/_member_part.html",
        "reports": reports,
        "can_manage": scope.can_manage_member(user, member),
        "statuses": Member.Status.choices,
    }


def rules_part(user: Actor, shown: object) -> dict[str, Any]:
    return {"template": "reporting/_rules_part.html"}
