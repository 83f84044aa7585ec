"""The version key of a cached user row (accounts.middleware caches the row every request reads)."""

from __future__ import annotations

from baodao.core import versioned


def user_version_key(user_id: object) -> str:
    return f"authuser:v:{user_id}"


def forget_user(user_id: object) -> None:
    """After any change of the user row (password, active flag, name...): read it again."""
    versioned.bump([user_version_key(user_id)])
