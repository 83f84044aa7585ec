"""Who is told (issue 20 §8): one selector per kind of recipient — a community's staff, a unit's
secretaries, a member's accounts, a resident's accounts, a work team's leaders — used by every
notice and reminder. Each test puts someone next door who must not be told: an account switched
off, a grant withdrawn, the community or unit beside."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.accounts.models import Role, RoleAssignment, User
from baodao.directory.models import WorkTeam, WorkTeamMembership
from baodao.notifications import selectors
from baodao.notifications.models import Notification
from baodao.records import reminders
from baodao.records import services as records_services
from baodao.reporting.tests.conftest import confirm, confirmed_report, submit
from baodao.stats import service_reminders

pytestmark = pytest.mark.django_db


def account(w: SimpleNamespace, username: str, *, active: bool = True, **role: object) -> User:
    user = account_services.user_create(
        username=username, password=w.password, display_name=username, roles=[role] if role else []
    )
    if not active:
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.refresh_from_db()
    return user


def withdrawn(w: SimpleNamespace, username: str, **role: object) -> User:
    """An active account whose grant was taken back."""
    user = account(w, username, **role)
    RoleAssignment.objects.filter(user=user).update(is_active=False)
    return user


def test_community_staff_are_the_active_holders_of_the_community(world: SimpleNamespace) -> None:
    w = world
    account(w, "staff_off", active=False, role=Role.COMMUNITY_STAFF, place=w.A)
    withdrawn(w, "staff_gone", role=Role.COMMUNITY_STAFF, place=w.A)
    second = account(w, "staff_2", role=Role.COMMUNITY_STAFF, place=w.A)
    assert selectors.community_staff(w.A).users == [w.community_staff, second]
    assert selectors.community_staff(w.A.pk).users == [w.community_staff, second]
    by_place = selectors.community_staff([w.A.pk, w.B.pk, w.E.pk])
    assert dict(by_place) == {w.A.pk: [w.community_staff, second], w.B.pk: [w.staff_b]}
    assert by_place[w.E.pk] == []  # nobody works there: nobody is told
    assert selectors.community_staff(w.A1).users == []  # a compound is not its community


def test_unit_secretaries_are_the_active_holders_of_the_unit(world: SimpleNamespace) -> None:
    w = world
    account(w, "sec_off", active=False, role=Role.UNIT_SECRETARY, unit=w.U)
    withdrawn(w, "sec_gone", role=Role.UNIT_SECRETARY, unit=w.U)
    next_door = account(w, "sec_v", role=Role.UNIT_SECRETARY, unit=w.V)
    assert selectors.unit_secretaries(w.U).users == [w.unit_secretary]
    assert dict(selectors.unit_secretaries([w.U.pk, w.V.pk, w.W.pk])) == {
        w.U.pk: [w.unit_secretary],
        w.V.pk: [next_door],
    }


def test_a_members_accounts_are_its_grant_and_its_roster_link_when_active(world: SimpleNamespace) -> None:
    w = world
    linked = account(w, "m_linked")
    w.m_u_a.user = linked
    w.m_u_a.save(update_fields=["user"])
    off = account(w, "m_off", active=False, role=Role.MEMBER, member=w.m_v_a)
    w.m_v_a.user = off  # the roster's link to an account switched off
    w.m_v_a.save(update_fields=["user"])
    withdrawn(w, "m_gone", role=Role.MEMBER, member=w.m_v_b)
    assert selectors.member_users(w.m_u_a).users == [w.member_user, linked]
    assert dict(selectors.member_users([w.m_u_a.pk, w.m_v_a.pk, w.m_v_b.pk])) == {w.m_u_a.pk: [w.member_user, linked]}


def test_a_residents_accounts(world: SimpleNamespace) -> None:
    w = world
    account(w, "r_off", active=False, role=Role.RESIDENT, resident=w.r_a1)
    neighbour = account(w, "r_b1", role=Role.RESIDENT, resident=w.r_b1)
    assert selectors.resident_users(w.r_a1).users == [w.resident_user]
    assert selectors.resident_users(w.r_b1).users == [neighbour]


def test_a_work_teams_leaders_now(world: SimpleNamespace) -> None:
    w = world
    team = WorkTeam.objects.create(unit=w.U, community=w.A, name="城建局安宁社区工作队")
    other = WorkTeam.objects.create(unit=w.V, community=w.B, name="教育局北门社区工作队")
    leader = account(w, "lead", role=Role.MEMBER, member=w.m_v_a)
    former = account(w, "lead_before", role=Role.MEMBER, member=w.m_v_b)
    ordinary = account(w, "member_only", role=Role.MEMBER, member=w.m_u_b)
    account(w, "lead_off", active=False, role=Role.MEMBER, member=w.m_w_e)
    start = w.term_start
    WorkTeamMembership.objects.create(team=team, member=w.m_v_a, role="leader", start_on=start)
    WorkTeamMembership.objects.create(
        team=team, member=w.m_v_b, role="leader", start_on=start, ended_on=timezone.localdate()
    )
    WorkTeamMembership.objects.create(team=team, member=w.m_u_b, role="member", start_on=start)
    WorkTeamMembership.objects.create(team=team, member=w.m_w_e, role="leader", start_on=start)
    WorkTeamMembership.objects.create(team=other, member=w.m_u_a, role="leader", start_on=start)
    assert selectors.team_leaders(team).users == [leader]
    assert former not in selectors.team_leaders([team.pk, other.pk]).users
    assert ordinary not in selectors.team_leaders([team.pk, other.pk]).users
    assert dict(selectors.team_leaders([team.pk, other.pk])) == {team.pk: [leader], other.pk: [w.member_user]}


# --- the notices that used to reach switched-off accounts ---------------------------------------------


def test_a_callup_does_not_reach_a_switched_off_account(world: SimpleNamespace) -> None:
    w = world
    confirmed_report(w.m_u_a, w.community_staff)
    confirmed_report(w.m_v_a, w.community_staff)
    off = account(w, "m_v_a_off", active=False, role=Role.MEMBER, member=w.m_v_a)
    start = timezone.now() + dt.timedelta(hours=1)
    records_services.callup_create(
        community=w.A,
        title="人口普查入户登记",
        address="社区党群服务中心",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        needed=5,
        by=w.community_staff,
    )
    told = set(Notification.objects.filter(title__startswith="应急动员").values_list("user_id", flat=True))
    assert told == {w.member_user.pk}
    assert off.pk not in told


def test_records_waiting_do_not_reach_switched_off_staff(world: SimpleNamespace) -> None:
    w = world
    confirmed_report(w.m_u_a, w.community_staff)
    off = account(w, "staff_off", active=False, role=Role.COMMUNITY_STAFF, place=w.A)
    start = timezone.now() - dt.timedelta(days=2)
    records_services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        content="x",
        by=w.member_user,
    )
    assert reminders.remind_pending(now=timezone.now()) == 1
    assert set(Notification.objects.values_list("user_id", flat=True)) == {w.community_staff.pk}
    assert not Notification.objects.filter(user=off).exists()


def test_units_behind_do_not_reach_switched_off_secretaries(world: SimpleNamespace) -> None:
    w = world
    confirmed_report(w.m_u_b, w.staff_b)  # 城建局's member, behind: its secretaries hear in October
    off = account(w, "sec_off", active=False, role=Role.UNIT_SECRETARY, unit=w.U)
    got = service_reminders.remind_behind(today=dt.date(timezone.localdate().year, 10, 8))
    assert got["records_behind_units"] == 1
    assert set(Notification.objects.filter(title__startswith="本单位").values_list("user_id", flat=True)) == {
        w.unit_secretary.pk
    }
    assert not Notification.objects.filter(user=off).exists()


def test_a_confirmed_report_does_not_reach_a_switched_off_roster_account(
    world: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    w = world
    off = account(w, "m_v_b_off", active=False)
    w.m_v_b.user = off
    w.m_v_b.save(update_fields=["user"])
    on = account(w, "m_u_b_on")
    w.m_u_b.user = on
    w.m_u_b.save(update_fields=["user"])
    with django_capture_on_commit_callbacks(execute=True):
        confirm(submit(w.m_v_b), w.staff_b)
        confirm(submit(w.m_u_b), w.staff_b)
    assert not Notification.objects.filter(user=off).exists()
    assert Notification.objects.filter(user=on, title="您的报到已确认").count() == 1
