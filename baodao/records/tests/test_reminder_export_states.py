"""The record's ledgers opened for real, cell by cell (the unit's branch work ledger as .xlsx with
every column and state — pending, returned with its reason, confirmed with who and when, a unit's
own record, aid — and its PDF's totals; the year's edges), and the record's daily reminders on the
days of their rules: an activity left open, records waiting for the community."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from baodao.accounts import services as account_services
from baodao.accounts.models import Role, RoleAssignment
from baodao.notifications.models import Notification
from baodao.records import exports, reminders, services
from baodao.records.models import Activity, Record
from baodao.records.services import Aid
from baodao.records.tests.conftest import activity
from baodao.reporting.tests.test_documents import pdf_text


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def log(w: SimpleNamespace, start: dt.datetime, minutes: int, content: str, **kw: object) -> Record:
    return services.record_log(
        member=kw.pop("member", w.m_u_a),
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        content=content,
        by=kw.pop("by", w.member_user),
        **kw,
    )


def test_every_cell_of_the_unit_ledger_as_downloaded(rw: SimpleNamespace, tmp_path: Path) -> None:
    day = dt.date(timezone.localdate().year - 1, 12, 15)  # last year's ledger: every time is past
    confirmed = log(
        rw,
        at(day, 8),
        90,
        "入户走访困难户",
        place=rw.A1_1,
        address="3单元",
        beneficiary="陈安居",
        aid=Aid(items="米面油", count=3, money=Decimal("150.50"), donor_kind="member"),
    )
    services.record_confirm(record=confirmed, by=rw.community_staff)
    returned = log(rw, at(day, 14), 60, "政策宣讲")
    services.record_return(record=returned, by=rw.community_staff, reason="照片不清楚")
    log(rw, at(day, 19), 30, "晚间巡逻")  # pending
    unit_own = services.record_log_unit(
        unit=rw.U, community=rw.A, starts_at=at(day, 9), ends_at=at(day, 11), content="党课进社区", by=rw.unit_secretary
    )
    log(rw, at(day, 10), 60, "教育局党员的服务", member=rw.m_v_a, by=rw.member_v_user)  # another unit's member

    secretary = Client()
    secretary.force_login(rw.unit_secretary)
    response = secretary.get(reverse("records:unit_ledger") + f"?year={day.year}")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, *rows = list(book.active.iter_rows(values_only=True))
    assert list(header) == [str(h) for h in exports.HEADERS]
    d = day.isoformat()
    decided = timezone.localtime(Record.objects.get(pk=confirmed.pk).decided_at)
    assert [list(r) for r in rows] == [
        [
            d,
            "08:00—09:30",
            "王安华",
            "安宁社区",
            "安一1栋 3单元",
            "入户走访困难户",
            "陈安居",
            1.5,
            "自行登记",
            f"已确认 {decided:%m-%d} 安宁社区书记",
            "米面油 3 件",
            150.5,
        ],
        [d, "09:00—11:00", "城建局", "安宁社区", None, "党课进社区", None, 2, "自行登记", "待确认", None, None],
        [
            d,
            "14:00—15:00",
            "王安华",
            "安宁社区",
            None,
            "政策宣讲",
            None,
            1,
            "自行登记",
            "已退回：照片不清楚",
            None,
            None,
        ],
        [d, "19:00—19:30", "王安华", "安宁社区", None, "晚间巡逻", None, 0.5, "自行登记", "待确认", None, None],
    ]
    assert unit_own.member is None
    text = pdf_text(secretary.get(reverse("records:unit_ledger") + f"?format=pdf&year={day.year}").content, tmp_path)
    assert "全年纪实4条，经社区确认1条、1.5小时。" in text
    assert "已退回：照片不清楚" in text and "教育局党员的服务" not in text


def test_the_years_ledger_takes_its_first_minute_and_leaves_the_next_years(rw: SimpleNamespace, tmp_path: Path) -> None:
    year = timezone.localdate().year - 1
    first = at(dt.date(year, 1, 1), 0)
    last = at(dt.date(year, 12, 31), 23, 0)
    log(rw, first, 60, "元旦零点值守")
    log(rw, last, 60, "跨年夜值守")  # starts in the year, ends in the next: the year it started
    log(rw, first - dt.timedelta(hours=1), 60, "上一年的服务")
    rows = list(exports.rows_of(exports.year_records(Record.objects.filter(member=rw.m_u_a), year)))
    assert [(r[0], r[1], r[5]) for r in rows] == [
        (f"{year}-01-01", "00:00—01:00", "元旦零点值守"),
        (f"{year}-12-31", "23:00—00:00", "跨年夜值守"),
    ]
    member = Client()
    member.force_login(rw.member_user)
    empty = pdf_text(member.get(reverse("records:handbook") + f"?format=pdf&year={year - 5}").content, tmp_path)
    assert f"党员纪实手册（{year - 5}年）" in empty and "全年纪实0条，经社区确认0条、0小时。" in empty
    assert "王安华" in empty and "城建局" in empty


# --- reminders ----------------------------------------------------------------------------------------


def test_an_activity_left_open_is_reminded_from_the_rules_day(rw: SimpleNamespace) -> None:
    now = timezone.now()
    due = activity(rw, start=now - dt.timedelta(days=3, hours=2), title="三天前结束的")
    not_yet = activity(rw, start=now - dt.timedelta(days=3, hours=2) + dt.timedelta(minutes=1), title="差一分钟")
    closed = activity(rw, start=now - dt.timedelta(days=10), title="已结束考勤")
    services.activity_close(activity=closed, by=rw.community_staff)
    assert reminders.remind_unclosed(now=now) == 1
    told = Notification.objects.get(title__startswith="活动「三天前结束的」")
    assert (told.user, told.title) == (rw.community_staff, "活动「三天前结束的」已结束 3 天，请结束考勤")
    assert told.url == reverse("records:activity", args=[due.pk])
    assert reminders.remind_unclosed(now=now) == 0  # once
    assert reminders.remind_unclosed(now=now + dt.timedelta(minutes=1)) == 1  # the other one's day came
    assert Notification.objects.filter(title__startswith="活动「差一分钟」").count() == 1
    assert Activity.objects.get(pk=not_yet.pk).status == "open"


def test_waiting_records_are_told_to_the_communitys_active_staff_once_a_week(rw: SimpleNamespace) -> None:
    day = timezone.localdate() - dt.timedelta(days=2)
    log(rw, at(day, 9), 60, "走访一")
    log(rw, at(day, 11), 60, "走访二")
    done = log(rw, at(day, 14), 60, "已确认的")
    services.record_confirm(record=done, by=rw.community_staff)
    services.record_log(
        member=rw.m_u_b, community=rw.B, starts_at=at(day, 9), ends_at=at(day, 10), content="北门的", by=rw.member_user
    )
    second = account_services.user_create(
        username="staff_a2", password=rw.password, roles=[{"role": Role.COMMUNITY_STAFF, "place": rw.A}]
    )
    RoleAssignment.objects.filter(user=second).update(is_active=False)  # the grant was taken back
    monday = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9)))
    monday -= dt.timedelta(days=monday.weekday())
    assert reminders.remind_pending(now=monday) == 2
    told = Notification.objects.filter(title__contains="条服务纪实待确认")
    assert sorted((n.user.username, n.title) for n in told) == [
        ("community_staff", "安宁社区有 2 条服务纪实待确认"),
        ("staff_b", "北门社区有 1 条服务纪实待确认"),
    ]
    assert reminders.remind_pending(now=monday + dt.timedelta(days=6)) == 0  # the same week
    assert reminders.remind_pending(now=monday + dt.timedelta(days=7)) == 2  # the next
    for r in Record.objects.filter(status="pending"):  # nothing waits any more
        services.record_confirm(record=r, by=rw.staff_b if r.community_id == rw.B.pk else rw.community_staff)
    assert reminders.remind_pending(now=monday + dt.timedelta(days=14)) == 0
