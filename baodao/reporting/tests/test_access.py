"""reporting.access, helper by helper: what each role of the world gets (baodao/core/tests/access_tables.py).

Next door: 北门社区 (B) beside 安宁社区 (A) with its own staff (staff_b) and reports; 教育局 (V) beside
城建局 (U); 赵北岳 (m_v_b, 教育局, lives in 北一小区) beside 王安华 (m_u_a, 城建局, lives in 安一1栋).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from baodao.core.tests.access_tables import NO, NOT_FOUND, OK, answers, table
from baodao.reporting import access, services
from baodao.reporting.models import Certificate, MemberReport, UnitReport
from baodao.reporting.tests.conftest import link_member_user, submit, unit_submit

ADMINS = ("city_admin", "district_admin", "street_admin", "superuser")
MEMBERS_ONLY = "只有在职党员可以报到"
MANAGE = "没有权限调整该党员"


def _names(reports: list[MemberReport]) -> list[str]:
    return sorted(r.member.name for r in reports)


@pytest.fixture
def reports(world: SimpleNamespace, teams: list) -> SimpleNamespace:
    """王安华's report waiting for 安宁社区, 赵北岳's for 北门社区 next door; 钱安宁's to 北门社区 with a
    new home there (the roster says 安二小区: it waits for her unit 教育局 first); each unit's report
    to its community."""
    w = world
    w.report_a = submit(w.m_u_a)
    w.report_b = submit(w.m_v_b)
    w.report_away = submit(w.m_v_a, community=w.B, residence=w.B1)
    w.unit_report_u = unit_submit(w.U, w.unit_secretary)
    w.unit_report_v = unit_submit(w.V, w.superuser)
    return w


def test_agreements_are_read_by_staff_and_unit_secretaries(world: SimpleNamespace) -> None:
    assert answers(world, access.require_agreements_reader) == table(OK, nobody=NO, member=NO, resident=NO)


def test_a_member_account_reports_as_its_own_member(world: SimpleNamespace) -> None:
    assert answers(world, access.get_member_for_report) == table(MEMBERS_ONLY, member="王安华")


def test_a_certificate_is_used_by_its_members_own_account_only(world: SimpleNamespace) -> None:
    w = world
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    mine = "该报到证不属于当前账号"

    # No account of the member's yet: the token opens one; no account may use it.
    assert answers(w, lambda u: access.require_certificate_holder(u, cert)) == table(mine)
    link_member_user(w.m_u_a, w.member_user)
    cert = Certificate.objects.select_related("member").get(pk=cert.pk)
    assert answers(w, lambda u: access.require_certificate_holder(u, cert)) == table(mine, member=OK)


def test_a_units_own_pages_are_its_secretarys(world: SimpleNamespace) -> None:
    assert answers(world, access.require_unit_secretary) == table(NO, unit_secretary=OK)
    assert answers(world, access.get_unit_for_secretary) == table(NO, unit_secretary="城建局")


def test_the_community_whose_reports_are_confirmed(world: SimpleNamespace) -> None:
    w = world

    assert answers(w, lambda u: access.get_community_for_decisions(u, None)) == table(
        NO, community_staff="安宁社区", staff_b="北门社区", **dict.fromkeys(ADMINS, "安宁社区")
    )
    # 北门社区 asked for: out of sight for 安宁社区's staff and for those who confirm nowhere.
    assert answers(w, lambda u: access.get_community_for_decisions(u, w.B.pk)) == table(
        NOT_FOUND, staff_b="北门社区", **dict.fromkeys(ADMINS, "北门社区")
    )


def test_the_confirmation_page_shows_one_community_or_all(world: SimpleNamespace) -> None:
    w = world
    every = "全部"

    def page(wanted: str | None) -> dict[str, object]:
        return answers(w, lambda u: access.get_communities_for_decisions(u, wanted) or every)

    above = dict.fromkeys(ADMINS, every)
    assert page(None) == table(NO, community_staff="安宁社区", staff_b="北门社区", **above)
    assert page(access.ALL_COMMUNITIES) == table(NO, community_staff=every, staff_b=every, **above)
    assert page(str(w.B.pk)) == table(NOT_FOUND, staff_b="北门社区", **dict.fromkeys(ADMINS, "北门社区"))
    assert answers(w, access.require_report_confirmer) == table(
        NO, community_staff=OK, staff_b=OK, **dict.fromkeys(ADMINS, OK)
    )


def test_the_commitment_text_is_the_city_admins(world: SimpleNamespace) -> None:
    assert answers(world, access.get_city_for_commitment) == table(NO, city_admin="测试市")


def test_units_are_assigned_by_city_and_district_admins(world: SimpleNamespace) -> None:
    shown = answers(world, lambda u: sorted(unit.name for unit in access.assignable_units(u)))

    # 西山医院's office is in 西山区: not the 东湖区 admin's to assign.
    assert shown == table(
        NO,
        city_admin=["城建局", "教育局", "西山医院"],
        district_admin=["城建局", "教育局"],
        superuser=["城建局", "教育局", "西山医院"],
    )


def test_a_units_functions_are_set_by_its_secretary_or_an_admin_who_assigns_it(world: SimpleNamespace) -> None:
    w = world

    assert answers(w, lambda u: access.get_unit_for_functions(u, w.U)) == table(
        NO, city_admin="城建局", district_admin="城建局", unit_secretary="城建局", superuser="城建局"
    )
    assert answers(w, lambda u: access.get_unit_for_functions(u, w.W)) == table(
        NO, city_admin="西山医院", superuser="西山医院"
    )


def test_a_report_away_from_home_is_approved_by_the_members_unit(reports: SimpleNamespace) -> None:
    w = reports
    assert w.report_away.status == MemberReport.Status.UNIT_APPROVAL

    got = answers(w, lambda u: access.get_member_report_for_unit_approval(u, w.report_away.pk).member.name)

    # 钱安宁 is 教育局's: 城建局's secretary and 安宁社区's staff do not see her report to 北门社区;
    # those who see it and are not her unit's secretary are refused.
    assert got == table(
        NOT_FOUND,
        city_admin=NO,
        district_admin=NO,
        street_admin=NO,
        staff_b=NO,
        compound_secretary=NOT_FOUND,
        superuser="钱安宁",
    )


def test_a_new_mobile_is_decided_by_the_members_unit_secretaries(world: SimpleNamespace) -> None:
    w = world
    request = services.mobile_change_request_submit(
        id_number=w.m_u_b.id_number, mobile="19912345678", password=w.password, community=w.B
    )
    other = services.mobile_change_request_submit(
        id_number=w.m_v_b.id_number, mobile="19912345679", password=w.password, community=w.B
    )

    assert answers(w, lambda u: access.get_mobile_request_for_decision(u, request.pk).member.name) == table(
        NOT_FOUND, unit_secretary="李北辰", superuser="李北辰"
    )
    assert answers(w, lambda u: access.get_mobile_request_for_decision(u, other.pk).member.name) == table(
        NOT_FOUND, superuser="赵北岳"
    )


def test_a_members_report_is_returned_by_its_communitys_staff(reports: SimpleNamespace) -> None:
    w = reports

    assert answers(w, lambda u: access.get_member_report_for_return(u, w.report_a.pk).member.name) == table(
        NOT_FOUND,
        community_staff="王安华",
        compound_secretary=NO,
        unit_secretary=NO,
        member=NO,
        **dict.fromkeys(ADMINS, "王安华"),
    )


def test_a_batch_keeps_the_reports_waiting_for_the_users_communities(reports: SimpleNamespace) -> None:
    w = reports
    ids = [w.report_a.pk, w.report_b.pk, w.report_away.pk]

    assert answers(w, lambda u: _names(access.member_reports_for_confirmation(u, ids))) == table(
        NO,
        community_staff=["王安华"],
        staff_b=["赵北岳"],
        **dict.fromkeys(ADMINS, ["王安华", "赵北岳"]),
    )


def test_a_units_report_is_decided_by_its_communitys_staff(reports: SimpleNamespace) -> None:
    w = reports
    assert w.unit_report_u.status == UnitReport.Status.SUBMITTED

    assert answers(w, lambda u: access.get_unit_report_for_decision(u, w.unit_report_u.pk).unit.name) == table(
        NOT_FOUND,
        community_staff="城建局",
        compound_secretary=NO,
        unit_secretary=NO,
        **dict.fromkeys(ADMINS, "城建局"),
    )


def test_a_member_is_managed_by_the_unit_the_home_community_and_admins_above(world: SimpleNamespace) -> None:
    w = world

    assert answers(w, lambda u: access.get_member_for_management(u, w.m_u_a.pk)) == table(
        NOT_FOUND,
        community_staff="王安华",
        unit_secretary="王安华",
        compound_secretary=MANAGE,
        member=MANAGE,
        **dict.fromkeys(ADMINS, "王安华"),
    )
    # 赵北岳 (教育局, lives in 北门社区): not 安宁社区's nor 城建局's.
    assert answers(w, lambda u: access.get_member_for_management(u, w.m_v_b.pk)) == table(
        NOT_FOUND, staff_b="赵北岳", **dict.fromkeys(ADMINS, "赵北岳")
    )
