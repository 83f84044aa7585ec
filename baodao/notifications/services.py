from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from baodao.directory.homecache import bump_users
from baodao.notifications.channels import configured_channels
from baodao.notifications.models import Delivery, Notification


def notify(*, user, title: str, body: str = "", url: str = "", dedupe_key: str = "") -> Notification | None:  # noqa: ANN001
    """Store an in-app message and push it to the outside channels.

    Returns None (and sends nothing) when a message with the same dedupe_key already went to the user.
    """
    if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            n = Notification.objects.create(user=user, title=title, body=body, url=url, dedupe_key=dedupe_key)
    except IntegrityError:  # a concurrent run stored it first
        return None
    for channel in configured_channels():
        try:
            result = channel.send(n)
        except Exception as exc:  # noqa: BLE001 - a channel failure must not lose the in-app message
            Delivery.objects.create(notification=n, channel=channel.name, ok=False, detail=str(exc)[:200])
            continue
        if result is not None:
            Delivery.objects.create(notification=n, channel=channel.name, ok=result[0], detail=result[1][:200])
    return n


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:  # noqa: ANN001
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    n = qs.update(read_at=timezone.now())
    if n:
        bump_users([user.pk])  # update() sends no signal; the unread count is in the page header
    return n
