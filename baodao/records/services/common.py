"""Pieces every part of the service record shares: aid given during a service, photo checks,
minutes and times as people read them."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from baodao.core.images import MAX_PHOTO_BYTES, clean_photo
from baodao.records import dates
from baodao.records.models import (
    Commitment,
    Record,
    RecordPhoto,
)
from baodao.records.transitions import RecordError

MAX_PHOTOS = 6


MAX_MINUTES = 24 * 60


# Flags that come from how the record was made, not from its times: an edit keeps them.
STICKY_FLAGS = ("photo_reused", "outside_activity", "no_checkout")


@dataclass
class Aid:
    """Aid given during a service: what and how many, money in yuan, and who gave it."""

    items: str = ""
    count: int = 0
    money: Decimal = Decimal(0)
    donor_kind: str = ""
    donor_name: str = ""

    def check(self) -> None:
        if self.count < 0 or self.money < 0:
            raise RecordError(_("帮扶物资件数和资金不能为负数"))
        if self.money > Decimal("10000000"):
            raise RecordError(_("帮扶资金数额过大，请核对"))
        if self.donor_kind and self.donor_kind not in Record.Donor.values:
            raise RecordError(_("请选择捐助方类型"))
        if (self.count or self.money) and not self.donor_kind:
            raise RecordError(_("登记帮扶物资或资金时请选择捐助方"))


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def _local(value: dt.datetime) -> str:
    return dates.when(value)  # with the year when it is not this year's


def _photos(record: Record, photos: Sequence[IO[bytes]]) -> list[str]:
    """Store the photos re-encoded; return the hashes of the bytes as uploaded. Every photo is
    checked before any is stored: a refused one leaves no file behind (a rollback keeps no row,
    but a file written is not rolled back)."""
    if len(photos) > MAX_PHOTOS:
        raise RecordError(_("照片最多 %(n)s 张") % {"n": MAX_PHOTOS})
    checked = []
    for i, upload in enumerate(photos, 1):
        data = upload.read(MAX_PHOTO_BYTES + 1)
        try:
            clean = clean_photo(io.BytesIO(data), name=_("第 %(i)s 张照片") % {"i": i})
        except ValidationError as exc:
            raise RecordError(exc.messages) from exc
        checked.append((clean, hashlib.sha256(data).hexdigest()))
    for clean, digest in checked:
        RecordPhoto.objects.create(record=record, image=clean, sha256=digest)
    return [digest for _clean, digest in checked]


def _within(text: str, field: str, what: str) -> str:
    """`text` stripped, refused (never cut) when longer than the model's field allows."""
    limit = getattr(Commitment._meta.get_field(field), "max_length", None) or 0
    text = text.strip()
    if len(text) > limit:
        raise RecordError(
            _("%(w)s不能超过 %(n)s 字（现有 %(m)s 字），请精简后再提交") % {"w": what, "n": limit, "m": len(text)}
        )
    return text
