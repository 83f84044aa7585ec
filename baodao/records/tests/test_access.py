"""records.access, helper by helper: what each role of the world gets (baodao/core/tests/access_tables.py).

On top of `rw` (records/tests/conftest.py: 王安华 and 钱安宁 reported to 安宁社区, 李北辰 to 北门社区):
an activity of 安宁社区 by its staff and one open to 教育局 only, a pending record of 王安华's, a team
of 安宁社区 led by 钱安宁, a call-up, 城建局's commitment, a city leader's link and visit. Next door:
北门社区's activity, record, team and leader link, its staff (staff_b), 教育局 assigned there. The
extra accounts: `member_v` (钱安宁) and `unreported` (周恩泽, 西山医院, reported nowhere).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.core.tests.access_tables import NOT_FOUND, OK, answers, api_answer, page_answer, table
from baodao.directory import services as directory_services
from baodao.needs import services as needs_services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import published
from baodao.records import access, services
from baodao.records.models import Activity, Record
from baodao.records.tests.conftest import activity, attended
from baodao.reporting.tests.conftest import new_member, team_types

ADMINS = ("city_admin", "district_admin", "street_admin", "superuser")
ABOVE = ("city_admin", "district_admin", "street_admin")  # admins above 安宁社区, not its staff
MEMBERS_ONLY = "只有在职党员账号可以报名活动、签到和登记服务"


def _ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def rec(rw: SimpleNamespace) -> SimpleNamespace:
    w = rw
    w.unreported = account_services.user_create(
        username="member_w_e", password=w.password, roles=[{"role": Role.MEMBER, "member": w.m_w_e}]
    )
    w.a = activity(w)
    w.a_v = activity(w, title="教育局党员活动", audience=Activity.Audience.UNITS, units=[w.V])
    w.a_b = activity(w, community=w.B, place=w.B1, by=w.staff_b, title="北门活动")
    w.record_a = services.record_log(
        member=w.m_u_a, community=w.A, starts_at=_ago(2), ends_at=_ago(1.9), content="帮邻居修水管", by=w.member_user
    )
    w.record_b = services.record_log(
        member=w.m_u_b, community=w.B, starts_at=_ago(2), ends_at=_ago(1.9), content="北门清扫", by=w.staff_b
    )
    kinds = team_types()  # 王安华 and 钱安宁 chose the first when reporting: the team is of the second
    w.team_a = services.team_create(community=w.A, kind=kinds[1], name="", leader=w.m_v_a, by=w.community_staff)
    w.team_b = services.team_create(community=w.B, kind=kinds[1], name="", leader=w.m_u_b, by=w.staff_b)
    start = timezone.now() + dt.timedelta(hours=1)
    w.callup = services.callup_create(
        community=w.A, title="防汛", address="社区广场", starts_at=start, ends_at=start + dt.timedelta(hours=2),
        needed=3, by=w.community_staff,
    )  # fmt: skip
    w.commitment = services.commitment_make(unit=w.U, community=w.A, text="每季度一次义诊", by=w.unit_secretary)
    w.leader = account_services.user_create(username="leader_li", password=w.password, display_name="李市长")
    since = timezone.localdate() - dt.timedelta(days=30)
    w.link_a = directory_services.leader_link_add(
        community=w.A, leader_name="李市长", title="副市长", user=w.leader, start_on=since
    )
    w.link_b = directory_services.leader_link_add(community=w.B, leader_name="张秘书长", title="秘书长", start_on=since)
    w.visit = services.leader_visit_log(
        link=w.link_a, place=w.A1, visited_on=timezone.localdate(), content="调研加装电梯", by=w.leader
    )
    return w


def _as(w: SimpleNamespace, call: object, **more: object) -> dict[str, object]:
    """answers() with the records world's extra accounts."""
    extra = {"member_v": w.member_v_user, "unreported": w.unreported, **more}
    return answers(w, call, **extra)  # type: ignore[arg-type]


def _t(default: object, **cells: object) -> dict[str, object]:
    """table() with the extra accounts (the default unless named)."""
    return table(default, member_v=cells.pop("member_v", default), unreported=cells.pop("unreported", default), **cells)


# --- members --------------------------------------------------------------------------------------


def test_a_member_account_acts_as_its_own_member(rec: SimpleNamespace) -> None:
    assert _as(rec, access.get_member_for_service) == _t(
        MEMBERS_ONLY, member="王安华", member_v="钱安宁", unreported="周恩泽"
    )


def test_service_is_logged_only_after_a_confirmed_report(rec: SimpleNamespace) -> None:
    assert _as(rec, access.get_member_for_log) == _t(
        MEMBERS_ONLY,
        member=("王安华", "安宁社区"),
        member_v=("钱安宁", "安宁社区"),
        unreported="向社区报到并经确认后才能登记服务纪实",
    )


def test_an_activity_is_seen_where_the_user_lives_serves_or_works(rec: SimpleNamespace) -> None:
    w = rec
    title = w.a.title

    assert _as(w, lambda u: access.get_activity_for_view(u, w.a.pk).title) == _t(
        title, nobody=NOT_FOUND, staff_b=NOT_FOUND, unreported=NOT_FOUND
    )
    assert _as(w, lambda u: access.get_activity_for_view(u, w.a_b.pk).title) == _t(
        NOT_FOUND, staff_b="北门活动", **dict.fromkeys(ADMINS, "北门活动")
    )


def test_an_activity_is_joined_by_the_members_it_is_for(rec: SimpleNamespace) -> None:
    w = rec

    def join(activity: Activity) -> dict[str, object]:
        return _as(w, lambda u: access.get_activity_for_join(u, activity.pk)[1].name)

    assert join(w.a) == _t(MEMBERS_ONLY, member="王安华", member_v="钱安宁", unreported=NOT_FOUND)
    # Open to 教育局's members only: 王安华 (城建局) sees it and is told whom it is for.
    assert join(w.a_v) == _t(
        MEMBERS_ONLY,
        member="该活动仅限指定单位中已向安宁社区报到的党员报名",
        member_v="钱安宁",
        unreported=NOT_FOUND,
    )
    # 北门社区's activity is out of sight for the members of 安宁社区.
    assert join(w.a_b) == _t(MEMBERS_ONLY, member=NOT_FOUND, member_v=NOT_FOUND, unreported=NOT_FOUND)


def test_a_logged_record_points_only_at_an_item_the_member_holds(rec: SimpleNamespace) -> None:
    w = rec
    item = published(w, title="帮忙修理自行车")
    other = published(w, title="陪老人去医院")
    needs_services.item_claim(demand=item, party=w.m_u_a, by=w.member_user)

    assert access.get_demand_for_record(w.member_user, w.m_u_a, None) is None
    assert _as(w, lambda u: access.get_demand_for_record(u, w.m_u_a, item.pk).title) == _t("帮忙修理自行车")
    assert _as(w, lambda u: access.get_demand_for_record(u, w.m_v_a, item.pk).title) == _t(NOT_FOUND)
    assert _as(w, lambda u: access.get_demand_for_record(u, w.m_u_a, other.pk).title) == _t(NOT_FOUND)


# --- the community's desks ------------------------------------------------------------------------


def test_activities_are_organized_by_staff_compound_and_unit_secretaries(rec: SimpleNamespace) -> None:
    w = rec
    refused = "只有社区工作人员、小区党支部书记和单位党组织书记可以组织活动"
    organizers_a = ("community_staff", "compound_secretary", "unit_secretary", *ADMINS)

    assert _as(w, lambda u: access.get_community_for_organizing(u, None)) == _t(
        refused, staff_b="北门社区", **dict.fromkeys(organizers_a, "安宁社区")
    )
    assert _as(w, lambda u: access.get_community_for_organizing(u, w.B.pk)) == _t(
        refused,
        community_staff=NOT_FOUND,
        compound_secretary=NOT_FOUND,
        unit_secretary=NOT_FOUND,
        staff_b="北门社区",
        **dict.fromkeys(ADMINS, "北门社区"),
    )


def test_an_activity_is_held_where_the_organizer_may_organize(rec: SimpleNamespace) -> None:
    w = rec
    elsewhere = "您只能在自己负责的社区或小区组织活动"

    # 安二小区: not the 安一小区 secretary's; 城建局's secretary organizes anywhere in 安宁社区.
    assert _as(w, lambda u: access.get_place_for_organizing(u, w.A, w.A2.pk)) == _t(
        elsewhere, community_staff="安二小区", unit_secretary="安二小区", **dict.fromkeys(ADMINS, "安二小区")
    )
    assert _as(w, lambda u: access.get_place_for_organizing(u, w.A, w.A1.pk)) == _t(
        elsewhere,
        community_staff="安一小区",
        compound_secretary="安一小区",
        unit_secretary="安一小区",
        **dict.fromkeys(ADMINS, "安一小区"),
    )
    # A place outside the community is out of sight, whoever asks.
    assert _as(w, lambda u: access.get_place_for_organizing(u, w.A, w.B1.pk)) == _t(NOT_FOUND)


def test_an_activity_is_open_only_to_units_assigned_to_its_community(rec: SimpleNamespace) -> None:
    w = rec

    assert [u.name for u in access.get_units_assigned_to(w.A, [w.W.pk, w.U.pk])] == ["城建局", "西山医院"]
    with pytest.raises(Exception) as refused:
        access.get_units_assigned_to(w.A, [w.U.pk, w.V.pk])
    assert type(refused.value).__name__ == "Http404"


def test_records_are_confirmed_by_the_staff_of_their_community(rec: SimpleNamespace) -> None:
    w = rec
    staff_only = "只有社区工作人员可以确认服务纪实"

    # An admin above the community does not confirm for it (the community vouches).
    assert _as(w, access.require_record_confirmer) == _t(staff_only, community_staff=OK, staff_b=OK, superuser=OK)
    assert _as(w, lambda u: access.get_community_for_confirming(u, None)) == _t(
        staff_only, community_staff="安宁社区", staff_b="北门社区", superuser="安宁社区"
    )
    assert _as(w, lambda u: access.get_community_for_confirming(u, w.B.pk)) == _t(
        staff_only, community_staff=NOT_FOUND, staff_b="北门社区", superuser="北门社区"
    )


@pytest.mark.parametrize(
    ("helper", "refused"),
    [
        (access.get_community_for_teams, "只有社区工作人员可以管理志愿服务队"),
        (access.get_community_for_pairings, "只有社区工作人员可以安排结对帮扶"),
        (access.get_community_for_callups, "只有社区工作人员可以发起应急动员"),
    ],
)
def test_teams_pairings_and_callups_are_the_communitys_staffs_and_admins(
    rec: SimpleNamespace, helper: object, refused: str
) -> None:
    w = rec

    assert _as(w, lambda u: helper(u, None)) == _t(  # type: ignore[operator]
        refused, community_staff="安宁社区", staff_b="北门社区", **dict.fromkeys(ADMINS, "安宁社区")
    )
    assert _as(w, lambda u: helper(u, w.B.pk)) == _t(  # type: ignore[operator]
        refused, community_staff=NOT_FOUND, staff_b="北门社区", **dict.fromkeys(ADMINS, "北门社区")
    )


# --- running an activity --------------------------------------------------------------------------


def test_an_activity_is_run_by_its_organizer_or_its_communitys_staff(rec: SimpleNamespace) -> None:
    w = rec
    runners = dict.fromkeys(("community_staff", *ADMINS), w.a.title)

    assert _as(w, lambda u: access.get_activity_for_running(u, w.a.pk).title) == _t(
        "只有活动组织者或社区工作人员可以操作",
        nobody=NOT_FOUND,
        staff_b=NOT_FOUND,
        unreported=NOT_FOUND,
        **runners,
    )


def test_attendance_is_marked_for_members_the_organizer_sees_and_the_activity_is_for(rec: SimpleNamespace) -> None:
    w = rec
    unreported = new_member("吴未报", w.W, w.A2)  # lives in 安宁社区, reported nowhere
    staffs = ("community_staff", "staff_b")

    def mark(member_pk: int) -> dict[str, object]:
        return answers(w, lambda u: access.get_member_for_attendance(u, w.a, member_pk).name, roles=staffs)

    assert mark(w.m_u_a.pk) == {"community_staff": "王安华", "staff_b": NOT_FOUND}
    # Seen (living in the community) but not one the activity is for: refused by name.
    assert mark(unreported.pk) == {"community_staff": "吴未报不在该活动的报名范围内", "staff_b": NOT_FOUND}
    # 赵北岳 lives in 北门社区: seen by its staff only; for 安宁社区's staff a 404 naming nobody.
    assert mark(w.m_v_b.pk) == {"community_staff": NOT_FOUND, "staff_b": "赵北岳不在该活动的报名范围内"}


# --- records --------------------------------------------------------------------------------------


def test_a_record_is_seen_by_its_community_its_unit_and_its_member(rec: SimpleNamespace) -> None:
    w = rec
    content = "帮邻居修水管"

    seen = ("community_staff", "compound_secretary", "unit_secretary", "member", *ADMINS)
    assert _as(w, lambda u: access.get_record_for_view(u, w.record_a.pk).content) == _t(
        NOT_FOUND, **dict.fromkeys(seen, content)
    )


def test_a_record_is_decided_by_its_communitys_staff(rec: SimpleNamespace) -> None:
    w = rec
    staff_only = "只有服务所在社区的工作人员可以确认或退回纪实"

    assert _as(w, lambda u: access.get_record_for_decision(u, w.record_a.pk).content) == _t(
        NOT_FOUND,
        community_staff="帮邻居修水管",
        superuser="帮邻居修水管",
        compound_secretary=staff_only,
        unit_secretary=staff_only,
        member=staff_only,
        **dict.fromkeys(ABOVE, staff_only),
    )
    ids = [w.record_a.pk, w.record_b.pk]
    assert _as(w, lambda u: sorted(r.content for r in access.records_for_decision(u, ids))) == _t(
        "只有社区工作人员可以确认服务纪实",
        community_staff=["帮邻居修水管"],
        staff_b=["北门清扫"],
        superuser=["北门清扫", "帮邻居修水管"],
    )


def test_a_record_is_corrected_by_its_member_while_open_or_by_its_communitys_staff(rec: SimpleNamespace) -> None:
    w = rec
    own_or_staff = "只有本人或社区工作人员可以修改纪实"

    def edit(record: Record) -> dict[str, object]:
        return _as(w, lambda u: access.get_record_for_edit(u, record.pk).content)

    content = "帮邻居修水管"
    assert edit(w.record_a) == _t(
        NOT_FOUND,
        community_staff=content,
        superuser=content,
        member=content,
        compound_secretary=own_or_staff,
        unit_secretary=own_or_staff,
        **dict.fromkeys(ABOVE, own_or_staff),
    )
    # Staff do not mend a record they logged themselves: that takes a second person.
    by_staff = services.record_log(
        member=w.m_v_a, community=w.A, starts_at=_ago(3), ends_at=_ago(2.9), content="代登记", by=w.community_staff
    )
    assert edit(by_staff)["community_staff"] == own_or_staff
    # Once confirmed, the member's own record is the community's to mend; an attendance too.
    services.record_confirm(record=w.record_a, by=w.community_staff)
    assert edit(w.record_a)["member"] == "已确认的纪实不能自行修改；如有错误请联系社区"
    came = attended(w, w.m_u_a, w.member_user, _ago(1))
    assert edit(came)["member"] == "这条纪实来自活动签到或组织者登记，请联系活动组织者或社区更正"
    assert access.may_edit(w.member_user, came) is False


# --- certificates ---------------------------------------------------------------------------------


def test_a_certificate_is_the_members_own_or_issued_by_the_community_for_them(rec: SimpleNamespace) -> None:
    w = rec

    assert _as(w, lambda u: access.get_member_for_certificate(u, None)) == _t(
        MEMBERS_ONLY,
        member=("王安华", "安宁社区"),
        member_v=("钱安宁", "安宁社区"),
        unreported="向社区报到并经确认后才能出具志愿服务记录证明",
    )
    assert _as(w, lambda u: access.get_member_for_certificate(u, str(w.m_u_a.pk))) == _t(
        NOT_FOUND, community_staff=("王安华", "安宁社区"), superuser=("王安华", "安宁社区")
    )
    assert _as(w, lambda u: access.get_member_for_certificate(u, "x")) == _t(NOT_FOUND)


def test_a_certificate_is_revoked_by_the_issuing_communitys_staff(rec: SimpleNamespace) -> None:
    w = rec
    today = timezone.localdate()
    services.record_confirm(record=w.record_a, by=w.community_staff)
    cert = services.certificate_issue(
        member=w.m_u_a, community=w.A, starts_on=today - dt.timedelta(days=30), ends_on=today, by=w.community_staff
    )
    seen = f"ServiceCertificate#{cert.pk}"

    assert _as(w, lambda u: access.get_certificate_for_view(u, cert.pk)) == _t(
        NOT_FOUND, community_staff=seen, member=seen, superuser=seen
    )
    assert _as(w, lambda u: access.get_certificate_for_revoke(u, cert.pk)) == _t(
        NOT_FOUND, community_staff=seen, member="只有出具社区的工作人员可以作废证明", superuser=seen
    )


# --- volunteer teams ------------------------------------------------------------------------------


def test_a_team_is_seen_where_the_user_serves_and_managed_by_the_staff(rec: SimpleNamespace) -> None:
    w = rec
    name = w.team_a.name
    seen = ("community_staff", "compound_secretary", "unit_secretary", "member", "resident", *ADMINS)

    assert _as(w, lambda u: access.get_team_for_view(u, w.team_a.pk).name) == _t(
        NOT_FOUND, member_v=name, **dict.fromkeys(seen, name)
    )
    assert _as(w, lambda u: access.get_team_for_manage(u, w.team_a.pk).name) == _t(
        "只有社区工作人员可以管理服务队",
        nobody=NOT_FOUND,
        staff_b=NOT_FOUND,
        unreported=NOT_FOUND,
        community_staff=name,
        **dict.fromkeys(ADMINS, name),
    )


def test_a_team_claims_an_item_through_its_leader(rec: SimpleNamespace) -> None:
    w = rec
    name = w.team_a.name

    assert _as(w, lambda u: access.get_team_for_claim(u, w.team_a.pk).name) == _t(
        "只有服务队队长可以为本队认领服务项目",
        nobody=NOT_FOUND,
        staff_b=NOT_FOUND,
        unreported=NOT_FOUND,
        member_v=name,
    )
    group = published(w, size=Demand.Size.TEAM, slots=2, title="集体补种花坛")
    assert access.get_demand_for_team_claim(w.team_a, group.pk).title == "集体补种花坛"
    with pytest.raises(Exception) as elsewhere:
        access.get_demand_for_team_claim(w.team_b, group.pk)
    assert type(elsewhere.value).__name__ == "Http404"


def test_a_new_leader_is_one_of_the_teams_members(rec: SimpleNamespace) -> None:
    w = rec

    assert access.get_team_member_for_leader(w.team_a, w.m_v_a.pk).name == "钱安宁"
    with pytest.raises(Exception) as outsider:
        access.get_team_member_for_leader(w.team_a, w.m_u_a.pk)
    assert type(outsider.value).__name__ == "Http404"


def test_a_team_is_joined_by_members_reported_to_its_community(rec: SimpleNamespace) -> None:
    w = rec

    assert _as(w, lambda u: access.get_team_for_join(u, w.team_a.pk)[1].name) == _t(
        MEMBERS_ONLY, member="王安华", member_v="钱安宁", unreported=NOT_FOUND
    )
    assert _as(w, lambda u: access.get_team_for_join(u, w.team_b.pk)[1].name) == _t(
        MEMBERS_ONLY, member=NOT_FOUND, member_v=NOT_FOUND, unreported=NOT_FOUND
    )


# --- call-ups -------------------------------------------------------------------------------------


def test_a_callup_is_seen_by_its_communitys_staff_and_the_members_it_calls(rec: SimpleNamespace) -> None:
    w = rec
    pk = w.callup.pk

    def view(u: object) -> tuple[object, bool]:
        _c, member, runs = access.get_callup_for_view(u, pk)  # type: ignore[arg-type]
        return (member.name if member else "-", runs)

    runners = dict.fromkeys(("community_staff", *ADMINS), ("-", True))
    assert _as(w, view) == _t(NOT_FOUND, member=("王安华", False), member_v=("钱安宁", False), **runners)
    assert _as(w, lambda u: access.get_callup_for_answer(u, pk)[1].name) == _t(
        NOT_FOUND,
        member="王安华",
        member_v="钱安宁",
        **dict.fromkeys(("community_staff", *ADMINS), "这次动员没有召集您"),
    )
    staff_only = "只有社区工作人员可以登记到场或结束动员"
    assert _as(w, lambda u: access.get_callup_for_running(u, pk).title) == _t(
        NOT_FOUND, member=staff_only, member_v=staff_only, **dict.fromkeys(("community_staff", *ADMINS), "防汛")
    )


def test_who_came_to_a_callup_is_looked_up_among_the_members_the_staff_see(rec: SimpleNamespace) -> None:
    w = rec
    staff = w.community_staff

    got = access.get_members_for_callup_attend(staff, w.callup, [w.m_v_a.pk, w.m_u_a.pk])
    assert [m.name for m in got] == ["王安华", "钱安宁"]
    with pytest.raises(Exception) as unseen:
        access.get_members_for_callup_attend(staff, w.callup, [w.m_u_a.pk, w.m_v_b.pk])
    assert type(unseen.value).__name__ == "Http404"


# --- a unit's ledger, obligations and commitments -------------------------------------------------


def test_a_units_ledger_is_its_secretarys(rec: SimpleNamespace) -> None:
    w = rec
    secretary_only = "只有单位党组织书记可以下载支部工作台账"

    assert _as(w, lambda u: access.get_unit_for_ledger(u, None)) == _t(secretary_only, unit_secretary="城建局")
    assert _as(w, lambda u: access.get_unit_for_ledger(u, w.V.pk)) == _t(secretary_only, unit_secretary=NOT_FOUND)


def test_a_units_obligations_are_read_by_its_secretary_and_its_communitys_staff(rec: SimpleNamespace) -> None:
    w = rec
    pick = "请从社区页面选择单位"

    assert _as(w, lambda u: access.get_unit_for_obligations(u, None)) == _t(pick, unit_secretary=("城建局", True))
    assert _as(w, lambda u: access.get_unit_for_obligations(u, w.U.pk)) == _t(
        NOT_FOUND,
        unit_secretary=("城建局", True),
        community_staff=("城建局", False),
        **dict.fromkeys(ADMINS, ("城建局", False)),
    )
    # 教育局 is assigned to 北门社区 next door.
    assert _as(w, lambda u: access.get_unit_for_obligations(u, w.V.pk)) == _t(
        NOT_FOUND, staff_b=("教育局", False), **dict.fromkeys(ADMINS, ("教育局", False))
    )


def test_a_unit_logs_and_promises_in_a_community_it_is_assigned_to(rec: SimpleNamespace) -> None:
    w = rec

    assert _as(w, lambda u: access.get_unit_community_for_secretary(u, w.U.pk, w.A.pk)) == _t(
        NOT_FOUND, unit_secretary=("城建局", "安宁社区")
    )
    assert _as(w, lambda u: access.get_unit_community_for_secretary(u, w.U.pk, w.B.pk)) == _t(NOT_FOUND)


def test_a_commitment_is_changed_by_its_unit_and_kept_by_its_community(rec: SimpleNamespace) -> None:
    w = rec
    pk = w.commitment.pk
    text = "每季度一次义诊"

    # The superuser counts as the community's staff: it sees the commitment, the unit changes it.
    assert _as(w, lambda u: access.get_commitment_for_change(u, pk).text) == _t(
        NOT_FOUND,
        unit_secretary=text,
        community_staff="承诺由作出承诺的单位修改或撤回",
        superuser="承诺由作出承诺的单位修改或撤回",
    )
    assert _as(w, lambda u: access.get_commitment_for_keep(u, pk).text) == _t(
        NOT_FOUND, community_staff=text, superuser=text, unit_secretary="承诺是否兑现由社区确认"
    )
    assert _as(w, lambda u: access.may_keep_commitment(u, w.commitment)) == _t(
        False, community_staff=True, superuser=True
    )
    assert _as(w, lambda u: access.may_change_commitment(u, w.commitment)) == _t(False, unit_secretary=True)


# --- city leaders' visits -------------------------------------------------------------------------


def test_leaders_visits_are_read_by_the_leaders_staff_and_admins(rec: SimpleNamespace) -> None:
    w = rec

    assert _as(w, access.require_leader_visits_reader, leader=w.leader) == _t(
        "只有市级领导、联系社区的工作人员和上级管理员可以查看市级领导调研",
        community_staff=OK,
        staff_b=OK,
        leader=OK,
        **dict.fromkeys(ADMINS, OK),
    )


def test_a_visit_is_logged_by_the_leader_or_the_communitys_staff(rec: SimpleNamespace) -> None:
    w = rec
    refused = "只有市级领导本人或联系社区的工作人员可以登记调研"

    assert _as(w, lambda u: access.get_leader_link_for_log(u, w.link_a.pk).leader_name, leader=w.leader) == _t(
        NOT_FOUND, community_staff="李市长", superuser="李市长", leader="李市长", **dict.fromkeys(ABOVE, refused)
    )
    # 北门社区's link is next door: out of sight for 安宁社区's staff and for the leader of another.
    assert _as(w, lambda u: access.get_leader_link_for_log(u, w.link_b.pk).leader_name, leader=w.leader) == _t(
        NOT_FOUND, staff_b="张秘书长", superuser="张秘书长", leader=NOT_FOUND, **dict.fromkeys(ABOVE, refused)
    )


def test_a_visit_is_decided_by_the_visited_communitys_staff(rec: SimpleNamespace) -> None:
    w = rec
    refused = "只有被调研社区的工作人员可以确认或退回调研记录"

    assert _as(w, lambda u: access.get_visit_for_decision(u, w.visit.pk).content, leader=w.leader) == _t(
        NOT_FOUND,
        community_staff="调研加装电梯",
        superuser="调研加装电梯",
        leader=refused,
        **dict.fromkeys(ABOVE, refused),
    )


# --- the page and the API answer alike --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "page", "api", "refused"),
    [
        # logging only after a confirmed report
        ("unreported", "records:log", ("POST", "/records/mine"), "向社区报到并经确认后才能登记服务纪实"),
        # confirming records: the community's staff, not an admin above it
        ("city_admin", "records:pending", ("GET", "/records/pending"), "只有社区工作人员可以确认服务纪实"),
        ("city_admin", "records:pending", ("POST", "/records/confirm"), "只有社区工作人员可以确认服务纪实"),
        # where an activity may be organised
        (
            "member",
            "records:activities",
            ("POST", "/records/activities"),
            "只有社区工作人员、小区党支部书记和单位党组织书记可以组织活动",
        ),
        ("member", "records:callups", ("POST", "/records/callups"), "只有社区工作人员可以发起应急动员"),
    ],
)
def test_a_refusal_reads_the_same_on_the_page_and_in_the_api(
    rec: SimpleNamespace, who: str, page: str, api: tuple[str, str], refused: str
) -> None:
    w = rec
    user = {"unreported": w.unreported, "member": w.member_user}.get(who) or getattr(w, who)
    start = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    body = {
        "ids": [w.record_a.pk],
        "starts_at": start,
        "ends_at": start,
        "content": "x",
        "community_id": w.A.pk,
        "place_id": w.A1.pk,
        "kind_id": w.a.kind_id,
        "title": "x",
        "address": "x",
        "capacity": 5,
        "needed": 3,
    }

    status, text = page_answer(user, "GET", reverse(page))
    assert status == 403 and refused in text
    assert api_answer(user, *api, body) == (403, {"message": refused})


def test_a_place_not_the_organizers_is_refused_on_the_form_and_in_the_api(rec: SimpleNamespace) -> None:
    w = rec
    start = timezone.localtime() + dt.timedelta(hours=24)
    refused = "您只能在自己负责的社区或小区组织活动"
    form = {
        "community": w.A.pk,
        "title": "安二小区环境清扫",
        "kind": w.a.kind_id,
        "place": w.A2.pk,
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{start + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
        "capacity": "10",
        "audience": Activity.Audience.COMMUNITY,
    }
    body = {
        "community_id": w.A.pk,
        "place_id": w.A2.pk,
        "kind_id": w.a.kind_id,
        "title": "安二小区环境清扫",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "capacity": 10,
    }

    # 安一小区's secretary: the form says why under the place; the API refuses with the same words.
    status, text = page_answer(w.compound_secretary, "POST", reverse("records:new_activity"), form)
    assert status == 422 and refused in text
    assert api_answer(w.compound_secretary, "POST", "/records/activities", body) == (403, {"message": refused})
    # The community's staff may: the same form and body are taken.
    assert page_answer(w.community_staff, "POST", reverse("records:new_activity"), form)[0] == 302
    assert api_answer(w.community_staff, "POST", "/records/activities", body)[0] == 201
    assert Activity.objects.filter(title="安二小区环境清扫").count() == 2
