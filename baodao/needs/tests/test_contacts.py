"""Claim, read, withdraw (issue 19, point 5): a claimant reads the beneficiary's contact only while
the work is under way, by an explicit reading (查看联系方式) that the community's staff see; claim →
withdraw cycles are limited per person per day (a rule row); a withdrawal after a reading is flagged
to the staff; a resident who did not allow a name is named nowhere — pages, API, notifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.api.tests.test_api_needs import Api
from baodao.directory.services import rule_set
from baodao.needs import services
from baodao.needs.models import Claim, ContactReveal, Demand, DemandEvent
from baodao.needs.tests.conftest import published
from baodao.notifications.models import Notification

pytestmark = pytest.mark.django_db
S = Demand.Status
MOBILE = "13987654321"
ADDRESS = "安一小区3栋101"


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def no_contact(text: str) -> bool:
    """Nothing of the beneficiary: not the name, not 7 (or 4) digits of the mobile, not the room."""
    return "陈安居" not in text and "陈*居" not in text and "4321" not in text and "3栋101" not in text


def test_the_claimant_reads_the_contact_only_while_the_work_is_under_way(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    member = Client()
    member.force_login(w.member_user)
    member.post(f"/needs/items/{d.pk}/claim/")
    claim = Claim.objects.get(demand=d)

    # Claimed, not started: nothing of the contact, and no reading yet.
    text = page(member, f"/needs/items/{d.pk}/")
    assert no_contact(text) and 'id="contact-btn"' not in text
    refused = member.post(f"/needs/claims/{claim.pk}/contact/")
    assert refused.status_code == 422 and "开始办理后才能查看居民联系方式" in refused.content.decode()
    assert no_contact(refused.content.decode())
    assert ContactReveal.objects.count() == 0

    # Started: a button, and the contact only in the answer to it, each reading recorded.
    member.post(f"/needs/claims/{claim.pk}/start/")
    text = page(member, f"/needs/items/{d.pk}/")
    assert no_contact(text) and 'id="contact-btn"' in text
    for n in (1, 2):
        shown = member.post(f"/needs/claims/{claim.pk}/contact/")
        body = shown.content.decode()
        assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
        assert "陈安居" in body and MOBILE in body and ADDRESS in body
        assert ContactReveal.objects.count() == n
    assert no_contact(page(member, f"/needs/items/{d.pk}/"))  # not kept: read again, recorded again
    reading = ContactReveal.objects.latest("id")
    assert (reading.user, reading.demand_id, reading.claim_id) == (w.member_user, d.pk, claim.pk)

    # Someone else's claim: out of sight (404), nothing recorded.
    other = Client()
    other.force_login(w.leader)
    assert other.post(f"/needs/claims/{claim.pk}/contact/").status_code == 404
    assert ContactReveal.objects.count() == 2

    # Done, then closed: no reading any more, and the page shows nothing.
    member.post(f"/needs/claims/{claim.pk}/done/", {"note": "上门讲解", "aid_money": "0"})
    assert Demand.objects.get(pk=d.pk).status == S.DONE
    for state in ("done", "closed"):
        if state == "closed":
            services.item_close(demand=Demand.objects.get(pk=d.pk), by=w.community_staff)
        assert no_contact(page(member, f"/needs/items/{d.pk}/"))
        refused = member.post(f"/needs/claims/{claim.pk}/contact/")
        assert refused.status_code == 422 and "不在办理中" in refused.content.decode()
        assert no_contact(refused.content.decode())
        assert ContactReveal.objects.count() == 2


def test_the_readings_are_shown_to_the_communitys_staff(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, title="想咨询继承")
    claim = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_start(claim=claim, by=w.member_user)
    services.contact_reveal(claim=claim, by=w.member_user)
    staff = Client()
    staff.force_login(w.community_staff)

    item = page(staff, f"/needs/staff/{d.pk}/")
    readings = item.split('id="readings"')[1].split("</table>")[0]
    assert "王安华" in readings and "进行中" in readings
    listing = page(staff, "/needs/staff/contact-readings/")
    rows = listing.split('id="readings"')[1]
    assert f'data-demand="{d.pk}"' in rows and "想咨询继承" in rows and "王安华" in rows
    assert 'data-total="1"' in listing

    # Next door's staff: not their item, not their readings.
    next_door = Client()
    next_door.force_login(w.staff_b)
    assert f'data-demand="{d.pk}"' not in page(next_door, "/needs/staff/contact-readings/")
    assert next_door.get(f"/needs/staff/{d.pk}/").status_code == 404
    # A member reads no one's readings.
    assert Client().get("/needs/staff/contact-readings/").status_code == 302
    member = Client()
    member.force_login(w.member_user)
    assert member.get("/needs/staff/contact-readings/").status_code == 403


def test_a_withdrawal_after_a_reading_is_flagged_to_the_staff(
    nw: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    w = nw
    plain, read = published(w, title="没看就撤回"), published(w, title="看了才撤回")
    c1 = services.item_claim(demand=plain, party=w.m_u_a, by=w.member_user)
    with django_capture_on_commit_callbacks(execute=True):  # the staff hear of it once it committed
        services.claim_withdraw(claim=c1, by=w.member_user, reason="临时出差")
    c2 = services.item_claim(demand=read, party=w.m_u_a, by=w.member_user)
    services.item_start(claim=c2, by=w.member_user)
    services.contact_reveal(claim=c2, by=w.member_user)
    member = Client()
    member.force_login(w.member_user)
    assert 'id="read-before"' in page(member, f"/needs/items/{read.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(f"/needs/claims/{c2.pk}/withdraw/", {"reason": "不想办了"})
    assert response.status_code == 302
    assert Claim.objects.get(pk=c2.pk).status == Claim.Status.WITHDRAWN
    assert Demand.objects.get(pk=read.pk).status == S.PUBLISHED

    notes = Notification.objects.filter(user=w.community_staff)
    assert notes.filter(title__contains="看了才撤回", title__endswith="在查看居民联系方式后撤回").count() == 1
    assert notes.filter(title__contains="没看就撤回", title__endswith="的认领已撤回").count() == 1
    assert not notes.filter(title__contains="没看就撤回").filter(title__contains="联系方式").exists()

    staff = Client()
    staff.force_login(w.community_staff)
    assert 'id="flagged-count"' in page(staff, "/needs/staff/")
    flagged = page(staff, "/needs/staff/contact-readings/?flagged=1")
    assert 'data-count="1"' in flagged and f'data-demand="{read.pk}"' in flagged
    assert 'data-flag="withdrawn-after-reading"' in flagged
    assert 'data-flag="withdrawn-after-reading"' in page(staff, f"/needs/staff/{read.pk}/")
    assert 'data-flag="withdrawn-after-reading"' not in page(staff, f"/needs/staff/{plain.pk}/")
    next_door = Client()
    next_door.force_login(w.staff_b)
    assert 'id="flagged-count"' not in page(next_door, "/needs/staff/")


def _cycle(w: SimpleNamespace, title: str) -> Claim:
    d = published(w, title=title)
    return services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)


def test_claim_withdraw_cycles_are_limited_per_person_per_day(nw: SimpleNamespace) -> None:
    w = nw
    for i in range(3):  # the rule's default
        services.claim_withdraw(claim=_cycle(w, f"第{i}件"), by=w.member_user, reason="有事")
    fourth = published(w, title="第4件")
    with pytest.raises(services.NeedLimit, match="今天已撤回认领 3 次，已达每天最多 3 次的限制"):
        services.item_claim(demand=fourth, party=w.m_u_a, by=w.member_user)
    assert Claim.objects.filter(demand=fourth).count() == 0
    # The community may still dispatch to the member; another member claims freely.
    services.item_dispatch(demand=fourth, party=w.m_u_a, by=w.community_staff)
    fifth = published(w, title="第5件")
    services.item_claim(demand=fifth, party=w.team, by=w.leader)

    # Yesterday's withdrawals do not count: back-date them, and a claim and a withdrawal pass again.
    yesterday = timezone.now() - dt.timedelta(days=1)
    DemandEvent.objects.filter(kind=DemandEvent.Kind.CLAIM_WITHDRAWN).update(created_at=yesterday)
    c = _cycle(w, "第6件")
    services.claim_withdraw(claim=c, by=w.member_user, reason="有事")


def test_the_withdrawal_past_the_limit_is_refused_and_changes_nothing(nw: SimpleNamespace) -> None:
    w = nw
    rule_set(key="need_claim_withdrawals_per_day", value=Decimal(1), city=w.C)
    first, second = _cycle(w, "一"), _cycle(w, "二")
    services.claim_withdraw(claim=first, by=w.member_user, reason="有事")
    before = (DemandEvent.objects.count(), Notification.objects.count())
    member = Client()
    member.force_login(w.member_user)
    response = member.post(f"/needs/claims/{second.pk}/withdraw/", {"reason": "也有事"})
    assert response.status_code == 422
    assert "今天已撤回认领 1 次，已达每天最多 1 次的限制" in response.content.decode()
    assert Claim.objects.get(pk=second.pk).status == Claim.Status.CLAIMED
    assert Demand.objects.get(pk=second.demand_id).claimed_slots == 1
    assert (DemandEvent.objects.count(), Notification.objects.count()) == before
    # Per person: the team leader's withdrawal is his own count.
    team_item = published(w, title="组团", size=Demand.Size.TEAM, slots=2)
    c = services.item_claim(demand=team_item, party=w.team, by=w.leader)
    services.claim_withdraw(claim=c, by=w.leader, reason="人手不够")


def test_the_api_reads_the_contact_only_while_the_work_is_under_way(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    member, other = Api(w.member_user), Api(w.leader)
    assert member.post(f"/items/{d.pk}/claim").status_code == 201
    got = member.get(f"/items/{d.pk}").json()
    assert (got["beneficiary"], got["mobile"], got["address"], got["may_reveal_contact"]) == ("", "", "", False)
    r = member.post(f"/items/{d.pk}/contact")
    assert r.status_code == 400 and "开始办理后才能查看居民联系方式" in r.json()["message"]
    assert other.post(f"/items/{d.pk}/contact").status_code == 409  # holds no claim on it

    assert member.post(f"/items/{d.pk}/start").json()["status"] == "started"
    got = member.get(f"/items/{d.pk}").json()
    assert (got["beneficiary"], got["mobile"], got["may_reveal_contact"]) == ("", "", True)
    r = member.post(f"/items/{d.pk}/contact")
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["mobile"], r.json()["address"]) == ("陈安居", MOBILE, ADDRESS)
    assert ContactReveal.objects.filter(demand=d, user=w.member_user).count() == 1
    assert member.get(f"/demands/{d.pk}").json()["mobile"] == ""  # the detail never carries it

    assert member.post(f"/items/{d.pk}/done", {"note": "已办"}).json()["status"] == "done"
    r = member.post(f"/items/{d.pk}/contact")
    assert r.status_code == 400 and "不在办理中" in r.json()["message"]
    staff = Api(w.community_staff)
    assert staff.post(f"/items/{d.pk}/close").json()["status"] == "closed"
    assert member.post(f"/items/{d.pk}/contact").status_code == 400
    assert ContactReveal.objects.count() == 1


def test_the_api_withdrawal_past_the_limit_is_a_429_naming_the_limit(nw: SimpleNamespace) -> None:
    w = nw
    member = Api(w.member_user)
    items = [published(w, title=f"第{i}件") for i in range(5)]
    for d in items[:3]:
        assert member.post(f"/items/{d.pk}/claim").status_code == 201
        assert member.post(f"/items/{d.pk}/withdraw", {"reason": "有事"}).status_code == 200
    r = member.post(f"/items/{items[3].pk}/claim")
    assert r.status_code == 429 and "每天最多 3 次" in r.json()["message"]
    assert Claim.objects.filter(demand=items[3]).count() == 0


def test_a_resident_who_hid_the_name_is_named_nowhere(nw: SimpleNamespace, django_capture_on_commit_callbacks) -> None:
    """show_name=False: not on the service list, the item page, the API, the staff list of a
    compound secretary, the public board, nor in any notification to someone who does not manage
    the resident. (The export is covered in test_exports.)"""
    w = nw
    with django_capture_on_commit_callbacks(execute=True):
        d = published(w, title="想要一台轮椅")
        claim = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
        services.item_start(claim=claim, by=w.member_user)
        services.item_done(claim=claim, by=w.member_user, note="轮椅已送到")
        services.item_close(demand=Demand.objects.get(pk=d.pk), by=w.community_staff)
    member = Client()
    member.force_login(w.member_user)
    secretary = Client()
    secretary.force_login(w.compound_secretary)
    neighbour = account_services.user_create(
        username="neighbour", password=w.password, roles=[{"role": Role.MEMBER, "member": w.m_v_a}]
    )
    browsing = Client()
    browsing.force_login(neighbour)
    texts = [
        page(member, "/needs/items/?status=closed"),
        page(member, f"/needs/items/{d.pk}/"),
        page(browsing, f"/needs/items/{d.pk}/"),
        page(secretary, "/needs/staff/?status=all"),
        page(secretary, f"/needs/staff/{d.pk}/"),
        page(Client(), f"/p/c/{w.A.code}/"),
        page(Client(), f"/p/c/{w.A.code}/items/{d.pk}/"),
        Api(w.member_user).get(f"/items/{d.pk}").content.decode(),
        Api(neighbour).get(f"/items/{d.pk}").content.decode(),
        Api(w.member_user).get("/items?status=closed").content.decode(),
    ]
    for text in texts:
        assert "想要一台轮椅" in text or '"id"' in text
        assert "陈" not in text.replace("陈列", "") and "4321" not in text
    others = Notification.objects.exclude(user=w.resident_user).exclude(user=w.community_staff)
    assert others.exists()
    assert not any("陈" in n.title + n.body for n in others)
    # The community's own staff manage the resident: their page names the resident in full.
    staff = Client()
    staff.force_login(w.community_staff)
    assert "陈安居" in page(staff, f"/needs/staff/{d.pk}/")


def test_a_volunteer_teams_claim_counts_against_its_leaders_day(nw: SimpleNamespace) -> None:
    """records' 为本队认领 claims through the same service: a leader past the day's withdrawals
    claims nothing more for the team either (the team page says why)."""
    from baodao.records import services as record_services
    from baodao.reporting.tests.conftest import team_types

    w = nw
    rule_set(key="need_claim_withdrawals_per_day", value=Decimal(1), city=w.C)
    team = record_services.team_create(
        community=w.A, kind=team_types()[0], name="", leader=w.m_u_a, by=w.community_staff
    )
    services.claim_withdraw(claim=_cycle(w, "先撤回一件"), by=w.member_user, reason="有事")
    group = published(w, size=Demand.Size.TEAM, slots=2, title="小区楼道集中清理")
    leader = Client()
    leader.force_login(w.member_user)
    response = leader.post(f"/records/teams/{team.pk}/claim/", {"demand": group.pk}, follow=True)
    assert "已达每天最多 1 次的限制" in response.content.decode()
    assert Claim.objects.filter(demand=group).count() == 0


def test_a_claim_is_withdrawn_while_in_progress_but_not_once_done(nw: SimpleNamespace) -> None:
    w = nw
    started = _cycle(w, "做了一半")
    services.item_start(claim=started, by=w.member_user)
    services.claim_withdraw(claim=started, by=w.member_user, reason="身体不适")
    assert Demand.objects.get(pk=started.demand_id).status == S.PUBLISHED  # back on the list
    done = _cycle(w, "已经做完")
    services.item_done(claim=done, by=w.member_user, note="已办")
    with pytest.raises(services.NeedConflict, match="该认领当前为“已完成”"):
        services.claim_withdraw(claim=done, by=w.member_user, reason="x")
    assert Claim.objects.get(pk=done.pk).status == Claim.Status.DONE
