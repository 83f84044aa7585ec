"""Outside channels for notifications. In-app is always on (the Notification row itself).

Settings: NOTIFICATION_CHANNELS lists dotted paths of channel classes. SMS has an interface and a
logging implementation only: plug a provider by writing a class with the same `send` method.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from baodao.core.privacy import mask_mobile
from baodao.notifications.models import Notification

log = logging.getLogger("baodao.notifications")
# The signed token of a certificate's register link (reporting:register) opens that member's page.
LINK_TOKEN = re.compile(r"(/reporting/r/)[^\s/]+")


class Channel:
    name = "base"

    def send(self, notification: Notification) -> tuple[bool, str] | None:
        """Send; return (ok, detail) or None when the user cannot be reached on this channel."""
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def send(self, notification: Notification) -> tuple[bool, str] | None:
        email = notification.user.email
        if not email:
            return None
        body = notification.body + (f"\n\n{notification.url}" if notification.url else "")
        send_mail(notification.title, body, settings.DEFAULT_FROM_EMAIL, [email])
        return True, "sent"


class SmsChannel(Channel):
    """Interface for an SMS gateway: subclass and implement `deliver(mobile, text)`."""

    name = "sms"
    SIGNATURE = "【双报到】"

    def send(self, notification: Notification) -> tuple[bool, str] | None:
        mobile = notification.user.mobile
        if not mobile:
            return None
        return self.send_text(mobile, notification.title)

    def send_text(self, mobile: str, text: str) -> tuple[bool, str]:
        """Send `text` (signed) to a mobile, with or without a user account behind it."""
        return self.deliver(mobile, f"{self.SIGNATURE}{text}")

    def deliver(self, mobile: str, text: str) -> tuple[bool, str]:
        raise NotImplementedError


class LoggingSmsChannel(SmsChannel):
    """No SMS provider here: log the message with the number masked (never the full number)."""

    def deliver(self, mobile: str, text: str) -> tuple[bool, str]:
        log.info("sms to %s: %s", mask_mobile(mobile), LINK_TOKEN.sub(r"\1…", text))
        return True, "logged"


def sms_channels() -> list[SmsChannel]:
    """The configured channels that can text a bare mobile number."""
    return [c for c in configured_channels() if isinstance(c, SmsChannel)]


def configured_channels() -> list[Channel]:
    paths = getattr(
        settings,
        "NOTIFICATION_CHANNELS",
        ["baodao.notifications.channels.EmailChannel", "baodao.notifications.channels.LoggingSmsChannel"],
    )
    return [import_string(p)() for p in paths]
