"""The lock files pin every package pip would install, also on a fresh Debian 12 (Python 3.11.2).

This machine may run a later 3.11 than Debian's stock python3: dependencies behind a marker such
as `python_full_version < "3.11.3"` (redis → async-timeout) are not installed here, yet pip would
add them, unpinned, on Debian 12. Every dependency of every pinned package is checked under both.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ["requirements.txt", "requirements-dev.txt"]
DEBIAN_12 = {"python_full_version": "3.11.2", "python_version": "3.11"}


def pins() -> dict[str, Requirement]:
    found: dict[str, Requirement] = {}
    for name in LOCKS:
        for line in (ROOT / name).read_text().splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if not line or line.startswith(("#", "-r")):
                continue
            req = Requirement(line)
            assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", f"{name}: {line} unpinned"
            found[canonicalize_name(req.name)] = req
    return found


@pytest.mark.parametrize("python", ["this machine", "Debian 12"])
def test_lock_files_pin_every_dependency(python: str) -> None:
    env = {**default_environment(), **(DEBIAN_12 if python == "Debian 12" else {}), "extra": ""}
    pinned = pins()
    missing: set[str] = set()
    for name, req in pinned.items():
        if req.marker is not None and not req.marker.evaluate(env):
            continue  # not installed under this Python
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # pinned for another Python than the one running the tests
        for dep in map(Requirement, requires):
            if (dep.marker is None or dep.marker.evaluate(env)) and canonicalize_name(dep.name) not in pinned:
                missing.add(f"{dep} (needed by {name})")
    assert missing == set()


def test_async_timeout_is_pinned_for_debian_12_only() -> None:
    req = pins()["async-timeout"]
    assert req.marker.evaluate({**default_environment(), **DEBIAN_12})
    assert not req.marker.evaluate({**default_environment(), "python_full_version": "3.11.7"})
