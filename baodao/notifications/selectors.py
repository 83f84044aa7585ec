"""Reads of the inbox: a user's notifications and unread count."""

from __future__ import annotations

from django.db.models import QuerySet

from baodao.accounts.models import Actor
from baodao.notifications.models import Notification


def notifications_for_user(user: Actor) -> QuerySet[Notification]:
    """A user's inbox: only ever their own messages."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def unread_count(user: Actor) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
