"""Service logged against a claim of the three lists, typed once: the holder of a claim (the member,
a work team's leader, a unit's secretary) logs the hours and the aid of the work; the record is made
from the claim — its item, community and place, the member or (for a team's or a unit's claim) the
unit — and points at it. When the holder wants, the claim's share is reported done in the same
step: one transaction, both or neither, and the record's content is the done note."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.images import MAX_PHOTO_BYTES
from baodao.directory.models import Category, Place
from baodao.needs import services as needs_services
from baodao.needs.models import Claim, Demand
from baodao.records.models import Record
from baodao.records.transitions import RecordConflict

from .common import Aid
from .logged import record_log, record_log_unit


def donor_of(claim: Claim) -> str:
    """Who gave the aid of a claim's work unless said otherwise: the member, or the unit."""
    return Record.Donor.MEMBER if claim.member_id else Record.Donor.UNIT


def _copies(photos: Sequence[IO[bytes]]) -> tuple[list[IO[bytes]], list[IO[bytes]]]:
    """Each upload read once, for the record and for the item's done photos."""
    data = [p.read(MAX_PHOTO_BYTES + 1) for p in photos]
    return [io.BytesIO(d) for d in data], [io.BytesIO(d) for d in data]


def claim_log(
    *,
    claim: Claim,
    by: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    content: str,
    place: Place | None = None,
    address: str = "",
    beneficiary: str = "",
    kind: Category | None = None,
    aid: Aid | None = None,
    photos: Sequence[IO[bytes]] = (),
    done: bool = False,
    note: str = "",
    now: dt.datetime | None = None,
) -> Record:
    """The service done for `claim`, pending until the community confirms it; with `done`, the
    claim's share is reported done too (needs.services.item_done, with `note` — else `content` —
    as its note and the photos as its done photos). Callers asked records.access who may (the claim's holder).

    Exact under contention: `done` takes the item's row and then the claim's under lock and is
    refused (409) once the share is done, so two submissions at once make one record; a log alone
    locks them the same way and is refused once the claim has ended (withdrawn, released…)."""
    aid = aid or Aid()
    if (aid.count or aid.money or aid.items.strip()) and not aid.donor_kind:
        aid.donor_kind = donor_of(claim)
    mine, theirs = _copies(photos) if done else (list(photos), [])
    with transaction.atomic():
        if done:
            needs_services.item_done(claim=claim, by=by, note=note.strip() or content, photos=theirs)
        else:
            # The item's row first, then the claim's: the order every step of a claim takes.
            Demand.objects.select_for_update().filter(pk=claim.demand_id).first()
            row = Claim.objects.select_for_update().get(pk=claim.pk)
            if row.status not in Claim.LIVE:
                raise RecordConflict(_("该认领已%(s)s，不能再登记服务纪实") % {"s": row.get_status_display()})
        demand = Demand.objects.select_related("community").get(pk=claim.demand_id)
        if claim.member_id is not None:
            return record_log(
                member=claim.member,  # type: ignore[arg-type]
                community=demand.community,
                starts_at=starts_at,
                ends_at=ends_at,
                content=content,
                by=by,
                place=place,
                address=address,
                beneficiary=beneficiary,
                kind=kind,
                demand=demand,
                claim=claim,
                photos=mine,
                now=now,
                aid=aid,
            )
        unit = claim.unit if claim.unit_id is not None else claim.team.unit  # type: ignore[union-attr]
        return record_log_unit(
            unit=unit,  # type: ignore[arg-type]
            community=demand.community,
            starts_at=starts_at,
            ends_at=ends_at,
            content=content,
            by=by,
            kind=kind,
            now=now,
            place=place,
            address=address,
            beneficiary=beneficiary,
            claim=claim,
            aid=aid,
            photos=mine,
        )
