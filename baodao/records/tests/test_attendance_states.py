"""Sign-up and attendance in every state they can be asked in: each refusal says why in Chinese and
writes nothing (no seat taken or given back, no sign-up moved, no record); the edges of the times —
the scan window, the start and end, the minimum minutes — fall on the side the rules say.

Each test walks several states on one world (a world costs more than its assertions)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from baodao.core.tests.refusals import refused
from baodao.core.transitions import workflows
from baodao.directory.services import rule_set
from baodao.records import codes, services
from baodao.records.dates import when
from baodao.records.models import Activity, Record, RecordEvent, Signup
from baodao.records.services import RecordConflict, RecordError
from baodao.records.tests.conftest import activity


def seats(a: Activity) -> int:
    a.refresh_from_db()
    return a.signed_up


def signup_of(a: Activity, member: object) -> Signup:
    return Signup.objects.exclude(status=Signup.Status.CANCELLED).get(activity=a, member=member)


def past(w: SimpleNamespace, *, ago: dt.timedelta = dt.timedelta(hours=2, minutes=30), **kw: object) -> Activity:
    """A two-hour activity of 安宁社区 that started `ago` (by default it ended half an hour ago,
    inside the scan window), published before it, 王安华 signed up."""
    start = timezone.now() - ago
    a = activity(w, start=start, **kw)
    services.activity_signup(activity=a, member=w.m_u_a, by=w.member_user, now=start - dt.timedelta(hours=1))
    return a


def scan_in(a: Activity, member: object, user: object, now: dt.datetime | None = None) -> Signup:
    return services.checkin_scanned(activity=a, member=member, by=user, now=now)  # type: ignore[arg-type]


def scan_out(a: Activity, member: object, user: object, now: dt.datetime | None = None) -> Record:
    return services.checkout_scanned(activity=a, member=member, by=user, now=now)  # type: ignore[arg-type]


# --- no refusal names a state twice (a class of wording defects) ------------------------------------


def test_no_refusal_of_any_status_table_says_a_state_twice() -> None:
    """A refusal reads "该报名已签到", never "该报名已已签到" or "该报名已未到": every table's message for
    every state a transition is refused in, across the project."""
    doubled = []
    for wf in workflows():
        for t in wf.transitions.values():
            for status in wf.states():
                text = wf.refusal(t, status)
                if status not in t.sources and any(x in text for x in ("已已", "已未", "已时长", "已发送")):
                    doubled.append(f"{wf.model.__name__}.{t.name} from {status}: {text}")
    assert doubled == []


def test_the_signup_table_says_each_state_once() -> None:
    from baodao.records.transitions import signups

    assert signups.refusal(signups["cancel"], Signup.Status.CHECKED_IN) == "该报名已签到，不能取消"
    assert signups.refusal(signups["check_in"], Signup.Status.NO_SHOW) == "该报名未到"
    assert signups.refusal(signups["attend"], Signup.Status.ATTENDED) == "该报名已参加，考勤已登记"


# --- sign-up and cancel --------------------------------------------------------------------------


def test_a_sign_up_is_refused_in_every_state_but_open_before_the_start_with_a_seat(rw: SimpleNamespace) -> None:
    closed = past(rw, title="已结束的活动")
    services.activity_close(activity=closed, by=rw.community_staff)
    cancelled = activity(rw, title="取消了的活动")
    services.activity_cancel(activity=cancelled, by=rw.community_staff)
    with refused(RecordError, "活动已结束，不能报名"):
        services.activity_signup(activity=closed, member=rw.m_v_a, by=rw.member_v_user)
    with refused(RecordError, "活动已取消，不能报名"):
        services.activity_signup(activity=cancelled, member=rw.m_v_a, by=rw.member_v_user)
    assert (seats(closed), seats(cancelled)) == (1, 0)

    # At the start it is too late; a minute before it is not.
    a = activity(rw, capacity=2, title="两个名额", start=timezone.now() + dt.timedelta(days=2))
    with refused(RecordError, "活动已开始，不能再报名"):
        services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user, now=a.starts_at)
    assert seats(a) == 0
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user, now=a.starts_at - dt.timedelta(minutes=1))
    # The last seat goes to one; the next hears the count, as a conflict.
    services.activity_signup(activity=a, member=rw.m_v_a, by=rw.member_v_user)
    with refused(RecordConflict, "名额已满（2/2）"):
        services.activity_signup(activity=a, member=rw.m_u_b, by=rw.member_user)
    assert seats(a) == 2 and Signup.objects.filter(activity=a).count() == 2
    assert not Signup.objects.filter(member=rw.m_u_b).exists()


def test_overlaps_are_strict_and_only_live_sign_ups_clash(rw: SimpleNamespace) -> None:
    first = activity(rw, title="上半场")
    second = activity(rw, start=first.ends_at, title="下半场")  # touching end to start
    services.activity_signup(activity=first, member=rw.m_u_a, by=rw.member_user)
    services.activity_signup(activity=second, member=rw.m_u_a, by=rw.member_user)
    assert Signup.objects.filter(member=rw.m_u_a).count() == 2
    # A cancelled sign-up blocks nothing that overlaps it.
    third = activity(rw, start=first.starts_at + dt.timedelta(minutes=30), title="插在中间")
    s = services.activity_signup(activity=first, member=rw.m_v_a, by=rw.member_v_user)
    services.signup_cancel(signup=s, by=rw.member_v_user)
    services.activity_signup(activity=third, member=rw.m_v_a, by=rw.member_v_user)
    assert (seats(first), seats(second), seats(third)) == (1, 1, 1)


def test_cancel_refuses_a_sign_up_checked_in_cancelled_or_started(rw: SimpleNamespace) -> None:
    a = activity(rw, capacity=3)
    checked = services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user)
    scan_in(a, rw.m_u_a, rw.member_user, now=a.starts_at - dt.timedelta(minutes=30))  # early, in the window
    gone = services.activity_signup(activity=a, member=rw.m_v_a, by=rw.member_v_user)
    services.signup_cancel(signup=gone, by=rw.member_v_user)
    with refused(RecordConflict, "该报名已签到，不能取消"):
        services.signup_cancel(signup=checked, by=rw.member_user)
    with refused(RecordConflict, "该报名已取消，不能取消"):
        services.signup_cancel(signup=gone, by=rw.member_v_user)
    assert seats(a) == 1
    assert Signup.objects.get(pk=checked.pk).status == Signup.Status.CHECKED_IN

    started = past(rw, ago=dt.timedelta(minutes=10), title="已开始")
    with refused(RecordError, "活动已开始，不能取消报名"):
        services.signup_cancel(signup=signup_of(started, rw.m_u_a), by=rw.member_user)
    assert seats(started) == 1 and signup_of(started, rw.m_u_a).status == Signup.Status.SIGNED


# --- the scan window and check-in ------------------------------------------------------------------


def test_the_window_is_inclusive_at_both_edges_and_a_rule_of_the_city(rw: SimpleNamespace) -> None:
    """60 minutes (the rule) before the start and after the end are inside; a second more is not."""
    start = timezone.now() + dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=1)
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user)
    window = f"不在签到时间内：活动 {when(start)}—{when(a.ends_at)}"
    with refused(RecordError, f"{window}，前后 60 分钟内可以扫码"):
        scan_in(a, rw.m_u_a, rw.member_user, now=start - dt.timedelta(minutes=60, seconds=1))
    assert scan_in(a, rw.m_u_a, rw.member_user, now=start - dt.timedelta(minutes=60)).status == "checked_in"
    with refused(RecordError, f"{window}，前后 60 分钟内可以扫码"):
        scan_out(a, rw.m_u_a, rw.member_user, now=a.ends_at + dt.timedelta(minutes=60, seconds=1))
    record = scan_out(a, rw.m_u_a, rw.member_user, now=a.ends_at + dt.timedelta(minutes=60))
    assert record.minutes == 60  # the activity's span, not the window's

    rule_set(key="record_checkin_window_minutes", value=Decimal(10), city=rw.C)
    b = activity(rw, start=start, title="窗口十分钟")
    with pytest.raises(RecordError, match="前后 10 分钟内可以扫码"):
        scan_in(b, rw.m_v_a, rw.member_v_user, now=start - dt.timedelta(minutes=11))
    assert not Signup.objects.filter(activity=b).exists()


def test_check_in_refusals_at_the_end_twice_and_when_full(rw: SimpleNamespace) -> None:
    ended = past(rw, title="刚结束")
    with refused(RecordError, f"活动已于 {when(ended.ends_at)} 结束，不能再签到"):
        scan_in(ended, rw.m_u_a, rw.member_user, now=ended.ends_at)
    assert signup_of(ended, rw.m_u_a).status == Signup.Status.SIGNED

    # A walk-in (never signed up) takes a seat on the spot after the start, while one is left.
    a = activity(rw, start=timezone.now() - dt.timedelta(minutes=30), capacity=1, title="一个名额")
    first = timezone.now() - dt.timedelta(minutes=20)
    assert scan_in(a, rw.m_v_a, rw.member_v_user, now=first).status == Signup.Status.CHECKED_IN
    with refused(RecordConflict, f"您已于 {when(first)} 签到"):
        scan_in(a, rw.m_v_a, rw.member_v_user)
    # Full: the reason is the seats, not the start (a walk-in may come after the start).
    with refused(RecordConflict, "名额已满（1/1）"):
        scan_in(a, rw.m_u_a, rw.member_user)
    assert seats(a) == 1 and not Signup.objects.filter(activity=a, member=rw.m_u_a).exists()
    assert signup_of(a, rw.m_v_a).checkin_at == first


def test_no_scan_after_the_activity_ended_or_was_cancelled(rw: SimpleNamespace) -> None:
    closed = past(rw)
    services.activity_close(activity=closed, by=rw.community_staff)
    cancelled = activity(rw, title="取消了")
    services.activity_signup(activity=cancelled, member=rw.m_u_a, by=rw.member_user)
    services.activity_cancel(activity=cancelled, by=rw.community_staff)
    for a, said in ((closed, "活动已结束，不能签到签退"), (cancelled, "活动已取消，不能签到签退")):
        a.refresh_from_db()
        for scan in (scan_in, scan_out):
            with refused(RecordError, said):
                scan(a, rw.m_u_a, rw.member_user, now=a.starts_at + dt.timedelta(minutes=1))
    assert not Record.objects.exists()


def test_a_good_code_outside_the_window_or_of_the_other_action_fails(rw: SimpleNamespace) -> None:
    later = activity(rw, start=timezone.now() + dt.timedelta(hours=5))
    code = codes.current(later, "in")
    with pytest.raises(RecordError, match="不在签到时间内"):
        services.checkin(activity=later, member=rw.m_u_a, slot=code.slot, signature=code.signature, by=rw.member_user)
    assert not Signup.objects.filter(activity=later).exists()

    now = past(rw, ago=dt.timedelta(minutes=10), title="进行中")
    out = codes.current(now, "out")
    with refused(RecordError, "二维码已过期或无效，请扫描组织者手机上当前显示的二维码"):
        services.checkin(activity=now, member=rw.m_u_a, slot=out.slot, signature=out.signature, by=rw.member_user)
    assert signup_of(now, rw.m_u_a).checkin_at is None


def test_codes_parse_urls_and_paths_and_nothing_else() -> None:
    assert codes.parse("https://x.cn/records/scan/12/in/345/abc/?utm=1") == (12, "in", 345, "abc")
    assert codes.parse("/records/scan/12/out/345/abc/") == (12, "out", 345, "abc")
    for bad in ("", "hello", "/records/scan/x/in/1/a/", "/records/scan/12/in/", "/records/scan/12/in/notanint/a/"):
        assert codes.parse(bad) is None
    assert not codes.is_valid(Activity(), "sideways", 1, "x")
    with pytest.raises(ValueError, match="sideways"):
        codes.current(Activity(), "sideways")


# --- check-out and the minimum minutes -------------------------------------------------------------


def test_check_out_refusals_before_the_start_unsigned_and_twice(rw: SimpleNamespace) -> None:
    a = past(rw, ago=dt.timedelta(minutes=10))
    scan_in(a, rw.m_u_a, rw.member_user, now=a.starts_at - dt.timedelta(minutes=5))
    with pytest.raises(RecordError, match="开始前不能签退：活动开始前离开不算参加活动"):
        scan_out(a, rw.m_u_a, rw.member_user, now=a.starts_at)
    assert signup_of(a, rw.m_u_a).status == Signup.Status.CHECKED_IN and not Record.objects.exists()
    with refused(RecordError, "您还没有签到，请先扫签到码"):
        scan_out(a, rw.m_v_a, rw.member_v_user)
    assert not Signup.objects.filter(member=rw.m_v_a).exists()
    scan_out(a, rw.m_u_a, rw.member_user)
    with refused(RecordConflict, "您已签退"):
        scan_out(a, rw.m_u_a, rw.member_user)
    assert Record.objects.filter(activity=a).count() == 1
    assert RecordEvent.objects.filter(record__activity=a).count() == 2  # checked in, checked out


def test_the_minimum_minutes_count_from_exactly_the_rule(rw: SimpleNamespace) -> None:
    """29 minutes on site are recorded and flagged, never counted as an activity; 30 count; an
    early arrival counts from the start."""
    a = past(rw, capacity=3)
    for m, u in ((rw.m_u_a, rw.member_user), (rw.m_v_a, rw.member_v_user), (rw.m_u_b, rw.member_user)):
        scan_in(a, m, u, now=a.starts_at - dt.timedelta(minutes=40 if m == rw.m_u_b else 0))
    short = scan_out(a, rw.m_u_a, rw.member_user, now=a.starts_at + dt.timedelta(minutes=29))
    enough = scan_out(a, rw.m_v_a, rw.member_v_user, now=a.starts_at + dt.timedelta(minutes=30))
    early = scan_out(a, rw.m_u_b, rw.member_user, now=a.starts_at + dt.timedelta(minutes=45))
    assert [(r.minutes, r.counts_as_activity) for r in (short, enough, early)] == [(29, False), (30, True), (45, True)]
    assert early.starts_at == a.starts_at
    assert [f["text"] for f in short.flags] == ["在场 29 分钟，不足 30 分钟：计入服务时长，不计为参加活动"]
    assert enough.flags == [] and early.flags == []
    statuses = dict(Signup.objects.filter(activity=a).values_list("member__name", "status"))
    assert statuses == {"王安华": "short", "钱安宁": "attended", "李北辰": "attended"}


# --- marked by hand --------------------------------------------------------------------------------


def test_marking_by_hand_refuses_what_cannot_have_happened_or_was_recorded(rw: SimpleNamespace) -> None:
    a = past(rw)
    s, e = a.starts_at, a.ends_at

    def mark(i: dt.datetime, o: dt.datetime, reason: str = "手机没电") -> Record:
        return services.attendance_mark(
            activity=a, member=rw.m_u_a, checkin_at=i, checkout_at=o, reason=reason, by=rw.community_staff
        )

    with refused(RecordError, "手工登记考勤必须填写原因"):
        mark(s, e, reason="   ")
    future = timezone.now() + dt.timedelta(hours=1)
    for i, o, field, said in (
        (e, s, "checkout_at", "签退时间必须晚于签到时间"),
        (s, future, "checkout_at", "不能登记尚未发生的考勤：时间晚于现在"),
        (future, future + dt.timedelta(hours=1), "checkin_at", "不能登记尚未发生的考勤：时间晚于现在"),
    ):
        with pytest.raises(RecordError) as err:
            mark(i, o)
        assert err.value.message_dict == {field: [said]}
    assert not Record.objects.exists() and signup_of(a, rw.m_u_a).status == Signup.Status.SIGNED

    scan_in(a, rw.m_u_a, rw.member_user, now=s)
    scan_out(a, rw.m_u_a, rw.member_user, now=e)
    with refused(RecordConflict, "王安华的考勤已登记"):
        mark(s, e, reason="补登")
    assert Record.objects.filter(activity=a).count() == 1


def test_marking_times_beyond_the_activity_is_cut_and_flagged(rw: SimpleNamespace) -> None:
    a = past(rw, ago=dt.timedelta(hours=4))
    record = services.attendance_mark(
        activity=a,
        member=rw.m_v_a,  # never signed up: a seat is taken for the mark
        checkin_at=a.starts_at - dt.timedelta(minutes=30),
        checkout_at=a.ends_at + dt.timedelta(minutes=30),
        reason="忘带手机",
        by=rw.community_staff,
    )
    assert (record.source, record.minutes, record.starts_at, record.ends_at) == ("manual", 120, a.starts_at, a.ends_at)
    assert [f["code"] for f in record.flags] == ["outside_activity"]
    assert seats(a) == 2
    s = signup_of(a, rw.m_v_a)
    assert (s.status, s.manual_reason, s.manual_by) == (Signup.Status.ATTENDED, "忘带手机", rw.community_staff)
    assert [(e.kind, e.note) for e in record.events.all()] == [(RecordEvent.Kind.MANUAL, "忘带手机")]

    # 未到 is not final: the organizer who learns the member came marks it after the close.
    assert services.activity_close(activity=a, by=rw.community_staff) == {"no_show": 1, "not_out": 0}
    assert signup_of(a, rw.m_u_a).status == Signup.Status.NO_SHOW
    late = services.attendance_mark(
        activity=a,
        member=rw.m_u_a,
        checkin_at=a.starts_at,
        checkout_at=a.ends_at,
        reason="签到表补登",
        by=rw.community_staff,
    )
    assert late.counts_as_activity and signup_of(a, rw.m_u_a).status == Signup.Status.ATTENDED


# --- closing and cancelling the activity --------------------------------------------------------------


def test_close_and_cancel_refusals_leave_the_activity_as_it_was(rw: SimpleNamespace) -> None:
    running = past(rw, ago=dt.timedelta(minutes=20), title="进行中")
    with refused(RecordError, "活动尚未结束，结束后才能结束考勤"):
        services.activity_close(activity=running, by=rw.community_staff)
    scan_in(running, rw.m_u_a, rw.member_user)
    with refused(RecordError, "已有党员签到，不能取消活动；请结束考勤"):
        services.activity_cancel(activity=running, by=rw.community_staff)
    running.refresh_from_db()
    assert (running.status, running.signed_up, running.closed_at) == (Activity.Status.OPEN, 1, None)

    closed = past(rw, title="结束了", ago=dt.timedelta(hours=6))
    services.activity_close(activity=closed, by=rw.community_staff)
    cancelled = activity(rw, title="取消了")
    services.activity_cancel(activity=cancelled, by=rw.community_staff)
    for a, said in ((closed, "活动已结束"), (cancelled, "活动已取消")):
        for step in (services.activity_close, services.activity_cancel):
            with refused(RecordConflict, said):
                step(activity=a, by=rw.community_staff)
    closed.refresh_from_db()
    assert closed.status == Activity.Status.CLOSED


def test_cancelling_voids_every_sign_up_and_frees_the_seats(rw: SimpleNamespace) -> None:
    a = activity(rw, capacity=3)
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user)
    services.activity_signup(activity=a, member=rw.m_v_a, by=rw.member_v_user)
    services.activity_cancel(activity=a, by=rw.community_staff)
    assert seats(a) == 0
    assert set(Signup.objects.filter(activity=a).values_list("status", flat=True)) == {Signup.Status.CANCELLED}
    assert Signup.objects.filter(activity=a, cancelled_at__isnull=True).count() == 0


def test_close_counts_no_shows_and_the_unchecked_out_and_leaves_the_rest(rw: SimpleNamespace) -> None:
    a = past(rw, capacity=4)
    for m, u in ((rw.m_v_a, rw.member_v_user), (rw.m_u_b, rw.member_user)):
        services.activity_signup(activity=a, member=m, by=u, now=a.starts_at - dt.timedelta(hours=1))
        scan_in(a, m, u, now=a.starts_at)
    scan_out(a, rw.m_u_b, rw.member_user, now=a.ends_at)
    assert services.activity_close(activity=a, by=rw.community_staff) == {"no_show": 1, "not_out": 1}
    statuses = dict(Signup.objects.filter(activity=a).values_list("member__name", "status"))
    assert statuses == {"王安华": "no_show", "钱安宁": "attended", "李北辰": "attended"}
    not_out = Record.objects.get(activity=a, member=rw.m_v_a)
    assert (not_out.minutes, not_out.ends_at) == (120, a.ends_at)
    assert [f["text"] for f in not_out.flags] == ["未扫码签退，按活动结束时间计算"]
