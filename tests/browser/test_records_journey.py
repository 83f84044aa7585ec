"""The service record's journey in a real Chromium (issue 11 §8):

the community staff create an activity and open its rotating code screen → a member on a 390×844
phone signs up, checks in and out through the code's URL → the staff mark a member who has no
phone present by hand (手工登记考勤, issue 19 §12) → a record he logs that overlaps is flagged to
the confirmer → the staff confirm → the member's progress bar moves → the staff return the
overlapping record with a reason; the member opens the notice, mends it and sends it again; the
staff confirm it (issue 19 §11) → the member prints the service certificate, which says activities
and logged service apart, and its verification page says it is genuine. Time on site is simulated
by moving the activity and the check-in back in the database (the clock cannot wait two hours).
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, expect

from baodao.conftest import build_world
from baodao.directory.services import rule_set
from baodao.records.models import Activity, Record, ServiceCertificate, Signup
from baodao.records.tests.conftest import kind
from baodao.reporting.tests.conftest import confirmed_report, team_types
from tests.browser.test_reporting_journey import DESKTOP, PHONE, log_in
from tests.browser.watch import watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(transactional_db: None) -> SimpleNamespace:
    w = build_world()
    team_types()
    confirmed_report(w.m_u_a, w.community_staff)  # 王安华 is reported to 安宁社区
    confirmed_report(w.m_v_a, w.community_staff)  # 钱安宁 too: no account, no phone to scan with
    kind("志愿服务")  # seeded by a migration, but a transactional test before this one flushed it
    return w


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=DESKTOP, locale="zh-CN")


@pytest.fixture
def member_phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from watched(browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN")


def local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"


def test_activity_code_check_in_confirm_progress_certificate(
    live_server, city: SimpleNamespace, desktop: BrowserContext, member_phone: BrowserContext, artifacts_dir: Path
) -> None:
    base = live_server.url
    w = city

    # 1. the community staff publish an activity and open its check-in code
    staff = desktop.new_page()
    log_in(staff, base, "community_staff", w.password)
    staff.goto(f"{base}/records/staff/")
    staff.locator("#new-activity").click()
    start = timezone.now() + dt.timedelta(minutes=20)
    staff.get_by_label("活动名称").fill("安一小区环境清扫")
    staff.get_by_label("活动类型").select_option(label="志愿服务")
    staff.get_by_label("地点（小区/楼栋）").select_option(label="安一小区")
    staff.get_by_label("开始时间").fill(local(start))
    staff.get_by_label("结束时间").fill(local(start + dt.timedelta(hours=2)))
    staff.get_by_label("人数上限").fill("20")
    staff.locator("#activity-save").click()
    expect(staff.locator("ul.messages")).to_contain_text("活动已发布")
    activity = Activity.objects.get(title="安一小区环境清扫")

    # 2. the member signs up on his phone
    member = member_phone.new_page()
    log_in(member, base, "member_u_a", w.password)
    member.get_by_role("link", name="服务纪实").first.click()
    expect(member.locator("#service-progress")).to_contain_text("参加活动 0 / 5 次")
    member.locator(f'a[data-activity="{activity.pk}"]').click()
    member.locator("#signup-btn").click()
    expect(member.locator("ul.messages")).to_contain_text("报名成功")
    expect(member.locator("#my-signup")).to_contain_text("已报名")

    # (time passes: the activity started 90 minutes ago)
    began = start - dt.timedelta(minutes=110)
    Activity.objects.filter(pk=activity.pk).update(starts_at=began, ends_at=began + dt.timedelta(hours=2))
    Signup.objects.filter(activity=activity).update(starts_at=began, ends_at=began + dt.timedelta(hours=2))

    # 3. the staff show the check-in code; the member opens its URL (what the camera reads)
    rule_set(key="record_code_seconds", value=Decimal(5), city=None)
    staff.goto(f"{base}/records/activities/{activity.pk}/")
    staff.locator("#code-in").click()
    expect(staff.locator("#code-screen svg")).to_be_visible()
    staff.screenshot(path=artifacts_dir / "records_01_code_screen.png", full_page=True)
    first_url = staff.locator("#code-screen .qr").get_attribute("data-url")
    assert first_url and "/records/scan/" in first_url
    # the screen turns the code over by itself (every 5 s here, a rule): a photo goes stale
    expect(staff.locator("#code-screen .qr")).not_to_have_attribute("data-url", first_url, timeout=15_000)
    code_url = staff.locator("#code-screen .qr").get_attribute("data-url")
    assert code_url and "/records/scan/" in code_url
    member.goto(code_url)
    member.screenshot(path=artifacts_dir / "records_02_scan.png", full_page=True)
    member.locator("#scan-confirm").click()
    expect(member.locator("ul.messages")).to_contain_text("签到成功")
    # (he has been on site for 90 minutes)
    Signup.objects.filter(activity=activity).update(checkin_at=timezone.now() - dt.timedelta(minutes=90))
    staff.goto(f"{base}/records/activities/{activity.pk}/code/out/")
    out_url = staff.locator("#code-screen .qr").get_attribute("data-url")
    member.goto(out_url or "")
    member.locator("#scan-confirm").click()
    expect(member.locator("ul.messages")).to_contain_text("签退成功，本次服务 90 分钟，待社区确认")

    # 3b. 钱安宁 has no phone: the staff mark her present by hand (one member field, named errors)
    staff.goto(f"{base}/records/activities/{activity.pk}/")
    staff.locator("#attendance summary").click()
    staff.locator("#attendance-save").click()  # nothing filled: the browser asks first
    staff.get_by_label("党员").select_option(label="钱安宁（教育局）")
    staff.get_by_label("签到时间").fill(local(began))
    staff.get_by_label("签退时间").fill(local(timezone.now()))
    staff.get_by_label("手工登记原因").fill("没有智能手机")
    staff.screenshot(path=artifacts_dir / "records_02b_manual_attendance.png", full_page=True)
    staff.locator("#attendance-save").click()
    expect(staff.locator("ul.messages")).to_contain_text("已手工登记钱安宁的考勤")
    expect(staff.locator("tr[data-signup]", has_text="钱安宁")).to_contain_text("已参加")
    manual = Record.objects.get(member=w.m_v_a)
    assert manual.source == Record.Source.MANUAL and manual.counts_as_activity
    assert manual.signup.manual_reason == "没有智能手机"

    # 4. he also logs a visit that overlaps the activity: the confirmer sees it flagged
    member.goto(f"{base}/records/log/")
    visit = timezone.now() - dt.timedelta(minutes=60)
    member.get_by_label("开始时间").fill(local(visit))
    member.get_by_label("结束时间").fill(local(visit + dt.timedelta(minutes=30)))
    member.get_by_label("服务内容").fill("入户走访结对困难户")
    member.screenshot(path=artifacts_dir / "records_03_log.png", full_page=True)
    member.locator("#log-save").click()
    expect(member.locator("ul.messages")).to_contain_text("待社区确认")
    logged = Record.objects.get(content="入户走访结对困难户")
    staff.goto(f"{base}/records/staff/pending/")
    row = staff.locator(f'tr[data-record="{logged.pk}"]')
    expect(row.locator('[data-flag="overlap"]')).to_contain_text("时间重叠")
    expect(row.locator('[data-flag="checked_in_elsewhere"]')).to_contain_text("安一小区环境清扫")
    staff.screenshot(path=artifacts_dir / "records_04_pending_flagged.png", full_page=True)

    # 5. the staff confirm the activity's record (the flagged one waits)
    attended = Record.objects.get(activity=activity, member=w.m_u_a)
    staff.locator(f'tr[data-record="{attended.pk}"] input[type=checkbox]').check()
    staff.locator("#confirm-btn").click()
    expect(staff.locator("ul.messages")).to_contain_text("已确认 1 条纪实")

    # 6. the member's progress bar moved
    member.goto(f"{base}/")
    expect(member.locator("#progress-card")).to_contain_text("参加活动 1 / 5 次")
    expect(member.locator("#progress-card")).to_contain_text("服务时长 1.5 / 20 小时")
    member.screenshot(path=artifacts_dir / "records_05_progress.png", full_page=True)

    # 6b. the staff return the overlapping record; he mends it from the notice and sends it again
    staff.goto(f"{base}/records/r/{logged.pk}/")
    staff.get_by_label("退回原因（党员可见）").fill("与活动签到时间重叠，请核对时间")
    staff.locator("#return-btn").click()
    expect(staff.locator("ul.messages")).to_contain_text("已退回")
    member.goto(f"{base}/notifications/")
    member.get_by_role("button", name=re.compile("服务纪实被退回")).first.click()
    expect(member.locator("#return-reason")).to_contain_text("与活动签到时间重叠，请核对时间")
    earlier = visit - dt.timedelta(hours=3)
    member.get_by_label("开始时间").fill(local(earlier))
    member.get_by_label("结束时间").fill(local(earlier + dt.timedelta(minutes=30)))
    member.screenshot(path=artifacts_dir / "records_05b_correct.png", full_page=True)
    member.locator("#record-edit-save").click()
    expect(member.locator("ul.messages")).to_contain_text("已修改并重新提交")
    expect(member.locator("#record-timeline")).to_contain_text("修改后重新提交")
    expect(member.locator("#record-timeline .previous-version")).to_have_count(1)
    logged.refresh_from_db()
    assert (logged.status, logged.version, logged.flags) == ("pending", 2, [])
    staff.goto(f"{base}/records/staff/pending/")
    row = staff.locator(f'tr[data-record="{logged.pk}"]')
    expect(row.locator(".flags")).to_have_text("—")  # no overlap any more
    row.locator("input[type=checkbox]").check()
    staff.locator("#confirm-btn").click()
    expect(staff.locator("ul.messages")).to_contain_text("已确认 1 条纪实")
    member.goto(f"{base}/")
    # logged service adds its hours, not an activity (issue 19 §10)
    expect(member.locator("#progress-card")).to_contain_text("参加活动 1 / 5 次")
    expect(member.locator("#progress-card")).to_contain_text("服务时长 2.0 / 20 小时")

    # 7. he prints the service certificate; its verification page says it is genuine
    member.goto(f"{base}/records/certificates/")
    member.locator("#certificate-issue").click()
    expect(member.locator("ul.messages")).to_contain_text("证明已出具")
    expect(member.locator("#cert-counts")).to_contain_text("参加社区活动 1 次，自行登记服务 1 次，累计 2.0 小时")
    cert = ServiceCertificate.objects.get()
    pdf = member.request.get(f"{base}/records/certificates/{cert.pk}/pdf/")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    member.locator("#cert-verify").click()
    expect(member.locator("#verify-result")).to_contain_text("证明真实有效")
    expect(member.locator("#verify-result")).to_contain_text("王*华")
    expect(member.locator("#verify-result")).to_contain_text("2.0 小时")
    assert "王安华" not in member.locator("main").inner_text()
    member.screenshot(path=artifacts_dir / "records_06_verified.png", full_page=True)
