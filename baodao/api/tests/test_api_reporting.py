"""The 双报到 API (/api/v1/reporting/): the member's steps and the community's actions, scoped like
the web; every refusal is JSON with a Chinese "message"."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from baodao.accounts.models import User
from baodao.accounts.services import api_token_issue
from baodao.directory.models import Category
from baodao.reporting import services
from baodao.reporting.models import Certificate, MemberReport
from baodao.reporting.tests.conftest import link_member_user, submit, team_types

BASE = "/api/v1/reporting"


class Api:
    """A JSON client with an optional bearer token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str):
        return self.client.get(f"{BASE}{path}", headers=self.headers)

    def post(self, path: str, data: dict | None = None):
        return self.client.post(f"{BASE}{path}", data or {}, content_type="application/json", headers=self.headers)


def login_token(username: str, password: str) -> str:
    response = Client().post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api_for(user: User) -> Api:
    return Api(api_token_issue(user=user))


@pytest.fixture
def teams(db: None) -> list[Category]:
    return team_types()


@pytest.fixture
def member_api(world: SimpleNamespace, teams: list) -> Api:
    """王安华 (m_u_a) with the world's member account, through a real token."""
    link_member_user(world.m_u_a, world.member_user)
    return Api(login_token("member_u_a", world.password))


def report_payload(world: SimpleNamespace, **kw: object) -> dict:
    data = {
        "residence_id": world.A1_1.pk,
        "room": "2单元301",
        "skill_ids": [world.skill.pk],
        "team_type_ids": [t.pk for t in team_types()[:1]],
        "commitment": True,
    }
    data.update(kw)
    return data


def issue(world: SimpleNamespace, member=None) -> tuple[Certificate, str]:
    cert = services.certificate_issue(member=member or world.m_u_a, by=world.unit_secretary)
    return cert, services.certificate_token(cert)


# --- the member's steps -------------------------------------------------------------------------


def test_member_flow_certificate_submit_status(world: SimpleNamespace, teams: list) -> None:
    w = world
    cert, token = issue(w)
    services.member_activate(certificate=cert, mobile="13812345678", password=w.password)
    member = Api(login_token("13812345678", w.password))  # log in with the mobile

    read = Api().get(f"/certificate/{token}")
    assert read.status_code == 200
    assert read.json() == {
        "number": cert.number,
        "member_name": "王安华",
        "unit_name": "城建局",
        "community_id": w.A.pk,
        "community_name": "安宁社区",
        "deadline": cert.deadline.isoformat(),
    }

    created = member.post("/reports", report_payload(w, token=token))
    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ("member_name", "community_name", "residence_name", "status", "status_label")} == {
        "member_name": "王安华",
        "community_name": "安宁社区",
        "residence_name": "安一1栋",
        "status": "pending",
        "status_label": "待社区确认",
    }
    assert body["source"] == "certificate" and body["receipt_number"] == ""

    status = member.get("/status")
    assert status.status_code == 200
    assert [(r["id"], r["status"]) for r in status.json()] == [(body["id"], "pending")]
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.USED


def test_staff_flow_pending_confirm_return(world: SimpleNamespace, member_api: Api) -> None:
    w = world
    _cert, token = issue(w)
    mine = member_api.post("/reports", report_payload(w, token=token)).json()
    other = submit(w.m_v_a)  # another pending report to A
    staff = Api(login_token("community_staff", w.password))

    pending = staff.get("/pending")
    assert pending.status_code == 200
    assert {r["id"] for r in pending.json()} == {mine["id"], other.pk}

    confirmed = staff.post("/confirm", {"ids": [mine["id"]]})
    assert confirmed.status_code == 200 and confirmed.json() == {"confirmed": 1}

    returned = staff.post(f"/reports/{other.pk}/return", {"reason": "楼栋不对"})
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["return_reason"]) == ("returned", "楼栋不对")
    assert staff.get("/pending").json() == []
    status = member_api.get("/status").json()
    assert [(r["status"], r["receipt_number"].startswith("HZ")) for r in status] == [("confirmed", True)]


def test_pending_is_filtered_by_community(world: SimpleNamespace, teams: list) -> None:
    w = world
    ra, rb = submit(w.m_u_a), submit(w.m_v_b)
    street = api_for(w.street_admin)

    assert {r["id"] for r in street.get("/pending").json()} == {ra.pk, rb.pk}
    assert {r["id"] for r in street.get(f"/pending?community={w.B.pk}").json()} == {rb.pk}
    # A unit or compound secretary confirms nothing: refused, as on the page (reporting.access).
    for user in (w.unit_secretary, w.compound_secretary):
        response = api_for(user).get("/pending")
        assert (response.status_code, response.json()) == (403, {"message": "没有权限"})
    assert street.get("/pending?community=999999").status_code == 404


def test_self_report_through_the_api(world: SimpleNamespace, member_api: Api) -> None:
    w = world

    response = member_api.post("/reports", report_payload(w, community_id=w.B.pk, residence_id=w.B1.pk))

    assert response.status_code == 201
    assert (response.json()["source"], response.json()["status"]) == ("self", "unit_approval")


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["forged", "abc:def:ghi", ".eJyLjgUAARUAuQ:1t2:abc"])
def test_forged_token_is_400_with_message(world: SimpleNamespace, member_api: Api, token: str) -> None:
    read = Api().get(f"/certificate/{token}")
    submitted = member_api.post("/reports", report_payload(world, token=token))

    for response in (read, submitted):
        assert response.status_code == 400
        assert response.json() == {"message": "报到证二维码无效，请向单位党组织索取新的报到证"}
    assert not MemberReport.objects.exists()


def test_expired_token_is_400_with_message(world: SimpleNamespace, member_api: Api) -> None:
    cert, token = issue(world)
    past = timezone.localdate() - dt.timedelta(days=1)
    Certificate.objects.filter(pk=cert.pk).update(deadline=past)

    read = Api().get(f"/certificate/{token}")
    submitted = member_api.post("/reports", report_payload(world, token=token))

    expected = {"message": f"该报到证已过期（报到期限 {past.isoformat()}），请向单位党组织重新申领"}
    assert (read.status_code, read.json()) == (400, expected)
    assert (submitted.status_code, submitted.json()) == (400, expected)
    assert not MemberReport.objects.exists()


def test_revoked_token_is_400_with_message(world: SimpleNamespace) -> None:
    _cert, token = issue(world)
    issue(world)  # re-issued: the first one is void

    response = Api().get(f"/certificate/{token}")

    assert response.status_code == 400
    assert response.json()["message"] == "该报到证已作废，请向单位党组织索取新的报到证"


def test_reporting_twice_is_400_without_duplicate(world: SimpleNamespace, member_api: Api) -> None:
    _cert, token = issue(world)
    first = member_api.post("/reports", report_payload(world, token=token))
    assert first.status_code == 201

    with_token = member_api.post("/reports", report_payload(world, token=token))
    without = member_api.post("/reports", report_payload(world, community_id=world.A.pk))

    assert (with_token.status_code, with_token.json()) == (400, {"message": "该报到证已使用，您已提交过报到"})
    assert (without.status_code, without.json()) == (400, {"message": "您已提交过报到，无需重复提交"})
    assert MemberReport.objects.count() == 1


@pytest.mark.parametrize("place", ["B1", "B1_1", "F1"])
def test_residence_outside_the_community_is_400(world: SimpleNamespace, member_api: Api, place: str) -> None:
    _cert, token = issue(world)

    response = member_api.post("/reports", report_payload(world, token=token, residence_id=getattr(world, place).pk))

    assert response.status_code == 400
    assert response.json() == {"message": "居住地必须是安宁社区内的小区、网格或楼栋"}
    assert not MemberReport.objects.exists()


def test_residence_that_is_a_community_or_missing_is_400(world: SimpleNamespace, member_api: Api) -> None:
    _cert, token = issue(world)

    community = member_api.post("/reports", report_payload(world, token=token, residence_id=world.A.pk))
    missing = member_api.post("/reports", report_payload(world, token=token, residence_id=999999))

    assert community.status_code == 400 and "居住地必须是" in community.json()["message"]
    assert missing.json() == {"message": "居住地不存在"} and missing.status_code == 400


def test_team_type_and_commitment_are_required(world: SimpleNamespace, member_api: Api) -> None:
    _cert, token = issue(world)

    response = member_api.post("/reports", report_payload(world, token=token, team_type_ids=[], commitment=False))

    assert response.status_code == 400
    assert response.json()["message"] == "请至少选择 1 个志愿服务队类型；请阅读并签署服务承诺书"


def test_team_types_of_another_kind_do_not_count(world: SimpleNamespace, member_api: Api) -> None:
    _cert, token = issue(world)

    response = member_api.post("/reports", report_payload(world, token=token, team_type_ids=[world.skill.pk]))

    assert response.status_code == 400
    assert response.json()["message"] == "请至少选择 1 个志愿服务队类型"


def test_neither_token_nor_community_is_400(world: SimpleNamespace, member_api: Api) -> None:
    response = member_api.post("/reports", report_payload(world))

    assert (response.status_code, response.json()) == (400, {"message": "请提供报到证令牌或报到社区"})


def test_unknown_community_is_404(world: SimpleNamespace, member_api: Api) -> None:
    response = member_api.post("/reports", report_payload(world, community_id=world.A1.pk))

    assert response.status_code == 404 and "message" in response.json()


def test_malformed_payload_is_422_with_message(world: SimpleNamespace, member_api: Api) -> None:
    response = member_api.post("/reports", {"token": "x"})

    assert response.status_code == 422
    assert response.json()["message"] == "请求参数有误：请填写居住的小区或楼栋"


def test_someone_elses_certificate_is_403(world: SimpleNamespace, member_api: Api) -> None:
    _cert, token = issue(world, world.m_u_b)

    response = member_api.post("/reports", report_payload(world, token=token, residence_id=world.B1.pk))

    assert (response.status_code, response.json()) == (403, {"message": "该报到证不属于当前账号"})
    assert not MemberReport.objects.exists()


def test_only_members_submit_or_read_status(world: SimpleNamespace, teams: list) -> None:
    staff = api_for(world.community_staff)
    _cert, token = issue(world)

    for response in (staff.post("/reports", report_payload(world, token=token)), staff.get("/status")):
        assert (response.status_code, response.json()) == (403, {"message": "只有在职党员可以报到"})


def test_status_shows_only_own_reports(world: SimpleNamespace, member_api: Api) -> None:
    submit(world.m_u_b)
    mine = submit(world.m_u_a)

    assert [r["id"] for r in member_api.get("/status").json()] == [mine.pk]


def test_return_needs_a_reason(world: SimpleNamespace, teams: list) -> None:
    r = submit(world.m_u_a)

    response = api_for(world.community_staff).post(f"/reports/{r.pk}/return", {"reason": " "})

    assert (response.status_code, response.json()) == (400, {"message": "退回时请填写原因"})
    r.refresh_from_db()
    assert r.status == MemberReport.Status.PENDING


def test_confirm_of_nothing_is_404(world: SimpleNamespace, teams: list) -> None:
    response = api_for(world.community_staff).post("/confirm", {"ids": []})

    assert (response.status_code, response.json()) == (404, {"message": "没有可确认的报到"})


# --- scope --------------------------------------------------------------------------------------


def test_staff_of_b_cannot_see_or_confirm_a_report_of_a(world: SimpleNamespace, teams: list) -> None:
    w = world
    ra, rb = submit(w.m_u_a), submit(w.m_v_b)
    staff_b = Api(login_token("staff_b", w.password))

    listed = staff_b.get("/pending")
    confirm = staff_b.post("/confirm", {"ids": [ra.pk]})
    give_back = staff_b.post(f"/reports/{ra.pk}/return", {"reason": "不是本社区"})

    assert {r["id"] for r in listed.json()} == {rb.pk}
    assert (confirm.status_code, confirm.json()) == (404, {"message": "没有可确认的报到"})
    assert (give_back.status_code, give_back.json()) == (404, {"message": "对象不存在"})
    ra.refresh_from_db()
    assert ra.status == MemberReport.Status.PENDING


def test_confirm_with_mixed_ids_confirms_only_own(world: SimpleNamespace, teams: list) -> None:
    w = world
    ra, rb = submit(w.m_u_a), submit(w.m_v_b)

    response = api_for(w.staff_b).post("/confirm", {"ids": [ra.pk, rb.pk]})

    assert response.json() == {"confirmed": 1}
    assert set(MemberReport.objects.filter(status="confirmed")) == {rb}


def test_unit_secretary_sees_but_cannot_confirm_or_return(world: SimpleNamespace, teams: list) -> None:
    r = submit(world.m_u_a)
    sec = api_for(world.unit_secretary)

    response = sec.post("/confirm", {"ids": [r.pk]})
    assert (response.status_code, response.json()) == (403, {"message": "没有权限"})
    assert sec.post(f"/reports/{r.pk}/return", {"reason": "x"}).json() == {"message": "没有权限"}
    r.refresh_from_db()
    assert r.status == MemberReport.Status.PENDING


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/status"),
        ("get", "/pending"),
        ("post", "/reports"),
        ("post", "/confirm"),
        ("post", "/reports/1/return"),
    ],
)
@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_unauthenticated_is_401_json(world: SimpleNamespace, method: str, path: str, token: str | None) -> None:
    response = getattr(Api(token), method)(path)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"message": "未登录或令牌无效"}


def test_session_login_is_not_enough_for_the_api(world: SimpleNamespace, client: Client) -> None:
    client.force_login(world.community_staff)

    response = client.get(f"{BASE}/pending")

    assert response.status_code == 401


# --- leaving the unit ---------------------------------------------------------------------------


def test_member_leave_through_the_api(world: SimpleNamespace, teams: list) -> None:
    w = world
    report = submit(w.m_u_a)

    response = api_for(w.unit_secretary).post(
        f"/members/{w.m_u_a.pk}/leave", {"unit_code": "V001", "party_org_name": "教育局第一党支部"}
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "member_id": w.m_u_a.pk,
        "unit_code": "V001",
        "unit_name": "教育局",
        "party_org_name": "教育局第一党支部",
        "ended_report_id": report.pk,
    }
    report.refresh_from_db()
    assert (report.status, report.end_reason) == ("ended", "left_unit")
    w.m_u_a.refresh_from_db()
    assert w.m_u_a.unit == w.V


def test_member_leave_api_out_of_scope_is_404_and_refusals_are_400(world: SimpleNamespace, teams: list) -> None:
    w = world
    report = submit(w.m_u_a)
    path = f"/members/{w.m_u_a.pk}/leave"

    assert api_for(w.staff_b).post(path, {"unit_code": "V001"}).status_code == 404  # lives in A, not B
    assert api_for(w.compound_secretary).post(path, {"unit_code": "V001"}).status_code == 403
    bad = api_for(w.unit_secretary).post(path, {"unit_code": "NOPE"})
    assert bad.status_code == 400
    assert bad.json()["message"] == "找不到编码为 NOPE 的单位（须为本市在册单位）"
    assert api_for(w.unit_secretary).post("/members/999999/leave", {"unit_code": "V001"}).status_code == 404

    report.refresh_from_db()
    assert report.status == "pending"
    w.m_u_a.refresh_from_db()
    assert w.m_u_a.unit == w.U
