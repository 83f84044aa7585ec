"""What an access helper answers each role of the world (baodao/conftest.py), as one table.

Each app's tests/test_access.py asks a helper once per role and asserts the whole table with `==`:
the object the helper gives (shown by its name), 404 when it is out of sight (the same as missing),
or the Chinese reason of the PermissionDenied when it is seen but not allowed. A check taken out of
a helper changes some role's cell, so the table fails.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404
from django.test import Client

from baodao.accounts.models import User
from baodao.accounts.services import api_token_issue

# The world's accounts, one per role, and the staff of the community next door (北门社区).
ROLES = (
    "nobody",
    "city_admin",
    "district_admin",
    "street_admin",
    "community_staff",
    "staff_b",
    "compound_secretary",
    "unit_secretary",
    "member",
    "resident",
    "superuser",
)
NOT_FOUND = 404
OK = "ok"  # a require_… helper that lets the user through
NO = "没有权限"  # a bare refusal


def user_of(w: SimpleNamespace, role: str) -> User:
    """The role's account, loaded again: scope is cached on the user object for a request."""
    user = {"member": w.member_user, "resident": w.resident_user}.get(role) or getattr(w, role)
    return User.objects.get(pk=user.pk)


def label(value: object) -> object:
    """A helper's answer as the table shows it: a row by its name (or model and id), several as a
    tuple or a list of those, None (a require_… helper passed) as OK."""
    if value is None:
        return OK
    if isinstance(value, tuple):
        return tuple(label(v) for v in value)
    if isinstance(value, list):
        return [label(v) for v in value]
    if isinstance(value, Model):
        name = getattr(value, "name", None)
        return name if isinstance(name, str) else f"{type(value).__name__}#{value.pk}"
    return value


def outcome(call: Callable[[], object]) -> object:
    try:
        return label(call())
    except Http404:
        return NOT_FOUND
    except PermissionDenied as exc:
        return str(exc) or NO


def answers(
    w: SimpleNamespace, call: Callable[[User], object], roles: tuple[str, ...] = ROLES, **extra: User
) -> dict[str, object]:
    """{role: what `call(user)` answers} for every role (and the `extra` accounts by name)."""
    users = {role: user_of(w, role) for role in roles}
    users.update({name: User.objects.get(pk=u.pk) for name, u in extra.items()})
    return {name: outcome(lambda u=u: call(u)) for name, u in users.items()}


def table(default: object, roles: tuple[str, ...] = ROLES, **cells: object) -> dict[str, object]:
    """The expected table: `default` for every role but those named (and the extra accounts)."""
    return {**dict.fromkeys(roles, default), **cells}


def api_answer(user: User, method: str, path: str, body: dict[str, object] | None = None) -> tuple[int, object]:
    """What the JSON API answers `user` (a bearer token of theirs) at /api/v1`path`: status and body."""
    headers = {"Authorization": f"Bearer {api_token_issue(user=user)}"}
    url = f"/api/v1{path}"
    if method == "GET":
        response = Client().get(url, headers=headers)
    else:
        response = Client().post(url, body or {}, content_type="application/json", headers=headers)
    return response.status_code, response.json()


def page_answer(user: User, method: str, url: str, data: dict[str, object] | None = None) -> tuple[int, str]:
    """What a page answers `user` (logged in): status and text."""
    client = Client()
    client.force_login(user)
    response = client.get(url, data) if method == "GET" else client.post(url, data or {})
    return response.status_code, response.content.decode()
