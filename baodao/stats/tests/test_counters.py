"""Every family of counters, moved only by domain events, equals its recount: a walk of random steps
through 双报到, the service record, the three lists and the master data (people moving, units
reassigned, first secretaries, compounds and communities moved to another parent) leaves no drift in
any family; `recount --check` finds a damaged row of each family and `recount` mends it."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone

from baodao.directory import services as directory_services
from baodao.directory.models import Member, Place
from baodao.needs import services as needs_services
from baodao.needs.tests.conftest import law
from baodao.records import services as records_services
from baodao.records.models import Record
from baodao.reporting import services as reporting_services
from baodao.reporting.models import MemberReport, UnitReport
from baodao.reporting.tests.conftest import confirm, submit, team_types, unit_submit
from baodao.stats import counters, families, tallies
from baodao.stats import models as stats_models
from baodao.stats.tests.test_needs_counts import _step as demand_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def cw(world: SimpleNamespace) -> SimpleNamespace:
    """The world with members reported in A and B, residents' demands in both, and minimums low
    enough (no activities, two hours) that members cross them both ways during the walk."""
    w = world
    team_types()
    directory_services.rule_set(key="member_min_activities_per_year", value=Decimal(0), city=None)
    directory_services.rule_set(key="member_min_hours_per_year", value=Decimal(2), city=None)
    for member, staff in ((w.m_u_a, w.community_staff), (w.m_v_a, w.community_staff), (w.m_u_b, w.staff_b)):
        confirm(submit(member), staff)
    w.demands = [
        needs_services.demand_submit(
            by=w.resident_user, community=w.A, place=w.A1, category=law(), title=f"楼道灯坏了{i}", resident=w.r_a1
        )
        for i in range(4)
    ] + [
        needs_services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title=f"路灯坏了{i}")
        for i in range(3)
    ]
    w.team = w.U  # a unit may take a team item in the needs walk
    return w


def _log(rng: random.Random, w: SimpleNamespace) -> None:
    member = rng.choice([w.m_u_a, w.m_v_a, w.m_u_b, w.m_v_b])
    report = MemberReport.objects.filter(member=member, status=MemberReport.Status.CONFIRMED).first()
    community = report.community if report else w.A
    # this year or last year: the met-counts are kept per year
    start = timezone.now() - dt.timedelta(days=rng.choice([1, 2, 400, 401]), hours=rng.randrange(10))
    records_services.record_log(
        member=member,
        community=community,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=rng.choice([1, 2, 3])),
        content="走访",
        by=w.city_admin,
        aid=records_services.Aid(
            items="米", count=rng.randrange(3), money=Decimal(rng.randrange(50)), donor_kind="member"
        ),
    )


def _record_step(rng: random.Random, w: SimpleNamespace) -> None:
    r = Record.objects.order_by("?").first()
    if r is None:
        return
    staff = rng.choice([w.community_staff, w.staff_b, w.superuser])
    choice = rng.random()
    if choice < 0.6:
        records_services.record_confirm(record=r, by=staff)
    elif choice < 0.8:
        records_services.record_return(record=r, by=staff, reason="核实")
    else:
        minutes = rng.choice([30, 60, 150])
        records_services.record_edit(
            record=r, by=staff, starts_at=r.starts_at, ends_at=r.starts_at + dt.timedelta(minutes=minutes), content="改"
        )


def _report_step(rng: random.Random, w: SimpleNamespace) -> None:
    member = Member.objects.get(pk=rng.choice(w.members).pk)
    active = MemberReport.objects.filter(member=member, status__in=MemberReport.ACTIVE).first()
    choice = rng.random()
    if active is None:
        submit(member)
    elif choice < 0.5:
        reporting_services.member_reports_confirm(reports=[active], by=w.city_admin)
    elif choice < 0.6:
        reporting_services.member_report_return(report=active, by=w.city_admin, reason="楼栋不对")
    elif choice < 0.8:
        residence = rng.choice([w.A1, w.A1_1, w.A2, w.B1, w.B1_1, w.E1, w.F1])
        reporting_services.member_move(member=member, residence=Place.objects.get(pk=residence.pk), by=None)
    else:
        status = rng.choice([Member.Status.RETIRED, Member.Status.IN_SERVICE])
        reporting_services.member_set_status(member=member, status=status, by=None)


def _unit_step(rng: random.Random, w: SimpleNamespace) -> None:
    unit = rng.choice([w.U, w.V, w.W])
    choice = rng.random()
    if choice < 0.3:
        reporting_services.unit_assign(unit=unit, community=rng.choice([w.A, w.B, w.E, w.F]), by=w.city_admin)
    elif choice < 0.6:
        unit_submit(unit, w.superuser)
    else:
        report = UnitReport.objects.filter(unit=unit, status=UnitReport.Status.SUBMITTED).first()
        if report is not None:
            reporting_services.unit_report_confirm(report=report, by=w.city_admin, community_signatory="书记")


def _place_step(rng: random.Random, w: SimpleNamespace) -> None:
    choice = rng.random()
    if choice < 0.3:
        member = Member.objects.get(pk=rng.choice(w.members).pk)
        place = rng.choice([w.A1, w.A2, w.B1, w.E1, w.F1])
        directory_services.first_secretary_appoint(member=member, place=place, start_on=timezone.localdate())
    elif choice < 0.5:
        from baodao.directory.models import FirstSecretaryTerm

        term = FirstSecretaryTerm.objects.filter(ended_on__isnull=True).order_by("?").first()
        if term is not None:
            directory_services.first_secretary_end(term=term, on=max(term.start_on, timezone.localdate()))
    elif choice < 0.75:
        # a compound handed to the community next door: its members' reports follow it
        compound = Place.objects.get(pk=w.E1.pk)
        parent = w.F if compound.parent_id == w.E.pk else w.E
        directory_services.place_move(place=compound, parent=parent)
    else:
        # a community handed to another street: every counter of it keeps the new path
        community = Place.objects.get(pk=w.B.pk)
        parent = w.S2 if community.parent_id == w.S1.pk else w.S1
        directory_services.place_move(place=community, parent=parent)


def test_random_steps_keep_every_family_equal_to_its_recount(cw: SimpleNamespace) -> None:
    w = cw
    rng = random.Random(20261122)
    steps = [_log, _log, _record_step, _record_step, _record_step, _report_step, _unit_step, _place_step]
    refused = 0
    for _ in range(160):
        step = rng.choice([*steps, "demand"])
        try:
            if step == "demand":
                demand_step(rng, w, rng.choice(w.demands))
            else:
                step(rng, w)
        except ValidationError:
            refused += 1
        if rng.random() < 0.1:
            tallies.refresh()  # a coverage page read in between: consumes the marks so far

    assert refused > 10
    assert counters.recount(families.FAMILIES, fix=False) == []
    for family in families.FAMILIES:  # the walk moved every family
        assert family.model._default_manager.exists(), family.name
    assert stats_models.ServiceMet.objects.filter(year=timezone.localdate().year - 1).exists()


def test_every_counter_table_is_a_family() -> None:
    tables = {
        m
        for m in vars(stats_models).values()
        if isinstance(m, type) and issubclass(m, models.Model) and m._meta.app_label == "stats"
    }
    assert tables - {f.model for f in families.FAMILIES} == {stats_models.CoverageMark}  # marks are no counts


def test_recount_check_finds_a_damaged_row_of_every_family(cw: SimpleNamespace) -> None:
    w = cw
    start = timezone.now() - dt.timedelta(days=1)
    record = records_services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        content="走访",
        by=w.city_admin,
    )
    records_services.record_confirm(record=record, by=w.community_staff)
    tallies.refresh()
    assert counters.recount(families.FAMILIES, fix=False) == []
    damage = {
        stats_models.NeedCount: {"n": 99},
        stats_models.ServiceYear: {"minutes": 1},
        stats_models.ServiceMet: {"n": 7},
        stats_models.ServiceTally: {"path": "zz"},  # a stale path is drift too: areas sum by path
        stats_models.UnitServiceTally: {"aid_count": 5},
        stats_models.CoverageTally: {"members_done": 42},
    }
    for model, change in damage.items():
        model._default_manager.filter(pk=model._default_manager.order_by("pk").values("pk")[:1]).update(**change)

    out = StringIO()
    with pytest.raises(CommandError, match="recount_needs, recount_records, rebuild_coverage"):
        call_command("recount", "--check", stdout=out)
    drifted = {d.family for d in counters.recount(families.FAMILIES, fix=False)}
    assert drifted == {f.name for f in families.FAMILIES}
    assert "path 'zz' -> " in out.getvalue()

    call_command("recount", stdout=StringIO())
    call_command("recount", "--check", stdout=StringIO())
