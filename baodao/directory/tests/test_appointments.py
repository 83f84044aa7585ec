"""Appointment services: work teams, city leader links, 三长 and first secretaries keep their history."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from baodao.directory import services
from baodao.directory.models import (
    FirstSecretaryTerm,
    HeadAppointment,
    LeaderLink,
    Member,
    WorkTeam,
    WorkTeamMembership,
)

DAY = dt.date(2025, 4, 1)


# --- first secretary ----------------------------------------------------------------------------


def test_first_secretary_term_follows_the_city_rule(world: SimpleNamespace) -> None:
    services.rule_set(key="first_secretary_term_years", value=3, city=world.C)

    term = services.first_secretary_appoint(member=world.m_v_a, place=world.A2, start_on=DAY)

    assert term.end_on == dt.date(2028, 4, 1)


def test_first_secretary_term_of_another_city_keeps_the_default(world: SimpleNamespace) -> None:
    other = services.place_create(kind="city", code="980100", name="邻市")
    services.rule_set(key="first_secretary_term_years", value=3, city=other)

    term = services.first_secretary_appoint(member=world.m_v_a, place=world.A2, start_on=DAY)

    assert term.end_on == dt.date(2027, 4, 1)


def test_replaced_first_secretary_keeps_the_row_with_an_end_date(world: SimpleNamespace) -> None:
    services.rule_set(key="first_secretary_term_years", value=3, city=world.C)
    old = world.term_A1
    start = old.start_on + dt.timedelta(days=30)

    new = services.first_secretary_appoint(member=world.m_v_a, place=world.A1, start_on=start)

    old.refresh_from_db()
    assert old.ended_on == start
    assert old.end_on == world.term_start + relativedelta(years=2)  # the rule when it was appointed
    assert new.end_on == start + relativedelta(years=3)
    assert set(FirstSecretaryTerm.objects.filter(place=world.A1)) == {old, new}
    assert list(FirstSecretaryTerm.objects.filter(place=world.A1, ended_on__isnull=True)) == [new]


def test_first_secretary_end_keeps_the_row(world: SimpleNamespace) -> None:
    services.first_secretary_end(term=world.term_A1, on=world.term_start + dt.timedelta(days=5))

    term = FirstSecretaryTerm.objects.get(pk=world.term_A1.pk)
    assert term.ended_on == world.term_start + dt.timedelta(days=5)
    with pytest.raises(ValidationError):
        services.first_secretary_end(term=term)


def test_first_secretary_must_be_in_service_and_on_a_compound_or_community(world: SimpleNamespace) -> None:
    with pytest.raises(ValidationError):
        services.first_secretary_appoint(member=world.m_v_a, place=world.A1_1, start_on=DAY)
    world.m_v_b.status = Member.Status.RETIRED
    world.m_v_b.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        services.first_secretary_appoint(member=world.m_v_b, place=world.B1, start_on=DAY)
    assert not FirstSecretaryTerm.objects.exclude(pk=world.term_A1.pk).exists()


# --- work teams ---------------------------------------------------------------------------------


def test_work_team_create_for_the_assigned_community(world: SimpleNamespace) -> None:
    team = services.work_team_create(unit=world.U, community=world.A)

    assert (team.unit, team.community, team.is_active) == (world.U, world.A, True)
    assert team.name == "城建局联系安宁社区工作队"
    with pytest.raises(ValidationError):
        services.work_team_create(unit=world.U, community=world.A)  # one active team per community
    with pytest.raises(ValidationError):
        services.work_team_create(unit=world.U, community=world.B)  # not assigned there
    with pytest.raises(ValidationError):
        services.work_team_create(unit=world.U, community=world.A1)  # not a community
    assert WorkTeam.objects.count() == 1


def test_work_team_member_add_and_end_keep_history(world: SimpleNamespace) -> None:
    team = services.work_team_create(unit=world.U, community=world.A)

    first = services.work_team_member_add(team=team, member=world.m_u_a, role="leader", start_on=DAY)
    with pytest.raises(ValidationError):
        services.work_team_member_add(team=team, member=world.m_u_a)  # already in
    services.work_team_member_end(membership=first, on=DAY + dt.timedelta(days=10))
    again = services.work_team_member_add(team=team, member=world.m_u_a, start_on=DAY + dt.timedelta(days=20))

    first.refresh_from_db()
    assert first.ended_on == DAY + dt.timedelta(days=10)
    assert set(WorkTeamMembership.objects.filter(team=team)) == {first, again}
    assert again.ended_on is None
    assert LogEntry.objects.get_for_object(first).count() == 2  # created, then ended


def test_work_team_member_must_belong_to_the_unit(world: SimpleNamespace) -> None:
    team = services.work_team_create(unit=world.U, community=world.A)

    with pytest.raises(ValidationError) as exc:
        services.work_team_member_add(team=team, member=world.m_v_a)

    assert exc.value.message_dict == {"member": ["只能选派本单位的党员"]}


def test_ending_before_the_start_is_refused(world: SimpleNamespace) -> None:
    team = services.work_team_create(unit=world.U, community=world.A)
    ms = services.work_team_member_add(team=team, member=world.m_u_b, start_on=DAY)

    with pytest.raises(ValidationError):
        services.work_team_member_end(membership=ms, on=DAY - dt.timedelta(days=1))

    assert WorkTeamMembership.objects.get(pk=ms.pk).ended_on is None


# --- city leaders -------------------------------------------------------------------------------


def test_leader_link_add_and_end(world: SimpleNamespace) -> None:
    link = services.leader_link_add(community=world.A, leader_name="张市长", title="副市长", start_on=DAY)
    with pytest.raises(ValidationError):
        services.leader_link_add(community=world.A, leader_name="张市长", title="副市长")
    with pytest.raises(ValidationError):
        services.leader_link_add(community=world.A1, leader_name="李主任", title="主任")

    services.leader_link_end(link=link, on=DAY + dt.timedelta(days=1))
    again = services.leader_link_add(community=world.A, leader_name="张市长", title="市长", start_on=DAY)

    link.refresh_from_db()
    assert link.ended_on == DAY + dt.timedelta(days=1)
    assert set(LeaderLink.objects.filter(community=world.A)) == {link, again}


# --- 三长 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "place", "ok"),
    [
        ("compound_head", "A1", True),
        ("compound_head", "A1_1", False),
        ("compound_head", "A", False),
        ("building_head", "A1_1", True),
        ("building_head", "A1", False),
        ("household_head", "A1_1", True),
        ("household_head", "A1", False),
    ],
)
def test_head_appoint_checks_the_place_kind(world: SimpleNamespace, kind: str, place: str, ok: bool) -> None:
    if ok:
        head = services.head_appoint(kind=kind, place=getattr(world, place), person_name="刘院长")
        assert head.person_name == "刘院长"
    else:
        with pytest.raises(ValidationError):
            services.head_appoint(kind=kind, place=getattr(world, place), person_name="刘院长")
        assert not HeadAppointment.objects.exists()


def test_new_compound_head_ends_the_current_one(world: SimpleNamespace) -> None:
    old = services.head_appoint(kind="compound_head", place=world.A1, person_name="刘院长", start_on=DAY)

    new = services.head_appoint(kind="compound_head", place=world.A1, resident=world.r_a1, start_on=DAY.replace(day=9))

    old.refresh_from_db()
    assert old.ended_on == DAY.replace(day=9)
    assert (new.person_name, new.resident, new.ended_on) == ("陈安居", world.r_a1, None)
    assert set(HeadAppointment.objects.all()) == {old, new}


def test_several_household_heads_per_building_and_end(world: SimpleNamespace) -> None:
    one = services.head_appoint(kind="household_head", place=world.A1_1, member=world.m_u_a, start_on=DAY)
    two = services.head_appoint(kind="household_head", place=world.A1_1, person_name="何户长", start_on=DAY)
    with pytest.raises(ValidationError):
        services.head_appoint(kind="household_head", place=world.A1_1, member=world.m_u_a)

    services.head_end(appointment=one, on=DAY)

    assert set(HeadAppointment.objects.filter(ended_on__isnull=True)) == {two}
    assert HeadAppointment.objects.get(pk=one.pk).ended_on == DAY


def test_head_must_live_in_the_community(world: SimpleNamespace) -> None:
    with pytest.raises(ValidationError):
        services.head_appoint(kind="building_head", place=world.A1_1, member=world.m_v_b)  # lives in B

    assert not HeadAppointment.objects.exists()
