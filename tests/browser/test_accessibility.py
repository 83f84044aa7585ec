"""The phone pages pass axe-core (WCAG 2.1 A/AA rules) with no serious or critical violation:
labels on every input, contrast, names on links and buttons, the document's language.

axe-core is vendored under tests/browser/vendor (a test tool, never served). It is injected as a
script, which the site's Content-Security-Policy would refuse: these contexts bypass the policy,
and only they do (every other browser test runs under it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page

from baodao.conftest import build_world
from baodao.reporting import services
from baodao.reporting.tests.conftest import submit, team_types

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture
def city(transactional_db: None) -> SimpleNamespace:
    w = build_world()
    team_types()
    submit(w.m_u_a)
    return w


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN", bypass_csp=True
    )
    yield context
    context.close()


def serious(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}, resultTypes: ['violations']})", RULES
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[(n['target'], n['failureSummary']) for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/**")


def test_the_phone_pages_pass_axe(
    live_server, city: SimpleNamespace, phone: BrowserContext, artifacts_dir: Path
) -> None:
    base = live_server.url
    page = phone.new_page()
    found: dict[str, list[str]] = {}

    def check(path: str) -> None:
        page.goto(f"{base}{path}")
        found[path] = serious(page)

    check("/accounts/login/")
    check(f"/reporting/c/{city.A.code}/")  # the poster's self-report
    check(f"/p/c/{city.A.code}/")  # the public bulletin
    _log_in(page, base, "member_u_a", city.password)
    for path in ("/", "/reporting/me/", "/notifications/", "/accounts/password/"):
        check(path)
    page.context.clear_cookies()
    _log_in(page, base, "resident_a1", city.password)
    check("/")
    # A certificate's link: the activation, then the registration form (radios, boxes, the commitment).
    page.context.clear_cookies()
    cert = services.certificate_issue(member=city.m_u_b, by=city.unit_secretary)
    link = reverse("reporting:register", args=[services.certificate_token(cert)])
    check(link)
    page.get_by_label("手机号（单位登记的）").fill(city.m_u_b.mobile)
    page.get_by_label("设置密码").fill(city.password)
    page.get_by_label("再次输入密码").fill(city.password)
    page.get_by_role("button", name="开通并继续").click()
    page.wait_for_selector("#register-form")
    found["registration"] = serious(page)
    page.get_by_role("button", name="提交报到").click()  # nothing chosen: the errors are shown
    page.wait_for_selector("#error-summary")
    found["registration with errors"] = serious(page)
    page.screenshot(path=artifacts_dir / "registration_errors_390.png")  # the summary in sight, at the top

    assert {k: v for k, v in found.items() if v} == {}
