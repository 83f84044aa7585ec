"""A demand's review and its followers at the same moment, each from its own thread and connection
(SQLite here, PostgreSQL in `make test`'s second run): two reviewers deciding one demand, many
residents pressing 我也需要 at once, a merge against a follow. One decision stands, every follower
is counted once, and the counters equal a recount."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from baodao.accounts import services as account_services
from baodao.accounts.models import Role, User
from baodao.core.tests.race import race
from baodao.directory.services import resident_create
from baodao.needs import services
from baodao.needs.models import Demand, DemandEvent, Follower
from baodao.needs.tests.conftest import ask, nw, published
from baodao.stats import counters, families

__all__ = ["nw"]
pytestmark = pytest.mark.django_db(transaction=True)  # each thread has its own connection


def neighbours(w: SimpleNamespace, n: int) -> list[User]:
    out = []
    for i in range(n):
        r = resident_create(name=f"邻居{i}", residence=w.A1, mobile=f"139000033{i:02d}")
        out.append(
            account_services.user_create(
                username=f"neighbour{i}", password=w.password, roles=[{"role": Role.RESIDENT, "resident": r}]
            )
        )
    return out


def test_two_reviewers_decide_one_demand_one_decision_stands(nw: SimpleNamespace) -> None:
    w = nw
    other = account_services.user_create(
        username="staff_a2", password=w.password, roles=[{"role": Role.COMMUNITY_STAFF, "place": w.A}]
    )
    d = ask(w)
    outcomes = race(
        lambda: services.demand_accept(demand=d, by=w.community_staff, size="person", slots=1),
        lambda: services.demand_reject(demand=d, by=other, reason="不属于社区职责"),
    )
    assert sorted(outcomes) == ["400 该需求不是待审核状态", "ok"]
    d.refresh_from_db()
    assert d.status == ("published" if outcomes[0] == "ok" else "rejected")
    assert DemandEvent.objects.filter(demand=d, kind__in=["accepted", "rejected"]).count() == 1
    assert counters.recount(families.FAMILIES, fix=False) == []


def test_residents_following_at_once_are_each_counted_once(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    people = neighbours(w, 4)
    calls = [lambda u=u: services.demand_follow(demand=d, by=u) for u in people]
    calls += [lambda: services.demand_follow(demand=d, by=people[0])]  # one of them twice
    assert race(*calls) == ["ok"] * 5
    d.refresh_from_db()
    assert d.follower_count == Follower.objects.filter(demand=d).count() == 4
    assert DemandEvent.objects.filter(demand=d, kind="followed").count() == 4


def test_a_follow_and_a_merge_at_once_carry_the_follower_exactly_once(nw: SimpleNamespace) -> None:
    """A neighbour follows a duplicate as staff merge it: followed first, the follower is carried to
    the demand it went into; merged first, the follow is refused (the demand is closed)."""
    w = nw
    (neighbour,) = neighbours(w, 1)
    into = published(w, title="楼道灯坏了不亮")
    dup = ask(w, title="楼道灯坏了一直不亮")
    outcomes = race(
        lambda: services.demand_merge(demand=dup, into=into, by=w.community_staff),
        lambda: services.demand_follow(demand=dup, by=neighbour),
    )
    assert outcomes[0] == "ok"
    into.refresh_from_db()
    if outcomes[1] == "ok":
        assert into.follower_count == 1 and Follower.objects.filter(demand=into, user=neighbour).exists()
    else:
        assert outcomes[1] == "400 该需求已办结或已关闭，不能再关注"
        assert into.follower_count == 0 and not Follower.objects.filter(user=neighbour).exists()
    assert Demand.objects.get(pk=dup.pk).status == "merged"
