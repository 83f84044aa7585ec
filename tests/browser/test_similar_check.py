"""先看看有没有相同的需求 on a 390×844 phone (issue 19 §8): the resident types a wish and picks a
photo, asks whether the same need is already there, sees the published one — and the words never
enter a URL or the history, the page stays as it was (the photo still chosen), and the demand
submitted afterwards carries the photo. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, expect

from baodao.conftest import build_world
from baodao.directory.models import Category
from baodao.needs import services
from baodao.needs.models import Demand
from tests.browser.test_reporting_journey import PHONE, log_in
from tests.browser.watch import watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(transactional_db: None) -> SimpleNamespace:
    w = build_world()
    w.env = Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="环境整治")[0]
    neighbour = services.demand_submit(
        by=w.community_staff, community=w.A, place=w.A2, category=w.env, title="楼道灯不亮晚上看不见"
    )
    services.demand_accept(demand=neighbour, by=w.community_staff, size="person", slots=1)
    # Another resident's demand still waiting for review: not the public's, not this resident's.
    services.demand_submit(by=w.community_staff, community=w.A, place=w.A2, category=w.env, title="楼道灯坏了还没审核")
    return w


@pytest.fixture
def resident_phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN")


def test_check_similar_keeps_the_words_out_of_the_url_and_the_photo_chosen(
    live_server, city: SimpleNamespace, resident_phone: BrowserContext, artifacts_dir: Path, tmp_path: Path
) -> None:
    base = live_server.url
    photo = tmp_path / "楼道.png"
    Image.new("RGB", (64, 48), "gray").save(photo, "PNG")
    page = resident_phone.new_page()
    log_in(page, base, "resident_a1", city.password)
    page.goto(f"{base}/needs/new/")
    sent: list[tuple[str, str]] = []
    page.on("request", lambda r: sent.append((r.method, unquote(r.url))))
    history = page.evaluate("history.length")

    page.get_by_label("需要什么").fill("楼道的灯坏了")
    page.get_by_label("详细说明").fill("3栋2单元楼道的灯坏了一个星期")
    page.locator('input[name="photos"]').set_input_files(str(photo))
    page.locator("#check-similar").click()

    expect(page.locator("#similar")).to_contain_text("楼道灯不亮晚上看不见")
    expect(page.locator("#similar")).not_to_contain_text("还没审核")
    page.screenshot(path=artifacts_dir / "needs_07_check_similar.png", full_page=True)
    assert page.url == f"{base}/needs/new/"
    assert page.evaluate("history.length") == history
    expect(page.get_by_label("需要什么")).to_have_value("楼道的灯坏了")
    expect(page.get_by_label("详细说明")).to_have_value("3栋2单元楼道的灯坏了一个星期")
    assert page.locator('input[name="photos"]').evaluate("e => e.files.length") == 1
    assert ("POST", f"{base}/needs/similar/") in sent
    assert not [url for _m, url in sent if "楼道" in url or "csrf" in url.lower()]

    page.get_by_label("类别").select_option(label="环境整治")
    page.get_by_role("button", name="提交需求").click()
    expect(page.locator("#demand-status")).to_have_text("待审核")
    assert not [url for _m, url in sent if "楼道" in url]
    assert Demand.objects.get(title="楼道的灯坏了").photos.count() == 1
