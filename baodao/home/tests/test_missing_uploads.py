"""An upload the row names but the uploads folder has lost (a database restored without it): a
placeholder or a plain message, never a 500 (issue 20, "Backup → restore").

Every view that serves an upload answers through `core.uploads.serve`, and code that reads one opens
it with `core.uploads.open_upload`; a test reads the project's code so that no other place opens or
serves a model's file on its own.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import models
from django.test import Client
from django.urls import reverse

from baodao.core import uploads
from baodao.directory import tasks
from baodao.directory.models import ImportJob
from baodao.directory.tests.test_import import member_row, xlsx
from baodao.needs.models import DemandPhoto
from baodao.needs.tests.conftest import ask
from baodao.needs.tests.test_services import jpeg_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_demands_photo_gone_from_the_uploads_shows_a_placeholder(world: SimpleNamespace, media: Path) -> None:
    demand = ask(world, photos=[jpeg_with_gps(), jpeg_with_gps()])
    kept, lost = DemandPhoto.objects.filter(demand=demand).order_by("id")
    (media / lost.image.name).unlink()
    staff = Client()
    staff.force_login(world.community_staff)

    page = staff.get(reverse("needs:demand", args=[demand.pk]))
    there = staff.get(reverse("needs:photo", args=[kept.pk]))
    gone = staff.get(reverse("needs:photo", args=[lost.pk]))

    assert page.status_code == 200 and reverse("needs:photo", args=[lost.pk]) in page.content.decode()
    assert there.status_code == 200 and there["Content-Type"] == "image/jpeg"
    assert b"".join(there.streaming_content)[:2] == b"\xff\xd8"
    assert gone.status_code == 200 and gone["Content-Type"].startswith("image/svg+xml")
    assert "照片文件缺失" in gone.content.decode() and gone["Cache-Control"] == "no-store"
    # Out of sight stays a 404, whether the file is there or not.
    other = Client()
    other.force_login(world.staff_b)
    assert other.get(reverse("needs:photo", args=[lost.pk])).status_code == 404


def test_an_import_whose_upload_is_gone_fails_with_a_message(world: SimpleNamespace, media: Path) -> None:
    job = ImportJob.objects.create(
        user=world.community_staff, kind="members", file=_stored(xlsx("members", [member_row(1)]))
    )
    (media / job.file.name).unlink()

    tasks.run_import(job.pk)

    job.refresh_from_db()
    assert (job.status, job.committed) == ("failed", False)
    assert "上传的文件已不在服务器上" in job.errors[0]["message"]
    staff = Client()
    staff.force_login(world.community_staff)
    page = staff.get(reverse("import:job", args=[job.pk])).content.decode()
    assert "上传的文件已不在服务器上" in page and "重新上传" in page


def _stored(buf: Any) -> Any:
    from django.core.files.base import ContentFile

    return ContentFile(buf.getvalue(), name="roster.xlsx")


def test_no_code_opens_or_serves_an_upload_but_core_uploads() -> None:
    """Every model file field (photos, roster uploads): `<row>.<field>.open(...)`, `.read()`, `.path`
    or `FileResponse(<row>.<field>...)` appear only in core/uploads.py, which copes with a missing file."""
    names = {
        f.name
        for m in apps.get_models()
        for f in m._meta.get_fields()
        if isinstance(f, models.FileField) and m.__module__.startswith("baodao.")
    }
    assert names >= {"image", "file"}
    root = Path(django_settings.BASE_DIR) / "baodao"
    found = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "uploads.py":
            continue
        text = path.read_text()
        if not any(f".{name}" in text for name in names):
            continue  # no attribute of that name at all: nothing to parse
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Attribute) and node.attr in {"open", "read", "path", "chunks"}:
                inner = node.value
                if isinstance(inner, ast.Attribute) and inner.attr in names:
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "FileResponse":
                for arg in ast.walk(node):
                    if isinstance(arg, ast.Attribute) and arg.attr in names:
                        found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == [], "open uploads through baodao.core.uploads (serve / open_upload)"
    assert uploads.PLACEHOLDER_HEADER
