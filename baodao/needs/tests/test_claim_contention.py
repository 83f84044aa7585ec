"""Steps of one service item at the same moment, each from its own thread and connection (SQLite
here, PostgreSQL in `make test`'s second run): the last slot, a dispatch against a claim, a
withdrawal against done, the resident's acceptance against a reopening, the release job against
done, a staff decision against a claim. Whichever runs first, the other is refused with the words
of the state it found, the end state is one of the two orders, and the counters equal a recount."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from baodao.core.tests.race import race
from baodao.needs import services
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.tests.conftest import nw, published
from baodao.needs.tests.test_contention import _members
from baodao.stats import counters, families

__all__ = ["nw"]
pytestmark = pytest.mark.django_db(transaction=True)  # each thread has its own connection

FULL_1 = "409 该服务项目的认领名额已满（1/1）"


def drift() -> list[object]:
    return counters.recount(families.FAMILIES, fix=False)


def claimed(w: SimpleNamespace, **kw: object) -> tuple[Demand, Claim]:
    """A published single-slot item of 安宁社区 claimed by 王安华."""
    d = published(w, **kw)
    return d, services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)


def test_two_members_claim_the_last_of_three_slots_one_gets_it(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, size=Demand.Size.TEAM, slots=3)
    services.item_claim(demand=d, party=w.U, by=w.unit_secretary)
    services.item_claim(demand=d, party=w.team, by=w.leader)
    (a, ua), (b, ub) = _members(w, 2)
    outcomes = race(
        lambda: services.item_claim(demand=d, party=a, by=ua),
        lambda: services.item_claim(demand=d, party=b, by=ub),
    )
    assert sorted(outcomes) == ["409 该服务项目的认领名额已满（3/3）", "ok"]
    d.refresh_from_db()
    assert (d.status, d.claimed_slots) == (Demand.Status.CLAIMED, 3)
    assert Claim.objects.filter(demand=d, status=Claim.Status.CLAIMED).count() == 3
    assert DemandEvent.objects.filter(demand=d, kind="claimed").count() == 3
    assert drift() == []


def test_a_dispatch_and_a_claim_of_a_single_slot_one_wins(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    outcomes = race(
        lambda: services.item_dispatch(demand=d, party=w.m_v_a, by=w.community_staff),
        lambda: services.item_claim(demand=d, party=w.m_u_a, by=w.member_user),
    )
    assert sorted(outcomes) == [FULL_1, "ok"]
    d.refresh_from_db()
    (claim,) = Claim.objects.filter(demand=d)
    dispatched = outcomes[0] == "ok"
    assert (claim.dispatched, claim.member) == ((True, w.m_v_a) if dispatched else (False, w.m_u_a))
    assert (d.status, d.claimed_slots) == ("dispatched" if dispatched else "claimed", 1)
    assert DemandEvent.objects.filter(demand=d, kind__in=["claimed", "dispatched"]).count() == 1
    assert drift() == []


def test_a_withdrawal_and_done_of_one_claim_one_wins(nw: SimpleNamespace) -> None:
    w = nw
    d, c = claimed(w)
    outcomes = race(
        lambda: services.claim_withdraw(claim=c, by=w.member_user, reason="临时出差"),
        lambda: services.item_done(claim=c, by=w.member_user, note="已办好"),
    )
    withdrawn = outcomes[0] == "ok"
    assert outcomes == (
        ["ok", "409 该认领当前为“已撤回”，不能再办理这一步"]
        if withdrawn
        else ["409 该认领当前为“已完成”，不能再办理这一步", "ok"]
    )
    d.refresh_from_db()
    c.refresh_from_db()
    if withdrawn:
        assert (c.status, d.status, d.claimed_slots, d.done_at) == ("withdrawn", "published", 0, None)
    else:
        assert (c.status, d.status, d.claimed_slots, d.acceptance) == ("done", "done", 1, Demand.Acceptance.WAITING)
    assert drift() == []


def test_the_residents_acceptance_and_reopening_one_wins(nw: SimpleNamespace) -> None:
    w = nw
    d, c = claimed(w)
    services.item_done(claim=c, by=w.member_user, note="已办好")
    outcomes = race(
        lambda: services.demand_resident_accept(demand=d, by=w.resident_user),
        lambda: services.demand_reopen(demand=d, by=w.resident_user, comment="灯又不亮了"),
    )
    # On SQLite a call whose after-commit notice met a locked table is run again by `race`: an
    # acceptance that went through then reads as its own repeat (409 已验收，无需重复操作).
    if outcomes[0] == "409 已验收，无需重复操作":
        outcomes[0] = "ok"
    accepted = outcomes[0] == "ok"
    assert outcomes == (
        ["ok", "400 已验收，不能重新打开；如仍有问题请提交新的需求"]
        if accepted
        else ["400 服务项目尚未办理完成，不能验收", "ok"]
    )
    d.refresh_from_db()
    c.refresh_from_db()
    if accepted:
        assert (d.status, d.acceptance, d.reopen_count, c.status) == ("done", "accepted", 0, "done")
    else:
        assert (d.status, d.acceptance, d.reopen_count, c.status) == ("in_progress", "", 1, "started")
    assert DemandEvent.objects.filter(demand=d, kind__in=["resident_ok", "reopened"]).count() == 1
    assert drift() == []


def test_closing_and_reopening_at_once_never_leave_a_closed_item_in_progress(nw: SimpleNamespace) -> None:
    """Staff close (销号) as the resident reopens: closed-then-reopened is allowed (within the window),
    reopened-then-close is refused; either way the item is in progress again, not closed."""
    w = nw
    d, c = claimed(w)
    services.item_done(claim=c, by=w.member_user, note="已办好")
    outcomes = race(
        lambda: services.item_close(demand=d, by=w.community_staff),
        lambda: services.demand_reopen(demand=d, by=w.resident_user, comment="没有修好"),
    )
    assert outcomes[1] == "ok"
    assert outcomes[0] in ("ok", "400 只有已完成、等待居民验收的服务项目可以销号")
    d.refresh_from_db()
    assert (d.status, d.closed_at, d.done_at, d.reopen_count) == ("in_progress", None, None, 1)
    assert drift() == []


def test_the_release_job_and_done_one_wins(nw: SimpleNamespace) -> None:
    w = nw
    d, c = claimed(w)
    Claim.objects.filter(pk=c.pk).update(progress_at=timezone.now() - dt.timedelta(days=30))
    result: dict[str, tuple[int, int]] = {}

    def release() -> None:
        result["job"] = services.claims_remind_and_release()

    outcomes = race(release, lambda: services.item_done(claim=c, by=w.member_user, note="刚办完"))
    c.refresh_from_db()
    d.refresh_from_db()
    assert outcomes[0] == "ok"  # the job never fails on a claim that moved on: it skips it
    if outcomes[1] == "ok":
        assert result["job"] == (0, 0)
        assert (c.status, d.status) == ("done", "done")
    else:
        assert outcomes[1] == "409 该认领当前为“超期释放”，不能再办理这一步"
        assert result["job"] == (0, 1)
        assert (c.status, d.status, d.claimed_slots) == ("released", "published", 0)
    assert drift() == []


@pytest.mark.parametrize(
    ("decide", "refused"),
    [
        ("unable", "409 该服务项目无法办理，不能再认领"),
        ("withdraw", "409 该服务项目已撤回，不能再认领"),
    ],
)
def test_a_claim_against_a_decision_that_ends_the_item(nw: SimpleNamespace, decide: str, refused: str) -> None:
    """The community finds the item cannot be done, or the resident withdraws it, while a member
    claims it. Claimed first: unable ends the claim; the resident may no longer withdraw."""
    w = nw
    d = published(w)

    def decision() -> object:
        if decide == "unable":
            return services.item_unable(demand=d, by=w.community_staff, reason="不属于社区职责")
        return services.demand_withdraw(demand=d, by=w.resident_user)

    outcomes = race(decision, lambda: services.item_claim(demand=d, party=w.m_u_a, by=w.member_user))
    d.refresh_from_db()
    claim = Claim.objects.filter(demand=d).first()
    if outcomes[1] == "ok":  # the claim came first
        assert claim is not None and d.claimed_at is not None
        if decide == "unable":
            assert outcomes[0] == "ok"
            assert (d.status, d.claimed_slots, claim.status) == ("unable", 0, "ended")
        else:
            assert outcomes[0] == "400 该需求已认领，不能撤回；如不再需要请联系社区"
            assert (d.status, d.claimed_slots, claim.status) == ("claimed", 1, "claimed")
    else:
        assert outcomes == ["ok", refused]
        assert claim is None and d.claimed_slots == 0
        assert d.status == ("unable" if decide == "unable" else "withdrawn")
    assert drift() == []
