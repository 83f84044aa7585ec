"""The chain from a resident's wish to a closed, accepted and rated service item, and every refusal
on the way (state unchanged, nothing written)."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from baodao.directory.models import Category, Rule
from baodao.needs import services
from baodao.needs.models import Claim, Demand, DemandEvent, DemandPhoto, Follower
from baodao.needs.tests.conftest import ask, law, published
from baodao.notifications.models import Notification, TextMessage

pytestmark = pytest.mark.django_db
S = Demand.Status


def kinds(d: Demand) -> list[str]:
    return list(DemandEvent.objects.filter(demand=d).order_by("id").values_list("kind", flat=True))


def jpeg_with_gps() -> io.BytesIO:
    img = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (30, 0, 0), 4: (114, 0, 0)}  # GPSInfo: a latitude and a longitude
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    out.seek(0)
    return out


def test_the_whole_chain_from_wish_to_rating(nw: SimpleNamespace, django_capture_on_commit_callbacks) -> None:
    w = nw
    with django_capture_on_commit_callbacks(execute=True):
        d = ask(w)
    assert d.status == S.PENDING
    assert Notification.objects.filter(user=w.community_staff, title__contains=d.title).exists()

    with django_capture_on_commit_callbacks(execute=True):
        d = services.demand_accept(demand=d, by=w.community_staff, size=Demand.Size.PERSON, slots=1)
    assert (d.status, d.published_at is not None) == (S.PUBLISHED, True)
    assert Notification.objects.filter(user=w.resident_user, body__contains="已受理").exists()

    with django_capture_on_commit_callbacks(execute=True):
        claim = services.item_dispatch(demand=d, party=w.m_u_a, by=w.community_staff)
    d.refresh_from_db()
    assert (d.status, d.claimed_slots, claim.dispatched) == (S.DISPATCHED, 1, True)
    assert Notification.objects.filter(user=w.member_user, body__contains="派单").exists()

    services.item_start(claim=claim, by=w.member_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_done(claim=claim, by=w.member_user, note="上门讲解了继承顺序")
    d.refresh_from_db()
    assert (d.status, d.acceptance) == (S.DONE, Demand.Acceptance.WAITING)
    assert Notification.objects.filter(user=w.resident_user, body__contains="办理完成").exists()

    d = services.item_close(demand=d, by=w.community_staff)
    assert d.status == S.CLOSED and d.closed_at is not None
    d = services.demand_resident_accept(demand=d, by=w.resident_user)
    d = services.demand_rate(demand=d, by=w.resident_user, stars=5, comment="很耐心")
    assert (d.acceptance, d.rating) == (Demand.Acceptance.ACCEPTED, 5)
    assert kinds(d) == ["submitted", "accepted", "dispatched", "started", "done", "closed", "resident_ok", "rated"]


def test_a_reopen_takes_the_credit_back_until_done_again(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    claim = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=claim, by=w.member_user, note="已办")
    services.item_close(demand=d, by=w.community_staff)

    d = services.demand_reopen(demand=d, by=w.resident_user, comment="问题还在")

    claim.refresh_from_db()
    assert (d.status, d.reopen_count, d.closed_at, d.done_at) == (S.IN_PROGRESS, 1, None, None)
    assert claim.status == Claim.Status.STARTED  # no longer counted as done
    services.item_done(claim=claim, by=w.member_user, note="再次上门")
    d.refresh_from_db()
    assert d.status == S.DONE


def test_reopening_after_the_window_is_refused_and_silence_is_not_satisfaction(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    claim = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=claim, by=w.member_user, note="已办")
    Rule.objects.create(key="need_accept_window_days", value=3)
    later = timezone.now() + dt.timedelta(days=4)
    Demand.objects.filter(pk=d.pk).update(done_at=timezone.now() - dt.timedelta(days=4))

    with pytest.raises(services.NeedError, match="已超过验收期限"):
        services.demand_reopen(demand=Demand.objects.get(pk=d.pk), by=w.resident_user, comment="还没好")
    assert services.demands_accept_silent(now=later) == 1
    d.refresh_from_db()
    assert (d.status, d.acceptance) == (S.DONE, Demand.Acceptance.SILENT)
    assert d.get_acceptance_display() == "逾期未回复，视为验收"
    assert services.demands_accept_silent(now=later) == 0  # once


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("rate_before_done", "办理完成后才能评价"),
        ("rate_twice", "已评价过"),
        ("close_before_done", "只有已完成、等待居民验收的服务项目可以销号"),
        ("claim_twice", "不能重复认领"),
        ("claim_full", "认领名额已满"),
        ("claim_closed", "不能再认领"),
        ("claim_pending", "尚未审核发布"),
    ],
)
def test_refused_steps_change_nothing(nw: SimpleNamespace, step: str, message: str) -> None:
    w = nw
    d = published(w, size=Demand.Size.PERSON)
    if step == "rate_twice":
        c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
        services.item_done(claim=c, by=w.member_user, note="已办")
        services.demand_rate(demand=d, by=w.resident_user, stars=4)
    if step == "claim_twice":
        d = published(w, size=Demand.Size.TEAM, slots=3)
        services.item_claim(demand=d, party=w.team, by=w.leader)
    if step in ("claim_full", "claim_closed"):
        c = services.item_claim(demand=d, party=w.m_v_a, by=w.leader)
        if step == "claim_closed":
            services.item_done(claim=c, by=w.leader, note="已办")
            services.item_close(demand=d, by=w.community_staff)
    if step == "claim_pending":
        d = ask(w, title="另一个需求")
    before = (Demand.objects.get(pk=d.pk).__dict__.copy(), Claim.objects.count(), DemandEvent.objects.count())

    with pytest.raises(services.NeedError, match=message):
        if step.startswith("rate"):
            services.demand_rate(demand=d, by=w.resident_user, stars=5)
        elif step == "close_before_done":
            services.item_close(demand=d, by=w.community_staff)
        elif step == "claim_twice":
            services.item_claim(demand=d, party=w.team, by=w.leader)
        else:
            services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)

    after = Demand.objects.get(pk=d.pk).__dict__.copy()
    for row in (before[0], after):
        row.pop("_state")
    assert (after, Claim.objects.count(), DemandEvent.objects.count()) == before


@pytest.mark.parametrize("state", ["full", "closed", "pending"])
def test_a_claim_the_item_cannot_take_is_refused_from_one_read_without_a_lock(nw: SimpleNamespace, state: str) -> None:
    """Under a storm of claims on a full item the refusals must not queue behind the item's lock:
    a claim the item's row already refuses reads that row once — no transaction, no lock — and is
    refused with the same message as under the lock."""
    w = nw
    d = ask(w, title="另一个需求") if state == "pending" else published(w, size=Demand.Size.PERSON)
    if state != "pending":
        c = services.item_claim(demand=d, party=w.m_v_a, by=w.leader)
    if state == "closed":
        services.item_done(claim=c, by=w.leader, note="已办")
        services.item_close(demand=d, by=w.community_staff)
    message = {"full": "认领名额已满（1/1）", "closed": "不能再认领", "pending": "尚未审核发布"}[state]

    with CaptureQueriesContext(connection) as queries, pytest.raises(services.NeedError, match=message):
        services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)

    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    assert "FOR UPDATE" not in queries.captured_queries[0]["sql"]


def test_a_demand_about_a_place_outside_the_residents_community_is_refused(nw: SimpleNamespace) -> None:
    w = nw
    with pytest.raises(services.NeedError, match="不在本社区"):
        services.demand_submit(
            by=w.resident_user, community=w.A, place=w.B1, category=law(), title="路灯坏了", resident=w.r_a1
        )
    with pytest.raises(services.NeedError, match="自己居住的社区"):
        services.demand_submit(
            by=w.resident_user, community=w.B, place=w.B1, category=law(), title="路灯坏了", resident=w.r_a1
        )
    skill = Category.objects.get(kind=Category.Kind.SKILL, name="法律咨询")
    with pytest.raises(services.NeedError, match="需求类别"):
        services.demand_submit(
            by=w.resident_user, community=w.A, place=w.A1, category=skill, title="x", resident=w.r_a1
        )
    assert not Demand.objects.exists()


def test_photos_lose_their_exif_and_bad_files_are_refused(nw: SimpleNamespace) -> None:
    w = nw
    d = ask(w, photos=[jpeg_with_gps()])
    photo = DemandPhoto.objects.get(demand=d)
    with photo.image.open("rb") as f, Image.open(f) as img:
        assert img.format == "JPEG"
        assert dict(img.getexif()) == {}

    with pytest.raises(services.NeedError, match="不是有效的 JPG 或 PNG"):
        ask(w, title="另一个", photos=[io.BytesIO(b"%PDF-1.4 not an image")])
    big = io.BytesIO(b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 10))
    with pytest.raises(services.NeedError, match="太大"):
        ask(w, title="第三个", photos=[big])
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    gif.seek(0)
    with pytest.raises(services.NeedError, match="只能是 JPG 或 PNG"):
        ask(w, title="第四个", photos=[gif])
    assert Demand.objects.count() == 1


def test_merge_carries_followers_and_tells_the_resident(
    nw: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    w = nw
    first = published(w, title="小区路灯不亮")
    dup = services.demand_submit(
        by=None,
        community=w.A,
        place=w.A2,
        category=law(),
        title="路灯不亮",
        contact_name="某某",
        contact_mobile="13900000001",
    )
    services.demand_follow(demand=dup, by=w.member_user)

    with django_capture_on_commit_callbacks(execute=True):
        services.demand_merge(demand=dup, into=first, by=w.community_staff)

    dup.refresh_from_db()
    first.refresh_from_db()
    assert (dup.status, dup.merged_into_id) == (S.MERGED, first.pk)
    assert set(Follower.objects.filter(demand=first).values_list("user_id", flat=True)) == {w.member_user.pk}
    assert first.follower_count == 2  # the member who followed, and the poster's submitter
    text = TextMessage.objects.get(text__contains="合并").text
    assert f"http://127.0.0.1:8000/needs/t/{dup.follow_token}/" in text  # a link a phone can open
    assert kinds(first)[-1] == "merged_in"


def test_follow_counts_once(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    assert services.demand_follow(demand=d, by=w.member_user) is True
    assert services.demand_follow(demand=d, by=w.member_user) is False
    d.refresh_from_db()
    assert d.follower_count == 1
    with pytest.raises(services.NeedError, match="自己提出"):
        services.demand_follow(demand=d, by=w.resident_user)


def test_withdraw_and_decline_free_the_slot_and_relist(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    with pytest.raises(services.NeedError, match="撤回原因"):
        services.claim_withdraw(claim=c, by=w.member_user, reason=" ")
    services.claim_withdraw(claim=c, by=w.member_user, reason="临时出差")
    d.refresh_from_db()
    assert (d.status, d.claimed_slots) == (S.PUBLISHED, 0)

    c2 = services.item_dispatch(demand=d, party=w.m_v_a, by=w.community_staff)
    with pytest.raises(services.NeedError, match="拒绝派单"):
        services.claim_withdraw(claim=c2, by=w.leader, reason="x")
    services.claim_decline(claim=c2, by=w.leader, reason="不擅长")
    d.refresh_from_db()
    assert (d.status, d.claimed_slots) == (S.PUBLISHED, 0)
    assert kinds(d)[-2:] == ["dispatched", "declined"]


def test_idle_claims_are_reminded_then_released(nw: SimpleNamespace, django_capture_on_commit_callbacks) -> None:
    w = nw
    d = published(w)
    c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    now = timezone.now()
    assert services.claims_remind_and_release(now=now + dt.timedelta(days=6)) == (0, 0)
    assert services.claims_remind_and_release(now=now + dt.timedelta(days=8)) == (1, 0)
    assert services.claims_remind_and_release(now=now + dt.timedelta(days=9)) == (0, 0)  # reminded once
    with django_capture_on_commit_callbacks(execute=True):
        assert services.claims_remind_and_release(now=now + dt.timedelta(days=15)) == (0, 1)
    c.refresh_from_db()
    d.refresh_from_db()
    assert (c.status, d.status, d.claimed_slots) == (Claim.Status.RELEASED, S.PUBLISHED, 0)
    assert Notification.objects.filter(user=w.member_user, title__contains="退回服务清单").exists()
    released = f"「{d.title}」因长时间无进展已退回服务清单"
    assert Notification.objects.filter(user=w.member_user, title=released).count() == 1
    assert Notification.objects.filter(user=w.community_staff, title=released).count() == 1


def test_unable_needs_a_reason_and_ends_live_claims(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, size=Demand.Size.TEAM, slots=2)
    services.item_claim(demand=d, party=w.team, by=w.leader)
    with pytest.raises(services.NeedError, match="无法办理的原因"):
        services.item_unable(demand=d, by=w.community_staff, reason="")
    d = services.item_unable(demand=d, by=w.community_staff, reason="产权纠纷需法院裁决")
    assert (d.status, d.claimed_slots) == (S.UNABLE, 0)
    assert list(Claim.objects.filter(demand=d).values_list("status", flat=True)) == ["ended"]


def test_a_shared_item_is_done_when_every_share_is(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, size=Demand.Size.TEAM, slots=2)
    c_team = services.item_claim(demand=d, party=w.team, by=w.leader)
    c_unit = services.item_claim(demand=d, party=w.U, by=w.unit_secretary)
    services.item_done(claim=c_team, by=w.leader, note="清理了楼道")
    d.refresh_from_db()
    assert d.status == S.CLAIMED
    services.item_done(claim=c_unit, by=w.unit_secretary, note="运走了垃圾")
    d.refresh_from_db()
    assert d.status == S.DONE
