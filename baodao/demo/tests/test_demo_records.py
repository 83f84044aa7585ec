"""The demo year of the service record (tiny scale): teams led by reported members, activities in
the past with attendance and no-shows, one about to start and one next week; records consistent
with their activities, confirmed by someone other than who logged them, a few flagged; counters
equal to a recount."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.utils import timezone

from baodao.demo import directory as demo
from baodao.demo.records import seed_records_demo
from baodao.demo.reporting import seed_reporting_demo
from baodao.records.models import Activity, Callup, LeaderVisit, Pairing, Record, Signup, Team, TeamMember
from baodao.reporting.models import MemberReport
from baodao.stats import service_counts

pytestmark = pytest.mark.django_db


def test_a_believable_year_of_the_record() -> None:
    demo.demo_load(scale="tiny", seed=7)
    seed_reporting_demo(seed=7)
    counts = seed_records_demo(seed=7)
    service_counts.recount()
    now = timezone.now()

    assert counts["records"] == Record.objects.count() > 50
    assert counts["activities"] == Activity.objects.count()
    # every team has exactly one leader, and every member of it is reported to its community
    for team in Team.objects.all():
        assert team.memberships.filter(role=TeamMember.Role.LEADER).count() == 1
        for tm in team.memberships.all():
            assert MemberReport.objects.filter(
                member_id=tm.member_id, community_id=team.community_id, status="confirmed"
            ).exists()
    # each community: one activity about to start (its code works now) and one next week
    soon = Activity.objects.filter(status="open", starts_at__gt=now, starts_at__lt=now + timezone.timedelta(hours=1))
    assert soon.count() == Activity.objects.values("community").distinct().count()
    # attendance: no-shows and manual marks exist; no member booked twice at once
    assert Signup.objects.filter(status="no_show").exists()
    assert Signup.objects.exclude(manual_reason="").exists()
    for s in Signup.objects.all()[:500]:
        assert not (
            Signup.objects.filter(member_id=s.member_id, starts_at__lt=s.ends_at, ends_at__gt=s.starts_at)
            .exclude(pk=s.pk)
            .exists()
        )
    # records: within their activity, never confirmed by who logged them, a few flagged
    assert not Record.objects.filter(activity__isnull=False, starts_at__lt=F("activity__starts_at")).exists()
    assert not Record.objects.filter(activity__isnull=False, ends_at__gt=F("activity__ends_at")).exists()
    assert not Record.objects.filter(decided_by=F("logged_by")).exists()
    assert {"confirmed", "pending"} <= set(Record.objects.values_list("status", flat=True))
    assert Record.objects.filter(status="pending").exclude(flags=[]).exists()
    assert service_counts.recount(fix=False) == []
    # aid, pairings with their visits, the call-ups and the city leaders' weekly visits
    assert Record.objects.filter(status="confirmed", aid_count__gt=0).exists()
    assert counts["pairings"] == Pairing.objects.count() > 0
    for p in Pairing.objects.all():
        assert p.visits.exists() and all(r.member_id == p.member_id for r in p.visits.all())
        assert p.resident.special_groups.exists()
    assert set(Callup.objects.values_list("status", flat=True)) == {"open", "closed"}
    past = Callup.objects.get(status="closed")
    assert past.records.count() == past.answers.filter(attended=True).count() > 0
    assert not past.answers.filter(attended=True, coming=False).exists()
    assert counts["leader_visits"] == LeaderVisit.objects.count() > 0
    assert not LeaderVisit.objects.filter(decided_by=F("logged_by")).exists()
    assert not LeaderVisit.objects.exclude(place__parent=F("community")).exists()
    assert {"confirmed", "pending"} == set(LeaderVisit.objects.values_list("status", flat=True))
