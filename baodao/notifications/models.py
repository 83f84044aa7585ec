"""Notifications (the in-app inbox), their deliveries to outside channels, and texts to mobiles without an account."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from baodao.core.fields import EncryptedTextField


class Notification(models.Model):
    """One message to one user. `dedupe_key` makes repeated sends (e.g. a reminder job run twice a
    day) a no-op: the same key for the same user is stored once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe",
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """What each outside channel (email, SMS) was asked to send, for support and audit."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16)
    ok = models.BooleanField(default=True)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.channel} #{self.notification_id}"


class TextMessage(models.Model):
    """A text message to a mobile with no account behind it (e.g. a member on the roster who has
    not opened one yet): there is no inbox to put it in, so it goes out by SMS only. The mobile is
    stored encrypted; `dedupe_key` works as for Notification, per mobile."""

    mobile = EncryptedTextField(_("手机号"))
    mobile_hash = models.CharField(max_length=64, editable=False)
    text = models.CharField(_("内容"), max_length=300)
    dedupe_key = models.CharField(max_length=200, blank=True)
    # What the SMS channels answered; None: no SMS channel is configured, nothing went out.
    ok = models.BooleanField(null=True)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mobile_hash", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="text_message_dedupe",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]
