"""Reads of 双报到, per role, with data next door that could leak: exact sets with ==."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baodao.directory import scope
from baodao.directory import services as directory_services
from baodao.directory.models import Category, Member, Place, Unit
from baodao.reporting import selectors, services
from baodao.reporting.models import Certificate, MemberReport
from baodao.reporting.selectors import LedgerStatus
from baodao.reporting.tests.conftest import confirm, confirmed_report, new_member, submit, unit_submit


@pytest.fixture
def reports(world: SimpleNamespace, teams: list) -> SimpleNamespace:
    """Member reports to A, B and F; unit reports of U, W (to A) and V (to B); certificates next door."""
    w = world
    w.r_a = confirmed_report(w.m_u_a, w.community_staff)  # U → A
    w.r_b = submit(w.m_v_b)  # V → B
    w.r_u_b = submit(w.m_u_b)  # U → B
    w.r_f = submit(w.m_w_f)  # W → F
    w.ur_u = unit_submit(w.U, w.unit_secretary)
    w.ur_v = unit_submit(w.V, w.superuser)
    w.ur_w = unit_submit(w.W, w.superuser)
    w.c_v_a = services.certificate_issue(member=w.m_v_a, by=w.superuser)  # V, to A
    w.c_w_e = services.certificate_issue(member=w.m_w_e, by=w.superuser)  # W, to E
    return w


def fresh(user):
    from baodao.accounts.models import User

    return User.objects.get(pk=user.pk)


MEMBER_REPORTS = {
    "city_admin": {"r_a", "r_b", "r_u_b", "r_f"},
    "district_admin": {"r_a", "r_b", "r_u_b"},
    "street_admin": {"r_a", "r_b", "r_u_b"},
    "community_staff": {"r_a"},
    "compound_secretary": {"r_a"},
    "unit_secretary": {"r_a", "r_u_b"},
    "member": {"r_a"},
    "resident": set(),
}


@pytest.mark.parametrize("role", sorted(MEMBER_REPORTS))
def test_member_reports_for_user(reports: SimpleNamespace, role: str) -> None:
    w = reports
    if role == "member":
        w.m_u_a.user = w.member_user
        w.m_u_a.save(update_fields=["user"])
    expected = {getattr(w, n).pk for n in MEMBER_REPORTS[role]}

    assert {r.pk for r in selectors.member_reports_for_user(w.role_users[role])} == expected


def test_member_reports_for_other_users(reports: SimpleNamespace) -> None:
    w = reports
    assert {r.pk for r in selectors.member_reports_for_user(w.staff_b)} == {w.r_b.pk, w.r_u_b.pk}
    assert set(selectors.member_reports_for_user(w.nobody)) == set()
    assert selectors.member_reports_for_user(w.superuser).count() == 4


def test_member_reports_for_user_filters(reports: SimpleNamespace) -> None:
    w = reports
    staff = w.city_admin

    assert {r.pk for r in selectors.member_reports_for_user(staff, status="pending")} == {
        w.r_b.pk,
        w.r_u_b.pk,
        w.r_f.pk,
    }
    assert {r.pk for r in selectors.member_reports_for_user(staff, status="pending", community=w.B)} == {
        w.r_b.pk,
        w.r_u_b.pk,
    }


UNIT_REPORTS = {
    "city_admin": {"ur_u", "ur_v", "ur_w"},
    "district_admin": {"ur_u", "ur_v", "ur_w"},
    "street_admin": {"ur_u", "ur_v", "ur_w"},
    "community_staff": {"ur_u", "ur_w"},
    "compound_secretary": {"ur_u", "ur_w"},
    "unit_secretary": {"ur_u"},
    "member": set(),
    "resident": set(),
}


@pytest.mark.parametrize("role", sorted(UNIT_REPORTS))
def test_unit_reports_for_user(reports: SimpleNamespace, role: str) -> None:
    w = reports
    expected = {getattr(w, n).pk for n in UNIT_REPORTS[role]}

    assert {r.pk for r in selectors.unit_reports_for_user(w.role_users[role])} == expected


def test_unit_reports_for_staff_of_b(reports: SimpleNamespace) -> None:
    w = reports
    assert {r.pk for r in selectors.unit_reports_for_user(w.staff_b)} == {w.ur_v.pk}
    assert {r.pk for r in selectors.unit_reports_for_user(w.city_admin, status="submitted")} == {
        w.ur_u.pk,
        w.ur_v.pk,
        w.ur_w.pk,
    }


def test_certificates_for_user_by_role(world: SimpleNamespace) -> None:
    w = world
    c_u_b = services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)  # U, to B
    c_v_a = services.certificate_issue(member=w.m_v_a, by=w.superuser)  # V, to A
    c_w_e = services.certificate_issue(member=w.m_w_e, by=w.superuser)  # W, to E
    c_w_f = services.certificate_issue(member=w.m_w_f, by=w.superuser)  # W, to F
    expected = {
        "city_admin": {c_u_b, c_v_a, c_w_e, c_w_f},
        "district_admin": {c_u_b, c_v_a, c_w_e},
        "street_admin": {c_u_b, c_v_a},
        "community_staff": set(),  # staff see overdue members of their community through their own list
        "compound_secretary": set(),
        "unit_secretary": {c_u_b},
        "member": set(),  # m_u_a has no certificate
        "resident": set(),
    }

    got = {role: set(selectors.visible_certificates(u)) for role, u in w.role_users.items()}

    assert got == expected


def test_actionable_communities(world: SimpleNamespace) -> None:
    w = world
    expected = {
        "city_admin": {"安宁社区", "北门社区", "恩泽社区", "方圆社区"},
        "district_admin": {"安宁社区", "北门社区", "恩泽社区"},
        "street_admin": {"安宁社区", "北门社区"},
        "community_staff": {"安宁社区"},
        "compound_secretary": set(),
        "unit_secretary": set(),
        "member": set(),
        "resident": set(),
    }

    got = {role: {p.name for p in selectors.actionable_communities(u)} for role, u in w.role_users.items()}

    assert got == expected
    assert {p.name for p in selectors.actionable_communities(w.staff_b)} == {"北门社区"}


def test_can_act_for_unit(world: SimpleNamespace) -> None:
    w = world
    assert {role for role, u in w.role_users.items() if scope.can_act_for_unit(u, w.U)} == {"unit_secretary"}
    assert not scope.can_act_for_unit(w.unit_secretary, w.V)
    assert scope.can_act_for_unit(w.superuser, w.V)


def test_active_and_latest_report_of(world: SimpleNamespace, teams: list) -> None:
    w = world
    assert selectors.active_report_of(w.m_u_a) is None
    old = confirmed_report(w.m_u_a, w.community_staff)
    new = services.member_move(member=w.m_u_a, residence=w.B1, by=None)

    assert selectors.active_report_of(w.m_u_a) == new
    assert selectors.latest_report_of(w.m_u_a) == new
    assert old != new


# --- the ledger ---------------------------------------------------------------------------------


@pytest.fixture
def ledger_world(world: SimpleNamespace, teams: list, today: dt.date) -> SimpleNamespace:
    """A member of U in every ledger state, and U members who must not be on it."""
    w = world
    U, A2 = w.U, w.A2
    confirmed_report(w.m_u_a, w.community_staff)  # 王安华 confirmed
    services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)  # 李北辰 issued
    late = new_member("褚逾期", U, A2)
    c = services.certificate_issue(member=late, by=w.unit_secretary)
    Certificate.objects.filter(pk=c.pk).update(deadline=today - dt.timedelta(days=1))
    submit(new_member("蒋待审", U, A2), community=w.B, residence=w.B1)  # self-report away: unit approval
    waiting = new_member("沈待确认", U, A2)
    submit(waiting, certificate=services.certificate_issue(member=waiting, by=w.unit_secretary))
    services.member_report_return(report=submit(new_member("韩退回", U, A2)), by=w.community_staff, reason="重填")
    new_member("杨无证", U, A2)
    moved = new_member("朱搬家", U, A2)
    confirmed_report(moved, w.community_staff)
    services.member_move(member=moved, residence=w.B1, by=None)  # pending again, in B
    retired = new_member("秦退休", U, A2)
    confirmed_report(retired, w.community_staff)
    services.member_set_status(member=retired, status=Member.Status.RETIRED, by=None)
    gone = new_member("尤调走", U, A2)
    services.member_leave_unit(member=gone, unit=w.V, party_org=w.V.party_orgs.first(), by=None)
    return w


def test_unit_ledger_lists_every_in_service_member_with_status(ledger_world: SimpleNamespace) -> None:
    w = ledger_world

    rows = selectors.unit_ledger(w.U)

    assert {r.member.name: r.status for r in rows} == {
        "王安华": LedgerStatus.CONFIRMED,
        "李北辰": LedgerStatus.ISSUED,
        "褚逾期": LedgerStatus.OVERDUE,
        "蒋待审": LedgerStatus.UNIT_APPROVAL,
        "沈待确认": LedgerStatus.PENDING,
        "韩退回": LedgerStatus.RETURNED,
        "杨无证": LedgerStatus.NO_CERTIFICATE,
        "朱搬家": LedgerStatus.PENDING,
    }
    by_name = {r.member.name: r for r in rows}
    assert by_name["王安华"].report.receipt_number.startswith("HZ")
    assert by_name["王安华"].status_label == "已报到"
    assert by_name["褚逾期"].status_label == "逾期未报到"
    assert by_name["朱搬家"].report.community == w.B  # the current report, not the ended one
    assert by_name["沈待确认"].certificate.status == Certificate.Status.USED
    assert by_name["杨无证"].certificate is None and by_name["杨无证"].report is None


def test_unit_ledger_of_another_unit(ledger_world: SimpleNamespace) -> None:
    w = ledger_world

    assert {r.member.name for r in selectors.unit_ledger(w.V)} == {"赵北岳", "钱安宁", "尤调走"}


def test_unit_ledger_overdue_uses_the_given_day(ledger_world: SimpleNamespace, today: dt.date) -> None:
    w = ledger_world
    later = today + dt.timedelta(days=31)

    rows = {r.member.name: r.status for r in selectors.unit_ledger(w.U, today=later)}

    assert rows["李北辰"] == LedgerStatus.OVERDUE


def test_unit_ledger_query_count_is_constant(world: SimpleNamespace, teams: list) -> None:
    w = world
    unit = Unit.objects.create(code="Q001", name="计数局", kind=Unit.Kind.ORGAN, office_place=w.A)
    unit.party_orgs.create(kind="branch", name="计数局党支部")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.unit_ledger(unit)
            shown = [
                (r.member.party_org.name, r.member.residence.parent, r.status_label, r.report and r.report.community)
                for r in rows
            ]
            assert shown
        return len(ctx.captured_queries)

    m = new_member("甲", unit, w.A1)
    confirmed_report(m, w.community_staff)
    one = count()
    for name in ("乙", "丙"):
        m = new_member(name, unit, w.A2)
        submit(m, certificate=services.certificate_issue(member=m, by=w.superuser))
    assert count() == one


# --- overdue ------------------------------------------------------------------------------------


@pytest.fixture
def overdue_world(world: SimpleNamespace, today: dt.date) -> SimpleNamespace:
    w = world
    past = today - dt.timedelta(days=1)
    w.o_u_a = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)  # U → A, overdue
    w.o_v_a = services.certificate_issue(member=w.m_v_a, by=w.superuser)  # V → A, overdue
    w.o_v_b = services.certificate_issue(member=w.m_v_b, by=w.superuser)  # V → B, overdue
    w.in_time = services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)  # U → B, in time
    Certificate.objects.filter(pk__in=[w.o_u_a.pk, w.o_v_a.pk, w.o_v_b.pk]).update(deadline=past)
    return w


def test_overdue_certificates(overdue_world: SimpleNamespace) -> None:
    w = overdue_world

    assert set(selectors.overdue_certificates(w.unit_secretary)) == {w.o_u_a}
    assert set(selectors.overdue_certificates(w.city_admin)) == {w.o_u_a, w.o_v_a, w.o_v_b}
    assert set(selectors.overdue_certificates(w.community_staff)) == set()


def test_overdue_for_community(overdue_world: SimpleNamespace) -> None:
    w = overdue_world

    assert set(selectors.overdue_for_community(w.community_staff, w.A)) == {w.o_u_a, w.o_v_a}
    assert set(selectors.overdue_for_community(w.staff_b, w.B)) == {w.o_v_b}
    assert set(selectors.overdue_for_community(w.staff_b, w.A)) == set()  # not his community
    assert set(selectors.overdue_for_community(w.unit_secretary, w.A)) == set()
    assert set(selectors.overdue_for_community(w.street_admin, w.A)) == {w.o_u_a, w.o_v_a}


def test_overdue_leaves_when_the_member_registers_or_retires(
    overdue_world: SimpleNamespace, teams: list, today: dt.date
) -> None:
    w = overdue_world
    Certificate.objects.filter(pk=w.o_u_a.pk).update(deadline=today)
    w.o_u_a.refresh_from_db()
    submit(w.m_u_a, certificate=w.o_u_a)
    services.member_set_status(member=w.m_v_a, status=Member.Status.RETIRED, by=None)

    assert set(selectors.overdue_for_community(w.community_staff, w.A)) == set()


# --- assignment ---------------------------------------------------------------------------------


@pytest.fixture
def located(world: SimpleNamespace) -> SimpleNamespace:
    w = world

    def at(place: Place, lat: str, lon: str) -> None:
        place.latitude, place.longitude = Decimal(lat), Decimal(lon)
        place.save(update_fields=["latitude", "longitude"])

    at(w.A, "30.000000", "114.000000")
    at(w.B, "30.010000", "114.000000")
    at(w.E, "30.050000", "114.000000")
    at(w.S3, "30.200000", "114.000000")  # F has no point of its own: its street's is used
    w.G = directory_services.place_create(kind=Place.Kind.COMMUNITY, code="990101001003", name="光明社区", parent=w.S1)
    at(w.G, "30.010000", "114.000000")  # as far as B, with no unit yet
    w.H = directory_services.place_create(kind=Place.Kind.COMMUNITY, code="990101002002", name="和平社区", parent=w.S2)
    return w


def test_assignment_candidates_sorted_by_distance_then_load(located: SimpleNamespace) -> None:
    w = located

    got = [(c.community.name, c.distance_km, c.unit_count) for c in selectors.assignment_candidates(w.city_admin, w.U)]

    assert got == [
        ("安宁社区", 0.0, 2),
        ("光明社区", 1.1, 0),
        ("北门社区", 1.1, 1),
        ("恩泽社区", 5.6, 0),
        ("方圆社区", 22.2, 0),
        ("和平社区", None, 0),  # no point anywhere above it but the city... which has none
    ]


def test_assignment_candidates_of_a_district_admin(located: SimpleNamespace) -> None:
    w = located

    got = {c.community.name for c in selectors.assignment_candidates(w.district_admin, w.U)}

    assert got == {"安宁社区", "光明社区", "北门社区", "恩泽社区", "和平社区"}


def test_assignment_candidates_show_matching_demands(located: SimpleNamespace, today: dt.date) -> None:
    w = located
    law = Category.objects.create(kind=Category.Kind.INTENTION, name="法律援助")
    env = Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="环境整治")[0]
    old = Category.objects.create(kind=Category.Kind.INTENTION, name="居家养老")
    services.unit_report_submit(
        unit=w.U,
        by=w.unit_secretary,
        resource_tags=[law],
        demand_tags=[env],
        contact_name="张",
        contact_phone="13911112222",
        report_date=today,
        unit_signatory="刘",
        unit_resources="法律",
        community_demands="环境",
    )
    services.unit_report_submit(
        unit=w.V,
        by=w.superuser,
        resource_tags=[],
        demand_tags=[law, old],
        contact_name="李",
        contact_phone="13911113333",
        report_date=today,
        unit_signatory="周",
        unit_resources="教育",
        community_demands="法律、养老",
    )

    cands = {c.community.name: c for c in selectors.assignment_candidates(w.city_admin, w.U)}

    assert [t.name for t in selectors.unit_functions(w.U)] == ["法律援助"]
    assert (cands["北门社区"].demand_tags, cands["北门社区"].matching_tags) == (["居家养老", "法律援助"], ["法律援助"])
    assert (cands["安宁社区"].demand_tags, cands["安宁社区"].matching_tags) == (["环境整治"], [])
    assert cands["恩泽社区"].demand_tags == []


def test_units_for_assignment(world: SimpleNamespace) -> None:
    w = world
    Unit.objects.create(code="X001", name="新设单位", kind=Unit.Kind.SOE, office_place=w.E1)
    Unit.objects.create(code="Y001", name="撤销单位", kind=Unit.Kind.SOE, office_place=w.E1, is_active=False)

    assert [u.name for u in selectors.units_for_assignment(w.city_admin)] == [
        "新设单位",
        "城建局",
        "教育局",
        "西山医院",
    ]
    assert [u.name for u in selectors.units_for_assignment(w.district_admin)] == ["新设单位", "城建局", "教育局"]
    assert [u.name for u in selectors.units_for_assignment(w.district_admin, q="教育")] == ["教育局"]
    assert [u.name for u in selectors.units_for_assignment(w.city_admin, q="W0")] == ["西山医院"]
    for role in ("street_admin", "community_staff", "unit_secretary", "member"):
        assert list(selectors.units_for_assignment(w.role_users[role])) == [], role


def test_can_assign_units(world: SimpleNamespace) -> None:
    w = world
    assert {r for r, u in w.role_users.items() if scope.can_assign_units(u, w.U)} == {"city_admin", "district_admin"}
    assert {r for r, u in w.role_users.items() if scope.can_assign_units(u, w.W)} == {"city_admin"}


def test_member_report_status_changes_are_seen_by_the_unit(world: SimpleNamespace, teams: list) -> None:
    """The receipt reaches the unit: the confirmed report is in the unit secretary's reports."""
    w = world
    r = submit(w.m_u_b)
    confirm(r, w.staff_b)

    mine = selectors.member_reports_for_user(w.unit_secretary, status=MemberReport.Status.CONFIRMED)

    assert [(x.member.name, x.receipt_number) for x in mine] == [("李北辰", r.receipt_number)]
