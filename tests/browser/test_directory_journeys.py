"""Main journeys in a real Chromium: community staff at a desk, a member on a phone, a wrong password.

Each test asserts what a person sees and saves a screenshot under test-artifacts/ to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from baodao.conftest import build_world
from tests.browser.watch import watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def city(transactional_db: None) -> SimpleNamespace:
    return build_world()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=DESKTOP, locale="zh-CN")


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN")


def _log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/")
    page.get_by_label("账号或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def _column(page: Page, table: str, index: int) -> set[str]:
    return {t.strip() for t in page.locator(f"{table} tbody tr td:nth-child({index})").all_inner_texts()}


def test_community_staff_sees_only_its_community(
    live_server, city: SimpleNamespace, desktop: BrowserContext, artifacts_dir: Path
) -> None:
    page = desktop.new_page()

    _log_in(page, live_server.url, "community_staff", city.password)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("安宁社区")
    body = page.locator("main")
    expect(body).to_contain_text("安一小区")
    expect(body).to_contain_text("安二小区")
    expect(body).to_contain_text("城建局")
    expect(body).to_contain_text("西山医院")
    expect(body).not_to_contain_text("北一小区")
    expect(body).not_to_contain_text("教育局")
    page.screenshot(path=artifacts_dir / "community_staff_home.png", full_page=True)

    page.get_by_role("navigation").get_by_role("link", name="在职党员").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("在职党员")
    assert _column(page, "table#members", 1) == {"王安华", "钱安宁"}
    main_text = page.locator("main").inner_text()
    for next_door in ("李北辰", "赵北岳", "孙方远", "周恩泽"):
        assert next_door not in main_text
    # Community staff manage the people who live here: full mobiles.
    assert _column(page, "table#members", 6) == {"13812345678", city.m_v_a.mobile}
    page.screenshot(path=artifacts_dir / "community_staff_members.png", full_page=True)


def test_compound_secretary_sees_masked_members(
    live_server, city: SimpleNamespace, desktop: BrowserContext, artifacts_dir: Path
) -> None:
    page = desktop.new_page()
    _log_in(page, live_server.url, "compound_secretary", city.password)
    expect(page.get_by_role("heading", level=1)).to_contain_text("安一小区")

    page.goto(f"{live_server.url}/directory/members/")

    assert _column(page, "table#members", 1) == {"王安华"}
    assert _column(page, "table#members", 6) == {"138****5678"}
    expect(page.locator("main")).not_to_contain_text("13812345678")
    page.screenshot(path=artifacts_dir / "compound_secretary_members.png", full_page=True)


def test_member_sees_own_profile_on_a_phone(
    live_server, city: SimpleNamespace, phone: BrowserContext, artifacts_dir: Path
) -> None:
    page = phone.new_page()

    _log_in(page, live_server.url, "member_u_a", city.password)

    expect(page).to_have_url(f"{live_server.url}/")
    main = page.locator("main")
    expect(main).to_contain_text("王安华")
    expect(main).to_contain_text("城建局")
    expect(main).to_contain_text("安一小区")
    expect(main).not_to_contain_text("李北辰")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"page is {scroll_width}px wide on a {PHONE['width']}px phone"
    page.screenshot(path=artifacts_dir / "member_home_390.png", full_page=True)


def test_member_cannot_open_staff_lists_on_a_phone(live_server, city: SimpleNamespace, phone: BrowserContext) -> None:
    page = phone.new_page()
    _log_in(page, live_server.url, "member_u_a", city.password)
    expect(page.locator("main")).to_contain_text("王安华")

    response = page.goto(f"{live_server.url}/directory/members/")

    assert response is not None and response.status == 403


def test_login_page_fits_a_phone(
    live_server, city: SimpleNamespace, phone: BrowserContext, artifacts_dir: Path
) -> None:
    page = phone.new_page()

    page.goto(f"{live_server.url}/accounts/login/")

    expect(page.get_by_role("heading", level=1)).to_have_text("登录双报到平台")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts_dir / "login_390.png")


def test_wrong_password_shows_chinese_error(
    live_server, city: SimpleNamespace, desktop: BrowserContext, artifacts_dir: Path
) -> None:
    page = desktop.new_page()

    _log_in(page, live_server.url, "community_staff", "Wrong#Secret987")

    expect(page.locator(".errorlist")).to_contain_text("账号或密码错误")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    expect(page.get_by_label("密码", exact=True)).to_have_value("")
    page.screenshot(path=artifacts_dir / "login_wrong_password.png")


def test_date_fields_show_their_value_in_a_chinese_browser(
    live_server, city: SimpleNamespace, desktop: BrowserContext, artifacts_dir: Path
) -> None:
    """The unit's report date is filled with today: a zh-CN Chromium must show it, not blank."""
    from django.utils import timezone

    page = desktop.new_page()
    _log_in(page, live_server.url, "unit_secretary", city.password)
    page.goto(f"{live_server.url}/reporting/unit/")

    field = page.get_by_label("报到日期")
    expect(field).to_have_value(timezone.localdate().isoformat())
    assert page.evaluate("navigator.language") == "zh-CN"
    page.screenshot(path=artifacts_dir / "unit_report_date_zh_cn.png", full_page=True)


def test_a_street_confirms_for_all_its_communities_and_errors_read_in_chinese(
    live_server, city: SimpleNamespace, desktop: BrowserContext, artifacts_dir: Path
) -> None:
    from baodao.reporting.tests.conftest import submit

    submit(city.m_u_a)  # 安宁社区
    submit(city.m_v_b)  # 北门社区
    page = desktop.new_page()
    _log_in(page, live_server.url, "street_admin", city.password)

    page.get_by_role("navigation").get_by_role("link", name="报到确认").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("全部 2 个社区 · 报到确认")
    expect(page.locator("#pending tr.group")).to_have_count(2)
    expect(page.locator('#pending tr[data-member="王安华"] td.waited')).not_to_be_empty()
    expect(page.get_by_role("navigation").get_by_role("link", name="分配社区")).to_have_count(0)
    page.screenshot(path=artifacts_dir / "pending_all_communities.png", full_page=True)
    # 全选 runs from a static script (the policy allows no inline handler).
    page.get_by_label("全选").check()
    expect(page.locator('#pending input[name="report"]:checked')).to_have_count(2)
    page.get_by_label("全选").uncheck()
    expect(page.locator('#pending input[name="report"]:checked')).to_have_count(0)

    page.goto(f"{live_server.url}/directory/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(page.get_by_role("navigation").get_by_role("link", name="报到确认")).to_be_visible()
    page.screenshot(path=artifacts_dir / "error_404.png", full_page=True)


def test_a_street_resets_a_password_and_the_owner_must_change_it_on_a_phone(
    live_server, city: SimpleNamespace, desktop: BrowserContext, phone: BrowserContext, artifacts_dir: Path
) -> None:
    admin = desktop.new_page()
    _log_in(admin, live_server.url, "street_admin", city.password)
    admin.get_by_role("navigation").get_by_role("link", name="账号").click()
    admin.get_by_label("账号或姓名").fill("compound")
    admin.get_by_role("button", name="查找").click()
    assert _column(admin, "table#accounts", 1) == {"compound_secretary"}
    admin.get_by_role("link", name="重置密码").click()
    admin.get_by_role("button", name="确认重置").click()
    temporary = admin.locator("#temporary-password").inner_text().strip()
    admin.screenshot(path=artifacts_dir / "password_reset_by_admin.png", full_page=True)

    page = phone.new_page()
    _log_in(page, live_server.url, "compound_secretary", temporary)
    expect(page).to_have_url(f"{live_server.url}/accounts/password/")
    expect(page.locator("#must-change")).to_be_visible()
    page.get_by_label("当前密码").fill(temporary)
    page.get_by_label(re.compile("^新密码")).fill("abc")
    page.get_by_label("再次输入新密码").fill("abc")
    page.get_by_role("button", name="修改密码").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("新密码：密码太短，至少需要 8 个字符")
    expect(page.locator("#field-new_password1 .errorlist")).to_contain_text("密码太短")
    assert summary.bounding_box()["y"] < PHONE["height"]  # in sight without scrolling
    page.screenshot(path=artifacts_dir / "password_change_errors_390.png", full_page=True)

    page.get_by_label("当前密码").fill(temporary)
    page.get_by_label(re.compile("^新密码")).fill("Wo#Zijide2026")
    page.get_by_label("再次输入新密码").fill("Wo#Zijide2026")
    page.get_by_role("button", name="修改密码").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".messages")).to_contain_text("密码已修改")
    expect(page.locator("#unread-count")).to_have_text("2")  # told of the reset, and of the change
    page.locator("#inbox-link").click()
    expect(page.locator("main")).to_contain_text("您的登录密码已被重置")
    expect(page.locator("main")).to_contain_text("您的登录密码已修改")
    page.screenshot(path=artifacts_dir / "password_changed_inbox_390.png", full_page=True)


def test_the_policy_is_sent_and_what_it_refuses_is_caught(live_server, city: SimpleNamespace, browser: Browser) -> None:
    from tests.browser.watch import Watcher

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    watcher = Watcher()
    context.on("page", watcher.page)
    page = context.new_page()
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert watcher.problems == []

    injected = '<img src="/static/icons/icon-192.png" onload="window.ran = 1">'
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):  # the refusal, reported
        page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", injected)

    assert page.evaluate("window.ran") is None  # the inline handler did not run
    assert any("Content Security Policy" in p for p in watcher.problems)
    context.close()


def test_the_coverage_chart_draws_under_the_policy(
    live_server, city: SimpleNamespace, desktop: BrowserContext, artifacts_dir: Path
) -> None:
    page = desktop.new_page()
    _log_in(page, live_server.url, "city_admin", city.password)

    page.goto(f"{live_server.url}/stats/coverage/")

    expect(page.locator("#chart canvas")).to_have_count(1)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info")).to_be_visible()


def test_a_move_is_picked_from_suggestions_and_the_place_tree_opens(
    live_server, city: SimpleNamespace, desktop: BrowserContext, artifacts_dir: Path
) -> None:
    page = desktop.new_page()
    _log_in(page, live_server.url, "unit_secretary", city.password)
    page.goto(f"{live_server.url}/directory/members/{city.m_u_a.pk}/")

    box = page.get_by_role("combobox", name="搬家：新居住小区/楼栋")
    box.press_sequentially("北一", delay=50)
    options = page.locator("#move-residence-list [role=option]")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("北门社区 › 北一小区")
    page.screenshot(path=artifacts_dir / "member_move_picker.png", full_page=True)
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value("安北街道 › 北门社区 › 北一小区 › 北一1栋")
    page.get_by_role("button", name="迁居并转移报到").click()
    expect(page.locator(".messages")).to_contain_text("已迁居至 北一1栋")

    page.context.clear_cookies()
    _log_in(page, live_server.url, "city_admin", city.password)
    page.goto(f"{live_server.url}/reporting/assign/{city.V.pk}/")
    expect(page.locator("#candidates tbody tr:visible")).to_have_count(4)
    page.get_by_label("查找社区（名称或编码）").press_sequentially("恩泽", delay=30)
    expect(page.locator("#candidates tbody tr:visible")).to_have_count(1)
    expect(page.locator("#candidates tbody tr:visible")).to_contain_text("恩泽社区")
    page.get_by_role("navigation").get_by_role("link", name="区域").click()
    tree = page.locator("#place-tree")
    expect(tree).to_contain_text("东湖区")
    expect(tree).not_to_contain_text("安北街道")
    tree.locator("summary", has_text="东湖区").click()
    expect(tree).to_contain_text("安北街道")  # loaded when opened
    tree.locator("summary", has_text="安北街道").click()
    expect(tree).to_contain_text("北门社区")
    page.screenshot(path=artifacts_dir / "place_tree.png", full_page=True)
