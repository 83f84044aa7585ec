"""What the writes of the three lists share: the city whose rules apply, the timeline entry, the
photos of a demand or of the work done."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.images import clean_photo
from baodao.directory.models import Place
from baodao.directory.selectors import city_of
from baodao.needs.models import Demand, DemandEvent, DemandPhoto
from baodao.needs.transitions import NeedError

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
