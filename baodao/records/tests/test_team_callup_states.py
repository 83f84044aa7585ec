"""Teams, call-ups, commitments, certificates and pairings in every state a step can be asked in:
each refusal in Chinese with nothing written, and what a step leaves behind when it is allowed."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from baodao.core.tests.refusals import refused
from baodao.directory.models import Category
from baodao.directory.services import unit_assign
from baodao.needs.models import Claim, Demand
from baodao.needs.services import NeedConflict
from baodao.needs.tests.conftest import published
from baodao.notifications.models import Notification
from baodao.records import services
from baodao.records.models import (
    Callup,
    CallupAnswer,
    Commitment,
    Pairing,
    Record,
    ServiceCertificate,
    Team,
    TeamClaim,
    TeamMember,
)
from baodao.records.services import RecordConflict, RecordError
from baodao.reporting.tests.conftest import confirmed_report, new_member, team_types
from baodao.stats import counters, families


def team(w: SimpleNamespace, leader: object = None, **kw: object) -> Team:
    return services.team_create(
        community=kw.pop("community", w.A),
        kind=kw.pop("kind", team_types()[1]),  # 治安联防: nobody chose it when reporting
        name=kw.pop("name", "巡防队"),
        leader=leader or w.m_u_a,  # type: ignore[arg-type]
        by=w.community_staff,
        **kw,
    )


def current(t: Team) -> dict[str, str]:
    return {tm.member.name: tm.role for tm in t.memberships.filter(left_at__isnull=True).select_related("member")}


# --- teams -----------------------------------------------------------------------------------------


def test_a_team_is_refused_a_wrong_type_leader_or_unit_and_nothing_is_made(rw: SimpleNamespace) -> None:
    activity_type = Category.objects.get_or_create(kind=Category.Kind.ACTIVITY_TYPE, name="志愿服务")[0]
    with refused(RecordError, "请选择服务队类型"):
        team(rw, kind=activity_type)
    with refused(RecordError, "队长须是已向本社区报到的党员"):
        team(rw, leader=rw.m_w_f)  # not reported anywhere
    with refused(RecordError, "单位服务队的队长须是本单位的党员"):
        team(rw, leader=rw.m_v_a, unit=rw.U)  # 钱安宁 is 教育局's
    with refused(RecordError, "只能在本单位联系的社区组建服务队"):
        team(rw, unit=rw.U, community=rw.B, leader=rw.m_u_b)  # 城建局 is not assigned to 北门社区
    assert not Team.objects.exists() and not TeamMember.objects.exists()
    # Assigned there later, the same unit team may be formed.
    unit_assign(unit=rw.U, community=rw.B, start_on=timezone.localdate())
    made = team(rw, unit=rw.U, community=rw.B, leader=rw.m_u_b, name="")
    assert (made.name, current(made)) == ("城建局治安联防服务队", {"李北辰": "leader"})


def test_join_leave_and_lead_refusals_name_the_team(rw: SimpleNamespace) -> None:
    t = team(rw)
    with refused(RecordConflict, "不是「巡防队」的队员"):
        services.team_leave(team=t, member=rw.m_v_a, by=rw.member_v_user)
    with refused(RecordError, "队长须先是本队队员"):
        services.team_set_leader(team=t, member=rw.m_v_a, by=rw.community_staff)
    services.team_join(team=t, member=rw.m_v_a, by=rw.member_v_user)
    with refused(RecordConflict, "已是「巡防队」的队员"):
        services.team_join(team=t, member=rw.m_v_a, by=rw.member_v_user)
    with refused(RecordError, "队长不能直接退出，请社区先另选队长"):
        services.team_leave(team=t, member=rw.m_u_a, by=rw.member_user)
    assert current(t) == {"王安华": "leader", "钱安宁": "member"}

    # One who left may come back: a new membership, the old one kept with its end.
    services.team_leave(team=t, member=rw.m_v_a, by=rw.member_v_user)
    services.team_join(team=t, member=rw.m_v_a, by=rw.member_v_user)
    assert t.memberships.filter(member=rw.m_v_a).count() == 2
    # Setting the leader who already leads changes nothing; a new leader leaves the old one a member.
    services.team_set_leader(team=t, member=rw.m_u_a, by=rw.community_staff)
    assert current(t) == {"王安华": "leader", "钱安宁": "member"}
    services.team_set_leader(team=t, member=rw.m_v_a, by=rw.community_staff)
    assert current(t) == {"王安华": "member", "钱安宁": "leader"}

    t.is_active = False
    t.save(update_fields=["is_active"])
    newcomer = new_member("孙新来", rw.U, rw.A1)
    with refused(RecordError, "该服务队已停用"):
        services.team_join(team=t, member=newcomer, by=rw.community_staff)
    unit_team = team(rw, unit=rw.U, name="城建局突击队")
    with refused(RecordError, "「城建局突击队」是单位服务队，只有本单位的党员可以加入"):
        services.team_join(team=unit_team, member=rw.m_v_a, by=rw.member_v_user)
    assert current(unit_team) == {"王安华": "leader"}


def test_a_team_claims_only_an_open_group_item_of_its_community_through_its_leader(rw: SimpleNamespace) -> None:
    t = team(rw)
    person = published(rw, title="帮独居老人换灯泡")
    group = published(rw, size=Demand.Size.TEAM, slots=1, title="楼道集中清理")
    with refused(RecordError, "服务队只能认领“组团认领”的服务项目"):
        services.team_item_claim(team=t, demand=person, by=rw.member_user)
    other = team(rw, community=rw.B, leader=rw.m_u_b, name="北门巡防队")
    with refused(RecordError, "只能认领本社区的服务项目"):
        services.team_item_claim(team=other, demand=group, by=rw.member_user)
    leaderless = team(rw, name="无队长的队")
    TeamMember.objects.filter(team=leaderless).update(left_at=timezone.now())  # the leader's term ended
    with refused(RecordError, "服务队还没有队长，请社区先指定队长"):
        services.team_item_claim(team=leaderless, demand=group, by=rw.community_staff)
    assert not Claim.objects.exists() and not TeamClaim.objects.exists()

    # The one slot goes to the team; a second team (its leader 钱安宁) hears it is full.
    services.team_item_claim(team=t, demand=group, by=rw.member_user)
    second = team(rw, leader=rw.m_v_a, name="第二队")
    with refused(NeedConflict, "该服务项目的认领名额已满（1/1）"):
        services.team_item_claim(team=second, demand=group, by=rw.member_v_user)
    t.is_active = False
    t.save(update_fields=["is_active"])
    with refused(RecordError, "该服务队已停用"):
        services.team_item_claim(team=t, demand=group, by=rw.member_user)
    group.refresh_from_db()
    assert (group.claimed_slots, Claim.objects.count(), TeamClaim.objects.count()) == (1, 1, 1)


# --- call-ups --------------------------------------------------------------------------------------


def call(w: SimpleNamespace, **kw: object) -> Callup:
    start = kw.pop("start", timezone.now() + dt.timedelta(hours=1))
    return services.callup_create(
        community=w.A,
        title=kw.pop("title", "防汛沙袋搬运"),
        address=kw.pop("address", "社区党群服务中心"),
        starts_at=start,  # type: ignore[arg-type]
        ends_at=kw.pop("ends_at", start + dt.timedelta(hours=2)),  # type: ignore[operator]
        needed=kw.pop("needed", 10),  # type: ignore[arg-type]
        by=w.community_staff,
        **kw,
    )


def test_a_bad_call_up_is_refused_and_nobody_is_called(rw: SimpleNamespace) -> None:
    other_team = team(rw, community=rw.B, leader=rw.m_u_b, name="北门巡防队")
    cases = [
        ({"title": " "}, "请填写任务和集合地点"),
        ({"address": ""}, "请填写任务和集合地点"),
        ({"ends_at": timezone.now()}, "结束时间必须晚于开始时间"),
        ({"needed": 0}, "需要人数至少为 1"),
        ({"place": rw.B1}, "小区不在该社区内"),
        ({"team": other_team}, "请选择本社区的服务队"),
    ]
    for kw, message in cases:
        with refused(RecordError, message):
            call(rw, **kw)
    assert not Callup.objects.exists()
    assert not Notification.objects.filter(title__startswith="应急动员").exists()


def test_a_team_call_up_calls_its_current_members_only(rw: SimpleNamespace) -> None:
    t = team(rw)
    services.team_join(team=t, member=rw.m_v_a, by=rw.member_v_user)
    services.team_leave(team=t, member=rw.m_v_a, by=rw.member_v_user)
    c = call(rw, team=t)
    assert [m.name for m in services.callup_members(c)] == ["王安华"]
    assert Notification.objects.filter(title="应急动员：防汛沙袋搬运").count() == 1
    with refused(RecordError, "钱安宁不在这次动员的范围内"):
        services.callup_attend(callup=c, members=[rw.m_v_a], by=rw.community_staff)
    assert not CallupAnswer.objects.exists()


def test_answers_after_the_end_or_the_close_are_refused_and_the_count_stays(rw: SimpleNamespace) -> None:
    over = call(rw, start=timezone.now() - dt.timedelta(hours=3), title="昨天的动员")
    with refused(RecordConflict, "该动员已结束"):
        services.callup_answer(callup=over, member=rw.m_u_a, coming=True, by=rw.member_user)
    c = call(rw)
    services.callup_answer(callup=c, member=rw.m_u_a, coming=True, by=rw.member_user)
    services.callup_close(callup=c, by=rw.community_staff)
    with refused(RecordConflict, "该动员已结束"):
        services.callup_answer(callup=c, member=rw.m_u_a, coming=False, by=rw.member_user)
    with refused(RecordConflict, "该动员已结束"):
        services.callup_close(callup=c, by=rw.community_staff)
    assert services.callup_headcount(c) == {"called": 2, "coming": 1, "not_coming": 0, "attended": 0}
    assert Callup.objects.get(pk=c.pk).status == Callup.Status.CLOSED


def test_who_came_is_recorded_once_each_even_without_an_answer(rw: SimpleNamespace) -> None:
    c = call(rw, start=timezone.now() - dt.timedelta(hours=3), needed=1)
    # Nobody answered; both came all the same.
    assert services.callup_attend(callup=c, members=[rw.m_u_a, rw.m_v_a], by=rw.community_staff) == 2
    assert services.callup_attend(callup=c, members=[rw.m_v_a], by=rw.community_staff) == 0
    assert services.callup_headcount(c) == {"called": 2, "coming": 2, "not_coming": 0, "attended": 2}
    records = Record.objects.filter(callup=c).order_by("member__name")
    assert [(r.member.name, r.minutes, r.counts_as_activity, r.content) for r in records] == [
        ("王安华", 120, True, "应急动员：防汛沙袋搬运"),
        ("钱安宁", 120, True, "应急动员：防汛沙袋搬运"),
    ]
    assert {e.note for r in records for e in r.events.all()} == {"应急动员到场"}


# --- commitments -----------------------------------------------------------------------------------


def test_a_commitment_refuses_every_step_once_kept_or_withdrawn(rw: SimpleNamespace) -> None:
    def make(text: str) -> Commitment:
        return services.commitment_make(unit=rw.U, community=rw.A, text=text, by=rw.unit_secretary)

    with refused(RecordError, "请填写承诺内容"):
        make("   ")
    kept = make("修缮小区路灯")
    gone = make("捐赠图书")
    assert kept.year == timezone.localdate().year
    services.commitment_keep(commitment=kept, by=rw.community_staff, note="已修好 12 盏")
    services.commitment_withdraw(commitment=gone, by=rw.unit_secretary)
    for row, state in ((kept, "已兑现"), (gone, "已撤回")):
        with refused(RecordConflict, f"该承诺{state}，不能再修改"):
            services.commitment_edit(commitment=row, text="新的说法", by=rw.unit_secretary)
        with refused(RecordConflict, f"该承诺{state}，不能再撤回"):
            services.commitment_withdraw(commitment=row, by=rw.unit_secretary)
        with refused(RecordConflict, f"该承诺{state}，不能再确认兑现"):
            services.commitment_keep(commitment=row, by=rw.community_staff, note="再次")
    assert dict(Commitment.objects.values_list("text", "status")) == {"修缮小区路灯": "done", "捐赠图书": "withdrawn"}
    kept.refresh_from_db()
    assert kept.done_note == "已修好 12 盏" and kept.done_at is not None

    open_ = make("义诊两次")
    with refused(RecordError, "请填写承诺内容"):
        services.commitment_edit(commitment=open_, text=" ", by=rw.unit_secretary)
    with refused(RecordError, "兑现情况不能超过 200 字（现有 201 字），请精简后再提交"):
        services.commitment_keep(commitment=open_, by=rw.community_staff, note="好" * 201)
    open_.refresh_from_db()
    assert (open_.status, open_.text, open_.done_note) == ("promised", "义诊两次", "")
    services.commitment_keep(commitment=open_, by=rw.community_staff, note="好" * 200)  # exactly the limit


# --- certificates ----------------------------------------------------------------------------------


def _confirmed(w: SimpleNamespace, start: dt.datetime, minutes: int, *, kind: Category | None = None) -> Record:
    r = services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        content="服务",
        kind=kind,
        by=w.member_user,
    )
    return services.record_confirm(record=r, by=w.community_staff)


def test_a_certificate_counts_its_days_inclusively_and_refuses_bad_periods(rw: SimpleNamespace) -> None:
    tz = timezone.get_current_timezone()
    day = timezone.localdate() - dt.timedelta(days=10)
    lecture = Category.objects.get_or_create(kind=Category.Kind.ACTIVITY_TYPE, name="政策宣讲")[0]
    _confirmed(rw, dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz), 60)  # the first minute of the day
    _confirmed(rw, dt.datetime.combine(day, dt.time(23, 0), tzinfo=tz), 30, kind=lecture)  # its last hour
    _confirmed(rw, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz), 90)  # the next day
    today = timezone.localdate()
    for starts_on, ends_on, message in (
        (day, day - dt.timedelta(days=1), "截止日期不能早于起始日期"),
        (day, today + dt.timedelta(days=1), "截止日期不能晚于今天"),
        (today, today, "该时段内在安宁社区没有经社区确认的服务纪实，不能出具证明"),
    ):
        with refused(RecordError, message):
            services.certificate_issue(
                member=rw.m_u_a, community=rw.A, starts_on=starts_on, ends_on=ends_on, by=rw.member_user
            )
    assert not ServiceCertificate.objects.exists()
    cert = services.certificate_issue(member=rw.m_u_a, community=rw.A, starts_on=day, ends_on=day, by=rw.member_user)
    assert (cert.records, cert.minutes, cert.activities, cert.logged, cert.other) == (2, 90, 0, 2, 0)
    assert cert.summary == [["其他服务", 1, 60], ["政策宣讲", 1, 30]]  # by minutes, the most first
    assert cert.number.startswith(f"ZY{today:%Y%m%d}") and len(cert.number) == 16

    with refused(RecordError, "请填写作废原因"):
        services.certificate_revoke(certificate=cert, by=rw.community_staff, reason=" ")
    services.certificate_revoke(certificate=cert, by=rw.community_staff, reason="时段有误")
    with refused(RecordConflict, "该证明已作废"):
        services.certificate_revoke(certificate=cert, by=rw.community_staff, reason="再作废")
    cert.refresh_from_db()
    assert cert.revoke_reason == "时段有误"


def test_a_certificate_names_a_staff_contact_with_a_mobile_first(rw: SimpleNamespace) -> None:
    # The issuer when staff; else the community's staff with a mobile; none next door.
    assert services.certificate_contact(rw.A, rw.community_staff) == "安宁社区书记 13700001111"
    assert services.certificate_contact(rw.A, rw.member_user) == "安宁社区书记 13700001111"
    assert services.certificate_contact(rw.B, None) == "北门社区书记"  # no mobile: the name alone
    assert services.certificate_contact(rw.E, None) == ""  # no staff account at all
    rw.community_staff.is_active = False
    rw.community_staff.save(update_fields=["is_active"])
    assert services.certificate_contact(rw.A, None) == ""


# --- pairings --------------------------------------------------------------------------------------


def test_a_pairing_needs_a_need_and_a_member_reported_where_the_household_lives(rw: SimpleNamespace) -> None:
    with refused(RecordError, "请填写帮扶需求"):
        services.pairing_create(member=rw.m_u_a, resident=rw.r_a1, need="  ", by=rw.community_staff)
    with refused(RecordError, "结对党员须已向该户所在社区报到"):
        services.pairing_create(member=rw.m_u_b, resident=rw.r_a1, need="代买药", by=rw.community_staff)
    late = new_member("周后来", rw.V, rw.A2)
    with refused(RecordError, "结对党员须已向该户所在社区报到"):
        services.pairing_create(member=late, resident=rw.r_a1, need="代买药", by=rw.community_staff)
    confirmed_report(late, rw.community_staff)
    p = services.pairing_create(member=late, resident=rw.r_a1, need="代买药", by=rw.community_staff)
    with refused(RecordConflict, "周后来已与该户结对"):
        services.pairing_create(member=late, resident=rw.r_a1, need="再结一次", by=rw.community_staff)
    services.pairing_end(pairing=p, by=rw.community_staff)
    again = services.pairing_create(member=late, resident=rw.r_a1, need="重新结对", by=rw.community_staff)
    assert (p.community, again.community) == (rw.A, rw.A)
    assert list(Pairing.objects.filter(ended_on__isnull=True)) == [again]
    assert counters.recount(families.FAMILIES, fix=False) == []
