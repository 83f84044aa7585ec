"""The README's "Try it" on the demo itself, in a real Chromium (issue 19 §16): the demo accounts,
clicking what the README says, carry a resident's wish through the spine — the wish → the
community's service list → `member` claims it → logs the service → `community` confirms the record
and closes the item → the resident accepts — and the community's bulletin, at the address the README
gives, shows it. It fails when the demo leaves a step without a way on (as when the demo `member`
had not reported and had no service list) or the README names a page that is not there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from baodao.accounts.models import RoleAssignment
from baodao.demo import directory as demo
from baodao.needs.models import Demand
from baodao.records.models import Record
from tests.browser.watch import watched

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text()
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
WISH = "楼道灯坏了，晚上看不见"


def test_readme_names_every_demo_account_and_the_demo_bulletin(db: None) -> None:
    call_command("load_demo", "--scale", "tiny", "--if-empty", "--force", stdout=StringIO())
    community = RoleAssignment.objects.select_related("place").get(user__username="community").place
    assert community is not None

    table = {m.group(1) for m in re.finditer(r"^\|[^|\n]*\| `([a-z0-9]+)` \|", README, re.MULTILINE)}
    assert table == set(demo.DEMO_USERNAMES)
    # Every bulletin or report link in the README is the demo community's (the first of the city
    # at any scale: its code does not depend on the size of the demo).
    codes = set(re.findall(r"/(?:p|reporting)/c/([^/<>`]+)/", README))
    assert codes == {community.code}


@pytest.fixture
def demo_city(transactional_db: None) -> None:
    call_command("load_demo", "--scale", "tiny", "--if-empty", "--force", stdout=StringIO())


def _context(browser: Browser, *, phone: bool) -> Iterator[BrowserContext]:
    if phone:
        yield from watched(browser, viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    else:
        yield from watched(browser, viewport=DESKTOP, locale="zh-CN")


@pytest.fixture
def resident_phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, phone=True)


@pytest.fixture
def member_phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, phone=True)


@pytest.fixture
def staff_desk(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, phone=False)


@pytest.fixture
def passer_by(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, phone=True)


def _log_in(context: BrowserContext, base: str, username: str) -> Page:
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")
    return page


def _local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
def test_the_readme_journey_on_the_demo(
    live_server,
    demo_city: None,
    resident_phone: BrowserContext,
    member_phone: BrowserContext,
    staff_desk: BrowserContext,
    passer_by: BrowserContext,
    artifacts_dir: Path,
) -> None:
    base = live_server.url
    code = re.search(r"/p/c/([^/]+)/", README)
    assert code is not None

    # 1. resident → 我有需求 → 提交需求: waiting for review
    resident = _log_in(resident_phone, base, "resident")
    resident.get_by_role("link", name="我有需求").first.click()
    resident.get_by_label("需要什么").fill(WISH)
    resident.get_by_label("类别").select_option(label="环境整治")
    resident.get_by_role("button", name="提交需求").click()
    expect(resident.locator("#demand-status")).to_have_text("待审核")
    resident.screenshot(path=artifacts_dir / "demo_journey_1_wish.png", full_page=True)

    # 2. community → 需求清单 → the wish → 受理并发布: on the service list
    staff = _log_in(staff_desk, base, "community")
    staff.get_by_role("link", name="需求清单").first.click()
    staff.get_by_role("link", name=WISH).first.click()
    staff.locator("#accept-btn").click()
    expect(staff.locator("#demand-status")).to_have_text("已发布")

    # 3. member → 服务清单 → the item → 我来认领 → 开始办理
    member = _log_in(member_phone, base, "member")
    member.get_by_role("link", name="服务清单").first.click()
    member.get_by_text(WISH).first.click()
    member.get_by_role("button", name="我来认领").click()
    expect(member.locator("ul.messages")).to_contain_text("认领成功")
    member.get_by_role("button", name="开始办理").click()
    expect(member.locator("ul.messages")).to_contain_text("已开始办理")
    item_url = member.url

    # 4. member → 服务纪实 → 登记一次服务 (the hour just gone), then 完成情况 → 已完成
    member.get_by_role("link", name="服务纪实").first.click()
    member.get_by_role("link", name="登记一次服务").click()
    now = timezone.now()
    member.locator("[name=starts_at]").fill(_local_input(now - dt.timedelta(minutes=90)))
    member.locator("[name=ends_at]").fill(_local_input(now - dt.timedelta(minutes=30)))
    member.get_by_label("服务内容").fill("更换楼道灯泡")
    member.get_by_role("button", name="提交，待社区确认").click()
    expect(member.locator("ul.messages")).to_contain_text("待社区确认")
    member.goto(item_url)
    member.get_by_label("完成情况").fill("已联系物业换了灯泡")
    member.get_by_role("button", name="已完成").click()
    expect(member.locator("#demand-status")).to_contain_text("已完成·待居民验收")
    member.screenshot(path=artifacts_dir / "demo_journey_4_member_done.png", full_page=True)

    # 5. community → 活动与纪实 → 待确认纪实 → the record → 确认; 需求清单 → 已完成 → 销号
    staff.get_by_role("link", name="活动与纪实").first.click()
    staff.get_by_role("link", name=re.compile("待确认纪实")).click()
    staff.get_by_role("link", name="更换楼道灯泡").click()
    staff.get_by_role("button", name="确认", exact=True).click()
    expect(staff.locator("ul.messages")).to_contain_text("已确认")
    record = Record.objects.get(content="更换楼道灯泡")
    assert record.status == Record.Status.CONFIRMED and record.member.user.username == "member"
    staff.get_by_role("link", name="需求清单").first.click()
    staff.get_by_role("link", name=re.compile("^已完成")).first.click()
    staff.get_by_role("link", name=WISH).first.click()
    staff.get_by_role("button", name="销号").click()
    expect(staff.locator("#demand-status")).to_contain_text("已销号")

    # 6. resident → 我的需求 → the item → 已解决，确认验收
    resident.get_by_role("link", name="我的需求").first.click()
    resident.get_by_text(WISH).first.click()
    resident.get_by_role("button", name="已解决，确认验收").click()
    expect(resident.locator("#demand-status")).to_contain_text("居民已验收")
    resident.screenshot(path=artifacts_dir / "demo_journey_6_accepted.png", full_page=True)
    demand = Demand.objects.get(title=WISH)
    assert demand.status == Demand.Status.CLOSED and demand.acceptance == Demand.Acceptance.ACCEPTED

    # 7. the bulletin at the README's address lists it among the recently closed, without names
    public = passer_by.new_page()
    public.goto(f"{base}/p/c/{code.group(1)}/")
    item = public.locator(f'a[href$="/items/{demand.pk}/"]').first
    expect(item).to_be_visible()
    item.click()
    expect(public.locator("#public-status")).to_have_text("已销号·居民已验收")
    text = public.locator("main").inner_text()
    for secret in (demand.resident.name, record.member.name, demand.resident.mobile, record.member.mobile):
        assert not secret or secret not in text
    public.screenshot(path=artifacts_dir / "demo_journey_7_bulletin.png", full_page=True)
