"""Writes of the three lists: a demand submitted, followed, reviewed; a service item claimed or
dispatched, done, closed, accepted, reopened and rated. Every step is one transaction and one
timeline entry; callers asked needs.access first (who may), these functions keep the domain's rules
(states, slots, deadlines).

Claims are exact under contention: the slot is taken by one conditional UPDATE of the item's row
(`claimed_slots < slots` in the WHERE, so the database serialises the writers on the row), and the
claim row itself is kept unique by partial unique constraints (one live claim per member, team or
unit per item; one live claim at all on a single-slot item). There is no read-then-insert.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.images import clean_photo
from baodao.core.rules import get_rule_int
from baodao.core.transitions import apply
from baodao.directory.models import Category, Member, Place, Resident, Unit, WorkTeam
from baodao.directory.services import city_of
from baodao.needs import notices, selectors, signals
from baodao.needs.models import Claim, ContactReveal, Demand, DemandEvent, DemandPhoto, Follower
from baodao.needs.selectors import MERGE_MIN_SIMILARITY, merge_similarity
from baodao.needs.transitions import NeedConflict, NeedError, NeedLimit, demands

__all__ = ["NeedConflict", "NeedError", "NeedLimit"]

S = Demand.Status
MAX_PHOTOS = 6


def _city_of(demand: Demand, memo: dict[int, Place | None] | None = None) -> Place | None:
    """The city whose rules apply to the demand (`memo`: remembered per community within a run)."""
    if memo is None:
        return city_of(demand.community)
    if demand.community_id not in memo:
        memo[demand.community_id] = city_of(demand.community)
    return memo[demand.community_id]


def _event(demand: Demand, kind: str, by: User | None, note: str = "") -> None:
    DemandEvent.objects.create(demand=demand, kind=kind, actor=by, note=note[:300])


def _photos(demand: Demand, photos: Sequence[IO[bytes]], *, stage: str, by: User | None) -> None:
    if len(photos) > MAX_PHOTOS:
        raise NeedError(_("照片最多 %(n)s 张") % {"n": MAX_PHOTOS})
    try:
        cleaned = [clean_photo(p, name=_("第 %(i)s 张照片") % {"i": i}) for i, p in enumerate(photos, 1)]
    except ValidationError as exc:
        raise NeedError(exc.messages) from exc
    for content in cleaned:
        DemandPhoto.objects.create(demand=demand, stage=stage, image=content, uploaded_by=by)


# --- the demand list ------------------------------------------------------------------------------


def demand_submit(
    *,
    by: User | None,
    community: Place,
    place: Place,
    category: Category,
    title: str,
    description: str = "",
    kind: str = Demand.Kind.WISH,
    channel: str = Demand.Channel.RESIDENT,
    governance: str = "",
    preferred_time: str = "",
    show_name: bool = False,
    resident: Resident | None = None,
    contact_name: str = "",
    contact_mobile: str = "",
    photos: Sequence[IO[bytes]] = (),
) -> Demand:
    """A new demand, waiting for review (待审核). The place must lie in the community; a resident's
    demand is about the resident's own community; a poster submission carries a name and mobile
    and gets a follow link."""
    if place.pk != community.pk and not place.path.startswith(community.path):
        raise NeedError(_("所选小区/楼栋不在本社区"))
    if resident is not None and not resident.residence.path.startswith(community.path):
        raise NeedError(_("只能向自己居住的社区提出需求"))
    if category.kind != Category.Kind.INTENTION or not category.is_active:
        raise NeedError(_("请选择有效的需求类别"))
    title = title.strip()
    if not title:
        raise NeedError(_("请填写需求"))
    token = secrets.token_urlsafe(32) if resident is None and contact_mobile else ""
    with transaction.atomic():
        demand = Demand.objects.create(
            community=community,
            place=place,
            category=category,
            title=title,
            description=description.strip(),
            kind=kind,
            channel=channel,
            governance=governance,
            preferred_time=preferred_time.strip(),
            show_name=show_name,
            resident=resident,
            contact_name=contact_name.strip(),
            contact_mobile=contact_mobile.strip(),
            follow_token=token,
            created_by=by,
        )
        _photos(demand, photos, stage=DemandPhoto.Stage.DEMAND, by=by)
        _event(demand, DemandEvent.Kind.SUBMITTED, by, demand.get_channel_display())
        signals.demand_created.send(sender=Demand, demand=demand)
        transaction.on_commit(lambda: notices.demand_submitted(demand, by), robust=True)
    return demand


def demand_follow(*, demand: Demand, by: User) -> bool:
    """我也需要: the user follows the demand (counted once). False when already following."""
    with transaction.atomic():
        row = Demand.objects.select_for_update().get(pk=demand.pk)
        if row.status not in Demand.FOLLOWABLE:
            raise NeedError(_("该需求已办结或已关闭，不能再关注"))
        if by in notices.resident_users(row) or (row.resident_id is None and row.created_by_id == by.pk):
            raise NeedError(_("这是您自己提出的需求"))
        try:
            with transaction.atomic():
                Follower.objects.create(demand=row, user=by)
        except IntegrityError:
            return False
        Demand.objects.filter(pk=row.pk).update(follower_count=F("follower_count") + 1)
        _event(row, DemandEvent.Kind.FOLLOWED, by)
    return True


def demand_accept(*, demand: Demand, by: User, size: str, slots: int, category: Category | None = None) -> Demand:
    """Review: accept and publish on the service list with its size and slots — in the category
    the reviewer chose, when it differs from the resident's (the change is on the timeline)."""
    if size not in Demand.Size.values:
        raise NeedError(_("请选择办理规模"))
    if not 1 <= slots <= 999:
        raise NeedError(_("认领名额应在 1 到 999 之间"))
    with transaction.atomic():
        if category is not None and category.pk != demand.category_id:
            demand = demand_recategorize(demand=demand, category=category, by=by)
        row = apply(
            demands, "accept", demand, by=by, changes={"size": size, "slots": slots, "published_at": timezone.now()}
        )
    return row


def demand_recategorize(*, demand: Demand, category: Category, by: User) -> Demand:
    """Put an open demand in another category (a resident often picks the nearest one): the
    timeline keeps what it was and who changed it."""
    if category.kind != Category.Kind.INTENTION or not category.is_active:
        raise NeedError(_("请选择有效的需求类别"))
    with transaction.atomic():
        row = Demand.objects.select_for_update().select_related("category").get(pk=demand.pk)
        if row.status not in Demand.FOLLOWABLE:
            raise NeedError(_("该需求已%(s)s，不能再修改类别") % {"s": row.get_status_display()})
        if row.category_id == category.pk:
            raise NeedError(_("类别没有变化：仍是“%(c)s”") % {"c": category.name})
        before = row.category.name
        row.category = category
        row.save(update_fields=["category"])
        _event(row, DemandEvent.Kind.RECATEGORIZED, by, f"{before} → {category.name}")
    return row


def demand_reject(*, demand: Demand, by: User, reason: str) -> Demand:
    reason = reason.strip()
    if not reason:
        raise NeedError(_("请填写不予受理的原因，居民会看到它"))
    row = apply(demands, "reject", demand, by=by, changes={"reason": reason[:200]}, note=reason)
    return row


def demand_merge(*, demand: Demand, into: Demand, by: User) -> Demand:
    """Merge a duplicate into another open demand of the same community: its resident and its
    followers follow the other one (counted), and the timeline says so on both."""
    if into.pk == demand.pk:
        raise NeedError(_("不能合并到自身"))
    if into.community_id != demand.community_id:
        raise NeedError(_("只能合并到同一社区的需求"))
    score = merge_similarity(demand, into)
    if score < MERGE_MIN_SIMILARITY:
        # Merging tells the resident "the same as that one": only for needs that read alike.
        raise NeedError(
            _("这两条需求内容不够相似（相似度 %(s)s，需达到 %(m)s），不能合并；请分别审核办理")
            % {"s": f"{score:.2f}", "m": f"{MERGE_MIN_SIMILARITY:.2f}"}
        )
    with transaction.atomic():
        target = Demand.objects.select_for_update().get(pk=into.pk)
        if target.status not in Demand.FOLLOWABLE:
            raise NeedError(_("目标需求已办结或已关闭，不能合并到它"))
        row = apply(
            demands,
            "merge",
            demand,
            by=by,
            changes={"merged_into": target, "reason": _("与「%(t)s」合并办理") % {"t": target.title}},
            note=f"→ #{target.pk} {target.title}",
        )
        users = [f.user_id for f in Follower.objects.filter(demand=row)]
        users += [u.pk for u in notices.resident_users(row)]
        asker = {u.pk for u in notices.resident_users(target)}
        users = [u for u in users if u not in asker]
        existing = set(Follower.objects.filter(demand=target).values_list("user_id", flat=True))
        new = [u for u in dict.fromkeys(users) if u not in existing]
        Follower.objects.bulk_create([Follower(demand=target, user_id=u) for u in new])
        added = len(new) + (1 if row.resident is None and row.contact_mobile else 0)
        Demand.objects.filter(pk=target.pk).update(follower_count=F("follower_count") + added)
        _event(target, DemandEvent.Kind.MERGED_IN, by, f"← #{row.pk} {row.title}")
    return row


def demand_withdraw(*, demand: Demand, by: User | None) -> Demand:
    row = apply(demands, "withdraw", demand, by=by)
    return row


# --- claims ---------------------------------------------------------------------------------------


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
    aid_items: str = "",
    aid_money: Decimal = Decimal(0),
    photos: Sequence[IO[bytes]] = (),
) -> Claim:
    """The claimant (or dispatched party) reports its share done; when every live share is done
    the item waits for the resident's acceptance (已完成待验收)."""
    if not note.strip():
        raise NeedError(_("请填写完成情况"))
    if aid_money < 0:
        raise NeedError(_("帮扶金额不能为负数"))
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
        row.aid_items = aid_items.strip()[:200]
        row.aid_money = aid_money
        row.save(update_fields=["status", "done_at", "progress_at", "done_note", "aid_items", "aid_money"])
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


# --- the resident's answer ------------------------------------------------------------------------


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


# --- what time does -------------------------------------------------------------------------------


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
