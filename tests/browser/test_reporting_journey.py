"""The 双报到 journey in a real Chromium (issue 3 §7):

unit secretary issues certificates and opens the PDF (text and QR decoded) → a member on a 390×844
phone registers from the QR link → community staff confirm → the unit secretary sees the receipt in
the ledger and the coverage figure move. Screenshots of each step go to test-artifacts/.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from baodao.conftest import build_world
from baodao.directory.models import Category
from baodao.reporting.models import MemberReport
from baodao.reporting.tests.conftest import new_member, team_types
from tests.browser.watch import watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
MEMBER = "林报到"
MOBILE = "13698765432"
MEMBER_PASSWORD = "Lin#Baodao2026"


@pytest.fixture
def city(transactional_db: None) -> SimpleNamespace:
    w = build_world()
    team_types()
    Category.objects.create(kind=Category.Kind.INTENTION, name="政策宣讲")
    w.member = new_member(MEMBER, w.U, w.A2, mobile=MOBILE)  # lives in 安二小区 of 安宁社区
    return w


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    # Less motion asked for: the coverage bars are drawn at once, so a screenshot needs no wait.
    yield from watched(browser, viewport=DESKTOP, locale="zh-CN", reduced_motion="reduce")


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN")


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")


def member_rate(page: Page, base: str) -> str:
    page.goto(f"{base}/stats/coverage/")
    return page.locator("#rate-members").inner_text().strip()


def pdf_page_of(pdf: Path, name: str) -> int:
    """The page of the PDF that carries `name` (pdftotext, one page at a time)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    for n in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        if name in re.sub(r"\s+", "", text):
            return n
    raise AssertionError(f"{name} is on no page of {pdf}")


def qr_urls(pdf: Path, page: int, out: Path) -> list[str]:
    prefix = out / f"certificate_p{page}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(prefix)],
        check=True,
    )
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", f"{prefix}.png"],
        capture_output=True,
        text=True,
    )
    return [line for line in done.stdout.splitlines() if line]


def test_certificate_to_receipt_journey(
    live_server,
    city: SimpleNamespace,
    desktop: BrowserContext,
    phone: BrowserContext,
    artifacts_dir: Path,
) -> None:
    base = live_server.url

    # 1. the unit secretary, at a desk: coverage before, the ledger, batch issue, the PDF
    secretary = desktop.new_page()
    log_in(secretary, base, "unit_secretary", city.password)
    before = member_rate(secretary, base)
    assert before == "0.0%"  # 王安华 and 林报到 live in 安宁社区; neither has reported

    secretary.get_by_role("link", name="报到台账").click()
    expect(secretary.get_by_role("heading", level=1)).to_contain_text("城建局 · 党员报到台账")
    row = secretary.locator(f'#ledger tr[data-member="{MEMBER}"]')
    expect(row).to_contain_text("未发报到证")
    secretary.get_by_role("link", name="为未报到党员批量签发报到证").click()
    expect(secretary.locator("#batch-summary")).to_contain_text("将为 3 名未报到的党员签发报到证")
    secretary.locator("#confirm-batch").click()
    expect(secretary.locator("ul.messages")).to_contain_text("签发 3 张报到证")
    expect(row).to_contain_text("已发证待报到")
    secretary.screenshot(path=artifacts_dir / "journey_01_ledger.png", full_page=True)

    href = secretary.locator("#print-link").get_attribute("href")
    response = secretary.request.get(f"{base}{href}")  # the logged-in cookies go along
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = artifacts_dir / "certificates.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert MEMBER in flat and "城建局" in flat and "安宁社区" in flat
    urls = qr_urls(pdf, pdf_page_of(pdf, MEMBER), artifacts_dir)
    assert len(urls) == 1, urls
    qr = urlsplit(urls[0])
    assert qr.path.startswith("/reporting/r/"), urls[0]
    link = f"{base}{qr.path}"  # the live server's host, whatever the QR says

    # 2. the member, on a phone: activate with the roster mobile, register, see 待社区确认
    member = phone.new_page()
    member.goto(link)
    expect(member.get_by_role("heading", level=1)).to_contain_text(f"{MEMBER}，欢迎报到")
    member.get_by_label("手机号（单位登记的）").fill(MOBILE)
    member.get_by_label("设置密码").fill(MEMBER_PASSWORD)
    member.get_by_label("再次输入密码").fill(MEMBER_PASSWORD)
    member.get_by_role("button", name="开通并继续").click()

    expect(member.locator("#register-form")).to_be_visible()
    expect(member.locator("main")).to_contain_text("报到社区：安宁社区")
    # The residence tree: typing hides the compounds that do not match and opens those that do.
    picker = member.locator("#residence-picker")
    a2_group = picker.locator('.residence-group[data-name="安二小区"]')
    expect(a2_group.locator("details")).to_have_attribute("open", "")  # where the roster says 林报到 lives
    member.locator("#residence-filter").fill("安一1")
    expect(a2_group).to_be_hidden()
    expect(picker.get_by_label("安一1栋")).to_be_visible()
    expect(member.locator("#residence-none")).to_be_hidden()
    member.screenshot(path=artifacts_dir / "journey_02a_phone_residence_search.png", full_page=True)
    member.locator("#residence-filter").fill("安二")
    expect(picker.get_by_label("安一1栋")).to_be_hidden()
    picker.get_by_label("安二小区（不指定楼栋）").check()
    member.get_by_label("门牌号（如 2单元301）").fill("3单元502")
    member.get_by_label("政策宣讲").check()
    member.get_by_label("政策理论宣传").check()
    member.get_by_label("我已阅读并签署服务承诺书").check()
    expect(member.locator(".commitment")).to_contain_text("不少于5次")
    width = member.evaluate("document.documentElement.scrollWidth")
    member.screenshot(path=artifacts_dir / "journey_02_phone_register.png", full_page=True)
    assert width <= PHONE["width"], f"the register page is {width}px wide on a {PHONE['width']}px phone"

    member.get_by_role("button", name="提交报到").click()

    expect(member).to_have_url(f"{base}/reporting/me/")
    expect(member.locator("#report-status-1")).to_have_text("待社区确认")
    expect(member.locator("main")).to_contain_text("安宁社区")
    width = member.evaluate("document.documentElement.scrollWidth")
    member.screenshot(path=artifacts_dir / "journey_02b_phone_submitted.png", full_page=True)
    assert width <= PHONE["width"], f"my report is {width}px wide on a {PHONE['width']}px phone"

    # 3. community staff, at a desk: tick the member, confirm
    staff_context = desktop.browser.new_context(viewport=DESKTOP, locale="zh-CN")
    staff = staff_context.new_page()
    log_in(staff, base, "community_staff", city.password)
    staff.get_by_role("navigation").get_by_role("link", name="报到确认").click()
    pending_row = staff.locator(f'#pending tr[data-member="{MEMBER}"]')
    expect(pending_row).to_contain_text("安二小区")
    expect(pending_row).to_contain_text("城建局")
    pending_row.get_by_role("checkbox", name=MEMBER).check()
    staff.screenshot(path=artifacts_dir / "journey_03_pending.png", full_page=True)
    staff.get_by_role("button", name="确认所选报到").click()
    expect(staff.locator("ul.messages")).to_contain_text("已确认 1 名党员报到，回执已送达所在单位")
    expect(staff.locator(f'#pending tr[data-member="{MEMBER}"]')).to_have_count(0)
    staff_context.close()

    # 3b. the member hears of it (件件有回音): the inbox on the phone says so
    member.goto(f"{base}/notifications/")
    expect(member.locator("main")).to_contain_text("您的报到已确认")
    expect(member.locator("main")).to_contain_text("安宁社区已确认您的报到。")
    member.screenshot(path=artifacts_dir / "journey_03b_phone_inbox.png", full_page=True)

    # 4. the unit secretary: the receipt is in the ledger, the coverage moved
    report = MemberReport.objects.get(member=city.member)
    assert report.status == MemberReport.Status.CONFIRMED
    secretary.goto(f"{base}/reporting/ledger/")
    expect(row).to_contain_text("已报到")
    expect(row.locator("td.receipt")).to_have_text(report.receipt_number)
    assert report.receipt_number.startswith("HZ")
    secretary.goto(f"{base}/notifications/")
    expect(secretary.locator("main")).to_contain_text(f"{MEMBER} 已在安宁社区报到")
    expect(secretary.locator("main")).to_contain_text(f"回执 {report.receipt_number}")
    secretary.goto(f"{base}/reporting/ledger/")
    secretary.screenshot(path=artifacts_dir / "journey_04_receipt.png", full_page=True)

    after = member_rate(secretary, base)
    expect(secretary.locator("#chart canvas")).to_have_count(1)  # the vendored ECharts drew the bars
    # ...at once, as this reader asked for less motion: nothing to wait for before the screenshot.
    animated = "echarts.getInstanceByDom(document.getElementById('chart')).getOption().animation"
    assert secretary.evaluate(animated) is False
    secretary.screenshot(path=artifacts_dir / "journey_05_coverage.png", full_page=True)
    assert (before, after) == ("0.0%", "50.0%")
