"""Excel rows of the directory lists, in the import template's column order (a full export
re-imports), masked where the user may not see a person's data in full."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from baodao.accounts.models import User
from baodao.core.privacy import mask_address, mask_flags, mask_id_number, mask_mobile
from baodao.directory.importing.columns import ORG_KIND_NAMES, PLACE_KIND_NAMES, TEMPLATES, UNIT_KIND_NAMES
from baodao.directory.importing.plan import BATCH
from baodao.directory.models import Category, Member, PartyOrg, Place, Resident, Unit
from baodao.directory.scope import (
    member_pii_visible,
    resident_pii_visible,
)

# --- export rows (the list views write the file and record the export) ---------------------------

MEMBER_EXPORT_HEADERS = [c.header for c in TEMPLATES["members"]] + [
    "性别",
    "出生日期",
    "状态",
    "单位名称",
    "居住地名称",
]
UNIT_EXPORT_HEADERS = [c.header for c in TEMPLATES["units"]] + ["办公地点名称"]
RESIDENT_EXPORT_HEADERS = [c.header for c in TEMPLATES["residents"]] + ["居住地名称"]
PLACE_EXPORT_HEADERS = [c.header for c in TEMPLATES["places"]] + ["上级名称"]


def _names(items: Iterable[Category]) -> str:
    return "、".join(c.name for c in items)


def member_export_rows(members_qs: QuerySet[Member], user: User) -> Iterator[list[Any]]:
    """Rows in the import template's column order (so a full export re-imports), masked where the
    user does not manage the member."""
    qs = members_qs.select_related("residence", "unit__office_place", "party_org").prefetch_related(
        "skills", "intentions"
    )
    for m in qs.iterator(chunk_size=BATCH):
        full = member_pii_visible(user, m)
        yield [
            m.name,
            m.id_number if full else mask_id_number(m.id_number),
            m.mobile if full else mask_mobile(m.mobile),
            m.unit.code,
            m.party_org.name,
            m.residence.code,
            m.address_detail if full else mask_address(m.address_detail),
            m.joined_party_on,
            _names(m.skills.all()),
            _names(m.intentions.all()),
            str(m.get_gender_display()),
            m.birth_date if full else None,
            str(m.get_status_display()),
            m.unit.name,
            m.residence.name,
        ]


def resident_export_rows(residents_qs: QuerySet[Resident], user: User) -> Iterator[list[Any]]:
    qs = residents_qs.select_related("residence").prefetch_related("special_groups")
    for r in qs.iterator(chunk_size=BATCH):
        full = resident_pii_visible(user, r)
        groups = _names(r.special_groups.all())
        yield [
            r.name,
            r.mobile if full else mask_mobile(r.mobile),
            r.residence.code,
            r.address_detail if full else mask_address(r.address_detail),
            # Hardship and health groups are personal data too.
            groups if full else mask_flags(groups),
            r.residence.name,
        ]


def unit_export_rows(units_qs: QuerySet[Unit], user: User | None = None) -> Iterator[list[Any]]:
    """One row per party org (a unit without orgs gets one row), as in the import template."""
    qs = units_qs.select_related("office_place").prefetch_related(
        Prefetch("party_orgs", queryset=PartyOrg.objects.select_related("parent").order_by("id"))
    )
    for u in qs.iterator(chunk_size=BATCH):
        head = [
            u.code,
            u.name,
            UNIT_KIND_NAMES.get(u.kind, u.kind),
            u.office_place.code,
            "是" if u.party_relation_local else "否",
        ]
        orgs = list(u.party_orgs.all())
        if not orgs:
            yield [*head, "", "", "", u.office_place.name]
        for o in orgs:
            yield [
                *head,
                o.name,
                ORG_KIND_NAMES.get(o.kind, o.kind),
                o.parent.name if o.parent else "",
                u.office_place.name,
            ]


def place_export_rows(places_qs: QuerySet[Place], user: User | None = None) -> Iterator[list[Any]]:
    for p in places_qs.select_related("parent").iterator(chunk_size=BATCH):
        yield [
            p.code,
            p.name,
            PLACE_KIND_NAMES.get(p.kind, p.kind),
            p.parent.code if p.parent else "",
            p.sort_order,
            p.parent.name if p.parent else "",
        ]
