"""Import jobs: the upload stored and the import started after the commit (see directory.tasks for where)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from baodao.accounts.models import User
from baodao.directory.importing.columns import TEMPLATES
from baodao.directory.models import ImportJob
from baodao.directory.tasks import import_start


def import_job_create(*, user: User, kind: str, file: Any, valid_only: bool = False) -> ImportJob:
    """Store the upload and run the import after the commit (see `tasks.import_start` for where)."""
    if kind not in TEMPLATES:
        raise ValueError(f"unknown import kind {kind!r}")
    job = ImportJob(user=user, kind=kind, valid_only=valid_only, filename=(getattr(file, "name", "") or "")[:200])
    job.file.save("upload.xlsx", file, save=False)
    job.save()
    transaction.on_commit(lambda: import_start(job.pk))
    return job
