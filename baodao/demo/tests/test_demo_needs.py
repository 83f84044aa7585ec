"""The demo year of the three lists (tiny scale): every state there, claims consistent with their
items and parties, timelines in order and in the past, the demo resident's own rows written by the
services."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from baodao.demo import directory as demo
from baodao.demo.needs import seed_needs_demo
from baodao.demo.reporting import seed_reporting_demo
from baodao.directory.models import UnitAssignment, WorkTeam
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.reporting.models import MemberReport

pytestmark = pytest.mark.django_db


def test_a_believable_year_in_every_state() -> None:
    demo.demo_load(scale="tiny", seed=7)
    seed_reporting_demo(seed=7)
    counts = seed_needs_demo(seed=7)
    now = timezone.now()

    assert counts["demands"] == Demand.objects.count() > 20
    states = set(Demand.objects.values_list("status", flat=True))
    assert {"pending", "published", "closed", "done", "in_progress"} <= states
    assert len(states) >= 8
    assert len(set(Demand.objects.values_list("channel", flat=True))) >= 4
    assert Demand.objects.filter(rating__isnull=False).exists()
    assert Demand.objects.filter(reopen_count__gt=0).exists() or Demand.objects.count() < 200

    # Every item's counter equals its live claims; every party serves the item's community.
    live = Count("claims", filter=Q(claims__status__in=Claim.LIVE))
    assert [d.pk for d in Demand.objects.annotate(n=live) if d.n != d.claimed_slots] == []
    for c in Claim.objects.select_related("demand"):
        if c.member_id:
            assert MemberReport.objects.filter(
                member_id=c.member_id, community_id=c.demand.community_id, status="confirmed"
            ).exists()
        elif c.team_id:
            assert WorkTeam.objects.get(pk=c.team_id).community_id == c.demand.community_id
        else:
            assert UnitAssignment.objects.filter(unit_id=c.unit_id, community_id=c.demand.community_id).exists()

    # Timelines start with the submission, run forward, and stay in the past.
    for d in Demand.objects.all()[:200]:
        events = list(DemandEvent.objects.filter(demand=d).order_by("id"))
        assert events[0].kind == "submitted"
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        assert events[-1].created_at <= now
        assert d.created_at <= now

    # The demo resident can see his own (the services wrote them, notifications included).
    mine = Demand.objects.filter(resident__user__username="resident")
    assert mine.count() >= 2
    assert mine.filter(status="pending").exists()


def test_the_province_demands_by_sql_fall_in_the_past_at_local_hours() -> None:
    """load_demo --scale province writes a demand per member by one INSERT … SELECT (PostgreSQL),
    at hours made in the city's zone (make_timestamptz without one takes the session's UTC: 09:00
    became 17:00) and never after the load; elsewhere it refuses, plainly."""
    from django.db import connection

    from baodao.demo.clock import local
    from baodao.demo.needs import seed_needs_province

    demo.demo_load(scale="tiny", seed=7)
    seed_reporting_demo(seed=7)
    if connection.vendor != "postgresql":
        with pytest.raises(RuntimeError, match="PostgreSQL"):
            seed_needs_province()
        assert not Demand.objects.exists()
        return
    written = seed_needs_province()
    now = timezone.now()

    assert written == Demand.objects.count() > 100
    created = list(Demand.objects.filter(resident__isnull=True).values_list("created_at", flat=True))
    assert all(8 <= local(t).hour <= 17 for t in created)
    for name in ("created_at", "published_at", "claimed_at", "done_at", "closed_at"):
        assert not Demand.objects.filter(**{f"{name}__gt": now}).exists()
