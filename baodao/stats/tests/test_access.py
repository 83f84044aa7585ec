"""stats.access, helper by helper: what each role of the world gets (baodao/core/tests/access_tables.py).

Next door: 北门社区 (B) beside 安宁社区 (A), its staff (staff_b); 教育局 (V) beside 城建局 (U).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import Http404

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.core.tests.access_tables import NO, NOT_FOUND, OK, answers, table
from baodao.directory.models import Unit
from baodao.stats import access


def test_figures_open_on_the_top_area_the_user_sees(world: SimpleNamespace) -> None:
    assert answers(world, lambda u: access.get_area_for_figures(u, None)) == table(
        NO,
        city_admin="测试市",
        district_admin="东湖区",
        street_admin="安北街道",
        community_staff="安宁社区",
        staff_b="北门社区",
        compound_secretary="安一小区",
        unit_secretary="安宁社区",
        superuser="测试市",
    )


def test_an_area_out_of_sight_is_a_404(world: SimpleNamespace) -> None:
    w = world

    assert answers(w, lambda u: access.get_area_for_figures(u, w.B.pk)) == table(
        NO,
        city_admin="北门社区",
        district_admin="北门社区",
        street_admin="北门社区",
        community_staff=NOT_FOUND,
        staff_b="北门社区",
        compound_secretary=NOT_FOUND,
        unit_secretary=NOT_FOUND,
        superuser="北门社区",
    )


def test_need_figures_are_read_for_a_whole_community_or_above(world: SimpleNamespace) -> None:
    whole = "只能查看本人负责的整个区域的统计"

    assert answers(world, lambda u: access.get_area_for_need_figures(u, None)) == table(
        NO,
        city_admin="测试市",
        district_admin="东湖区",
        street_admin="安北街道",
        community_staff="安宁社区",
        staff_b="北门社区",
        # A compound's secretary does not see the whole community its compound is in.
        compound_secretary="三张清单的统计按社区及以上区域查看",
        # A unit secretary sees the communities the unit serves, not the whole of one.
        unit_secretary=whole,
        superuser="测试市",
    )


def test_need_figures_of_a_compound_are_its_communitys(world: SimpleNamespace) -> None:
    w = world

    assert answers(w, lambda u: access.get_area_for_need_figures(u, w.A1.pk)) == table(
        NO,
        city_admin="安宁社区",
        district_admin="安宁社区",
        street_admin="安宁社区",
        community_staff="安宁社区",
        staff_b=NOT_FOUND,
        compound_secretary="三张清单的统计按社区及以上区域查看",
        unit_secretary="三张清单的统计按社区及以上区域查看",  # sees 安宁社区, 城建局's, not whole
        superuser="安宁社区",
    )


def test_who_is_behind_in_a_unit_is_its_secretarys(world: SimpleNamespace) -> None:
    w = world
    unit_only = "只有单位党组织书记可以按单位查看"

    # Without a unit: a unit secretary reads the unit's, staff and admins an area (None).
    assert answers(w, lambda u: access.get_unit_for_behind(u, None)) == table(
        OK, nobody=NO, unit_secretary="城建局", member=NO, resident=NO
    )
    # A unit asked for: only a secretary of it; another unit is out of sight.
    assert answers(w, lambda u: access.get_unit_for_behind(u, w.U.pk)) == table(unit_only, unit_secretary="城建局")
    assert answers(w, lambda u: access.get_unit_for_behind(u, w.V.pk)) == table(unit_only, unit_secretary=NOT_FOUND)


def test_a_list_of_who_is_behind_is_one_of_those_known() -> None:
    access.require_known_list("members", {"members", "units"})
    with pytest.raises(Http404):
        access.require_known_list("secrets", {"members", "units"})


def test_a_staff_user_whose_grants_reach_no_area_is_refused(world: SimpleNamespace) -> None:
    w = world
    unit = Unit.objects.create(code="X001", name="未分配单位", kind=Unit.Kind.ORGAN, office_place=w.F)
    w.lonely = account_services.user_create(
        username="lonely", password=w.password, roles=[{"role": Role.UNIT_SECRETARY, "unit": unit}]
    )

    # A unit assigned to no community: its secretary is staff-like, but sees no area's figures.
    assert answers(w, lambda u: access.get_area_for_figures(u, None), roles=(), lonely=w.lonely) == {
        "lonely": "没有可查看的区域"
    }
