"""What time does: silence past the window counts as accepted; idle claims are reminded, then
released back to the list."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.core.rules import get_rule_int
from baodao.directory.models import Place
from baodao.needs import notices, signals
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.transitions import NeedConflict

from .answers import _accept_deadline
from .claims import _end_claim
from .common import S, _city_of, _event


def demands_accept_silent(*, now: dt.datetime | None = None) -> int:
    """Items done whose resident said nothing within the window count as accepted — shown as
    "逾期未回复，视为验收", never as satisfied. Returns how many."""
    now = now or timezone.now()
    n = 0
    waiting = Demand.objects.filter(status__in=(S.DONE, S.CLOSED), acceptance=Demand.Acceptance.WAITING)
    cities: dict[int, Place | None] = {}
    for demand in waiting.select_related("community").iterator():
        deadline = _accept_deadline(demand, cities)
        if deadline is None or deadline > now:
            continue
        with transaction.atomic():
            if not Demand.objects.filter(pk=demand.pk, acceptance=Demand.Acceptance.WAITING).update(
                acceptance=Demand.Acceptance.SILENT, accepted_at=now
            ):
                continue
            _event(demand, DemandEvent.Kind.SILENT, None)
            signals.demand_answered.send(sender=Demand, demand=demand, old="", new=Demand.Acceptance.SILENT)
        n += 1
    return n


def claims_remind_and_release(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Claims with no progress: reminded after N days, released back to the list after M days
    (both rules); the claimant and the staff are told. Returns (reminded, released)."""
    now = now or timezone.now()
    reminded = released = 0
    cities: dict[int, Place | None] = {}
    live = Claim.objects.filter(status__in=(Claim.Status.CLAIMED, Claim.Status.STARTED)).select_related(
        "demand__community", "member", "team", "unit"
    )
    for claim in live.iterator():
        city = _city_of(claim.demand, cities)
        idle = now - claim.progress_at
        if idle >= dt.timedelta(days=get_rule_int("need_claim_release_days", city=city)):
            try:
                row = _end_claim(
                    claim,
                    status=Claim.Status.RELEASED,
                    reason=_("超过 %(d)s 天无进展") % {"d": idle.days},
                    by=None,
                    event=DemandEvent.Kind.RELEASED,
                )
            except NeedConflict:
                continue
            text = _("「%(t)s」因长时间无进展已退回服务清单") % {"t": claim.demand.title}
            notices.tell_claimants([row], None, title=text, body=text)
            notices.tell_staff(claim.demand, None, title=text, body=text)
            released += 1
        elif (
            idle >= dt.timedelta(days=get_rule_int("need_claim_reminder_days", city=city))
            and (claim.reminded_at is None or claim.reminded_at < claim.progress_at)
            and Claim.objects.filter(pk=claim.pk, status__in=Claim.LIVE).update(reminded_at=now)
        ):
            _event(claim.demand, DemandEvent.Kind.REMINDED, None, claim.party_name)
            text = _("您认领的「%(t)s」已 %(d)s 天没有进展，请尽快办理，逾期将退回服务清单") % {
                "t": claim.demand.title,
                "d": idle.days,
            }
            notices.tell_claimants([claim], None, title=text, body=text)
            reminded += 1
    return reminded, released
