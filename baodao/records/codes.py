"""Rotating check-in codes (DOMAIN.md §5: 'rotating QR codes shown by the organizer, with a short
validity window').

The organizer's phone or a screen shows a QR code of a plain URL,
`/records/scan/<activity>/<in|out>/<slot>/<signature>/`, where `slot` is the current period of
`record_code_seconds` (a rule) and the signature an HMAC of (activity, action, slot) under the
server's key and the activity's own secret. A code is accepted during its period and the one after
it (a member who scanned at the turn of the period is not refused); a photo forwarded later fails,
and so does a code of another activity or action, or a forged one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from baodao.core.rules import get_rule_int
from baodao.directory.selectors import city_of
from baodao.records.models import Activity

ACTIONS = ("in", "out")


def period_seconds(activity: Activity) -> int:

    return max(5, get_rule_int("record_code_seconds", city=city_of(activity.community)))


def _signature(activity: Activity, action: str, slot: int) -> str:
    key = f"{settings.SECRET_KEY}:{activity.secret}".encode()
    msg = f"{activity.pk}:{action}:{slot}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:20]


@dataclass(frozen=True)
class Code:
    action: str
    slot: int
    signature: str
    path: str
    expires_at: dt.datetime  # when the screen must show the next one


def current(activity: Activity, action: str, *, now: dt.datetime | None = None) -> Code:
    if action not in ACTIONS:
        raise ValueError(action)
    now = now or timezone.now()
    period = period_seconds(activity)
    slot = int(now.timestamp()) // period
    sig = _signature(activity, action, slot)
    path = reverse("records:scan", args=[activity.pk, action, slot, sig])
    expires = dt.datetime.fromtimestamp((slot + 1) * period, tz=dt.UTC)
    return Code(action, slot, sig, path, expires)


def is_valid(activity: Activity, action: str, slot: int, signature: str, *, now: dt.datetime | None = None) -> bool:
    """The code was issued for this activity and action, in this period or the one before."""
    if action not in ACTIONS:
        return False
    now = now or timezone.now()
    current_slot = int(now.timestamp()) // period_seconds(activity)
    if slot not in (current_slot, current_slot - 1):
        return False
    return hmac.compare_digest(_signature(activity, action, slot), signature)


def parse(text: str) -> tuple[int, str, int, str] | None:
    """(activity, action, slot, signature) from a scanned code: the URL or its path."""
    parts = [p for p in text.strip().split("?")[0].split("/") if p]
    try:
        i = parts.index("scan")
        pk, action, slot, sig = parts[i + 1 : i + 5]
        return int(pk), action, int(slot), sig
    except (ValueError, IndexError):
        return None
