"""Roster import through a real Celery worker (issue 19, point 7).

A members import of 10,000 rows through `celery -A config worker` on PostgreSQL hung for good: the
progress was written on the import's own connection in the middle of its COPY, and waited there for
the COPY to end. These tests run the project's Celery app in a real worker and follow the import as
a user does, through the job page:

- where another process can reach the test database (PostgreSQL) and Redis is there (REDIS_URL, the
  PostgreSQL leg of `make test`), the run's `celery -A config worker` process (tests/worker.py),
  which is then stopped with SIGTERM, or killed in the middle of an import;
- otherwise (the in-memory SQLite test database, which no other process can open) Celery's embedded
  worker in a thread of this process, on the broker the settings give (Redis, or kombu's in-memory
  transport).
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django.urls import reverse

from baodao.directory.models import ImportJob, Member
from baodao.directory.tests.test_import import id_number, member_row, upload, xlsx
from baodao.directory.tests.test_import import w as w  # the world fixture, shared
from tests.worker import DEADLINE, Worker
from tests.worker import wait_for as worker_wait_for

ROWS = 10_000  # the size that hung 4 times in 5 (measured by the testers)

pytestmark = pytest.mark.django_db(transaction=True)  # the worker reads committed rows only


def city_roster(rows: int, *, start: int = 0) -> Any:
    """`rows` valid member rows with ID numbers and mobiles of their own."""

    def row(i: int) -> list[Any]:
        day = i // 1000  # 1,000 sequence numbers a birth date
        birth = f"19{60 + day // 336:02d}{1 + day // 28 % 12:02d}{1 + day % 28:02d}"
        return member_row(i, 身份证号=id_number(i % 1000, birth=birth), 手机号=f"199{i:08d}")

    return xlsx("members", [row(i) for i in range(start, start + rows)])


def uploads_on_disk() -> list[Path]:
    return sorted((Path(django_settings.MEDIA_ROOT) / "imports").glob("*"))


def open_transactions() -> str:
    """The other sessions of the test database and what they are doing (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return ""
    with connections["default"].cursor() as cur:
        cur.execute(
            "SELECT pid, state, wait_event_type, wait_event, left(query, 80) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return "\n".join(str(r) for r in cur.fetchall())


def wait_for(check: Callable[[], Any], what: str | Callable[[], str], worker: Worker | None = None) -> Any:
    def said() -> str:
        return f"{what() if callable(what) else what}\n{open_transactions()}"

    return worker_wait_for(check, said, worker)


def busy_sessions() -> list[tuple]:
    """Other sessions of the test database running a statement (PostgreSQL)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid, left(query, 60) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state = 'active'"
        )
        return cur.fetchall()


def idle_in_transaction() -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'"
        )
        return cur.fetchall()


class Page:
    """The job page as htmx polls it: the block, its bar, whether it still polls."""

    PERCENT = re.compile(r'<progress max="100" value="(\d+)"')

    def __init__(self, client: Any, job: ImportJob) -> None:
        self.client = client
        self.url = reverse("import:job", args=[job.pk])
        self.seen: list[int] = []
        self.html = ""

    def poll(self) -> str:
        response = self.client.get(self.url, headers={"HX-Request": "true"})
        assert response.status_code == 200
        self.html = response.content.decode()
        if m := self.PERCENT.search(self.html):
            self.seen.append(int(m[1]))
        return self.html

    @property
    def polling(self) -> bool:
        return 'hx-trigger="every 1s"' in self.html

    def follow(self, until: Callable[[Page], bool], what: str, worker: Worker | None = None) -> None:
        def check() -> bool:
            self.poll()
            if until(self):
                return True
            if not self.polling:
                pytest.fail(f"the job ended before {what}:\n{self.html}")
            return False

        wait_for(check, lambda: f"{what} (the bar stood at {self.seen[-1:]}%)", worker)

    def past(self, percent: int) -> Callable[[Page], bool]:
        return lambda p: bool(p.seen) and p.seen[-1] >= percent


@contextlib.contextmanager
def unit_row_held(code: str) -> Iterator[None]:
    """Hold the unit's row FOR UPDATE from another connection (PostgreSQL): the import's check of its
    new members' foreign keys waits for it, so the import stays in its write transaction."""
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with connections["default"].cursor() as cur:
                cur.execute("BEGIN")
                cur.execute("SELECT id FROM directory_unit WHERE code = %s FOR UPDATE", [code])
                held.set()
                release.wait(DEADLINE)
                cur.execute("ROLLBACK")
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=hold, name="hold-unit-row", daemon=True)
    thread.start()
    assert held.wait(30)
    try:
        yield
    finally:
        release.set()
        done.wait(30)


# --- the tests ------------------------------------------------------------------------------------


@pytest.fixture
def staff(client: Any, w: SimpleNamespace) -> Any:
    client.force_login(w.staff_a)
    return client


@pytest.fixture
def sqlite_reads_uncommitted() -> Iterator[None]:
    """The in-memory SQLite test database is one shared cache whose table locks fail at once rather
    than wait: this connection reads like `make run`'s file database in WAL mode while a worker writes."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA read_uncommitted = 1")
    yield
    with connection.cursor() as cur:
        cur.execute("PRAGMA read_uncommitted = 0")


def test_real_worker_imports_a_city_roster_progress_moves_and_the_upload_is_gone(
    staff: Any, w: SimpleNamespace, sqlite_reads_uncommitted: None, celery_worker: Worker
) -> None:
    """10,000 members through a real worker: the page's bar moves (on PostgreSQL also while the rows
    are being written, in the import's open transaction, with the job's heartbeat going on), the job
    ends, every row is in, the upload with its plain ID numbers is off the disk, no transaction is
    left open; SIGTERM in the middle of the import stops the worker once the import is done."""
    before = Member.objects.count()
    worker = celery_worker
    as_process = worker.is_process
    rows = ROWS  # also on SQLite: an import of seconds against a heartbeat twice a second, so the bar moves
    with contextlib.ExitStack() as holding:
        if as_process:
            # The import will wait at its foreign-key check, inside its transaction, until the
            # page has shown the bar moving there.
            holding.enter_context(unit_row_held("U001"))

        response = upload(staff, "members", city_roster(rows))
        assert response.status_code == 302
        job = ImportJob.objects.get()
        page = Page(staff, job)
        assert uploads_on_disk()  # stored for the worker
        if as_process:
            # Rows read and checked (30% of the bar) and half written (65%): the bar says so while
            # the import's transaction is open, and the job's heartbeat goes on.
            page.follow(page.past(60), "the bar to pass 60% while writing", worker)
            assert page.polling and "正在校验和写入" in page.html
            beat = ImportJob.objects.get(pk=job.pk).heartbeat_at
            wait_for(lambda: ImportJob.objects.get(pk=job.pk).heartbeat_at > beat, "a later heartbeat", worker)
            assert Member.objects.count() == before  # not committed yet
            worker.signal(signal.SIGTERM)  # `kill -TERM <pid>`: a warm shutdown, after the running import
            holding.close()
        page.follow(lambda p: not p.polling, "the import to end", worker)
        if as_process:
            assert worker.wait_exit() == 0, worker.tail()

    assert re.search(f"全部 {rows // 1000},?000 行已导入", page.html), page.html
    progress = [p for p in page.seen if 0 < p < 100]
    assert progress and page.seen == sorted(page.seen), page.seen  # the bar moved, and only forward
    job.refresh_from_db()
    assert (job.status, job.committed, job.created_count, job.total) == ("done", True, rows, rows)
    assert Member.objects.count() == before + rows
    assert not job.file and uploads_on_disk() == []
    if connection.vendor == "postgresql":
        assert idle_in_transaction() == []


@pytest.mark.worker_process
def test_worker_killed_in_the_middle_the_job_is_failed_and_the_upload_deleted(
    staff: Any, w: SimpleNamespace, settings: Any, celery_worker: Worker
) -> None:
    """SIGKILL to the worker (the OOM killer, a power cut) in the middle of an import: nothing is
    written, and once its heartbeat is older than IMPORT_STALE_SECONDS the page shows the job failed
    with a message, and its upload is gone; no transaction is left open."""
    before = Member.objects.count()
    worker = celery_worker
    with unit_row_held("U001"):
        upload(staff, "members", city_roster(3000))
        job = ImportJob.objects.get()
        page = Page(staff, job)
        page.follow(page.past(60), "the bar to pass 60% while writing", worker)
        worker.signal(signal.SIGKILL, group=True)
        assert worker.wait_exit() == -signal.SIGKILL
        assert page.poll() and page.polling  # a moment later, the job still looks alive
    wait_for(lambda: idle_in_transaction() == [] and not busy_sessions(), "the dead worker's session to end")

    settings.IMPORT_STALE_SECONDS = 2
    page.follow(lambda p: not p.polling, "the job to be found lost", worker)

    assert "导入任务意外中断" in page.html and "重新上传" in page.html, page.html
    job.refresh_from_db()
    assert (job.status, job.committed, job.created_count) == ("failed", False, 0)
    assert job.finished_at is not None
    assert not job.file and uploads_on_disk() == []
    assert Member.objects.count() == before
