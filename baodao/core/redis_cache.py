"""Django's Redis cache backend, reusing one client per pool, and degrading when Redis is away.

One client per pool. `django.core.cache.backends.redis.RedisCacheClient.get_client()` returns
`redis.Redis(connection_pool=...)` on every call, and redis-py's `Redis.__init__` fills a ~170-entry
response-callback table each time: measured ~0.1 ms of pure Python per cache call, paid several
times per request (session, rules, page cache). A `redis.Redis` is thread-safe and only borrows a
connection from its pool per command, so one client per pool is enough.

Keys are not checked for memcached's limits (length, spaces, control characters): Redis takes any
key, and the check walks every character of every key (~15 µs for the seven keys of a cached member
home request). The local-memory cache of the tests still warns about such keys.

Redis away (stopped, restarted, paused, a network cut). Everything this project keeps in the cache
can be had again from the database (sessions are `cached_db`), so a cache that cannot answer is a
cache that misses: reads give their default, writes are dropped, `add` says "not added" and `incr`
"no such key" (what their callers already handle). Connections time out after `SOCKET_TIMEOUT`
seconds, and after a failure this process leaves Redis alone for `RETRY_SECONDS` (every call is a
miss at once), so a request never waits on Redis more than once per window. A dropped write would
leave the old value behind for when Redis comes back (a logged-out session, a version token not
bumped, so a stale page): the keys of dropped writes are kept, and deleted as soon as Redis answers
again, before anything else is read.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

if TYPE_CHECKING:  # redis is installed only where REDIS_URL is used
    import redis

log = logging.getLogger("baodao.cache")
T = TypeVar("T")
Key: TypeAlias = str | bytes | memoryview  # as Django's client takes them
Expiry: TypeAlias = int | dt.timedelta

SOCKET_TIMEOUT = 0.5  # seconds to connect, and to wait for an answer; a healthy Redis answers in < 1 ms
RETRY_SECONDS = 5.0  # after a failure, calls are misses at once for this long
LOST_KEYS_MAX = 50_000  # dropped writes remembered for deletion; beyond, the oldest are forgotten


class ReusedClientRedisCacheClient(RedisCacheClient):
    # Django's private `_get_connection_pool` and `_client` are not in the type stubs.
    _get_connection_pool: Any
    _client: Any

    def __init__(self, servers: list[str], **options: Any) -> None:  # noqa: ANN401 - Django's options, passed on
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        self.retry_seconds = float(options.pop("retry_seconds", RETRY_SECONDS))
        super().__init__(servers, **options)
        self._clients: dict[int, redis.Redis] = {}
        self._lock = threading.Lock()
        self._down_until = 0.0  # time.monotonic() before which Redis is not asked
        self._lost: dict[Key, None] = {}  # keys of dropped writes, oldest first
        self.failures = 0  # calls that found Redis away (for /healthz and the tests)

    def get_client(self, key: object = None, *, write: bool = False) -> redis.Redis:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object: ids are stable
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    # --- degrading ---------------------------------------------------------------------------

    def _guard(self, call: Callable[[], T], fallback: Callable[[], T], written: Iterable[Key] = ()) -> T:
        """`call()` if Redis answers, else `fallback()`; the keys a dropped write meant to change are kept."""
        from redis.exceptions import ConnectionError, ReadOnlyError, TimeoutError

        try:
            if time.monotonic() >= self._down_until:
                if self._lost:
                    self._forget_lost()
                return call()
        except (ConnectionError, TimeoutError, ReadOnlyError) as exc:
            with self._lock:
                if self._down_until == 0.0:
                    log.warning("cache unavailable (%s): answering from the database", type(exc).__name__)
                self._down_until = time.monotonic() + self.retry_seconds
                self.failures += 1
        self._keep_lost(written)
        return fallback()

    def _keep_lost(self, keys: Iterable[Key]) -> None:
        with self._lock:
            for key in keys:
                self._lost.pop(key, None)
                self._lost[key] = None
            while len(self._lost) > LOST_KEYS_MAX:
                del self._lost[next(iter(self._lost))]

    def _forget_lost(self) -> None:
        """Redis is back: delete what was written while it was away (raises if it is not back)."""
        with self._lock:
            keys = list(self._lost)
        client = self.get_client(None, write=True)
        for i in range(0, len(keys), 1000):
            client.delete(*keys[i : i + 1000])
        with self._lock:
            for key in keys:
                self._lost.pop(key, None)
            if self._down_until:
                log.warning("cache available again (%s entries written meanwhile dropped)", len(keys))
            self._down_until = 0.0

    def ping(self) -> bool:
        """Whether Redis answers now (for /healthz): asked even while calls are misses."""
        from redis.exceptions import RedisError

        try:
            self.get_client(None, write=True).ping()
        except RedisError:
            return False
        try:
            if self._lost or self._down_until:
                self._forget_lost()
        except RedisError:
            return False
        return True

    # --- Django's client methods, guarded ----------------------------------------------------

    def add(self, key: Key, value: Any, timeout: Expiry | None) -> bool:  # noqa: ANN401 - any cached value
        return self._guard(lambda: super(ReusedClientRedisCacheClient, self).add(key, value, timeout), _false, [key])

    def get(self, key: Key, default: Any) -> Any:  # noqa: ANN401 - any cached value
        return self._guard(lambda: super(ReusedClientRedisCacheClient, self).get(key, default), lambda: default)

    def set(self, key: Key, value: Any, timeout: Expiry | None) -> None:  # noqa: ANN401 - any cached value
        self._guard(lambda: super(ReusedClientRedisCacheClient, self).set(key, value, timeout), _none, [key])

    def touch(self, key: Key, timeout: Expiry) -> bool:
        return self._guard(lambda: super(ReusedClientRedisCacheClient, self).touch(key, timeout), _false)

    def delete(self, key: Key) -> bool:
        return self._guard(lambda: super(ReusedClientRedisCacheClient, self).delete(key), _false, [key])

    def get_many(self, keys: Iterable[Key]) -> dict[Key, Any]:
        keys = list(keys)
        return self._guard(lambda: super(ReusedClientRedisCacheClient, self).get_many(keys), dict)

    def has_key(self, key: Key) -> bool:
        return self._guard(lambda: super(ReusedClientRedisCacheClient, self).has_key(key), _false)

    def incr(self, key: Key, delta: int) -> Any:  # noqa: ANN401 - Django's signature
        def missing() -> Any:  # noqa: ANN401 - never returns
            raise ValueError(f"Key '{key!r}' not found.")  # as Django's backends say when there is none

        return self._guard(lambda: super(ReusedClientRedisCacheClient, self).incr(key, delta), missing, [key])

    def set_many(self, data: Mapping[Key, Any], timeout: Expiry) -> None:
        self._guard(lambda: super(ReusedClientRedisCacheClient, self).set_many(data, timeout), _none, list(data))

    def delete_many(self, keys: Iterable[Key]) -> None:
        keys = list(keys)
        self._guard(lambda: super(ReusedClientRedisCacheClient, self).delete_many(keys), _none, keys)

    def clear(self) -> bool:
        return self._guard(lambda: super(ReusedClientRedisCacheClient, self).clear(), _false)


def _false() -> bool:
    return False


def _none() -> None:
    return None


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: str | list[str], params: dict) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def validate_key(self, key: str) -> None:
        """No memcached portability warnings: see the module."""

    def ping(self) -> bool:
        return cast(ReusedClientRedisCacheClient, self._cache).ping()
