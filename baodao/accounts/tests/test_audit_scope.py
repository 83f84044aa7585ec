"""The audit log is read per city: a city admin of a deployment shared by two cities reads what the
accounts of their own city did, never the other city's entries (who-sees-what, DOMAIN.md §4)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from baodao.accounts.models import User
from baodao.directory import scope


def test_city_admin_reads_the_accounts_of_its_city(two_cities: SimpleNamespace) -> None:
    w = two_cities
    actors = set(scope.audit_actors_for_user(w.city_admin))

    assert {w.community_staff, w.unit_secretary, w.member_user, w.resident_user, w.city_admin} <= actors
    assert not {w.staff2, w.admin2, w.superuser} & actors
    assert set(scope.audit_actors_for_user(w.admin2)) == {w.admin2, w.staff2}
    assert scope.audit_actors_for_user(w.superuser) is None


@pytest.mark.parametrize("role", ["district_admin", "community_staff", "unit_secretary", "member"])
def test_other_roles_read_no_one(two_cities: SimpleNamespace, role: str) -> None:
    assert not scope.audit_actors_for_user(two_cities.role_users[role]).exists()


def test_audit_pages_show_only_the_own_city(two_cities: SimpleNamespace, login) -> None:
    w = two_cities
    client = login(w.city_admin)

    security = client.get(reverse("directory:audit")).content.decode()
    changes = client.get(reverse("directory:audit") + "?tab=changes").content.decode()

    assert "member_u_a" in security and "staff2" not in security and "nosuchname" not in security
    assert "本市新小区" in changes and "邻市小区" not in changes
    root = login(User.objects.get(pk=w.superuser.pk))
    assert "nosuchname" in root.get(reverse("directory:audit")).content.decode()
    assert LogEntry.objects.filter(actor=w.staff2).exists()
