"""An attempt counter in the cache (Redis in production, shared by every worker).

For public forms that reveal something per attempt, such as whether an ID number is on the party
roster (the self-report page): a client gets `limit` failed attempts in a window that starts with
its first one, then waits until the window is over (the counter's expiry; incr keeps it).
"""

from __future__ import annotations

from django.core.cache import cache


def _bucket(key: str, window_seconds: int) -> str:
    return f"ratelimit:{window_seconds}:{key}"


def is_limited(key: str, *, limit: int, window_seconds: int) -> bool:
    """True once `key` has used up its attempts in the current window."""
    return (cache.get(_bucket(key, window_seconds)) or 0) >= limit


def count_attempt(key: str, *, window_seconds: int) -> int:
    """Count one attempt in the current window; returns the attempts so far."""
    bucket = _bucket(key, window_seconds)
    if cache.add(bucket, 1, window_seconds):
        return 1
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add() and incr()
        cache.set(bucket, 1, window_seconds)
        return 1
