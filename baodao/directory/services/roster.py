"""The roster of a place (who lives there, which units are based or assigned there, its first
secretary, its compounds): the named event its changes send, and the saves of master-data rows
that have no service of their own (the admin's), so they send it too."""

from __future__ import annotations

from django.db import models, transaction

from baodao.directory.models import FirstSecretaryTerm, Member, Place, Unit, UnitAssignment
from baodao.directory.signals import roster_changed


def roster_changed_at(*place_ids: int | None) -> None:
    """Tell the layers above that the roster of these places changed (in the caller's transaction)."""
    ids = sorted({p for p in place_ids if p is not None})
    if ids:
        roster_changed.send(sender=Place, places=ids)


def unit_places(unit_id: int | None) -> set[int | None]:
    """Where a unit counts: its office, and the communities it is currently assigned to."""
    if unit_id is None:
        return set()
    office = Unit.objects.filter(pk=unit_id).values_list("office_place_id", flat=True)
    current = UnitAssignment.objects.filter(unit_id=unit_id, ended_on__isnull=True).values_list(
        "community_id", flat=True
    )
    return {*office, *current}


def roster_places(row: models.Model) -> set[int | None]:
    """The places whose roster this row (as it is now in memory) is part of; none for rows that
    are in no roster (work teams, leader links, heads: no figure counts them)."""
    if isinstance(row, Member):
        return {row.residence_id}
    if isinstance(row, Unit):
        return {row.office_place_id, *unit_places(row.pk)}
    if isinstance(row, UnitAssignment):
        return {row.community_id, *unit_places(row.unit_id)}
    if isinstance(row, FirstSecretaryTerm):
        return {row.place_id}
    if isinstance(row, Place) and row.kind in (Place.Kind.COMPOUND, Place.Kind.GRID):
        return {row.pk, row.parent_id}
    return set()


def _stored(row: models.Model) -> models.Model | None:
    return type(row)._default_manager.filter(pk=row.pk).first() if row.pk else None


@transaction.atomic
def roster_row_save(row: models.Model) -> models.Model:
    """Save a master-data row written field by field (the admin: a unit's office or activity, an
    assignment, a term): the rosters it left and the ones it joined hear of it."""
    old = _stored(row)
    before = roster_places(old) if old is not None else set()
    row.save()
    roster_changed_at(*before, *roster_places(row))
    return row


@transaction.atomic
def roster_row_delete(row: models.Model) -> None:
    """Delete a master-data row (the admin): the rosters it was part of hear of it."""
    places = roster_places(_stored(row) or row)
    row.delete()
    roster_changed_at(*places)
