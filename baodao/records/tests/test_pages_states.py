"""The record's pages refusing a step in a wrong state: the page says why in Chinese (re-rendered with
422, or the next page's message after a redirect), and nothing moved."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.records import services
from baodao.records.models import Activity, Callup, CallupAnswer, Record, Signup
from baodao.records.tests.conftest import activity
from baodao.reporting.tests.conftest import team_types


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def said(response: object) -> list[str]:
    """The messages shown on the page a redirect led to."""
    return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]


def test_an_activitys_page_re_renders_each_refusal_with_422(rw: SimpleNamespace) -> None:
    member, staff = client_for(rw.member_user), client_for(rw.community_staff)
    running = activity(rw, start=timezone.now() - dt.timedelta(minutes=20), title="进行中的活动")
    r = member.post(reverse("records:cancel", args=[running.pk]))
    assert r.status_code == 422 and "您没有报名该活动" in r.content.decode()
    r = member.post(reverse("records:signup", args=[running.pk]))
    assert r.status_code == 422 and "活动已开始，不能再报名" in r.content.decode()
    services.checkin_scanned(activity=running, member=rw.m_v_a, by=rw.member_v_user)
    r = staff.post(reverse("records:close", args=[running.pk]))
    assert r.status_code == 422 and "活动尚未结束，结束后才能结束考勤" in r.content.decode()
    r = staff.post(reverse("records:cancel_activity", args=[running.pk]))
    assert r.status_code == 422 and "已有党员签到，不能取消活动；请结束考勤" in r.content.decode()
    running.refresh_from_db()
    assert (running.status, running.signed_up) == (Activity.Status.OPEN, 1)

    later = activity(rw, capacity=1, start=timezone.now() + dt.timedelta(days=1), title="明天的活动")
    assert member.post(reverse("records:signup", args=[later.pk])).status_code == 302
    r = client_for(rw.member_v_user).post(reverse("records:signup", args=[later.pk]))
    assert r.status_code == 422 and "名额已满（1/1）" in r.content.decode()
    assert Signup.objects.filter(activity=later).count() == 1


def test_a_short_check_out_by_the_scan_page_says_it_does_not_count(rw: SimpleNamespace) -> None:
    from baodao.records import codes

    start = timezone.now() - dt.timedelta(minutes=10)
    a = activity(rw, start=start, title="短暂参加")
    services.checkin_scanned(activity=a, member=rw.m_u_a, by=rw.member_user, now=start)
    code = codes.current(a, "out")
    member = client_for(rw.member_user)
    token = member.get(code.path).context["token"]  # the page asks first; the post confirms
    r = member.post(code.path, {"token": token}, follow=True)
    assert r.status_code == 200
    (message,) = said(r)
    assert message.startswith("已签退：在场 10 分钟，不足 30 分钟，计入服务时长但不计为参加活动")
    assert Record.objects.get(activity=a).counts_as_activity is False
    r = member.post(code.path, {"token": token})
    assert r.status_code == 422 and "您已签退" in r.content.decode()
    r = member.post(code.path, {"token": "forged"})
    assert r.status_code == 422 and "二维码已过期或无效，请重新扫描组织者手机上当前显示的二维码" in r.content.decode()
    assert Record.objects.filter(activity=a).count() == 1


def test_a_call_ups_steps_refused_on_its_page(rw: SimpleNamespace) -> None:
    staff, member = client_for(rw.community_staff), client_for(rw.member_user)
    start = timezone.now() - dt.timedelta(hours=1)
    bad = {
        "community": rw.A.pk,
        "title": "防汛",
        "address": "社区广场",
        "starts_at": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "needed": 5,
    }
    r = staff.post(reverse("records:callups"), bad)
    assert r.status_code == 422 and "结束时间必须晚于开始时间" in r.content.decode()
    assert not Callup.objects.exists()
    c = services.callup_create(
        community=rw.A,
        title="防汛",
        address="社区广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        needed=5,
        by=rw.community_staff,
    )
    attend = reverse("records:callup_attend", args=[c.pk])
    assert said(staff.post(attend, {"members": [rw.m_u_a.pk]}, follow=True)) == ["已登记 1 人到场，纪实待确认"]
    assert said(staff.post(attend, {"members": [rw.m_u_a.pk]}, follow=True)) == ["已登记 0 人到场，纪实待确认"]
    assert said(staff.post(reverse("records:callup_close", args=[c.pk]), follow=True)) == ["动员已结束"]
    assert said(staff.post(reverse("records:callup_close", args=[c.pk]), follow=True)) == ["该动员已结束"]
    r = member.post(reverse("records:callup_answer", args=[c.pk]), {"coming": "0"}, follow=True)
    assert said(r) == ["该动员已结束"]
    assert CallupAnswer.objects.get(callup=c, member=rw.m_u_a).coming is True
    assert Record.objects.filter(callup=c).count() == 1


def test_joining_and_leaving_a_team_refused_on_the_phone(rw: SimpleNamespace) -> None:
    team = services.team_create(
        community=rw.A, kind=team_types()[1], name="巡防队", leader=rw.m_u_a, by=rw.community_staff
    )
    leader, member = client_for(rw.member_user), client_for(rw.member_v_user)
    assert said(leader.post(reverse("records:leave", args=[team.pk]), follow=True)) == [
        "队长不能直接退出，请社区先另选队长"
    ]
    assert said(member.post(reverse("records:leave", args=[team.pk]), follow=True)) == ["不是「巡防队」的队员"]
    assert said(member.post(reverse("records:join", args=[team.pk]), follow=True)) == ["已加入巡防队"]
    assert said(member.post(reverse("records:join", args=[team.pk]), follow=True)) == ["已是「巡防队」的队员"]
    page = member.get(reverse("records:join_list")).content.decode()
    assert "巡防队" in page
    assert team.memberships.filter(left_at__isnull=True).count() == 2
