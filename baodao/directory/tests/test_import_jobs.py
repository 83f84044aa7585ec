"""Import jobs end, whatever happens: the upload (plain ID numbers) leaves the disk, and a job whose
worker died is shown failed with a message (issue 19, point 7). The real worker: test_import_worker."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from baodao.directory import tasks
from baodao.directory.models import ImportJob, Member
from baodao.directory.tests.test_import import member_row, upload, xlsx
from baodao.directory.tests.test_import import w as w  # the world fixture, shared

STALE = 60


@pytest.fixture
def staff(client: Any, w: SimpleNamespace) -> Any:
    client.force_login(w.staff_a)
    return client


def uploads_on_disk(settings: Any) -> set[str]:
    return {p.name for p in (Path(settings.MEDIA_ROOT) / "imports").glob("*")}


def job_with_upload(w: SimpleNamespace, content: bytes | None = None, **fields: Any) -> ImportJob:
    job = ImportJob(user=w.staff_a, kind=fields.pop("kind", "members"), **fields)
    job.file.save("x.xlsx", ContentFile(content or xlsx("members", [member_row(1)]).getvalue()), save=False)
    job.save()
    return job


def back_date(job: ImportJob, seconds: int, **also: Any) -> None:
    then = timezone.now() - dt.timedelta(seconds=seconds)
    ImportJob.objects.filter(pk=job.pk).update(created_at=then, **{k: then for k in also})


ROW_ERRORS = xlsx("members", [member_row(1, 手机号="1")]).getvalue()
BAD_HEADERS = xlsx("members", [member_row(1)], headers=["名字"]).getvalue()


@pytest.mark.parametrize(
    ("content", "kind", "status", "committed"),
    [
        pytest.param(None, "members", "done", True, id="imported"),
        pytest.param(ROW_ERRORS, "members", "done", False, id="row-errors"),
        pytest.param(BAD_HEADERS, "members", "done", False, id="bad-file"),
        pytest.param(b"PK\x03\x04 not a zip", "members", "done", False, id="not-xlsx"),
        pytest.param(None, "nonsense", "failed", False, id="crash"),  # import_xlsx raises
    ],
)
def test_the_upload_is_deleted_whatever_the_outcome(
    w: SimpleNamespace, settings: Any, content: bytes | None, kind: str, status: str, committed: bool
) -> None:
    job = job_with_upload(w, content, kind=kind)
    assert uploads_on_disk(settings)

    tasks.run_import(job.pk)

    job.refresh_from_db()
    assert (job.status, job.committed) == (status, committed)
    assert job.errors if not committed else not job.errors
    assert job.finished_at is not None
    assert not job.file and uploads_on_disk(settings) == set()


def test_a_job_the_broker_refuses_fails_at_once_and_its_upload_is_deleted(
    staff: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """Redis down when the upload is queued: no job waits for ever with its file on disk."""
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def broker_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_import, "delay", broker_down)  # the broker is the outside world

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff, "members", xlsx("members", [member_row(1)]))

    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "failed" and not job.file and uploads_on_disk(settings) == set()
    page = staff.get(response["Location"]).content.decode()
    assert "后台服务暂时不可用" in page and 'hx-trigger="every 1s"' not in page


def test_a_job_whose_worker_died_is_failed_with_a_message_and_its_upload_deleted(
    staff: Any, w: SimpleNamespace, settings: Any
) -> None:
    settings.IMPORT_STALE_SECONDS = STALE
    lost = job_with_upload(w, status="running")
    back_date(lost, STALE + 1, heartbeat_at=True)
    url = reverse("import:job", args=[lost.pk])

    page = staff.get(url, headers={"HX-Request": "true"}).content.decode()

    assert "导入任务意外中断" in page and "重新上传" in page
    assert 'hx-trigger="every 1s"' not in page
    lost.refresh_from_db()
    assert (lost.status, lost.committed, lost.created_count) == ("failed", False, 0)
    assert lost.finished_at is not None and not lost.file
    assert uploads_on_disk(settings) == set()
    assert Member.objects.count() == 1
    # Failed once: a later look finds it as it was.
    assert staff.get(url).content.decode().count("导入任务意外中断") == 1


def test_a_job_that_beats_is_left_running(staff: Any, w: SimpleNamespace, settings: Any) -> None:
    """A fresh heartbeat on the row, or in the cache only (SQLite's one writer was busy with the
    import, so the row could not be stamped): the job runs on and keeps its upload."""
    settings.IMPORT_STALE_SECONDS = STALE
    beating = job_with_upload(w, status="running")
    back_date(beating, 3600, heartbeat_at=False)
    ImportJob.objects.filter(pk=beating.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=STALE - 5))
    cached = job_with_upload(w, status="running")
    tasks.Heartbeat(cached.pk).beat()
    back_date(cached, STALE + 1, heartbeat_at=True)
    started = job_with_upload(w, status="running")  # claimed a moment ago, no beat yet

    assert tasks.import_jobs_expire() == 0
    for job in (beating, cached, started):
        page = staff.get(reverse("import:job", args=[job.pk])).content.decode()
        assert 'hx-trigger="every 1s"' in page and "正在校验和写入" in page
    assert set(ImportJob.objects.values_list("status", flat=True)) == {"running"}
    assert len(uploads_on_disk(settings)) == 3


def test_a_job_beating_in_another_process_is_left_running(w: SimpleNamespace, settings: Any) -> None:
    """`make run` without Redis: two gunicorn processes, each with a cache of its own, on SQLite whose
    one writer the import holds, so neither the row nor this process's cache shows the beats. The
    beat file, touched by the importing process, does: the job is not failed under it."""
    from django.core.cache import cache

    settings.IMPORT_STALE_SECONDS = STALE
    job = job_with_upload(w, status="running")
    tasks.Heartbeat(job.pk).beat()  # the other process's beat: its file...
    cache.delete(tasks.progress_key(job.pk))  # ...but not in this process's cache
    back_date(job, STALE + 1, heartbeat_at=True)  # nor on the row

    assert tasks.import_jobs_expire() == 0
    assert ImportJob.objects.get(pk=job.pk).status == "running"

    beat = Path(settings.MEDIA_ROOT) / tasks.beat_name(job.pk)
    old = (timezone.now() - dt.timedelta(seconds=STALE + 1)).timestamp()
    os.utime(beat, (old, old))  # the beats stopped: the worker died
    assert tasks.import_jobs_expire() == 1
    assert ImportJob.objects.get(pk=job.pk).status == "failed"
    assert not beat.exists()  # swept with the stale upload


def test_heartbeat_writes_progress_to_the_row_of_a_running_job_only(w: SimpleNamespace) -> None:
    job = ImportJob.objects.create(user=w.staff_a, kind="members", status="running")
    heartbeat = tasks.Heartbeat(job.pk)

    heartbeat.report(300, 1000)
    heartbeat.beat()

    job.refresh_from_db()
    assert (job.processed, job.total) == (300, 1000) and job.heartbeat_at is not None
    assert tasks.job_progress(job) == (300, 1000)
    # A beat late for the end does not bring a finished job back.
    ImportJob.objects.filter(pk=job.pk).update(status="done", processed=1000, total=1000, heartbeat_at=None)
    heartbeat.report(900, 1000)
    heartbeat.beat()
    job.refresh_from_db()
    assert (job.status, job.processed, job.heartbeat_at) == ("done", 1000, None)


def test_the_bar_never_steps_back_when_the_cache_is_busy_or_the_row_is_behind(w: SimpleNamespace) -> None:
    """A busy site fills the cache with other keys (sessions, rate limits, home pages): the running
    import's figure stays, and a row left behind by a missed write never pulls the bar back."""
    job = ImportJob.objects.create(user=w.staff_a, kind="members", status="running")
    heartbeat = tasks.Heartbeat(job.pk)
    heartbeat.report(440, 1000)
    heartbeat.beat()
    ImportJob.objects.filter(pk=job.pk).update(processed=90)  # the row's write missed a lock
    job.refresh_from_db()
    for i in range(2000):
        cache.set(f"busy-site-{i}", i)
    assert tasks.job_progress(job) == (440, 1000)
    # The cache behind the row (an entry set late): the row's further figure is shown.
    ImportJob.objects.filter(pk=job.pk).update(processed=600, total=1000)
    job.refresh_from_db()
    assert tasks.job_progress(job) == (600, 1000)


def test_expire_imports_fails_jobs_queued_too_long_and_deletes_uploads_no_job_needs(
    w: SimpleNamespace, settings: Any
) -> None:
    """`manage.py expire_imports` (cron): a job queued past IMPORT_PENDING_SECONDS (no worker runs),
    an upload whose job row is gone, a finished job's upload left behind — all off the disk; a
    job queued a moment ago and a new upload whose row is not written yet stay."""
    settings.IMPORT_STALE_SECONDS = STALE
    settings.IMPORT_PENDING_SECONDS = 3600
    forgotten = job_with_upload(w)
    back_date(forgotten, 3601)
    waiting = job_with_upload(w)
    finished = job_with_upload(w, status="done")
    gone = job_with_upload(w)
    gone_name = Path(gone.file.name).name
    ImportJob.objects.filter(pk=gone.pk).delete()
    arriving = Path(settings.MEDIA_ROOT) / "imports" / "arriving.xlsx"
    arriving.write_bytes(b"PK\x03\x04")
    old = (timezone.now() - dt.timedelta(seconds=STALE + 1)).timestamp()
    for job in (forgotten, waiting, finished):
        os.utime(job.file.path, (old, old))
    os.utime(Path(settings.MEDIA_ROOT) / "imports" / gone_name, (old, old))

    call_command("expire_imports", stdout=open(os.devnull, "w"))  # noqa: SIM115

    forgotten.refresh_from_db()
    assert forgotten.status == "failed" and "排队超过60分钟仍未开始" in forgotten.errors[0]["message"]
    waiting.refresh_from_db()
    finished.refresh_from_db()
    assert waiting.status == "pending" and waiting.file
    assert finished.status == "done" and not finished.file
    assert uploads_on_disk(settings) == {Path(waiting.file.name).name, "arriving.xlsx"}
    assert cache.get(tasks.progress_key(forgotten.pk)) is None
