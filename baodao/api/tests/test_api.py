"""The JSON API: tokens, /me, scoped and paginated places/units/members, JSON errors."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.test import Client, override_settings

from baodao.accounts.models import SecurityEvent, User
from baodao.accounts.services import api_token_issue
from baodao.core.privacy import mask_id_number

API = "/api/v1"


class Api:
    """The Django test client with a bearer token."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: object):
        return self.client.get(f"{API}{path}", params, headers=self.headers)

    def post(self, path: str, payload: dict):
        return self.client.post(
            f"{API}{path}", json.dumps(payload), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api_as(client: Client):
    def _as(user: User | None) -> Api:
        return Api(client, api_token_issue(user=user) if user else None)

    return _as


def _names(response) -> set[str]:
    return {item["name"] for item in response.json()["items"]}


# --- tokens and /me -----------------------------------------------------------------------------


def test_token_for_good_credentials(world: SimpleNamespace, client: Client) -> None:
    response = Api(client).post("/auth/token", {"username": "community_staff", "password": world.password})

    assert response.status_code == 200
    token = response.json()["token"]
    me = Api(client, token).get("/me")
    assert me.status_code == 200
    assert me.json()["username"] == "community_staff"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.API_TOKEN, user=world.community_staff).exists()


def test_token_by_mobile(world: SimpleNamespace, client: Client) -> None:
    response = Api(client).post("/auth/token", {"username": "13700001111", "password": world.password})

    assert response.status_code == 200
    assert response.json()["token"]


def test_token_for_bad_credentials_is_401_json(world: SimpleNamespace, client: Client) -> None:
    response = Api(client).post("/auth/token", {"username": "community_staff", "password": "Wrong#Secret987"})

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
    assert "token" not in response.json()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_FAILED)
    assert "Wrong#Secret987" not in repr(SecurityEvent.objects.filter(pk=event.pk).values()[0])


def test_token_request_with_missing_field_is_422_json(world: SimpleNamespace, client: Client) -> None:
    response = Api(client).post("/auth/token", {"username": "community_staff"})

    assert response.status_code == 422
    assert response.json()["message"]


def test_token_refused_after_lockout(world: SimpleNamespace, client: Client) -> None:
    api = Api(client)
    for _ in range(5):
        api.post("/auth/token", {"username": "community_staff", "password": "Wrong#Secret987"})

    response = api.post("/auth/token", {"username": "community_staff", "password": world.password})

    assert response.status_code in (401, 403, 429)
    assert response.json()["message"]
    assert "token" not in response.json()


@pytest.mark.parametrize(
    ("failing_as", "then_as"), [("community_staff", "13700001111"), ("13700001111", "community_staff")]
)
def test_token_lockout_holds_for_the_account_whichever_identifier_is_typed(
    world: SimpleNamespace, client: Client, failing_as: str, then_as: str
) -> None:
    api = Api(client)
    for _ in range(5):
        api.post("/auth/token", {"username": failing_as, "password": "Wrong#Secret987"})

    response = api.post("/auth/token", {"username": then_as, "password": world.password})

    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
    assert "token" not in response.json()


def test_token_failure_by_mobile_is_recorded_as_the_account(world: SimpleNamespace, client: Client) -> None:
    from axes.models import AccessAttempt

    Api(client).post("/auth/token", {"username": "13700001111", "password": "Wrong#Secret987"})

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_FAILED)
    assert (event.user, event.username) == (world.community_staff, "community_staff")
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["community_staff"]
    assert "13700001111" not in repr(list(AccessAttempt.objects.values()))


def test_me_without_token_is_401_json(db: None, client: Client) -> None:
    response = Api(client).get("/me")

    assert response.status_code == 401
    assert response.json()["message"]


def test_me_with_bad_token_is_401_json(db: None, client: Client) -> None:
    response = Api(client, "not-a-token").get("/me")

    assert response.status_code == 401
    assert response.json()["message"]


def test_me_lists_roles(world: SimpleNamespace, api_as) -> None:
    body = api_as(world.community_staff).get("/me").json()

    assert body["username"] == "community_staff"
    assert body["display_name"] == "安宁社区书记"
    assert [(r["role"], r["place_id"], r["place_name"], r["unit_id"]) for r in body["roles"]] == [
        ("community_staff", world.A.pk, "安宁社区", None)
    ]
    assert body["roles"][0]["role_label"] == "社区工作人员"


def test_me_for_unit_secretary(world: SimpleNamespace, api_as) -> None:
    roles = api_as(world.unit_secretary).get("/me").json()["roles"]

    assert [(r["role"], r["unit_id"], r["unit_name"]) for r in roles] == [("unit_secretary", world.U.pk, "城建局")]


def test_me_hides_inactive_roles(world: SimpleNamespace, api_as) -> None:
    world.community_staff.role_assignments.update(is_active=False)

    assert api_as(world.community_staff).get("/me").json()["roles"] == []


# --- scoped lists -------------------------------------------------------------------------------


def test_members_for_community_staff_exact_and_full(world: SimpleNamespace, api_as) -> None:
    response = api_as(world.community_staff).get("/members")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_name = {m["name"]: m for m in body["items"]}
    assert set(by_name) == {"王安华", "钱安宁"}
    assert by_name["王安华"]["id_number"] == world.m_u_a.id_number
    assert by_name["王安华"]["mobile"] == "13812345678"
    assert by_name["王安华"]["unit_name"] == "城建局"
    assert by_name["钱安宁"]["unit_name"] == "教育局"
    assert "address_detail" not in by_name["王安华"]


def test_members_masked_for_compound_secretary(world: SimpleNamespace, api_as) -> None:
    body = api_as(world.compound_secretary).get("/members").json()

    assert [(m["name"], m["id_number"], m["mobile"]) for m in body["items"]] == [
        ("王安华", mask_id_number(world.m_u_a.id_number), "138****5678")
    ]
    assert world.m_u_a.id_number not in json.dumps(body)


def test_members_for_unit_secretary_include_those_living_elsewhere_in_full(world: SimpleNamespace, api_as) -> None:
    body = api_as(world.unit_secretary).get("/members").json()

    assert {m["name"]: m["mobile"] for m in body["items"]} == {
        "王安华": world.m_u_a.mobile,
        "李北辰": world.m_u_b.mobile,
    }


def test_members_for_member_is_himself(world: SimpleNamespace, api_as) -> None:
    body = api_as(world.member_user).get("/members").json()

    assert [(m["name"], m["mobile"]) for m in body["items"]] == [("王安华", "13812345678")]


def test_members_for_resident_is_empty(world: SimpleNamespace, api_as) -> None:
    body = api_as(world.resident_user).get("/members").json()

    assert body == {"items": [], "count": 0}


def test_members_search_by_id_number_stays_in_scope(world: SimpleNamespace, api_as) -> None:
    api = api_as(world.community_staff)

    assert _names(api.get("/members", q=world.m_u_b.id_number)) == set()
    assert _names(api.get("/members", q=world.m_v_a.id_number)) == {"钱安宁"}


def test_members_unit_filter(world: SimpleNamespace, api_as) -> None:
    assert _names(api_as(world.community_staff).get("/members", unit=world.V.pk)) == {"钱安宁"}


def test_places_scoped(world: SimpleNamespace, api_as) -> None:
    response = api_as(world.community_staff).get("/places")

    assert response.status_code == 200
    assert _names(response) == {"安宁社区", "安一小区", "安二小区", "安一1栋"}
    item = next(p for p in response.json()["items"] if p["name"] == "安一小区")
    assert item == {
        "id": world.A1.pk,
        "code": world.A1.code,
        "name": "安一小区",
        "kind": "compound",
        "kind_label": "小区",
        "parent_id": world.A.pk,
    }


def test_places_kind_filter(world: SimpleNamespace, api_as) -> None:
    assert _names(api_as(world.district_admin).get("/places", kind="community")) == {"安宁社区", "北门社区", "恩泽社区"}


def test_units_scoped(world: SimpleNamespace, api_as) -> None:
    assert _names(api_as(world.community_staff).get("/units")) == {"城建局", "西山医院"}
    assert _names(api_as(world.staff_b).get("/units")) == {"教育局"}
    assert _names(api_as(world.district_admin).get("/units")) == {"城建局", "教育局", "西山医院"}


@pytest.mark.parametrize("role", ["member", "resident"])
@pytest.mark.parametrize("path", ["/places", "/units"])
def test_places_and_units_forbidden_for_members_and_residents(
    world: SimpleNamespace, api_as, role: str, path: str
) -> None:
    response = api_as(world.role_users[role]).get(path)

    assert response.status_code == 403
    assert response.json()["message"]


@pytest.mark.parametrize("path", ["/places", "/units", "/members"])
def test_lists_without_token_are_401(db: None, client: Client, path: str) -> None:
    response = Api(client).get(path)

    assert response.status_code == 401
    assert response.json()["message"]


# --- pagination and errors ----------------------------------------------------------------------


def test_pagination_fields_and_page_size(world: SimpleNamespace, api_as) -> None:
    api = api_as(world.city_admin)

    first = api.get("/members", page_size=4).json()
    second = api.get("/members", page_size=4, page=2).json()

    assert set(first) == {"items", "count"}
    assert first["count"] == 6
    assert len(first["items"]) == 4
    assert len(second["items"]) == 2
    seen = [m["id"] for m in first["items"] + second["items"]]
    assert sorted(seen) == sorted(m.pk for m in world.members)


@pytest.mark.parametrize("path", ["/places", "/units", "/members"])
def test_page_size_above_the_cap_is_422_json(world: SimpleNamespace, api_as, path: str) -> None:
    response = api_as(world.city_admin).get(path, page_size=201)

    body = _json_error(response, 422)
    assert body["message"] == "请求参数有误：每页最多 200 条"
    assert [e["msg"] for e in body["errors"]] == ["每页最多 200 条"]


def test_page_size_at_the_cap_is_accepted(world: SimpleNamespace, api_as) -> None:
    body = api_as(world.city_admin).get("/places", page_size=200).json()

    assert body["count"] == 17
    assert len(body["items"]) == 17


def test_page_past_the_end_is_empty(world: SimpleNamespace, api_as) -> None:
    body = api_as(world.city_admin).get("/places", page=99).json()

    assert body["items"] == []
    assert body["count"] == 17


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page_size": "many"}, {"unit": "x"}])
def test_bad_query_param_type_is_422_json(world: SimpleNamespace, api_as, params: dict) -> None:
    response = api_as(world.city_admin).get("/members", **params)

    assert response.status_code == 422
    assert response.json()["message"]


@pytest.mark.parametrize("params", [{"page": 0}, {"page": -1}, {"page_size": 0}, {"page_size": -5}])
def test_out_of_range_paging_is_422_json(world: SimpleNamespace, api_as, params: dict) -> None:
    api = api_as(world.city_admin)
    api.client.raise_request_exception = False

    response = api.get("/members", **params)

    assert response.status_code == 422
    assert response.json()["message"]


def test_openapi_schema_lists_the_paths(world: SimpleNamespace, client: Client) -> None:
    client.force_login(world.community_staff)  # the schema is for staff and token holders (test_docs)

    response = client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/places", "/api/v1/units", "/api/v1/members"):
        assert path in paths


def _json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@override_settings(DEBUG=False)
@pytest.mark.parametrize("path", ["/nothing-here", "/members/1", "/members/", "/v2/me"])
def test_unknown_api_path_is_404_json(db: None, client: Client, path: str) -> None:
    assert _json_error(client.get(f"{API}{path}"), 404) == {"message": "请求的接口不存在"}


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("get", "/auth/token", "POST"), ("post", "/members", "GET"), ("delete", "/me", "GET")],
)
def test_wrong_method_is_405_json(world: SimpleNamespace, api_as, method: str, path: str, allowed: str) -> None:
    api = api_as(world.city_admin)

    response = getattr(api.client, method)(f"{API}{path}", headers=api.headers)

    assert _json_error(response, 405) == {"message": "不支持该请求方法"}
    assert response["Allow"] == allowed


@override_settings(DEBUG=False)
def test_unhandled_error_in_an_operation_is_500_json(world: SimpleNamespace, api_as, monkeypatch) -> None:
    from baodao.directory import selectors

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom 13812345678")

    monkeypatch.setattr(selectors, "places_for_user", broken)
    api = api_as(world.city_admin)
    api.client.raise_request_exception = False

    body = _json_error(api.get("/places"), 500)

    assert body == {"message": "服务器内部错误，请稍后再试"}


@override_settings(DEBUG=False)
def test_unhandled_error_outside_an_operation_is_500_json(world: SimpleNamespace, client: Client, monkeypatch) -> None:
    from baodao.api.urls import api

    client.force_login(world.community_staff)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "get_openapi_schema", broken)
    client.raise_request_exception = False

    assert _json_error(client.get(f"{API}/openapi.json"), 500) == {"message": "服务器内部错误，请稍后再试"}


@override_settings(DEBUG=False)
def test_errors_outside_the_api_stay_html(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)

    response = client.get("/directory/nothing-here")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def _queries(api: Api, path: str) -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path)
    assert response.status_code == 200
    return len(ctx), response


def test_place_list_queries_do_not_grow(world: SimpleNamespace, api_as) -> None:
    from baodao.directory import services
    from baodao.directory.models import Place

    a3 = services.place_create(kind=Place.Kind.COMPOUND, code="990101001001003", name="安三小区", parent=world.A)
    staff = User.objects.create_user(username="a3_staff", password="x")
    staff.role_assignments.create(role="compound_secretary", place=a3)
    api = api_as(staff)
    api.get("/places")

    one, response = _queries(api, "/places")
    assert _names(response) == {"安三小区"}
    for n in (1, 2):
        services.place_create(kind=Place.Kind.BUILDING, code=f"99010100100100300{n}", name=f"安三{n}栋", parent=a3)
    three, response = _queries(api, "/places")

    assert _names(response) == {"安三小区", "安三1栋", "安三2栋"}
    assert one == three


def test_unit_list_queries_do_not_grow(world: SimpleNamespace, api_as) -> None:
    from baodao.directory import services
    from baodao.directory.models import Place, Unit

    n = services.place_create(kind=Place.Kind.COMMUNITY, code="990101001009", name="新村社区", parent=world.S1)
    staff = User.objects.create_user(username="n_staff", password="x")
    staff.role_assignments.create(role="community_staff", place=n)
    api = api_as(staff)

    def unit(i: int) -> None:
        u = Unit.objects.create(code=f"N00{i}", name=f"新村单位{i}", kind=Unit.Kind.ORGAN, office_place=n)
        services.unit_assign(unit=u, community=n, start_on=world.assign_U.start_on)

    unit(1)
    api.get("/units")
    one, response = _queries(api, "/units")
    assert _names(response) == {"新村单位1"}
    unit(2)
    unit(3)
    three, response = _queries(api, "/units")

    assert _names(response) == {"新村单位1", "新村单位2", "新村单位3"}
    assert one == three


def test_member_list_queries_do_not_grow(world: SimpleNamespace, api_as, make_member) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from baodao.directory import services
    from baodao.directory.models import Place

    a3 = services.place_create(kind=Place.Kind.COMPOUND, code="990101001001003", name="安三小区", parent=world.A)
    staff = User.objects.create_user(username="a3_staff", password="x")
    staff.role_assignments.create(role="compound_secretary", place=a3)
    api = api_as(staff)
    make_member(name="甲一", unit=world.U, residence=a3)
    api.get("/members")

    with CaptureQueriesContext(connection) as one:
        api.get("/members")
    make_member(name="甲二", unit=world.V, residence=a3)
    make_member(name="甲三", unit=world.W, residence=a3)
    with CaptureQueriesContext(connection) as three:
        response = api.get("/members")

    assert _names(response) == {"甲一", "甲二", "甲三"}
    assert len(one) == len(three)
