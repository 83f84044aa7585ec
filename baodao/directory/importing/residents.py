"""Resident rows: planned and written in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core import crypto
from baodao.core.validators import (
    mobile_error,
)
from baodao.directory.importing.columns import PLACE_KIND_NAMES, RESIDENCE_KINDS, TEMPLATES
from baodao.directory.importing.plan import (
    BATCH,
    LOOKUP_CHUNK,
    PROGRESS_EVERY,
    RowErrors,
    as_text,
    category_ids,
    category_map,
    chunks,
    mark_duplicates,
    places_in_scope,
    required,
    too_long,
)
from baodao.directory.models import Category, Resident
from baodao.directory.scope import (
    residents_for_user,
)


@dataclass(slots=True)
class _ResidentRow:
    row: int
    name: str
    mobile: str
    residence_id: int
    address: str
    groups: list[int]


def residents_plan(
    rows: list[tuple[int, list[Any]]], user: User, errors: RowErrors, tick: Callable[[int], None]
) -> list[_ResidentRow]:
    cols = TEMPLATES["residents"]
    h = [c.header for c in cols]
    places = places_in_scope(user, (str(as_text(v[2])) for _, v in rows))
    groups = category_map(Category.Kind.SPECIAL_GROUP)
    group_label = _("特殊群体")
    plan: list[_ResidentRow] = []
    # A resident has no unique key; with a mobile, the same name and mobile twice is a duplicate.
    by_person: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (row, v) in enumerate(rows, start=1):
        if i % PROGRESS_EVERY == 0:
            tick(i)
        name, mobile, pcode, addr, group_names = (as_text(x) for x in v)
        required(v, cols, row, errors)
        if name:
            too_long(name, 50, row, h[0], errors)
        if mobile:
            if err := mobile_error(mobile):
                errors.add(row, h[1], err)
            elif name:
                by_person[(name, crypto.lookup_hash(mobile))].append(row)
        place_id = 0
        if pcode:
            place = places.get(pcode)
            if place is None:
                errors.add(row, h[2], _("居住地编码「%(code)s」不存在或不在您的管辖范围内") % {"code": pcode})
            elif place.kind not in RESIDENCE_KINDS:
                errors.add(
                    row,
                    h[2],
                    _("居住地「%(code)s」是%(kind)s，应为小区、网格或楼栋")
                    % {"code": pcode, "kind": PLACE_KIND_NAMES[place.kind]},
                )
            else:
                place_id = place.pk
        group_ids = category_ids(group_names, groups, row, h[4], group_label, errors)
        if row not in errors.bad:
            plan.append(_ResidentRow(row, name, mobile, place_id, addr, group_ids))
    mark_duplicates(by_person, h[1], _("姓名和手机号在文件中重复（与第%(rows)s行相同）"), errors)
    hashes = sorted({k[1] for k in by_person})
    existing: set[tuple[str, str]] = set()
    for chunk in chunks(hashes, LOOKUP_CHUNK):
        # Within the user's scope only: no unique key forces a wider look, so none is taken.
        existing.update(residents_for_user(user).filter(mobile_hash__in=chunk).values_list("name", "mobile_hash"))
    for key in existing & set(by_person):
        for r in by_person[key]:
            errors.add(r, h[1], _("该居民（姓名和手机号相同）已登记"))
    return [p for p in plan if p.row not in errors.bad]


def residents_write(plan: list[_ResidentRow], tick: Callable[[int], None]) -> int:
    link = Resident.special_groups.through
    for batch in chunks(plan, BATCH):
        objs = [
            Resident(
                name=p.name,
                mobile=p.mobile,
                mobile_hash=crypto.lookup_hash(p.mobile),
                residence_id=p.residence_id,
                address_detail=p.address,
            )
            for p in batch
        ]
        Resident.objects.bulk_create(objs, batch_size=BATCH)
        link.objects.bulk_create(
            [link(resident_id=o.pk, category_id=c) for o, p in zip(objs, batch, strict=True) for c in p.groups],
            batch_size=BATCH,
        )
        tick(len(batch))
    return len(plan)
