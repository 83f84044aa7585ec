"""The record's API: the paths of issue 11 §7, scoped as the web, and every bad input of the issue
answered with a clear Chinese 4xx and the state unchanged."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from baodao.accounts.services import api_token_issue
from baodao.records import codes, services
from baodao.records.models import Activity, Record, Signup
from baodao.records.tests.conftest import activity, kind, rw
from baodao.stats.models import ServiceYear

__all__ = ["rw"]
pytestmark = pytest.mark.django_db

API = "/api/v1/records"


def api(user: object) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})  # type: ignore[arg-type]


def post(c: Client, path: str, body: dict[str, object] | None = None) -> tuple[int, dict]:
    r = c.post(API + path, data=body or {}, content_type="application/json")
    return r.status_code, r.json()


def test_the_whole_member_path_sign_up_code_check_in_out_confirm_progress(rw: SimpleNamespace) -> None:
    staff, member = api(rw.community_staff), api(rw.member_user)
    start = timezone.now() + dt.timedelta(minutes=20)
    status, body = post(
        staff,
        "/activities",
        {
            "community_id": rw.A.pk,
            "place_id": rw.A1.pk,
            "kind_id": kind().pk,
            "title": "主题党日",
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
            "capacity": 30,
        },
    )
    assert status == 201, body
    pk = body["id"]
    listed = member.get(API + "/activities").json()["items"]
    assert [a["id"] for a in listed] == [pk]
    assert post(member, f"/activities/{pk}/signup")[0] == 201
    code = staff.get(f"{API}/activities/{pk}/code?action=in").json()
    assert code["url"].startswith("http://testserver/records/scan/")
    status, body = post(member, "/checkin", {"code": code["url"]})
    assert (status, body["status"]) == (200, "checked_in")
    out = staff.get(f"{API}/activities/{pk}/code?action=out").json()
    # a check-out before the activity starts is refused (issue 19 §9): no record, still checked in
    status, body = post(member, "/checkout", {"code": out["url"]})
    assert status == 400 and "开始前不能签退" in body["message"], body
    assert not Record.objects.exists() and Signup.objects.get().status == "checked_in"
    # (time passes: the activity began 90 minutes ago, he checked in at its start)
    began = timezone.now() - dt.timedelta(minutes=90)
    span = {"starts_at": began, "ends_at": began + dt.timedelta(hours=2)}
    Activity.objects.filter(pk=pk).update(**span)
    Signup.objects.filter(activity_id=pk).update(**span, checkin_at=began)
    out = staff.get(f"{API}/activities/{pk}/code?action=out").json()
    status, rec = post(member, "/checkout", {"code": out["url"]})
    assert status == 200 and rec["status"] == "pending" and rec["source"] == "activity"
    assert (rec["minutes"], rec["counts_as_activity"], rec["version"]) == (90, True, 1)
    pending = staff.get(API + "/pending").json()["items"]
    assert [r["id"] for r in pending] == [rec["id"]]
    status, body = post(staff, "/confirm", {"ids": [rec["id"]]})
    assert (status, body["confirmed"]) == (200, [rec["id"]])
    progress = member.get(API + "/progress").json()
    assert (progress["activities"], progress["activities_needed"], progress["hours_needed"]) == (1, 5, 20)
    mine = member.get(API + "/mine").json()["items"]
    assert [r["status"] for r in mine] == ["confirmed"]


def test_bad_codes_and_check_out_without_check_in(rw: SimpleNamespace) -> None:
    a = activity(rw, start=timezone.now() - dt.timedelta(minutes=10))
    member = api(rw.member_user)
    stale = codes.current(a, "in", now=timezone.now() - dt.timedelta(minutes=10))
    assert post(member, "/checkin", {"code": f"http://x{stale.path}"}) == (
        400,
        {"message": "二维码已过期或无效，请扫描组织者手机上当前显示的二维码"},
    )
    forged = codes.current(a, "in").path.rsplit("/", 2)[0] + "/" + "f" * 20 + "/"
    assert post(member, "/checkin", {"code": forged})[0] == 400
    out = codes.current(a, "out")
    assert post(member, "/checkout", {"code": out.path}) == (400, {"message": "您还没有签到，请先扫签到码"})
    far = activity(rw, start=timezone.now() + dt.timedelta(days=2), title="后天")
    early = codes.current(far, "in")
    status, body = post(member, "/checkin", {"code": early.path})
    assert status == 400 and body["message"].startswith("不在签到时间内")
    assert not Signup.objects.exists() and not Record.objects.exists()


def test_full_and_overlapping_sign_ups_get_409(rw: SimpleNamespace) -> None:
    a = activity(rw, capacity=1)
    assert post(api(rw.member_user), f"/activities/{a.pk}/signup")[0] == 201
    assert post(api(rw.member_v_user), f"/activities/{a.pk}/signup") == (409, {"message": "名额已满（1/1）"})
    b = activity(rw, start=a.starts_at + dt.timedelta(minutes=30), title="重叠的")
    status, body = post(api(rw.member_user), f"/activities/{b.pk}/signup")
    assert status == 409 and "同一时间" in body["message"]
    assert Activity.objects.get(pk=b.pk).signed_up == 0


def test_bad_logs_and_confirmations(rw: SimpleNamespace) -> None:
    member = api(rw.member_user)
    now = timezone.now()

    def body(start: dt.datetime, end: dt.datetime) -> dict[str, object]:
        return {"starts_at": start.isoformat(), "ends_at": end.isoformat(), "content": "走访"}

    assert post(member, "/mine", body(now - dt.timedelta(hours=1), now - dt.timedelta(hours=2))) == (
        400,
        {"message": "结束时间必须晚于开始时间"},
    )
    assert post(member, "/mine", body(now + dt.timedelta(hours=1), now + dt.timedelta(hours=2))) == (
        400,
        {"message": "不能登记尚未发生的服务"},
    )
    status, rec = post(member, "/mine", body(now - dt.timedelta(hours=3), now - dt.timedelta(hours=1)))
    assert status == 201 and rec["minutes"] == 120
    # staff next door: out of their confirmation (404), and nothing moves
    assert post(api(rw.staff_b), "/confirm", {"ids": [rec["id"]]})[0] == 404
    assert post(api(rw.staff_b), f"/{rec['id']}/return", {"reason": "x"})[0] == 404
    # an admin above does not confirm either: the community does
    assert post(api(rw.city_admin), "/confirm", {"ids": [rec["id"]]})[0] == 403
    # a record the confirmer logged
    own = services.record_log(
        member=rw.m_v_a,
        community=rw.A,
        starts_at=now - dt.timedelta(days=1, hours=2),
        ends_at=now - dt.timedelta(days=1),
        content="社区代登记",
        by=rw.community_staff,
    )
    status, out = post(api(rw.community_staff), "/confirm", {"ids": [own.pk]})
    assert status == 409 and "不能确认自己登记" in out["message"]
    assert not ServiceYear.objects.exists()
    status, out = post(api(rw.community_staff), "/confirm", {"ids": [rec["id"]]})
    assert status == 200 and out["confirmed"] == [rec["id"]]
    assert post(api(rw.community_staff), "/confirm", {"ids": [rec["id"]]})[0] == 409


def test_behind_lists_reported_members_under_the_minimums(rw: SimpleNamespace) -> None:
    now = timezone.now()
    r = services.record_log(
        member=rw.m_u_a,
        community=rw.A,
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now - dt.timedelta(hours=1),
        content="x",
        by=rw.member_user,
    )
    services.record_confirm(record=r, by=rw.community_staff)
    got = api(rw.street_admin).get(f"{API}/behind?place={rw.S1.pk}").json()
    # 王安华 and 钱安宁 (安宁社区) and 李北辰 (北门社区) are reported; nobody met 5 / 20 h yet
    assert got["total"] == 3
    by_name = {i["name"]: (i["activities"], i["hours"]) for i in got["items"]}
    # his logged service counts its hours, not as an activity attended (issue 19 §10)
    assert by_name == {"王安华": (0, 2.0), "钱安宁": (0, 0.0), "李北辰": (0, 0.0)}
    assert api(rw.staff_b).get(f"{API}/behind?place={rw.A.pk}").status_code == 404  # out of sight
