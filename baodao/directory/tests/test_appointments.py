"""Appointment services: work teams, city leader links, 三长 and first secretaries keep their history."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

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


# --- pages --------------------------------------------------------------------------------------


def _place_url(place, action: str = "") -> str:
    return reverse(f"directory:place_{action}" if action else "directory:place_detail", args=[place.pk])


def _unit_url(unit, action: str = "") -> str:
    return reverse(f"directory:unit_{action}" if action else "directory:unit_detail", args=[unit.pk])


def test_place_page_shows_current_and_past_first_secretaries(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)
    start = (world.term_start + dt.timedelta(days=1)).isoformat()

    response = client.post(_place_url(world.A1, "fs_appoint"), {"member": "钱安宁", "start_on": start})

    assert response.status_code == 302
    page = client.get(_place_url(world.A1))
    terms = page.context["appointments"].terms
    assert [(t.member, t.ended_on) for t in terms] == [
        (world.m_v_a, None),
        (world.m_u_a, world.term_start + dt.timedelta(days=1)),
    ]
    html = page.content.decode()
    assert "王安华" in html and "钱安宁" in html


def test_first_secretary_appoint_with_an_unknown_member_is_422(world: SimpleNamespace, login) -> None:
    response = login(world.community_staff).post(_place_url(world.A1, "fs_appoint"), {"member": "李北辰"})

    assert response.status_code == 422
    assert "在您的管辖范围内未找到该党员" in response.content.decode()  # 李北辰 lives in B
    assert FirstSecretaryTerm.objects.count() == 1


def test_bad_date_is_422_and_writes_nothing(world: SimpleNamespace, login) -> None:
    response = login(world.community_staff).post(
        _place_url(world.A2, "fs_appoint"), {"member": "钱安宁", "start_on": "2025-13-40"}
    )

    assert response.status_code == 422
    assert "日期格式应为" in response.content.decode()
    assert FirstSecretaryTerm.objects.count() == 1


def test_first_secretary_end_from_the_page(world: SimpleNamespace, login) -> None:
    response = login(world.community_staff).post(_place_url(world.A1, "fs_end"), {"id": world.term_A1.pk})

    assert response.status_code == 302
    assert FirstSecretaryTerm.objects.get(pk=world.term_A1.pk).ended_on == timezone.localdate()


def test_out_of_scope_post_is_404_and_writes_nothing(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)

    assert (
        client.post(_place_url(world.B1, "head_appoint"), {"kind": "compound_head", "person_name": "某"}).status_code
        == 404
    )
    assert client.post(_place_url(world.B, "leader_add"), {"leader_name": "张", "title": "市长"}).status_code == 404
    assert login(world.staff_b).post(_unit_url(world.W, "team_create")).status_code == 404
    assert not HeadAppointment.objects.exists()
    assert not LeaderLink.objects.exists()
    assert not WorkTeam.objects.exists()


def test_ending_a_row_of_another_place_is_404(world: SimpleNamespace, login) -> None:
    response = login(world.community_staff).post(_place_url(world.A2, "fs_end"), {"id": world.term_A1.pk})

    assert response.status_code == 404
    assert FirstSecretaryTerm.objects.get(pk=world.term_A1.pk).ended_on is None


def test_compound_secretary_sees_but_cannot_appoint(world: SimpleNamespace, login) -> None:
    client = login(world.compound_secretary)

    page = client.get(_place_url(world.A1))
    response = client.post(_place_url(world.A1, "head_appoint"), {"kind": "compound_head", "person_name": "某"})

    assert page.status_code == 200
    assert page.context["can_appoint"] is False
    assert 'value="head_appoint"' not in page.content.decode()
    assert response.status_code == 403
    assert not HeadAppointment.objects.exists()


def test_heads_appointed_and_ended_from_the_page(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)

    ok = client.post(_place_url(world.A1_1, "head_appoint"), {"kind": "building_head", "member": "王安华"})
    wrong_kind = client.post(_place_url(world.A1, "head_appoint"), {"kind": "building_head", "person_name": "某"})
    head = HeadAppointment.objects.get()
    ended = client.post(_place_url(world.A1_1, "head_end"), {"id": head.pk})

    assert (ok.status_code, wrong_kind.status_code, ended.status_code) == (302, 422, 302)
    assert "楼长只能任职于楼栋" in wrong_kind.content.decode()
    head.refresh_from_db()
    assert (head.member, head.person_name, head.ended_on) == (world.m_u_a, "王安华", timezone.localdate())
    page = client.get(_place_url(world.A1_1))
    assert [h.pk for h in page.context["appointments"].heads] == [head.pk]


def test_city_admin_links_a_leader_and_community_staff_cannot(world: SimpleNamespace, login, client) -> None:
    staff = login(world.community_staff).post(_place_url(world.A, "leader_add"), {"leader_name": "张", "title": "市长"})
    assert staff.status_code == 403

    admin = login(world.city_admin)
    empty = admin.post(_place_url(world.A, "leader_add"), {"leader_name": "张市长", "title": ""})
    added = admin.post(_place_url(world.A, "leader_add"), {"leader_name": "张市长", "title": "副市长"})
    link = LeaderLink.objects.get()
    ended = admin.post(_place_url(world.A, "leader_end"), {"id": link.pk})

    assert (empty.status_code, added.status_code, ended.status_code) == (422, 302, 302)
    assert "职务不能为空" in empty.content.decode()
    link.refresh_from_db()
    assert (link.community, link.title, link.ended_on) == (world.A, "副市长", timezone.localdate())
    assert "张市长" in admin.get(_place_url(world.A)).content.decode()


def test_unit_secretary_runs_the_work_team_from_the_unit_page(world: SimpleNamespace, login) -> None:
    client = login(world.unit_secretary)

    created = client.post(_unit_url(world.U, "team_create"))
    team = WorkTeam.objects.get()
    added = client.post(_unit_url(world.U, "team_add"), {"team": team.pk, "member": "王安华", "role": "leader"})
    other_unit = client.post(_unit_url(world.U, "team_add"), {"team": team.pk, "member": "钱安宁"})
    ms = WorkTeamMembership.objects.get()
    ended = client.post(_unit_url(world.U, "team_end"), {"id": ms.pk})

    assert (created.status_code, added.status_code, other_unit.status_code, ended.status_code) == (302, 302, 422, 302)
    assert "在您的管辖范围内未找到该党员" in other_unit.content.decode()
    assert (team.community, team.unit) == (world.A, world.U)
    ms.refresh_from_db()
    assert (ms.member, ms.role, ms.ended_on) == (world.m_u_a, "leader", timezone.localdate())
    page = client.get(_unit_url(world.U))
    assert [m.pk for t in page.context["teams"] for m in t.memberships.all()] == [ms.pk]


def test_community_staff_cannot_change_a_units_team(world: SimpleNamespace, login) -> None:
    team = services.work_team_create(unit=world.W, community=world.A)

    response = login(world.community_staff).post(_unit_url(world.W, "team_add"), {"team": team.pk, "member": "孙方远"})

    assert response.status_code == 403
    assert not WorkTeamMembership.objects.exists()
