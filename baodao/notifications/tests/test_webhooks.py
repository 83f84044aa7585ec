"""Group robots against a real local HTTP server standing in for 企业微信 / 钉钉 / 飞书: the payload and
the signatures, retries with backoff until accepted, a delivery that keeps failing shown to staff as
failed with a short summary, and the community's posts (activities, call-ups).

And where a robot may not reach: only the platforms' hosts (or the allow-list, which admits the
local server on 127.0.0.1 in the test settings only) on save and again at delivery, no internal
address, no redirect followed, no raw answer shown, the read timeout kept, the web request never
waiting for a robot, the test button trying the one robot it stands beside, the address shown as
its host only."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import ipaddress
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu import pools as kombu_pools

from baodao.notifications import webhooks
from baodao.notifications.models import GroupWebhook, WebhookDelivery
from baodao.notifications.services import group_post, webhook_create
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

OK = {"errcode": 0, "errmsg": "ok"}


class Robot:
    """A fake group robot: records what it got; answers errcode 0 after `fail_first` failures.
    `hold` makes it wait (for the test to release it, at most `hold_seconds`) before answering;
    `reply` replaces the answer with (status, headers, body)."""

    def __init__(self) -> None:
        self.got: list[tuple[str, dict]] = []
        self.gets: list[str] = []
        self.hosts: list[str] = []
        self.fail_first = 0
        self.status = 200
        self.reply: tuple[int, dict[str, str], bytes] | None = None
        self.hold = False
        self.hold_seconds = 3.0
        self.release = threading.Event()
        self.answered = threading.Event()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode())
                robot.got.append((self.path, body))
                robot.hosts.append(self.headers["Host"])
                if robot.hold:
                    robot.release.wait(robot.hold_seconds)
                failing = len(robot.got) <= robot.fail_first
                answer = {"errcode": 93000, "errmsg": "invalid webhook url"} if failing else OK
                status, headers, data = robot.reply or (
                    robot.status,
                    {"Content-Type": "application/json"},
                    json.dumps(answer).encode(),
                )
                self._answer(status, headers, data)

            def do_GET(self) -> None:  # only a followed redirect would come here
                robot.gets.append(self.path)
                self._answer(200, {"Content-Type": "application/json"}, json.dumps(OK).encode())

            def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (the timeout test)
                robot.answered.set()

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def robot() -> Iterator[tuple[Robot, str]]:
    r = Robot()
    server = HTTPServer(("127.0.0.1", 0), r.handler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield r, f"http://127.0.0.1:{server.server_address[1]}"
    r.release.set()
    server.shutdown()
    server.server_close()


def hook(
    w: SimpleNamespace, url: str, kind: str = "wecom", secret: str = "", name: str = "安宁社区党员群"
) -> GroupWebhook:
    """A robot row as stored (no check: rows from before the rule exist too)."""
    return GroupWebhook.objects.create(
        place=w.A, kind=kind, name=name, url=url, secret=secret, created_by=w.community_staff
    )


def retry_due_now() -> None:
    """The backoff has passed: what `deliver_webhooks` would find due a minute later."""
    WebhookDelivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    call_command("deliver_webhooks", stdout=io.StringIO())


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, str]) -> list[str]:
    """DNS is the outside world: these host names resolve to the given addresses; asked names are listed."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def staff(w: SimpleNamespace) -> Client:
    c = Client()
    c.force_login(w.community_staff)
    return c


# --- what is sent ---------------------------------------------------------------------------------


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


def test_feishu_is_posted_in_its_own_shape_and_signed(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    r, base = robot
    r.reply = (200, {"Content-Type": "application/json"}, b'{"code":0,"msg":"success","data":{}}')
    hook(world, f"{base}/open-apis/bot/v2/hook/tok", kind="feishu", secret="fsSecret")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="【社区活动】清扫")
    ((path, body),) = r.got
    ts = body["timestamp"]
    want = base64.b64encode(hmac.new(f"{ts}\nfsSecret".encode(), b"", hashlib.sha256).digest()).decode()
    assert path == "/open-apis/bot/v2/hook/tok"
    assert body == {"msg_type": "text", "content": {"text": "【社区活动】清扫"}, "timestamp": ts, "sign": want}
    assert WebhookDelivery.objects.get(pk=pk).status == "sent"


def test_retried_with_backoff_until_accepted(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    r, base = robot
    r.fail_first = 2
    hook(world, f"{base}/send")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="x")
    d = WebhookDelivery.objects.get(pk=pk)
    # one attempt; the next is due after the first backoff, and nothing is sent before then
    assert (d.status, d.attempts) == ("pending", 1)
    assert 25 <= (d.next_attempt_at - timezone.now()).total_seconds() <= 30
    call_command("deliver_webhooks", stdout=io.StringIO())
    assert len(r.got) == 1
    retry_due_now()
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("pending", 2)
    assert 55 <= (d.next_attempt_at - timezone.now()).total_seconds() <= 60  # doubled
    retry_due_now()
    d.refresh_from_db()
    assert (d.status, d.attempts, len(r.got)) == ("sent", 3, 3)


def test_a_failing_robot_is_shown_failed_to_staff(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    r, base = robot
    r.fail_first = 99
    hook(world, f"{base}/send")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="x")
    for _ in range(10):
        retry_due_now()
    d = WebhookDelivery.objects.get(pk=pk)
    assert (d.status, d.attempts, len(r.got)) == ("failed", 5, 5)
    assert d.last_error == "errcode 93000: invalid webhook url"
    page = staff(world).get(reverse("notifications:webhooks")).content.decode()
    assert "发送失败" in page and "invalid webhook url" in page


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
    c = staff(world)
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
            "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY123456",
        },
    )
    assert ok.status_code == 302
    assert GroupWebhook.objects.get(place=world.A, name="党员群").created_by == world.community_staff
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
    # The retry is sent to the broker: on pools of its own, whatever an earlier test of this process
    # (the embedded worker's shutdown, a broker switched away and back) closed.
    kombu_pools.reset()
    celery_app._after_fork()
    (pk,) = group_post(place_id=world.A.pk, text="x")  # not committed: the task is run by hand below
    deliver_webhook.push_request(is_eager=False, retries=0, id="t1", called_directly=False, args=[pk], kwargs={})
    try:
        with pytest.raises(Retry) as caught:
            deliver_webhook.run(pk)
    finally:
        deliver_webhook.pop_request()
    assert caught.value.when == 30
    assert WebhookDelivery.objects.get(pk=pk).attempts == 1
    assert len(r.got) == 1


# --- where a robot may point ----------------------------------------------------------------------

REFUSED_ON_SAVE = [
    # internal and odd addresses
    ("wecom", "https://10.0.0.1/cgi-bin/webhook/send?key=k"),
    ("wecom", "https://169.254.169.254/latest/meta-data/"),
    ("wecom", "https://127.0.0.1/send"),  # the test allow-list admits http://127.0.0.1 only
    ("wecom", "http://127.0.0.2:8080/send"),
    ("wecom", "https://[::1]/send"),
    ("wecom", "https://localhost/send"),
    ("wecom", "https://0x7f000001/send"),
    ("wecom", "https://2130706433/send"),
    ("wecom", "https://intranet.example.gov.cn/admin"),
    # look-alikes of the platforms' hosts
    ("wecom", "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=k"),
    ("wecom", "https://qyapi.weixin.qq.com@10.0.0.1/cgi-bin/webhook/send?key=k"),
    ("wecom", "https://evil.example/qyapi.weixin.qq.com/cgi-bin/webhook/send"),
    ("wecom", "https://evil.example\\@qyapi.weixin.qq.com/"),
    # the right host, the wrong way
    ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
    ("wecom", "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=k"),
    ("dingtalk", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
    ("wecom", "https://oapi.dingtalk.com/robot/send?access_token=t"),
    ("feishu", "gopher://open.feishu.cn/open-apis/bot/v2/hook/t"),
    ("feishu", "file:///etc/passwd"),
]


@pytest.mark.parametrize(("kind", "url"), REFUSED_ON_SAVE)
def test_a_robot_outside_the_platforms_is_refused_on_save(world: SimpleNamespace, kind: str, url: str) -> None:
    response = staff(world).post(
        reverse("notifications:webhooks"), {"community": world.A.pk, "kind": kind, "name": "群", "url": url}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert any(
        m in page
        for m in ("只能填写企业微信", "https:// 开头", "不能指定端口", "请把类型选为", "用户名或密码", "特殊字符")
    )
    with pytest.raises(ValidationError):  # the service refuses it too, whoever calls it
        webhook_create(place=world.A, kind=kind, name="群", url=url, by=world.community_staff)
    assert not GroupWebhook.objects.exists()


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/t"),
        ("feishu", "https://open.larksuite.com/open-apis/bot/v2/hook/t"),
        ("wecom", "HTTPS://QYAPI.WEIXIN.QQ.COM:443/cgi-bin/webhook/send?key=k"),
    ],
)
def test_the_platforms_robots_are_accepted(world: SimpleNamespace, kind: str, url: str) -> None:
    response = staff(world).post(
        reverse("notifications:webhooks"), {"community": world.A.pk, "kind": kind, "name": "群", "url": url}
    )
    assert response.status_code == 302
    assert GroupWebhook.objects.get().kind == kind


def test_the_allow_list_admits_an_intranet_gateway(
    world: SimpleNamespace,
    robot: tuple[Robot, str],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
) -> None:
    """A gateway named in WEBHOOK_ALLOWED_HOSTS may resolve to an internal address; the name the
    robot was saved with is what the request carries."""
    r, base = robot
    port = base.rsplit(":", 1)[1]
    settings.WEBHOOK_ALLOWED_HOSTS = [f"http://gw.intranet.example:{port}"]
    fake_dns(monkeypatch, {"gw.intranet.example": "127.0.0.1"})
    url = f"http://gw.intranet.example:{port}/wecom/send?key=k"
    c = staff(world)
    assert (
        c.post(
            reverse("notifications:webhooks"), {"community": world.A.pk, "kind": "wecom", "name": "群", "url": url}
        ).status_code
        == 302
    )
    other_port = f"http://gw.intranet.example:{int(port) + 1}/send"
    assert (
        c.post(
            reverse("notifications:webhooks"),
            {"community": world.A.pk, "kind": "wecom", "name": "群", "url": other_port},
        ).status_code
        == 422
    )
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="x")
    assert WebhookDelivery.objects.get(pk=pk).status == "sent"
    assert r.hosts == [f"gw.intranet.example:{port}"] and r.got[0][0] == "/wecom/send?key=k"


def test_a_stored_robot_outside_the_allow_list_is_not_posted_to(
    world: SimpleNamespace, robot: tuple[Robot, str], settings: Any, django_capture_on_commit_callbacks
) -> None:
    """A row saved before the rule (or before the allow-list changed) is checked again at delivery."""
    r, base = robot
    hook(world, f"{base}/send")
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="x")
    retry_due_now()
    d = WebhookDelivery.objects.get(pk=pk)
    assert r.got == []
    assert (d.status, d.attempts) == ("failed", 1)  # refused for good: no retries
    assert d.last_error.startswith("未发送：只能填写企业微信")
    page = staff(world).get(reverse("notifications:webhooks")).content.decode()
    assert "地址不在允许范围，不会发送" in page


def test_a_platform_host_resolving_inside_is_not_posted_to(
    world: SimpleNamespace,
    robot: tuple[Robot, str],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
) -> None:
    """DNS that now answers with a loopback, private or link-local address: refused at delivery."""
    r, _base = robot
    hook(world, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    hook(world, "https://oapi.dingtalk.com/robot/send?access_token=t", kind="dingtalk")
    hook(world, "https://open.feishu.cn/open-apis/bot/v2/hook/t", kind="feishu")
    asked = fake_dns(
        monkeypatch,
        {"qyapi.weixin.qq.com": "127.0.0.1", "oapi.dingtalk.com": "10.1.2.3", "open.feishu.cn": "169.254.169.254"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        ids = group_post(place_id=world.A.pk, text="x")
    assert sorted(asked) == ["oapi.dingtalk.com", "open.feishu.cn", "qyapi.weixin.qq.com"]
    rows = WebhookDelivery.objects.filter(pk__in=ids)
    assert {(d.status, d.last_error) for d in rows} == {("failed", "未发送：地址解析到内网或本机，已拒绝发送")}
    assert r.got == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False), ("10.0.0.1", False), ("172.16.5.4", False), ("192.168.1.1", False),
        ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
        ("::1", False), ("fe80::1", False), ("fc00::1", False), ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False), ("64:ff9b::a00:1", False), ("2002:7f00:1::", False),
        ("101.91.22.57", True), ("2408:8000::1", True),
    ],
)  # fmt: skip
def test_only_public_addresses_count_as_outside(address: str, public: bool) -> None:
    assert webhooks._is_public(ipaddress.ip_address(address)) is public


# --- what comes back ------------------------------------------------------------------------------


def test_a_redirect_is_not_followed(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    r, base = robot
    r.reply = (302, {"Location": f"{base}/elsewhere"}, b"")
    hook(world, f"{base}/send")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="x")
    d = WebhookDelivery.objects.get(pk=pk)
    assert r.gets == [] and len(r.got) == 1
    assert d.status == "pending" and d.last_error == "HTTP 302：平台要求跳转，未跟随"


@pytest.mark.parametrize(
    ("status", "body", "shown"),
    [
        # JSON whose code is not a number: nothing of it is shown
        (200, json.dumps({"errcode": "root:x:0:0:SECRET-LINE", "errmsg": "x"}), "应答无法识别"),
        (200, json.dumps({"errcode": {"SECRET-LINE": 1}}), "应答无法识别"),
        (200, json.dumps(["SECRET-LINE"]), "应答无法识别"),
        # an error message: printable, cut short
        (
            200,
            json.dumps({"errcode": 45009, "errmsg": "api freq out of limit\n\x1b[31m" + "y" * 300 + "SECRET-LINE"}),
            "errcode 45009: api freq out of limit [31m" + "y" * 33 + "…",
        ),
        # not JSON at all (an internal page): the status only
        (200, b"<html><title>SECRET-LINE admin</title></html>", "应答不是 JSON"),
        (500, b"<html>SECRET-LINE stack trace</html>", "HTTP 500"),
        (403, json.dumps({"errcode": 40001, "errmsg": "bad key"}), "HTTP 403；errcode 40001: bad key"),
    ],
)
def test_the_robots_answer_is_never_shown_as_it_came(
    world: SimpleNamespace,
    robot: tuple[Robot, str],
    django_capture_on_commit_callbacks,
    status: int,
    body: str | bytes,
    shown: str,
) -> None:
    r, base = robot
    r.reply = (status, {"Content-Type": "text/html"}, body if isinstance(body, bytes) else body.encode())
    hook(world, f"{base}/send")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="x")
    assert WebhookDelivery.objects.get(pk=pk).last_error == shown
    page = staff(world).get(reverse("notifications:webhooks")).content.decode()
    assert "SECRET-LINE" not in page


def test_a_closed_port_is_a_plain_connection_failure(
    world: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    """Not the system's error text, which tells a refused port from a silent one."""
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook(world, f"http://127.0.0.1:{port}/none")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="y")
    assert WebhookDelivery.objects.get(pk=pk).last_error == "连接失败"


def test_the_read_timeout_is_kept(
    world: SimpleNamespace, robot: tuple[Robot, str], settings: Any, django_capture_on_commit_callbacks
) -> None:
    """A robot slower than WEBHOOK_READ_TIMEOUT is given up on (and tried again later)."""
    r, base = robot
    settings.WEBHOOK_READ_TIMEOUT = 0.3
    r.hold = True  # answers errcode 0 — after the client has stopped waiting
    hook(world, f"{base}/send")
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = group_post(place_id=world.A.pk, text="x")
    d = WebhookDelivery.objects.get(pk=pk)
    assert not r.answered.is_set()
    r.release.set()
    assert (d.status, d.attempts, d.last_error) == ("pending", 1, "等待应答超时")


def test_the_connect_timeout_is_kept(world: SimpleNamespace, settings: Any, django_capture_on_commit_callbacks) -> None:
    """A robot that never completes the connection (its listen queue is full: the kernel drops the
    SYN) is given up on after WEBHOOK_CONNECT_TIMEOUT."""
    settings.WEBHOOK_CONNECT_TIMEOUT = 0.3
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        try:
            for f in fillers:
                f.setblocking(False)
                f.connect_ex(("127.0.0.1", port))
            hook(world, f"http://127.0.0.1:{port}/send")
            with django_capture_on_commit_callbacks(execute=True):
                (pk,) = group_post(place_id=world.A.pk, text="x")
        finally:
            for f in fillers:
                f.close()
    d = WebhookDelivery.objects.get(pk=pk)
    assert (d.status, d.attempts, d.last_error) == ("pending", 1, "连接超时")


def self_signed(directory: Any) -> tuple[str, str]:
    """A certificate for 127.0.0.1 that no system trusts, and its key: (cert path, key path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "robot.crt", directory / "robot.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def test_https_checks_the_robots_certificate(
    world: SimpleNamespace,
    settings: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
) -> None:
    """Over https the robot's certificate must be one the system trusts, for the host in the URL."""
    import ssl

    cert, key = self_signed(tmp_path)
    r = Robot()
    server = HTTPServer(("127.0.0.1", 0), r.handler())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        settings.WEBHOOK_ALLOWED_HOSTS = ["https://127.0.0.1:*"]
        hook(world, f"https://127.0.0.1:{server.server_address[1]}/send")
        with django_capture_on_commit_callbacks(execute=True):
            (pk,) = group_post(place_id=world.A.pk, text="x")
        d = WebhookDelivery.objects.get(pk=pk)
        assert (d.status, d.last_error, r.got) == ("pending", "证书校验失败", [])
        monkeypatch.setenv("SSL_CERT_FILE", cert)  # now the system trusts it
        retry_due_now()
        d.refresh_from_db()
        assert d.status == "sent" and r.got[0][0] == "/send"
    finally:
        server.shutdown()
        server.server_close()


# --- the page -------------------------------------------------------------------------------------


def test_the_test_button_tries_the_one_robot_beside_it(
    world: SimpleNamespace, robot: tuple[Robot, str], django_capture_on_commit_callbacks
) -> None:
    r, base = robot
    one = hook(world, f"{base}/one", name="党员群")
    hook(world, f"{base}/two", name="志愿者群")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff(world).post(reverse("notifications:webhook_test", args=[one.pk]))
    assert response.status_code == 302
    assert [p for p, _b in r.got] == ["/one"]
    assert list(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [one.pk]


def test_the_address_is_shown_as_its_host_only(world: SimpleNamespace) -> None:
    hook(world, "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789", kind="dingtalk")
    hook(world, "https://open.feishu.cn/open-apis/bot/v2/hook/t0k", kind="feishu")
    page = staff(world).get(reverse("notifications:webhooks")).content.decode()
    assert "https://oapi.dingtalk.com/…" in page and "https://open.feishu.cn/…" in page
    for fragment in ("robot/send", "access_token", "open-apis", "t0k", "abcdef"):
        assert fragment not in page
    assert webhooks.masked("http://127.0.0.1:8080/send?key=k") == "http://127.0.0.1:8080/…"
    assert webhooks.masked("not a url") == "…"


# --- never inside the web request -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the delivery thread has its own connection: committed rows only
def test_the_request_does_not_wait_for_a_slow_robot(
    world: SimpleNamespace, robot: tuple[Robot, str], settings: Any
) -> None:
    """No Redis (eager tasks), the default thread on: the test button answers while the robot is
    still holding the delivery; the thread then retries with backoff until the robot accepts."""
    r, base = robot
    settings.WEBHOOK_RUN_IN_THREAD = True
    settings.WEBHOOK_RETRY_SECONDS = 0.05
    r.hold, r.fail_first = True, 1
    one = hook(world, f"{base}/send")
    response = staff(world).post(reverse("notifications:webhook_test", args=[one.pk]))
    assert response.status_code == 302
    assert not r.answered.is_set()  # the page came back before the robot answered
    (thread,) = [t for t in threading.enumerate() if t.name == webhooks.THREAD_NAME]
    assert thread is not threading.current_thread()
    r.release.set()
    thread.join(timeout=30)
    assert not thread.is_alive()  # nothing pending: the thread has stopped
    d = WebhookDelivery.objects.get()
    assert (d.status, d.attempts, len(r.got)) == ("sent", 2, 2)
