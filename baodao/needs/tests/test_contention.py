"""Claims under contention (SQLite here, PostgreSQL in `make test`'s second run): many people
claim the same item at the same moment from their own threads and connections. Exactly as many
succeed as there are slots, the rest are refused with a clear conflict, and nothing else is
written: no claim beyond the slots, no second claim by the same party, a counter equal to the rows."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.db import OperationalError, connection

from baodao.accounts import services as account_services
from baodao.accounts.models import Role, User
from baodao.directory.models import Member
from baodao.needs import services
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.tests.conftest import nw, published
from baodao.reporting.tests.conftest import confirmed_report, new_member

__all__ = ["nw"]
pytestmark = pytest.mark.django_db(transaction=True)  # each thread has its own connection


def _retry_locked(call: Callable[[], object]) -> object:
    """SQLite's in-memory test database fails a locked table at once instead of waiting (a file
    database waits): retry as the busy wait would."""
    for _ in range(2000):
        try:
            return call()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.005)
    raise AssertionError("still locked")


def _race(calls: list[Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            _retry_locked(call)
            result = "ok"
        except services.NeedConflict:
            result = "conflict"
        except services.NeedError as exc:
            result = f"refused: {exc.messages}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _members(w: SimpleNamespace, n: int) -> list[tuple[Member, User]]:
    out = []
    for i in range(n):
        m = new_member(f"党员{i:02d}", w.U, w.A1)
        confirmed_report(m, w.community_staff)
        u = account_services.user_create(
            username=f"m{i:02d}", password=w.password, roles=[{"role": Role.MEMBER, "member": m}]
        )
        out.append((m, u))
    return out


def test_twelve_members_race_for_a_single_slot_one_wins(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    people = _members(w, 12)

    outcomes = _race([lambda m=m, u=u: services.item_claim(demand=d, party=m, by=u) for m, u in people])

    assert sorted(outcomes) == ["conflict"] * 11 + ["ok"]
    d.refresh_from_db()
    assert (d.status, d.claimed_slots) == (Demand.Status.CLAIMED, 1)
    assert Claim.objects.filter(demand=d).count() == 1
    assert DemandEvent.objects.filter(demand=d, kind="claimed").count() == 1


def test_claims_on_a_full_item_racing_a_withdrawal_take_at_most_the_freed_slot(nw: SimpleNamespace) -> None:
    """A 3-slot item is full; one holder withdraws while eight others claim at the same moment. The
    refusals read the row without the lock (services._take_slot): whichever read saw the item
    full is refused as full, and at most one claimant takes the freed slot, under the lock."""
    w = nw
    d = published(w, slots=3)
    everyone = _members(w, 11)
    holders, people = everyone[:3], everyone[3:]
    claims = [services.item_claim(demand=d, party=m, by=u) for m, u in holders]

    outcomes = _race(
        [lambda: services.claim_withdraw(claim=claims[0], by=holders[0][1], reason="有事")]
        + [lambda m=m, u=u: services.item_claim(demand=d, party=m, by=u) for m, u in people]
    )

    # The rows are the truth (on SQLite's in-memory database `_race` may retry a withdrawal whose
    # notice met a locked table after its commit, which then answers a conflict).
    assert len(outcomes) == 9 and set(outcomes) <= {"ok", "conflict"}
    d.refresh_from_db()
    assert Claim.objects.filter(demand=d, status=Claim.Status.WITHDRAWN).count() == 1
    taken = Claim.objects.filter(demand=d, member__in=[m for m, _u in people]).count()
    live = Claim.objects.filter(demand=d, status__in=Claim.LIVE).count()
    assert taken <= 1 and outcomes.count("ok") >= taken
    assert d.claimed_slots == live == 2 + taken
    assert DemandEvent.objects.filter(demand=d, kind="claimed").count() == 3 + taken


def test_a_group_item_takes_exactly_its_slots(nw: SimpleNamespace) -> None:
    """Units and teams race for a 3-slot group item (each party twice): 3 claims, no party twice."""
    w = nw
    d = published(w, size=Demand.Size.TEAM, slots=3)
    parties = [(w.team, w.leader), (w.U, w.unit_secretary), (w.W, None)]
    secretary_w = account_services.user_create(
        username="sec_w", password=w.password, roles=[{"role": Role.UNIT_SECRETARY, "unit": w.W}]
    )
    calls = []
    for party, user in parties:
        for _ in range(2):
            calls.append(lambda p=party, u=user or secretary_w: services.item_claim(demand=d, party=p, by=u))

    outcomes = _race(calls)

    assert sorted(outcomes) == ["conflict"] * 3 + ["ok"] * 3
    d.refresh_from_db()
    claims = list(Claim.objects.filter(demand=d))
    assert d.claimed_slots == len(claims) == 3
    assert {c.team_id or c.unit_id for c in claims} == {w.team.pk, w.U.pk, w.W.pk}


def test_one_party_claiming_twice_at_once_gets_one_claim(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, size=Demand.Size.TEAM, slots=5)

    outcomes = _race([lambda: services.item_claim(demand=d, party=w.team, by=w.leader) for _ in range(6)])

    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    d.refresh_from_db()
    assert d.claimed_slots == Claim.objects.filter(demand=d).count() == 1


def test_two_ratings_at_once_one_counts(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w)
    c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=c, by=w.member_user, note="已办")

    outcomes = _race([lambda s=s: services.demand_rate(demand=d, by=w.resident_user, stars=s) for s in (2, 5)])

    assert sorted(outcomes) == ["conflict", "ok"]
    assert DemandEvent.objects.filter(demand=d, kind="rated").count() == 1


def test_withdrawals_at_once_do_not_pass_the_daily_limit_together(nw: SimpleNamespace) -> None:
    """Four withdrawals by one member at the same moment with a limit of two a day: exactly two
    pass, the others are refused naming the limit (the user's row is locked before counting)."""
    from decimal import Decimal

    from baodao.directory.services import rule_set

    w = nw
    rule_set(key="need_claim_withdrawals_per_day", value=Decimal(2), city=w.C)
    claims = [
        services.item_claim(demand=published(w, title=f"第{i}件"), party=w.m_u_a, by=w.member_user) for i in range(4)
    ]

    outcomes = _race([lambda c=c: services.claim_withdraw(claim=c, by=w.member_user, reason="有事") for c in claims])

    refused = (
        "refused: ['今天已撤回认领 2 次，已达每天最多 2 次的限制：不能再撤回；如确实无法办理，请联系社区工作人员']"
    )
    # The rows are the truth: on SQLite's in-memory database a withdrawal whose notice (written after
    # its commit) met a locked table is retried whole by `_race` and then refused by the limit.
    assert len(outcomes) == 4 and set(outcomes) <= {"ok", refused} and outcomes.count(refused) >= 2
    assert Claim.objects.filter(status=Claim.Status.WITHDRAWN).count() == 2
    assert DemandEvent.objects.filter(kind="claim_withdrawn").count() == 2
    assert Claim.objects.filter(status=Claim.Status.CLAIMED).count() == 2
    assert sorted(Demand.objects.values_list("claimed_slots", flat=True)) == [0, 0, 1, 1]


def test_done_and_logged_twice_at_once_makes_one_record(nw: SimpleNamespace) -> None:
    """The holder sends "done, with the hours" twice at the same moment (a double tap, two
    devices): one share done, one record; the other is refused as already done, nothing written."""
    import datetime as dt

    from django.utils import timezone

    from baodao.records import services as records_services
    from baodao.records.models import Record

    w = nw
    d = published(w)
    c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    start = timezone.now() - dt.timedelta(hours=3)

    def log() -> object:
        return records_services.claim_log(
            claim=c, by=w.member_user, starts_at=start, ends_at=start + dt.timedelta(hours=2), content="已办", done=True
        )

    outcomes = _race([log, log])

    assert sorted(outcomes) == ["conflict", "ok"]
    assert Record.objects.filter(claim=c).count() == 1
    c.refresh_from_db()
    assert c.status == Claim.Status.DONE
    assert DemandEvent.objects.filter(demand=d, kind="done").count() == 1
