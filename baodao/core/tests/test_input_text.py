"""Text no field can hold (issue 19 §3): a NUL byte — PostgreSQL refuses it in text — or a lone
surrogate, in any field of an API body, any query parameter, the path, any web form field or query
string, is a 4xx naming where it was sent, never a 500. Run on PostgreSQL too (DATABASE_URL)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from baodao.accounts.services import api_token_issue
from baodao.api.urls import api
from baodao.records.tests.conftest import rw

__all__ = ["rw"]


def _api(user: object) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"}, raise_request_exception=False)  # type: ignore[arg-type]


def _body_fields() -> list[tuple[str, str, str]]:
    """(method, path with ids filled in, field) for every string field of every body of the API."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    components = schema["components"]["schemas"]
    out = []
    for path, ops in schema["paths"].items():
        filled = path
        while "{" in filled:
            filled = filled[: filled.index("{")] + "1" + filled[filled.index("}") + 1 :]
        for method, op in ops.items():
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            body = components[ref["$ref"].rsplit("/", 1)[-1]] if "$ref" in ref else ref
            for name, prop in body.get("properties", {}).items():
                kinds = {prop.get("type")} | {p.get("type") for p in prop.get("anyOf", [])}
                if "string" in kinds:
                    out.append((method.upper(), filled, name))
    return out


BODY_FIELDS = _body_fields()


def test_the_api_has_string_fields_to_check() -> None:
    assert len(BODY_FIELDS) >= 19
    assert ("POST", "/api/v1/records/callups", "title") in BODY_FIELDS


@override_settings(DEBUG=False)
@pytest.mark.parametrize("role", ["community_staff", "member"])
@pytest.mark.parametrize("text", ["a\x00b", "\x00", "a\ud800b"], ids=["nul", "only-nul", "lone-surrogate"])
def test_api_text_field_that_no_column_can_hold_is_422_naming_it(world: SimpleNamespace, role: str, text: str) -> None:
    client = _api(world.role_users[role])
    wrong = []

    for method, path, field in BODY_FIELDS:
        body = json.dumps({field: text}).encode()
        response = client.generic(method, path, body, content_type="application/json")
        message = response.json().get("message", "") if response["Content-Type"].startswith("application/json") else ""
        if response.status_code != 422 or not message.startswith(f"{field} 中含有"):
            wrong.append(f"{method} {path} {field}: {response.status_code} {message}")

    assert wrong == []


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/members", "q"),
        ("/api/v1/places", "q"),
        ("/api/v1/places", "kind"),
        ("/api/v1/units", "kind"),
        ("/api/v1/units", "q"),
        ("/api/v1/members", "status"),
        ("/api/v1/needs/items", "status"),
        ("/api/v1/needs/demands", "status"),
        ("/api/v1/records/activities/1/code", "action"),
    ],
)
def test_api_query_parameter_with_a_nul_is_422_naming_it(world: SimpleNamespace, path: str, param: str) -> None:
    response = _api(world.city_admin).get(path, {param: "安\x00"})

    assert response.status_code == 422
    assert response.json() == {"message": f"参数 {param} 中含有空字符（\\u0000），请删除后重试"}


@override_settings(DEBUG=False)
def test_api_path_with_a_nul_is_a_4xx(world: SimpleNamespace) -> None:
    response = _api(world.member_user).get("/api/v1/reporting/certificate/abc%00def")

    assert response.status_code == 400
    assert response.json()["message"]


@override_settings(DEBUG=False)
def test_api_text_without_a_nul_still_works(rw: SimpleNamespace) -> None:
    client = _api(rw.community_staff)

    response = client.get("/api/v1/members", {"q": "王安华"})

    assert response.status_code == 200
    assert [m["name"] for m in response.json()["items"]] == ["王安华"]


# --- the web ------------------------------------------------------------------------------------------

WEB_QUERIES = [
    ("directory:member_list", "q"),
    ("directory:place_list", "q"),
    ("directory:place_list", "kind"),
    ("directory:unit_list", "q"),
    ("directory:unit_list", "kind"),
    ("directory:resident_list", "q"),
    ("directory:account_list", "q"),
    ("needs:review", "q"),
]


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("name", "param"), WEB_QUERIES)
def test_web_query_string_with_a_nul_is_400(world: SimpleNamespace, login, name: str, param: str) -> None:
    client = login(world.city_admin)
    client.raise_request_exception = False

    response = client.get(reverse(name), {param: "安\x00"})

    assert response.status_code == 400
    assert "400.html" in [t.name for t in response.templates]


@override_settings(DEBUG=False)
def test_web_form_field_with_a_nul_is_400_and_nothing_is_saved(rw: SimpleNamespace, login) -> None:
    from baodao.records.models import Callup

    client = login(rw.community_staff)
    client.raise_request_exception = False
    data = {
        "title": "防\x00汛",
        "address": "安一",
        "needed": 2,
        "starts_at": "2030-01-01T08:00",
        "ends_at": "2030-01-01T10:00",
    }

    response = client.post(reverse("records:callups"), {**data, "ends_at": "2030-01-01T10:00"})

    assert response.status_code == 400
    assert not Callup.objects.exists()


@override_settings(DEBUG=False)
def test_web_form_body_that_cannot_be_parsed_is_400(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)
    client.raise_request_exception = False

    response = client.generic("POST", reverse("records:callups"), b"--x\r\n", content_type="multipart/form-data")

    assert response.status_code == 400


def test_every_api_text_field_has_a_length_limit() -> None:
    """A string of any length reaches no column: each one a body takes has a maxLength (a database
    column's limit: PostgreSQL refuses a longer value, a 500), a pattern or a list of values."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    components = schema["components"]["schemas"]
    unbounded = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if "$ref" not in ref:
                continue
            name = ref["$ref"].rsplit("/", 1)[-1]
            for field, prop in components[name].get("properties", {}).items():
                if {"number", "integer"} & {p.get("type") for p in prop.get("anyOf", [])}:
                    continue  # a decimal, also written as a string: its digits are limited
                for p in [prop, *prop.get("anyOf", [])]:
                    bounded = {"maxLength", "pattern", "enum", "format", "$ref"} & set(p)
                    if p.get("type") == "string" and not bounded:
                        unbounded.append(f"{method.upper()} {path} {name}.{field}")

    assert unbounded == []
