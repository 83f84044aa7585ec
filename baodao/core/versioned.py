"""Cache entries that are valid only while some version keys keep the value they had when the entry
was computed — the invalidation used by the member home page and the cached user row.

- A version is a random token (not a counter): after an eviction or a flush the next token can never
  equal one an old entry was stored with.
- Read the versions *before* reading the data the entry is made of, and store the entry with them:
  a change that commits in between bumps a version, so the entry is never served.
- `bump` sets new tokens right away (the same request, tests) and once more when the surrounding
  transaction commits: a reader that read the old rows just before the commit cannot store a stale
  entry under the new token.
- One round trip per request: when the logged-in user is loaded (accounts.middleware), the keys
  that this request will ask for later (its page, the rules' version) are fetched in the same
  `get_many` — see `prefetch` and the prefetchers registered with `add_prefetcher` — and usually
  the session too (accounts.middleware._prefetch_with_session).
- Entries are stored as raw SM4-GCM bytes of their pickle (no base64): GCM authenticates them
  before anything is unpickled.
- Entries may hold personal data (a page with the member's own ID number, a user row), so they are
  stored encrypted with the field key (SM4-GCM, baodao.core.crypto), like personal data in the database.
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Callable, Iterable, Sequence

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from baodao.core import crypto

VERSION_SECONDS = 24 * 3600  # an expired version just gets a new token (its entries die with it)

# Functions (request, user_id) -> cache keys this request will read; see `prefetch`.
_prefetchers: list[Callable[[HttpRequest, object], list[str]]] = []
# Bumps made by this process: values prefetched before a bump are not used after it.
_bumps = 0


def _new_token() -> str:
    return uuid.uuid4().hex


def _now_and_on_commit(fn: Callable[[], None]) -> None:
    fn()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(fn, robust=True)


def bump(keys: Iterable[str]) -> None:
    """Give these version keys new tokens: every entry stored under the old ones is dead."""
    global _bumps
    keys = list(dict.fromkeys(keys))
    if keys:
        _bumps += 1

        def store() -> None:
            cache.set_many({k: _new_token() for k in keys}, VERSION_SECONDS)

        _now_and_on_commit(store)


def add_prefetcher(fn: Callable[[HttpRequest, object], list[str]]) -> None:
    if fn not in _prefetchers:
        _prefetchers.append(fn)


def prefetch_keys(request: HttpRequest, user_id: object) -> list[str]:
    return [k for fn in _prefetchers for k in fn(request, user_id)]


def get_many(keys: Sequence[str], request: HttpRequest | None = None) -> dict:
    """cache.get_many, answering from what `prefetch` stored on the request when it can."""
    pre = getattr(request, "_versioned_prefetch", None)
    if pre is None or pre[0] != _bumps:
        return cache.get_many(keys)
    _, fetched, values = pre
    got = {k: values[k] for k in keys if k in values}
    missing = [k for k in keys if k not in fetched]
    if missing:
        got.update(cache.get_many(missing))
    return got


def prefetch(request: HttpRequest, keys: Sequence[str]) -> dict:
    """Fetch `keys` now, keep them on the request for later `get_many(..., request)` calls.

    When an earlier `prefetch` of this request (accounts.middleware, with the session) already
    fetched all of them and nothing was bumped since, its values are used: no round trip."""
    pre = getattr(request, "_versioned_prefetch", None)
    if pre is not None and pre[0] == _bumps and pre[1].issuperset(keys):
        return {k: pre[2][k] for k in keys if k in pre[2]}
    values = cache.get_many(keys)
    request._versioned_prefetch = (_bumps, frozenset(keys), values)  # type: ignore[attr-defined]
    return values


def seal(value: object) -> bytes:
    return crypto.encrypt_bytes(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def unseal(blob: bytes) -> object:
    # Only what `seal` encrypted with the field key is unpickled: GCM authenticates it first.
    return pickle.loads(crypto.decrypt_bytes(blob))


class Lookup:
    """One round trip: the entry and the versions it depends on."""

    def __init__(
        self,
        entry_key: str,
        version_keys: Sequence[str],
        *,
        optional: Sequence[str] = (),
        request: HttpRequest | None = None,
        also: Sequence[str] = (),
    ) -> None:
        """`optional` version keys are owned by someone else (e.g. rules' "rule:version"): we never
        create them; while one is missing nothing is stored. With `request`, values prefetched on it
        are used; `also` are more keys to prefetch on it in the same round trip."""
        self.entry_key = entry_key
        keys = [*version_keys, *optional]
        if also and request is not None:
            got = prefetch(request, [entry_key, *keys, *also])
        else:
            got = get_many([entry_key, *keys], request)
        self.versions = tuple(got.get(k) for k in keys)
        self._entry = got.get(entry_key)
        self._own = list(version_keys)
        self._keys = keys

    def hit(self) -> object | None:
        """The entry's value if all its versions are unchanged, else None."""
        if self._entry is None or None in self.versions:
            return None
        versions, sealed = self._entry
        if versions != self.versions:
            return None
        try:
            return unseal(sealed)
        except Exception:
            return None

    def prepare(self) -> None:
        """On a miss, before reading the data: make sure our own versions exist."""
        missing = [k for k, v in zip(self._own, self.versions, strict=False) if v is None]
        if missing:
            for k in missing:
                cache.add(k, _new_token(), VERSION_SECONDS)
            got = cache.get_many(missing)
            self.versions = tuple(got.get(k, v) for k, v in zip(self._keys, self.versions, strict=True))

    def store(self, value: object, timeout: int) -> None:
        if None not in self.versions:
            cache.set(self.entry_key, (self.versions, seal(value)), timeout)
