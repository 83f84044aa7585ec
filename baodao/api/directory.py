"""API of the master data: places, units and members as the caller sees them (scoped and masked as on the pages)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from baodao.api.common import ApiPagination, AuthedRequest, Id
from baodao.core.privacy import mask_id_number, mask_mobile
from baodao.directory import access, scope, selectors
from baodao.directory.models import Member, Place, Unit

router = Router(tags=["directory"])


class PlaceOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent_id: int | None

    @staticmethod
    def resolve_kind_label(obj: Place) -> str:
        return obj.get_kind_display()


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    office_place_id: int
    party_relation_local: bool

    @staticmethod
    def resolve_kind_label(obj: Unit) -> str:
        return obj.get_kind_display()


class MemberOut(Schema):
    """ID number and mobile are masked unless the caller manages the member (directory.scope)."""

    id: int
    name: str
    gender: str
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    party_org_id: int
    party_org_name: str = Field(alias="party_org.name")
    residence_id: int
    residence_name: str = Field(alias="residence.name")
    id_number: str
    mobile: str
    status: str
    status_label: str
    joined_party_on: dt.date | None

    @staticmethod
    def resolve_status_label(obj: Member) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_id_number(obj: Member, context: dict[str, Any]) -> str:
        full = scope.member_pii_visible(context["request"].auth, obj)
        return obj.id_number if full else mask_id_number(obj.id_number)

    @staticmethod
    def resolve_mobile(obj: Member, context: dict[str, Any]) -> str:
        full = scope.member_pii_visible(context["request"].auth, obj)
        return obj.mobile if full else mask_mobile(obj.mobile)


def _staff(request: AuthedRequest) -> None:
    access.require_staff(request.auth)


@router.get("/places", response=list[PlaceOut])
@paginate(ApiPagination)
def places(request: AuthedRequest, q: str = "", kind: str = "") -> QuerySet[Place]:
    _staff(request)
    return selectors.places_for_user(request.auth, q=q, kind=kind)


@router.get("/units", response=list[UnitOut])
@paginate(ApiPagination)
def units(request: AuthedRequest, q: str = "", kind: str = "") -> QuerySet[Unit]:
    _staff(request)
    return selectors.units_for_user(request.auth, q=q, kind=kind)


@router.get("/members", response=list[MemberOut])
@paginate(ApiPagination)
def members(request: AuthedRequest, q: str = "", unit: Id | None = None, status: str = "") -> QuerySet[Member]:
    return selectors.members_for_user(request.auth, q=q, unit_id=unit, status=status)
