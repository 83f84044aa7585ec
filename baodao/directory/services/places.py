"""Places (the administrative tree): created, moved, renamed, created in bulk; their paths and sort keys."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from baodao.directory.models import (
    Place,
    path_segment,
    sort_segment,
)
from baodao.directory.signals import places_moved

from .roster import roster_changed_at, roster_places

# A parent must be of a smaller level than its child (some cities skip a level); a compound and a
# grid are the same level.
PLACE_LEVEL: dict[str, int] = {
    Place.Kind.PROVINCE: 0,
    Place.Kind.CITY: 1,
    Place.Kind.DISTRICT: 2,
    Place.Kind.STREET: 3,
    Place.Kind.COMMUNITY: 4,
    Place.Kind.COMPOUND: 5,
    Place.Kind.GRID: 5,
    Place.Kind.BUILDING: 6,
}


def place_path(parent: Place | None, pk: int) -> str:
    return (parent.path if parent else "") + path_segment(pk)


def place_sort_key(parent: Place | None, sort_order: int, code: str) -> str:
    return (parent.sort_key if parent else "") + sort_segment(sort_order, code)


def _rekey_subtree(place: Place, old_key: str) -> None:
    """After a place's code, sort order or parent changed: its subtree's sort keys, in one UPDATE."""
    prefix = Place.objects.values_list("sort_key", flat=True).get(pk=place.parent_id) if place.parent_id else ""
    new_key = prefix + sort_segment(place.sort_order, place.code)
    if new_key == old_key:
        return
    _subtree(place.path, place.pk).filter(sort_key__startswith=old_key).update(
        sort_key=Concat(Value(new_key), Substr("sort_key", len(old_key) + 1), output_field=CharField())
    )
    place.sort_key = new_key


def _subtree(path: str, pk: int) -> QuerySet[Place]:
    # A row without a path (written around the services) must not stand for the whole table.
    return Place.objects.filter(path__startswith=path) if path else Place.objects.filter(pk=pk)


def place_errors(*, kind: str, parent: Place | None, place: Place | None = None) -> dict[str, str]:
    """What is wrong with putting a place of `kind` under `parent` (empty when nothing).

    For an existing `place`, also: the parent may not be the place itself or one of its
    descendants, and its children must stay of a lower level than the new kind.
    """
    errors: dict[str, str] = {}
    if kind not in PLACE_LEVEL:
        return {"kind": _("未知的地点类型")}
    if parent is not None and PLACE_LEVEL[parent.kind] >= PLACE_LEVEL[kind]:
        errors["parent"] = _("%(parent)s不能作为%(kind)s的上级") % {
            "parent": Place.Kind(parent.kind).label,
            "kind": Place.Kind(kind).label,
        }
    if place is not None and place.pk:
        old_path = Place.objects.values_list("path", flat=True).get(pk=place.pk)
        if parent is not None and _subtree(old_path, place.pk).filter(pk=parent.pk).exists():
            errors["parent"] = _("不能把地点移到它自己或它的下级之下")
        child_kinds = set(Place.objects.filter(parent_id=place.pk).values_list("kind", flat=True))
        if any(PLACE_LEVEL[k] <= PLACE_LEVEL[kind] for k in child_kinds):
            errors["kind"] = _("该地点的下级层级不低于新类型，不能改为此类型")
    return errors


@transaction.atomic
def place_create(
    *,
    kind: str,
    code: str,
    name: str,
    parent: Place | None = None,
    sort_order: int = 0,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Place:
    if errors := place_errors(kind=kind, parent=parent):
        raise ValidationError(errors)
    place = Place.objects.create(
        kind=kind,
        code=code,
        name=name,
        parent=parent,
        sort_order=sort_order,
        depth=(parent.depth + 1 if parent else 0),
        sort_key=place_sort_key(parent, sort_order, code),
        latitude=latitude,
        longitude=longitude,
    )
    place.path = place_path(parent, place.pk)
    place.save(update_fields=["path"])
    roster_changed_at(*roster_places(place))  # a new compound or grid counts in the coverage
    return place


@transaction.atomic
def place_move(*, place: Place, parent: Place | None) -> Place:
    """Put `place` under `parent`, rewriting the path and depth of its whole subtree.

    One UPDATE over the old path prefix (an index range), however large the subtree. The place's
    own row is saved first, so the audit log records the parent change.
    """
    old = Place.objects.select_for_update().values("path", "depth", "sort_key").get(pk=place.pk)
    if parent is not None:
        parent = Place.objects.get(pk=parent.pk)  # its stored path, not a stale copy
    if errors := place_errors(kind=place.kind, parent=parent, place=place):
        raise ValidationError(errors)
    new_path = place_path(parent, place.pk)
    new_depth = parent.depth + 1 if parent else 0
    place.parent = parent
    place.save(update_fields=["parent"])
    if new_path != old["path"]:
        _subtree(old["path"], place.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old["path"]) + 1), output_field=CharField()),
            depth=F("depth") + (new_depth - old["depth"]),
        )
    place.path, place.depth = new_path, new_depth
    _rekey_subtree(place, old["sort_key"])
    if new_path != old["path"]:
        places_moved.send(sender=Place, place=place, old_path=old["path"])
    return place


@transaction.atomic
def place_update(
    *,
    place: Place,
    kind: str,
    code: str,
    name: str,
    parent: Place | None,
    sort_order: int = 0,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Place:
    """Change a place's fields; a new parent moves its subtree (place_move)."""
    errors = place_errors(kind=kind, parent=parent, place=place)
    if Place.objects.filter(code=code).exclude(pk=place.pk).exists():
        errors["code"] = _("编码「%(code)s」已被使用") % {"code": code}
    if errors:
        raise ValidationError(errors)
    old_parent_id, old_key = Place.objects.values_list("parent_id", "sort_key").get(pk=place.pk)
    was = roster_places(Place.objects.get(pk=place.pk))  # a compound re-kinded leaves the coverage
    place.kind, place.code, place.name, place.sort_order = kind, code, name, sort_order
    place.latitude, place.longitude = latitude, longitude
    place.save(update_fields=["kind", "code", "name", "sort_order", "latitude", "longitude"])
    roster_changed_at(*was, *roster_places(place))
    if (parent.pk if parent else None) != old_parent_id:
        place_move(place=place, parent=parent)  # re-keys the subtree too
    else:
        place.sort_key = old_key
        _rekey_subtree(place, old_key)
    return place


def places_bulk_create(places: list[Place]) -> list[Place]:
    """Insert places whose parents already have paths (one level at a time); fills path and depth.

    Needs the database to return primary keys from bulk inserts (PostgreSQL, SQLite >= 3.35).
    """
    for p in places:
        p.depth = p.parent.depth + 1 if p.parent else 0
        p.sort_key = place_sort_key(p.parent, p.sort_order, p.code)
    Place.objects.bulk_create(places, batch_size=2000)
    for p in places:
        p.path = place_path(p.parent, p.pk)
    Place.objects.bulk_update(places, ["path"], batch_size=2000)
    return places
