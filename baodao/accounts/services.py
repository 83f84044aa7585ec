"""Writes of accounts: users, API tokens, security events and audit pruning; the client address behind proxies."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import ApiToken, RoleAssignment, SecurityEvent, User
from baodao.accounts.signals import password_set
from baodao.accounts.usercache import forget_user
from baodao.core import crypto
from baodao.core.rules import MIN_AUDIT_RETENTION_DAYS, get_rule_int, rule_values_everywhere

API_TOKEN_DAYS = 30


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind PROXY_COUNT reverse proxies that append to X-Forwarded-For
    (README's nginx: `$proxy_add_x_forwarded_for`, PROXY_COUNT=1) it is the entry the nearest of
    them wrote; what a client puts in the header itself is never believed."""
    if request is None:
        return None
    proxies = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def security_event_record(
    *,
    kind: str,
    user: User | None = None,
    username: str = "",
    ip: str | None = None,
    what: str = "",
    row_count: int | None = None,
) -> SecurityEvent:
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username or (user.username if user else ""),
        ip_address=ip,
        what=what[:200],
        row_count=row_count,
    )


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    display_name: str = "",
    mobile: str = "",
    roles: list[dict] | tuple = (),
    validate: bool = True,
) -> User:
    """Create a user with role assignments, e.g. roles=[{"role": "unit_secretary", "unit": u}]."""
    user = User(username=username, display_name=display_name, mobile=mobile)
    user.mobile_hash = crypto.lookup_hash(mobile) or None
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    for r in roles:
        RoleAssignment.objects.create(user=user, **r)
    return user


# Easy to read out over the phone: no 0/O, 1/l/I.
_LOWER, _UPPER, _DIGITS = "abcdefghjkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789"


def temporary_password(user: User | None = None) -> str:
    """A random password that passes every validator, in three groups of four (e.g. "hK7m-Qr3x-9tWe")."""
    alphabet = _LOWER + _UPPER + _DIGITS
    while True:
        chars = [secrets.choice(alphabet) for _ in range(12)]
        password = "-".join("".join(chars[i : i + 4]) for i in (0, 4, 8))
        if all(any(c in cls for c in password) for cls in (_LOWER, _UPPER, _DIGITS)):
            try:
                validate_password(password, user)
            except ValidationError:
                continue
            return password


def _password_store(*, user: User, password: str, must_change: bool) -> None:
    """The new password, and every way in that the old one opened closes: the other sessions (their
    session hash no longer matches, Django's get_user logs them out) and every API token."""
    user.set_password(password)
    user.must_change_password = must_change
    user.save(update_fields=["password", "must_change_password"])
    ApiToken.objects.filter(user=user).delete()
    forget_user(user.pk)  # the cached user row (accounts.middleware) holds the old hash


@transaction.atomic
def password_change(*, user: User, new_password: str, ip: str | None = None) -> User:
    """The user's own new password (validated by the form: the old one checked, the rules applied)."""
    validate_password(new_password, user)
    _password_store(user=user, password=new_password, must_change=False)
    security_event_record(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user, ip=ip)
    transaction.on_commit(lambda: password_set.send(sender=User, user=user, by=user, reset=False))
    return user


@transaction.atomic
def password_reset(*, user: User, by: User, ip: str | None = None) -> str:
    """An admin gives the user a temporary password, to be changed at the next login; returns it
    (shown once to the admin, never stored in clear nor logged). The user is told in the inbox."""
    password = temporary_password(user)
    _password_store(user=user, password=password, must_change=True)
    security_event_record(
        kind=SecurityEvent.Kind.PASSWORD_RESET,
        user=by,
        ip=ip,
        what=str(_("重置 %(username)s 的密码") % {"username": user.username}),
    )
    transaction.on_commit(lambda: password_set.send(sender=User, user=user, by=by, reset=True))
    return password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_issue(*, user: User, ip: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, key_hash=_token_hash(token), expires_at=timezone.now() + dt.timedelta(days=API_TOKEN_DAYS)
    )
    security_event_record(kind=SecurityEvent.Kind.API_TOKEN, user=user, ip=ip)
    return token


def api_token_user(token: str) -> User | None:
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(token), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def audit_retention_days() -> int:
    """The longest retention any city, or the deployment, asks for; never below the 180-day floor.

    Audit entries are not filed per city (an actor may act across cities, a failed login may name no
    account), so pruning can only honour every city's rule by keeping what the longest one keeps.
    """
    days = [MIN_AUDIT_RETENTION_DAYS, get_rule_int("audit_retention_days")]
    days += [math.ceil(v) for v in rule_values_everywhere("audit_retention_days")]
    return max(days)


@transaction.atomic
def audit_prune(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete audit entries older than the longest retention rule — never any younger than 180 days."""
    from auditlog.models import LogEntry

    days = audit_retention_days()
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    security, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    changes, _ = LogEntry.objects.filter(timestamp__lt=cutoff).delete()
    return {"security_events": security, "changes": changes, "days": days}
