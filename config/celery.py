"""Celery app. Without REDIS_URL tasks run eagerly in the calling process (see settings).

Each worker also sweeps, every WORKER_SWEEP_SECONDS and once when it starts, in a thread of its main
process: the database is the record of every job, the broker's messages only nudges, so what a
killed worker or a restarted Redis lost is found in the database and done (`SWEEPS`). Several
workers may sweep at once: each sweep is safe to repeat (conditional updates).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_ready, worker_shutting_down

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
app = Celery("baodao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger("baodao.worker")

# (what, function): each returns how many things it mended.
SWEEPS = (
    ("robot messages queued again", "baodao.notifications.tasks.deliveries_sweep"),
    ("roster imports whose worker died", "baodao.directory.tasks.imports_sweep"),
)
_stop = threading.Event()


def sweep_once() -> None:
    from django.db import connections
    from django.utils.module_loading import import_string

    try:
        for what, path in SWEEPS:
            try:
                if n := import_string(path)():
                    log.warning("sweep: %s: %s", what, n)
            except Exception:  # the database away a moment: the next sweep tries again
                log.exception("sweep failed: %s", what)
    finally:
        connections.close_all()  # this thread's own


def _sweep_forever(seconds: float) -> None:
    while True:
        sweep_once()
        if _stop.wait(seconds):
            return


@worker_init.connect
def _check_field_key(**kwargs: Any) -> None:  # noqa: ANN401 - Celery's signal arguments
    """A FIELD_KEY that does not read the data: one line, and the worker does not start (it would
    import rosters under a second key)."""
    from baodao.accounts import keycheck

    keycheck.refuse_if_mismatched()


@worker_ready.connect
def _start_sweeping(**kwargs: Any) -> None:  # noqa: ANN401 - Celery's signal arguments
    from django.conf import settings

    seconds = float(settings.WORKER_SWEEP_SECONDS)
    threading.Thread(target=_sweep_forever, args=(seconds,), name="baodao-sweep", daemon=True).start()


@worker_shutting_down.connect
def _stop_sweeping(**kwargs: Any) -> None:  # noqa: ANN401 - Celery's signal arguments
    _stop.set()
