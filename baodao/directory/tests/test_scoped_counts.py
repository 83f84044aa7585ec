"""Counts and names on the directory pages come from scoped querysets: nothing from next door."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.directory import selectors, services


def test_unit_list_counts_only_members_in_scope(world: SimpleNamespace, login) -> None:
    # U has a member in A and one in B; W's two members live in E and F.
    response = login(world.community_staff).get(reverse("directory:unit_list"))

    assert {u.name: u.member_count for u in response.context["page"].object_list} == {"城建局": 1, "西山医院": 0}


def test_unit_list_counts_whole_unit_for_its_secretary(world: SimpleNamespace, login) -> None:
    response = login(world.unit_secretary).get(reverse("directory:unit_list"))

    assert {u.name: u.member_count for u in response.context["page"].object_list} == {"城建局": 2}


def test_unit_detail_org_counts_and_team_names_are_scoped(world: SimpleNamespace, login) -> None:
    team = services.work_team_create(unit=world.W, community=world.A)
    services.work_team_member_add(team=team, member=world.m_w_f, role="leader")
    services.work_team_member_add(team=team, member=world.m_w_e)

    staff = login(world.community_staff).get(reverse("directory:unit_detail", args=[world.W.pk]))

    assert {o.name: o.n for o in staff.context["orgs"]} == {"西山医院党委": 0, "西山医院第一党支部": 0}
    assert {ms.shown_name for t in staff.context["teams"] for ms in t.memberships.all()} == {"孙*远", "周*泽"}
    html = staff.content.decode()
    assert "孙方远" not in html
    assert "周恩泽" not in html


def test_unit_detail_for_an_admin_above_the_office_is_whole(world: SimpleNamespace, login) -> None:
    team = services.work_team_create(unit=world.W, community=world.A)
    services.work_team_member_add(team=team, member=world.m_w_f)

    admin = login(world.city_admin).get(reverse("directory:unit_detail", args=[world.W.pk]))

    assert {o.name: o.n for o in admin.context["orgs"]} == {"西山医院党委": 0, "西山医院第一党支部": 2}
    assert {ms.shown_name for t in admin.context["teams"] for ms in t.memberships.all()} == {"孙方远"}


def test_children_first_secretary_counts_only_places_in_scope(world: SimpleNamespace, fresh) -> None:
    # Staff of A who is also a member living in B1: sees B1 and the places above it, not B2.
    b2 = services.place_create(kind="compound", code="990101001002002", name="北二小区", parent=world.B)
    services.first_secretary_appoint(member=world.m_v_b, place=b2, start_on=world.term_start)
    user = account_services.user_create(
        username="staff_a_lives_b",
        password=world.password,
        roles=[{"role": Role.COMMUNITY_STAFF, "place": world.A}, {"role": Role.MEMBER, "member": world.m_v_b}],
    )

    stats = {c.place.name: c.counts for c in selectors.place_children_stats(fresh(user), world.S1)}

    assert {k: (v["first_secretaries"], v["compounds"], v["members"]) for k, v in stats.items()} == {
        "安宁社区": (1, 2, 2),
        "北门社区": (0, 1, 1),
    }
