"""Middleware of accounts: the user row from the cache, idle logout by the city's rule, the forced
password change, auditlog's actor, every login attempt counted."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any, cast

import auditlog.middleware
from auditlog.cid import set_cid
from auditlog.context import _set_extra_data, auditlog_value
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, load_backend, logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_login_failed
from django.core.cache import DEFAULT_CACHE_ALIAS
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db.models.signals import pre_save
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from baodao.accounts.backends import AUTHENTICATED_ATTR
from baodao.accounts.services import client_ip
from baodao.accounts.usercache import user_version_key
from baodao.core import versioned
from baodao.core.hooks import Hook
from baodao.core.rules import get_rule_int

SESSION_KEY = "_last_seen"
CITY_KEY = "_rule_city"
IDLE_KEY = "_idle_limit"  # (rule version, seconds): the idle rule, read again only when rules change
RULE_VERSION_KEY = "rule:version"  # owned by baodao.core.rules
# The public pages (config/urls.py): no login, no session, so that a proxy may cache them.
PUBLIC_PREFIX = "/p/"
USER_SECONDS = 3600

# The pk of the city a user works in, for per-city rules; directory provides it (accounts knows
# users and grants, not the place tree).
home_city_id: Hook[Callable[[Any], int | None]] = Hook("home_city_id")


def is_public(request: HttpRequest) -> bool:
    return request.path_info.startswith(PUBLIC_PREFIX)


def session_city(request: HttpRequest) -> int | None:
    """The city whose rules govern this session, looked up once per session."""
    if CITY_KEY not in request.session:
        request.session[CITY_KEY] = home_city_id.call(request.user)
    return request.session[CITY_KEY]


# --- the logged-in user, from the cache --------------------------------------------------------


def _user_keys(request: HttpRequest, backend_path: str, user_id: object) -> tuple[str, list[str], list[str]]:
    """The cached user row's key, its version key, and the keys prefetched with it (kept on the
    request: `_prefetch_with_session` and `_user_row` ask for the same user)."""
    made = getattr(request, "_user_keys", None)
    if made is None or made[0] != (backend_path, user_id):
        keys = (
            f"authuser:{backend_path}:{user_id}",
            [user_version_key(user_id)],
            [RULE_VERSION_KEY, *versioned.prefetch_keys(request, user_id)],
        )
        made = request._user_keys = ((backend_path, user_id), keys)  # type: ignore[attr-defined]
    return made[1]


def _user_row(request: HttpRequest, backend_path: str, user_id: object) -> AbstractBaseUser | None:
    """backend.get_user(user_id), through a cache entry valid until the user row changes.

    The row is what Django's `get_user` reads on every request; caching it saves the query (and
    the connection health check) on pages that need nothing else from the database. The same
    round trip prefetches what the rest of the request will read from the cache (the rules'
    version for the idle timeout, the cached home page...), and usually the session too (see
    `_prefetch_with_session`): then this makes no round trip of its own.
    """
    entry_key, version_keys, also = _user_keys(request, backend_path, user_id)
    lookup = versioned.Lookup(entry_key, version_keys, request=request, also=also)
    user = cast("AbstractBaseUser | None", lookup.hit())
    if user is None:
        lookup.prepare()
        user = load_backend(backend_path).get_user(user_id)
        if user is not None:
            lookup.store(user, USER_SECONDS)
    return user


# Session cache key -> (backend path, user id) of its last request served by this process.
_session_users: dict[str, tuple[str, object]] = {}
SESSION_USERS_MAX = 20_000  # a few MB at most; the oldest are forgotten first


def _remember_session_user(request: HttpRequest, backend_path: str, user_id: object) -> None:
    key = getattr(request.session, "cache_key_prefix", None)
    if key is None or request.session.session_key is None:
        return
    key += request.session.session_key
    if _session_users.get(key) != (backend_path, user_id):
        if len(_session_users) >= SESSION_USERS_MAX:
            del _session_users[next(iter(_session_users))]
        _session_users[key] = (backend_path, user_id)


def _prefetch_with_session(request: HttpRequest) -> None:
    """Read the session and what `_user_row` will read in one cache round trip instead of two.

    The user's keys depend on the user id that is in the session: it is taken from this process's
    last request with the same session. It is only a guess of which keys to fetch: the session
    read here is used as such (what the cached_db/cache engines' `load()` would have read from the
    cache), and `_user_row` uses the prefetched values only if its keys, made from the user id
    that this session holds, were among them; otherwise it makes its own round trip as before.
    On a live server a round trip costs more than the whole of a cached page's Python.
    """
    session = request.session
    prefix = getattr(session, "cache_key_prefix", None)  # the cache and cached_db engines
    if prefix is None or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS or hasattr(session, "_session_cache"):
        return
    session_key = session.session_key
    seen = session_key and _session_users.get(prefix + session_key)
    if not seen:
        return
    session_cache_key = prefix + session_key
    entry_key, version_keys, also = _user_keys(request, *seen)
    data = versioned.prefetch(request, [session_cache_key, entry_key, *version_keys, *also]).get(session_cache_key)
    if data is not None:
        # as SessionStore.load() on a cache hit; on a miss load() runs
        session._session_cache = data  # type: ignore[attr-defined]


def get_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """django.contrib.auth.get_user with the user row from `_user_row`: the same session checks
    (backend still configured, session hash matches the current password, fallback secret keys),
    and the backend's own rule on inactive users (ModelBackend.get_user returns None for them)."""
    user = None
    try:
        user_id = auth._get_user_session_key(request)  # type: ignore[attr-defined]  # as Django's get_user
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            _remember_session_user(request, backend_path, user_id)
            user = _user_row(request, backend_path, user_id)
            if user is not None:
                session_hash = request.session.get(HASH_SESSION_KEY)
                session_auth_hash = user.get_session_auth_hash()
                verified = bool(session_hash) and constant_time_compare(str(session_hash), session_auth_hash)
                if not verified:
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback)
                        for fallback in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


class CachedUserAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, with the user row from the cache (see `_user_row`).

    On public pages request.user is always anonymous: they never read the session (no
    `Vary: Cookie`, no session cookie), so a proxy may cache them.
    """

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        if is_public(request):
            request.user = AnonymousUser()
            return
        _prefetch_with_session(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))  # type: ignore[assignment]  # as Django's


def _cached_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)  # type: ignore[attr-defined]  # as Django's middleware
    return request._cached_user  # type: ignore[attr-defined]


# --- idle sessions ------------------------------------------------------------------------------


def _idle_limit_seconds(request: HttpRequest) -> int:
    """The session_idle_minutes rule of the session's city, kept in the session with the rules'
    version it was read at: one cache read per request instead of two, and a rule change applies
    to the next request of every session."""
    version = versioned.get_many([RULE_VERSION_KEY], request).get(RULE_VERSION_KEY)
    kept = request.session.get(IDLE_KEY)
    if version is not None and kept and kept[0] == version:
        return kept[1]
    limit = get_rule_int("session_idle_minutes", city=session_city(request)) * 60
    if version is not None:  # kept under the version read *before* the rule: never newer than it
        request.session[IDLE_KEY] = [version, limit]
    return limit


class IdleTimeoutMiddleware:
    """Log out a web session idle for longer than the session_idle_minutes rule (default 30)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_public(request) and request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(SESSION_KEY)
            limit = _idle_limit_seconds(request)
            if last is not None and now - last > limit:
                logout(request)
                messages.info(request, _("长时间未操作，已自动退出，请重新登录"))
                return redirect("accounts:login")
            # Write at most once a minute so not every request touches the session store.
            if last is None or now - last >= 60:
                request.session[SESSION_KEY] = now
        return self.get_response(request)


# --- a password somebody else chose ------------------------------------------------------------

# What a user who must change the password may still open: that page, logging out, and what the
# browser fetches on its own.
PASSWORD_FREE_URLS = ("accounts:password_change", "accounts:logout", "favicon", "healthz")


class PasswordChangeRequiredMiddleware:
    """A user whose password an admin chose (a new account, a reset) changes it before anything
    else: every page sends them to the password change, every API call answers 403 in JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.free: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_public(request) and getattr(request.user, "must_change_password", False):
            if self.free is None:
                self.free = frozenset(reverse(name) for name in PASSWORD_FREE_URLS)
            if request.path_info not in self.free:
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"message": _("请先修改管理员设置的初始或临时密码")}, status=403)
                return redirect("accounts:password_change")
        return self.get_response(request)


# --- the audit log's actor ----------------------------------------------------------------------

_AUDIT_DUID = ("baodao.accounts.middleware.AuditlogMiddleware", 0)


def _connect_audit_receiver() -> None:
    from auditlog import get_logentry_model

    # What auditlog.context.call_context_manager connects for every request, connected once: it acts
    # only while a request of this middleware is the current audit context (same signal_duid).
    pre_save.connect(
        functools.partial(_set_extra_data, signal_duid=_AUDIT_DUID),
        sender=get_logentry_model(),
        dispatch_uid="baodao.accounts.middleware.audit",
        weak=False,
    )


class AuditlogMiddleware(auditlog.middleware.AuditlogMiddleware):
    """auditlog's middleware (the actor, remote address and port, correlation id of every log entry
    written during the request) without connecting and disconnecting a `pre_save` receiver on every
    request — ~0.1 ms, a tenth of a cached member home request. The receiver is connected once and
    finds the request's data in auditlog's context variable, which is reset when the request ends
    (auditlog leaves it set, harmlessly, because it disconnects its receiver instead)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        _connect_audit_receiver()

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        # auditlog believes the first X-Forwarded-For entry, which the client writes itself; the
        # address is the one lockouts and SecurityEvents use (PROXY_COUNT, accounts.services).

        return None if getattr(settings, "AUDITLOG_DISABLE_REMOTE_ADDR", False) else client_ip(request)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        set_cid(request)
        context_data = self.get_extra_data(request)
        context_data["signal_duid"] = _AUDIT_DUID
        token = auditlog_value.set(context_data)
        try:
            return self.get_response(request)
        finally:
            auditlog_value.reset(token)


# --- every login attempt counts ------------------------------------------------------------------

# A username and a password, with room to spare. A larger body is no login: refused unread (and
# counted), so that it is neither hashed as a password nor copied into django-axes' failure log.
LOGIN_BODY_MAX_BYTES = 16 * 1024
USERNAME_MAX = 150


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _form_or_empty(request: HttpRequest) -> QueryDict:
    """request.POST, or an empty form when the body cannot be parsed as one (marked so, as Django's
    own handler does, so that django-axes' failure log reads an empty form instead of raising)."""
    try:
        return request.POST
    except (MultiPartParserError, SuspiciousOperation, BadRequest, UnreadablePostError, ValueError):
        request._mark_post_parse_error()  # type: ignore[attr-defined]
        return request.POST


def _typed_username(request: HttpRequest) -> str:
    """The username a login request names, as far as its body can be read: a form field, or a key
    of a JSON object; "" when it names none."""
    typed: object = _form_or_empty(request).get("username")
    if typed is None:
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError, RawPostDataException, RequestDataTooBig, UnreadablePostError):
            data = None
        typed = data.get("username") if isinstance(data, dict) else None
    if isinstance(typed, bool) or not isinstance(typed, str | int | float):
        return ""
    return str(typed)[:USERNAME_MAX]


def _failure_recorded(request: HttpRequest) -> bool:
    # django-axes marks a request whose failure it recorded (with the count since) or refused as
    # locked out (not recorded again, by design).
    if getattr(request, "axes_locked_out", False):
        return True
    return getattr(request, "axes_failures_since_start", None) is not None


def _record_failure(request: HttpRequest, typed: str) -> None:
    """Count this request as a failed login of the account `typed` names (django-axes, the audit)."""
    _form_or_empty(request)
    user_login_failed.send(sender=__name__, credentials={"username": typed}, request=request)


class LoginAttemptMiddleware:
    """Every POST that reaches a login endpoint (settings.LOGIN_ENDPOINTS: the login page, the API's
    token) either authenticates or counts as a failed login in django-axes — whatever its body.

    A wrong password counts where Django's `authenticate()` fails. A request refused before any
    password is checked — a body that cannot be parsed, a missing field, a failed CSRF check, a NUL
    byte, a body too large — counts here, against the account it names if it names one; so does
    one on which something broke after the password was checked. No shape of request can try a
    password without the try counting towards the lockout.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.paths: frozenset[str] | None = None

    def _is_login(self, request: HttpRequest) -> bool:
        if request.method != "POST":
            return False
        if self.paths is None:
            self.paths = frozenset(reverse(name) for name in settings.LOGIN_ENDPOINTS)
        return request.path in self.paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._is_login(request):
            return self.get_response(request)
        if _content_length(request) > LOGIN_BODY_MAX_BYTES:
            request._mark_post_parse_error()  # type: ignore[attr-defined]  # never read
            _record_failure(request, "")
            raise RequestDataTooBig(_("登录请求内容过大"))  # a 400 (JSON under /api/)
        response = self.get_response(request)
        if not getattr(request, AUTHENTICATED_ATTR, False) and not _failure_recorded(request):
            _record_failure(request, _typed_username(request))
        return response
