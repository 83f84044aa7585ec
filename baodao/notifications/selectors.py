"""Reads of the inbox (a user's notifications and unread count) and of the group robots' desk."""

from __future__ import annotations

from django.db.models import QuerySet

from baodao.accounts.models import Actor
from baodao.directory import scope
from baodao.directory.models import Place
from baodao.notifications.models import GroupWebhook, Notification


def notifications_for_user(user: Actor) -> QuerySet[Notification]:
    """A user's inbox: only ever their own messages."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def unread_count(user: Actor) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def webhook_communities(user: Actor) -> QuerySet[Place]:
    """The communities whose group robots the user sets up: its staff, or an admin above it."""
    return scope.communities_managed_by(user)


def webhooks_for_user(user: Actor) -> QuerySet[GroupWebhook]:
    """The group robots of the communities the user sets them up for."""
    return GroupWebhook.objects.filter(place__in=webhook_communities(user))
