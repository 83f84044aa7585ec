"""The three full coverages (issue 3 §4) on the known situation of `coverage_world` (see conftest):
exact figures for every level, the laggard lists as exact sets, scoping by role, and the cost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext

from baodao.accounts.models import Role
from baodao.accounts.services import user_create
from baodao.directory import services as directory_services
from baodao.directory.models import Place
from baodao.directory.services import rule_set
from baodao.reporting import services
from baodao.reporting.models import MemberReport
from baodao.reporting.tests.conftest import confirm, new_member, submit
from baodao.stats import coverage
from baodao.stats.coverage import AreaCoverage, Rate


def figures(a: AreaCoverage) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(units done/total, members done/total, compounds done/total)."""
    return (a.units.done, a.units.total), (a.members.done, a.members.total), (a.compounds.done, a.compounds.total)


def child_figures(rows: list[AreaCoverage]) -> dict[str, tuple]:
    return {r.place.name: figures(r) for r in rows}


# --- whole areas --------------------------------------------------------------------------------


def test_city_coverage(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    total, rows = coverage.area_coverage(w.city_admin, w.C)

    assert total.place == w.C
    assert figures(total) == ((1, 3), (3, 7), (2, 5))
    assert child_figures(rows) == {
        "东湖区": ((1, 3), (2, 6), (1, 4)),
        "西山区": ((0, 0), (1, 1), (1, 1)),
    }
    assert (total.units.percent, total.members.percent, total.compounds.percent) == (33.3, 42.9, 40.0)


def test_district_coverage(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    total, rows = coverage.area_coverage(w.city_admin, w.D1)

    assert figures(total) == ((1, 3), (2, 6), (1, 4))
    assert child_figures(rows) == {
        "安北街道": ((1, 3), (2, 5), (1, 3)),
        "恩泽街道": ((0, 0), (0, 1), (0, 1)),
    }


def test_street_coverage(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    total, rows = coverage.area_coverage(w.city_admin, w.S1)

    assert figures(total) == ((1, 3), (2, 5), (1, 3))
    assert child_figures(rows) == {
        "安宁社区": ((1, 2), (1, 3), (1, 2)),
        "北门社区": ((0, 1), (1, 2), (0, 1)),
    }


def test_community_coverage(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    total, rows = coverage.area_coverage(w.city_admin, w.A)

    # units U (confirmed) and W (not reported) are assigned to A; m_u_a done; m_v_a and m_mov pending
    assert figures(total) == ((1, 2), (1, 3), (1, 2))
    assert child_figures(rows) == {
        "安一小区": ((0, 0), (1, 1), (1, 1)),
        "安二小区": ((0, 0), (0, 2), (0, 1)),
    }
    assert total.members.percent == 33.3 and total.members.missing == 2


def test_empty_area_has_no_percent(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    total, rows = coverage.area_coverage(w.city_admin, w.D2)

    assert total.units == Rate(0, 0) and total.units.percent is None
    assert [r.place.name for r in rows] == ["方圆街道"]


def test_pending_report_does_not_count_until_confirmed(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    confirm(w.r_v_a, w.community_staff)

    total, _ = coverage.area_coverage(w.city_admin, w.A)
    assert total.members == Rate(2, 3)
    assert coverage.area_coverage(w.city_admin, w.C)[0].members == Rate(4, 7)


def test_returned_report_does_not_count(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    services.member_report_return(report=w.r_v_a, by=w.community_staff, reason="楼栋不对")

    assert coverage.area_coverage(w.city_admin, w.A)[0].members == Rate(1, 3)


def test_member_who_moved_is_counted_once_in_the_new_community_after_confirmation(
    coverage_world: SimpleNamespace,
) -> None:
    w = coverage_world
    assert w.r_mov.community == w.A and w.r_mov.status == MemberReport.Status.PENDING
    before_b = coverage.area_coverage(w.city_admin, w.B)[0].members

    confirm(w.r_mov, w.community_staff)

    city, _ = coverage.area_coverage(w.city_admin, w.C)
    a, _ = coverage.area_coverage(w.city_admin, w.A)
    b, _ = coverage.area_coverage(w.city_admin, w.B)
    assert before_b == Rate(1, 2)  # m_mov left B's denominator at once
    assert (a.members, b.members, city.members) == (Rate(2, 3), Rate(1, 2), Rate(4, 7))
    # m_mov has two reports (one ended, one confirmed) but is one member in the figures
    assert w.m_mov.reports.count() == 2
    assert coverage.members_qs(w.city_admin).filter(pk=w.m_mov.pk).count() == 1


def test_retired_member_leaves_the_denominator(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    assert w.m_ret.reports.get().status == MemberReport.Status.ENDED

    services.member_set_status(member=w.m_u_a, status="transferred", by=None)

    a, _ = coverage.area_coverage(w.city_admin, w.A)
    assert a.members == Rate(0, 2)
    assert coverage.area_coverage(w.city_admin, w.C)[0].members == Rate(2, 6)


def test_member_who_left_the_unit_is_not_reported_any_more(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    services.member_leave_unit(member=w.m_u_a, unit=w.V, party_org=w.V.party_orgs.first(), by=None)

    assert coverage.area_coverage(w.city_admin, w.A)[0].members == Rate(0, 3)
    assert coverage.unit_member_coverage(w.city_admin, [w.U, w.V]) == {
        w.U.pk: Rate(0, 1),
        w.V.pk: Rate(1, 4),
    }


def test_unit_counts_only_when_confirmed_and_moves_with_its_assignment(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    services.unit_report_confirm(report=w.v_report, by=w.staff_b, community_signatory="北门书记")
    assert coverage.area_coverage(w.city_admin, w.B)[0].units == Rate(1, 1)

    services.unit_assign(unit=w.V, community=w.E, by=w.city_admin)  # the report to B ends

    assert coverage.area_coverage(w.city_admin, w.B)[0].units == Rate(0, 0)
    assert coverage.area_coverage(w.city_admin, w.E)[0].units == Rate(0, 1)
    assert coverage.area_coverage(w.city_admin, w.C)[0].units == Rate(1, 3)


def test_inactive_unit_leaves_the_denominator(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    w.W.is_active = False
    w.W.save(update_fields=["is_active"])

    assert coverage.area_coverage(w.city_admin, w.A)[0].units == Rate(1, 1)


def test_unassigned_unit_counts_where_its_office_is(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    from baodao.directory.models import Unit

    Unit.objects.create(code="X001", name="新设单位", kind=Unit.Kind.SOE, office_place=w.E1)

    assert coverage.area_coverage(w.city_admin, w.E)[0].units == Rate(0, 1)
    assert {u.name for u in coverage.laggard_units(w.city_admin, w.S2)} == {"新设单位"}


def test_first_secretary_coverage_ignores_ended_terms(coverage_world: SimpleNamespace, today: dt.date) -> None:
    w = coverage_world
    assert coverage.area_coverage(w.city_admin, w.B)[0].compounds == Rate(0, 1)

    directory_services.first_secretary_appoint(member=w.m_u_b, place=w.B1, start_on=today)

    assert coverage.area_coverage(w.city_admin, w.B)[0].compounds == Rate(1, 1)


def test_a_term_past_its_end_date_does_not_cover(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    directory_services.first_secretary_appoint(member=w.m_w_e, place=w.E1, start_on=dt.date(2020, 1, 1))

    assert coverage.area_coverage(w.city_admin, w.E)[0].compounds == Rate(0, 1)
    assert {p.name for p in coverage.laggard_compounds(w.city_admin, w.E)} == {"恩一小区"}


def test_grids_count_like_compounds(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    directory_services.place_create(kind=Place.Kind.GRID, code="990101002001101", name="恩泽一网格", parent=w.E)

    total, rows = coverage.area_coverage(w.city_admin, w.E)

    assert total.compounds == Rate(0, 2)
    assert child_figures(rows)["恩泽一网格"] == ((0, 0), (0, 0), (0, 1))


def test_buildings_are_not_compounds(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    total, _ = coverage.area_coverage(w.city_admin, w.A1)

    assert total.compounds == Rate(1, 1)  # A1 itself, not its building A1-1


def test_unit_member_coverage(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    rates = coverage.unit_member_coverage(w.city_admin, [w.U, w.V, w.W])

    # U: m_u_a done, m_u_b not (m_ret retired); V: m_v_b done, m_v_a and m_mov pending; W: m_w_f done, m_w_e not
    assert rates == {w.U.pk: Rate(1, 2), w.V.pk: Rate(1, 3), w.W.pk: Rate(1, 2)}


def test_target_follows_the_rule(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    assert coverage.target_percent(w.A) == Decimal(100)

    rule_set(key="coverage_target_percent", value=Decimal(95), city=w.C)

    assert coverage.target_percent(w.A) == Decimal(95)


# --- laggard lists ------------------------------------------------------------------------------


def test_laggard_units(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    assert {u.name for u in coverage.laggard_units(w.city_admin, w.C)} == {"教育局", "西山医院"}
    assert {u.name for u in coverage.laggard_units(w.city_admin, w.A)} == {"西山医院"}
    assert {u.name for u in coverage.laggard_units(w.city_admin, w.B)} == {"教育局"}
    assert set(coverage.laggard_units(w.city_admin, w.D2)) == set()


def test_laggard_members(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    city = coverage.laggard_members(w.city_admin, w.C)

    assert {m.name for m in city} == {"李北辰", "钱安宁", "周恩泽", "郑搬家"}
    assert [m.unit.code for m in city] == sorted(m.unit.code for m in city)  # grouped by unit
    assert {m.name for m in coverage.laggard_members(w.city_admin, w.A)} == {"钱安宁", "郑搬家"}
    assert {m.name for m in coverage.laggard_members(w.city_admin, w.A1)} == set()
    assert {m.name for m in coverage.laggard_members(w.city_admin, w.B)} == {"李北辰"}


def test_laggard_compounds(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    assert {p.name for p in coverage.laggard_compounds(w.city_admin, w.C)} == {"安二小区", "北一小区", "恩一小区"}
    assert {p.name for p in coverage.laggard_compounds(w.city_admin, w.A)} == {"安二小区"}
    assert {p.name for p in coverage.laggard_compounds(w.city_admin, w.D2)} == set()


def test_terms_ending(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    assert set(coverage.terms_ending(w.city_admin, w.C)) == {w.term_F1}
    assert set(coverage.terms_ending(w.city_admin, w.D1)) == set()  # B1's term ended, A1's runs 2 years


def test_terms_ending_follows_the_rule(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    rule_set(key="term_ending_warning_days", value=Decimal(29), city=w.C)
    assert set(coverage.terms_ending(w.city_admin, w.C)) == set()

    rule_set(key="term_ending_warning_days", value=Decimal(30), city=w.C)
    assert set(coverage.terms_ending(w.city_admin, w.C)) == {w.term_F1}


def test_terms_ending_includes_terms_past_their_end(coverage_world: SimpleNamespace, today: dt.date) -> None:
    """A term past its end date that nobody ended is the most urgent of all: it stays on the list."""
    w = coverage_world
    late = directory_services.first_secretary_appoint(member=w.m_w_e, place=w.E1, start_on=dt.date(2020, 1, 1))

    assert set(coverage.terms_ending(w.city_admin, w.C)) == {w.term_F1, late}
    assert [t.place.name for t in coverage.terms_ending(w.city_admin, w.C)] == ["恩一小区", "方一小区"]


# --- scope --------------------------------------------------------------------------------------


def test_community_staff_sees_only_their_community(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    staff = w.community_staff

    for area in (w.A, w.S1, w.C):  # asking for a bigger area still shows only A
        total, _ = coverage.area_coverage(staff, area)
        assert figures(total) == ((1, 2), (1, 3), (1, 2)), area.name
    _, rows = coverage.area_coverage(staff, w.S1)
    assert child_figures(rows) == {"安宁社区": ((1, 2), (1, 3), (1, 2))}  # B is not his to see
    assert {m.name for m in coverage.laggard_members(staff, w.C)} == {"钱安宁", "郑搬家"}
    assert {p.name for p in coverage.laggard_compounds(staff, w.C)} == {"安二小区"}
    assert {u.name for u in coverage.laggard_units(staff, w.C)} == {"西山医院"}
    assert set(coverage.terms_ending(staff, w.C)) == set()


def test_community_staff_of_b_sees_only_b(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    total, _ = coverage.area_coverage(w.staff_b, w.B)

    assert figures(total) == ((0, 1), (1, 2), (0, 1))
    assert {m.name for m in coverage.laggard_members(w.staff_b, w.C)} == {"李北辰"}


def test_district_admin_sees_own_district(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    total, rows = coverage.area_coverage(w.district_admin, w.D1)

    assert figures(total) == ((1, 3), (2, 6), (1, 4))
    assert {r.place.name for r in rows} == {"安北街道", "恩泽街道"}
    assert set(coverage.terms_ending(w.district_admin, w.C)) == set()


def test_unit_secretary_figures_cover_only_the_unit(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    sec = w.unit_secretary

    total, rows = coverage.area_coverage(sec, w.A)

    # only U (not W) and only U's members living in A (m_u_a; m_u_b lives in B)
    assert (total.units, total.members) == (Rate(1, 1), Rate(1, 1))
    assert child_figures(rows)["安二小区"][1] == (0, 0)  # V's members there are not his
    assert coverage.unit_member_coverage(sec, [w.U, w.V, w.W]) == {w.U.pk: Rate(1, 2)}
    assert {m.name for m in coverage.laggard_members(sec, w.C)} == {"李北辰"}
    assert {u.name for u in coverage.laggard_units(sec, w.C)} == set()


def test_two_roles_see_the_union(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    both = user_create(
        username="both",
        password=w.password,
        roles=[
            {"role": Role.COMMUNITY_STAFF, "place": w.A},
            {"role": Role.COMMUNITY_STAFF, "place": w.B},
        ],
    )

    assert figures(coverage.area_coverage(both, w.S1)[0]) == ((1, 3), (2, 5), (1, 3))


# --- cost ---------------------------------------------------------------------------------------


def _queries(user, place: Place) -> int:
    from baodao.accounts.models import User

    user = User.objects.get(pk=user.pk)  # a fresh scope each time
    with CaptureQueriesContext(connection) as ctx:
        coverage.area_coverage(user, place)
    return len(ctx.captured_queries)


def test_area_coverage_query_count_does_not_grow_with_children(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    coverage.area_coverage(w.city_admin, w.S2)  # recounts what the world's setup marked
    one = _queries(w.city_admin, w.S2)  # one community
    for i in range(3):
        c = directory_services.place_create(
            kind=Place.Kind.COMMUNITY, code=f"99010100200{i + 2}", name=f"新社区{i}", parent=w.S2
        )
        p = directory_services.place_create(
            kind=Place.Kind.COMPOUND, code=f"99010100200{i + 2}001", name=f"新小区{i}", parent=c
        )
        submit(new_member(f"新党员{i}", w.U, p))

    total, rows = coverage.area_coverage(w.city_admin, w.S2)
    assert len(rows) == 4 and total.members == Rate(0, 4)
    assert _queries(w.city_admin, w.S2) == one
