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
from baodao.core.transitions import apply, apply_many
from baodao.directory.models import Member, Unit, WorkTeam
from baodao.directory.selectors import city_of
from baodao.needs import selectors, signals
from baodao.needs.models import Claim, ContactReveal, Demand, DemandEvent, DemandPhoto
from baodao.needs.transitions import NeedConflict, NeedError, NeedLimit, claims, demands

from .common import S, _event, _photos


def _party_kwargs(party: Member | WorkTeam | Unit) -> dict[str, object]:
    if isinstance(party, Member):
        return {"party": Claim.Party.MEMBER, "member": party}
    if isinstance(party, WorkTeam):
        return {"party": Claim.Party.TEAM, "team": party}
    return {"party": Claim.Party.UNIT, "unit": party}


def _why_not_claimable(demand_id: int, *, dispatch: bool) -> NeedError:
    return _refusal(Demand.objects.get(pk=demand_id), dispatch=dispatch)


def _refusal(row: Demand, *, dispatch: bool) -> NeedError:
    """Why the item, as read in `row`, takes no claim (or dispatch) now."""
    if row.status in (S.DONE, S.CLOSED, S.UNABLE, S.MERGED, S.WITHDRAWN, S.REJECTED):
        return NeedConflict(_("该服务项目%(s)s，不能再认领") % {"s": row.get_status_display()})
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
    # A full or closed item is refused from a plain read of its row, with no lock and no
    # transaction: under a storm of claims the refusals no longer queue behind the row lock. What
    # the read shows was committed, so refusing on it is as exact as refusing a moment later under
    # the lock (a slot freed after the read is one freed after this claim). Nothing is taken on it:
    # a claim that may succeed goes on to the lock and the conditional UPDATE, which decide.
    current = Demand.objects.filter(pk=demand.pk).first()
    if current is not None and (current.status not in t.sources or current.claimed_slots >= current.slots):
        raise _refusal(current, dispatch=dispatched)
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
        # The slot's conditional UPDATE locked the row and checked its state.
        apply(demands, name, row, by=by, changes={"claimed_at": row.claimed_at or now}, note=str(party), locked=True)
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


def _end_claim(claim: Claim, *, name: str, reason: str, by: User | None) -> Claim:
    """End a live claim by transition `name` (withdraw, decline, release), free its slot, and put
    the item back on the list when it was the last."""
    with transaction.atomic():
        demand = Demand.objects.select_for_update().get(pk=claim.demand_id)  # the item's row first
        row = apply(
            claims,
            name,
            claim,
            by=by,
            changes={"reason": reason[:200], "ended_at": timezone.now()},
            note=lambda row: f"{row.party_name}：{reason}" if reason else row.party_name,
        )
        Demand.objects.filter(pk=demand.pk).update(claimed_slots=F("claimed_slots") - 1)
        demand.claimed_slots -= 1
        live = demand.claims.filter(status__in=Claim.LIVE)
        if demand.status in demands["relist"].sources and not live.exists():
            demand = apply(demands, "relist", demand, by=by)
        elif demand.status in (S.CLAIMED, S.DISPATCHED, S.IN_PROGRESS) and not live.exclude(status="done").exists():
            # The others have all finished their shares: the item is done.
            done = {"done_at": timezone.now(), "acceptance": _acceptance_asked(demand)}
            demand = apply(demands, "done", demand, by=by, changes=done)
    return row


def _acceptance_asked(demand: Demand) -> str:
    """What a done item waits for: the resident who asked (on the roster, or by the poster's
    mobile) — or nobody, for a compound's problem with no one to ask."""
    asked = demand.resident_id is not None or bool(demand.contact_mobile)
    return Demand.Acceptance.WAITING if asked else Demand.Acceptance.NOT_ASKED


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
        return _end_claim(claim, name="withdraw", reason=reason.strip(), by=by)


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
    return _end_claim(claim, name="decline", reason=reason.strip(), by=by)


def item_start(*, claim: Claim, by: User) -> Claim:
    """The claimant starts the work (or reports progress): the item is 进行中."""
    with transaction.atomic():
        # The item's row first, then the claim's: the order every step takes (no deadlock).
        demand = Demand.objects.select_for_update().get(pk=claim.demand_id)
        row = apply(claims, "start", claim, by=by, changes={"progress_at": timezone.now()})
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

        def item_open(row: Claim) -> None:
            if demand.status not in demands["done"].sources:
                raise NeedError(demands["done"].refused)

        done = {"done_at": now, "progress_at": now, "done_note": note.strip()[:500]}
        row = apply(claims, "done", claim, by=by, changes=done, check=item_open)
        _photos(demand, photos, stage=DemandPhoto.Stage.DONE, by=by)
        if demand.claims.filter(status__in=(Claim.Status.CLAIMED, Claim.Status.STARTED)).exists():
            _event(demand, DemandEvent.Kind.DONE, by, _("%(p)s完成了认领的部分") % {"p": row.party_name})
        else:
            demand = apply(
                demands,
                "done",
                demand,
                by=by,
                changes={"done_at": now, "acceptance": _acceptance_asked(demand)},
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
        ended = {"reason": reason[:200], "ended_at": timezone.now()}
        apply_many(claims, "end", row.claims.filter(status__in=Claim.LIVE), by=by, changes=lambda c: ended)
        Demand.objects.filter(pk=row.pk).update(claimed_slots=0)
        row.claimed_slots = 0
    return row
