"""Test-wide settings and fixtures.

pytest-django has configured Django by the time `pytest_configure` runs here, so the speed knobs are
applied with `override_settings(...).enable()`: that fires `setting_changed`, which resets Django's
cache handler, password hasher and static storage caches that may already hold the old values.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# pytester: tests of the test set-up itself. tests.browser_guard: a browser test that skips fails
# (marked `browser` or using a Playwright fixture such as `page`). tests.worker: the `celery_worker`
# fixture, a real Celery worker for the tests of background jobs.
pytest_plugins = ["pytester", "tests.browser_guard", "tests.worker"]

# Sync Playwright runs an event loop in the test thread; Django would refuse ORM calls there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# A fixed SM4 key for tests only (32 hex chars); production keys come from FIELD_KEY / FIELD_KEY_FILE.
TEST_FIELD_KEY = "0123456789abcdeffedcba9876543210"

STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    # Noise from plugins and from WhiteNoise before collectstatic, not from our code.
    config.addinivalue_line("filterwarnings", "ignore:Session-scoped fixtures defined as instance methods")
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")

    from django.conf import settings

    if not settings.configured:  # running with -p no:django
        return
    from django.test.utils import override_settings

    override_settings(
        FIELD_KEY=TEST_FIELD_KEY,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # locmem even when REDIS_URL is set: each xdist worker gets its own cache, clear() stays local.
        CACHES={"default": settings.LOCMEM_CACHE},
        CELERY_TASK_ALWAYS_EAGER=True,
        CELERY_TASK_EAGER_PROPAGATES=True,
        # Uploads import synchronously; the one test of the background thread turns it back on.
        IMPORT_RUN_IN_THREAD=False,
        # Group robots: the tests' local robot server on 127.0.0.1 (any port) is admitted here only;
        # deliveries go out right after the commit instead of from a background thread.
        WEBHOOK_ALLOWED_HOSTS=["http://127.0.0.1:*"],
        WEBHOOK_RUN_IN_THREAD=False,
        # Templates use {% static %}; the manifest storage (DEBUG off) would need collectstatic first.
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}},
        # Every test Client builds the middleware again, and WhiteNoise then indexes STATIC_ROOT:
        # a staticfiles/ left by `make run` or `make bench` made the suite 1.5 times slower.
        STATIC_ROOT=str(Path(settings.BASE_DIR) / "var" / "no-collected-static-in-tests"),
    ).enable()

    from baodao.core import crypto

    crypto._keys.cache_clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs the suite twice, on SQLite and on PostgreSQL; a test marked `one_leg` uses
    neither (it starts `make run` on a SQLite file of its own), so the second leg leaves it out
    (BAODAO_SECOND_LEG=1, set by scripts/test.sh): deselected, not skipped — it ran in the first.
    A test marked `postgresql` runs in the PostgreSQL leg only, likewise.

    And a test of the kept world sets it up first, right after the caches are cleared and before
    any other fixture (pytest-django's `django_db` marker opens the test's transaction in an
    autouse fixture): the kept layers are built or rolled back outside any transaction of the
    test, and the cache they come with is not cleared after (baodao/conftest.py WorldCache)."""
    from django.conf import settings

    for item in items:
        names = getattr(item, "fixturenames", None)
        if names and "_kept_world" in names:
            first = [n for n in ("_clear_caches", "_kept_world") if n in names]
            names[:] = first + [n for n in names if n not in first]
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        # pg_dump and pg_restore (a backup restored): the PostgreSQL leg only, deselected here.
        kept = [item for item in items if item.get_closest_marker("postgresql") is None]
        if len(kept) != len(items):
            config.hook.pytest_deselected(items=[item for item in items if item not in kept])
            items[:] = kept
    if os.environ.get("BAODAO_SECOND_LEG") != "1":
        return
    kept = [item for item in items if item.get_closest_marker("one_leg") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Roll the kept world back (baodao/conftest.py WorldCache) before a test that would see it
    without asking for it: one that uses the database but not `world`, or one that commits."""
    from baodao.conftest import WORLD_CACHE, uses_transactions

    if WORLD_CACHE.world is None:
        return
    names = getattr(item, "fixturenames", [])
    marker = item.get_closest_marker("django_db")
    uses_db = marker is not None or {"db", "transactional_db", "live_server"} & set(names)
    if uses_transactions(names, marker) or (uses_db and "world" not in names):
        WORLD_CACHE.close()


@pytest.fixture(autouse=True)
def _clear_caches() -> Iterator[None]:
    """Rules, sessions and lockout state live in the cache: nothing may leak from one test to the next."""
    from django.core.cache import caches

    from baodao.core import jobs

    for cache in caches.all():
        cache.clear()
    jobs.broker_seen_up()  # a broker refused by an earlier test is asked again
    yield


@pytest.fixture(scope="session")
def artifacts_dir(pytestconfig: pytest.Config) -> Path:
    """Where tests save screenshots and generated files for a person to look at (git-ignored)."""
    path = pytestconfig.rootpath / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium instead of Playwright's download (which these machines cannot fetch)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
