"""The three lists' journey in a real Chromium (issue 10 §7):

a resident on a 390×844 phone types a wish and the similar open demand shows while typing → the
community staff accept it and dispatch it from the suggestions → the member takes it on his phone,
reads the resident's contact once the work is under way (recorded), and reports it done → the staff
see the reading and close it → the resident accepts and rates it → the public board
shows the item's progress with no personal data. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from baodao.conftest import build_world
from baodao.directory.models import Category
from baodao.needs import services
from baodao.needs.models import Demand
from baodao.reporting.tests.conftest import confirmed_report, team_types
from tests.browser.test_reporting_journey import DESKTOP, PHONE, log_in
from tests.browser.watch import watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(transactional_db: None) -> SimpleNamespace:
    w = build_world()
    team_types()
    w.env = Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="环境整治")[0]
    confirmed_report(w.m_u_a, w.community_staff)  # 王安华 is reported to 安宁社区
    w.m_u_a.intentions.add(w.env)
    # A neighbour's demand already on the list: the resident's wish is like it.
    neighbour = services.demand_submit(
        by=w.community_staff, community=w.A, place=w.A2, category=w.env, title="楼道灯不亮晚上看不见"
    )
    services.demand_accept(demand=neighbour, by=w.community_staff, size="person", slots=1)
    return w


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=DESKTOP, locale="zh-CN")


def phone_of(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN")


@pytest.fixture
def resident_phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from phone_of(browser)


@pytest.fixture
def member_phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from phone_of(browser)


@pytest.fixture
def passer_by(browser: Browser) -> Iterator[BrowserContext]:
    yield from phone_of(browser)


def test_wish_to_rating_journey(
    live_server,
    city: SimpleNamespace,
    desktop: BrowserContext,
    resident_phone: BrowserContext,
    member_phone: BrowserContext,
    passer_by: BrowserContext,
    artifacts_dir: Path,
) -> None:
    base = live_server.url
    w = city

    # 1. the resident types a wish; the similar open demand shows while typing
    resident = resident_phone.new_page()
    log_in(resident, base, "resident_a1", w.password)
    resident.get_by_role("link", name="我有需求").first.click()
    expect(resident.get_by_role("heading", level=1)).to_have_text("我有需求")
    resident.get_by_label("需要什么").fill("楼道的灯坏了")
    expect(resident.locator("#similar")).to_contain_text("楼道灯不亮晚上看不见")
    expect(resident.locator("#similar")).to_contain_text("我也需要")
    resident.get_by_label("类别").select_option(label="环境整治")
    resident.get_by_label("详细说明").fill("3栋2单元楼道的灯坏了一个星期")
    resident.screenshot(path=artifacts_dir / "needs_01_wish_with_similar.png", full_page=True)
    resident.get_by_role("button", name="提交需求").click()
    expect(resident.locator("#demand-status")).to_have_text("待审核")
    demand = Demand.objects.get(title="楼道的灯坏了")

    # 2. the community staff accept it and dispatch it to the member the suggestions put first
    staff = desktop.new_page()
    log_in(staff, base, "community_staff", w.password)
    staff.get_by_role("link", name="需求清单").first.click()
    staff.locator(f'#demands tr[data-demand="{demand.pk}"] a').click()
    expect(staff.locator("#beneficiary")).to_contain_text("陈安居")  # the staff manage the resident
    staff.locator("#accept-btn").click()
    expect(staff.locator("ul.messages")).to_contain_text("已受理并发布")
    first = staff.locator("#suggestions tbody tr").first
    expect(first).to_contain_text("王安华")
    expect(first).to_contain_text("服务意愿: 环境整治")
    expect(first).to_contain_text("同一小区")
    staff.screenshot(path=artifacts_dir / "needs_02_suggestions.png", full_page=True)
    first.get_by_role("button", name="派单").click()
    expect(staff.locator("ul.messages")).to_contain_text("已派单给 王安华")

    # 3. the member sees the dispatch on his phone, takes it up and reports it done
    member = member_phone.new_page()
    log_in(member, base, "member_u_a", w.password)
    member.get_by_role("link", name="服务清单").first.click()
    member.locator('a[data-claim] >> text="楼道的灯坏了"').click()
    expect(member.locator("#my-claim")).to_contain_text("社区派单")
    expect(member.locator("#beneficiary")).to_have_count(0)  # holding it shows no contact
    member.locator("#start-btn").click()
    expect(member.locator("ul.messages")).to_contain_text("已开始办理")
    member.locator("#contact-btn").click()  # 查看联系方式: the work is under way; the reading is recorded
    expect(member.locator("#beneficiary")).to_contain_text("陈安居")
    expect(member.locator("#beneficiary")).to_contain_text("13987654321")
    member.get_by_label("完成情况").fill("已联系物业更换灯泡")
    member.screenshot(path=artifacts_dir / "needs_03_member_done.png", full_page=True)
    member.locator("#done-btn").click()
    expect(member.locator("#demand-status")).to_have_text("已完成·待居民验收")

    # 4. the staff see the member's reading of the contact, and close it (销号)
    staff.reload()
    expect(staff.locator("#readings")).to_contain_text("王安华")
    staff.locator("#close-btn").click()
    expect(staff.locator("#demand-status")).to_have_text("已销号·待居民验收")

    # 5. the resident accepts and rates it
    resident.reload()
    expect(resident.locator("#demand-status")).to_have_text("已销号·待居民验收")
    resident.locator("#accept-btn").click()
    expect(resident.locator("#demand-status")).to_have_text("已销号·居民已验收")
    resident.get_by_label("★★★★★", exact=True).check()
    resident.get_by_label("说几句（选填）").fill("第二天就修好了")
    resident.locator("#rate-btn").click()
    expect(resident.locator("#rating")).to_contain_text("★★★★★")
    expect(resident.locator("#timeline")).to_contain_text("居民评价")
    resident.screenshot(path=artifacts_dir / "needs_04_resident_rated.png", full_page=True)

    # 6. anyone can follow the item on the public board, with no personal data on it
    public = passer_by.new_page()
    public.goto(f"{base}/p/c/{w.A.code}/")
    public.locator(f'#service-items [data-item="{demand.pk}"] a').click()
    expect(public.locator("#public-status")).to_have_text("已销号·居民已验收")
    expect(public.locator("#public-steps")).to_contain_text("居民确认")
    text = public.locator("main").inner_text()
    for secret in ("陈安居", "13987654321", "王安华", "已联系物业更换灯泡"):
        assert secret not in text
    public.screenshot(path=artifacts_dir / "needs_05_public_item.png", full_page=True)


def test_me_too_instead_of_filing_again(
    live_server, city: SimpleNamespace, resident_phone: BrowserContext, artifacts_dir: Path
) -> None:
    """我也需要 on the hint follows the neighbour's demand (counted) and files nothing new."""
    base = live_server.url
    page = resident_phone.new_page()
    log_in(page, base, "resident_a1", city.password)
    page.goto(f"{base}/needs/new/")
    page.get_by_label("需要什么").fill("楼道灯坏了晚上很黑")
    page.locator("#similar button[data-follow]").first.click()
    expect(page.locator("ul.messages")).to_contain_text("您也需要")
    expect(page.locator("h1")).to_have_text("楼道灯不亮晚上看不见")
    expect(page.locator("#demand-facts")).to_contain_text("1 人也需要")
    page.screenshot(path=artifacts_dir / "needs_06_me_too.png", full_page=True)
    assert Demand.objects.count() == 1
