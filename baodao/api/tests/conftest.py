"""Every API test runs with ninja's deprecation warnings as errors.

django-ninja deprecates returning a `(status, body)` tuple from an operation in favour of
`ninja.Status(status, body)`; the warning is raised from ninja's own modules while a request is
handled, so an operation that slips back to a tuple fails its test instead of adding a line to
the warnings summary.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
NINJA_DEPRECATIONS_ARE_ERRORS = pytest.mark.filterwarnings("error::DeprecationWarning:ninja.*")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A conftest hook sees the whole session's items: mark only the tests of this folder.
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(NINJA_DEPRECATIONS_ARE_ERRORS)
