"""What the record tells the layers above it (stats keeps its counters by these), sent inside the
transaction of the change, so a counter moves exactly when the change commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

from baodao.core.hooks import Hook

# record, sign (+1 or -1): a confirmed record starts or stops counting (confirmed; confirmed and
# then returned; a confirmed record edited is sent as -1 for the row as it was, +1 as it is)
record_counted = Signal()

# (member, year, community) -> the member's progress against the year's minimums, read from the
# counters stats keeps (stats provides it in its ready(); the member's pages show it).
member_progress: Hook[Callable[..., Any]] = Hook("records.member_progress")
