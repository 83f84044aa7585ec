"""A demand in every state a step can be asked of it: submitted (each bad input refused with nothing
written), followed, reviewed (accepted, rejected, merged, recategorized) and withdrawn — each
refusal in Chinese naming what it found, the row, the timeline and the counters as they were."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from baodao.core.tests.refusals import refused
from baodao.directory.models import Category
from baodao.needs import services
from baodao.needs.models import Demand, DemandEvent, DemandPhoto, Follower
from baodao.needs.services import NeedConflict, NeedError
from baodao.needs.tests.conftest import ask, law, published
from baodao.stats import counters, families
from baodao.stats.models import NeedCount

S = Demand.Status


def drift() -> list[object]:
    return counters.recount(families.FAMILIES, fix=False)


def photo(name: str = "p.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def snapshot(d: Demand) -> tuple[object, ...]:
    row = Demand.objects.get(pk=d.pk)
    return (row.status, row.category_id, row.reason, row.merged_into_id, row.follower_count, row.events.count())


def rejected(w: SimpleNamespace, title: str = "想要小区装个篮球架") -> Demand:
    return services.demand_reject(demand=ask(w, title=title), by=w.community_staff, reason="不在社区办理范围")


def claimed(w: SimpleNamespace, title: str) -> Demand:
    d = published(w, title=title)
    services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    return Demand.objects.get(pk=d.pk)


# --- submission ------------------------------------------------------------------------------------


def test_a_bad_submission_is_refused_with_its_reason_and_nothing_written(nw: SimpleNamespace) -> None:
    w = nw
    retired = Category.objects.create(kind=Category.Kind.INTENTION, name="已停用类别", is_active=False)
    skill = Category.objects.get_or_create(kind=Category.Kind.SKILL, name="法律咨询")[0]
    cases = [
        ({"place": w.B1}, "所选小区/楼栋不在本社区"),
        ({"place": w.A1, "resident": w.r_b1}, "只能向自己居住的社区提出需求"),
        ({"category": retired}, "请选择有效的需求类别"),
        ({"category": skill}, "请选择有效的需求类别"),
        ({"title": "  "}, "请填写需求"),
        ({"photos": [photo() for _ in range(7)]}, "照片最多 6 张"),
    ]
    for kw, message in cases:
        args = {"by": w.resident_user, "community": w.A, "place": w.A1, "category": law(), "title": "路灯不亮"}
        args["resident"] = w.r_a1
        args.update(kw)
        with refused(NeedError, message):
            services.demand_submit(**args)  # type: ignore[arg-type]
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(NeedError):
        ask(w, photos=[photo(), bad])
    assert not Demand.objects.exists() and not DemandEvent.objects.exists() and not DemandPhoto.objects.exists()
    assert not NeedCount.objects.exists()


def test_who_gets_a_follow_link_and_what_is_counted_on_submission(nw: SimpleNamespace) -> None:
    w = nw
    mine = ask(w, title="楼道灯不亮", photos=[photo()])
    poster = services.demand_submit(
        by=None,
        community=w.A,
        place=w.A,  # the community itself is a place of the community
        category=law(),
        title="想咨询遗嘱怎么写",
        contact_name="刘大爷",
        contact_mobile=" 13900001111 ",
        channel=Demand.Channel.VISIT,
    )
    problem = services.demand_submit(
        by=w.community_staff,
        community=w.A,
        place=w.A2,
        category=law(),
        title="小区乱停车",
        channel=Demand.Channel.STREET,
        governance=Demand.Governance.DISORDER,
    )
    assert mine.follow_token == "" and problem.follow_token == ""
    assert len(poster.follow_token) == 43 and poster.contact_mobile == "13900001111"
    assert [(d.status, d.photos.count()) for d in (mine, poster, problem)] == [
        ("pending", 1),
        ("pending", 0),
        ("pending", 0),
    ]
    notes = dict(DemandEvent.objects.filter(kind="submitted").values_list("demand__title", "note"))
    assert notes == {"楼道灯不亮": "居民提交", "想咨询遗嘱怎么写": "来电来访", "小区乱停车": "走街巷"}
    assert drift() == []


# --- following -------------------------------------------------------------------------------------


def test_following_is_once_never_ones_own_and_only_while_open(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, title="楼道灯不亮")
    assert services.demand_follow(demand=d, by=w.member_user) is True
    assert services.demand_follow(demand=d, by=w.member_user) is False
    with refused(NeedError, "这是您自己提出的需求"):
        services.demand_follow(demand=d, by=w.resident_user)
    # Without a resident on the roster the one who submitted it is the asker.
    problem = services.demand_submit(
        by=w.compound_secretary, community=w.A, place=w.A1, category=law(), title="小区乱停车"
    )
    with refused(NeedError, "这是您自己提出的需求"):
        services.demand_follow(demand=problem, by=w.compound_secretary)
    assert services.demand_follow(demand=problem, by=w.resident_user) is True
    gone = rejected(w)
    with refused(NeedError, "该需求已办结或已关闭，不能再关注"):
        services.demand_follow(demand=gone, by=w.member_user)
    assert dict(Demand.objects.values_list("title", "follower_count")) == {
        "楼道灯不亮": 1,
        "小区乱停车": 1,
        "想要小区装个篮球架": 0,
    }
    assert DemandEvent.objects.filter(kind="followed").count() == 2
    assert Follower.objects.count() == 2


# --- review ----------------------------------------------------------------------------------------


def test_acceptance_refuses_a_bad_size_or_slots_and_any_state_but_pending(nw: SimpleNamespace) -> None:
    w = nw
    d = ask(w)
    for kw, message in (
        ({"size": "huge", "slots": 1}, "请选择办理规模"),
        ({"size": "team", "slots": 0}, "认领名额应在 1 到 999 之间"),
        ({"size": "team", "slots": 1000}, "认领名额应在 1 到 999 之间"),
    ):
        with refused(NeedError, message):
            services.demand_accept(demand=d, by=w.community_staff, **kw)  # type: ignore[arg-type]
    assert snapshot(d) == ("pending", law().pk, "", None, 0, 1)
    row = services.demand_accept(demand=d, by=w.community_staff, size="team", slots=999)
    assert (row.status, row.size, row.slots, row.published_at is not None) == ("published", "team", 999, True)
    gone = rejected(w)
    for x in (row, gone, claimed(w, "已认领的")):
        with refused(NeedError, "该需求不是待审核状态"):
            services.demand_accept(demand=x, by=w.community_staff, size="person", slots=1)
        with refused(NeedError, "该需求不是待审核状态"):
            services.demand_reject(demand=x, by=w.community_staff, reason="重复")
    assert Demand.objects.get(pk=row.pk).slots == 999
    assert drift() == []


def test_rejection_needs_a_reason_the_resident_reads(nw: SimpleNamespace) -> None:
    w = nw
    d = ask(w)
    with refused(NeedError, "请填写不予受理的原因，居民会看到它"):
        services.demand_reject(demand=d, by=w.community_staff, reason=" \n")
    assert snapshot(d)[0] == "pending"
    row = services.demand_reject(demand=d, by=w.community_staff, reason="  属于物业职责，已转物业  ")
    assert (row.status, row.reason) == ("rejected", "属于物业职责，已转物业")
    assert row.events.get(kind="rejected").note == "属于物业职责，已转物业"


def test_a_category_changes_only_while_open_and_only_to_another_valid_one(nw: SimpleNamespace) -> None:
    w = nw
    health = Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="医疗卫生")[0]
    retired = Category.objects.create(kind=Category.Kind.INTENTION, name="旧类别", is_active=False)
    d = ask(w)
    with refused(NeedError, "类别没有变化：仍是“法律咨询”"):
        services.demand_recategorize(demand=d, category=law(), by=w.community_staff)
    with refused(NeedError, "请选择有效的需求类别"):
        services.demand_recategorize(demand=d, category=retired, by=w.community_staff)
    services.demand_recategorize(demand=d, category=health, by=w.community_staff)
    assert DemandEvent.objects.get(demand=d, kind="category").note == "法律咨询 → 医疗卫生"
    # Accepting in the category it already has writes no change; rejected, it is no longer open.
    d.refresh_from_db()
    services.demand_accept(demand=d, by=w.community_staff, size="person", slots=1, category=health)
    assert DemandEvent.objects.filter(demand=d, kind="category").count() == 1
    gone = rejected(w)
    with refused(NeedError, "该需求已驳回，不能再修改类别"):
        services.demand_recategorize(demand=gone, category=health, by=w.community_staff)
    assert Demand.objects.get(pk=gone.pk).category == law()
    assert drift() == []


def test_a_merge_is_refused_into_itself_next_door_unalike_closed_or_from_a_claimed_item(nw: SimpleNamespace) -> None:
    w = nw
    a = ask(w, title="楼道灯坏了不亮")
    b = ask(w, title="楼道灯坏了一直不亮")
    far = services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="楼道灯坏了不亮")
    unlike = ask(w, title="想学习太极拳")
    with refused(NeedError, "不能合并到自身"):
        services.demand_merge(demand=a, into=a, by=w.community_staff)
    with refused(NeedError, "只能合并到同一社区的需求"):
        services.demand_merge(demand=a, into=far, by=w.community_staff)
    with pytest.raises(NeedError, match="这两条需求内容不够相似（相似度 0.[0-9]+，需达到 0.60）"):
        services.demand_merge(demand=a, into=unlike, by=w.community_staff)
    closed_target = rejected(w, title="楼道灯坏了总是不亮")
    with refused(NeedError, "目标需求已办结或已关闭，不能合并到它"):
        services.demand_merge(demand=a, into=closed_target, by=w.community_staff)
    taken = claimed(w, "楼道灯坏了还是不亮")
    with refused(NeedError, "只有待审核或已发布、尚无人认领的需求可以合并"):
        services.demand_merge(demand=taken, into=b, by=w.community_staff)
    assert snapshot(a)[:4] == ("pending", law().pk, "", None)
    assert not DemandEvent.objects.filter(kind__in=["merged", "merged_in"]).exists()

    # Merged: the poster's asker (no account) counts as a follower of the one it went into.
    poster = services.demand_submit(
        by=None,
        community=w.A,
        place=w.A1,
        category=law(),
        title="楼道灯坏了不亮啊",
        contact_name="刘大爷",
        contact_mobile="13900001111",
    )
    services.demand_follow(demand=poster, by=w.member_user)
    row = services.demand_merge(demand=poster, into=b, by=w.community_staff)
    assert (row.status, row.merged_into, row.reason) == ("merged", b, "与「楼道灯坏了一直不亮」合并办理")
    b.refresh_from_db()
    assert b.follower_count == 2  # 王安华 who followed it, and the poster's asker
    assert set(Follower.objects.filter(demand=b).values_list("user__username", flat=True)) == {"member_u_a"}
    assert drift() == []


# --- withdrawal ------------------------------------------------------------------------------------


def test_the_resident_withdraws_before_anyone_claims_and_is_told_the_state_after(nw: SimpleNamespace) -> None:
    w = nw
    pending = ask(w, title="还没审核的")
    open_ = published(w, title="已发布的")
    for d in (pending, open_):
        assert services.demand_withdraw(demand=d, by=w.resident_user).status == S.WITHDRAWN
    taken = claimed(w, "已认领的")
    gone = rejected(w)
    for d, state in ((taken, "已认领"), (gone, "已驳回"), (open_, "已撤回")):
        with refused(NeedError, f"该需求{state}，不能撤回；如不再需要请联系社区"):
            services.demand_withdraw(demand=d, by=w.resident_user)
    taken.refresh_from_db()
    assert (taken.status, taken.claimed_slots) == ("claimed", 1)
    assert DemandEvent.objects.filter(kind="withdrawn").count() == 2
    assert drift() == []


def test_a_step_of_the_demand_table_refused_names_the_state_it_found(nw: SimpleNamespace) -> None:
    """Reopening what was never done names what it is, not "尚未办结" of an item that was refused."""
    w = nw
    gone = rejected(w)
    with refused(NeedError, "该需求已驳回，不能重新打开"):
        services.demand_reopen(demand=gone, by=w.resident_user, comment="还是需要")
    open_ = published(w)
    with refused(NeedError, "该需求已发布，不能重新打开"):
        services.demand_reopen(demand=open_, by=w.resident_user, comment="还没人来")
    with refused(NeedError, "该需求已办结或已关闭"):
        services.item_unable(demand=gone, by=w.community_staff, reason="无法办理")
    with refused(NeedConflict, "该服务项目已驳回，不能再认领"):
        services.item_claim(demand=gone, party=w.m_u_a, by=w.member_user)
    assert snapshot(gone)[0] == "rejected" and snapshot(open_)[0] == "published"
