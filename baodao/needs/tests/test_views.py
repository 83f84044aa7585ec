"""The staff's batch steps on the demand list, and the phone pages' refusals re-rendered (422)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from baodao.needs import services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import ask, law, published

pytestmark = pytest.mark.django_db


def test_accept_many_goes_through_what_it_may_and_names_the_rest(nw: SimpleNamespace) -> None:
    w = nw
    a, b = ask(w, title="甲"), ask(w, title="乙")
    taken = published(w, title="丙")  # already accepted: refused by its state
    next_door = services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="北门")
    client = Client()
    client.force_login(w.community_staff)
    response = client.post(
        "/needs/staff/accept-many/",
        {"demand": [a.pk, b.pk, taken.pk, next_door.pk], "back": "/needs/staff/?status=pending"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/needs/staff/?status=pending"
    text = " ".join(str(m) for m in response.context["messages"])
    assert "已受理并发布 2 条" in text
    assert f"需求 #{taken.pk}：该需求不是待审核状态" in text
    # Out of scope reads as missing, in our words: never Django's "No Demand matches the given query."
    assert f"需求 #{next_door.pk}：不存在，或不在您管理的范围内" in text
    assert "matches" not in text and "Demand" not in text
    assert dict(Demand.objects.values_list("title", "status")) == {
        "甲": "published",
        "乙": "published",
        "丙": "published",
        "北门": "pending",
    }


def test_close_many_is_for_the_communitys_staff(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=c, by=w.member_user, note="已办")
    client = Client()
    client.force_login(w.street_admin)
    client.post("/needs/staff/close-many/", {"demand": [d.pk]})
    assert Demand.objects.get(pk=d.pk).status == "done"
    client.force_login(w.community_staff)
    client.post("/needs/staff/close-many/", {"demand": [d.pk]})
    assert Demand.objects.get(pk=d.pk).status == "closed"


def test_a_refused_step_re_renders_the_page_with_the_reason(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    client = Client()
    client.force_login(w.resident_user)
    response = client.post(f"/needs/{d.pk}/rate/", {"stars": 5})
    assert response.status_code == 422
    assert "服务项目办理完成后才能评价" in response.content.decode()
    response = client.post(f"/needs/{d.pk}/reopen/", {"comment": ""})
    assert response.status_code == 422
    assert "请填写哪里还没有解决" in response.content.decode()
    assert Demand.objects.get(pk=d.pk).status == "published"


def test_the_resident_submits_from_the_phone_page(nw: SimpleNamespace) -> None:
    w = nw
    client = Client()
    client.force_login(w.resident_user)
    page = client.get("/needs/new/?title=楼道灯坏了")
    assert page.status_code == 200
    bad = client.post("/needs/new/", {"kind": "wish", "title": "", "category": law().pk, "place": w.A1.pk})
    assert bad.status_code == 422 and "请填写需要什么" in bad.content.decode()
    ok = client.post("/needs/new/", {"kind": "wish", "title": "想咨询继承问题", "category": law().pk, "place": w.A1.pk})
    d = Demand.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/needs/{d.pk}/"
    assert (d.resident_id, d.channel, d.status) == (w.r_a1.pk, "resident", "pending")


def test_the_poster_page_takes_a_demand_without_an_account(nw: SimpleNamespace) -> None:
    w = nw
    client = Client()
    data = {
        "contact_name": "刘海报",
        "contact_mobile": "13900000003",
        "kind": "appeal",
        "title": "路灯坏了",
        "category": law().pk,
        "place": w.A2.pk,
    }
    response = client.post(f"/needs/c/{w.A.code}/", data)
    d = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/needs/t/{d.follow_token}/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "路灯坏了" in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    assert client.get("/needs/t/wrong-token/").status_code == 404
    bad = client.post(f"/needs/c/{w.A.code}/", {**data, "contact_mobile": "123"})
    assert bad.status_code == 422 and "请填写 11 位手机号" in bad.content.decode()
    assert Demand.objects.count() == 1


def test_the_poster_page_is_rate_limited(nw: SimpleNamespace) -> None:
    client = Client()
    url = f"/needs/c/{nw.A.code}/"
    answers = [client.post(url, {"title": ""}).status_code for _ in range(11)]
    assert answers == [422] * 10 + [429]
    assert "提交太频繁" in client.post(url, {"title": ""}).content.decode()


def test_the_posters_hint_shows_published_demands_only(nw: SimpleNamespace) -> None:
    w = nw
    published(w, title="楼道灯不亮晚上看不见")
    ask(w, title="楼道灯坏了还没审核")
    page = Client().post(f"/needs/c/{w.A.code}/similar/", {"title": "楼道灯坏了"}).content.decode()
    assert "楼道灯不亮晚上看不见" in page
    assert "还没审核" not in page
    assert "data-follow" not in page  # no account: nothing to follow with
