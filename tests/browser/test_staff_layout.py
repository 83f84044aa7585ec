"""Staff pages stay in the staff layout on a 1366×768 desk (issue 19 §17): the pages that members
and residents share with staff — an activity, its rotating code screens, the service list and an
item on it, a demand, the poster, "my demands" — show the staff menu and use the desk's width for
a community's staff and a unit's secretary, and stay the phone layout for a member.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from baodao.conftest import build_world
from baodao.needs import services as needs_services
from baodao.needs.tests.conftest import ask
from baodao.records.tests.conftest import activity, kind
from baodao.reporting.tests.conftest import confirmed_report, team_types
from tests.browser.test_reporting_journey import PHONE, log_in
from tests.browser.watch import watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}


@pytest.fixture
def city(transactional_db: None) -> SimpleNamespace:
    w = build_world()
    team_types()
    kind("志愿服务")
    confirmed_report(w.m_u_a, w.community_staff)
    w.demand = ask(w)
    lamp = ask(w, title="楼道灯不亮")
    w.item = needs_services.demand_accept(demand=lamp, by=w.community_staff, size="person", slots=1)
    w.activity = activity(w)
    return w


@pytest.fixture
def desk(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=DESK, locale="zh-CN")


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN")


def shared_pages(w: SimpleNamespace) -> dict[str, str]:
    a = w.activity.pk
    return {
        "activity": f"/records/activities/{a}/",
        "code-in": f"/records/activities/{a}/code/in/",
        "code-out": f"/records/activities/{a}/code/out/",
        "service-list": "/needs/items/",
        "item": f"/needs/items/{w.item.pk}/",
        "demand": f"/needs/{w.demand.pk}/",
        "my-demands": "/needs/mine/",
        "poster": f"/needs/c/{w.A.code}/",
    }


# What a unit's secretary opens too (the code screens and a resident's demand are the community's).
EVERYONE = ["activity", "service-list", "item", "my-demands", "poster"]


def assert_staff_layout(page: Page, menu_link: str, what: str) -> None:
    expect(page.locator("body")).to_have_class("staff")
    expect(page.locator("header.top nav").get_by_role("link", name=menu_link, exact=True)).to_be_visible()
    width = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
    assert width > 1000, f"{what}: the content is {width}px wide on a 1366px desk"


@pytest.mark.parametrize(
    ("username", "menu_link", "pages"),
    [
        ("community_staff", "活动与纪实", [*EVERYONE, "code-in", "code-out", "demand"]),
        ("unit_secretary", "本单位认领", EVERYONE),
    ],
)
def test_shared_pages_keep_the_staff_menu_at_1366(
    live_server,
    city: SimpleNamespace,
    desk: BrowserContext,
    artifacts_dir: Path,
    username: str,
    menu_link: str,
    pages: list[str],
) -> None:
    base = live_server.url
    page = desk.new_page()
    log_in(page, base, username, city.password)
    urls = shared_pages(city)
    for name in pages:
        response = page.goto(base + urls[name])
        assert response is not None and response.status == 200, name
        assert_staff_layout(page, menu_link, name)
        page.screenshot(path=str(artifacts_dir / f"staff-layout-{username}-{name}.png"), full_page=True)


def test_a_member_keeps_the_phone_layout(live_server, city: SimpleNamespace, phone: BrowserContext) -> None:
    base = live_server.url
    page = phone.new_page()
    log_in(page, base, city.member_user.username, city.password)
    for name in ("activity", "service-list", "item"):
        page.goto(base + shared_pages(city)[name])
        expect(page.locator("body")).to_have_class("mobile")
        expect(page.locator("header.top nav").get_by_role("link", name="服务纪实")).to_be_visible()
