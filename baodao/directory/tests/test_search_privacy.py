"""A full ID number or mobile finds a person only for the users who see that number unmasked: a
compound secretary who sees 9901**********1234 must not be able to confirm a guessed number."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.accounts.services import api_token_issue
from baodao.directory import scope, selectors

ROLES = ["city_admin", "district_admin", "street_admin", "community_staff", "compound_secretary", "unit_secretary"]
# Who finds 王安华 (unit U, lives in building A1-1 of community A) by the full number.
FINDS_MEMBER = {"city_admin", "district_admin", "street_admin", "community_staff", "unit_secretary"}
# Who finds 陈安居 (resident of compound A1) by the full mobile.
FINDS_RESIDENT = {"city_admin", "district_admin", "street_admin", "community_staff"}


@pytest.mark.parametrize("role", ROLES)
def test_members_found_by_full_number_only_where_shown_in_full(world: SimpleNamespace, role: str) -> None:
    user = world.role_users[role]
    want = {"王安华"} if role in FINDS_MEMBER else set()

    by_id = {m.name for m in selectors.members_for_user(user, q=world.m_u_a.id_number)}
    by_mobile = {m.name for m in selectors.members_for_user(user, q="13812345678")}
    by_name = {m.name for m in selectors.members_for_user(user, q="王安")}

    assert (by_id, by_mobile) == (want, want)
    assert by_name == {"王安华"}  # everyone who sees the member finds the name


@pytest.mark.parametrize("role", ROLES)
def test_residents_found_by_full_mobile_only_where_shown_in_full(world: SimpleNamespace, role: str) -> None:
    user = world.role_users[role]
    seen = set(selectors.residents_for_user(user).values_list("name", flat=True))

    found = {r.name for r in selectors.residents_for_user(user, q="13987654321")}

    assert found == ({"陈安居"} if role in FINDS_RESIDENT else set())
    assert ("陈安居" in seen) == (role not in {"unit_secretary"})  # the compound secretary sees the name


@pytest.mark.parametrize("role", [*ROLES, "member", "resident"])
def test_members_with_pii_is_the_queryset_of_member_pii_visible(world: SimpleNamespace, role: str) -> None:
    user = world.role_users[role]
    seen = list(scope.members_for_user(user).select_related("residence", "unit__office_place"))

    shown_in_full = {m.pk for m in seen if scope.member_pii_visible(user, m)}

    assert set(
        scope.members_with_pii_for_user(user).filter(pk__in=[m.pk for m in seen]).values_list("pk", flat=True)
    ) == (shown_in_full)


def test_the_list_page_and_the_api_search_alike(world: SimpleNamespace) -> None:
    page = Client()
    page.force_login(world.compound_secretary)
    headers = {"Authorization": f"Bearer {api_token_issue(user=world.compound_secretary)}"}

    listed = page.get(reverse("directory:member_list"), {"q": world.m_u_a.id_number})
    api = Client().get("/api/v1/members", {"q": world.m_u_a.id_number}, headers=headers)
    by_name = Client().get("/api/v1/members", {"q": "王安华"}, headers=headers)

    assert list(listed.context["page"].object_list) == []
    assert api.json()["items"] == []
    assert [m["name"] for m in by_name.json()["items"]] == ["王安华"]
