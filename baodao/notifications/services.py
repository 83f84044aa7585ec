"""Writes of the inbox: store a message and push it to the channels, text a mobile, mark read."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from baodao.accounts.models import User
from baodao.core import crypto, jobs
from baodao.directory.models import Place
from baodao.notifications import webhooks
from baodao.notifications.channels import configured_channels, sms_channels
from baodao.notifications.models import Delivery, GroupWebhook, Notification, TextMessage, WebhookDelivery
from baodao.notifications.signals import notifications_read
from baodao.notifications.tasks import deliver_webhook


def notify(*, user: User, title: str, body: str = "", url: str = "", dedupe_key: str = "") -> Notification | None:
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
        except Exception as exc:
            Delivery.objects.create(notification=n, channel=channel.name, ok=False, detail=str(exc)[:200])
            continue
        if result is not None:
            Delivery.objects.create(notification=n, channel=channel.name, ok=result[0], detail=result[1][:200])
    return n


def text_message_send(*, mobile: str, text: str, dedupe_key: str = "") -> TextMessage | None:
    """Text a mobile that has no account behind it, through the SMS channels only.

    Stored (encrypted) first, then sent; returns None (and sends nothing) when a message with the
    same dedupe_key already went to this mobile, as `notify` does for users.
    """
    mobile = mobile.strip()
    mobile_hash = crypto.lookup_hash(mobile)
    if dedupe_key and TextMessage.objects.filter(mobile_hash=mobile_hash, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            message = TextMessage.objects.create(
                mobile=mobile, mobile_hash=mobile_hash, text=text[:300], dedupe_key=dedupe_key
            )
    except IntegrityError:  # a concurrent run stored it first
        return None
    results = []
    for channel in sms_channels():
        try:
            results.append(channel.send_text(mobile, message.text))
        except Exception as exc:
            results.append((False, f"{channel.name}: {exc}"))
    if results:
        message.ok = any(ok for ok, _detail in results)
        message.detail = "; ".join(detail for _ok, detail in results)[:200]
        message.save(update_fields=["ok", "detail"])
    return message


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    n = qs.update(read_at=timezone.now())
    if n:
        # update() sends no post_save; the unread count is in the page header (home.homecache)
        notifications_read.send(sender=Notification, user_ids=[user.pk])
    return n


def group_post(*, place_id: int, text: str) -> list[int]:
    """Post `text` to the group robots of the place (a community): one delivery per active robot,
    sent after the caller's transaction commits (`webhook_deliveries_start`). Returns the deliveries' ids."""
    return _deliveries_create(GroupWebhook.objects.filter(place_id=place_id, is_active=True), text)


def webhook_test_send(*, webhook: GroupWebhook, text: str) -> int:
    """A test message to this one robot (whether or not it is switched on): its delivery's id."""
    (pk,) = _deliveries_create(GroupWebhook.objects.filter(pk=webhook.pk), text)
    return pk


def webhook_create(*, place: Place, kind: str, name: str, url: str, secret: str = "", by: User) -> GroupWebhook:
    """Add a robot to a community. Its URL must pass `webhooks.check_url` (ValidationError with the
    reason otherwise), whichever page or API it comes from."""
    try:
        webhooks.check_url(url, kind)
    except webhooks.WebhookRefused as exc:
        raise ValidationError({"url": str(exc)}) from None
    return GroupWebhook.objects.create(
        place=place, kind=kind, name=name, url=url.strip(), secret=secret.strip(), created_by=by
    )


def _deliveries_create(robots: QuerySet[GroupWebhook], text: str) -> list[int]:
    ids = [WebhookDelivery.objects.create(webhook=w, text=text[:1000]).pk for w in robots.order_by("id")]
    if ids:
        transaction.on_commit(functools.partial(webhook_deliveries_start, ids))
    return ids


def webhook_deliveries_start(ids: list[int]) -> None:
    """Send deliveries, never inside the web request that made them: on a Celery worker with Redis
    (retried there with backoff); without Redis, from this process's delivery thread (retried there
    too, and by the `deliver_webhooks` command). With the thread off (the tests), one attempt now."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        for pk in ids:
            # The broker away: the row stays pending, and a worker's sweep queues it again later.
            if not jobs.enqueue(deliver_webhook, pk):
                break
    elif settings.WEBHOOK_RUN_IN_THREAD:
        webhooks.kick()
    else:
        for pk in ids:
            webhooks.deliver(pk)
