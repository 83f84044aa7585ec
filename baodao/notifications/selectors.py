"""Reads of the inbox: a user's notifications and unread count."""

from __future__ import annotations

from django.db.models import QuerySet

from baodao.notifications.models import Notification


def notifications_for_user(user) -> QuerySet[Notification]:  # noqa: ANN001
    """A user's inbox: only ever their own messages."""
    return Notification.objects.filter(user=user)


def unread_count(user) -> int:  # noqa: ANN001
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
