"""API of accounts: a bearer token for a username and password, and who the caller is (/me)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from baodao.accounts.services import api_token_issue, client_ip
from baodao.api.common import AuthedRequest, MessageOut

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=4096)


class TokenOut(Schema):
    token: str


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


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: MessageOut, 403: MessageOut})
def auth_token(request: HttpRequest, payload: TokenIn) -> Status | dict[str, str]:
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        return Status(401, {"message": "账号或密码错误"})
    if user.must_change_password:  # an initial or reset password opens nothing but its own change
        return Status(403, {"message": "请先在网页登录，修改管理员设置的初始或临时密码"})
    return {"token": api_token_issue(user=user, ip=client_ip(request))}


@router.get("/me", response=MeOut)
def me(request: AuthedRequest) -> dict[str, object]:
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
