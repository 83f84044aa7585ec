"""Numbers no key can have, in URLs, filters, forms and the API: a 4xx with a Chinese message,
never a 500 (SQLite raised OverflowError past a bigint)."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from baodao.accounts.services import api_token_issue

HUGE = "5677565700446168809472"  # far past a bigint
JUST_PAST = str(2**63)  # 9223372036854775808


def _id_routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every route with an <id:...> part, as a path with the huge number in each (other parts: x)."""
    out = []
    for p in resolver.url_patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith("api/"):
                continue  # the API: below
            out += _id_routes(p, prefix + route)
        elif isinstance(p, URLPattern) and "<id:" in route:
            path = re.sub(r"<id:\w+>", JUST_PAST, prefix + route)
            out.append("/" + re.sub(r"<(?:\w+:)?\w+>", "x", path))
    return out


def test_every_id_in_a_url_past_a_bigint_is_404(world: SimpleNamespace) -> None:
    routes = _id_routes(get_resolver())
    assert len(routes) >= 25  # every place, unit, member, report, job... page and action
    client = Client()
    client.force_login(world.superuser)

    got = {route: (client.get(route).status_code, client.post(route).status_code) for route in routes}

    assert got == dict.fromkeys(routes, (404, 404))


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("community_staff", f"/directory/members/?unit={HUGE}"),
        ("community_staff", f"/directory/members/?place={HUGE}"),
        ("community_staff", f"/directory/residents/?group={HUGE}"),
        ("community_staff", f"/reporting/pending/?community={HUGE}"),
        ("city_admin", f"/stats/coverage/?place={HUGE}"),
        ("city_admin", f"/stats/coverage/members/?place=-{HUGE}"),
        ("unit_secretary", f"/reporting/certificates.pdf?ids=1,{HUGE}"),
    ],
)
def test_a_filter_past_a_bigint_is_400_in_chinese(world: SimpleNamespace, who: str, path: str) -> None:
    client = Client()
    client.force_login(world.role_users[who])

    response = client.get(path)

    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


def test_a_posted_id_past_a_bigint_is_400(world: SimpleNamespace) -> None:
    client = Client()
    client.force_login(world.community_staff)

    response = client.post("/reporting/pending/confirm/", {"report": [HUGE]})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/reporting/confirm", {"ids": [int(JUST_PAST)]}),
        ("GET", "/members?page=9223372036854775807", None),
        ("GET", f"/members?unit={HUGE}", None),
        ("GET", f"/reporting/pending?community={HUGE}", None),
        ("POST", f"/reporting/reports/{JUST_PAST}/return", {"reason": "x"}),
        ("POST", f"/reporting/members/{JUST_PAST}/leave", {"unit_code": "V001"}),
        ("POST", "/reporting/reports", {"residence_id": int(JUST_PAST)}),
    ],
)
def test_the_api_answers_numbers_past_a_bigint_with_422(
    world: SimpleNamespace, method: str, path: str, body: dict | None
) -> None:
    token = api_token_issue(user=world.community_staff)
    headers = {"Authorization": f"Bearer {token}"}
    client = Client()

    if method == "GET":
        response = client.get("/api/v1" + path, headers=headers)
    else:
        response = client.post(
            "/api/v1" + path, data=json.dumps(body), content_type="application/json", headers=headers
        )

    assert response.status_code == 422
    assert response.json()["message"].startswith("请求参数有误：")
