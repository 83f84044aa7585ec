"""Counters, not aggregates (ARCHITECTURE.md): the one way every counter row of the figures is
moved, written and recounted.

A *family* is one table of counter rows (the three lists' counts, the members' years, the
met-counts, the community and unit tallies of the record, the coverage tallies), with the key
columns that name a row, the columns it counts, and how to count them from the record. Families
are declared next to what they count (needs_counts, service_counts, tallies) and listed in
stats.families.

- `move(model, keys, deltas)` adds to the row at `keys` by a conditional UPDATE in the caller's
  transaction, making the row when missing (exact under contention): what a domain event moves.
- `locked(model, keys)` is that row, made when missing and locked for the transaction, for a mover
  that must read a value before it moves it (a member's year crossing the minimums).
- `write(family, counts, keys)` sets rows to counts taken from the record (the coverage tallies of
  marked communities; a recount's fix).
- `repath(old, new)` follows a moved subtree: rows keep their place's path, to sum an area by prefix.
- `recount(families, fix=...)` compares every row with its count from the record, paths included,
  and reports the drift (fixing it unless asked only to check): `python manage.py recount [--check]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Concat, Substr

from baodao.directory.models import Place

# More rows adrift than this: the family is rewritten in bulk (after a bulk load nearly every row is new).
FULL_REWRITE_OVER = 1000
BATCH = 5000

Key = tuple[Any, ...]
Values = tuple[Any, ...]


@dataclass(frozen=True)
class Family:
    """One table of counter rows and how to count it from the record."""

    name: str
    model: type[models.Model]
    keys: tuple[str, ...]  # the columns that name a row
    values: tuple[str, ...]  # the columns it keeps (counts; a date the row is fresh until)
    count: Callable[[], dict[Key, Values]]  # every row as the record says it should be
    place: str | None = None  # the key naming the place whose path the row keeps in `path`
    prepare: Callable[[], object] | None = None  # what a read does first (coverage: consume the marks)

    def zero(self, values: Values) -> bool:
        return not any(values)


@dataclass(frozen=True)
class Drift:
    """A row that differs from its count: its counted columns as stored and as counted (and the
    path it keeps, when that is stale)."""

    family: str
    key: Key
    stored: Values
    actual: Values
    stored_path: str | None = None
    actual_path: str | None = None

    def __str__(self) -> str:
        def show(v: Values) -> str:
            return str(v[0]) if len(v) == 1 else str(v)

        out = f"{self.family} {' '.join(str(k) for k in self.key)}: {show(self.stored)} -> {show(self.actual)}"
        if None not in (self.stored_path, self.actual_path) and self.stored_path != self.actual_path:
            out += f" (path {self.stored_path!r} -> {self.actual_path!r})"
        return out


# --- moving ---------------------------------------------------------------------------------------


def move(
    model: type[models.Model],
    keys: Mapping[str, object],
    deltas: Mapping[str, Any],
    create: Callable[[], dict[str, object]] = dict,
) -> None:
    """Add `deltas` to the row at `keys` in the caller's transaction, making the row when missing
    (a concurrent maker wins, then we add). `create` gives a new row's other columns (its path)."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    rows = model._default_manager.filter(**keys)
    updates = {k: F(k) + v for k, v in deltas.items()}
    if rows.update(**updates):
        return
    try:
        with transaction.atomic():
            model._default_manager.create(**keys, **create(), **deltas)
    except IntegrityError:  # made meanwhile by a concurrent change
        rows.update(**updates)


def locked(model: type[models.Model], keys: Mapping[str, object]) -> models.Model:
    """The row at `keys`, made when missing, locked until the caller's transaction ends."""
    row = model._default_manager.select_for_update().filter(**keys).first()
    if row is None:
        try:
            with transaction.atomic():
                model._default_manager.create(**keys)
        except IntegrityError:  # made meanwhile by a concurrent change
            pass
        row = model._default_manager.select_for_update().get(**keys)
    return row


def path_of(place_id: int) -> dict[str, object]:
    """A new row's `path` column (the `create` of `move` for families that keep one)."""
    return {"path": Place.objects.filter(pk=place_id).values_list("path", flat=True).first() or ""}


def repath(old: str, new: str, families: Iterable[Family]) -> None:
    """A subtree moved from path `old` to `new`: the rows of its places keep the new paths."""
    for family in families:
        if family.place is not None and old != new:
            family.model._default_manager.filter(path__startswith=old).update(
                path=Concat(Value(new), Substr("path", len(old) + 1), output_field=CharField())
            )


# --- writing and recounting -----------------------------------------------------------------------


def _key_q(family: Family, keys: Iterable[Key]) -> Q:
    keys = list(keys)
    if len(family.keys) == 1:
        return Q(**{f"{family.keys[0]}__in": [k[0] for k in keys]})
    return reduce(or_, (Q(**dict(zip(family.keys, k, strict=True))) for k in keys), Q(pk__in=[]))


def _paths(family: Family, keys: Iterable[Key]) -> dict[int, str]:
    if family.place is None:
        return {}
    i = family.keys.index(family.place)
    ids = {k[i] for k in keys}
    return dict(Place.objects.filter(pk__in=ids).values_list("pk", "path"))


def write(family: Family, counts: dict[Key, Values], keys: Iterable[Key] | None = None) -> None:
    """Set the rows at `keys` (every row when None) to `counts` (a missing count is no row), in
    one transaction: the rows of those keys are deleted, the non-zero counts inserted."""
    keys = None if keys is None else list(keys)
    rows = family.model._default_manager.all()
    todo = counts if keys is None else {k: counts[k] for k in keys if k in counts}
    paths = _paths(family, todo)
    i = family.keys.index(family.place) if family.place is not None else 0
    with transaction.atomic():
        if keys is None:
            rows.delete()
        else:
            for start in range(0, len(keys), 500):
                rows.filter(_key_q(family, keys[start : start + 500])).delete()
        family.model._default_manager.bulk_create(
            [
                family.model(
                    **dict(zip(family.keys, k, strict=True)),
                    **dict(zip(family.values, v, strict=True)),
                    **({"path": paths.get(k[i], "")} if family.place is not None else {}),
                )
                for k, v in todo.items()
                if not family.zero(v)
            ],
            batch_size=BATCH,
        )


def _stored(family: Family) -> dict[Key, Values]:
    columns = [*family.keys, *family.values, *(["path"] if family.place is not None else [])]
    n = len(family.keys)
    return {r[:n]: r[n:] for r in family.model._default_manager.values_list(*columns).iterator(chunk_size=BATCH)}


def _drift(family: Family, actual: dict[Key, Values]) -> list[Drift]:
    """The rows whose stored counts (and path) differ from the record's; a missing row counts 0."""
    stored = _stored(family)
    paths = _paths(family, actual)
    i = family.keys.index(family.place) if family.place is not None else 0
    n = len(family.values)

    def norm(v: Values | None, path: str | None) -> Values:
        counts = tuple(0 if x is None else x for x in (v or (None,) * n)[:n])
        return counts if family.place is None or family.zero(counts) else (*counts, path)

    out = []
    for key in sorted(set(actual) | set(stored), key=lambda k: tuple(str(x) for x in k)):
        have = stored.get(key)
        have_n = norm(have, have[n] if have is not None and family.place is not None else None)
        want_n = norm(actual.get(key), paths.get(key[i], ""))
        if have_n != want_n:
            paths_of = (have_n[n:] or (None,))[0], (want_n[n:] or (None,))[0]
            out.append(Drift(family.name, key, have_n[:n], want_n[:n], *paths_of))
    return out


def recount(families: Iterable[Family], *, fix: bool = True, rewrite_over: int | None = None) -> list[Drift]:
    """Compare every row of these families with its count from the record; with `fix`, set the
    drifted rows right (the whole family in bulk when more than `rewrite_over` rows drifted).
    Returns the drift."""
    rewrite_over = FULL_REWRITE_OVER if rewrite_over is None else rewrite_over
    out: list[Drift] = []
    for family in families:
        if family.prepare is not None:
            family.prepare()
        actual = family.count()
        drift = _drift(family, actual)
        if fix and drift:
            write(family, actual, None if len(drift) > rewrite_over else [d.key for d in drift])
        out += drift
    return out
