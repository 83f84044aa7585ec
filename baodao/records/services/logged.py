"""Service logged by a member (or for a unit) and its confirmation by the community: confirmed,
returned, mended and sent again.

Counting: a confirmed record is counted (records.signals.record_counted, +1), a confirmed record
returned or edited is uncounted first (-1) — in the same transaction, so stats' counters move
exactly when the change commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.transitions import apply
from baodao.directory.models import Category, Member, Place, Unit
from baodao.needs.models import Claim, Demand
from baodao.records import dates, selectors, signals
from baodao.records.models import (
    Pairing,
    Record,
    RecordEvent,
)
from baodao.records.transitions import RecordConflict, RecordError
from baodao.records.transitions import records as record_flow

from .common import MAX_MINUTES, STICKY_FLAGS, Aid, _minutes, _photos
from .counting import _check_attended_span, _served, _set_counting
from .flags import _flag_neighbours, flags_for


def record_log(
    *,
    member: Member,
    community: Place,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    content: str,
    by: User,
    place: Place | None = None,
    address: str = "",
    beneficiary: str = "",
    kind: Category | None = None,
    demand: Demand | None = None,
    photos: Sequence[IO[bytes]] = (),
    now: dt.datetime | None = None,
    pairing: Pairing | None = None,
    aid: Aid | None = None,
    claim: Claim | None = None,
) -> Record:
    """A member logs service done outside an activity (a claimed item — `claim`, the claim it was
    done under —, a visit to a paired household, a 三长 duty), with the aid given if any. Pending
    until the community confirms it; flagged, never blocked."""
    now = now or timezone.now()
    aid = aid or Aid()
    aid.check()
    if pairing is not None and (pairing.member_id != member.pk or pairing.ended_on is not None):
        raise RecordError(_("只能登记本人正在进行的结对帮扶走访"))
    if not content.strip():
        raise RecordError(_("请填写服务内容"))
    if ends_at <= starts_at:
        raise RecordError(_("结束时间必须晚于开始时间"))
    if ends_at > now + dt.timedelta(minutes=5):
        raise RecordError(_("不能登记尚未发生的服务"))
    if _minutes(starts_at, ends_at) > MAX_MINUTES:
        raise RecordError(_("一条纪实不超过 24 小时；多日服务请分天登记"))
    if place is not None and not place.path.startswith(community.path):
        raise RecordError(_("服务地点不在该社区内"))
    if demand is not None and demand.community_id != community.pk:
        raise RecordError(_("关联的服务项目不属于该社区"))
    if claim is not None and claim.demand_id != getattr(demand, "pk", None):
        raise RecordError(_("关联的认领不属于该服务项目"))
    with transaction.atomic():
        record = Record(
            member=member,
            unit_id=member.unit_id,
            community=community,
            place=place,
            address=address.strip()[:100],
            kind=kind,
            demand=demand,
            claim=claim,
            starts_at=starts_at,
            ends_at=ends_at,
            minutes=_minutes(starts_at, ends_at),
            content=content.strip(),
            beneficiary=beneficiary.strip()[:200],
            source=Record.Source.LOGGED,
            logged_by=by,
            pairing=pairing,
            aid_items=aid.items.strip()[:200],
            aid_count=aid.count,
            aid_money=aid.money,
            donor_kind=aid.donor_kind,
            donor_name=aid.donor_name.strip()[:100],
        )
        record.save()
        hashes = _photos(record, photos)
        record.flags = flags_for(record, photo_hashes=hashes, now=now)
        record.save(update_fields=["flags"])
        _flag_neighbours(record)
        RecordEvent.objects.create(record=record, kind=RecordEvent.Kind.LOGGED, actor=by)
    return record


def own_record(record: Record, by: User) -> bool:
    """A confirmer may not confirm a record they logged or one of themselves."""
    return selectors.is_own_record(record, by)


def _pending_row(record: Record, by: User, *, refused_own: str) -> Record:
    """Lock the record's row and refuse the decision of whoever logged it or is its member."""
    row = Record.objects.select_for_update().get(pk=record.pk)
    if own_record(row, by):
        raise RecordError(refused_own)
    return row


def record_confirm(*, record: Record, by: User, now: dt.datetime | None = None) -> Record:
    """确认: the record counts from now (records.transitions counts it and tells its owner)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _pending_row(record, by, refused_own=_("不能确认自己登记或自己的纪实"))
        if row.status != Record.Status.PENDING:
            raise RecordConflict(_("该纪实%(s)s") % {"s": row.get_status_display()})
        return apply(
            record_flow, "confirm", row, by=by, changes={"decided_by": by, "decided_at": now, "return_reason": ""}
        )


def records_confirm(*, records: Iterable[Record], by: User) -> tuple[list[Record], list[tuple[Record, str]]]:
    """Batch confirmation: each record in its own transaction; the refused ones are named."""
    done: list[Record] = []
    refused: list[tuple[Record, str]] = []
    for record in records:
        try:
            done.append(record_confirm(record=record, by=by))
        except RecordError as exc:
            refused.append((record, "；".join(exc.messages)))
    return done, refused


def record_return(*, record: Record, by: User, reason: str, now: dt.datetime | None = None) -> Record:
    """退回 with a reason the owner reads (and is told of, with a link to mend it); a confirmed
    record returned stops counting."""
    reason = reason.strip()
    if not reason:
        raise RecordError(_("请填写退回原因"))
    now = now or timezone.now()
    with transaction.atomic():
        row = _pending_row(record, by, refused_own=_("不能处理自己登记或自己的纪实"))
        if row.status == Record.Status.RETURNED:
            raise RecordConflict(_("该纪实已退回"))
        return apply(
            record_flow,
            "return",
            row,
            by=by,
            changes={"decided_by": by, "decided_at": now, "return_reason": reason[:200]},
            note=reason[:300],
        )


def _version_of(row: Record) -> dict[str, object]:
    """A version of the record as it was, kept in the timeline event of the correction that replaced it."""
    s, e = timezone.localtime(row.starts_at), timezone.localtime(row.ends_at)
    return {
        "version": row.version,
        "when": f"{s:%Y-%m-%d %H:%M}—{e:%H:%M}" if s.date() == e.date() else f"{s:%Y-%m-%d %H:%M}—{e:%Y-%m-%d %H:%M}",
        "starts_at": s.isoformat(),
        "ends_at": e.isoformat(),
        "minutes": row.minutes,
        "content": row.content,
        "beneficiary": row.beneficiary,
        "address": row.address,
        "place": str(row.place) if row.place_id else "",
        "kind": str(row.kind) if row.kind_id else "",
        "status": row.status,
        "return_reason": row.return_reason,
        "counts_as_activity": row.counts_as_activity,
        "flags": row.flags,
    }


_UNCHANGED = object()


def record_edit(
    *,
    record: Record,
    by: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    content: str,
    beneficiary: str = "",
    place: Place | None | object = _UNCHANGED,
    address: str | None = None,
    kind: Category | None | object = _UNCHANGED,
    now: dt.datetime | None = None,
) -> Record:
    """Correct a record: a new version, the one it replaces kept in the timeline event. A returned
    record corrected goes back to pending (the `resubmit` transition: the community's staff hear of
    it); a pending or confirmed one (corrected by staff) keeps its status, and a confirmed one's
    counts move by the difference. Callers asked records.access who may (a member mends only what
    the member logged)."""
    now = now or timezone.now()
    if ends_at <= starts_at:
        raise RecordError({"ends_at": [_("结束时间必须晚于开始时间")]})
    if ends_at > now + dt.timedelta(minutes=5):
        raise RecordError({"ends_at": [_("结束时间晚于现在：不能登记尚未发生的服务")]})
    if _minutes(starts_at, ends_at) > MAX_MINUTES:
        raise RecordError({"ends_at": [_("一条纪实不超过 24 小时；多日服务请分天登记")]})
    if not content.strip():
        raise RecordError({"content": [_("请填写服务内容")]})
    with transaction.atomic():
        row = Record.objects.select_for_update(of=("self",)).select_related("activity", "community").get(pk=record.pk)
        if isinstance(place, Place) and not place.path.startswith(row.community.path):
            raise RecordError({"place": [_("服务地点不在该社区内")]})
        if row.activity_id:
            _check_attended_span(row.activity, starts_at, ends_at, ("starts_at", "ends_at"))  # type: ignore[arg-type]
        previous = _version_of(row)
        was = dates.span(row.starts_at, row.ends_at)
        counted = row.status == Record.Status.CONFIRMED
        if counted:
            signals.record_counted.send(sender=Record, record=row, sign=-1)
        row.starts_at, row.ends_at = starts_at, ends_at
        if row.activity_id:
            _s, _e, minutes = _served(row.activity, starts_at, ends_at)  # type: ignore[arg-type]
            row.minutes = minutes
        else:
            row.minutes = _minutes(starts_at, ends_at)
        row.content = content.strip()
        row.beneficiary = beneficiary.strip()[:200]
        if place is not _UNCHANGED:
            row.place = place  # type: ignore[assignment]
        if address is not None:
            row.address = address.strip()[:100]
        if kind is not _UNCHANGED:
            row.kind = kind  # type: ignore[assignment]
        row.version += 1
        kept = [f for f in row.flags if f.get("code") in STICKY_FLAGS]
        row.flags = flags_for(row, extra=kept, now=now)
        _set_counting(row)
        row.save()
        note = _("第 %(v)s 版：%(o)s → %(n)s") % {
            "v": row.version,
            "o": was,
            "n": dates.span(row.starts_at, row.ends_at),
        }
        if row.status == Record.Status.RETURNED:
            # The version replaced goes into the resubmission's timeline event (transitions._event
            # reads it from the row the transition locked).
            return apply(
                record_flow,
                "resubmit",
                row,
                by=by,
                note=note,
                check=lambda locked: setattr(locked, "_previous_version", previous),
            )
        RecordEvent.objects.create(record=row, kind=RecordEvent.Kind.EDITED, actor=by, note=note, previous=previous)
        if counted:
            signals.record_counted.send(sender=Record, record=row, sign=1)
    return row


def record_log_unit(
    *,
    unit: Unit,
    community: Place,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    content: str,
    by: User,
    kind: Category | None = None,
    now: dt.datetime | None = None,
    place: Place | None = None,
    address: str = "",
    beneficiary: str = "",
    claim: Claim | None = None,
    aid: Aid | None = None,
    photos: Sequence[IO[bytes]] = (),
) -> Record:
    """A unit's own record (its 实事 — `claim`, the unit's or its work team's claim it was done
    under —, a party lecture, a theme party day), with the aid given if any: pending until the
    community confirms it, as every record."""
    now = now or timezone.now()
    aid = aid or Aid()
    aid.check()
    if not content.strip():
        raise RecordError(_("请填写服务内容"))
    if ends_at <= starts_at:
        raise RecordError(_("结束时间必须晚于开始时间"))
    if ends_at > now + dt.timedelta(minutes=5):
        raise RecordError(_("不能登记尚未发生的服务"))
    if place is not None and not place.path.startswith(community.path):
        raise RecordError(_("服务地点不在该社区内"))
    if claim is not None and claim.demand.community_id != community.pk:
        raise RecordError(_("关联的服务项目不属于该社区"))
    with transaction.atomic():
        record = Record.objects.create(
            unit=unit,
            community=community,
            place=place,
            address=address.strip()[:100],
            kind=kind,
            demand_id=claim.demand_id if claim is not None else None,
            claim=claim,
            starts_at=starts_at,
            ends_at=ends_at,
            minutes=_minutes(starts_at, ends_at),
            content=content.strip(),
            beneficiary=beneficiary.strip()[:200],
            source=Record.Source.LOGGED,
            logged_by=by,
            aid_items=aid.items.strip()[:200],
            aid_count=aid.count,
            aid_money=aid.money,
            donor_kind=aid.donor_kind,
            donor_name=aid.donor_name.strip()[:100],
        )
        _photos(record, photos)
        RecordEvent.objects.create(record=record, kind=RecordEvent.Kind.LOGGED, actor=by)
    return record
