"""Whose password an admin may reset (directory.scope.password_reset_users_for_user): exact sets per
role, with accounts next door, at the admin's own level and above, and one with a role elsewhere."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.directory import scope


@pytest.fixture
def accounts(world: SimpleNamespace) -> SimpleNamespace:
    w = world

    def user(username: str, *roles: dict) -> object:
        return account_services.user_create(username=username, password=w.password, roles=list(roles))

    w.street_admin_s2 = user("street_admin_s2", {"role": Role.STREET_ADMIN, "place": w.S2})
    w.street_admin_s1b = user("street_admin_s1b", {"role": Role.STREET_ADMIN, "place": w.S1})
    w.staff_e = user("staff_e", {"role": Role.COMMUNITY_STAFF, "place": w.E})
    # Staff of A and of F (another district): no admin below the city sees both.
    w.staff_a_f = user(
        "staff_a_f", {"role": Role.COMMUNITY_STAFF, "place": w.A}, {"role": Role.COMMUNITY_STAFF, "place": w.F}
    )
    w.member_w_e = user("member_w_e", {"role": Role.MEMBER, "member": w.m_w_e})  # works in D2, lives in S2
    return w


def _names(user: object) -> set[str]:
    return set(scope.password_reset_users_for_user(user).values_list("username", flat=True))


def test_each_admin_resets_exactly_the_accounts_beneath(accounts: SimpleNamespace) -> None:
    w = accounts
    s1 = {"community_staff", "staff_b", "compound_secretary", "unit_secretary", "member_u_a", "resident_a1"}

    assert _names(w.street_admin) == s1
    assert _names(w.street_admin_s2) == {"staff_e", "member_w_e"}
    assert _names(w.district_admin) == s1 | {
        "street_admin",
        "street_admin_s2",
        "street_admin_s1b",
        "staff_e",
        "member_w_e",
    }
    assert _names(w.city_admin) == _names(w.district_admin) | {"district_admin", "staff_a_f"}


@pytest.mark.parametrize("role", ["community_staff", "compound_secretary", "unit_secretary", "member", "resident"])
def test_no_other_role_resets_anyone(accounts: SimpleNamespace, role: str) -> None:
    user = accounts.role_users[role]

    assert (_names(user), scope.may_reset_passwords(user)) == (set(), False)


def test_the_superuser_resets_everyone_but_superusers_and_inactive_accounts(accounts: SimpleNamespace) -> None:
    w = accounts
    w.staff_b.is_active = False
    w.staff_b.save()

    got = _names(w.superuser)

    assert "staff_b" not in got and "root" not in got and {"city_admin", "nobody", "staff_a_f"} <= got
