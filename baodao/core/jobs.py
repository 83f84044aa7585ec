"""Handing background jobs to the broker, and asking how the broker and the cache are.

`enqueue` is the one way a request hands a job to the Celery workers. The database holds the job
(an import job row, a delivery row), so a broker that cannot take the message is not an error for
the user: `enqueue` says False, and the caller either keeps the row for the workers' sweep to send
again (robot messages) or ends the job with a Chinese reason (a roster import, whose user is there
to upload again). Publishing is tried once, with short socket timeouts (settings
CELERY_BROKER_TRANSPORT_OPTIONS); after a failure this process does not try again for
`RETRY_SECONDS`, so during an outage no request waits on the broker more than once per window.

`health` is what /healthz reports: the database, the cache and the broker, each on its own.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

log = logging.getLogger("baodao.jobs")

RETRY_SECONDS = 5.0
_broker_down_until = 0.0


def eager() -> bool:
    """Jobs run in this process (no broker, or CELERY_EAGER=1)."""
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def enqueue(task: Any, *args: object) -> bool:  # noqa: ANN401 - a Celery task
    """`task.delay(*args)`; False (logged) when the broker cannot take it now."""
    global _broker_down_until
    if not eager() and time.monotonic() < _broker_down_until:
        log.warning("broker unavailable: %s%s not queued", task.name, args)
        return False
    try:
        task.delay(*args)
    except Exception as exc:  # kombu's OperationalError, redis' errors, OSError: the broker is away
        if eager():
            raise  # an eager task's own failure, not the broker's
        _broker_down_until = time.monotonic() + RETRY_SECONDS
        log.warning("broker unavailable (%s): %s%s not queued", type(exc).__name__, task.name, args)
        return False
    broker_seen_up()
    return True


def broker_seen_up() -> None:
    """Forget an earlier failure: the next `enqueue` asks the broker."""
    global _broker_down_until
    _broker_down_until = 0.0


# --- /healthz ------------------------------------------------------------------------------------


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "ok"


def cache_state() -> str:
    """ "ok" or "down" for a Redis cache; "local" for the in-process cache (nothing to be down)."""
    ping = getattr(cache, "ping", None)
    if ping is None:
        return "local"
    return "ok" if ping() else "down"


@functools.cache
def _broker_client(url: str) -> Any:  # noqa: ANN401 - redis.Redis, imported only when used
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def broker_state() -> str:
    """ "ok" or "down" for the Redis broker; "eager" when jobs run in the web process."""
    if eager():
        return "eager"
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "ok"  # an in-memory transport: in this process
    from redis.exceptions import RedisError

    try:
        _broker_client(url).ping()
    except RedisError:
        return "down"
    broker_seen_up()  # back: the next job is handed to it at once
    return "ok"


def health() -> tuple[dict[str, str], bool]:
    """Each part's state, and whether the site can serve (the database answers: pages degrade
    without the cache and the broker)."""
    parts = {"database": database_state(), "cache": cache_state(), "broker": broker_state()}
    serving = parts["database"] == "ok"
    degraded = any(v == "down" for v in parts.values())
    return {"status": "ok" if not degraded else ("degraded" if serving else "down"), **parts}, serving
