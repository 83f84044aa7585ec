"""directory.scope: who sees which places, units, members and residents (DOMAIN.md §4).

Every expectation is an exact set, with next-door data present: community B (next door to A),
unit V (assigned to B), district D2 and unit W (office in D2, assigned to A).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from baodao.accounts.models import Role, RoleAssignment, User
from baodao.accounts.services import user_create
from baodao.directory import scope, services
from baodao.directory.models import Member, Place, Resident, Unit

ALL_PLACES = {"C", "D1", "D2", "S1", "S2", "S3", "A", "B", "E", "F", "A1", "A2", "B1", "E1", "F1", "A1_1", "B1_1"}
ALL_UNITS = {"U", "V", "W"}
ALL_MEMBERS = {"m_u_a", "m_u_b", "m_v_b", "m_v_a", "m_w_f", "m_w_e"}
ALL_RESIDENTS = {"r_a1", "r_b1", "r_e1", "r_f1"}

# role -> (places, units, members, residents, members with full personal data, residents with full data)
EXPECTED: dict[str, tuple[set[str], ...]] = {
    "city_admin": (ALL_PLACES, ALL_UNITS, ALL_MEMBERS, ALL_RESIDENTS, ALL_MEMBERS, ALL_RESIDENTS),
    "district_admin": (
        {"D1", "S1", "S2", "A", "B", "E", "A1", "A2", "B1", "E1", "A1_1", "B1_1"},
        # U and V have their office in D1; W's office is in D2 but it is assigned to A (in D1).
        {"U", "V", "W"},
        # m_w_f lives in D2 and works for a D2 unit: not the D1 admin's business at all.
        {"m_u_a", "m_u_b", "m_v_b", "m_v_a", "m_w_e"},
        {"r_a1", "r_b1", "r_e1"},
        {"m_u_a", "m_u_b", "m_v_b", "m_v_a", "m_w_e"},
        {"r_a1", "r_b1", "r_e1"},
    ),
    "street_admin": (
        {"S1", "A", "B", "A1", "A2", "B1", "A1_1", "B1_1"},
        {"U", "V", "W"},
        {"m_u_a", "m_u_b", "m_v_b", "m_v_a"},
        {"r_a1", "r_b1"},
        {"m_u_a", "m_u_b", "m_v_b", "m_v_a"},
        {"r_a1", "r_b1"},
    ),
    "community_staff": (
        {"A", "A1", "A2", "A1_1"},
        {"U", "W"},  # the units assigned to A; V works for B next door
        {"m_u_a", "m_v_a"},  # the members who live in A, whatever their unit; not m_u_b (lives in B)
        {"r_a1"},
        {"m_u_a", "m_v_a"},
        {"r_a1"},
    ),
    "compound_secretary": (
        {"A1", "A1_1"},
        {"U", "W"},  # the units assigned to the community above the compound
        {"m_u_a"},
        {"r_a1"},
        set(),  # a compound secretary sees names, never full ID numbers or mobiles
        set(),
    ),
    "unit_secretary": (
        {"A", "A1", "A2", "A1_1"},  # the community the unit is assigned to
        {"U"},
        {"m_u_a", "m_u_b"},  # the unit's members wherever they live
        set(),
        {"m_u_a", "m_u_b"},
        set(),
    ),
    "member": (
        {"C", "D1", "S1", "A", "A1", "A1_1"},  # where he lives and the places above
        {"U"},
        {"m_u_a"},
        set(),
        {"m_u_a"},
        set(),
    ),
    "resident": ({"C", "D1", "S1", "A", "A1"}, set(), set(), {"r_a1"}, set(), {"r_a1"}),
}


def _objs(world: SimpleNamespace, keys: set[str]) -> set[int]:
    return {getattr(world, k).pk for k in keys}


def _keys(world: SimpleNamespace, pks: set[int], candidates: set[str]) -> set[str]:
    """Turn pks back into world names, so a failure reads as {'m_u_b'} rather than {7}."""
    by_pk = {getattr(world, k).pk: k for k in candidates}
    return {by_pk.get(pk, f"<other #{pk}>") for pk in pks}


def _visible(world: SimpleNamespace, user: User) -> tuple[set[str], ...]:
    places = set(scope.places_for_user(user).values_list("pk", flat=True))
    units = set(scope.units_for_user(user).values_list("pk", flat=True))
    members = set(scope.members_for_user(user).values_list("pk", flat=True))
    residents = set(scope.residents_for_user(user).values_list("pk", flat=True))
    return (
        _keys(world, places, ALL_PLACES),
        _keys(world, units, ALL_UNITS),
        _keys(world, members, ALL_MEMBERS),
        _keys(world, residents, ALL_RESIDENTS),
    )


def _loaded_members() -> list[Member]:
    return list(Member.objects.select_related("residence", "unit__office_place"))


def _full_members(world: SimpleNamespace, user: User) -> set[str]:
    return _keys(world, {m.pk for m in _loaded_members() if scope.member_pii_visible(user, m)}, ALL_MEMBERS)


def _full_residents(world: SimpleNamespace, user: User) -> set[str]:
    rows = Resident.objects.select_related("residence")
    return _keys(world, {r.pk for r in rows if scope.resident_pii_visible(user, r)}, ALL_RESIDENTS)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_scope_per_role_is_exact(world: SimpleNamespace, role: str) -> None:
    user = world.role_users[role]
    places, units, members, residents, _full_m, _full_r = EXPECTED[role]

    assert _visible(world, user) == (places, units, members, residents)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_member_pii_visible_per_role(world: SimpleNamespace, role: str) -> None:
    user = world.role_users[role]

    assert _full_members(world, user) == EXPECTED[role][4]


@pytest.mark.parametrize("role", list(EXPECTED))
def test_resident_pii_visible_per_role(world: SimpleNamespace, role: str) -> None:
    user = world.role_users[role]

    assert _full_residents(world, user) == EXPECTED[role][5]


@pytest.mark.parametrize("role", list(EXPECTED))
def test_full_personal_data_only_for_people_in_scope(world: SimpleNamespace, role: str) -> None:
    """Nobody may see full data of a person outside the lists they can open."""
    _places, _units, members, residents, full_m, full_r = EXPECTED[role]

    assert full_m <= members
    assert full_r <= residents


def test_superuser_sees_everything(world: SimpleNamespace) -> None:
    assert _visible(world, world.superuser) == (ALL_PLACES, ALL_UNITS, ALL_MEMBERS, ALL_RESIDENTS)
    assert _full_members(world, world.superuser) == ALL_MEMBERS
    assert _full_residents(world, world.superuser) == ALL_RESIDENTS


def test_user_without_roles_sees_nothing(world: SimpleNamespace) -> None:
    assert _visible(world, world.nobody) == (set(), set(), set(), set())
    assert not scope.scope_for(world.nobody).is_staff_like


def test_anonymous_user_sees_nothing(world: SimpleNamespace) -> None:
    from django.contrib.auth.models import AnonymousUser

    anon = AnonymousUser()

    assert _visible(world, anon) == (set(), set(), set(), set())
    assert _full_members(world, anon) == set()


def test_unit_secretary_sees_full_data_of_member_living_elsewhere(world: SimpleNamespace) -> None:
    m_u_b = Member.objects.select_related("residence", "unit__office_place").get(pk=world.m_u_b.pk)

    assert scope.member_pii_visible(world.unit_secretary, m_u_b)


def test_community_staff_full_for_resident_member_of_other_unit_not_for_own_units_member_next_door(
    world: SimpleNamespace,
) -> None:
    loaded = {m.pk: m for m in _loaded_members()}

    assert scope.member_pii_visible(world.community_staff, loaded[world.m_v_a.pk])  # lives in A, unit V
    assert not scope.member_pii_visible(world.community_staff, loaded[world.m_u_b.pk])  # unit U, lives in B


def test_district_admin_does_not_see_member_of_other_district_unit_living_there(world: SimpleNamespace) -> None:
    m_w_f = Member.objects.select_related("residence", "unit__office_place").get(pk=world.m_w_f.pk)

    assert not scope.members_for_user(world.district_admin).filter(pk=m_w_f.pk).exists()
    assert not scope.member_pii_visible(world.district_admin, m_w_f)


def test_admins_see_members_of_units_with_office_below_them_wherever_they_live(
    world: SimpleNamespace, make_member, fresh
) -> None:
    m_u_f = make_member(name="冯方住", unit=world.U, residence=world.F1)  # unit U (office in A), lives in D2
    loaded = Member.objects.select_related("residence", "unit__office_place").get(pk=m_u_f.pk)

    for user in (world.city_admin, world.district_admin, world.street_admin, world.unit_secretary):
        assert scope.members_for_user(fresh(user)).filter(pk=m_u_f.pk).exists(), user.username
        assert scope.member_pii_visible(fresh(user), loaded), user.username
    for user in (world.community_staff, world.compound_secretary, world.staff_b, world.member_user):
        assert not scope.members_for_user(fresh(user)).filter(pk=m_u_f.pk).exists(), user.username
        assert not scope.member_pii_visible(fresh(user), loaded), user.username


def test_next_door_community_staff_sees_its_own_and_not_a(world: SimpleNamespace) -> None:
    places, units, members, residents = _visible(world, world.staff_b)

    assert places == {"B", "B1", "B1_1"}
    assert units == {"V"}
    assert members == {"m_u_b", "m_v_b"}
    assert residents == {"r_b1"}


def test_other_district_admin_sees_its_district_and_the_unit_whose_office_is_there(world: SimpleNamespace) -> None:
    d2_admin = user_create(
        username="d2_admin", password=world.password, roles=[{"role": Role.DISTRICT_ADMIN, "place": world.D2}]
    )

    places, units, members, residents = _visible(world, d2_admin)

    assert places == {"D2", "S3", "F", "F1"}
    assert units == {"W"}
    # Members of W (office in D2) wherever they live, and whoever lives in D2.
    assert members == {"m_w_f", "m_w_e"}
    assert residents == {"r_f1"}


def test_inactive_role_assignment_grants_nothing(world: SimpleNamespace, fresh) -> None:
    RoleAssignment.objects.filter(user=world.community_staff).update(is_active=False)
    user = fresh(world.community_staff)

    assert _visible(world, user) == (set(), set(), set(), set())
    assert _full_members(world, user) == set()
    assert not scope.scope_for(user).is_staff_like
    assert not scope.can_manage_master_data(user)


def test_inactive_user_sees_nothing(world: SimpleNamespace, fresh) -> None:
    User.objects.filter(pk=world.city_admin.pk).update(is_active=False)
    user = fresh(world.city_admin)

    assert _visible(world, user) == (set(), set(), set(), set())
    assert scope.rule_city_for(user) is None


def test_one_active_and_one_inactive_role_only_the_active_counts(world: SimpleNamespace, fresh) -> None:
    RoleAssignment.objects.create(
        user=world.compound_secretary, role=Role.DISTRICT_ADMIN, place=world.D1, is_active=False
    )
    user = fresh(world.compound_secretary)

    assert _visible(world, user) == EXPECTED["compound_secretary"][:4]


def test_two_roles_see_the_union(world: SimpleNamespace) -> None:
    user = user_create(
        username="two_hats",
        password=world.password,
        roles=[
            {"role": Role.UNIT_SECRETARY, "unit": world.V},
            {"role": Role.COMMUNITY_STAFF, "place": world.E},
        ],
    )

    places, units, members, residents = _visible(world, user)

    assert places == {"B", "B1", "B1_1", "E", "E1"}
    assert units == {"V"}
    assert members == {"m_v_b", "m_v_a", "m_w_e"}
    assert residents == {"r_e1"}
    assert _full_members(world, user) == {"m_v_b", "m_v_a", "m_w_e"}
    assert _full_residents(world, user) == {"r_e1"}


def test_compound_secretary_who_is_also_a_member_sees_his_own_data_in_full(world: SimpleNamespace) -> None:
    user = user_create(
        username="secretary_and_member",
        password=world.password,
        roles=[
            {"role": Role.COMPOUND_SECRETARY, "place": world.A1},
            {"role": Role.MEMBER, "member": world.m_v_a},
        ],
    )

    places, units, members, residents = _visible(world, user)

    assert places == {"A1", "A1_1", "C", "D1", "S1", "A", "A2"}
    assert units == {"U", "W", "V"}
    assert members == {"m_u_a", "m_v_a"}
    assert residents == {"r_a1"}
    assert _full_members(world, user) == {"m_v_a"}  # himself; m_u_a stays masked
    assert _full_residents(world, user) == set()


def test_reassigned_unit_leaves_the_old_community(world: SimpleNamespace, fresh) -> None:
    services.unit_assign(unit=world.W, community=world.E)
    staff_e = user_create(
        username="staff_e", password=world.password, roles=[{"role": Role.COMMUNITY_STAFF, "place": world.E}]
    )
    w_secretary = user_create(
        username="w_secretary", password=world.password, roles=[{"role": Role.UNIT_SECRETARY, "unit": world.W}]
    )

    assert _visible(world, fresh(world.community_staff))[1] == {"U"}
    assert _visible(world, fresh(world.compound_secretary))[1] == {"U"}
    assert _visible(world, staff_e)[1] == {"W"}
    assert _visible(world, w_secretary)[0] == {"E", "E1"}


def test_unit_secretary_without_assignment_sees_no_places(world: SimpleNamespace) -> None:
    lone = Unit.objects.create(code="X001", name="无联系社区单位", kind=Unit.Kind.SOCIAL, office_place=world.B)
    user = user_create(
        username="x_secretary", password=world.password, roles=[{"role": Role.UNIT_SECRETARY, "unit": lone}]
    )

    assert _visible(world, user) == (set(), {f"<other #{lone.pk}>"}, set(), set())


def test_place_prefix_does_not_match_a_sibling_with_a_longer_key(world: SimpleNamespace) -> None:
    """Paths are fixed-width segments: community #1's path is not a prefix of community #10's."""
    for place in Place.objects.all():
        others = Place.objects.filter(path__startswith=place.path).exclude(pk=place.pk)
        for o in others:
            assert place.pk in o.ancestor_ids()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("city_admin", True),
        ("district_admin", True),
        ("street_admin", True),
        ("community_staff", True),
        ("compound_secretary", False),
        ("unit_secretary", False),
        ("member", False),
        ("resident", False),
    ],
)
def test_can_manage_master_data_per_role(world: SimpleNamespace, role: str, expected: bool) -> None:
    assert scope.can_manage_master_data(world.role_users[role]) is expected


@pytest.mark.parametrize("role", list(EXPECTED))
def test_rule_city_only_for_city_admin(world: SimpleNamespace, role: str) -> None:
    expected = world.C if role == "city_admin" else None

    assert scope.rule_city_for(world.role_users[role]) == expected


@pytest.mark.parametrize("role", list(EXPECTED))
def test_audit_only_for_city_admin(world: SimpleNamespace, role: str) -> None:
    assert scope.can_view_audit(world.role_users[role]) is (role == "city_admin")


def test_superuser_can_view_audit_and_manage(world: SimpleNamespace) -> None:
    assert scope.can_view_audit(world.superuser)
    assert scope.can_manage_master_data(world.superuser)


@pytest.mark.parametrize(
    ("role", "staff_like"),
    [
        ("city_admin", True),
        ("district_admin", True),
        ("street_admin", True),
        ("community_staff", True),
        ("compound_secretary", True),
        ("unit_secretary", True),
        ("member", False),
        ("resident", False),
    ],
)
def test_is_staff_like_per_role(world: SimpleNamespace, role: str, staff_like: bool) -> None:
    assert scope.scope_for(world.role_users[role]).is_staff_like is staff_like


def test_scope_is_computed_once_per_user_object(world: SimpleNamespace, django_assert_num_queries) -> None:
    user = User.objects.get(pk=world.community_staff.pk)
    first = scope.scope_for(user)

    with django_assert_num_queries(0):
        assert scope.scope_for(user) is first
