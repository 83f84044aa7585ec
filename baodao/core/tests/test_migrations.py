"""Every model change has its migration: a model edited without one (a rule's new choice, a new
field) would migrate a fresh database into a schema the code does not expect."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits 1 when a migration is missing
        pytest.fail(f"models changed without a migration (run makemigrations):\n{out.getvalue()}")
        raise AssertionError from exc
    assert "No changes detected" in out.getvalue()
