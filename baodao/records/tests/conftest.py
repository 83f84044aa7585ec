"""Data for the records tests, on top of the `world` of baodao/conftest.py.

`rw` adds: 王安华 (m_u_a, 城建局) and 钱安宁 (m_v_a, 教育局, an account `member_v_a`) reported to
安宁社区 and confirmed; 李北辰 (m_u_b) reported to 北门社区 next door; the activity type 志愿服务
(seeded). `activity(w, ...)` makes an activity of 安宁社区 by its staff, starting in two hours — or
at `start`, published an hour before it (an activity cannot be published once over, so a test of
what happened at a past activity publishes it in the past).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.conftest import keep, kept
from baodao.directory.models import Category
from baodao.records import services
from baodao.records.models import Activity, Record
from baodao.reporting.tests.conftest import confirmed_report


def kind(name: str = "志愿服务") -> Category:
    return Category.objects.get_or_create(kind=Category.Kind.ACTIVITY_TYPE, name=name)[0]


def activity(
    w: SimpleNamespace,
    *,
    start: dt.datetime | None = None,
    hours: float = 2,
    capacity: int = 10,
    **kw: object,
) -> Activity:
    start = start or timezone.now() + dt.timedelta(hours=2)
    return services.activity_create(
        community=kw.pop("community", w.A),
        place=kw.pop("place", w.A1),
        kind=kind(),
        title=kw.pop("title", "安一小区环境清扫"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        capacity=capacity,
        by=kw.pop("by", w.community_staff),
        now=kw.pop("now", start - dt.timedelta(hours=1)),
        **kw,
    )


def attended(w: SimpleNamespace, member: object, user: object, start: dt.datetime, hours: float = 2) -> Record:
    """`member` attended a past activity of 安宁社区 from its start to its end, checked in and out by
    the code: the pending record of it (an activity attended, once confirmed)."""
    a = activity(w, start=start, hours=hours, title=f"活动 {start:%m-%d %H:%M}")
    services.checkin_scanned(activity=a, member=member, by=user, now=start)  # type: ignore[arg-type]
    return services.checkout_scanned(activity=a, member=member, by=user, now=a.ends_at)  # type: ignore[arg-type]


@keep("rw")
def build_rw(w: SimpleNamespace) -> SimpleNamespace:
    w.report_u_a = confirmed_report(w.m_u_a, w.community_staff)
    w.report_v_a = confirmed_report(w.m_v_a, w.community_staff)
    w.report_u_b = confirmed_report(w.m_u_b, w.staff_b)
    w.member_v_user = account_services.user_create(
        username="member_v_a",
        password=w.password,
        display_name="钱安宁",
        roles=[{"role": Role.MEMBER, "member": w.m_v_a}],
    )
    return w


@pytest.fixture
def rw(world: SimpleNamespace) -> SimpleNamespace:
    return kept("rw", world)
