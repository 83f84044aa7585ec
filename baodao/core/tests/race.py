"""`race`: run calls at the same moment, each from its own thread and database connection, and say
how each ended — for the contention tests of every app (they need `transactional_db`: each thread
commits on its own connection).

An outcome is "ok", or the refusal as a client reads it: "<status> <message>" (409 a conflict,
400 a plain refusal, 429 a limit). Outcomes come back in the order of the calls, so a test says
which call won where that is decided, and the set of outcomes where it is not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection


def retry_locked(call: Callable[[], object]) -> object:
    """SQLite's in-memory test database fails a locked table at once instead of waiting (a file
    database waits): retry the whole call as the busy wait would. PostgreSQL waits on the lock."""
    for _ in range(2000):
        try:
            return call()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.005)
    raise AssertionError("still locked")


def race(*calls: Callable[[], object]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            retry_locked(call)
            outcomes[i] = "ok"
        except ValidationError as exc:
            outcomes[i] = f"{getattr(exc, 'status', 400)} {'；'.join(exc.messages)}"
        except Exception as exc:  # a deadlock or a 500 is an outcome the test must see
            outcomes[i] = f"error {type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes
