"""What makes a cached member home request cheap (issue 2 §4) keeps its behaviour: one cache round
trip for the session, the user row and the page; a CSRF token masked afresh for every response;
cache entries encrypted and authenticated."""

from __future__ import annotations

import base64
import re
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token
from django.test import Client, RequestFactory

from baodao.accounts import middleware
from baodao.accounts.models import Role, User
from baodao.core import crypto, versioned
from baodao.home import homecache


def _home(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def member(world: SimpleNamespace, login) -> Client:
    client = login(world.member_user)
    _home(client)  # stores the page, and this process learns the session's user
    return client


def _cache_calls(client: Client) -> list[str]:
    """The cache reads of one home request (LocMemCache.get_many calls get per key: not counted)."""
    calls: list[str] = []
    inside: list[bool] = []
    real_get, real_get_many = LocMemCache.get, LocMemCache.get_many

    def get(self: LocMemCache, key: str, *args: object, **kwargs: object) -> object:
        if not inside:
            calls.append(f"get {key}")
        return real_get(self, key, *args, **kwargs)

    def get_many(self: LocMemCache, keys: list[str], *args: object, **kwargs: object) -> dict:
        calls.append(f"get_many {len(keys)}")
        inside.append(True)
        try:
            return real_get_many(self, keys, *args, **kwargs)
        finally:
            inside.pop()

    with mock.patch.object(LocMemCache, "get", get), mock.patch.object(LocMemCache, "get_many", get_many):
        assert "王安华" in _home(client)
    return calls


def test_a_cached_home_request_reads_the_cache_once(member: Client) -> None:
    assert len(_cache_calls(member)) == 1  # session + user row + versions + page


def test_a_session_of_another_user_than_remembered_reads_its_own_user(world: SimpleNamespace, member: Client) -> None:
    other = User.objects.create_user(username="zhou", password=world.password, display_name="周二号")
    other.role_assignments.create(role=Role.MEMBER, member=world.m_u_a)
    other_client = Client()
    other_client.force_login(other)
    _home(other_client)
    key = member.session.cache_key
    middleware._session_users[key] = (member.session[BACKEND_SESSION_KEY], other.pk)  # a wrong guess

    calls = _cache_calls(member)

    assert len(calls) == 2  # the guess's round trip, then the real user's
    html = _home(member)
    assert "周二号" not in html
    assert middleware._session_users[key][1] == world.member_user.pk


def test_the_remembered_sessions_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(middleware, "_session_users", {})
    monkeypatch.setattr(middleware, "SESSION_USERS_MAX", 3)
    for i in range(5):
        request = SimpleNamespace(session=SimpleNamespace(cache_key_prefix="p", session_key=f"s{i}"))
        middleware._remember_session_user(request, "backend", i)

    assert list(middleware._session_users) == ["ps2", "ps3", "ps4"]


def test_logged_out_session_is_not_served_from_the_prefetch(member: Client) -> None:
    member.post("/accounts/logout/")

    assert member.get("/").status_code == 302


# --- the CSRF token of a cached page ------------------------------------------------------------


def test_csrf_token_is_the_cookie_secret_masked_afresh() -> None:
    request = RequestFactory().get("/")
    secret = "A" * 16 + "z9" * 8
    request.META["CSRF_COOKIE"] = secret

    tokens = {homecache._csrf_token(request) for _ in range(50)}

    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 64 and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the cookie is sent again, as get_token does


def test_csrf_token_without_a_cookie_makes_one_as_django_does() -> None:
    request = RequestFactory().get("/")

    token = homecache._csrf_token(request)

    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]


def test_csrf_mask_characters_are_all_used() -> None:
    drawn = "".join(homecache._random_csrf_chars(32) for _ in range(200))

    assert set(drawn) == set(CSRF_ALLOWED_CHARS)


def test_cached_page_token_changes_and_posts(world: SimpleNamespace) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member_user)
    _home(client)
    first, second = (re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _home(client)).group(1) for _ in "ab")

    assert first != second
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": second}).status_code == 302


# --- sealed entries ------------------------------------------------------------------------------


def test_sealed_entries_are_authenticated(db: None) -> None:
    blob = versioned.seal({"id_number": "110101199001011234"})

    assert b"110101199001011234" not in blob
    assert versioned.unseal(blob) == {"id_number": "110101199001011234"}
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        versioned.unseal(tampered)


def test_a_tampered_entry_is_a_miss(db: None) -> None:
    lookup = versioned.Lookup("entry", ["v"])
    lookup.prepare()
    lookup.store("page", 60)
    versions, blob = cache.get("entry")
    cache.set("entry", (versions, blob[:20] + bytes([blob[20] ^ 1]) + blob[21:]), 60)

    assert versioned.Lookup("entry", ["v"]).hit() is None


def test_field_ciphertext_format_is_unchanged() -> None:
    token = crypto.encrypt("13812345678")
    blob = base64.b64decode(token)

    assert len(blob) == crypto.NONCE_BYTES + len("13812345678") + crypto.TAG_BYTES
    assert crypto.decrypt(token) == "13812345678"
    assert crypto.decrypt_bytes(blob) == b"13812345678"
    assert crypto.decrypt(base64.b64encode(crypto.encrypt_bytes("王安华".encode())).decode()) == "王安华"
