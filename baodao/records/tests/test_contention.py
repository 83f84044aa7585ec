"""Sign-ups under contention (SQLite here, PostgreSQL in `make test`'s second run): many members
sign up to the same activity at the same moment, each from its own thread and connection; one
member signs up to two overlapping activities at once. Exactly as many succeed as there are
seats, the rest get a clear conflict, and nothing else is written."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from baodao.needs.tests.test_contention import _members, _retry_locked
from baodao.records import services
from baodao.records.models import Activity, Signup
from baodao.records.tests.conftest import activity, rw

__all__ = ["rw"]
pytestmark = pytest.mark.django_db(transaction=True)  # each thread has its own connection


def _race(calls: list[Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            _retry_locked(call)
            result = "ok"
        except services.RecordConflict:
            result = "conflict"
        except services.RecordError as exc:
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


def test_twelve_members_race_for_three_seats(rw: SimpleNamespace) -> None:
    a = activity(rw, capacity=3)
    people = _members(rw, 12)
    outcomes = _race([lambda m=m, u=u: services.activity_signup(activity=a, member=m, by=u) for m, u in people])
    assert sorted(outcomes) == ["conflict"] * 9 + ["ok"] * 3
    a.refresh_from_db()
    assert a.signed_up == 3
    assert Signup.objects.filter(activity=a).count() == 3


def test_one_member_signs_up_to_two_overlapping_activities_at_once(rw: SimpleNamespace) -> None:
    start = timezone.now() + dt.timedelta(hours=3)
    first = activity(rw, start=start, title="甲")
    second = activity(rw, start=start + dt.timedelta(minutes=30), title="乙")
    ((m, u),) = _members(rw, 1)
    calls = [lambda x=x: services.activity_signup(activity=x, member=m, by=u) for x in (first, second, first, second)]
    outcomes = _race(calls)
    assert sorted(outcomes) == ["conflict"] * 3 + ["ok"]
    assert Signup.objects.filter(member=m).count() == 1
    assert sum(Activity.objects.filter(pk__in=[first.pk, second.pk]).values_list("signed_up", flat=True)) == 1


def test_confirmations_at_once_move_the_tallies_exactly(rw: SimpleNamespace) -> None:
    """Eight records of eight members confirmed at the same moment by two confirmers' threads: the
    community's and the unit's tallies (made by the first, moved by the rest) end at exactly 8,
    with their aid, and equal a recount."""
    from decimal import Decimal

    from baodao.accounts import services as account_services
    from baodao.records.models import Record
    from baodao.stats import service_counts
    from baodao.stats.models import ServiceTally, UnitServiceTally

    other = account_services.user_create(
        username="staff_a2", password=rw.password, roles=[{"role": "community_staff", "place": rw.A}]
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=6)
    records = [
        services.record_log(
            member=m,
            community=rw.A,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            content="入户走访",
            by=u,
            aid=services.Aid(items="米", count=1, money=Decimal(50), donor_kind="member"),
        )
        for m, u in _members(rw, 8)
    ]
    by = [rw.community_staff, other]
    outcomes = _race([lambda r=r, i=i: services.record_confirm(record=r, by=by[i % 2]) for i, r in enumerate(records)])
    assert outcomes == ["ok"] * 8
    year = timezone.localdate().year
    area = ServiceTally.objects.get(place=rw.A, year=year)
    assert (area.records, area.minutes, area.aid_count, area.aid_money) == (8, 480, 8, Decimal(400))
    unit = UnitServiceTally.objects.get(unit=rw.U, community=rw.A, year=year)
    assert (unit.records, unit.aid_money) == (8, Decimal(400))
    assert Record.objects.filter(status="confirmed").count() == 8
    assert service_counts.recount(fix=False) == []
