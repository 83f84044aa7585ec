"""The record's API refusing each step in each wrong state: the status a client branches on (400
refused, 409 full, taken or already decided), the body {"message": ...} in Chinese as the service
words it, and the activity, its sign-ups and the records as they were."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.test import Client
from django.utils import timezone

from baodao.accounts.services import api_token_issue
from baodao.records import codes, services
from baodao.records.dates import when
from baodao.records.models import Activity, Callup, Record, RecordEvent, Signup
from baodao.records.tests.conftest import activity, kind

API = "/api/v1/records"


class Api:
    def __init__(self, user: object) -> None:
        self.client = Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})  # type: ignore[arg-type]

    def post(self, path: str, body: dict[str, object] | None = None) -> tuple[int, object]:
        r = self.client.post(API + path, data=body or {}, content_type="application/json")
        return r.status_code, r.json()


def written() -> tuple[object, ...]:
    """Everything a refused step must leave as it was."""
    return (
        sorted(Activity.objects.values_list("pk", "status", "signed_up")),
        sorted(Signup.objects.values_list("pk", "status", "checkin_at", "checkout_at")),
        sorted(Record.objects.values_list("pk", "status", "minutes", "version")),
        RecordEvent.objects.count(),
    )


def refused(api: Api, path: str, body: dict[str, object] | None, status: int, message: str) -> None:
    before = written()
    assert api.post(path, body) == (status, {"message": message}), path
    assert written() == before, path


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def test_sign_up_and_cancel_refused_in_each_state(rw: SimpleNamespace) -> None:
    member = Api(rw.member_user)
    a = activity(rw, capacity=3)
    refused(member, f"/activities/{a.pk}/cancel", None, 409, "您没有报名该活动")
    assert member.post(f"/activities/{a.pk}/signup")[0] == 201
    refused(member, f"/activities/{a.pk}/signup", None, 409, "已报名该活动，不能重复报名")
    services.checkin_scanned(activity=a, member=rw.m_u_a, by=rw.member_user, now=a.starts_at - dt.timedelta(minutes=5))
    refused(member, f"/activities/{a.pk}/cancel", None, 409, "该报名已签到，不能取消")

    started = activity(rw, start=timezone.now() - dt.timedelta(minutes=5), title="已开始")
    refused(member, f"/activities/{started.pk}/signup", None, 400, "活动已开始，不能再报名")
    cancelled = activity(rw, start=timezone.now() + dt.timedelta(days=3), title="取消了")
    services.activity_cancel(activity=cancelled, by=rw.community_staff)
    refused(member, f"/activities/{cancelled.pk}/signup", None, 400, "活动已取消，不能报名")


def test_scans_refused_in_each_state(rw: SimpleNamespace) -> None:
    member = Api(rw.member_user)
    start = timezone.now() - dt.timedelta(minutes=40)
    a = activity(rw, start=start)
    code_in, code_out = codes.current(a, "in"), codes.current(a, "out")
    refused(member, "/checkin", {"code": code_out.path}, 400, "二维码已过期或无效，请扫描组织者手机上当前显示的二维码")
    status, body = member.post("/checkin", {"code": f"https://baodao.example{code_in.path}"})
    assert status == 200 and body["status"] == "checked_in"  # type: ignore[index]
    checked = Signup.objects.get(activity=a).checkin_at
    refused(member, "/checkin", {"code": code_in.path}, 409, f"您已于 {when(checked)} 签到")  # type: ignore[arg-type]
    status, body = member.post("/checkout", {"code": code_out.path})
    assert status == 200 and body["status"] == "pending"  # type: ignore[index]
    refused(member, "/checkout", {"code": code_out.path}, 409, "您已签退")
    over = activity(rw, start=timezone.now() - dt.timedelta(hours=2, minutes=30), title="刚结束的")
    services.activity_close(activity=over, by=rw.community_staff)
    over.refresh_from_db()
    refused(member, "/checkin", {"code": codes.current(over, "in").path}, 400, "活动已结束，不能签到签退")


def test_an_organizers_steps_refused(rw: SimpleNamespace) -> None:
    staff = Api(rw.community_staff)
    start = timezone.now() + dt.timedelta(hours=2)
    body = {
        "community_id": rw.A.pk,
        "place_id": rw.A1.pk,
        "kind_id": kind().pk,
        "title": "楼道清扫",
        "starts_at": iso(start),
        "ends_at": iso(start + dt.timedelta(hours=2)),
        "capacity": 10,
    }
    refused(staff, "/activities", {**body, "ends_at": iso(start)}, 400, "结束时间必须晚于开始时间")
    refused(
        staff,
        "/activities",
        {**body, "ends_at": iso(start + dt.timedelta(minutes=20))},
        400,
        "结束时间距开始不足 30 分钟：在场不足 30 分钟不计为参加活动，活动至少 30 分钟",
    )
    refused(
        staff,
        "/activities",
        {**body, "ends_at": iso(start + dt.timedelta(hours=25))},
        400,
        "结束时间距开始超过 24 小时：一次活动不超过 24 小时，多日活动请分天创建",
    )
    refused(staff, "/activities", {**body, "audience": "units"}, 400, "请选择可以报名的单位")
    past = timezone.now() - dt.timedelta(hours=3)
    refused(
        staff,
        "/activities",
        {**body, "starts_at": iso(past), "ends_at": iso(past + dt.timedelta(hours=1))},
        400,
        f"结束时间 {when(past + dt.timedelta(hours=1))} 已经过去：不能发布已经结束的活动",
    )
    status, made = staff.post("/activities", body)
    assert status == 201 and made["signed_up"] == 0  # type: ignore[index]

    ran = activity(rw, start=timezone.now() - dt.timedelta(hours=2), hours=1, title="已结束的")
    services.activity_signup(
        activity=ran, member=rw.m_u_a, by=rw.member_user, now=ran.starts_at - dt.timedelta(hours=1)
    )
    mark = {"member_id": rw.m_u_a.pk, "checkin_at": iso(ran.starts_at), "checkout_at": iso(ran.ends_at), "reason": " "}
    refused(staff, f"/activities/{ran.pk}/attendance", mark, 400, "手工登记考勤必须填写原因")
    refused(
        staff,
        f"/activities/{ran.pk}/attendance",
        {**mark, "reason": "补登", "checkout_at": iso(ran.starts_at)},
        400,
        "签退时间必须晚于签到时间",
    )
    assert staff.post(f"/activities/{ran.pk}/attendance", {**mark, "reason": "补登"})[0] == 201
    refused(staff, f"/activities/{ran.pk}/attendance", {**mark, "reason": "再补"}, 409, "王安华的考勤已登记")


def logged(w: SimpleNamespace, member: object, user: object, days_ago: int, content: str) -> Record:
    start = (timezone.localtime() - dt.timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
    return services.record_log(
        member=member,  # type: ignore[arg-type]
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        content=content,
        by=user,  # type: ignore[arg-type]
    )


def test_decisions_refused_in_each_state_and_a_batch_names_each(rw: SimpleNamespace) -> None:
    staff = Api(rw.community_staff)
    pending = logged(rw, rw.m_u_a, rw.member_user, 4, "待确认")
    decided = logged(rw, rw.m_u_a, rw.member_user, 3, "已确认")
    returned = logged(rw, rw.m_v_a, rw.member_v_user, 2, "已退回")
    mine = logged(rw, rw.m_v_a, rw.community_staff, 1, "工作人员代登记")
    services.record_confirm(record=decided, by=rw.community_staff)
    services.record_return(record=returned, by=rw.community_staff, reason="重复")
    refused(staff, f"/{pending.pk}/return", {"reason": "  "}, 400, "请填写退回原因")
    refused(staff, f"/{returned.pk}/return", {"reason": "再退"}, 409, "该纪实已退回")
    refused(staff, f"/{mine.pk}/return", {"reason": "自己退"}, 400, "不能处理自己登记或自己的纪实")
    refused(
        staff,
        "/confirm",
        {"ids": [decided.pk, returned.pk, mine.pk]},
        409,
        f"#{decided.pk} 该纪实已确认；#{returned.pk} 该纪实已退回；#{mine.pk} 不能确认自己登记或自己的纪实",
    )
    # One that can be confirmed among them: 200, the others named with their reasons.
    status, body = staff.post("/confirm", {"ids": [pending.pk, decided.pk, 999_999]})
    assert (status, body) == (
        200,
        {
            "confirmed": [pending.pk],
            "refused": {str(decided.pk): "该纪实已确认", "999999": "不存在或不在您确认的范围内"},
        },
    )
    assert Record.objects.get(pk=pending.pk).status == "confirmed"


def test_corrections_refused_as_the_service_words_them(rw: SimpleNamespace) -> None:
    member, staff = Api(rw.member_user), Api(rw.community_staff)
    r = logged(rw, rw.m_u_a, rw.member_user, 2, "入户走访")
    s = r.starts_at
    body = {"starts_at": iso(s), "ends_at": iso(s + dt.timedelta(hours=2)), "content": "入户走访（改）"}
    refused(member, f"/{r.pk}/correct", {**body, "ends_at": iso(s)}, 400, "结束时间必须晚于开始时间")
    refused(
        member,
        f"/{r.pk}/correct",
        {**body, "ends_at": iso(s + dt.timedelta(hours=25))},
        400,
        "一条纪实不超过 24 小时；多日服务请分天登记",
    )
    refused(
        member,
        f"/{r.pk}/correct",
        {**body, "ends_at": iso(timezone.now() + dt.timedelta(hours=1))},
        400,
        "结束时间晚于现在：不能登记尚未发生的服务",
    )
    refused(member, f"/{r.pk}/correct", {**body, "content": "   "}, 400, "请填写服务内容")
    status, out = staff.post(f"/{r.pk}/correct", body)
    assert status == 200 and (out["minutes"], out["status"]) == (120, "pending")  # type: ignore[index]
    assert Record.objects.get(pk=r.pk).version == 2


def test_call_up_answers_refused_once_it_is_over(rw: SimpleNamespace) -> None:
    staff = Api(rw.community_staff)
    start = timezone.now() + dt.timedelta(hours=1)
    body = {
        "community_id": rw.A.pk,
        "title": "防汛",
        "address": "社区广场",
        "starts_at": iso(start),
        "ends_at": iso(start + dt.timedelta(hours=2)),
        "needed": 5,
    }
    refused(staff, "/callups", {**body, "title": "  "}, 400, "请填写任务和集合地点")
    status, c = staff.post("/callups", body)
    assert status == 201 and (c["called"], c["coming"]) == (2, 0)  # type: ignore[index]
    member = Api(rw.member_user)
    status, out = member.post(f"/callups/{c['id']}/answer", {"coming": True})  # type: ignore[index]
    assert status == 200 and out["coming"] == 1  # type: ignore[index]
    services.callup_close(callup=Callup.objects.get(pk=c["id"]), by=rw.community_staff)  # type: ignore[index]
    status, out = member.post(f"/callups/{c['id']}/answer", {"coming": False})  # type: ignore[index]
    assert (status, out) == (409, {"message": "该动员已结束"})
    assert Callup.objects.get(pk=c["id"]).answers.get().coming is True  # type: ignore[index]
