"""Coverage tallies (reporting/tallies.py): above community level the figures are sums of
per-community counts. After every kind of change they must equal the figures counted live from
the record — for every area of the test city, nobody twice, nobody left out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baodao.accounts.models import Role, User
from baodao.accounts.services import user_create
from baodao.directory import services as directory_services
from baodao.directory.models import FirstSecretaryTerm, Member, Place, Unit
from baodao.reporting import services
from baodao.reporting.tests.conftest import confirm, new_member, submit, unit_submit
from baodao.stats import coverage, tallies
from baodao.stats.models import CoverageMark, CoverageTally


def both_ways(user: User, place: Place) -> tuple:
    """(tallied, live) figures of the area and its children."""
    user = User.objects.get(pk=user.pk)
    total, rows = coverage.area_coverage(user, place)
    children = [r.place for r in rows]
    live_total, live_rows = coverage.live_area_coverage(user, place, children)
    return (total, rows), (live_total, live_rows)


def assert_exact(w: SimpleNamespace) -> None:
    for place in (w.C, w.D1, w.D2, w.S1, w.S2):
        tallied, live = both_ways(w.city_admin, place)
        assert tallied == live, place.name
    assert not CoverageMark.objects.exists()


# Every kind of change that moves a figure, done the way the application does it.
def _confirm_pending(w: SimpleNamespace) -> None:
    confirm(w.r_v_a, w.community_staff)


def _return_pending(w: SimpleNamespace) -> None:
    services.member_report_return(report=w.r_v_a, by=w.community_staff, reason="楼栋不对")


def _move_house(w: SimpleNamespace) -> None:
    services.member_move(member=w.m_u_a, residence=w.E1, by=None)


def _move_and_confirm(w: SimpleNamespace) -> None:
    report = services.member_move(member=w.m_v_b, residence=w.F1, by=None)
    confirm(report, w.city_admin)


def _retire(w: SimpleNamespace) -> None:
    services.member_set_status(member=w.m_w_f, status=Member.Status.RETIRED, by=None)


def _leave_unit(w: SimpleNamespace) -> None:
    services.member_leave_unit(member=w.m_u_a, unit=w.V, party_org=w.V.party_orgs.first(), by=None)


def _new_member_reports(w: SimpleNamespace) -> None:
    m = new_member("钱新来", w.W, w.E1)
    confirm(submit(m), w.city_admin)


def _member_deleted(w: SimpleNamespace) -> None:
    before = coverage.area_coverage(w.city_admin, w.C)[0].members.total
    m = new_member("孙临时", w.W, w.B1)
    assert coverage.area_coverage(w.city_admin, w.C)[0].members.total == before + 1
    directory_services.roster_row_delete(m)  # as the admin deletes it


def _profile_edit_moves_residence(w: SimpleNamespace) -> None:
    directory_services.member_update(member=w.m_w_e, residence=w.A1)


def _unit_confirmed(w: SimpleNamespace) -> None:
    services.unit_report_confirm(report=w.v_report, by=w.staff_b, community_signatory="北门书记")


def _unit_reassigned(w: SimpleNamespace) -> None:
    _unit_confirmed(w)
    services.unit_assign(unit=w.V, community=w.E, by=w.city_admin)


def _unit_deactivated(w: SimpleNamespace) -> None:
    w.U.is_active = False
    directory_services.roster_row_save(w.U)  # as the admin saves it


def _unit_office_moves(w: SimpleNamespace) -> None:
    before = coverage.area_coverage(w.city_admin, w.S2)[0].units.total
    unit = Unit(code="X001", name="新设单位", kind=Unit.Kind.SOE, office_place=w.E1)
    directory_services.roster_row_save(unit)  # as the admin adds it
    assert coverage.area_coverage(w.city_admin, w.S2)[0].units.total == before + 1
    unit.office_place = w.F1
    directory_services.roster_row_save(unit)


def _first_secretary_appointed(w: SimpleNamespace) -> None:
    directory_services.first_secretary_appoint(member=w.m_u_b, place=w.B1, start_on=dt.date.today())


def _term_ended(w: SimpleNamespace) -> None:
    directory_services.first_secretary_end(term=w.term_F1, on=dt.date.today())


def _compound_added_and_removed(w: SimpleNamespace) -> None:
    before = coverage.area_coverage(w.city_admin, w.C)[0].compounds.total
    p = directory_services.place_create(kind=Place.Kind.COMPOUND, code="990101001099", name="新小区", parent=w.B)
    assert coverage.area_coverage(w.city_admin, w.C)[0].compounds.total == before + 1
    directory_services.place_create(kind=Place.Kind.GRID, code="990101001098", name="新网格", parent=w.E)
    directory_services.roster_row_delete(p)  # as the admin deletes it


def _community_moves_to_another_street(w: SimpleNamespace) -> None:
    directory_services.place_move(place=w.B, parent=w.S2)  # its compounds' paths change in bulk


CHANGES: dict[str, Callable[[SimpleNamespace], None]] = {
    f.__name__.lstrip("_"): f
    for f in (
        _confirm_pending,
        _return_pending,
        _move_house,
        _move_and_confirm,
        _retire,
        _leave_unit,
        _new_member_reports,
        _member_deleted,
        _profile_edit_moves_residence,
        _unit_confirmed,
        _unit_reassigned,
        _unit_deactivated,
        _unit_office_moves,
        _first_secretary_appointed,
        _term_ended,
        _compound_added_and_removed,
        _community_moves_to_another_street,
    )
}


def test_the_known_world_reads_the_same_from_tallies(coverage_world: SimpleNamespace) -> None:
    assert_exact(coverage_world)
    assert CoverageTally.objects.exists()


# A returned report and a member added then deleted leave every figure where it was.
MOVES_NOTHING = {"return_pending", "member_deleted"}


def snapshot(w: SimpleNamespace) -> list:
    return [both_ways(w.city_admin, place)[0] for place in (w.C, w.D1, w.D2, w.S1, w.S2)]


@pytest.mark.parametrize("change", list(CHANGES))
def test_tallies_follow_every_change(coverage_world: SimpleNamespace, change: str) -> None:
    w = coverage_world
    before = snapshot(w)  # counted, marks consumed

    CHANGES[change](w)

    assert CoverageMark.objects.exists()  # the change left its mark
    assert_exact(w)
    assert (snapshot(w) == before) is (change in MOVES_NOTHING)


def test_all_changes_in_a_row(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    for name, change in CHANGES.items():
        # confirm_pending already decided that report; unit_reassigned confirms the unit itself
        if name not in ("return_pending", "unit_confirmed"):
            change(w)
            assert_exact(w)


def test_a_read_recounts_only_the_marked_communities(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    coverage.area_coverage(w.city_admin, w.C)
    counted = dict(CoverageTally.objects.values_list("path", "counted_at"))

    confirm(w.r_v_a, w.community_staff)  # in A
    coverage.area_coverage(w.city_admin, w.C)

    after = dict(CoverageTally.objects.values_list("path", "counted_at"))
    assert {p for p in after if after[p] != counted.get(p)} == {w.A.path}


def test_bulk_write_without_signals_is_fixed_by_mark_everything(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    coverage.area_coverage(w.city_admin, w.C)
    Member.objects.filter(pk=w.m_u_b.pk).update(status=Member.Status.TRANSFERRED)  # bypasses signals
    stale = coverage.area_coverage(w.city_admin, w.C)[0].members.total

    tallies.mark_everything()

    assert coverage.area_coverage(w.city_admin, w.C)[0].members.total == stale - 1
    assert_exact(w)


def test_rebuild_coverage_command(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    coverage.area_coverage(w.city_admin, w.C)
    CoverageTally.objects.update(members_done=99)  # damaged

    call_command("rebuild_coverage", verbosity=0)

    assert_exact(w)
    assert not CoverageTally.objects.filter(members_done=99).exists()


def test_a_lapsed_term_is_recounted_the_day_after_its_end(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    coverage.area_coverage(w.city_admin, w.C)
    tally = CoverageTally.objects.get(path=w.F.path)  # F1's term ends in 30 days
    assert (tally.compounds_done, tally.fresh_until) == (1, w.term_F1.end_on)

    assert tallies.refresh(today=w.term_F1.end_on) == 0  # still in force on its last day
    tallies.refresh(today=w.term_F1.end_on + dt.timedelta(days=1))

    tally.refresh_from_db()
    assert (tally.compounds_done, tally.fresh_until) == (0, None)


def test_a_mark_made_during_a_recount_survives_it(coverage_world: SimpleNamespace, monkeypatch) -> None:
    w = coverage_world
    coverage.area_coverage(w.city_admin, w.C)
    tallies.mark(w.A.pk)
    real = tallies._recount

    def recount_while_someone_writes(places: set[int], today: dt.date) -> None:
        real(places, today)
        tallies.mark(w.B.pk)  # committed by another request while this recount ran

    monkeypatch.setattr(tallies, "_recount", recount_while_someone_writes)
    tallies.refresh()

    assert list(CoverageMark.objects.values_list("place_id", flat=True)) == [w.B.pk]


def test_many_marks_become_one_full_recount(coverage_world: SimpleNamespace, monkeypatch) -> None:
    w = coverage_world
    coverage.area_coverage(w.city_admin, w.C)
    monkeypatch.setattr(tallies, "FULL_RECOUNT_OVER", 2)
    for m in (w.m_u_a, w.m_v_b, w.m_w_f):
        services.member_set_status(member=m, status=Member.Status.RETIRED, by=None)

    with CaptureQueriesContext(connection) as ctx:
        tallies.refresh()

    assert any('DELETE FROM "stats_coveragetally"' in q["sql"] and "WHERE" not in q["sql"] for q in ctx)
    assert_exact(w)


def test_steady_read_is_a_handful_of_queries(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    coverage.area_coverage(w.city_admin, w.C)
    user = User.objects.get(pk=w.city_admin.pk)

    with CaptureQueriesContext(connection) as ctx:
        coverage.area_coverage(user, w.C)

    assert not any("reporting_memberreport" in q["sql"] for q in ctx)  # no member is counted
    assert len(ctx) <= 6


# --- who reads tallies -------------------------------------------------------------------------


def test_staff_who_see_part_of_a_street_get_their_own_figures_counted_live(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    # Community staff of A see A's part of street S1, not B's: not the street's tallies.
    total, _ = coverage.area_coverage(w.community_staff, w.S1)
    assert total.members.total == 3
    assert coverage.area_coverage(w.city_admin, w.S1)[0].members.total == 5


@pytest.mark.parametrize(
    ("role", "place_attr", "area_attr", "expected"),
    [
        (Role.CITY_ADMIN, "C", "C", True),
        (Role.CITY_ADMIN, "C", "S1", True),
        (Role.DISTRICT_ADMIN, "D1", "C", False),
        (Role.DISTRICT_ADMIN, "D1", "S1", True),
        (Role.DISTRICT_ADMIN, "D2", "S1", False),
        (Role.COMMUNITY_STAFF, "A", "S1", False),
        (Role.COMMUNITY_STAFF, "A", "A", True),
    ],
)
def test_sees_whole_area(
    coverage_world: SimpleNamespace, role: str, place_attr: str, area_attr: str, expected: bool
) -> None:
    from baodao.directory import scope

    w = coverage_world
    user = user_create(username=f"u_{role}_{place_attr}", password=w.password, display_name="测试")
    user.role_assignments.create(role=role, place=getattr(w, place_attr))

    assert scope.sees_whole_area(user, getattr(w, area_attr)) is expected


def test_unit_secretary_and_member_never_see_a_whole_area(coverage_world: SimpleNamespace) -> None:
    from baodao.directory import scope

    w = coverage_world
    assert not scope.sees_whole_area(w.unit_secretary, w.S1)
    assert not scope.sees_whole_area(w.member_user, w.S1)
    assert scope.sees_whole_area(w.superuser, w.C)


def test_term_ending_today_counts_today(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    term = FirstSecretaryTerm.objects.get(pk=w.term_F1.pk)
    term.end_on = dt.date.today()
    term.save()

    assert coverage.area_coverage(w.city_admin, w.C)[0].compounds.done == 2
    assert_exact(w)


def test_unit_report_flow_moves_the_unit_figure(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    services.unit_assign(unit=w.W, community=w.B, by=w.city_admin)
    report = unit_submit(w.W, w.superuser)
    services.unit_report_confirm(report=report, by=w.staff_b, community_signatory="北门书记")

    assert coverage.area_coverage(w.city_admin, w.S1)[0].units.done == 2
    assert_exact(w)


# --- bulk writes -------------------------------------------------------------------------------


def test_a_roster_import_is_counted(db: None, settings, tmp_path) -> None:
    from django.core.files.base import ContentFile

    from baodao.directory.models import ImportJob
    from baodao.directory.tasks import run_import
    from baodao.directory.tests.test_import import member_row, xlsx
    from baodao.directory.tests.test_import import w as import_world

    w = import_world.__wrapped__(None, settings, tmp_path)
    assert coverage.area_coverage(w.city_admin, w.T)[0].members.total == 1
    job = ImportJob.objects.create(user=w.staff_a, kind="members", filename="roster.xlsx")
    job.file.save("roster.xlsx", ContentFile(xlsx("members", [member_row(1), member_row(2)]).getvalue()))

    run_import(job.pk)  # rows inserted in bulk, past the model signals

    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 2)
    total, rows = coverage.area_coverage(w.city_admin, w.T)
    assert total.members.total == 3
    live_total, live_rows = coverage.live_area_coverage(w.city_admin, w.T, [r.place for r in rows])
    assert (total, rows) == (live_total, live_rows)


def test_load_demo_leaves_exact_tallies_and_no_marks(db: None, settings) -> None:
    from io import StringIO

    settings.DEBUG = True
    call_command("load_demo", "--scale", "tiny", stdout=StringIO())

    assert not CoverageMark.objects.exists()  # counted by the command, not on the first page view
    admin = User.objects.get(username="city")
    city = Place.objects.get(kind=Place.Kind.CITY)
    total, rows = coverage.area_coverage(admin, city)
    assert (total, rows) == coverage.live_area_coverage(admin, city, [r.place for r in rows])
    assert total.members.done and total.units.done and total.compounds.done
