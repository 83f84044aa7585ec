"""Signals of accounts, for the layers above that react to them (accounts imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once a password change or reset has committed: user=the account, by=who set the password
# (the user themselves, or the admin who reset it), reset=True for a reset. The inbox tells the user.
password_set = Signal()
