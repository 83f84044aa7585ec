"""Reads of the inbox (a user's notifications and unread count) and of a community's group robots."""

from __future__ import annotations

from django.db.models import QuerySet

from baodao.accounts.models import Actor
from baodao.directory.models import Place
from baodao.notifications import webhooks
from baodao.notifications.models import GroupWebhook, Notification, WebhookDelivery


def notifications_for_user(user: Actor) -> QuerySet[Notification]:
    """A user's inbox: only ever their own messages."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def webhooks_of(places: QuerySet[Place]) -> QuerySet[GroupWebhook]:
    """The group robots of the communities given (those the staff member manages)."""
    return GroupWebhook.objects.filter(place__in=places)


def robots_page(community: Place) -> list[GroupWebhook]:
    """The community's robots, each with its address shown as its host only (`shown_url`) and why
    the rules refuse it now (`refused`: stored before the rule, or the allow-list changed)."""
    hooks = list(GroupWebhook.objects.filter(place=community).order_by("id"))
    for h in hooks:
        h.shown_url = webhooks.masked(h.url)  # type: ignore[attr-defined]
        try:
            webhooks.check_url(h.url, h.kind)
            h.refused = ""  # type: ignore[attr-defined]
        except webhooks.WebhookRefused as exc:
            h.refused = str(exc)  # type: ignore[attr-defined]
    return hooks


def deliveries_of(community: Place) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(webhook__place=community).select_related("webhook")


def unread_count(user: Actor) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
