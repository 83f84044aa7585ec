"""A service record in every state it can be asked to move from: logged (each bad input refused with
nothing written), confirmed, returned, corrected and sent again — each refusal in Chinese, the
state and the counters as they were; the flags a confirmer reads, on the edges of their rules."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.core.tests.refusals import refused
from baodao.directory.services import rule_set
from baodao.needs import services as need_services
from baodao.needs.tests.conftest import law
from baodao.records import access, services
from baodao.records.models import Record, RecordEvent, RecordPhoto
from baodao.records.services import Aid, RecordConflict, RecordError
from baodao.records.tests.conftest import activity
from baodao.stats import counters, families
from baodao.stats.models import ServiceYear


def log(w: SimpleNamespace, start: dt.datetime, hours: float = 1, **kw: object) -> Record:
    return services.record_log(
        member=kw.pop("member", w.m_u_a),
        community=kw.pop("community", w.A),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        content=kw.pop("content", "走访结对困难户"),
        by=kw.pop("by", w.member_user),
        **kw,
    )


def drift() -> list[object]:
    return counters.recount(families.FAMILIES, fix=False)


def year_of(member: object) -> tuple[int, int]:
    """The member's counted records and minutes, every year together."""
    rows = ServiceYear.objects.filter(member=member)
    return sum(r.records for r in rows), sum(r.minutes for r in rows)


def morning(days_ago: int = 1) -> dt.datetime:
    """09:00 local, `days_ago` days back: a time whose day is plain (no midnight in the tests' spans)."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


# --- logging ---------------------------------------------------------------------------------------


def test_every_bad_log_is_refused_with_its_reason_and_nothing_written(rw: SimpleNamespace) -> None:
    start = morning()
    now = timezone.now()
    pairing = services.pairing_create(member=rw.m_v_a, resident=rw.r_a1, need="代买药品", by=rw.community_staff)
    demand_b = need_services.demand_submit(
        by=rw.staff_b, community=rw.B, place=rw.B1, category=law(), title="北门的需求"
    )
    cases = [
        ({"aid": Aid(count=-1)}, "帮扶物资件数和资金不能为负数"),
        ({"aid": Aid(money=Decimal("-0.01"))}, "帮扶物资件数和资金不能为负数"),
        ({"aid": Aid(money=Decimal("10000000.01"), donor_kind="member")}, "帮扶资金数额过大，请核对"),
        ({"aid": Aid(items="米", count=1, donor_kind="government")}, "请选择捐助方类型"),
        ({"aid": Aid(items="米", count=2)}, "登记帮扶物资或资金时请选择捐助方"),
        ({"aid": Aid(money=Decimal(5))}, "登记帮扶物资或资金时请选择捐助方"),
        ({"pairing": pairing}, "只能登记本人正在进行的结对帮扶走访"),  # 钱安宁's pairing, not 王安华's
        ({"content": "  \n "}, "请填写服务内容"),
        ({"hours": 0}, "结束时间必须晚于开始时间"),
        ({"hours": 24 + 1 / 60}, "一条纪实不超过 24 小时；多日服务请分天登记"),
        ({"place": rw.B1}, "服务地点不在该社区内"),
        ({"demand": demand_b}, "关联的服务项目不属于该社区"),
    ]
    for kw, message in cases:
        with refused(RecordError, message):
            log(rw, start, **kw)  # type: ignore[arg-type]
    with refused(RecordError, "不能登记尚未发生的服务"):
        log(rw, now - dt.timedelta(minutes=54), hours=1, now=now)  # ends six minutes ahead
    assert not Record.objects.exists() and not RecordEvent.objects.exists()

    # On the edges: exactly 24 hours, ending five minutes ahead, aid of exactly the largest sum.
    whole_day = log(rw, start - dt.timedelta(days=2), hours=24, content="二十四小时值守")
    soon = log(rw, now - dt.timedelta(minutes=55), hours=1, now=now, content="刚刚结束")
    rich = log(rw, start, aid=Aid(money=Decimal(10_000_000), donor_kind="unit"), content="大额捐助")
    assert [r.minutes for r in (whole_day, soon, rich)] == [1440, 60, 60]
    assert [e.kind for e in RecordEvent.objects.order_by("id")] == ["logged"] * 3


def test_a_pairing_visit_is_only_for_a_live_pairing_of_ones_own(rw: SimpleNamespace) -> None:
    pairing = services.pairing_create(member=rw.m_u_a, resident=rw.r_a1, need="陪伴聊天", by=rw.community_staff)
    visit = log(rw, morning(2), pairing=pairing, content="上门陪伴")
    assert visit.pairing == pairing
    services.pairing_end(pairing=pairing, by=rw.community_staff)
    pairing.refresh_from_db()
    with refused(RecordError, "只能登记本人正在进行的结对帮扶走访"):
        log(rw, morning(1), pairing=pairing)
    with refused(RecordConflict, "该结对已结束"):
        services.pairing_end(pairing=pairing, by=rw.community_staff)
    assert list(pairing.visits.all()) == [visit]


def test_a_units_own_record_refuses_what_a_members_does(rw: SimpleNamespace) -> None:
    start = morning()

    def unit_log(**kw: object) -> Record:
        return services.record_log_unit(
            unit=rw.U,
            community=rw.A,
            starts_at=kw.pop("starts_at", start),
            ends_at=kw.pop("ends_at", start + dt.timedelta(hours=2)),
            content=kw.pop("content", "党课进社区"),
            by=rw.unit_secretary,
        )

    with refused(RecordError, "请填写服务内容"):
        unit_log(content=" ")
    with refused(RecordError, "结束时间必须晚于开始时间"):
        unit_log(ends_at=start)
    with refused(RecordError, "不能登记尚未发生的服务"):
        unit_log(starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(minutes=6))
    assert not Record.objects.exists()
    r = unit_log()
    assert (r.member, r.unit, r.minutes, r.status, r.source) == (None, rw.U, 120, "pending", "logged")
    assert r.flags == [] and not r.counts_as_activity


# --- confirm and return in every state -----------------------------------------------------------


def test_confirm_and_return_refuse_every_state_they_do_not_start_from(rw: SimpleNamespace) -> None:
    pending = log(rw, morning(3), content="待确认的")
    confirmed = log(rw, morning(2), content="已确认的")
    returned = log(rw, morning(1), content="已退回的")
    services.record_confirm(record=confirmed, by=rw.community_staff)
    services.record_return(record=returned, by=rw.community_staff, reason="照片不清楚")
    counted = year_of(rw.m_u_a)
    assert counted == (1, 60)

    with refused(RecordConflict, "该纪实已确认"):
        services.record_confirm(record=confirmed, by=rw.community_staff)
    with refused(RecordConflict, "该纪实已退回"):
        services.record_confirm(record=returned, by=rw.community_staff)
    with refused(RecordConflict, "该纪实已退回"):
        services.record_return(record=returned, by=rw.community_staff, reason="再退一次")
    with refused(RecordError, "请填写退回原因"):
        services.record_return(record=pending, by=rw.community_staff, reason="  ")
    assert dict(Record.objects.values_list("content", "status")) == {
        "待确认的": "pending",
        "已确认的": "confirmed",
        "已退回的": "returned",
    }
    assert year_of(rw.m_u_a) == counted
    returned.refresh_from_db()
    assert returned.return_reason == "照片不清楚"
    assert [e.kind for e in returned.events.all()] == ["logged", "returned"]

    # A confirmed record returned stops counting; the reason is the owner's to read.
    services.record_return(record=confirmed, by=rw.community_staff, reason="时间与签到不符")
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.return_reason, confirmed.decided_by) == (
        "returned",
        "时间与签到不符",
        rw.community_staff,
    )
    assert year_of(rw.m_u_a) == (0, 0)
    assert drift() == []


def test_nobody_decides_a_record_they_logged_or_that_is_their_own(rw: SimpleNamespace) -> None:
    """A staff account that is also a reported member (a member role) may not confirm, return or
    mend as staff the member's own record, even one somebody else logged (an organizer's mark)."""
    both = account_services.user_create(
        username="staff_and_member",
        password=rw.password,
        roles=[
            {"role": Role.COMMUNITY_STAFF, "place": rw.A},
            {"role": Role.MEMBER, "member": rw.m_v_a},
        ],
    )
    start = timezone.now() - dt.timedelta(hours=3)
    a = activity(rw, start=start, title="楼道清扫")
    marked = services.attendance_mark(
        activity=a,
        member=rw.m_v_a,
        checkin_at=start,
        checkout_at=a.ends_at,
        reason="忘带手机",
        by=rw.community_staff,
    )
    with refused(RecordError, "不能确认自己登记或自己的纪实"):
        services.record_confirm(record=marked, by=both)
    with refused(RecordError, "不能处理自己登记或自己的纪实"):
        services.record_return(record=marked, by=both, reason="自己退回")
    assert not access.may_edit(both, marked)
    # Whoever logged a record may not decide it either; another staff member may.
    logged_by_staff = log(rw, morning(2), by=rw.community_staff, content="工作人员代登记")
    with refused(RecordError, "不能确认自己登记或自己的纪实"):
        services.record_confirm(record=logged_by_staff, by=rw.community_staff)
    services.record_confirm(record=logged_by_staff, by=both)
    assert list(Record.objects.filter(status="confirmed")) == [logged_by_staff]
    assert drift() == []


def test_a_batch_confirms_the_pending_and_names_each_refusal(rw: SimpleNamespace) -> None:
    mine = log(rw, morning(4), by=rw.community_staff, content="我登记的")
    decided = log(rw, morning(3), content="已确认的")
    returned = log(rw, morning(2), content="已退回的")
    ok = log(rw, morning(1), content="待确认的", member=rw.m_v_a, by=rw.member_v_user)
    services.record_confirm(record=decided, by=rw.community_staff)
    services.record_return(record=returned, by=rw.community_staff, reason="重复")
    done, refused_ = services.records_confirm(records=[mine, decided, returned, ok], by=rw.community_staff)
    assert [r.pk for r in done] == [ok.pk]
    assert [(r.content, why) for r, why in refused_] == [
        ("我登记的", "不能确认自己登记或自己的纪实"),
        ("已确认的", "该纪实已确认"),
        ("已退回的", "该纪实已退回"),
    ]
    assert dict(Record.objects.values_list("content", "status")) == {
        "我登记的": "pending",
        "已确认的": "confirmed",
        "已退回的": "returned",
        "待确认的": "confirmed",
    }
    assert drift() == []


# --- corrections ---------------------------------------------------------------------------------


def test_a_correction_refuses_bad_times_and_content_per_field_and_keeps_the_version(rw: SimpleNamespace) -> None:
    r = log(rw, morning(2), hours=2)
    s = r.starts_at
    cases = [
        ({"ends_at": s}, {"ends_at": ["结束时间必须晚于开始时间"]}),
        (
            {"ends_at": timezone.now() + dt.timedelta(minutes=6)},
            {"ends_at": ["结束时间晚于现在：不能登记尚未发生的服务"]},
        ),
        (
            {"ends_at": s + dt.timedelta(hours=24, minutes=1)},
            {"ends_at": ["一条纪实不超过 24 小时；多日服务请分天登记"]},
        ),
        ({"content": " "}, {"content": ["请填写服务内容"]}),
        ({"place": rw.B1}, {"place": ["服务地点不在该社区内"]}),
    ]
    for change, said in cases:
        kw = {"starts_at": s, "ends_at": r.ends_at, "content": "改过的内容", **change}
        with pytest.raises(RecordError) as err:
            services.record_edit(record=r, by=rw.community_staff, **kw)  # type: ignore[arg-type]
        assert err.value.message_dict == said
    r.refresh_from_db()
    assert (r.version, r.content, r.minutes, r.status) == (1, "走访结对困难户", 120, "pending")
    assert [e.kind for e in r.events.all()] == ["logged"]


def test_corrections_by_state_pending_stays_confirmed_moves_returned_goes_back(rw: SimpleNamespace) -> None:
    pending = log(rw, morning(3), content="待确认")
    confirmed = log(rw, morning(2), content="已确认")
    returned = log(rw, morning(1), content="已退回")
    services.record_confirm(record=confirmed, by=rw.community_staff)
    services.record_return(record=returned, by=rw.community_staff, reason="时长不对")
    for r in (pending, confirmed, returned):
        services.record_edit(
            record=r,
            by=rw.community_staff if r is not returned else rw.member_user,
            starts_at=r.starts_at,
            ends_at=r.starts_at + dt.timedelta(minutes=90),
            content=f"{r.content}（改）",
        )
        r.refresh_from_db()
    assert [(r.status, r.version, r.minutes) for r in (pending, confirmed, returned)] == [
        ("pending", 2, 90),
        ("confirmed", 2, 90),
        ("pending", 2, 90),
    ]
    assert [e.kind for e in confirmed.events.all()] == ["logged", "confirmed", "edited"]
    assert [e.kind for e in returned.events.all()] == ["logged", "returned", "resubmitted"]
    resubmitted = returned.events.get(kind="resubmitted")
    assert (resubmitted.previous["version"], resubmitted.previous["minutes"]) == (1, 60)
    assert resubmitted.previous["status"] == "returned" and resubmitted.previous["return_reason"] == "时长不对"
    assert resubmitted.actor == rw.member_user
    # The confirmed one counts 90 minutes now, not 60: the difference moved.
    assert year_of(rw.m_u_a) == (1, 90)
    assert drift() == []


def test_an_attendance_corrected_stays_inside_its_activity(rw: SimpleNamespace) -> None:
    start = timezone.now() - dt.timedelta(hours=4)
    a = activity(rw, start=start, hours=2, title="政策宣讲")
    services.checkin_scanned(activity=a, member=rw.m_u_a, by=rw.member_user, now=start)
    r = services.checkout_scanned(activity=a, member=rw.m_u_a, by=rw.member_user, now=start + dt.timedelta(minutes=20))
    assert (r.minutes, r.counts_as_activity) == (20, False)
    with pytest.raises(RecordError) as err:
        services.record_edit(
            record=r,
            by=rw.community_staff,
            starts_at=start - dt.timedelta(hours=1),
            ends_at=start,
            content=r.content,
        )
    assert list(err.value.message_dict) == ["ends_at"]
    with pytest.raises(RecordError) as err:
        services.record_edit(
            record=r,
            by=rw.community_staff,
            starts_at=a.ends_at,
            ends_at=a.ends_at + dt.timedelta(minutes=30),
            content=r.content,
        )
    assert list(err.value.message_dict) == ["starts_at"]
    # The organizer saw the member stay 90 minutes: the record counts now, its short flag gone.
    services.record_edit(
        record=r,
        by=rw.community_staff,
        starts_at=start - dt.timedelta(minutes=10),  # before the start: counted from the start
        ends_at=start + dt.timedelta(minutes=90),
        content=r.content,
    )
    r.refresh_from_db()
    assert (r.minutes, r.counts_as_activity, r.version) == (90, True, 2)
    assert [f["code"] for f in r.flags] == []


# --- flags on their edges ----------------------------------------------------------------------------


def test_late_flags_past_the_rules_days_and_not_on_them(rw: SimpleNamespace) -> None:
    now = timezone.now()
    on_time = log(rw, now - dt.timedelta(days=7, hours=1), content="第七天登记", now=now)
    late = log(rw, now - dt.timedelta(days=8, hours=1), content="第八天登记", now=now)
    assert on_time.flags == []
    assert late.flags == [{"code": "late", "text": "服务结束 8 天后才登记（超过 7 天）"}]
    rule_set(key="record_late_days", value=Decimal(10), city=rw.C)
    later = log(rw, now - dt.timedelta(days=9, hours=1), content="规则改为十天", now=now)
    assert later.flags == []


def test_overlaps_flag_both_sides_but_never_a_returned_record(rw: SimpleNamespace) -> None:
    s = morning(2)
    old = log(rw, s, hours=2, content="上午走访")
    services.record_return(record=old, by=rw.community_staff, reason="重复登记")
    fresh = log(rw, s + dt.timedelta(minutes=30), hours=1, content="重新登记的走访")
    assert fresh.flags == []  # the returned one does not count
    clash = log(rw, s + dt.timedelta(minutes=45), hours=1, content="同时的另一件事")
    fresh.refresh_from_db()
    assert [f["code"] for f in clash.flags] == ["overlap"] and "重新登记的走访" in clash.flags[0]["text"]
    assert [f["code"] for f in fresh.flags] == ["overlap"] and "同时的另一件事" in fresh.flags[0]["text"]
    # A third overlapping record does not flag the older ones twice.
    log(rw, s + dt.timedelta(minutes=50), hours=0.5, content="第三件")
    fresh.refresh_from_db()
    assert [f["code"] for f in fresh.flags] == ["overlap"]
    # Moved apart by a correction, the new version no longer says it overlaps.
    services.record_edit(
        record=clash,
        by=rw.community_staff,
        starts_at=s + dt.timedelta(hours=5),
        ends_at=s + dt.timedelta(hours=6),
        content=clash.content,
    )
    clash.refresh_from_db()
    assert clash.flags == []


def test_a_long_day_is_flagged_over_the_rule_not_at_it(rw: SimpleNamespace) -> None:
    s = morning(3)
    log(rw, s - dt.timedelta(hours=2), hours=2, content="早上")  # 07:00–09:00
    at_limit = log(rw, s, hours=8, content="白天")  # 10 hours that day: at the rule, not over
    assert at_limit.flags == []
    over = log(rw, s + dt.timedelta(hours=9), hours=0.5, content="晚上")
    day = timezone.localtime(s).date().isoformat()
    assert over.flags == [{"code": "day_hours", "text": f"{day} 当天合计服务 10.5 小时，超过 10 小时"}]


# --- photos ----------------------------------------------------------------------------------------


def _jpeg(color: str) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "JPEG")
    out.seek(0)
    return out


def test_a_refused_photo_leaves_no_record_row_or_file(rw: SimpleNamespace, tmp_path: Path) -> None:
    """The second photo is no image: the log is refused naming it, and the first photo's file is
    not left on disk either (every photo is checked before any is stored)."""
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        with refused(RecordError, "第 2 张照片不是有效的 JPG 或 PNG 图片"):
            log(rw, morning(2), photos=[_jpeg("red"), io.BytesIO(b"GIF89a not an image")])
        with refused(RecordError, "照片最多 6 张"):
            log(rw, morning(2), photos=[_jpeg("red") for _ in range(7)])
        assert not Record.objects.exists() and not RecordPhoto.objects.exists()
        assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
        # Accepted: stored re-encoded; the same photo on a later record is flagged, and the flag
        # stays through a correction (it says how the record was made, not when).
        first = log(rw, morning(3), photos=[_jpeg("red")], content="第一次走访")
        again = log(rw, morning(2), photos=[_jpeg("red")], content="第二次走访")
        assert first.flags == [] and [f["code"] for f in again.flags] == ["photo_reused"]
        services.record_edit(
            record=again,
            by=rw.community_staff,
            starts_at=again.starts_at,
            ends_at=again.ends_at + dt.timedelta(minutes=30),
            content="第二次走访（改）",
        )
        again.refresh_from_db()
        assert [f["code"] for f in again.flags] == ["photo_reused"] and again.version == 2
        assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 2
