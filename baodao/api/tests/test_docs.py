"""The API's description and docs page: signed-in staff or a valid token only, and no file from
outside the site (an intranet without internet shows the page)."""

from __future__ import annotations

import re
from types import SimpleNamespace

from django.contrib.staticfiles import finders
from django.test import Client

from baodao.accounts.services import api_token_issue

DOCS, SCHEMA = "/api/v1/docs", "/api/v1/openapi.json"


def _as(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_nobody_signed_in_gets_the_login_page_or_401(world: SimpleNamespace) -> None:
    docs, schema = _as().get(DOCS), _as().get(SCHEMA)

    assert (docs.status_code, docs["Location"]) == (302, f"/accounts/login/?next={DOCS}")
    assert (schema.status_code, schema.json()) == (401, {"message": "未登录或令牌无效"})


def test_a_member_needs_a_token(world: SimpleNamespace) -> None:
    member = _as(world.member_user)
    token = {"Authorization": f"Bearer {api_token_issue(user=world.member_user)}"}

    assert (member.get(DOCS).status_code, member.get(SCHEMA).status_code) == (403, 403)
    assert member.get(SCHEMA).json() == {"message": "没有权限"}
    with_token = _as().get(SCHEMA, headers=token)
    assert with_token.status_code == 200 and "/api/v1/members" in with_token.json()["paths"]
    assert _as().get(SCHEMA, headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_staff_read_the_docs_from_the_site_itself(world: SimpleNamespace) -> None:
    response = _as(world.community_staff).get(DOCS)

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources  # nothing from a CDN
    assert "/static/ninja/swagger-ui-bundle.js" in sources
    assert all(finders.find(s.removeprefix("/static/")) for s in sources if s.startswith("/static/"))
    assert _as(world.community_staff).get(SCHEMA).status_code == 200
