"""Login by username or mobile, and the one place that turns what was typed into an account.

django-axes (lockout), the failed-login audit and the backend all call `login_identity`, so the
lockout counts per account whichever identifier is typed, and a typed mobile or ID number is never
stored in clear outside the encrypted columns (axes tables, SecurityEvent.username).
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from baodao.accounts.models import User
from baodao.core import crypto
from baodao.core.privacy import mask_id_number, mask_mobile
from baodao.core.validators import MOBILE_RE, printable, text_error

# A run of digits this long may be a mobile or an ID number: never stored as typed.
_DIGIT_RUN = re.compile(r"\d{7,}")
_CACHE_ATTR = "_baodao_login_identity"
# Set on a request whose credentials this backend accepted (accounts.middleware.LoginAttemptMiddleware
# counts every other login request as a failure).
AUTHENTICATED_ATTR = "_baodao_authenticated"


def _lookup(typed: str) -> User | None:
    User = get_user_model()
    user = User.objects.filter(username=typed).first()
    if user is None and MOBILE_RE.match(typed.strip()):
        user = User.objects.filter(mobile_hash=crypto.lookup_hash(typed.strip())).first()
    return user


def safe_login_label(typed: str) -> str:
    """What to store for a typed identifier that matches no account: masked if it may be personal data."""
    value = typed.strip()
    if not _DIGIT_RUN.search(value):
        return value[:150]
    if MOBILE_RE.match(value) or len(value) <= 11:
        return mask_mobile(value)
    return mask_id_number(value)[:150]


def login_identity(request: HttpRequest | None, typed: object) -> tuple[User | None, str]:
    """(the account a typed username or mobile names, or None; the label safe to store for it).

    The label is the account's username when there is one, otherwise `safe_login_label`. The answer
    is kept on the request: axes asks several times while handling one login.
    """
    typed = "" if typed is None else str(typed)
    if text_error(typed, "") is not None:
        # No account has such a name, and the database would refuse to look for it (a NUL byte).
        typed = printable(typed, 150)
    cache = getattr(request, _CACHE_ATTR, None) if request is not None else None
    if cache is not None and typed in cache:
        return cache[typed]
    user = _lookup(typed) if typed else None
    answer = (user, user.get_username() if user is not None else safe_login_label(typed))
    if request is not None:
        if cache is None:
            cache = {}
            setattr(request, _CACHE_ATTR, cache)
        cache[typed] = answer
    return answer


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the account's username, so a lockout holds for username and mobile alike."""
    if credentials:
        typed = credentials.get("username")
    elif request is not None:
        typed = getattr(request, "data", request.POST).get("username")
    else:
        typed = None
    return login_identity(request, typed)[1]


class UsernameOrMobileBackend(ModelBackend):
    """Log in with the username, or with the mobile number (looked up by its keyed hash)."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: object
    ) -> User | None:
        if username is None or password is None:
            return None
        user = login_identity(request, username)[0]
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if request is not None:
                setattr(request, AUTHENTICATED_ATTR, True)
            return user
        return None
