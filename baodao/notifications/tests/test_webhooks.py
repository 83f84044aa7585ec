"""Group robots against a real local HTTP server standing in for 企业微信 / 钉钉: the payload and
DingTalk's signature, retries with backoff until accepted, a delivery that keeps failing shown to
staff as failed with the robot's answer, and the community's posts (activities, call-ups)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.notifications.models import GroupWebhook, WebhookDelivery
from baodao.notifications.services import group_post

pytestmark = pytest.mark.django_db


class Robot:
    """A fake group robot: records what it got; answers errcode 0 after `fail_first` failures."""

    def __init__(self) -> None:
        self.got: list[tuple[str, dict]] = []
        self.fail_first = 0
        self.status = 200

    def handler(self) -> type[BaseHTTPRequestHandler]:
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode())
                robot.got.append((self.path, body))
                failing = len(robot.got) <= robot.fail_first
                answer = (
                    {"errcode": 93000, "errmsg": "invalid webhook url"} if failing else {"errcode": 0, "errmsg": "ok"}
                )
                data = json.dumps(answer).encode()
                self.send_response(robot.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def robot() -> Iterator[tuple[Robot, str]]:
    r = Robot()
    server = HTTPServer(("127.0.0.1", 0), r.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield r, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def hook(w: SimpleNamespace, url: str, kind: str = "wecom", secret: str = "") -> GroupWebhook:
    return GroupWebhook.objects.create(
        place=w.A, kind=kind, name="安宁社区党员群", url=url, secret=secret, created_by=w.community_staff
    )


def test_wecom_post_is_delivered(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    r, base = robot
    hook(world, f"{base}/cgi-bin/webhook/send?key=abc")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="【应急动员】人口普查")
    assert r.got == [
        ("/cgi-bin/webhook/send?key=abc", {"msgtype": "text", "text": {"content": "【应急动员】人口普查"}})
    ]
    d = WebhookDelivery.objects.get(pk=pk)
    assert (d.status, d.attempts) == ("sent", 1)


def test_dingtalk_is_signed(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    r, base = robot
    hook(world, f"{base}/robot/send?access_token=t", kind="dingtalk", secret="SECxyz")
    with django_capture_on_commit_callbacks(execute=True):
        group_post(place_id=world.A.pk, text="x")
    path, _body = r.got[0]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    ts = q["timestamp"][0]
    want = base64.b64encode(hmac.new(b"SECxyz", f"{ts}\nSECxyz".encode(), hashlib.sha256).digest()).decode()
    assert q["sign"] == [want] and q["access_token"] == ["t"]


def test_retried_until_accepted(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    r, base = robot
    r.fail_first = 2
    hook(world, f"{base}/send")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="x")
    d = WebhookDelivery.objects.get(pk=pk)
    assert (d.status, d.attempts, len(r.got)) == ("sent", 3, 3)


def test_a_failing_robot_is_shown_failed_to_staff(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    r, base = robot
    r.fail_first = 99
    hook(world, f"{base}/send")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="x")
    d = WebhookDelivery.objects.get(pk=pk)
    assert (d.status, d.attempts) == ("failed", 5)
    assert d.last_error == "errcode 93000: invalid webhook url"
    c = Client()
    c.force_login(world.community_staff)
    page = c.get(reverse("notifications:webhooks")).content.decode()
    assert "发送失败" in page and "invalid webhook url" in page and "/send" not in page.split("deliveries")[0][-2000:]
    # nobody answers at all: a connection error, recorded, never a 500
    GroupWebhook.objects.update(url="http://127.0.0.1:9/none")
    with django_capture_on_commit_callbacks(execute=True):
        (pk2,) = group_post(place_id=world.A.pk, text="y")
    assert WebhookDelivery.objects.get(pk=pk2).last_error.startswith("连接失败")


def test_activities_and_callups_are_posted_to_the_group(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    from baodao.records import services
    from baodao.records.tests.conftest import kind

    r, base = robot
    hook(world, f"{base}/send")
    start = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_create(
            community=world.A,
            place=world.A1,
            kind=kind(),
            title="小区环境清扫",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=20,
            by=world.community_staff,
        )
        services.callup_create(
            community=world.A,
            title="人口普查入户登记",
            address="社区党群服务中心",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            needed=50,
            by=world.community_staff,
        )
    texts = [b["text"]["content"] for _p, b in r.got]
    assert texts[0].startswith("【社区活动】小区环境清扫") and texts[1].startswith("【应急动员】人口普查入户登记")
    # 北门社区 next door has no robot: nothing of 安宁社区's goes anywhere else
    assert WebhookDelivery.objects.count() == 2


def test_webhook_page_for_community_staff_only(world: SimpleNamespace) -> None:
    c = Client()
    c.force_login(world.community_staff)
    bad = c.post(
        reverse("notifications:webhooks"), {"community": world.A.pk, "kind": "wecom", "name": "x", "url": "ftp://x"}
    )
    assert bad.status_code == 422 and "https://" in bad.content.decode()
    ok = c.post(
        reverse("notifications:webhooks"),
        {
            "community": world.A.pk,
            "kind": "wecom",
            "name": "党员群",
            "url": "https://qyapi.example/send?key=SECRETKEY123456",
        },
    )
    assert ok.status_code == 302
    page = c.get(reverse("notifications:webhooks")).content.decode()
    assert "SECRETKEY123456" not in page  # the robot's key is never shown back
    m = Client()
    m.force_login(world.member_user)
    assert m.get(reverse("notifications:webhooks")).status_code == 403
    b = Client()
    b.force_login(world.staff_b)
    assert b.get(reverse("notifications:webhooks") + f"?community={world.A.pk}").status_code == 404


def test_through_a_worker_a_failure_is_retried_after_the_backoff(
    world: SimpleNamespace, robot: tuple[Robot, str]
) -> None:
    """As a worker runs it (not eagerly): one attempt, then `retry` with a 30-second countdown."""
    from celery.exceptions import Retry

    from baodao.notifications.tasks import deliver_webhook

    r, base = robot
    r.fail_first = 1
    hook(world, f"{base}/send")
    (pk,) = group_post(place_id=world.A.pk, text="x")  # not committed: the task is run by hand below
    deliver_webhook.push_request(is_eager=False, retries=0, id="t1", called_directly=False, args=[pk], kwargs={})
    try:
        with pytest.raises(Retry) as caught:
            deliver_webhook.run(pk)
    finally:
        deliver_webhook.pop_request()
    assert caught.value.when == 30
    assert WebhookDelivery.objects.get(pk=pk).attempts >= 1
