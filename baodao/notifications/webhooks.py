"""Group-robot webhooks (企业微信 / 钉钉 / 飞书): post a text to a community's group.

Where a robot may point. A robot URL is typed by community staff and then POSTed to by the server,
so it is an address inside our network as much as outside it. Only the platforms' own webhook hosts
are accepted (https, port 443, and each only for its own kind of robot); an operator may admit more
hosts in the WEBHOOK_ALLOWED_HOSTS setting (an intranet gateway that forwards to the platforms).
`check_url` says so when the robot is saved, and `post` asks again before every delivery: a row
stored before this rule, or a setting changed since, is never posted to. At delivery the host is
resolved once, every address must be public (not private, loopback, link-local, reserved…) unless
the host is allow-listed by name, and the connection goes to the address that was checked, so a
DNS answer that changes in between cannot redirect it.

What is sent and what is kept. WeCom and DingTalk take `{"msgtype": "text", "text": {"content": ...}}`
and answer `{"errcode": 0, ...}`; Feishu takes `{"msg_type": "text", "content": {"text": ...}}` and
answers `{"code": 0, ...}`. Signed DingTalk robots put `timestamp` and `sign` (HMAC-SHA256 of
"timestamp\\nsecret", base64) on the URL, signed Feishu robots in the body (HMAC-SHA256 keyed with
"timestamp\\nsecret" over nothing). Redirects are never followed (a 3xx is a failed delivery); the
robot's answer is never shown as it came: `summary` keeps the status, and the platform's numeric
code and a short printable message. Connect and read timeouts come from the settings.

When. `deliver` makes one attempt on a delivery it claims (a conditional UPDATE, so two workers never
post the same row at once) and schedules the next one with backoff. Who calls it (services.group_post):
a Celery task with Redis; without Redis, a background thread of this process (`kick`), or the
`deliver_webhooks` command from cron, which also picks up what a restarted process left behind.
Never the web request itself.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.core.transitions import apply_where
from baodao.notifications.models import GroupWebhook, WebhookDelivery
from baodao.notifications.transitions import deliveries

log = logging.getLogger("baodao.notifications")

MAX_ATTEMPTS = 5
ANSWER_BYTES = 4096  # the most of a robot's answer ever read
ANY_PORT = -1

# The platforms' webhook hosts, and the kind of robot each serves.
PLATFORM_HOSTS: dict[str, str] = {
    "qyapi.weixin.qq.com": GroupWebhook.Kind.WECOM,
    "oapi.dingtalk.com": GroupWebhook.Kind.DINGTALK,
    "open.feishu.cn": GroupWebhook.Kind.FEISHU,
    "open.larksuite.com": GroupWebhook.Kind.FEISHU,
}


class WebhookRefused(Exception):
    """A robot URL that may not be posted to; the message is for the person who typed it."""


@dataclasses.dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query
    allow_listed: bool  # named in WEBHOOK_ALLOWED_HOSTS: may resolve to an internal address


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one call of `deliver` left: finished (sent or failed for good), or due again at `retry_at`;
    `attempted`: this call posted (else the row was not due, or another worker holds it)."""

    done: bool
    retry_at: dt.datetime | None = None
    attempted: bool = True


# --- where a robot may point ---------------------------------------------------------------------


def _allowed_entries() -> list[tuple[str, str, int]]:
    """WEBHOOK_ALLOWED_HOSTS as (scheme, host, port): `host`, `host:port`, `http://host:port`;
    port `*` admits any port. Without a scheme an entry admits https only."""
    entries = []
    for raw in getattr(settings, "WEBHOOK_ALLOWED_HOSTS", []):
        entry = raw.strip().lower()
        if not entry:
            continue
        scheme, sep, rest = entry.partition("://")
        if not sep:
            scheme, rest = "https", entry
        rest = rest.rstrip("/")
        any_port = rest.endswith(":*")
        parts = urllib.parse.urlsplit(f"{scheme}://{rest[:-2] if any_port else rest}")
        if parts.hostname is None:
            continue
        try:
            port = ANY_PORT if any_port else (parts.port or (443 if scheme == "https" else 80))
        except ValueError:
            continue
        entries.append((scheme, parts.hostname, port))
    return entries


def _refused_host() -> WebhookRefused:
    return WebhookRefused(
        _(
            "只能填写企业微信（qyapi.weixin.qq.com）、钉钉（oapi.dingtalk.com）或飞书（open.feishu.cn、"
            "open.larksuite.com）群机器人的 https 网址；内网转发网关须由系统管理员加入允许列表后才能填写"
        )
    )


def check_url(url: str, kind: str) -> Target:
    """The robot URL, checked: where it would be posted to, or WebhookRefused saying why not.

    No DNS lookup here (it runs when a robot is saved, inside a web request): the host must be one
    of a fixed few anyway; `post` resolves and checks the addresses before each delivery.
    """
    url = url.strip()
    if not url.isascii() or any(c.isspace() or not c.isprintable() or c == "\\" for c in url):
        raise WebhookRefused(_("网址中不能有空格、中文或特殊字符，请从群机器人设置里原样复制"))
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookRefused(_("请填写群机器人的 Webhook 网址（https:// 开头）")) from None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in ("https", "http") or not host:
        raise WebhookRefused(_("请填写群机器人的 Webhook 网址（https:// 开头）"))
    if "@" in parts.netloc:
        raise WebhookRefused(_("网址中不能含用户名或密码"))
    effective_port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    for e_scheme, e_host, e_port in _allowed_entries():
        if (e_scheme, e_host) == (scheme, host) and e_port in (ANY_PORT, effective_port):
            return Target(scheme, host, effective_port, path, allow_listed=True)
    platform_kind = PLATFORM_HOSTS.get(host)
    if platform_kind is None:
        raise _refused_host()
    if scheme != "https" or effective_port != 443:
        raise WebhookRefused(_("群机器人的网址须以 https:// 开头，且不能指定端口"))
    if platform_kind != kind:
        raise WebhookRefused(
            _("这是%(platform)s的网址，请把类型选为“%(platform)s”")
            % {"platform": GroupWebhook.Kind(platform_kind).label}
        )
    return Target(scheme, host, effective_port, path, allow_listed=False)


def masked(url: str) -> str:
    """The robot's address as staff see it: the host only. The path and query carry its key."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or parts.scheme.lower() not in ("http", "https"):
        return "…"
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{shown}{f':{port}' if port else ''}/…"


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _is_public(embedded)
    return address.is_global and not address.is_multicast


def _resolve(target: Target) -> str:
    """The address to connect to: the first one the host resolves to, after all were checked."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise WebhookRefused(_("域名解析失败")) from None
    addresses = [str(info[4][0]).split("%", 1)[0] for info in infos]
    if not addresses:
        raise WebhookRefused(_("域名解析失败"))
    if not target.allow_listed and not all(_is_public(ipaddress.ip_address(a)) for a in addresses):
        raise WebhookRefused(_("地址解析到内网或本机，已拒绝发送"))
    return addresses[0]


# --- one POST ------------------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, not to whatever the host name resolves to by then."""

    def __init__(self, target: Target, address: str, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=read_timeout)
        self._address, self._connect_timeout, self._read_timeout = address, connect_timeout, read_timeout

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), timeout=self._connect_timeout)
        sock.settimeout(self._read_timeout)
        return sock

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def connect(self) -> None:
        # Certificate and host name checked against the name in the URL, as a browser would.
        self.sock = ssl.create_default_context().wrap_socket(self._open(), server_hostname=self.host)


def _payload(webhook: GroupWebhook, text: str) -> dict[str, object]:
    if webhook.kind == GroupWebhook.Kind.FEISHU:
        body: dict[str, object] = {"msg_type": "text", "content": {"text": text}}
        if webhook.secret:
            timestamp = str(int(time.time()))
            key = f"{timestamp}\n{webhook.secret}".encode()
            body["timestamp"] = timestamp
            body["sign"] = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        return body
    return {"msgtype": "text", "text": {"content": text}}


def _signed_path(path: str, secret: str) -> str:
    """DingTalk's signature on the URL."""
    timestamp = str(int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{path}{'&' if '?' in path else '?'}timestamp={timestamp}&sign={sign}"


def _printable(value: str, limit: int = 60) -> str:
    text = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(status: int, body: bytes) -> tuple[bool, str]:
    """(accepted, what staff are shown) from the robot's answer: the status, and the platform's
    numeric code and a short printable message when it sent JSON — never the body itself."""
    head = "" if 200 <= status < 300 else f"HTTP {status}"
    if 300 <= status < 400:
        return False, _("HTTP %(status)s：平台要求跳转，未跟随") % {"status": status}
    if not body.strip():
        return (not head), head or "ok"
    try:
        answer = json.loads(body.decode("utf-8"))
    except ValueError:
        return False, head or _("应答不是 JSON")
    if not isinstance(answer, dict):
        return False, head or _("应答无法识别")
    code_key = next((k for k in ("errcode", "code", "StatusCode") if k in answer), None)
    code = answer.get(code_key) if code_key else 0
    if isinstance(code, bool) or not isinstance(code, int):
        return False, head or _("应答无法识别")
    if code == 0 and not head:
        return True, "ok"
    message = next((answer[k] for k in ("errmsg", "msg", "StatusMessage") if isinstance(answer.get(k), str)), "")
    said = f"{code_key} {code}" + (f": {_printable(message)}" if message else "") if code_key else ""
    return False, "；".join(p for p in (head, said) if p)


def post(webhook: GroupWebhook, text: str) -> tuple[bool, str, bool]:
    """One POST to the robot: (accepted, summary for staff, final). `final`: trying again will not
    help (the address is refused)."""
    try:
        target = check_url(webhook.url, webhook.kind)
        address = _resolve(target)
    except WebhookRefused as exc:
        return False, _("未发送：%(why)s") % {"why": exc}, True
    path = target.path
    if webhook.kind == GroupWebhook.Kind.DINGTALK and webhook.secret:
        path = _signed_path(path, webhook.secret)
    body = json.dumps(_payload(webhook, text), ensure_ascii=False).encode()
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = cls(target, address, float(settings.WEBHOOK_CONNECT_TIMEOUT), float(settings.WEBHOOK_READ_TIMEOUT))
    try:
        try:
            conn.connect()
        except TimeoutError:
            return False, _("连接超时"), False
        except ssl.SSLCertVerificationError:
            return False, _("证书校验失败"), False
        except OSError:  # refused, unreachable, TLS failed: which one is not for the page
            return False, _("连接失败"), False
        try:
            conn.request(
                "POST",
                path,
                body=body,
                headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "baodao-webhook"},
            )
            response = conn.getresponse()
            answer = response.read(ANSWER_BYTES)
        except TimeoutError:
            return False, _("等待应答超时"), False
        except (OSError, http.client.HTTPException):
            return False, _("应答中断"), False
        ok, said = summary(response.status, answer)
        return ok, said, False
    finally:
        conn.close()


# --- one attempt of a delivery -------------------------------------------------------------------


def backoff(attempt: int) -> float:
    """Seconds before the next try after attempt `attempt`: 30 s, 1 min, 2 min, 4 min…"""
    return float(settings.WEBHOOK_RETRY_SECONDS) * 2 ** max(0, attempt - 1)


def _lease() -> dt.timedelta:
    # A claimed row is due again after this if its worker died mid-post: longer than a post can take.
    return dt.timedelta(seconds=float(settings.WEBHOOK_LEASE_SECONDS))


def deliver(delivery_id: int) -> Outcome:
    """One attempt at a delivery that is due. Not due (or claimed by another worker): nothing is
    sent, and the outcome says when it is due."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + _lease())
    if not claimed:
        row = WebhookDelivery.objects.filter(pk=delivery_id).values("status", "next_attempt_at").first()
        if row is None or row["status"] != WebhookDelivery.Status.PENDING:
            return Outcome(done=True, attempted=False)
        return Outcome(done=False, retry_at=row["next_attempt_at"], attempted=False)
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    ok, detail, final = post(delivery.webhook, delivery.text)
    mine = WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
    if ok:
        apply_where(deliveries, "sent", mine, changes={"sent_at": timezone.now(), "last_error": ""})
        return Outcome(done=True)
    if final or delivery.attempts >= MAX_ATTEMPTS:
        apply_where(deliveries, "give_up", mine, changes={"last_error": detail[:200]})
        return Outcome(done=True)
    retry_at = timezone.now() + dt.timedelta(seconds=backoff(delivery.attempts))
    mine.update(last_error=detail[:200], next_attempt_at=retry_at)
    return Outcome(done=False, retry_at=retry_at)


def deliver_due(limit: int = 100) -> int:
    """One attempt at each delivery that is due (oldest first, at most `limit`); how many were tried."""
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        deliver(pk)
    return len(ids)


def overdue_requeue(enqueue: Callable[[int], bool], limit: int = 500) -> int:
    """Hand again to the workers the deliveries due for longer than WEBHOOK_SWEEP_GRACE_SECONDS:
    no message carries them any more (the worker that held one died, Redis lost it, the broker was
    down when it was made). Each is made due now first, so the next sweep leaves it alone for
    another grace period while its new message waits in the queue. Returns how many were queued."""
    now = timezone.now()
    overdue = now - dt.timedelta(seconds=float(settings.WEBHOOK_SWEEP_GRACE_SECONDS))
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=overdue)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for pk in ids:
        # Unless a worker claimed it meanwhile (its lease moved next_attempt_at on).
        if WebhookDelivery.objects.filter(
            pk=pk, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=overdue
        ).update(next_attempt_at=now):
            if not enqueue(pk):
                break  # the broker is away: the next sweep tries again
            queued += 1
    if queued:
        log.warning("webhook deliveries sent again after their message was lost: %s", queued)
    return queued


def next_due() -> dt.datetime | None:
    """When the earliest pending delivery is due, or None when none is pending."""
    return WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).aggregate(t=Min("next_attempt_at"))[
        "t"
    ]


# --- without Redis: one background thread per process -------------------------------------------

THREAD_NAME = "webhook-deliveries"
MAX_SLEEP = 60.0  # seconds: look again at least this often (a row another process left behind)
_lock = threading.Lock()
_wake = threading.Event()
_thread: threading.Thread | None = None


def kick() -> threading.Thread:
    """Have this process's delivery thread look for due deliveries now (started if not running)."""
    global _thread
    with _lock:
        _wake.set()
        if _thread is None:
            _thread = threading.Thread(target=_run, name=THREAD_NAME, daemon=True)
            _thread.start()
        return _thread


def _run() -> None:
    """Deliver what is due, sleep until the next retry is due, stop when nothing is pending."""
    global _thread
    pause = 1.0  # after an error: 1 s, then doubled up to MAX_SLEEP
    while True:
        _wake.clear()
        due: dt.datetime | None
        try:
            while deliver_due():
                pass
            due = next_due()
            pause = 1.0
        except Exception:  # the loop must outlive a database hiccup (a lock, a restart); rows stay pending
            log.exception("webhook deliveries failed")
            due = timezone.now() + dt.timedelta(seconds=pause)
            pause = min(2 * pause, MAX_SLEEP)
        finally:
            connections.close_all()  # this thread's connections only
        with _lock:
            if due is None and not _wake.is_set():
                _thread = None  # under the lock: a kick from now on starts a new thread
                return
        wait = 0.0 if due is None else (due - timezone.now()).total_seconds()
        _wake.wait(timeout=min(max(wait, 0.0), MAX_SLEEP))
