"""What a user is shown of a person: personal data in full or masked, as scope decides per person,
and the member page's facts (the page is also shown again by the actions posted from it); the parts
that higher apps add to directory's pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from baodao.accounts.models import Actor
from baodao.core.privacy import mask_address, mask_id_number, mask_mobile
from baodao.directory import scope
from baodao.directory.models import Member, Resident

# Parts that higher apps add to directory's pages, so that directory names none of their URLs or
# models: page -> [(user, object shown) -> {"template": ..., **what it shows} or None]. Added in the
# higher apps' ready() (双报到 adds a member's reports and its 动态管理 forms to the member page, the
# commitment text to the rules page); each page includes its parts' templates where they belong.
PagePart = Callable[[Actor, Any], "dict[str, Any] | None"]
PAGE_PARTS: dict[str, list[PagePart]] = {"member": [], "rules": []}


def add_page_part(page: str, part: PagePart) -> None:
    if part not in PAGE_PARTS[page]:
        PAGE_PARTS[page].append(part)


def page_parts(page: str, user: Actor, shown: object = None) -> list[dict[str, Any]]:
    return [p for part in PAGE_PARTS[page] if (p := part(user, shown)) is not None]


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
    masked as scope decides, first-secretary terms, and the parts higher apps add (双报到: the
    latest reports and, for who may manage the member, the forms that move it, change its status
    or take it out of its unit)."""
    show_member_pii(user, [member])
    return {
        "member": member,
        "skills": list(member.skills.all()),
        "intentions": list(member.intentions.all()),
        "terms": member.first_secretary_terms.select_related("place").order_by("-start_on"),
        "parts": page_parts("member", user, member),
    }
