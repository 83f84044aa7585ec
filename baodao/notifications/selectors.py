"""Reads of the inbox: a user's notifications and unread count."""

from __future__ import annotations

from django.db.models import QuerySet

from baodao.accounts.models import Actor
from baodao.notifications.models import Notification


def notifications_for_user(user: Actor) -> QuerySet[Notification]:
    """A user's inbox: only ever their own messages."""
    return Notification.objects.filter(user=user)


def unread_count(user: Actor) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
