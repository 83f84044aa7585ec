"""Place rows (the area tree, compounds, buildings): planned parent before child and written in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.directory.importing.columns import PLACE_KIND_LABELS, PLACE_KIND_NAMES, TEMPLATES
from baodao.directory.importing.plan import (
    LOOKUP_CHUNK,
    PROGRESS_EVERY,
    RowErrors,
    as_text,
    chunks,
    mark_duplicates,
    places_in_scope,
    required,
    too_long,
)
from baodao.directory.models import Place
from baodao.directory.scope import (
    scope_for,
)
from baodao.directory.services import PLACE_LEVEL, places_bulk_create


@dataclass(slots=True)
class _PlaceRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str
    sort_order: int


def places_plan(
    rows: list[tuple[int, list[Any]]], user: User, errors: RowErrors, tick: Callable[[int], None]
) -> list[_PlaceRow]:
    cols = TEMPLATES["places"]
    h = [c.header for c in cols]
    codes = [str(as_text(v[0])) for _, v in rows]
    taken: set[str] = set()
    for chunk in chunks(sorted(set(codes)), LOOKUP_CHUNK):
        # Any existing code, in scope or not: codes are unique across the whole system.
        taken.update(Place.objects.filter(code__in=chunk).values_list("code", flat=True))
    parents_db = places_in_scope(user, (str(as_text(v[3])) for _, v in rows))
    top_allowed = scope_for(user).superuser

    parsed: dict[int, _PlaceRow] = {}
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, (row, v) in enumerate(rows, start=1):
        if i % PROGRESS_EVERY == 0:
            tick(i)
        code, name, label, parent_code, sort_raw = (as_text(x) for x in v)
        required(v, cols, row, errors)
        if code:
            by_code[code].append(row)
            if not too_long(code, 32, row, h[0], errors) and code in taken:
                errors.add(row, h[0], _("编码「%(code)s」已被使用") % {"code": code})
        if name:
            too_long(name, 100, row, h[1], errors)
        kind = ""
        if label:
            kind = PLACE_KIND_LABELS.get(label.replace("（", "(").replace("）", ")"), "")
            if not kind:
                errors.add(row, h[2], _("类型应为 市、区(县)、街道、社区、小区、网格、楼栋 之一"))
        if not parent_code and not top_allowed:
            errors.add(row, h[3], _("上级编码不能为空（只有系统管理员可以新增最高层级的地点）"))
        sort_order = 0
        if sort_raw != "":
            try:
                sort_order = int(str(sort_raw))
            except ValueError:
                errors.add(row, h[4], _("排序应为整数"))
        parsed[row] = _PlaceRow(row, code, name, kind, parent_code, sort_order)
    mark_duplicates(by_code, h[0], _("编码在文件中重复（与第%(rows)s行相同）"), errors)

    file_rows = {p.code: p for p in parsed.values() if len(by_code.get(p.code, ())) == 1}
    for p in parsed.values():
        if not p.parent_code or not p.kind:
            continue
        parent_kind = None
        if p.parent_code == p.code:
            errors.add(p.row, h[3], _("上级编码不能是本行的编码"))
            continue
        if p.parent_code in parents_db:
            parent_kind = parents_db[p.parent_code].kind
        elif p.parent_code in file_rows:
            parent_kind = file_rows[p.parent_code].kind
        elif p.parent_code not in by_code:
            errors.add(p.row, h[3], _("上级编码「%(code)s」不存在或不在您的管辖范围内") % {"code": p.parent_code})
            continue
        if parent_kind and PLACE_LEVEL[parent_kind] >= PLACE_LEVEL[p.kind]:
            errors.add(
                p.row,
                h[3],
                _("上级「%(code)s」是%(parent)s，不能作为%(kind)s的上级")
                % {"code": p.parent_code, "parent": PLACE_KIND_NAMES[parent_kind], "kind": PLACE_KIND_NAMES[p.kind]},
            )

    # A row whose parent row in the file is rejected cannot be written either (valid-only mode).
    changed = True
    while changed:
        changed = False
        for p in parsed.values():
            if p.row in errors.bad or p.parent_code not in by_code or p.parent_code in parents_db:
                continue
            parent_rows = by_code[p.parent_code]
            if any(r in errors.bad for r in parent_rows):
                errors.add(p.row, h[3], _("上级「%(code)s」所在的行有错误") % {"code": p.parent_code})
                changed = True
    return [p for p in parsed.values() if p.row not in errors.bad]


def places_write(plan: list[_PlaceRow], user: User, tick: Callable[[int], None]) -> int:
    by_code = {p.code: p for p in plan}
    known: dict[str, Place] = places_in_scope(user, (p.parent_code for p in plan if p.parent_code not in by_code))
    pending = list(plan)
    while pending:
        # One level at a time: places_bulk_create needs the parents' paths.
        level = [p for p in pending if not p.parent_code or p.parent_code in known]
        pending = [p for p in pending if p.parent_code and p.parent_code not in known]
        if not level:
            raise RuntimeError("place import plan has rows whose parent is never created")
        objs = [
            Place(
                kind=p.kind,
                code=p.code,
                name=p.name,
                sort_order=p.sort_order,
                parent=known[p.parent_code] if p.parent_code else None,
            )
            for p in level
        ]
        places_bulk_create(objs)
        for o in objs:
            known[o.code] = o
        tick(len(objs))
    return len(plan)
