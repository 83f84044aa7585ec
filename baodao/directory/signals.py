"""Signals of the directory app for other apps to follow master data without importing them here."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a roster import committed rows in bulk (no per-row model signals fired);
# keyword arguments: kind ("places", "units", "members", "residents"), created (row count).
roster_imported = Signal()

# Sent by place_move after a subtree's paths were rewritten in one UPDATE (no per-row signals);
# keyword arguments: place (the moved place, with its new path), old_path (its path before).
places_moved = Signal()

# Sent by the services that change who or what a place holds, in the change's transaction (the
# directory's own, reporting's dynamic management, the admin through services.roster_row_save);
# keyword argument: places (ids of the places whose roster changed — a member living there came,
# left or changed status; a unit based or assigned there came, left or was (de)activated; a first
# secretary's term there began or ended; a compound or grid there was added, removed or re-kinded).
# stats recounts those places' coverage before its next read.
roster_changed = Signal()
