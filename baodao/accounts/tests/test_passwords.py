"""Passwords a person can keep: their own change (Chinese messages next to the field, every other
session and API token ended), the change forced on a password somebody else chose, an admin's reset
(audited, the owner told), and the rules' messages in Chinese."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from baodao.accounts import services
from baodao.accounts.models import ApiToken, SecurityEvent, User
from baodao.notifications.models import Notification

NEW = "Xin#Mima2026"
CHANGE = "/accounts/password/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _change(client: Client, old: str, new1: str, new2: str | None = None):
    return client.post(CHANGE, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1})


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- a user's own change -------------------------------------------------------------------------


def test_the_page_lists_the_rules_in_chinese(world: SimpleNamespace) -> None:
    page = _text(_client(world.member_user).get(CHANGE))

    assert "当前密码" in page and "再次输入新密码" in page
    assert "密码至少 8 个字符" in page and "至少三类" in page


@pytest.mark.parametrize(
    ("old", "new1", "new2", "field", "message"),
    [
        ("Wrong#Mima111", NEW, NEW, "old_password", "当前密码不正确，请重新输入"),
        ("", NEW, NEW, "old_password", "请填写当前密码"),
        (None, "Ab#1", "Ab#1", "new_password1", "密码太短，至少需要 8 个字符"),
        (None, "abcdefghij", "abcdefghij", "new_password1", "至少三类"),
        (None, NEW, "Xin#Mima2027", "new_password2", "两次输入的新密码不一致"),
        (None, None, None, "new_password1", "新密码不能与当前密码相同"),
    ],
)
def test_a_wrong_change_says_why_next_to_the_field_and_at_the_top(
    world: SimpleNamespace, old: str | None, new1: str | None, new2: str | None, field: str, message: str
) -> None:
    client = _client(world.member_user)
    old = world.password if old is None else old
    new1 = world.password if new1 is None else new1
    new2 = world.password if new2 is None else new2

    response = _change(client, old, new1, new2)
    page = _text(response)

    assert response.status_code == 422
    summary = page[page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))]
    assert message in summary and f'href="#field-{field}"' in summary
    block = page[page.index(f'id="field-{field}"') :]
    block = block[: block.index("</div>")]
    assert message in block
    assert "This password" not in page and "didn" not in page  # nothing of Django's English
    world.member_user.refresh_from_db()
    assert world.member_user.check_password(world.password)


def test_a_change_keeps_this_session_and_ends_every_other(
    world: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    user = world.member_user
    here, phone = _client(user), _client(user)
    token = services.api_token_issue(user=user)
    assert phone.get("/").status_code == 200
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = _change(here, world.password, NEW)

    assert response.status_code == 302 and response["Location"] == "/"
    assert here.get("/").status_code == 200
    assert phone.get("/")["Location"].startswith(reverse("accounts:login"))
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.must_change_password
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PASSWORD_CHANGED)
    assert (event.user, NEW in event.what) == (user, False)
    assert list(Notification.objects.values_list("user", "title")) == [(user.pk, "您的登录密码已修改")]


def test_every_user_finds_the_change_in_the_header(world: SimpleNamespace) -> None:
    for user in (world.member_user, world.resident_user, world.community_staff, world.unit_secretary):
        assert 'href="/accounts/password/"' in _client(user).get("/").content.decode(), user


# --- a password somebody else chose ---------------------------------------------------------------


def test_a_password_to_change_opens_nothing_else(world: SimpleNamespace, django_capture_on_commit_callbacks) -> None:
    user = world.community_staff
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = Client()
    client.post(reverse("accounts:login"), {"username": user.username, "password": world.password})

    assert client.get("/directory/members/")["Location"] == CHANGE
    assert client.get("/")["Location"] == CHANGE
    api = client.get("/api/v1/me")
    assert (api.status_code, api.json()["message"]) == (403, "请先修改管理员设置的初始或临时密码")
    token = Client().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": world.password},
        content_type="application/json",
    )
    assert token.status_code == 403 and "修改" in token.json()["message"]
    page = client.get(CHANGE)
    assert page.status_code == 200 and 'id="must-change"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert _change(client, world.password, NEW).status_code == 302

    assert client.get("/directory/members/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password


def test_an_account_made_in_the_django_admin_changes_its_password_first(world: SimpleNamespace) -> None:
    admin = _client(world.superuser)

    response = admin.post(
        "/admin/accounts/user/add/",
        {
            "username": "new_staff",
            "password1": NEW,
            "password2": NEW,
            "usable_password": "true",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, re.findall(r"errorlist.*?</ul>", response.content.decode(), re.S)
    assert User.objects.get(username="new_staff").must_change_password


# --- an admin's reset ------------------------------------------------------------------------------


def test_an_admin_resets_a_password_and_the_owner_is_told(
    world: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    target, admin = world.community_staff, _client(world.street_admin)
    old_session = _client(target)
    url = reverse("directory:account_password_reset", args=[target.pk])

    ask = admin.get(url)
    assert ask.status_code == 200 and 'id="confirm-reset"' in ask.content.decode()
    assert "temporary-password" not in ask.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(url)

    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    password = re.search(r'id="temporary-password">([^<]+)<', done.content.decode()).group(1)
    target.refresh_from_db()
    assert target.check_password(password) and target.must_change_password
    assert old_session.get("/")["Location"].startswith(reverse("accounts:login"))
    fresh = Client()
    fresh.post(reverse("accounts:login"), {"username": target.username, "password": password})
    assert fresh.get("/")["Location"] == CHANGE
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PASSWORD_RESET)
    assert (event.user, event.what) == (world.street_admin, "重置 community_staff 的密码")
    assert password not in "".join(SecurityEvent.objects.values_list("what", flat=True))
    told = Notification.objects.get(user=target)
    assert told.title == "您的登录密码已被重置" and "安北街道管理员" in told.body and password not in told.body


def test_a_reset_asks_first_and_a_get_changes_nothing(world: SimpleNamespace) -> None:
    target = world.member_user
    _client(world.city_admin).get(reverse("directory:account_password_reset", args=[target.pk]))

    target.refresh_from_db()
    assert target.check_password(world.password) and not target.must_change_password
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_RESET).exists()


def test_an_account_out_of_reach_is_not_found_and_a_non_admin_is_refused(world: SimpleNamespace) -> None:
    street = _client(world.street_admin)

    for other in (world.district_admin, world.superuser, world.street_admin):
        assert street.post(reverse("directory:account_password_reset", args=[other.pk])).status_code == 404
    refused = _client(world.community_staff).get(reverse("directory:account_list"))
    assert refused.status_code == 403 and "只有市、区、街道管理员可以重置密码" in refused.content.decode()
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_RESET).exists()


def test_the_account_list_finds_by_username_or_name(world: SimpleNamespace) -> None:
    admin = _client(world.district_admin)

    by_name = _text(admin.get(reverse("directory:account_list"), {"q": "北门"}))
    by_username = _text(admin.get(reverse("directory:account_list"), {"q": "unit_sec"}))

    assert "staff_b" in by_name and "community_staff" not in by_name
    assert "城建局书记" in by_username and "staff_b" not in by_username


# --- the rules ------------------------------------------------------------------------------------


def test_a_temporary_password_passes_every_rule_and_reads_out_clearly(world: SimpleNamespace) -> None:
    for _ in range(50):
        password = services.temporary_password(world.member_user)
        validate_password(password, world.member_user)
        assert re.fullmatch(r"[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}", password)
        assert not set(password) & set("0O1lI")


def test_the_password_rules_speak_chinese(db: None) -> None:
    with pytest.raises(ValidationError) as short:
        validate_password("Ab#1")

    assert short.value.messages == ["密码太短，至少需要 8 个字符"]
