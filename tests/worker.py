"""A real Celery worker for the tests of background jobs (tests/test_worker.py).

- Where another process can reach the test database (PostgreSQL) and Redis is there (REDIS_URL:
  the PostgreSQL leg of `make test`): one `celery -A config worker` process with production
  settings (DEBUG off, the tests' FIELD_KEY), on the test database and a queue of its own. A test
  may stop it (SIGTERM) or kill it (SIGKILL); it is started again for the next one.
- Otherwise (the in-memory SQLite test database, which no other process can open): Celery's
  embedded worker in a thread of this process, on the broker the settings give (Redis, or kombu's
  in-memory transport).

Each run sends its tasks to a queue of its own: parallel test processes may share one Redis database.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app

DEADLINE = 300.0  # seconds to wait for any one step before calling it hung

# The worker's own settings (its environment), beside the test database's and Redis': the local
# robot server admitted, and its sweep every second, finding a message lost a second after it was due.
WORKER_ENV = {
    "WEBHOOK_ALLOWED_HOSTS": "http://127.0.0.1:*",
    "WORKER_SWEEP_SECONDS": "1",
    "WEBHOOK_SWEEP_GRACE_SECONDS": "1",
    "WEBHOOK_LEASE_SECONDS": "3",
    "WEBHOOK_CONNECT_TIMEOUT": "1",
    "WEBHOOK_READ_TIMEOUT": "1",
}


def process_worker_possible() -> bool:
    db = django_settings.DATABASES["default"]
    return db["ENGINE"] == "django.db.backends.postgresql" and bool(django_settings.REDIS_URL)


def wait_for(check: Callable[[], Any], what: str | Callable[[], str], worker: Worker | None = None) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    said = what() if callable(what) else what
    pytest.fail(f"waited {DEADLINE:.0f} s for {said}\n{worker.tail() if worker else ''}")


class Worker:
    """The worker of this test run: a process (see the module) or, where there can be none, a thread."""

    def __init__(self, queue: str, log: Path, media_root: Path) -> None:
        self.queue = queue
        self.log = log
        self.media_root = media_root
        self.process: subprocess.Popen[bytes] | None = None
        self._thread: contextlib.ExitStack | None = None
        self.starts = 0

    @property
    def is_process(self) -> bool:
        return process_worker_possible()

    def ensure_running(self) -> None:
        if self.is_process:
            if self.process is None or self.process.poll() is not None:
                self.start_process()
        elif self._thread is None:
            self._thread = contextlib.ExitStack()
            self._thread.enter_context(_worker_thread(self.queue))
            self.starts += 1

    def start_process(self) -> None:
        db = connection.settings_dict
        url = "postgres://{}:{}@{}:{}/{}".format(
            quote(db["USER"], safe=""), quote(db["PASSWORD"], safe=""), db["HOST"], db["PORT"], db["NAME"]
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": url,  # the test database
            "REDIS_URL": django_settings.REDIS_URL,
            "CELERY_EAGER": "0",
            "DEBUG": "0",
            "SECRET_KEY": "test-worker-" + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "127.0.0.1",
            "FIELD_KEY": django_settings.FIELD_KEY,  # the tests' key: this process decrypts what it writes
            "MEDIA_ROOT": str(self.media_root),
            "CELERY_QUEUE": self.queue,  # also where its sweep sends what it finds
            "LOG_LEVEL": "INFO",
            **WORKER_ENV,
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
        command += ["-Q", self.queue, "-n", f"{self.queue}@%h", "--concurrency", "1"]
        command += ["--without-heartbeat", "--without-mingle", "--without-gossip"]
        before = self.log.read_text(errors="replace").count("ready.") if self.log.exists() else 0
        with self.log.open("ab") as out:
            # Its own session: SIGKILL reaches the pool's child (where the task runs) as well.
            self.process = subprocess.Popen(
                command, env=env, cwd=django_settings.BASE_DIR, stdout=out, stderr=out, start_new_session=True
            )
        self.starts += 1
        wait_for(lambda: self.log.read_text(errors="replace").count("ready.") > before, "the worker to start", self)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else "(no worker log)"

    def signal(self, sig: int, *, group: bool = False) -> None:
        assert self.process is not None
        if group:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)  # as `kill -TERM <pid>` does: the main process only

    def wait_exit(self) -> int:
        assert self.process is not None
        wait_for(lambda: self.process is not None and self.process.poll() is not None, "the worker to exit", self)
        return self.process.returncode

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.close()
            self._thread = None
            # The embedded worker closes the app's connection and producer pools on its way out:
            # a test after it in this process (a task retried by hand) gets fresh ones.
            kombu_pools.reset()
            celery_app._after_fork()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # a pool child left behind
        queue_forget(self.queue)


@contextlib.contextmanager
def _worker_thread(queue: str) -> Iterator[None]:
    from celery.contrib.testing.worker import start_worker

    with start_worker(
        celery_app, pool="solo", concurrency=1, perform_ping_check=False, queues=[queue], shutdown_timeout=DEADLINE
    ):
        yield


@contextlib.contextmanager
def tasks_to(queue: str, settings: Any) -> Iterator[None]:
    """Tasks go to a broker (not eagerly), every one to `queue`."""
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_routes)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    conf.task_always_eager = False
    conf.task_routes = {"baodao.*": {"queue": queue}}
    routes_changed()
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_routes = before
        routes_changed()


def routes_changed() -> None:
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)  # a cached property, built on the routes of its time


def queue_forget(queue: str) -> None:
    """The queue's list and bindings off the shared Redis: kombu keeps them after the worker is gone."""
    with contextlib.suppress(Exception), celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        if conn.transport.driver_type == "redis":
            channel.client.delete(queue, channel.keyprefix_queue % queue, channel.keyprefix_binding_permanent % queue)


def queued(queue: str) -> int:
    """Messages waiting in `queue` (Redis)."""
    with celery_app.connection_for_write() as conn:
        return int(conn.default_channel.client.llen(queue))


# --- the fixture ---------------------------------------------------------------------------------
# One worker for the test run, started by the first test that asks for `celery_worker` and stopped
# after the last one: those tests run one after another (moved to the end of the run, and kept on
# one xdist process by their xdist_group, with `--dist loadgroup` as scripts/test.sh runs them), so
# the worker starts once and no other test runs while it is there to take its rows.

FIXTURE = "celery_worker"
GROUP = "celery-worker"
_worker: Worker | None = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "worker_process: kills or stops the worker process (PostgreSQL + Redis only; deselected elsewhere)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanting = [item for item in items if FIXTURE in getattr(item, "fixturenames", ())]
    if not wanting:
        return
    if not process_worker_possible():
        # A test that kills or stops the worker needs a process to kill: not deselected silently
        # in the leg that has one (PostgreSQL + Redis), only where none can be started.
        dropped = [item for item in wanting if item.get_closest_marker("worker_process")]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            wanting = [item for item in wanting if item not in dropped]
            items[:] = [item for item in items if item not in dropped]
    for item in wanting:
        item.add_marker(pytest.mark.xdist_group(GROUP))
    wanted = set(wanting)
    items[:] = [item for item in items if item not in wanted] + wanting


@pytest.fixture(scope="session")
def _celery_worker_session(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    global _worker
    base = tmp_path_factory.mktemp("celery-worker")
    _worker = Worker(f"baodao-tests-{uuid.uuid4().hex[:12]}", base / "worker.log", base / "media")
    yield _worker
    _worker.stop()  # before the test database goes
    _worker = None


@pytest.fixture
def celery_worker(_celery_worker_session: Worker, transactional_db: None, settings: Any) -> Iterator[Worker]:
    """The run's worker, running; this test's tasks go to it (not eagerly) and its uploads to the
    worker's MEDIA_ROOT. Ask for it after fixtures that set MEDIA_ROOT (the worker has its own)."""
    worker = _celery_worker_session
    settings.MEDIA_ROOT = worker.media_root
    worker.ensure_running()
    with tasks_to(worker.queue, settings):
        yield worker


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if _worker is not None and (nextitem is None or FIXTURE not in getattr(nextitem, "fixturenames", ())):
        _worker.stop()
