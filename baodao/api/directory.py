"""API for accounts and master data: the same selectors and masking as the web pages."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from pydantic import field_validator

from baodao.accounts import scope
from baodao.accounts.services import api_token_issue, client_ip
from baodao.api.urls import api
from baodao.core.privacy import mask_id_number, mask_mobile
from baodao.directory import selectors


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class MessageOut(Schema):
    message: str


class RoleOut(Schema):
    role: str
    role_label: str
    place_id: int | None
    place_name: str | None
    unit_id: int | None
    unit_name: str | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[RoleOut]


class PlaceOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent_id: int | None

    @staticmethod
    def resolve_kind_label(obj) -> str:  # noqa: ANN001
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
    def resolve_kind_label(obj) -> str:  # noqa: ANN001
        return obj.get_kind_display()


class MemberOut(Schema):
    """ID number and mobile are masked unless the caller manages the member (accounts.scope)."""

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
    def resolve_status_label(obj) -> str:  # noqa: ANN001
        return obj.get_status_display()

    @staticmethod
    def resolve_id_number(obj, context) -> str:  # noqa: ANN001
        full = scope.member_pii_visible(context["request"].auth, obj)
        return obj.id_number if full else mask_id_number(obj.id_number)

    @staticmethod
    def resolve_mobile(obj, context) -> str:  # noqa: ANN001
        full = scope.member_pii_visible(context["request"].auth, obj)
        return obj.mobile if full else mask_mobile(obj.mobile)


MAX_PAGE_SIZE = 200


class ApiPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1)
        # Capped: a list of members in full is personal data, not a bulk export (those are audited).
        page_size: int = Field(50, ge=1)

        @field_validator("page_size")
        @classmethod
        def _cap_page_size(cls, value: int) -> int:
            if value > MAX_PAGE_SIZE:
                raise ValueError(f"每页最多 {MAX_PAGE_SIZE} 条")
            return value


@api.post("/auth/token", auth=None, response={200: TokenOut, 401: MessageOut}, tags=["auth"])
def auth_token(request: HttpRequest, payload: TokenIn):  # noqa: ANN201
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        return Status(401, {"message": "账号或密码错误"})
    return {"token": api_token_issue(user=user, ip=client_ip(request))}


@api.get("/me", response=MeOut, tags=["auth"])
def me(request: HttpRequest):  # noqa: ANN201
    user = request.auth
    rows = user.role_assignments.filter(is_active=True).select_related("place", "unit")
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "roles": [
            {
                "role": r.role,
                "role_label": r.get_role_display(),
                "place_id": r.place_id,
                "place_name": r.place.name if r.place else None,
                "unit_id": r.unit_id,
                "unit_name": r.unit.name if r.unit else None,
            }
            for r in rows
        ],
    }


def _staff(request: HttpRequest) -> None:
    if not scope.scope_for(request.auth).is_staff_like:
        raise HttpError(403, "没有权限")


@api.get("/places", response=list[PlaceOut], tags=["directory"])
@paginate(ApiPagination)
def places(request: HttpRequest, q: str = "", kind: str = ""):  # noqa: ANN201
    _staff(request)
    return selectors.places_for_user(request.auth, q=q, kind=kind)


@api.get("/units", response=list[UnitOut], tags=["directory"])
@paginate(ApiPagination)
def units(request: HttpRequest, q: str = "", kind: str = ""):  # noqa: ANN201
    _staff(request)
    return selectors.units_for_user(request.auth, q=q, kind=kind)


@api.get("/members", response=list[MemberOut], tags=["directory"])
@paginate(ApiPagination)
def members(request: HttpRequest, q: str = "", unit: int | None = None, status: str = ""):  # noqa: ANN201
    return selectors.members_for_user(request.auth, q=q, unit_id=unit, status=status)
