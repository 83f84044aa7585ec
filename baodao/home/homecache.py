"""A per-user cache of the rendered member home page (issue 2 §4: ≥ 1,000 req/s on 2 cores).

The member home is the page every member opens on their phone. Rendering it costs six queries and a
template; serving it from the cache costs one `get_many` (one Redis round trip): the session, the
user row, the page, the user's version, the global version and the rules' version
(accounts.middleware prefetches them together).

Exact invalidation by versions, never by deleting pages:
- `home:u:<user id>` changes whenever anything of that user's page changes: the user row (name in
  the header, password, active flag), their role assignments, their member row and its skills /
  intentions, its reports and certificates, their notifications (the unread count in the header).
- `home:g` changes when a name shown on every page changes: places, units, party organizations,
  categories, rules.
- `rule:version` is the rules' own version (baodao.core.rules), bumped by every rule change.
A page is stored with the versions read *before* its data was read; it is served only while all
three are unchanged (baodao.core.versioned). It is stored encrypted: it shows the member's own ID
number and mobile in full.

What is never cached: the CSRF token (the page is stored with a placeholder, replaced by this
request's token), django messages (a request with pending messages renders the page normally and
stores nothing), and anything of another user or another language (the key has both).

Writes that bypass model signals (`QuerySet.update()`, raw SQL) must bump by hand, as
`notifications_mark_read` does; PAGE_SECONDS bounds how long a missed bump can show.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Iterable
from typing import Protocol

from django.conf import settings
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.template.loader import get_template, render_to_string
from django.urls import get_resolver
from django.utils.translation import get_language

from baodao.accounts.models import AuthedHttpRequest, RoleAssignment, User
from baodao.accounts.usercache import user_version_key
from baodao.core import versioned
from baodao.directory.models import Category, Member, PartyOrg, Place, Rule, Unit
from baodao.notifications.models import Notification
from baodao.notifications.signals import notifications_read
from baodao.records.models import TeamMember
from baodao.records.signals import record_counted
from baodao.reporting.models import Certificate, MemberReport

PAGE_SECONDS = 300  # a safety net only: every change we know of bumps a version
GLOBAL_KEY = "home:g"
RULE_VERSION_KEY = "rule:version"  # owned by baodao.core.rules (_cache_key / forget_rule)
TEMPLATE = "home/member.html"
# The templates whose text ends up in the cached page: a deploy that changes them starts new keys.
TEMPLATES = (TEMPLATE, "base_mobile.html", "base_staff.html", "base.html", "_user_box.html")

_build: str | None = None


def _csrf_placeholder() -> str:
    # Secret-derived, so no one can type it into a name that is shown on the page.
    return _placeholder_for(settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _placeholder_for(secret_key: str) -> str:
    return hashlib.sha256(f"home-csrf:{secret_key}".encode()).hexdigest()


_CSRF_INDEX = {c: i for i, c in enumerate(CSRF_ALLOWED_CHARS)}
# Random bytes -> allowed characters, uniformly: byte b maps to chars[b % 62] when b < 248 (= 4 * 62);
# the 8 bytes above would favour the first characters, they are dropped.
_CSRF_UNBIASED = 256 - 256 % len(CSRF_ALLOWED_CHARS)
_CSRF_TABLE = bytes(ord(CSRF_ALLOWED_CHARS[b % len(CSRF_ALLOWED_CHARS)]) for b in range(256))
_CSRF_DROP = bytes(range(_CSRF_UNBIASED, 256))


def _random_csrf_chars(count: int) -> str:
    """`count` characters drawn uniformly from CSRF_ALLOWED_CHARS, from the system RNG in one call
    (Django's get_random_string asks it once per character)."""
    out = b""
    while len(out) < count:
        out += os.urandom(count + 8).translate(_CSRF_TABLE, _CSRF_DROP)
    return out[:count].decode()


def _csrf_token(request: HttpRequest) -> str:
    """django.middleware.csrf.get_token: this request's CSRF secret masked with a fresh random mask
    (BREACH), the cookie sent again. The same token format (mask + cipher) that the middleware
    unmasks; only the mask is drawn faster (get_random_string cost ~50 µs, 5% of the request)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request)  # no cookie yet: Django makes one
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_csrf_chars(CSRF_SECRET_LENGTH)
    chars, n, index = CSRF_ALLOWED_CHARS, len(CSRF_ALLOWED_CHARS), _CSRF_INDEX
    return mask + "".join(chars[(index[x] + index[y]) % n] for x, y in zip(secret, mask, strict=True))


def _build_id() -> str:
    """What else than data changes the page: the templates' text and the static files' manifest."""
    global _build
    if _build is None:
        from django.contrib.staticfiles.storage import staticfiles_storage

        h = hashlib.sha256()
        for name in TEMPLATES:
            h.update(get_template(name).template.source.encode())  # type: ignore[attr-defined]  # Django engine's
        h.update(str(getattr(staticfiles_storage, "manifest_hash", "")).encode())
        _build = h.hexdigest()[:12]
    return _build


def user_key(user_id: object) -> str:
    return f"home:u:{user_id}"


def _page_key(user_id: object) -> str:
    return f"home:page:{_build_id()}:{user_id}:{get_language()}"


@functools.lru_cache(maxsize=16)
def _home_path_info(urlconf: str) -> str:
    return "/" + get_resolver(urlconf).reverse("home")  # without the script prefix, like path_info


def _is_home(request: HttpRequest) -> bool:
    # reverse() costs ~40 µs: once per URLconf (a middleware may set request.urlconf, as Django allows).
    return request.path_info == _home_path_info(getattr(request, "urlconf", None) or settings.ROOT_URLCONF)


def _prefetch(request: HttpRequest, user_id: object) -> list[str]:
    """Read with the session and the user row (accounts.middleware), in the same round trip, on the home page."""
    if request.method == "GET" and _is_home(request):
        return [_page_key(user_id), user_key(user_id), GLOBAL_KEY]
    return []


def _cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    storage = getattr(request, "_messages", None)
    # len() loads the pending messages (cookie + session) without marking them as shown.
    return storage is None or len(storage) == 0


def _response(request: HttpRequest, body: str) -> HttpResponse:
    return HttpResponse(body.replace(_csrf_placeholder(), _csrf_token(request)))


def cached_page(request: AuthedHttpRequest) -> HttpResponse | None:
    """The cached member home of request.user when it is still current, else None.

    On a miss, remembers on the request the versions read now, for `render_page` to store with.
    """
    if not _cacheable(request):
        return None
    uid = request.user.pk
    lookup = versioned.Lookup(_page_key(uid), [user_key(uid), GLOBAL_KEY], optional=[RULE_VERSION_KEY], request=request)
    body = lookup.hit()
    if isinstance(body, str):
        return _response(request, body)
    lookup.prepare()
    request._home_lookup = lookup  # type: ignore[attr-defined]
    # The scope may have been computed (and cached on the user) before the versions were read:
    # compute it again, so that a role change committed in between is not stored under them.
    request.user.__dict__.pop("_baodao_scope", None)  # the per-request cache of directory.scope
    return None


def render_page(request: AuthedHttpRequest, context: dict) -> HttpResponse:
    """Render the member home, store it when `cached_page` missed, answer it with this request's token."""
    lookup = getattr(request, "_home_lookup", None)
    if lookup is not None:
        # Same reason for the user row (its name is in the header): read it after the versions.
        request.user.refresh_from_db(fields=["username", "display_name"])
    body = render_to_string(TEMPLATE, {**context, "csrf_token": _csrf_placeholder()}, request)
    if lookup is not None:
        lookup.store(body, PAGE_SECONDS)
    return _response(request, body)


# --- invalidation -------------------------------------------------------------------------------


def bump_users(user_ids: Iterable[int | None]) -> None:
    versioned.bump(user_key(uid) for uid in set(user_ids) if uid is not None)


def bump_global() -> None:
    versioned.bump([GLOBAL_KEY])


def member_user_ids(member_ids: Iterable[int]) -> set[int]:
    """Users whose home shows one of these members: its own user and its role assignments."""

    member_ids = [m for m in member_ids if m is not None]
    if not member_ids:
        return set()
    ids = set(RoleAssignment.objects.filter(member_id__in=member_ids).values_list("user_id", flat=True))
    ids |= set(Member.objects.filter(pk__in=member_ids, user__isnull=False).values_list("user_id", flat=True))
    return ids


class _HasUser(Protocol):
    pk: int
    user_id: int | None


class _HasMember(Protocol):
    member_id: int


def _on_user(sender: type, instance: models.Model, **kwargs: object) -> None:

    # The user row is cached too (password, active flag: see accounts.middleware.get_user).
    versioned.bump([user_key(instance.pk), user_version_key(instance.pk)])


def _on_user_fk(sender: type, instance: _HasUser, **kwargs: object) -> None:
    bump_users([instance.user_id])


def _on_member(sender: type, instance: _HasUser, **kwargs: object) -> None:
    ids = {instance.user_id}
    if kwargs.get("signal") is post_save:  # after a delete the links are gone with the member
        ids |= member_user_ids([instance.pk])
    bump_users(ids)


def _on_member_fk(sender: type, instance: _HasMember, **kwargs: object) -> None:
    bump_users(member_user_ids([instance.member_id]))


def _on_member_categories(
    sender: type, instance: models.Model, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: object
) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        bump_users(member_user_ids([instance.pk]))
    elif pk_set:  # from the category's side: pk_set holds members
        bump_users(member_user_ids(pk_set))
    else:
        bump_global()


def _on_shared(sender: type, instance: object, **kwargs: object) -> None:
    bump_global()


def _on_read(sender: type, user_ids: list[int], **kwargs: object) -> None:
    bump_users(user_ids)


class _HasOptionalMember(Protocol):
    member_id: int | None


def _on_counted(sender: type, record: _HasOptionalMember, **kwargs: object) -> None:
    # The progress bar reads the member's counter, moved by QuerySet.update (no model signal).
    if record.member_id is not None:
        bump_users(member_user_ids([record.member_id]))


def connect_signals() -> None:
    """Called from HomeConfig.ready()."""
    versioned.add_prefetcher(_prefetch)

    uid = "baodao.home.homecache"
    notifications_read.connect(_on_read, dispatch_uid=f"{uid}.notifications_read")
    record_counted.connect(_on_counted, dispatch_uid=f"{uid}.record_counted")
    receivers: list[tuple[type, Callable[..., None]]] = [
        (User, _on_user),
        (RoleAssignment, _on_user_fk),
        (Notification, _on_user_fk),
        (Member, _on_member),
        (MemberReport, _on_member_fk),
        (Certificate, _on_member_fk),
        (TeamMember, _on_member_fk),
        (Place, _on_shared),
        (Unit, _on_shared),
        (PartyOrg, _on_shared),
        (Category, _on_shared),
        (Rule, _on_shared),
    ]
    for model, receiver in receivers:
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}.save.{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}.delete.{model.__name__}")
    for through in (Member.skills.through, Member.intentions.through):
        m2m_changed.connect(_on_member_categories, sender=through, dispatch_uid=f"{uid}.m2m.{through.__name__}")
