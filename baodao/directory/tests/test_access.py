"""directory.access, helper by helper: what each role of the world gets (baodao/core/tests/access_tables.py).

The world's next-door data: 北门社区 (B) beside 安宁社区 (A) with its own staff (staff_b), 西山区 (D2)
beside 东湖区 (D1), the unit 西山医院 (W) with its office in D2 beside 城建局 (U) in A.
"""

from __future__ import annotations

from types import SimpleNamespace

from baodao.core.tests.access_tables import NO, NOT_FOUND, OK, answers, table
from baodao.directory import access


def test_require_staff_lets_in_place_grants_and_unit_secretaries(world: SimpleNamespace) -> None:
    assert answers(world, access.require_staff) == table(OK, nobody=NO, member=NO, resident=NO)


def test_require_master_data_manager_is_admins_and_community_staff(world: SimpleNamespace) -> None:
    assert answers(world, access.require_master_data_manager) == table(
        NO, city_admin=OK, district_admin=OK, street_admin=OK, community_staff=OK, staff_b=OK, superuser=OK
    )


def test_audit_and_categories_are_the_city_admins(world: SimpleNamespace) -> None:
    expected = table(NO, city_admin=OK, superuser=OK)

    assert answers(world, access.require_audit_reader) == expected
    assert answers(world, access.require_category_editor) == expected


def test_rules_are_edited_for_the_city_admins_city(world: SimpleNamespace) -> None:
    # The superuser runs the deployment; the rules are a city's, edited by its admin.
    assert answers(world, access.get_city_for_rules) == table(NO, city_admin="测试市")


def test_appointments_at_a_place_are_its_communitys_staff_and_admins_above(world: SimpleNamespace) -> None:
    w = world
    above_a = {
        "city_admin": "安一小区",
        "district_admin": "安一小区",
        "street_admin": "安一小区",
        "superuser": "安一小区",
    }

    assert answers(w, lambda u: access.get_place_for_appointments(u, w.A1)) == table(
        NO, community_staff="安一小区", **above_a
    )
    # Next door: 安宁社区's staff may not appoint in 北门社区; a compound's secretary appoints nowhere.
    assert answers(w, lambda u: access.get_place_for_appointments(u, w.B1)) == table(
        NO,
        city_admin="北一小区",
        district_admin="北一小区",
        street_admin="北一小区",
        staff_b="北一小区",
        superuser="北一小区",
    )


def test_city_leaders_are_linked_to_a_community_by_the_city_admin(world: SimpleNamespace) -> None:
    w = world

    assert answers(w, lambda u: access.get_community_for_leader_links(u, w.A)) == table(
        NO, city_admin="安宁社区", superuser="安宁社区"
    )
    # A compound is not a community: nobody links a leader to it.
    assert answers(w, lambda u: access.get_community_for_leader_links(u, w.A1)) == table(NO)


def test_work_teams_of_a_unit_are_its_secretarys_and_the_admins_above_its_office(world: SimpleNamespace) -> None:
    w = world
    above_u = dict.fromkeys(("city_admin", "district_admin", "street_admin", "unit_secretary", "superuser"), "城建局")

    assert answers(w, lambda u: access.get_unit_for_work_teams(u, w.U)) == table(NO, **above_u)
    # 西山医院's office is in 西山区: not the 东湖区 or 安北街道 admins', nor 城建局's secretary's.
    assert answers(w, lambda u: access.get_unit_for_work_teams(u, w.W)) == table(
        NO, city_admin="西山医院", superuser="西山医院"
    )


def test_password_resets_are_for_city_district_and_street_admins(world: SimpleNamespace) -> None:
    expected = table(
        "只有市、区、街道管理员可以重置密码", city_admin=OK, district_admin=OK, street_admin=OK, superuser=OK
    )

    assert answers(world, access.require_password_resetter) == expected


def test_a_password_is_reset_by_an_admin_above_every_role_of_the_account(world: SimpleNamespace) -> None:
    w = world
    refused = "只有市、区、街道管理员可以重置密码"
    resetters = {
        "city_admin": "User#{}",
        "district_admin": "User#{}",
        "street_admin": "User#{}",
        "superuser": "User#{}",
    }

    resident = {k: v.format(w.resident_user.pk) for k, v in resetters.items()}
    assert answers(w, lambda u: access.get_user_for_password_reset(u, w.resident_user.pk)) == table(refused, **resident)
    # The district admin's account: the city admin's (above it) only; for the district and the
    # street admins it is out of reach (a 404, as a missing account).
    assert answers(w, lambda u: access.get_user_for_password_reset(u, w.district_admin.pk)) == table(
        refused,
        city_admin=f"User#{w.district_admin.pk}",
        district_admin=NOT_FOUND,
        street_admin=NOT_FOUND,
        superuser=f"User#{w.district_admin.pk}",
    )


def test_a_member_account_acts_as_its_own_member_and_no_other_account_does(world: SimpleNamespace) -> None:
    w = world

    assert answers(w, access.get_own_member) == table(NO, member="王安华")
    assert answers(w, lambda u: access.get_own_member(u, "只有党员可以")) == table("只有党员可以", member="王安华")
    # The refusal every app's access.py words its reasons with; a bare one says 没有权限.
    assert str(access.denied()) == NO
    assert str(access.denied("只有党员可以")) == "只有党员可以"
