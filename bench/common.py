"""Shared bits of the benchmark scripts: Django set-up, timing, and result lines.

Each script prints its results as plain `bench <name>: key=value ...` lines (easy to grep and to
compare between runs) and exits non-zero only when the measurement itself failed (a crash, or
figures that disagree with their baseline), never because a target was missed: the `target=`
field says that.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def result(name: str, **fields: object) -> None:
    parts = []
    for key, value in fields.items():
        if isinstance(value, float):
            value = f"{value:.3f}" if value < 10 else f"{value:.1f}"
        parts.append(f"{key}={value}")
    print(f"bench {name}: " + " ".join(parts), flush=True)


def say(text: str) -> None:
    print(f"  {text}", flush=True)


def timed(fn: Callable[[], object], *, repeat: int = 1, warmup: int = 0) -> tuple[float, object]:
    """Median wall time in seconds over `repeat` runs (after `warmup` runs), and the last value."""
    value = None
    for _ in range(warmup):
        value = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"
