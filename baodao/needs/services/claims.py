"""Claims of the service items, exact under contention (see the package's docstring): claimed or
dispatched, withdrawn, declined, started, done; the contact read while the work is under way;
the item closed or found unable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.rules import get_rule_int
from baodao.core.transitions import apply
from baodao.directory.models import Member, Unit, WorkTeam
from baodao.directory.selectors import city_of
from baodao.needs import notices, selectors, signals
from baodao.needs.models import Claim, ContactReveal, Demand, DemandEvent, DemandPhoto
from baodao.needs.transitions import NeedConflict, NeedError, NeedLimit, demands

from .common import S, _event, _photos


def _party_kwargs(party: Member | WorkTeam | Unit) -> dict[str, object]:
    if isinstance(party, Member):
        return {"party": Claim.Party.MEMBER, "member": party}
    if isinstance(party, WorkTeam):
        return {"party": Claim.Party.TEAM, "team": party}
    return {"party": Claim.Party.UNIT, "unit": party}


def _why_not_claimable(demand_id: int, *, dispatch: bool) -> NeedError:
    row = Demand.objects.get(pk=demand_id)
    if row.status in (S.DONE, S.CLOSED, S.UNABLE, S.MERGED, S.WITHDRAWN, S.REJECTED):
        return NeedConflict(_("该服务项目已%(s)s，不能再认领") % {"s": row.get_status_display()})
    if row.status == S.PENDING:
        return NeedError(_("该需求尚未审核发布"))
    if row.claimed_slots >= row.slots:
        return NeedConflict(_("该服务项目的认领名额已满（%(n)s/%(n)s）") % {"n": row.slots})
    if not dispatch and row.status == S.DISPATCHED:
        return NeedConflict(_("该服务项目已由社区派单办理"))
    return NeedConflict(_("该服务项目当前不能认领（%(s)s）") % {"s": row.get_status_display()})


def _take_slot(demand: Demand, party: Member | WorkTeam | Unit, *, by: User, dispatched: bool) -> Claim:
    """Take one slot of the item and write the claim, or raise with nothing written."""
    name = "dispatch" if dispatched else "claim"
    t = demands[name]
    now = timezone.now()
    with transaction.atomic():
        if not dispatched:
            # A claimant past the day's withdrawals takes nothing more today (claim → withdraw
            # cycles are how contacts were harvested); the user's row first, as a withdrawal locks.
            _check_withdrawals(by, demand, refused=_("今天不能再认领新的服务项目，请明天再来"))
        # The row lock serialises claimers on PostgreSQL (SQLite's IMMEDIATE transactions already
        # do); the conditional UPDATE and the constraints hold even without it.
        Demand.objects.select_for_update().filter(pk=demand.pk).first()
        taken = Demand.objects.filter(pk=demand.pk, status__in=t.sources, claimed_slots__lt=F("slots")).update(
            claimed_slots=F("claimed_slots") + 1
        )
        if not taken:
            raise _why_not_claimable(demand.pk, dispatch=dispatched)
        row = Demand.objects.get(pk=demand.pk)
        first = row.claimed_at is None
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    demand=row,
                    dispatched=dispatched,
                    exclusive=row.slots == 1,
                    claimed_by=by,
                    **_party_kwargs(party),
                )
        except IntegrityError as exc:
            raise NeedConflict(_("%(p)s已认领该服务项目，不能重复认领") % {"p": party}) from exc
        demands._save(row, t, {"claimed_at": row.claimed_at or now}, by, str(party))
        if first:
            signals.demand_first_claimed.send(sender=Demand, demand=row)
    return claim


def item_claim(*, demand: Demand, party: Member | WorkTeam | Unit, by: User) -> Claim:
    """接单 / 认领: a member for an individual item, a team leader for the team, a unit secretary
    for the unit. Exact under contention (see the module's docstring); 409 when full or taken."""
    return _take_slot(demand, party, by=by, dispatched=False)


def item_dispatch(*, demand: Demand, party: Member | WorkTeam | Unit, by: User) -> Claim:
    """派单: the community gives the item (one of its slots) to a member, team or unit."""
    return _take_slot(demand, party, by=by, dispatched=True)


def _end_claim(
    claim: Claim,
    *,
    status: str,
    reason: str,
    by: User | None,
    event: str,
    states: tuple[str, ...] = Claim.LIVE,
) -> Claim:
    """End a live claim (in one of `states`, checked under the lock), free its slot, and put the
    item back on the list when it was the last."""
    with transaction.atomic():
        demand = Demand.objects.select_for_update().get(pk=claim.demand_id)
        row = Claim.objects.select_for_update().get(pk=claim.pk)
        if row.status not in states:
            raise NeedConflict(_("该认领当前为“%(s)s”，不能再办理这一步") % {"s": row.get_status_display()})
        row.status = status
        row.reason = reason[:200]
        row.ended_at = timezone.now()
        row.save(update_fields=["status", "reason", "ended_at"])
        Demand.objects.filter(pk=demand.pk).update(claimed_slots=F("claimed_slots") - 1)
        demand.claimed_slots -= 1
        _event(demand, event, by, f"{row.party_name}：{reason}" if reason else row.party_name)
        live = demand.claims.filter(status__in=Claim.LIVE)
        if demand.status in demands["relist"].sources and not live.exists():
            demand = apply(demands, "relist", demand, by=by)
        elif demand.status in (S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS) and not live.exclude(status="done").exists():
            # The others have all finished their shares: the item is done.
            demand = apply(demands, "done", demand, by=by, changes={"done_at": timezone.now(), "acceptance": ""})
    return row


def withdrawals_per_day(demand: Demand) -> int:
    """How many claims one person may withdraw a day (a rule of the item's city)."""
    return get_rule_int("need_claim_withdrawals_per_day", city=city_of(demand.community))


def _check_withdrawals(by: User, demand: Demand, *, refused: str) -> None:
    """Lock the user's row, then refuse when the user has withdrawn the day's limit of claims.

    The lock serialises one person's withdrawals and claims (PostgreSQL; SQLite's IMMEDIATE
    transactions serialise every writer), so two at once cannot both pass the limit: the second
    counts the first's withdrawal once the first commits. Every step locks the user's row before
    the item's and the claim's, so no two steps wait on each other."""
    User.objects.select_for_update().filter(pk=by.pk).first()
    limit = withdrawals_per_day(demand)
    done = selectors.withdrawals_today(by)
    if done >= limit:
        raise NeedLimit(
            _("今天已撤回认领 %(n)s 次，已达每天最多 %(limit)s 次的限制：%(then)s")
            % {"n": done, "limit": limit, "then": refused}
        )


def claim_withdraw(*, claim: Claim, by: User, reason: str) -> Claim:
    """The claimant gives the item back, with a reason, before or while doing the work — at most
    `need_claim_withdrawals_per_day` times a day. A withdrawal after the claimant read the
    beneficiary's contact is flagged to the community's staff (their page of readings, the item's
    page, a notice)."""
    if not reason.strip():
        raise NeedError(_("请填写撤回原因"))
    if claim.dispatched:
        raise NeedError(_("被派单的请选择“拒绝派单”"))
    with transaction.atomic():
        _check_withdrawals(by, claim.demand, refused=_("不能再撤回；如确实无法办理，请联系社区工作人员"))
        row = _end_claim(
            claim,
            status=Claim.Status.WITHDRAWN,
            reason=reason.strip(),
            by=by,
            event=DemandEvent.Kind.CLAIM_WITHDRAWN,
            states=(Claim.Status.CLAIMED, Claim.Status.STARTED),
        )
        flagged = row.reveals.exists()
    if flagged:
        notices.tell_staff(
            row.demand,
            by,
            title=_("「%(t)s」的认领在查看居民联系方式后撤回") % {"t": row.demand.title},
            body=_("%(p)s查看了居民联系方式后撤回了认领，请核实。原因：%(r)s") % {"p": row.party_name, "r": row.reason},
        )
    else:
        notices.tell_staff(
            row.demand,
            by,
            title=_("「%(t)s」的认领已撤回") % {"t": row.demand.title},
            body=_("%(p)s撤回了认领。原因：%(r)s") % {"p": row.party_name, "r": row.reason},
        )
    return row


def contact_reveal(*, claim: Claim, by: User) -> ContactReveal:
    """查看联系方式: the holder of a claim whose work is under way (started, the item open) reads
    the beneficiary's full contact; each reading is recorded for the community's staff. Refused
    before the work starts and once it is done or the item closed."""
    with transaction.atomic():
        demand = Demand.objects.select_for_update().select_related("community").get(pk=claim.demand_id)
        row = Claim.objects.get(pk=claim.pk)
        if not selectors.contact_revealable(row, demand):
            if row.status == Claim.Status.CLAIMED:
                raise NeedError(_("请先点“开始办理”，开始办理后才能查看居民联系方式"))
            raise NeedError(_("该认领不在办理中，不能查看居民联系方式"))
        return ContactReveal.objects.create(demand=demand, claim=row, user=by)


def claim_decline(*, claim: Claim, by: User, reason: str) -> Claim:
    """A dispatched party declines the item, with a reason the community reads."""
    if not reason.strip():
        raise NeedError(_("请填写拒绝原因"))
    if not claim.dispatched or claim.status != Claim.Status.CLAIMED:
        raise NeedError(_("只有尚未开始的派单可以拒绝"))
    row = _end_claim(
        claim,
        status=Claim.Status.DECLINED,
        reason=reason.strip(),
        by=by,
        event=DemandEvent.Kind.DECLINED,
        states=(Claim.Status.CLAIMED,),
    )
    notices.tell_staff(
        row.demand,
        by,
        title=_("「%(t)s」的派单被拒绝") % {"t": row.demand.title},
        body=_("%(p)s拒绝了派单。原因：%(r)s") % {"p": row.party_name, "r": row.reason},
    )
    return row


def item_start(*, claim: Claim, by: User) -> Claim:
    """The claimant starts the work (or reports progress): the item is 进行中."""
    with transaction.atomic():
        # The item's row first, then the claim's: the order every step takes (no deadlock).
        demand = Demand.objects.select_for_update().get(pk=claim.demand_id)
        row = Claim.objects.select_for_update().get(pk=claim.pk)
        if row.status not in (Claim.Status.CLAIMED, Claim.Status.STARTED):
            raise NeedError(_("该认领不在办理中"))
        row.status = Claim.Status.STARTED
        row.progress_at = timezone.now()
        row.save(update_fields=["status", "progress_at"])
        if demand.status in demands["start"].sources:
            demand = apply(demands, "start", demand, by=by, note=row.party_name)
    return row


def item_done(
    *,
    claim: Claim,
    by: User,
    note: str,
    photos: Sequence[IO[bytes]] = (),
) -> Claim:
    """The claimant (or dispatched party) reports its share done; when every live share is done
    the item waits for the resident's acceptance (已完成待验收). The hours and the aid given are
    the service records logged against the claim (records.services.claim_log, in the same step
    when the claimant wants)."""
    if not note.strip():
        raise NeedError(_("请填写完成情况"))
    now = timezone.now()
    with transaction.atomic():
        demand = Demand.objects.select_for_update().get(pk=claim.demand_id)
        row = Claim.objects.select_for_update().get(pk=claim.pk)
        if row.status not in (Claim.Status.CLAIMED, Claim.Status.STARTED):
            raise NeedConflict(_("该认领当前为“%(s)s”，不能再办理这一步") % {"s": row.get_status_display()})
        if demand.status not in demands["done"].sources:
            raise NeedError(demands["done"].refused)
        row.status = Claim.Status.DONE
        row.done_at = row.progress_at = now
        row.done_note = note.strip()[:500]
        row.save(update_fields=["status", "done_at", "progress_at", "done_note"])
        _photos(demand, photos, stage=DemandPhoto.Stage.DONE, by=by)
        signals.claim_done.send(sender=Claim, claim=row)
        if demand.claims.filter(status__in=(Claim.Status.CLAIMED, Claim.Status.STARTED)).exists():
            _event(demand, DemandEvent.Kind.DONE, by, _("%(p)s完成了认领的部分") % {"p": row.party_name})
        else:
            asked = demand.resident_id is not None or bool(demand.contact_mobile)
            demand = apply(
                demands,
                "done",
                demand,
                by=by,
                changes={
                    "done_at": now,
                    "acceptance": Demand.Acceptance.WAITING if asked else Demand.Acceptance.NOT_ASKED,
                },
                note=row.done_note,
            )
    return row


def item_close(*, demand: Demand, by: User) -> Demand:
    """销号 by the community staff. "Closed" is not "satisfied": the resident's acceptance stays a
    separate fact (waiting, accepted, silent), and the resident may still reopen within the window."""
    row = apply(demands, "close", demand, by=by, changes={"closed_at": timezone.now()})
    return row


def item_unable(*, demand: Demand, by: User, reason: str) -> Demand:
    """无法办理, with a reason the resident reads; counted apart from done. Live claims end."""
    reason = reason.strip()
    if not reason:
        raise NeedError(_("请填写无法办理的原因，居民会看到它"))
    with transaction.atomic():
        row = apply(demands, "unable", demand, by=by, changes={"reason": reason[:200]}, note=reason)
        # The claimants hear of it (announce, after commit) before their claims end here.
        live = list(row.claims.select_for_update().filter(status__in=Claim.LIVE))
        Claim.objects.filter(pk__in=[c.pk for c in live]).update(
            status=Claim.Status.ENDED, reason=reason[:200], ended_at=timezone.now()
        )
        Demand.objects.filter(pk=row.pk).update(claimed_slots=0)
        row.claimed_slots = 0
    return row
