"""The community staff's desk in a real Chromium (issue 19 §22): the home's to-do figures lead to
their lists, the confirmation desk's select-all ticks every row and one click confirms them, and an
item is dispatched by picking a member from the scoped picker's suggestions (no id typed).
Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, expect

from baodao.conftest import build_world
from baodao.needs import services as needs_services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import law
from baodao.records import services as records_services
from baodao.records.models import Record
from baodao.reporting.tests.conftest import confirmed_report
from tests.browser.test_reporting_journey import DESKTOP, log_in
from tests.browser.watch import watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(transactional_db: None) -> SimpleNamespace:
    w = build_world()
    confirmed_report(w.m_u_a, w.community_staff)  # 王安华 (安一小区) and 钱安宁 (安二小区) serve 安宁社区
    confirmed_report(w.m_v_a, w.community_staff)
    for i in range(3):
        start = timezone.now() - dt.timedelta(days=2, hours=3 * i)
        records_services.record_log(
            member=w.m_u_a,
            community=w.A,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            content=f"入户走访第{i + 1}户",
            by=w.member_user,
        )
    w.item = needs_services.demand_submit(
        by=w.community_staff, community=w.A, place=w.A1, category=law(), title="帮独居老人代缴水电费"
    )
    needs_services.demand_accept(demand=w.item, by=w.community_staff, size="person", slots=1)
    return w


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=DESKTOP, locale="zh-CN")


def test_staff_confirm_all_from_the_home_and_dispatch_by_the_picker(
    live_server, city: SimpleNamespace, desktop: BrowserContext, artifacts_dir: Path
) -> None:
    base, w = live_server.url, city
    staff = desktop.new_page()
    log_in(staff, base, "community_staff", w.password)

    # the home says what waits; the records figure opens the desk
    todo = staff.locator("#todo")
    expect(todo.locator('[data-todo="records"]')).to_have_attribute("data-count", "3")
    expect(todo.locator('[data-todo="records"]')).to_contain_text("待确认纪实")
    staff.screenshot(path=artifacts_dir / "staff_01_home_todo.png", full_page=True)
    todo.locator('[data-todo="records"]').click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("待确认纪实")

    # select-all ticks every row; one click confirms them
    boxes = staff.locator('#confirm-form input[name="ids"]')
    expect(boxes).to_have_count(3)
    staff.get_by_label("全选本页").check()
    for i in range(3):
        expect(boxes.nth(i)).to_be_checked()
    staff.screenshot(path=artifacts_dir / "staff_02_select_all.png", full_page=True)
    staff.locator("#confirm-btn").click()
    expect(staff.locator("ul.messages")).to_contain_text("已确认 3 条纪实")
    assert set(Record.objects.values_list("status", flat=True)) == {"confirmed"}

    # dispatch: type part of a name, pick the suggestion, send
    staff.goto(f"{base}/needs/staff/{w.item.pk}/")
    picker = staff.locator("#dispatch-party")
    picker.fill("钱")
    option = staff.locator("#dispatch-party-list [role=option]")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("钱安宁 · 教育局")
    option.click()
    staff.screenshot(path=artifacts_dir / "staff_03_dispatch_picker.png", full_page=True)
    staff.locator("#dispatch-pick button[type=submit]").click()
    expect(staff.locator("ul.messages")).to_contain_text("已派单给 钱安宁")
    d = Demand.objects.get(pk=w.item.pk)
    assert (d.status, d.claims.get().member_id) == ("dispatched", w.m_v_a.pk)
