"""Group-robot messages through the run's real Celery worker (tests/worker.py), to a real local HTTP
server standing in for the robot, followed on the robots page as community staff see it.

The delivery row is the record and the broker's message only a nudge: a message taken by a worker
that is then killed (SIGKILL, in the middle of the post), or lost by Redis, is sent by a worker's
sweep once the row has been due for a while (in the tests: a second, see tests/worker.py).
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from http.server import HTTPServer
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.directory.tests.test_import import w as w  # a small world: community A and its staff
from baodao.notifications.models import GroupWebhook, WebhookDelivery
from baodao.notifications.tests.test_webhooks import Robot
from tests.worker import Worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # the worker reads committed rows only


@pytest.fixture
def robot() -> Iterator[tuple[Robot, str]]:
    import threading

    r = Robot()
    r.hold_seconds = 120.0  # a held post waits for the test, however slow the machine
    server = HTTPServer(("127.0.0.1", 0), r.handler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield r, f"http://127.0.0.1:{server.server_address[1]}"
    r.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def staff(w: SimpleNamespace) -> Client:
    c = Client()
    c.force_login(w.staff_a)
    return c


def robot_of(w: SimpleNamespace, url: str) -> GroupWebhook:
    return GroupWebhook.objects.create(place=w.A, kind="wecom", name="安宁社区党员群", url=url, created_by=w.staff_a)


def shown_status(staff: Client, delivery: WebhookDelivery) -> str:
    """The delivery's status cell on the robots page."""
    page = staff.get(reverse("notifications:webhooks")).content.decode()
    row = re.search(rf'<tr data-delivery="{delivery.pk}">(.*?)</tr>', page, re.S)
    assert row, page
    return re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)[3]


def test_a_test_message_goes_through_the_worker_and_the_page_shows_it_delivered(
    w: SimpleNamespace, staff: Client, robot: tuple[Robot, str], celery_worker: Worker
) -> None:
    r, base = robot
    hook = robot_of(w, f"{base}/cgi-bin/webhook/send?key=k")

    response = staff.post(reverse("notifications:webhook_test", args=[hook.pk]))

    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get()
    wait_for(lambda: shown_status(staff, delivery) == "已送达", "the page to show the message delivered", celery_worker)
    assert [(path, body["text"]["content"]) for path, body in r.got] == [
        ("/cgi-bin/webhook/send?key=k", "【双报到】群机器人测试消息")
    ]


@pytest.mark.worker_process
def test_a_message_taken_by_a_killed_worker_is_sent_by_the_next_one(
    w: SimpleNamespace, staff: Client, robot: tuple[Robot, str], celery_worker: Worker
) -> None:
    """SIGKILL while the worker waits for the robot's answer: the message it had taken is not lost
    with it. The row says 发送中 meanwhile; the worker started next sends it again from the
    database once the dead worker's hold on it has passed, and the page says 已送达."""
    r, base = robot
    r.hold = True  # the first post is held until the test lets go: the worker is in the middle of it
    hook = robot_of(w, f"{base}/send")

    staff.post(reverse("notifications:webhook_test", args=[hook.pk]))
    wait_for(lambda: len(r.got) == 1, "the worker to post", celery_worker)
    celery_worker.signal(signal.SIGKILL, group=True)
    assert celery_worker.wait_exit() == -signal.SIGKILL
    r.hold = False
    r.release.set()
    delivery = WebhookDelivery.objects.get()
    assert shown_status(staff, delivery) == "发送中"

    celery_worker.ensure_running()  # a new worker (systemd's restart)

    wait_for(lambda: shown_status(staff, delivery) == "已送达", "the message to be sent again", celery_worker)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(r.got)) == ("sent", 2, 2)


@pytest.mark.worker_process
def test_a_message_the_broker_lost_is_sent_by_the_sweep(
    w: SimpleNamespace, staff: Client, robot: tuple[Robot, str], celery_worker: Worker
) -> None:
    """A delivery row with no message anywhere (Redis restarted without it, or was down when it was
    made): a worker's sweep finds it due in the database and sends it."""
    r, base = robot
    hook = robot_of(w, f"{base}/send")
    delivery = WebhookDelivery.objects.create(webhook=hook, text="【应急动员】今晚八点集合")  # no message queued

    wait_for(lambda: shown_status(staff, delivery) == "已送达", "the sweep to send it", celery_worker)
    assert [body["text"]["content"] for _path, body in r.got] == ["【应急动员】今晚八点集合"]


def test_a_failed_post_is_retried_by_the_worker_and_the_page_shows_the_summary(
    w: SimpleNamespace, staff: Client, robot: tuple[Robot, str], celery_worker: Worker
) -> None:
    """The robot refuses the first post: the page shows 发送中 with the robot's code until the retry."""
    r, base = robot
    r.fail_first = 1
    hook = robot_of(w, f"{base}/send")

    staff.post(reverse("notifications:webhook_test", args=[hook.pk]))

    delivery = WebhookDelivery.objects.get()
    wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).attempts == 1, "the first attempt", celery_worker)
    page = staff.get(reverse("notifications:webhooks")).content.decode()
    assert "errcode 93000" in page and shown_status(staff, delivery) == "发送中"
