"""Who is behind (the counters against the rules, per role, exact sets) and the reminders: an
activity left open, records waiting for confirmation, and the last quarter's minimums."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.notifications.models import Notification
from baodao.records import reminders, services
from baodao.records.tests.conftest import activity, attended
from baodao.stats import service_reminders

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def hours(w: SimpleNamespace, member: object, user: object, n: int, each: float) -> None:
    """`n` activities attended, `each` hours long, confirmed (what both minimums count)."""
    base = timezone.now() - dt.timedelta(days=30)
    for i in range(n):
        r = attended(w, member, user, base + dt.timedelta(days=i), hours=each)
        services.record_confirm(record=r, by=w.community_staff)


def behind_names(c: Client, query: str = "") -> set[str]:
    response = c.get(reverse("stats:behind") + query)
    assert response.status_code == 200
    return {r.member.name for r, _n, _h in response.context["rows"]}


def test_behind_lists_exact_sets_per_role(rw: SimpleNamespace) -> None:
    hours(rw, rw.m_u_a, rw.member_user, 5, 4)  # 王安华: 5 activities, 20 hours — met
    hours(rw, rw.m_v_a, rw.member_v_user, 5, 3)  # 钱安宁: 15 hours — behind
    assert behind_names(client_for(rw.street_admin)) == {"钱安宁", "李北辰"}
    assert behind_names(client_for(rw.community_staff)) == {"钱安宁"}
    assert behind_names(client_for(rw.staff_b)) == {"李北辰"}
    # the unit secretary of 城建局: its members, wherever reported (李北辰 at 北门社区 next door)
    assert behind_names(client_for(rw.unit_secretary)) == {"李北辰"}
    assert client_for(rw.member_user).get(reverse("stats:behind")).status_code == 403
    assert client_for(rw.staff_b).get(reverse("stats:behind") + f"?place={rw.A.pk}").status_code == 404
    page = client_for(rw.street_admin).get(reverse("stats:behind")).content.decode()
    assert "共 2 人未达标" in page


def test_an_activity_left_open_is_reminded_once(rw: SimpleNamespace) -> None:
    a = activity(rw, start=timezone.now() - dt.timedelta(days=5), hours=2)
    fresh = activity(rw, start=timezone.now() - dt.timedelta(days=1, hours=3), hours=2, title="昨天的")
    now = timezone.now()
    assert reminders.remind_unclosed(now=now) == 1
    assert reminders.remind_unclosed(now=now) == 0
    n = Notification.objects.get(user=rw.community_staff)
    assert "请结束考勤" in n.title and n.url == reverse("records:activity", args=[a.pk])
    services.activity_close(activity=fresh, by=rw.community_staff)


def test_records_waiting_are_told_to_the_community_once_a_week(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(days=2)
    services.record_log(
        member=rw.m_u_a,
        community=rw.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        content="x",
        by=rw.member_user,
    )
    now = timezone.now()
    assert reminders.remind_pending(now=now) == 1
    assert reminders.remind_pending(now=now) == 0
    assert Notification.objects.filter(user=rw.staff_b).count() == 0
    assert "1 条服务纪实待确认" in Notification.objects.get(user=rw.community_staff).title


def test_last_quarter_reminds_members_behind_and_their_units_monthly(rw: SimpleNamespace) -> None:
    hours(rw, rw.m_u_a, rw.member_user, 5, 4)  # met: not reminded
    year = timezone.localdate().year
    assert service_reminders.remind_behind(today=dt.date(year, 9, 30)) == {
        "records_behind_members": 0,
        "records_behind_units": 0,
    }
    got = service_reminders.remind_behind(today=dt.date(year, 10, 8))
    # 钱安宁 has an account and is behind; 李北辰 (no account) counts for 城建局's secretary
    assert got == {"records_behind_members": 1, "records_behind_units": 1}
    body = Notification.objects.get(user=rw.member_v_user).body
    assert "还需 5 次、20 小时" in body
    assert "1 名" in Notification.objects.get(user=rw.unit_secretary).title
    assert service_reminders.remind_behind(today=dt.date(year, 10, 20)) == {
        "records_behind_members": 0,
        "records_behind_units": 0,
    }
    assert not Notification.objects.filter(user=rw.member_user).exists()


def test_recount_records_reports_and_fixes_drift(rw: SimpleNamespace) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from baodao.stats.models import ServiceYear

    hours(rw, rw.m_u_a, rw.member_user, 2, 1)
    ServiceYear.objects.filter(member=rw.m_u_a).update(records=7)  # drift, as a missed signal would leave
    with pytest.raises(CommandError, match="drifted"):
        call_command("recount_records", "--check", stdout=StringIO())
    out = StringIO()
    call_command("recount_records", stdout=out)
    # (records, activities, minutes)
    assert "(7, 2, 120) -> (2, 2, 120)" in out.getvalue() and "drift: 1 counter(s) fixed" in out.getvalue()
    call_command("recount_records", "--check", stdout=StringIO())
    # `recount` (the name) runs every family of counters; a tally's drift is found too.
    from baodao.stats.models import ServiceTally

    ServiceTally.objects.filter(place=rw.A).update(minutes=1)
    out = StringIO()
    with pytest.raises(CommandError, match="recount_records"):
        call_command("recount", "--check", stdout=out)
    assert "recount_needs:" in out.getvalue() and "tally" in out.getvalue()
    call_command("recount", stdout=StringIO())
    call_command("recount", "--check", stdout=StringIO())


def test_behind_count_from_counters_follows_confirmations_and_reports(rw: SimpleNamespace) -> None:
    from baodao.reporting import services as reporting_services
    from baodao.stats import service_counts

    year = timezone.localdate().year

    def both(area: object) -> tuple[int, int]:
        return service_counts.behind_count(area, year), service_counts.behind_reports(area, year).count()  # type: ignore[arg-type]

    assert both(rw.S1) == (3, 3)
    hours(rw, rw.m_u_a, rw.member_user, 5, 4)  # 王安华 crosses the minimums: 安宁社区's met-count moves
    assert both(rw.S1) == (2, 2) and both(rw.A) == (1, 1)
    # his report ends (he retired): he no longer counts for 安宁社区, met or not
    reporting_services.member_set_status(member=rw.m_u_a, status="retired", by=rw.unit_secretary)
    assert both(rw.A) == (1, 1) and both(rw.S1) == (2, 2)
    assert service_counts.recount(fix=False) == []


def test_the_ranking_exists_only_when_switched_on(rw: SimpleNamespace) -> None:
    from decimal import Decimal

    from baodao.directory.services import rule_set

    hours(rw, rw.m_u_a, rw.member_user, 2, 3)
    hours(rw, rw.m_v_a, rw.member_v_user, 1, 1)
    staff = client_for(rw.community_staff)
    assert staff.get(reverse("stats:ranking")).status_code == 404  # off by default
    rule_set(key="points_ranking_enabled", value=Decimal(1), city=None)
    page = staff.get(reverse("stats:ranking"))
    assert page.status_code == 200
    names = [r.member.name for r in page.context["rows"]]
    assert names == ["王安华", "钱安宁"]
