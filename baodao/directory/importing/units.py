"""Unit rows with their party organizations: planned and written in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.directory.importing.columns import ORG_KIND_LABELS, ORG_KIND_NAMES, TEMPLATES, UNIT_KIND_LABELS, YES_NO
from baodao.directory.importing.plan import (
    BATCH,
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
from baodao.directory.models import PartyOrg, Unit
from baodao.directory.services import party_org_nesting_ok


@dataclass(slots=True)
class _OrgRow:
    row: int
    unit_code: str
    unit_name: str
    unit_kind: str
    office_code: str
    local: bool
    org_name: str
    org_kind: str
    parent_name: str


def units_plan(
    rows: list[tuple[int, list[Any]]], user: User, errors: RowErrors, tick: Callable[[int], None]
) -> list[_OrgRow]:
    cols = TEMPLATES["units"]
    h = [c.header for c in cols]
    codes = sorted({str(as_text(v[0])) for _, v in rows if v[0] != ""})
    taken: set[str] = set()
    for chunk in chunks(codes, LOOKUP_CHUNK):
        taken.update(Unit.objects.filter(code__in=chunk).values_list("code", flat=True))
    offices = places_in_scope(user, (str(as_text(v[3])) for _, v in rows))

    parsed: list[_OrgRow] = []
    first_of_unit: dict[str, _OrgRow] = {}
    by_org: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (row, v) in enumerate(rows, start=1):
        if i % PROGRESS_EVERY == 0:
            tick(i)
        ucode, uname, ukind_label, ocode, local_label, oname, okind_label, parent_name = (as_text(x) for x in v)
        required(v, cols, row, errors)
        if ucode and not too_long(ucode, 32, row, h[0], errors) and ucode in taken:
            errors.add(row, h[0], _("单位编码「%(code)s」已存在（导入只新增单位）") % {"code": ucode})
        if uname:
            too_long(uname, 100, row, h[1], errors)
        ukind = UNIT_KIND_LABELS.get(ukind_label, "")
        if ukind_label and not ukind:
            errors.add(row, h[2], _("单位类型应为 机关、事业单位、国有企业、非公企业、社会组织 之一"))
        if ocode:
            office = offices.get(ocode)
            if office is None:
                errors.add(row, h[3], _("办公地点编码「%(code)s」不存在或不在您的管辖范围内") % {"code": ocode})
        local = YES_NO.get(local_label)
        if local is None:
            errors.add(row, h[4], _("应填“是”或“否”"))
            local = True
        if oname:
            too_long(oname, 100, row, h[5], errors)
        okind = ORG_KIND_LABELS.get(okind_label, "")
        if okind_label and not okind:
            errors.add(row, h[6], _("党组织类型应为 党委、党总支、党支部 之一"))
        item = _OrgRow(row, ucode, uname, ukind, ocode, local, oname, okind, parent_name)
        parsed.append(item)
        if ucode:
            first = first_of_unit.setdefault(ucode, item)
            if first is not item and (first.unit_name, first.unit_kind, first.office_code, first.local) != (
                uname,
                ukind,
                ocode,
                local,
            ):
                errors.add(row, h[0], _("同一单位编码的单位信息与第%(row)s行不一致") % {"row": first.row})
            if oname:
                by_org[(ucode, oname)].append(row)
    mark_duplicates(by_org, h[5], _("同一单位内党组织名称重复（与第%(rows)s行相同）"), errors)

    orgs = {(p.unit_code, p.org_name): p for p in parsed if len(by_org.get((p.unit_code, p.org_name), ())) == 1}
    for p in parsed:
        if not p.parent_name or not p.unit_code:
            continue
        parent = orgs.get((p.unit_code, p.parent_name))
        if parent is None or parent is p:
            errors.add(p.row, h[7], _("上级党组织「%(name)s」不是本文件中同一单位的另一行") % {"name": p.parent_name})
        elif parent.org_kind and p.org_kind and not party_org_nesting_ok(parent.org_kind, p.org_kind):
            errors.add(
                p.row,
                h[7],
                _("%(parent)s不能作为%(kind)s的上级")
                % {"parent": ORG_KIND_NAMES[parent.org_kind], "kind": ORG_KIND_NAMES[p.org_kind]},
            )
    # Committees may nest, so a loop is possible: walk up from each row.
    for p in parsed:
        seen = {p.row}
        cur = p
        while cur.parent_name and (up := orgs.get((cur.unit_code, cur.parent_name))) is not None and up is not cur:
            if up.row in seen:
                errors.add(p.row, h[7], _("上级党组织形成循环"))
                break
            seen.add(up.row)
            cur = up
    # In valid-only mode, an org whose parent row is rejected is rejected too.
    changed = True
    while changed:
        changed = False
        for p in parsed:
            if p.row in errors.bad or not p.parent_name:
                continue
            parent = orgs.get((p.unit_code, p.parent_name))
            if parent is not None and parent.row in errors.bad:
                errors.add(p.row, h[7], _("上级党组织「%(name)s」所在的行有错误") % {"name": p.parent_name})
                changed = True
    return [p for p in parsed if p.row not in errors.bad]


def units_write(plan: list[_OrgRow], user: User, tick: Callable[[int], None]) -> int:
    offices = places_in_scope(user, {p.office_code for p in plan})
    units: dict[str, Unit] = {}
    for p in plan:
        if p.unit_code not in units:
            units[p.unit_code] = Unit(
                code=p.unit_code,
                name=p.unit_name,
                kind=p.unit_kind,
                office_place=offices[p.office_code],
                party_relation_local=p.local,
            )
    Unit.objects.bulk_create(list(units.values()), batch_size=BATCH)
    made: dict[tuple[str, str], PartyOrg] = {}
    pending = list(plan)
    while pending:
        level = [p for p in pending if not p.parent_name or (p.unit_code, p.parent_name) in made]
        pending = [p for p in pending if p.parent_name and (p.unit_code, p.parent_name) not in made]
        if not level:
            raise RuntimeError("unit import plan has party orgs whose parent is never created")
        objs = [
            PartyOrg(
                unit=units[p.unit_code],
                kind=p.org_kind,
                name=p.org_name,
                parent=made[(p.unit_code, p.parent_name)] if p.parent_name else None,
            )
            for p in level
        ]
        PartyOrg.objects.bulk_create(objs, batch_size=BATCH)
        for p, o in zip(level, objs, strict=True):
            made[(p.unit_code, p.org_name)] = o
        tick(len(objs))
    return len(plan)
