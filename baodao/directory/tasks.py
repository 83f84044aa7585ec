"""Background jobs of the directory app: on a Celery worker with Redis, in this process without it.

Without REDIS_URL (`make run`, a single machine) Celery runs tasks eagerly, inside the call. For
the roster import that would mean inside the upload's POST: the browser would see no progress and
a large file could outlast a proxy's read timeout. So when tasks are eager and the
IMPORT_RUN_IN_THREAD setting is on (the default), `import_start` runs the job in a background
thread of this process and the upload redirects at once to the job page, which polls the progress
(from the cache: the same process's locmem cache, or Redis). The thread opens its own database
connections and closes them when the job ends; SQLite's WAL mode lets the pages read meanwhile.
One such import runs at a time per process (`IMPORT_LOCK`); later uploads wait as "排队中".
A thread dies with its process (a restart of the dev server, a recycled gunicorn worker), leaving
its job unfinished: deployments that import often should run Celery workers with Redis.

The test settings turn IMPORT_RUN_IN_THREAD off so that an upload imports synchronously; one test
turns it on and follows a real thread through the job page.
"""

from __future__ import annotations

import logging
import threading
import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.directory.importing.run import import_xlsx
from baodao.directory.models import ImportJob
from baodao.directory.signals import roster_imported

log = logging.getLogger(__name__)
PROGRESS_SECONDS = 0.5  # at most two progress writes a second, whatever the row count
IMPORT_LOCK = threading.Lock()  # background imports of this process, one at a time


def import_start(job_id: int) -> threading.Thread | None:
    """Run import job `job_id`: on a worker, in a background thread, or right now (see the module)."""
    if settings.CELERY_TASK_ALWAYS_EAGER and getattr(settings, "IMPORT_RUN_IN_THREAD", True):
        thread = threading.Thread(target=_run_in_thread, args=(job_id,), name=f"import-job-{job_id}", daemon=True)
        thread.start()
        return thread
    run_import.delay(job_id)
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
    """(processed, total) of a running job.

    The rows are written in one transaction, and the progress updates made inside it are not
    visible to other connections until it commits; the cache (Redis when workers run) carries the
    live figure, the row is the fallback.
    """
    live = cache.get(progress_key(job.pk))
    return tuple(live) if live else (job.processed, job.total)


@shared_task(ignore_result=True)
def run_import(job_id: int) -> None:
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(status=ImportJob.Status.RUNNING):
        return  # a redelivered message must not import twice
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_SECONDS or done >= total:
            last = now
            ImportJob.objects.filter(pk=job.pk).update(processed=done, total=total)
            cache.set(progress_key(job.pk), (done, total), timeout=3600)

    try:
        with job.file.open("rb") as fh:
            result = import_xlsx(kind=job.kind, file=fh, user=job.user, valid_only=job.valid_only, progress=progress)
    except Exception:
        # Logged without the file's content; the user sees a plain message.
        log.exception("import job %s failed", job.pk)
        job.status = ImportJob.Status.FAILED
        job.errors = [
            {"row": 0, "column": "", "message": _("导入时发生内部错误，未写入任何数据。请稍后重试或联系管理员。")}
        ]
        job.committed = False
        job.created_count = 0
    else:
        job.status = ImportJob.Status.DONE
        job.total = job.processed = result.total_rows
        job.created_count = result.created
        job.committed = result.committed
        job.errors = [{"row": e.row, "column": e.column, "message": e.message} for e in result.rejected]
        if result.committed and result.created:
            roster_imported.send(sender=ImportJob, kind=job.kind, created=result.created)
    finally:
        # Personal data must not linger on disk once the import has run.
        if job.file:
            job.file.delete(save=False)
    cache.delete(progress_key(job.pk))
    job.finished_at = timezone.now()
    job.save(
        update_fields=["status", "total", "processed", "created_count", "committed", "errors", "file", "finished_at"]
    )
