"""Volunteer teams: created by the community with a reported leader; the types chosen when reporting
become memberships (on creation and on confirmation); one leader; join and leave on the phone; the
member's home asks until the rule's minimum is met."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.records import services
from baodao.records.models import Team, TeamMember
from baodao.records.services import RecordConflict, RecordError
from baodao.reporting.tests.conftest import confirmed_report, new_member, team_types

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_a_team_takes_in_who_chose_its_type_and_later_reports_join_too(rw: SimpleNamespace) -> None:
    # 王安华 and 钱安宁 chose the first team type when reporting (the conftest's default)
    policy = team_types()[0]
    team = services.team_create(community=rw.A, kind=policy, name="", leader=rw.m_u_a, by=rw.community_staff)
    assert team.name == "安宁社区政策理论宣传服务队"
    assert {(tm.member.name, tm.role) for tm in team.memberships.all()} == {("王安华", "leader"), ("钱安宁", "member")}
    # a member confirmed later, who chose it too, joins on confirmation
    newcomer = new_member("孙新来", rw.U, rw.A1)
    confirmed_report(newcomer, rw.community_staff)
    assert team.memberships.filter(member=newcomer, left_at__isnull=True).exists()
    # 李北辰 (北门社区 next door) cannot lead it; a second team of the same name is refused
    with pytest.raises(RecordError, match="队长须是已向本社区报到的党员"):
        services.team_create(community=rw.A, kind=policy, name="x", leader=rw.m_u_b, by=rw.community_staff)
    with pytest.raises(RecordConflict, match="已有名为"):
        services.team_create(community=rw.A, kind=policy, name="", leader=rw.m_v_a, by=rw.community_staff)
    assert Team.objects.count() == 1


def test_one_leader_join_leave(rw: SimpleNamespace) -> None:
    patrol = team_types()[1]
    team = services.team_create(community=rw.A, kind=patrol, name="巡防队", leader=rw.m_u_a, by=rw.community_staff)
    assert team.memberships.count() == 1  # nobody chose 治安联防
    services.team_join(team=team, member=rw.m_v_a, by=rw.member_v_user)
    with pytest.raises(RecordConflict, match="已是"):
        services.team_join(team=team, member=rw.m_v_a, by=rw.member_v_user)
    with pytest.raises(RecordError, match="队长不能直接退出"):
        services.team_leave(team=team, member=rw.m_u_a, by=rw.member_user)
    services.team_set_leader(team=team, member=rw.m_v_a, by=rw.community_staff)
    leaders = TeamMember.objects.filter(team=team, role="leader", left_at__isnull=True)
    assert [tm.member.name for tm in leaders] == ["钱安宁"]
    services.team_leave(team=team, member=rw.m_u_a, by=rw.member_user)
    assert team.memberships.filter(left_at__isnull=True).count() == 1


def test_pages_and_the_home_prompt(rw: SimpleNamespace) -> None:
    patrol = team_types()[1]
    member = client_for(rw.member_user)
    # 王安华 chose 政策理论宣传 but there is no such team yet: his home asks him to join one
    assert "还需加入 1 支" in member.get(reverse("home")).content.decode()
    staff = client_for(rw.community_staff)
    created = staff.post(
        reverse("records:teams"), {"community": rw.A.pk, "kind": patrol.pk, "name": "", "leader": rw.m_v_a.pk}
    )
    assert created.status_code == 302
    team = Team.objects.get()
    assert client_for(rw.staff_b).post(reverse("records:team_leader", args=[team.pk]), {"member": 1}).status_code == 404
    bad = staff.post(reverse("records:teams"), {"community": rw.A.pk, "kind": patrol.pk, "leader": rw.m_u_b.pk})
    assert bad.status_code == 422  # 李北辰 is not on the list of 安宁社区's reported members
    assert member.post(reverse("records:join", args=[team.pk])).status_code == 302
    assert 'id="join-teams-card"' not in member.get(reverse("home")).content.decode()
    page = member.get(reverse("records:team", args=[team.pk])).content.decode()
    assert "王安华" in page and "钱安宁" in page
    b_user = client_for(rw.staff_b)
    assert b_user.get(reverse("records:teams") + f"?community={rw.A.pk}").status_code == 404


def test_the_leader_claims_group_items_for_the_team(rw: SimpleNamespace) -> None:
    import datetime as dt

    from django.utils import timezone

    from baodao.needs.models import Claim, Demand
    from baodao.needs.tests.conftest import published
    from baodao.records.models import TeamClaim

    team = services.team_create(community=rw.A, kind=team_types()[0], name="", leader=rw.m_u_a, by=rw.community_staff)
    assert team.memberships.filter(member=rw.m_v_a, left_at__isnull=True).exists()  # chose its type
    group = published(rw, size=Demand.Size.TEAM, slots=2, title="小区楼道集中清理")
    person = published(rw, size=Demand.Size.PERSON, title="帮独居老人换灯泡")
    leader, member = client_for(rw.member_user), client_for(rw.member_v_user)
    # The leader sees the group item (not the individual one) and claims it for the team.
    page = leader.get(reverse("records:team", args=[team.pk])).content.decode()
    assert "小区楼道集中清理" in page and "帮独居老人换灯泡" not in page
    # A team member who is not the leader may not; an individual item is not offered (404).
    assert member.post(reverse("records:team_claim", args=[team.pk]), {"demand": group.pk}).status_code == 403
    assert leader.post(reverse("records:team_claim", args=[team.pk]), {"demand": person.pk}).status_code == 404
    assert not Claim.objects.exists()
    assert leader.post(reverse("records:team_claim", args=[team.pk]), {"demand": group.pk}).status_code == 302
    tc = TeamClaim.objects.get()
    assert tc.team == team and tc.claim.member == rw.m_u_a and tc.claim.demand == group
    group.refresh_from_db()
    assert group.claimed_slots == 1 and group.status == Demand.Status.CLAIMED
    # Twice for the same team: a clear conflict, nothing more written.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不能重复认领"):
        services.team_item_claim(team=team, demand=group, by=rw.member_user)
    assert TeamClaim.objects.count() == 1 and Claim.objects.count() == 1
    # The team page lists it; a team member logs service against it (the member holds no claim).
    assert "小区楼道集中清理" in member.get(reverse("records:team", args=[team.pk])).content.decode()
    start = (timezone.localtime() - dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    r = member.post(
        reverse("records:log"),
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "content": "清理楼道杂物",
            "demand": group.pk,
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    from baodao.records.models import Record

    assert Record.objects.get(member=rw.m_v_a).demand == group
    # Someone outside the team cannot point a record at it.
    services.team_leave(team=team, member=rw.m_v_a, by=rw.member_v_user)
    r = member.post(
        reverse("records:log"),
        {
            "starts_at": (start - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - dt.timedelta(days=1) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "content": "x",
            "demand": group.pk,
        },
    )
    assert r.status_code == 404
    assert Record.objects.filter(member=rw.m_v_a).count() == 1


def test_a_unit_forms_its_own_team_which_only_its_members_join(rw: SimpleNamespace) -> None:
    from baodao.accounts import services as account_services

    kind = team_types()[0]
    staff = client_for(rw.unit_secretary)
    # 城建局 (U) is assigned to 安宁社区 (A), not to 北门社区 (B).
    r = staff.post(
        reverse("records:unit_team_create"),
        {"unit": rw.U.pk, "community": rw.B.pk, "kind": kind.pk, "name": "城建局突击队", "leader": rw.m_u_b.pk},
    )
    assert r.status_code in (403, 404)
    # A leader from another unit is refused with the reason; nothing is written.
    with pytest.raises(RecordError, match="本单位的党员"):
        services.team_create(community=rw.A, kind=kind, name="x", leader=rw.m_v_a, by=rw.unit_secretary, unit=rw.U)
    assert not Team.objects.exists()
    r = staff.post(
        reverse("records:unit_team_create"),
        {"unit": rw.U.pk, "community": rw.A.pk, "kind": kind.pk, "name": "城建局防汛突击队", "leader": rw.m_u_a.pk},
    )
    assert r.status_code == 302
    team = Team.objects.get()
    assert team.unit == rw.U and team.community == rw.A
    # Only the leader: members who chose the type when reporting join the community's teams, not a unit's.
    assert list(team.memberships.values_list("member_id", flat=True)) == [rw.m_u_a.pk]
    assert "城建局防汛突击队" in staff.get(reverse("records:unit_year")).content.decode()
    # 钱安宁 (教育局) does not see it on the phone and may not join it.
    assert "城建局防汛突击队" not in client_for(rw.member_v_user).get(reverse("records:join_list")).content.decode()
    with pytest.raises(RecordError, match="只有本单位的党员"):
        services.team_join(team=team, member=rw.m_v_a, by=rw.member_v_user)
    # A member of 城建局 reported to 安宁社区 sees it and joins.
    m = new_member("吴城建", rw.U, rw.A2)
    confirmed_report(m, rw.community_staff)
    user = account_services.user_create(
        username="member_u_new", password=rw.password, roles=[{"role": "member", "member": m}]
    )
    phone = client_for(user)
    assert "城建局防汛突击队" in phone.get(reverse("records:join_list")).content.decode()
    assert phone.post(reverse("records:join", args=[team.pk])).status_code == 302
    assert team.memberships.filter(member=m, left_at__isnull=True).exists()
    assert not team.memberships.filter(member=rw.m_v_a).exists()
