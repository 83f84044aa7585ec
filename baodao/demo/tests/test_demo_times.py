"""The demo as a new user meets it (issue 19 §15): nothing in it happened after the moment it was
loaded, people meet at waking hours of the city's clock (Asia/Shanghai, not UTC), and the demo
`member` has reported and been confirmed while `member2` has not."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from baodao.accounts.models import RoleAssignment
from baodao.demo import directory as demo
from baodao.demo.clock import at, in_daytime, local, local_day
from baodao.demo.needs import seed_needs_demo
from baodao.demo.records import seed_records_demo
from baodao.demo.reporting import seed_reporting_demo
from baodao.directory.models import Member
from baodao.needs import services as needs_services
from baodao.needs.models import Claim, Demand
from baodao.records.models import Activity, Callup, Record, Signup
from baodao.reporting.models import MemberReport

pytestmark = pytest.mark.django_db

# Plans, not facts: what is scheduled may lie ahead (an activity next week, tomorrow's call-up).
PLANNED = {(m, f) for m in (Activity, Signup, Callup) for f in ("starts_at", "ends_at")}
# Spans that people spend together, and the moments they check in and out of them.
MEETINGS = ((Activity, "starts_at", "ends_at"), (Callup, "starts_at", "ends_at"), (Signup, "starts_at", "ends_at"))
ATTENDANCE = ((Signup, "checkin_at"), (Signup, "checkout_at"), (Record, "starts_at"), (Record, "ends_at"))


def _in_the_future(now: dt.datetime) -> list[str]:
    """Every date-time column of every model, after `now` (planned schedules and expiries aside)."""
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.DateTimeField) or (model, f.name) in PLANNED or "expire" in f.name:
                continue
            n = model._default_manager.filter(**{f"{f.name}__gt": now}).count()
            if n:
                found.append(f"{model._meta.label}.{f.name}: {n}")
    return found


def _at_night() -> list[str]:
    found = []
    for model, start, end in MEETINGS + ((Record, "starts_at", "ends_at"),):
        for pk, s, e in model._default_manager.values_list("pk", start, end):
            if not in_daytime(s, e):
                found.append(f"{model.__name__} {pk}: {local(s):%Y-%m-%d %H:%M}–{local(e):%H:%M}")
    for model, name in ATTENDANCE:
        for pk, t in model._default_manager.exclude(**{f"{name}__isnull": True}).values_list("pk", name):
            if not dt.time(6, 30) <= local(t).time() <= dt.time(22):
                found.append(f"{model.__name__} {pk} {name}: {local(t):%Y-%m-%d %H:%M}")
    return found


def test_the_loaded_demo_has_nothing_in_the_future_and_meets_in_daytime() -> None:
    """`manage.py load_demo` as `make run` calls it: no timestamp after the load (27 items of the
    city were closed "tomorrow"), and activities at 09:00, not 03:00–06:00 (hours set on UTC)."""
    call_command("load_demo", "--scale", "tiny", "--if-empty", "--force", stdout=StringIO())
    now = timezone.now()

    assert _in_the_future(now) == []
    assert _at_night()[:10] == []
    # What lies ahead is only planned: nobody came to it yet, and nothing was recorded of it.
    assert Activity.objects.filter(starts_at__gt=now).exists()
    assert not Signup.objects.filter(starts_at__gt=now).exclude(status=Signup.Status.SIGNED).exists()
    assert not Activity.objects.filter(starts_at__gt=now).exclude(status=Activity.Status.OPEN).exists()
    assert not Record.objects.filter(ends_at__gt=now).exists()
    # Each item's steps in order (a timeline moved back as a whole, not clipped).
    for d in Demand.objects.exclude(done_at=None):
        assert d.created_at <= (d.published_at or d.created_at) <= (d.claimed_at or d.done_at) <= d.done_at
        assert d.done_at <= (d.closed_at or d.done_at) and d.done_at <= (d.accepted_at or d.done_at)
    for c in Claim.objects.exclude(done_at=None):
        assert c.created_at <= c.done_at
    # Reports were made and decided over the past year, not all at the moment of loading.
    assert MemberReport.objects.filter(status="pending", submitted_at__lt=now - dt.timedelta(days=1)).exists()
    assert MemberReport.objects.filter(decided_at__lt=now - dt.timedelta(days=30)).exists()


def test_the_daily_jobs_find_nothing_to_undo_in_the_demo() -> None:
    """As time and the daily jobs would have left it: no item waiting for its resident's answer
    beyond the answer window (the resident was asked to answer by a date long past), and no live
    claim idle beyond the release window — so the first night's jobs accept and release nothing."""
    call_command("load_demo", "--scale", "tiny", "--if-empty", "--force", stdout=StringIO())
    waiting = Demand.objects.filter(status=Demand.Status.DONE, acceptance=Demand.Acceptance.WAITING)
    live = Claim.objects.filter(status__in=Claim.LIVE)
    assert waiting.exists() and live.exists()

    assert needs_services.demands_accept_silent() == 0
    assert needs_services.claims_remind_and_release()[1] == 0


@pytest.mark.parametrize(("hour", "minute"), [(23, 30), (4, 50), (20, 10), (10, 0)])
def test_loaded_at_any_hour_the_demo_meets_in_daytime(hour: int, minute: int) -> None:
    """Whenever `make run` loads it: the activity "about to start" starts within the hour when
    that leaves it in daytime, else at 09:00 the next morning; the rest stays within waking hours."""
    demo.demo_load(scale="tiny", seed=7)
    seed_reporting_demo(seed=7)
    now = at(local_day(timezone.now()) - dt.timedelta(days=1), hour, minute)
    seed_needs_demo(seed=7, now=now)
    seed_records_demo(seed=7, now=now)

    assert _at_night()[:10] == []
    assert not Demand.objects.filter(closed_at__gt=now).exists()
    assert not Record.objects.filter(ends_at__gt=now).exists()
    soon = Activity.objects.filter(status=Activity.Status.OPEN, starts_at__gt=now).order_by("starts_at").first()
    assert soon is not None
    if hour == 10:
        assert soon.starts_at <= now + dt.timedelta(hours=1)
    else:
        assert local(soon.starts_at).time() == dt.time(9) and soon.starts_at - now < dt.timedelta(hours=14)


def test_demo_member_has_reported_and_member2_has_not() -> None:
    out = StringIO()
    call_command("load_demo", "--scale", "tiny", "--if-empty", "--force", stdout=out)

    member = Member.objects.get(user__username="member")
    report = MemberReport.objects.get(member=member)
    assert report.status == MemberReport.Status.CONFIRMED and report.receipt_number
    assert RoleAssignment.objects.filter(user__username="community", place=report.community).exists()
    assert member.volunteer_teams.exists()  # the teams of the types he chose when reporting
    member2 = Member.objects.get(user__username="member2")
    assert member2.unit_id == member.unit_id and member2.pk != member.pk
    assert member2.residence.path.startswith(report.community.path)  # a neighbour: same community
    assert not MemberReport.objects.filter(member=member2).exists()
    # The printed list names both, and which has reported.
    lines = {line.split()[0]: line for line in out.getvalue().splitlines() if line.startswith("  member")}
    assert "已报到" in lines["member"] and "未报到" in lines["member2"]
    # The items the resident asked for are held by the demo member himself (he can act on them).
    held = Claim.objects.filter(demand__resident__user__username="resident", status__in=Claim.LIVE)
    assert held.exists() and all(c.member_id == member.pk for c in held)
