"""Django's Redis cache backend, without building a new client object for every cache call.

`django.core.cache.backends.redis.RedisCacheClient.get_client()` returns `redis.Redis(connection_pool=...)`
on every call, and redis-py's `Redis.__init__` fills a ~170-entry response-callback table each time:
measured ~0.1 ms of pure Python per cache call, paid several times per request (session, rules, page
cache). A `redis.Redis` is thread-safe and only borrows a connection from its pool per command, so
one client per pool is enough.

Keys are not checked for memcached's limits (length, spaces, control characters): Redis takes any
key, and the check walks every character of every key (~15 µs for the seven keys of a cached member
home request). The local-memory cache of the tests still warns about such keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

if TYPE_CHECKING:  # redis is installed only where REDIS_URL is used
    import redis


class ReusedClientRedisCacheClient(RedisCacheClient):
    # Django's private `_get_connection_pool` and `_client` are not in the type stubs.
    _get_connection_pool: Any
    _client: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - Django's signature, passed on
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key: object = None, *, write: bool = False) -> redis.Redis:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object: ids are stable
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: str | list[str], params: dict) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def validate_key(self, key: str) -> None:
        """No memcached portability warnings: see the module."""
