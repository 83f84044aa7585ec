"""应急动员: who is called (community, compound, team), answers on the phone (one each, changeable),
the live headcount, who came gets a pending record, and the API paths."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.accounts.services import api_token_issue
from baodao.notifications.models import Notification
from baodao.records import services
from baodao.records.models import CallupAnswer, Record
from baodao.records.services import RecordConflict, RecordError

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def call(w: SimpleNamespace, **kw: object) -> object:
    start = timezone.now() + dt.timedelta(hours=1)
    return services.callup_create(
        community=w.A,
        title=kw.pop("title", "人口普查入户登记"),
        address="社区党群服务中心",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        needed=50,
        by=w.community_staff,
        **kw,
    )


def test_called_answer_headcount_attend(rw: SimpleNamespace) -> None:
    c = call(rw)
    # both reported members of 安宁社区 are called; 李北辰 next door is not
    assert {m.name for m in services.callup_members(c)} == {"王安华", "钱安宁"}
    assert Notification.objects.filter(title__startswith="应急动员").count() == 2  # both have accounts
    services.callup_answer(callup=c, member=rw.m_u_a, coming=True, by=rw.member_user)
    services.callup_answer(callup=c, member=rw.m_v_a, coming=True, by=rw.member_v_user)
    services.callup_answer(callup=c, member=rw.m_v_a, coming=False, by=rw.member_v_user)  # changed her mind
    assert CallupAnswer.objects.count() == 2
    assert services.callup_headcount(c) == {"called": 2, "coming": 1, "not_coming": 1, "attended": 0}
    with pytest.raises(RecordError, match="不在这次动员的范围内"):
        services.callup_attend(callup=c, members=[rw.m_u_b], by=rw.community_staff)
    assert services.callup_attend(callup=c, members=[rw.m_u_a], by=rw.community_staff) == 1
    assert services.callup_attend(callup=c, members=[rw.m_u_a], by=rw.community_staff) == 0  # once
    r = Record.objects.get()
    assert (r.source, r.status, r.minutes, r.callup) == ("callup", "pending", 180, c)
    services.callup_close(callup=c, by=rw.community_staff)
    with pytest.raises(RecordConflict, match="该动员已结束"):
        services.callup_answer(callup=c, member=rw.m_u_a, coming=False, by=rw.member_user)


def test_a_compound_call_reaches_only_those_living_there(rw: SimpleNamespace) -> None:
    c = call(rw, place=rw.A2)  # 钱安宁 lives in 安二小区
    assert {m.name for m in services.callup_members(c)} == {"钱安宁"}


def test_pages_live_headcount_and_api(rw: SimpleNamespace) -> None:
    c = call(rw)
    member = client_for(rw.member_user)
    page = member.get(reverse("records:callup", args=[c.pk]))
    assert page.status_code == 200 and 'id="answer-yes"' in page.content.decode()
    assert member.post(reverse("records:callup_answer", args=[c.pk]), {"coming": "1"}).status_code == 302
    staff = client_for(rw.community_staff)
    fragment = staff.get(reverse("records:callup", args=[c.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'id="hc-coming">1<' in fragment and "<html" not in fragment
    assert client_for(rw.staff_b).get(reverse("records:callup", args=[c.pk])).status_code == 404
    b = api_token_issue(user=rw.member_v_user)
    api = Client(headers={"Authorization": f"Bearer {b}"})
    r = api.post(f"/api/v1/records/callups/{c.pk}/answer", {"coming": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["coming"] == 2
    staff_api = Client(headers={"Authorization": f"Bearer {api_token_issue(user=rw.community_staff)}"})
    start = timezone.now() + dt.timedelta(hours=2)
    bad = staff_api.post(
        "/api/v1/records/callups",
        {
            "community_id": rw.A.pk,
            "title": "x",
            "address": "y",
            "starts_at": start.isoformat(),
            "ends_at": (start - dt.timedelta(hours=1)).isoformat(),
            "needed": 5,
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["message"] == "结束时间必须晚于开始时间"
