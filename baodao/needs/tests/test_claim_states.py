"""A service item and its claims in every state a step can be asked in: claimed, dispatched, given
back, declined, started, done, closed, found unable, accepted, reopened and rated — each refusal in
Chinese naming what it found with nothing written; the windows of the rules on their edges; and what
an item's last share leaves behind when it ends."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from baodao.core.tests.refusals import refused
from baodao.needs import services
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.services import NeedConflict, NeedError
from baodao.needs.tests.conftest import ask, law, published
from baodao.needs.tests.test_demand_states import photo
from baodao.stats import counters, families

S = Demand.Status


def drift() -> list[object]:
    return counters.recount(families.FAMILIES, fix=False)


def state(d: Demand) -> tuple[object, ...]:
    row = Demand.objects.get(pk=d.pk)
    return row.status, row.claimed_slots, row.acceptance


def claim_of(d: Demand, w: SimpleNamespace) -> Claim:
    return services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)


def done_item(w: SimpleNamespace, title: str = "楼道灯不亮") -> tuple[Demand, Claim]:
    d = published(w, title=title)
    c = claim_of(d, w)
    services.item_done(claim=c, by=w.member_user, note="已换好灯泡")
    return Demand.objects.get(pk=d.pk), Claim.objects.get(pk=c.pk)


def governance_problem(w: SimpleNamespace, *, slots: int = 2) -> Demand:
    """A compound's problem found on a street walk: nobody to ask for an acceptance."""
    d = services.demand_submit(
        by=w.compound_secretary,
        community=w.A,
        place=w.A1,
        category=law(),
        title="小区乱停车",
        channel=Demand.Channel.STREET,
        governance=Demand.Governance.DISORDER,
    )
    return services.demand_accept(demand=d, by=w.community_staff, size=Demand.Size.TEAM, slots=slots)


# --- claims and dispatches -------------------------------------------------------------------------


def test_a_claim_names_why_it_cannot_be_taken_in_every_state(nw: SimpleNamespace) -> None:
    w = nw
    pending = ask(w, title="还没审核")
    with refused(NeedError, "该需求尚未审核发布"):
        claim_of(pending, w)
    # A two-slot item the community dispatched one slot of: members no longer claim it.
    shared = published(w, size=Demand.Size.TEAM, slots=2, title="集中清理楼道")
    services.item_dispatch(demand=shared, party=w.team, by=w.community_staff)
    with refused(NeedConflict, "该服务项目已由社区派单办理"):
        services.item_claim(demand=shared, party=w.U, by=w.unit_secretary)
    # The community may dispatch its other slot; then it is full for everyone.
    services.item_dispatch(demand=shared, party=w.U, by=w.community_staff)
    with refused(NeedConflict, "该服务项目的认领名额已满（2/2）"):
        services.item_dispatch(demand=shared, party=w.W, by=w.community_staff)
    # In progress with a free slot: neither taken nor dispatched any more.
    started = published(w, size=Demand.Size.TEAM, slots=2, title="进行中的")
    services.item_start(claim=services.item_claim(demand=started, party=w.team, by=w.leader), by=w.leader)
    with refused(NeedConflict, "该服务项目当前不能认领（进行中）"):
        services.item_claim(demand=started, party=w.U, by=w.unit_secretary)
    with refused(NeedConflict, "该服务项目当前不能认领（进行中）"):
        services.item_dispatch(demand=started, party=w.U, by=w.community_staff)
    done, _c = done_item(w)
    with refused(NeedConflict, "该服务项目已完成，不能再认领"):
        services.item_claim(demand=done, party=w.m_v_a, by=w.leader)
    services.item_close(demand=done, by=w.community_staff)
    with refused(NeedConflict, "该服务项目已销号，不能再认领"):
        services.item_dispatch(demand=done, party=w.m_v_a, by=w.community_staff)
    # One party twice, by its name.
    twice = published(w, size=Demand.Size.TEAM, slots=3, title="可多方认领")
    services.item_claim(demand=twice, party=w.team, by=w.leader)
    with refused(NeedConflict, "城建局安宁社区工作队已认领该服务项目，不能重复认领"):
        services.item_claim(demand=twice, party=w.team, by=w.leader)
    assert [state(d)[:2] for d in (pending, shared, started, done, twice)] == [
        ("pending", 0),
        ("dispatched", 2),
        ("in_progress", 1),
        ("closed", 1),
        ("claimed", 1),
    ]
    assert drift() == []


# --- giving back and declining ---------------------------------------------------------------------


def test_give_back_and_decline_refuse_each_wrong_claim(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = claim_of(d, w)
    with refused(NeedError, "请填写撤回原因"):
        services.claim_withdraw(claim=c, by=w.member_user, reason="  ")
    with refused(NeedError, "只有尚未开始的派单可以拒绝"):
        services.claim_decline(claim=c, by=w.member_user, reason="不是派给我的")
    services.claim_withdraw(claim=c, by=w.member_user, reason="临时出差")
    with refused(NeedConflict, "该认领当前为“已撤回”，不能再办理这一步"):
        services.claim_withdraw(claim=Claim.objects.get(pk=c.pk), by=w.member_user, reason="再撤一次")
    assert state(d)[:2] == ("published", 0)

    sent = services.item_dispatch(demand=d, party=w.m_v_a, by=w.community_staff)
    with refused(NeedError, "被派单的请选择“拒绝派单”"):
        services.claim_withdraw(claim=sent, by=w.leader, reason="不想办")
    with refused(NeedError, "请填写拒绝原因"):
        services.claim_decline(claim=sent, by=w.leader, reason="")
    services.item_start(claim=sent, by=w.leader)
    with refused(NeedError, "只有尚未开始的派单可以拒绝"):
        services.claim_decline(claim=Claim.objects.get(pk=sent.pk), by=w.leader, reason="开始后不想办")
    assert state(d)[:2] == ("in_progress", 1)
    done_c = services.item_done(claim=Claim.objects.get(pk=sent.pk), by=w.leader, note="已办")
    with refused(NeedConflict, "该认领不在办理中"):
        services.item_start(claim=done_c, by=w.leader)
    assert [e.kind for e in DemandEvent.objects.filter(demand=d).order_by("id")] == [
        "submitted",
        "accepted",
        "claimed",
        "claim_withdrawn",
        "dispatched",
        "started",
        "done",
    ]
    assert drift() == []


def test_starting_twice_reports_progress_and_moves_the_item_once(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = claim_of(d, w)
    first = services.item_start(claim=c, by=w.member_user)
    again = services.item_start(claim=first, by=w.member_user)
    assert again.status == "started" and again.progress_at >= first.progress_at
    assert DemandEvent.objects.filter(demand=d, kind="started").count() == 1
    assert state(d)[0] == "in_progress"


# --- done, and what the last share leaves ----------------------------------------------------------


def test_done_refuses_a_blank_note_and_too_many_photos(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = claim_of(d, w)
    with refused(NeedError, "请填写完成情况"):
        services.item_done(claim=c, by=w.member_user, note=" ")
    with refused(NeedError, "照片最多 6 张"):
        services.item_done(claim=c, by=w.member_user, note="已办", photos=[photo() for _ in range(7)])
    assert state(d) == ("claimed", 1, "") and Claim.objects.get(pk=c.pk).status == "claimed"
    # The aid given is the service record's (records.services.claim_log), not the claim's.
    row = services.item_done(claim=c, by=w.member_user, note="  修好了  ")
    assert row.done_note == "修好了"
    with refused(NeedConflict, "该认领当前为“已完成”，不能再办理这一步"):
        services.item_done(claim=row, by=w.member_user, note="再报一次")
    assert DemandEvent.objects.filter(demand=d, kind="done").count() == 1


def test_an_item_done_by_its_last_share_asks_the_resident_only_when_there_is_one(nw: SimpleNamespace) -> None:
    """Two shares of a compound's problem (nobody to ask): one done, the other given back — the
    item is done and asks nobody, as when its last share is reported done."""
    w = nw
    problem = governance_problem(w)
    c_team = services.item_claim(demand=problem, party=w.team, by=w.leader)
    c_unit = services.item_claim(demand=problem, party=w.U, by=w.unit_secretary)
    services.item_done(claim=c_team, by=w.leader, note="劝离了乱停车辆")
    assert state(problem) == ("claimed", 2, "")
    services.claim_withdraw(claim=c_unit, by=w.unit_secretary, reason="人手不够")
    assert state(problem) == ("done", 1, Demand.Acceptance.NOT_ASKED)
    # Nobody was asked: the window lapsing makes no "silent acceptance" of it.
    later = timezone.now() + dt.timedelta(days=30)
    assert services.demands_accept_silent(now=later) == 0
    assert state(problem)[2] == Demand.Acceptance.NOT_ASKED

    # The same with a resident who asked: the resident is asked.
    d = published(w, size=Demand.Size.TEAM, slots=2, title="帮忙搬家具")
    a = services.item_claim(demand=d, party=w.team, by=w.leader)
    b = services.item_claim(demand=d, party=w.U, by=w.unit_secretary)
    services.item_done(claim=a, by=w.leader, note="搬好了")
    services.claim_withdraw(claim=b, by=w.unit_secretary, reason="人手不够")
    assert state(d) == ("done", 1, Demand.Acceptance.WAITING)
    assert drift() == []


def test_a_release_of_the_last_undone_share_completes_the_item(nw: SimpleNamespace) -> None:
    w = nw
    problem = governance_problem(w)
    c_team = services.item_claim(demand=problem, party=w.team, by=w.leader)
    c_unit = services.item_claim(demand=problem, party=w.U, by=w.unit_secretary)
    services.item_done(claim=c_team, by=w.leader, note="已处理")
    Claim.objects.filter(pk=c_unit.pk).update(progress_at=timezone.now() - dt.timedelta(days=15))
    assert services.claims_remind_and_release() == (0, 1)
    assert state(problem) == ("done", 1, Demand.Acceptance.NOT_ASKED)
    assert Claim.objects.get(pk=c_unit.pk).status == "released"
    assert drift() == []


# --- close, unable ---------------------------------------------------------------------------------


def test_close_and_unable_refuse_what_is_not_theirs_to_end(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    with refused(NeedError, "只有已完成、等待居民验收的服务项目可以销号"):
        services.item_close(demand=d, by=w.community_staff)
    done, _c = done_item(w, title="已办完的")
    services.item_close(demand=done, by=w.community_staff)
    with refused(NeedError, "只有已完成、等待居民验收的服务项目可以销号"):
        services.item_close(demand=done, by=w.community_staff)
    with refused(NeedError, "请填写无法办理的原因，居民会看到它"):
        services.item_unable(demand=d, by=w.community_staff, reason=" ")
    with refused(NeedError, "该需求已办结或已关闭"):
        services.item_unable(demand=done, by=w.community_staff, reason="晚了")
    assert (state(d)[0], state(done)[0]) == ("published", "closed")
    # Unable from pending (never published) too, with the reason the resident reads.
    row = services.item_unable(demand=ask(w, title="修建停车场"), by=w.community_staff, reason="需规划部门审批")
    assert (row.status, row.reason) == ("unable", "需规划部门审批")
    assert drift() == []


# --- the resident's answer -------------------------------------------------------------------------


def test_the_residents_acceptance_in_every_state(nw: SimpleNamespace) -> None:
    w = nw
    open_ = published(w)
    with refused(NeedError, "服务项目尚未办理完成，不能验收"):
        services.demand_resident_accept(demand=open_, by=w.resident_user)
    d, _c = done_item(w, title="已办完的")
    services.item_close(demand=d, by=w.community_staff)  # closed, still waiting for the resident
    row = services.demand_resident_accept(demand=d, by=w.resident_user)
    assert (row.status, row.acceptance, row.accepted_at is not None) == ("closed", "accepted", True)
    with refused(NeedConflict, "已验收，无需重复操作"):
        services.demand_resident_accept(demand=d, by=w.resident_user)
    with refused(NeedError, "已验收，不能重新打开；如仍有问题请提交新的需求"):
        services.demand_reopen(demand=d, by=w.resident_user, comment="还是不行")
    assert DemandEvent.objects.filter(demand=d, kind="resident_ok").count() == 1
    assert drift() == []


def test_reopening_needs_a_comment_and_the_window_and_takes_each_share_back(nw: SimpleNamespace) -> None:
    w = nw
    d, c = done_item(w)
    with refused(NeedError, "请说明哪里还没有解决"):
        services.demand_reopen(demand=d, by=w.resident_user, comment=" ")
    # A minute before the deadline (the rule's 7 days from done) it may be reopened.
    Demand.objects.filter(pk=d.pk).update(done_at=timezone.now() - dt.timedelta(days=7) + dt.timedelta(minutes=1))
    row = services.demand_reopen(demand=d, by=w.resident_user, comment="灯又灭了")
    assert (row.status, row.reopen_count, row.done_at, row.acceptance) == ("in_progress", 1, None, "")
    assert Claim.objects.get(pk=c.pk).status == "started"
    services.item_done(claim=Claim.objects.get(pk=c.pk), by=w.member_user, note="换了整套灯具")
    # Past the deadline it may not, and the refusal names the day it lapsed.
    deadline = timezone.now() - dt.timedelta(seconds=1)
    Demand.objects.filter(pk=d.pk).update(done_at=deadline - dt.timedelta(days=7))
    with refused(
        NeedError, f"已超过验收期限（{timezone.localtime(deadline):%Y-%m-%d}），不能重新打开；如仍有问题请提交新的需求"
    ):
        services.demand_reopen(demand=d, by=w.resident_user, comment="还是不亮")
    assert state(d)[0] == "done" and Demand.objects.get(pk=d.pk).reopen_count == 1
    assert drift() == []


def test_a_rating_is_one_to_five_once_after_done(nw: SimpleNamespace) -> None:
    w = nw
    open_ = published(w)
    for stars in (0, 6):
        with refused(NeedError, "评价为 1 到 5 颗星"):
            services.demand_rate(demand=open_, by=w.resident_user, stars=stars)
    with refused(NeedError, "服务项目办理完成后才能评价"):
        services.demand_rate(demand=open_, by=w.resident_user, stars=5)
    d, _c = done_item(w, title="已办完的")
    row = services.demand_rate(demand=d, by=w.resident_user, stars=4, comment="  很及时  ")
    assert (row.rating, row.rating_comment) == (4, "很及时")
    assert DemandEvent.objects.get(demand=d, kind="rated").note == "★★★★ 很及时"
    with refused(NeedConflict, "已评价过，每个需求只能评价一次"):
        services.demand_rate(demand=d, by=w.resident_user, stars=1)
    assert Demand.objects.get(pk=d.pk).rating == 4
    assert drift() == []


# --- what time does ----------------------------------------------------------------------------------


def test_silence_counts_from_exactly_the_deadline(nw: SimpleNamespace) -> None:
    w = nw
    d, _c = done_item(w)
    done_at = Demand.objects.get(pk=d.pk).done_at
    deadline = done_at + dt.timedelta(days=7)
    assert services.demands_accept_silent(now=deadline - dt.timedelta(seconds=1)) == 0
    assert services.demands_accept_silent(now=deadline) == 1
    row = Demand.objects.get(pk=d.pk)
    assert (row.acceptance, row.accepted_at, row.status_label) == ("silent", deadline, "已完成·逾期未回复，视为验收")
    assert DemandEvent.objects.filter(demand=d, kind="silent").count() == 1
    with refused(NeedConflict, "已验收，无需重复操作"):
        services.demand_resident_accept(demand=d, by=w.resident_user)
    assert drift() == []


def test_reminders_and_releases_on_the_days_of_the_rules(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = claim_of(d, w)
    seven, fourteen, second = dt.timedelta(days=7), dt.timedelta(days=14), dt.timedelta(seconds=1)
    t0 = timezone.now()
    Claim.objects.filter(pk=c.pk).update(progress_at=t0 - seven + second)
    assert services.claims_remind_and_release(now=t0) == (0, 0)
    Claim.objects.filter(pk=c.pk).update(progress_at=t0 - seven)
    assert services.claims_remind_and_release(now=t0) == (1, 0)
    assert services.claims_remind_and_release(now=t0 + dt.timedelta(days=1)) == (0, 0)  # once per idle spell
    # Progress reported: the clock starts again, and a new idle week is reminded again.
    services.item_start(claim=c, by=w.member_user)
    progress = Claim.objects.get(pk=c.pk).progress_at
    assert progress > t0
    assert services.claims_remind_and_release(now=progress + seven - second) == (0, 0)
    assert services.claims_remind_and_release(now=progress + seven) == (1, 0)
    assert services.claims_remind_and_release(now=progress + fourteen - second) == (0, 0)
    assert services.claims_remind_and_release(now=progress + fourteen) == (0, 1)
    assert state(d) == ("published", 0, "")
    assert DemandEvent.objects.filter(demand=d, kind="reminded").count() == 2
    assert DemandEvent.objects.get(demand=d, kind="released").note == "王安华：超过 14 天无进展"
    assert drift() == []
