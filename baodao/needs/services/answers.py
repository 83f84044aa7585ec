"""The resident's answer to a done item: accepted, reopened within the window, rated."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.rules import get_rule_int
from baodao.core.transitions import apply
from baodao.directory.models import Place
from baodao.needs import notices, signals
from baodao.needs.models import Claim, Demand, DemandEvent
from baodao.needs.transitions import NeedConflict, NeedError, demands

from .common import S, _city_of, _event


def _accept_deadline(demand: Demand, memo: dict[int, Place | None] | None = None) -> dt.datetime | None:
    if demand.done_at is None:
        return None
    days = get_rule_int("need_accept_window_days", city=_city_of(demand, memo))
    return demand.done_at + dt.timedelta(days=days)


def accept_deadline(demand: Demand) -> dt.datetime | None:
    """Until when the resident may accept or reopen a done item (a rule, from the day it was done)."""
    return _accept_deadline(demand)


def demand_resident_accept(*, demand: Demand, by: User | None) -> Demand:
    """The resident says the item is done to their satisfaction (验收)."""
    with transaction.atomic():
        row = Demand.objects.select_for_update().get(pk=demand.pk)
        if row.status not in (S.DONE, S.CLOSED):
            raise NeedError(_("服务项目尚未办理完成，不能验收"))
        if row.acceptance != Demand.Acceptance.WAITING:
            raise NeedConflict(_("已验收，无需重复操作"))
        row.acceptance = Demand.Acceptance.ACCEPTED
        row.accepted_at = timezone.now()
        row.save(update_fields=["acceptance", "accepted_at"])
        _event(row, DemandEvent.Kind.ACCEPTED_BY_RESIDENT, by)
        signals.demand_answered.send(sender=Demand, demand=row, old="", new=row.acceptance)
    notices.tell_staff(row, by, title=_("居民已验收：%(t)s") % {"t": row.title}, body=_("居民确认需求已解决。"))
    return row


def demand_reopen(*, demand: Demand, by: User | None, comment: str) -> Demand:
    """The resident says it is not solved, within the window: the item is in progress again and the
    claimants' shares are not done any more (their credit is taken back until done again)."""
    comment = comment.strip()
    if not comment:
        raise NeedError(_("请说明哪里还没有解决"))
    with transaction.atomic():
        before = Demand.objects.select_for_update().get(pk=demand.pk)
        row = apply(
            demands,
            "reopen",
            demand,
            by=by,
            changes={"done_at": None, "closed_at": None, "acceptance": "", "reopen_count": before.reopen_count + 1},
            check=_still_in_window,
            note=comment,
        )
        taken_back = list(row.claims.select_for_update().filter(status=Claim.Status.DONE))
        Claim.objects.filter(pk__in=[c.pk for c in taken_back]).update(
            status=Claim.Status.STARTED, progress_at=timezone.now()
        )
        for c in taken_back:
            signals.claim_reopened.send(sender=Claim, claim=c)
    return row


def _still_in_window(row: Demand) -> None:
    """Checked under the row's lock: not answered yet, and within the acceptance window."""
    if row.acceptance in (Demand.Acceptance.ACCEPTED, Demand.Acceptance.SILENT):
        raise NeedError(_("已验收，不能重新打开；如仍有问题请提交新的需求"))
    deadline = _accept_deadline(row)
    if deadline is not None and timezone.now() > deadline:
        raise NeedError(
            _("已超过验收期限（%(d)s），不能重新打开；如仍有问题请提交新的需求")
            % {"d": timezone.localtime(deadline).strftime("%Y-%m-%d")}
        )


def demand_rate(*, demand: Demand, by: User | None, stars: int, comment: str = "") -> Demand:
    """1–5 stars with a comment, once, after the item is done."""
    if not 1 <= stars <= 5:
        raise NeedError(_("评价为 1 到 5 颗星"))
    with transaction.atomic():
        # The conditional update is the guard: two ratings at once, one wins.
        n = Demand.objects.filter(pk=demand.pk, rating__isnull=True, status__in=(S.DONE, S.CLOSED)).update(
            rating=stars, rating_comment=comment.strip()[:200], rated_at=timezone.now()
        )
        row = Demand.objects.get(pk=demand.pk)
        if not n:
            if row.rating is not None:
                raise NeedConflict(_("已评价过，每个需求只能评价一次"))
            raise NeedError(_("服务项目办理完成后才能评价"))
        _event(row, DemandEvent.Kind.RATED, by, f"{'★' * stars} {row.rating_comment}".strip())
        signals.demand_rated.send(sender=Demand, demand=row)
    return row
