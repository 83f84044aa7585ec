"""Backup → restore as README's backup section says (issue 20): `pg_dump` of the database, a copy of
the uploads folder, FIELD_KEY kept apart. Restored into a fresh database with the uploads copied
beside it, every table holds the same rows, every encrypted value decrypts (with the same key) to
what it was, and every file a row names is there with the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from django.apps import apps
from django.db import connection, models
from django.utils import timezone

from baodao.core import crypto
from baodao.core.fields import EncryptedTextField
from baodao.directory.models import Member
from baodao.needs.tests.conftest import ask
from baodao.needs.tests.test_services import jpeg_with_gps
from baodao.records.tests.conftest import rw as rw  # members with confirmed reports, who may log service
from baodao.records.tests.test_services import log, photo

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]  # pg_dump reads committed rows


def pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGHOST": db["HOST"] or "", "PGPORT": str(db["PORT"] or ""), "PGUSER": db["USER"] or ""}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def pg(*command: str) -> None:
    subprocess.run(command, env=pg_env(), check=True, capture_output=True, text=True)


@pytest.fixture
def fresh_database() -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_restored"
    pg("dropdb", "--if-exists", name)
    pg("createdb", name)
    yield name
    pg("dropdb", "--if-exists", name)


def connect(name: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"] or None, dbname=name
    )


def row_counts(conn: psycopg.Connection, tables: list[str]) -> dict[str, int]:
    with conn.cursor() as cur:
        counts = {}
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cur.fetchone()[0]  # type: ignore[index]
    return counts


def fields_of(kind: type[models.Field]) -> list[tuple[str, str]]:
    """(table, column) of every field of this kind in the project's models."""
    return [
        (m._meta.db_table, f.column)
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, kind) and m.__module__.startswith("baodao.")
    ]


def column(conn: psycopg.Connection, table: str, name: str) -> list[tuple[Any, str]]:
    with conn.cursor() as cur:
        cur.execute(f'SELECT id, "{name}" FROM "{table}" WHERE "{name}" <> \'\' ORDER BY id')
        return list(cur.fetchall())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_dump_and_the_uploads_restored_into_a_fresh_database_keep_rows_values_and_files(
    rw: SimpleNamespace, settings: Any, tmp_path: Path, fresh_database: str
) -> None:
    media = settings.MEDIA_ROOT = tmp_path / "media"
    ask(rw, photos=[jpeg_with_gps(), jpeg_with_gps()])
    log(rw, timezone.now() - dt.timedelta(hours=3), hours=2, photos=[photo()])
    dump = tmp_path / "baodao.dump"

    # The backup: the database, and the uploads folder (FIELD_KEY is kept apart, and the same here).
    pg("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", connection.settings_dict["NAME"])
    backup_media = tmp_path / "backup-media"
    shutil.copytree(media, backup_media)
    # The restore: a fresh database, the uploads copied where the restored site's MEDIA_ROOT points.
    pg("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={fresh_database}", str(dump))
    restored_media = tmp_path / "restored-media"
    shutil.copytree(backup_media, restored_media)

    tables = sorted(connection.introspection.table_names())
    encrypted = fields_of(EncryptedTextField)
    files = fields_of(models.FileField)
    with connect(connection.settings_dict["NAME"]) as before, connect(fresh_database) as after:
        counts = row_counts(before, tables)
        assert row_counts(after, tables) == counts
        assert len(tables) > 70 and counts["directory_member"] == Member.objects.count() > 0
        for table, name in encrypted:
            assert [(pk, crypto.decrypt(v)) for pk, v in column(after, table, name)] == [
                (pk, crypto.decrypt(v)) for pk, v in column(before, table, name)
            ], f"{table}.{name}"
        named = [(table, name, file) for table, name in files for _pk, file in column(after, table, name)]
        # What the site shows is what the restored database decrypts to.
        assert sorted(m.id_number for m in Member.objects.all()) == sorted(
            crypto.decrypt(v) for _pk, v in column(after, "directory_member", "id_number")
        )
    assert {t for t, _n, _f in named} >= {"needs_demandphoto", "records_recordphoto"}
    for _table, _name, file in named:
        assert digest(restored_media / file) == digest(media / file), file
