"""A FIELD_KEY that does not match the data (a restore with another key): nothing starts (issue 20).

Before: most pages 500, member logins 500, and a re-import wrote the same people a second time under
the new key. Now a check value written at the first migration (or, for an older database, at the
first start whose key reads its data) must decrypt, or manage.py, gunicorn and a Celery worker exit
with one Chinese and English line; no check is ever written under a key that does not read the data.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from baodao.accounts import keycheck
from baodao.accounts.models import FieldKeyCheck
from baodao.core import crypto
from baodao.directory.models import Member
from conftest import TEST_FIELD_KEY

OTHER_KEY = "fedcba98765432100123456789abcdef"
ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def key(settings: Any) -> Iterator[Any]:
    """Set FIELD_KEY for this test (`key.use(...)`); the tests' key is back afterwards."""

    class Key:
        def use(self, value: str) -> None:
            settings.FIELD_KEY = value
            crypto._keys.cache_clear()

    yield Key()
    crypto._keys.cache_clear()  # `settings` puts the tests' key back after this


@pytest.mark.django_db
def test_the_check_is_written_at_the_first_migration_with_the_key_of_the_time() -> None:
    (row,) = FieldKeyCheck.objects.all()
    assert crypto.decrypt(row.token) == keycheck.CHECK_TEXT
    assert keycheck.ensure() == keycheck.OK


@pytest.mark.django_db
def test_another_key_is_refused_in_one_line(key: Any, capsys: pytest.CaptureFixture[str]) -> None:
    key.use(OTHER_KEY)

    assert keycheck.ensure() == keycheck.MISMATCH
    with pytest.raises(SystemExit) as exited:
        keycheck.refuse_if_mismatched()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "FIELD_KEY 与数据库中已加密的数据不符" in err and "refusing to start" in err
    (error,) = keycheck.check_field_key_matches(None)
    assert error.id == "baodao.E002"


def test_a_database_from_before_the_check_gets_it_only_from_a_key_that_reads_its_data(
    world: SimpleNamespace, key: Any
) -> None:
    """No check row yet, members' ID numbers stored: another key writes no check and is refused;
    the key that encrypted them writes the check."""
    FieldKeyCheck.objects.all().delete()
    key.use(OTHER_KEY)

    assert keycheck.ensure() == keycheck.MISMATCH
    assert not FieldKeyCheck.objects.exists()

    key.use(TEST_FIELD_KEY)
    assert keycheck.ensure() == keycheck.OK
    assert crypto.decrypt(FieldKeyCheck.objects.get().token) == keycheck.CHECK_TEXT


@pytest.mark.django_db
def test_a_new_database_takes_the_key_it_first_meets(key: Any) -> None:
    FieldKeyCheck.objects.all().delete()
    assert not Member.objects.exists()
    key.use(OTHER_KEY)

    assert keycheck.ensure() == keycheck.OK
    assert crypto.decrypt(FieldKeyCheck.objects.get().token) == keycheck.CHECK_TEXT


# --- the processes, with another key --------------------------------------------------------------


def database_for_another_process(tmp_path: Path) -> str:
    """A DATABASE_URL another process can open holding what this test committed: the test database
    itself on PostgreSQL; a file copy of the in-memory SQLite one."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        return "postgres://{}:{}@{}:{}/{}".format(
            quote(db["USER"], safe=""), quote(db["PASSWORD"], safe=""), db["HOST"], db["PORT"], db["NAME"]
        )
    path = tmp_path / "copy.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(path)])
    return f"sqlite:///{path}"


def environment(database_url: str, field_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FIELD_KEY", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        FIELD_KEY=field_key,
        DEBUG="0",
        SECRET_KEY="key-check-" + uuid.uuid4().hex,
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db(transaction=True)  # the other processes read committed rows only
def test_manage_py_gunicorn_and_the_worker_refuse_another_key(world: SimpleNamespace, tmp_path: Path) -> None:
    """The three start at once (a command, the web server, a worker), each with the other key."""
    wrong = environment(database_for_another_process(tmp_path), OTHER_KEY)
    python = sys.executable
    gunicorn = [python, "-m", "gunicorn", "config.wsgi:application", "--workers", "1"]
    gunicorn += ["--bind", f"127.0.0.1:{free_port()}", "--graceful-timeout", "5"]
    worker = [python, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", f"key-{uuid.uuid4().hex}"]
    started = {
        name: subprocess.Popen(
            command,
            cwd=ROOT,
            env=wrong,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for name, command in [
            ("manage.py", [python, "manage.py", "expire_imports"]),
            ("gunicorn", gunicorn),
            ("worker", worker),
        ]
    }
    ended = {}
    try:
        for name, process in started.items():
            out, err = process.communicate(timeout=120)
            ended[name] = (process.returncode, out, err)
    finally:
        for process in started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)

    code, out, err = ended["manage.py"]
    assert (code, out, err.strip()) == (1, "", keycheck.MESSAGE)
    code, _out, err = ended["gunicorn"]
    assert code != 0 and keycheck.MESSAGE in err  # stopped: it does not start a worker again and again
    code, out, err = ended["worker"]
    assert code != 0 and keycheck.MESSAGE in err, (out, err)
    # Nothing was written under the other key: the check row is the one of the tests' key.
    assert crypto.decrypt(FieldKeyCheck.objects.get().token) == keycheck.CHECK_TEXT
