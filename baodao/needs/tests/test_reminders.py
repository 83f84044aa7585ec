"""The three lists in the daily `send_reminders`: silence becomes "视为验收" after the window, idle
claims are reminded then released, the staff hear of unclaimed items once a week."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from baodao.needs import services
from baodao.needs.models import Claim, Demand
from baodao.needs.tests.conftest import published
from baodao.notifications.models import Notification
from baodao.reporting.reminders import send_reminders

pytestmark = pytest.mark.django_db


def needs_counts(today: dt.date) -> dict[str, int]:
    return {k: v for k, v in send_reminders(today=today).items() if k.startswith("needs_")}


def test_the_daily_run_reminds_releases_and_accepts_silence(nw: SimpleNamespace) -> None:
    w = nw
    today = timezone.localdate()
    unclaimed = published(w, title="没人认领的")
    idle = published(w, title="认领了没动的")
    claim = services.item_claim(demand=idle, party=w.m_u_a, by=w.member_user)
    done = published(w, title="办完了没回复的")
    c2 = services.item_claim(demand=done, party=w.m_v_a, by=w.leader)
    services.item_done(claim=c2, by=w.leader, note="已办")
    ago = timezone.now() - dt.timedelta(days=8)
    Demand.objects.filter(pk__in=[unclaimed.pk, done.pk]).update(published_at=ago, done_at=ago)
    Claim.objects.filter(pk=claim.pk).update(progress_at=ago)

    assert needs_counts(today) == {
        "needs_silent_accepted": 1,
        "needs_claims_reminded": 1,
        "needs_claims_released": 0,
        "needs_unclaimed_staff": 1,
    }
    assert Demand.objects.get(pk=done.pk).acceptance == Demand.Acceptance.SILENT
    assert Notification.objects.filter(user=w.community_staff, title__contains="超期无人认领").count() == 1
    assert Notification.objects.filter(user=w.member_user, title__contains="没有进展").count() == 1
    # Twice the same day: nothing new.
    assert set(needs_counts(today).values()) == {0}
    # A week later the claim is released and the staff are told again of what is still unclaimed.
    assert needs_counts(today + dt.timedelta(days=7)) == {
        "needs_silent_accepted": 0,
        "needs_claims_reminded": 0,
        "needs_claims_released": 1,
        "needs_unclaimed_staff": 1,
    }
    assert Demand.objects.get(pk=idle.pk).status == Demand.Status.PUBLISHED


def test_the_command_prints_the_needs_counts(nw: SimpleNamespace) -> None:
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "needs_claims_released=0" in out.getvalue()
