"""Django admin: superusers only; the audit entries it shows cannot be added, changed or deleted."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from baodao.accounts.models import User


@pytest.fixture
def staff_with_every_permission(world: SimpleNamespace) -> User:
    user = User.objects.create_user(username="staffer", password=world.password, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("url", ["admin:index", "admin:accounts_user_changelist", "admin:directory_member_changelist"])
def test_staff_non_superuser_gets_no_admin_page(staff_with_every_permission: User, login, url: str) -> None:
    client = login(staff_with_every_permission)

    response = client.get(reverse(url))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_non_superuser_stays_on_the_admin_login(staff_with_every_permission: User, login) -> None:
    response = login(staff_with_every_permission).get(reverse("admin:login"))

    assert response.status_code == 200
    assert "accounts/user" not in response.content.decode()


def test_superuser_opens_the_admin(world: SimpleNamespace, login) -> None:
    client = login(world.superuser)

    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_inactive_superuser_gets_no_admin_page(world: SimpleNamespace, login) -> None:
    client = login(world.superuser)
    User.objects.filter(pk=world.superuser.pk).update(is_active=False)

    assert client.get(reverse("admin:index")).status_code == 302
