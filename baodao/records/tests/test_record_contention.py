"""The record's steps at the same moment, each from its own thread and connection (SQLite here,
PostgreSQL in `make test`'s second run): the last seat, one member twice, scans against a check-out
and a mark by hand, two confirmers of one record, a confirmation against a return, a batch against
a return, answers against the headcount and the close, teams racing for the last slot, a
commitment kept as it is withdrawn. Whichever runs first, the other is refused with the words of
the state it found, nothing is counted twice, and the counters equal a recount."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.core.tests.race import race
from baodao.needs.models import Claim, Demand
from baodao.needs.tests.conftest import published
from baodao.needs.tests.test_contention import _members
from baodao.records import services
from baodao.records.models import Activity, Callup, CallupAnswer, Commitment, Record, Signup, TeamClaim
from baodao.records.tests.conftest import activity, rw
from baodao.reporting.tests.conftest import team_types
from baodao.stats import counters, families
from baodao.stats.models import ServiceYear

__all__ = ["rw"]
pytestmark = pytest.mark.django_db(transaction=True)  # each thread has its own connection


def drift() -> list[object]:
    return counters.recount(families.FAMILIES, fix=False)


def counted() -> tuple[int, int]:
    rows = ServiceYear.objects.all()
    return sum(r.records for r in rows), sum(r.minutes for r in rows)


def logged(w: SimpleNamespace, member: object, user: object, days_ago: int = 1) -> Record:
    start = (timezone.localtime() - dt.timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
    return services.record_log(
        member=member,  # type: ignore[arg-type]
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        content="入户走访",
        by=user,  # type: ignore[arg-type]
    )


def second_staff(w: SimpleNamespace) -> object:
    return account_services.user_create(
        username="staff_a2", password=w.password, roles=[{"role": Role.COMMUNITY_STAFF, "place": w.A}]
    )


# --- seats and attendance --------------------------------------------------------------------------


def test_the_last_seat_and_one_member_twice(rw: SimpleNamespace) -> None:
    """Five members race for the last of three seats while 王安华 signs up from two phones at once."""
    a = activity(rw, capacity=3)
    services.activity_signup(activity=a, member=rw.m_v_a, by=rw.member_v_user)
    people = _members(rw, 5)
    calls = [lambda m=m, u=u: services.activity_signup(activity=a, member=m, by=u) for m, u in people]
    calls += [lambda: services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user)] * 2
    outcomes = race(*calls)
    assert outcomes.count("ok") == 2
    assert set(outcomes) <= {"ok", "409 名额已满（3/3）", "409 已报名该活动，不能重复报名"}
    a.refresh_from_db()
    live = Signup.objects.filter(activity=a).exclude(status=Signup.Status.CANCELLED)
    assert a.signed_up == live.count() == 3
    assert live.filter(member=rw.m_u_a).count() <= 1
    assert live.values("member").distinct().count() == 3


def test_a_check_in_and_a_check_out_scanned_at_once(rw: SimpleNamespace) -> None:
    """Two phones of one member: check-in and check-out at the same moment. Either the check-out
    came first (not checked in yet: refused, the check-in stands) or it made the record."""
    start = timezone.now() - dt.timedelta(hours=1)
    a = activity(rw, start=start)
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user, now=start - dt.timedelta(hours=1))
    outcomes = race(
        lambda: services.checkin_scanned(activity=a, member=rw.m_u_a, by=rw.member_user),
        lambda: services.checkout_scanned(activity=a, member=rw.m_u_a, by=rw.member_user),
    )
    assert outcomes[0] == "ok"
    signup = Signup.objects.get(activity=a, member=rw.m_u_a)
    if outcomes[1] == "ok":
        assert signup.status == Signup.Status.SHORT  # a moment on site
        assert Record.objects.filter(signup=signup).count() == 1
    else:
        assert outcomes[1] == "400 您还没有签到，请先扫签到码"
        assert signup.status == Signup.Status.CHECKED_IN and not Record.objects.exists()


def test_a_check_out_and_a_mark_by_hand_make_one_record(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=1)
    a = activity(rw, start=start)
    services.checkin_scanned(activity=a, member=rw.m_u_a, by=rw.member_user, now=start)
    outcomes = race(
        lambda: services.checkout_scanned(activity=a, member=rw.m_u_a, by=rw.member_user),
        lambda: services.attendance_mark(
            activity=a,
            member=rw.m_u_a,
            checkin_at=start,
            checkout_at=timezone.now(),
            reason="手机没电",
            by=rw.community_staff,
        ),
    )
    assert sorted(outcomes) in (["409 王安华的考勤已登记", "ok"], ["409 您已签退", "ok"])
    (record,) = Record.objects.filter(activity=a)
    assert record.source == ("activity" if outcomes[0] == "ok" else "manual")
    assert Signup.objects.get(activity=a).status == Signup.Status.ATTENDED
    a.refresh_from_db()
    assert a.signed_up == 1


# --- confirmation --------------------------------------------------------------------------------


def test_two_confirmers_of_one_record_count_it_once(rw: SimpleNamespace) -> None:
    other = second_staff(rw)
    r = logged(rw, rw.m_u_a, rw.member_user)
    outcomes = race(
        lambda: services.record_confirm(record=r, by=rw.community_staff),
        lambda: services.record_confirm(record=r, by=other),  # type: ignore[arg-type]
    )
    assert sorted(outcomes) == ["409 该纪实已确认", "ok"]
    r.refresh_from_db()
    assert r.decided_by in (rw.community_staff, other) and r.events.filter(kind="confirmed").count() == 1
    assert counted() == (1, 60)
    assert drift() == []


def test_two_returns_of_one_record_leave_one_reason(rw: SimpleNamespace) -> None:
    other = second_staff(rw)
    r = logged(rw, rw.m_u_a, rw.member_user)
    services.record_confirm(record=r, by=rw.community_staff)
    outcomes = race(
        lambda: services.record_return(record=r, by=rw.community_staff, reason="时间不符"),
        lambda: services.record_return(record=r, by=other, reason="照片重复"),  # type: ignore[arg-type]
    )
    assert sorted(outcomes) == ["409 该纪实已退回", "ok"]
    r.refresh_from_db()
    assert r.return_reason == ("时间不符" if outcomes[0] == "ok" else "照片重复")
    assert r.events.filter(kind="returned").count() == 1
    assert counted() == (0, 0)
    assert drift() == []


def test_a_confirmation_and_a_return_at_once_always_end_returned(rw: SimpleNamespace) -> None:
    """Confirmed then returned (allowed: the return takes the count back), or returned then the
    confirmation refused: the record ends returned and uncounted either way."""
    other = second_staff(rw)
    r = logged(rw, rw.m_u_a, rw.member_user)
    outcomes = race(
        lambda: services.record_confirm(record=r, by=rw.community_staff),
        lambda: services.record_return(record=r, by=other, reason="内容不实"),  # type: ignore[arg-type]
    )
    assert outcomes[1] == "ok" and outcomes[0] in ("ok", "409 该纪实已退回")
    r.refresh_from_db()
    assert (r.status, r.return_reason) == ("returned", "内容不实")
    assert counted() == (0, 0)
    assert drift() == []


def test_a_batch_confirmation_racing_a_return(rw: SimpleNamespace) -> None:
    """Staff confirm six records in one batch while another returns the third: the third ends
    returned whichever came first, the other five confirmed and counted once."""
    other = second_staff(rw)
    records = [logged(rw, m, u, days_ago=1) for m, u in _members(rw, 6)]
    result: dict[str, object] = {}

    def batch() -> None:
        result["batch"] = services.records_confirm(records=records, by=rw.community_staff)

    outcomes = race(batch, lambda: services.record_return(record=records[2], by=other, reason="重复登记"))  # type: ignore[arg-type]
    assert outcomes == ["ok", "ok"]
    done, refused = result["batch"]  # type: ignore[misc]
    # (On SQLite a batch that met a locked table is run again whole: what it confirmed the first
    # time is then refused as confirmed. The rows below are the truth either way.)
    assert {why for _r, why in refused} <= {"该纪实已退回", "该纪实已确认"}
    assert len(done) >= 5
    statuses = [Record.objects.get(pk=r.pk).status for r in records]
    assert statuses == ["confirmed", "confirmed", "returned", "confirmed", "confirmed", "confirmed"]
    assert counted() == (5, 300)
    assert drift() == []


# --- call-ups --------------------------------------------------------------------------------------


def test_answers_and_attendance_at_once_keep_one_answer_each(rw: SimpleNamespace) -> None:
    people = _members(rw, 4)
    start = timezone.now() - dt.timedelta(minutes=30)
    c = services.callup_create(
        community=rw.A,
        title="防汛沙袋搬运",
        address="社区广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        needed=6,
        by=rw.community_staff,
    )
    members = [m for m, _u in people]
    outcomes = race(
        *[lambda m=m, u=u: services.callup_answer(callup=c, member=m, coming=True, by=u) for m, u in people],
        lambda: services.callup_attend(callup=c, members=members, by=rw.community_staff),
    )
    assert outcomes == ["ok"] * 5
    assert CallupAnswer.objects.filter(callup=c).count() == 4
    assert services.callup_headcount(c) == {"called": 6, "coming": 4, "not_coming": 0, "attended": 4}
    assert Record.objects.filter(callup=c).count() == 4


def test_answers_racing_the_close_count_only_those_before_it(rw: SimpleNamespace) -> None:
    people = _members(rw, 4)
    start = timezone.now() + dt.timedelta(hours=1)
    c = services.callup_create(
        community=rw.A,
        title="人口普查",
        address="党群服务中心",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        needed=10,
        by=rw.community_staff,
    )
    outcomes = race(
        *[lambda m=m, u=u: services.callup_answer(callup=c, member=m, coming=True, by=u) for m, u in people],
        lambda: services.callup_close(callup=c, by=rw.community_staff),
    )
    assert outcomes[-1] == "ok"
    assert set(outcomes[:-1]) <= {"ok", "409 该动员已结束"}
    assert CallupAnswer.objects.filter(callup=c).count() == outcomes[:-1].count("ok")
    assert Callup.objects.get(pk=c.pk).status == Callup.Status.CLOSED


# --- teams and commitments ----------------------------------------------------------------------------


def test_three_teams_race_for_the_last_slot_of_a_group_item(rw: SimpleNamespace) -> None:
    people = _members(rw, 3)
    kind = team_types()[1]
    teams = [
        services.team_create(community=rw.A, kind=kind, name=f"第{i}队", leader=m, by=rw.community_staff)
        for i, (m, _u) in enumerate(people)
    ]
    d = published(rw, size=Demand.Size.TEAM, slots=2, title="小区楼道集中清理")
    first = services.team_create(community=rw.A, kind=kind, name="先到的队", leader=rw.m_u_a, by=rw.community_staff)
    services.team_item_claim(team=first, demand=d, by=rw.member_user)
    outcomes = race(
        *[
            lambda t=t, u=u: services.team_item_claim(team=t, demand=d, by=u)
            for t, (_m, u) in zip(teams, people, strict=True)
        ]
    )
    assert sorted(outcomes) == ["409 该服务项目的认领名额已满（2/2）"] * 2 + ["ok"]
    d.refresh_from_db()
    assert d.claimed_slots == Claim.objects.filter(demand=d).count() == TeamClaim.objects.count() == 2
    assert drift() == []


def test_a_commitment_kept_as_it_is_withdrawn(rw: SimpleNamespace) -> None:
    c = services.commitment_make(unit=rw.U, community=rw.A, text="修缮小区路灯", by=rw.unit_secretary)
    outcomes = race(
        lambda: services.commitment_keep(commitment=c, by=rw.community_staff, note="已修好"),
        lambda: services.commitment_withdraw(commitment=c, by=rw.unit_secretary),
    )
    c.refresh_from_db()
    if outcomes[0] == "ok":
        assert outcomes[1] == "409 该承诺已兑现，不能再撤回"
        assert (c.status, c.done_note) == (Commitment.Status.DONE, "已修好")
    else:
        assert outcomes == ["409 该承诺已撤回，不能再确认兑现", "ok"]
        assert (c.status, c.done_note, c.done_at) == (Commitment.Status.WITHDRAWN, "", None)


def test_an_activity_closed_as_it_is_cancelled(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start)
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user, now=start - dt.timedelta(hours=1))
    outcomes = race(
        lambda: services.activity_close(activity=a, by=rw.community_staff),
        lambda: services.activity_cancel(activity=a, by=rw.community_staff),
    )
    a.refresh_from_db()
    signup = Signup.objects.get(activity=a)
    if outcomes[0] == "ok":
        assert outcomes[1] == "409 活动已结束"
        assert (a.status, a.signed_up, signup.status) == (Activity.Status.CLOSED, 1, Signup.Status.NO_SHOW)
    else:
        assert outcomes == ["409 活动已取消", "ok"]
        assert (a.status, a.signed_up, signup.status) == (Activity.Status.CANCELLED, 0, Signup.Status.CANCELLED)


# --- decisions of one row by two people ----------------------------------------------------------------


def test_two_staff_decide_one_leader_visit_one_decision_stands(rw: SimpleNamespace) -> None:
    from baodao.directory.services import leader_link_add
    from baodao.records.models import LeaderVisit

    link = leader_link_add(
        community=rw.A, leader_name="李市长", title="副市长", start_on=timezone.localdate() - dt.timedelta(days=30)
    )
    v = services.leader_visit_log(
        link=link, place=rw.A1, visited_on=timezone.localdate(), content="调研加装电梯", by=rw.community_staff
    )
    other = second_staff(rw)
    third = account_services.user_create(
        username="staff_a3", password=rw.password, roles=[{"role": Role.COMMUNITY_STAFF, "place": rw.A}]
    )
    outcomes = race(
        lambda: services.leader_visit_decide(visit=v, by=other, confirm=True),  # type: ignore[arg-type]
        lambda: services.leader_visit_decide(visit=v, by=third, confirm=False, reason="内容太简单"),
    )
    v.refresh_from_db()
    if outcomes[0] == "ok":
        assert outcomes[1] == "409 该调研记录已确认"
        assert (v.status, v.decided_by, v.return_reason) == (LeaderVisit.Status.CONFIRMED, other, "")
    else:
        assert outcomes == ["409 该调研记录已退回", "ok"]
        assert (v.status, v.decided_by, v.return_reason) == (LeaderVisit.Status.RETURNED, third, "内容太简单")


def test_a_certificate_revoked_twice_at_once_keeps_one_reason(rw: SimpleNamespace) -> None:
    r = logged(rw, rw.m_u_a, rw.member_user, days_ago=2)
    services.record_confirm(record=r, by=rw.community_staff)
    day = timezone.localdate()
    cert = services.certificate_issue(
        member=rw.m_u_a, community=rw.A, starts_on=day - dt.timedelta(days=30), ends_on=day, by=rw.member_user
    )
    other = second_staff(rw)
    outcomes = race(
        lambda: services.certificate_revoke(certificate=cert, by=rw.community_staff, reason="时段有误"),
        lambda: services.certificate_revoke(certificate=cert, by=other, reason="重复出具"),  # type: ignore[arg-type]
    )
    assert sorted(outcomes) == ["409 该证明已作废", "ok"]
    cert.refresh_from_db()
    assert cert.revoke_reason == ("时段有误" if outcomes[0] == "ok" else "重复出具")


def test_one_pairing_of_a_member_and_a_household_made_twice_at_once(rw: SimpleNamespace) -> None:
    from baodao.records.models import Pairing

    other = second_staff(rw)
    outcomes = race(
        lambda: services.pairing_create(member=rw.m_u_a, resident=rw.r_a1, need="代买药品", by=rw.community_staff),
        lambda: services.pairing_create(member=rw.m_u_a, resident=rw.r_a1, need="陪同就医", by=other),  # type: ignore[arg-type]
    )
    assert sorted(outcomes) == ["409 王安华已与该户结对", "ok"]
    (p,) = Pairing.objects.all()
    assert p.need == ("代买药品" if outcomes[0] == "ok" else "陪同就医")
