"""The record's writes: sign-up and its rules, the rotating code, attendance, logging with flags,
confirmation and return, and the counters they move."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from baodao.directory.services import rule_set
from baodao.records import codes, services
from baodao.records.models import Activity, Record, RecordEvent, Signup
from baodao.records.services import RecordConflict, RecordError
from baodao.records.tests.conftest import activity
from baodao.stats import service_counts
from baodao.stats.models import ServiceTally, ServiceYear, UnitServiceTally

pytestmark = pytest.mark.django_db


def photo(color: str = "red") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, "JPEG")
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


def scan(a: Activity, action: str, member: object, by: object, now: dt.datetime) -> object:
    code = codes.current(a, action, now=now)
    fn = services.checkin if action == "in" else services.checkout
    return fn(activity=a, member=member, slot=code.slot, signature=code.signature, by=by, now=now)


# --- sign-up ---------------------------------------------------------------------------------------


def test_signup_takes_a_seat_and_cancel_gives_it_back(rw: SimpleNamespace) -> None:
    a = activity(rw, capacity=2)
    s = services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user)
    a.refresh_from_db()
    assert (a.signed_up, s.status) == (1, Signup.Status.SIGNED)
    services.signup_cancel(signup=s, by=rw.member_user)
    a.refresh_from_db()
    assert a.signed_up == 0
    # signing up again after a cancel is allowed (one live sign-up per member)
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user)
    assert Signup.objects.filter(activity=a, member=rw.m_u_a).count() == 2


def test_full_twice_started_and_overlapping_are_refused_with_nothing_written(rw: SimpleNamespace) -> None:
    a = activity(rw, capacity=1)
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user)
    with pytest.raises(RecordConflict, match="名额已满（1/1）"):
        services.activity_signup(activity=a, member=rw.m_v_a, by=rw.member_v_user)
    b = activity(rw, capacity=5, title="同一时间的宣讲", start=a.starts_at + dt.timedelta(hours=1))
    with pytest.raises(RecordConflict, match="已报名同一时间的活动「安一小区环境清扫」"):
        services.activity_signup(activity=b, member=rw.m_u_a, by=rw.member_user)
    c = activity(rw, capacity=5, title="另一场")
    services.activity_signup(activity=c, member=rw.m_v_a, by=rw.member_v_user)
    with pytest.raises(RecordConflict, match="已报名该活动"):
        # the overlap check names itself first when it is the same member twice; no second row
        services.activity_signup(activity=c, member=rw.m_v_a, by=rw.member_v_user)
    started = activity(rw, start=timezone.now() - dt.timedelta(minutes=5), title="已开始")
    with pytest.raises(RecordError, match="活动已开始"):
        services.activity_signup(activity=started, member=rw.m_u_b, by=rw.member_user)
    for x in (a, b, c, started):
        x.refresh_from_db()
    assert [x.signed_up for x in (a, b, c, started)] == [1, 0, 1, 0]
    assert Signup.objects.count() == 2


def test_bad_activities_are_refused(rw: SimpleNamespace) -> None:
    now = timezone.now()
    with pytest.raises(RecordError, match="结束时间必须晚于开始时间"):
        activity(rw, start=now, hours=-1)
    with pytest.raises(RecordError, match="不在该社区内"):
        activity(rw, place=rw.B1)
    with pytest.raises(RecordError, match="人数上限至少为 1"):
        activity(rw, capacity=0)
    assert not Activity.objects.exists()


# --- the rotating code -----------------------------------------------------------------------------


def test_check_in_and_out_by_the_code_writes_a_pending_record_capped_by_the_span(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=2, title="楼道清扫")
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user, now=start - dt.timedelta(days=1))
    scan(a, "in", rw.m_u_a, rw.member_user, start - dt.timedelta(minutes=20))
    record = scan(a, "out", rw.m_u_a, rw.member_user, start + dt.timedelta(hours=2, minutes=30))
    assert isinstance(record, Record)
    assert (record.status, record.source, record.minutes) == ("pending", "activity", 120)  # capped by the span
    assert record.content == "楼道清扫" and record.community == rw.A and record.unit == rw.U
    assert [e.kind for e in record.events.all()] == [RecordEvent.Kind.CHECKED_IN, RecordEvent.Kind.CHECKED_OUT]
    s = Signup.objects.get(activity=a, member=rw.m_u_a)
    assert s.status == Signup.Status.ATTENDED


def test_stale_forged_other_activity_and_outside_window_codes_fail(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(minutes=10)
    a = activity(rw, start=start, hours=2)
    other = activity(rw, start=start + dt.timedelta(hours=3), title="另一场")
    now = timezone.now()
    period = codes.period_seconds(a)
    old = codes.current(a, "in", now=now - dt.timedelta(seconds=3 * period))
    with pytest.raises(RecordError, match="二维码已过期或无效"):
        services.checkin(activity=a, member=rw.m_u_a, slot=old.slot, signature=old.signature, by=rw.member_user)
    fresh = codes.current(a, "in", now=now)
    with pytest.raises(RecordError, match="二维码已过期或无效"):
        services.checkin(activity=a, member=rw.m_u_a, slot=fresh.slot, signature="0" * 20, by=rw.member_user)
    theirs = codes.current(other, "in", now=now)
    with pytest.raises(RecordError, match="二维码已过期或无效"):
        services.checkin(activity=a, member=rw.m_u_a, slot=theirs.slot, signature=theirs.signature, by=rw.member_user)
    out = codes.current(a, "out", now=now)
    with pytest.raises(RecordError, match="二维码已过期或无效"):  # a check-out code does not check in
        services.checkin(activity=a, member=rw.m_u_a, slot=out.slot, signature=out.signature, by=rw.member_user)
    # the code of the period just past still works (scanned at the turn)
    prev = codes.current(a, "in", now=now - dt.timedelta(seconds=period))
    services.checkin(activity=a, member=rw.m_u_a, slot=prev.slot, signature=prev.signature, by=rw.member_user)
    # outside the window around the activity: refused even with a valid code
    late = other.ends_at + dt.timedelta(minutes=61)
    with pytest.raises(RecordError, match="不在签到时间内"):
        scan(other, "in", rw.m_v_a, rw.member_v_user, late)
    assert Signup.objects.filter(activity=other).count() == 0


def test_checkout_without_checkin_and_twice_are_refused(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(minutes=30)
    a = activity(rw, start=start, hours=1)
    now = timezone.now()
    with pytest.raises(RecordError, match="还没有签到"):
        scan(a, "out", rw.m_u_a, rw.member_user, now)
    scan(a, "in", rw.m_u_a, rw.member_user, now)  # a walk-in: signed up on the spot
    with pytest.raises(RecordConflict, match="已于"):
        scan(a, "in", rw.m_u_a, rw.member_user, now)
    scan(a, "out", rw.m_u_a, rw.member_user, now + dt.timedelta(minutes=10))
    with pytest.raises(RecordConflict, match="已签退"):
        scan(a, "out", rw.m_u_a, rw.member_user, now + dt.timedelta(minutes=11))
    assert Record.objects.count() == 1


def test_manual_attendance_needs_a_reason_and_is_marked_manual(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=2)
    with pytest.raises(RecordError, match="必须填写原因"):
        services.attendance_mark(
            activity=a, member=rw.m_v_a, checkin_at=start, checkout_at=a.ends_at, reason=" ", by=rw.community_staff
        )
    record = services.attendance_mark(
        activity=a,
        member=rw.m_v_a,
        checkin_at=start - dt.timedelta(minutes=30),
        checkout_at=a.ends_at,
        reason="手机没电",
        by=rw.community_staff,
    )
    assert record.source == Record.Source.MANUAL and record.minutes == 120
    assert [f["code"] for f in record.flags] == ["outside_activity"]
    s = record.signup
    assert (s.manual_reason, s.manual_by) == ("手机没电", rw.community_staff)
    assert record.events.get().kind == RecordEvent.Kind.MANUAL


def test_close_marks_no_shows_and_flags_who_did_not_check_out(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=2)
    services.activity_signup(activity=a, member=rw.m_u_a, by=rw.member_user, now=start - dt.timedelta(hours=1))
    services.activity_signup(activity=a, member=rw.m_v_a, by=rw.member_v_user, now=start - dt.timedelta(hours=1))
    scan(a, "in", rw.m_v_a, rw.member_v_user, start + dt.timedelta(minutes=30))
    out = services.activity_close(activity=a, by=rw.community_staff)
    assert out == {"no_show": 1, "not_out": 1}
    assert Signup.objects.get(member=rw.m_u_a).status == Signup.Status.NO_SHOW
    record = Record.objects.get()
    assert record.minutes == 90 and [f["code"] for f in record.flags] == ["no_checkout"]
    with pytest.raises(RecordConflict):
        services.activity_close(activity=a, by=rw.community_staff)


# --- logged service and flags -----------------------------------------------------------------------


def log(w: SimpleNamespace, start: dt.datetime, hours: float = 1, **kw: object) -> Record:
    return services.record_log(
        member=kw.pop("member", w.m_u_a),
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        content=kw.pop("content", "走访结对困难户"),
        by=kw.pop("by", w.member_user),
        **kw,
    )


def test_bad_logs_are_refused(rw: SimpleNamespace) -> None:
    now = timezone.now()
    with pytest.raises(RecordError, match="尚未发生"):
        log(rw, now + dt.timedelta(hours=1))
    with pytest.raises(RecordError, match="结束时间必须晚于开始时间"):
        log(rw, now - dt.timedelta(hours=2), hours=-1)
    with pytest.raises(RecordError, match="服务地点不在该社区内"):
        log(rw, now - dt.timedelta(hours=3), place=rw.B1)
    assert not Record.objects.exists()


def test_flags_explain_themselves_and_never_block(rw: SimpleNamespace) -> None:
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    first = log(rw, now - dt.timedelta(hours=2), hours=2, photos=[photo()])
    assert first.flags == []
    second = log(rw, now - dt.timedelta(hours=1), hours=1, photos=[photo()], content="同一时间的另一件事")
    codes_ = [f["code"] for f in second.flags]
    assert codes_ == ["overlap", "photo_reused"]
    assert "走访结对困难户" in second.flags[0]["text"]
    first.refresh_from_db()
    assert [f["code"] for f in first.flags] == ["overlap"]  # the older one is flagged too
    rule_set(key="record_max_hours_per_day", value=Decimal(3), city=None)
    long = log(rw, now + dt.timedelta(hours=1), hours=2, content="下午继续")
    assert "day_hours" in [f["code"] for f in long.flags]
    late = log(rw, timezone.now() - dt.timedelta(days=20, hours=2), content="二十天前的服务")
    assert [f["code"] for f in late.flags] == ["late"]
    assert "20 天后才登记" in late.flags[0]["text"]


def test_a_log_during_a_check_in_elsewhere_is_flagged(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, hours=2, address="社区广场")
    scan(a, "in", rw.m_u_a, rw.member_user, start)
    r = log(rw, start + dt.timedelta(minutes=30), hours=1, content="入户走访")
    assert [f["code"] for f in r.flags] == ["checked_in_elsewhere"]
    assert "社区广场" in r.flags[0]["text"]


# --- confirmation and counters ---------------------------------------------------------------------


def test_confirm_counts_return_uncounts_and_edit_moves_the_difference(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(days=2)
    r = log(rw, start, hours=2)
    year = r.year
    assert not ServiceYear.objects.exists()  # pending counts nothing
    services.record_confirm(record=r, by=rw.community_staff)
    assert ServiceYear.objects.values_list("records", "minutes").get(member=rw.m_u_a, year=year) == (1, 120)
    services.record_edit(
        record=r, by=rw.community_staff, starts_at=start, ends_at=start + dt.timedelta(hours=3), content="改"
    )
    assert ServiceYear.objects.values_list("records", "minutes").get(member=rw.m_u_a, year=year) == (1, 180)
    services.record_return(record=r, by=rw.community_staff, reason="时间不符")
    assert ServiceYear.objects.values_list("records", "minutes").get(member=rw.m_u_a, year=year) == (0, 0)
    assert service_counts.recount(fix=False) == []
    # the member corrects it: back to pending, not counted until confirmed again
    r.refresh_from_db()
    services.record_edit(
        record=r, by=rw.member_user, starts_at=start, ends_at=start + dt.timedelta(hours=1), content="改"
    )
    r.refresh_from_db()
    assert r.status == Record.Status.PENDING


def test_nobody_confirms_their_own_record(rw: SimpleNamespace) -> None:
    r = log(rw, timezone.now() - dt.timedelta(hours=5), by=rw.community_staff)  # staff logged it for him
    with pytest.raises(RecordError, match="不能确认自己登记"):
        services.record_confirm(record=r, by=rw.community_staff)
    r.refresh_from_db()
    assert r.status == Record.Status.PENDING
    with pytest.raises(RecordError, match="请填写退回原因"):
        services.record_return(record=r, by=rw.staff_b, reason="")


def test_batch_confirm_names_the_refused(rw: SimpleNamespace) -> None:
    a = log(rw, timezone.now() - dt.timedelta(hours=30))
    b = log(rw, timezone.now() - dt.timedelta(hours=20), member=rw.m_v_a, by=rw.member_v_user)
    services.record_confirm(record=b, by=rw.community_staff)
    done, refused = services.records_confirm(records=[a, b], by=rw.community_staff)
    assert [r.pk for r in done] == [a.pk]
    assert [(r.pk, why) for r, why in refused] == [(b.pk, "该纪实已确认")]
    assert ServiceYear.objects.filter(records=1).count() == 2


def test_counters_equal_recount_after_random_steps(rw: SimpleNamespace) -> None:
    import random

    rng = random.Random(11)
    members = [(rw.m_u_a, rw.member_user), (rw.m_v_a, rw.member_v_user)]
    base = timezone.now() - dt.timedelta(days=300)
    records: list[Record] = []
    for i in range(120):
        step = rng.random()
        if step < 0.4 or not records:
            m, u = rng.choice(members)
            start = base + dt.timedelta(days=rng.randrange(290), hours=rng.randrange(12))
            aid = services.Aid(
                items="米面油", count=rng.randrange(4), money=Decimal(rng.randrange(300)), donor_kind="member"
            )
            kw = {"aid": aid} if rng.random() < 0.3 else {}
            records.append(log(rw, start, hours=rng.choice([0.5, 1, 2, 3]), member=m, by=u, content=f"第{i}次", **kw))
            continue
        r = rng.choice(records)
        r.refresh_from_db()
        try:
            if step < 0.7:
                services.record_confirm(record=r, by=rw.community_staff)
            elif step < 0.85:
                services.record_return(record=r, by=rw.community_staff, reason="核实")
            else:
                services.record_edit(
                    record=r,
                    by=rw.community_staff,
                    starts_at=r.starts_at,
                    ends_at=r.starts_at + dt.timedelta(minutes=rng.choice([30, 60, 150])),
                    content=r.content,
                )
        except RecordError:
            pass
    assert ServiceYear.objects.exists()
    assert service_counts.recount(fix=False) == []
    # The community and unit tallies moved too, aid and flags included (what the figures read).
    tallies = ServiceTally.objects.filter(place=rw.A)
    confirmed = Record.objects.filter(status=Record.Status.CONFIRMED)
    assert sum(t.records for t in tallies) == confirmed.count() > 0
    assert sum(t.aid_money for t in tallies) == sum(r.aid_money for r in confirmed) > 0
    assert sum(t.flagged for t in tallies) == sum(1 for r in confirmed if r.flags)
    assert sum(t.records for t in UnitServiceTally.objects.all()) == confirmed.count()
