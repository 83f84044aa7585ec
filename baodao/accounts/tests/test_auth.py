"""Accounts on the web: login by username or mobile, failed-login audit, lockout, CSRF, idle timeout."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.accounts.models import SecurityEvent
from baodao.core.rules import get_rule
from baodao.directory.services import rule_set

# --- login -----------------------------------------------------------------------------------------


def _post_login(client: Client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_by_username(world: SimpleNamespace, client: Client) -> None:
    response = _post_login(client, "community_staff", world.password)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == world.community_staff.pk
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN)
    assert event.user == world.community_staff


def test_login_by_mobile(world: SimpleNamespace, client: Client) -> None:
    response = _post_login(client, "13700001111", world.password)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.community_staff.pk


def test_login_page_is_chinese(db: None, client: Client) -> None:
    html = client.get(reverse("accounts:login")).content.decode()

    assert "登录双报到平台" in html
    assert "账号或手机号" in html


def test_failed_login_is_recorded_without_the_password(world: SimpleNamespace, client: Client) -> None:
    wrong = "Wrong#Secret987"

    response = _post_login(client, "community_staff", wrong)

    assert response.status_code == 200
    assert "账号或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_FAILED)
    assert event.username == "community_staff"
    assert event.ip_address == "127.0.0.1"
    for row in SecurityEvent.objects.values():
        assert wrong not in repr(row)
    from axes.models import AccessAttempt

    for row in AccessAttempt.objects.values():
        assert wrong not in repr(row)


def test_lockout_after_five_failures(world: SimpleNamespace, client: Client) -> None:
    for _ in range(5):
        _post_login(client, "community_staff", "Wrong#Secret987")

    response = _post_login(client, "community_staff", world.password)

    assert "_auth_user_id" not in client.session
    assert response.status_code in (403, 429)
    assert "accounts/locked.html" in [t.name for t in response.templates]
    # Another account from the same address is not locked.
    assert _post_login(Client(), "compound_secretary", world.password).status_code == 302


@pytest.mark.parametrize(
    ("failing_as", "then_as"), [("community_staff", "13700001111"), ("13700001111", "community_staff")]
)
def test_lockout_holds_for_the_account_whichever_identifier_is_typed(
    world: SimpleNamespace, client: Client, failing_as: str, then_as: str
) -> None:
    for _ in range(5):
        _post_login(client, failing_as, "Wrong#Secret987")

    response = _post_login(client, then_as, world.password)

    assert "_auth_user_id" not in client.session
    assert response.status_code == 429
    assert "accounts/locked.html" in [t.name for t in response.templates]


def test_failures_by_username_and_mobile_add_up(world: SimpleNamespace, client: Client) -> None:
    from axes.models import AccessAttempt

    for typed in ("community_staff", "13700001111", "community_staff", "13700001111", "community_staff"):
        _post_login(client, typed, "Wrong#Secret987")

    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [("community_staff", 5)]
    assert _post_login(client, "13700001111", world.password).status_code == 429


def _no_plaintext_anywhere(value: str) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (SecurityEvent, AccessAttempt, AccessFailureLog, AccessLog):
        for row in model.objects.values():
            assert value not in repr(row), model


def test_failed_login_by_mobile_is_stored_as_the_account(world: SimpleNamespace, client: Client) -> None:
    from axes.models import AccessAttempt

    _post_login(client, "13700001111", "Wrong#Secret987")

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_FAILED)
    assert (event.user, event.username) == (world.community_staff, "community_staff")
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["community_staff"]
    _no_plaintext_anywhere("13700001111")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("13700009999", "137****9999"), ("990102198503120019", "9901**********0019"), ("no_such_user", "no_such_user")],
)
def test_failed_login_for_no_account_stores_a_masked_identifier(
    world: SimpleNamespace, client: Client, typed: str, stored: str
) -> None:
    from axes.models import AccessAttempt

    _post_login(client, typed, world.password)

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_FAILED)
    assert (event.user, event.username) == (None, stored)
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [stored]
    if stored != typed:
        _no_plaintext_anywhere(typed)


def test_city_admin_audit_page_shows_failed_logins_on_its_accounts(
    world: SimpleNamespace, client: Client, login
) -> None:
    _post_login(client, "13700001111", "Wrong#Secret987")
    _post_login(Client(), "13700009999", "Wrong#Secret987")

    html = login(world.city_admin).get(reverse("directory:audit")).content.decode()

    assert "community_staff" in html
    assert "登录失败" in html
    assert "137****9999" not in html  # names no account of this city
    assert "13700001111" not in html


def test_four_failures_do_not_lock(world: SimpleNamespace, client: Client) -> None:
    for _ in range(4):
        _post_login(client, "community_staff", "Wrong#Secret987")

    response = _post_login(client, "community_staff", world.password)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.community_staff.pk


def test_login_post_without_csrf_token_is_refused(world: SimpleNamespace) -> None:
    client = Client(enforce_csrf_checks=True)

    response = _post_login(client, "community_staff", world.password)

    assert response.status_code == 403


def _idle(client: Client, minutes: float) -> None:
    session = client.session
    session["_last_seen"] = int(time.time() - minutes * 60)
    session.save()


def test_idle_session_is_logged_out(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)
    assert client.get("/").status_code == 200

    _idle(client, 31)
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get("/").status_code == 302  # the session is gone, not just this request


def test_active_session_is_kept(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)
    client.get("/")

    _idle(client, 29)

    assert client.get("/").status_code == 200


def test_idle_timeout_follows_the_deployment_rule(world: SimpleNamespace, login) -> None:
    rule_set(key="session_idle_minutes", value=60, city=None)
    client = login(world.community_staff)
    client.get("/")

    _idle(client, 45)

    assert client.get("/").status_code == 200


def test_idle_timeout_follows_the_rule_the_city_admin_sets(world: SimpleNamespace, login) -> None:
    admin_client = login(world.city_admin)
    admin_client.post(reverse("directory:rule_list"), {"key": "session_idle_minutes", "value": "60"})
    client = Client()
    client.force_login(world.community_staff)
    client.get("/")

    _idle(client, 45)

    assert client.get("/").status_code == 200


# --- rules the accounts code reads -------------------------------------------------------------


def test_deployment_wide_rule_is_read(db: None) -> None:
    """A Rule row with no city applies to every city that has no row of its own."""
    rule_set(key="session_idle_minutes", value=60, city=None)

    assert get_rule("session_idle_minutes") == 60


def test_city_rule_falls_back_to_deployment_rule_then_default(world: SimpleNamespace) -> None:
    assert get_rule("member_min_hours_per_year", city=world.C) == 20

    rule_set(key="member_min_hours_per_year", value=30, city=None)
    assert get_rule("member_min_hours_per_year", city=world.C) == 30

    rule_set(key="member_min_hours_per_year", value=24, city=world.C)
    assert get_rule("member_min_hours_per_year", city=world.C) == 24
    assert get_rule("member_min_hours_per_year") == 30


# --- users, passwords and tokens -----------------------------------------------------------------


@pytest.mark.parametrize("weak", ["short1A", "password", "12345678901", "abcdefghij", "abcdEFGHij"])
def test_user_create_refuses_weak_passwords(db: None, weak: str) -> None:
    from django.core.exceptions import ValidationError

    from baodao.accounts.services import user_create

    with pytest.raises(ValidationError):
        user_create(username="weakling", password=weak)


def test_user_create_stores_mobile_encrypted_with_lookup_hash(db: None) -> None:
    from django.db import connection

    from baodao.accounts.services import user_create
    from baodao.core import crypto

    user = user_create(username="mobile_user", password="Shuang#Bao2024", mobile="13600001234")

    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, mobile_hash, password FROM accounts_user WHERE id = %s", [user.pk])
        raw_mobile, mobile_hash, password_hash = cursor.fetchone()
    assert "13600001234" not in raw_mobile
    assert crypto.decrypt(raw_mobile) == "13600001234"
    assert mobile_hash == crypto.lookup_hash("13600001234")
    assert "Shuang#Bao2024" not in password_hash


def test_api_token_is_stored_as_a_hash_and_expires(world: SimpleNamespace) -> None:
    import datetime as dt

    from django.utils import timezone

    from baodao.accounts.models import ApiToken
    from baodao.accounts.services import api_token_issue, api_token_user

    token = api_token_issue(user=world.community_staff)

    row = ApiToken.objects.get(user=world.community_staff)
    assert token not in repr(list(ApiToken.objects.values()))
    assert api_token_user(token) == world.community_staff
    assert api_token_user(token + "x") is None
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_token_user(token) is None
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.API_TOKEN, user=world.community_staff).count() == 1


def test_api_token_of_inactive_user_is_refused(world: SimpleNamespace) -> None:
    from baodao.accounts.models import User
    from baodao.accounts.services import api_token_issue, api_token_user

    token = api_token_issue(user=world.community_staff)
    User.objects.filter(pk=world.community_staff.pk).update(is_active=False)

    assert api_token_user(token) is None


def test_logout_is_recorded(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGOUT, user=world.community_staff).exists()


def test_logout_by_get_is_refused(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_inactive_user_cannot_log_in(world: SimpleNamespace, client: Client) -> None:
    from baodao.accounts.models import User

    User.objects.filter(pk=world.community_staff.pk).update(is_active=False)

    _post_login(client, "community_staff", world.password)

    assert "_auth_user_id" not in client.session


def test_login_by_unknown_mobile_fails(world: SimpleNamespace, client: Client) -> None:
    _post_login(client, "13700009999", world.password)

    assert "_auth_user_id" not in client.session
