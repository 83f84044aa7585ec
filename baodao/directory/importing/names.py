"""Coded columns filled with names: before planning, each place or unit cell given by name becomes
its code — the dropdown's "名称（编码）", or a bare name that is unique in the user's scope. A code
stays as typed; an ambiguous name is reported with its row, and the planner then finds no code."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baodao.accounts.models import User
from baodao.directory.importing.columns import RESIDENCE_KINDS, TEMPLATES
from baodao.directory.importing.plan import LOOKUP_CHUNK, RowErrors, as_text, chunks
from baodao.directory.models import Place, Unit
from baodao.directory.scope import places_for_user, units_for_user

# kind -> {column index: what the column names}
CODED: dict[str, dict[int, str]] = {
    "places": {3: "place"},
    "units": {3: "place"},
    "members": {3: "unit", 5: "residence"},
    "residents": {2: "residence"},
}
# "安一小区（990101001001001）": what the template's dropdowns offer.
PICKED = re.compile(r"^.+[（(]\s*(?P<code>[^（）()\s]+)\s*[)）]$")
WHAT = {"place": gettext_lazy("地点"), "residence": gettext_lazy("小区、网格或楼栋"), "unit": gettext_lazy("单位")}


def lookup_base(user: User, what: str) -> QuerySet[Place] | QuerySet[Unit]:
    if what == "unit":
        return units_for_user(user)
    places = places_for_user(user)
    return places.filter(kind__in=RESIDENCE_KINDS) if what == "residence" else places


def resolve_names(kind: str, rows: list[tuple[int, list[Any]]], user: User, errors: RowErrors) -> None:
    """Replace names by codes in the coded columns of `rows`, in place."""
    for index, what in CODED.get(kind, {}).items():
        header = TEMPLATES[kind][index].header
        values = {str(as_text(v[index])).strip() for _, v in rows if v[index] not in ("", None)}
        picked = {value: m["code"] for value in values if (m := PICKED.match(value))}
        rest = sorted(values - picked.keys())
        base = lookup_base(user, what)
        codes: set[str] = set()
        named: dict[str, list[str]] = {}
        for chunk in chunks(rest, LOOKUP_CHUNK):
            codes.update(base.filter(code__in=chunk).values_list("code", flat=True))
        for chunk in chunks([v for v in rest if v not in codes], LOOKUP_CHUNK):
            for name, code in base.filter(name__in=chunk).values_list("name", "code"):
                named.setdefault(name, []).append(code)
        for row, v in rows:
            value = str(as_text(v[index])).strip() if v[index] not in ("", None) else ""
            if not value or value in codes:
                continue
            if value in picked:
                v[index] = picked[value]
            elif len(found := named.get(value, [])) == 1:
                v[index] = found[0]
            elif found:
                errors.add(
                    row,
                    header,
                    _("您的管辖范围内有 %(n)d 个名为「%(name)s」的%(what)s，请改填编码或从下拉列表中选择")
                    % {"n": len(found), "name": value, "what": WHAT[what]},
                )
