"""Group-robot webhooks (企业微信 / 钉钉): post a text to a community's group.

Both robots take `{"msgtype": "text", "text": {"content": ...}}` and answer `{"errcode": 0, ...}`
when they accept it; DingTalk's signed robots also need `timestamp` and `sign` (HMAC-SHA256 of
"timestamp\\nsecret", base64) on the URL. Sent with the standard library (a 5-second timeout);
`deliver` makes one attempt and records it; the task (baodao.notifications.tasks) retries with
backoff through Celery when Redis is set, at once when it is not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from baodao.notifications.models import GroupWebhook, WebhookDelivery

TIMEOUT = 5
MAX_ATTEMPTS = 5


def _signed(url: str, secret: str) -> str:
    if not secret:
        return url
    timestamp = str(int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def post(webhook: GroupWebhook, text: str) -> tuple[bool, str]:
    """One POST to the robot: (accepted, what it said)."""
    url = _signed(webhook.url, webhook.secret) if webhook.kind == GroupWebhook.Kind.DINGTALK else webhook.url
    if not url.startswith(("http://", "https://")):
        return False, "地址不是 http(s) 网址"
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = json.loads(response.read(4096).decode() or "{}")
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return False, f"连接失败：{getattr(exc, 'reason', exc)}"[:200]
    except ValueError:
        return False, "返回的不是 JSON"
    if answer.get("errcode", 0) != 0:
        return False, f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:200]
    return True, "ok"


def deliver(delivery_id: int) -> bool | None:
    """One attempt; True sent, False failed for good, None to try again later."""
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().select_related("webhook").filter(pk=delivery_id).first()
        if row is None or row.status != WebhookDelivery.Status.PENDING:
            return True  # sent (or dropped) meanwhile: nothing to do
        WebhookDelivery.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    ok, detail = post(row.webhook, row.text)
    attempts = row.attempts + 1
    if ok:
        WebhookDelivery.objects.filter(pk=row.pk).update(
            status=WebhookDelivery.Status.SENT, sent_at=timezone.now(), last_error=""
        )
        return True
    final = attempts >= MAX_ATTEMPTS
    WebhookDelivery.objects.filter(pk=row.pk).update(
        last_error=detail[:200], status=WebhookDelivery.Status.FAILED if final else WebhookDelivery.Status.PENDING
    )
    return False if final else None


def backoff(attempt: int) -> int:
    """Seconds before the next try: 30 s, 1 min, 2 min, 4 min…"""
    return 30 * 2 ** max(0, attempt - 1)
