"""Daily reminders: the right people, nobody next door, nothing twice a day, rules not literals."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.accounts.models import Role, User
from baodao.directory.services import place_create, rule_set
from baodao.notifications.models import Notification, TextMessage
from baodao.reporting import reminders, services
from baodao.reporting.models import Certificate, MemberReport
from baodao.reporting.reminders import send_reminders
from baodao.reporting.tests.conftest import link_member_user, new_member, submit


@pytest.fixture(autouse=True)
def only_reporting(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests count 双报到's own reminders; the apps above register theirs (tested there)."""
    monkeypatch.setattr(reminders, "DAILY", [])


TODAY = dt.date(2025, 5, 10)


def _user(username: str, **role: object) -> User:
    return account_services.user_create(
        username=username, password="Shuang#Bao2024", display_name=username, roles=[role] if role else []
    )


def _cert(w: SimpleNamespace, member, deadline: dt.date) -> Certificate:
    cert = services.certificate_issue(member=member, by=w.unit_secretary)
    Certificate.objects.filter(pk=cert.pk).update(deadline=deadline)
    return cert


def _age(report: MemberReport, days: int) -> None:
    submitted = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(15, 0)))
    MemberReport.objects.filter(pk=report.pk).update(submitted_at=submitted)


@pytest.fixture
def due(world: SimpleNamespace) -> SimpleNamespace:
    """Certificates and pending reports around TODAY (rules at their defaults: warn 3 days before
    the deadline, remind staff of reports waiting more than 3 days).

        m_u_a (U, account)     deadline TODAY+2   -> approaching
        m_u_b (U, account)     deadline TODAY-1   -> overdue
        m_v_b (V, account)     deadline TODAY+10  -> nothing yet
        m_w_f (W, no account)  deadline TODAY-5   -> overdue: one SMS to the roster mobile, W's secretary told
        m_v_a pending in A for 5 days             -> A's staff told
        m_w_e pending in E for 1 day              -> E's staff not yet
    """
    w = world
    link_member_user(w.m_u_a, w.member_user)
    w.user_u_b = link_member_user(w.m_u_b, _user("member_u_b", role=Role.MEMBER, member=w.m_u_b))
    w.user_v_b = link_member_user(w.m_v_b, _user("member_v_b", role=Role.MEMBER, member=w.m_v_b))
    w.sec_v = _user("sec_v", role=Role.UNIT_SECRETARY, unit=w.V)
    w.sec_w = _user("sec_w", role=Role.UNIT_SECRETARY, unit=w.W)
    w.staff_e = _user("staff_e", role=Role.COMMUNITY_STAFF, place=w.E)

    w.cert_u_a = _cert(w, w.m_u_a, TODAY + dt.timedelta(days=2))
    w.cert_u_b = _cert(w, w.m_u_b, TODAY - dt.timedelta(days=1))
    w.cert_v_b = _cert(w, w.m_v_b, TODAY + dt.timedelta(days=10))
    w.cert_w_f = _cert(w, w.m_w_f, TODAY - dt.timedelta(days=5))
    w.pending_a = submit(w.m_v_a)
    _age(w.pending_a, 5)
    w.pending_e = submit(w.m_w_e)
    _age(w.pending_e, 1)
    assert {w.pending_a.status, w.pending_e.status} == {MemberReport.Status.PENDING}
    return w


def sent() -> set[tuple[str, str]]:
    return set(Notification.objects.values_list("user__username", "title"))


def test_reminders_go_to_the_right_people_only(due: SimpleNamespace) -> None:
    counts = send_reminders(today=TODAY)

    assert sent() == {
        ("member_u_a", "报到提醒：请于5月12日前完成社区报到"),
        ("member_u_b", "报到已逾期"),
        ("unit_secretary", "1名党员报到已逾期"),  # U: m_u_b
        ("sec_w", "1名党员报到已逾期"),  # W: m_w_f, who has no account of his own
        ("community_staff", "1份党员报到待确认"),  # A: m_v_a
    }
    assert counts == {
        "members": 2,
        "members_by_sms": 1,
        "unit_secretaries": 2,
        "unit_approvals": 0,
        "community_staff": 1,
    }
    assert [(m.mobile, m.dedupe_key) for m in TextMessage.objects.all()] == [
        (due.m_w_f.mobile, f"remind:member-sms-overdue:{due.cert_w_f.pk}")
    ]
    staff_msg = Notification.objects.get(user=due.community_staff)
    assert "安宁社区" in staff_msg.body and "超过3天" in staff_msg.body
    assert "BDZ" in Notification.objects.get(user=due.member_user).body


def test_reminders_twice_a_day_send_nothing_new_and_a_new_day_sends_again(due: SimpleNamespace) -> None:
    send_reminders(today=TODAY)
    before = Notification.objects.count()

    assert send_reminders(today=TODAY) == {
        "members": 0,
        "members_by_sms": 0,
        "unit_secretaries": 0,
        "unit_approvals": 0,
        "community_staff": 0,
    }
    assert Notification.objects.count() == before

    tomorrow = TODAY + dt.timedelta(days=1)
    # The overdue member was told once; the secretaries and staff who must act hear daily.
    assert send_reminders(today=tomorrow) == {
        "members": 1,
        "members_by_sms": 0,
        "unit_secretaries": 2,
        "unit_approvals": 0,
        "community_staff": 1,
    }
    assert Notification.objects.filter(user=due.member_user).count() == 2
    assert Notification.objects.filter(user=due.user_u_b).count() == 1
    assert Notification.objects.filter(user=due.unit_secretary).count() == 2


def test_reminders_follow_the_city_rules(due: SimpleNamespace) -> None:
    rule_set(key="report_deadline_warning_days", value=Decimal(1), city=due.C)
    rule_set(key="report_confirm_reminder_days", value=Decimal(7), city=due.C)

    send_reminders(today=TODAY)

    titles = sent()
    assert not any(u == "member_u_a" for u, _ in titles)  # 2 days left, warned 1 day before only
    assert not any(u == "community_staff" for u, _ in titles)  # 5 days waiting, reminded after 7
    # Ten days later m_v_b's deadline (TODAY+10) is inside the 1-day window too.
    send_reminders(today=TODAY + dt.timedelta(days=10))
    assert ("member_v_b", "报到提醒：请于5月20日前完成社区报到") in sent()


def test_reminders_rules_apply_per_city(due: SimpleNamespace) -> None:
    # A second city with a longer warning window: its member is warned, C's are not changed.
    other = place_create(kind="city", code="980100", name="另一市")
    street = place_create(
        kind="street",
        code="980100001",
        name="另街道",
        parent=place_create(kind="district", code="980101", name="另区", parent=other),
    )
    community = place_create(kind="community", code="980100001001", name="另一社区", parent=street)
    compound = place_create(kind="compound", code="980100001001001", name="另一小区", parent=community)
    rule_set(key="report_deadline_warning_days", value=Decimal(15), city=other)
    far = new_member("冯远方", due.V, compound)
    link_member_user(far, _user("member_far", role=Role.MEMBER, member=far))
    _cert(due, far, TODAY + dt.timedelta(days=12))

    send_reminders(today=TODAY)

    members_told = {u for u, _ in sent() if u.startswith("member")}
    assert members_told == {"member_u_a", "member_u_b", "member_far"}


def test_reminders_skip_reported_members_and_revoked_certificates(due: SimpleNamespace) -> None:
    # m_u_a reports with the certificate (now used); m_u_b retires (his certificate is revoked).
    submit(due.m_u_a, certificate=due.cert_u_a)
    services.member_set_status(member=due.m_u_b, status="retired", by=due.unit_secretary)

    send_reminders(today=TODAY)

    assert sent() == {("sec_w", "1名党员报到已逾期"), ("community_staff", "1份党员报到待确认")}


def test_reminders_with_nothing_due_send_nothing(world: SimpleNamespace) -> None:
    assert send_reminders(today=TODAY) == {
        "members": 0,
        "members_by_sms": 0,
        "unit_secretaries": 0,
        "unit_approvals": 0,
        "community_staff": 0,
    }
    assert not Notification.objects.exists() and not TextMessage.objects.exists()


def test_send_reminders_command(due: SimpleNamespace) -> None:
    out = StringIO()
    call_command("send_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert (
        out.getvalue().strip()
        == "2025-05-10: members=2, members_by_sms=1, unit_secretaries=2, unit_approvals=0, community_staff=1"
    )
    out = StringIO()
    call_command("send_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert (
        out.getvalue().strip()
        == "2025-05-10: members=0, members_by_sms=0, unit_secretaries=0, unit_approvals=0, community_staff=0"
    )
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "10/05/2025")


def _own_queries(queries: list[dict]) -> list[str]:
    """The reminder job's own queries: without those of notify() (one message = a few statements)."""
    return [
        q["sql"]
        for q in queries
        if "notifications_" not in q["sql"] and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_reminders_query_count_does_not_grow_with_people(due: SimpleNamespace) -> None:
    cache.clear()  # rule values are cached: both runs start cold
    with CaptureQueriesContext(connection) as few:
        send_reminders(today=TODAY)
    Notification.objects.all().delete()
    TextMessage.objects.all().delete()
    for i in range(3):
        m = new_member(f"新党员{i}", due.U, due.A1)
        link_member_user(m, _user(f"member_new{i}", role=Role.MEMBER, member=m))
        _cert(due, m, TODAY - dt.timedelta(days=i))  # 0: due today; 1, 2: overdue
        _cert(due, new_member(f"无账号{i}", due.U, due.A2), TODAY + dt.timedelta(days=i))  # texted
        _age(submit(new_member(f"新报到{i}", due.V, due.A2)), 4)

    cache.clear()
    with CaptureQueriesContext(connection) as many:
        counts = send_reminders(today=TODAY)

    assert counts == {
        "members": 5,
        "members_by_sms": 4,
        "unit_secretaries": 2,
        "unit_approvals": 0,
        "community_staff": 1,
    }
    assert Notification.objects.get(user=due.unit_secretary).title == "3名党员报到已逾期"
    assert Notification.objects.get(user=due.community_staff).title == "4份党员报到待确认"
    assert len(_own_queries(many.captured_queries)) == len(_own_queries(few.captured_queries))


# --- where each message leads -------------------------------------------------------------------


def test_each_reminder_links_to_the_page_where_its_reader_acts(due: SimpleNamespace) -> None:
    send_reminders(today=TODAY)

    urls = dict(Notification.objects.values_list("user__username", "url"))
    my_report = reverse("reporting:my_report")
    overdue_ledger = f"{reverse('reporting:ledger')}?status=overdue"
    assert urls == {
        "member_u_a": my_report,  # deadline near
        "member_u_b": my_report,  # deadline passed
        "unit_secretary": overdue_ledger,
        "sec_w": overdue_ledger,
        "community_staff": f"{reverse('reporting:pending')}?community={due.A.pk}",
    }


def test_reminder_links_open_the_pages_with_what_to_do(due: SimpleNamespace) -> None:
    send_reminders(today=TODAY)

    def follow(user: User):
        c = Client()
        c.force_login(user)
        response = c.get(Notification.objects.get(user=user).url)
        assert response.status_code == 200
        return response

    member_page = follow(due.member_user)
    token_link = reverse("reporting:register", args=[services.certificate_token(due.cert_u_a)])
    assert token_link in member_page.content.decode()  # the certificate's 去报到 button
    ledger = follow(due.unit_secretary)
    assert due.m_u_b in [r.member for r in ledger.context["rows"]]
    assert {r.status for r in ledger.context["rows"]} == {"overdue"}
    pending = follow(due.community_staff)
    assert (pending.context["community"], [r.pk for r in pending.context["reports"]]) == (due.A, [due.pending_a.pk])


# --- self-reports waiting for the unit's approval -------------------------------------------------


@pytest.fixture
def approvals(world: SimpleNamespace) -> SimpleNamespace:
    """Self-reports to a community other than the roster's: they wait for the unit's approval.

    m_u_b (U) to A, waiting 5 days   -> U's secretary told (rule at its default: more than 3 days)
    m_u_a (U) to B, waiting 4 days   -> counted with the one above
    m_v_b (V) to A, waiting 1 day    -> V's secretary not yet
    m_v_a (V) pending in A, 5 days   -> the community's business, not the unit's
    """
    w = world
    w.sec_v = _user("sec_v", role=Role.UNIT_SECRETARY, unit=w.V)
    w.wait_u_b = submit(w.m_u_b, community=w.A, residence=w.A2)
    _age(w.wait_u_b, 5)
    w.wait_u_a = submit(w.m_u_a, community=w.B, residence=w.B1)
    _age(w.wait_u_a, 4)
    w.wait_v_b = submit(w.m_v_b, community=w.A, residence=w.A2)
    _age(w.wait_v_b, 1)
    assert {w.wait_u_b.status, w.wait_u_a.status, w.wait_v_b.status} == {MemberReport.Status.UNIT_APPROVAL}
    w.pending_v_a = submit(w.m_v_a)
    _age(w.pending_v_a, 5)
    return w


def test_unit_secretaries_are_reminded_of_self_reports_waiting_for_approval(approvals: SimpleNamespace) -> None:
    counts = send_reminders(today=TODAY)

    assert counts["unit_approvals"] == 1
    msg = Notification.objects.get(user=approvals.unit_secretary)
    assert msg.title == "2份自主报到待单位审核"
    assert "城建局有2名党员扫码自主报到已超过3天仍待单位审核" in msg.body
    assert msg.url == f"{reverse('reporting:ledger')}?status=unit_approval"
    assert not Notification.objects.filter(user=approvals.sec_v).exists()
    assert sent() == {("unit_secretary", "2份自主报到待单位审核"), ("community_staff", "1份党员报到待确认")}


def test_unit_approval_reminder_opens_the_ledger_with_the_reports_to_approve(approvals: SimpleNamespace) -> None:
    send_reminders(today=TODAY)
    c = Client()
    c.force_login(approvals.unit_secretary)

    response = c.get(Notification.objects.get(user=approvals.unit_secretary).url)

    assert response.status_code == 200
    assert {r.pk for r in response.context["approvals"]} == {approvals.wait_u_b.pk, approvals.wait_u_a.pk}


def test_unit_approval_reminder_once_a_day(approvals: SimpleNamespace) -> None:
    assert send_reminders(today=TODAY)["unit_approvals"] == 1

    assert send_reminders(today=TODAY)["unit_approvals"] == 0
    assert Notification.objects.filter(user=approvals.unit_secretary).count() == 1

    # U's secretary hears again the next day; V's report (1 day old today) is due 3 days later.
    assert send_reminders(today=TODAY + dt.timedelta(days=1))["unit_approvals"] == 1
    assert send_reminders(today=TODAY + dt.timedelta(days=3))["unit_approvals"] == 2
    assert send_reminders(today=TODAY + dt.timedelta(days=3))["unit_approvals"] == 0
    assert Notification.objects.filter(user=approvals.unit_secretary).count() == 3
    assert Notification.objects.filter(user=approvals.sec_v).count() == 1


def test_unit_approval_reminder_stops_when_the_unit_decides(approvals: SimpleNamespace) -> None:
    w = approvals
    services.member_report_unit_approve(report=w.wait_u_b, by=w.unit_secretary)
    services.member_report_return(report=w.wait_u_a, by=w.unit_secretary, reason="地址不符")

    assert send_reminders(today=TODAY)["unit_approvals"] == 0
    assert not Notification.objects.filter(user=w.unit_secretary).exists()


def test_unit_approval_reminder_follows_the_community_staffs_rule(approvals: SimpleNamespace) -> None:
    rule_set(key="report_confirm_reminder_days", value=Decimal(4), city=approvals.C)

    send_reminders(today=TODAY)

    msg = Notification.objects.get(user=approvals.unit_secretary)
    assert msg.title == "1份自主报到待单位审核"  # 5 days waiting: yes; 4 days: not more than 4
    assert "超过4天" in msg.body


def test_unit_approval_reminder_query_count_does_not_grow(approvals: SimpleNamespace) -> None:
    from baodao.reporting.reminders import remind_unit_approvals

    cache.clear()
    with CaptureQueriesContext(connection) as few:
        remind_unit_approvals(today=TODAY)
    Notification.objects.all().delete()
    for i in range(3):
        _age(
            submit(new_member(f"外报到{i}", approvals.V, approvals.A2), community=approvals.B, residence=approvals.B1),
            6,
        )

    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert remind_unit_approvals(today=TODAY) == 2

    assert Notification.objects.get(user=approvals.sec_v).title == "3份自主报到待单位审核"
    assert len(_own_queries(many.captured_queries)) == len(_own_queries(few.captured_queries))


# --- members without an account: SMS to the roster mobile ---------------------------------------


@pytest.fixture
def unopened(due: SimpleNamespace) -> SimpleNamespace:
    """Two more members who never opened their certificate (no account): 冯未开 (U, lives in A2)
    with a deadline the day after TODAY, and 韩已报 (U) who reported without it (self-report)."""
    w = due
    w.m_new = new_member("冯未开", w.U, w.A2)
    w.cert_new = _cert(w, w.m_new, TODAY + dt.timedelta(days=1))
    w.m_done = new_member("韩已报", w.U, w.A2)
    _cert(w, w.m_done, TODAY + dt.timedelta(days=1))
    submit(w.m_done)
    return w


def texts_to(member) -> list[str]:
    return [m.text for m in TextMessage.objects.filter(mobile_hash=member.mobile_hash).order_by("id")]


def test_member_without_account_gets_one_sms_a_day_with_the_certificate_link(
    unopened: SimpleNamespace, settings, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    w = unopened
    settings.SITE_URL = "https://baodao.example.gov.cn"
    caplog.set_level(logging.INFO, logger="baodao.notifications")

    assert send_reminders(today=TODAY)["members_by_sms"] == 2  # 冯未开 (deadline near), 孙方远 (overdue)
    token = services.certificate_token(w.cert_new)
    assert "/reporting/r/…" in caplog.text and token not in caplog.text  # the log never holds the token
    assert send_reminders(today=TODAY)["members_by_sms"] == 0  # twice a day: nothing twice

    link = reverse("reporting:register", args=[services.certificate_token(w.cert_new)])
    [text] = texts_to(w.m_new)
    assert (
        text
        == f"报到提醒：请于5月11日前到安宁社区完成报到，打开链接开通账号并报到：https://baodao.example.gov.cn{link}"
    )
    # A new day texts again before the deadline; the overdue text went once for good.
    assert send_reminders(today=TODAY + dt.timedelta(days=1))["members_by_sms"] == 1
    assert send_reminders(today=TODAY + dt.timedelta(days=1))["members_by_sms"] == 0
    assert len(texts_to(w.m_new)) == 2
    number = w.cert_w_f.number
    assert texts_to(w.m_w_f) == [
        f"报到已逾期：您的报到证（编号 {number}）报到期限5月5日已过，请联系单位党组织重新申领报到证。"
    ]

    # The link is the certificate's own: it opens the activation page of this member (TODAY is a
    # fixed day in the past; the certificate is moved into the real future to be followed).
    Certificate.objects.filter(pk=w.cert_new.pk).update(deadline=timezone.localdate() + dt.timedelta(days=5))
    page = client.get(link)
    assert page.status_code == 200 and page.context["certificate"] == w.cert_new
    assert "reporting/activate.html" in [t.name for t in page.templates]


def test_no_sms_for_members_who_reported_or_have_an_account(unopened: SimpleNamespace) -> None:
    w = unopened
    submit(w.m_new, certificate=w.cert_new)  # reports after all: the certificate is used

    send_reminders(today=TODAY)

    assert texts_to(w.m_done) == [] and texts_to(w.m_new) == []
    # Members with an account hear in the app (and by SMS through their account), not twice here.
    for m in (w.m_u_a, w.m_u_b, w.m_v_b):
        assert texts_to(m) == []
    assert set(TextMessage.objects.values_list("mobile_hash", flat=True)) == {w.m_w_f.mobile_hash}


def test_sms_to_a_member_without_account_is_logged_with_the_mobile_masked(
    unopened: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    w = unopened
    with caplog.at_level("INFO", logger="baodao.notifications"):
        send_reminders(today=TODAY)

    logged = [r.getMessage() for r in caplog.records if r.name == "baodao.notifications"]
    masked = f"{w.m_new.mobile[:3]}****{w.m_new.mobile[-4:]}"
    assert any(line.startswith(f"sms to {masked}: 【双报到】报到提醒") for line in logged), logged
    assert not any(w.m_new.mobile in line or w.m_w_f.mobile in line for line in logged)
    msg = TextMessage.objects.get(mobile_hash=w.m_new.mobile_hash)
    assert (msg.ok, msg.detail) == (True, "logged")


def test_sms_reminders_without_an_sms_channel_are_kept_and_not_repeated(unopened: SimpleNamespace, settings) -> None:
    settings.NOTIFICATION_CHANNELS = ["baodao.notifications.channels.EmailChannel"]

    assert send_reminders(today=TODAY)["members_by_sms"] == 2
    assert send_reminders(today=TODAY)["members_by_sms"] == 0
    assert set(TextMessage.objects.values_list("ok", flat=True)) == {None}  # nothing went out


def test_unit_secretaries_are_reminded_of_mobile_requests_waiting_for_approval(world: SimpleNamespace) -> None:
    from baodao.reporting import services
    from baodao.reporting.models import MobileChangeRequest

    w = world
    w.sec_v = _user("sec_v", role=Role.UNIT_SECRETARY, unit=w.V)

    def ask(member, days: int) -> None:
        req = services.mobile_change_request_submit(
            id_number=member.id_number, mobile="13912345678", password=w.password, community=w.A
        )
        created = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(15, 0)))
        MobileChangeRequest.objects.filter(pk=req.pk).update(created_at=created)

    ask(w.m_u_b, 5)  # U's secretary is told
    ask(w.m_v_a, 1)  # not yet for V

    counts = send_reminders(today=TODAY)

    assert counts["unit_approvals"] == 1
    msg = Notification.objects.get(user=w.unit_secretary, dedupe_key__startswith="remind:")
    assert msg.title == "1项自主报到事项待单位审核"
    assert "0名党员扫码自主报到、1名党员以新手机号报到的申请已超过3天仍待单位审核" in msg.body
    assert msg.url == reverse("reporting:ledger")
    assert not Notification.objects.filter(user=w.sec_v, dedupe_key__startswith="remind:").exists()
    assert send_reminders(today=TODAY)["unit_approvals"] == 0
