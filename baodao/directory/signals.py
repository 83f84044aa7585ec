"""Signals of the directory app for other apps to follow master data without importing them here."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a roster import committed rows in bulk (no per-row model signals fired);
# keyword arguments: kind ("places", "units", "members", "residents"), created (row count).
roster_imported = Signal()
