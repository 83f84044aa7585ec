"""The three lists' counters: items moved at random through every step keep counters == recount;
a refused step moves nothing; the figures of an area add up its communities; the medians."""

from __future__ import annotations

import random
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from baodao.needs import services
from baodao.needs.models import Claim, Demand
from baodao.needs.tests.conftest import ask, law, nw
from baodao.stats import needs_counts
from baodao.stats.models import NeedCount

__all__ = ["nw"]
pytestmark = pytest.mark.django_db
S = Demand.Status


def _step(rng: random.Random, w: SimpleNamespace, d: Demand) -> None:
    """One random step a person could take on `d` (refused steps are part of the walk)."""
    d = Demand.objects.get(pk=d.pk)
    live = list(Claim.objects.filter(demand=d, status__in=Claim.LIVE))
    choice = rng.choice(
        ["accept", "reject", "merge", "withdraw", "claim", "dispatch", "start", "done", "close", "reopen", "unable"]
        + ["answer", "rate", "give_back"]
    )
    if choice == "accept":
        services.demand_accept(demand=d, by=w.community_staff, size=rng.choice(["person", "team"]), slots=1)
    elif choice == "reject":
        services.demand_reject(demand=d, by=w.community_staff, reason="不属于服务范围")
    elif choice == "merge":
        other = Demand.objects.filter(community=d.community, status__in=Demand.FOLLOWABLE).exclude(pk=d.pk).first()
        if other is not None:
            services.demand_merge(demand=d, into=other, by=w.community_staff)
    elif choice == "withdraw":
        services.demand_withdraw(demand=d, by=w.resident_user)
    elif choice in ("claim", "dispatch"):
        party = w.m_u_a if d.size == "person" else rng.choice([w.team, w.U])
        if choice == "claim":
            services.item_claim(demand=d, party=party, by=w.member_user)
        else:
            services.item_dispatch(demand=d, party=party, by=w.community_staff)
    elif choice == "start" and live:
        services.item_start(claim=live[0], by=w.member_user)
    elif choice == "done" and live:
        services.item_done(claim=live[0], by=w.member_user, note="已办")
    elif choice == "close":
        services.item_close(demand=d, by=w.community_staff)
    elif choice == "reopen":
        services.demand_reopen(demand=d, by=w.resident_user, comment="还没好")
    elif choice == "unable":
        services.item_unable(demand=d, by=w.community_staff, reason="无法办理")
    elif choice == "answer":
        services.demand_resident_accept(demand=d, by=w.resident_user)
    elif choice == "rate":
        services.demand_rate(demand=d, by=w.resident_user, stars=rng.randint(1, 5))
    elif choice == "give_back" and live:
        c = live[0]
        if c.dispatched:
            services.claim_decline(claim=c, by=w.member_user, reason="忙")
        else:
            services.claim_withdraw(claim=c, by=w.member_user, reason="忙")


def test_random_moves_keep_counters_equal_to_recount(nw: SimpleNamespace) -> None:
    w = nw
    rng = random.Random(20261205)
    # Titles alike enough that any two may be merged (a merge of dissimilar demands is refused).
    demands = [ask(w, title=f"楼道灯坏了{i}", channel=rng.choice(Demand.Channel.values)) for i in range(12)]
    refused = 0
    for _ in range(400):
        try:
            _step(rng, w, rng.choice(demands))
        except services.NeedError:
            refused += 1
    services.demands_accept_silent(now=timezone.now() + timezone.timedelta(days=30))

    assert refused > 50  # the walk tried plenty of steps that had to be refused
    assert len({d.status for d in Demand.objects.all()}) >= 4
    assert needs_counts.recount(fix=False) == []
    f = needs_counts.figures(w.A, timezone.localdate().year)
    assert f.collected == 12
    assert f.closed == Demand.objects.filter(status=S.CLOSED).count()
    ratings = [d.rating for d in Demand.objects.exclude(rating=None)]
    assert f.average_rating == (round(sum(ratings) / len(ratings), 2) if ratings else None)


def test_recount_finds_and_fixes_drift(nw: SimpleNamespace) -> None:
    w = nw
    ask(w)
    NeedCount.objects.filter(key="status:pending").update(n=5)
    NeedCount.objects.create(place=w.B, path=w.B.path, year=2020, key="status:closed", n=3)

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("recount_needs", "--check", stdout=out)
    assert "status:pending: 5 -> 1" in out.getvalue()
    call_command("recount_needs", stdout=StringIO())
    assert needs_counts.recount(fix=False) == []
    assert not NeedCount.objects.filter(place=w.B).exists()


def test_figures_of_an_area_add_up_its_communities(nw: SimpleNamespace) -> None:
    w = nw
    year = timezone.localdate().year
    a1 = ask(w, title="甲")
    a2 = ask(w, title="乙", channel=Demand.Channel.DOOR)
    services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="丙")
    services.demand_accept(demand=a1, by=w.community_staff, size="person", slots=1)
    c = services.item_claim(demand=a1, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=c, by=w.member_user, note="已办")
    services.item_close(demand=a1, by=w.community_staff)
    services.demand_rate(demand=a1, by=w.resident_user, stars=4)
    services.demand_reject(demand=a2, by=w.community_staff, reason="不属于服务范围")

    street = needs_counts.figures(w.S1, year)
    a = needs_counts.figures(w.A, year)
    b = needs_counts.figures(w.B, year)
    assert (street.collected, a.collected, b.collected) == (3, 2, 1)
    assert (a.accepted, a.taken, a.done, a.closed, a.pending) == (1, 1, 1, 1, 0)
    assert (a.taken_rate, a.closed_rate, a.average_rating) == (100.0, 100.0, 4.0)
    assert dict((c, n) for c, _l, n in street.by_channel) == {
        "resident": 2,
        "door": 1,
        "wechat": 0,
        "survey": 0,
        "street": 0,
        "visit": 0,
    }
    assert street.by_category == [(law().pk, "法律咨询", 3)]
    assert (a.median_claim_days, a.median_close_days) == (0, 0)
    assert needs_counts.figures(w.D2, year).collected == 0


def test_a_refused_step_moves_no_counter(nw: SimpleNamespace) -> None:
    w = nw
    d = ask(w)
    before = list(NeedCount.objects.values_list("key", "n").order_by("key"))
    with pytest.raises(services.NeedError):
        services.item_close(demand=d, by=w.community_staff)
    with pytest.raises(services.NeedError):
        services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    assert list(NeedCount.objects.values_list("key", "n").order_by("key")) == before


def test_the_median_of_a_histogram() -> None:
    assert needs_counts._median({}) is None
    assert needs_counts._median({3: 1}) == 3
    assert needs_counts._median({1: 1, 5: 1}) == 3
    assert needs_counts._median({0: 2, 2: 1, 9: 1}) == 1  # 0 0 2 9
    assert needs_counts._median({1: 10, 100: 1}) == 1


def test_recount_rewrites_in_bulk_after_a_bulk_load(nw: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    w = nw
    for i in range(3):
        ask(w, title=f"需求{i}")
    NeedCount.objects.all().delete()  # as after a bulk insert that bypassed the signals
    monkeypatch.setattr(needs_counts, "FULL_REWRITE_OVER", 2)
    drift = needs_counts.recount()
    assert len(drift) > 2
    assert needs_counts.recount(fix=False) == []
    assert NeedCount.objects.get(key="status:pending").n == 3
