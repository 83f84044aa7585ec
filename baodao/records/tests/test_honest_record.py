"""The record must be honest (issue 19 §9–13): attendance that cannot have happened is refused and a
short one never counts as an activity attended; the 5-activity rule counts activities attended and
the 20-hour rule the hours of all service; a returned record is mended and sent again from its
notice, as a new version; the organizer's manual attendance saves; an activity cannot be published
over, a year ahead or ending before it starts, and a date of another year shows its year."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.directory.services import rule_set
from baodao.notifications.models import Notification
from baodao.records import codes, dates, services
from baodao.records.models import Activity, Record, RecordEvent, ServiceCertificate, Signup
from baodao.records.services import RecordError
from baodao.records.tests.conftest import activity, attended, kind
from baodao.stats import service_counts
from baodao.stats.models import ServiceYear

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def scan(a: Activity, action: str, member: object, by: object, now: dt.datetime) -> object:
    code = codes.current(a, action, now=now)
    fn = services.checkin if action == "in" else services.checkout
    return fn(activity=a, member=member, slot=code.slot, signature=code.signature, by=by, now=now)  # type: ignore[arg-type]


def year_of(w: SimpleNamespace, member: object) -> tuple[int, int, int]:
    """(records, activities, minutes) of the member's counter this year."""
    row = ServiceYear.objects.filter(member=member, year=timezone.localdate().year)
    return row.values_list("records", "activities", "minutes").first() or (0, 0, 0)


def log(w: SimpleNamespace, start: dt.datetime, hours: float = 1, **kw: object) -> Record:
    return services.record_log(
        member=kw.pop("member", w.m_u_a),
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        content=kw.pop("content", "走访结对困难户"),
        by=kw.pop("by", w.member_user),
        **kw,
    )


def local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"


# --- §9: checking in early and out before the start never counts as attending ------------------------


def test_a_check_out_before_the_start_is_refused_and_nothing_is_recorded(rw: SimpleNamespace) -> None:
    start = timezone.now() + dt.timedelta(minutes=20)
    a = activity(rw, start=start, hours=2)
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user)
    scan(a, "in", rw.m_u_a, rw.member_user, timezone.now())  # early: inside the window
    with pytest.raises(RecordError, match="开始前不能签退"):
        scan(a, "out", rw.m_u_a, rw.member_user, timezone.now() + dt.timedelta(minutes=1))
    assert not Record.objects.exists()
    assert Signup.objects.get(activity=a).status == Signup.Status.CHECKED_IN


def test_the_scan_page_refuses_a_check_out_before_the_start(rw: SimpleNamespace) -> None:
    a = activity(rw, start=timezone.now() + dt.timedelta(minutes=20), hours=2)
    member = client_for(rw.member_user)
    for action in ("in", "out"):
        path = codes.current(a, action).path
        page = member.get(path)
        token = re.search(r'name="token" value="([^"]+)"', page.content.decode())
        assert token, page.content.decode()
        done = member.post(path, {"token": token.group(1)})
    assert done.status_code == 422 and "开始前不能签退" in done.content.decode()
    assert not Record.objects.exists()


def test_a_check_in_after_the_end_is_refused(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=2)
    with pytest.raises(RecordError, match="不能再签到"):
        scan(a, "in", rw.m_u_a, rw.member_user, a.ends_at + dt.timedelta(minutes=5))
    assert not Signup.objects.exists()


def test_a_short_attendance_is_flagged_and_never_counts_as_an_activity(
    rw: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=2)
    scan(a, "in", rw.m_u_a, rw.member_user, start - dt.timedelta(minutes=10))
    record = scan(a, "out", rw.m_u_a, rw.member_user, start + dt.timedelta(minutes=10))
    assert isinstance(record, Record)
    assert (record.minutes, record.counts_as_activity) == (10, False)
    assert [f["code"] for f in record.flags] == ["short_attendance"]
    assert "不足 30 分钟" in record.flags[0]["text"]
    assert Signup.objects.get(activity=a).status == Signup.Status.SHORT
    with django_capture_on_commit_callbacks(execute=True):
        services.record_confirm(record=record, by=rw.community_staff)
    # its ten minutes count towards the hours; it is no activity attended
    assert year_of(rw, rw.m_u_a) == (1, 0, 10)
    home = client_for(rw.member_user).get(reverse("records:home")).content.decode()
    assert "参加活动 0 / 5 次" in home
    told = Notification.objects.get(user=rw.member_user)
    assert "不计参加活动次数" in told.body
    assert service_counts.recount(fix=False) == []


def test_the_minimum_is_a_rule_and_a_full_attendance_counts(rw: SimpleNamespace) -> None:
    rule_set(key="record_min_attendance_minutes", value=Decimal(10), city=None)
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=2)
    scan(a, "in", rw.m_u_a, rw.member_user, start)
    record = scan(a, "out", rw.m_u_a, rw.member_user, start + dt.timedelta(minutes=15))
    assert isinstance(record, Record) and record.counts_as_activity and record.flags == []
    assert Signup.objects.get(activity=a).status == Signup.Status.ATTENDED
    services.record_confirm(record=record, by=rw.community_staff)
    assert year_of(rw, rw.m_u_a) == (1, 1, 15)


def test_manual_attendance_refuses_impossible_times_and_flags_a_short_one(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=2)

    def mark(cin: dt.datetime, cout: dt.datetime, member: object = rw.m_v_a) -> Record:
        return services.attendance_mark(
            activity=a, member=member, checkin_at=cin, checkout_at=cout, reason="手机没电", by=rw.community_staff
        )

    with pytest.raises(RecordError, match="签退时间 .* 不晚于活动开始时间") as before:
        mark(start - dt.timedelta(minutes=50), start - dt.timedelta(minutes=20))
    assert list(before.value.error_dict) == ["checkout_at"]  # the form shows it under 签退时间
    with pytest.raises(RecordError, match="签到时间 .* 不早于活动结束时间"):
        mark(a.ends_at + dt.timedelta(minutes=1), a.ends_at + dt.timedelta(minutes=30))
    with pytest.raises(RecordError, match="尚未发生"):
        mark(start, timezone.now() + dt.timedelta(hours=1))
    assert not Record.objects.exists() and not Signup.objects.exists()
    short = mark(start, start + dt.timedelta(minutes=20))
    assert (short.minutes, short.counts_as_activity, short.source) == (20, False, Record.Source.MANUAL)
    assert "short_attendance" in [f["code"] for f in short.flags]
    assert Signup.objects.get(member=rw.m_v_a).status == Signup.Status.SHORT
    full = mark(start, a.ends_at, member=rw.m_u_a)
    assert (full.minutes, full.counts_as_activity) == (120, True)


def test_closing_counts_a_late_check_in_only_for_its_minutes(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=2)
    scan(a, "in", rw.m_u_a, rw.member_user, a.ends_at - dt.timedelta(minutes=10))
    scan(a, "in", rw.m_v_a, rw.member_v_user, start)
    services.activity_close(activity=a, by=rw.community_staff)
    late, whole = Record.objects.get(member=rw.m_u_a), Record.objects.get(member=rw.m_v_a)
    assert (late.minutes, late.counts_as_activity) == (10, False)
    assert {f["code"] for f in late.flags} == {"no_checkout", "short_attendance"}
    assert (whole.minutes, whole.counts_as_activity) == (120, True)


def test_a_call_up_attended_counts_as_an_activity(rw: SimpleNamespace) -> None:
    start = timezone.now() + dt.timedelta(hours=1)
    c = services.callup_create(
        community=rw.A,
        title="人口普查入户登记",
        address="社区党群服务中心",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        needed=5,
        by=rw.community_staff,
    )
    services.callup_attend(callup=c, members=[rw.m_u_a], by=rw.community_staff)
    assert Record.objects.get().counts_as_activity


# --- §10: the 5-activity rule counts activities attended, the 20-hour rule all the hours ------------


def test_logged_service_never_makes_the_five_activities(rw: SimpleNamespace) -> None:
    base = timezone.now() - dt.timedelta(days=40)
    for i in range(5):  # five logged services of four hours: 20 hours, no activity
        services.record_confirm(record=log(rw, base + dt.timedelta(days=i), hours=4), by=rw.community_staff)
    assert year_of(rw, rw.m_u_a) == (5, 0, 20 * 60)
    p = service_counts.progress(rw.m_u_a, timezone.localdate().year, place=rw.A)
    assert (p.activities, p.hours, p.met) == (0, 20.0, False)
    year = timezone.localdate().year
    assert rw.m_u_a.pk in set(service_counts.behind_reports(rw.A, year).values_list("member_id", flat=True))
    assert service_counts.behind_count(rw.A, year) == 2  # both of 安宁社区's reported members
    # five activities attended of one hour (5 hours) and the 20 logged hours: both minimums met
    for i in range(5):
        r = attended(rw, rw.m_u_a, rw.member_user, base + dt.timedelta(days=10 + i), hours=1)
        services.record_confirm(record=r, by=rw.community_staff)
    assert year_of(rw, rw.m_u_a) == (10, 5, 25 * 60)
    assert service_counts.progress(rw.m_u_a, year, place=rw.A).met
    assert service_counts.behind_count(rw.A, year) == 1
    assert service_counts.recount(fix=False) == []
    # the API's figures read the same counters
    from baodao.api.tests.test_records import API, api

    got = api(rw.member_user).get(API + "/progress").json()
    assert (got["activities"], got["hours"], got["met"]) == (5, 25.0, True)


def test_the_certificate_says_activities_and_logged_service_apart(rw: SimpleNamespace) -> None:
    base = timezone.now() - dt.timedelta(days=20)
    r1 = attended(rw, rw.m_u_a, rw.member_user, base, hours=2)
    r2 = log(rw, base + dt.timedelta(days=1), hours=1)
    start = base + dt.timedelta(days=2)
    a = activity(rw, start=start, hours=2, title="短暂到场")
    scan(a, "in", rw.m_u_a, rw.member_user, start)
    r3 = scan(a, "out", rw.m_u_a, rw.member_user, start + dt.timedelta(minutes=10))
    for r in (r1, r2, r3):
        services.record_confirm(record=r, by=rw.community_staff)  # type: ignore[arg-type]
    cert = services.certificate_issue(
        member=rw.m_u_a,
        community=rw.A,
        starts_on=timezone.localdate(base) - dt.timedelta(days=1),
        ends_on=timezone.localdate(),
        by=rw.member_user,
    )
    assert (cert.records, cert.activities, cert.logged, cert.other, cert.minutes) == (3, 1, 1, 1, 190)
    page = client_for(rw.member_user).get(reverse("records:certificate", args=[cert.pk])).content.decode()
    assert "参加社区活动 1 次，自行登记服务 1 次，累计 3.2 小时" in page
    assert "另有 1 次在场不足时长" in page
    verify = Client().get(reverse("records:verify", args=[cert.token])).content.decode()
    assert "参加社区活动 1 次，自行登记服务 1 次" in verify
    # a certificate issued before the split says its total, as it did
    ServiceCertificate.objects.filter(pk=cert.pk).update(activities=None, logged=None)
    old = client_for(rw.member_user).get(reverse("records:certificate", args=[cert.pk])).content.decode()
    assert "3 次，3.2 小时" in old


def test_counters_equal_recount_with_attendances_short_and_logged(rw: SimpleNamespace) -> None:
    """Random confirmations, returns and corrections of attendances (some too short) and logged
    service: the counters equal a recount — and, on PostgreSQL, the SQL rebuild equals them too."""
    import random

    from django.db import connection

    rng = random.Random(19)
    members = [(rw.m_u_a, rw.member_user), (rw.m_v_a, rw.member_v_user)]
    base = timezone.now() - dt.timedelta(days=300)
    records: list[Record] = []
    for i in range(90):
        step = rng.random()
        m, u = rng.choice(members)
        start = base + dt.timedelta(days=3 * i, hours=rng.randrange(8))
        if step < 0.25 or not records:
            a = activity(rw, start=start, hours=2, title=f"活动{i}")
            scan(a, "in", m, u, start)
            left = start + dt.timedelta(minutes=rng.choice([5, 20, 45, 120]))
            records.append(scan(a, "out", m, u, left))  # type: ignore[arg-type]
            continue
        if step < 0.4:
            records.append(log(rw, start, hours=rng.choice([0.5, 1, 2]), member=m, by=u, content=f"第{i}次"))
            continue
        r = rng.choice(records)
        r.refresh_from_db()
        try:
            if step < 0.7:
                services.record_confirm(record=r, by=rw.community_staff)
            elif step < 0.85:
                services.record_return(record=r, by=rw.community_staff, reason="核实")
            else:
                services.record_edit(
                    record=r,
                    by=rw.community_staff,
                    starts_at=r.starts_at,
                    ends_at=r.starts_at + dt.timedelta(minutes=rng.choice([15, 60, 100])),
                    content=r.content,
                )
        except RecordError:
            pass
    confirmed = Record.objects.filter(status=Record.Status.CONFIRMED)
    assert confirmed.filter(counts_as_activity=True).exists()
    assert confirmed.filter(counts_as_activity=False, source=Record.Source.ACTIVITY).exists()
    assert confirmed.filter(source=Record.Source.LOGGED).exists()
    assert service_counts.recount(fix=False) == []
    stored = set(ServiceYear.objects.values_list("member_id", "year", "records", "activities", "minutes"))
    assert sum(a for _m, _y, _n, a, _mi in stored) == confirmed.filter(counts_as_activity=True).count()
    if connection.vendor == "postgresql":
        service_counts.rebuild_by_sql()
        assert set(ServiceYear.objects.values_list("member_id", "year", "records", "activities", "minutes")) == stored
        assert service_counts.recount(fix=False) == []


# --- §11: a returned record is mended and sent again, as a new version ------------------------------


def test_a_returned_record_is_mended_from_its_notice_and_confirmed(
    rw: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    start = timezone.now() - dt.timedelta(days=2)
    r = log(rw, start, hours=2, content="走访困难户")
    staff, member = client_for(rw.community_staff), client_for(rw.member_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(reverse("records:return", args=[r.pk]), {"reason": "时间写错了"}).status_code == 302
    # the member hears of it, with a link to mend it
    notice = Notification.objects.get(user=rw.member_user)
    assert "被退回" in notice.title and "时间写错了" in notice.body
    assert notice.url == reverse("records:record_edit", args=[r.pk])
    assert 'id="record-edit"' in member.get(reverse("records:record", args=[r.pk])).content.decode()
    page = member.get(notice.url)
    assert page.status_code == 200 and "时间写错了" in page.content.decode()
    # a bad correction is refused with the field named
    bad = member.post(notice.url, {"starts_at": local(start), "ends_at": local(start), "content": "走访困难户"})
    assert bad.status_code == 422 and "结束时间必须晚于开始时间" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = member.post(
            notice.url,
            {
                "starts_at": local(start),
                "ends_at": local(start + dt.timedelta(hours=1)),
                "content": "走访困难户，送去米面油",
                "beneficiary": "独居老人",
            },
        )
    assert done.status_code == 302
    r.refresh_from_db()
    assert (r.status, r.version, r.minutes, r.content) == ("pending", 2, 60, "走访困难户，送去米面油")
    # the old version stays in the timeline
    event = r.events.get(kind=RecordEvent.Kind.RESUBMITTED)
    assert event.previous["version"] == 1 and event.previous["content"] == "走访困难户"
    assert event.previous["minutes"] == 120 and event.previous["return_reason"] == "时间写错了"
    timeline = staff.get(reverse("records:record", args=[r.pk])).content.decode()
    assert "修改后重新提交" in timeline and "修改前的第 1 版" in timeline and "走访困难户</dd>" in timeline
    # the community hears it came back; it confirms it, and the member hears that too
    assert Notification.objects.filter(user=rw.community_staff, title__contains="待重新确认").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(reverse("records:confirm"), {"ids": [r.pk]}).status_code == 302
    confirmed = Notification.objects.filter(user=rw.member_user).order_by("-id").first()
    assert confirmed is not None and "已确认" in confirmed.title
    assert [e.kind for e in r.events.all()] == ["logged", "returned", "resubmitted", "confirmed"]
    assert year_of(rw, rw.m_u_a) == (1, 0, 60)


def test_who_may_correct_what(rw: SimpleNamespace) -> None:
    start = (timezone.now() - dt.timedelta(days=2)).replace(second=0, microsecond=0)  # as a form sends it
    attendance = attended(rw, rw.m_u_a, rw.member_user, start, hours=2)
    services.record_return(record=attendance, by=rw.community_staff, reason="签到时间不对")
    member = client_for(rw.member_user)
    # an attendance's times are what was seen: the organizer or the community mends them
    assert member.get(reverse("records:record_edit", args=[attendance.pk])).status_code == 403
    assert 'id="ask-organizer"' in member.get(reverse("records:record", args=[attendance.pk])).content.decode()
    staff = client_for(rw.community_staff)
    page = staff.get(reverse("records:record_edit", args=[attendance.pk]))
    assert page.status_code == 200 and 'name="place"' not in page.content.decode()
    early = staff.post(
        reverse("records:record_edit", args=[attendance.pk]),
        {"starts_at": local(start - dt.timedelta(hours=1)), "ends_at": local(start), "content": "x"},
    )
    assert early.status_code == 422 and "不晚于活动开始时间" in early.content.decode()
    fixed = staff.post(
        reverse("records:record_edit", args=[attendance.pk]),
        {"starts_at": local(start), "ends_at": local(start + dt.timedelta(minutes=20)), "content": "x"},
    )
    assert fixed.status_code == 302
    attendance.refresh_from_db()
    assert (attendance.status, attendance.minutes, attendance.counts_as_activity) == ("pending", 20, False)
    # a confirmed record is not the member's to change; another member's is out of sight
    logged = log(rw, start - dt.timedelta(days=1))
    services.record_confirm(record=logged, by=rw.community_staff)
    assert member.get(reverse("records:record_edit", args=[logged.pk])).status_code == 403
    assert client_for(rw.member_v_user).get(reverse("records:record_edit", args=[logged.pk])).status_code == 404
    # a record the staff member logged takes a second person to change, as confirming it does
    assert staff.get(reverse("records:record_edit", args=[logged.pk])).status_code == 200
    Record.objects.filter(pk=logged.pk).update(logged_by=rw.community_staff)
    assert staff.get(reverse("records:record_edit", args=[logged.pk])).status_code == 403


def test_the_api_corrects_a_returned_record(rw: SimpleNamespace) -> None:
    from baodao.api.tests.test_records import api, post

    start = timezone.now() - dt.timedelta(days=2)
    r = log(rw, start, hours=2)
    services.record_return(record=r, by=rw.community_staff, reason="内容不具体")
    member = api(rw.member_user)
    status, body = post(
        member,
        f"/{r.pk}/correct",
        {"starts_at": start.isoformat(), "ends_at": (start - dt.timedelta(hours=1)).isoformat(), "content": "x"},
    )
    assert status == 400 and "结束时间必须晚于开始时间" in body["message"]
    status, body = post(
        member,
        f"/{r.pk}/correct",
        {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(), "content": "写清楚"},
    )
    assert status == 200, body
    assert (body["status"], body["version"], body["minutes"], body["content"]) == ("pending", 2, 60, "写清楚")
    assert post(api(rw.member_v_user), f"/{r.pk}/correct", {**body, "content": "y"})[0] == 404


# --- §12: manual attendance saves -------------------------------------------------------------------


def _form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    """What a browser posts from the form: each named input's value, each select's first
    selected (or first) option — every name as often as it appears."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert form, html
    out = []
    for tag in re.finditer(r"<(input|select|textarea)\b([^>]*)>", form.group(0)):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag.group(2)))
        if "name" not in attrs or attrs.get("type") in ("submit", "button"):
            continue
        out.append((attrs["name"], attrs.get("value", "")))
    return out


def test_manual_attendance_posts_one_member_and_saves(rw: SimpleNamespace) -> None:
    start = (timezone.now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    a = activity(rw, start=start, hours=2)
    staff = client_for(rw.community_staff)
    html = staff.get(reverse("records:activity", args=[a.pk])).content.decode()
    fields = _form_fields(html, "attendance-form")
    names = [n for n, _v in fields]
    assert names.count("member") == 1, names  # the picker alone, no empty hidden twin
    # 钱安宁 never signed up (no phone): she is offered all the same
    assert f'value="{rw.m_v_a.pk}"' in html and "钱安宁（" in html
    # missing fields are named, each under its field
    empty = staff.post(reverse("records:attendance", args=[a.pk]), {"member": "", "reason": ""})
    text = empty.content.decode()
    assert empty.status_code == 422 and "请选择党员" in text and "请填写手工登记原因" in text
    assert "这个字段是必填项" not in text and 'id="attendance" open' in text
    posted = dict(fields) | {
        "member": str(rw.m_v_a.pk),
        "checkin_at": local(start),
        "checkout_at": local(a.ends_at),
        "reason": "没有智能手机",
    }
    done = staff.post(reverse("records:attendance", args=[a.pk]), posted)
    assert done.status_code == 302, done.content.decode()
    record = Record.objects.get(member=rw.m_v_a)
    assert (record.source, record.minutes, record.counts_as_activity) == (Record.Source.MANUAL, 120, True)
    assert record.signup.manual_reason == "没有智能手机"
    # a check-out before the start is refused under 签退时间, nothing written
    early = staff.post(
        reverse("records:attendance", args=[a.pk]),
        posted | {"member": str(rw.m_u_a.pk), "checkout_at": local(start - dt.timedelta(minutes=5))},
    )
    assert early.status_code == 422 and "签退时间：签退时间" in early.content.decode()
    assert not Record.objects.filter(member=rw.m_u_a).exists()


# --- §13: an activity is published to be attended; dates say their year --------------------------------


def test_an_activity_cannot_be_published_over_a_year_ahead_or_backwards(rw: SimpleNamespace) -> None:
    now = timezone.now()
    cases = [
        (now - dt.timedelta(hours=3), 2, "ends_at", "不能发布已经结束的活动"),
        (now + dt.timedelta(days=400), 2, "starts_at", "活动最多提前一年发布"),
        (now + dt.timedelta(days=1), -1, "ends_at", "结束时间必须晚于开始时间"),
        (now + dt.timedelta(days=1), 0.25, "ends_at", "活动至少 30 分钟"),
    ]
    for start, hours, field, message in cases:
        with pytest.raises(RecordError, match=message) as refused:
            activity(rw, start=start, hours=hours, now=now)
        assert list(refused.value.error_dict) == [field]
    assert not Activity.objects.exists()
    # on the web form, under the field it names
    staff = client_for(rw.community_staff)
    base = {
        "title": "清扫",
        "kind": kind().pk,
        "place": rw.A1.pk,
        "capacity": 10,
        "audience": "community",
        "community": rw.A.pk,
    }
    over = staff.post(
        reverse("records:new_activity"),
        base | {"starts_at": local(now - dt.timedelta(hours=3)), "ends_at": local(now - dt.timedelta(hours=1))},
    )
    assert over.status_code == 422
    field = re.search(r'id="field-ends_at".*?</div>', over.content.decode(), re.S)
    assert field and "不能发布已经结束的活动" in field.group(0)
    # through the API, a 400 that names the field
    from baodao.api.tests.test_records import api as api_client
    from baodao.api.tests.test_records import post

    far = now + dt.timedelta(days=500)
    status, body = post(
        api_client(rw.community_staff),
        "/activities",
        {
            "community_id": rw.A.pk,
            "place_id": rw.A1.pk,
            "kind_id": kind().pk,
            "title": "明年的明年",
            "starts_at": far.isoformat(),
            "ends_at": (far + dt.timedelta(hours=2)).isoformat(),
            "capacity": 10,
        },
    )
    assert status == 400 and body["message"].startswith("开始时间")
    assert not Activity.objects.exists()


def test_a_date_of_another_year_shows_its_year_on_the_members_list(rw: SimpleNamespace) -> None:
    year = timezone.localdate().year
    tz = timezone.get_current_timezone()
    soon = activity(rw, title="本周清扫", start=timezone.now() + dt.timedelta(hours=2))
    start = dt.datetime(year + 1, 1, 2, 10, 0, tzinfo=tz)
    later = activity(rw, title="新年慰问", start=start, hours=2)
    html = client_for(rw.member_user).get(reverse("records:home")).content.decode()
    card = re.search(rf'data-activity="{later.pk}".*?</a>', html, re.S)
    assert card and f"{year + 1}-01-02 10:00—12:00" in card.group(0)
    this = re.search(rf'data-activity="{soon.pk}".*?</a>', html, re.S)
    assert this and f"{year}-" not in this.group(0)  # this year's need no year
    # and the messages built from times say it too
    assert dates.when(start) == f"{year + 1}-01-02 10:00"
    assert dates.span(start, start + dt.timedelta(hours=15)) == f"{year + 1}-01-02 10:00—{year + 1}-01-03 01:00"


def test_manual_attendance_offers_whom_the_activity_is_for(rw: SimpleNamespace) -> None:
    from baodao.records import selectors

    start = timezone.now() - dt.timedelta(hours=3)
    everyone = activity(rw, start=start, hours=2)
    names = {m.name for m in selectors.attendance_candidates(rw.community_staff, everyone)}
    assert names == {"王安华", "钱安宁"}  # 李北辰 is reported next door
    services.attendance_mark(
        activity=everyone,
        member=rw.m_v_a,
        checkin_at=start,
        checkout_at=everyone.ends_at,
        reason="没电",
        by=rw.community_staff,
    )
    # marked already
    assert {m.name for m in selectors.attendance_candidates(rw.community_staff, everyone)} == {"王安华"}
    units = activity(rw, start=start, hours=2, title="城建局主题党日", audience=Activity.Audience.UNITS, units=[rw.U])
    assert {m.name for m in selectors.attendance_candidates(rw.community_staff, units)} == {"王安华"}


def test_a_units_returned_record_goes_to_its_secretaries_to_mend(
    rw: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    start = (timezone.now() - dt.timedelta(days=3)).replace(second=0, microsecond=0)
    r = services.record_log_unit(
        unit=rw.U,
        community=rw.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        content="党课",
        by=rw.unit_secretary,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.record_return(record=r, by=rw.community_staff, reason="请写明党课题目")
    notice = Notification.objects.get(user=rw.unit_secretary)
    assert notice.url == reverse("records:record_edit", args=[r.pk]) and "请写明党课题目" in notice.body
    done = client_for(rw.unit_secretary).post(
        notice.url,
        {"starts_at": local(start), "ends_at": local(start + dt.timedelta(hours=2)), "content": "党课：学习党章"},
    )
    assert done.status_code == 302
    r.refresh_from_db()
    assert (r.status, r.version, r.content, r.counts_as_activity) == ("pending", 2, "党课：学习党章", False)
