"""Signals of the directory app for other apps to follow master data without importing them here."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a roster import committed rows in bulk (no per-row model signals fired);
# keyword arguments: kind ("places", "units", "members", "residents"), created (row count).
roster_imported = Signal()

# Sent by place_move after a subtree's paths were rewritten in one UPDATE (no per-row signals);
# keyword argument: place (the moved place, with its new path).
places_moved = Signal()
