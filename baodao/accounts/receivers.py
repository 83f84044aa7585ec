"""Login audit (等保 2.0): successful and failed logins, logouts. Passwords are never recorded."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from baodao.accounts.backends import login_identity
from baodao.accounts.models import SecurityEvent, User
from baodao.accounts.services import client_ip, security_event_record


@receiver(user_logged_in)
def on_login(sender: type, request: HttpRequest, user: User, **kwargs: object) -> None:
    security_event_record(kind=SecurityEvent.Kind.LOGIN, user=user, ip=client_ip(request))


@receiver(user_logged_out)
def on_logout(sender: type, request: HttpRequest, user: User | None, **kwargs: object) -> None:
    if user is not None:
        security_event_record(kind=SecurityEvent.Kind.LOGOUT, user=user, ip=client_ip(request))


@receiver(user_login_failed)
def on_login_failed(
    sender: type, credentials: dict[str, object], request: HttpRequest | None = None, **kwargs: object
) -> None:
    # The account the typed username or mobile names (so its city admin sees the failure), and
    # never a typed mobile or ID number in clear.
    user, label = login_identity(request, credentials.get("username"))
    security_event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, user=user, username=label, ip=client_ip(request))
