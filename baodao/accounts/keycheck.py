"""Refuse to start with a FIELD_KEY that does not match the data (a restore with another key).

With the wrong key every page that shows an ID number or a mobile fails, members cannot log in by
their mobile, and a re-import writes the same people a second time under the new key — rows that
become unreadable once the right key is back. So a process checks its key before it serves or works:

- `FieldKeyCheck` holds a known text encrypted with the key; it is written right after the first
  migration (post_migrate), or, for a database with personal data from before this check, at the
  first start whose key decrypts that data (a sample from every encrypted column's table).
- `refuse_if_mismatched()` runs where processes start — manage.py (every command but a few that
  never read data), config/wsgi.py (gunicorn) and a Celery worker's init (config/celery.py) — and
  exits with one Chinese and English line when the key cannot decrypt the check or the data.
- The same verdict is a system check (baodao.E002) for `manage.py check`.

A database that cannot be reached, or has no check table yet (before `migrate`), is not judged here.
"""

from __future__ import annotations

import sys

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.core.checks import CheckMessage
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connection, transaction

from baodao.core import crypto
from baodao.core.fields import EncryptedTextField

CHECK_TEXT = "baodao field key check"
MESSAGE = (
    "FIELD_KEY 与数据库中已加密的数据不符（是否用了另一把密钥？），拒绝启动；请设置加密这些数据时用的 FIELD_KEY。"
    " / FIELD_KEY does not match the data in the database (was another key used?): refusing to start;"
    " set the FIELD_KEY the data was encrypted with."
)
# manage.py commands that never read personal data, and run where no database may be (a build step).
COMMANDS_WITHOUT_DATA = {"collectstatic", "compilemessages", "makemessages", "makemigrations", "help", "version"}
OK, MISMATCH, UNKNOWN = "ok", "mismatch", "unknown"


def _decrypts(token: str) -> bool:
    try:
        crypto.decrypt(token)
    except (InvalidTag, ValueError):
        return False
    return True


def _sample() -> str | None:
    """One stored ciphertext, from the first table that has any: what the current key must read."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                table = connection.ops.quote_name(model._meta.db_table)
                column = connection.ops.quote_name(field.column or field.name)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' LIMIT 1")
                    row = cursor.fetchone()
                if row and row[0]:
                    return str(row[0])
    return None


def ensure() -> str:
    """OK when the key reads the check (written now if there is none and the key reads the data),
    MISMATCH when it does not, UNKNOWN when the database or the key cannot be had."""
    from baodao.accounts.models import FieldKeyCheck  # this module is read before django.setup()

    try:
        crypto._keys()
    except ImproperlyConfigured:
        return UNKNOWN  # no key at all: the system check baodao.E001 says so
    try:
        token = FieldKeyCheck.objects.filter(pk=1).values_list("token", flat=True).first()
        if token is not None:
            return OK if _decrypts(token) else MISMATCH
        sample = _sample()
        if sample is not None and not _decrypts(sample):
            return MISMATCH  # never write the check under a key that does not read the data
        try:
            with transaction.atomic():
                FieldKeyCheck.objects.create(pk=1, token=crypto.encrypt(CHECK_TEXT))
        except IntegrityError:  # another process wrote it first: judge by its row
            token = FieldKeyCheck.objects.values_list("token", flat=True).get(pk=1)
            return OK if _decrypts(token) else MISMATCH
    except DatabaseError:
        return UNKNOWN  # no database here, or not migrated yet
    return OK


def refuse_if_mismatched(exit_code: int = 1) -> None:
    """Exit with MESSAGE (one line on stderr) when FIELD_KEY does not match the data."""
    if ensure() == MISMATCH:
        print(MESSAGE, file=sys.stderr, flush=True)
        raise SystemExit(exit_code)


def check_field_key_matches(app_configs: object, **kwargs: object) -> list[CheckMessage]:
    from django.core import checks

    if ensure() == MISMATCH:
        return [checks.Error(MESSAGE, id="baodao.E002")]
    return []


def written_after_migrate(sender: object, using: str = "default", **kwargs: object) -> None:
    """post_migrate: the check row of a new database, under the key it was migrated with."""
    if using == "default":
        ensure()
