"""Members and residents: checked, created and updated, personal fields hashed before saving."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from baodao.core import crypto
from baodao.core.validators import (
    birth_date_from_id,
    gender_from_id,
    id_number_error,
    mobile_error,
    normalize_id_number,
)
from baodao.directory.models import (
    Member,
    PartyOrg,
    Place,
    Resident,
    Unit,
)

from .roster import roster_changed_at


def member_fill_secrets(member: Member) -> None:
    """Normalise and hash the personal fields before saving (also used by bulk imports)."""
    member.id_number = normalize_id_number(member.id_number)
    member.id_hash = crypto.lookup_hash(member.id_number)
    member.mobile = (member.mobile or "").strip()
    member.mobile_hash = crypto.lookup_hash(member.mobile)


def member_validate(member: Member) -> None:
    errors: dict[str, str] = {}
    if err := id_number_error(member.id_number):
        errors["id_number"] = err
    if err := mobile_error(member.mobile):
        errors["mobile"] = err
    if member.party_org_id and member.unit_id and member.party_org.unit_id != member.unit_id:
        errors["party_org"] = _("党组织不属于该单位")
    if member.residence_id and member.residence.kind not in (
        Place.Kind.COMPOUND,
        Place.Kind.GRID,
        Place.Kind.BUILDING,
    ):
        errors["residence"] = _("居住地应为小区、网格或楼栋")
    if not errors:
        h = crypto.lookup_hash(member.id_number)
        if Member.objects.filter(id_hash=h).exclude(pk=member.pk).exists():
            errors["id_number"] = _("该身份证号已登记为其他党员")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def member_create(
    *,
    name: str,
    id_number: str,
    mobile: str,
    unit: Unit,
    party_org: PartyOrg,
    residence: Place,
    address_detail: str = "",
    joined_party_on: dt.date | None = None,
    skills: Iterable = (),
    intentions: Iterable = (),
) -> Member:
    id_number = normalize_id_number(id_number)
    member = Member(
        name=name.strip(),
        id_number=id_number,
        mobile=mobile,
        unit=unit,
        party_org=party_org,
        residence=residence,
        address_detail=address_detail,
        joined_party_on=joined_party_on,
    )
    member_validate(member)
    member.birth_date = birth_date_from_id(id_number)
    member.gender = gender_from_id(id_number)
    member_fill_secrets(member)
    member.save()
    member.skills.set(skills)
    member.intentions.set(intentions)
    roster_changed_at(member.residence_id)
    return member


@transaction.atomic
def member_update(*, member: Member, **fields: object) -> Member:
    m2m = {k: fields.pop(k) for k in ("skills", "intentions") if k in fields}
    was = Member.objects.filter(pk=member.pk).values_list("residence_id", "status").first()
    for k, v in fields.items():
        setattr(member, k, v)
    member_validate(member)
    member.birth_date = birth_date_from_id(normalize_id_number(member.id_number))
    member.gender = gender_from_id(normalize_id_number(member.id_number))
    member_fill_secrets(member)
    member.save()
    for k, v in m2m.items():
        getattr(member, k).set(v)
    if was != (member.residence_id, member.status):
        roster_changed_at(was[0] if was else None, member.residence_id)
    return member


def member_settle(*, member: Member, residence: Place) -> Member:
    """The member lives at `residence` now (a report's address, a move): saved, and the rosters of
    the old and the new place hear of it (in the caller's transaction)."""
    was = Member.objects.filter(pk=member.pk).values_list("residence_id", flat=True).first()
    member.residence = residence
    member.save(update_fields=["residence"])
    if was != residence.pk:
        roster_changed_at(was, residence.pk)
    return member


@transaction.atomic
def resident_create(
    *, name: str, residence: Place, mobile: str = "", address_detail: str = "", special_groups: Iterable = ()
) -> Resident:
    if mobile and (err := mobile_error(mobile)):
        raise ValidationError({"mobile": err})
    resident = Resident.objects.create(
        name=name.strip(),
        residence=residence,
        mobile=mobile.strip(),
        mobile_hash=crypto.lookup_hash(mobile),
        address_detail=address_detail,
    )
    resident.special_groups.set(special_groups)
    return resident
