"""Requests the server cannot read (issue 19 §1): every shape of body sent to the API's token and to
the login page either authenticates or counts as a failed login, so the lockout holds after them;
on every API path such a body is a 4xx in JSON, never a 500."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.db.models import Sum
from django.test import Client, override_settings
from django.urls import reverse

from baodao.accounts.models import SecurityEvent
from baodao.accounts.services import api_token_issue

TOKEN = "/api/v1/auth/token"
WRONG = "Wrong#Secret987"
NAME = "community_staff"


def _multipart(fields: dict[str, str], boundary: str) -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


def _json(username: object, password: object) -> bytes:
    return json.dumps({"username": username, "password": password}).encode()


def _parts(u: str, p: str) -> bytes:
    return _multipart({"username": u, "password": p}, "x1")


def _form(u: str, p: str) -> bytes:
    return f"username={u}&password={p}".encode()


# (content type, body for a username and password, extra headers). Each shape names the account in
# a way some reader could take (a JSON object, a form field) — or in no readable way at all.
Body = Callable[[str, str], bytes]
SHAPES: dict[str, tuple[str, Body, dict[str, str]]] = {
    "multipart without boundary": ("multipart/form-data", lambda u, p: _json(u, p), {}),
    "multipart, other boundary": ("multipart/form-data; boundary=nope", _parts, {}),
    "multipart, cut short": ("multipart/form-data; boundary=x1", lambda u, p: _parts(u, p)[:-12], {}),
    "multipart form": ("multipart/form-data; boundary=x1", _parts, {}),
    "urlencoded form": ("application/x-www-form-urlencoded", _form, {}),
    "urlencoded, latin-1": ("application/x-www-form-urlencoded; charset=latin-1", _form, {}),
    "text/plain JSON": ("text/plain", _json, {}),
    "JSON, unknown charset": ("application/json; charset=bogus-9", _json, {}),
    "JSON in UTF-16": ("application/json; charset=utf-16", lambda u, p: _json(u, p).decode().encode("utf-16"), {}),
    "invalid JSON": ("application/json", lambda u, p: _json(u, p)[:-2], {}),
    "JSON array": ("application/json", lambda u, p: json.dumps([{"username": u, "password": p}]).encode(), {}),
    "JSON string": ("application/json", lambda u, p: json.dumps(f"username={u}&password={p}").encode(), {}),
    "JSON number": ("application/json", lambda u, p: b"12345", {}),
    "JSON null": ("application/json", lambda u, p: b"null", {}),
    "JSON nested deep": ("application/json", lambda u, p: b"[" * 100_000 + b"]" * 100_000, {}),
    "JSON NaN": ("application/json", lambda u, p: _json(u, p)[:-1] + b', "x": NaN}', {}),
    "empty": ("application/json", lambda u, p: b"", {}),
    "missing password": ("application/json", lambda u, p: json.dumps({"username": u}).encode(), {}),
    "password a number": ("application/json", lambda u, p: _json(u, 12345678), {}),
    "NUL in username": ("application/json", lambda u, p: _json(u + "\x00", p), {}),
    "NUL in password": ("application/json", lambda u, p: _json(u, p + "\x00"), {}),
    "lone surrogate": ("application/json", lambda u, p: _json(u, p)[:-2] + b'\\ud800"}', {}),
    "gzip-encoded": ("application/json", lambda u, p: gzip.compress(_json(u, p)), {"Content-Encoding": "gzip"}),
    "huge": ("application/json", lambda u, p: _json(u, p)[:-1] + b', "x": "' + b"y" * 100_000 + b'"}', {}),
}
# Shapes whose body names the account in a way the API reads (a JSON object, whatever the Content-Type
# says): their failures count against it. The others (the API reads no forms) name no account: they
# count against none, and no password is tried — right or wrong, the answer is the same.
NAMING = {
    "multipart without boundary", "text/plain JSON", "JSON, unknown charset", "JSON in UTF-16", "JSON NaN",
    "missing password", "password a number", "lone surrogate", "NUL in password",
}  # fmt: skip


def _post(client: Client, path: str, shape: str, username: str, password: str):
    content_type, body, headers = SHAPES[shape]
    return client.generic("POST", path, body(username, password), content_type=content_type, headers=headers)


def _failures() -> int:
    return AccessAttempt.objects.aggregate(n=Sum("failures_since_start"))["n"] or 0


def _account_failures() -> int:
    return sum(AccessAttempt.objects.filter(username=NAME).values_list("failures_since_start", flat=True))


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@override_settings(DEBUG=False)
@pytest.mark.parametrize("shape", SHAPES)
def test_token_request_of_any_shape_is_a_json_4xx_counted_once(
    world: SimpleNamespace, client: Client, shape: str
) -> None:
    response = _post(client, TOKEN, shape, NAME, WRONG)

    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
    assert "token" not in response.json()
    assert _failures() == 1
    assert _account_failures() == (1 if shape in NAMING else 0)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).count() == 1


@override_settings(DEBUG=False)
@pytest.mark.parametrize("shape", sorted(NAMING))
def test_token_lockout_holds_after_malformed_requests(world: SimpleNamespace, client: Client, shape: str) -> None:
    for _ in range(5):
        _post(client, TOKEN, shape, NAME, WRONG)

    response = client.post(TOKEN, _json(NAME, world.password), content_type="application/json")

    assert response.status_code == 429
    assert "token" not in response.json()


@override_settings(DEBUG=False)
@pytest.mark.parametrize("shape", sorted(set(SHAPES) - NAMING))
def test_token_request_naming_no_account_tries_no_password(world: SimpleNamespace, client: Client, shape: str) -> None:
    wrong = _post(client, TOKEN, shape, NAME, WRONG)
    right = _post(client, TOKEN, shape, NAME, world.password)

    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())
    assert right.status_code != 200
    assert _failures() == 2


@override_settings(DEBUG=False)
def test_token_with_a_text_plain_json_body_still_authenticates(world: SimpleNamespace, client: Client) -> None:
    response = _post(client, TOKEN, "text/plain JSON", NAME, world.password)

    assert response.status_code == 200
    assert response.json()["token"]
    assert _failures() == 0


# --- the login page ---------------------------------------------------------------------------------

LOGIN = reverse("accounts:login")
# The login page reads a form, and a JSON object where there is no form: the same shapes name the account.
WEB_NAMING = NAMING | {"multipart form", "multipart, cut short", "urlencoded form"}


@override_settings(DEBUG=False)
@pytest.mark.parametrize("shape", SHAPES)
def test_login_page_request_of_any_shape_fails_and_counts_once(
    world: SimpleNamespace, client: Client, shape: str
) -> None:
    response = _post(client, LOGIN, shape, NAME, WRONG)

    assert response.status_code in (200, 400, 403, 422), response.status_code  # the form again, or refused
    assert "_auth_user_id" not in client.session
    assert _failures() == 1
    assert _account_failures() == (1 if shape in WEB_NAMING else 0)


@override_settings(DEBUG=False)
@pytest.mark.parametrize("shape", sorted(WEB_NAMING))
def test_login_page_lockout_holds_after_malformed_requests(world: SimpleNamespace, client: Client, shape: str) -> None:
    for _ in range(5):
        _post(client, LOGIN, shape, NAME, WRONG)

    response = client.post(LOGIN, {"username": NAME, "password": world.password})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(DEBUG=False)
@pytest.mark.parametrize("shape", ["multipart without boundary", "NUL in username", "huge"])
def test_admin_login_page_counts_too(world: SimpleNamespace, client: Client, shape: str) -> None:
    response = _post(client, reverse("admin:login"), shape, "root", WRONG)

    assert 200 <= response.status_code < 500
    assert _failures() == 1


@override_settings(DEBUG=False)
def test_token_for_a_password_an_admin_chose_is_refused_but_not_a_failure(
    world: SimpleNamespace, client: Client
) -> None:
    world.community_staff.must_change_password = True
    world.community_staff.save(update_fields=["must_change_password"])

    response = client.post(TOKEN, _json(NAME, world.password), content_type="application/json")

    assert response.status_code == 403
    assert _failures() == 0


@override_settings(DEBUG=False)
def test_login_page_refused_by_csrf_counts(world: SimpleNamespace) -> None:
    client = Client(enforce_csrf_checks=True)
    for _ in range(5):
        assert client.post(LOGIN, {"username": NAME, "password": WRONG}).status_code == 403

    assert _account_failures() == 5


# --- every API path -----------------------------------------------------------------------------------

UNREADABLE = {
    "multipart without boundary": ("multipart/form-data", _multipart({"reason": "x"}, "x1"), {}, 400),
    "form": ("application/x-www-form-urlencoded", b"a=1&b=2", {}, 400),
    "invalid JSON": ("application/json", b'{"a": ', {}, 400),
    "not UTF-8": ("application/json", '{"a": "é"}'.encode("latin-1"), {}, 400),
    "JSON array": ("application/json", b"[]", {}, 422),
    "JSON string": ("application/json", b'"member"', {}, 422),
    "JSON number": ("application/json", b"1", {}, 422),
    "JSON null": ("application/json", b"null", {}, 422),
    "gzip": ("application/json", gzip.compress(b"{}"), {"Content-Encoding": "gzip"}, 415),
    "NUL": ("application/json", b'{"reason": "a\\u0000b"}', {}, 422),
}


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation of the API that takes a body, its ids filled in."""
    from baodao.api.urls import api

    paths = api.get_openapi_schema(path_prefix="/api/v1")["paths"]
    out = []
    for path, ops in paths.items():
        for method in ops:
            if method in ("post", "put", "patch", "delete"):
                filled = path
                while "{" in filled:
                    filled = filled[: filled.index("{")] + "1" + filled[filled.index("}") + 1 :]
                out.append((method.upper(), filled))
    return out


@override_settings(DEBUG=False)
@pytest.mark.parametrize("role", ["community_staff", "member"])
def test_every_api_operation_refuses_an_unreadable_body(world: SimpleNamespace, client: Client, role: str) -> None:
    headers = {"Authorization": f"Bearer {api_token_issue(user=world.role_users[role])}"}
    operations = _operations()
    assert len(operations) >= 20
    wrong = []

    for method, path in operations:
        for name, (content_type, body, extra, status) in UNREADABLE.items():
            response = client.generic(method, path, body, content_type=content_type, headers={**headers, **extra})
            if response.status_code != status or not response["Content-Type"].startswith("application/json"):
                wrong.append(f"{method} {path} {name}: {response.status_code}")
            elif not response.json().get("message"):
                wrong.append(f"{method} {path} {name}: no message")

    assert wrong == []


@override_settings(DEBUG=False)
def test_claim_body_that_is_not_an_object_is_422_not_no_body(world: SimpleNamespace, client: Client) -> None:
    headers = {"Authorization": f"Bearer {api_token_issue(user=world.role_users['member'])}"}
    for body in (b"[]", b'["member"]', b'"member"', b"null", b"0"):
        response = client.post("/api/v1/needs/items/1/claim", body, content_type="application/json", headers=headers)

        assert response.status_code == 422, body
        assert "JSON 对象" in response.json()["message"]


@override_settings(DEBUG=False)
def test_unreadable_body_to_an_unknown_path_or_with_a_wrong_method_keeps_404_and_405(
    world: SimpleNamespace, client: Client
) -> None:
    assert client.post("/api/v1/nothing", b"[", content_type="application/json").status_code == 404
    assert client.generic("PUT", "/api/v1/me", b"[", content_type="application/json").status_code == 405
