"""The service list as the office files it, opened for real, cell by cell (the .xlsx ledger with
every column, the pinned-up PDF with what is open and what closed lately), and the staff's weekly
reminder of unclaimed items on the days of its rules, per community."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace

import openpyxl
from django.test import Client
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.needs import exports, reminders, selectors, services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import law, published
from baodao.notifications.models import Notification
from baodao.reporting.tests.test_documents import pdf_text


def when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def test_every_cell_of_the_xlsx_ledger_as_downloaded(nw: SimpleNamespace) -> None:
    w = nw
    problem = services.demand_submit(
        by=w.compound_secretary,
        community=w.A,
        place=w.A1_1,
        category=law(),
        title="楼下乱停车",
        kind=Demand.Kind.APPEAL,
        channel=Demand.Channel.STREET,
        governance=Demand.Governance.DISORDER,
    )
    problem = services.demand_accept(demand=problem, by=w.community_staff, size=Demand.Size.TEAM, slots=3)
    c_team = services.item_claim(demand=problem, party=w.team, by=w.leader)
    c_unit = services.item_claim(demand=problem, party=w.U, by=w.unit_secretary)
    gone = services.item_claim(demand=problem, party=w.m_u_a, by=w.member_user)
    services.claim_withdraw(claim=gone, by=w.member_user, reason="出差")  # not a party any more
    services.item_done(claim=c_team, by=w.leader, note="劝离")
    services.item_done(claim=c_unit, by=w.unit_secretary, note="划线")
    services.item_close(demand=problem, by=w.community_staff)
    asked = published(w, title="想学用智能手机")
    refused_ = services.demand_reject(
        demand=services.demand_submit(
            by=w.resident_user, community=w.A, place=w.A1, category=law(), title="想要免费停车位", resident=w.r_a1
        ),
        by=w.community_staff,
        reason="不属于社区办理范围",
    )
    staff = Client()
    staff.force_login(w.community_staff)
    response = staff.get("/needs/staff/?status=all&export=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, *rows = list(book.active.iter_rows(values_only=True))
    assert list(header) == [str(h) for h in exports.LEDGER_HEADERS]
    by_title = {r[1]: list(r) for r in rows}
    assert set(by_title) == {"楼下乱停车", "想学用智能手机", "想要免费停车位"}
    p = Demand.objects.get(pk=problem.pk)
    assert by_title["楼下乱停车"] == [
        p.pk,
        "楼下乱停车",
        "微诉求",
        "法律咨询",
        "走街巷",
        "十乱",
        "安宁社区",
        "安一小区 安一1栋",
        None,  # no resident: nobody to name
        "已销号",
        "组团认领",
        "2/3",
        "城建局安宁社区工作队、城建局",
        when(p.created_at),
        when(p.published_at),
        when(p.done_at),
        when(p.closed_at),
        "无需居民验收",
        None,
        None,
    ]
    a = Demand.objects.get(pk=asked.pk)
    assert by_title["想学用智能手机"][8:14] == ["陈安居", "已发布", "个人可办", "0/1", None, when(a.created_at)]
    assert by_title["想学用智能手机"][15:] == [None, None, None, None, None]  # not done: no acceptance
    r = Demand.objects.get(pk=refused_.pk)
    assert (by_title["想要免费停车位"][9], by_title["想要免费停车位"][14], by_title["想要免费停车位"][19]) == (
        "已驳回",
        when(r.published_at) or None,
        "不属于社区办理范围",
    )


def test_the_ledger_rows_mask_the_beneficiary_for_the_compound_and_name_parties_in_full(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, title="楼道灯不亮", show_name=True)
    services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    rows = list(Demand.objects.filter(pk=d.pk).select_related("category", "community", "place", "resident__residence"))
    selectors.show_beneficiary(w.compound_secretary, rows)
    (row,) = list(exports.ledger_rows(rows))
    assert (row[8], row[12]) == ("陈*居", "王安华")  # the staff ledger names the claimant whole
    assert exports._parties(rows[0], public=True) == "王*华"  # the pinned-up paper masks a member


def test_the_pinned_pdf_says_none_when_empty_and_leaves_out_what_closed_long_ago(
    nw: SimpleNamespace, tmp_path: Path
) -> None:
    w = nw
    empty = pdf_text(exports.service_list_pdf(w.B, [], []), tmp_path)
    assert "北门社区社区服务清单" in empty and empty.count("暂无") == 2
    assert "待办服务项目（0）" in empty and "近期已销号（0）" in empty
    lately = published(w, title="近期办结的")
    c = services.item_claim(demand=lately, party=w.U, by=w.unit_secretary)
    services.item_done(claim=c, by=w.unit_secretary, note="已办")
    services.item_close(demand=lately, by=w.community_staff)
    old = published(w, title="很久以前办结的")
    c = services.item_claim(demand=old, party=w.U, by=w.unit_secretary)
    services.item_done(claim=c, by=w.unit_secretary, note="已办")
    services.item_close(demand=old, by=w.community_staff)
    Demand.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=91))
    waiting = published(w, title="等待认领的")
    open_items, closed_items = selectors.pinned_items(w.A)
    assert ([d.title for d in open_items], [d.title for d in closed_items]) == (["等待认领的"], ["近期办结的"])
    text = pdf_text(exports.service_list_pdf(w.A, open_items, closed_items), tmp_path)
    assert "待办服务项目（1）" in text and "近期已销号（1）" in text
    assert f"{waiting.pk}等待认领的法律咨询安一小区已发布—" in text
    assert "近期办结的" in text and "城建局" in text and "很久以前办结的" not in text
    assert "已销号·待居民验收" in text  # closed is not accepted: the paper says both


# --- the staff's reminder of unclaimed items -----------------------------------------------------------


def test_unclaimed_items_are_told_to_each_communitys_staff_after_the_rules_days(nw: SimpleNamespace) -> None:
    w = nw
    now = timezone.now()
    a_old = published(w, title="发布八天无人认领")
    a_edge = published(w, title="刚好七天")
    a_taken = published(w, title="八天前发布已认领")
    services.item_claim(demand=a_taken, party=w.m_u_a, by=w.member_user)
    b_old = services.demand_accept(
        demand=services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="北门的事"),
        by=w.staff_b,
        size="person",
        slots=1,
    )
    seven = dt.timedelta(days=7)
    Demand.objects.filter(pk__in=[a_old.pk, a_taken.pk, b_old.pk]).update(published_at=now - dt.timedelta(days=8))
    Demand.objects.filter(pk=a_edge.pk).update(published_at=now - seven)
    # A second staff account of 安宁社区 hears too; one deactivated does not.
    second = account_services.user_create(
        username="staff_a2", password=w.password, roles=[{"role": Role.COMMUNITY_STAFF, "place": w.A}]
    )
    gone = account_services.user_create(
        username="staff_gone", password=w.password, roles=[{"role": Role.COMMUNITY_STAFF, "place": w.A}]
    )
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    assert reminders.remind_unclaimed(now=now) == 3
    told = Notification.objects.filter(title__contains="超期无人认领")
    assert sorted((n.user.username, n.title, n.body) for n in told) == [
        ("community_staff", "安宁社区有 1 个服务项目超期无人认领", "发布八天无人认领"),
        ("staff_a2", "安宁社区有 1 个服务项目超期无人认领", "发布八天无人认领"),
        ("staff_b", "北门社区有 1 个服务项目超期无人认领", "北门的事"),
    ]
    assert not told.filter(user=gone).exists() and told.filter(user=second).count() == 1
    # Published exactly seven days ago is not past the rule; a second later it is, and the staff
    # hear of it that same day (a second run of the day tells what became due since).
    assert reminders.remind_unclaimed(now=now + dt.timedelta(seconds=1)) == 2
    assert sorted(told.filter(body="刚好七天").values_list("user__username", flat=True)) == [
        "community_staff",
        "staff_a2",
    ]
    # Each item again only a week after its reminder: not later that day, nor six days on.
    assert reminders.remind_unclaimed(now=now + dt.timedelta(hours=3)) == 0
    assert reminders.remind_unclaimed(now=now + dt.timedelta(days=6)) == 0
    week = now + seven
    assert reminders.remind_unclaimed(now=week) == 3
    assert told.filter(user=w.community_staff, title="安宁社区有 2 个服务项目超期无人认领").count() == 1
    assert told.all().count() == 8  # 3 + 2 + 3
    assert Demand.objects.get(pk=a_old.pk).reminded_at == week


def test_the_daily_run_of_another_day_runs_at_nine(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=c, by=w.member_user, note="已办")
    done_at = Demand.objects.get(pk=d.pk).done_at
    day = timezone.localtime(done_at + dt.timedelta(days=7)).date() + dt.timedelta(days=1)
    assert reminders.daily(day)["needs_silent_accepted"] == 1
    nine = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    assert Demand.objects.get(pk=d.pk).accepted_at == nine
