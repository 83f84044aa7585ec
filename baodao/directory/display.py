"""What a user is shown of a person: personal data in full or masked, as scope decides per person,
and the member page's facts (the page is also shown again by the actions posted from it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from baodao.accounts.models import Actor
from baodao.core.privacy import mask_address, mask_id_number, mask_mobile
from baodao.directory import scope
from baodao.directory.models import Member, Resident


def show_member_pii(user: Actor, members: Iterable[Member]) -> None:
    """Set `shown_id`, `shown_mobile`, `shown_address` on each member: full only for those who
    manage the person (scope.member_pii_visible)."""
    for m in members:
        full = scope.member_pii_visible(user, m)
        m.shown_id = m.id_number if full else mask_id_number(m.id_number)
        m.shown_mobile = m.mobile if full else mask_mobile(m.mobile)
        m.shown_address = m.address_detail if full else mask_address(m.address_detail)


def show_resident_pii(user: Actor, residents: Iterable[Resident]) -> None:
    """Set `pii_full`, `shown_mobile`, `shown_address` on each resident; special-group (hardship)
    tags are shown only where `pii_full` holds."""
    for r in residents:
        full = scope.resident_pii_visible(user, r)
        r.pii_full = full
        r.shown_mobile = r.mobile if full else mask_mobile(r.mobile)
        r.shown_address = r.address_detail if full else mask_address(r.address_detail)


def member_page_context(user: Actor, member: Member) -> dict[str, Any]:
    """What the member page (directory/member_detail.html) shows `user` of `member`: the record,
    masked as scope decides, first-secretary terms, the latest reports and whether the user may
    manage the member (move, status, leave; those forms post to 双报到's actions)."""
    show_member_pii(user, [member])
    reports = list(member.reports.select_related("community").order_by("-submitted_at")[:10])
    full = scope.member_pii_visible(user, member)
    for r in reports:  # the room typed at registration: an address, shown as the member's others are
        r.shown_room = r.room if full else mask_address(r.room)
    return {
        "member": member,
        "skills": list(member.skills.all()),
        "intentions": list(member.intentions.all()),
        "terms": member.first_secretary_terms.select_related("place").order_by("-start_on"),
        "can_manage": scope.can_manage_member(user, member),
        "statuses": Member.Status.choices,
        "reports": reports,
    }
