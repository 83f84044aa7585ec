"""The three lists' pages refusing a step in a wrong state: the page again with the reason in
Chinese (422) and the state as it was, or the step done and said on the next page — for the poster
submitter's follow link (no account), the resident, the staff and the claimant."""

from __future__ import annotations

from types import SimpleNamespace

from django.test import Client
from django.urls import reverse

from baodao.needs import services
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.tests.conftest import ask, law, published


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def refused_page(c: Client, url: str, data: dict[str, object], words: str) -> None:
    """The page again, 422, saying `words`; nothing of the demands, claims or timeline moved."""
    before = (
        sorted(Demand.objects.values_list("pk", "status", "acceptance", "rating", "claimed_slots")),
        sorted(Claim.objects.values_list("pk", "status")),
        DemandEvent.objects.count(),
    )
    r = c.post(url, data)
    assert r.status_code == 422, (url, r.status_code)
    assert words in r.content.decode(), url
    after = (
        sorted(Demand.objects.values_list("pk", "status", "acceptance", "rating", "claimed_slots")),
        sorted(Claim.objects.values_list("pk", "status")),
        DemandEvent.objects.count(),
    )
    assert after == before, url


def said(r: object) -> list[str]:
    return [str(m) for m in r.context["messages"]]  # type: ignore[attr-defined]


def test_the_follow_link_answers_only_when_done_and_once(nw: SimpleNamespace) -> None:
    w = nw
    d = services.demand_submit(
        by=None,
        community=w.A,
        place=w.A1,
        category=law(),
        title="想咨询遗嘱怎么写",
        contact_name="刘大爷",
        contact_mobile="13900001111",
    )
    d = services.demand_accept(demand=d, by=w.community_staff, size="person", slots=1)
    anyone = Client()  # the link is the key: no login
    link = reverse("needs:follow_link", args=[d.follow_token])
    page = anyone.get(link)
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer"
    assert "刘大爷" in page.content.decode() and "13900001111" in page.content.decode()
    assert anyone.get(reverse("needs:follow_link", args=["x" * 43])).status_code == 404
    accept, reopen, rate = (reverse(f"needs:token_{s}", args=[d.follow_token]) for s in ("accept", "reopen", "rate"))
    refused_page(anyone, accept, {}, "服务项目尚未办理完成，不能验收")
    refused_page(anyone, reopen, {"comment": "还没人来"}, "该需求已发布，不能重新打开")
    refused_page(anyone, rate, {"stars": "5"}, "服务项目办理完成后才能评价")

    c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=c, by=w.member_user, note="已上门讲解")
    refused_page(anyone, rate, {"stars": "9"}, "评价")  # not a choice: the form says so
    refused_page(anyone, reopen, {"comment": ""}, "哪里还没有解决")
    assert said(anyone.post(rate, {"stars": "5", "comment": "讲得清楚"}, follow=True)) == ["谢谢您的评价"]
    refused_page(anyone, rate, {"stars": "1"}, "已评价过，每个需求只能评价一次")
    assert said(anyone.post(reopen, {"comment": "还有一处不明白"}, follow=True)) == [
        "已重新打开，认领方和社区会继续办理"
    ]
    assert Demand.objects.get(pk=d.pk).status == "in_progress"
    refused_page(anyone, accept, {}, "服务项目尚未办理完成，不能验收")
    services.item_done(claim=Claim.objects.get(pk=c.pk), by=w.member_user, note="再次讲解")
    assert said(anyone.post(accept, follow=True)) == ["已验收，谢谢"]
    refused_page(anyone, accept, {}, "已验收，无需重复操作")
    assert (Demand.objects.get(pk=d.pk).acceptance, Demand.objects.get(pk=d.pk).rating) == ("accepted", 5)


def test_the_residents_pages_refuse_following_ones_own_and_a_late_withdrawal(nw: SimpleNamespace) -> None:
    w = nw
    resident = client_for(w.resident_user)
    d = published(w, title="楼道灯不亮")
    refused_page(resident, reverse("needs:follow", args=[d.pk]), {}, "这是您自己提出的需求")
    services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    refused_page(resident, reverse("needs:withdraw", args=[d.pk]), {}, "该需求已认领，不能撤回；如不再需要请联系社区")
    fresh = ask(w, title="还没审核的")
    r = resident.post(reverse("needs:withdraw", args=[fresh.pk]), follow=True)
    assert r.status_code == 200 and Demand.objects.get(pk=fresh.pk).status == "withdrawn"


def test_the_staffs_pages_refuse_each_step_in_a_wrong_state(nw: SimpleNamespace) -> None:
    w = nw
    staff = client_for(w.community_staff)
    d = ask(w, title="楼道灯不亮")
    manage = lambda step: reverse(f"needs:staff_{step}", args=[d.pk])  # noqa: E731
    refused_page(staff, manage("reject"), {"reason": ""}, "原因")
    refused_page(staff, manage("accept"), {"size": "person", "slots": "0", "category": law().pk}, "认领名额")
    refused_page(staff, manage("close"), {}, "只有已完成、等待居民验收的服务项目可以销号")
    assert said(staff.post(manage("accept"), {"size": "person", "slots": "1", "category": law().pk}, follow=True)) == [
        "已受理并发布到服务清单"
    ]
    refused_page(
        staff, manage("accept"), {"size": "person", "slots": "1", "category": law().pk}, "该需求不是待审核状态"
    )
    refused_page(staff, manage("reject"), {"reason": "重复"}, "该需求不是待审核状态")
    assert said(staff.post(manage("unable"), {"reason": "需规划审批"}, follow=True)) == [
        "已标记为无法办理，并告知居民原因"
    ]
    refused_page(staff, manage("unable"), {"reason": "再次"}, "该需求已办结或已关闭")
    assert Demand.objects.get(pk=d.pk).reason == "需规划审批"


def test_the_claimants_pages_refuse_each_step_in_a_wrong_state(nw: SimpleNamespace) -> None:
    w = nw
    member, leader = client_for(w.member_user), client_for(w.leader)
    d = published(w, title="帮老人买药")
    assert member.post(reverse("needs:claim", args=[d.pk]), follow=True).status_code == 200
    refused_page(leader, reverse("needs:claim", args=[d.pk]), {}, "该服务项目的认领名额已满（1/1）")
    c = Claim.objects.get(demand=d)
    refused_page(
        member, reverse("needs:claim_decline", args=[c.pk]), {"reason": "不想办"}, "只有尚未开始的派单可以拒绝"
    )
    refused_page(member, reverse("needs:claim_contact", args=[c.pk]), {}, "请先点“开始办理”")
    refused_page(member, reverse("needs:claim_done", args=[c.pk]), {"note": ""}, "完成情况")
    assert member.post(reverse("needs:claim_done", args=[c.pk]), {"note": "已送药"}).status_code in (302, 303)
    refused_page(member, reverse("needs:claim_done", args=[c.pk]), {"note": "再报"}, "该认领当前为“已完成”")
    refused_page(member, reverse("needs:claim_withdraw", args=[c.pk]), {"reason": "不办了"}, "该认领当前为“已完成”")
    assert Demand.objects.get(pk=d.pk).status == "done"
