"""A request whose fields do not validate is answered in Chinese sentences that name the field
(issue 19 §21): "标题最多 100 个字", not pydantic's "String should have at most 100 characters"."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from baodao.accounts.services import api_token_issue
from baodao.api.messages import _SENTENCES, FIELD_LABELS, validation_message
from baodao.records.tests.conftest import activity as records_activity

# What pydantic and ninja say in English; none of it may reach a client.
ENGLISH = re.compile(r"[A-Za-z]{3,}")
# Words a Chinese sentence may still carry: formats and examples, not prose.
ALLOWED = {"true", "false", "JSON"}


def _english(text: str) -> list[str]:
    unquoted = re.sub(r"'[^']*'", "", text)  # the values a field takes ('member') are the client's words
    return [w for w in ENGLISH.findall(unquoted) if w not in ALLOWED]


def _post(user: object, path: str, body: object, params: str = "") -> dict:
    token = api_token_issue(user=user)
    response = Client().post(
        f"/api/v1{path}{params}",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, (path, body, response.content)
    return response.json()


def _later(hours: float) -> str:
    return (timezone.now() + timezone.timedelta(hours=hours)).isoformat()


def test_a_too_long_title_names_the_field_and_its_limit(world: SimpleNamespace) -> None:
    w = world
    kind = records_activity(w).kind_id
    body = {
        "community_id": w.A.pk,
        "place_id": w.A1.pk,
        "kind_id": kind,
        "title": "长" * 101,
        "starts_at": _later(5),
        "ends_at": _later(6),
        "capacity": 5,
    }

    answer = _post(w.community_staff, "/records/activities", body)

    assert answer["message"] == "请求参数有误：标题最多 100 个字"
    assert [(e["loc"], e["msg"]) for e in answer["errors"]] == [(["body", "payload", "title"], "标题最多 100 个字")]


# A bad request of each kind pydantic refuses, on the endpoints that take it.
BAD = [
    ("community_staff", "/records/activities", {}, "请填写社区"),
    ("community_staff", "/records/activities", {"capacity": "多", "title": ""}, "人数上限须是整数"),
    ("community_staff", "/records/activities", {"capacity": 0}, "人数上限不能小于 1"),
    ("community_staff", "/records/activities", {"capacity": 10001}, "人数上限不能大于 10000"),
    ("community_staff", "/records/activities", {"starts_at": "明天"}, "开始时间须是日期和时间"),
    ("community_staff", "/records/activities", {"unit_ids": list(range(1, 300))}, "指定单位最多 200 项"),
    ("community_staff", "/records/activities", {"unit_ids": ["x"]}, "指定单位的第 1 项须是整数"),
    ("community_staff", "/records/activities", {"title": ""}, "请填写标题"),
    ("community_staff", "/records/activities", {"title": 5}, "标题须是文字"),
    ("community_staff", "/records/confirm", {"ids": []}, "所选编号至少 1 项"),
    ("community_staff", "/records/confirm", {"ids": "1,2"}, "所选编号须是列表"),
    ("community_staff", "/needs/demands/{demand}/review", {"decision": "yes"}, "审核结果的取值不正确"),
    ("community_staff", "/needs/items/{item}/dispatch", {"party": "x", "party_id": 1}, "承接方类型的取值不正确"),
    ("member", "/needs/items/{item}/done", {"note": "x", "aid_money": "123456789012.5"}, "帮扶资金最多 10 位数字"),
    ("member", "/needs/items/{item}/done", {"note": "x", "aid_money": "1.555"}, "帮扶资金最多 2 位小数"),
    ("member", "/needs/items/{item}/done", {"note": "x", "aid_money": "钱"}, "帮扶资金须是数字"),
    ("member", "/needs/items/{item}/done", {"note": "x", "aid_money": -1}, "帮扶资金不能小于 0"),
    ("member", "/records/callups/1/answer", {"coming": "也许"}, "能否到场须是 true 或 false"),
    ("resident", "/needs/demands/{demand}/rating", {"stars": 6}, "评分不能大于 5"),
]


@pytest.mark.parametrize(("role", "path", "body", "said"), BAD)
def test_each_kind_of_bad_field_is_a_named_chinese_sentence(
    world: SimpleNamespace, role: str, path: str, body: object, said: str
) -> None:
    from baodao.needs import services as needs_services
    from baodao.needs.tests.conftest import ask

    w = world
    demand = ask(w)
    item = ask(w, title="楼道灯不亮")
    needs_services.demand_accept(demand=item, by=w.community_staff, size="person", slots=1)

    answer = _post(w.role_users[role], path.format(demand=demand.pk, item=item.pk), body)

    assert answer["message"].startswith("请求参数有误：")
    assert said in answer["message"] or any(e["msg"].startswith(said) for e in answer["errors"]), answer
    assert _english(answer["message"]) == []
    assert [e["msg"] for e in answer["errors"] if _english(e["msg"])] == []


def test_a_query_parameter_is_named_too(world: SimpleNamespace) -> None:
    token = api_token_issue(user=world.city_admin)
    response = Client().get("/api/v1/members?page=x", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 422
    assert response.json()["message"] == "请求参数有误：页码须是整数"


def test_every_sentence_names_the_field_and_no_error_type_falls_back_to_english() -> None:
    ctx = {
        "max_length": 9,
        "min_length": 2,
        "gt": 1,
        "ge": 1,
        "lt": 9,
        "le": 9,
        "multiple_of": 2,
        "max_digits": 10,
        "decimal_places": 2,
        "whole_digits": 8,
        "expected": "'member', 'team' or 'unit'",
    }
    for kind in _SENTENCES:
        said = validation_message({"type": kind, "loc": ("body", "payload", "title"), "msg": "English", "ctx": ctx})
        assert "标题" in said and _english(said) == [], (kind, said)
    assert validation_message({"type": "literal_error", "loc": ("body", "party"), "ctx": ctx}) == (
        "承接方类型只能是 'member'、'team'、'unit'"
    )
    # Our own validators speak Chinese already; an English message of a type we do not know does not pass.
    ours = {"type": "value_error", "loc": ("query", "page_size"), "msg": "Value error, 每页最多 200 条"}
    assert validation_message(ours) == "每页最多 200 条"
    assert validation_message({"type": "something_new", "loc": ("body", "payload", "x_y"), "msg": "Input is odd"}) == (
        "x_y填写有误"
    )


def _inputs(schema: dict) -> set[str]:
    components = schema["components"]["schemas"]
    names: set[str] = set()
    for operations in schema["paths"].values():
        for op in operations.values():
            names |= {p["name"] for p in op.get("parameters", [])}
            for content in op.get("requestBody", {}).get("content", {}).values():
                ref = content["schema"].get("$ref", "")
                names |= set(components.get(ref.split("/")[-1], content["schema"]).get("properties", {}))
    return names


def test_every_input_of_the_api_has_a_chinese_name(db: None) -> None:
    from baodao.api.urls import api

    assert _inputs(api.get_openapi_schema()) - set(FIELD_LABELS) == set()
