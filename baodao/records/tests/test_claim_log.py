"""One piece of work, typed once (issue 20 §5): the holder of a claim logs service against it — the
record is made from the claim (content, place, beneficiary, the donor of the aid pre-filled) and
points at it; reporting the share done and logging the hours are one step when the holder wants;
the aid lives on the record alone, and the item's page and the unit's figures read it there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.needs import services as needs_services
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.tests.conftest import nw, published
from baodao.records import services
from baodao.records.models import Record
from baodao.stats.record_figures import unit_figures, units_by_aid

__all__ = ["nw"]
pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def hours_ago(h: float) -> dt.datetime:
    return timezone.localtime() - dt.timedelta(hours=h)


def form(start: dt.datetime, hours: float = 1, **kw: object) -> dict[str, object]:
    return {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M"),
        "content": "上门讲解继承顺序",
        "aid_count": 0,
        "aid_money": 0,
        **kw,
    }


@pytest.fixture
def held(nw: SimpleNamespace) -> SimpleNamespace:
    """王安华 holds (and has started) an individual item of 陈安居 in 安一小区."""
    w = nw
    w.item = published(w, show_name=True)
    w.claim = needs_services.item_claim(demand=w.item, party=w.m_u_a, by=w.member_user)
    needs_services.item_start(claim=w.claim, by=w.member_user)
    return w


# --- the claim's page: the form, pre-filled; one step ----------------------------------------------


def test_the_claims_page_offers_the_log_prefilled_from_the_claim(held: SimpleNamespace) -> None:
    w = held
    page = client_for(w.member_user).get(reverse("needs:item", args=[w.item.pk])).content.decode()
    assert f'action="{reverse("records:claim_log", args=[w.claim.pk])}"' in page
    log = page[page.index('id="claim-log-form"') :]
    assert "想咨询房屋继承的法律问题" in log  # the content, from the item
    assert f'<option value="{w.A1.pk}" selected>' in log  # the place, the item's building
    assert "陈*居，安一小区" in log  # the asker as the public lists show them, and the building
    assert '<option value="member" selected>' in log  # the donor of any aid: the member
    assert 'name="done"' in log and 'id="log_content"' in log  # ids apart from the done form's


def test_done_and_logged_in_one_step(held: SimpleNamespace) -> None:
    w = held
    member = client_for(w.member_user)
    r = member.post(
        reverse("records:claim_log", args=[w.claim.pk]),
        form(hours_ago(3), 2, done="on", aid_items="法律手册", aid_count=2, aid_money="30", donor_kind="member"),
    )
    assert r.status_code == 302 and r.url == reverse("needs:item", args=[w.item.pk])
    w.claim.refresh_from_db()
    w.item.refresh_from_db()
    assert (w.claim.status, w.claim.done_note) == (Claim.Status.DONE, "上门讲解继承顺序")  # typed once
    assert w.item.status == Demand.Status.DONE
    record = Record.objects.get()
    assert (record.claim_id, record.demand_id, record.member_id, record.unit_id) == (
        w.claim.pk,
        w.item.pk,
        w.m_u_a.pk,
        w.U.pk,
    )
    assert (record.community_id, record.minutes, record.status, record.source) == (w.A.pk, 120, "pending", "logged")
    assert (record.aid_items, record.aid_count, record.aid_money) == ("法律手册", 2, Decimal(30))
    # Done: the form offers the hours alone from now on.
    page = member.get(reverse("needs:item", args=[w.item.pk])).content.decode()
    assert 'id="claim-log-form"' in page and 'name="done"' not in page


def test_logged_alone_then_done_later(held: SimpleNamespace) -> None:
    w = held
    member = client_for(w.member_user)
    r = member.post(reverse("records:claim_log", args=[w.claim.pk]), form(hours_ago(30)))
    assert r.status_code == 302
    w.claim.refresh_from_db()
    assert w.claim.status == Claim.Status.STARTED  # not ticked: not done
    r = member.post(
        reverse("records:claim_log", args=[w.claim.pk]), form(hours_ago(3), done="on", content="第二次上门")
    )
    w.claim.refresh_from_db()
    assert (w.claim.status, w.claim.done_note) == (Claim.Status.DONE, "第二次上门")
    assert Record.objects.filter(claim=w.claim).count() == 2


def test_a_refused_log_writes_nothing_not_even_done(held: SimpleNamespace) -> None:
    w = held
    member = client_for(w.member_user)
    later = timezone.localtime() + dt.timedelta(hours=3)  # service that has not happened yet
    r = member.post(reverse("records:claim_log", args=[w.claim.pk]), form(later, done="on"))
    assert r.status_code == 422 and "不能登记尚未发生的服务" in r.content.decode()
    r = member.post(reverse("records:claim_log", args=[w.claim.pk]), form(hours_ago(3), done="on", aid_money="-1"))
    assert r.status_code == 422
    w.claim.refresh_from_db()
    assert w.claim.status == Claim.Status.STARTED
    assert not Record.objects.exists()
    assert not DemandEvent.objects.filter(demand=w.item, kind="done").exists()


# --- state ----------------------------------------------------------------------------------------


def test_done_twice_is_refused_and_makes_no_second_record(held: SimpleNamespace) -> None:
    w = held
    log = {"starts_at": hours_ago(3), "ends_at": hours_ago(2), "content": "已办"}
    services.claim_log(claim=w.claim, by=w.member_user, done=True, **log)  # type: ignore[arg-type]
    with pytest.raises(needs_services.NeedConflict, match="不能再办理这一步"):
        services.claim_log(claim=w.claim, by=w.member_user, done=True, **log)  # type: ignore[arg-type]
    assert Record.objects.count() == 1
    assert DemandEvent.objects.filter(demand=w.item, kind="done").count() == 1


def test_an_ended_claim_takes_no_more_service(held: SimpleNamespace) -> None:
    w = held
    needs_services.claim_withdraw(claim=w.claim, by=w.member_user, reason="出差")
    with pytest.raises(services.RecordConflict, match="该认领已已撤回"):
        services.claim_log(claim=w.claim, by=w.member_user, starts_at=hours_ago(3), ends_at=hours_ago(2), content="x")
    assert not Record.objects.exists()
    # ... and its former holder no longer finds it: out of sight as any other claim.
    assert client_for(w.member_user).get(reverse("records:claim_log", args=[w.claim.pk])).status_code == 404


# --- access: the holder only ---------------------------------------------------------------------------


def test_only_the_claims_holder_logs_against_it(held: SimpleNamespace) -> None:
    w = held
    url = reverse("records:claim_log", args=[w.claim.pk])
    allowed = set()
    for role, user in w.role_users.items():
        got = client_for(user).get(url).status_code
        assert got in (200, 404), (role, got)
        if got == 200:
            allowed.add(role)
        assert client_for(user).post(url, form(hours_ago(3), done="on")).status_code in (302, 404)
    assert allowed == {"member"}
    assert client_for(w.leader).get(url).status_code == 404  # another member of the same community
    assert Record.objects.filter(claim=w.claim).count() == 1  # the holder's post alone


def test_a_team_or_unit_claim_is_the_units_record(nw: SimpleNamespace) -> None:
    w = nw
    item = published(w, title="清理楼道", size=Demand.Size.TEAM, slots=2)
    by_team = needs_services.item_claim(demand=item, party=w.team, by=w.leader)
    by_unit = needs_services.item_claim(demand=item, party=w.U, by=w.unit_secretary)
    for claim, user in ((by_team, w.leader), (by_unit, w.unit_secretary)):
        assert client_for(w.member_user).get(reverse("records:claim_log", args=[claim.pk])).status_code == 404
        r = client_for(user).post(reverse("records:claim_log", args=[claim.pk]), form(hours_ago(3), done="on"))
        assert r.status_code == 302
    rows = Record.objects.order_by("id")
    assert [(r.claim_id, r.member_id, r.unit_id, r.logged_by_id) for r in rows] == [
        (by_team.pk, None, w.U.pk, w.leader.pk),  # 城建局's work team: 城建局's record
        (by_unit.pk, None, w.U.pk, w.unit_secretary.pk),
    ]
    item.refresh_from_db()
    assert item.status == Demand.Status.DONE  # both shares done, each in one step


def test_the_api_logs_against_the_held_claim_and_refuses_others(held: SimpleNamespace) -> None:
    from baodao.api.tests.test_api_needs import Api

    w = held
    body = {"starts_at": hours_ago(3).isoformat(), "ends_at": hours_ago(2).isoformat()}
    r = Api(w.leader).post(f"/items/{w.item.pk}/log", body)
    assert (r.status_code, r.json()["message"]) == (409, "您没有认领该服务项目")
    r = Api(w.member_user).post(f"/items/{w.item.pk}/log", {**body, "aid_money": "20"})
    assert r.status_code == 201, r.content
    assert (r.json()["claim_id"], r.json()["content"], r.json()["minutes"]) == (
        w.claim.pk,
        "想咨询房屋继承的法律问题",
        60,
    )
    assert Record.objects.get().donor_kind == "member"  # pre-filled: the member gave it
    w.claim.refresh_from_db()
    assert w.claim.status == Claim.Status.STARTED
    r = Api(w.member_user).post(f"/items/{w.item.pk}/log", {**body, "done": True, "note": "讲完了"})
    assert r.status_code == 201
    w.claim.refresh_from_db()
    assert (w.claim.status, w.claim.done_note) == (Claim.Status.DONE, "讲完了")


# --- the figures: the item's confirmed hours, the aid once ------------------------------------------


def test_the_items_page_shows_the_confirmed_hours_done_for_it(held: SimpleNamespace) -> None:
    w = held
    first = services.claim_log(
        claim=w.claim, by=w.member_user, starts_at=hours_ago(5), ends_at=hours_ago(3), content="第一次上门"
    )
    services.claim_log(
        claim=w.claim,
        by=w.member_user,
        starts_at=hours_ago(2),
        ends_at=hours_ago(1.5),
        content="第二次上门",
        aid=services.Aid(items="法律手册", count=1, money=Decimal(15)),
    )
    staff = client_for(w.community_staff)
    page = staff.get(reverse("needs:manage", args=[w.item.pk])).content.decode()
    assert 'id="item-served"' in page and "2 条纪实待社区确认" in page and 'data-minutes="' not in page
    services.record_confirm(record=first, by=w.community_staff)
    for user, name in ((w.member_user, "needs:item"), (w.community_staff, "needs:manage")):
        page = client_for(user).get(reverse(name, args=[w.item.pk])).content.decode()
        served = page[page.index('id="item-served"') :]
        assert 'data-minutes="120"' in served and "2.0 小时（1 条纪实已确认）" in served
        assert "1 条纪实待社区确认" in served and "法律手册" not in served  # the aid waits for its record
    claims = staff.get(reverse("needs:manage", args=[w.item.pk])).content.decode()
    row = claims[claims.index('id="claims"') :]
    assert 'data-minutes="120"' in row


def test_the_aid_is_counted_once_where_every_figure_reads_it(nw: SimpleNamespace) -> None:
    w = nw
    year = timezone.localdate().year
    item = published(w, title="小区路灯", size=Demand.Size.UNIT, slots=1)
    claim = needs_services.item_claim(demand=item, party=w.U, by=w.unit_secretary)
    record = services.claim_log(
        claim=claim,
        by=w.unit_secretary,
        starts_at=hours_ago(4),
        ends_at=hours_ago(2),
        content="换了路灯",
        aid=services.Aid(items="路灯", count=4, money=Decimal(500)),
        done=True,
    )
    assert record.donor_kind == "unit"  # pre-filled: the unit gave it
    f = unit_figures(w.U.pk, year)
    assert (f.taken["unit"], f.done["unit"], f.projects, f.aid_money, f.aid_items) == (1, 1, 1, Decimal(0), 0)
    services.record_confirm(record=record, by=w.community_staff)
    f = unit_figures(w.U.pk, year)
    assert (f.aid_money, f.aid_items) == (Decimal(500), 4)
    by_unit = {u.pk: t for u, t in units_by_aid(w.C, year)}
    assert (by_unit[w.U.pk].aid_money, by_unit[w.U.pk].aid_count) == (f.aid_money, f.aid_items)
    page = client_for(w.unit_secretary).get("/needs/unit/").content.decode()
    assert 'id="unit-aid-money">500<' in page and "物资 4 件" in page
    assert not hasattr(Claim, "aid_money") and not hasattr(Claim, "aid_items")  # stored once


def test_a_record_logged_for_a_held_item_points_at_its_claim(held: SimpleNamespace) -> None:
    """The member's log page, opened from the item (records:log?demand=…), links the claim too."""
    w = held
    member = client_for(w.member_user)
    url = f"{reverse('records:log')}?demand={w.item.pk}"
    r = member.post(url, {**form(hours_ago(3)), "demand": w.item.pk})
    assert r.status_code == 302, r.content.decode()[:500]
    record = Record.objects.get()
    assert (record.demand_id, record.claim_id) == (w.item.pk, w.claim.pk)
