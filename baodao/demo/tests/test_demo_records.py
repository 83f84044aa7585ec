"""The demo year of the service record (tiny scale): teams led by reported members, activities in
the past with attendance and no-shows, one about to start and one next week; records consistent
with their activities, confirmed by someone other than who logged them, a few flagged; counters
equal to a recount."""

from __future__ import annotations

import pytest
from django.db.models import Count, F
from django.utils import timezone

from baodao.demo import directory as demo
from baodao.demo.clock import at, in_daytime, local_day
from baodao.demo.records import seed_records_demo
from baodao.demo.reporting import seed_reporting_demo
from baodao.directory.models import Place
from baodao.records.models import Activity, Callup, LeaderVisit, Pairing, Record, Signup, Team, TeamMember
from baodao.reporting.models import MemberReport
from baodao.stats import service_counts

pytestmark = pytest.mark.django_db


def test_a_believable_year_of_the_record() -> None:
    demo.demo_load(scale="tiny", seed=7)
    seed_reporting_demo(seed=7)
    # Loaded at 10:00 yesterday, local time (the generator's clock, not the test's).
    now = at(local_day(timezone.now()) - timezone.timedelta(days=1), 10)
    counts = seed_records_demo(seed=7, now=now)
    service_counts.recount()

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


def test_the_province_records_by_sql() -> None:
    """load_demo --scale province writes ~10M records by one INSERT … SELECT (PostgreSQL); here on
    the tiny city, asking for ~15 a reported member: the count, the spread (so some are behind), the
    pending, aid and flagged shares, and counters equal to a recount. Elsewhere it refuses, plainly."""
    from django.db import connection

    from baodao.demo.records import seed_records_province

    demo.demo_load(scale="tiny", seed=7)
    seed_reporting_demo(seed=7)
    reports = MemberReport.objects.filter(status="confirmed").count()
    assert reports > 10
    if connection.vendor != "postgresql":
        with pytest.raises(RuntimeError, match="PostgreSQL"):
            seed_records_province(wanted=15 * reports)
        with pytest.raises(RuntimeError, match="PostgreSQL"):
            service_counts.rebuild_by_sql()
        assert not Record.objects.exists()
        return

    def schema() -> list[tuple[str, ...]]:
        with connection.cursor() as cur:
            cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'records_record' ORDER BY 1")
            rows = cur.fetchall()
            cur.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = 'records_record'::regclass ORDER BY 1"
            )
            return rows + cur.fetchall()

    before = schema()
    written = seed_records_province(wanted=15 * reports)
    assert schema() == before  # the indexes and keys dropped for the load are all back
    assert written == Record.objects.count()
    assert 13 * reports <= written <= 17 * reports  # 1 … 2×15 each, 15½ on average
    per_member = list(Record.objects.values("member_id").annotate(n=Count("id")).values_list("n", flat=True))
    assert len(per_member) == reports and min(per_member) < 8 < 22 < max(per_member)
    assert 0.05 < Record.objects.filter(status="pending").count() / written < 0.15
    assert Record.objects.filter(aid_count__gt=0).exists() and Record.objects.exclude(flags=[]).exists()
    assert not Record.objects.filter(starts_at__gt=timezone.now()).exists()
    # at the hours people serve, local time (make_timestamptz in the city's zone, not the session's UTC)
    assert all(in_daytime(s, e) for s, e in Record.objects.values_list("starts_at", "ends_at"))
    assert seed_records_province(wanted=15 * reports) == 0  # enough already: nothing more
    # Counted once by SQL (as load_demo does), and a recount finds nothing to fix.
    service_counts.rebuild_by_sql()
    assert service_counts.recount(fix=False) == []
    year = timezone.localdate().year
    behind = service_counts.behind_count(Place.objects.get(parent__isnull=True), year)
    assert 0 < behind < reports
    assert service_counts.recount(fix=False) == []
