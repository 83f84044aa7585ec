"""Notifications (issue 3 §5): in-app always, email through Django's backend, SMS only logged with the
number masked, dedupe keys, a failing channel loses nothing; the inbox shows only one's own."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from baodao.accounts.models import User
from baodao.notifications import selectors
from baodao.notifications.channels import Channel, SmsChannel
from baodao.notifications.models import Delivery, Notification, TextMessage
from baodao.notifications.services import notifications_mark_read, notify, text_message_send

EMAIL = "baodao.notifications.channels.EmailChannel"
SMS = "baodao.notifications.channels.LoggingSmsChannel"
BROKEN = "baodao.notifications.tests.test_notifications.BrokenChannel"
BROKEN_SMS = "baodao.notifications.tests.test_notifications.BrokenSms"
RECORDING = "baodao.notifications.tests.test_notifications.RecordingChannel"


class BrokenChannel(Channel):
    """A provider that is down."""

    name = "broken"

    def send(self, notification) -> tuple[bool, str] | None:
        raise ConnectionError("网关超时 gateway timeout")


class BrokenSms(SmsChannel):
    name = "broken-sms"

    def deliver(self, mobile: str, text: str) -> tuple[bool, str]:
        raise ConnectionError("短信网关超时")


class RecordingChannel(Channel):
    name = "recording"
    sent: list[int] = []

    def send(self, notification) -> tuple[bool, str] | None:
        self.sent.append(notification.pk)
        return True, "ok"


@pytest.fixture
def channels(settings) -> None:
    settings.NOTIFICATION_CHANNELS = [EMAIL, SMS]


@pytest.fixture
def staff(world: SimpleNamespace) -> User:
    """community_staff has a mobile (13700001111); give him an email too."""
    user = world.community_staff
    user.email = "anning@example.cn"
    user.save(update_fields=["email"])
    return user


def deliveries(n: Notification) -> set[tuple[str, bool, str]]:
    return {(d.channel, d.ok, d.detail) for d in n.deliveries.all()}


# --- the service --------------------------------------------------------------------------------


def test_notify_stores_the_in_app_message(world: SimpleNamespace, channels: None) -> None:
    n = notify(user=world.unit_secretary, title="有党员逾期未报到", body="2 名党员逾期", url="/reporting/ledger/")

    assert n is not None
    assert list(Notification.objects.values_list("user_id", "title", "body", "url", "read_at")) == [
        (world.unit_secretary.pk, "有党员逾期未报到", "2 名党员逾期", "/reporting/ledger/", None)
    ]


def test_notify_sends_email_when_the_user_has_one(staff: User, channels: None) -> None:
    n = notify(user=staff, title="有报到待确认", body="3 名党员待确认", url="/reporting/pending/")

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.subject, sent.to) == ("有报到待确认", ["anning@example.cn"])
    assert "3 名党员待确认" in sent.body and "/reporting/pending/" in sent.body
    assert ("email", True, "sent") in deliveries(n)


def test_notify_sends_no_email_without_an_address(world: SimpleNamespace, channels: None) -> None:
    n = notify(user=world.unit_secretary, title="提醒")

    assert mail.outbox == []
    assert deliveries(n) == set()  # no email, no mobile: in-app only


def test_sms_is_logged_with_the_mobile_masked(staff: User, channels: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    n = notify(user=staff, title="有报到待确认")

    sms = [r for r in caplog.records if r.name == "baodao.notifications"]
    assert [r.getMessage() for r in sms] == ["sms to 137****1111: 【双报到】有报到待确认"]
    assert "13700001111" not in caplog.text
    assert all("13700001111" not in str(r.args) and "13700001111" not in r.getMessage() for r in caplog.records)
    assert ("sms", True, "logged") in deliveries(n)


def test_sms_skipped_without_a_mobile(world: SimpleNamespace, channels: None, caplog) -> None:
    caplog.set_level(logging.INFO, logger="baodao.notifications")

    n = notify(user=world.unit_secretary, title="提醒")

    assert [r for r in caplog.records if r.name == "baodao.notifications"] == []
    assert not n.deliveries.filter(channel="sms").exists()


def test_dedupe_key_makes_the_second_call_a_no_op(staff: User, channels: None) -> None:
    first = notify(user=staff, title="待确认提醒", dedupe_key="pending:A:2026-11-22")
    second = notify(user=staff, title="待确认提醒（重复）", dedupe_key="pending:A:2026-11-22")

    assert first is not None and second is None
    assert list(Notification.objects.values_list("title", flat=True)) == ["待确认提醒"]
    assert len(mail.outbox) == 1
    assert Delivery.objects.count() == 2  # email + sms, once


def test_dedupe_key_is_per_user_and_empty_keys_do_not_dedupe(world: SimpleNamespace, channels: None) -> None:
    notify(user=world.unit_secretary, title="a", dedupe_key="k")
    assert notify(user=world.community_staff, title="a", dedupe_key="k") is not None
    notify(user=world.unit_secretary, title="b")
    notify(user=world.unit_secretary, title="b")

    assert Notification.objects.filter(user=world.unit_secretary).count() == 3
    assert Notification.objects.count() == 4


def test_a_failing_channel_does_not_lose_the_message(staff: User, settings) -> None:
    RecordingChannel.sent = []
    settings.NOTIFICATION_CHANNELS = [BROKEN, EMAIL, RECORDING]

    n = notify(user=staff, title="应急动员", body="今晚7点到社区集合")

    assert n is not None
    assert Notification.objects.filter(pk=n.pk, title="应急动员").exists()
    assert deliveries(n) == {
        ("broken", False, "网关超时 gateway timeout"),
        ("email", True, "sent"),
        ("recording", True, "ok"),
    }
    assert len(mail.outbox) == 1  # the channels after the broken one still ran
    assert RecordingChannel.sent == [n.pk]


def test_only_in_app_when_no_channel_is_configured(staff: User, settings) -> None:
    settings.NOTIFICATION_CHANNELS = []

    n = notify(user=staff, title="仅站内")

    assert Notification.objects.filter(pk=n.pk).exists()
    assert mail.outbox == [] and Delivery.objects.count() == 0


def test_mark_read_touches_only_the_users_own(world: SimpleNamespace, channels: None) -> None:
    a = notify(user=world.unit_secretary, title="a")
    b = notify(user=world.community_staff, title="b")

    assert notifications_mark_read(user=world.unit_secretary, ids=[a.pk, b.pk]) == 1

    a.refresh_from_db(), b.refresh_from_db()
    assert a.read_at is not None and b.read_at is None
    assert (selectors.unread_count(world.unit_secretary), selectors.unread_count(world.community_staff)) == (0, 1)


# --- the inbox ----------------------------------------------------------------------------------


@pytest.fixture
def inbox(world: SimpleNamespace, channels: None) -> SimpleNamespace:
    w = world
    w.mine_1 = notify(user=w.unit_secretary, title="王安华逾期未报到", url="/reporting/ledger/")
    w.mine_2 = notify(user=w.unit_secretary, title="外链消息", url="https://evil.example/phish")
    w.theirs = notify(user=w.community_staff, title="安宁社区有报到待确认", url="/reporting/pending/")
    return w


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_inbox_lists_only_own_messages(inbox: SimpleNamespace) -> None:
    w = inbox

    response = client_for(w.unit_secretary).get(reverse("notifications:inbox"))

    assert response.status_code == 200
    assert {n.pk for n in response.context["page"].object_list} == {w.mine_1.pk, w.mine_2.pk}
    html = response.content.decode()
    assert "王安华逾期未报到" in html and "安宁社区有报到待确认" not in html


def test_inbox_needs_login(db: None, client: Client) -> None:
    response = client.get(reverse("notifications:inbox"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_opening_marks_read_and_redirects_to_the_same_host(inbox: SimpleNamespace) -> None:
    w = inbox

    response = client_for(w.unit_secretary).post(reverse("notifications:open", args=[w.mine_1.pk]))

    assert response.status_code == 302 and response["Location"] == "/reporting/ledger/"
    w.mine_1.refresh_from_db(), w.mine_2.refresh_from_db()
    assert w.mine_1.read_at is not None and w.mine_2.read_at is None


@pytest.mark.parametrize(
    "target", ["https://evil.example/phish", "//evil.example/x", "http://testserver.evil.example/", "javascript:x"]
)
def test_opening_never_redirects_off_site(world: SimpleNamespace, channels: None, target: str) -> None:
    n = notify(user=world.unit_secretary, title="外链", url=target)

    response = client_for(world.unit_secretary).post(reverse("notifications:open", args=[n.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("notifications:inbox")
    n.refresh_from_db()
    assert n.read_at is not None


def test_opening_an_absolute_url_on_the_same_host(world: SimpleNamespace, channels: None) -> None:
    n = notify(user=world.unit_secretary, title="本站", url="http://testserver/reporting/ledger/")

    response = client_for(world.unit_secretary).post(reverse("notifications:open", args=[n.pk]))

    assert response["Location"] == "http://testserver/reporting/ledger/"


def test_opening_without_url_goes_back_to_the_inbox(world: SimpleNamespace, channels: None) -> None:
    n = notify(user=world.unit_secretary, title="无链接")

    response = client_for(world.unit_secretary).post(reverse("notifications:open", args=[n.pk]))

    assert response["Location"] == reverse("notifications:inbox")


def test_opening_someone_elses_message_is_404(inbox: SimpleNamespace) -> None:
    w = inbox

    response = client_for(w.unit_secretary).post(reverse("notifications:open", args=[w.theirs.pk]))

    assert response.status_code == 404
    w.theirs.refresh_from_db()
    assert w.theirs.read_at is None


def test_opening_needs_post(inbox: SimpleNamespace) -> None:
    response = client_for(inbox.unit_secretary).get(reverse("notifications:open", args=[inbox.mine_1.pk]))

    assert response.status_code == 405
    inbox.mine_1.refresh_from_db()
    assert inbox.mine_1.read_at is None


def test_mark_all_read(inbox: SimpleNamespace) -> None:
    w = inbox

    response = client_for(w.unit_secretary).post(reverse("notifications:mark_all_read"))

    assert response.status_code == 302
    assert selectors.unread_count(w.unit_secretary) == 0
    assert selectors.unread_count(w.community_staff) == 1


@pytest.mark.parametrize("page", ["notifications:inbox", "home", "reporting:ledger"])
def test_header_shows_the_unread_count(inbox: SimpleNamespace, page: str) -> None:
    w = inbox
    c = client_for(w.unit_secretary)
    badge = '<span class="tag warn" id="unread-count">{}</span>'

    assert badge.format(2) in c.get(reverse(page)).content.decode()
    c.post(reverse("notifications:open", args=[w.mine_1.pk]))
    assert badge.format(1) in c.get(reverse(page)).content.decode()
    c.post(reverse("notifications:mark_all_read"))
    assert 'id="unread-count"' not in c.get(reverse(page)).content.decode()


def test_header_unread_count_on_the_phone_pages(world: SimpleNamespace, channels: None) -> None:
    w = world
    w.m_u_a.user = w.member_user
    w.m_u_a.save(update_fields=["user"])
    notify(user=w.member_user, title="报到期限将至")

    html = client_for(w.member_user).get(reverse("reporting:my_report")).content.decode()

    assert '<span class="tag warn" id="unread-count">1</span>' in html


# --- text messages to a mobile with no account ----------------------------------------------------


def test_text_message_goes_by_sms_only_masked_in_the_log_and_stored_encrypted(
    db: None, channels: None, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import connection

    with caplog.at_level(logging.INFO, logger="baodao.notifications"):
        msg = text_message_send(mobile="19912345678", text="报到提醒", dedupe_key="k:1")

    assert msg is not None and (msg.ok, msg.detail) == (True, "logged")
    assert [r.getMessage() for r in caplog.records if r.name == "baodao.notifications"] == [
        "sms to 199****5678: 【双报到】报到提醒"
    ]
    assert mail.outbox == []  # no account, no e-mail address: the e-mail channel is not asked
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM notifications_textmessage")
        assert "19912345678" not in cursor.fetchone()[0]


def test_text_message_dedupe_key_per_mobile(db: None, channels: None) -> None:
    assert text_message_send(mobile="19912345678", text="a", dedupe_key="k:1") is not None
    assert text_message_send(mobile="19912345678", text="a", dedupe_key="k:1") is None
    assert text_message_send(mobile="19912345679", text="a", dedupe_key="k:1") is not None
    assert text_message_send(mobile="19912345678", text="a") is not None  # no key: always sent
    assert TextMessage.objects.count() == 3


def test_a_failing_sms_gateway_keeps_the_text_message(db: None, settings) -> None:
    settings.NOTIFICATION_CHANNELS = [BROKEN_SMS, SMS]

    msg = text_message_send(mobile="19912345678", text="报到提醒", dedupe_key="k:1")

    assert (msg.ok, msg.detail) == (True, "broken-sms: 短信网关超时; logged")
