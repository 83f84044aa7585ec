"""Redis away: the site answers from the database (issue 20, "Redis stopped for 10 s").

Each test starts a Redis of its own (as scripts/redis.sh does) as the cache, and as the broker where
it says so, and really stops it: SIGTERM (stopped, its data gone) or SIGSTOP (paused: connections
hang, the data is kept for when it comes back). Logged-in pages, login and logout keep working, the
rate limit of the self-report page answers, a job submitted meanwhile is kept (a robot message, sent
by a worker's sweep once the broker is back) or refused in Chinese (a roster import), `/healthz`
says which part is down, and a session ended while Redis was away does not come back with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from kombu import pools as kombu_pools

from baodao.conftest import make_id_number
from baodao.directory.models import ImportJob
from baodao.directory.tests.test_import import member_row, upload, xlsx
from baodao.notifications.models import GroupWebhook, WebhookDelivery
from baodao.notifications.tasks import deliveries_sweep
from config.celery import app as celery_app
from tests.worker import queued, tasks_to

pytestmark = pytest.mark.django_db

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
PAGES = ["home", "notifications:inbox", "directory:member_list", "directory:unit_list", "import:index"]


class RedisServer:
    """A throwaway redis-server on 127.0.0.1 (no persistence), which a test stops and starts again."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [REDIS, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.dir)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.02)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
            self.process.wait()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def redis_cache(world: SimpleNamespace, redis_server: RedisServer, settings: Any) -> RedisServer:
    """The site's cache is this Redis, as in production (the other tests use a local-memory cache)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "baodao.core.redis_cache.ReusedClientRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"retry_seconds": 0.2},
        }
    }
    return redis_server


def log_in(w: SimpleNamespace, user: Any) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": w.password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def health(client: Client) -> tuple[int, dict[str, str]]:
    response = client.get(reverse("healthz"))
    return response.status_code, json.loads(response.content)


class Hung(BaseException):
    pass


def in_time(call: Callable[[], Any], seconds: int = 60) -> Any:
    """`call()`, failing the test (not hanging it) if it waits on Redis for `seconds`: an alarm
    interrupts the blocked read (the request runs in this thread, in the test's transaction)."""

    def expired(signum: int, frame: object) -> None:
        raise Hung  # not an OSError: nothing on the way may take it for a socket's timeout

    before = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        return call()
    except Hung:
        pytest.fail(f"no answer in {seconds} s: waiting on Redis")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def test_redis_stopped_logged_in_pages_login_and_logout_answer_from_the_database(
    world: SimpleNamespace, redis_cache: RedisServer
) -> None:
    staff = log_in(world, world.community_staff)
    member = log_in(world, world.member_user)
    assert member.get(reverse("home")).status_code == 200  # the member's page, now in the cache
    assert health(Client()) == (200, {"status": "ok", "database": "ok", "cache": "ok", "broker": "eager"})

    redis_cache.stop()

    home = member.get(reverse("home"))
    assert home.status_code == 200 and world.m_u_a.name in home.content.decode()
    assert [staff.get(reverse(name)).status_code for name in PAGES] == [200] * len(PAGES)
    newcomer = log_in(world, world.unit_secretary)
    assert newcomer.get(reverse("home")).status_code == 200
    assert staff.post(reverse("accounts:logout")).status_code == 302
    assert staff.get(reverse("home")).status_code == 302  # logged out
    wrong = Client().post(reverse("accounts:login"), {"username": "member_u_a", "password": "wrong-Pass#1"})
    assert wrong.status_code in (200, 422) and "账号或密码错误" in wrong.content.decode()
    # The self-report page's limit on roster checks lives in the cache: it answers, it does not 500.
    data = {"id_number": make_id_number(), "mobile": "19912345678", "password": world.password}
    checked = Client().post(
        reverse("reporting:self_report", args=[world.A.code]), {**data, "password2": data["password"]}
    )
    assert checked.status_code == 422
    assert health(Client()) == (200, {"status": "degraded", "database": "ok", "cache": "down", "broker": "eager"})

    redis_cache.start()  # back, empty

    assert health(Client())[1]["cache"] == "ok"
    assert member.get(reverse("home")).status_code == 200
    assert newcomer.get(reverse("home")).status_code == 200


def test_redis_paused_pages_answer_without_waiting_on_it_each_time(
    world: SimpleNamespace, redis_cache: RedisServer, settings: Any
) -> None:
    """SIGSTOP: Redis takes connections and never answers. Each process finds out once, after a
    short timeout, and then leaves Redis alone for a while instead of waiting on every call."""
    settings.CACHES["default"]["OPTIONS"]["retry_seconds"] = 3600  # one window for the whole test
    member = log_in(world, world.member_user)
    staff = log_in(world, world.community_staff)
    redis_cache.pause()

    statuses = in_time(
        lambda: [member.get(reverse("home")).status_code] + [staff.get(reverse(n)).status_code for n in PAGES]
    )

    assert statuses == [200] * (1 + len(PAGES))
    assert cache._cache.failures == 1  # type: ignore[attr-defined]  # one timeout, then misses at once


def test_a_session_ended_while_redis_was_paused_does_not_come_back_with_it(
    world: SimpleNamespace, redis_cache: RedisServer
) -> None:
    """Redis paused (its data kept), the member logs out: the session's cached copy could not be
    deleted then. When Redis answers again, what could not be written meanwhile is deleted before
    anything is read, so the old cookie does not log the member back in."""
    member = log_in(world, world.member_user)
    cookie = member.cookies["sessionid"].value
    assert member.get(reverse("home")).status_code == 200
    redis_cache.pause()

    assert in_time(lambda: member.post(reverse("accounts:logout")).status_code) == 302

    redis_cache.resume()
    again = Client()
    again.cookies["sessionid"] = cookie
    assert again.get(reverse("home")).status_code == 302  # to the login page
    assert health(again)[1]["cache"] == "ok"
    assert again.get(reverse("home")).status_code == 302


@contextlib.contextmanager
def broker_at(url: str, settings: Any) -> Iterator[None]:
    """Jobs go to the broker at `url` (not eagerly)."""
    conf = celery_app.conf

    def reset() -> None:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
            celery_app._pool = None
        celery_app.amqp._producer_pool = None
        # kombu keeps producer pools in a registry of its own, by broker: the one closed above would
        # be handed out again to the next test that sends a task ("Acquire on closed pool").
        kombu_pools.reset()

    before = conf.broker_url
    settings.CELERY_BROKER_URL = conf.broker_url = url
    reset()
    try:
        with tasks_to("outage-test", settings):
            yield
    finally:
        conf.broker_url = before
        reset()


def test_a_job_submitted_while_the_broker_is_down_is_kept_or_refused_in_chinese(
    world: SimpleNamespace, redis_server: RedisServer, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    """A robot message is kept (its row) and sent once the broker is back, by a worker's sweep; a
    roster import is refused at once with a Chinese reason and its upload deleted (its user is there
    to upload again). Neither request is a 500, and /healthz says the broker is down."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 0
    staff = Client()
    staff.force_login(world.community_staff)
    robot = GroupWebhook.objects.create(
        place=world.A, kind="wecom", name="党员群", url="http://127.0.0.1:9/send", created_by=world.community_staff
    )
    with broker_at(redis_server.url, settings):
        redis_server.stop()

        with django_capture_on_commit_callbacks(execute=True):
            sent = staff.post(reverse("notifications:webhook_test", args=[robot.pk]))
            uploaded = upload(staff, "members", xlsx("members", [member_row(1)]))
        status, parts = health(staff)

        assert sent.status_code == 302 and uploaded.status_code == 302
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending"  # kept
        job = ImportJob.objects.get()
        page = staff.get(uploaded["Location"]).content.decode()
        assert job.status == "failed" and "后台服务暂时不可用" in page and "重新上传" in page
        assert not job.file and not list((tmp_path / "media" / "imports").glob("*"))
        assert (status, parts["broker"], parts["status"]) == (200, "down", "degraded")

        redis_server.start()

        assert health(staff)[1]["broker"] == "ok"
        assert deliveries_sweep() == 1  # what a worker's sweep does every WORKER_SWEEP_SECONDS
        assert queued("outage-test") == 1
