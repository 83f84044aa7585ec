"""The demand list: a demand submitted, followed, reviewed (accepted, put in another category,
rejected, merged) or withdrawn."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import apply
from baodao.directory.models import Category, Place, Resident
from baodao.needs import notices, signals
from baodao.needs.models import Demand, DemandEvent, DemandPhoto, Follower
from baodao.needs.selectors import MERGE_MIN_SIMILARITY, merge_similarity
from baodao.needs.transitions import NeedError, demands

from .common import _event, _photos


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
            raise NeedError(_("该需求%(s)s，不能再修改类别") % {"s": row.get_status_display()})
        if row.category_id == category.pk:
            raise NeedError(_("类别没有变化：仍是“%(c)s”") % {"c": category.name})
        before, old_id = row.category.name, row.category_id
        row.category = category
        row.save(update_fields=["category"])
        _event(row, DemandEvent.Kind.RECATEGORIZED, by, f"{before} → {category.name}")
        signals.demand_recategorized.send(sender=Demand, demand=row, old_category_id=old_id)
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
