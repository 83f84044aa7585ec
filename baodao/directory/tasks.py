"""Background jobs of the directory app: on a Celery worker with Redis, in this process without it.

Without REDIS_URL (`make run`, a single machine) Celery runs tasks eagerly, inside the call. For
the roster import that would mean inside the upload's POST: the browser would see no progress and
a large file could outlast a proxy's read timeout. So when tasks are eager and the
IMPORT_RUN_IN_THREAD setting is on (the default), `import_start` runs the job in a background
thread of this process and the upload redirects at once to the job page, which polls the progress.
The thread opens its own database connections and closes them when the job ends; SQLite's WAL mode
lets the pages read meanwhile. One such import runs at a time per process (`IMPORT_LOCK`); later
uploads wait as "排队中".

Progress and liveness. The import writes its rows in one transaction, on PostgreSQL with COPY; the
import's own connection is busy (psycopg holds its lock for the whole COPY) and what it writes is
invisible to others until the commit. So the import reports its progress only to memory, and a
heartbeat thread of the job (`Heartbeat`), on a database connection of its own in autocommit,
copies it twice a second to the job's row — a row the import's transaction never locks — with the
time (`heartbeat_at`), and to the cache. That thread never holds up the import; where it cannot
write at once (SQLite allows one writer, and the import is it) it skips the beat.

A job whose worker died (killed, out of memory, a restarted server) stops beating: after
IMPORT_STALE_SECONDS (120) without a beat, `import_jobs_expire` marks it failed with a message and
deletes its upload; the same for a job still queued after IMPORT_PENDING_SECONDS (an hour), and any
upload no waiting or running job needs (the upload holds plain ID numbers). It runs when the job
page or the import page is opened, when a worker starts a job, and from cron
(`manage.py expire_imports`).

The test settings turn IMPORT_RUN_IN_THREAD off so that an upload imports synchronously; one test
turns it on and follows a real thread through the job page; test_import_worker runs a real worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import Storage
from django.db import DatabaseError, connection, connections, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.core import jobs, uploads
from baodao.core.transitions import apply, apply_where
from baodao.directory.importing.plan import ImportResult
from baodao.directory.importing.run import import_xlsx
from baodao.directory.models import ImportJob
from baodao.directory.signals import roster_imported
from baodao.directory.transitions import import_jobs

log = logging.getLogger(__name__)
IMPORT_LOCK = threading.Lock()  # background imports of this process, one at a time
HEARTBEAT_SECONDS = 0.5  # the page polls every second: each poll finds a new figure
HEARTBEAT_LOCK_WAIT_MS = 500  # a beat that would wait longer for a lock is skipped, not waited for
UPLOADS = "imports"  # the folder of ImportJob.file, under MEDIA_ROOT
# A file per running job touched at each beat, beside the uploads: its time is seen by every process
# of the machine, where the cache may be one process's own (no Redis) and SQLite's one writer may be
# busy with the import, so that neither the row nor the cache shows another process the beat.
BEATS = "import-beats"


def beat_name(job_id: int) -> str:
    return f"{BEATS}/{job_id}"


def stale_seconds() -> int:
    """Seconds without a heartbeat after which a running job counts as lost: long against the 0.5 s
    beat, so that a beat skipped while SQLite's one writer is busy never trips it."""
    return int(getattr(settings, "IMPORT_STALE_SECONDS", 120))


def pending_seconds() -> int:
    return int(getattr(settings, "IMPORT_PENDING_SECONDS", 3600))


def import_start(job_id: int) -> threading.Thread | None:
    """Run import job `job_id`: on a worker, in a background thread, or right now (see the module)."""
    if settings.CELERY_TASK_ALWAYS_EAGER and getattr(settings, "IMPORT_RUN_IN_THREAD", True):
        thread = threading.Thread(target=_run_in_thread, args=(job_id,), name=f"import-job-{job_id}", daemon=True)
        thread.start()
        return thread
    if not jobs.enqueue(run_import, job_id):
        # No broker: the job would wait for ever with its upload on disk; the user is there to upload again.
        message = _("后台服务暂时不可用，导入没有开始，上传的文件已删除。请稍后重新上传。")
        _job_fail(job_id, (ImportJob.Status.PENDING,), message)
    return None


def _run_in_thread(job_id: int) -> None:
    try:
        with IMPORT_LOCK:
            run_import(job_id)
    except Exception:  # run_import records the import's own failures; this is anything around it
        log.exception("background import job %s failed", job_id)
    finally:
        connections.close_all()  # this thread's connections only: they are per thread


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def job_progress(job: ImportJob) -> tuple[int, int]:
    """(processed, total) of a running job: the cache's figure (the heartbeat's), else the row's."""
    live = cache.get(progress_key(job.pk))
    row = (job.processed, job.total)
    if not live:
        return row
    # The row may be ahead (the cache entry lost and set again late) or behind (its write missed a
    # lock): the bar shows the further of the two, never a step back.
    return max((live[0], live[1]), row, key=lambda p: p[0] / p[1] if p[1] else 0)


class Heartbeat:
    """The running job's progress and liveness, written twice a second by a thread of its own.

    `report` is the import's progress callback: it only keeps the figures in memory, so the import
    never waits on the database (or the cache) for its progress. The thread writes them with the
    time to the job's row through its own connection in autocommit (Django's connections are per
    thread), never waiting long for a lock, and to the cache.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.figures = (0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-heartbeat-{job_id}", daemon=True)

    def report(self, done: int, total: int) -> None:
        self.figures = (done, total)  # one assignment: the thread reads a whole pair

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10 * HEARTBEAT_SECONDS)
        _upload_delete(beat_name(self.job_id))

    def _run(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                self.beat()
        finally:
            connections.close_all()  # this thread's

    def beat(self) -> None:
        done, total = self.figures
        now = timezone.now()
        try:
            cache.set(progress_key(self.job_id), (done, total, now.timestamp()), timeout=stale_seconds() * 2)
        except Exception as exc:  # a cache outage must not stop the beats to the row
            log.warning("import job %s: progress not cached (%s)", self.job_id, type(exc).__name__)
        try:
            path = Path(_upload_storage().path(beat_name(self.job_id)))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        except (NotImplementedError, OSError) as exc:  # a storage without local paths: row and cache only
            log.debug("import job %s: beat file not touched (%s)", self.job_id, exc)
        try:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(f"SET lock_timeout = {HEARTBEAT_LOCK_WAIT_MS}")
                elif connection.vendor == "sqlite":
                    cursor.execute(f"PRAGMA busy_timeout = {HEARTBEAT_LOCK_WAIT_MS}")
            # Only a running job: a beat late for the end must not bring a finished job back.
            ImportJob.objects.filter(pk=self.job_id, status=ImportJob.Status.RUNNING).update(
                processed=done, total=total, heartbeat_at=now
            )
        except DatabaseError as exc:
            # SQLite while the import writes (one writer at a time): the next beat tries again.
            log.debug("import job %s: heartbeat skipped (%s)", self.job_id, exc)


def interrupted_message() -> str:
    return _("导入任务意外中断（处理它的后台服务已停止），上传的文件已删除。请重新上传。")


@shared_task(ignore_result=True)
def run_import(job_id: int) -> None:
    if not apply_where(
        import_jobs, "start", ImportJob.objects.filter(pk=job_id), changes={"heartbeat_at": timezone.now()}
    ):
        return  # a redelivered message must not import twice
    try:
        import_jobs_expire()  # the jobs of workers that died before this one started
    except Exception:  # housekeeping for others: never a reason for this job to fail
        log.exception("expiring lost import jobs failed")
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    result: ImportResult | None = None
    failure = interrupted_message()  # unless the import returns or raises: the worker is being stopped
    try:
        with Heartbeat(job.pk) as heartbeat, uploads.open_upload(job.file) as fh:
            result = import_xlsx(
                kind=job.kind, file=fh, user=job.user, valid_only=job.valid_only, progress=heartbeat.report
            )
    except uploads.UploadMissing:
        # The uploads folder lost it (a database restored without it, a cleanup): nothing to import.
        failure = _("上传的文件已不在服务器上（可能恢复备份时没有一并恢复上传文件夹），未写入任何数据。请重新上传。")
    except Exception:
        # Logged without the file's content; the user sees a plain message.
        log.exception("import job %s failed", job.pk)
        failure = _("导入时发生内部错误，未写入任何数据。请稍后重试或联系管理员。")
    finally:
        _job_finish(job, result, failure)
    if result is not None and result.committed and result.created:
        roster_imported.send(sender=ImportJob, kind=job.kind, created=result.created)


def _job_finish(job: ImportJob, result: ImportResult | None, failure: str) -> None:
    """Whatever the outcome: the upload off the disk, the outcome on the row."""
    _upload_delete(job.file.name)
    if result is None:
        step, total = "fail", {"total": job.total, "processed": job.processed}  # as the job was read
        outcome = {"errors": [{"row": 0, "column": "", "message": failure}], "committed": False, "created_count": 0}
    else:
        step, total = "finish", {"total": result.total_rows, "processed": result.total_rows}
        outcome = {
            "created_count": result.created,
            "committed": result.committed,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.rejected],
        }
    # The outcome is the truth even if a page took this job for lost meanwhile (see import_jobs_expire).
    apply(import_jobs, step, job, changes={**total, **outcome, "file": "", "finished_at": timezone.now()})
    cache.delete(progress_key(job.pk))


def _job_fail(job_id: int, states: tuple[str, ...], message: str, **unchanged: object) -> bool:
    """Mark the job failed if it is still in one of `states` (and as `unchanged` says), and delete its upload."""
    job = ImportJob.objects.filter(pk=job_id).only("file").first()
    if job is None:
        return False
    failed = apply_where(
        import_jobs,
        "lose",
        ImportJob.objects.filter(pk=job_id, status__in=states, **unchanged),
        changes={
            "errors": [{"row": 0, "column": "", "message": message}],
            "committed": False,
            "created_count": 0,
            "file": "",
            "finished_at": timezone.now(),
        },
    )
    if failed:
        _upload_delete(job.file.name)
        cache.delete(progress_key(job_id))
    return bool(failed)


def _upload_storage() -> Storage:
    field = ImportJob._meta.get_field("file")
    assert isinstance(field, models.FileField)
    return field.storage


def _upload_delete(name: str | None) -> None:
    if not name:
        return
    try:
        _upload_storage().delete(name)
    except OSError:
        log.exception("import upload %s could not be deleted", name)


def import_jobs_expire(*, job_id: int | None = None) -> int:
    """Fail the jobs that lost their worker or never got one, deleting their uploads; and (for all
    jobs) delete every upload that no waiting or running job needs. Returns the jobs failed."""
    now = timezone.now()
    lost = now - dt.timedelta(seconds=stale_seconds())
    waited = now - dt.timedelta(seconds=pending_seconds())
    jobs = ImportJob.objects.filter(
        Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=lost)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__isnull=True, created_at__lt=lost)
        | Q(status=ImportJob.Status.PENDING, created_at__lt=waited)
    )
    if job_id is not None:
        jobs = jobs.filter(pk=job_id)
    failed = 0
    for pk, status, heartbeat_at in jobs.values_list("pk", "status", "heartbeat_at"):
        if status == ImportJob.Status.RUNNING:
            live = cache.get(progress_key(pk))
            if live and len(live) > 2 and live[2] >= lost.timestamp():
                continue  # beating, into the cache only (SQLite's writer was busy)
            if _beat_seen(pk, since=lost):
                continue  # beating in another process (its cache is its own, the row was busy)
            # Unless it beat meanwhile: the same stamp as read.
            if _job_fail(pk, (status,), interrupted_message(), heartbeat_at=heartbeat_at):
                failed += 1
                log.warning("import job %s: no heartbeat since %s, marked failed", pk, heartbeat_at)
        elif _job_fail(
            pk,
            (status,),
            _("导入任务排队超过%(n)s分钟仍未开始（后台服务可能没有运行），上传的文件已删除。请稍后重新上传。")
            % {"n": pending_seconds() // 60},
        ):
            failed += 1
            log.warning("import job %s: still queued after %s s, marked failed", pk, pending_seconds())
    if job_id is None:
        _uploads_sweep(now - dt.timedelta(seconds=stale_seconds()))
    return failed


def _beat_seen(job_id: int, *, since: dt.datetime) -> bool:
    try:
        return _upload_storage().get_modified_time(beat_name(job_id)) >= since
    except (FileNotFoundError, NotImplementedError, OSError):
        return False


def _uploads_sweep(older_than: dt.datetime) -> None:
    """Delete the uploads that no waiting or running job holds (a job whose row was deleted, a
    finished job whose final save failed), once older than a moment: a new upload is stored just
    before its job's row."""
    storage = _upload_storage()
    try:
        names = storage.listdir(UPLOADS)[1]
    except FileNotFoundError:
        return
    needed = set(
        ImportJob.objects.filter(status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING])
        .exclude(file="")
        .values_list("file", flat=True)
    )
    ImportJob.objects.filter(status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED]).exclude(file="").update(
        file=""
    )
    for name in names:
        path = f"{UPLOADS}/{name}"
        if path in needed:
            continue
        try:
            if storage.get_modified_time(path) < older_than:
                storage.delete(path)
        except FileNotFoundError:
            continue
    try:
        beats = storage.listdir(BEATS)[1]
    except FileNotFoundError:
        beats = []
    for name in beats:  # a beat file left by a worker that died: stale, like its job
        try:
            if storage.get_modified_time(f"{BEATS}/{name}") < older_than:
                storage.delete(f"{BEATS}/{name}")
        except FileNotFoundError:
            continue


def imports_sweep() -> int:
    """Run by each worker every WORKER_SWEEP_SECONDS (config/celery.py): the jobs whose worker died
    are failed and their uploads deleted, without waiting for someone to open the job's page."""
    return import_jobs_expire()
